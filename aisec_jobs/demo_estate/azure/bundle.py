"""ARM list responses for the demo Azure estate, and `write_bundle`.

Each account of `estate.ACCOUNTS` becomes an ``accounts.json`` entry and, for AI accounts, a
``deployments.json`` and ``raiPolicies.json`` (api-version `API_VERSION`, one merged page each).
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate.azure.estate import ACCOUNTS, AccountSpec, DeclaredEntry, DeploymentSpec
from aisec_jobs.demo_estate.company import AZURE_SUBSCRIPTIONS, TEAMS, AzureSubscription

API_VERSION = "2025-09-01"
_PROVIDER = "Microsoft.CognitiveServices"
_STALE_REVIEW_DAYS = 90  # the brief's stale-review threshold


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


def _account_id(spec: AccountSpec) -> str:
    sub = _subscription(spec.subscription).subscription_id
    return (
        f"/subscriptions/{sub}/resourceGroups/{spec.resource_group}/providers/{_PROVIDER}"
        f"/accounts/{spec.name}"
    )


def _endpoints(spec: AccountSpec) -> tuple[str, dict[str, str]]:
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


def _account_json(spec: AccountSpec, ids: _Ids, tenant_id: str) -> dict[str, Any]:
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
    account: AccountSpec, spec: DeploymentSpec, capacity: int, ids: _Ids
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


def _rai_policies_json(account: AccountSpec, ids: _Ids) -> list[dict[str, Any]]:
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
    account: AccountSpec, spec: DeploymentSpec, declared: DeclaredEntry, ids: _Ids
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
    for account in ACCOUNTS:
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
