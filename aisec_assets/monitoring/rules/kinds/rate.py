"""Rate rules (aggregate): more than `max_calls` tool calls (or requests) per key within a
sliding window: sql/monitoring/tool_call_rate.sql."""

from __future__ import annotations

from aisec_assets.monitoring.rules.schema import RateLogic, Rule, RulePack
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings

KIND = "rate"
SQL_FILE = "monitoring/tool_call_rate"


def compile_rule(rule: Rule, pack: RulePack, org: OrgSettings) -> list[CompiledStep]:
    logic = rule.logic
    assert isinstance(logic, RateLogic)
    return [
        CompiledStep(
            f"{rule.id} rate of {logic.count} per {'+'.join(logic.group_by)}",
            (rule.id,),
            sql_file=SQL_FILE,
            variables={
                "rule_id": rule.id,
                "group_by": logic.group_by,
                "window_seconds": logic.window_seconds,
                "max_calls": logic.max_calls,
                "count_kind": logic.count,
            },
        )
    ]
