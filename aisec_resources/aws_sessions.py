"""boto3 sessions and clients for many AWS accounts and regions, shared by threads.

One session per account (the base credentials, or the role assumed in that account with its
external id), made once and cached; one client per (account, region, service), made once:
boto3 sessions are not thread-safe but clients are, so creation is locked and use is not.
Assumed-role credentials refresh themselves before they expire (a long collection outlives
the one-hour default), and every client shares one botocore `Config`: adaptive retries with
the configured budget, a connection pool at least as large as the worker pool, timeouts.
The base session is injectable (tests point it at a local fake).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

import boto3
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.loaders
import botocore.session
from botocore.client import BaseClient

from aisec_resources.config.aws_live import ACCOUNT_ID_RE, AwsLiveConfig

ROLE_SESSION_NAME = "aisec-discovery"
DEFAULT_REGION = "us-east-1"
# Regions a region is considered enabled in (ec2:DescribeRegions OptInStatus).
_ENABLED = ("opt-in-not-required", "opted-in")
# One loader (it caches the parsed service models, megabytes of JSON) for every session made
# here: without it each assumed-role session parses the Bedrock and SageMaker models again.
_LOADER = botocore.loaders.create_loader()


class MissingExternalId(botocore.exceptions.NoCredentialsError):
    """The external-id variable is configured but not set: nothing is assumed without it."""

    fmt = "{variable} (the external id of the role) is not set in the environment"


def client_config(max_attempts: int, max_workers: int = 10, **extra: Any) -> botocore.config.Config:
    """Adaptive retries within `max_attempts` attempts in all (the first one included:
    botocore's own `max_attempts` counts retries only), a pool no smaller than the workers."""
    return botocore.config.Config(
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},
        max_pool_connections=max(10, max_workers),
        **extra,
    )


def assume_role_session(
    sts: BaseClient,
    role_arn: str,
    session_name: str,
    external_id: str | None = None,
    region_name: str | None = None,
) -> boto3.session.Session:
    """A session with the credentials of `role_arn`, assumed now (so a denial raises here)
    and refreshed by botocore before they expire."""

    def fetch() -> dict[str, str]:
        kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
        if external_id:
            kwargs["ExternalId"] = external_id
        creds = sts.assume_role(**kwargs)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    credentials = botocore.credentials.RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
    )
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    core.register_component(
        "credential_provider", botocore.credentials.CredentialResolver([_Fixed(credentials)])
    )
    return boto3.session.Session(botocore_session=core, region_name=region_name)


class _Fixed(botocore.credentials.CredentialProvider):
    METHOD = "sts-assume-role"

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


def external_id_from(variable: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The external id held by the variable NAMED `variable` (None when none is configured)."""
    if variable is None:
        return None
    value = (os.environ if environ is None else environ).get(variable)
    if not value:
        raise MissingExternalId(variable=variable)
    return value


class AwsSessions:
    """Sessions per account and clients per (account, region, service), thread-safe."""

    def __init__(
        self,
        config: AwsLiveConfig,
        base_session: boto3.session.Session | None = None,
        environ: Mapping[str, str] | None = None,
        user_agent: str = "aisec-discovery",
    ) -> None:
        self.config = config
        self.base = base_session or boto3.session.Session()
        self._environ = environ
        self._lock = threading.Lock()
        self._account_locks: dict[str, threading.Lock] = {}
        self._sessions: dict[str, boto3.session.Session] = {}
        self._clients: dict[tuple[str, str, str], BaseClient] = {}
        self.botocore_config = client_config(
            config.max_attempts,
            config.max_workers,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            user_agent_extra=user_agent,
        )

    @property
    def home_region(self) -> str:
        """Where global calls (STS, Organizations, DescribeRegions) are sent."""
        if self.config.regions:
            return self.config.regions[0]
        return self.base.region_name or DEFAULT_REGION

    @property
    def partition(self) -> str:
        return self.base.get_partition_for_region(self.home_region)

    def role_arn(self, account: str) -> str:
        return f"arn:{self.partition}:iam::{account}:role/{self.config.role_name}"

    def base_client(self, service: str, region: str | None = None) -> BaseClient:
        with self._lock:
            return self.base.client(
                service,
                region_name=region or self.home_region,
                endpoint_url=self.config.endpoint_url,
                config=self.botocore_config,
            )

    def session(self, account: str) -> boto3.session.Session:
        """The session of one account, made once (assume-role errors raise to the caller and
        are retried by the next call: a transient failure is not cached)."""
        if not ACCOUNT_ID_RE.fullmatch(account):
            raise ValueError(f"not a 12-digit AWS account id: {account[:40]!r}")
        with self._lock:
            if account in self._sessions:
                return self._sessions[account]
            account_lock = self._account_locks.setdefault(account, threading.Lock())
        with account_lock:  # one assume-role per account, other accounts not blocked
            with self._lock:
                if account in self._sessions:
                    return self._sessions[account]
            if self.config.role_name is None:
                session = self.base
            else:
                session = assume_role_session(
                    self.base_client("sts"),
                    self.role_arn(account),
                    ROLE_SESSION_NAME,
                    external_id_from(self.config.external_id_env, self._environ),
                    region_name=self.home_region,
                )
            with self._lock:
                self._sessions[account] = session
            return session

    def client(self, account: str, region: str, service: str) -> BaseClient:
        key = (account, region, service)
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        session = self.session(account)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.config.endpoint_url,
                    config=self.botocore_config,
                )
            return self._clients[key]


def list_accounts(
    config: AwsLiveConfig,
    base_session: boto3.session.Session | None = None,
    *,
    sessions: AwsSessions | None = None,
) -> list[str]:
    """The configured accounts, or every ACTIVE account of the organisation (paginated)."""
    if config.accounts is not None:
        return list(config.accounts)
    sessions = sessions or AwsSessions(config, base_session)
    client = sessions.base_client("organizations")
    found: set[str] = set()
    for page in client.get_paginator("list_accounts").paginate():
        for account in page.get("Accounts", []):
            if account.get("Status", "ACTIVE") == "ACTIVE":
                found.add(account["Id"])
    return sorted(found)


def list_regions(
    config: AwsLiveConfig,
    session: boto3.session.Session,
    *,
    client: Callable[[str, str], BaseClient] | None = None,
    home_region: str = DEFAULT_REGION,
) -> list[str]:
    """The configured regions, or those where Bedrock is offered (botocore's endpoint data)
    that this account has enabled (ec2:DescribeRegions). `client(service, region)` makes the
    EC2 client (default: from `session`, with the config's endpoint)."""
    if config.regions is not None:
        return sorted(config.regions)
    partition = session.get_partition_for_region(home_region)
    offered = set(session.get_available_regions("bedrock", partition_name=partition))
    ec2 = (
        client("ec2", home_region)
        if client is not None
        else session.client("ec2", region_name=home_region, endpoint_url=config.endpoint_url)
    )
    enabled = {
        r["RegionName"]
        for r in ec2.describe_regions(AllRegions=False).get("Regions", [])
        if r.get("OptInStatus", "opt-in-not-required") in _ENABLED
    }
    return sorted(offered & enabled)
