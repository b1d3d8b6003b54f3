"""Azure OpenAI / Azure AI Services discovery (source `azure_openai`).

What is read: Cognitive Services accounts of kind OpenAI or AIServices in each subscription,
their deployments and their content-filter (RAI) policies, from an offline bundle or live.

Azure role needed live: read-only. The built-in `Reader` role
(`acdd72a7-3385-48ef-bd42-f606fba81ae7`) on each subscription suffices; `Cognitive Services
Contributor` is NOT required. Least privilege, a custom role with exactly the actions the live
reader's calls need (`live.READ_OPERATIONS`; `azure_role.json` beside this file lists them,
and a test holds the two together):

- `Microsoft.Resources/subscriptions/read` (listing subscriptions, when none are configured);
- `Microsoft.CognitiveServices/accounts/read`;
- `Microsoft.CognitiveServices/accounts/deployments/read`;
- `Microsoft.CognitiveServices/accounts/raiPolicies/read`.

Account keys are never listed (no `listKeys` / `regenerateKey` action is needed or made).

Where things are:

- `bundle`: the reader protocol, the offline bundle layout and `AzureBundleReader`;
- `live`: `AzureLiveReader` (the management API through the SDK) and `READ_OPERATIONS`;
- `collect`: `collect_azure`, a live collection of an estate written as a bundle;
- `markers`: `_collection.json` (per-subscription status, calls not collected);
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
from aisec_assets.discovery.azure.collect import (
    AzureCollection,
    SubscriptionCollection,
    collect_azure,
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
from aisec_assets.discovery.azure.live import READ_OPERATIONS, AzureLiveReader, ReadOperation
from aisec_assets.discovery.azure.markers import (
    COLLECTION_FILE,
    CollectionStatus,
    NotCollected,
    NotCollectedError,
)
from aisec_assets.discovery.azure.rejections import SOURCE

__all__ = [
    "ACCOUNTS_FILE",
    "AI_ACCOUNT_KINDS",
    "COLLECTION_FILE",
    "DEFAULT_MAX_FILE_BYTES",
    "DEPLOYMENTS_FILE",
    "MODEL_PROVIDER",
    "RAI_POLICIES_FILE",
    "READ_OPERATIONS",
    "SOURCE",
    "TAG_DATA_CLASSIFICATION",
    "TAG_ENVIRONMENT",
    "TAG_OWNER_EMAIL",
    "TAG_OWNER_TEAM",
    "TAG_REGULATORY_SCOPE",
    "AccountId",
    "AzureBundleReader",
    "AzureCollection",
    "AzureLiveReader",
    "AzureSourceResult",
    "CognitiveServicesReader",
    "CollectionStatus",
    "ContentFilterSummary",
    "NotCollected",
    "NotCollectedError",
    "PartUnreadable",
    "ReadOperation",
    "SubscriptionCollection",
    "TagValues",
    "collect_azure",
    "content_filter_controls",
    "extract_azure_openai",
    "locate_bad_field",
    "network_exposure",
    "parse_account_id",
    "parse_tags",
    "summarize_rai_policy",
]
