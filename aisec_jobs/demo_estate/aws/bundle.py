"""The demo AWS bundle writer (`BundleWriter`), the accounts, model ids and ARN helpers.

`BundleWriter` collects API responses in memory in the layout `aisec_assets.discovery.aws`
documents, then writes them at once in a stable order. Same `as_of` and the same
`random.Random` state give the same bytes: every id comes from `rng`, every timestamp from
`as_of`, and JSON is written with sorted keys and a fixed indent.
"""

from __future__ import annotations

import json
import random
import string
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aisec_assets.discovery.aws import bundle_file_name
from aisec_jobs.demo_estate.company import AWS_ACCOUNTS, TEAMS, AwsAccount

PROD_ALIAS = "kestrel-ml-prod"
DEV_ALIAS = "kestrel-ml-dev"
TITAN_TEXT = "amazon.titan-text-express-v1:0:8k"
NOVA_LITE = "amazon.nova-lite-v1:0:300k"
TITAN_EMBED = "amazon.titan-embed-text-v2:0"
COHERE_EMBED = "cohere.embed-multilingual-v3"
CLAUDE_SONNET_PROFILE = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
CLAUDE_HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
# AWS Deep Learning Container images (the registry account is AWS's own).
DLC_REGISTRY = "763104351884.dkr.ecr.{region}.amazonaws.com"
HF_DLC = (
    DLC_REGISTRY + "/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04"
)
TGI_DLC = (
    DLC_REGISTRY + "/huggingface-pytorch-tgi-inference:2.1.1-tgi2.0.0-gpu-py310-cu121-ubuntu22.04"
)


def account_by_alias(alias: str) -> AwsAccount:
    for account in AWS_ACCOUNTS:
        if account.alias == alias:
            return account
    raise KeyError(f"no AWS account with alias {alias!r} in company.AWS_ACCOUNTS")


class BundleWriter:
    """Responses collected in memory, then written at once in a stable order."""

    def __init__(self, root: Path, as_of: date, rng: random.Random) -> None:
        self.root = root
        self.as_of = as_of
        self.rng = rng
        self.files: dict[Path, dict[str, Any]] = {}

    def put(
        self,
        account: str,
        region: str,
        service: str,
        operation: str,
        response: dict[str, Any],
        key: str | None = None,
    ) -> None:
        base = self.root / account / region / service
        path = (
            base / f"{operation}.json" if key is None else base / operation / bundle_file_name(key)
        )
        if path in self.files:
            raise ValueError(f"demo bundle writes {path} twice")
        self.files[path] = response

    def write(self) -> None:
        for path in sorted(self.files):
            path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(self.files[path], sort_keys=True, indent=2, ensure_ascii=False)
            path.write_bytes((text + "\n").encode("utf-8"))

    # -- deterministic ids and times
    def upper_id(self, length: int = 10) -> str:
        return "".join(
            self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(length)
        )

    def lower_id(self, length: int = 12) -> str:
        return "".join(
            self.rng.choice(string.ascii_lowercase + string.digits) for _ in range(length)
        )

    def hex_id(self, length: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def kms_key(self, account: str, region: str) -> str:
        h = self.hex_id(32)
        uuid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        return f"arn:aws:kms:{region}:{account}:key/{uuid}"

    def ts(self, days_ago: int) -> str:
        midnight = datetime.combine(self.as_of, time(0, 0), tzinfo=UTC)
        moment = midnight - timedelta(days=days_ago) + timedelta(seconds=self.rng.randrange(86400))
        return moment.isoformat()

    # -- tags in each service's own response shape
    def tags(self, account: str, region: str, service: str, arn: str, tags: dict[str, str]) -> None:
        if service == "bedrock":
            response: dict[str, Any] = {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
            self.put(account, region, service, "ListTagsForResource", response, arn)
        elif service == "bedrock-agent":
            self.put(account, region, service, "ListTagsForResource", {"tags": tags}, arn)
        else:
            response = {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
            self.put(account, region, service, "ListTags", response, arn)


def team_tags(
    team: str,
    env: str | None = None,
    classification: str | None = None,
    exposure: str | None = None,
    scopes: str | None = None,
    **extra: str,
) -> dict[str, str]:
    tags = {"owner-team": team, "owner-email": TEAMS[team].email}
    for key, value in (
        ("environment", env),
        ("data-classification", classification),
        ("network-exposure", exposure),
        ("regulatory-scope", scopes),
    ):
        if value is not None:
            tags[key] = value
    tags.update(extra)
    return tags


def role_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/service-role/{name}"


def lambda_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"
