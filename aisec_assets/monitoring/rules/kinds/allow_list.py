"""Allow-list rules (aggregate of an event's calls): agent tool calls outside the agent's
allow-list: sql/monitoring/tool_allow_list.sql.

The allow-list of an agent comes from the inventory when it describes the agent's tools (the
primary source: Bedrock action groups, `allowed_tools` postures). For the agents it does not
describe, the fallback lists: the organisation's configuration (`monitoring.tool_allow_lists`)
and, for a site's own pack, the pack's `tool_allow_lists` (empty in the shipped pack).
"""

from __future__ import annotations

import json

from aisec_assets.monitoring.rules.schema import AllowListLogic, Rule, RulePack
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings

KIND = "allow_list"
SQL_FILE = "monitoring/tool_allow_list"


def fallback_allow_lists(pack: RulePack, org: OrgSettings) -> str:
    """The fallback lists as the JSON the SQL reads: one {agent, tool, source} per tool."""
    entries = [
        {"agent": agent, "tool": tool, "source": source}
        for source, lists in (
            ("configuration", org.tool_allow_lists),
            ("pack", pack.tool_allow_lists),
        )
        for agent, tools in sorted(lists.items())
        for tool in tools
    ]
    return json.dumps(entries)


def compile_rule(rule: Rule, pack: RulePack, org: OrgSettings) -> list[CompiledStep]:
    logic = rule.logic
    assert isinstance(logic, AllowListLogic)
    return [
        CompiledStep(
            f"{rule.id} tool allow-list",
            (rule.id,),
            sql_file=SQL_FILE,
            variables={
                "rule_id": rule.id,
                "use_inventory": logic.use_inventory,
                "use_pack": logic.use_pack,
                "use_config": logic.use_config,
                "fallback_tool_allow_lists": fallback_allow_lists(pack, org),
            },
        )
    ]
