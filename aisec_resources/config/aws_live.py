"""How the live AWS discovery reaches an organisation's accounts and regions.

Credentials are never configuration: the base credentials come from boto3's standard chain
(profile, environment, instance or task role), and the external id of the member-account
role is read from the environment variable NAMED here, so no secret is ever written to
aisec.yaml, a log or the warehouse.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from aisec_resources.config.base import Strict

ACCOUNT_ID_RE = re.compile(r"\d{12}")
REGION_NAME_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
# IAM role names: 1-64 of letters, digits and + = , . @ _ -
ROLE_NAME_RE = re.compile(r"[\w+=,.@-]{1,64}")
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


class AwsLiveConfig(Strict):
    """Accounts, role, regions, endpoint and limits of a live collection.

    - `accounts`: 12-digit account ids; None = every ACTIVE account of the AWS Organization
      (organizations:ListAccounts, from the base credentials' account).
    - `role_name`: the role assumed in each account
      (`arn:<partition>:iam::<account>:role/<role_name>`); None = the base credentials are used
      as they are (a single account).
    - `external_id_env`: the NAME of the environment variable holding the external id.
    - `regions`: None = the regions where Bedrock is offered (botocore's endpoint data) that the
      account has enabled (ec2:DescribeRegions).
    - `endpoint_url`: every client goes there (a private endpoint or a local fake).
    - `max_workers`: the bounded thread pool; `max_attempts`: botocore's adaptive retry budget.
    """

    accounts: list[str] | None = None
    role_name: str | None = None
    external_id_env: str | None = None
    regions: list[str] | None = None
    endpoint_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    max_workers: Annotated[int, Field(ge=1, le=256)] = 16
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    connect_timeout: Annotated[float, Field(gt=0, le=300)] = 10.0
    read_timeout: Annotated[float, Field(gt=0, le=900)] = 60.0

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("an empty account list reads nothing; omit it to read every account")
        bad = [a for a in value if not ACCOUNT_ID_RE.fullmatch(a)]
        if bad:
            raise ValueError(f"not 12-digit AWS account ids: {bad[:5]}")
        if len(set(value)) != len(value):
            raise ValueError("an account is listed twice")
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("an empty region list reads nothing; omit it to enumerate regions")
        bad = [r for r in value if not REGION_NAME_RE.fullmatch(r)]
        if bad:
            raise ValueError(f"not AWS region names (like us-east-1): {bad[:5]}")
        if len(set(value)) != len(value):
            raise ValueError("a region is listed twice")
        return value

    @field_validator("role_name")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None and not ROLE_NAME_RE.fullmatch(value):
            raise ValueError(
                "not an IAM role name (1-64 letters, digits and + = , . @ _ -; a name, not an ARN)"
            )
        return value

    @field_validator("external_id_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME_RE.fullmatch(value):
            raise ValueError(
                "must be the NAME of an environment variable (letters, digits, _), never the "
                "external id itself"
            )
        return value

    @model_validator(mode="after")
    def _external_id_needs_role(self) -> AwsLiveConfig:
        if self.external_id_env is not None and self.role_name is None:
            raise ValueError("external_id_env is used only to assume role_name: set role_name")
        return self
