"""Azure OpenAI / AI Services discovery: offline bundle reader, SDK parity, posture, bad input."""

from __future__ import annotations

import json
import random
import shutil
import socket
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import RaiPolicy
from azure_fake import AllowHttp, FakeArmServer, FakeCredential, SdkClientReader

from aisec_assets.discovery.azure import (
    AzureBundleReader,
    AzureSourceResult,
    content_filter_controls,
    extract_azure_openai,
    network_exposure,
    summarize_rai_policy,
)
from aisec_jobs.demo_estate import azure as demo_azure
from aisec_jobs.demo_estate.company import AZURE_SUBSCRIPTIONS, TEAMS
from aisec_resources.records import (
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    REGULATORY_SCOPES,
    DiscoveredAsset,
    SourceUnavailable,
    asset_id_for,
)

AS_OF = date(2026, 11, 28)
PROD, SANDBOX = (s.subscription_id for s in AZURE_SUBSCRIPTIONS)
AI_KINDS = {"openai", "aiservices"}


# ---------------------------------------------------------------------------------- helpers
def generate(root: Path, seed: str = "test-azure") -> list[dict[str, Any]]:
    return demo_azure.write_bundle(root, AS_OF, random.Random(seed))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("azure") / "bundle"
    return root, generate(root)


@pytest.fixture(scope="module")
def demo_result(demo: tuple[Path, list[dict[str, Any]]]) -> AzureSourceResult:
    return extract_azure_openai(AzureBundleReader(demo[0]))


@pytest.fixture
def bundle(demo: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> Path:
    """A private copy of the demo bundle that a test may damage."""
    copy = tmp_path / "bundle"
    shutil.copytree(demo[0], copy, symlinks=True)
    return copy


def by_name(result: AzureSourceResult) -> dict[str, DiscoveredAsset]:
    return {r.name: r for r in result.records}


def operational(record: DiscoveredAsset) -> set[str]:
    return {c.type for c in record.controls if c.operational}


def account_dir(root: Path, account: str) -> Path:
    matches = [p for p in root.glob(f"*/*/{account}") if p.is_dir()]
    assert len(matches) == 1, matches
    return matches[0]


def edit_json(path: Path, change: Callable[[Any], Any]) -> None:
    path.write_text(json.dumps(change(json.loads(path.read_text("utf-8")))), "utf-8")


def read_values(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text("utf-8"))["value"]


def expected_deployment_ids(root: Path) -> set[str]:
    """Deployment ids of AI-kind accounts, read straight from the bundle's JSON."""
    ids: set[str] = set()
    for accounts_file in root.glob("*/accounts.json"):
        for account in read_values(accounts_file):
            if account["kind"].lower() not in AI_KINDS:
                continue
            rg = account["id"].split("/")[4]
            deployments = accounts_file.parent / rg / account["name"] / "deployments.json"
            ids |= {d["id"] for d in read_values(deployments)}
    return ids


# ------------------------------------------------------------------- SDK parity (live path)
def test_sdk_client_reads_the_bundle_into_exactly_the_same_records(
    demo: tuple[Path, list[dict[str, Any]]], demo_result: AzureSourceResult
) -> None:
    root = demo[0]
    with FakeArmServer(root, page_size=2) as fake:
        reader = SdkClientReader({sub: fake.client(sub) for sub in (PROD, SANDBOX)})
        live = extract_azure_openai(reader)
        seen = list(fake.requests)

    assert demo_result.records, "the demo bundle must produce records"
    assert [r.to_row() for r in live.records] == [r.to_row() for r in demo_result.records]
    assert live.skipped_accounts == demo_result.skipped_accounts
    assert live.scanned == demo_result.scanned
    # Rejections agree except for where they point (file vs API call).
    assert [(r.reason, r.field, r.excerpt) for r in live.rejections] == [
        (r.reason, r.field, r.excerpt) for r in demo_result.rejections
    ]
    # The real client followed nextLink pages for every kind of list and authenticated.
    paged = {r.path.rsplit("/", 1)[-1] for r in seen if "$skiptoken" in r.query}
    assert paged == {"accounts", "deployments", "raiPolicies"}
    assert all(r.authorization == "Bearer fake-arm-token" for r in seen)
    assert all(r.query["api-version"] == ["2025-09-01"] for r in seen)
    # Non-AI accounts are never asked for deployments (least privilege, fewer calls).
    assert not any("kd-docintel-prod" in r.path for r in seen)


def test_failing_api_call_is_a_rejection_and_other_accounts_still_load(
    demo: tuple[Path, list[dict[str, Any]]], demo_result: AzureSourceResult
) -> None:
    failing = "/accounts/kd-fraud-ai-prod/deployments"
    with FakeArmServer(demo[0], errors={failing: 403}) as fake:
        result = extract_azure_openai(
            SdkClientReader({sub: fake.client(sub) for sub in (PROD, SANDBOX)})
        )
    failures = [r for r in result.rejections if "HTTP 403" in r.reason]
    assert len(failures) == 1
    assert "deployments of" in failures[0].location
    assert "kd-fraud-ai-prod" in failures[0].location
    names = set(by_name(result))
    assert not any(n.startswith("kd-fraud-ai-prod/") for n in names)
    expected = {n for n in by_name(demo_result) if not n.startswith("kd-fraud-ai-prod/")}
    assert names == expected


def test_unreachable_api_makes_the_source_unavailable() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = CognitiveServicesManagementClient(
        FakeCredential(),
        PROD,
        base_url=f"http://127.0.0.1:{port}",
        per_call_policies=[AllowHttp()],
        retry_total=0,
    )
    with pytest.raises(SourceUnavailable, match="unreachable"):
        extract_azure_openai(SdkClientReader({PROD: dead}))


# ------------------------------------------------------------------------- records & posture
def test_one_api_endpoint_record_per_ai_deployment(
    demo: tuple[Path, list[dict[str, Any]]], demo_result: AzureSourceResult
) -> None:
    root = demo[0]
    assert {r.resource_id for r in demo_result.records} == expected_deployment_ids(root)
    accounts = {a["name"]: a for f in root.glob("*/accounts.json") for a in read_values(f)}
    for record in demo_result.records:
        account_name, deployment_name = record.name.split("/")
        account = accounts[account_name]
        assert record.source == "azure_openai"
        assert record.asset_type == "api_endpoint"
        assert record.model_provider == "azure_openai"
        assert record.resource_id.endswith(f"/deployments/{deployment_name}")
        assert record.natural_key == record.resource_id.lower()
        assert record.api_endpoint == account["properties"]["endpoint"]
        assert record.cloud_provider == "azure"
        assert record.cloud_account == account["id"].split("/")[2]
        assert record.cloud_region == account["location"]
        assert record.model_name and record.model_version
        assert record.network_exposure in {"internal", "vpc", "public"}
        assert {c.type for c in record.controls} <= set(CONTROL_TYPES)
        assert record.raw["deployment"]["id"] == record.resource_id
    gpt4o = by_name(demo_result)["kd-health-aoai-prod/gpt-4o-clinical"]
    assert gpt4o.posture["deployment_sku"] == "ProvisionedManaged"
    assert gpt4o.posture["deployment_capacity"] == 100
    assert gpt4o.posture["rai_policy_name"] == "health-strict"
    assert gpt4o.model_name == "gpt-4o" and gpt4o.model_version == "2024-08-06"


def test_wide_open_account_is_public_without_isolation(demo_result: AzureSourceResult) -> None:
    record = by_name(demo_result)["kd-cx-openai-prod/gpt-4o"]
    assert record.network_exposure == "public"
    assert "network_isolation" not in operational(record)
    auth = [c for c in record.controls if c.type == "authentication"]
    assert len(auth) == 1 and not auth[0].operational and "API keys" in auth[0].evidence
    assert record.posture["public_network_access"] == "Enabled"
    assert record.posture["network_acl_default_action"] == "Allow"
    assert record.posture["disable_local_auth"] is False
    assert record.posture["customer_managed_key"] is False
    # Platform encryption still counts: the evidence says which keys are used.
    at_rest = next(c for c in record.controls if c.type == "encryption_at_rest")
    assert at_rest.operational and "service-managed" in at_rest.evidence
    assert record.owner_team == "customer-experience"
    assert record.regulatory_scope == ["gdpr", "eu_ai_act_limited_risk"]


def test_locked_down_account_is_vpc_with_isolation_auth_and_cmk(
    demo_result: AzureSourceResult,
) -> None:
    for name in ("gpt-4o-clinical", "text-embedding-3-large", "o3-mini"):
        record = by_name(demo_result)[f"kd-health-aoai-prod/{name}"]
        assert record.network_exposure == "vpc"
        assert {"network_isolation", "authentication", "encryption_at_rest"} <= operational(record)
        assert {"input_filtering", "guardrails", "output_filtering"} <= operational(record)
        assert record.posture["private_endpoint_connections_approved"] == 1
        assert record.posture["customer_managed_key"] is True
        assert record.posture["restrict_outbound_network_access"] is True
        at_rest = next(c for c in record.controls if c.type == "encryption_at_rest")
        assert "kv-kd-health-ai-prod" in at_rest.evidence
        assert record.data_classification == "regulated"
        assert record.regulatory_scope == ["hipaa", "gdpr", "eu_ai_act_high_risk"]


def test_ip_rule_account_is_vpc_and_isolated_but_keys_allowed(
    demo_result: AzureSourceResult,
) -> None:
    record = by_name(demo_result)["kd-fraud-ai-prod/gpt-4o-mini"]
    assert record.network_exposure == "vpc"
    assert record.posture["ip_rule_count"] == 2
    assert record.posture["virtual_network_rule_count"] == 1
    assert "network_isolation" in operational(record)
    assert "authentication" not in operational(record)


def test_permissive_policy_gives_no_filtering_controls(demo_result: AzureSourceResult) -> None:
    record = by_name(demo_result)["kd-cx-openai-prod/gpt-4o-mini-summarize"]
    assert record.posture["rai_policy_name"] == "cx-low-friction"
    assert not {"input_filtering", "guardrails", "output_filtering"} & operational(record)
    # The filters are there but do not block: recorded, with the reason, as not operational.
    present = {c.type: c.evidence for c in record.controls}
    assert "annotate-only" in present["input_filtering"]
    assert record.posture["prompt_shield_jailbreak"] == "off"
    assert record.posture["content_filter"]["mode"] == "Asynchronous_filter"


def test_default_policies_jailbreak_shield_decides_input_filtering(
    demo_result: AzureSourceResult,
) -> None:
    records = by_name(demo_result)
    v2 = records["kd-cx-openai-prod/gpt-4o"]  # Microsoft.DefaultV2: prompt shield on
    assert {"input_filtering", "guardrails", "output_filtering"} <= operational(v2)
    legacy = records["kd-research-sandbox/gpt-35-turbo"]  # Microsoft.Default: no shield
    assert legacy.posture["rai_policy_name"] == "Microsoft.Default"
    assert "output_filtering" in operational(legacy)
    assert not {"input_filtering", "guardrails"} & operational(legacy)


def test_non_ai_account_is_skipped_and_counted(demo_result: AzureSourceResult) -> None:
    assert len(demo_result.skipped_accounts) == 1
    assert "kd-docintel-prod" in demo_result.skipped_accounts[0]
    assert "FormRecognizer" in demo_result.skipped_accounts[0]
    assert not any(r.name.startswith("kd-docintel-prod") for r in demo_result.records)


def test_invalid_tag_is_rejected_once_and_the_field_scored_at_its_worst(
    demo_result: AzureSourceResult,
) -> None:
    tag_rejections = [r for r in demo_result.rejections if r.field and r.field.startswith("tags.")]
    assert len(tag_rejections) == 1
    rejection = tag_rejections[0]
    assert rejection.field == "tags.data-classification"
    assert "accounts/kd-fraud-ai-prod" in rejection.reason
    assert "highly-confidential" in rejection.reason
    assert rejection.location.endswith("accounts.json: value[2]")
    assert rejection.excerpt == "data-classification=highly-confidential"
    fraud = [r for r in demo_result.records if r.name.startswith("kd-fraud-ai-prod/")]
    assert len(fraud) == 3
    for record in fraud:
        assert record.data_classification is None
        # named invalid, so risk scores it at its worst case instead of "unknown"
        assert record.invalid_fields == ["data_classification"]
        assert record.owner_team == "risk-analytics"  # the valid tags still apply
        assert record.regulatory_scope == ["pci_dss", "gdpr"]
    assert all(
        r.invalid_fields == [] for r in demo_result.records if not r.name.startswith("kd-fraud")
    )


def test_deployment_tags_override_account_tags(demo_result: AzureSourceResult) -> None:
    records = by_name(demo_result)
    assert records["kd-research-sandbox/o3-mini"].deployment_env == "research"
    assert records["kd-research-sandbox/gpt-4o-mini"].deployment_env == "development"
    assert records["kd-research-sandbox/gpt-4o-mini"].owner_email is None


def test_asset_ids_are_stable_across_runs_seeds_and_id_case(
    demo_result: AzureSourceResult, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    generate(other, seed="another-seed")
    again = extract_azure_openai(AzureBundleReader(other))
    ids = {r.name: r.asset_id for r in demo_result.records}
    assert {r.name: r.asset_id for r in again.records} == ids
    for record in demo_result.records:
        assert record.asset_id == asset_id_for(record.resource_id.upper())
    # ARM ids are case-insensitive: a differently cased export keys to the same assets.
    for deployments in other.glob("*/*/*/deployments.json"):
        edit_json(
            deployments,
            lambda doc: {
                "value": [
                    {**d, "id": d["id"].replace("resourceGroups", "RESOURCEGROUPS").upper()}
                    for d in doc["value"]
                ]
            },
        )
    upper = extract_azure_openai(AzureBundleReader(other))
    assert sorted(r.asset_id for r in upper.records) == sorted(ids.values())


# ------------------------------------------------------------------------ demo generator
def test_generation_is_deterministic(tmp_path: Path) -> None:
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    entries_a, entries_b = generate(first), generate(second)
    generate(third, seed="different")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert len(files) == 10  # 2 accounts.json + (deployments, raiPolicies) x 4 AI accounts
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    assert entries_a == entries_b
    # The rng is really used: another seed changes etags, timestamps, capacities.
    assert any((first / rel).read_bytes() != (third / rel).read_bytes() for rel in files)


def test_demo_estate_mix(demo: tuple[Path, list[dict[str, Any]]]) -> None:
    root = demo[0]
    accounts = [a for f in root.glob("*/accounts.json") for a in read_values(f)]
    kinds = sorted(a["kind"] for a in accounts)
    assert kinds == ["AIServices", "AIServices", "FormRecognizer", "OpenAI", "OpenAI"]
    deployments = [d for f in root.glob("*/*/*/deployments.json") for d in read_values(f)]
    assert 8 <= len(deployments) <= 12
    assert {d["sku"]["name"] for d in deployments} >= {
        "Standard",
        "GlobalStandard",
        "ProvisionedManaged",
    }
    policies = {p["name"] for f in root.glob("*/*/*/raiPolicies.json") for p in read_values(f)}
    assert {"Microsoft.DefaultV2", "health-strict", "cx-low-friction"} <= policies
    sandbox_accounts = read_values(root / SANDBOX / "accounts.json")
    assert [a["kind"] for a in sandbox_accounts] == ["AIServices"]


def test_declared_entries_link_to_discovered_deployments(
    demo: tuple[Path, list[dict[str, Any]]], demo_result: AzureSourceResult, tmp_path: Path
) -> None:
    _, entries = demo
    discovered = {r.natural_key for r in demo_result.records}
    declared = {e["resource_id"].lower() for e in entries}
    assert declared < discovered  # every entry links; some deployments stay undeclared
    assert any("kd-research-sandbox" in key for key in discovered - declared)
    assert len({e["name"] for e in entries}) == len(entries)
    for entry in entries:
        assert entry["owner_email"] == TEAMS[entry["owner_team"]].email
        assert entry["data_classification"] in DATA_CLASSIFICATIONS
        assert entry["deployment_env"] in DEPLOYMENT_ENVS
        assert set(entry["regulatory_scope"]) <= set(REGULATORY_SCOPES)
    reviews = [e.get("last_security_review") for e in entries]
    assert None in reviews  # never reviewed
    assert any(r is not None and (AS_OF - r).days > 90 for r in reviews)  # stale
    # The registry parser accepts them as written by the demo registry writer.
    from aisec_assets.discovery.registry import parse_registry
    from aisec_jobs.demo_estate.registry import registry_yaml_text

    registry = tmp_path / "registry.yaml"
    registry.write_text(registry_yaml_text(entries), "utf-8")
    parsed = parse_registry(registry)
    assert parsed.rejections == []
    assert {r.natural_key for r in parsed.records} == declared


# ------------------------------------------------------------------------------ bad input
def test_missing_bundle_is_source_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="does not exist"):
        extract_azure_openai(AzureBundleReader(tmp_path / "nope"))
    a_file = tmp_path / "file.json"
    a_file.write_text("{}", "utf-8")
    with pytest.raises(SourceUnavailable):
        extract_azure_openai(AzureBundleReader(a_file))


def test_non_utf8_accounts_file_rejected_other_subscription_still_read(bundle: Path) -> None:
    accounts = bundle / PROD / "accounts.json"
    accounts.write_bytes(b"\xff\xfe\x00{binary" + bytes(range(200, 256)))
    result = extract_azure_openai(AzureBundleReader(bundle))
    rejection = next(r for r in result.rejections if r.location == str(accounts))
    assert rejection.reason.startswith("not UTF-8")
    assert result.records
    assert all(r.cloud_account == SANDBOX for r in result.records)


def test_invalid_json_names_file_and_line(bundle: Path) -> None:
    deployments = account_dir(bundle, "kd-cx-openai-prod") / "deployments.json"
    deployments.write_text('{"value": [\n  {"id": "x",,}\n]}', "utf-8")
    result = extract_azure_openai(AzureBundleReader(bundle))
    rejection = next(r for r in result.rejections if r.location == str(deployments))
    assert "not valid JSON" in rejection.reason and "line 2" in rejection.reason
    names = set(by_name(result))
    assert not any(n.startswith("kd-cx-openai-prod/") for n in names)
    assert any(n.startswith("kd-health-aoai-prod/") for n in names)


def test_too_big_file_rejected(bundle: Path) -> None:
    deployments = account_dir(bundle, "kd-health-aoai-prod") / "deployments.json"
    limit = max(p.stat().st_size for p in bundle.rglob("*.json"))
    with deployments.open("a", encoding="utf-8") as handle:
        # Trailing spaces keep it valid JSON and make it the one file over the limit.
        handle.write(" " * (limit - deployments.stat().st_size + 1))
    result = extract_azure_openai(AzureBundleReader(bundle, max_file_bytes=limit))
    rejection = next(r for r in result.rejections if r.location == str(deployments))
    assert f"over the {limit}-byte limit" in rejection.reason
    names = set(by_name(result))
    assert not any(n.startswith("kd-health-aoai-prod/") for n in names)
    assert any(n.startswith("kd-cx-openai-prod/") for n in names)


def test_wrong_top_level_shape_loses_only_that_file(bundle: Path) -> None:
    policies = account_dir(bundle, "kd-health-aoai-prod") / "raiPolicies.json"
    policies.write_text(json.dumps([{"name": "health-strict"}]), "utf-8")
    result = extract_azure_openai(AzureBundleReader(bundle))
    rejection = next(r for r in result.rejections if r.location == str(policies))
    assert rejection.field == "value"
    assert rejection.excerpt == "list of 1 items"
    record = by_name(result)["kd-health-aoai-prod/gpt-4o-clinical"]
    # No policy collected: nothing is claimed about content filtering.
    assert record.posture["content_filter_collected"] is False
    assert not {"input_filtering", "guardrails", "output_filtering"} & {
        c.type for c in record.controls
    }
    assert "network_isolation" in operational(record)


@pytest.mark.parametrize(
    ("index", "change", "field", "reason_part"),
    [
        (
            1,
            lambda d: {**d, "sku": {"name": "Standard", "capacity": "lots"}},
            "sku.capacity",
            "cannot be deserialized",
        ),
        (1, lambda d: {**d, "properties": "gpt-4o"}, "properties", "cannot be deserialized"),
        (0, lambda d: {k: v for k, v in d.items() if k != "id"}, "id", "no usable 'id'"),
        (2, lambda d: {**d, "name": ""}, "name", "no usable 'name'"),
        (0, lambda d: 42, None, "item is a number, not an object"),
    ],
)
def test_bad_deployment_item_rejected_by_index_and_field(
    bundle: Path,
    index: int,
    change: Callable[[dict[str, Any]], Any],
    field: str | None,
    reason_part: str,
) -> None:
    deployments = account_dir(bundle, "kd-cx-openai-prod") / "deployments.json"
    original = read_values(deployments)
    edit_json(
        deployments,
        lambda doc: {"value": [change(d) if i == index else d for i, d in enumerate(doc["value"])]},
    )
    result = extract_azure_openai(AzureBundleReader(bundle))
    bad = [r for r in result.rejections if r.location == f"{deployments}: value[{index}]"]
    assert len(bad) == 1
    assert bad[0].field == field
    assert reason_part in bad[0].reason
    kept = {r.resource_id for r in result.records if r.name.startswith("kd-cx-openai-prod/")}
    assert kept == {d["id"] for i, d in enumerate(original) if i != index}


def test_bad_nested_account_field_is_located(bundle: Path) -> None:
    accounts = bundle / PROD / "accounts.json"

    def break_ip_rules(doc: dict[str, Any]) -> dict[str, Any]:
        acls = doc["value"][2]["properties"]["networkAcls"]
        acls["ipRules"] = [{"value": "192.0.2.1"}, "not-a-rule"]
        return doc

    edit_json(accounts, break_ip_rules)
    result = extract_azure_openai(AzureBundleReader(bundle))
    rejection = next(r for r in result.rejections if r.location == f"{accounts}: value[2]")
    assert rejection.field == "properties.networkAcls.ipRules[1]"
    assert rejection.excerpt == '"not-a-rule"'
    assert not any(r.name.startswith("kd-fraud-ai-prod/") for r in result.records)
    assert any(r.name.startswith("kd-health-aoai-prod/") for r in result.records)


def test_excerpts_and_reasons_never_show_key_shaped_values(bundle: Path) -> None:
    fake_key = "".join(random.Random(7).choices("abcdefXYZ0123456789", k=48))
    accounts = bundle / PROD / "accounts.json"

    def plant(doc: dict[str, Any]) -> dict[str, Any]:
        doc["value"][0]["properties"]["disableLocalAuth"] = fake_key  # SDK: not a bool
        doc["value"][1]["tags"]["environment"] = fake_key  # invalid tag value
        return doc

    edit_json(accounts, plant)
    result = extract_azure_openai(AzureBundleReader(bundle))
    assert {r.field for r in result.rejections} >= {
        "properties.disableLocalAuth",
        "tags.environment",
    }
    for rejection in result.rejections:
        assert fake_key not in (rejection.reason + (rejection.excerpt or ""))


def test_next_link_in_file_is_flagged_and_items_kept(bundle: Path) -> None:
    deployments = account_dir(bundle, "kd-fraud-ai-prod") / "deployments.json"
    edit_json(deployments, lambda doc: {**doc, "nextLink": "https://management.azure.com/x"})
    result = extract_azure_openai(AzureBundleReader(bundle))
    rejection = next(r for r in result.rejections if r.location == str(deployments))
    assert rejection.field == "nextLink"
    assert sum(r.name.startswith("kd-fraud-ai-prod/") for r in result.records) == 3


def test_missing_deployments_and_policies_are_not_errors(bundle: Path) -> None:
    directory = account_dir(bundle, "kd-research-sandbox")
    (directory / "deployments.json").unlink()
    (account_dir(bundle, "kd-cx-openai-prod") / "raiPolicies.json").unlink()
    result = extract_azure_openai(AzureBundleReader(bundle))
    assert result.rejections == [
        r for r in result.rejections if r.field == "tags.data-classification"
    ]
    assert not any(r.name.startswith("kd-research-sandbox/") for r in result.records)
    cx = by_name(result)["kd-cx-openai-prod/gpt-4o"]
    assert cx.posture["content_filter_collected"] is False


def test_missing_accounts_file_and_broken_links_are_rejected(bundle: Path) -> None:
    (bundle / SANDBOX / "accounts.json").unlink()
    looped = account_dir(bundle, "kd-cx-openai-prod") / "deployments.json"
    looped.unlink()
    looped.symlink_to(looped)  # a link to itself: cannot be followed
    result = extract_azure_openai(AzureBundleReader(bundle))
    locations = {r.location: r.reason for r in result.rejections}
    assert "missing" in locations[str(bundle / SANDBOX / "accounts.json")]
    assert "not a regular file" in locations[str(looped)]
    assert any(r.name.startswith("kd-health-aoai-prod/") for r in result.records)


def test_directory_names_match_without_case(bundle: Path, demo_result: AzureSourceResult) -> None:
    directory = account_dir(bundle, "kd-health-aoai-prod")
    directory.rename(directory.parent / "KD-HEALTH-AOAI-PROD")
    rg = directory.parent
    rg.rename(rg.parent / rg.name.upper())
    result = extract_azure_openai(AzureBundleReader(bundle))
    assert [r.to_row() for r in result.records] == [r.to_row() for r in demo_result.records]


def test_ids_that_do_not_belong_are_rejected(bundle: Path) -> None:
    accounts = bundle / SANDBOX / "accounts.json"
    edit_json(
        accounts,
        lambda doc: {"value": [{**a, "id": a["id"].replace(SANDBOX, PROD)} for a in doc["value"]]},
    )
    deployments = account_dir(bundle, "kd-fraud-ai-prod") / "deployments.json"
    edit_json(deployments, lambda doc: {"value": [*doc["value"], doc["value"][0]]})
    result = extract_azure_openai(AzureBundleReader(bundle))
    wrong_sub = next(r for r in result.rejections if r.location == f"{accounts}: value[0]")
    assert wrong_sub.field == "id" and "listed under subscription" in wrong_sub.reason
    duplicate = next(r for r in result.rejections if r.location == f"{deployments}: value[3]")
    assert "duplicate" in duplicate.reason
    assert sum(r.name.startswith("kd-fraud-ai-prod/") for r in result.records) == 3
    assert not any(r.name.startswith("kd-research-sandbox/") for r in result.records)


# ------------------------------------------------------------------------------ rules
@pytest.mark.parametrize(
    ("access", "action", "ip", "vnet", "pe", "expected"),
    [
        ("Enabled", "Allow", 0, 0, 0, "public"),
        (None, None, 0, 0, 1, "public"),  # ARM default is Enabled/Allow; a PE does not close it
        ("Enabled", "Deny", 2, 0, 0, "vpc"),
        ("Enabled", "Deny", 0, 1, 0, "vpc"),
        ("Enabled", "Deny", 0, 0, 0, "internal"),
        ("Disabled", "Deny", 0, 0, 1, "vpc"),
        ("Disabled", None, 0, 0, 0, "internal"),
    ],
)
def test_network_exposure_rule(
    access: str | None, action: str | None, ip: int, vnet: int, pe: int, expected: str
) -> None:
    assert network_exposure(access, action, ip, vnet, pe)[0] == expected


def test_asynchronous_mode_makes_output_filtering_not_operational() -> None:
    def policy(mode: str) -> RaiPolicy:
        filters = [
            {
                "name": n,
                "enabled": True,
                "blocking": True,
                "severityThreshold": "Medium",
                "source": s,
            }
            for n in ("Hate", "Violence")
            for s in ("Prompt", "Completion")
        ]
        filters.append({"name": "Jailbreak", "enabled": True, "blocking": True, "source": "Prompt"})
        return RaiPolicy.deserialize(
            {"id": "p", "name": "p", "properties": {"mode": mode, "contentFilters": filters}}
        )

    blocking = {
        c.type: c.operational
        for c in content_filter_controls(summarize_rai_policy(policy("Blocking")))
    }
    deferred = {
        c.type: c.operational
        for c in content_filter_controls(summarize_rai_policy(policy("Deferred")))
    }
    assert blocking == {"input_filtering": True, "guardrails": True, "output_filtering": True}
    assert deferred == {"input_filtering": True, "guardrails": True, "output_filtering": False}
