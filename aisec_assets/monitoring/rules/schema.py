"""What a rule pack is: the vocabulary rules may name, the pydantic models of a rule and of its
typed logic kinds, and the pack as rows of `monitoring.detection_rules`.

The vocabulary is closed: families, severities, OWASP LLM Top 10 2025 and MITRE ATLAS ids,
the `monitoring.llm_events` columns a rule may target or group by. A name outside it is a load
error (see loader.py), never a dangling mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from aisec_resources.config.monitoring import DOMAIN_RE
from aisec_resources.warehouse import table_columns

FAMILIES: tuple[str, ...] = (
    "prompt_injection",
    "indirect_injection",
    "jailbreak",
    "system_prompt_extraction",
    "system_prompt_leakage",
    "pii_output",
    "secret_output",
    "exfiltration_url",
    "anomalous_output",
    "cost_abuse",
    "llm_jacking",
    "unauthorized_tool_call",
    "excessive_tool_calls",
    # a request for operational help with a harm, bare or inside a jailbreak wrapper
    "harmful_request",
)
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")

OWASP_LLM_2025: dict[str, str] = {
    "LLM01": "Prompt Injection",
    "LLM02": "Sensitive Information Disclosure",
    "LLM03": "Supply Chain",
    "LLM04": "Data and Model Poisoning",
    "LLM05": "Improper Output Handling",
    "LLM06": "Excessive Agency",
    "LLM07": "System Prompt Leakage",
    "LLM08": "Vector and Embedding Weaknesses",
    "LLM09": "Misinformation",
    "LLM10": "Unbounded Consumption",
}

# The MITRE ATLAS techniques and mitigations the rules may cite (SPEC §3.4 and the ones the
# runtime rules need). A closed list, so a typo is a load error instead of a dangling mapping.
ATLAS: dict[str, str] = {
    "AML.T0010": "AI Supply Chain Compromise",
    "AML.T0012": "Valid Accounts",
    "AML.T0020": "Poison Training Data",
    "AML.T0024": "Exfiltration via AI Inference API",
    "AML.T0029": "Denial of AI Service",
    "AML.T0034": "Cost Harvesting",
    "AML.T0040": "AI Model Inference API Access",
    "AML.T0051": "LLM Prompt Injection",
    "AML.T0051.000": "LLM Prompt Injection: Direct",
    "AML.T0051.001": "LLM Prompt Injection: Indirect",
    "AML.T0053": "AI Agent Tool Invocation",
    "AML.T0054": "LLM Jailbreak",
    "AML.T0055": "Unsecured Credentials",
    "AML.T0056": "Extract LLM System Prompt",
    "AML.T0057": "LLM Data Leakage",
    "AML.M0004": "Restrict Number of AI Model Queries",
    "AML.M0020": "Generative AI Guardrails",
    "AML.M0021": "Generative AI Guidelines",
    "AML.M0022": "Generative AI Model Alignment",
    "AML.M0023": "AI Bill of Materials",
    "AML.M0024": "AI Telemetry Logging",
}

# Columns of monitoring.llm_events, read from sql/schema/monitoring.sql.
LLM_EVENT_COLUMNS: tuple[str, ...] = table_columns("monitoring.llm_events")

# Text a pattern rule can scan: target name -> SQL expression over a monitoring.llm_events row.
# The only identifiers that reach generated SQL.
TEXT_TARGETS: dict[str, str] = {
    "prompt_text": "prompt_text",
    "retrieved_context": "retrieved_context",
    "response_text": "response_text",
    "system_prompt": "system_prompt",
    # one line per call: name(arguments)
    "tool_calls": (
        "nullif(array_to_string(list_transform(tool_calls, lambda c: c.name || '(' "
        "|| coalesce(c.arguments, '') || ')'), chr(10)), '')"
    ),
    "input_messages": "CAST(input_messages AS VARCHAR)",
    "output_messages": "CAST(output_messages AS VARCHAR)",
}
NUMERIC_METRICS: tuple[str, ...] = ("total_tokens", "input_tokens", "output_tokens", "cost_usd")
GROUP_KEYS: tuple[str, ...] = ("api_key_hash", "user_id", "team_id")
SPREAD_DIMENSIONS: tuple[str, ...] = ("request_model", "cloud_region", "provider_name", "endpoint")
RATE_KEYS: tuple[str, ...] = ("agent_id", "session_id", "api_key_hash", "user_id")

RULE_ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")
# Host part of the first URL in a matched span (the allowed-domain check looks only at it).
URL_HOST_RE = r"(?i)[a-z][a-z0-9+.-]*://[^\s/?#)\]\"'<>]+"

# How much of the target text around a match becomes the evidence excerpt.
EVIDENCE_CONTEXT_CHARS = 80
EVIDENCE_MAX_CHARS = 400

PER_EVENT_KINDS: tuple[str, ...] = (
    "pattern",
    "similarity",
    "session_shift",
    "classifier",
    "surprisal",
    "unrequested_action",
)
# What the tier-2 classifier can name (its classes besides "benign"; classifier.CLASSES) and the
# fields it was trained on; a classifier rule may use only these.
CLASSIFIER_CLASSES: tuple[str, ...] = (
    "prompt_injection",
    "indirect_injection",
    "jailbreak",
    "system_prompt_extraction",
)
CLASSIFIER_TARGETS: tuple[str, ...] = ("prompt_text", "retrieved_context")


# --------------------------------------------------------------------------- schema
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# A list of strings that may be written as one string in YAML.
StrList = Annotated[list[str], BeforeValidator(_as_list)]


class PatternLogic(_Model):
    """RE2 regexes over text; the rule fires when `regex` matches (validated, counted) and
    every `also` regex matches somewhere and no `unless` regex does."""

    kind: Literal["pattern"]
    regex: Annotated[StrList, Field(min_length=1)]  # alternatives: any of them
    also: StrList = []  # each must match somewhere in the same text
    unless: StrList = []  # none may match anywhere in the text
    span_unless: StrList = []  # a match whose span matches one of these does not count
    # none may match the event's prompt_text (the user's own question): for rules on content
    # the application retrieved, what the user asked for is no injection
    unless_question: StrList = []
    case_insensitive: bool = True
    # Cheap pre-check, run on the texts that passed the target's gate, before any other regex
    # of the rule: every match of `regex` must contain one of the `prefilter` literals
    # (compared case-insensitively), or match `prefilter_regex` (a small RE2 regex, e.g. a
    # character class) when no literals are given.
    prefilter: StrList = []
    prefilter_regex: str | None = None
    # What the target's gate holds for this rule (rules/gate.py): a necessary factor computed
    # from `regex` ("computed"), or the rule's own prefilter ("prefilter"), for rules whose
    # computed factor is large and unselective (a request verb list crossed with objects).
    gate: Literal["computed", "prefilter"] = "computed"
    min_matches: Annotated[int, Field(ge=1)] = 1
    min_length: Annotated[int, Field(ge=0)] = 0
    validator: Literal["luhn", "iban"] | None = None
    skip_allowed_domains: bool = False  # ignore matches whose first URL is on allowed_domains

    @model_validator(mode="after")
    def _gate_needs_a_prefilter(self) -> PatternLogic:
        if self.gate == "prefilter" and not (self.prefilter or self.prefilter_regex):
            raise ValueError("gate: prefilter needs `prefilter` or `prefilter_regex`")
        return self


class SimilarityLogic(_Model):
    """Shared word n-grams between the target text and the reference text (the event's own
    system prompt, else the latest one seen for the same agent/endpoint/model)."""

    kind: Literal["similarity"]
    reference: Literal["system_prompt"] = "system_prompt"
    shingle_words: Annotated[int, Field(ge=3, le=32)] = 8
    min_containment: Annotated[float, Field(gt=0, le=1)]  # shared / reference shingles
    min_shared: Annotated[int, Field(ge=1)] = 3
    # this many shared shingles is a leak whatever the containment (long system prompts)
    min_shared_absolute: Annotated[int, Field(ge=1)] = 40
    lookback_days: Annotated[int, Field(ge=0, le=90)] = 7


class SessionShiftLogic(_Model):
    """Length or character entropy of a response vs the session's other responses."""

    kind: Literal["session_shift"]
    measure: Literal["length", "entropy"]
    min_z: Annotated[float, Field(gt=0)]
    direction: Literal["up", "down", "both"] = "up"
    min_session_events: Annotated[int, Field(ge=2)] = 5  # other responses in the session
    min_value: Annotated[float, Field(ge=0)] = 0  # the response's own measure must reach it
    min_stddev: Annotated[float, Field(ge=0)] = 0  # floors of the others' spread
    min_stddev_ratio: Annotated[float, Field(ge=0)] = 0.25
    max_chars: Annotated[int, Field(ge=64, le=1_000_000)] = 8192  # entropy over a prefix
    min_chars: Annotated[int, Field(ge=0)] = 0  # shorter responses take no part


class BaselineLogic(_Model):
    """A key's day total vs the median of its own daily totals on earlier active days."""

    kind: Literal["baseline"]
    metric: Literal["total_tokens", "input_tokens", "output_tokens", "cost_usd", "requests"]
    group_by: str
    lookback_days: Annotated[int, Field(ge=1, le=90)] = 14
    min_history_days: Annotated[int, Field(ge=1)] = 3
    min_ratio: Annotated[float, Field(gt=1)]
    min_value: Annotated[float, Field(ge=0)]  # absolute floor of the day total


class DistinctSpreadLogic(_Model):
    """A key using many distinct values of a target column within a sliding window."""

    kind: Literal["distinct_spread"]
    group_by: str
    window_minutes: Annotated[int, Field(ge=1, le=1440)]
    min_distinct: Annotated[int, Field(ge=2)]
    lookback_days: Annotated[int, Field(ge=0, le=90)] = 14
    # values the key did not use in the lookback window, among those counted ("suddenly")
    min_new: Annotated[int, Field(ge=0)] = 1


class AllowListLogic(_Model):
    """Agent tool calls outside the agent's allow-list (see sql/monitoring/tool_allow_list.sql)."""

    kind: Literal["allow_list"]
    use_inventory: bool = True
    use_pack: bool = True  # the pack's tool_allow_lists (a site's own pack)
    use_config: bool = True  # aisec.yaml `monitoring.tool_allow_lists`


class RateLogic(_Model):
    """More than `max_calls` tool calls (or requests) per key within `window_seconds`."""

    kind: Literal["rate"]
    group_by: Annotated[list[str], Field(min_length=1)] = ["agent_id", "session_id"]
    window_seconds: Annotated[int, Field(ge=1, le=86400)] = 60
    max_calls: Annotated[int, Field(ge=1)]
    count: Literal["tool_calls", "requests"] = "tool_calls"


class ClassifierLogic(_Model):
    """The second tier: the trained classifier (aisec_assets/monitoring/classifier/) scores the
    target text; the rule fires when P(attack) reaches `min_score` (default: the model's
    calibrated threshold) and the model's most likely attack class is one of `classes` (any
    class when the list is empty). All classifier rules of one target share one scoring pass.
    `unless` (RE2, case-blind): a text matching one of these does not fire - mention is not
    use, as for the pattern rules (a judge prompt that names the attacks it looks for)."""

    kind: Literal["classifier"]
    classes: StrList = []
    min_score: Annotated[float, Field(gt=0, le=1)] | None = None
    unless: StrList = []


class SurprisalLogic(_Model):
    """Adversarial suffixes: the character model of aisec_assets/monitoring/char_lm.py scores
    the end of the prompt (the highest mean, over a window of tokens, of benign surprisal minus
    gibberish surprisal, bits per character); the rule fires at `min_score` (default: the
    model's calibrated threshold). `require_glue`: only prompts whose end has a letter next to
    markup/code punctuation or a camel-case hump are scored (the cost pre-condition)."""

    kind: Literal["surprisal"]
    min_score: Annotated[float, Field(gt=0, le=8)] | None = None
    require_glue: bool = True


class UnrequestedActionLogic(_Model):
    """Instructions embedded in data, compared with the user's question: a sentence of the
    retrieved content that tells its reader to act - one of `verbs` (send, forward, transfer,
    share, delete, ...) at the start of a sentence, a line, a list item or after "please" /
    "you must" - toward a destination (an e-mail address, a URL, an account number) within
    `max_gap_chars`, where the user's own question (the event's prompt_text) does not name that
    destination and its host is not one of the allowed domains. A document the user asked
    about may ask ITS reader for things; an agent acting on it for a destination nobody asked
    for is the injection. `unless`: sentences matching one of these are solicitations addressed
    to human readers (bug reports, patches, subscriptions) and do not count."""

    kind: Literal["unrequested_action"]
    verbs: Annotated[StrList, Field(min_length=1)]
    max_gap_chars: Annotated[int, Field(ge=10, le=400)] = 200
    unless: StrList = []


Logic = Annotated[
    PatternLogic
    | SimilarityLogic
    | SessionShiftLogic
    | ClassifierLogic
    | BaselineLogic
    | DistinctSpreadLogic
    | AllowListLogic
    | RateLogic
    | SurprisalLogic
    | UnrequestedActionLogic,
    Field(discriminator="kind"),
]


class Rule(_Model):
    id: str
    title: Annotated[str, Field(min_length=3)]
    description: str = ""
    family: str
    severity: str
    owasp: Annotated[StrList, Field(min_length=1)]
    atlas: Annotated[StrList, Field(min_length=1)]
    target: Annotated[StrList, Field(min_length=1)]
    logic: Logic
    enabled: bool = True
    references: list[str] = []

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not RULE_ID_RE.match(v):
            raise ValueError(f"rule id {v!r} must look like AISEC-LLM-001 (upper case, dashes)")
        return v

    @field_validator("family")
    @classmethod
    def _family(cls, v: str) -> str:
        if v not in FAMILIES:
            raise ValueError(f"unknown family {v!r}; expected one of: {', '.join(FAMILIES)}")
        return v

    @field_validator("severity")
    @classmethod
    def _severity(cls, v: str) -> str:
        if v not in SEVERITIES:
            raise ValueError(f"unknown severity {v!r}; expected one of: {', '.join(SEVERITIES)}")
        return v

    @field_validator("owasp")
    @classmethod
    def _owasp(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if x not in OWASP_LLM_2025]
        if bad:
            raise ValueError(f"unknown OWASP LLM 2025 id(s) {bad}; expected LLM01..LLM10")
        return v

    @field_validator("atlas")
    @classmethod
    def _atlas(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if x not in ATLAS]
        if bad:
            raise ValueError(f"unknown MITRE ATLAS id(s) {bad}; known: {', '.join(sorted(ATLAS))}")
        return v

    @property
    def tier(self) -> str:
        return "per_event" if self.logic.kind in PER_EVENT_KINDS else "aggregate"


class RulePack(_Model):
    pack: Annotated[str, Field(min_length=1)]
    version: str
    description: str = ""
    # URL hosts (and their subdomains) that exfiltration rules with skip_allowed_domains ignore;
    # the organisation's own domains are added from configuration (`OrgSettings`)
    allowed_domains: list[str] = []
    # agent id or name -> tool names it may call (a trailing * allows a prefix); used only for
    # agents whose allow-list the inventory does not describe. Empty in the shipped pack (it is
    # organisation-neutral): a site lists its agents in `monitoring.tool_allow_lists`.
    tool_allow_lists: dict[str, list[str]] = {}
    rules: Annotated[list[Rule], Field(min_length=1)]
    # not from the file: where it was read and a digest of its bytes
    path: str = ""
    sha256: str = ""

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def enabled_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]


# --------------------------------------------------------------------------- rows
def rule_rows(pack: RulePack) -> list[dict[str, Any]]:
    """The pack as rows of `monitoring.detection_rules` (without loaded_at)."""
    return [
        {
            "rule_id": r.id,
            "title": r.title,
            "description": r.description,
            "family": r.family,
            "severity": r.severity,
            "owasp": list(r.owasp),
            "atlas": list(r.atlas),
            "targets": list(r.target),
            "logic_kind": r.logic.kind,
            "logic": r.logic.model_dump(),
            "tier": r.tier,
            "enabled": r.enabled,
            "pack_name": pack.pack,
            "pack_version": pack.version,
            "pack_path": pack.path,
            "pack_sha256": pack.sha256,
        }
        for r in pack.rules
    ]


def describe(pack: RulePack) -> Mapping[str, int]:
    """Rule counts by family (enabled rules), for logs and asset metadata."""
    counts: dict[str, int] = {}
    for r in pack.enabled_rules:
        counts[r.family] = counts.get(r.family, 0) + 1
    return dict(sorted(counts.items()))


__all__ = ["DOMAIN_RE"]  # re-exported: the pack and the configuration share it
