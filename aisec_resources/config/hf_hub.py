"""`sources.huggingface.hub`: an organisation's models and datasets on the Hugging Face Hub.

The Hub is read live (`HfApi`-compatible REST calls to `endpoint`) or, for air-gapped
installations, from an offline `bundle` of the same API responses written by `collect_hub`.
The token is never part of the configuration: `token_env` names the environment variable
that holds it, so aisec.yaml can be committed and shown without leaking a credential.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from aisec_resources.config.base import Strict

DEFAULT_ENDPOINT = "https://huggingface.co"
# Hub user and organisation names (the `author` of a repo).
ORGANIZATION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# What a Hugging Face access token looks like: `hf_` (or `api_org_`) and a long random tail.
_TOKEN_SHAPED = re.compile(r"^(hf_|api_org_)[A-Za-z0-9]{20,}$")


class HubConfig(Strict):
    """Which Hub organisations to inventory, and how to reach them."""

    organizations: Annotated[
        list[Annotated[str, Field(pattern=ORGANIZATION_PATTERN)]], Field(min_length=1)
    ]
    endpoint: str = DEFAULT_ENDPOINT
    token_env: str | None = None
    bundle: Path | None = None
    timeout: Annotated[float, Field(gt=0, le=600)] = 30.0
    max_workers: Annotated[int, Field(ge=1, le=32)] = 4

    @field_validator("organizations")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen = [v.lower() for v in value]
        twice = sorted({v for v in value if seen.count(v.lower()) > 1})
        if twice:
            raise ValueError(f"organization listed more than once: {twice}")
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        """An http(s) base URL without query or fragment; the trailing slash is dropped so
        that resource ids built from it are the same however it was written."""
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://huggingface.co")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must be a plain base URL (no credentials, query or fragment)")
        return value.strip().rstrip("/")

    @field_validator("token_env")
    @classmethod
    def _token_env(cls, value: str | None) -> str | None:
        # The message never repeats the value: if it is a token, it must not reach a log.
        if value is None:
            return None
        if _TOKEN_SHAPED.match(value):
            raise ValueError(
                "looks like an access token: token_env takes the NAME of the environment "
                "variable that holds the token, never the token itself"
            )
        if not _ENV_NAME.match(value):
            raise ValueError("must be an environment variable name (letters, digits, _)")
        return value
