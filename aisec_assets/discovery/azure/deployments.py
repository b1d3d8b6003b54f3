"""Azure OpenAI deployments and their content-filter (RAI) policies -> `api_endpoint` records.

`extract_azure_openai` walks subscriptions -> AI accounts -> deployments; each deployment
record carries its account's posture and controls (`accounts`) and its own content filter's.

Records and the decisions behind them:

- One `api_endpoint` record per deployment (as the design brief maps it), resource id = the
  deployment's ARM id. No separate `foundation_model` records: an Azure OpenAI model is not a
  resource of its own (there is no ARM id to key it by), its name and version are already on
  the endpoint record, and ownerless synthetic model records would only add compliance gaps
  nobody can close. Accounts of other kinds (TextAnalytics, FormRecognizer, ...) are skipped and
  listed in `AzureSourceResult.skipped_accounts`; their deployments are not read.
- Deployment-level controls:
  * input_filtering and guardrails: operational when the deployment's RAI policy has blocking
    prompt filters including the jailbreak prompt shield; a policy whose prompt side only
    annotates, or that blocks without the jailbreak shield, is recorded as not operational.
  * output_filtering: blocking completion filters, and the policy mode is not asynchronous
    (`Asynchronous_filter` / `Deferred` return completions before the filter verdict).
  * A deployment whose RAI policy was not collected (missing raiPolicies.json) gets no filter
    controls: nothing is claimed without evidence.
  * The deployment quota (tokens per minute) is kept as posture only: it is a limit for the
    whole deployment, not per caller, so it is not counted as rate limiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError
from azure.mgmt.cognitiveservices import models as sdk_models
from azure.mgmt.cognitiveservices.models import Account, Deployment, RaiPolicy

from aisec_assets.discovery.azure.accounts import (
    AccountId,
    TagValues,
    assess_account,
    parse_account_id,
    parse_tags,
)
from aisec_assets.discovery.azure.bundle import CognitiveServicesReader, PartUnreadable
from aisec_assets.discovery.azure.rejections import SOURCE, first_line, masked_excerpt
from aisec_resources.records import (
    Control,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
    UnreadablePart,
)

MODEL_PROVIDER = "azure_openai"
AI_ACCOUNT_KINDS: frozenset[str] = frozenset({"openai", "aiservices"})
_ASYNC_MODES: frozenset[str] = frozenset({"asynchronous_filter", "deferred"})
_JAILBREAK = "jailbreak"


@dataclass
class AzureSourceResult(SourceResult):
    """SourceResult plus the accounts skipped because their kind is not an AI kind."""

    skipped_accounts: list[str] = field(default_factory=list)  # "<account id> (kind <kind>)"


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
        part = subscription_id.lower()  # ARM ids are case-insensitive
        first_record = len(result.records)
        try:
            accounts: list[Account] = _call(
                result,
                f"list accounts of subscription {subscription_id}",
                lambda sub=subscription_id: reader.accounts(sub),
                part,
            )
        except PartUnreadable as exc:
            drain()
            _unreadable(result, part, exc.location, exc.reason)
            continue
        drain()
        _extract_accounts(reader, result, subscription_id, accounts, seen, drain)
        for record in result.records[first_record:]:
            record.part = part
    drain()
    return result


def _unreadable(result: SourceResult, part: str, location: str, reason: str) -> None:
    """A subscription that cannot be read: a rejection, and an unreadable part (the source is
    partial; the subscription's records keep their last good data, marked stale)."""
    result.rejections.append(Rejection(SOURCE, location, f"subscription {part}: {reason}"))
    result.unreadable.append(UnreadablePart(part, location, reason))


def _extract_accounts(
    reader: CognitiveServicesReader,
    result: AzureSourceResult,
    subscription_id: str,
    accounts: list[Account],
    seen: set[str],
    drain: Callable[[], None],
) -> None:
    """The AI accounts of one subscription, each with its deployments."""
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
                    excerpt=masked_excerpt(str(account.id)),
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
                    excerpt=masked_excerpt(str(account.id)),
                )
            )
            continue
        if (account.kind or "").lower() not in AI_ACCOUNT_KINDS:
            result.skipped_accounts.append(f"{account.id} (kind {account.kind})")
            continue
        _extract_account(reader, result, account, parsed, seen, drain)


def _call(
    result: SourceResult, what: str, fetch: Callable[[], list[Any]], part: str | None = None
) -> list[Any]:
    """One reader call; a failing API call is a rejection for that call, not a lost run (and,
    with `part`, that part is unreadable: what it held before keeps its last good data)."""
    try:
        return list(fetch())
    except HttpResponseError as exc:
        status = f"HTTP {exc.status_code} " if exc.status_code is not None else ""
        reason = f"API call failed: {status}{first_line(exc)}"
        if part is None:
            result.rejections.append(Rejection(SOURCE, what, reason))
        else:
            _unreadable(result, part, what, reason)
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
    part = sub.lower()
    deployments: list[Deployment] = _call(
        result,
        f"list deployments of {account.id}",
        lambda: reader.deployments(sub, rg, name),
        part,
    )
    drain()
    policies: list[RaiPolicy] = _call(
        result,
        f"list raiPolicies of {account.id}",
        lambda: reader.rai_policies(sub, rg, name),
        part,
    )
    drain()
    result.scanned += len(deployments) + len(policies)
    policies_by_name = {str(p.name).lower(): p for p in policies}
    account_posture, account_controls, exposure = assess_account(account)
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
                    excerpt=masked_excerpt(str(deployment.id)),
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
        invalid_fields=list(tags.invalid_fields),
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
