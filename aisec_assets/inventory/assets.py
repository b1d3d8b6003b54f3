"""Inventory assets: the merged AI asset inventory, its history and dependency edges.

The inventory reads every discovery source's rows from the warehouse; which discovery assets
it follows is the composition root's to say (`build_inventory_assets(discovery_keys)`), so the
inventory pillar never imports discovery.
"""

from collections.abc import Sequence

import dagster as dg

from aisec_assets.metadata import column_schema, table_metadata
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource, run_sql

OWNERS = ["team:ai-security"]

AI_ASSETS_PREVIEW = """
SELECT name, asset_type, owner_team, deployment_env, data_classification, network_exposure,
       array_to_string(sources, ',') AS sources, status
FROM inventory.ai_assets
ORDER BY deployment_env = 'production' DESC, asset_type, name
LIMIT 15
"""
EDGES_PREVIEW = """
SELECT f.name AS asset, d.relation, coalesce(t.name, d.to_resource_id) AS depends_on
FROM inventory.asset_dependencies d
JOIN inventory.ai_assets f ON f.asset_id = d.from_asset_id
LEFT JOIN inventory.ai_assets t ON t.asset_id = d.to_asset_id
ORDER BY f.name, d.relation
LIMIT 15
"""


def build_inventory_assets(discovery_keys: Sequence[dg.AssetKey | str]) -> dg.AssetsDefinition:
    """ai_assets and asset_dependencies, downstream of the given discovery assets."""
    deps = list(discovery_keys)

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                "ai_assets",
                group_name="inventory",
                description="The AI asset inventory: one row per asset, merged across sources "
                "with deterministic ids, first/last seen and status (vanished assets are marked "
                "missing, never deleted). Every run appends a snapshot to "
                "inventory.ai_assets_history. invalid_fields names the fields a source reported "
                "with an invalid value (scored at their worst case).",
                kinds={"duckdb", "sql"},
                owners=OWNERS,
                deps=deps,
                metadata={"dagster/column_schema": column_schema("inventory.ai_assets")},
            ),
            dg.AssetSpec(
                "asset_dependencies",
                group_name="inventory",
                description="Dependency edges agent -> model -> knowledge base -> dataset; "
                "inventory.blast_radius(asset_id) walks them (see sql/schema/analyst_views.sql).",
                kinds={"duckdb", "sql"},
                owners=OWNERS,
                deps=deps,
                metadata={"dagster/column_schema": column_schema("inventory.asset_dependencies")},
            ),
        ],
        pool=POOL,
    )
    def inventory_assets(
        context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
    ):
        now = settings.now()
        with warehouse.connect() as conn:
            run_sql(conn, "inventory/ai_assets", {"run_id": context.run_id, "now": now})
            assets_meta = table_metadata(conn, "inventory.ai_assets", AI_ASSETS_PREVIEW)
            edges_meta = table_metadata(conn, "inventory.asset_dependencies", EDGES_PREVIEW)
            missing, stale, snapshots = conn.execute(
                """
                SELECT count(*) FILTER (WHERE status = 'missing'),
                       count(*) FILTER (WHERE source_stale),
                       (SELECT count(DISTINCT run_id) FROM inventory.ai_assets_history)
                FROM inventory.ai_assets
                """
            ).fetchone()
        log_for(context).info(
            f"inventory: {assets_meta['dagster/row_count']} assets ({missing} missing, "
            f"{stale} from stale sources), {edges_meta['dagster/row_count']} dependency edges"
        )
        yield dg.MaterializeResult(
            asset_key="ai_assets",
            metadata=safe_metadata(
                {
                    **assets_meta,
                    "missing": missing,
                    "from_stale_sources": stale,
                    "history_snapshots": snapshots,
                }
            ),
        )
        yield dg.MaterializeResult(
            asset_key="asset_dependencies", metadata=safe_metadata(edges_meta)
        )

    return inventory_assets
