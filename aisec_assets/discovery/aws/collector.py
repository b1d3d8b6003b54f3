"""The state of one extraction (`Collector`): records, rejections, cached responses, tags.

Every record passes through `Collector.add` (secrets redacted from its raw copy, duplicates
rejected) or `Collector.referenced` (a resource known only because another one names it).

Tags map to fields: ``owner-team``, ``owner-email``, ``environment`` (deployment_env),
``data-classification``, ``network-exposure``, ``regulatory-scope``, and on SageMaker models
``ai-asset-type`` (foundation_model / fine_tuned_model / embedding_model). AWS tag values may
not contain commas (allowed: letters, digits, spaces and ``_ . : / = + - @``), so the scopes of
``regulatory-scope`` are separated by spaces, ``/``, ``+``, ``:`` or commas (from exporters that
allow them), e.g. ``gdpr pci_dss``.
Keys match case-insensitively. A value outside its enum leaves the field None and becomes a
`Rejection`; in a regulatory scope list only the bad entries are dropped, since keeping the
valid ones never understates the asset's obligations. Without an environment tag,
deployment_env stays None: the bundle does not say what an account is for (the declared
registry and the inventory can fill it in).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aisec_assets.discovery.aws.bundle import (
    ACCOUNT_RE,
    REGION_RE,
    AwsApi,
    AwsCallError,
    json_type,
    mask_excerpt,
)
from aisec_assets.discovery.aws.posture import LoggingState
from aisec_assets.discovery.aws.response import FieldError, ResponseObject
from aisec_resources.records import (
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    UnreadablePart,
    natural_key,
)
from aisec_resources.redaction import quote, redact_structure

_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_TAG_FIELDS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "owner-team": ("owner_team", None),
    "owner-email": ("owner_email", None),
    "environment": ("deployment_env", DEPLOYMENT_ENVS),
    "data-classification": ("data_classification", DATA_CLASSIFICATIONS),
    "network-exposure": ("network_exposure", NETWORK_EXPOSURES),
    "regulatory-scope": ("regulatory_scope", REGULATORY_SCOPES),
}
_SCOPE_SEPARATOR_RE = re.compile(r"[\s,;/+:]+")


def aws_partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def foundation_model_arn(region: str, model_id: str) -> str:
    """The resource id of a Bedrock foundation model in one region."""
    return f"arn:{aws_partition(region)}:bedrock:{region}::foundation-model/{model_id}"


def s3_uri_to_arn(uri: str, region: str) -> str:
    """`s3://bucket/prefix/` -> `arn:aws:s3:::bucket/prefix` (the dataset's resource id)."""
    path = uri[len("s3://") :].rstrip("/")
    return f"arn:{aws_partition(region)}:s3:::{path}"


class Collector:
    """State of one extraction: records by natural key, rejections, cached responses."""

    def __init__(self, api: AwsApi, source: str) -> None:
        self.api = api
        self.source = source
        self.result = SourceResult()
        self.records: dict[str, DiscoveredAsset] = {}
        self.logging: dict[tuple[str, str], LoggingState] = {}
        self._cache: dict[tuple[str, str, str, str, str | None], ResponseObject | None] = {}
        # The account/region being read: every record added meanwhile carries it as `part`.
        self.part: str | None = None
        self._unreadable_parts: set[str] = set()

    # -- input
    def call(
        self, account: str, region: str, service: str, operation: str, key: str | None = None
    ) -> ResponseObject | None:
        """A response, or None when absent or unusable (then already a Rejection)."""
        cache_key = (account, region, service, operation, key)
        if cache_key in self._cache:
            return self._cache[cache_key]
        try:
            data = self.api.call(account, region, service, operation, key)
        except AwsCallError as exc:
            self.reject(exc.location, exc.reason, None, exc.excerpt)
            if exc.unreadable and self.part is not None:
                # A call not collected (live: denied, throttled, expired; a bundle's marker):
                # the part's records from earlier runs are kept, stale, never dropped.
                self._unreadable(self.part, exc)
            data = None
        found = None
        if data is not None:
            self.result.scanned += 1
            found = ResponseObject(
                data, self.api.location(account, region, service, operation, key)
            )
        self._cache[cache_key] = found
        return found

    def items(self, response: ResponseObject, name: str) -> Iterator[ResponseObject]:
        """Elements of a response's list; a bad list or element becomes a Rejection."""
        value = response.data.get(name)
        if not isinstance(value, list):
            found = "missing" if value is None else f"{json_type(value)}, not an array"
            self.reject(
                response.location,
                f"expected the list {name!r} in the response, found {found}",
                name,
                response._keys_excerpt(),
            )
            return
        for i, item in enumerate(value):
            record = f"{name}[{i}]"
            if not isinstance(item, dict):
                self.reject(
                    f"{response.location}#{record}",
                    f"expected an object, found {json_type(item)}",
                    record,
                )
                continue
            yield ResponseObject(item, response.location, record)

    def reject(
        self, location: str, reason: str, field: str | None = None, excerpt: str | None = None
    ) -> None:
        self.result.rejections.append(Rejection(self.source, location, reason, field, excerpt))

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Run one record's parsing; a malformed field rejects that record only."""
        try:
            yield
        except FieldError as exc:
            self.reject(exc.location, exc.reason, exc.field, exc.excerpt)

    def _part_failed(self, exc: AwsCallError, part: str, field: str) -> None:
        """A directory that cannot be used: refused (outside the root) or, when the whole
        account / region cannot be read, an unreadable part (its records stay, stale)."""
        self.reject(exc.location, exc.reason, field, exc.excerpt)
        if exc.unreadable:
            self._unreadable(part, exc)

    def _unreadable(self, part: str, exc: AwsCallError) -> None:
        """Report `part` unreadable once, with the first reason found."""
        if part not in self._unreadable_parts:
            self._unreadable_parts.add(part)
            self.result.unreadable.append(UnreadablePart(part, exc.location, exc.reason))

    def account_regions(self) -> Iterator[tuple[str, str]]:
        """Every (account, region) to read; `part` is set to `account/region` meanwhile."""
        for account in self.api.accounts():
            if not ACCOUNT_RE.fullmatch(account):
                self.reject(
                    self.api.location(account),
                    "not an AWS account id (12 digits); skipped",
                    "account_id",
                    account[:40],
                )
                continue
            try:
                regions = self.api.regions(account)
            except AwsCallError as exc:
                self._part_failed(exc, account, "regions")
                continue
            for region in regions:
                if not REGION_RE.fullmatch(region):
                    self.reject(
                        self.api.location(account, region),
                        "not an AWS region name; skipped",
                        "region",
                        region[:40],
                    )
                    continue
                try:
                    self.api.check_region(account, region)
                except AwsCallError as exc:
                    self._part_failed(exc, f"{account}/{region}", "region")
                    continue
                self.part = f"{account}/{region}"
                yield account, region
                self.part = None

    # -- output
    def add(self, record: DiscoveredAsset, where: str) -> DiscoveredAsset:
        record.raw = redact_structure(record.raw)
        record.part = record.part or self.part
        existing = self.records.get(record.natural_key)
        if existing is not None:
            self.reject(
                where,
                f"duplicate of {existing.asset_type} {existing.name}; first one kept",
                "resource_id",
                record.resource_id[:120],
            )
            return existing
        self.records[record.natural_key] = record
        return record

    def referenced(
        self, resource_id: str, make: Callable[[], DiscoveredAsset], by: str, relation: str
    ) -> DiscoveredAsset:
        """A resource known only because another one refers to it (one record however often)."""
        record = self.records.get(natural_key(resource_id))
        if record is None:
            record = make()
            record.raw = redact_structure(record.raw)
            record.part = record.part or self.part
            self.records[record.natural_key] = record
        refs = record.posture.setdefault("referenced_by", [])
        entry = {"resource_id": by, "relation": relation}
        if entry not in refs:
            refs.append(entry)
        return record

    def tags(
        self,
        record: DiscoveredAsset,
        account: str,
        region: str,
        service: str,
        operation: str = "ListTagsForResource",
    ) -> dict[str, str]:
        """Read a resource's tags and map them onto the record's fields."""
        resp = self.call(account, region, service, operation, record.resource_id)
        if resp is None:
            return {}
        tags: dict[str, str] = {}
        with self.guard():
            if service == "sagemaker":
                for tag in resp.objs("Tags"):
                    tags[tag.req_str("Key")] = tag.opt_str("Value") or ""
            elif service == "bedrock":
                for tag in resp.objs("tags"):
                    tags[tag.req_str("key")] = tag.opt_str("value") or ""
            else:
                tags = resp.str_map("tags")
        record.posture["tags"] = tags
        self._map_tags(record, tags, resp.location)
        return tags

    def _map_tags(self, record: DiscoveredAsset, tags: dict[str, str], where: str) -> None:
        normalized = {k.strip().lower().replace("_", "-"): (k, v) for k, v in tags.items()}
        for tag_key, (field_name, allowed) in _TAG_FIELDS.items():
            if tag_key not in normalized:
                continue
            original_key, raw_value = normalized[tag_key]
            value = raw_value.strip()
            if field_name == "regulatory_scope":
                scopes = []
                for part in (p.lower() for p in _SCOPE_SEPARATOR_RE.split(value)):
                    if part in REGULATORY_SCOPES:
                        scopes.append(part)
                    elif part:
                        self._bad_tag(record, original_key, field_name, part, allowed, where)
                record.regulatory_scope = scopes or None
            elif field_name == "owner_email":
                if _EMAIL_RE.fullmatch(value):
                    record.owner_email = value
                else:
                    self._bad_tag(record, original_key, field_name, value, None, where)
            elif field_name == "owner_team":
                record.owner_team = value or None
            else:
                assert allowed is not None
                if value.lower() in allowed:
                    setattr(record, field_name, value.lower())
                else:
                    self._bad_tag(record, original_key, field_name, value, allowed, where)

    def _bad_tag(
        self,
        record: DiscoveredAsset,
        tag: str,
        field_name: str,
        value: str,
        allowed: tuple[str, ...] | None,
        where: str,
    ) -> None:
        expected = "one of " + ", ".join(allowed) if allowed else "an e-mail address"
        # The field stays unset but is named invalid, so risk scores it at its worst case: a bad
        # tag can raise an asset's risk, never lower it. (An invalid model-type tag keeps the
        # type the API reports, which is a real value.)
        if field_name != "asset_type" and field_name not in record.invalid_fields:
            record.invalid_fields.append(field_name)
        self.reject(
            where,
            f"{record.asset_type} {record.name} ({record.resource_id}): tag {tag}={quote(value)} "
            f"is not a valid {field_name} (expected {expected}); {field_name} left unset and "
            "scored at its worst case",
            f"tag {tag} -> {field_name}",
            mask_excerpt(f"{tag}={value}"),
        )

    def finish(self) -> SourceResult:
        self.result.records = list(self.records.values())
        return self.result


def base_record(
    source: str,
    resource_id: str,
    name: str,
    asset_type: str,
    account: str | None,
    region: str | None,
    **fields: Any,
) -> DiscoveredAsset:
    return DiscoveredAsset(
        source=source,
        resource_id=resource_id,
        name=name,
        asset_type=asset_type,
        cloud_provider="aws",
        cloud_account=account,
        cloud_region=region,
        **fields,
    )


def runtime_url(service: str, region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{service}.{region}.{suffix}"
