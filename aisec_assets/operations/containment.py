"""Containment: the playbooks' automated cloud steps planned against the incident's asset and
run through the real SDKs (`aisec_resources.cloud_actions`).

`plan_containment` turns each automated cloud step of an incident into the exact calls it
needs, from the asset's inventory record (its ARN or resource id and the posture discovery
collected: action groups, aliases, deployment SKU) and from what the responder adds
(`--param access_key_id=...`: the evidence holds only a key's hash). A step the program cannot
target is listed with what it needs, never dropped.

`run_containment` records every call in the incident's timeline (kind `action`): a dry run
(the default) records the exact call and sends nothing; an approved run sends it and records
the response or the error. A failed call escalates: an `escalation` entry naming the step's
escalation trigger, and the incident's severity raised one level. A call that already
succeeded for the incident is not repeated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from aisec_assets.operations.incidents import IncidentError, append_entry
from aisec_assets.operations.playbook_library import ACTIONS, SEVERITIES
from aisec_resources.cloud_actions import (
    GLOBAL_REGION,
    CallOutcome,
    CloudCall,
    ReadFirst,
    parse_account_id,
)

DRAFT = "DRAFT"
# Bedrock's built-in test alias always routes to DRAFT; it is not a serving alias.
TEST_ALIAS_ID = "TSTALIASID"
AZURE_KEYS = ("Key1", "Key2")
ACTION_GROUP_KEPT_FIELDS = (
    "description",
    "parentActionGroupSignature",
    "parentActionGroupSignatureParams",
    "actionGroupExecutor",
    "apiSchema",
    "functionSchema",
)


class PlanningError(ValueError):
    """A step cannot be targeted: the message says what it needs."""


@dataclass(frozen=True)
class Target:
    """The incident's asset as the inventory knows it."""

    asset_id: str | None
    asset_type: str | None
    natural_key: str
    cloud_account: str | None
    cloud_region: str | None
    posture: Mapping[str, Any]

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.posture.get(name)
        return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class PlannedStep:
    step_number: int
    phase: str
    automation: str
    calls: tuple[CloudCall, ...] = ()
    # Why nothing can be called (what the responder must add), when calls is empty.
    blocked: str | None = None
    notes: tuple[str, ...] = ()
    escalation_trigger: str | None = None


@dataclass(frozen=True)
class ContainmentPlan:
    incident_id: str
    severity: str
    steps: tuple[PlannedStep, ...]

    @property
    def calls(self) -> list[tuple[PlannedStep, CloudCall]]:
        return [(step, call) for step in self.steps for call in step.calls]


@dataclass
class ContainmentResult:
    executed: int = 0
    skipped: int = 0
    dry_run: int = 0
    failed: int = 0
    blocked: int = 0
    lines: list[str] = field(default_factory=list)
    escalated_to: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed == 0


Params = Mapping[str, str]
Planner = Callable[[Target, Params], tuple[list[CloudCall], list[str]]]


def _need(params: Params, name: str, why: str) -> str:
    value = (params.get(name) or "").strip()
    if not value:
        raise PlanningError(f"needs --param {name}=... ({why})")
    return value


def _aws_scope(target: Target, params: Params) -> tuple[str, str]:
    account = (params.get("account") or target.cloud_account or "").strip()
    region = (params.get("region") or target.cloud_region or "").strip()
    if not account or not region:
        raise PlanningError(
            "the asset has no AWS account/region in the inventory: give --param account=... "
            "and --param region=..."
        )
    return account, region


def _agent(target: Target) -> Mapping[str, Any]:
    bedrock = target.section("aws_bedrock")
    if not bedrock.get("agent_id"):
        raise PlanningError(
            f"asset {target.asset_id or target.natural_key} is not a Bedrock agent the "
            "inventory collected (no agent id): the action does not apply"
        )
    return bedrock


def plan_disable_action_group(target: Target, params: Params) -> tuple[list[CloudCall], list[str]]:
    agent = _agent(target)
    account, region = _aws_scope(target, params)
    only = (params.get("action_group_id") or "").strip()
    groups = [
        g
        for g in agent.get("action_groups") or []
        if isinstance(g, Mapping)
        and g.get("agent_version") == DRAFT
        and g.get("state") != "DISABLED"
        and (not only or g.get("id") == only)
    ]
    if not groups:
        raise PlanningError(
            "the agent has no enabled action group in its DRAFT version"
            + (f" with id {only}" if only else "")
            + " (nothing to disable)"
        )
    agent_id = str(agent["agent_id"])
    calls = [
        CloudCall(
            "aws",
            "bedrock-agent",
            "UpdateAgentActionGroup",
            {
                "agentId": agent_id,
                "agentVersion": DRAFT,
                "actionGroupId": str(g["id"]),
                "actionGroupName": str(g.get("name") or g["id"]),
                "actionGroupState": "DISABLED",
            },
            account,
            region,
            read_first=ReadFirst(
                "GetAgentActionGroup",
                {"agentId": agent_id, "agentVersion": DRAFT, "actionGroupId": str(g["id"])},
                "agentActionGroup",
                ACTION_GROUP_KEPT_FIELDS,
            ),
        )
        for g in groups
    ]
    calls.append(
        CloudCall("aws", "bedrock-agent", "PrepareAgent", {"agentId": agent_id}, account, region)
    )
    notes = []
    serving = [
        a
        for a in agent.get("aliases") or []
        if isinstance(a, Mapping) and a.get("id") != TEST_ALIAS_ID
    ]
    if serving:
        notes.append(
            "aliases routed to a numbered version keep that version's action groups: "
            + ", ".join(f"{a.get('name')} -> {a.get('routes_to')}" for a in serving)
            + "; bedrock.point_alias_to_version moves them to a version without the tools"
        )
    return calls, notes


def plan_point_alias(target: Target, params: Params) -> tuple[list[CloudCall], list[str]]:
    agent = _agent(target)
    account, region = _aws_scope(target, params)
    version = _need(params, "agent_version", "the known-good agent version to route to")
    only = (params.get("alias_id") or "").strip()
    aliases = [
        a
        for a in agent.get("aliases") or []
        if isinstance(a, Mapping)
        and a.get("id") != TEST_ALIAS_ID
        and (not only or a.get("id") == only)
    ]
    if not aliases:
        raise PlanningError("the agent has no serving alias" + (f" with id {only}" if only else ""))
    agent_id = str(agent["agent_id"])
    calls = [
        CloudCall(
            "aws",
            "bedrock-agent",
            "UpdateAgentAlias",
            {
                "agentId": agent_id,
                "agentAliasId": str(a["id"]),
                "agentAliasName": str(a.get("name") or a["id"]),
                "routingConfiguration": [{"agentVersion": version}],
            },
            account,
            region,
            read_first=ReadFirst(
                "GetAgentAlias",
                {"agentId": agent_id, "agentAliasId": str(a["id"])},
                "agentAlias",
                ("description",),
            ),
        )
        for a in aliases
    ]
    return calls, [f"alias {a.get('name')} routed to {a.get('routes_to')} before" for a in aliases]


def plan_delete_provisioned_throughput(
    target: Target, params: Params
) -> tuple[list[CloudCall], list[str]]:
    arn = (params.get("provisioned_model_arn") or target.natural_key).strip()
    if ":provisioned-model/" not in arn:
        raise PlanningError(
            "the asset is not a Bedrock provisioned throughput: give --param "
            "provisioned_model_arn=arn:aws:bedrock:...:provisioned-model/..."
        )
    account, region = _aws_scope(target, params)
    notes = []
    commitment = target.section("aws_bedrock").get("commitment")
    if commitment:
        notes.append(
            f"commitment term {commitment}: deleting stops use, the term is billed to its end"
        )
    call = CloudCall(
        "aws",
        "bedrock",
        "DeleteProvisionedModelThroughput",
        {"provisionedModelId": arn},
        account,
        region,
    )
    return [call], notes


def plan_deactivate_access_key(target: Target, params: Params) -> tuple[list[CloudCall], list[str]]:
    key_id = _need(
        params,
        "access_key_id",
        "the evidence holds only the key's hash; the id is in CloudTrail's userIdentity",
    )
    account = (params.get("account") or target.cloud_account or "").strip()
    if not account:
        raise PlanningError("needs --param account=... (the key's AWS account)")
    call_params: dict[str, Any] = {"AccessKeyId": key_id, "Status": "Inactive"}
    user = (params.get("user_name") or "").strip()
    if user:
        call_params["UserName"] = user
    # The id itself is credential-shaped and redacted in the timeline; its tail says which.
    note = f"the access key ending in {key_id[-4:]}" + (f" of user {user}" if user else "")
    return [CloudCall("aws", "iam", "UpdateAccessKey", call_params, account, GLOBAL_REGION)], [note]


def _azure_account(target: Target, params: Params) -> tuple[str, str, str]:
    resource_id = (
        params.get("account_id")
        or target.section("azure_openai").get("account_id")
        or target.natural_key
    )
    account = parse_account_id(str(resource_id))
    if account is None:
        raise PlanningError(
            "the asset is not an Azure OpenAI / AI Services resource: give --param "
            "account_id=/subscriptions/.../accounts/..."
        )
    return account.subscription_id, account.resource_group, account.account_name


def plan_regenerate_account_key(
    target: Target, params: Params
) -> tuple[list[CloudCall], list[str]]:
    subscription, group, name = _azure_account(target, params)
    key = (params.get("key_name") or "").strip()
    if key and key not in AZURE_KEYS:
        raise PlanningError(f"--param key_name must be one of {', '.join(AZURE_KEYS)}")
    keys = [key] if key else list(AZURE_KEYS)
    calls = [
        CloudCall(
            "azure",
            "accounts",
            "regenerate_key",
            {"resource_group_name": group, "account_name": name, "key_name": k},
            subscription,
            secret_response=True,
        )
        for k in keys
    ]
    notes = (
        []
        if key
        else [
            "which key leaked is unknown: both are regenerated (every key-based client must be "
            "given a new key; --param key_name=Key1 limits it to one)"
        ]
    )
    return calls, notes


def plan_capacity_zero(target: Target, params: Params) -> tuple[list[CloudCall], list[str]]:
    subscription, group, name = _azure_account(target, params)
    posture = target.section("azure_openai")
    marker = "/deployments/"
    if marker not in target.natural_key.lower():
        raise PlanningError("the asset is not an Azure OpenAI deployment")
    deployment = target.natural_key[target.natural_key.lower().rindex(marker) + len(marker) :]
    sku = (params.get("sku_name") or posture.get("deployment_sku") or "").strip()
    if not sku:
        raise PlanningError("the deployment's SKU is not in the inventory: give --param sku_name=")
    call = CloudCall(
        "azure",
        "deployments",
        "begin_update",
        {
            "resource_group_name": group,
            "account_name": name,
            "deployment_name": deployment,
            "body": {"sku": {"name": sku, "capacity": 0}},
        },
        subscription,
    )
    return [call], [
        f"capacity before: {posture.get('deployment_capacity')} (restore it on recovery)"
    ]


def plan_disable_local_auth(target: Target, params: Params) -> tuple[list[CloudCall], list[str]]:
    subscription, group, name = _azure_account(target, params)
    call = CloudCall(
        "azure",
        "accounts",
        "begin_update",
        {
            "resource_group_name": group,
            "account_name": name,
            "body": {"properties": {"disableLocalAuth": True}},
        },
        subscription,
    )
    return [call], ["key-based clients stop working: they must move to Microsoft Entra ID"]


# One planner per cloud action of the playbook vocabulary (a test keeps them equal).
PLANNERS: dict[str, Planner] = {
    "bedrock.disable_action_group": plan_disable_action_group,
    "bedrock.point_alias_to_version": plan_point_alias,
    "bedrock.delete_provisioned_throughput": plan_delete_provisioned_throughput,
    "iam.deactivate_access_key": plan_deactivate_access_key,
    "azure.regenerate_account_key": plan_regenerate_account_key,
    "azure.set_deployment_capacity_zero": plan_capacity_zero,
    "azure.disable_local_auth": plan_disable_local_auth,
}
CLOUD_ACTIONS = tuple(a for a, spec in ACTIONS.items() if spec.provider in ("aws", "azure"))


def load_target(conn: duckdb.DuckDBPyConnection, incident_id: str) -> tuple[str, Target]:
    rows = conn.execute(
        "SELECT i.severity, i.asset_id, a.asset_type, coalesce(a.natural_key, i.asset_ref), "
        "a.cloud_account, a.cloud_region, CAST(a.posture AS VARCHAR) "
        "FROM operations.incidents i LEFT JOIN inventory.ai_assets a USING (asset_id) "
        "WHERE i.incident_id = ?",
        [incident_id],
    ).fetchall()
    if not rows:
        raise IncidentError(f"no incident {incident_id!r}")
    severity, asset_id, asset_type, key, account, region, posture = rows[0]
    parsed = json.loads(posture) if posture else {}
    return severity, Target(
        asset_id, asset_type, key, account, region, parsed if isinstance(parsed, dict) else {}
    )


def plan_containment(
    conn: duckdb.DuckDBPyConnection,
    incident_id: str,
    params: Params | None = None,
    *,
    steps: tuple[int, ...] = (),
) -> ContainmentPlan:
    """The calls of the incident's automated cloud steps: its containment steps, or the given
    step numbers (any phase, e.g. a recovery alias rollback)."""
    params = params or {}
    severity, target = load_target(conn, incident_id)
    tasks = conn.execute(
        "SELECT step_number, phase, automation, escalation_trigger "
        "FROM operations.incident_tasks WHERE incident_id = ? AND automation IS NOT NULL "
        "ORDER BY step_number",
        [incident_id],
    ).fetchall()
    known = {t[0] for t in tasks}
    unknown = sorted(set(steps) - known)
    if unknown:
        raise IncidentError(
            f"incident {incident_id}: no automated step {unknown}; automated steps: {sorted(known)}"
        )
    planned = []
    for number, phase, automation, trigger in tasks:
        if automation not in PLANNERS:
            continue
        if (steps and number not in steps) or (not steps and phase != "containment"):
            continue
        try:
            calls, notes = PLANNERS[automation](target, params)
            planned.append(
                PlannedStep(number, phase, automation, tuple(calls), None, tuple(notes), trigger)
            )
        except PlanningError as exc:
            planned.append(PlannedStep(number, phase, automation, (), str(exc), (), trigger))
    return ContainmentPlan(incident_id, severity, tuple(planned))


def executed_calls(conn: duckdb.DuckDBPyConnection, incident_id: str) -> set[str]:
    """Fingerprints of the calls already executed successfully for the incident."""
    rows = conn.execute(
        "SELECT regexp_extract(detail, '\\[call ([0-9a-f]{16})\\]', 1) "
        "FROM operations.incident_timeline "
        "WHERE incident_id = ? AND kind = 'action' AND starts_with(detail, 'EXECUTED ')",
        [incident_id],
    ).fetchall()
    return {r[0] for r in rows if r[0]}


def _raise(severity: str) -> str:
    index = SEVERITIES.index(severity) if severity in SEVERITIES else 0
    return SEVERITIES[max(index - 1, 0)]


def run_containment(
    conn: duckdb.DuckDBPyConnection,
    plan: ContainmentPlan,
    execute: Callable[[CloudCall], CallOutcome] | None,
    *,
    approved: bool,
    actor: str,
    at: datetime,
) -> ContainmentResult:
    """Record (dry run) or make (approved) every planned call; see the module docstring.
    `execute` is `CloudCaller.execute`; it is not needed for a dry run."""
    if not actor.strip():
        raise IncidentError("containment needs an actor (who runs it)")
    if approved and execute is None:
        raise ValueError("an approved containment needs a caller")
    result = ContainmentResult()
    done = executed_calls(conn, plan.incident_id)

    def record(kind: str, detail: str) -> None:
        append_entry(conn, plan.incident_id, at=at, actor=actor, kind=kind, detail=detail)
        result.lines.append(detail)

    for step in plan.steps:
        label = f"step {step.step_number} {step.automation}"
        if step.blocked:
            result.blocked += 1
            record("action", f"NOT PLANNED {label}: {step.blocked}")
        notes = "".join(f" Note: {note}." for note in step.notes)
        for call in step.calls:
            tag = f"[call {call.fingerprint()}]"
            if call.fingerprint() in done:
                result.skipped += 1
                result.lines.append(f"ALREADY EXECUTED {label} {tag}: {call.describe()}")
                continue
            if not approved:
                result.dry_run += 1
                record("action", f"DRY RUN {label} {tag}: {call.describe()} (not sent).{notes}")
                continue
            assert execute is not None
            outcome = execute(call)
            if outcome.ok:
                result.executed += 1
                record(
                    "action",
                    f"EXECUTED {label} {tag}: {call.describe()} -> {outcome.describe()}.{notes}",
                )
                continue
            result.failed += 1
            record("action", f"FAILED {label} {tag}: {call.describe()} -> {outcome.describe()}")
            result.escalated_to = _escalate(
                conn, plan, step, outcome, actor=actor, at=at, record=record
            )
    return result


def _escalate(
    conn: duckdb.DuckDBPyConnection,
    plan: ContainmentPlan,
    step: PlannedStep,
    outcome: CallOutcome,
    *,
    actor: str,
    at: datetime,
    record: Callable[[str, str], None],
) -> str:
    current = conn.execute(
        "SELECT severity FROM operations.incidents WHERE incident_id = ?", [plan.incident_id]
    ).fetchall()[0][0]
    raised = _raise(current)
    trigger = step.escalation_trigger or "a containment call failed"
    record(
        "escalation",
        f"containment step {step.step_number} {step.automation} failed ({outcome.error_code}): "
        f"{trigger} Severity {current} -> {raised}; contain by hand and record it with "
        "`aisec incident note`.",
    )
    if raised != current:
        conn.execute(
            "UPDATE operations.incidents SET severity = ? WHERE incident_id = ?",
            [raised, plan.incident_id],
        )
    return raised
