"""Pattern rules: RE2 regexes over a text field, compiled as ONE scan per target.

All pattern rules of one target field become one generated statement: a gate (gate.py: per
rule a necessary factor of its regexes; run as one RE2::Set pass, monitoring/pattern_gate.py)
says for each text which rules can match it, then each rule is a
`CASE WHEN <its gate matched> AND <condition> THEN <rule index> END` element of a list that is
filtered and unnested, so the rule ids survive the single pass; the matched span is extracted
for the hits only. Regexes, literals and rule ids reach the SQL only as bound parameters
(the gate regexes as the step's `gate_patterns`, loaded by the runtime under `$gate_key`);
identifiers come from the fixed `TEXT_TARGETS` table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aisec_assets.monitoring.rules.gate import _rule_gate, _rule_prefilter
from aisec_assets.monitoring.rules.schema import (
    EVIDENCE_CONTEXT_CHARS,
    TEXT_TARGETS,
    URL_HOST_RE,
    PatternLogic,
    Rule,
)
from aisec_assets.monitoring.rules.steps import CompiledStep, domain_alternation

KIND = "pattern"
# The temp table of one scan's candidates (texts some rule's gate matched), dropped after it.
CANDIDATES_TABLE = "pattern_scan_candidates"

# Mention is not use: on these targets, rules of these families read the text as
# `aisec_as_read(t)` (sql/monitoring/detection_functions.sql) - without the quotations a prompt
# discusses as attacks. Other families (a leaked key, a harmful request) count wherever they are.
MENTION_TARGETS = frozenset({"prompt_text"})
MENTION_FAMILIES = frozenset({"prompt_injection", "jailbreak", "system_prompt_extraction"})


def _domains_regex(domains: Sequence[str]) -> str:
    alternatives = domain_alternation(domains)
    # scheme://[userinfo@]host[:port] where host is an allowed domain or one of its subdomains
    return rf"(?i)^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?(?:[a-z0-9-]+\.)*(?:{alternatives})(?::\d+)?$"


def compile_pattern_scan(
    rules: Sequence[Rule], target: str, allowed_domains: Sequence[str] = ()
) -> CompiledStep:
    """ONE scan of `target` evaluating every rule; hits keep their rule id and matched span.

    `allowed_domains`: the URL hosts rules with `skip_allowed_domains` trust (the pack's and the
    organisation's, see compiler.compile_pack).

    Cost model: DuckDB runs one regex per (row, pattern), so K rules are K passes over the
    text. One RE2::Set pass of the target's gates (every rule's `_rule_gate`) drops the texts
    no rule can match - nearly all of them - and names, for the few left, the rules whose gate
    matched; only those rules run on the text: their literal prefilter, then their regexes.
    Match-level work (extracting and validating spans) runs only on texts a rule's regex
    matched, the excerpt only on hits.
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
        # the text the rule reads: `u` is the text as read (mention is not use), `t` as written
        src = "u" if target in MENTION_TARGETS and rule.family in MENTION_FAMILIES else "t"
        params[f"{p}_id"] = rule.id
        params[f"{p}_rx"] = flag + "|".join(f"(?:{x})" for x in logic.regex)
        gate = _rule_gate(logic)
        gates.append(gate)
        parts: list[str] = []
        if logic.min_length:
            params[f"{p}_minlen"] = logic.min_length
            parts.append(f"length({src}) >= ${p}_minlen")
        prefilter = _rule_prefilter(logic)
        # a prefilter that is the rule's gate already held (the Set named the rule); like any
        # prefilter it is implied by the regex, so leaving it out changes no result
        if prefilter is not None and prefilter != gate:
            params[f"{p}_pre"] = prefilter
            parts.append(f"regexp_matches({src}, ${p}_pre)")
        parts.append(f"regexp_matches({src}, ${p}_rx)")
        for j, pattern in enumerate(logic.also):
            params[f"{p}_also{j}"] = flag + pattern
            parts.append(f"regexp_matches({src}, ${p}_also{j})")
        for j, pattern in enumerate(logic.unless):
            params[f"{p}_unless{j}"] = flag + pattern
            parts.append(f"NOT regexp_matches({src}, ${p}_unless{j})")
        for j, pattern in enumerate(logic.unless_question):
            params[f"{p}_uq{j}"] = flag + pattern
            parts.append(f"NOT regexp_matches(coalesce(q, ''), ${p}_uq{j})")
        # match-level checks: only evaluated on texts the regex already matched
        checks: list[str] = []
        for j, pattern in enumerate(logic.span_unless):
            params[f"{p}_su{j}"] = flag + pattern
            checks.append(f"NOT regexp_matches(m, ${p}_su{j})")
        if logic.validator == "luhn":
            checks.append("aisec_luhn_valid(m)")
        elif logic.validator == "iban":
            checks.append("aisec_iban_valid(m)")
        if logic.skip_allowed_domains and allowed_domains:  # none listed: no host is trusted
            params[f"{p}_host"] = URL_HOST_RE
            params[f"{p}_dom"] = _domains_regex(allowed_domains)
            checks.append(
                f"NOT coalesce(regexp_matches(regexp_extract(m, ${p}_host), ${p}_dom), false)"
            )
        if checks or logic.min_matches > 1:
            valid = f"regexp_extract_all({src}, ${p}_rx)"
            if checks:
                valid = f"list_filter({valid}, lambda m: {' AND '.join(checks)})"
            params[f"{p}_minm"] = logic.min_matches
            parts.append(f"len({valid}) >= ${p}_minm")
            spans.append(f"{valid}[1]")
        else:
            spans.append(f"regexp_extract({src}, ${p}_rx)")
        conditions.append(
            f"CASE WHEN list_contains(gates, {i}) THEN "
            f"CASE WHEN {' AND '.join(parts)} THEN {i} END END"
        )
        ids.append(f"${p}_id")
    expr = TEXT_TARGETS[target]
    # only the texts mention-reading rules read are unquoted (`u` is `t` for the others)
    reads_as_read = any(target in MENTION_TARGETS and r.family in MENTION_FAMILIES for r in rules)
    as_read = "aisec_as_read(c.t)" if reads_as_read else "c.t"
    # The user's question rides along only when a rule compares with it, and is fetched for
    # the candidates only, by row id: read in the texts' scan, every event's prompt was read
    # to keep a few hundred (0.85 -> 0.77 s for the retrieved-context scan of the benchmark's
    # million events; a join on event_id probes every row again and cost more, 1.08 s).
    compares = any(isinstance(r.logic, PatternLogic) and r.logic.unless_question for r in rules)
    question, question_join = (
        ("e.prompt_text", "LEFT JOIN monitoring.llm_events AS e ON e.rowid = c.rid")
        if compares
        else ("NULL::VARCHAR", "")
    )
    case_list = ",\n            ".join(conditions)
    id_case = " ".join(f"WHEN {i} THEN {rid}" for i, rid in enumerate(ids))
    span_case = "\n            ".join(f"WHEN {i} THEN {s}" for i, s in enumerate(spans))
    # The candidates are a table of their own, written by a statement of their own: as one
    # statement with the scan (a MATERIALIZED CTE) the rules' conditions ran ~0.6 s slower on
    # the benchmark's day with the opt-in rules on (DuckDB 2.0.1; not explained, measured).
    candidates = f"""
CREATE OR REPLACE TEMP TABLE {CANDIDATES_TABLE} AS
WITH texts AS (
    SELECT rowid AS rid, event_id, {expr} AS t
    FROM monitoring.llm_events
    WHERE event_date = $day
),
gated AS (
    SELECT rid, event_id, t, aisec_pattern_gate($gate_key, t) AS gates
    FROM texts
    WHERE t IS NOT NULL
),
c AS (
    SELECT rid, event_id, t, gates
    FROM gated
    WHERE len(gates) > 0
)
SELECT c.event_id, c.t, {as_read} AS u, {question} AS q, c.gates
FROM c {question_join}
"""
    # `spans` is materialized: the excerpt macro names its span five times, and inlined, every
    # one of them would extract (and bind, and compile) the span's regexes again.
    sql = f"""
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH scanned AS (
    SELECT event_id, t, u, list_filter([
            {case_list}
        ], lambda x: x IS NOT NULL) AS rule_indexes
    FROM {CANDIDATES_TABLE}
),
hits AS (
    -- no WHERE len(rule_indexes) > 0: unnest drops empty lists, and the filter would be pushed
    -- down into `scanned`, evaluating every rule's condition twice
    SELECT event_id, t, u, unnest(rule_indexes) AS rule_index
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
        gate_patterns=tuple(gates),
        pre_sql=candidates,
        post_sql=f"DROP TABLE IF EXISTS {CANDIDATES_TABLE}",
    )
