"""Compliance assets: the daily compliance gap report."""

import dagster as dg

from aisec_assets.metadata import column_schema, table_metadata
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource, run_sql

OWNERS = ["team:ai-security"]

GAPS_PREVIEW = """
SELECT a.name, g.gap_type, g.severity, g.detail
FROM compliance.compliance_gaps g JOIN inventory.ai_assets a USING (asset_id)
WHERE g.assessed_date = ?
ORDER BY CASE g.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, a.name
LIMIT 15
"""


@dg.asset(
    group_name="compliance",
    metadata={"dagster/column_schema": column_schema("compliance.compliance_gaps")},
    deps=["ai_assets"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Compliance gaps per asset per day: no_security_review, stale_review, "
    "missing_sbom, unclassified_data, no_owner, public_exposure_high_sensitivity (the design "
    "brief's six), unsafe_model_file and invalid_declaration (a source gave invalid values; "
    "an invalid field never hides a gap: it counts as its worst case).",
)
def compliance_gaps(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        run_sql(
            conn,
            "compliance/compliance_gaps",
            {
                "assessed_date": day,
                "stale_review_days": settings.config().risk.stale_review_days,
                "run_id": context.run_id,
            },
        )
        by_type = dict(
            conn.execute(
                "SELECT gap_type, count(*) FROM compliance.compliance_gaps "
                "WHERE assessed_date = ? GROUP BY ALL ORDER BY ALL",
                [day],
            ).fetchall()
        )
        meta = table_metadata(conn, "compliance.compliance_gaps", GAPS_PREVIEW, [day])
    log_for(context).info(f"compliance: gaps for {day}: {by_type}")
    return dg.MaterializeResult(
        metadata=safe_metadata({**meta, "assessed_date": day.isoformat(), "by_gap_type": by_type})
    )
