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
aggregate tier (one verdict per key and day, pinned to the event that crossed the threshold)
  baseline        tokens / cost / requests per key or user per day vs its own trailing baseline
  distinct_spread a key calling many distinct models or regions within a window (LLM-jacking)
  allow_list      agent tool calls outside the agent's allow-list (inventory, else the pack)
  rate            tool calls per agent and session within a sliding window

Compilation never loops over rows in Python. All pattern rules of one target field become
ONE scan: a gate (the rules' regexes, loosened and alternated into DFA-sized chunks) drops the
texts no rule can match, then each rule is a `CASE WHEN <condition> THEN <rule index> END`
element of a list that is filtered and unnested, so the rule ids survive the single pass; the
matched span is extracted for the hits only. Every other rule runs a fixed SQL file of
`sql/monitoring/` with its parameters as DuckDB variables. Regexes, literals and rule ids reach
the generated SQL only as bound parameters; identifiers come from the fixed `TEXT_TARGETS`
table below. (Measured on a generated day of 1,000,000 events, 1.17 GB of text, one core:
140-155 MB/s for the combined scans vs 32-34 MB/s for one scan per rule.)

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

# Columns of monitoring.llm_events (sql/schema/monitoring.sql); tests check they agree.
LLM_EVENT_COLUMNS: tuple[str, ...] = (
    "event_date",
    "event_id",
    "source",
    "source_record_id",
    "source_location",
    "event_time",
    "operation_name",
    "provider_name",
    "request_model",
    "response_model",
    "response_id",
    "finish_reasons",
    "cloud_account",
    "cloud_region",
    "endpoint",
    "api_key_hash",
    "user_id",
    "team_id",
    "agent_id",
    "agent_name",
    "session_id",
    "system_prompt",
    "prompt_text",
    "retrieved_context",
    "response_text",
    "input_messages",
    "output_messages",
    "tool_calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "duration_ms",
    "status",
    "error_code",
    "is_stream",
    "client_ip",
    "raw",
    "ingested_at",
    "run_id",
)

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

PER_EVENT_KINDS: tuple[str, ...] = ("pattern", "similarity", "session_shift")


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


Logic = Annotated[
    PatternLogic
    | SimilarityLogic
    | SessionShiftLogic
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
                    "; expected one of: pattern, similarity, session_shift, baseline, "
                    "distinct_spread, allow_list, rate"
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
class CompiledStep:
    """One pass over the day's events that inserts hits into the temp table detection_hits.

    Either generated SQL (`sql`, values as $named `params`; `$day` is added at run time) or a
    file of sql/monitoring run with `run_sql` (values as DuckDB `variables`; `day` added).
    """

    name: str
    rule_ids: tuple[str, ...]
    sql: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    sql_file: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledPack:
    pack: RulePack
    steps: tuple[CompiledStep, ...]


def compile_pack(pack: RulePack, combined: bool = True) -> CompiledPack:
    """The pack's enabled rules as SQL steps.

    `combined=True` (the product): all pattern rules of one target in one scan.
    `combined=False` (the benchmark's reference): every pattern rule as its own scan.
    """
    steps: list[CompiledStep] = []
    rules = pack.enabled_rules
    by_target: dict[str, list[Rule]] = {}
    for rule in rules:
        if isinstance(rule.logic, PatternLogic):
            for target in rule.target:
                by_target.setdefault(target, []).append(rule)
    for target, target_rules in by_target.items():
        groups = [target_rules] if combined else [[r] for r in target_rules]
        for group in groups:
            steps.append(compile_pattern_scan(group, target, pack.allowed_domains))
    for rule in rules:
        if not isinstance(rule.logic, PatternLogic):
            steps.extend(_compile_file_rule(rule, pack))
    return CompiledPack(pack, tuple(steps))


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


def _rule_gate(logic: PatternLogic) -> str:
    """A regex every text the rule can fire on matches, cheap enough to alternate with the
    other rules' gates in one DFA: the rule's own regexes with counted repeats loosened,
    repeated (up to three times) for rules that need several matches. Prefilters are not
    used here: a literal that is necessary is rarely selective ("system", "@", four digits),
    and the gate must be."""
    flags = "i" if logic.case_insensitive else "-i"
    one = "|".join(f"(?:{_loosen(x)})" for x in logic.regex)
    # Each copy multiplies the DFA's states: at most three (selective enough), and only one
    # of a large regex (the leetspeak keyword list, the many-shot turn markers).
    copies = max(1, min(logic.min_matches, 3, 1500 // max(len(one), 1)))
    return f"(?{flags}:" + r"[\s\S]*".join([f"(?:{one})"] * copies) + ")"


# Gate regexes are alternated into chunks of at most this many characters. RE2 (as DuckDB
# builds it, 8 MB of memory) keeps a DFA for a chunk this size at 250-400 MB/s; one gate of
# every rule of a large target exhausts the DFA cache and falls back to the NFA at 1-10 MB/s
# (measured on a 2-vCPU VM with DuckDB 2.0.1).
GATE_CHUNK_CHARS = 8000


def _chunk_gates(gates: Sequence[str]) -> list[str]:
    chunks: list[list[str]] = [[]]
    size = 0
    for gate in gates:
        if chunks[-1] and size + len(gate) > GATE_CHUNK_CHARS:
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
    SELECT event_id, t, unnest(rule_indexes) AS rule_index
    FROM scanned
    WHERE len(rule_indexes) > 0
)
SELECT
    CASE rule_index {id_case} END AS rule_id,
    event_id,
    $target AS target_field,
    NULL AS subject,
    aisec_excerpt(t, CASE rule_index
            {span_case}
        END, $ctx) AS evidence
FROM hits
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
