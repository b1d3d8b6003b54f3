"""Data contracts on the inventory (and a warehouse-wide secret scan before anything scores)."""

import dagster as dg

from aisec_resources.redaction.dagster_io import safe_metadata
from aisec_resources.secret_audit import audit_duckdb
from aisec_resources.warehouse import WarehouseResource


@dg.asset_check(
    asset="ai_assets",
    blocking=True,
    description="asset_id is present and unique; natural keys map to one id.",
)
def ai_assets_unique_ids(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(publish=False) as conn:
        rows, ids, keys, null_ids = conn.execute(
            "SELECT count(*), count(DISTINCT asset_id), count(DISTINCT natural_key), "
            "count(*) FILTER (WHERE asset_id IS NULL) FROM inventory.ai_assets"
        ).fetchone()
    return dg.AssetCheckResult(
        passed=rows == ids == keys and null_ids == 0,
        metadata=safe_metadata(
            {"rows": rows, "distinct_ids": ids, "distinct_keys": keys, "null_ids": null_ids}
        ),
    )


@dg.asset_check(
    asset="ai_assets",
    description="Every active production asset has an owning team (warns).",
)
def production_assets_have_owner(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(publish=False) as conn:
        unowned = conn.execute(
            "SELECT name, asset_type FROM inventory.ai_assets "
            "WHERE status = 'active' AND deployment_env = 'production' "
            "AND nullif(trim(owner_team), '') IS NULL ORDER BY name"
        ).df()
    return dg.AssetCheckResult(
        passed=unowned.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=safe_metadata(
            {
                "unowned_production_assets": len(unowned),
                "assets": dg.MetadataValue.md(
                    unowned.to_markdown(index=False) if len(unowned) else "_none_"
                ),
            }
        ),
    )


@dg.asset_check(
    asset="ai_assets",
    blocking=True,
    description="No table in the warehouse holds a clear-text credential, by detectors "
    "independent of the redaction gate (aisec_resources/secret_audit.py). Blocks scoring if one "
    "does.",
)
def no_clear_text_secrets(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(publish=False) as conn:
        findings = audit_duckdb(conn)
    return dg.AssetCheckResult(
        passed=not findings,
        metadata=safe_metadata(
            {
                "findings": len(findings),
                # Where and what kind, with a fingerprint of the value: never the value.
                "where": dg.MetadataValue.json(
                    [
                        {"column": f.location, "detector": f.detector, "fingerprint": f.fingerprint}
                        for f in findings[:200]
                    ]
                ),
            }
        ),
    )


INVENTORY_CHECKS = [ai_assets_unique_ids, production_assets_have_owner, no_clear_text_secrets]
