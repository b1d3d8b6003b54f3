"""Partial failures are visible: a source with an unreadable part (an Azure subscription, a
Hugging Face location, an AWS region) is `partial` with the actual reason, and the assets that
part held keep their last good data, marked stale in the inventory — never dropped, never
`missing`."""

from __future__ import annotations

import json
import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from aisec_assets.discovery.aws import AwsBundleReader, extract_bedrock
from aisec_assets.discovery.azure import AzureBundleReader, extract_azure_openai
from aisec_assets.discovery.extract import write_source_result
from aisec_assets.discovery.huggingface import extract_huggingface
from aisec_jobs.demo_estate import azure as demo_azure
from aisec_jobs.demo_estate import huggingface as demo_hf
from aisec_jobs.demo_estate.aws import write_bundle as write_aws_bundle
from aisec_jobs.demo_estate.company import AWS_ACCOUNTS, AZURE_SUBSCRIPTIONS
from aisec_resources.config import NamedPath
from aisec_resources.records import SourceResult
from aisec_resources.warehouse import create_schema, run_sql

AS_OF = date(2026, 11, 28)
FIRST = datetime(2026, 11, 28, 1, 0)
SECOND = FIRST + timedelta(days=1)
PROD, SANDBOX = (s.subscription_id for s in AZURE_SUBSCRIPTIONS)
DIRS, CACHE = demo_hf.MODEL_DIRS_LOCATION, demo_hf.CACHE_LOCATION
# What the inventory keeps of an asset: compared before and after the partial run.
FACTS = (
    "name, asset_type, owner_team, data_classification, deployment_env, model_name, "
    "network_exposure, cloud_account, CAST(controls AS VARCHAR), last_seen"
)


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    create_schema(c)
    return c


def run(
    conn: duckdb.DuckDBPyConnection, source: str, result: SourceResult, run_id: str, now: datetime
) -> None:
    """One discovery run of `source` followed by the inventory merge."""
    write_source_result(conn, source, result, run_id, now=now)
    run_sql(conn, "inventory/ai_assets", {"run_id": run_id, "now": now})


def inventory(conn: duckdb.DuckDBPyConnection, asset_ids: set[str]) -> dict[str, tuple[Any]]:
    rows = conn.execute(
        f"SELECT asset_id, {FACTS} FROM inventory.ai_assets WHERE list_has_any(?, [asset_id])",
        [sorted(asset_ids)],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def status(conn: duckdb.DuckDBPyConnection, source: str) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT status, stale, last_error, record_count FROM discovery.source_status "
        "WHERE source = ?",
        [source],
    ).fetchone()
    assert row is not None
    return row


def assert_kept_stale(
    conn: duckdb.DuckDBPyConnection, source: str, kept: set[str], before: dict[str, tuple[Any]]
) -> None:
    """The assets of the unreadable part: their rows from the first run, stale, and in the
    inventory active (not missing), source_stale, with the same facts as before."""
    rows = conn.execute(
        "SELECT asset_id, run_id, stale FROM discovery.discovered_assets WHERE source = ?",
        [source],
    ).fetchall()
    by_id = {asset_id: (run_id, stale) for asset_id, run_id, stale in rows}
    assert kept <= set(by_id)
    assert {by_id[a] for a in kept} == {("r1", True)}
    assert {v for a, v in by_id.items() if a not in kept} <= {("r2", False)}
    states = dict(
        conn.execute("SELECT asset_id, (status, source_stale) FROM inventory.ai_assets").fetchall()
    )
    assert {a: states[a] for a in kept} == {a: ("active", True) for a in kept}
    assert "missing" not in {s for s, _ in states.values()}
    assert inventory(conn, kept) == before  # last good data, last_seen at the first run


@pytest.mark.parametrize("damage", ["file", "symlink_loop"])
def test_an_unreadable_azure_subscription_makes_the_source_partial(
    tmp_path: Path, conn: duckdb.DuckDBPyConnection, damage: str
) -> None:
    root = tmp_path / "azure"
    demo_azure.write_bundle(root, AS_OF, random.Random("partial-azure"))
    first = extract_azure_openai(AzureBundleReader(root))
    run(conn, "azure_openai", first, "r1", FIRST)
    kept = {r.asset_id for r in first.records if r.part == PROD.lower()}
    others = {r.asset_id for r in first.records} - kept
    assert kept and others
    before = inventory(conn, kept)

    shutil.rmtree(root / PROD)
    if damage == "file":  # a file where the subscription directory is expected
        (root / PROD).write_text("not a directory\n")
        why = "Not a directory"
    else:
        (root / PROD).symlink_to(root / PROD, target_is_directory=True)
        why = "Too many levels of symbolic links"
    second = extract_azure_openai(AzureBundleReader(root))
    assert [(u.part, u.reason) for u in second.unreadable] == [
        (PROD.lower(), f"subscription directory cannot be read: {why}")
    ]
    assert not any("accounts.json is missing" in r.reason for r in second.rejections)
    assert {r.asset_id for r in second.records} == others
    run(conn, "azure_openai", second, "r2", SECOND)

    state, stale, error, records = status(conn, "azure_openai")
    assert (state, stale, records) == ("partial", True, len(kept) + len(others))
    assert PROD.lower() in error and why in error and str(root / PROD) in error
    assert_kept_stale(conn, "azure_openai", kept, before)

    # Readable again: the source is ok, nothing is stale any more.
    shutil.rmtree(root)
    demo_azure.write_bundle(root, AS_OF, random.Random("partial-azure"))
    run(conn, "azure_openai", extract_azure_openai(AzureBundleReader(root)), "r3", SECOND)
    assert status(conn, "azure_openai")[:3] == ("ok", False, None)
    assert conn.execute(
        "SELECT count(*) FROM inventory.ai_assets WHERE source_stale"
    ).fetchone() == (0,)


def test_a_hugging_face_location_that_is_not_a_directory_makes_the_source_partial(
    tmp_path: Path, conn: duckdb.DuckDBPyConnection
) -> None:
    demo_hf.write_model_dirs(tmp_path / "models", AS_OF, random.Random("dirs"))
    demo_hf.write_hf_cache(tmp_path / "hub", AS_OF, random.Random("cache"))
    locations = (
        [NamedPath(name=DIRS, path=tmp_path / "models")],
        [NamedPath(name=CACHE, path=tmp_path / "hub")],
    )
    first = extract_huggingface(*locations, 64 << 20, 12)
    run(conn, "huggingface", first, "r1", FIRST)
    from_dirs = {r.asset_id for r in first.records if r.part == DIRS}
    cached = {r.asset_id for r in first.records if r.part == CACHE}
    # Hub references (the base models the model directories name) belong to no location:
    # they are kept while a kept asset depends on them.
    references = {r.asset_id for r in first.records if r.part is None}
    assert from_dirs and cached and references
    before = inventory(conn, from_dirs | references)

    shutil.rmtree(tmp_path / "models")
    (tmp_path / "models").write_text(json.dumps({"not": "a directory"}))
    second = extract_huggingface(*locations, 64 << 20, 12)
    assert [(u.part, u.location) for u in second.unreadable] == [(DIRS, str(tmp_path / "models"))]
    assert "is not a directory" in second.unreadable[0].reason
    assert {r.asset_id for r in second.records}.isdisjoint(from_dirs)
    # the references only the location's models made are kept with them
    kept = from_dirs | (references - {r.asset_id for r in second.records})
    run(conn, "huggingface", second, "r2", SECOND)

    state, stale, error, records = status(conn, "huggingface")
    assert (state, stale) == ("partial", True)
    assert records == len(first.records)  # nothing dropped
    assert f"{DIRS} unreadable" in error and "is not a directory" in error
    assert_kept_stale(conn, "huggingface", kept, {a: before[a] for a in kept})
    assert kept > from_dirs


def test_an_unreadable_aws_region_makes_the_source_partial(
    tmp_path: Path, conn: duckdb.DuckDBPyConnection
) -> None:
    root = tmp_path / "aws"
    write_aws_bundle(root, AS_OF, random.Random("partial-aws"))
    account = AWS_ACCOUNTS[0].account_id
    first = extract_bedrock(AwsBundleReader(root))
    run(conn, "aws_bedrock", first, "r1", FIRST)
    part = f"{account}/us-east-1"
    kept = {r.asset_id for r in first.records if r.part == part}
    assert kept
    before = inventory(conn, kept)

    shutil.rmtree(root / account / "us-east-1")
    (root / account / "us-east-1").write_text("not a directory\n")
    second = extract_bedrock(AwsBundleReader(root))
    assert [(u.part, u.reason) for u in second.unreadable] == [
        (part, "cannot list directory: Not a directory")
    ]
    run(conn, "aws_bedrock", second, "r2", SECOND)
    state, stale, error, _ = status(conn, "aws_bedrock")
    assert (state, stale) == ("partial", True) and part in error
    assert_kept_stale(conn, "aws_bedrock", kept, before)
