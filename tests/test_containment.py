"""Containment through the real SDKs: boto3 against the moto server (IAM, with moto's IAM
policy evaluation for a denied call) and a local Bedrock fake, azure-mgmt-cognitiveservices
against the local ARM fake. Dry run by default, approval names the incident, every call and
response in the timeline, a failed call escalates."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
import yaml
from azure_fake import FakeArmServer, FakeCredential
from bedrock_fake import BedrockState, FakeBedrockServer
from inventory_rows import insert_assets, make_asset
from moto.core.authorization import enable_iam_authentication
from moto.server import ThreadedMotoServer

from aisec_assets.operations.containment import (
    CLOUD_ACTIONS,
    PLANNERS,
    plan_containment,
    run_containment,
)
from aisec_assets.operations.incidents import GENESIS_HASH, broken_timelines
from aisec_jobs.cli import main
from aisec_resources.cloud_actions import CloudCaller
from aisec_resources.config.operations import ContainmentConfig
from aisec_resources.warehouse import WarehouseResource, create_schema, run_sql

AT = datetime(2026, 3, 28, 9, 0)
ACCOUNT = "111122223333"
REGION = "us-east-1"
AGENT = "AGENT00001"
SUB = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"
ACCOUNT_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/"
    "accounts/aoai-prod"
)
PROVISIONED = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/pt0001"


def _assets() -> list[dict[str, Any]]:
    agent_posture = {
        "aws_bedrock": {
            "agent_id": AGENT,
            "action_groups": [
                {
                    "agent_version": "DRAFT",
                    "id": "AGROUP0001",
                    "name": "refunds",
                    "state": "ENABLED",
                },
                {"agent_version": "DRAFT", "id": "AGROUP0002", "name": "old", "state": "DISABLED"},
                {"agent_version": "2", "id": "AGROUP0001", "name": "refunds", "state": "ENABLED"},
            ],
            "aliases": [
                {"id": "TSTALIASID", "name": "AgentTestAlias", "routes_to": ["DRAFT"]},
                {"id": "ALIASPROD1", "name": "prod", "routes_to": ["2"]},
            ],
        }
    }
    deployment = (
        f"/subscriptions/{SUB}/resourcegroups/rg-ai/providers/microsoft.cognitiveservices/"
        "accounts/aoai-prod/deployments/gpt4o"
    )
    return [
        make_asset(
            "agent",
            asset_type="ai_agent",
            natural_key=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent/{AGENT}",
            cloud_provider="aws",
            cloud_account=ACCOUNT,
            cloud_region=REGION,
            posture=json.dumps(agent_posture),
        ),
        make_asset(
            "deployment",
            asset_type="api_endpoint",
            natural_key=deployment,
            cloud_provider="azure",
            cloud_account=SUB,
            posture=json.dumps(
                {
                    "azure_openai": {
                        "account_id": ACCOUNT_ID,
                        "deployment_sku": "GlobalStandard",
                        "deployment_capacity": 50,
                    }
                }
            ),
        ),
        make_asset(
            "throughput",
            asset_type="api_endpoint",
            natural_key=PROVISIONED,
            cloud_provider="aws",
            cloud_account=ACCOUNT,
            cloud_region=REGION,
            posture=json.dumps({"aws_bedrock": {"commitment": "OneMonth"}}),
        ),
    ]


def _incident(
    c: duckdb.DuckDBPyConnection,
    incident_id: str,
    asset_id: str,
    steps: list[tuple[int, str, str]],
    severity: str = "sev2",
) -> None:
    c.execute(
        "INSERT INTO operations.incidents (incident_id, category, severity, title, origin, "
        "asset_id, asset_ref, actor, affected_assets, blast_radius, first_evidence_at, "
        "last_evidence_at, opened_at, evidence_count, rule_ids, state, personal_data, "
        "eu_ai_act_high_risk) VALUES (?, 'agent_unauthorized_actions', ?, 't', 'detection', ?, "
        "?, 'key:abc', [?], [], ?, ?, ?, 1, [], 'open', false, false)",
        [incident_id, severity, asset_id, asset_id, asset_id, AT, AT, AT],
    )
    for number, phase, automation in steps:
        c.execute(
            "INSERT INTO operations.incident_tasks VALUES (?, ?, ?, 'act', "
            "'platform_engineering', true, ?, ?, 'Cannot disable within 5 minutes: raise to "
            "SEV1.')",
            [incident_id, number, phase, automation, AT + timedelta(minutes=5 * number)],
        )
    # The first entry is written with the incident, as open_incidents.sql does (an incident
    # without history is a broken chain: append_entry refuses it).
    c.execute(
        "INSERT INTO operations.incident_timeline SELECT ?, 1, ?, 'aisec', 'opened', NULL, "
        "'open', 'opened', ?, operations.timeline_hash(?, ?, 1, ?, 'aisec', 'opened', NULL, "
        "'open', 'opened')",
        [incident_id, AT, GENESIS_HASH, GENESIS_HASH, incident_id, AT],
    )


def _seed(c: duckdb.DuckDBPyConnection) -> None:
    create_schema(c)
    run_sql(c, "schema/operations")
    insert_assets(c, _assets())
    _incident(
        c,
        "INC-agent",
        "agent",
        [
            (1, "detection", "aisec.collect_evidence"),
            (2, "containment", "bedrock.disable_action_group"),
            (3, "containment", "iam.deactivate_access_key"),
            (4, "recovery", "bedrock.point_alias_to_version"),
        ],
    )
    _incident(
        c,
        "INC-azure",
        "deployment",
        [
            (1, "containment", "azure.regenerate_account_key"),
            (2, "containment", "azure.set_deployment_capacity_zero"),
            (3, "containment", "azure.disable_local_auth"),
        ],
    )
    _incident(
        c, "INC-cost", "throughput", [(1, "containment", "bedrock.delete_provisioned_throughput")]
    )


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    _seed(c)
    yield c
    c.close()


def timeline(c: duckdb.DuckDBPyConnection, incident_id: str) -> list[tuple[str, str]]:
    return c.execute(
        "SELECT kind, detail FROM operations.incident_timeline WHERE incident_id = ? ORDER BY seq",
        [incident_id],
    ).fetchall()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _session(key: str = "testing", secret: str = "testing") -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name=REGION
    )


def test_every_cloud_action_of_the_vocabulary_has_a_planner() -> None:
    assert set(PLANNERS) == set(CLOUD_ACTIONS)


def test_dry_run_records_the_exact_calls_and_sends_nothing(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    plan = plan_containment(conn, "INC-agent")
    # Containment steps only; the evidence step is not a cloud action, recovery not asked for.
    assert [(s.step_number, s.automation) for s in plan.steps] == [
        (2, "bedrock.disable_action_group"),
        (3, "iam.deactivate_access_key"),
    ]
    disable, deactivate = plan.steps
    # Only the enabled group of the DRAFT version; then the agent is prepared.
    assert [(c.operation, c.params.get("actionGroupId")) for c in disable.calls] == [
        ("UpdateAgentActionGroup", "AGROUP0001"),
        ("PrepareAgent", None),
    ]
    assert "prod -> ['2']" in disable.notes[0]
    assert deactivate.calls == () and "--param access_key_id" in (deactivate.blocked or "")

    result = run_containment(conn, plan, None, approved=False, actor="lead@example.com", at=AT)
    assert (result.dry_run, result.executed, result.blocked, result.ok) == (2, 0, 1, True)
    entries = timeline(conn, "INC-agent")[1:]
    assert [k for k, _ in entries] == ["action"] * 3
    assert entries[0][1].startswith("DRY RUN step 2 bedrock.disable_action_group [call ")
    assert '"actionGroupState"' not in entries[0][1]  # values are JSON, keys are call args
    assert 'actionGroupState="DISABLED"' in entries[0][1] and "(not sent)" in entries[0][1]
    assert entries[2][1].startswith("NOT PLANNED step 3 iam.deactivate_access_key")
    assert broken_timelines(conn) == []


def test_approved_bedrock_calls_keep_what_they_do_not_change_and_run_once(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    state = BedrockState()
    executor = {"lambda": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:refunds"}
    state.add_action_group(AGENT, "AGROUP0001", "refunds", actionGroupExecutor=executor)
    state.add_alias(AGENT, "ALIASPROD1", "prod", "2")
    with FakeBedrockServer(state) as fake:
        caller = CloudCaller(
            ContainmentConfig(aws_endpoint_url=fake.url, max_attempts=1), boto_session=_session()
        )
        plan = plan_containment(conn, "INC-agent", steps=(2, 4), params={"agent_version": "1"})
        result = run_containment(
            conn, plan, caller.execute, approved=True, actor="lead@example.com", at=AT
        )
        assert (result.executed, result.failed) == (3, 0), result.lines
        assert fake.operations() == [
            "GetAgentActionGroup",
            "UpdateAgentActionGroup",
            "PrepareAgent",
            "GetAgentAlias",
            "UpdateAgentAlias",
        ]
        group = state.action_groups[(AGENT, "DRAFT", "AGROUP0001")]
        # Disabled, and the executor read first is sent again (an update replaces the group).
        assert group["actionGroupState"] == "DISABLED"
        assert group["actionGroupExecutor"] == executor
        assert state.prepared == [AGENT]
        alias = state.aliases[(AGENT, "ALIASPROD1")]
        assert alias["routingConfiguration"] == [{"agentVersion": "1"}]
        assert alias["description"] == "prod alias"
        assert all(r.authorization and "AWS4-HMAC-SHA256" in r.authorization for r in fake.requests)
        assert fake.invalid == []
        executed = [d for k, d in timeline(conn, "INC-agent") if d.startswith("EXECUTED")]
        assert len(executed) == 3
        assert '"actionGroupState": "DISABLED"' in executed[0]  # the response is recorded

        again = run_containment(
            conn, plan, caller.execute, approved=True, actor="lead@example.com", at=AT
        )
        assert (again.executed, again.skipped) == (0, 3)
        assert len(fake.requests) == 5  # nothing sent twice
    assert broken_timelines(conn) == []


def test_a_denied_bedrock_call_escalates(conn: duckdb.DuckDBPyConnection) -> None:
    state = BedrockState()
    state.provisioned.add(PROVISIONED)
    with FakeBedrockServer(state, deny={"DeleteProvisionedModelThroughput"}) as fake:
        caller = CloudCaller(
            ContainmentConfig(aws_endpoint_url=fake.url, max_attempts=1), boto_session=_session()
        )
        plan = plan_containment(conn, "INC-cost")
        assert "OneMonth" in plan.steps[0].notes[0]
        result = run_containment(
            conn, plan, caller.execute, approved=True, actor="lead@example.com", at=AT
        )
    assert (result.failed, result.escalated_to, result.ok) == (1, "sev1", False)
    assert PROVISIONED in state.provisioned
    kinds = timeline(conn, "INC-cost")
    assert kinds[-2][1].startswith("FAILED step 1 bedrock.delete_provisioned_throughput")
    assert "AccessDeniedException" in kinds[-2][1]
    assert kinds[-1][0] == "escalation" and "sev2 -> sev1" in kinds[-1][1]
    assert "raise to SEV1" in kinds[-1][1]
    severity = conn.execute(
        "SELECT severity FROM operations.incidents WHERE incident_id = 'INC-cost'"
    ).fetchall()
    assert severity == [("sev1",)]


def _iam_user_with_key(iam: Any, user: str, policy: dict[str, Any] | None) -> dict[str, str]:
    iam.create_user(UserName=user)
    if policy is not None:
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(policy))
    return iam.create_access_key(UserName=user)["AccessKey"]


def _key_status(iam: Any, user: str, key_id: str) -> str:
    keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return next(k["Status"] for k in keys if k["AccessKeyId"] == key_id)


def test_iam_key_deactivation_against_moto_allowed_and_denied(
    conn: duckdb.DuckDBPyConnection, moto_url: str
) -> None:
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    ).read()
    admin = _session().client("iam", endpoint_url=moto_url, region_name=REGION)
    victim = _iam_user_with_key(admin, "svc-chatbot", None)
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:UpdateAccessKey", "Resource": "*"}],
    }
    responder = _iam_user_with_key(admin, "responder", allow)
    intern = _iam_user_with_key(admin, "intern", None)
    params = {"access_key_id": victim["AccessKeyId"], "user_name": "svc-chatbot"}
    config = ContainmentConfig(aws_endpoint_url=moto_url, max_attempts=1)

    plan = plan_containment(conn, "INC-agent", params, steps=(3,))
    with enable_iam_authentication():
        denied = run_containment(
            conn,
            plan,
            CloudCaller(
                config, boto_session=_session(intern["AccessKeyId"], intern["SecretAccessKey"])
            ).execute,
            approved=True,
            actor="intern@example.com",
            at=AT,
        )
    assert (denied.failed, denied.escalated_to) == (1, "sev1")
    assert _key_status(admin, "svc-chatbot", victim["AccessKeyId"]) == "Active"
    with enable_iam_authentication():
        allowed = run_containment(
            conn,
            plan,
            CloudCaller(
                config,
                boto_session=_session(responder["AccessKeyId"], responder["SecretAccessKey"]),
            ).execute,
            approved=True,
            actor="lead@example.com",
            at=AT + timedelta(minutes=1),
        )
    assert (allowed.executed, allowed.failed) == (1, 0)
    assert _key_status(admin, "svc-chatbot", victim["AccessKeyId"]) == "Inactive"
    details = [d for _, d in timeline(conn, "INC-agent")]
    assert any(d.startswith("FAILED step 3") and "AccessDenied" in d for d in details)
    executed = [d for d in details if d.startswith("EXECUTED step 3")]
    assert len(executed) == 1 and "HTTPStatusCode" in executed[0]
    assert f"key ending in {victim['AccessKeyId'][-4:]} of user svc-chatbot" in executed[0]
    secrets = {victim["SecretAccessKey"], responder["SecretAccessKey"], intern["SecretAccessKey"]}
    assert not any(s in d for s in secrets for d in details)
    assert broken_timelines(conn) == []


def test_azure_calls_through_the_sdk_never_record_the_new_keys(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    bundle = _azure_bundle(tmp_path)
    with FakeArmServer(bundle) as fake:
        caller = CloudCaller(
            ContainmentConfig(azure_base_url=fake.url, max_attempts=1),
            azure_credential=FakeCredential,
        )
        plan = plan_containment(conn, "INC-azure")
        result = run_containment(
            conn, plan, caller.execute, approved=True, actor="lead@example.com", at=AT
        )
        assert (result.executed, result.failed) == (4, 0), result.lines
        assert [(kind, body) for kind, _, body in fake.changes] == [
            ("regenerateKey", {"keyName": "Key1"}),
            ("regenerateKey", {"keyName": "Key2"}),
            ("patchDeployment", {"sku": {"name": "GlobalStandard", "capacity": 0}}),
            ("patchAccount", {"properties": {"disableLocalAuth": True}}),
        ]
        issued = fake.issued_keys
    details = [d for _, d in timeline(conn, "INC-azure")]
    assert len(issued) == 4
    assert not any(key in d for key in issued for d in details)
    assert any("regenerate_key" in d and "not kept" in d for d in details)
    assert any("begin_update" in d and '"capacity": 0' in d for d in details)


def test_a_denied_azure_call_escalates(conn: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with FakeArmServer(_azure_bundle(tmp_path), errors={"/regeneratekey": 403}) as fake:
        caller = CloudCaller(
            ContainmentConfig(azure_base_url=fake.url, max_attempts=1),
            azure_credential=FakeCredential,
        )
        plan = plan_containment(conn, "INC-azure", {"key_name": "Key2"}, steps=(1,))
        result = run_containment(
            conn, plan, caller.execute, approved=True, actor="lead@example.com", at=AT
        )
    assert (result.failed, result.escalated_to) == (1, "sev1")
    kinds = [k for k, _ in timeline(conn, "INC-azure")]
    assert kinds[-2:] == ["action", "escalation"]
    assert "AuthorizationFailed" in timeline(conn, "INC-azure")[-2][1]


def _azure_bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "azure"
    account_dir = bundle / SUB / "rg-ai" / "aoai-prod"
    account_dir.mkdir(parents=True)
    (bundle / SUB / "accounts.json").write_text(
        json.dumps(
            {
                "value": [
                    {
                        "id": ACCOUNT_ID,
                        "name": "aoai-prod",
                        "kind": "OpenAI",
                        "location": "westeurope",
                        "properties": {"disableLocalAuth": False},
                    }
                ]
            }
        )
    )
    (account_dir / "deployments.json").write_text(
        json.dumps(
            {
                "value": [
                    {
                        "id": f"{ACCOUNT_ID}/deployments/gpt4o",
                        "name": "gpt4o",
                        "sku": {"name": "GlobalStandard", "capacity": 50},
                        "properties": {"model": {"format": "OpenAI", "name": "gpt-4o"}},
                    }
                ]
            }
        )
    )
    return bundle


# ------------------------------------------------------------------ the command


def _config(tmp_path: Path, moto_url: str) -> Path:
    warehouse = tmp_path / "wh" / "aisec.duckdb"
    resource = WarehouseResource(path=str(warehouse))
    with resource.connect() as c:
        _seed(c)
    path = tmp_path / "aisec.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "organisation": "test",
                "warehouse": {"path": str(warehouse)},
                "operations": {"containment": {"aws_endpoint_url": moto_url, "max_attempts": 1}},
            }
        )
    )
    return path


def test_the_command_is_a_dry_run_unless_approval_names_the_incident(
    tmp_path: Path,
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    admin = _session().client("iam", endpoint_url=moto_url, region_name=REGION)
    key = _iam_user_with_key(admin, "svc-cli", None)
    config = str(_config(tmp_path, moto_url))
    base = ["incident", "--config", config, "contain", "INC-agent", "--by", "lead@example.com"]
    args = [*base, "--step", "3", "--param", f"access_key_id={key['AccessKeyId']}"]
    args += ["--param", "user_name=svc-cli"]

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "DRY RUN step 3 iam.deactivate_access_key" in out and "none sent" in out
    assert _key_status(admin, "svc-cli", key["AccessKeyId"]) == "Active"

    assert main([*args, "--approve", "INC-other"]) == 2
    assert "does not name incident INC-agent" in capsys.readouterr().err
    assert _key_status(admin, "svc-cli", key["AccessKeyId"]) == "Active"

    assert main([*args, "--approve", "INC-agent"]) == 0
    assert "1 call(s) executed" in capsys.readouterr().out
    assert _key_status(admin, "svc-cli", key["AccessKeyId"]) == "Inactive"

    assert main([*base, "--param", "oops"]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err
