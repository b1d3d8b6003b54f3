"""Containment calls through the real cloud SDKs (boto3, azure-mgmt-cognitiveservices).

A `CloudCall` is one API operation with its exact parameters, in one account or subscription:
what a dry run prints and records, and what an approved run sends. `CloudCaller.execute`
makes the call and returns a `CallOutcome` — the response (with any secret it carries left
out) or the error code and message. It never raises for a failed call: the caller records the
failure and escalates, so a denied or broken call can never pass unnoticed.

Some updates replace a resource wholesale (Bedrock's UpdateAgentActionGroup drops an executor
or schema not sent again): such a call names a `ReadFirst`, and the current values of the
fields it lists are read and carried into the update, so only the intended field changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import boto3
import botocore.config
import botocore.exceptions
from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, HttpResponseError
from azure.identity import DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Account, PatchResourceTagsAndSku
from botocore import xform_name

from aisec_resources.aws_sessions import assume_role_session, client_config, external_id_from
from aisec_resources.azure_clients import loopback_policies
from aisec_resources.config.operations import ContainmentConfig
from aisec_resources.redaction import redact_structure, redact_text

Provider = Literal["aws", "azure"]
# IAM is global: its calls go to the partition's one endpoint.
GLOBAL_REGION = "us-east-1"
MESSAGE_LIMIT = 500
# Azure SDK calls the program may make, with the model their body is built into.
AZURE_BODIES: dict[tuple[str, str], type | None] = {
    ("accounts", "regenerate_key"): None,
    ("accounts", "begin_update"): Account,
    ("deployments", "begin_update"): PatchResourceTagsAndSku,
}
_ARM_ACCOUNT = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.CognitiveServices/accounts/(?P<account>[^/]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ArmAccount:
    subscription_id: str
    resource_group: str
    account_name: str


def parse_account_id(resource_id: str) -> ArmAccount | None:
    """The subscription, resource group and account of a Cognitive Services resource id (an
    account or anything under it), or None when it is not one."""
    match = _ARM_ACCOUNT.match(resource_id.strip())
    if match is None:
        return None
    return ArmAccount(match["sub"], match["rg"], match["account"])


@dataclass(frozen=True)
class ReadFirst:
    """Read the resource before an update and carry `fields` of `response_key` into it."""

    operation: str
    params: Mapping[str, Any]
    response_key: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class CloudCall:
    provider: Provider
    # boto3 service name ("iam", "bedrock-agent"), or the Azure SDK's operations group.
    service: str
    # The API operation (UpdateAccessKey) or the Azure SDK method (regenerate_key).
    operation: str
    params: Mapping[str, Any]
    # AWS account id or Azure subscription id the call is made in.
    scope: str
    region: str | None = None
    read_first: ReadFirst | None = None
    # The response holds secrets (regenerated keys): it is never recorded, only its success.
    secret_response: bool = False

    def describe(self) -> str:
        """The exact call, as a dry run prints it."""
        args = ", ".join(f"{k}={json.dumps(v, sort_keys=True)}" for k, v in self.params.items())
        where = f"{self.scope}/{self.region}" if self.region else self.scope
        text = f"{self.provider} {self.service} {self.operation}({args}) in {where}"
        if self.read_first is not None:
            text += (
                f"; first {self.read_first.operation} to carry "
                f"{', '.join(self.read_first.fields)} unchanged"
            )
        return text

    def fingerprint(self) -> str:
        """Stable id of the call: the timeline marks a call executed by it, so a rerun of an
        approved containment never repeats a call that succeeded."""
        canonical = json.dumps(
            [
                self.provider,
                self.service,
                self.operation,
                dict(self.params),
                self.scope,
                self.region,
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class CallOutcome:
    ok: bool
    response: Mapping[str, Any] = field(default_factory=dict)
    error_code: str | None = None
    error_message: str | None = None

    def describe(self) -> str:
        if self.ok:
            return "ok: " + json.dumps(self.response, sort_keys=True, default=str)
        return f"{self.error_code}: {self.error_message}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _clean_response(response: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    meta = response.get("ResponseMetadata")
    if isinstance(meta, Mapping):
        out["RequestId"] = meta.get("RequestId")
        out["HTTPStatusCode"] = meta.get("HTTPStatusCode")
    return redact_structure(_jsonable(out))


def _message(text: object) -> str:
    return redact_text(" ".join(str(text).split()))[:MESSAGE_LIMIT]


class CloudCaller:
    """Makes `CloudCall`s with the configured credentials (see `ContainmentConfig`).

    `boto_session` and `azure_credential` are injected by tests; by default the first is the
    standard boto3 credential chain and the second `DefaultAzureCredential`.
    """

    def __init__(
        self,
        config: ContainmentConfig,
        *,
        boto_session: boto3.session.Session | None = None,
        azure_credential: Callable[[], TokenCredential] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self._boto_session = boto_session
        self._azure_credential = azure_credential or DefaultAzureCredential
        self._environ = environ
        self._aws_sessions: dict[str, boto3.session.Session] = {}
        self._azure_clients: dict[str, CognitiveServicesManagementClient] = {}

    def execute(self, call: CloudCall) -> CallOutcome:
        try:
            if call.provider == "aws":
                return self._aws(call)
            return self._azure(call)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            return CallOutcome(
                False,
                error_code=str(error.get("Code") or "ClientError"),
                error_message=_message(error.get("Message") or exc),
            )
        except HttpResponseError as exc:
            code = exc.error.code if exc.error is not None and exc.error.code else None
            return CallOutcome(
                False,
                error_code=code or f"HTTP {exc.status_code}",
                error_message=_message(exc.message),
            )
        except (botocore.exceptions.BotoCoreError, AzureError) as exc:
            return CallOutcome(False, error_code=type(exc).__name__, error_message=_message(exc))
        except Exception as exc:  # any other failure is recorded and escalated too
            return CallOutcome(
                False,
                error_code=f"unexpected {type(exc).__name__}",
                error_message=_message(exc),
            )

    # -- AWS
    def _session_for(self, account: str) -> boto3.session.Session:
        if account in self._aws_sessions:
            return self._aws_sessions[account]
        base = self._boto_session or boto3.session.Session()
        session = base
        if self.config.aws_role_name:
            sts = base.client(
                "sts",
                region_name=GLOBAL_REGION,
                endpoint_url=self.config.aws_endpoint_url,
                config=self._boto_config(),
            )
            session = assume_role_session(
                sts,
                f"arn:aws:iam::{account}:role/{self.config.aws_role_name}",
                "aisec-containment",
                external_id_from(self.config.aws_external_id_env, self._environ),
            )
        self._aws_sessions[account] = session
        return session

    def _boto_config(self) -> botocore.config.Config:
        # `max_attempts` counts the first attempt too, as discovery's does (client_config).
        return client_config(self.config.max_attempts, user_agent_extra="aisec-containment")

    def _aws(self, call: CloudCall) -> CallOutcome:
        client = self._session_for(call.scope).client(
            call.service,
            region_name=call.region or GLOBAL_REGION,
            endpoint_url=self.config.aws_endpoint_url,
            config=self._boto_config(),
        )
        params = dict(call.params)
        if call.read_first is not None:
            current = getattr(client, xform_name(call.read_first.operation))(
                **call.read_first.params
            )[call.read_first.response_key]
            for name in call.read_first.fields:
                if current.get(name) is not None and name not in params:
                    params[name] = current[name]
        response = getattr(client, xform_name(call.operation))(**params)
        if call.secret_response:
            return CallOutcome(True, {"result": "done (the response holds secrets: not kept)"})
        return CallOutcome(True, _clean_response(response))

    # -- Azure
    def _azure_client(self, subscription_id: str) -> CognitiveServicesManagementClient:
        if subscription_id not in self._azure_clients:
            base_url = self.config.azure_base_url
            self._azure_clients[subscription_id] = CognitiveServicesManagementClient(
                self._azure_credential(),
                subscription_id,
                base_url=base_url,
                per_call_policies=loopback_policies(base_url),
                retry_total=self.config.max_attempts - 1,
            )
        return self._azure_clients[subscription_id]

    def _azure(self, call: CloudCall) -> CallOutcome:
        key = (call.service, call.operation)
        if key not in AZURE_BODIES:
            raise ValueError(f"not a containment call: azure {call.service}.{call.operation}")
        operations = getattr(self._azure_client(call.scope), call.service)
        params = dict(call.params)
        model = AZURE_BODIES[key]
        if model is not None:
            body_name = "account" if call.service == "accounts" else "deployment"
            params[body_name] = model.from_dict(params.pop("body"))
        result = getattr(operations, call.operation)(**params)
        if call.operation.startswith("begin_"):
            result = result.result()
        if call.secret_response:
            return CallOutcome(True, {"result": "done (the response holds secrets: not kept)"})
        body = result.as_dict() if hasattr(result, "as_dict") else {}
        return CallOutcome(True, _clean_response(body))
