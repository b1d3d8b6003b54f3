"""Similarity rules: word n-gram shingles a response shares with the system prompt (the event's
own, else the latest one seen for the same agent/endpoint/model): sql/monitoring/similarity.sql.
"""

from __future__ import annotations

from aisec_assets.monitoring.rules.schema import Rule, RulePack, SimilarityLogic
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings

KIND = "similarity"
SQL_FILE = "monitoring/similarity"


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
            },
        )
    ]
