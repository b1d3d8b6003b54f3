"""Live collection through Dagster and the CLI: an organisation of 3 AWS accounts (moto server
behind `aws_estate_fake`), configured in aisec.yaml as `sources.aws.live`.

The accounts sensor turns the organisation's accounts into partitions of
`aws_account_collection` and asks for one run per account and day; one partition's run collects
one account into `sources.aws.collected`; the extract assets parse that directory; a failed
account fails its own partition, keeps its last good data and leaves its rows stale.
"""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from aws_estate import EXTERNAL_ID_ENV, REGIONS, ROLE, Estate, running_estate
from aws_estate_fake import MOTO_DEFAULT_ACCOUNT, Fault

from aisec_assets.discovery.assets import DISCOVERY_ASSETS
from aisec_assets.discovery.collection_assets import COLLECTION_ASSETS
from aisec_assets.discovery.sources import aws as aws_source
from aisec_jobs import cli
from aisec_jobs.definitions import program_definitions, resources_for
from aisec_jobs.loader import validate_sections
from aisec_jobs.sensors.accounts import build_cloud_accounts_sensor
from aisec_resources.clock import RunClock
from aisec_resources.config import AisecConfig, load_config_file
from aisec_resources.records import SourceUnavailable
from aisec_resources.settings import AS_OF_TAG

AS_OF = date(2026, 11, 30)
TAGS = {AS_OF_TAG: AS_OF.isoformat()}
AWS_EXTRACTS = [a for a in DISCOVERY_ASSETS if a.key.path[0].startswith("aws_")]
(COLLECTION,) = [a for a in COLLECTION_ASSETS if a.key.path[0] == "aws_account_collection"]


@pytest.fixture(scope="module")
def estate() -> Iterator[Estate]:
    with running_estate() as running:
        yield running


@pytest.fixture
def config(estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AisecConfig:
    """aisec.yaml with the organisation as a live source; base credentials from the standard
    chain (environment), built at run time."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "base-" + secrets.token_hex(4))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secrets.token_hex(16))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv(EXTERNAL_ID_ENV, estate.external_id)
    monkeypatch.delenv("AISEC_CONFIG", raising=False)
    estate.proxy.reset()
    live = {
        "role_name": ROLE,
        "external_id_env": EXTERNAL_ID_ENV,
        "regions": REGIONS,
        "endpoint_url": estate.proxy.url,
        "max_workers": 4,
        "max_attempts": 2,
        "connect_timeout": 5,
        "read_timeout": 10,
    }
    path = tmp_path / "aisec.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "organisation": "Live Test",
                "warehouse": {"path": "warehouse/aisec.duckdb"},
                "sources": {"aws": {"live": live}},
            }
        ),
        encoding="utf-8",
    )
    loaded = load_config_file(path)
    validate_sections(loaded)
    return loaded


def collect_partition(
    config: AisecConfig, instance: dg.DagsterInstance, account: str
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [COLLECTION],
        partition_key=account,
        instance=instance,
        resources=resources_for(config),
        tags=TAGS,
        raise_on_error=False,
    )


def extract(config: AisecConfig, instance: dg.DagsterInstance) -> None:
    result = dg.materialize(
        [*AWS_EXTRACTS, COLLECTION],
        selection=dg.AssetSelection.assets(*AWS_EXTRACTS),
        instance=instance,
        resources=resources_for(config),
        tags=TAGS,
    )
    assert result.success


def rows_by_account(config: AisecConfig) -> dict[tuple[str, bool], int]:
    with duckdb.connect(str(config.warehouse.path), read_only=True) as conn:
        found = conn.execute(
            "SELECT split_part(part, '/', 1), stale, count(*) FROM discovery.discovered_assets "
            "WHERE source = 'aws_bedrock' AND part IS NOT NULL GROUP BY ALL"
        ).fetchall()
    return {(account, bool(stale)): int(n) for account, stale, n in found}


def test_sensor_partitions_runs_and_a_failed_account_keeping_its_data(
    estate: Estate, config: AisecConfig
) -> None:
    accounts = estate.accounts
    with dg.instance_for_test() as instance:
        sensor = build_cloud_accounts_sensor(config)
        result = sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(result, dg.SensorResult)
        (added,) = result.dynamic_partitions_requests or []
        assert sorted(added.partition_keys) == accounts
        assert [r.partition_key for r in result.run_requests or []] == accounts
        assert {r.job_name for r in result.run_requests or []} == {"aws_collection_job"}
        # One run per account and day: the run key names both.
        assert all(
            r.run_key and r.run_key.startswith(f"aws:{r.partition_key}:")
            for r in result.run_requests or []
        )
        instance.add_dynamic_partitions("aws_accounts", accounts)

        for account in accounts:
            outcome = collect_partition(config, instance, account)
            assert outcome.success, account
            (materialization,) = outcome.asset_materializations_for_node("aws_account_collection")
            assert materialization.partition == account
            assert materialization.metadata["status"].value == "ok"
            assert materialization.metadata["count/regions"].value == len(REGIONS)
        root = config.config_path.parent / "collected" / "aws"
        assert sorted(p.name for p in root.iterdir() if p.name.isdigit()) == accounts
        extract(config, instance)
        fresh = rows_by_account(config)
        assert {a for a, stale in fresh if not stale} == set(accounts)
        assert not any(stale for _, stale in fresh)

        # The second account's role can no longer be assumed: its partition fails, the
        # others still succeed, and its rows stay in the warehouse, stale.
        failing = accounts[1]
        estate.proxy.faults.append(
            Fault(MOTO_DEFAULT_ACCOUNT, "AssumeRole", "AccessDenied", 403, body_has=failing)
        )
        failed = collect_partition(config, instance, failing)
        assert not failed.success
        assert collect_partition(config, instance, accounts[2]).success
        extract(config, instance)
        after = rows_by_account(config)
        assert after[(failing, True)] == fresh[(failing, False)]
        assert after[(accounts[2], False)] == fresh[(accounts[2], False)]
        with duckdb.connect(str(config.warehouse.path), read_only=True) as conn:
            ((status, error),) = conn.execute(
                "SELECT status, last_error FROM discovery.source_status "
                "WHERE source = 'aws_bedrock'"
            ).fetchall()
        assert status == "partial"
        assert failing in error and "access denied" in error


def test_aisec_collect_aws_writes_a_bundle_and_fails_for_a_failed_account(
    estate: Estate, config: AisecConfig, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "bundle"
    cfg = str(config.config_path)
    first = estate.accounts[0]
    assert cli.main(["collect", "aws", "--config", cfg, "--out", str(out), "--key", first]) == 0
    printed = capsys.readouterr()
    assert f"account {first}: ok" in printed.out
    assert f"({first})" in printed.err  # progress per account/region, with ETA
    assert "ETA" in printed.err
    assert sorted(p.name for p in out.iterdir() if p.name.isdigit()) == [first]

    estate.proxy.faults.append(
        Fault(MOTO_DEFAULT_ACCOUNT, "AssumeRole", "AccessDenied", 403, body_has=first)
    )
    assert cli.main(["collect", "aws", "--config", cfg, "--out", str(out), "--key", first]) == 1
    assert f"account {first}: failed" in capsys.readouterr().out
    # The offline bundle the collection wrote reads as `sources.aws.bundle`.
    bundle_cfg = tmp_path / "offline.yaml"
    bundle_cfg.write_text(
        yaml.safe_dump(
            {
                "organisation": "Offline",
                "warehouse": {"path": "wh.duckdb"},
                "sources": {"aws": {"bundle": str(out)}},
            }
        ),
        encoding="utf-8",
    )
    assert cli.main(["validate", "--config", str(bundle_cfg)]) == 0


def test_aisec_run_collects_every_account_first_one_run_per_partition(
    estate: Estate,
    config: AisecConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """What `aisec run` does before the main job: every account of the organisation becomes a
    partition and is collected in its own run; a failed one is reported and does not stop the
    others."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("AISEC_CONFIG", str(config.config_path))
    failing = estate.accounts[2]
    estate.proxy.faults.append(
        Fault(MOTO_DEFAULT_ACCOUNT, "AssumeRole", "AccessDenied", 403, body_has=failing)
    )
    program_definitions.cache_clear()  # built from AISEC_CONFIG, once per process
    try:
        args = argparse.Namespace(in_process=True, log_level="WARNING")
        cli._collect_live(config, RunClock.for_day(AS_OF), args)
    finally:
        program_definitions.cache_clear()
    printed = capsys.readouterr().out
    assert "collecting 3 account(s) of aws" in printed
    assert f"not collected, their last good data kept (stale): {failing}" in printed
    with dg.DagsterInstance.get() as instance:
        assert sorted(instance.get_dynamic_partitions("aws_accounts")) == estate.accounts
        runs = instance.get_runs()
        assert sorted(r.tags["dagster/partition"] for r in runs) == estate.accounts
        assert {r.tags["dagster/partition"] for r in runs if r.is_failure} == {failing}


def test_a_live_source_with_nothing_collected_yet_says_what_to_run(config: AisecConfig) -> None:
    section = aws_source.BEDROCK.section(config)
    assert section is not None and section.live is not None
    with pytest.raises(SourceUnavailable, match=r"no account collected yet .*aisec collect aws"):
        aws_source.fetch_bedrock(section)
