"""Live collection assets: one partition per cloud account / subscription.

A source with a partitioned `LiveCollection` (AWS accounts, Azure subscriptions) gets an asset
partitioned by its keys (dynamic partitions, added by the accounts sensor or `aisec run`). One
partition's run reads that account's live APIs into the source's collection directory, in the
offline-bundle layout; the source's extract assets (which depend on it) parse the directory with
the same parser as any bundle. So one account can be rerun alone, its failure shows on its
partition in the Dagster UI, and a failed account keeps its last good data (on disk, and stale in
the warehouse: the bundle reader reports it as an unreadable part). They form their own group,
`collection`: they write files, not warehouse tables, and run per partition outside the spine.
"""

from typing import Any

import dagster as dg
import pandas as pd

from aisec_assets.discovery.sources import DISCOVERY_SOURCES, SourceSpec
from aisec_assets.discovery.sources.spec import CollectedPart, LiveCollection
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings

OWNERS = ["team:ai-security"]
NOT_COLLECTED_PREVIEW = 50


def partitioned_collections() -> list[tuple[SourceSpec, LiveCollection[Any]]]:
    """(first spec of the section, its collection) per partitioned live collection."""
    found: dict[str, tuple[SourceSpec, LiveCollection[Any]]] = {}
    for spec in DISCOVERY_SOURCES:
        collection = spec.collection
        if collection is not None and collection.partitioned:
            found.setdefault(collection.asset_name, (spec, collection))
    return list(found.values())


def partitions_of(collection: LiveCollection[Any]) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=collection.partitions_name)


def part_metadata(part: CollectedPart) -> dict[str, Any]:
    """What one partition's collection did, for the Dagster UI (counts, duration, gaps)."""
    metadata: dict[str, Any] = {
        "status": part.status,
        "seconds": round(part.seconds, 3),
        "not_collected_count": len(part.not_collected),
        **{f"count/{name}": value for name, value in sorted(part.counts.items())},
    }
    if part.not_collected:
        rows = [{"not collected": line} for line in part.not_collected[:NOT_COLLECTED_PREVIEW]]
        metadata["not_collected"] = dg.MetadataValue.md(pd.DataFrame(rows).to_markdown(index=False))
    if part.error:
        metadata["error"] = dg.MetadataValue.text(part.error)
    return metadata


def build_collection_asset(
    spec: SourceSpec, collection: LiveCollection[Any]
) -> dg.AssetsDefinition:
    @dg.asset(
        name=collection.asset_name,
        group_name="collection",
        description=collection.description,
        kinds=set(collection.kinds),
        owners=OWNERS,
        partitions_def=partitions_of(collection),
        metadata={"config_key": f"{spec.config_path}.live"},
    )
    def _collect(
        context: dg.AssetExecutionContext, settings: AisecSettings
    ) -> dg.MaterializeResult:
        section = spec.section(settings.config())
        if section is None or not collection.is_live(section):
            raise dg.Failure(
                f"{spec.config_path}.live is not configured in {settings.config_path}: "
                f"nothing to collect for {collection.partition_kind} {context.partition_key}"
            )
        log = log_for(context)
        key = context.partition_key
        log.info(f"{collection.name}: collecting {collection.partition_kind} {key}")
        (part,) = collection.collect(section, None, [key], settings.now(), log.info)
        metadata = part_metadata(part)
        if part.status == "failed":
            raise dg.Failure(
                description=f"{collection.partition_kind} {key}: nothing collected; its last good "
                f"data is kept (stale): {part.error}",
                metadata=safe_metadata(metadata),
            )
        for line in part.not_collected[:20]:
            log.warning(f"{collection.partition_kind} {key}: not collected: {line}")
        log.info(
            f"{collection.partition_kind} {key}: {part.status} in {part.seconds:.1f}s "
            f"({', '.join(f'{k} {v}' for k, v in sorted(part.counts.items()))})"
        )
        return dg.MaterializeResult(metadata=safe_metadata(metadata))

    return _collect


COLLECTION_ASSETS = [build_collection_asset(s, c) for s, c in partitioned_collections()]
