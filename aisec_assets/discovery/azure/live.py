"""The live reader: the management API through azure-mgmt-cognitiveservices, read-only.

`AzureLiveReader` implements `CognitiveServicesReader`, so `extract_azure_openai` parses the
live API exactly as it parses a bundle. It returns every account (the extractor keeps the
OpenAI / AIServices kinds and lists the others as skipped; it asks deployments only of AI
accounts). Every call it makes is in `READ_OPERATIONS`, the one table the documented Azure
role (`azure_role.json`) is checked against; account keys are never listed.

Failures, per call (`NotCollected` records them with a reason):

- 403 "access denied", 401 "authentication failed", 500s "server error", a body that is not
  JSON "malformed response", a read timeout "timeout";
- 429: the SDK's retry policy retries, waiting as long as Retry-After says (azure-core
  honours it), up to `max_attempts` tries; past that "throttled";
- 404 on an account's deployments or raiPolicies: the account went away between the listing
  and the call, so it has none (nothing is recorded);
- listing a subscription's accounts fails: `PartUnreadable` (the subscription's rows are kept,
  stale); a call below an account fails: `NotCollectedError`, which the extractor reports as
  a failed call making the subscription an unreadable part (so that account's rows, not read
  again, keep their last good data);
- the endpoint cannot be reached at all (connection refused, name not resolved): the error
  is raised as is, and the extractor makes the source unavailable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    DecodeError,
    HttpResponseError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Account, Deployment, RaiPolicy
from azure.mgmt.resource.subscriptions import SubscriptionClient

from aisec_assets.discovery.azure.bundle import PartUnreadable
from aisec_assets.discovery.azure.markers import NotCollected, NotCollectedError
from aisec_assets.discovery.azure.rejections import first_line
from aisec_resources.azure_clients import (
    CredentialFactory,
    azure_credential,
    cognitive_services_client,
    subscription_client,
)
from aisec_resources.config.azure_live import AzureLiveConfig
from aisec_resources.records import Rejection, SourceUnavailable


@dataclass(frozen=True)
class ReadOperation:
    """One management API call the live path makes, and the RBAC action that allows it."""

    api: str  # the ARM list name, as in `NotCollected.api`
    group: str  # the SDK client's operations group
    method: str  # the SDK method
    path: str  # the ARM path (GET)
    action: str  # the Azure RBAC action it needs


# The only calls the live path makes (and so the only permissions it needs): `azure_role.json`
# lists exactly these actions, and a test holds the two together.
READ_OPERATIONS: dict[str, ReadOperation] = {
    op.api: op
    for op in (
        ReadOperation(
            "subscriptions",
            "subscriptions",
            "list",
            "/subscriptions",
            "Microsoft.Resources/subscriptions/read",
        ),
        ReadOperation(
            "accounts",
            "accounts",
            "list",
            "/subscriptions/{subscriptionId}/providers/Microsoft.CognitiveServices/accounts",
            "Microsoft.CognitiveServices/accounts/read",
        ),
        ReadOperation(
            "deployments",
            "deployments",
            "list",
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.CognitiveServices/accounts/{accountName}/deployments",
            "Microsoft.CognitiveServices/accounts/deployments/read",
        ),
        ReadOperation(
            "raiPolicies",
            "rai_policies",
            "list",
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            "Microsoft.CognitiveServices/accounts/{accountName}/raiPolicies",
            "Microsoft.CognitiveServices/accounts/raiPolicies/read",
        ),
    )
}
_BELOW_ACCOUNT = frozenset({"deployments", "raiPolicies"})


def classify(exc: BaseException) -> tuple[str, int | None]:
    """A failed call's reason category and HTTP status (None when there was no answer)."""
    if isinstance(exc, DecodeError | ValueError):
        return "malformed response", getattr(exc, "status_code", None)
    if isinstance(exc, HttpResponseError):
        status = exc.status_code
        if status == 401 or (status is None and isinstance(exc, ClientAuthenticationError)):
            return "authentication failed", status
        reasons = {403: "access denied", 404: "not found", 429: "throttled"}
        if status in reasons:
            return reasons[status], status
        if status is not None and status >= 500:
            return "server error", status
        return "request refused", status
    if isinstance(exc, ServiceResponseTimeoutError | ServiceRequestTimeoutError):
        return "timeout", None
    if isinstance(exc, ServiceResponseError):
        return "connection broken", None
    if isinstance(exc, ServiceRequestError):
        return "unreachable", None
    return "failed", None


class _RequestCounter(SansIOHTTPPolicy):
    """Counts the HTTP requests one client sends (every try, every page)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def on_request(self, request: PipelineRequest) -> None:
        with self._lock:
            self.count += 1


class AzureLiveReader:
    """`CognitiveServicesReader` over the live management API (module docstring).

    One client per subscription, created on first use; the reader may be used from several
    threads at once as long as each subscription is read by one of them (the collector's
    way). `not_collected` lists every call that failed, `api_calls(sub)` the requests sent.
    """

    def __init__(
        self,
        config: AzureLiveConfig,
        *,
        credential_factory: CredentialFactory | None = None,
        subscriptions: list[str] | None = None,
    ) -> None:
        self.config = config
        self.rejections: list[Rejection] = []
        self.not_collected: list[NotCollected] = []
        self._credential: TokenCredential = (credential_factory or azure_credential)(config)
        self._subscriptions = subscriptions if subscriptions is not None else config.subscriptions
        self._clients: dict[str, CognitiveServicesManagementClient] = {}
        self._counters: dict[str, _RequestCounter] = {}
        self._lock = threading.Lock()

    # -- CognitiveServicesReader
    def subscriptions(self) -> list[str]:
        """The configured subscriptions, else every one the identity sees (subscriptions API;
        a failure there leaves nothing to read: `SourceUnavailable`)."""
        if self._subscriptions is not None:
            return _unique(self._subscriptions)
        counter = self._counter("")
        client: SubscriptionClient = subscription_client(
            self.config, self._credential, counters=[counter]
        )
        try:
            listed = self._list("", "subscriptions", client)
        except AzureError as exc:  # NotCollectedError, or the endpoint is unreachable
            why = (
                exc.call.describe()
                if isinstance(exc, NotCollectedError)
                else f"unreachable: {first_line(exc)}"
            )
            raise SourceUnavailable(
                f"Azure: cannot list subscriptions at {self.config.base_url}: {why}"
            ) from exc
        finally:
            client.close()
        return _unique([str(s.subscription_id) for s in listed if s.subscription_id])

    def accounts(self, subscription_id: str) -> list[Account]:
        try:
            return self._list(subscription_id, "accounts", self._client(subscription_id))
        except NotCollectedError as exc:
            raise PartUnreadable(
                f"GET accounts of subscription {subscription_id}", _reason(exc.call)
            ) from exc

    def deployments(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[Deployment]:
        return self._list(
            subscription_id,
            "deployments",
            self._client(subscription_id),
            resource_group,
            account_name,
        )

    def rai_policies(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[RaiPolicy]:
        return self._list(
            subscription_id,
            "raiPolicies",
            self._client(subscription_id),
            resource_group,
            account_name,
        )

    def location_of(self, resource_id: str) -> str:
        return f"GET {resource_id}"

    # -- statistics
    def api_calls(self, subscription_id: str) -> int:
        """HTTP requests sent for the subscription so far (pages and retries included)."""
        counter = self._counters.get(subscription_id.lower())
        return counter.count if counter else 0

    def not_collected_in(self, subscription_id: str) -> list[NotCollected]:
        with self._lock:
            return [
                c
                for c in self.not_collected
                if c.subscription_id.lower() == subscription_id.lower()
            ]

    def record_not_collected(self, call: NotCollected) -> None:
        """A call the caller decided not to make (e.g. a name unsafe as a path)."""
        with self._lock:
            self.not_collected.append(call)

    def close(self) -> None:
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()

    def __enter__(self) -> AzureLiveReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals
    def _counter(self, subscription_id: str) -> _RequestCounter:
        with self._lock:
            return self._counters.setdefault(subscription_id.lower(), _RequestCounter())

    def _client(self, subscription_id: str) -> CognitiveServicesManagementClient:
        counter = self._counter(subscription_id)
        with self._lock:
            client = self._clients.get(subscription_id.lower())
            if client is None:
                client = cognitive_services_client(
                    self.config, self._credential, subscription_id, counters=[counter]
                )
                self._clients[subscription_id.lower()] = client
            return client

    def _list(
        self,
        subscription_id: str,
        api: str,
        client: Any,
        resource_group: str | None = None,
        account_name: str | None = None,
    ) -> list[Any]:
        """One list call from `READ_OPERATIONS`, all pages; a failure is recorded and raised
        as `NotCollectedError` (an unreachable endpoint is raised as it is)."""
        operation = READ_OPERATIONS[api]
        args = [a for a in (resource_group, account_name) if a is not None]
        call: Callable[..., Any] = getattr(getattr(client, operation.group), operation.method)
        try:
            return list(call(*args))
        except (AzureError, ValueError) as exc:
            reason, status = classify(exc)
            if api in _BELOW_ACCOUNT and status == 404 and not isinstance(exc, DecodeError):
                return []  # the account went away after it was listed: it has none
            failed = NotCollected(
                subscription_id=subscription_id,
                api=api,
                reason=reason,
                status=status,
                detail=first_line(exc),
                resource_group=resource_group,
                account=account_name,
            )
            self.record_not_collected(failed)
            if reason == "unreachable":
                raise
            raise NotCollectedError(failed, f"{reason}: {failed.detail}") from exc


def _reason(call: NotCollected) -> str:
    http = f" (HTTP {call.status})" if call.status is not None else ""
    return f"{call.reason}{http}: {call.detail}" if call.detail else f"{call.reason}{http}"


def _unique(subscriptions: list[str]) -> list[str]:
    """In order, without repeats (subscription ids are case-insensitive)."""
    seen: set[str] = set()
    out: list[str] = []
    for subscription in subscriptions:
        if subscription.lower() not in seen:
            seen.add(subscription.lower())
            out.append(subscription)
    return out
