"""The demo estate's offline Azure bundle: Kestrel Dynamics' Azure OpenAI / AI Services estate.

`write_bundle` writes ARM list responses (api-version 2025-09-01, one merged page each) in the
layout `aisec_assets.discovery.azure.AzureBundleReader` reads, and returns the declared-registry
entries for the deployments the teams declared. The estate is realistic rather than tidy:

- `kd-cx-openai-prod` (OpenAI): wide open - public network access, ACL default Allow, API keys
  allowed; one deployment runs a custom low-friction content filter (annotate-only,
  asynchronous, jailbreak shield off).
- `kd-health-aoai-prod` (OpenAI): locked down - public access disabled, an approved private
  endpoint, Entra ID only, customer-managed key, outbound access restricted, a strict custom
  content filter.
- `kd-fraud-ai-prod` (AIServices): public access with default action Deny, two IP rules and a
  subnet rule; its `data-classification` tag holds a value outside the vocabulary.
- `kd-research-sandbox` (AIServices, sandbox subscription): open, keys allowed, nothing in it
  declared (shadow AI).
- `kd-docintel-prod` (FormRecognizer): not an AI-model account; discovery must skip it.

Same `as_of` and rng state give the same bytes.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate.company import AZURE_SUBSCRIPTIONS, TEAMS, AzureSubscription

API_VERSION = "2025-09-01"
_PROVIDER = "Microsoft.CognitiveServices"
_STALE_REVIEW_DAYS = 90  # the brief's stale-review threshold


# ------------------------------------------------------------------------ estate description
@dataclass(frozen=True)
class _Declared:
    """How a team declared a deployment in the registry (None on the spec = undeclared)."""

    name: str
    description: str
    team: str
    data_classification: str
    deployment_env: str
    regulatory_scope: tuple[str, ...] = ()
    review: str = "fresh"  # fresh | stale | never
    network_exposure: str | None = None  # what the team believes; discovery may disagree
    controls: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class _DeploymentSpec:
    name: str
    model: str
    version: str
    sku: str
    capacities: tuple[int, ...]  # one is drawn: quotas differ between otherwise equal estates
    rai_policy: str
    kind: str = "chat"  # chat | embeddings
    tags: dict[str, str] | None = None
    upgrade: str = "OnceNewDefaultVersionAvailable"
    declared: _Declared | None = None


@dataclass(frozen=True)
class _AccountSpec:
    name: str
    kind: str
    subscription: str  # subscription name in company.py
    resource_group: str
    location: str
    tags: dict[str, str]
    public_network_access: str = "Enabled"
    default_action: str = "Allow"
    ip_rules: tuple[str, ...] = ()
    subnet_rules: tuple[str, ...] = ()  # "<vnet>/<subnet>" in the account's resource group
    private_endpoint: str | None = None
    disable_local_auth: bool | None = None  # None: ARM leaves the property out
    restrict_outbound: bool | None = None
    allowed_fqdns: tuple[str, ...] = ()
    cmk_vault: str | None = None  # Key Vault name holding the customer-managed key
    custom_policies: tuple[str, ...] = ()
    deployments: tuple[_DeploymentSpec, ...] = field(default_factory=tuple)


def _owner_tags(team_key: str, with_email: bool = True) -> dict[str, str]:
    team = TEAMS[team_key]
    tags = {"owner-team": team.key}
    if with_email:
        tags["owner-email"] = team.email
    return tags


_ACCOUNTS: tuple[_AccountSpec, ...] = (
    _AccountSpec(
        name="kd-cx-openai-prod",
        kind="OpenAI",
        subscription="kestrel-ai-prod",
        resource_group="rg-cx-ai-prod",
        location="swedencentral",
        tags={
            **_owner_tags("customer-experience"),
            "environment": "production",
            "data-classification": "confidential",
            "regulatory-scope": "gdpr,eu_ai_act_limited_risk",
            "cost-center": "cx-4410",
        },
        custom_policies=("cx-low-friction",),
        deployments=(
            _DeploymentSpec(
                "gpt-4o",
                "gpt-4o",
                "2024-11-20",
                "GlobalStandard",
                (150, 200, 250),
                "Microsoft.DefaultV2",
                declared=_Declared(
                    "cx-assistant-gpt-4o",
                    "Azure OpenAI GPT-4o deployment behind the customer support assistant "
                    "and the merchant chat API.",
                    "customer-experience",
                    "confidential",
                    "production",
                    ("gdpr", "eu_ai_act_limited_risk"),
                    review="fresh",
                    network_exposure="vpc",  # the team believes it is private; it is not
                    controls=(("monitoring", True), ("rate_limiting", True)),
                ),
            ),
            _DeploymentSpec(
                "gpt-4o-mini-summarize",
                "gpt-4o-mini",
                "2024-07-18",
                "Standard",
                (60, 80),
                "cx-low-friction",
                tags={"workload": "ticket-summaries"},
                declared=_Declared(
                    "cx-ticket-summarizer",
                    "Summarises support tickets for agents; runs with a relaxed content "
                    "filter to avoid false positives on complaint language.",
                    "customer-experience",
                    "confidential",
                    "production",
                    ("gdpr",),
                    review="stale",
                ),
            ),
            _DeploymentSpec(
                "text-embedding-3-large",
                "text-embedding-3-large",
                "1",
                "Standard",
                (120, 150),
                "Microsoft.DefaultV2",
                kind="embeddings",
                declared=_Declared(
                    "cx-ticket-embedder",
                    "Embeds support tickets and help-centre articles for retrieval.",
                    "customer-experience",
                    "confidential",
                    "production",
                    ("gdpr",),
                    review="never",
                ),
            ),
        ),
    ),
    _AccountSpec(
        name="kd-health-aoai-prod",
        kind="OpenAI",
        subscription="kestrel-ai-prod",
        resource_group="rg-health-ai-prod",
        location="westeurope",
        tags={
            **_owner_tags("clinical-ai"),
            "environment": "production",
            "data-classification": "regulated",
            "regulatory-scope": "hipaa,gdpr,eu_ai_act_high_risk",
        },
        public_network_access="Disabled",
        default_action="Deny",
        private_endpoint="pe-kd-health-aoai-prod",
        disable_local_auth=True,
        restrict_outbound=True,
        allowed_fqdns=("kv-kd-health-ai-prod.vault.azure.net",),
        cmk_vault="kv-kd-health-ai-prod",
        custom_policies=("health-strict",),
        deployments=(
            _DeploymentSpec(
                "gpt-4o-clinical",
                "gpt-4o",
                "2024-08-06",
                "ProvisionedManaged",
                (100,),
                "health-strict",
                upgrade="NoAutoUpgrade",
                tags={"workload": "clinical-notes-summarization"},
                declared=_Declared(
                    "clinical-notes-gpt-4o",
                    "Provisioned GPT-4o that drafts discharge summaries from clinical notes "
                    "(human review before release).",
                    "clinical-ai",
                    "regulated",
                    "production",
                    ("hipaa", "gdpr", "eu_ai_act_high_risk"),
                    review="fresh",
                    network_exposure="vpc",
                    controls=(("monitoring", True), ("access_logging", True)),
                ),
            ),
            _DeploymentSpec(
                "text-embedding-3-large",
                "text-embedding-3-large",
                "1",
                "Standard",
                (50,),
                "health-strict",
                kind="embeddings",
                upgrade="NoAutoUpgrade",
                declared=_Declared(
                    "clinical-guidelines-embedder",
                    "Embeds clinical guidelines for the retrieval index of the notes assistant.",
                    "clinical-ai",
                    "restricted",
                    "production",
                    ("hipaa",),
                    review="fresh",
                    network_exposure="vpc",
                ),
            ),
            _DeploymentSpec(
                "o3-mini",
                "o3-mini",
                "2025-01-31",
                "DataZoneStandard",
                (30, 40),
                "health-strict",
                upgrade="NoAutoUpgrade",
                declared=_Declared(
                    "clinical-coding-o3-mini",
                    "Suggests ICD-10 codes for coders to confirm.",
                    "clinical-ai",
                    "regulated",
                    "production",
                    ("hipaa", "eu_ai_act_high_risk"),
                    review="stale",
                    network_exposure="vpc",
                ),
            ),
        ),
    ),
    _AccountSpec(
        name="kd-fraud-ai-prod",
        kind="AIServices",
        subscription="kestrel-ai-prod",
        resource_group="rg-cx-ai-prod",
        location="westeurope",
        tags={
            **_owner_tags("risk-analytics"),
            "environment": "production",
            # Not in the vocabulary: discovery rejects the tag and leaves the field unknown.
            "data-classification": "highly-confidential",
            "regulatory-scope": "pci_dss,gdpr",
        },
        default_action="Deny",
        ip_rules=("203.0.113.0/24", "198.51.100.17"),
        subnet_rules=("vnet-payments-prod/snet-fraud-scoring",),
        deployments=(
            _DeploymentSpec(
                "gpt-4o-mini",
                "gpt-4o-mini",
                "2024-07-18",
                "GlobalStandard",
                (80, 100),
                "Microsoft.DefaultV2",
                declared=_Declared(
                    "fraud-case-narrator",
                    "Writes case narratives for fraud analysts from scored transactions.",
                    "risk-analytics",
                    "confidential",
                    "production",
                    ("pci_dss", "gdpr"),
                    review="never",
                ),
            ),
            # Added by an analyst and never declared: shadow AI in a production account.
            _DeploymentSpec(
                "o3-mini",
                "o3-mini",
                "2025-01-31",
                "GlobalStandard",
                (40, 50),
                "Microsoft.DefaultV2",
            ),
            _DeploymentSpec(
                "text-embedding-3-small",
                "text-embedding-3-small",
                "1",
                "Standard",
                (30,),
                "Microsoft.Default",
                kind="embeddings",
                declared=_Declared(
                    "merchant-similarity-embedder",
                    "Embeds merchant descriptors to find look-alike merchants.",
                    "risk-analytics",
                    "internal",
                    "production",
                    ("pci_dss",),
                    review="stale",
                ),
            ),
        ),
    ),
    _AccountSpec(
        name="kd-research-sandbox",
        kind="AIServices",
        subscription="kestrel-ai-sandbox",
        resource_group="rg-research-sandbox",
        location="eastus2",
        tags={**_owner_tags("research-lab", with_email=False), "environment": "development"},
        deployments=(
            _DeploymentSpec(
                "gpt-4o-mini",
                "gpt-4o-mini",
                "2024-07-18",
                "Standard",
                (10, 20),
                "Microsoft.DefaultV2",
            ),
            _DeploymentSpec(
                "o3-mini",
                "o3-mini",
                "2025-01-31",
                "GlobalStandard",
                (20,),
                "Microsoft.DefaultV2",
                tags={"environment": "research"},
            ),
            _DeploymentSpec(
                "gpt-35-turbo", "gpt-35-turbo", "0125", "Standard", (10,), "Microsoft.Default"
            ),
        ),
    ),
    _AccountSpec(
        name="kd-docintel-prod",
        kind="FormRecognizer",
        subscription="kestrel-ai-prod",
        resource_group="rg-health-ai-prod",
        location="westeurope",
        tags={**_owner_tags("finance-ops"), "environment": "production"},
        disable_local_auth=True,
    ),
)


# ---------------------------------------------------------------------- content filter data
_HARM_CATEGORIES = ("Hate", "Sexual", "Selfharm", "Violence")


def _content_filter(
    name: str, source: str, enabled: bool, blocking: bool, threshold: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"name": name, "blocking": blocking, "enabled": enabled}
    if threshold is not None:
        item["severityThreshold"] = threshold
    item["source"] = source
    return item


def _policy_properties(policy: str) -> dict[str, Any]:
    """Content filters of the built-in and the two custom policies, as the API lists them."""
    filters: list[dict[str, Any]] = []
    if policy == "Microsoft.Default":
        for source in ("Prompt", "Completion"):
            filters += [_content_filter(c, source, True, True, "Medium") for c in _HARM_CATEGORIES]
        return {"mode": "Blocking", "type": "SystemManaged", "contentFilters": filters}
    if policy == "Microsoft.DefaultV2":
        for source in ("Prompt", "Completion"):
            filters += [_content_filter(c, source, True, True, "Medium") for c in _HARM_CATEGORIES]
        filters += [
            _content_filter("Jailbreak", "Prompt", True, True),
            _content_filter("Protected Material Text", "Completion", True, True),
            _content_filter("Protected Material Code", "Completion", True, False),
        ]
        return {"mode": "Blocking", "type": "SystemManaged", "contentFilters": filters}
    if policy == "health-strict":
        for source in ("Prompt", "Completion"):
            filters += [_content_filter(c, source, True, True, "Low") for c in _HARM_CATEGORIES]
        filters += [
            _content_filter("Jailbreak", "Prompt", True, True),
            _content_filter("Indirect Attack", "Prompt", True, True),
            _content_filter("Protected Material Text", "Completion", True, True),
            _content_filter("Protected Material Code", "Completion", True, True),
            _content_filter("Profanity", "Completion", True, True),
        ]
        return {
            "mode": "Blocking",
            "type": "UserManaged",
            "basePolicyName": "Microsoft.DefaultV2",
            "contentFilters": filters,
            "customBlocklists": [
                {"blocklistName": "patient-identifiers", "blocking": True, "source": "Completion"},
                {"blocklistName": "patient-identifiers", "blocking": True, "source": "Prompt"},
            ],
        }
    if policy == "cx-low-friction":
        # Annotate-only at High, jailbreak shield off, asynchronous: nothing is blocked.
        for source in ("Prompt", "Completion"):
            filters += [_content_filter(c, source, True, False, "High") for c in _HARM_CATEGORIES]
        filters += [
            _content_filter("Jailbreak", "Prompt", False, False),
            _content_filter("Protected Material Text", "Completion", True, False),
        ]
        return {
            "mode": "Asynchronous_filter",
            "type": "UserManaged",
            "basePolicyName": "Microsoft.DefaultV2",
            "contentFilters": filters,
        }
    raise ValueError(f"demo estate has no content filter policy {policy!r}")


# ------------------------------------------------------------------------------ generation
class _Ids:
    """GUIDs and timestamps drawn from the one rng, in call order."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        self._rng = rng
        self._as_of = as_of

    def guid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def etag(self) -> str:
        return f'"{self.guid()}"'

    def timestamp(self, min_days: int, max_days: int) -> datetime:
        day = self._as_of - timedelta(days=self._rng.randint(min_days, max_days))
        seconds = self._rng.randint(7 * 3600, 19 * 3600)
        micros = self._rng.randint(0, 999_999)
        start = datetime.combine(day, time(0, 0), tzinfo=UTC)
        return start + timedelta(seconds=seconds, microseconds=micros)

    def choice(self, values: tuple[int, ...]) -> int:
        return self._rng.choice(values)

    def review_date(self, kind: str) -> date | None:
        if kind == "fresh":
            return self._as_of - timedelta(days=self._rng.randint(10, 80))
        if kind == "stale":
            return self._as_of - timedelta(days=self._rng.randint(_STALE_REVIEW_DAYS + 20, 400))
        return None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _system_data(ids: _Ids, created_by: str) -> dict[str, Any]:
    created = ids.timestamp(120, 720)
    modified = created + timedelta(days=ids.choice((0, 3, 14, 41)), hours=ids.choice((1, 5)))
    return {
        "createdBy": created_by,
        "createdByType": "User",
        "createdAt": _iso(created),
        "lastModifiedBy": created_by,
        "lastModifiedByType": "User",
        "lastModifiedAt": _iso(modified),
    }


def _subscription(name: str) -> AzureSubscription:
    for subscription in AZURE_SUBSCRIPTIONS:
        if subscription.name == name:
            return subscription
    raise ValueError(f"company.py has no Azure subscription named {name!r}")


def _account_id(spec: _AccountSpec) -> str:
    sub = _subscription(spec.subscription).subscription_id
    return (
        f"/subscriptions/{sub}/resourceGroups/{spec.resource_group}/providers/{_PROVIDER}"
        f"/accounts/{spec.name}"
    )


def _endpoints(spec: _AccountSpec) -> tuple[str, dict[str, str]]:
    host = spec.name
    if spec.kind == "OpenAI":
        endpoint = f"https://{host}.openai.azure.com/"
        return endpoint, {
            "OpenAI Language Model Instance API": endpoint,
            "OpenAI Dall-E API": endpoint,
        }
    endpoint = f"https://{host}.cognitiveservices.azure.com/"
    if spec.kind == "AIServices":
        return endpoint, {
            "OpenAI Language Model Instance API": f"https://{host}.openai.azure.com/",
            "Azure AI Model Inference API": f"https://{host}.services.ai.azure.com/",
            "Content Safety": endpoint,
        }
    return endpoint, {"FormRecognizer": endpoint}


def _account_json(spec: _AccountSpec, ids: _Ids, tenant_id: str) -> dict[str, Any]:
    account_id = _account_id(spec)
    sub_id = _subscription(spec.subscription).subscription_id
    endpoint, endpoints = _endpoints(spec)
    creator = TEAMS[spec.tags["owner-team"]].email if "owner-team" in spec.tags else None
    system_data = _system_data(ids, creator or "deploy-pipeline@kestrel-dynamics.example")
    network_acls: dict[str, Any] = {
        "defaultAction": spec.default_action,
        "virtualNetworkRules": [
            {
                "id": f"/subscriptions/{sub_id}/resourceGroups/{spec.resource_group}/providers/"
                f"Microsoft.Network/virtualNetworks/{rule.split('/')[0]}/subnets/"
                f"{rule.split('/')[1]}",
                "state": "Succeeded",
                "ignoreMissingVnetServiceEndpoint": False,
            }
            for rule in spec.subnet_rules
        ],
        "ipRules": [{"value": rule} for rule in spec.ip_rules],
    }
    if spec.default_action == "Deny":
        network_acls = {"bypass": "AzureServices", **network_acls}
    properties: dict[str, Any] = {
        "endpoint": endpoint,
        "provisioningState": "Succeeded",
        "customSubDomainName": spec.name,
        "networkAcls": network_acls,
        "privateEndpointConnections": [],
        "publicNetworkAccess": spec.public_network_access,
    }
    if spec.private_endpoint:
        connection = f"{spec.private_endpoint}.{ids.guid()}"
        properties["privateEndpointConnections"] = [
            {
                "id": f"{account_id}/privateEndpointConnections/{connection}",
                "name": connection,
                "type": f"{_PROVIDER}/accounts/privateEndpointConnections",
                "properties": {
                    "privateEndpoint": {
                        "id": f"/subscriptions/{sub_id}/resourceGroups/{spec.resource_group}/"
                        f"providers/Microsoft.Network/privateEndpoints/{spec.private_endpoint}"
                    },
                    "privateLinkServiceConnectionState": {
                        "status": "Approved",
                        "description": "Auto-Approved",
                        "actionsRequired": "None",
                    },
                    "provisioningState": "Succeeded",
                    "groupIds": ["account"],
                },
            }
        ]
    if spec.disable_local_auth is not None:
        properties["disableLocalAuth"] = spec.disable_local_auth
    if spec.restrict_outbound is not None:
        properties["restrictOutboundNetworkAccess"] = spec.restrict_outbound
        properties["allowedFqdnList"] = list(spec.allowed_fqdns)
    if spec.cmk_vault:
        properties["encryption"] = {
            "keySource": "Microsoft.KeyVault",
            "keyVaultProperties": {
                "keyName": f"{spec.name}-cmk",
                "keyVaultUri": f"https://{spec.cmk_vault}.vault.azure.net/",
            },
        }
    if spec.kind == "AIServices":
        properties["allowProjectManagement"] = True
    properties["endpoints"] = endpoints
    properties["dateCreated"] = system_data["createdAt"][:23] + "Z"
    account: dict[str, Any] = {
        "id": account_id,
        "name": spec.name,
        "type": f"{_PROVIDER}/accounts",
        "etag": ids.etag(),
        "location": spec.location,
        "sku": {"name": "S0"},
        "kind": spec.kind,
        "tags": dict(spec.tags),
        "systemData": system_data,
        "properties": properties,
    }
    if spec.cmk_vault or spec.disable_local_auth:
        account["identity"] = {
            "type": "SystemAssigned",
            "principalId": ids.guid(),
            "tenantId": tenant_id,
        }
    return account


def _deployment_json(
    account: _AccountSpec, spec: _DeploymentSpec, capacity: int, ids: _Ids
) -> dict[str, Any]:
    if spec.kind == "embeddings":
        capabilities = {"embeddings": "true", "embeddingsMaxInputs": "2048"}
    else:
        capabilities = {
            "chatCompletion": "true",
            "maxContextToken": "128000" if not spec.model.startswith("gpt-35") else "16385",
            "maxOutputToken": "16384" if not spec.model.startswith("gpt-35") else "4096",
        }
    creator = account.tags.get("owner-email", "deploy-pipeline@kestrel-dynamics.example")
    deployment: dict[str, Any] = {
        "id": f"{_account_id(account)}/deployments/{spec.name}",
        "name": spec.name,
        "type": f"{_PROVIDER}/accounts/deployments",
        "sku": {"name": spec.sku, "capacity": capacity},
        "systemData": _system_data(ids, creator),
        "etag": ids.etag(),
    }
    if spec.tags:
        deployment["tags"] = dict(spec.tags)
    rate_limits: list[dict[str, Any]] = []
    if spec.sku != "ProvisionedManaged":
        # Quota units: 1 capacity = 1,000 tokens/min and 6 requests/min (1 per 10 s).
        rate_limits = [
            {"key": "request", "renewalPeriod": 10, "count": capacity},
            {"key": "token", "renewalPeriod": 60, "count": capacity * 1000},
        ]
    deployment["properties"] = {
        "model": {"format": "OpenAI", "name": spec.model, "version": spec.version},
        "versionUpgradeOption": spec.upgrade,
        "capabilities": capabilities,
        "provisioningState": "Succeeded",
        "raiPolicyName": spec.rai_policy,
        "rateLimits": rate_limits,
        "currentCapacity": capacity,
    }
    return deployment


def _rai_policies_json(account: _AccountSpec, ids: _Ids) -> list[dict[str, Any]]:
    policies: list[dict[str, Any]] = []
    for name in ("Microsoft.Default", "Microsoft.DefaultV2", *account.custom_policies):
        policy: dict[str, Any] = {
            "id": f"{_account_id(account)}/raiPolicies/{name}",
            "name": name,
            "type": f"{_PROVIDER}/accounts/raiPolicies",
        }
        if name in account.custom_policies:
            policy["etag"] = ids.etag()
            policy["systemData"] = _system_data(
                ids, account.tags.get("owner-email", "deploy-pipeline@kestrel-dynamics.example")
            )
        policy["properties"] = _policy_properties(name)
        policies.append(policy)
    return policies


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _declared_entry(
    account: _AccountSpec, spec: _DeploymentSpec, declared: _Declared, ids: _Ids
) -> dict[str, Any]:
    team = TEAMS[declared.team]
    endpoint, _ = _endpoints(account)
    entry: dict[str, Any] = {
        "name": declared.name,
        "asset_type": "api_endpoint",
        "resource_id": f"{_account_id(account)}/deployments/{spec.name}",
        "description": declared.description,
        "owner_team": team.key,
        "owner_email": team.email,
        "data_classification": declared.data_classification,
        "deployment_env": declared.deployment_env,
        "regulatory_scope": list(declared.regulatory_scope),
        "model_provider": "azure_openai",
        "model_name": spec.model,
        "model_version": spec.version,
        "is_self_hosted": False,
        "license_type": "proprietary",
        "api_endpoint": endpoint,
        "cloud_provider": "azure",
        "cloud_region": account.location,
    }
    review = ids.review_date(declared.review)
    if review is not None:
        entry["last_security_review"] = review
    if declared.network_exposure is not None:
        entry["network_exposure"] = declared.network_exposure
    if declared.controls:
        entry["controls"] = [
            {"type": control, "operational": operational}
            for control, operational in declared.controls
        ]
    return entry


def write_bundle(root: Path, as_of: date, rng: random.Random) -> list[dict[str, Any]]:
    """Write the Azure bundle under `root`; return the registry entries the teams declared."""
    ids = _Ids(rng, as_of)
    tenant_id = ids.guid()
    accounts_by_subscription: dict[str, list[dict[str, Any]]] = {
        s.subscription_id: [] for s in AZURE_SUBSCRIPTIONS
    }
    entries: list[dict[str, Any]] = []
    for account in _ACCOUNTS:
        sub_id = _subscription(account.subscription).subscription_id
        accounts_by_subscription[sub_id].append(_account_json(account, ids, tenant_id))
        if not account.deployments:
            continue  # not an AI-model account: it has no deployments or content filters
        account_dir = root / sub_id / account.resource_group / account.name
        deployments = []
        for spec in account.deployments:
            capacity = ids.choice(spec.capacities)
            deployments.append(_deployment_json(account, spec, capacity, ids))
            if spec.declared is not None:
                entries.append(_declared_entry(account, spec, spec.declared, ids))
        _write_json(account_dir / "deployments.json", {"value": deployments})
        _write_json(account_dir / "raiPolicies.json", {"value": _rai_policies_json(account, ids)})
    for sub_id, accounts in accounts_by_subscription.items():
        _write_json(root / sub_id / "accounts.json", {"value": accounts})
    return entries
