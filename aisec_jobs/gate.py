"""`aisec gate`: the pre-deploy gate for CI pipelines.

For an asset already in the inventory (`--asset`), reads the warehouse (read-only). For an asset
about to be deployed (`--entry registry.yaml`), evaluates the file's entries on a scratch copy
of the warehouse: the entries are merged into the declared registry's records, then the
inventory, control evidence, risk, coverage and appetite are assessed exactly as a run would,
for the warehouse's latest assessed day (or --as-of), with that day's acceptances and
attestations. The warehouse itself is never written. For each asset the gate decides:
  exit 0  every required catalog control is implemented (or covered by an active risk
          acceptance) and the residual risk is within the risk appetite;
  exit 1  a required control is missing or only partly in place, or the residual risk is above
          the appetite: the report says which, and which framework requirements it breaks;
  exit 2  the asset or its assessment cannot be found (an unknown asset never passes).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import duckdb

from aisec_assets.controls.assessment import assess_control_coverage, assess_control_evidence
from aisec_assets.discovery.extract import upsert_source_records
from aisec_assets.discovery.registry import SOURCE, parse_registry
from aisec_assets.governance import documents as governance_files
from aisec_assets.governance.store import assess_acceptances, assess_attestations
from aisec_assets.risk.scoring import score_assets, write_risk_model_tables
from aisec_resources.config import AisecConfig
from aisec_resources.records import SourceUnavailable
from aisec_resources.warehouse import ensure_schema, query_sql, run_sql
from aisec_resources.yamldoc import DocumentError

GATE_RUN_ID = "aisec-gate"


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
    ).fetchall()[0]
    if row[0] is None:
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


def _latest_assessed_day(conn: duckdb.DuckDBPyConnection, day: date | None) -> date:
    row = conn.execute(
        "SELECT max(assessed_date) FROM controls.control_coverage "
        "WHERE CAST(? AS DATE) IS NULL OR assessed_date = CAST(? AS DATE)",
        [day, day],
    ).fetchall()[0]
    if row[0] is None:
        when = f"for {day}" if day else "yet"
        raise GateError(f"the warehouse has no control assessment {when}: run `aisec run` first")
    return row[0]


def _reassess_governance(conn: duckdb.DuckDBPyConnection, config: AisecConfig, day: date) -> None:
    """Resolve the acceptances and attestations again, so those naming the new assets (or
    their team) count as they will after deployment."""
    directory = config.governance.directory
    if directory is None:
        return
    try:
        acceptances = governance_files.load_optional(governance_files.ACCEPTANCES, directory)
        attestations = governance_files.load_optional(governance_files.ATTESTATIONS, directory)
    except DocumentError as exc:
        raise GateError(str(exc)) from None
    assess_acceptances(
        conn,
        acceptances,
        day,
        GATE_RUN_ID,
        config.governance.policy_parameters.max_exception_days,
    )
    assess_attestations(conn, attestations, day, GATE_RUN_ID)


def gate_entry(
    config: AisecConfig, entry: Path, day: date | None = None
) -> tuple[list[GateVerdict], list[str]]:
    """The verdict for every asset a registry file declares, assessed on a scratch copy of the
    warehouse; also the file's rejected values (each scored at its worst case)."""
    warehouse = config.warehouse.path
    if not warehouse.exists():
        raise GateError(f"warehouse {warehouse} does not exist: run `aisec run` first")
    try:
        result = parse_registry(entry)
    except SourceUnavailable as exc:
        raise GateError(str(exc)) from None
    if not result.records:
        raise GateError(f"{entry}: no asset entry to evaluate")
    problems = [f"{r.location}: {r.field}: {r.reason}" for r in result.rejections]
    with tempfile.TemporaryDirectory(prefix="aisec-gate-") as scratch_dir:
        scratch = Path(scratch_dir) / "gate.duckdb"
        shutil.copyfile(warehouse, scratch)
        with duckdb.connect(str(scratch)) as conn:
            ensure_schema(conn)
            assessed = _latest_assessed_day(conn, day)
            # The run's clock is the assessed day (never the wall clock).
            now = datetime.combine(assessed, time(23, 59, 59))
            upsert_source_records(conn, SOURCE, result.records, GATE_RUN_ID, now=now)
            run_sql(conn, "inventory/ai_assets", {"run_id": GATE_RUN_ID, "now": now})
            _reassess_governance(conn, config, assessed)
            write_risk_model_tables(conn, config.risk)
            assess_control_evidence(
                conn, assessed, GATE_RUN_ID, stale_review_days=config.risk.stale_review_days
            )
            score_assets(conn, assessed, GATE_RUN_ID, scored_at=now)
            assess_control_coverage(conn, assessed, GATE_RUN_ID)
            run_sql(
                conn,
                "governance/risk_appetite_breaches",
                {"assessed_date": assessed, "run_id": GATE_RUN_ID},
            )
        verdicts = [gate(scratch, record.asset_id, assessed) for record in result.records]
    return verdicts, problems
