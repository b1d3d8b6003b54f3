"""Live AWS discovery: an organisation of 3 accounts x 2 regions, read through real boto3.

moto in server mode serves organizations, STS, EC2, SageMaker and the Bedrock operations it
implements; `aws_estate_fake.AwsEstateProxy` stands in front of it, answers the Bedrock
operations moto lacks (validated against botocore's shapes) and injects faults. Every client
of the reader points at the proxy, so each call is real HTTP with real retries.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from aws_estate import EXTERNAL_ID_ENV, REGIONS, ROLE, Estate, running_estate
from aws_estate_fake import MOTO_DEFAULT_ACCOUNT, Fault
from pydantic import ValidationError

from aisec_assets.discovery.aws import (
    AwsBundleReader,
    AwsCallError,
    extract_bedrock,
    extract_sagemaker,
)
from aisec_assets.discovery.aws.collect import AwsCollection, collect_aws
from aisec_assets.discovery.aws.live import (
    OPERATIONS,
    AwsLiveReader,
    iam_actions,
    member_role_actions,
    request_parameters,
)
from aisec_resources.aws_sessions import AwsSessions, MissingExternalId, list_accounts, list_regions
from aisec_resources.cloud_actions import CloudCall, CloudCaller
from aisec_resources.config.aws_live import AwsLiveConfig
from aisec_resources.config.operations import ContainmentConfig
from aisec_resources.records import SourceResult

NOW = "2026-11-30T10:00:00+00:00"
POLICY = Path(__file__).parent.parent / "aisec_assets" / "discovery" / "aws" / "iam_policy.json"


@pytest.fixture(scope="module")
def estate() -> Iterator[Estate]:
    with running_estate() as running:
        yield running


@pytest.fixture(scope="module")
def baseline(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good collection of the whole estate: what later failing runs must keep."""
    _reset(estate)
    out = tmp_path_factory.mktemp("baseline") / "bundle"
    collection, _ = _collect(estate, out)
    assert {s.status for s in collection.accounts.values()} == {"ok"}
    return out


def _copy(baseline: Path, tmp_path: Path) -> Path:
    shutil.copytree(baseline, tmp_path / "bundle")
    return tmp_path / "bundle"


def _reset(estate: Estate) -> None:
    estate.proxy.reset()


def _collect(estate: Estate, out: Path, **kwargs: Any) -> tuple[AwsCollection, list[str]]:
    lines: list[str] = []
    collection = collect_aws(
        estate.config(),
        out,
        progress=lines.append,
        base_session=estate.base,
        now=lambda: datetime.fromisoformat(NOW),
        reader=estate.reader(),
        **kwargs,
    )
    return collection, lines


def _rows(result: SourceResult) -> dict[str, dict[str, Any]]:
    return {r.natural_key: r.to_row() for r in result.records}


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# -- organisation, sessions, regions


def test_organisation_accounts_and_assume_role_with_external_id(estate: Estate) -> None:
    _reset(estate)
    config = estate.config(accounts=None)
    assert list_accounts(config, estate.base) == estate.accounts
    assert len(estate.accounts) == 3 and MOTO_DEFAULT_ACCOUNT in estate.accounts
    assert list_accounts(estate.config(accounts=[estate.accounts[1]])) == [estate.accounts[1]]

    sessions = AwsSessions(config, estate.base)
    member = estate.accounts[1]
    assert sessions.session(member) is sessions.session(member)  # cached: one AssumeRole
    who = sessions.client(member, "us-east-1", "sts").get_caller_identity()
    assert who["Account"] == member
    assumed = estate.proxy.assumed[-1]
    assert assumed == {
        "RoleArn": f"arn:aws:iam::{member}:role/{ROLE}",
        "RoleSessionName": "aisec-discovery",
        "ExternalId": estate.external_id,
    }
    assert estate.proxy.ops().count("AssumeRole") == 1
    cfg = sessions.botocore_config
    assert cfg.retries == {"mode": "adaptive", "total_max_attempts": 3}  # 3 in all
    assert cfg.max_pool_connections >= config.max_workers

    missing = AwsSessions(config, estate.base, environ={})
    with pytest.raises(MissingExternalId, match=EXTERNAL_ID_ENV):
        missing.session(member)


def test_regions_are_bedrock_regions_the_account_has_enabled(estate: Estate) -> None:
    config = estate.config(regions=None)
    sessions = AwsSessions(config, estate.base)
    found = list_regions(
        config,
        sessions.session(estate.accounts[0]),
        client=lambda s, r: sessions.client(estate.accounts[0], r, s),
    )
    bedrock = set(botocore.session.get_session().get_available_regions("bedrock"))
    listed = estate.base.client("ec2", endpoint_url=estate.proxy.url).describe_regions(
        AllRegions=True
    )["Regions"]
    enabled = {r["RegionName"] for r in listed if r["OptInStatus"] != "not-opted-in"}
    assert len(enabled) < len(listed)  # some regions are not enabled: they must be left out
    assert found == sorted(bedrock & enabled)
    assert "us-east-1" in found and "eu-west-1" in found
    assert list_regions(estate.config(), sessions.base) == REGIONS


# -- the live reader and the bundle it collects


def test_collected_bundle_reads_back_the_same_records_as_the_live_apis(
    estate: Estate, tmp_path: Path
) -> None:
    _reset(estate)
    collection, lines = _collect(estate, tmp_path / "bundle")
    assert [collection.accounts[a].status for a in estate.accounts] == ["ok"] * 3, (
        collection.summary()
    )
    # Each (account, region, service, operation, key) asked once: no request repeated.
    seen = [(s.account, s.region, s.operation, s.path, s.body) for s in estate.proxy.requests]
    assert len(seen) == len(set(seen))
    calls = sum(s.calls for s in collection.accounts.values())
    made = [s for s in estate.proxy.requests if s.operation not in ("AssumeRole", "ListAccounts")]
    assert calls == len(made) - sum(
        1 for s in estate.proxy.requests if "nextToken" in s.body or "nextToken=" in s.path
    ) - sum(1 for s in estate.proxy.requests if "NextToken" in s.body)

    # Pagination: 3 agents and jobs, pages of 2, all read.
    paged = [s for s in estate.proxy.requests if s.operation == "ListAgents"]
    assert len(paged) == 2 * len(estate.accounts) * len(REGIONS)
    bundle = tmp_path / "bundle"
    first, region = estate.accounts[0], "us-east-1"
    agents = json.loads((bundle / first / region / "bedrock-agent" / "ListAgents.json").read_text())
    assert sorted(a["agentId"] for a in agents["agentSummaries"]) == sorted(
        estate.agents[(first, region)]
    )
    assert "nextToken" not in agents and "ResponseMetadata" not in agents
    jobs = json.loads(
        (bundle / first / region / "bedrock" / "ListModelCustomizationJobs.json").read_text()
    )
    assert len(jobs["modelCustomizationJobSummaries"]) == 3
    assert isinstance(jobs["modelCustomizationJobSummaries"][0]["creationTime"], str)

    status = json.loads((bundle / first / "_collection.json").read_text())
    assert status["status"] == "ok" and status["collected_at"] == NOW
    assert status["regions"] == REGIONS and status["counts"]["responses"] > 20
    assert json.loads((bundle / "_status" / f"{first}.json").read_text())["status"] == "ok"
    assert not list(bundle.glob(".tmp-*")) and not list(bundle.glob(".old-*"))

    assert len(lines) == len(estate.accounts) * (len(REGIONS) + 1)
    assert any(
        re.fullmatch(
            r"account \d/3 \(\d{12}\) (us-east-1|eu-west-1): \d+ calls, \d+ resources, "
            r"\d+\.\d s; elapsed \d+ s, ETA \d+ s",
            line,
        )
        for line in lines
    ), lines

    for extract in (extract_bedrock, extract_sagemaker):
        live = extract(estate.reader())
        offline = extract(AwsBundleReader(bundle))
        assert not live.unreadable and not offline.unreadable
        assert [r.reason for r in live.rejections] == [r.reason for r in offline.rejections]
        assert _rows(live) == _rows(offline)
        assert len(live.records) >= 2 * len(estate.accounts) * len(REGIONS)
    bedrock = extract_bedrock(AwsBundleReader(bundle))
    types = {r.asset_type for r in bedrock.records}
    assert {"fine_tuned_model", "ai_agent", "guardrail_config", "api_endpoint"} <= types
    assert {"vector_database", "training_dataset", "foundation_model"} <= types


def _marker(bundle: Path, account: str, region: str) -> list[dict[str, Any]]:
    return json.loads((bundle / account / region / "_not_collected.json").read_text())


# Not in the future-clock run: once throttled, botocore's adaptive rate limiter waits on a
# threading.Condition with a timeout (sem_clockwait), which libfaketime 0.9.10 does not intercept,
# so under it the wait never ends (the tool's limit, as for the dagster dev test). The test reads
# no date: the collection's clock is injected.
@pytest.mark.clock_independent
def test_throttling_is_retried_and_failures_are_recorded_per_call(
    estate: Estate, baseline: Path, tmp_path: Path
) -> None:
    bundle = _copy(baseline, tmp_path)  # a good collection first: its rows are what stays stale
    _reset(estate)
    a, b, c = estate.accounts
    # Adaptive retries slow a client down after a throttle: the faults are on the last call
    # a region makes with its SageMaker client, so the test stays fast.
    estate.proxy.faults += [
        Fault(a, "ListModels", "ThrottlingException", region="us-east-1", times=2),
        Fault(a, "ListModels", "ThrottlingException", region="eu-west-1"),
        Fault(b, "GetModelInvocationLoggingConfiguration", "AccessDeniedException", 403),
    ]
    collection, _ = _collect(estate, bundle)
    assert [collection.accounts[x].status for x in (a, b, c)] == ["partial", "partial", "ok"]
    throttled = [r for r in estate.proxy.requests if r.operation == "ListModels"]
    assert [r.status for r in throttled if r.account == a and r.region == "us-east-1"] == [
        400,
        400,
        200,
    ]
    assert [r.status for r in throttled if r.account == a and r.region == "eu-west-1"] == [
        400
    ] * 3  # max_attempts=3 in all
    assert _marker(bundle, a, "eu-west-1") == [
        {
            "service": "sagemaker",
            "operation": "ListModels",
            "key": None,
            "reason": "throttled past the retry budget",
        }
    ]
    assert not (bundle / a / "us-east-1" / "_not_collected.json").exists()
    assert (bundle / a / "us-east-1" / "sagemaker" / "ListModels.json").is_file()
    for region in REGIONS:
        assert _marker(bundle, b, region)[0]["reason"] == "access denied"
    assert "not collected: eu-west-1 sagemaker:ListModels: throttled" in "\n".join(
        collection.summary()
    )

    result = extract_bedrock(AwsBundleReader(bundle))
    parts = {u.part: u.reason for u in result.unreadable}
    assert parts == {
        f"{b}/eu-west-1": "not collected: access denied",
        f"{b}/us-east-1": "not collected: access denied",
    }
    sagemaker = extract_sagemaker(AwsBundleReader(bundle))
    assert {u.part: u.reason for u in sagemaker.unreadable} == {
        f"{a}/eu-west-1": "not collected: throttled past the retry budget"
    }
    # The other parts are read in full; the unreadable ones keep what was still collected.
    accounts_read = {r.cloud_account for r in result.records}
    assert {a, b, c} <= accounts_read
    assert any(
        r.cloud_account == a and r.cloud_region == "eu-west-1" and r.asset_type == "api_endpoint"
        for r in sagemaker.records
    )  # read before the throttled call
    # Reading live gives the same unreadable parts (the collector marks each part once).
    live = extract_bedrock(estate.reader(accounts=[a, b]))
    assert {u.part for u in live.unreadable} == set(parts)
    assert all(u.location.startswith("aws:") for u in live.unreadable)


def test_an_expired_credential_fails_only_its_account_and_keeps_its_old_data(
    estate: Estate, baseline: Path, tmp_path: Path
) -> None:
    bundle = _copy(baseline, tmp_path)
    _reset(estate)
    # The expiring account is a member: the management account (moto's default, whose base
    # credentials list the organisation's accounts) has a random place among the sorted ids.
    c = max(x for x in estate.accounts if x != MOTO_DEFAULT_ACCOUNT)
    a, b = (x for x in estate.accounts if x != c)
    before = _tree(bundle / c)
    estate.proxy.faults.append(Fault(c, "*", "ExpiredTokenException", after=6))
    collection, _ = _collect(estate, bundle)
    assert [collection.accounts[x].status for x in (a, b, c)] == ["ok", "ok", "failed"]
    assert "expired credential" in (collection.accounts[c].error or "")
    assert _tree(bundle / c) == before  # untouched
    status = json.loads((bundle / "_status" / f"{c}.json").read_text())
    assert status["status"] == "failed" and "expired credential" in status["error"]
    # Once expired, the account is not called again (every later call fails fast).
    after_expiry = [r for r in estate.proxy.requests if r.account == c and r.status == 400]
    assert 1 <= len(after_expiry) <= 2 * len(REGIONS)

    result = extract_bedrock(AwsBundleReader(bundle))
    unreadable = {u.part: u for u in result.unreadable}
    assert list(unreadable) == [c]
    assert NOW in unreadable[c].reason and "expired credential" in unreadable[c].reason
    assert not any(r.cloud_account == c for r in result.records)
    assert {a, b} <= {r.cloud_account for r in result.records}


def test_an_unimplemented_moto_action_is_error_500_and_does_not_hang(estate: Estate) -> None:
    _reset(estate)
    estate.proxy.passthrough.add("ListGuardrails")  # moto answers HTTP 500
    reader = estate.reader(max_attempts=2)
    start = time.monotonic()
    with pytest.raises(AwsCallError) as caught:
        reader.call(estate.accounts[0], "us-east-1", "bedrock", "ListGuardrails")
    assert time.monotonic() - start < 10
    assert caught.value.reason.startswith("error 500") and caught.value.unreadable
    assert caught.value.location == f"aws:{estate.accounts[0]}/us-east-1/bedrock:ListGuardrails"
    assert [r.status for r in estate.proxy.requests] == [200, 500, 500]  # AssumeRole, 2 tries
    # A resource that vanished between list and get is simply absent.
    assert reader.call(estate.accounts[0], "us-east-1", "bedrock", "GetCustomModel", "gone") is None


def test_an_account_whose_role_cannot_be_assumed_fails_alone(
    estate: Estate, baseline: Path, tmp_path: Path
) -> None:
    bundle = _copy(baseline, tmp_path)
    _reset(estate)
    _, b, c = estate.accounts
    before = _tree(bundle / b)
    estate.proxy.faults.append(
        Fault(MOTO_DEFAULT_ACCOUNT, "AssumeRole", "AccessDenied", 403, body_has=b)
    )
    collection, _ = _collect(estate, bundle, accounts=[b, c])
    assert list(collection.accounts) == [b, c]
    assert [collection.accounts[x].status for x in (b, c)] == ["failed", "ok"]
    assert f"assume role arn:aws:iam::{b}:role/{ROLE}: access denied" in (
        collection.accounts[b].error or ""
    )
    assert _tree(bundle / b) == before
    result = extract_bedrock(AwsBundleReader(bundle))
    assert [u.part for u in result.unreadable] == [b]
    assert "access denied" in result.unreadable[0].reason


# -- operation table, IAM policy, configuration


def test_keys_map_to_request_parameters() -> None:
    assert request_parameters("bedrock-agent", "GetAgentActionGroup", "a_b12_DRAFT_G1") == {
        "agentId": "a_b12",
        "agentVersion": "DRAFT",
        "actionGroupId": "G1",
    }
    assert request_parameters("bedrock", "ListGuardrails", "g1") == {"guardrailIdentifier": "g1"}
    assert request_parameters("bedrock", "ListGuardrails", None) == {}
    assert request_parameters("sagemaker", "ListTags", "arn:aws:x") == {"ResourceArn": "arn:aws:x"}
    with pytest.raises(ValueError, match="does not name"):
        request_parameters("bedrock", "GetGuardrail", "only-one")
    with pytest.raises(ValueError, match="not an operation"):
        request_parameters("bedrock", "DeleteGuardrail", "g1")
    # Every operation of the table exists in botocore with exactly those parameters.
    session = botocore.session.get_session()
    for (service, operation), op in OPERATIONS.items():
        shape = session.get_service_model(service).operation_model(operation).input_shape
        members = set(shape.members) if shape else set()
        assert set(op.params) <= members, (service, operation)


def test_iam_policy_lists_exactly_the_actions_of_the_operation_table() -> None:
    policy = json.loads(POLICY.read_text())
    member = policy["MemberAccountRolePolicy"]["Statement"]
    caller = policy["CallerPolicy"]["Statement"]
    listed = [a for s in member + caller for a in s["Action"]]
    assert sorted(listed) == iam_actions()
    assert len(listed) == len(set(listed))
    assert sorted(a for s in member for a in s["Action"]) == member_role_actions()
    assert {a for s in caller for a in s["Action"]} == {
        "organizations:ListAccounts",
        "sts:AssumeRole",
    }
    assert all(s["Effect"] == "Allow" for s in member + caller)
    for action in listed:
        verb = action.split(":", 1)[1]
        assert verb.startswith(("List", "Get", "Describe")) or action == "sts:AssumeRole", action
    table = {f"{op.iam_prefix}:{name}" for (_, name), op in OPERATIONS.items()}
    assert table <= set(listed) and "bedrock:ListAgents" in table  # bedrock-agent -> bedrock:
    assert "sagemaker:ListTags" in table


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"accounts": ["12345"]}, "not 12-digit AWS account ids"),
        ({"accounts": []}, "empty account list"),
        ({"regions": ["US-EAST-1"]}, "not AWS region names"),
        ({"role_name": "arn:aws:iam::1:role/x"}, "not an IAM role name"),
        ({"role_name": "r", "external_id_env": "abc-123 secret"}, "NAME of an environment"),
        ({"external_id_env": "X"}, "set role_name"),
        ({"endpoint_url": "localhost:5000"}, "should match pattern"),
        ({"max_workers": 0}, "greater than or equal to 1"),
        ({"bundle": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_config_shapes_are_validated(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AwsLiveConfig(**values)


def test_config_defaults() -> None:
    config = AwsLiveConfig()
    assert (config.accounts, config.regions, config.role_name) == (None, None, None)
    assert (config.max_workers, config.max_attempts) == (16, 5)


def test_an_endpoint_that_does_not_answer_is_not_offered_in_region() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = AwsLiveConfig(
        regions=["us-east-1"], endpoint_url=f"http://127.0.0.1:{port}", max_attempts=1
    )
    base = boto3.session.Session(
        aws_access_key_id="k-" + secrets.token_hex(4),
        aws_secret_access_key=secrets.token_hex(8),
        region_name="us-east-1",
    )
    reader = AwsLiveReader(config, base_session=base)
    with pytest.raises(AwsCallError) as caught:
        reader.call("111122223333", "us-east-1", "bedrock", "ListCustomModels")
    assert caught.value.reason == "not offered in region" and caught.value.unreadable
    assert caught.value.location == "aws:111122223333/us-east-1/bedrock:ListCustomModels"
    # Only an expired or refused credential stops the account; this does not.
    assert reader.account_failure("111122223333") is None


def test_containment_assumes_roles_through_the_shared_session_code(estate: Estate) -> None:
    _reset(estate)
    member = estate.accounts[1]
    config = ContainmentConfig(
        aws_role_name=ROLE, aws_external_id_env=EXTERNAL_ID_ENV, aws_endpoint_url=estate.proxy.url
    )
    external_id = secrets.token_hex(6)
    call = CloudCall("aws", "sts", "GetCallerIdentity", {}, scope=member, region="us-east-1")
    caller = CloudCaller(config, boto_session=estate.base, environ={EXTERNAL_ID_ENV: external_id})
    outcome = caller.execute(call)
    assert outcome.ok and outcome.response["Account"] == member
    assert estate.proxy.assumed[-1] == {
        "RoleArn": f"arn:aws:iam::{member}:role/{ROLE}",
        "RoleSessionName": "aisec-containment",
        "ExternalId": external_id,
    }
    refused = CloudCaller(config, boto_session=estate.base, environ={}).execute(call)
    assert not refused.ok and EXTERNAL_ID_ENV in (refused.error_message or "")
