"""`aisec gate`: the pre-deploy gate for CI pipelines.

Reads the warehouse (read-only) and decides for one asset on one assessed day:
  exit 0  every required catalog control is implemented (or covered by an active risk
          acceptance) and the residual risk is within the risk appetite;
  exit 1  a required control is missing or only partly in place, or the residual risk is above
          the appetite: the report says which, and which framework requirements it breaks;
  exit 2  the asset or its assessment cannot be found (an unknown asset never passes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from aisec_resources.warehouse import query_sql


class GateError(Exception):
    """The gate cannot decide (unknown asset, no assessment, no warehouse): exit 2."""


@dataclass(frozen=True)
class GateVerdict:
    asset_id: str
    name: str
    day: date
    passed: bool
    report: str

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def _resolve(conn: duckdb.DuckDBPyConnection, asset_ref: str) -> tuple[str, str]:
    rows = conn.execute(
        "SELECT asset_id, name FROM inventory.ai_assets WHERE asset_id = ? OR name = ? "
        "ORDER BY asset_id = ? DESC, asset_id",
        [asset_ref, asset_ref, asset_ref],
    ).fetchall()
    if not rows:
        raise GateError(f"no asset has the id or name {asset_ref!r} in the inventory")
    if rows[0][0] != asset_ref and len(rows) > 1:
        ids = ", ".join(r[0] for r in rows)
        raise GateError(
            f"{len(rows)} assets are named {asset_ref!r}: give one of their ids ({ids})"
        )
    return rows[0][0], rows[0][1]


def _assessed_day(conn: duckdb.DuckDBPyConnection, asset_id: str, day: date | None) -> date:
    row = conn.execute(
        "SELECT max(assessed_date) FROM controls.control_coverage "
        "WHERE asset_id = ? AND (CAST(? AS DATE) IS NULL OR assessed_date = CAST(? AS DATE))",
        [asset_id, day, day],
    ).fetchone()
    if row is None or row[0] is None:
        when = f"on {day}" if day else "on any day"
        raise GateError(
            f"asset {asset_id} has no control assessment {when}: run the main job first (aisec run)"
        )
    return row[0]


def _lines(rows: list[dict[str, Any]]) -> tuple[list[str], bool]:
    first = rows[0]
    failed = False
    out = [
        f"  residual risk {first['residual_risk_score']:.2f} ({first['risk_level']}), "
        f"inherent level {first['inherent_risk_level']}"
    ]
    if first["max_residual_risk"] is not None:
        failed = True
        out.append(
            f"  FAIL risk appetite: residual {first['residual_risk_score']:.2f} is above "
            f"{first['max_residual_risk']:.2f} for {first['environment']} / "
            f"{first['data_classification']} data ({first['appetite_rule']})"
        )
    else:
        out.append("  ok   residual risk within the risk appetite")
    open_controls = [r for r in rows if r["control_id"] is not None]
    for row in open_controls:
        if row["status"] == "accepted":
            out.append(
                f"  note {row['control_id']} {row['title']}: risk accepted ({row['acceptance_id']})"
            )
            continue
        failed = True
        out.append(
            f"  FAIL {row['control_id']} {row['title']}: {row['status']} — {row['evidence']}"
        )
        for requirement in row["requirements"]:
            out.append(f"         breaks {requirement}")
    if not any(r["status"] != "accepted" for r in open_controls):
        out.append("  ok   every required control is implemented or accepted")
    return out, failed


def gate(warehouse: Path, asset_ref: str, day: date | None = None) -> GateVerdict:
    """The verdict for `asset_ref` (id or unique name) on `day` (default: its latest
    assessment); raises `GateError` when it cannot decide."""
    if not warehouse.exists():
        raise GateError(f"warehouse {warehouse} does not exist: run `aisec run` first")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        asset_id, name = _resolve(conn, asset_ref)
        assessed = _assessed_day(conn, asset_id, day)
        rows = query_sql(conn, "compliance/gate", {"asset_id": asset_id, "assessed_date": assessed})
    if not rows:
        raise GateError(f"asset {asset_id} has no risk score on {assessed}")
    lines, failed = _lines(rows)
    verdict = "FAIL" if failed else "PASS"
    header = f"aisec gate: {verdict} {name} ({asset_id}), assessed {assessed}"
    return GateVerdict(asset_id, name, assessed, not failed, "\n".join([header, *lines]))
