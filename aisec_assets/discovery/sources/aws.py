"""AWS (`sources.aws`): Bedrock and SageMaker, two assets reading the same bundle."""

from __future__ import annotations

from aisec_assets.discovery import aws
from aisec_assets.discovery.sources._common import BundleSource, missing_directory
from aisec_assets.discovery.sources.spec import SourceSpec
from aisec_resources.records import SourceResult


def fetch_bedrock(section: BundleSource) -> SourceResult:
    return aws.extract_bedrock(aws.AwsBundleReader(section.bundle))


def fetch_sagemaker(section: BundleSource) -> SourceResult:
    return aws.extract_sagemaker(aws.AwsBundleReader(section.bundle))


def preflight(section: BundleSource) -> list[str]:
    return missing_directory("sources.aws.bundle", section.bundle)


BEDROCK = SourceSpec(
    config_key="aws",
    model=BundleSource,
    asset_name="aws_bedrock_extract",
    source="aws_bedrock",
    description="AWS Bedrock: custom models and customization jobs, provisioned throughput, "
    "imported models, guardrails, agents (action groups, aliases, knowledge bases), knowledge "
    "bases (data sources, embedding model, vector store) and model-invocation logging.",
    kinds=frozenset({"aws", "bedrock", "duckdb"}),
    fetch=fetch_bedrock,
    preflight=preflight,
)
SAGEMAKER = SourceSpec(
    config_key="aws",
    model=BundleSource,
    asset_name="aws_sagemaker_extract",
    source="aws_sagemaker",
    description="AWS SageMaker endpoints, endpoint configs and models.",
    kinds=frozenset({"aws", "sagemaker", "duckdb"}),
    fetch=fetch_sagemaker,
    preflight=preflight,
)
