"""Live Azure discovery: the real SDK clients against a local ARM fake, the collector, and the
bundle it writes read back through the same parser."""

from __future__ import annotations

import json
import random
import re
import secrets
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from azure.core.credentials import TokenCredential
from azure.identity import ClientSecretCredential
from azure_fake import FakeArmServer, FakeCredential, Fault
from pydantic import ValidationError

from aisec_assets.discovery.azure import (
    COLLECTION_FILE,
    READ_OPERATIONS,
    AzureBundleReader,
    AzureCollection,
    AzureLiveReader,
    AzureSourceResult,
    collect_azure,
    extract_azure_openai,
)
from aisec_assets.discovery.extract import write_source_result
from aisec_jobs.demo_estate import azure as demo_azure
from aisec_jobs.demo_estate.company import AZURE_SUBSCRIPTIONS
from aisec_resources.azure_clients import (
    AllowLoopbackHttp,
    AzureCredentialError,
    azure_credential,
    loopback_policies,
)
from aisec_resources.config.azure_live import AzureLiveConfig
from aisec_resources.warehouse import create_schema

AS_OF = date(2026, 11, 28)
FIRST_RUN = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
SECOND_RUN = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
PROD, SANDBOX = (s.subscription_id for s in AZURE_SUBSCRIPTIONS)
ROLE_FILE = Path(__file__).parents[1] / "aisec_assets" / "discovery" / "azure" / "azure_role.json"
READER_ROLE_ID = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
# An account of the demo estate that has deployments (in PROD or SANDBOX).
ACCOUNT = "kd-fraud-ai-prod"


# ---------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("azure-live") / "bundle"
    demo_azure.write_bundle(root, AS_OF, random.Random("test-azure-live"))
    return root


@pytest.fixture(scope="module")
def baseline(demo: Path) -> AzureSourceResult:
    return extract_azure_openai(AzureBundleReader(demo))


def fake_credential(config: AzureLiveConfig) -> TokenCredential:
    return FakeCredential()


def config_for(fake: FakeArmServer, **overrides: Any) -> AzureLiveConfig:
    """Small timeouts and backoffs: every retry and timeout in these tests costs < 1 s."""
    settings: dict[str, Any] = {
        "base_url": fake.url,
        "timeout": 0.4,
        "max_attempts": 3,
        "retry_backoff": 0.01,
        "max_workers": 2,
    }
    return AzureLiveConfig(**{**settings, **overrides})


def collect(
    fake: FakeArmServer, out: Path, now: datetime = FIRST_RUN, **overrides: Any
) -> tuple[AzureCollection, list[str]]:
    lines: list[str] = []
    collection = collect_azure(
        config_for(fake, **overrides),
        out,
        progress=lines.append,
        credential_factory=fake_credential,
        now=now,
    )
    return collection, lines


def rows(result: AzureSourceResult) -> list[dict[str, Any]]:
    return [r.to_row() for r in result.records]


def names(result: AzureSourceResult) -> set[str]:
    return {r.name for r in result.records}


def subscription_of(root: Path, account: str) -> str:
    matches = [p for p in root.glob(f"*/*/{account}") if p.is_dir()]
    assert len(matches) == 1, matches
    return matches[0].parents[1].name


def by_sub(collection: AzureCollection) -> dict[str, Any]:
    return {s.subscription_id: s for s in collection.subscriptions}


def status_file(out: Path, subscription: str) -> dict[str, Any]:
    return json.loads((out / subscription / COLLECTION_FILE).read_text("utf-8"))


def assert_no_key_calls(fake: FakeArmServer) -> None:
    assert fake.requests, "the fake saw no request"
    for request in fake.requests:
        assert request.method == "GET", request
        assert not re.search(r"listkeys|regeneratekey", request.path, re.I), request.path


# ------------------------------------------------------------------------ parity & paging
def test_live_reader_and_the_bundle_it_collected_give_identical_records(
    demo: Path, baseline: AzureSourceResult, tmp_path: Path
) -> None:
    out = tmp_path / "collected"
    with FakeArmServer(demo, page_size=2) as fake:
        config = config_for(fake)
        with AzureLiveReader(config, credential_factory=fake_credential) as reader:
            live = extract_azure_openai(reader)
        collection, lines = collect(fake, out)
        seen = list(fake.requests)
        assert_no_key_calls(fake)
    collected = extract_azure_openai(AzureBundleReader(out))

    assert len(baseline.records) > 5
    assert rows(live) == rows(collected) == rows(baseline)
    assert live.skipped_accounts == collected.skipped_accounts == baseline.skipped_accounts
    assert live.unreadable == collected.unreadable == []
    # Two subscriptions, every kind of list followed across nextLink pages.
    assert {r.cloud_account for r in collected.records} == {PROD, SANDBOX}
    paged = {r.path.rsplit("/", 1)[-1] for r in seen if "$skiptoken" in r.query}
    assert paged == {"accounts", "deployments", "raiPolicies"}
    assert all(r.authorization == "Bearer fake-arm-token" for r in seen)
    # The collection's own account of itself.
    assert collection.status == "ok"
    stats = by_sub(collection)
    assert set(stats) == {PROD, SANDBOX}
    assert sum(s.deployments for s in stats.values()) == len(baseline.records)
    for sub in (PROD, SANDBOX):
        written = status_file(out, sub)
        assert written["status"] == "ok"
        assert written["collected_at"] == FIRST_RUN.isoformat()
        assert written["not_collected"] == []
        assert written["counts"]["deployments"] == stats[sub].deployments
        assert stats[sub].api_calls >= 2 + 2 * stats[sub].ai_accounts  # pages included
    assert len(lines) == 2
    assert all(re.search(r"\[\d/2\] subscription .*deployments.*ETA", line) for line in lines)
    assert len(collection.summary()) == 3
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary dirs left"


def test_subscriptions_come_from_the_api_across_pages_when_not_configured(
    demo: Path, baseline: AzureSourceResult, tmp_path: Path
) -> None:
    missing = str(uuid.UUID(int=random.Random("missing-sub").getrandbits(128)))
    out = tmp_path / "collected"
    with FakeArmServer(demo, page_size=1, subscription_ids=[PROD, missing, SANDBOX]) as fake:
        collection, _ = collect(fake, out)
        pages = [r for r in fake.requests if r.path == "/subscriptions"]
    assert [s.subscription_id for s in collection.subscriptions] == [PROD, missing, SANDBOX]
    assert len(pages) == 3 and sum("$skiptoken" in r.query for r in pages) == 2
    stats = by_sub(collection)
    assert (stats[PROD].status, stats[SANDBOX].status) == ("ok", "ok")
    assert stats[missing].status == "failed" and "not found" in (stats[missing].error or "")
    # The failed subscription's directory holds only its failure: unreadable, not empty.
    assert sorted(p.name for p in (out / missing).iterdir()) == [COLLECTION_FILE]
    assert status_file(out, missing)["kept"] is None
    result = extract_azure_openai(AzureBundleReader(out))
    assert [p.part for p in result.unreadable] == [missing]
    assert rows(result) == rows(baseline)


def test_subscriptions_given_to_the_collector_override_the_configuration(
    demo: Path, tmp_path: Path
) -> None:
    with FakeArmServer(demo) as fake:
        collection = collect_azure(
            config_for(fake, subscriptions=[PROD, SANDBOX]),
            tmp_path / "out",
            subscriptions=[SANDBOX],
            credential_factory=fake_credential,
            now=FIRST_RUN,
        )
        assert not any(r.path == "/subscriptions" for r in fake.requests)
        assert {r.path.split("/")[2] for r in fake.requests} == {SANDBOX}
    assert [s.subscription_id for s in collection.subscriptions] == [SANDBOX]


# ---------------------------------------------------------------------- errors, per part
ERROR_CASES: dict[str, tuple[str, Fault, str, int | None]] = {
    # case: (API failing on ACCOUNT, fault, recorded reason, recorded status)
    "forbidden": ("deployments", Fault.forbidden(), "access denied", 403),
    "server error": ("deployments", Fault.server_error(), "server error", 500),
    "always throttled": ("deployments", Fault.throttled("0.05"), "throttled", 429),
    "malformed JSON": ("raiPolicies", Fault.malformed(), "malformed response", 200),
    "slow past timeout": ("raiPolicies", Fault.slow(1.0), "timeout", None),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_a_failing_call_below_an_account_makes_only_its_subscription_partial(
    case: str, demo: Path, baseline: AzureSourceResult, tmp_path: Path
) -> None:
    api, fault, reason, status = ERROR_CASES[case]
    failing_sub = subscription_of(demo, ACCOUNT)
    other_sub = SANDBOX if failing_sub == PROD else PROD
    suffix = f"/accounts/{ACCOUNT}/{api}"
    out = tmp_path / "collected"
    with FakeArmServer(demo, page_size=2, errors={suffix: fault}) as fake:
        collection, _ = collect(fake, out, timeout=0.3, max_attempts=2)
        tries = [r for r in fake.requests if r.path.lower().endswith(suffix.lower())]
        fake.fault_hits.clear()
        with AzureLiveReader(
            config_for(fake, timeout=0.3, max_attempts=2), credential_factory=fake_credential
        ) as reader:
            live = extract_azure_openai(reader)

    stats = by_sub(collection)
    assert stats[other_sub].status == "ok" and not stats[other_sub].not_collected
    assert stats[failing_sub].status == "partial"
    (missing,) = stats[failing_sub].not_collected
    assert (missing.api, missing.account, missing.reason, missing.status) == (
        api,
        ACCOUNT,
        reason,
        status,
    )
    if status in (429, 500) or reason == "timeout":
        assert len(tries) == 2, "retried up to max_attempts"
    assert status_file(out, failing_sub)["not_collected"] == [missing.to_json()]
    account_dir = next((out / failing_sub).glob(f"*/{ACCOUNT}"))
    file_name = "deployments.json" if api == "deployments" else "raiPolicies.json"
    assert not (account_dir / file_name).exists()

    collected = extract_azure_openai(AzureBundleReader(out))
    for result in (collected, live):
        # Only that subscription is unreadable (its rows not read again are kept, stale) ...
        assert {p.part for p in result.unreadable} == {failing_sub}
        assert any(reason in p.reason for p in result.unreadable)
        # ... and everything else was read as usual.
        expected = {n for n in names(baseline) if not n.startswith(f"{ACCOUNT}/")}
        assert names(result) - {n for n in names(result) if n.startswith(f"{ACCOUNT}/")} == (
            expected
        )
    if api == "deployments":
        assert not any(n.startswith(f"{ACCOUNT}/") for n in names(collected))
    else:  # deployments read; their content filter is not claimed without its policy
        fraud = [r for r in collected.records if r.name.startswith(f"{ACCOUNT}/")]
        assert fraud and all(r.posture["content_filter_collected"] is False for r in fraud)
    assert rows(live) == rows(collected)


def test_throttled_call_is_retried_after_retry_after_and_collected(
    demo: Path, baseline: AzureSourceResult, tmp_path: Path
) -> None:
    suffix = f"/accounts/{ACCOUNT}/deployments"
    out = tmp_path / "collected"
    with FakeArmServer(demo, errors={suffix: Fault.throttled("0.3", times=1)}) as fake:
        collection, _ = collect(fake, out)
        tries = [r for r in fake.requests if r.path.endswith(suffix)]
    assert collection.status == "ok"
    assert len(tries) == 2
    # The retry waited as Retry-After said (the configured backoff is 0.01 s).
    assert tries[1].at - tries[0].at >= 0.3
    assert rows(extract_azure_openai(AzureBundleReader(out))) == rows(baseline)


def test_deployments_of_an_account_that_vanished_are_nothing(
    demo: Path, baseline: AzureSourceResult, tmp_path: Path
) -> None:
    errors: dict[str, int | Fault] = {
        f"/accounts/{ACCOUNT}/deployments": Fault.not_found(),
        f"/accounts/{ACCOUNT}/raiPolicies": Fault.not_found(),
    }
    out = tmp_path / "collected"
    with FakeArmServer(demo, errors=errors) as fake:
        collection, _ = collect(fake, out)
    assert collection.status == "ok"
    assert not any(s.not_collected for s in collection.subscriptions)
    result = extract_azure_openai(AzureBundleReader(out))
    assert result.unreadable == []
    assert names(result) == {n for n in names(baseline) if not n.startswith(f"{ACCOUNT}/")}


@pytest.mark.parametrize(
    "fault", [Fault.forbidden(), Fault.server_error(), Fault.slow(1.0)], ids=str
)
def test_subscription_whose_accounts_fail_keeps_its_previous_directory(
    fault: Fault, demo: Path, baseline: AzureSourceResult, tmp_path: Path
) -> None:
    out = tmp_path / "collected"
    accounts_path = f"/subscriptions/{PROD}/providers/Microsoft.CognitiveServices/accounts"
    with FakeArmServer(demo) as fake:
        collect(fake, out, now=FIRST_RUN)
    before = {p.relative_to(out): p.read_bytes() for p in (out / PROD).rglob("*.json")}
    with FakeArmServer(demo, errors={accounts_path: fault}) as fake:
        collection, lines = collect(fake, out, now=SECOND_RUN, timeout=0.3, max_attempts=2)
    stats = by_sub(collection)
    assert stats[PROD].status == "failed" and stats[PROD].error
    assert stats[SANDBOX].status == "ok"
    assert status_file(out, SANDBOX)["collected_at"] == SECOND_RUN.isoformat()
    failed = status_file(out, PROD)
    assert failed["status"] == "failed" and failed["collected_at"] == SECOND_RUN.isoformat()
    assert failed["kept"]["collected_at"] == FIRST_RUN.isoformat()
    after = {p.relative_to(out): p.read_bytes() for p in (out / PROD).rglob("*.json")}
    changed = {p for p in before if before[p] != after.get(p)}
    assert changed == {Path(PROD) / COLLECTION_FILE}, "only the status file changed"
    assert any("failed" in line and "previous data kept" in line for line in lines)

    result = extract_azure_openai(AzureBundleReader(out))
    (part,) = result.unreadable
    assert part.part == PROD and FIRST_RUN.isoformat() in part.reason
    assert {r.cloud_account for r in result.records} == {SANDBOX}
    assert names(result) == {r.name for r in baseline.records if r.cloud_account == SANDBOX}


def test_rows_of_an_account_not_collected_are_kept_stale_in_the_warehouse(
    demo: Path, baseline: AzureSourceResult, tmp_path: Path
) -> None:
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    create_schema(conn)
    out = tmp_path / "collected"
    with FakeArmServer(demo) as fake:
        collect(fake, out, now=FIRST_RUN)
    write_source_result(
        conn, "azure_openai", extract_azure_openai(AzureBundleReader(out)), "r1", now=FIRST_RUN
    )
    with FakeArmServer(demo, errors={f"/accounts/{ACCOUNT}/deployments": 403}) as fake:
        collect(fake, out, now=SECOND_RUN)
    outcome = write_source_result(
        conn, "azure_openai", extract_azure_openai(AzureBundleReader(out)), "r2", now=SECOND_RUN
    )
    assert outcome.status == "partial"
    stored = dict(
        conn.execute(
            "SELECT name, stale FROM discovery.discovered_assets WHERE source = 'azure_openai'"
        ).fetchall()
    )
    assert set(stored) == names(baseline)
    fraud = {n for n in stored if n.startswith(f"{ACCOUNT}/")}
    assert fraud and all(stored[n] for n in fraud)
    assert not any(stale for n, stale in stored.items() if n not in fraud)


def test_unusable_collection_status_makes_the_subscription_unreadable(
    demo: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(demo, bundle)
    (bundle / PROD / COLLECTION_FILE).write_text('{"status": "fine"}', "utf-8")
    result = extract_azure_openai(AzureBundleReader(bundle))
    (part,) = result.unreadable
    assert part.part == PROD and "collection status file is unusable" in part.reason
    assert {r.cloud_account for r in result.records} == {SANDBOX}


# --------------------------------------------------------------------- credentials, role
def test_service_principal_is_read_from_the_named_environment_variables() -> None:
    names_ = {"tenant_id_env": "T_ENV", "client_id_env": "C_ENV", "client_secret_env": "S_ENV"}
    config = AzureLiveConfig(**names_)
    tenant, client = str(uuid.uuid4()), str(uuid.uuid4())
    secret = secrets.token_urlsafe(24)
    credential = azure_credential(config, {"T_ENV": tenant, "C_ENV": client, "S_ENV": secret})
    assert isinstance(credential, ClientSecretCredential)
    assert (credential._tenant_id, credential._client_id) == (tenant, client)
    assert secret not in repr(config.model_dump())

    with pytest.raises(AzureCredentialError, match="S_ENV") as caught:
        azure_credential(config, {"T_ENV": tenant, "C_ENV": client})
    assert tenant not in str(caught.value) and client not in str(caught.value)
    with pytest.raises(ValidationError, match="client_secret_env"):
        AzureLiveConfig(tenant_id_env="T_ENV", client_id_env="C_ENV")
    with pytest.raises(ValidationError):
        AzureLiveConfig(subscriptions=["not-a-guid"])
    assert not AzureLiveConfig().uses_service_principal


def test_plain_http_is_allowed_for_loopback_only() -> None:
    assert loopback_policies("https://management.azure.com") == []
    assert loopback_policies("http://management.azure.com") == []
    for url in ("http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"):
        (policy,) = loopback_policies(url)
        assert isinstance(policy, AllowLoopbackHttp)


def test_documented_role_lists_exactly_the_actions_of_the_calls_made(
    demo: Path, tmp_path: Path
) -> None:
    role = json.loads(ROLE_FILE.read_text("utf-8"))
    assert role["builtin_role"] == {**role["builtin_role"], "name": "Reader", "id": READER_ROLE_ID}
    assert sorted(role["actions"]) == sorted(op.action for op in READ_OPERATIONS.values())
    assert [c["action"] for c in role["calls"]] == [op.action for op in READ_OPERATIONS.values()]
    assert not any("listKeys" in a or "regenerateKey" in a for a in role["actions"])

    patterns: dict[str, re.Pattern[str]] = {
        api: re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(op.path)) + "$", re.I)
        for api, op in READ_OPERATIONS.items()
    }
    used: set[str] = set()
    with FakeArmServer(demo, page_size=2) as fake:
        collect(fake, tmp_path / "out")
        assert_no_key_calls(fake)
        for request in fake.requests:
            matching = [api for api, pattern in patterns.items() if pattern.match(request.path)]
            assert len(matching) == 1, f"{request.path} is not one of READ_OPERATIONS"
            used |= set(matching)
    assert used == set(READ_OPERATIONS)


def test_credential_factory_gets_the_configuration(demo: Path, tmp_path: Path) -> None:
    seen: list[AzureLiveConfig] = []
    factory: Callable[[AzureLiveConfig], TokenCredential] = lambda c: (  # noqa: E731
        seen.append(c) or FakeCredential()
    )
    with FakeArmServer(demo) as fake:
        config = config_for(fake, subscriptions=[PROD])
        collection = collect_azure(
            config, tmp_path / "out", credential_factory=factory, now=FIRST_RUN
        )
    assert seen == [config]
    assert collection.status == "ok"
