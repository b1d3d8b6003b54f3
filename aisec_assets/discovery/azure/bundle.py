"""Where the Azure SDK objects come from: the reader protocol and the offline bundle reader.

Parsing works on the SDK's own model objects (`azure.mgmt.cognitiveservices.models.Account`,
`Deployment`, `RaiPolicy`), so `AzureBundleReader` (here) and a live reader built on
`CognitiveServicesManagementClient` (`accounts.list()`, `deployments.list(rg, name)`,
`rai_policies.list(rg, name)`) feed the same `extract_azure_openai`.

Offline bundle layout (ARM REST responses, api-version 2025-09-01, pages merged)::

    <bundle>/<subscription_id>/accounts.json                                   {"value": [...]}
    <bundle>/<subscription_id>/<resourceGroup>/<accountName>/deployments.json  {"value": [...]}
    <bundle>/<subscription_id>/<resourceGroup>/<accountName>/raiPolicies.json  {"value": [...]}

Each item is deserialized with the SDK model's own `deserialize`; an item that fails becomes a
`Rejection` naming the file, the item index and (`locate_bad_field`) the field.

A bundle written by a live collection (`collect.collect_azure`) also has, per subscription::

    <bundle>/<subscription_id>/_collection.json
        {"subscription_id", "status": "ok"|"partial"|"failed", "collected_at", "seconds",
         "counts": {"accounts", "ai_accounts", "deployments", "rai_policies", "api_calls"},
         "error", "not_collected": [{"subscription_id", "api", "resource_group", "account",
         "reason", "status", "detail"}], "kept"}

Each subscription directory is written whole into a temporary sibling (`.tmp-...`, skipped
as hidden) and swapped in, so it always holds one collection. `partial`: some calls below an
account failed; they are listed in `not_collected` and their files are absent. `failed`: the
subscription's accounts could not be listed; the directory keeps the previous collection's
files, `_collection.json` is replaced by the failure (`error`, `collected_at` = the attempt)
with the previous status document under `kept` (null when there was none, in which case the
directory holds nothing else).

The reader honours the markers, so nothing not collected reads as "none": a `failed`
subscription (or a `_collection.json` that cannot be read) raises `PartUnreadable` for the
subscription, and a call listed in `not_collected` raises `NotCollectedError` (an
`HttpResponseError`: the extractor reports the failed call and the subscription as an
unreadable part, whose rows not read again keep their last good data, stale). A bundle
without `_collection.json` (a hand-made export) is read as before.

A scan never leaves its root: every directory listed and file read is resolved (symlinks
followed) and what resolves outside the bundle is refused with a `Rejection` naming the path
and where it resolves, never read. A subscription directory that cannot be read at all (not
a directory, a symlink loop, permission denied) raises `PartUnreadable` with the actual
reason: the extractor reports the subscription as an unreadable part (the source is partial,
the subscription's records keep their last good data).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Protocol, TypeVar

from azure.mgmt.cognitiveservices import models as sdk_models
from azure.mgmt.cognitiveservices.models import Account, Deployment, RaiPolicy

from aisec_assets.discovery.azure.markers import (
    COLLECTION_FILE,
    CollectionStatus,
    NotCollected,
    NotCollectedError,
    read_status,
)
from aisec_assets.discovery.azure.rejections import (
    SOURCE,
    first_line,
    json_shape,
    json_type,
    masked_excerpt,
)
from aisec_resources.confine import escape_reason, outside_root, real_root
from aisec_resources.records import Rejection, SourceUnavailable

DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
ACCOUNTS_FILE = "accounts.json"
DEPLOYMENTS_FILE = "deployments.json"
RAI_POLICIES_FILE = "raiPolicies.json"

ModelT = TypeVar("ModelT", Account, Deployment, RaiPolicy)
# Subscription ids are GUIDs: a top-level entry named like one is a subscription even when it
# is not a readable directory (then it is reported as unreadable, not skipped as stray).
_SUBSCRIPTION_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


class PartUnreadable(Exception):
    """A whole subscription cannot be read (its directory, its failed collection, or the API
    call listing its accounts)."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


class CognitiveServicesReader(Protocol):
    """Where the SDK objects come from: an offline bundle or the live management API.

    Readers put what they could not read into `rejections` (bad file, bad item, failed call)
    and go on; `location_of` tells where an object came from, for rejections the extractor
    makes about it (e.g. an invalid tag).
    """

    rejections: list[Rejection]

    def subscriptions(self) -> list[str]: ...

    def accounts(self, subscription_id: str) -> list[Account]:
        """The subscription's accounts; `PartUnreadable` when the subscription cannot be read."""
        ...

    def deployments(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[Deployment]: ...

    def rai_policies(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[RaiPolicy]: ...

    def location_of(self, resource_id: str) -> str: ...


class AzureBundleReader:
    """Reads an offline bundle of ARM responses into SDK model objects.

    Each item is deserialized with the SDK model's own `deserialize`, so an item off the API's
    shape fails as the SDK would fail on it; here it becomes a `Rejection` naming file, item
    index and field, and the other items are still read.
    """

    def __init__(self, bundle: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.bundle = Path(bundle)
        self.max_file_bytes = max_file_bytes
        self.rejections: list[Rejection] = []
        self._locations: dict[str, str] = {}
        self._real_root = real_root(self.bundle)
        self._refused: set[str] = set()
        # subscription (lowercase) -> its collection status, when the bundle has one
        self._statuses: dict[str, CollectionStatus] = {}

    def subscriptions(self) -> list[str]:
        if not self.bundle.is_dir():
            raise SourceUnavailable(f"Azure bundle {self.bundle} does not exist or is not a dir")
        try:
            entries = sorted(self.bundle.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            raise SourceUnavailable(f"Azure bundle {self.bundle} cannot be read: {exc}") from exc
        subscriptions: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue  # e.g. .DS_Store, .git: not part of the export
            if self._escapes(entry):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError as exc:
                self._reject(str(entry), f"cannot stat bundle entry: {exc}")
                continue
            if is_dir or entry.is_symlink() or _SUBSCRIPTION_ID.fullmatch(entry.name):
                # a link that leads nowhere (loop, dangling) or a GUID-named non-directory is
                # a subscription that cannot be read: accounts() says why
                subscriptions.append(entry.name)
            else:
                self._reject(
                    str(entry), "unexpected file at bundle top level (expected subscription dirs)"
                )
        return subscriptions

    def accounts(self, subscription_id: str) -> list[Account]:
        directory = self.bundle / subscription_id
        if self._escapes(directory):
            return []
        try:
            os.listdir(directory)
        except OSError as exc:
            raise PartUnreadable(
                str(directory),
                f"subscription directory cannot be read: {exc.strerror or exc}",
            ) from exc
        self._check_collection(subscription_id, directory)
        path = directory / ACCOUNTS_FILE
        if not os.path.lexists(path):
            self._reject(str(path), "accounts.json is missing: no accounts collected")
            return []
        return self._read_list(path, Account)

    def deployments(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[Deployment]:
        self._raise_if_not_collected(subscription_id, "deployments", resource_group, account_name)
        path = self._account_file(subscription_id, resource_group, account_name, DEPLOYMENTS_FILE)
        return self._read_list(path, Deployment) if path is not None else []

    def rai_policies(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[RaiPolicy]:
        self._raise_if_not_collected(subscription_id, "raiPolicies", resource_group, account_name)
        path = self._account_file(subscription_id, resource_group, account_name, RAI_POLICIES_FILE)
        return self._read_list(path, RaiPolicy) if path is not None else []

    def location_of(self, resource_id: str) -> str:
        return self._locations.get(resource_id.lower(), resource_id)

    # -- internals
    def _check_collection(self, subscription_id: str, directory: Path) -> None:
        """Honour `_collection.json`: a failed collection, or a status file that cannot be
        trusted, makes the whole subscription unreadable (module docstring)."""
        status_path = directory / COLLECTION_FILE
        if self._escapes(status_path):
            raise PartUnreadable(str(status_path), "collection status file leaves the bundle")
        try:
            status = read_status(directory)
        except ValueError as exc:
            raise PartUnreadable(
                str(status_path), f"collection status file is unusable: {first_line(exc)}"
            ) from exc
        if status is None:
            return
        if status.status == "failed":
            kept = status.kept or {}
            kept_from = kept.get("collected_at") if isinstance(kept, dict) else None
            holds = (
                f"the directory holds the collection of {kept_from}"
                if kept_from
                else "no earlier collection is held"
            )
            raise PartUnreadable(
                str(status_path),
                f"collection failed at {status.collected_at}: {status.error or 'unknown error'}"
                f" ({holds})",
            )
        self._statuses[subscription_id.lower()] = status

    def _raise_if_not_collected(
        self, subscription_id: str, api: str, resource_group: str, account_name: str
    ) -> None:
        status = self._statuses.get(subscription_id.lower())
        if status is None:
            return
        for call in status.not_collected:
            if call.matches(api, resource_group, account_name):
                raise NotCollectedError(call, _not_collected_message(call, status))

    def _account_file(
        self, subscription_id: str, resource_group: str, account_name: str, file_name: str
    ) -> Path | None:
        """The account's file, or None when it was not collected (not an error).

        ARM names are case-insensitive, so the directories are matched without case when the
        exact spelling is not there.
        """
        directory: Path | None = self.bundle / subscription_id
        for part in (resource_group, account_name):
            directory = _child_ignoring_case(directory, part) if directory else None
            if directory is not None and self._escapes(directory):
                return None
        if directory is None:
            return None
        path = directory / file_name
        # Absent = not collected. Anything that is there (even a dangling link) is read, so
        # that what cannot be read becomes a rejection rather than silently "none".
        return path if os.path.lexists(path) else None

    def _read_list(self, path: Path, model: type[ModelT]) -> list[ModelT]:
        document = self._load_json(path)
        if document is None:
            return []
        if not isinstance(document, dict) or not isinstance(document.get("value"), list):
            self._reject(
                str(path),
                'top level must be an object with a "value" list (an ARM list response)',
                field="value",
                excerpt=json_shape(document),
            )
            return []
        if document.get("nextLink"):
            # The contract is one merged page; a nextLink means later pages were not collected.
            self._reject(
                str(path),
                "file holds one page of a paged list (nextLink set): later pages not collected",
                field="nextLink",
            )
        objects: list[ModelT] = []
        seen: set[str] = set()
        for index, item in enumerate(document["value"]):
            location = f"{path}: value[{index}]"
            parsed = self._deserialize(location, model, item)
            if parsed is None:
                continue
            key = str(parsed.id).lower()
            if key in seen:
                # Overlapping pages in a merged export; the first copy is kept.
                self._reject(location, "duplicate id in this file: first one kept", field="id")
                continue
            seen.add(key)
            self._locations.setdefault(key, location)
            objects.append(parsed)
        return objects

    def _deserialize(self, location: str, model: type[ModelT], item: Any) -> ModelT | None:
        if not isinstance(item, dict):
            self._reject(
                location,
                f"item is {json_type(item)}, not an object",
                excerpt=json_shape(item),
            )
            return None
        try:
            parsed = model.deserialize(item)
        except Exception as exc:  # the SDK raises DeserializationError, sometimes others
            bad_field = locate_bad_field(model, item)
            self._reject(
                location,
                f"{model.__name__} cannot be deserialized by the SDK: {first_line(exc)}",
                field=bad_field,
                excerpt=json_shape(_value_at(item, bad_field)),
            )
            return None
        for required in ("id", "name"):
            value = getattr(parsed, required, None)
            if not isinstance(value, str) or not value.strip():
                self._reject(
                    location,
                    f"{model.__name__} has no usable {required!r} (must be a non-empty string)",
                    field=required,
                    excerpt=json_shape(item.get(required)),
                )
                return None
        return parsed

    def _escapes(self, path: Path) -> bool:
        """True (and one Rejection per path) when `path` resolves outside the bundle."""
        escaped = outside_root(path, self._real_root)
        if escaped is None:
            return False
        if str(path) not in self._refused:
            self._refused.add(str(path))
            self._reject(str(path), escape_reason(self._real_root, escaped))
        return True

    def _load_json(self, path: Path) -> Any | None:
        if self._escapes(path):
            return None
        try:
            if not path.is_file():
                self._reject(str(path), "not a regular file (a directory or a broken link)")
                return None
            size = path.stat().st_size
            if size > self.max_file_bytes:
                self._reject(
                    str(path), f"file is {size} bytes, over the {self.max_file_bytes}-byte limit"
                )
                return None
            data = path.read_bytes()
        except OSError as exc:
            self._reject(str(path), f"cannot read file: {exc}")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self._reject(str(path), f"not UTF-8 text (invalid byte at offset {exc.start})")
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self._reject(
                str(path),
                f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                excerpt=masked_excerpt(text.splitlines()[exc.lineno - 1] if text.strip() else ""),
            )
            return None

    def _reject(
        self, location: str, reason: str, field: str | None = None, excerpt: str | None = None
    ) -> None:
        self.rejections.append(Rejection(SOURCE, location, reason, field, excerpt))


def _not_collected_message(call: NotCollected, status: CollectionStatus) -> str:
    return f"not collected ({call.reason}) by the collection of {status.collected_at}: " + (
        call.detail or "no detail recorded"
    )


def _child_ignoring_case(directory: Path, name: str) -> Path | None:
    exact = directory / name
    try:
        if exact.is_dir():
            return exact
        if not directory.is_dir():
            return None
        matches = sorted(
            p for p in directory.iterdir() if p.name.lower() == name.lower() and p.is_dir()
        )
    except OSError:
        return None
    return matches[0] if matches else None


def locate_bad_field(model: type[Any], item: dict[str, Any], prefix: str = "") -> str | None:
    """Dotted path (REST names) of the first field the SDK model cannot deserialize.

    The SDK's error names only the value and type; this probes each attribute of the model's
    attribute map with the same `deserialize`, descending into nested models and lists.
    """
    for description in model._attribute_map.values():
        key, type_name = description["key"], description["type"]
        if not key or key not in item:
            continue
        value = item[key]
        if _deserializes(model, {key: value}):
            continue
        path = f"{prefix}{key}"
        element_type = type_name[1:-1] if type_name.startswith("[") else None
        nested = _sdk_model(element_type or type_name)
        if nested is not None and element_type is not None and isinstance(value, list):
            for index, element in enumerate(value):
                if not _deserializes(nested, element):
                    inner = (
                        locate_bad_field(nested, element, f"{path}[{index}].")
                        if isinstance(element, dict)
                        else None
                    )
                    return inner or f"{path}[{index}]"
        elif nested is not None and isinstance(value, dict):
            return locate_bad_field(nested, value, f"{path}.") or path
        return path
    return None


def _deserializes(model: type[Any], data: Any) -> bool:
    try:
        model.deserialize(data)
    except Exception:  # probing: any failure means "this part is bad"
        return False
    return True


def _sdk_model(type_name: str) -> type[Any] | None:
    candidate = getattr(sdk_models, type_name, None)
    return candidate if isinstance(candidate, type) and hasattr(candidate, "deserialize") else None


def _value_at(item: dict[str, Any], dotted: str | None) -> Any:
    if not dotted:
        return item
    current: Any = item
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", dotted):
        if part.startswith("[") and isinstance(current, list):
            index = int(part[1:-1])
            current = current[index] if index < len(current) else None
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current
