"""Data contracts on the risk model and scores."""

import math

import dagster as dg

from aisec_resources.redaction.dagster_io import safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import WarehouseResource


@dg.asset_check(
    asset="risk_scores",
    blocking=True,
    description="The configured dimension weights sum to 1.0 (±1e-6).",
)
def risk_weights_sum_to_one(settings: AisecSettings) -> dg.AssetCheckResult:
    weights = settings.config().risk.weights
    total = math.fsum(weights.values())
    return dg.AssetCheckResult(
        passed=abs(total - 1.0) <= 1e-6,
        metadata=safe_metadata({"sum": total, "weights": dg.MetadataValue.json(weights)}),
    )


@dg.asset_check(
    asset="risk_scores",
    blocking=True,
    description="Every score of the assessed day lies within 0–100, effectiveness within 0–1, "
    "and every active asset was scored exactly once.",
)
def risk_scores_within_bounds(
    settings: AisecSettings, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    day = settings.assessed_date()
    with warehouse.connect(publish=False) as conn:
        out_of_range, scored, distinct_assets, active = conn.execute(
            """
            SELECT
                count(*) FILTER (WHERE NOT (
                    least(data_sensitivity_score, deployment_exposure_score,
                          model_provenance_score, regulatory_impact_score,
                          capability_risk_score, supply_chain_score,
                          inherent_risk_score, residual_risk_score) >= 0
                    AND greatest(data_sensitivity_score, deployment_exposure_score,
                                 model_provenance_score, regulatory_impact_score,
                                 capability_risk_score, supply_chain_score,
                                 inherent_risk_score, residual_risk_score) <= 100
                    AND control_effectiveness BETWEEN 0 AND 1)),
                count(*),
                count(DISTINCT asset_id),
                (SELECT count(*) FROM inventory.ai_assets WHERE status = 'active')
            FROM risk.risk_scores WHERE assessed_date = ?
            """,
            [day],
        ).fetchone()
    return dg.AssetCheckResult(
        passed=out_of_range == 0 and scored == distinct_assets == active,
        metadata=safe_metadata(
            {
                "out_of_range": out_of_range,
                "scored": scored,
                "distinct_assets": distinct_assets,
                "active_assets": active,
            }
        ),
    )


RISK_CHECKS = [risk_weights_sum_to_one, risk_scores_within_bounds]
