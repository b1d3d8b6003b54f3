"""Discovery assets: one per source, so one failing source never blocks the others.

Each asset fetches with its parser (outside the warehouse lock), then replaces its own rows in
`discovery.discovered_assets`. When the source as a whole fails, the asset still succeeds: the
source's last good rows stay, flagged stale, and the `<source>_is_fresh` check warns.
"""

from collections.abc import Callable

import dagster as dg

from aisec_assets.discovery import aws, azure, huggingface, registry
from aisec_assets.discovery.extract import (
    collect,
    mark_source_failed,
    records_preview,
    rejections_preview,
    type_counts,
    write_source_result,
)
from aisec_assets.discovery.records import SourceResult, SourceUnavailable
from aisec_resources.config import AisecConfig
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

OWNERS = ["team:ai-security"]

DISCOVERY_COLUMNS = dg.TableSchema(
    columns=[
        dg.TableColumn("source", "VARCHAR", description="Discovery source"),
        dg.TableColumn("asset_id", "VARCHAR", description="Deterministic id from natural_key"),
        dg.TableColumn("natural_key", "VARCHAR", description="Globally unique resource id"),
        dg.TableColumn("name", "VARCHAR"),
        dg.TableColumn("asset_type", "VARCHAR"),
        dg.TableColumn("owner_team", "VARCHAR"),
        dg.TableColumn("data_classification", "VARCHAR"),
        dg.TableColumn("deployment_env", "VARCHAR"),
        dg.TableColumn("posture", "JSON", description="Technical posture facts"),
        dg.TableColumn("controls", "JSON", description="Controls evidenced by this source"),
        dg.TableColumn("dependencies", "JSON", description="Edges to resources it depends on"),
        dg.TableColumn("extracted_at", "TIMESTAMP"),
    ]
)


def _extract(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    source: str,
    fetch: Callable[[], SourceResult],
) -> dg.MaterializeResult:
    context.log.info(f"{source}: reading")
    result, error = collect(fetch)
    with warehouse.connect() as conn:
        if result is None:
            outcome = mark_source_failed(conn, source, error or "unknown error", context.run_id)
        else:
            outcome = write_source_result(conn, source, result, context.run_id)
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


def _not_configured(source: str) -> SourceResult:
    raise SourceUnavailable(f"{source} is not configured in aisec.yaml (sources.{source})")


def _asset(name: str, source: str, description: str, kinds: set[str]) -> Callable:
    return dg.asset(
        name=name,
        group_name="discovery",
        description=description,
        kinds=kinds,
        owners=OWNERS,
        pool=POOL,
        metadata={"dagster/column_schema": DISCOVERY_COLUMNS, "source": source},
    )


@_asset(
    "declared_registry",
    "declared_registry",
    "Assets, owners, classification, scope, controls and reviews that teams declare in the "
    "registry file (YAML or CSV, sources.declared_registry.path).",
    {"yaml", "duckdb"},
)
def declared_registry(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    cfg: AisecConfig = settings.config()
    src = cfg.sources.declared_registry
    return _extract(
        context,
        warehouse,
        "declared_registry",
        (lambda: registry.parse_registry(src.path))
        if src
        else (lambda: _not_configured("declared_registry")),
    )


@_asset(
    "huggingface_extract",
    "huggingface",
    "Hugging Face models on disk: model directories (config.json, safetensors headers, pickle "
    "files analysed statically, never loaded) and the local HF cache read with "
    "huggingface_hub's own cache scanner.",
    {"huggingface", "python", "duckdb"},
)
def huggingface_extract(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    src = settings.config().sources.huggingface
    return _extract(
        context,
        warehouse,
        "huggingface",
        (
            lambda: huggingface.extract_huggingface(
                src.model_dirs, src.cache_dirs, src.max_file_bytes, src.max_depth
            )
        )
        if src
        else (lambda: _not_configured("huggingface")),
    )


@_asset(
    "aws_bedrock_extract",
    "aws_bedrock",
    "AWS Bedrock: custom models and customization jobs, provisioned throughput, imported "
    "models, guardrails, agents (action groups, aliases, knowledge bases), knowledge bases "
    "(data sources, embedding model, vector store) and model-invocation logging.",
    {"aws", "bedrock", "duckdb"},
)
def aws_bedrock_extract(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    src = settings.config().sources.aws
    return _extract(
        context,
        warehouse,
        "aws_bedrock",
        (lambda: aws.extract_bedrock(aws.AwsBundleReader(src.bundle)))
        if src
        else (lambda: _not_configured("aws")),
    )


@_asset(
    "aws_sagemaker_extract",
    "aws_sagemaker",
    "AWS SageMaker endpoints, endpoint configs and models.",
    {"aws", "sagemaker", "duckdb"},
)
def aws_sagemaker_extract(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    src = settings.config().sources.aws
    return _extract(
        context,
        warehouse,
        "aws_sagemaker",
        (lambda: aws.extract_sagemaker(aws.AwsBundleReader(src.bundle)))
        if src
        else (lambda: _not_configured("aws")),
    )


@_asset(
    "azure_openai_extract",
    "azure_openai",
    "Azure OpenAI / AI Services accounts (network settings, local auth, encryption) and their "
    "deployments (model, version, SKU, content filters).",
    {"azure", "duckdb"},
)
def azure_openai_extract(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    src = settings.config().sources.azure
    return _extract(
        context,
        warehouse,
        "azure_openai",
        (lambda: azure.extract_azure_openai(azure.AzureBundleReader(src.bundle)))
        if src
        else (lambda: _not_configured("azure")),
    )


DISCOVERY_ASSETS = [
    declared_registry,
    huggingface_extract,
    aws_bedrock_extract,
    aws_sagemaker_extract,
    azure_openai_extract,
]
SOURCE_BY_ASSET = {
    "declared_registry": "declared_registry",
    "huggingface_extract": "huggingface",
    "aws_bedrock_extract": "aws_bedrock",
    "aws_sagemaker_extract": "aws_sagemaker",
    "azure_openai_extract": "azure_openai",
}
