"""Inventory rows for tests that write `inventory.ai_assets` directly (risk, controls)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import duckdb

SEEN = datetime(2026, 2, 28, 12, 0)


def _columns(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'inventory' AND table_name = 'ai_assets' ORDER BY ordinal_position"
    ).fetchall()


def make_asset(asset_id: str, **facts: Any) -> dict[str, Any]:
    """An inventory row: required columns filled, every other fact NULL unless given."""
    row: dict[str, Any] = {
        "asset_id": asset_id,
        "natural_key": f"declared://{asset_id}",
        "name": asset_id,
        "asset_type": "foundation_model",
        "declared": True,
        "discovered": False,
        "source_stale": False,
        "first_seen": SEEN,
        "last_seen": SEEN,
        "status": "active",
    }
    row.update(facts)
    return row


def control(control_type: str | None, operational: bool | None = True) -> dict[str, Any]:
    return {"type": control_type, "operational": operational, "evidence": "test", "source": "test"}


def insert_assets(conn: duckdb.DuckDBPyConnection, assets: list[Mapping[str, Any]]) -> None:
    """Insert rows in one statement (a list of structs cast to the table's row type)."""
    columns = _columns(conn)
    row_type = "STRUCT(" + ", ".join(f'"{name}" {kind}' for name, kind in columns) + ")[]"
    rows = [{name: asset.get(name) for name, _ in columns} for asset in assets]
    conn.execute(
        "INSERT INTO inventory.ai_assets SELECT r.* "
        f"FROM (SELECT unnest(CAST(? AS {row_type})) AS r)",
        [rows],
    )
