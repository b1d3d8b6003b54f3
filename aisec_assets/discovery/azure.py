"""Azure OpenAI / Azure AI Services discovery (source `azure_openai`).

What is read: Cognitive Services accounts of kind OpenAI or AIServices in each subscription,
their deployments and their content-filter (RAI) policies. Parsing works on the SDK's own model
objects (`azure.mgmt.cognitiveservices.models.Account`, `Deployment`, `RaiPolicy`), so the
offline bundle reader below and a live reader built on `CognitiveServicesManagementClient`
(`accounts.list()`, `deployments.list(rg, name)`, `rai_policies.list(rg, name)`) feed the same
`extract_azure_openai`. Azure role needed live: `Cognitive Services Contributor` is NOT required;
the read-only `Reader` role on the subscriptions suffices (`Microsoft.CognitiveServices/
accounts/read`, `.../accounts/deployments/read`, `.../accounts/raiPolicies/read`). Account keys
are never listed.

Offline bundle layout (ARM REST responses, api-version 2025-09-01, pages merged)::

    <bundle>/<subscription_id>/accounts.json                                   {"value": [...]}
    <bundle>/<subscription_id>/<resourceGroup>/<accountName>/deployments.json  {"value": [...]}
    <bundle>/<subscription_id>/<resourceGroup>/<accountName>/raiPolicies.json  {"value": [...]}

Records and the decisions behind them:

- One `api_endpoint` record per deployment (as the design brief maps it), resource id = the
  deployment's ARM id. No separate `foundation_model` records: an Azure OpenAI model is not a
  resource of its own (there is no ARM id to key it by), its name and version are already on
  the endpoint record, and ownerless synthetic model records would only add compliance gaps
  nobody can close. Accounts of other kinds (TextAnalytics, FormRecognizer, ...) are skipped and
  listed in `AzureSourceResult.skipped_accounts`; their deployments are not read.
- Network exposure (account level): public network access Disabled -> `vpc` with at least one
  approved private endpoint, else `internal` (nothing can reach it). Enabled (ARM treats an
  absent value as Enabled) with ACL default action Allow or no ACL -> `public`. Enabled with
  default action Deny -> `vpc` when IP rules, virtual-network rules or approved private
  endpoints let someone in, else `internal`.
- Controls:
  * authentication: always present (every call needs a key or an Entra ID token). Operational
    only when local (key) auth is disabled; with shared API keys allowed it is recorded as
    NOT operational, because keys are not bound to an identity and leak easily.
  * network_isolation: public network access Disabled, or ACL default action Deny.
  * input_filtering and guardrails: operational when the deployment's RAI policy has blocking
    prompt filters including the jailbreak prompt shield; a policy whose prompt side only
    annotates, or that blocks without the jailbreak shield, is recorded as not operational.
  * output_filtering: blocking completion filters, and the policy mode is not asynchronous
    (`Asynchronous_filter` / `Deferred` return completions before the filter verdict).
  * A deployment whose RAI policy was not collected (missing raiPolicies.json) gets no filter
    controls: nothing is claimed without evidence.
  * encryption_at_rest: operational for every account. Azure AI services always encrypt data at
    rest (AES-256); with a customer-managed key (key source Microsoft.KeyVault) the evidence
    and posture `customer_managed_key` say so, which is what tells the two apart.
  * encryption_in_transit: the account endpoints are https-only (TLS is the only way in).
  * The deployment quota (tokens per minute) is kept as posture only: it is a limit for the
    whole deployment, not per caller, so it is not counted as rate limiting.
- Tags (account tags, overridden per key by deployment tags; names case-insensitive):
  `owner-team`, `owner-email`, `environment`, `data-classification`, `regulatory-scope`
  (comma-separated). An invalid value leaves the field `None` and adds a `Rejection` naming the
  resource, tag and value. Network exposure is never taken from tags.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from azure.core.exceptions import AzureError, HttpResponseError
from azure.mgmt.cognitiveservices import models as sdk_models
from azure.mgmt.cognitiveservices.models import Account, Deployment, RaiPolicy

from aisec_resources.records import (
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    REGULATORY_SCOPES,
    Control,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
)

SOURCE = "azure_openai"
MODEL_PROVIDER = "azure_openai"
AI_ACCOUNT_KINDS: frozenset[str] = frozenset({"openai", "aiservices"})
DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
ACCOUNTS_FILE = "accounts.json"
DEPLOYMENTS_FILE = "deployments.json"
RAI_POLICIES_FILE = "raiPolicies.json"

TAG_OWNER_TEAM = "owner-team"
TAG_OWNER_EMAIL = "owner-email"
TAG_ENVIRONMENT = "environment"
TAG_DATA_CLASSIFICATION = "data-classification"
TAG_REGULATORY_SCOPE = "regulatory-scope"

_ACCOUNT_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/Microsoft\.CognitiveServices/accounts/(?P<account>[^/]+)$",
    re.IGNORECASE,
)
_TEAM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
# Long runs of token characters mixing letters and digits look like keys; excerpts never show
# them (plain words such as "highly-confidential" stay readable).
_KEY_SHAPED = re.compile(
    r"(?=[A-Za-z0-9+/=_\-]*[0-9])(?=[A-Za-z0-9+/=_\-]*[A-Za-z])[A-Za-z0-9+/=_\-]{20,}"
)
_EXCERPT_LIMIT = 120
_ASYNC_MODES: frozenset[str] = frozenset({"asynchronous_filter", "deferred"})
_JAILBREAK = "jailbreak"

ModelT = TypeVar("ModelT", Account, Deployment, RaiPolicy)


# ---------------------------------------------------------------------------------- readers
class CognitiveServicesReader(Protocol):
    """Where the SDK objects come from: an offline bundle or the live management API.

    Readers put what they could not read into `rejections` (bad file, bad item, failed call)
    and go on; `location_of` tells where an object came from, for rejections the extractor
    makes about it (e.g. an invalid tag).
    """

    rejections: list[Rejection]

    def subscriptions(self) -> list[str]: ...

    def accounts(self, subscription_id: str) -> list[Account]: ...

    def deployments(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[Deployment]: ...

    def rai_policies(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[RaiPolicy]: ...

    def location_of(self, resource_id: str) -> str: ...


class AzureBundleReader:
    """Reads an offline bundle of ARM responses into SDK model objects.

    Each item is deserialized with the SDK model's own `deserialize`, so an item off the API's
    shape fails as the SDK would fail on it; here it becomes a `Rejection` naming file, item
    index and field, and the other items are still read.
    """

    def __init__(self, bundle: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.bundle = Path(bundle)
        self.max_file_bytes = max_file_bytes
        self.rejections: list[Rejection] = []
        self._locations: dict[str, str] = {}

    def subscriptions(self) -> list[str]:
        if not self.bundle.is_dir():
            raise SourceUnavailable(f"Azure bundle {self.bundle} does not exist or is not a dir")
        try:
            entries = sorted(self.bundle.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            raise SourceUnavailable(f"Azure bundle {self.bundle} cannot be read: {exc}") from exc
        subscriptions: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue  # e.g. .DS_Store, .git: not part of the export
            try:
                is_dir = entry.is_dir()
            except OSError as exc:
                self._reject(str(entry), f"cannot stat bundle entry: {exc}")
                continue
            if is_dir:
                subscriptions.append(entry.name)
            else:
                self._reject(
                    str(entry), "unexpected file at bundle top level (expected subscription dirs)"
                )
        return subscriptions

    def accounts(self, subscription_id: str) -> list[Account]:
        path = self.bundle / subscription_id / ACCOUNTS_FILE
        if not os.path.lexists(path):
            self._reject(str(path), "accounts.json is missing: no accounts collected")
            return []
        return self._read_list(path, Account)

    def deployments(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[Deployment]:
        path = self._account_file(subscription_id, resource_group, account_name, DEPLOYMENTS_FILE)
        return self._read_list(path, Deployment) if path is not None else []

    def rai_policies(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[RaiPolicy]:
        path = self._account_file(subscription_id, resource_group, account_name, RAI_POLICIES_FILE)
        return self._read_list(path, RaiPolicy) if path is not None else []

    def location_of(self, resource_id: str) -> str:
        return self._locations.get(resource_id.lower(), resource_id)

    # -- internals
    def _account_file(
        self, subscription_id: str, resource_group: str, account_name: str, file_name: str
    ) -> Path | None:
        """The account's file, or None when it was not collected (not an error).

        ARM names are case-insensitive, so the directories are matched without case when the
        exact spelling is not there.
        """
        directory: Path | None = self.bundle / subscription_id
        for part in (resource_group, account_name):
            directory = _child_ignoring_case(directory, part) if directory else None
        if directory is None:
            return None
        path = directory / file_name
        # Absent = not collected. Anything that is there (even a dangling link) is read, so
        # that what cannot be read becomes a rejection rather than silently "none".
        return path if os.path.lexists(path) else None

    def _read_list(self, path: Path, model: type[ModelT]) -> list[ModelT]:
        document = self._load_json(path)
        if document is None:
            return []
        if not isinstance(document, dict) or not isinstance(document.get("value"), list):
            self._reject(
                str(path),
                'top level must be an object with a "value" list (an ARM list response)',
                field="value",
                excerpt=_shape(document),
            )
            return []
        if document.get("nextLink"):
            # The contract is one merged page; a nextLink means later pages were not collected.
            self._reject(
                str(path),
                "file holds one page of a paged list (nextLink set): later pages not collected",
                field="nextLink",
            )
        objects: list[ModelT] = []
        seen: set[str] = set()
        for index, item in enumerate(document["value"]):
            location = f"{path}: value[{index}]"
            parsed = self._deserialize(location, model, item)
            if parsed is None:
                continue
            key = str(parsed.id).lower()
            if key in seen:
                # Overlapping pages in a merged export; the first copy is kept.
                self._reject(location, "duplicate id in this file: first one kept", field="id")
                continue
            seen.add(key)
            self._locations.setdefault(key, location)
            objects.append(parsed)
        return objects

    def _deserialize(self, location: str, model: type[ModelT], item: Any) -> ModelT | None:
        if not isinstance(item, dict):
            self._reject(
                location,
                f"item is {_json_type(item)}, not an object",
                excerpt=_shape(item),
            )
            return None
        try:
            parsed = model.deserialize(item)
        except Exception as exc:  # the SDK raises DeserializationError, sometimes others
            bad_field = locate_bad_field(model, item)
            self._reject(
                location,
                f"{model.__name__} cannot be deserialized by the SDK: {_first_line(exc)}",
                field=bad_field,
                excerpt=_shape(_value_at(item, bad_field)),
            )
            return None
        for required in ("id", "name"):
            value = getattr(parsed, required, None)
            if not isinstance(value, str) or not value.strip():
                self._reject(
                    location,
                    f"{model.__name__} has no usable {required!r} (must be a non-empty string)",
                    field=required,
                    excerpt=_shape(item.get(required)),
                )
                return None
        return parsed

    def _load_json(self, path: Path) -> Any | None:
        try:
            if not path.is_file():
                self._reject(str(path), "not a regular file (a directory or a broken link)")
                return None
            size = path.stat().st_size
            if size > self.max_file_bytes:
                self._reject(
                    str(path), f"file is {size} bytes, over the {self.max_file_bytes}-byte limit"
                )
                return None
            data = path.read_bytes()
        except OSError as exc:
            self._reject(str(path), f"cannot read file: {exc}")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self._reject(str(path), f"not UTF-8 text (invalid byte at offset {exc.start})")
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self._reject(
                str(path),
                f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                excerpt=_excerpt(text.splitlines()[exc.lineno - 1] if text.strip() else ""),
            )
            return None

    def _reject(
        self, location: str, reason: str, field: str | None = None, excerpt: str | None = None
    ) -> None:
        self.rejections.append(Rejection(SOURCE, location, reason, field, excerpt))


def _child_ignoring_case(directory: Path, name: str) -> Path | None:
    exact = directory / name
    try:
        if exact.is_dir():
            return exact
        if not directory.is_dir():
            return None
        matches = sorted(
            p for p in directory.iterdir() if p.name.lower() == name.lower() and p.is_dir()
        )
    except OSError:
        return None
    return matches[0] if matches else None


def locate_bad_field(model: type[Any], item: dict[str, Any], prefix: str = "") -> str | None:
    """Dotted path (REST names) of the first field the SDK model cannot deserialize.

    The SDK's error names only the value and type; this probes each attribute of the model's
    attribute map with the same `deserialize`, descending into nested models and lists.
    """
    for description in model._attribute_map.values():
        key, type_name = description["key"], description["type"]
        if not key or key not in item:
            continue
        value = item[key]
        if _deserializes(model, {key: value}):
            continue
        path = f"{prefix}{key}"
        element_type = type_name[1:-1] if type_name.startswith("[") else None
        nested = _sdk_model(element_type or type_name)
        if nested is not None and element_type is not None and isinstance(value, list):
            for index, element in enumerate(value):
                if not _deserializes(nested, element):
                    inner = (
                        locate_bad_field(nested, element, f"{path}[{index}].")
                        if isinstance(element, dict)
                        else None
                    )
                    return inner or f"{path}[{index}]"
        elif nested is not None and isinstance(value, dict):
            return locate_bad_field(nested, value, f"{path}.") or path
        return path
    return None


def _deserializes(model: type[Any], data: Any) -> bool:
    try:
        model.deserialize(data)
    except Exception:  # probing: any failure means "this part is bad"
        return False
    return True


def _sdk_model(type_name: str) -> type[Any] | None:
    candidate = getattr(sdk_models, type_name, None)
    return candidate if isinstance(candidate, type) and hasattr(candidate, "deserialize") else None


def _value_at(item: dict[str, Any], dotted: str | None) -> Any:
    if not dotted:
        return item
    current: Any = item
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", dotted):
        if part.startswith("[") and isinstance(current, list):
            index = int(part[1:-1])
            current = current[index] if index < len(current) else None
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


# ------------------------------------------------------------------------------ excerpts
def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _excerpt(text: str) -> str:
    masked = _KEY_SHAPED.sub(lambda m: f"<{len(m.group(0))} chars>", text)
    return masked if len(masked) <= _EXCERPT_LIMIT else masked[: _EXCERPT_LIMIT - 3] + "..."


def _shape(value: Any) -> str:
    """A short, secret-free description of a JSON value: key names and short scalars only."""
    if isinstance(value, dict):
        return _excerpt("object with keys " + ", ".join(sorted(str(k) for k in value)))
    if isinstance(value, list):
        return f"list of {len(value)} items"
    return _excerpt(json.dumps(value))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return _excerpt(text[0]) if text else type(exc).__name__


# ----------------------------------------------------------------------------- extraction
@dataclass
class AzureSourceResult(SourceResult):
    """SourceResult plus the accounts skipped because their kind is not an AI kind."""

    skipped_accounts: list[str] = field(default_factory=list)  # "<account id> (kind <kind>)"


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


@dataclass(frozen=True)
class ContentFilterSummary:
    """What a RAI (content filter) policy does on the prompt and the completion side."""

    policy_name: str
    policy_type: str | None
    mode: str | None
    base_policy_name: str | None
    prompt: dict[str, str]  # filter name -> "block>=Medium" / "annotate" / "off"
    completion: dict[str, str]
    blocklists: dict[str, str]  # "<source>:<name>" -> "block" / "annotate"

    @property
    def asynchronous(self) -> bool:
        return (self.mode or "").lower() in _ASYNC_MODES

    @property
    def prompt_blocking(self) -> list[str]:
        return sorted(n for n, v in self.prompt.items() if v.startswith("block"))

    @property
    def completion_blocking(self) -> list[str]:
        return sorted(n for n, v in self.completion.items() if v.startswith("block"))

    @property
    def jailbreak(self) -> str:
        for name, verdict in self.prompt.items():
            if name.lower() == _JAILBREAK:
                return verdict.split(">=")[0]
        return "off"

    def to_posture(self) -> dict[str, Any]:
        return {
            "policy_name": self.policy_name,
            "policy_type": self.policy_type,
            "mode": self.mode,
            "base_policy_name": self.base_policy_name,
            "prompt_filters": dict(sorted(self.prompt.items())),
            "completion_filters": dict(sorted(self.completion.items())),
            "prompt_blocking": self.prompt_blocking,
            "completion_blocking": self.completion_blocking,
            "jailbreak_shield": self.jailbreak,
            "custom_blocklists": dict(sorted(self.blocklists.items())),
        }


def summarize_rai_policy(policy: RaiPolicy) -> ContentFilterSummary:
    props = policy.properties
    prompt: dict[str, str] = {}
    completion: dict[str, str] = {}
    for content_filter in (props.content_filters if props else None) or []:
        name = content_filter.name or "unnamed"
        if not content_filter.enabled:
            verdict = "off"
        elif content_filter.blocking:
            threshold = content_filter.severity_threshold
            verdict = f"block>={threshold}" if threshold else "block"
        else:
            verdict = "annotate"
        side = completion if (content_filter.source or "").lower() == "completion" else prompt
        side[name] = verdict
    blocklists = {
        f"{(b.source or 'prompt').lower()}:{b.blocklist_name}": "block"
        if b.blocking
        else "annotate"
        for b in (props.custom_blocklists if props else None) or []
    }
    return ContentFilterSummary(
        policy_name=str(policy.name),
        policy_type=props.type if props else None,
        mode=props.mode if props else None,
        base_policy_name=props.base_policy_name if props else None,
        prompt=prompt,
        completion=completion,
        blocklists=blocklists,
    )


def content_filter_controls(summary: ContentFilterSummary) -> list[Control]:
    """input_filtering / guardrails / output_filtering from a RAI policy (module doc)."""
    where = f"content filter policy {summary.policy_name}"
    prompt_blocking = ", ".join(summary.prompt_blocking)
    if prompt_blocking and summary.jailbreak == "block":
        input_ok = True
        input_why = f"{where} blocks prompts: {prompt_blocking} (jailbreak prompt shield on)"
    elif prompt_blocking:
        input_ok = False
        input_why = (
            f"{where} blocks prompts ({prompt_blocking}) but the jailbreak prompt shield is "
            f"{summary.jailbreak}"
        )
    else:
        input_ok = False
        input_why = f"{where} blocks no prompt content (annotate-only or off)"
    completion_blocking = ", ".join(summary.completion_blocking)
    if completion_blocking and not summary.asynchronous:
        output_ok = True
        output_why = f"{where} blocks completions: {completion_blocking}"
    elif completion_blocking:
        output_ok = False
        output_why = f"{where} mode {summary.mode}: completions return before the filter verdict"
    else:
        output_ok = False
        output_why = f"{where} blocks no completion content"
    return [
        Control("input_filtering", input_ok, input_why),
        Control("guardrails", input_ok, input_why),
        Control("output_filtering", output_ok, output_why),
    ]


@dataclass
class TagValues:
    """Asset fields taken from Azure tags (None: no tag or an invalid value)."""

    owner_team: str | None = None
    owner_email: str | None = None
    deployment_env: str | None = None
    data_classification: str | None = None
    regulatory_scope: list[str] | None = None


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
        rejections.append(
            Rejection(
                SOURCE,
                location,
                f"resource {resource_id}: tag {tag!r} has invalid value {_excerpt(value)!r}; "
                f"expected {expected}",
                field=f"tags.{tag}",
                excerpt=_excerpt(f"{tag}={value}"),
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


def _account_posture(account: Account) -> tuple[dict[str, Any], list[Control], str]:
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


def extract_azure_openai(reader: CognitiveServicesReader) -> AzureSourceResult:
    """Azure OpenAI / AI Services deployments as `api_endpoint` records."""
    result = AzureSourceResult()
    drained = len(reader.rejections)

    def drain() -> None:
        # Keep the reader's rejections in the order they happened, between our own.
        nonlocal drained
        result.rejections.extend(reader.rejections[drained:])
        drained = len(reader.rejections)

    seen: set[str] = set()
    subscriptions = reader.subscriptions()
    drain()
    for subscription_id in subscriptions:
        accounts: list[Account] = _call(
            result,
            f"list accounts of subscription {subscription_id}",
            lambda sub=subscription_id: reader.accounts(sub),
        )
        drain()
        for account in accounts:
            result.scanned += 1
            location = reader.location_of(str(account.id))
            parsed = parse_account_id(str(account.id))
            if parsed is None:
                result.rejections.append(
                    Rejection(
                        SOURCE,
                        location,
                        "account id is not a Microsoft.CognitiveServices/accounts resource id",
                        field="id",
                        excerpt=_excerpt(str(account.id)),
                    )
                )
                continue
            if parsed.subscription_id.lower() != subscription_id.lower():
                result.rejections.append(
                    Rejection(
                        SOURCE,
                        location,
                        f"account is in subscription {parsed.subscription_id}, listed under "
                        f"subscription {subscription_id}",
                        field="id",
                        excerpt=_excerpt(str(account.id)),
                    )
                )
                continue
            if (account.kind or "").lower() not in AI_ACCOUNT_KINDS:
                result.skipped_accounts.append(f"{account.id} (kind {account.kind})")
                continue
            _extract_account(reader, result, account, parsed, seen, drain)
    drain()
    return result


def _call(result: SourceResult, what: str, fetch: Callable[[], list[Any]]) -> list[Any]:
    """One reader call; a failing API call is a rejection for that call, not a lost run."""
    try:
        return list(fetch())
    except HttpResponseError as exc:
        result.rejections.append(
            Rejection(SOURCE, what, f"API call failed: HTTP {exc.status_code} {_first_line(exc)}")
        )
    except AzureError as exc:
        raise SourceUnavailable(f"Azure management API unreachable ({what}): {exc}") from exc
    return []


def _extract_account(
    reader: CognitiveServicesReader,
    result: AzureSourceResult,
    account: Account,
    parsed: AccountId,
    seen: set[str],
    drain: Callable[[], None],
) -> None:
    sub, rg, name = parsed.subscription_id, parsed.resource_group, parsed.account_name
    deployments: list[Deployment] = _call(
        result, f"list deployments of {account.id}", lambda: reader.deployments(sub, rg, name)
    )
    drain()
    policies: list[RaiPolicy] = _call(
        result, f"list raiPolicies of {account.id}", lambda: reader.rai_policies(sub, rg, name)
    )
    drain()
    result.scanned += len(deployments) + len(policies)
    policies_by_name = {str(p.name).lower(): p for p in policies}
    account_posture, account_controls, exposure = _account_posture(account)
    account_location = reader.location_of(str(account.id))
    account_prefix = f"{account.id}/deployments/".lower()
    tag_rejections_seen: set[tuple[str, str | None]] = set()
    for deployment in deployments:
        location = reader.location_of(str(deployment.id))
        if not str(deployment.id).lower().startswith(account_prefix):
            result.rejections.append(
                Rejection(
                    SOURCE,
                    location,
                    f"deployment id is not under account {account.id}",
                    field="id",
                    excerpt=_excerpt(str(deployment.id)),
                )
            )
            continue
        key = str(deployment.id).lower()
        if key in seen:
            result.rejections.append(
                Rejection(SOURCE, location, "duplicate deployment id: first one kept", field="id")
            )
            continue
        seen.add(key)
        tags, tag_rejections = parse_tags(
            [
                (str(account.id), account_location, account.tags),
                (str(deployment.id), location, deployment.tags),
            ]
        )
        for rejection in tag_rejections:
            # An account's bad tag is reported once, not once per deployment.
            marker = (rejection.location, rejection.field)
            if marker not in tag_rejections_seen:
                tag_rejections_seen.add(marker)
                result.rejections.append(rejection)
        record = _deployment_record(account, parsed, deployment, policies_by_name, tags)
        # Account facts first, then the deployment's own (content filter) facts and controls.
        record.posture = {**account_posture, **record.posture}
        record.controls = [*account_controls, *record.controls]
        record.network_exposure = exposure
        result.records.append(record)


def _deployment_record(
    account: Account,
    parsed: AccountId,
    deployment: Deployment,
    policies_by_name: dict[str, RaiPolicy],
    tags: TagValues,
) -> DiscoveredAsset:
    props = deployment.properties or sdk_models.DeploymentProperties()
    model = props.model
    sku = deployment.sku
    policy_name = props.rai_policy_name
    posture: dict[str, Any] = {
        "deployment_sku": sku.name if sku else None,
        "deployment_capacity": sku.capacity if sku else None,
        "model_format": model.format if model else None,
        "version_upgrade_option": props.version_upgrade_option,
        "provisioning_state": props.provisioning_state,
        "rai_policy_name": policy_name,
        "content_filter_attached": policy_name is not None,
    }
    controls: list[Control] = []
    policy = policies_by_name.get(policy_name.lower()) if policy_name else None
    if policy is not None:
        summary = summarize_rai_policy(policy)
        posture["content_filter"] = summary.to_posture()
        posture["prompt_shield_jailbreak"] = summary.jailbreak
        controls.extend(content_filter_controls(summary))
    else:
        posture["content_filter"] = None
        posture["content_filter_collected"] = False
    props_endpoint = account.properties.endpoint if account.properties else None
    model_name = model.name if model else None
    model_version = model.version if model else None
    return DiscoveredAsset(
        source=SOURCE,
        resource_id=str(deployment.id),
        name=f"{account.name}/{deployment.name}",
        asset_type="api_endpoint",
        description=(
            f"Azure {account.kind} deployment {deployment.name} serving {model_name} "
            f"{model_version} on account {account.name}"
        ),
        owner_team=tags.owner_team,
        owner_email=tags.owner_email,
        data_classification=tags.data_classification,
        deployment_env=tags.deployment_env,
        regulatory_scope=tags.regulatory_scope,
        model_provider=MODEL_PROVIDER,
        model_name=model_name,
        model_version=model_version,
        is_self_hosted=False,
        api_endpoint=props_endpoint,
        cloud_provider="azure",
        cloud_account=parsed.subscription_id,
        cloud_region=account.location,
        posture=posture,
        controls=controls,
        raw={"deployment": _serialize(deployment)},
    )


def _serialize(obj: Any) -> dict[str, Any]:
    try:
        return obj.serialize(keep_readonly=True)
    except Exception:  # an object the SDK cannot re-serialize is still kept for audit
        return obj.as_dict(keep_readonly=True)


__all__ = [
    "AI_ACCOUNT_KINDS",
    "SOURCE",
    "AccountId",
    "AzureBundleReader",
    "AzureSourceResult",
    "CognitiveServicesReader",
    "ContentFilterSummary",
    "content_filter_controls",
    "extract_azure_openai",
    "locate_bad_field",
    "network_exposure",
    "parse_account_id",
    "parse_tags",
    "summarize_rai_policy",
]
