"""Azure (`sources.azure`): Azure OpenAI / AI Services accounts and their deployments.

Offline (`bundle: DIR`): the bundle is read as it is. Live (`live: {...}`, `AzureLiveConfig`):
each subscription is collected by its partition of `azure_subscription_collection` (the accounts
sensor keeps the partitions current; `aisec run` collects every subscription first) into
`collected` (default `collected/azure` beside aisec.yaml), in the same bundle layout, and the
extract parses that directory with the same parser. A subscription whose collection failed
keeps its last good files, and the bundle reader reports it unreadable (rows kept, stale).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from aisec_assets.discovery import azure
from aisec_assets.discovery.azure.collect import SubscriptionCollection, collect_azure
from aisec_assets.discovery.azure.live import AzureLiveReader
from aisec_assets.discovery.sources._common import BundleOrLive, missing_directory
from aisec_assets.discovery.sources.spec import CollectedPart, LiveCollection, SourceSpec
from aisec_resources.config.azure_live import AzureLiveConfig
from aisec_resources.records import SourceResult


class AzureSource(BundleOrLive):
    """Exactly one of `bundle` (an offline bundle) and `live` (the live management API)."""

    live: AzureLiveConfig | None = None
    collected: Path = Path("collected/azure")


def fetch(section: AzureSource) -> SourceResult:
    path = section.bundle_to_read("azure", "subscription")
    return azure.extract_azure_openai(azure.AzureBundleReader(path))


def preflight(section: AzureSource) -> list[str]:
    if section.bundle is not None:
        return missing_directory("sources.azure.bundle", section.bundle)
    live = section.live
    assert live is not None
    names = [live.tenant_id_env, live.client_id_env, live.client_secret_env]
    return [
        f"sources.azure.live: environment variable {name} is not set (service principal)"
        for name in names
        if name is not None and not os.environ.get(name)
    ]


def list_keys(section: AzureSource) -> list[str]:
    assert section.live is not None  # is_live
    reader = AzureLiveReader(section.live)
    try:
        return reader.subscriptions()
    finally:
        reader.close()


def collected_part(sub: SubscriptionCollection) -> CollectedPart:
    return CollectedPart(
        key=sub.subscription_id,
        status=sub.status,
        seconds=sub.seconds,
        counts=sub.counts(),
        not_collected=tuple(f"{n.target}: {n.reason}" for n in sub.not_collected),
        error=sub.error,
    )


def collect(
    section: AzureSource,
    out: Path | None,
    keys: list[str] | None,
    now: datetime,
    progress: Callable[[str], None],
) -> list[CollectedPart]:
    assert section.live is not None  # is_live
    collection = collect_azure(
        section.live, out or section.collected, subscriptions=keys, progress=progress, now=now
    )
    return [collected_part(sub) for sub in collection.subscriptions]


COLLECTION: LiveCollection[AzureSource] = LiveCollection(
    name="azure",
    partition_kind="subscription",
    description="One Azure subscription's Cognitive Services accounts, deployments and "
    "content-filter policies, collected live (never the account keys) into "
    "sources.azure.collected.",
    is_live=lambda section: section.live is not None,
    list_keys=list_keys,
    collect=collect,
    asset_name="azure_subscription_collection",
    partitions_name="azure_subscriptions",
    kinds=frozenset({"azure"}),
)

SPEC = SourceSpec(
    config_key="azure",
    model=AzureSource,
    asset_name="azure_openai_extract",
    source="azure_openai",
    description="Azure OpenAI / AI Services accounts (network settings, local auth, "
    "encryption) and their deployments (model, version, SKU, content filters).",
    kinds=frozenset({"azure", "duckdb"}),
    fetch=fetch,
    preflight=preflight,
    collection=COLLECTION,
)
