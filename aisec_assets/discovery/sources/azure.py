"""Azure (`sources.azure`): Azure OpenAI / AI Services accounts and their deployments."""

from __future__ import annotations

from aisec_assets.discovery import azure
from aisec_assets.discovery.sources._common import BundleSource, missing_directory
from aisec_assets.discovery.sources.spec import SourceSpec
from aisec_resources.records import SourceResult


def fetch(section: BundleSource) -> SourceResult:
    return azure.extract_azure_openai(azure.AzureBundleReader(section.bundle))


def preflight(section: BundleSource) -> list[str]:
    return missing_directory("sources.azure.bundle", section.bundle)


SPEC = SourceSpec(
    config_key="azure",
    model=BundleSource,
    asset_name="azure_openai_extract",
    source="azure_openai",
    description="Azure OpenAI / AI Services accounts (network settings, local auth, "
    "encryption) and their deployments (model, version, SKU, content filters).",
    kinds=frozenset({"azure", "duckdb"}),
    fetch=fetch,
    preflight=preflight,
)
