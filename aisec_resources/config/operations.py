"""`operations:` in aisec.yaml: how incidents are opened from detections and findings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from aisec_resources.config.base import _Strict


class ContainmentConfig(_Strict):
    """`operations.containment:` where containment calls go and as whom.

    AWS: the default boto3 credential chain (profile, environment, instance role); with
    `aws_role_name`, each call is made in the asset's account by assuming
    `arn:aws:iam::<account>:role/<aws_role_name>` (external id read from the variable named by
    `aws_external_id_env`). Azure: `DefaultAzureCredential` (environment, workload or managed
    identity, Azure CLI). The endpoint overrides point the SDKs at a private endpoint or a
    local fake; leave them unset in production."""

    aws_role_name: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    aws_external_id_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")] | None = (
        None
    )
    aws_endpoint_url: Annotated[str, Field(pattern=r"^https?://")] | None = None
    azure_base_url: Annotated[str, Field(pattern=r"^https?://")] = "https://management.azure.com"
    # Tries per call (the first included) for throttling and transient errors.
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3


class OperationsConfig(_Strict):
    containment: ContainmentConfig = ContainmentConfig()
    # Detections of one category, asset and actor belong to one incident while each follows
    # the previous within this many minutes.
    incident_gap_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 60
    # The least severe detection that opens an incident (less severe ones only join one).
    incident_min_severity: Literal["critical", "high", "medium", "low"] = "high"
    # How many days back a run looks for detections not yet attached to an incident.
    incident_lookback_days: Annotated[int, Field(ge=0, le=90)] = 7
