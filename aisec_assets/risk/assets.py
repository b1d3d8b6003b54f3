"""Risk assets: the daily risk assessment of every active asset (SPEC §3.2), in SQL."""

import dagster as dg

from aisec_assets.metadata import column_schema, table_metadata
from aisec_assets.risk.scoring import score_assets, write_risk_model_tables
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

OWNERS = ["team:ai-security"]

RISK_PREVIEW = """
SELECT a.name, a.asset_type, r.inherent_risk_score AS inherent, r.control_effectiveness AS eff,
       r.residual_risk_score AS residual, r.risk_level, r.top_driver
FROM risk.risk_scores r JOIN inventory.ai_assets a USING (asset_id)
WHERE r.assessed_date = ?
ORDER BY r.residual_risk_score DESC, a.name
LIMIT 15
"""


@dg.asset(
    group_name="risk",
    metadata={"dagster/column_schema": column_schema("risk.risk_scores")},
    deps=["ai_assets", "control_evidence"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Risk per asset per day: six dimension scores weighted into an inherent score, "
    "control effectiveness from the distinct control types of implemented catalog controls "
    "(controls.control_evidence), residual = inherent x "
    "(1 - effectiveness), level, top factors and recommendations. Weights and tables come "
    "from aisec.yaml (risk:), default = the design brief. Rescoring a day replaces that day.",
)
def risk_scores(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        write_risk_model_tables(conn, settings.config().risk)
        scored = score_assets(conn, day, context.run_id, scored_at=settings.now())
        levels = dict(
            conn.execute(
                "SELECT risk_level, count(*) FROM risk.risk_scores WHERE assessed_date = ? "
                "GROUP BY ALL",
                [day],
            ).fetchall()
        )
        meta = table_metadata(conn, "risk.risk_scores", RISK_PREVIEW, [day])
    log_for(context).info(f"risk: scored {scored} assets for {day}: {levels}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "assessed_date": day.isoformat(),
                "scored_today": scored,
                "by_level": dg.MetadataValue.json(levels),
            }
        )
    )
