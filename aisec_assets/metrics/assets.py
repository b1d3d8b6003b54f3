"""Metrics assets: program KPIs and maturity, one row per day (SPEC §3.7)."""

from collections.abc import Mapping
from datetime import date
from typing import Any

import dagster as dg
import duckdb

from aisec_assets.metadata import column_schema, table_metadata
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource, run_sql

OWNERS = ["team:ai-security"]
KPI_PREFIX = "kpi/"


def day_kpis(conn: duckdb.DuckDBPyConnection, day: date) -> dict[str, Any]:
    """The day's KPI row as a dict (empty when the day has none)."""
    cursor = conn.execute(
        "SELECT * EXCLUDE (kpi_date, run_id) FROM metrics.program_kpis WHERE kpi_date = ?", [day]
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else {}


def kpi_metadata(kpis: Mapping[str, Any]) -> dict[str, dg.MetadataValue]:
    """One numeric metadata value per KPI that has a value (`kpi/<name>`), so the Dagster UI
    plots each KPI's trend across materializations; a NULL KPI is left out (its reason is in
    `kpi/null_reasons`), never plotted as 0."""
    out: dict[str, dg.MetadataValue] = {}
    for name, value in kpis.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            out[KPI_PREFIX + name] = dg.MetadataValue.int(value)
        elif isinstance(value, float):
            out[KPI_PREFIX + name] = dg.MetadataValue.float(value)
    out[KPI_PREFIX + "incidents_by_category"] = dg.MetadataValue.json(
        dict(kpis.get("incidents_by_category") or {})
    )
    out[KPI_PREFIX + "null_reasons"] = dg.MetadataValue.json(dict(kpis.get("null_reasons") or {}))
    return out


@dg.asset(
    group_name="metrics",
    deps=[
        "ai_assets",
        "risk_scores",
        "compliance_gaps",
        "control_evidence",
        "framework_compliance",
        "risk_acceptances",
        "policies",
        "incidents",
        "red_team_findings",
        "red_team_engagements",
    ],
    metadata={"dagster/column_schema": column_schema("metrics.program_kpis")},
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Program KPIs per day: every KPI of the design brief's ProgramMetrics (assets, "
    "reviews, coverage, risk counts, acceptances, incidents and MTTD/MTTC/MTTR, controls, red "
    "team, gaps, overdue actions) and the program's own (framework compliance, detective "
    "controls, policy currency, source health). Each column's description is its definition "
    "and source tables; a KPI with nothing to measure is NULL with its reason. Each KPI is also "
    "a numeric metadata value (kpi/<name>), so the UI plots its trend.",
)
def program_kpis(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    config = settings.config()
    with warehouse.connect() as conn:
        run_sql(
            conn,
            "metrics/program_kpis",
            {
                "assessed_date": day,
                "now": settings.now(),
                "stale_review_days": config.risk.stale_review_days,
                "run_id": context.run_id,
                "governance_configured": config.governance.directory is not None,
                "red_team_configured": bool(config.red_team.reports),
            },
        )
        meta = table_metadata(
            conn,
            "metrics.program_kpis",
            "SELECT * EXCLUDE (run_id, incidents_by_category, null_reasons) "
            "FROM metrics.program_kpis ORDER BY kpi_date DESC LIMIT 7",
        )
        kpis = day_kpis(conn, day)
    missing = dict(kpis.get("null_reasons") or {})
    log_for(context).info(
        f"kpis for {day}: "
        + ", ".join(f"{k}={v}" for k, v in kpis.items() if k not in ("null_reasons",))
    )
    if missing:
        log_for(context).info(
            f"kpis for {day} without a value: "
            + "; ".join(f"{k}: {why}" for k, why in sorted(missing.items()))
        )
    return dg.MaterializeResult(
        metadata=safe_metadata({**meta, "assessed_date": day.isoformat(), **kpi_metadata(kpis)})
    )


@dg.asset(
    group_name="metrics",
    deps=["program_kpis", "framework_compliance"],
    metadata={"dagster/column_schema": column_schema("metrics.maturity_scores")},
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="CMMI-style maturity (1 Initial .. 4 Quantitatively Managed) per program "
    "dimension per day with evidence, the gaps to the next level and the target level: Asset "
    "Management, Incident Response and Red Teaming on the design brief's thresholds; "
    "Governance, Technical Controls, Monitoring and Compliance on thresholds in "
    "metrics.maturity (aisec.yaml). An unknown input scores at its worst case. Also the NIST AI "
    "RMF function scores (metrics.nist_ai_rmf_scores).",
)
def maturity_scores(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    metrics = settings.config().metrics
    with warehouse.connect() as conn:
        run_sql(
            conn,
            "metrics/maturity_scores",
            {
                "assessed_date": day,
                "run_id": context.run_id,
                "target_level": metrics.target_level,
                **metrics.maturity.variables(),
            },
        )
        meta = table_metadata(
            conn,
            "metrics.maturity_scores",
            "SELECT dimension, level, target_level, level_name, score, evidence, "
            "gaps_to_next_level FROM metrics.maturity_scores WHERE assessed_date = ?",
            [day],
        )
        rows = conn.execute(
            "SELECT dimension, level, level_name, score FROM metrics.maturity_scores "
            "WHERE assessed_date = ?",
            [day],
        ).fetchall()
        nist = conn.execute(
            "SELECT function, score FROM metrics.nist_ai_rmf_scores WHERE assessed_date = ? "
            "ORDER BY function",
            [day],
        ).fetchall()
    for dimension, level, name, _ in rows:
        log_for(context).info(f"maturity {day}: {dimension} level {level} ({name})")
    levels = {
        f"maturity/{dimension.lower().replace(' ', '_')}": dg.MetadataValue.int(level)
        for dimension, level, _, _ in rows
    }
    functions = {
        f"nist_ai_rmf/{function.lower()}": dg.MetadataValue.float(float(score))
        for function, score in nist
        if score is not None
    }
    return dg.MaterializeResult(
        metadata=safe_metadata({**meta, "assessed_date": day.isoformat(), **levels, **functions})
    )
