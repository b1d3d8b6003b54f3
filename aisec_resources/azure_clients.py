"""Azure credentials and management clients, built one way for every caller.

The credential is `DefaultAzureCredential`, or a service principal whose tenant id, client id
and client secret are read from the environment variables the configuration NAMES (the values
are never in a file, a log or an error message). Tests inject a credential factory instead.

Clients talk to `base_url` (Azure by default). The bearer-token policy refuses plain http,
rightly; `loopback_policies` lifts that for a loopback host only (a local fake, a
TLS-terminating proxy on the host), never for anything else.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import TokenCredential
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.identity import ClientSecretCredential, DefaultAzureCredential
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from aisec_resources.config.azure_live import AzureLiveConfig

LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})

# Builds the credential for a configuration (injectable: tests hand out a fake token).
CredentialFactory = Callable[[AzureLiveConfig], TokenCredential]


class AzureCredentialError(Exception):
    """The configured service principal cannot be built (names the variable, never a value)."""


class AllowLoopbackHttp(SansIOHTTPPolicy):
    """The bearer-token policy refuses plain http; a loopback endpoint (a local fake, a
    TLS-terminating proxy on the host) is the one place it is allowed."""

    def on_request(self, request: PipelineRequest) -> None:
        request.context["enforce_https"] = False


def is_loopback(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "") in LOOPBACK_HOSTS


def loopback_policies(base_url: str) -> list[SansIOHTTPPolicy]:
    """`[AllowLoopbackHttp()]` for a loopback base URL, else nothing (https enforced)."""
    return [AllowLoopbackHttp()] if is_loopback(base_url) else []


def azure_credential(
    config: AzureLiveConfig, environ: Mapping[str, str] | None = None
) -> TokenCredential:
    """The configured credential: a service principal from the named environment variables,
    or `DefaultAzureCredential`."""
    if not config.uses_service_principal:
        return DefaultAzureCredential()
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for role, name in (
        ("tenant id", config.tenant_id_env),
        ("client id", config.client_id_env),
        ("client secret", config.client_secret_env),
    ):
        value = env.get(name or "", "")
        if not value.strip():
            raise AzureCredentialError(
                f"Azure service principal: environment variable {name} (the {role}) is not set"
            )
        values[role] = value.strip()
    return ClientSecretCredential(values["tenant id"], values["client id"], values["client secret"])


def _client_options(
    config: AzureLiveConfig, counters: Sequence[SansIOHTTPPolicy]
) -> dict[str, Any]:
    return {
        "base_url": config.base_url,
        "per_call_policies": loopback_policies(config.base_url),
        # Run on every try: what they count is HTTP requests actually sent.
        "per_retry_policies": list(counters),
        "retry_total": config.max_attempts - 1,
        "retry_backoff_factor": config.retry_backoff,
        "connection_timeout": config.timeout,
        "read_timeout": config.timeout,
    }


def cognitive_services_client(
    config: AzureLiveConfig,
    credential: TokenCredential,
    subscription_id: str,
    *,
    counters: Sequence[SansIOHTTPPolicy] = (),
) -> CognitiveServicesManagementClient:
    """One subscription's Cognitive Services management client (retries, timeouts, endpoint
    from the configuration; `counters` see every HTTP request sent, retries included)."""
    return CognitiveServicesManagementClient(
        credential, subscription_id, **_client_options(config, counters)
    )


def subscription_client(
    config: AzureLiveConfig,
    credential: TokenCredential,
    *,
    counters: Sequence[SansIOHTTPPolicy] = (),
) -> SubscriptionClient:
    """The client listing the subscriptions the identity can see."""
    return SubscriptionClient(credential, **_client_options(config, counters))
