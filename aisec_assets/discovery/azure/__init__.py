"""Azure OpenAI / Azure AI Services discovery (source `azure_openai`).

What is read: Cognitive Services accounts of kind OpenAI or AIServices in each subscription,
their deployments and their content-filter (RAI) policies. Azure role needed live:
`Cognitive Services Contributor` is NOT required; the read-only `Reader` role on the
subscriptions suffices (`Microsoft.CognitiveServices/accounts/read`,
`.../accounts/deployments/read`, `.../accounts/raiPolicies/read`). Account keys are never listed.

Where things are:

- `bundle`: the reader protocol, the offline bundle layout and `AzureBundleReader`;
- `accounts`: account ids, network exposure, account-level controls, tags -> fields;
- `deployments`: content-filter (RAI) policies and `extract_azure_openai`, one `api_endpoint`
  record per deployment;
- `rejections`: the source name and secret-free excerpts.
"""

from aisec_assets.discovery.azure.accounts import (
    TAG_DATA_CLASSIFICATION,
    TAG_ENVIRONMENT,
    TAG_OWNER_EMAIL,
    TAG_OWNER_TEAM,
    TAG_REGULATORY_SCOPE,
    AccountId,
    TagValues,
    network_exposure,
    parse_account_id,
    parse_tags,
)
from aisec_assets.discovery.azure.bundle import (
    ACCOUNTS_FILE,
    DEFAULT_MAX_FILE_BYTES,
    DEPLOYMENTS_FILE,
    RAI_POLICIES_FILE,
    AzureBundleReader,
    CognitiveServicesReader,
    PartUnreadable,
    locate_bad_field,
)
from aisec_assets.discovery.azure.deployments import (
    AI_ACCOUNT_KINDS,
    MODEL_PROVIDER,
    AzureSourceResult,
    ContentFilterSummary,
    content_filter_controls,
    extract_azure_openai,
    summarize_rai_policy,
)
from aisec_assets.discovery.azure.rejections import SOURCE

__all__ = [
    "ACCOUNTS_FILE",
    "AI_ACCOUNT_KINDS",
    "DEFAULT_MAX_FILE_BYTES",
    "DEPLOYMENTS_FILE",
    "MODEL_PROVIDER",
    "RAI_POLICIES_FILE",
    "SOURCE",
    "TAG_DATA_CLASSIFICATION",
    "TAG_ENVIRONMENT",
    "TAG_OWNER_EMAIL",
    "TAG_OWNER_TEAM",
    "TAG_REGULATORY_SCOPE",
    "AccountId",
    "AzureBundleReader",
    "AzureSourceResult",
    "CognitiveServicesReader",
    "ContentFilterSummary",
    "PartUnreadable",
    "TagValues",
    "content_filter_controls",
    "extract_azure_openai",
    "locate_bad_field",
    "network_exposure",
    "parse_account_id",
    "parse_tags",
    "summarize_rai_policy",
]
