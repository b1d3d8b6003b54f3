"""Session-shift rules: z-score of a response's length or character entropy against the same
session's other responses: sql/monitoring/session_shift.sql."""

from __future__ import annotations

from aisec_assets.monitoring.rules.schema import Rule, RulePack, SessionShiftLogic
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings

KIND = "session_shift"
SQL_FILE = "monitoring/session_shift"


def compile_rule(rule: Rule, pack: RulePack, org: OrgSettings) -> list[CompiledStep]:
    logic = rule.logic
    assert isinstance(logic, SessionShiftLogic)
    return [
        CompiledStep(
            f"{rule.id} session shift ({logic.measure})",
            (rule.id,),
            sql_file=SQL_FILE,
            variables={
                "rule_id": rule.id,
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
