"""Detection rules as data: load and validate a YAML rule pack, compile it to DuckDB SQL.

A rule pack (`rule_pack.yaml` beside this module is the shipped one) is a list of rules, each
with an id, title, family, severity, OWASP LLM Top 10 2025 and MITRE ATLAS mappings, the
`monitoring.llm_events` field(s) it looks at (`target`) and a typed `logic`:

per-event tier (one verdict per event)
  pattern         RE2 regexes over a text field, optional cheap literal prefilter, extra
                  required / excluding regexes, a minimum match count, match validators
                  (Luhn, IBAN mod-97, allow-listed URL hosts) - all evaluated in SQL
  similarity      word n-gram shingles a response shares with the system prompt
  session_shift   z-score of a response's length or character entropy against the same
                  session's other responses
  classifier      the second tier: the trained classifier of tier2_model/ (hashed n-grams +
                  logistic regression, numpy) scores prompt_text / retrieved_context; fires
                  at the model's calibrated threshold when its most likely attack class is
                  one of the rule's classes
aggregate tier (one verdict per key and day, pinned to the event that crossed the threshold)
  baseline        tokens / cost / requests per key or user per day vs its own trailing baseline
  distinct_spread a key calling many distinct models or regions within a window (LLM-jacking)
  allow_list      agent tool calls outside the agent's allow-list (inventory, else the pack)
  rate            tool calls per agent and session within a sliding window

Compilation never loops over rows in Python. All pattern rules of one target field become
ONE scan: a gate (per rule a necessary factor of its regexes, alternated into DFA-sized chunks)
drops the texts no rule can match, then each rule is a `CASE WHEN <condition> THEN <rule index>
END` element of a list that is filtered and unnested, so the rule ids survive the single pass;
the matched span is extracted for the hits only. Every other rule runs a fixed SQL file of
`sql/monitoring/` with its parameters as DuckDB variables. Regexes, literals and rule ids reach
the generated SQL only as bound parameters; identifiers come from the fixed `TEXT_TARGETS`
table below. (Measured with `python -m benchmarks.bench_detection` on its day of 1,000,000
events, 847 MB of prompt, context and response text, one core: 163-175 MB/s for the combined
scans vs 24-25 MB/s for one scan per rule; 2-vCPU VM, DuckDB 2.0.1.)

A bad pack is one `RulePackError` listing every problem as `file:line: field: message`, with
lines taken from the YAML nodes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from aisec_resources.warehouse import table_columns

DEFAULT_PACK = Path(__file__).with_name("rule_pack.yaml")

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
DOMAIN_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Host part of the first URL in a matched span (the allowed-domain check looks only at it).
URL_HOST_RE = r"(?i)[a-z][a-z0-9+.-]*://[^\s/?#)\]\"'<>]+"

# How much of the target text around a match becomes the evidence excerpt.
EVIDENCE_CONTEXT_CHARS = 80
EVIDENCE_MAX_CHARS = 400

PER_EVENT_KINDS: tuple[str, ...] = ("pattern", "similarity", "session_shift", "classifier")
# What the tier-2 classifier can name (its classes besides "benign"; tier2.CLASSES) and the
# fields it was trained on; a classifier rule may use only these.
CLASSIFIER_CLASSES: tuple[str, ...] = (
    "prompt_injection",
    "indirect_injection",
    "jailbreak",
    "system_prompt_extraction",
)
CLASSIFIER_TARGETS: tuple[str, ...] = ("prompt_text", "retrieved_context")


# --------------------------------------------------------------------------- errors
@dataclass(frozen=True)
class PackProblem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class RulePackError(ValueError):
    """A rule pack that cannot be used; `problems` names file, line and field of each."""

    def __init__(self, problems: Sequence[PackProblem]):
        self.problems = list(problems)
        super().__init__("invalid rule pack:\n" + "\n".join(f"  {p}" for p in self.problems))


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
    case_insensitive: bool = True
    # Cheap pre-check, run on the texts that passed the target's gate, before any other regex
    # of the rule: every match of `regex` must contain one of the `prefilter` literals
    # (compared case-insensitively), or match `prefilter_regex` (a small RE2 regex, e.g. a
    # character class) when no literals are given.
    prefilter: StrList = []
    prefilter_regex: str | None = None
    min_matches: Annotated[int, Field(ge=1)] = 1
    min_length: Annotated[int, Field(ge=0)] = 0
    validator: Literal["luhn", "iban"] | None = None
    skip_allowed_domains: bool = False  # ignore matches whose first URL is on allowed_domains


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
    use_pack: bool = True


class RateLogic(_Model):
    """More than `max_calls` tool calls (or requests) per key within `window_seconds`."""

    kind: Literal["rate"]
    group_by: Annotated[list[str], Field(min_length=1)] = ["agent_id", "session_id"]
    window_seconds: Annotated[int, Field(ge=1, le=86400)] = 60
    max_calls: Annotated[int, Field(ge=1)]
    count: Literal["tool_calls", "requests"] = "tool_calls"


class ClassifierLogic(_Model):
    """The second tier: the trained classifier (aisec_assets/monitoring/tier2_model) scores the
    target text; the rule fires when P(attack) reaches `min_score` (default: the model's
    calibrated threshold) and the model's most likely attack class is one of `classes` (any
    class when the list is empty). All classifier rules of one target share one scoring pass."""

    kind: Literal["classifier"]
    classes: StrList = []
    min_score: Annotated[float, Field(gt=0, le=1)] | None = None


Logic = Annotated[
    PatternLogic
    | SimilarityLogic
    | SessionShiftLogic
    | ClassifierLogic
    | BaselineLogic
    | DistinctSpreadLogic
    | AllowListLogic
    | RateLogic,
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
    # URL hosts (and their subdomains) that exfiltration rules with skip_allowed_domains ignore
    allowed_domains: list[str] = []
    # agent id or name -> tool names it may call (a trailing * allows a prefix); used only for
    # agents whose allow-list the inventory does not describe
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


# --------------------------------------------------------------------------- loading
Loc = tuple[str | int, ...]


def _compose(text: str, file: str) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML into plain data plus the line of every node, by path."""
    marks: dict[Loc, int] = {}
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        problems = [PackProblem(file, line, "<yaml>", f"not valid YAML: {problem}")]
        raise RulePackError(problems) from None
    if root is None:
        raise RulePackError([PackProblem(file, None, "<yaml>", "the file is empty")])
    problems: list[PackProblem] = []
    constructor = yaml.SafeLoader("")

    def build(node: yaml.Node, loc: Loc) -> Any:
        marks[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str) or key == "<<":
                    problems.append(
                        PackProblem(
                            file,
                            key_node.start_mark.line + 1,
                            _loc_text((*loc, str(key))),
                            "keys must be plain strings (no merge keys)",
                        )
                    )
                    continue
                if key in out:
                    problems.append(
                        PackProblem(
                            file,
                            key_node.start_mark.line + 1,
                            _loc_text((*loc, key)),
                            "duplicate key",
                        )
                    )
                    continue
                out[key] = build(value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return constructor.construct_object(node, deep=True)

    data = build(root, ())
    if problems:
        raise RulePackError(problems)
    return data, marks


def _loc_text(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


class _Locator:
    """Maps a field path to its YAML line and a readable name (with the rule id)."""

    def __init__(self, file: str, data: Any, marks: dict[Loc, int]):
        self.file = file
        self.data = data
        self.marks = marks

    def problem(self, loc: Sequence[str | int], message: str) -> PackProblem:
        # Pydantic inserts union tags and validator names into locations; keep the parts
        # that exist in the document, so the line is the deepest node that does.
        found: list[str | int] = []
        last = -1
        for index, part in enumerate(loc):
            if (*found, part) in self.marks:
                found.append(part)
                last = index
        # a missing field is named although it has no node (and so no line) of its own
        extra = [p for p in loc[last + 1 :] if isinstance(p, str) and p in _FIELD_NAMES]
        name = _loc_text((*found, *extra))
        if len(found) >= 2 and found[0] == "rules" and isinstance(found[1], int):
            rule = self.data["rules"][found[1]] if isinstance(self.data, dict) else None
            rule_id = rule.get("id") if isinstance(rule, dict) else None
            if isinstance(rule_id, str):
                name += f" ({rule_id})"
        return PackProblem(self.file, self.marks.get(tuple(found)), name, message)


_FIELD_NAMES = {
    n
    for model in (
        RulePack,
        Rule,
        PatternLogic,
        SimilarityLogic,
        SessionShiftLogic,
        ClassifierLogic,
        BaselineLogic,
        DistinctSpreadLogic,
        AllowListLogic,
        RateLogic,
    )
    for n in model.model_fields
}


def load_rule_pack(path: Path | str | None = None) -> RulePack:
    """Read and validate a rule pack (default: the shipped one); raises `RulePackError`."""
    pack_path = Path(path) if path is not None else DEFAULT_PACK
    file = str(pack_path)
    try:
        raw = pack_path.read_bytes()
    except OSError as exc:
        raise RulePackError([PackProblem(file, None, "<file>", f"cannot read: {exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulePackError([PackProblem(file, None, "<file>", f"not UTF-8: {exc}")]) from None
    return parse_rule_pack(text, file, sha256=hashlib.sha256(raw).hexdigest())


def parse_rule_pack(text: str, file: str = "<string>", sha256: str | None = None) -> RulePack:
    """Validate rule-pack YAML text; `file` names it in errors."""
    data, marks = _compose(text, file)
    locator = _Locator(file, data, marks)
    if not isinstance(data, dict):
        raise RulePackError([locator.problem((), "the pack must be a mapping with `rules:`")])
    for reserved in ("path", "sha256"):
        if reserved in data:
            raise RulePackError([locator.problem((reserved,), "reserved field, set by the loader")])
    problems = _check_document(data, locator)
    try:
        pack = RulePack.model_validate(
            {
                **data,
                "path": file,
                "sha256": sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
            }
        )
    except ValidationError as exc:
        for err in exc.errors():
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "missing":
                message = "required field is missing"
            elif err["type"] == "extra_forbidden":
                message = "unknown field"
            elif err["type"] == "union_tag_invalid":
                given = err.get("input", {})
                message = (
                    f"unknown logic kind {given.get('kind') if isinstance(given, dict) else None!r}"
                    "; expected one of: pattern, similarity, session_shift, classifier, "
                    "baseline, distinct_spread, allow_list, rate"
                )
            problems.append(locator.problem(err["loc"], message))
        problems.sort(key=lambda p: (p.line or 0, p.field))
        raise RulePackError(problems) from None
    if problems:
        raise RulePackError(sorted(problems, key=lambda p: (p.line or 0, p.field)))
    return pack


@cache
def _regex_checker() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


def regex_problem(pattern: str, case_insensitive: bool) -> str | None:
    """Why DuckDB's RE2 would refuse (or misuse) a rule regex, else None."""
    full = ("(?i)" if case_insensitive else "") + pattern
    try:
        row = _regex_checker().execute("SELECT regexp_matches('', ?)", [full]).fetchone()
    except duckdb.Error as exc:
        return f"not a valid RE2 regex: {str(exc).split('Error: ', 1)[-1]}"
    if row and row[0]:
        return "matches the empty text, so it would match every event"
    return None


def _strings(value: Any) -> list[str]:
    """A str-or-list field of the raw document, its strings only (types are pydantic's job)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


_KIND_TARGETS: dict[str, tuple[str, ...]] = {
    "pattern": tuple(TEXT_TARGETS),
    "similarity": ("response_text",),
    "session_shift": ("response_text",),
    "classifier": CLASSIFIER_TARGETS,
    "baseline": ("total_tokens", "input_tokens", "output_tokens", "cost_usd", "event_id"),
    "distinct_spread": SPREAD_DIMENSIONS,
    "allow_list": ("tool_calls",),
    "rate": ("tool_calls",),
}


def _check_document(data: dict[str, Any], at: _Locator) -> list[PackProblem]:
    """Checks beyond the field schema: ids, targets per logic kind, regexes, lists.

    Run on the raw document, next to the schema validation, so one load reports every problem;
    fields of the wrong type are left to the schema.
    """
    problems: list[PackProblem] = []
    rules = data.get("rules")
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        base: Loc = ("rules", i)
        rule_id = rule.get("id")
        if isinstance(rule_id, str):
            if rule_id in seen:
                problems.append(
                    at.problem(
                        (*base, "id"), f"duplicate rule id (first at rules[{seen[rule_id]}])"
                    )
                )
            seen.setdefault(rule_id, i)
        logic = rule.get("logic") if isinstance(rule.get("logic"), dict) else {}
        kind = logic.get("kind")
        problems += _check_targets(rule, kind, logic, base, at)
        if kind == "pattern":
            case_insensitive = logic.get("case_insensitive", True) is not False
            for key in ("regex", "also", "unless", "span_unless"):
                value = logic.get(key)
                patterns = [value] if isinstance(value, str) else value
                for j, pattern in enumerate(patterns if isinstance(patterns, list) else []):
                    if isinstance(pattern, str):
                        why = regex_problem(pattern, case_insensitive)
                        loc = (
                            (*base, "logic", key)
                            if isinstance(value, str)
                            else (*base, "logic", key, j)
                        )
                        if why:
                            problems.append(at.problem(loc, why))
            pre = logic.get("prefilter_regex")
            if isinstance(pre, str):
                why = regex_problem(pre, case_insensitive)
                if why:
                    problems.append(at.problem((*base, "logic", "prefilter_regex"), why))
            for j, literal in enumerate(_strings(logic.get("prefilter"))):
                if not literal.strip():
                    problems.append(at.problem((*base, "logic", "prefilter", j), "empty literal"))
            if logic.get("skip_allowed_domains") is True and not data.get("allowed_domains"):
                problems.append(
                    at.problem(
                        (*base, "logic", "skip_allowed_domains"),
                        "the pack has no allowed_domains to skip",
                    )
                )
        elif kind == "classifier":
            raw_classes = logic.get("classes")
            for j, name in enumerate(_strings(raw_classes)):
                if name not in CLASSIFIER_CLASSES:
                    loc = (
                        (*base, "logic", "classes")
                        if isinstance(raw_classes, str)
                        else (*base, "logic", "classes", j)
                    )
                    problems.append(
                        at.problem(
                            loc,
                            f"the classifier has no class {name!r}; expected any of: "
                            f"{', '.join(CLASSIFIER_CLASSES)}",
                        )
                    )
        elif kind in ("baseline", "distinct_spread"):
            group_by = logic.get("group_by")
            if isinstance(group_by, str) and group_by not in GROUP_KEYS:
                problems.append(
                    at.problem(
                        (*base, "logic", "group_by"),
                        f"cannot group by {group_by!r}; expected one of: {', '.join(GROUP_KEYS)}",
                    )
                )
        elif kind == "rate":
            for j, key in enumerate(_strings(logic.get("group_by"))):
                if key not in RATE_KEYS:
                    problems.append(
                        at.problem(
                            (*base, "logic", "group_by", j),
                            f"cannot group by {key!r}; expected any of: {', '.join(RATE_KEYS)}",
                        )
                    )
    for j, domain in enumerate(_strings(data.get("allowed_domains"))):
        if not DOMAIN_RE.match(domain):
            problems.append(
                at.problem(("allowed_domains", j), f"{domain!r} is not a lower-case domain name")
            )
    allow_lists = data.get("tool_allow_lists")
    for agent, tools in (allow_lists if isinstance(allow_lists, dict) else {}).items():
        for j, tool in enumerate(_strings(tools)):
            if not tool.strip() or tool.strip() == "*":
                problems.append(
                    at.problem(("tool_allow_lists", agent, j), "empty or match-all tool name")
                )
    return problems


def _check_targets(
    rule: dict[str, Any], kind: Any, logic: dict[str, Any], base: Loc, at: _Locator
) -> list[PackProblem]:
    problems = []
    raw = rule.get("target")
    targets = _strings(raw)
    allowed = _KIND_TARGETS.get(kind) if isinstance(kind, str) else None
    for j, target in enumerate(targets):
        loc = (*base, "target") if isinstance(raw, str) else (*base, "target", j)
        if target not in LLM_EVENT_COLUMNS:
            problems.append(at.problem(loc, f"{target!r} is not a column of monitoring.llm_events"))
        elif allowed is not None and target not in allowed:
            problems.append(
                at.problem(
                    loc,
                    f"{target!r} cannot be a target of {kind} logic; "
                    f"expected one of: {', '.join(allowed)}",
                )
            )
    if len(set(targets)) != len(targets):
        problems.append(at.problem((*base, "target"), "a target is listed twice"))
    metric = logic.get("metric")
    if kind == "baseline" and isinstance(metric, str):
        metric_target = "event_id" if metric == "requests" else metric
        if targets != [metric_target]:
            problems.append(
                at.problem(
                    (*base, "target"),
                    f"a baseline rule on {metric} targets exactly [{metric_target}]",
                )
            )
    return problems


# --------------------------------------------------------------------------- compilation
@dataclass(frozen=True)
class ClassifierRule:
    rule_id: str
    classes: tuple[str, ...]  # empty: any attack class
    min_score: float | None  # None: the model's calibrated threshold


@dataclass(frozen=True)
class ClassifierScan:
    """One scoring pass of the tier-2 classifier over `target` for all its classifier rules."""

    target: str
    rules: tuple[ClassifierRule, ...]


@dataclass(frozen=True)
class CompiledStep:
    """One pass over the day's events that inserts hits into the temp table detection_hits.

    Generated SQL (`sql`, values as $named `params`; `$day` is added at run time), a file of
    sql/monitoring run with `run_sql` (values as DuckDB `variables`; `day` added), or a
    classifier scan (`classifier`, run by classify.py: texts read in batches, scored by the
    model in numpy, hits inserted).
    """

    name: str
    rule_ids: tuple[str, ...]
    sql: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    sql_file: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    classifier: ClassifierScan | None = None


@dataclass(frozen=True)
class CompiledPack:
    pack: RulePack
    steps: tuple[CompiledStep, ...]


def compile_pack(pack: RulePack, combined: bool = True) -> CompiledPack:
    """The pack's enabled rules as SQL steps.

    `combined=True` (the product): all pattern rules of one target in one scan.
    `combined=False` (the benchmark's reference): every pattern rule as its own scan.
    Classifier rules of one target always share one scoring pass (the model scores a text once
    whatever the number of rules reading its verdict).
    """
    steps: list[CompiledStep] = []
    rules = pack.enabled_rules
    by_target: dict[str, list[Rule]] = {}
    classified: dict[str, list[Rule]] = {}
    for rule in rules:
        if isinstance(rule.logic, PatternLogic | ClassifierLogic):
            into = by_target if isinstance(rule.logic, PatternLogic) else classified
            for target in rule.target:
                into.setdefault(target, []).append(rule)
    for target, target_rules in by_target.items():
        groups = [target_rules] if combined else [[r] for r in target_rules]
        for group in groups:
            steps.append(compile_pattern_scan(group, target, pack.allowed_domains))
    for rule in rules:
        if not isinstance(rule.logic, PatternLogic | ClassifierLogic):
            steps.extend(_compile_file_rule(rule, pack))
    # Last: the most expensive steps, and the cheap tier's hits are complete before they run.
    for target, target_rules in classified.items():
        steps.append(compile_classifier_scan(target_rules, target))
    return CompiledPack(pack, tuple(steps))


def compile_classifier_scan(rules: Sequence[Rule], target: str) -> CompiledStep:
    """The classifier rules of one target as one scoring pass."""
    if target not in CLASSIFIER_TARGETS:
        raise ValueError(f"the classifier cannot score {target!r}")
    entries: list[ClassifierRule] = []
    for rule in rules:
        if not isinstance(rule.logic, ClassifierLogic):
            raise TypeError(f"{rule.id} is not a classifier rule")
        entries.append(ClassifierRule(rule.id, tuple(rule.logic.classes), rule.logic.min_score))
    names = ", ".join(r.id for r in rules)
    return CompiledStep(
        name=f"classifier scan of {target} ({len(rules)} rule(s): {names})",
        rule_ids=tuple(r.id for r in rules),
        classifier=ClassifierScan(target, tuple(entries)),
    )


def _domains_regex(domains: Sequence[str]) -> str:
    alternatives = "|".join(re.escape(d) for d in sorted(set(domains)))
    # scheme://[userinfo@]host[:port] where host is an allowed domain or one of its subdomains
    return rf"(?i)^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?(?:[a-z0-9-]+\.)*(?:{alternatives})(?::\d+)?$"


_COUNTED_REPEAT = re.compile(r"(?<!\\)\{(\d+),(\d*)\}(\??)")


def _loosen(pattern: str) -> str:
    """`pattern` with bounded repeats relaxed: `x{0,300}` -> `x*`, `x{1,3}` -> `x+`,
    `x{9,15}` -> `x{9,}`.

    A superset of the pattern (every match still matches), so it may stand in for the pattern
    in the gate. Counted repeats are what blow up RE2's DFA when dozens of rules are
    alternated into one gate (it then falls back to a slow NFA); stars cost nothing.
    """

    def repl(m: re.Match[str]) -> str:
        low, high, lazy = int(m.group(1)), m.group(2), m.group(3)
        if high == "" or int(high) <= 1:
            return m.group(0)
        if low >= 2:  # the minimum is the selective part: keep it, drop the upper bound
            return f"{{{low},}}{lazy}"
        return ("*" if low == 0 else "+") + lazy

    return _COUNTED_REPEAT.sub(repl, pattern)


def _rule_prefilter(logic: PatternLogic) -> str | None:
    """The rule's own cheap pre-check (its literals, else its prefilter regex), if any."""
    if logic.prefilter:
        # literals are compared case-insensitively whatever the rule's case (still implied)
        return "(?i:" + "|".join(re.escape(lit) for lit in logic.prefilter) + ")"
    if logic.prefilter_regex:
        flags = "i" if logic.case_insensitive else "-i"
        return f"(?{flags}:{logic.prefilter_regex})"
    return None


def _loosened_gate(logic: PatternLogic) -> str:
    """The rule's own regexes with counted repeats loosened, repeated (up to three times) for
    rules that need several matches: selective, but large. The last resort of `_rule_gate`."""
    flags = "i" if logic.case_insensitive else "-i"
    one = "|".join(f"(?:{_loosen(x)})" for x in logic.regex)
    # Each copy multiplies the DFA's states: at most three (selective enough), and only one
    # of a large regex (the leetspeak keyword list, the many-shot turn markers).
    copies = max(1, min(logic.min_matches, 3, 1500 // max(len(one), 1)))
    return f"(?{flags}:" + r"[\s\S]*".join([f"(?:{one})"] * copies) + ")"


# --------------------------------------------------------------------------- gates
# A rule's gate is a regex every text the rule can fire on matches. The gates of all the rules
# of a target are alternated into one pass that has to stay in RE2's DFA: a DFA state is the set
# of partial matches alive at a point of the text, and what multiplies them is a gap that runs
# over words (`[^\n]{0,200}`, `(?:\w+\s+){0,3}`, `[\s\S]*`: a thread that, once started, lives
# on through the next words, in combination with every other one) and a long count of letters
# (`[A-Za-z0-9+/]{32,}`: every word of every text is counted). The loosened regexes of the 16
# prompt_text rules needed three 8,000-character chunks, one of which outgrew the DFA cache (RE2
# as DuckDB builds it gets 8 MB) and ran at ~50 MB/s; whole, they ran at 0.7 MB/s.
#
# So a gate is a *necessary factor* of the rule's regexes, with those parts cut: for `A gap B`
# every match contains a match of `A` (and of `B`); the heavier of the two stands for it. That
# needs the regex as a tree; the parser below reads the RE2 syntax the pack uses, and anything
# else (ValueError) makes the rule fall back to its loosened regexes.
@dataclass(frozen=True)
class _RxAtom:
    src: str
    kind: Literal["char", "assert", "flags"] = "char"


@dataclass(frozen=True)
class _RxGroup:
    opener: str  # "(?:" or "(?flags:"
    body: _Rx


@dataclass(frozen=True)
class _RxAlt:
    branches: tuple[_Rx, ...]


@dataclass(frozen=True)
class _RxConcat:
    items: tuple[_Rx, ...]


@dataclass(frozen=True)
class _RxRepeat:
    item: _RxAtom | _RxGroup
    low: int
    high: int | None  # None: unbounded
    quantifier: str  # as written, laziness included


_Rx = _RxAtom | _RxGroup | _RxAlt | _RxConcat | _RxRepeat

_RX_QUANTIFIER = re.compile(r"[*+?]|\{(\d+)(?:(,)(\d*))?\}")
_RX_FLAGS = re.compile(r"\(\?([imsU]*)(?:-([imsU]*))?([:)])")
_RX_ASSERTIONS = {"^", "$", r"\b", r"\B", r"\A", r"\z"}


class _RxParser:
    def __init__(self, pattern: str):
        self.s = pattern
        self.i = 0

    def parse(self) -> _Rx:
        node = self._alt()
        if self.i != len(self.s):
            raise ValueError(f"unexpected {self.s[self.i]!r} at {self.i}")
        return node

    def _alt(self) -> _Rx:
        branches = [self._concat()]
        while self.s.startswith("|", self.i):
            self.i += 1
            branches.append(self._concat())
        return branches[0] if len(branches) == 1 else _RxAlt(tuple(branches))

    def _concat(self) -> _Rx:
        items: list[_Rx] = []
        while self.i < len(self.s) and self.s[self.i] not in "|)":
            atom = self._atom()
            m = _RX_QUANTIFIER.match(self.s, self.i)
            if m and isinstance(atom, _RxAtom) and atom.kind != "char":
                raise ValueError(f"quantified assertion at {self.i}")
            if m:
                self.i = m.end()
                if self.s.startswith("?", self.i):
                    self.i += 1
                q = m.group(0)
                low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}.get(q, (0, 0))
                if q.startswith("{"):
                    low = int(m.group(1))
                    high = low if not m.group(2) else int(m.group(3)) if m.group(3) else None
                atom = _RxRepeat(atom, low, high, self.s[m.start() : self.i])
            items.append(atom)
        return items[0] if len(items) == 1 else _RxConcat(tuple(items))

    def _atom(self) -> _RxAtom | _RxGroup:
        s, i = self.s, self.i
        if s[i] == "(":
            if s.startswith("(?", i):
                m = _RX_FLAGS.match(s, i)
                if not m:
                    raise ValueError(f"unsupported group at {i}")
                self.i = m.end()
                if m.group(3) == ")":
                    return _RxAtom(m.group(0), "flags")
                opener = m.group(0)
            else:  # a capturing group gates like a non-capturing one
                opener = "(?:"
                self.i = i + 1
            body = self._alt()
            if not s.startswith(")", self.i):
                raise ValueError(f"unclosed group at {i}")
            self.i += 1
            return _RxGroup(opener, body)
        if s[i] == "[":
            j = i + 1 + (s[i + 1 : i + 2] == "^")
            j += s[j : j + 1] == "]"  # a leading ] is a literal
            while s[j] != "]":
                if s[j] == "\\":
                    j = self._escape_end(j)
                elif s.startswith("[:", j):
                    j = s.index(":]", j) + 2
                else:
                    j += 1
            self.i = j + 1
            return _RxAtom(s[i : j + 1])
        if s[i] in "*+?{":
            raise ValueError(f"nothing to repeat at {i}")
        self.i = self._escape_end(i) if s[i] == "\\" else i + 1
        src = s[i : self.i]
        return _RxAtom(src, "assert" if src in _RX_ASSERTIONS else "char")

    def _escape_end(self, i: int) -> int:
        s = self.s
        if i + 1 >= len(s):
            raise ValueError("trailing backslash")
        c = s[i + 1]
        if c in "xpP" and s.startswith("{", i + 2):
            return s.index("}", i) + 1
        if c == "x":
            return i + 4
        if c in "pP":
            return i + 3
        if c in "QEC" or (c.isdigit() and c != "0"):
            raise ValueError(f"unsupported escape \\{c}")
        return i + 2


def _rx_emit(node: _Rx) -> str:
    if isinstance(node, _RxAtom):
        return node.src
    if isinstance(node, _RxGroup):
        return node.opener + _rx_emit(node.body) + ")"
    if isinstance(node, _RxAlt):
        return "|".join(_rx_emit(b) for b in node.branches)
    if isinstance(node, _RxConcat):
        return "".join(_rx_emit(x) for x in node.items)
    return _rx_emit(node.item) + node.quantifier


# Flags in effect: only those the rule (case_insensitive) or the pattern set explicitly. A
# `(?i)` holds to the end of its group, over later alternatives too, so a factor taken out of
# its place is wrapped in the flags that were in effect there.
_Flags = tuple[tuple[str, bool], ...]


def _set_flags(flags: _Flags, on: str, off: str) -> _Flags:
    merged = dict(flags) | dict.fromkeys(on, True) | dict.fromkeys(off, False)
    return tuple(sorted(merged.items()))


def _with_flags(src: str, flags: _Flags, context: _Flags) -> str:
    """`src` to be placed where `context` is in effect, matching as under `flags` (but case
    blind, see `_case_blind`)."""
    if flags == context:
        return src
    on = "".join(f for f, v in flags if v)
    off = "".join(f for f, v in flags if not v and f != "i")
    return f"(?{on}{'-' + off if off else ''}:{src})"


# A gate may match more than its rule, never less, and what costs DFA states without making
# it much more selective goes: case (every case-sensitive letter splits RE2's byte classes, and
# every state carries a transition per class; case-blind, the prompt_text gates ran about 30%
# faster and passed the same texts) and non-ASCII characters (each splits the UTF-8 bytes).
def _case_blind(flags_src: str) -> str:
    """A `(?flags)` setter or `(?flags:` opener without `-i`."""
    m = _RX_FLAGS.match(flags_src)
    assert m is not None
    on, off = m.group(1), (m.group(2) or "").replace("i", "")
    if m.group(3) == ")":
        return f"(?{on}-{off})" if off else f"(?{on})" if on else ""
    return f"(?{on}{'-' + off if off else ''}:"


def _excludes_letters(src: str) -> bool:
    """Whether an atom is a negated class that may name a letter (`[^a]`, `[^\\x{0430}]`,
    `\\PL`): the one kind of atom that matches less, not more, case-blind."""
    if not src.startswith(("\\P", "[^")):
        return False
    caseless = re.sub(r"\\[sSdDwWntrfv]|\\[^A-Za-z0-9]", "", src[2:])  # \s, \w, \], ...
    return bool(re.search(r"[A-Za-z\\]|[^\x00-\x7f]", caseless))


_NON_ASCII = r"\x{80}-\x{10FFFF}"


def _ascii_atom(src: str) -> str:
    """An atom with its non-ASCII characters widened to any non-ASCII character (`è` ->
    `[\\x{80}-\\x{10FFFF}]`, `["'“]` -> `["'\\x{80}-\\x{10FFFF}]`, `[^"“\\w]` -> `[^"\\w]`)."""
    if src.isascii():
        return src
    if not src.startswith("["):
        return f"[{_NON_ASCII}]" if len(src) == 1 else src
    negated = src.startswith("[^")
    body = src[2 if negated else 1 : -1]
    near = "".join(body[max(0, k - 1) : k + 2] for k, c in enumerate(body) if not c.isascii())
    ascii_body = "".join(c for c in body if c.isascii())
    if "-" in near or ascii_body.startswith("]") or ascii_body.endswith("-"):
        return src  # a range of non-ASCII characters, or a class too odd to edit: keep
    if negated:
        return f"[^{ascii_body}]" if ascii_body else f"[{_NON_ASCII}\\x00-\\x7F]"
    return f"[{ascii_body}{_NON_ASCII}]"


def _full_match_any(pattern: str, texts: Sequence[str]) -> bool:
    """Whether RE2 matches one of `texts` entirely with `pattern` (compile-time probes; a
    pattern RE2 refuses counts as matching, which cuts the repeat probed: still a superset)."""
    try:
        row = (
            _regex_checker()
            .execute(
                "SELECT bool_or(regexp_full_match(t, $r)) FROM unnest($t) AS u(t)",
                {"r": pattern, "t": list(texts)},
            )
            .fetchone()
        )
    except duckdb.Error:
        return True
    return bool(row and row[0])


@cache
def _spans_words(item: str) -> bool:
    """Whether repeats of `item` can run over several words (`[^\\n]`, `\\w+\\s+`, `.`)."""
    return _full_match_any(f"(?is:{item})+", ("the quick brown fox ", "the quick brown fox"))


@cache
def _matches_letters(item: str) -> bool:
    return _full_match_any(f"(?s:{item})", ("a", "e"))


# A gap over words of at most this many repeats stays in a gate as written: `(?:\w+\s+){0,2}`
# keeps "disregard the earlier version" out of AISEC-LLM-001's gate, and its threads die after
# two words. A longer gap is cut.
GATE_KEEP_GAP = 2
# A count of letters from this size on is cut.
GATE_MAX_LETTER_COUNT = 6
# A factor lighter than this is no filter (one character class, `\s`): the rule's gate is then
# its literal prefilter, or one of its `also` regexes, or its loosened regexes.
GATE_MIN_WEIGHT = 2.0


def _atom_weight(atom: _RxAtom, flags: _Flags) -> float:
    """What a text must contain to match `atom`, roughly: a literal character 1, a class less,
    a non-ASCII character or a case-sensitive capital more (rarer)."""
    s = atom.src
    if atom.kind != "char" or s == ".":
        return 0.0
    if s.startswith("["):
        if s.startswith("[^"):
            return 0.1
        # a class of non-ASCII characters only (zero-width, tag, homoglyph) is rare
        return 2.0 if re.fullmatch(r"\[(?:\\x\{[0-9A-Fa-f]+\}-?)+\]", s) else 0.5
    if s.startswith("\\"):
        if s[1] in "xpP":
            return 2.0
        return {"s": 0.3, "w": 0.2, "d": 0.5}.get(s[1], 0.1 if s[1] in "SWD" else 1.0)
    if s.isspace():
        return 0.3
    if not s.isascii() or (s.isupper() and not dict(flags).get("i", False)):
        return 2.0
    return 1.0


# A gate piece: (regex, weight, exact). exact: the regex matches all the node matches (a
# superset of its language), so it can be concatenated with its neighbours' pieces; otherwise
# every match of the node only *contains* a match of the regex. None: the node requires nothing.
_Piece = tuple[str, float, bool]


def _gate_node(node: _Rx, flags: _Flags) -> tuple[_Piece | None, _Flags]:
    """`node`'s gate piece and the flags in effect after it."""
    if isinstance(node, _RxAtom):
        if node.kind == "flags":
            m = _RX_FLAGS.match(node.src)
            assert m is not None
            after = _set_flags(flags, m.group(1), m.group(2) or "")
            return (_case_blind(node.src), 0.0, True), after
        src = _ascii_atom(node.src)
        if _excludes_letters(node.src) and not dict(flags).get("i", False):
            src = f"(?-i:{src})"  # case-blind, `[^a]` would exclude `A` too
        return (src, _atom_weight(node, flags), True), flags
    if isinstance(node, _RxGroup):
        m = _RX_FLAGS.match(node.opener)
        inner = _set_flags(flags, m.group(1), m.group(2) or "") if m else flags
        piece, _ = _gate_node(node.body, inner)
        if piece is None:
            return None, flags
        return (_case_blind(node.opener) + piece[0] + ")", piece[1], piece[2]), flags
    if isinstance(node, _RxAlt):
        parts: list[str] = []
        weights: list[float] = []
        exact, at = True, flags
        for branch in node.branches:
            piece, after = _gate_node(branch, at)
            if piece is None:
                return None, after
            parts.append(_with_flags(piece[0], at, flags))
            weights.append(piece[1])
            exact = exact and piece[2]
            at = after
        return ("|".join(parts), min(weights), exact), at
    if isinstance(node, _RxRepeat):
        piece, _ = _gate_node(node.item, flags)
        if piece is None:
            return None, flags
        item = _rx_emit(node.item)
        gap = (node.high is None or node.high > max(1, GATE_KEEP_GAP)) and _spans_words(item)
        counts = node.low >= GATE_MAX_LETTER_COUNT and _matches_letters(item)
        if gap or counts or not piece[2]:
            # one occurrence of the item is necessary (if any is)
            return ((piece[0], piece[1], False) if node.low >= 1 else None), flags
        return (piece[0] + _loosen_quantifier(node), piece[1] * node.low, True), flags
    assert isinstance(node, _RxConcat)
    pieces: list[_Piece | None] = []
    starts: list[_Flags] = []
    at = flags
    for item in node.items:
        starts.append(at)
        piece, at = _gate_node(item, at)
        pieces.append(piece)
    if all(p is not None and p[2] for p in pieces):
        return ("".join(p[0] for p in pieces if p), sum(p[1] for p in pieces if p), True), at
    # Not all of it: the heaviest run of exact neighbours, or the heaviest single factor.
    best: tuple[float, int, str] | None = None
    run: list[tuple[int, _Piece]] = []
    for k, piece in enumerate([*pieces, None]):
        if piece is not None and piece[2]:
            run.append((k, piece))
            continue
        candidates: list[tuple[float, int, str]] = []
        if run:
            candidates.append((sum(p[1] for _, p in run), run[0][0], "".join(p[0] for _, p in run)))
            run = []
        if piece is not None:
            candidates.append((piece[1], k, piece[0]))
        for candidate in candidates:
            if best is None or candidate[0] > best[0]:
                best = candidate
    if best is None or best[0] <= 0:
        return None, at
    weight, k, src = best
    return (_with_flags(src, starts[k], flags), weight, False), at


def _loosen_quantifier(node: _RxRepeat) -> str:
    """`_loosen` for one (non-gap) repeat: `{0,300}` -> `*`, `{9,15}` -> `{9,}`."""
    low, high = node.low, node.high
    if high is None or high <= max(1, GATE_KEEP_GAP) or high == low:
        return node.quantifier
    lazy = "?" if len(node.quantifier) > 1 and node.quantifier.endswith("?") else ""
    if low >= 2:
        return f"{{{low},}}{lazy}"
    return ("*" if low == 0 else "+") + lazy


def _trim(node: _Rx, left: bool = True, right: bool = True) -> _Rx:
    """`node` as a gate, its ends trimmed: a text contains a match of `x* Y z{2,5}` exactly if it
    contains one of `Y z{2}`. Fewer threads stay alive in the DFA (`[A-Za-z]+` lives through
    every word)."""
    if isinstance(node, _RxGroup):
        return _RxGroup(node.opener, _trim(node.body, left, right))
    if isinstance(node, _RxAlt):
        return _RxAlt(tuple(_trim(b, left, right) for b in node.branches))
    if isinstance(node, _RxRepeat) and node.low >= 1 and node.high != node.low:
        return _RxRepeat(node.item, node.low, node.low, f"{{{node.low}}}" if node.low > 1 else "")
    if not isinstance(node, _RxConcat):
        return node
    items = list(node.items)
    for end in ([0] if left else []) + ([-1] if right else []):
        # drop optional items at this end (never the last one)
        while len(items) > 1 and isinstance(items[end], _RxRepeat) and items[end].low == 0:
            del items[end]
        items[end] = _trim(items[end], end == 0, end == -1)
    return items[0] if len(items) == 1 else _RxConcat(tuple(items))


@cache
def _factor(patterns: tuple[str, ...], case_insensitive: bool) -> tuple[float, str] | None:
    """A necessary factor of the alternation of `patterns` and its weight (the lightest of the
    alternatives'), or None if one of them requires nothing or cannot be read."""
    flags: _Flags = (("i", case_insensitive),)
    parts: list[str] = []
    weight = float("inf")
    for pattern in patterns:
        try:
            piece, _ = _gate_node(_RxParser(pattern).parse(), flags)
            if piece is None:
                return None
            trimmed = _rx_emit(_trim(_RxParser(piece[0]).parse()))
        except (ValueError, IndexError):
            return None
        parts.append(f"(?:{trimmed})")
        weight = min(weight, piece[1])
    return weight, "|".join(parts)


def _rule_gate(logic: PatternLogic) -> str:
    """A regex every text the rule can fire on matches, small enough that the gates of all the
    rules of a target stay in RE2's DFA. In order of preference (each is required by the rule):
    1. a necessary factor of the rule's regexes, repeated (at most three times) for rules that
       need several matches - non-overlapping matches contain non-overlapping factors;
    2. its literal prefilter (the rule's author's cheap necessary condition);
    3. the heaviest factor of one of its `also` regexes;
    4. its loosened regexes.
    A factor lighter than GATE_MIN_WEIGHT does not count (`[A-Za-z0-9+/]` is no filter)."""
    found = _factor(tuple(logic.regex), logic.case_insensitive)
    if found and found[0] >= GATE_MIN_WEIGHT:
        one = found[1]
        copies = max(1, min(logic.min_matches, 3, 1500 // max(len(one), 1)))
        return "(?i:" + r"[\s\S]*".join([f"(?:{one})"] * copies) + ")"
    prefilter = _rule_prefilter(logic)
    if logic.prefilter and prefilter is not None:
        return prefilter
    also = [_factor((a,), logic.case_insensitive) for a in logic.also]
    heaviest = max((a for a in also if a and a[0] >= GATE_MIN_WEIGHT), default=None)
    if heaviest is not None:
        return f"(?i:{heaviest[1]})"
    return _loosened_gate(logic)


# Gate regexes are alternated into chunks of at most this many characters: each chunk is one
# pass over every text of the target. RE2's DFA runs at ~310 MB/s for a small regex, slower as
# its states outgrow the CPU caches, and far slower once they outgrow its own cache. The 16
# prompt_text gates (17,500 characters) ran at 73 MB/s in one chunk, 100 MB/s in two, 78 MB/s
# in three (measured on the benchmark's day, a 2-vCPU VM, DuckDB 2.0.1).
GATE_CHUNK_CHARS = 12000


def _chunk_gates(gates: Sequence[str], max_chars: int = GATE_CHUNK_CHARS) -> list[str]:
    chunks: list[list[str]] = [[]]
    size = 0
    for gate in gates:
        if chunks[-1] and size + len(gate) > max_chars:
            chunks.append([])
            size = 0
        chunks[-1].append(gate)
        size += len(gate) + 1
    return ["|".join(chunk) for chunk in chunks]


def compile_pattern_scan(
    rules: Sequence[Rule], target: str, allowed_domains: Sequence[str] = ()
) -> CompiledStep:
    """ONE scan of `target` evaluating every rule; hits keep their rule id and matched span.

    Cost model: DuckDB runs one regex per (row, pattern), so K rules are K passes over the
    text. One pass of the target's gate (the alternation of every rule's `_rule_gate`, sized
    to stay within RE2's DFA) drops the texts no rule can match - nearly all of them. On the
    few left, each rule runs its literal prefilter, then its regexes; match-level work
    (extracting and validating spans) runs only on texts its regex matched, the excerpt only
    on hits.
    """
    if target not in TEXT_TARGETS:
        raise ValueError(f"unknown text target {target!r}")
    params: dict[str, Any] = {"target": target, "ctx": EVIDENCE_CONTEXT_CHARS}
    conditions: list[str] = []
    spans: list[str] = []
    ids: list[str] = []
    gates: list[str] = []
    for i, rule in enumerate(rules):
        logic = rule.logic
        if not isinstance(logic, PatternLogic):
            raise TypeError(f"{rule.id} is not a pattern rule")
        flag = "(?i)" if logic.case_insensitive else ""
        p = f"r{i}"
        params[f"{p}_id"] = rule.id
        params[f"{p}_rx"] = flag + "|".join(f"(?:{x})" for x in logic.regex)
        gates.append(_rule_gate(logic))
        parts: list[str] = []
        if logic.min_length:
            params[f"{p}_minlen"] = logic.min_length
            parts.append(f"length(t) >= ${p}_minlen")
        prefilter = _rule_prefilter(logic)
        if prefilter is not None:
            params[f"{p}_pre"] = prefilter
            parts.append(f"regexp_matches(t, ${p}_pre)")
        parts.append(f"regexp_matches(t, ${p}_rx)")
        for j, pattern in enumerate(logic.also):
            params[f"{p}_also{j}"] = flag + pattern
            parts.append(f"regexp_matches(t, ${p}_also{j})")
        for j, pattern in enumerate(logic.unless):
            params[f"{p}_unless{j}"] = flag + pattern
            parts.append(f"NOT regexp_matches(t, ${p}_unless{j})")
        # match-level checks: only evaluated on texts the regex already matched
        checks: list[str] = []
        for j, pattern in enumerate(logic.span_unless):
            params[f"{p}_su{j}"] = flag + pattern
            checks.append(f"NOT regexp_matches(m, ${p}_su{j})")
        if logic.validator == "luhn":
            checks.append("aisec_luhn_valid(m)")
        elif logic.validator == "iban":
            checks.append("aisec_iban_valid(m)")
        if logic.skip_allowed_domains:
            params[f"{p}_host"] = URL_HOST_RE
            params[f"{p}_dom"] = _domains_regex(allowed_domains)
            checks.append(
                f"NOT coalesce(regexp_matches(regexp_extract(m, ${p}_host), ${p}_dom), false)"
            )
        if checks or logic.min_matches > 1:
            valid = f"regexp_extract_all(t, ${p}_rx)"
            if checks:
                valid = f"list_filter({valid}, lambda m: {' AND '.join(checks)})"
            params[f"{p}_minm"] = logic.min_matches
            parts.append(f"len({valid}) >= ${p}_minm")
            spans.append(f"{valid}[1]")
        else:
            spans.append(f"regexp_extract(t, ${p}_rx)")
        conditions.append(f"CASE WHEN {' AND '.join(parts)} THEN {i} END")
        ids.append(f"${p}_id")
    gate_chunks = _chunk_gates(gates)
    for j, chunk in enumerate(gate_chunks):
        params[f"gate{j}"] = chunk
    gate_test = " OR ".join(f"regexp_matches(t, $gate{j})" for j in range(len(gate_chunks)))
    expr = TEXT_TARGETS[target]
    case_list = ",\n            ".join(conditions)
    id_case = " ".join(f"WHEN {i} THEN {rid}" for i, rid in enumerate(ids))
    span_case = "\n            ".join(f"WHEN {i} THEN {s}" for i, s in enumerate(spans))
    # `spans` is materialized: the excerpt macro names its span five times, and inlined, every
    # one of them would extract (and bind, and compile) the span's regexes again.
    sql = f"""
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH texts AS (
    SELECT event_id, {expr} AS t
    FROM monitoring.llm_events
    WHERE event_date = $day
),
candidates AS (
    SELECT event_id, t
    FROM texts
    WHERE t IS NOT NULL AND ({gate_test})
),
scanned AS (
    SELECT event_id, t, list_filter([
            {case_list}
        ], lambda x: x IS NOT NULL) AS rule_indexes
    FROM candidates
),
hits AS (
    -- no WHERE len(rule_indexes) > 0: unnest drops empty lists, and the filter would be pushed
    -- down into `scanned`, evaluating every rule's condition twice
    SELECT event_id, t, unnest(rule_indexes) AS rule_index
    FROM scanned
),
spans AS MATERIALIZED (
    SELECT event_id, t, rule_index, CASE rule_index
            {span_case}
        END AS span
    FROM hits
)
SELECT
    CASE rule_index {id_case} END AS rule_id,
    event_id,
    $target AS target_field,
    NULL AS subject,
    aisec_excerpt(t, span, $ctx) AS evidence
FROM spans
"""
    names = ", ".join(r.id for r in rules)
    return CompiledStep(
        name=f"pattern scan of {target} ({len(rules)} rule(s): {names})",
        rule_ids=tuple(r.id for r in rules),
        sql=sql,
        params=params,
    )


def _compile_file_rule(rule: Rule, pack: RulePack) -> list[CompiledStep]:
    logic = rule.logic
    ids = (rule.id,)
    base = {"rule_id": rule.id}
    if isinstance(logic, SimilarityLogic):
        return [
            CompiledStep(
                f"{rule.id} similarity",
                ids,
                sql_file="monitoring/similarity",
                variables={
                    **base,
                    "shingle_words": logic.shingle_words,
                    "min_containment": logic.min_containment,
                    "min_shared": logic.min_shared,
                    "min_shared_absolute": logic.min_shared_absolute,
                    "lookback_days": logic.lookback_days,
                },
            )
        ]
    if isinstance(logic, SessionShiftLogic):
        return [
            CompiledStep(
                f"{rule.id} session shift ({logic.measure})",
                ids,
                sql_file="monitoring/session_shift",
                variables={
                    **base,
                    "measure": logic.measure,
                    "min_z": logic.min_z,
                    "direction": logic.direction,
                    "min_session_events": logic.min_session_events,
                    "min_value": logic.min_value,
                    "min_stddev": logic.min_stddev,
                    "min_stddev_ratio": logic.min_stddev_ratio,
                    "max_chars": logic.max_chars,
                    "min_chars": logic.min_chars,
                },
            )
        ]
    if isinstance(logic, BaselineLogic):
        return [
            CompiledStep(
                f"{rule.id} baseline of {logic.metric} per {logic.group_by}",
                ids,
                sql_file="monitoring/baseline",
                variables={
                    **base,
                    "metric": logic.metric,
                    "group_by": logic.group_by,
                    "lookback_days": logic.lookback_days,
                    "min_history_days": logic.min_history_days,
                    "min_ratio": logic.min_ratio,
                    "min_value": logic.min_value,
                },
            )
        ]
    if isinstance(logic, DistinctSpreadLogic):
        return [
            CompiledStep(
                f"{rule.id} distinct {dimension} per {logic.group_by}",
                ids,
                sql_file="monitoring/distinct_spread",
                variables={
                    **base,
                    "dimension": dimension,
                    "group_by": logic.group_by,
                    "window_minutes": logic.window_minutes,
                    "min_distinct": logic.min_distinct,
                    "lookback_days": logic.lookback_days,
                    "min_new": logic.min_new,
                },
            )
            for dimension in rule.target
        ]
    if isinstance(logic, AllowListLogic):
        return [
            CompiledStep(
                f"{rule.id} tool allow-list",
                ids,
                sql_file="monitoring/tool_allow_list",
                variables={
                    **base,
                    "use_inventory": logic.use_inventory,
                    "use_pack": logic.use_pack,
                    "pack_tool_allow_lists": json.dumps(
                        [
                            {"agent": agent, "tool": tool}
                            for agent, tools in sorted(pack.tool_allow_lists.items())
                            for tool in tools
                        ]
                    ),
                },
            )
        ]
    if isinstance(logic, RateLogic):
        return [
            CompiledStep(
                f"{rule.id} rate of {logic.count} per {'+'.join(logic.group_by)}",
                ids,
                sql_file="monitoring/tool_call_rate",
                variables={
                    **base,
                    "group_by": logic.group_by,
                    "window_seconds": logic.window_seconds,
                    "max_calls": logic.max_calls,
                    "count_kind": logic.count,
                },
            )
        ]
    raise TypeError(f"{rule.id}: no compiler for logic kind {logic.kind}")  # pragma: no cover


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
