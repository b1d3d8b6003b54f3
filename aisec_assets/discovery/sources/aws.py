"""AWS (`sources.aws`): Bedrock and SageMaker, two assets reading the same bundle.

Offline (`bundle: DIR`): the bundle is read as it is. Live (`live: {...}`, `AwsLiveConfig`):
each account is collected by its partition of `aws_account_collection` (the accounts sensor
keeps the partitions current; `aisec run` collects every account first) into `collected`
(default `collected/aws` beside aisec.yaml), in the same bundle layout, and both extract assets
parse that directory with the same parsers. An account whose collection failed keeps its last
good directory, and the bundle reader reports it as an unreadable part (its rows kept, stale).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from aisec_assets.discovery import aws
from aisec_assets.discovery.aws.collect import AccountStats, collect_aws
from aisec_assets.discovery.sources._common import BundleOrLive, missing_directory
from aisec_assets.discovery.sources.spec import CollectedPart, LiveCollection, SourceSpec
from aisec_resources.aws_sessions import list_accounts
from aisec_resources.config.aws_live import AwsLiveConfig
from aisec_resources.records import SourceResult


class AwsSource(BundleOrLive):
    """Exactly one of `bundle` (an offline bundle) and `live` (the live APIs)."""

    live: AwsLiveConfig | None = None
    collected: Path = Path("collected/aws")


def _reader(section: AwsSource) -> aws.AwsBundleReader:
    return aws.AwsBundleReader(section.bundle_to_read("aws", "account"))


def fetch_bedrock(section: AwsSource) -> SourceResult:
    return aws.extract_bedrock(_reader(section))


def fetch_sagemaker(section: AwsSource) -> SourceResult:
    return aws.extract_sagemaker(_reader(section))


def preflight(section: AwsSource) -> list[str]:
    if section.bundle is not None:
        return missing_directory("sources.aws.bundle", section.bundle)
    live = section.live
    if live is not None and live.external_id_env and not os.environ.get(live.external_id_env):
        return [
            f"sources.aws.live.external_id_env: environment variable {live.external_id_env} is "
            "not set (it must hold the external id of the member-account role)"
        ]
    return []


def list_keys(section: AwsSource) -> list[str]:
    assert section.live is not None  # is_live
    return list_accounts(section.live)


def collected_part(stats: AccountStats) -> CollectedPart:
    return CollectedPart(
        key=stats.account,
        status=stats.status,
        seconds=stats.seconds,
        counts={**stats.counts(), "regions": len(stats.regions)},
        not_collected=tuple(
            f"{m['region']} {m['service']}:{m['operation']}"
            + (f"({m['key']})" if m["key"] is not None else "")
            + f": {m['reason']}"
            for m in stats.not_collected
        ),
        error=stats.error,
    )


def collect(
    section: AwsSource,
    out: Path | None,
    keys: list[str] | None,
    now: datetime,
    progress: Callable[[str], None],
) -> list[CollectedPart]:
    assert section.live is not None  # is_live
    collection = collect_aws(
        section.live,
        out or section.collected,
        accounts=keys,
        progress=progress,
        now=lambda: now,
    )
    return [collected_part(stats) for stats in collection.accounts.values()]


COLLECTION: LiveCollection[AwsSource] = LiveCollection(
    name="aws",
    partition_kind="account",
    description="One AWS account's Bedrock and SageMaker API responses, every region, collected "
    "live (assume-role, concurrent, paginated, adaptive retries) into sources.aws.collected.",
    is_live=lambda section: section.live is not None,
    list_keys=list_keys,
    collect=collect,
    asset_name="aws_account_collection",
    partitions_name="aws_accounts",
    kinds=frozenset({"aws", "bedrock", "sagemaker"}),
)

BEDROCK = SourceSpec(
    config_key="aws",
    model=AwsSource,
    asset_name="aws_bedrock_extract",
    source="aws_bedrock",
    description="AWS Bedrock: custom models and customization jobs, provisioned throughput, "
    "imported models, guardrails, agents (action groups, aliases, knowledge bases), knowledge "
    "bases (data sources, embedding model, vector store) and model-invocation logging.",
    kinds=frozenset({"aws", "bedrock", "duckdb"}),
    fetch=fetch_bedrock,
    preflight=preflight,
    collection=COLLECTION,
)
SAGEMAKER = SourceSpec(
    config_key="aws",
    model=AwsSource,
    asset_name="aws_sagemaker_extract",
    source="aws_sagemaker",
    description="AWS SageMaker endpoints, endpoint configs and models.",
    kinds=frozenset({"aws", "sagemaker", "duckdb"}),
    fetch=fetch_sagemaker,
    preflight=preflight,
    collection=COLLECTION,
)
