"""Reading the live AWS APIs with boto3: `AwsLiveReader`, the `AwsApi` the extractors read.

It answers exactly what `AwsBundleReader` answers for the same estate: one response per
(account, region, service, operation, key) with the bundle's keys (see the table in
`bundle`), all pages merged into one response without the page token, `ResponseMetadata`
dropped and timestamps as ISO-8601 strings, so a response written to disk reads back
identically (`collect` records a bundle this way).

`OPERATIONS` is the one table of the calls it can make: how a bundle key becomes request
parameters and the IAM action each needs (`iam_actions`, and `iam_policy.json` beside this
module). A call that cannot be collected raises `AwsCallError(..., unreadable=True)` with a
reason (`classify`): the extractors then mark that account/region unreadable, so what earlier
runs found there is kept (stale), never dropped. A vanished resource (ResourceNotFound between
a list and a get) is simply None. An expired credential fails its account only: every later
call of that account fails at once, other accounts go on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import boto3
import botocore.exceptions
from botocore import xform_name
from botocore.client import BaseClient

from aisec_assets.discovery.aws.bundle import AwsCallError
from aisec_resources.aws_sessions import AwsSessions, list_accounts, list_regions
from aisec_resources.config.aws_live import AwsLiveConfig
from aisec_resources.records import SourceUnavailable
from aisec_resources.redaction import redact_text

MAX_PAGES = 10_000  # a token that never ends is an error, not a hang
NOT_OFFERED = "not offered in region"
ACCESS_DENIED = "access denied"
EXPIRED = "expired credential"
THROTTLED = "throttled past the retry budget"


@dataclass(frozen=True)
class Operation:
    """One API call the extractors make: the request parameters its bundle key fills, in
    order (`<a>_<b>` keys split from the right, so only the first id may hold a `_`)."""

    params: tuple[str, ...] = ()
    # The IAM service prefix (bedrock-agent operations are `bedrock:` actions).
    iam_prefix: str = ""

    def request(self, key: str | None) -> dict[str, str]:
        if not self.params:
            if key is not None:
                raise ValueError("takes no parameter, but a key was given")
            return {}
        if not key:
            raise ValueError(f"needs {' and '.join(self.params)} (a key)")
        values = key.rsplit("_", len(self.params) - 1)
        if len(values) != len(self.params) or not all(values):
            raise ValueError(f"key {key[:80]!r} does not name {'_'.join(self.params)}")
        return dict(zip(self.params, values, strict=True))


def _ops(prefix: str, table: dict[str, tuple[str, ...]]) -> dict[str, Operation]:
    return {name: Operation(params, prefix) for name, params in table.items()}


OPERATIONS: dict[tuple[str, str], Operation] = {
    (service, name): op
    for service, ops in (
        (
            "bedrock",
            _ops(
                "bedrock",
                {
                    "GetModelInvocationLoggingConfiguration": (),
                    "ListGuardrails": (),
                    "GetGuardrail": ("guardrailIdentifier", "guardrailVersion"),
                    "ListCustomModels": (),
                    "GetCustomModel": ("modelIdentifier",),
                    "ListModelCustomizationJobs": (),
                    "GetModelCustomizationJob": ("jobIdentifier",),
                    "ListImportedModels": (),
                    "GetImportedModel": ("modelIdentifier",),
                    "ListProvisionedModelThroughputs": (),
                    "ListTagsForResource": ("resourceARN",),
                },
            ),
        ),
        (
            "bedrock-agent",
            _ops(
                "bedrock",
                {
                    "ListAgents": (),
                    "GetAgent": ("agentId",),
                    "ListAgentAliases": ("agentId",),
                    "ListAgentActionGroups": ("agentId", "agentVersion"),
                    "GetAgentActionGroup": ("agentId", "agentVersion", "actionGroupId"),
                    "ListAgentKnowledgeBases": ("agentId", "agentVersion"),
                    "ListKnowledgeBases": (),
                    "GetKnowledgeBase": ("knowledgeBaseId",),
                    "ListDataSources": ("knowledgeBaseId",),
                    "GetDataSource": ("knowledgeBaseId", "dataSourceId"),
                    "ListTagsForResource": ("resourceArn",),
                },
            ),
        ),
        (
            "sagemaker",
            _ops(
                "sagemaker",
                {
                    "ListEndpoints": (),
                    "DescribeEndpoint": ("EndpointName",),
                    "DescribeEndpointConfig": ("EndpointConfigName",),
                    "ListModels": (),
                    "DescribeModel": ("ModelName",),
                    "ListTags": ("ResourceArn",),
                },
            ),
        ),
    )
    for name, op in ops.items()
}
# ListGuardrails with a key lists the versions of one guardrail.
_OPTIONAL_KEY = {("bedrock", "ListGuardrails"): "guardrailIdentifier"}
# Made outside the operation table: listing the organisation (the caller), the enabled
# regions (each account's session) and entering each account.
EXTRA_ACTIONS = ("ec2:DescribeRegions", "organizations:ListAccounts", "sts:AssumeRole")


def member_role_actions() -> list[str]:
    """IAM actions the member-account role (or the single account's caller) needs."""
    found = {f"{op.iam_prefix}:{name}" for (_, name), op in OPERATIONS.items()}
    return sorted(found | {"ec2:DescribeRegions"})


def iam_actions() -> list[str]:
    """Every IAM action live discovery can call (see `iam_policy.json`)."""
    return sorted(set(member_role_actions()) | set(EXTRA_ACTIONS))


def request_parameters(service: str, operation: str, key: str | None) -> dict[str, str]:
    """The request parameters of one bundle call; ValueError for an unknown call or bad key."""
    op = OPERATIONS.get((service, operation))
    if op is None:
        raise ValueError(f"{service}:{operation} is not an operation live discovery makes")
    optional = _OPTIONAL_KEY.get((service, operation))
    if optional is not None and key is not None:
        return {optional: key}
    return op.request(key)


def error_code(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    return type(exc).__name__


def classify(exc: BaseException) -> str | None:
    """Why a call was not collected; None when the resource is simply not there."""
    if isinstance(
        exc, botocore.exceptions.ConnectTimeoutError | botocore.exceptions.ReadTimeoutError
    ):
        return "error timeout"
    if isinstance(
        exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.UnknownEndpointError
    ):
        return NOT_OFFERED
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return f"no credentials: {exc}"
    code = error_code(exc)
    if code == "ResourceNotFoundException":
        return None
    if code == "ValidationException" and "could not find" in str(exc).lower():
        return None  # SageMaker's way of saying a described resource is gone
    if code in ("OptInRequired", "SubscriptionRequiredException", "InvalidAction"):
        return NOT_OFFERED
    if code.startswith("AccessDenied") or code in ("UnauthorizedOperation", "AuthorizationError"):
        return ACCESS_DENIED
    if code.startswith("ExpiredToken") or code in ("RequestExpired", "InvalidClientTokenId"):
        return EXPIRED
    if code.startswith(("Throttling", "TooManyRequests")) or code in (
        "ThrottledException",
        "RequestLimitExceeded",
    ):
        return THROTTLED
    if code == "500" or code.startswith("InternalServer") or code == "InternalFailure":
        return f"error {code} (server error or not implemented)"
    return f"error {code}"


def plain(value: Any) -> Any:
    """A boto3 response as the bundle stores it: JSON types only, datetimes ISO-8601."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return value


class AwsLiveReader:
    """`AwsApi` over the live APIs of the configured accounts and regions (thread-safe)."""

    def __init__(
        self,
        config: AwsLiveConfig,
        *,
        sessions: AwsSessions | None = None,
        base_session: boto3.session.Session | None = None,
        page_size: int | None = None,
    ) -> None:
        """`page_size` (tests): ask for pages this small, where the API allows it."""
        self.config = config
        self.sessions = sessions or AwsSessions(config, base_session)
        self.page_size = page_size
        self._lock = threading.Lock()
        self._failed: dict[str, tuple[str, str]] = {}  # account -> (location, reason)
        self._calls = 0

    @property
    def calls_made(self) -> int:
        return self._calls

    def account_failure(self, account: str) -> tuple[str, str] | None:
        """(location, reason) of what failed an account as a whole (assume-role, expiry)."""
        with self._lock:
            return self._failed.get(account)

    def _fail_account(self, account: str, location: str, reason: str) -> AwsCallError:
        with self._lock:
            self._failed.setdefault(account, (location, reason))
            location, reason = self._failed[account]
        return AwsCallError(location, f"account {account} not read: {reason}", unreadable=True)

    def _check_account(self, account: str) -> None:
        failed = self.account_failure(account)
        if failed is not None:
            raise AwsCallError(
                failed[0], f"account {account} not read: {failed[1]}", unreadable=True
            )

    def _session(self, account: str) -> boto3.session.Session:
        self._check_account(account)
        try:
            return self.sessions.session(account)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            what = (
                f"assume role {self.sessions.role_arn(account)}"
                if self.config.role_name
                else "base credentials"
            )
            reason = f"{what}: {classify(exc) or error_code(exc)}"
            raise self._fail_account(account, self.location(account), reason) from None

    # -- AwsApi
    def accounts(self) -> list[str]:
        try:
            return list_accounts(self.config, sessions=self.sessions)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise SourceUnavailable(
                f"AWS organizations:ListAccounts failed: {classify(exc) or error_code(exc)}"
            ) from None

    def regions(self, account_id: str) -> list[str]:
        session = self._session(account_id)
        if self.config.regions is not None:
            return sorted(self.config.regions)
        home = self.sessions.home_region
        try:
            return list_regions(
                self.config,
                session,
                client=lambda service, region: self.sessions.client(account_id, region, service),
                home_region=home,
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            where = self.location(account_id, home, "ec2", "DescribeRegions")
            reason = classify(exc) or error_code(exc)
            if reason == EXPIRED:
                raise self._fail_account(account_id, where, reason) from None
            raise AwsCallError(where, reason, unreadable=True) from None

    def check_region(self, account_id: str, region: str) -> None:
        self._check_account(account_id)

    def location(
        self,
        account_id: str,
        region: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        key: str | None = None,
    ) -> str:
        where = "aws:" + "/".join(p for p in (account_id, region) if p)
        if service is not None:
            where += f"/{service}"
            if operation is not None:
                where += f":{operation}" + (f"({key})" if key is not None else "")
        return where

    def call(
        self, account_id: str, region: str, service: str, operation: str, key: str | None = None
    ) -> dict[str, Any] | None:
        where = self.location(account_id, region, service, operation, key)
        try:
            params = request_parameters(service, operation, key)
        except ValueError as exc:
            raise AwsCallError(where, str(exc)) from None
        self._session(account_id)
        with self._lock:
            self._calls += 1
        try:
            client = self.sessions.client(account_id, region, service)
            response = self._collect(client, operation, params)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            reason = classify(exc)
            if reason is None:
                return None
            if reason == EXPIRED:
                raise self._fail_account(account_id, where, reason) from None
            message = redact_text(" ".join(str(exc).split()))[:300]
            raise AwsCallError(where, reason, message, unreadable=True) from None
        return json.loads(json.dumps(plain(response)))

    def _collect(
        self, client: BaseClient, operation: str, params: dict[str, str]
    ) -> dict[str, Any]:
        """Every page of one call merged into one response (lists joined, token dropped)."""
        method = xform_name(operation)
        if client.can_paginate(method):
            paging = {}
            if self.page_size:
                shape = client.meta.service_model.operation_model(operation).input_shape
                limit = next(
                    (shape.members[n] for n in ("maxResults", "MaxResults") if n in shape.members),
                    None,
                )
                floor = limit.metadata.get("min", 1) if limit is not None else 1
                paging = {"PageSize": max(self.page_size, floor)}
            pages = client.get_paginator(method).paginate(**params, PaginationConfig=paging)
            merged = pages.build_full_result()
            for token in ("nextToken", "NextToken"):
                merged.pop(token, None)
            return merged
        merged = getattr(client, method)(**params)
        for _ in range(MAX_PAGES):
            token_name = next((t for t in ("nextToken", "NextToken") if merged.get(t)), None)
            if token_name is None:
                return merged
            page = getattr(client, method)(**params, **{token_name: merged.pop(token_name)})
            for name, value in page.items():
                if isinstance(value, list) and isinstance(merged.get(name), list):
                    merged[name] = merged[name] + value
                elif name not in merged or name == token_name:
                    merged[name] = value
        raise botocore.exceptions.PaginationError(message=f"more than {MAX_PAGES} pages")
