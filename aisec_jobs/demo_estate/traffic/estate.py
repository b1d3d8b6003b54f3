"""The estate's facts the traffic refers to: the production account's Bedrock agents (ids,
regions, action groups) and the provisioned model, read from the AWS bundle, and the tools
each agent is allowed to call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisec_assets.discovery.aws import bundle_file_name, join_key
from aisec_jobs.demo_estate.traffic.common import _EU, _PROD, _US


# ------------------------------------------------------------------------ the estate's facts
@dataclass(frozen=True)
class _Agent:
    agent_id: str
    name: str
    region: str
    model: str
    action_groups: tuple[str, ...]


def _read_bundle_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: not found. The demo traffic refers to the estate's agents and models: "
            "write the AWS bundle (aisec_jobs.demo_estate.aws.write_bundle) under the same "
            "root first"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def _estate_agents(aws_root: Path) -> dict[str, _Agent]:
    """The Bedrock agents of the production account, with their action groups, by name."""
    agents: dict[str, _Agent] = {}
    for region in (_US, _EU):
        base = aws_root / _PROD.account_id / region / "bedrock-agent"
        listing = _read_bundle_json(base / "ListAgents.json")
        for summary in listing.get("agentSummaries", []):
            agent_id, name = summary["agentId"], summary["agentName"]
            detail = _read_bundle_json(base / "GetAgent" / bundle_file_name(agent_id))["agent"]
            groups = _read_bundle_json(
                base / "ListAgentActionGroups" / bundle_file_name(join_key(agent_id, "DRAFT"))
            )
            names = tuple(g["actionGroupName"] for g in groups.get("actionGroupSummaries", []))
            agents[name] = _Agent(agent_id, name, region, detail["foundationModel"], names)
    return agents


def _provisioned_model(aws_root: Path) -> str:
    path = aws_root / _PROD.account_id / _US / "bedrock" / "ListProvisionedModelThroughputs.json"
    for summary in _read_bundle_json(path).get("provisionedModelSummaries", []):
        if summary.get("provisionedModelName") == "fraud-narrative-pt":
            return str(summary["provisionedModelArn"])
    raise ValueError(f"{path}: no provisioned throughput named fraud-narrative-pt")


# Tools of each agent: (action group, function). Bedrock names them group__function.
_AGENT_TOOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "cx-support-bedrock-agent": {
        "order-status": ("get_order_status",),
        "refunds": ("issue_refund",),
        "UserInputAction": ("ask_user",),
    },
    "fraud-triage-agent": {
        "case-lookup": ("cases_lookup",),
        "CodeInterpreterAction": ("run_python",),
    },
    "claims-intake-agent": {
        "submit-claim": ("submit_claim", "get_claim_status"),
        "UserInputAction": ("ask_user",),
    },
}
_INHOUSE_AGENT = "cx-support-agent"  # the declared LangGraph agent (no cloud id)
_INHOUSE_TOOLS = ("search_help_center", "lookup_order", "create_ticket", "issue_refund")
_FORBIDDEN_TOOL = "customer-admin__export_customer_records"


def _tool(agent: _Agent, group: str, function: str) -> str:
    if group not in agent.action_groups:
        raise ValueError(f"agent {agent.name} has no action group {group!r} in the AWS bundle")
    return f"{group}__{function}"
