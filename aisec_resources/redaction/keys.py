"""Key-name redaction: a structured value under a field named like a secret is masked whatever
it looks like (a password is rarely credential-shaped)."""

from __future__ import annotations

import re
from functools import cache

# Normalized (snake_case) names, matched whole or as the last words of a longer name:
# `openai_api_key`, `awsSecretAccessKey`, `AccessKeyId`, `hf_token`. Names that only mention a
# secret (`credentials_secret_arn`, `api_key_hash`, `max_tokens`, `kms_key_id`) end otherwise.
SECRET_NAME_ENDINGS: tuple[str, ...] = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "secrets",
    "secret_key",
    "secret_access_key",
    "secret_string",
    "secret_value",
    "api_key",
    "apikey",
    "access_key",
    "access_key_id",
    "account_key",
    "primary_key",
    "secondary_key",
    "master_key",
    "signing_key",
    "subscription_key",
    "private_key",
    "private_key_id",
    "key1",
    "key2",
    "token",
    "api_token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_token",
    "session_token",
    "bearer_token",
    "sas_token",
    "credential",
    "credentials",
    "connection_string",
    "conn_str",
    "authorization",
    "cookie",
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@cache
def normalize_key(name: str) -> str:
    """`awsSecretAccessKey` / `Ocp-Apim-Subscription-Key` -> `aws_secret_access_key` /
    `ocp_apim_subscription_key`."""
    return _NON_WORD.sub("_", _CAMEL.sub("_", name[:200]).lower()).strip("_")


@cache
def is_secret_name(name: str) -> bool:
    key = normalize_key(name)
    return any(key == end or key.endswith("_" + end) for end in SECRET_NAME_ENDINGS)
