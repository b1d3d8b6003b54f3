"""The blocking secret check's scan: clear-text credentials anywhere in the warehouse."""

from __future__ import annotations

import hashlib
import random
import string
from datetime import datetime

import duckdb
import pytest

from aisec_resources.secret_patterns import load_patterns, scan_warehouse_for_secrets
from aisec_resources.warehouse import run_sql

FIXED_NOW = datetime(2026, 11, 28, 6, 0)


def fake(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def fake_keys() -> dict[str, str]:
    """Key-shaped strings built at run time (no such literal is committed)."""
    rng = random.Random(7)
    alnum = string.ascii_letters + string.digits
    marker = "T3Blbk" + "FJ"
    return {
        "openai_api_key": "sk-" + "proj-" + fake(rng, alnum, 58) + marker + fake(rng, alnum, 58),
        "anthropic_api_key": "sk-" + "ant-api03-" + fake(rng, alnum, 93) + "AA",
        "huggingface_token": "hf" + "_" + fake(rng, string.ascii_letters, 34),
        "aws_access_key_id": "AK" + "IA" + fake(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
        "github_token": "gh" + "p_" + fake(rng, alnum, 36),
    }


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(":memory:")
    run_sql(c, "schema/warehouse")
    return c


def test_patterns_load_and_compile() -> None:
    ids = {p.id for p in load_patterns()}
    assert set(fake_keys()) <= ids


@pytest.mark.parametrize("pattern_id", sorted(fake_keys()))
def test_each_key_shape_is_found_where_it_lands(
    conn: duckdb.DuckDBPyConnection, pattern_id: str
) -> None:
    key = fake_keys()[pattern_id]
    conn.execute(
        "INSERT INTO discovery.rejected_records VALUES ('s', 'f.py', NULL, 'bad', ?, 'r', now())",
        [f"client = Client(api_key='{key}')"],
    )
    hits = scan_warehouse_for_secrets(conn)
    assert [(h.table, h.column, h.pattern_id) for h in hits] == [
        ("discovery.rejected_records", "excerpt", pattern_id)
    ]


def test_keys_inside_json_and_lists_are_found(conn: duckdb.DuckDBPyConnection) -> None:
    key = fake_keys()["huggingface_token"]
    conn.execute("CREATE TABLE discovery.extra (tags VARCHAR[], doc JSON)")
    conn.execute("INSERT INTO discovery.extra VALUES (['a', ?], ?)", [key, '{"k": 1}'])
    assert [(h.column, h.pattern_id) for h in scan_warehouse_for_secrets(conn)] == [
        ("tags", "huggingface_token")
    ]


def test_fingerprints_ids_and_prose_are_not_secrets(conn: duckdb.DuckDBPyConnection) -> None:
    rows = [
        hashlib.sha256(b"x").hexdigest(),
        "ai-" + hashlib.sha256(b"y").hexdigest()[:16],
        "arn:aws:bedrock:us-east-1:314159265358:agent/ABCDEFGHIJ",
        "sk-learn pipelines and skills-based routing",
        "Ask the model to summarize the ticket",
    ]
    for r in rows:
        conn.execute(
            "INSERT INTO discovery.rejected_records VALUES ('s', ?, NULL, 'r', NULL, 'r', now())",
            [r],
        )
    assert scan_warehouse_for_secrets(conn) == []


def test_records_are_masked_on_their_way_into_the_warehouse(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    from aisec_assets.discovery.extract import write_source_result
    from aisec_resources.records import DiscoveredAsset, Rejection, SourceResult

    keys = fake_keys()
    pasted = f"call it with {keys['openai_api_key']} please"
    record = DiscoveredAsset(
        source="declared_registry",
        resource_id="declared://leaky",
        name="leaky",
        asset_type="api_endpoint",
        description=pasted,
        posture={"env": {"HF_TOKEN": keys["huggingface_token"]}},
        raw={"notes": keys["aws_access_key_id"]},
    )
    rejection = Rejection("declared_registry", "registry.yaml: assets[3]", "bad", "x", pasted)
    write_source_result(
        conn, "declared_registry", SourceResult([record], [rejection]), "r1", now=FIXED_NOW
    )
    assert scan_warehouse_for_secrets(conn) == []
    description, posture, raw = conn.execute(
        "SELECT description, posture, raw FROM discovery.discovered_assets"
    ).fetchone()
    assert description == "call it with <redacted:openai_api_key> please"
    assert "<redacted:huggingface_token>" in posture
    assert "<redacted:aws_access_key_id>" in raw
    (excerpt,) = conn.execute("SELECT excerpt FROM discovery.rejected_records").fetchone()
    assert excerpt == "call it with <redacted:openai_api_key> please"
