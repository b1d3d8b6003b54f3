"""Distinct-spread rules (aggregate): a key using many distinct models, regions, providers or
endpoints within a sliding window, several of them new (LLM-jacking):
sql/monitoring/distinct_spread.sql, one step per target dimension."""

from __future__ import annotations

from aisec_assets.monitoring.rules.schema import DistinctSpreadLogic, Rule, RulePack
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings

KIND = "distinct_spread"
SQL_FILE = "monitoring/distinct_spread"


def compile_rule(rule: Rule, pack: RulePack, org: OrgSettings) -> list[CompiledStep]:
    logic = rule.logic
    assert isinstance(logic, DistinctSpreadLogic)
    return [
        CompiledStep(
            f"{rule.id} distinct {dimension} per {logic.group_by}",
            (rule.id,),
            sql_file=SQL_FILE,
            variables={
                "rule_id": rule.id,
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
