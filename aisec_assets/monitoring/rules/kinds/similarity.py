"""Similarity rules: word n-gram shingles a response shares with the system prompt (the event's
own, else the latest one seen for the same agent/endpoint/model): sql/monitoring/similarity.sql
(which narrows the day's responses with one regex before any word splitting).
"""

from __future__ import annotations

from aisec_assets.monitoring.rules.schema import Rule, RulePack, SimilarityLogic
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings

KIND = "similarity"
SQL_FILE = "monitoring/similarity"
# The SQL narrows the day's responses with one regex: the alternation of every distinct probe
# chunk of the day's references (exact) up to MAX_CHUNKS of them, else of one anchor word per
# chunk up to MAX_ANCHORS, else none. Past these sizes RE2's DFA thrashes or the pattern no
# longer compiles; 256 chunks are ~1,000 words of distinct system prompts.
MAX_CHUNKS = 256
MAX_ANCHORS = 2000


def compile_rule(rule: Rule, pack: RulePack, org: OrgSettings) -> list[CompiledStep]:
    logic = rule.logic
    assert isinstance(logic, SimilarityLogic)
    return [
        CompiledStep(
            f"{rule.id} similarity",
            (rule.id,),
            sql_file=SQL_FILE,
            variables={
                "rule_id": rule.id,
                "shingle_words": logic.shingle_words,
                "min_containment": logic.min_containment,
                "min_shared": logic.min_shared,
                "min_shared_absolute": logic.min_shared_absolute,
                "lookback_days": logic.lookback_days,
                "max_chunks": MAX_CHUNKS,
                "max_anchors": MAX_ANCHORS,
            },
        )
    ]
