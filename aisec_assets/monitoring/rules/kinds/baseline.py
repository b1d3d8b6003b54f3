"""Baseline rules (aggregate): tokens / cost / requests per key or user per day against the
median of its own earlier active days: sql/monitoring/baseline.sql."""

from __future__ import annotations

from aisec_assets.monitoring.rules.schema import BaselineLogic, Rule, RulePack
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings

KIND = "baseline"
SQL_FILE = "monitoring/baseline"


def compile_rule(rule: Rule, pack: RulePack, org: OrgSettings) -> list[CompiledStep]:
    logic = rule.logic
    assert isinstance(logic, BaselineLogic)
    return [
        CompiledStep(
            f"{rule.id} baseline of {logic.metric} per {logic.group_by}",
            (rule.id,),
            sql_file=SQL_FILE,
            variables={
                "rule_id": rule.id,
                "metric": logic.metric,
                "group_by": logic.group_by,
                "lookback_days": logic.lookback_days,
                "min_history_days": logic.min_history_days,
                "min_ratio": logic.min_ratio,
                "min_value": logic.min_value,
            },
        )
    ]
