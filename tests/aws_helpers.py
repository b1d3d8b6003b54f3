"""Helpers for the AWS discovery tests: botocore shape validation and an in-memory `AwsApi`."""

from __future__ import annotations

import copy
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.client import BaseClient
from botocore.model import Shape
from botocore.stub import Stubber


@dataclass(frozen=True)
class BundleFile:
    path: Path
    account: str
    region: str
    service: str
    operation: str
    key: str | None


def bundle_files(root: Path) -> Iterator[BundleFile]:
    """Every response file of a bundle, with the call it answers (layout of the AWS reader)."""
    for path in sorted(root.rglob("*.json")):
        parts = path.relative_to(root).parts
        if len(parts) == 4:
            account, region, service, name = parts
            yield BundleFile(path, account, region, service, name.removesuffix(".json"), None)
        elif len(parts) == 5:
            account, region, service, operation, name = parts
            key = urllib.parse.unquote(name.removesuffix(".json"))
            yield BundleFile(path, account, region, service, operation, key)
        else:
            raise AssertionError(f"{path}: not in the bundle layout")


@cache
def _client(service: str) -> BaseClient:
    # Stubber never sends a request, so no credentials are needed.
    return botocore.session.get_session().create_client(service, region_name="us-east-1")


def validate_response(service: str, operation: str, response: dict[str, Any]) -> None:
    """Raise if `response` is not exactly what `service.operation` returns.

    Two checks: botocore's own Stubber validation (types, required and unknown members) on the
    response with its ISO-8601 timestamps parsed, and a walk over the output shape for what
    Stubber does not check: enum values, string patterns and lengths, and that every timestamp
    is an ISO-8601 string with a time zone.
    """
    client = _client(service)
    model = client.meta.service_model
    if operation not in model.operation_names:
        raise AssertionError(f"{service} has no operation {operation}")
    output = model.operation_model(operation).output_shape
    errors: list[str] = []
    parsed = _walk(response, output, operation, errors)
    if errors:
        raise AssertionError(f"{service}:{operation}: " + "; ".join(errors[:10]))
    stubber = Stubber(client)
    stubber.add_response(xform_name(operation), parsed)  # raises ParamValidationError


def _walk(value: Any, shape: Shape, path: str, errors: list[str]) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {
            k: _walk(v, shape.members[k], f"{path}.{k}", errors) if k in shape.members else v
            for k, v in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [_walk(v, shape.member, f"{path}[{i}]", errors) for i, v in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        return {
            _walk(k, shape.key, f"{path} key", errors): _walk(v, shape.value, f"{path}.{k}", errors)
            for k, v in value.items()
        }
    if kind == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} not in enum {shape.enum}")
        meta = shape.metadata
        too_short = "min" in meta and len(value) < meta["min"]
        if too_short or ("max" in meta and len(value) > meta["max"]):
            errors.append(
                f"{path}: length {len(value)} outside {meta.get('min')}..{meta.get('max')}"
            )
        pattern = _compiled(meta.get("pattern"))
        if pattern is not None and not pattern.fullmatch(value):
            errors.append(f"{path}: {value!r} does not match {meta['pattern']!r}")
        return value
    if kind == "timestamp":
        if not isinstance(value, str):
            errors.append(f"{path}: timestamp must be an ISO-8601 string, found {value!r}")
            return value
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            errors.append(f"{path}: {value!r} is not ISO-8601")
            return value
        if parsed.tzinfo is None:
            errors.append(f"{path}: {value!r} has no time zone")
        return parsed
    return value  # scalars and type mismatches: Stubber reports the latter


@cache
def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct; Stubber's checks still apply
        return None


class DictApi:
    """An `AwsApi` answering from a dict `{(account, region, service, operation, key): resp}`.

    It has no file system at all, so an extractor that works on it uses only the protocol.
    """

    def __init__(self, responses: dict[tuple[str, str, str, str, str | None], dict]) -> None:
        self.responses = responses
        self.calls: list[tuple[str, str, str, str, str | None]] = []

    def accounts(self) -> list[str]:
        return sorted({k[0] for k in self.responses})

    def regions(self, account_id: str) -> list[str]:
        return sorted({k[1] for k in self.responses if k[0] == account_id})

    def check_region(self, account_id: str, region: str) -> None:
        return None  # nothing on disk: every region it lists can be read

    def call(
        self, account_id: str, region: str, service: str, operation: str, key: str | None = None
    ) -> dict[str, Any] | None:
        self.calls.append((account_id, region, service, operation, key))
        found = self.responses.get((account_id, region, service, operation, key))
        return copy.deepcopy(found)

    def location(
        self,
        account_id: str,
        region: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        key: str | None = None,
    ) -> str:
        parts = [p for p in (account_id, region, service, operation, key) if p is not None]
        return "dict://" + "/".join(parts)
