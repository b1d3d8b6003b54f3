"""Metrics assets: program KPIs and maturity, one row per day."""

import dagster as dg

from aisec_assets.metadata import column_schema, table_metadata
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource, run_sql

OWNERS = ["team:ai-security"]


@dg.asset(
    group_name="metrics",
    deps=["ai_assets", "risk_scores", "compliance_gaps"],
    metadata={"dagster/column_schema": column_schema("metrics.program_kpis")},
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Program KPIs per day: assets, reviews, stale reviews, critical/high risk "
    "counts, mean residual risk, gap counts, control coverage, source health.",
)
def program_kpis(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        run_sql(
            conn,
            "metrics/program_kpis",
            {
                "assessed_date": day,
                "stale_review_days": settings.config().risk.stale_review_days,
                "run_id": context.run_id,
            },
        )
        meta = table_metadata(
            conn,
            "metrics.program_kpis",
            "SELECT * EXCLUDE (run_id) FROM metrics.program_kpis ORDER BY kpi_date DESC LIMIT 7",
        )
        cur = conn.execute(
            "SELECT * EXCLUDE (kpi_date, run_id) FROM metrics.program_kpis WHERE kpi_date = ?",
            [day],
        )
        kpis = dict(zip([d[0] for d in cur.description], cur.fetchone() or (), strict=False))
    log_for(context).info(f"kpis for {day}: {kpis}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {**meta, "assessed_date": day.isoformat(), "kpis": dg.MetadataValue.json(kpis)}
        )
    )


@dg.asset(
    group_name="metrics",
    deps=["program_kpis"],
    metadata={"dagster/column_schema": column_schema("metrics.maturity_scores")},
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="CMMI-style maturity (1 Initial .. 5 Optimizing) per program dimension per day, "
    "with evidence and gaps to the next level. Asset Management uses the design brief's "
    "coverage thresholds (95/80/50%).",
)
def maturity_scores(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        run_sql(conn, "metrics/maturity_scores", {"assessed_date": day, "run_id": context.run_id})
        meta = table_metadata(
            conn,
            "metrics.maturity_scores",
            "SELECT dimension, level, level_name, score, evidence, gaps_to_next_level "
            "FROM metrics.maturity_scores WHERE assessed_date = ?",
            [day],
        )
        rows = conn.execute(
            "SELECT dimension, level, level_name FROM metrics.maturity_scores "
            "WHERE assessed_date = ?",
            [day],
        ).fetchall()
    for dimension, level, name in rows:
        log_for(context).info(f"maturity {day}: {dimension} level {level} ({name})")
    return dg.MaterializeResult(metadata=safe_metadata({**meta, "assessed_date": day.isoformat()}))
