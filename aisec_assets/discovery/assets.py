"""Discovery assets: one per source, so one failing source never blocks the others.

The assets are built from the source registry (`sources/__init__.py`, DISCOVERY_SOURCES).
Each asset fetches with its parser (outside the warehouse lock), then replaces its own rows in
`discovery.discovered_assets`. When the source as a whole fails, the asset still succeeds: the
source's last good rows stay, flagged stale, and the `<source>_is_fresh` check warns.
"""

from collections.abc import Callable
from datetime import datetime

import dagster as dg

from aisec_assets.discovery.extract import (
    mark_source_failed,
    records_preview,
    rejections_preview,
    type_counts,
    write_source_result,
)
from aisec_assets.discovery.sources import DISCOVERY_SOURCES, SourceSpec
from aisec_assets.metadata import column_schema
from aisec_resources.config import AisecConfig
from aisec_resources.records import SourceResult, SourceUnavailable, collect
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

OWNERS = ["team:ai-security"]


def _extract(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    source: str,
    fetch: Callable[[], SourceResult],
    now: datetime,
) -> dg.MaterializeResult:
    log_for(context).info(f"{source}: reading")
    result, error = collect(fetch)
    with warehouse.connect() as conn:
        if result is None:
            outcome = mark_source_failed(
                conn, source, error or "unknown error", context.run_id, now=now
            )
        else:
            outcome = write_source_result(conn, source, result, context.run_id, now=now)
    if result is None:
        log_for(context).error(
            f"{source}: source failed; keeping its last good data ({outcome.record_count} "
            f"records, now stale): {error}"
        )
        return dg.MaterializeResult(
            metadata=safe_metadata(
                {
                    "dagster/row_count": outcome.record_count,
                    "status": outcome.status,
                    "stale": True,
                    "error": dg.MetadataValue.text(error or ""),
                }
            )
        )
    log_for(context).info(
        f"{source}: {outcome.record_count} records from {result.scanned} items scanned, "
        f"{outcome.rejected_count} rejected"
    )
    for rej in result.rejections[:20]:
        log_for(context).warning(
            f"{source}: rejected {rej.location} [{rej.field or '-'}]: {rej.reason}"
        )
    if outcome.status == "partial":
        log_for(context).warning(
            f"{source}: partial; keeping the last good data of what could not be read "
            f"({outcome.kept_count} records, now stale): {outcome.error}"
        )
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                "dagster/row_count": outcome.record_count,
                "status": outcome.status,
                "stale": outcome.stale,
                "rejected": outcome.rejected_count,
                "scanned": result.scanned,
                "by_asset_type": dg.MetadataValue.json(type_counts(result.records)),
                "preview": dg.MetadataValue.md(records_preview(result.records)),
                "rejections": dg.MetadataValue.md(rejections_preview(result.rejections)),
            }
        )
    )


def _not_configured(spec: SourceSpec) -> SourceResult:
    raise SourceUnavailable(
        f"{spec.config_key} is not configured in aisec.yaml ({spec.config_path})"
    )


def _fetcher(spec: SourceSpec, config: AisecConfig) -> Callable[[], SourceResult]:
    """The source's fetch bound to its section (validated when the config loaded)."""
    section = spec.section(config)
    if section is None:
        return lambda: _not_configured(spec)
    return lambda: spec.fetch(section)


def build_extract_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    # A partitioned live collection writes the bundle this asset parses (collection_assets.py).
    collection = spec.collection
    deps = [collection.asset_name] if collection is not None and collection.partitioned else []

    @dg.asset(
        name=spec.asset_name,
        group_name="discovery",
        description=spec.description,
        kinds=set(spec.kinds),
        owners=OWNERS,
        pool=POOL,
        deps=deps,
        metadata={
            "dagster/column_schema": column_schema("discovery.discovered_assets"),
            "source": spec.source,
            "config_key": spec.config_path,
        },
    )
    def _extract_asset(
        context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        fetch = _fetcher(spec, settings.config())
        return _extract(context, warehouse, spec.source, fetch, settings.now())

    return _extract_asset


DISCOVERY_ASSETS = [build_extract_asset(spec) for spec in DISCOVERY_SOURCES]
DISCOVERY_ASSET_KEYS = [a.key for a in DISCOVERY_ASSETS]
SOURCE_BY_ASSET = {spec.asset_name: spec.source for spec in DISCOVERY_SOURCES}
