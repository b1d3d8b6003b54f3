"""Analyst macros: an asset is named by its id or its unique name, and a wrong reference is a
clear error instead of an empty answer."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from aisec_resources.warehouse import run_sql

# agent -> knowledge base -> dataset; two assets share the name "shared-name"
ASSETS = [
    ("ai-agent0000000001", "support-agent", "ai_agent"),
    ("ai-kb000000000001", "tickets-kb", "vector_database"),
    ("ai-data0000000001", "ticket-export", "training_dataset"),
    ("ai-dup0000000001a", "shared-name", "foundation_model"),
    ("ai-dup0000000001b", "shared-name", "foundation_model"),
]
EDGES = [
    ("ai-agent0000000001", "ai-kb000000000001", "uses_knowledge_base"),
    ("ai-kb000000000001", "ai-data0000000001", "retrieves_from"),
]


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    run_sql(c, "schema/warehouse")
    run_sql(c, "schema/analyst_views")
    for asset_id, name, asset_type in ASSETS:
        c.execute(
            "INSERT INTO inventory.ai_assets (asset_id, natural_key, name, asset_type, status, "
            "sources, declared, discovered, source_stale, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, 'active', ['test'], true, false, false, "
            "TIMESTAMP '2026-11-28 00:00', TIMESTAMP '2026-11-28 00:00')",
            [asset_id, f"declared://{asset_id}", name, asset_type],
        )
    for src, dst, relation in EDGES:
        c.execute(
            "INSERT INTO inventory.asset_dependencies VALUES (?, ?, ?, ?, true, ['test'])",
            [src, dst, relation, f"declared://{dst}"],
        )
    return c


def test_blast_radius_by_id_or_by_unique_name_agree(conn: duckdb.DuckDBPyConnection) -> None:
    query = "SELECT name, depth, via_relation FROM inventory.blast_radius(?) ORDER BY depth"
    by_id = conn.execute(query, ["ai-data0000000001"]).fetchall()
    by_name = conn.execute(query, ["ticket-export"]).fetchall()
    assert (
        by_id
        == by_name
        == [
            ("tickets-kb", 1, "retrieves_from"),
            ("support-agent", 2, "uses_knowledge_base"),
        ]
    )
    up = "SELECT name, depth FROM inventory.upstream_of(?) ORDER BY depth"
    assert conn.execute(up, ["support-agent"]).fetchall() == [
        ("tickets-kb", 1),
        ("ticket-export", 2),
    ]
    assert conn.execute("SELECT inventory.asset_id_of('tickets-kb')").fetchone() == (
        "ai-kb000000000001",
    )


def test_unknown_reference_is_an_error_not_an_empty_answer(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(duckdb.Error, match="no asset has the id or name 'no-such-asset'"):
        conn.execute("SELECT * FROM inventory.blast_radius('no-such-asset')").fetchall()
    with pytest.raises(duckdb.Error, match="no asset has the id or name 'nope'"):
        conn.execute("SELECT * FROM inventory.upstream_of('nope')").fetchall()


def test_ambiguous_name_lists_the_ids_to_choose_from(conn: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(
        duckdb.Error,
        match=r"2 assets are named 'shared-name': give one of their asset_ids "
        r"\(ai-dup0000000001a, ai-dup0000000001b\)",
    ):
        conn.execute("SELECT * FROM inventory.blast_radius('shared-name')").fetchall()
    # an id is always unambiguous
    assert (
        conn.execute("SELECT * FROM inventory.blast_radius('ai-dup0000000001a')").fetchall() == []
    )
