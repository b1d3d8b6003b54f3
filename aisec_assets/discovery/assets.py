"""Discovery assets: one per source, so one failing source never blocks the others.

Each asset fetches with its parser (outside the warehouse lock), then replaces its own rows in
`discovery.discovered_assets`. When the source as a whole fails, the asset still succeeds: the
source's last good rows stay, flagged stale, and the `<source>_is_fresh` check warns.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import dagster as dg

from aisec_assets.discovery import aws, azure, huggingface, registry
from aisec_assets.discovery.extract import (
    mark_source_failed,
    records_preview,
    rejections_preview,
    type_counts,
    write_source_result,
)
from aisec_assets.metadata import column_schema
from aisec_resources.config import AisecConfig
from aisec_resources.records import SourceResult, SourceUnavailable, collect
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
    context.log.info(f"{source}: reading")
    result, error = collect(fetch)
    with warehouse.connect() as conn:
        if result is None:
            outcome = mark_source_failed(
                conn, source, error or "unknown error", context.run_id, now=now
            )
        else:
            outcome = write_source_result(conn, source, result, context.run_id, now=now)
    if result is None:
        context.log.error(
            f"{source}: source failed; keeping its last good data ({outcome.record_count} "
            f"records, now stale): {error}"
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": outcome.record_count,
                "stale": True,
                "error": dg.MetadataValue.text(error or ""),
            }
        )
    context.log.info(
        f"{source}: {outcome.record_count} records from {result.scanned} items scanned, "
        f"{outcome.rejected_count} rejected"
    )
    for rej in result.rejections[:20]:
        context.log.warning(f"{source}: rejected {rej.location} [{rej.field or '-'}]: {rej.reason}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": outcome.record_count,
            "stale": False,
            "rejected": outcome.rejected_count,
            "scanned": result.scanned,
            "by_asset_type": dg.MetadataValue.json(type_counts(result.records)),
            "preview": dg.MetadataValue.md(records_preview(result.records)),
            "rejections": dg.MetadataValue.md(rejections_preview(result.rejections)),
        }
    )


def _not_configured(key: str) -> SourceResult:
    raise SourceUnavailable(f"{key} is not configured in aisec.yaml (sources.{key})")


Fetch = Callable[[], SourceResult]


def _registry(cfg: AisecConfig) -> Fetch | None:
    src = cfg.sources.declared_registry
    return (lambda: registry.parse_registry(src.path)) if src else None


def _huggingface(cfg: AisecConfig) -> Fetch | None:
    src = cfg.sources.huggingface
    if src is None:
        return None
    return lambda: huggingface.extract_huggingface(
        src.model_dirs, src.cache_dirs, src.max_file_bytes, src.max_depth
    )


def _aws_bedrock(cfg: AisecConfig) -> Fetch | None:
    src = cfg.sources.aws
    return (lambda: aws.extract_bedrock(aws.AwsBundleReader(src.bundle))) if src else None


def _aws_sagemaker(cfg: AisecConfig) -> Fetch | None:
    src = cfg.sources.aws
    return (lambda: aws.extract_sagemaker(aws.AwsBundleReader(src.bundle))) if src else None


def _azure_openai(cfg: AisecConfig) -> Fetch | None:
    src = cfg.sources.azure
    if src is None:
        return None
    return lambda: azure.extract_azure_openai(azure.AzureBundleReader(src.bundle))


@dataclass(frozen=True)
class SourceSpec:
    """One discovery source: its asset, its name in the warehouse, and how to read it."""

    asset_name: str
    source: str
    config_key: str  # under `sources:` in aisec.yaml
    description: str
    kinds: frozenset[str]
    fetcher: Callable[[AisecConfig], Fetch | None]


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec(
        "declared_registry",
        "declared_registry",
        "declared_registry",
        "Assets, owners, classification, scope, controls and reviews that teams declare in the "
        "registry file (YAML or CSV, sources.declared_registry.path).",
        frozenset({"yaml", "duckdb"}),
        _registry,
    ),
    SourceSpec(
        "huggingface_extract",
        "huggingface",
        "huggingface",
        "Hugging Face models on disk: model directories (config.json, safetensors headers, "
        "pickle files analysed statically, never loaded) and the local HF cache read with "
        "huggingface_hub's own cache scanner.",
        frozenset({"huggingface", "python", "duckdb"}),
        _huggingface,
    ),
    SourceSpec(
        "aws_bedrock_extract",
        "aws_bedrock",
        "aws",
        "AWS Bedrock: custom models and customization jobs, provisioned throughput, imported "
        "models, guardrails, agents (action groups, aliases, knowledge bases), knowledge bases "
        "(data sources, embedding model, vector store) and model-invocation logging.",
        frozenset({"aws", "bedrock", "duckdb"}),
        _aws_bedrock,
    ),
    SourceSpec(
        "aws_sagemaker_extract",
        "aws_sagemaker",
        "aws",
        "AWS SageMaker endpoints, endpoint configs and models.",
        frozenset({"aws", "sagemaker", "duckdb"}),
        _aws_sagemaker,
    ),
    SourceSpec(
        "azure_openai_extract",
        "azure_openai",
        "azure",
        "Azure OpenAI / AI Services accounts (network settings, local auth, encryption) and "
        "their deployments (model, version, SKU, content filters).",
        frozenset({"azure", "duckdb"}),
        _azure_openai,
    ),
)


def build_extract_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.asset_name,
        group_name="discovery",
        description=spec.description,
        kinds=set(spec.kinds),
        owners=OWNERS,
        pool=POOL,
        metadata={
            "dagster/column_schema": column_schema("discovery.discovered_assets"),
            "source": spec.source,
        },
    )
    def _extract_asset(
        context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        fetch = spec.fetcher(settings.config()) or (lambda: _not_configured(spec.config_key))
        return _extract(context, warehouse, spec.source, fetch, settings.now())

    return _extract_asset


DISCOVERY_ASSETS = [build_extract_asset(spec) for spec in SOURCES]
SOURCE_BY_ASSET = {spec.asset_name: spec.source for spec in SOURCES}
