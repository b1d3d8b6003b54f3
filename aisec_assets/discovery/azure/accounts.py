"""Azure AI accounts: ids, network exposure, account-level controls, and tags -> fields.

- Network exposure (account level): public network access Disabled -> `vpc` with at least one
  approved private endpoint, else `internal` (nothing can reach it). Enabled (ARM treats an
  absent value as Enabled) with ACL default action Allow or no ACL -> `public`. Enabled with
  default action Deny -> `vpc` when IP rules, virtual-network rules or approved private
  endpoints let someone in, else `internal`.
- Account-level controls (every deployment of the account inherits them):
  * authentication: always present (every call needs a key or an Entra ID token). Operational
    only when local (key) auth is disabled; with shared API keys allowed it is recorded as
    NOT operational, because keys are not bound to an identity and leak easily.
  * network_isolation: public network access Disabled, or ACL default action Deny.
  * encryption_at_rest: operational for every account. Azure AI services always encrypt data at
    rest (AES-256); with a customer-managed key (key source Microsoft.KeyVault) the evidence
    and posture `customer_managed_key` say so, which is what tells the two apart.
  * encryption_in_transit: the account endpoints are https-only (TLS is the only way in).
- Tags (account tags, overridden per key by deployment tags; names case-insensitive):
  `owner-team`, `owner-email`, `environment`, `data-classification`, `regulatory-scope`
  (comma-separated). An invalid value leaves the field `None` and adds a `Rejection` naming the
  resource, tag and value. Network exposure is never taken from tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from azure.mgmt.cognitiveservices import models as sdk_models
from azure.mgmt.cognitiveservices.models import Account

from aisec_assets.discovery.azure.rejections import SOURCE, masked_excerpt
from aisec_resources.records import (
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    REGULATORY_SCOPES,
    Control,
    Rejection,
)

TAG_OWNER_TEAM = "owner-team"
TAG_OWNER_EMAIL = "owner-email"
TAG_ENVIRONMENT = "environment"
TAG_DATA_CLASSIFICATION = "data-classification"
TAG_REGULATORY_SCOPE = "regulatory-scope"
_TAG_FIELDS = {
    TAG_OWNER_TEAM: "owner_team",
    TAG_OWNER_EMAIL: "owner_email",
    TAG_ENVIRONMENT: "deployment_env",
    TAG_DATA_CLASSIFICATION: "data_classification",
    TAG_REGULATORY_SCOPE: "regulatory_scope",
}

_ACCOUNT_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/Microsoft\.CognitiveServices/accounts/(?P<account>[^/]+)$",
    re.IGNORECASE,
)
_TEAM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass(frozen=True)
class AccountId:
    subscription_id: str
    resource_group: str
    account_name: str


def parse_account_id(resource_id: str) -> AccountId | None:
    match = _ACCOUNT_ID.match(resource_id or "")
    if match is None:
        return None
    return AccountId(match["subscription"], match["resource_group"], match["account"])


def network_exposure(
    public_network_access: str | None,
    default_action: str | None,
    ip_rule_count: int,
    virtual_network_rule_count: int,
    approved_private_endpoints: int,
) -> tuple[str, str]:
    """(exposure, why) for an account's network settings; the rule is in the module doc."""
    access = (public_network_access or "Enabled").lower()
    action = (default_action or "Allow").lower()
    if access == "disabled":
        if approved_private_endpoints:
            return "vpc", (
                f"public network access disabled; {approved_private_endpoints} approved "
                "private endpoint(s)"
            )
        return "internal", "public network access disabled and no approved private endpoint"
    if action != "deny":
        return "public", "public network access enabled with network ACL default action Allow"
    if ip_rule_count or virtual_network_rule_count or approved_private_endpoints:
        return "vpc", (
            f"public network access enabled, default action Deny; allowed: {ip_rule_count} IP "
            f"rule(s), {virtual_network_rule_count} virtual-network rule(s), "
            f"{approved_private_endpoints} approved private endpoint(s)"
        )
    return "internal", "public network access enabled but default action Deny with no rules"


@dataclass
class TagValues:
    """Asset fields taken from Azure tags (None: no tag or an invalid value). A field whose tag
    held an invalid value is named in `invalid_fields`, so risk scores it at its worst case
    instead of as merely unknown."""

    owner_team: str | None = None
    owner_email: str | None = None
    deployment_env: str | None = None
    data_classification: str | None = None
    regulatory_scope: list[str] | None = None
    invalid_fields: list[str] = field(default_factory=list)


def _tags_lower(tags: dict[str, Any] | None) -> dict[str, str]:
    return {str(k).strip().lower(): str(v) for k, v in (tags or {}).items() if v is not None}


def parse_tags(
    tags_by_resource: list[tuple[str, str, dict[str, str] | None]],
) -> tuple[TagValues, list[Rejection]]:
    """Field values from tags; later resources override earlier ones per tag.

    `tags_by_resource` holds (resource id, location, tags) from the account to the deployment.
    """
    merged: dict[str, tuple[str, str, str]] = {}  # tag -> (value, resource id, location)
    for resource_id, location, tags in tags_by_resource:
        for tag, value in _tags_lower(tags).items():
            merged[tag] = (value, resource_id, location)
    values = TagValues()
    rejections: list[Rejection] = []

    def reject(tag: str, expected: str) -> None:
        value, resource_id, location = merged[tag]
        values.invalid_fields.append(_TAG_FIELDS[tag])
        rejections.append(
            Rejection(
                SOURCE,
                location,
                f"resource {resource_id}: tag {tag!r} has invalid value {masked_excerpt(value)!r}; "
                f"expected {expected}",
                field=f"tags.{tag}",
                excerpt=masked_excerpt(f"{tag}={value}"),
            )
        )

    if TAG_OWNER_TEAM in merged:
        team = merged[TAG_OWNER_TEAM][0].strip()
        if _TEAM_KEY.match(team):
            values.owner_team = team
        else:
            reject(TAG_OWNER_TEAM, "a team key (letters, digits, '.', '_', '-')")
    if TAG_OWNER_EMAIL in merged:
        email = merged[TAG_OWNER_EMAIL][0].strip()
        if _EMAIL.match(email):
            values.owner_email = email
        else:
            reject(TAG_OWNER_EMAIL, "an e-mail address")
    if TAG_ENVIRONMENT in merged:
        env = merged[TAG_ENVIRONMENT][0].strip().lower()
        if env in DEPLOYMENT_ENVS:
            values.deployment_env = env
        else:
            reject(TAG_ENVIRONMENT, f"one of {list(DEPLOYMENT_ENVS)}")
    if TAG_DATA_CLASSIFICATION in merged:
        classification = merged[TAG_DATA_CLASSIFICATION][0].strip().lower()
        if classification in DATA_CLASSIFICATIONS:
            values.data_classification = classification
        else:
            reject(TAG_DATA_CLASSIFICATION, f"one of {list(DATA_CLASSIFICATIONS)}")
    if TAG_REGULATORY_SCOPE in merged:
        scopes = [s.strip().lower() for s in merged[TAG_REGULATORY_SCOPE][0].split(",")]
        scopes = [s for s in scopes if s]
        if scopes and all(s in REGULATORY_SCOPES for s in scopes):
            values.regulatory_scope = sorted(set(scopes), key=scopes.index)
        else:
            reject(TAG_REGULATORY_SCOPE, f"comma-separated values from {list(REGULATORY_SCOPES)}")
    return values, rejections


def assess_account(account: Account) -> tuple[dict[str, Any], list[Control], str]:
    """(posture, controls, network exposure) of an AI account."""
    props = account.properties or sdk_models.AccountProperties()
    acls = props.network_acls
    ip_rules = len((acls.ip_rules if acls else None) or [])
    vnet_rules = len((acls.virtual_network_rules if acls else None) or [])
    connections = props.private_endpoint_connections or []
    approved = sum(
        1
        for c in connections
        if c.properties
        and c.properties.private_link_service_connection_state
        and (c.properties.private_link_service_connection_state.status or "").lower() == "approved"
    )
    # ARM omits false booleans and the default access mode; these are their documented defaults.
    public_access = props.public_network_access or "Enabled"
    default_action = acls.default_action if acls else None
    disable_local_auth = bool(props.disable_local_auth)
    key_source = props.encryption.key_source if props.encryption else None
    cmk = (key_source or "").lower() == "microsoft.keyvault"
    endpoints = sorted({props.endpoint, *(props.endpoints or {}).values()} - {None})
    exposure, exposure_reason = network_exposure(
        public_access, default_action, ip_rules, vnet_rules, approved
    )
    posture: dict[str, Any] = {
        "account_id": account.id,
        "account_name": account.name,
        "account_kind": account.kind,
        "account_sku": account.sku.name if account.sku else None,
        "custom_subdomain": props.custom_sub_domain_name,
        "public_network_access": public_access,
        "network_acl_default_action": default_action,
        "network_acl_bypass": acls.bypass if acls else None,
        "ip_rule_count": ip_rules,
        "virtual_network_rule_count": vnet_rules,
        "private_endpoint_connections": len(connections),
        "private_endpoint_connections_approved": approved,
        "disable_local_auth": disable_local_auth,
        "restrict_outbound_network_access": bool(props.restrict_outbound_network_access),
        "encryption_key_source": key_source or "Microsoft.CognitiveServices",
        "customer_managed_key": cmk,
        "network_exposure_reason": exposure_reason,
    }
    controls: list[Control] = []
    if disable_local_auth:
        controls.append(
            Control("authentication", True, "local (API key) auth disabled: Entra ID tokens only")
        )
    else:
        controls.append(
            Control(
                "authentication",
                False,
                "API keys (local auth) accepted besides Entra ID: shared keys, not identity-bound",
            )
        )
    if public_access.lower() == "disabled":
        controls.append(Control("network_isolation", True, "public network access disabled"))
    elif (default_action or "").lower() == "deny":
        controls.append(
            Control(
                "network_isolation",
                True,
                f"network ACL default action Deny ({ip_rules} IP rule(s), {vnet_rules} "
                "virtual-network rule(s))",
            )
        )
    if cmk:
        vault = props.encryption.key_vault_properties if props.encryption else None
        vault_uri = vault.key_vault_uri if vault else None
        controls.append(
            Control(
                "encryption_at_rest",
                True,
                f"customer-managed key in Key Vault {vault_uri or '(vault not reported)'}",
            )
        )
    else:
        controls.append(
            Control("encryption_at_rest", True, "service-managed keys (AES-256, platform default)")
        )
    if endpoints and all(str(e).lower().startswith("https://") for e in endpoints):
        controls.append(
            Control("encryption_in_transit", True, "account endpoints are HTTPS (TLS) only")
        )
    return posture, controls, exposure
