"""Live Azure discovery settings: which subscriptions, as whom, and how patiently.

Secrets never live in the configuration file: a service principal is named by the NAMES of
the environment variables holding its tenant id, client id and client secret (all three or
none); without them the credential is `DefaultAzureCredential` (environment, workload or
managed identity, Azure CLI). `base_url` points the SDK at a sovereign cloud, a private
endpoint or (in tests) a local fake; plain http is allowed only for a loopback host.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from aisec_resources.config.base import Strict

SUBSCRIPTION_ID_PATTERN = (
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"

SubscriptionId = Annotated[str, Field(pattern=SUBSCRIPTION_ID_PATTERN)]
EnvName = Annotated[str, Field(pattern=ENV_NAME_PATTERN)]


class AzureLiveConfig(Strict):
    """How live Azure OpenAI / AI Services discovery reaches the management API."""

    # None: every subscription the identity can see (the subscriptions API).
    subscriptions: list[SubscriptionId] | None = None
    # Names of the environment variables of a service principal (never the values).
    tenant_id_env: EnvName | None = None
    client_id_env: EnvName | None = None
    client_secret_env: EnvName | None = None
    base_url: Annotated[str, Field(pattern=r"^https?://[^/\s]+")] = "https://management.azure.com"
    # Subscriptions collected at once.
    max_workers: Annotated[int, Field(ge=1, le=64)] = 8
    # Tries per HTTP call (the first included) for throttling (429, Retry-After honoured),
    # server errors and timeouts.
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 4
    # Exponential backoff factor (seconds) between tries when no Retry-After is given.
    retry_backoff: Annotated[float, Field(ge=0, le=60)] = 0.8
    # Connection and read timeout of one HTTP call, seconds.
    timeout: Annotated[float, Field(gt=0, le=600)] = 60.0

    @model_validator(mode="after")
    def _service_principal_complete(self) -> Self:
        names = {
            "tenant_id_env": self.tenant_id_env,
            "client_id_env": self.client_id_env,
            "client_secret_env": self.client_secret_env,
        }
        given = [k for k, v in names.items() if v]
        if given and len(given) != len(names):
            missing = sorted(set(names) - set(given))
            raise ValueError(
                "a service principal needs all of tenant_id_env, client_id_env and "
                f"client_secret_env (or none of them); missing: {missing}"
            )
        return self

    @property
    def uses_service_principal(self) -> bool:
        return self.client_secret_env is not None
