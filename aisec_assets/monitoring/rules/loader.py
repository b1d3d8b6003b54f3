"""Reading a rule pack: YAML with the line of every node, validated against the schema and the
checks the schema cannot express (ids, targets per logic kind, regexes, lists).

A bad pack is one `RulePackError` listing every problem as `file:line: field: message`, with
lines taken from the YAML nodes. The shipped pack is package data (`rule_pack.yaml` of
`aisec_assets.monitoring`), read through importlib.resources so it is found in a wheel too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aisec_assets.monitoring.rules.re2 import regex_problem
from aisec_assets.monitoring.rules.schema import (
    CLASSIFIER_CLASSES,
    CLASSIFIER_TARGETS,
    DOMAIN_RE,
    GROUP_KEYS,
    LLM_EVENT_COLUMNS,
    RATE_KEYS,
    SPREAD_DIMENSIONS,
    TEXT_TARGETS,
    AllowListLogic,
    BaselineLogic,
    ClassifierLogic,
    DistinctSpreadLogic,
    PatternLogic,
    RateLogic,
    Rule,
    RulePack,
    SessionShiftLogic,
    SimilarityLogic,
)

# The shipped pack, organisation-neutral: a site's own domains and agent tool allow-lists are
# configuration (`monitoring.allowed_domains`, `monitoring.tool_allow_lists` in aisec.yaml).
DEFAULT_PACK: Traversable = resources.files("aisec_assets.monitoring") / "rule_pack.yaml"


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
    pack_path: Traversable = Path(path) if path is not None else DEFAULT_PACK
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
                    "baseline, distinct_spread, allow_list, rate, surprisal"
                )
            problems.append(locator.problem(err["loc"], message))
        problems.sort(key=lambda p: (p.line or 0, p.field))
        raise RulePackError(problems) from None
    if problems:
        raise RulePackError(sorted(problems, key=lambda p: (p.line or 0, p.field)))
    return pack


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
    "surprisal": ("prompt_text",),
    "unrequested_action": ("retrieved_context",),
}


# Per logic kind, the fields holding RE2 regexes (checked with DuckDB's RE2 at load time).
_REGEX_KEYS: dict[str, tuple[str, ...]] = {
    "pattern": ("regex", "also", "unless", "span_unless", "unless_question"),
    "unrequested_action": ("verbs", "unless"),
    "classifier": ("unless",),
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
        case_insensitive = kind != "pattern" or logic.get("case_insensitive", True) is not False
        for key in _REGEX_KEYS.get(str(kind), ()):
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
        if kind == "pattern":
            pre = logic.get("prefilter_regex")
            if isinstance(pre, str):
                why = regex_problem(pre, case_insensitive)
                if why:
                    problems.append(at.problem((*base, "logic", "prefilter_regex"), why))
            for j, literal in enumerate(_strings(logic.get("prefilter"))):
                if not literal.strip():
                    problems.append(at.problem((*base, "logic", "prefilter", j), "empty literal"))
            target = rule.get("target")
            targets = target if isinstance(target, list) else [target]
            if logic.get("unless_question") and "prompt_text" in targets:
                problems.append(
                    at.problem(
                        (*base, "logic", "unless_question"),
                        "compares the target with the user's question (prompt_text); a rule on "
                        "prompt_text reads the question itself: use `unless`",
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
