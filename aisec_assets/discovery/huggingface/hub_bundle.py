"""The offline Hub bundle: its layout, and the reader that serves it as `HubReader`.

Layout (written by `hub_collect.collect_hub`; a hand-made export of the same API answers
works too — `_collection.json` is then optional)::

    <bundle>/_collection.json                        status of the last collection, per org
    <bundle>/<org>/models.json                       GET /api/models?author=<org>, pages merged
    <bundle>/<org>/datasets.json                     GET /api/datasets?author=<org>, pages merged
    <bundle>/<org>/models/<quoted repo id>.json      GET /api/models/<repo id>
    <bundle>/<org>/datasets/<quoted repo id>.json    GET /api/datasets/<repo id>

``<quoted repo id>`` is the id percent-encoded with nothing kept (``acme/tiny`` ->
``acme%2Ftiny``), so an id never names a path. ``_collection.json``::

    {"format": "aisec-hf-hub-bundle/1", "endpoint": "https://huggingface.co",
     "organizations": {"<org>": {"status": "ok" | "partial" | "failed",
        "collected_at": "...", "last_success_at": "...", "seconds": 1.2, "counts": {...},
        "error": null | {"kind", "location", "reason", "status"},
        "not_collected": [{"repo_type", "repo_id", "kind", "location", "reason", "status"}],
        "vanished": [{"repo_type", "repo_id"}]}}}

The reader replays what the collection met: a failed organisation (its previous directory,
if any, is kept by the collector but not read) and each repo not collected raise the same
`HubCallError` the live run raised, so the inventory keeps those rows stale exactly as after
a live run. Resource ids use the bundle's recorded ``endpoint`` (else the configured one).
Nothing outside the bundle is read: paths resolving outside it (symlinks) are refused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aisec_assets.discovery.huggingface.hub import (
    FAILED,
    MALFORMED,
    VANISHED,
    HubCallError,
)
from aisec_resources.confine import escape_reason, outside_root, real_root

BUNDLE_FORMAT = "aisec-hf-hub-bundle/1"
STATUS_FILE = "_collection.json"
LISTING_FILES = {"model": "models.json", "dataset": "datasets.json"}
INFO_DIRS = {"model": "models", "dataset": "datasets"}
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024


def info_file_name(repo_id: str) -> str:
    return f"{quote(repo_id, safe='')}.json"


def listing_path(bundle: Path, organization: str, repo_type: str) -> Path:
    return bundle / organization / LISTING_FILES[repo_type]


def info_path(bundle: Path, organization: str, repo_type: str, repo_id: str) -> Path:
    return bundle / organization / INFO_DIRS[repo_type] / info_file_name(repo_id)


def read_status(bundle: Path) -> dict[str, Any]:
    """`_collection.json` as a dict ({} when absent); ValueError when it is unusable."""
    path = bundle / STATUS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("organizations", {}), dict):
        raise ValueError(f"{path}: expected an object with an `organizations` object")
    return data


class HubBundleReader:
    """Serves a bundle through the `HubReader` protocol (see the module doc)."""

    def __init__(
        self, bundle: Path, endpoint: str, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> None:
        self.bundle = Path(bundle)
        self.max_file_bytes = max_file_bytes
        self._root = real_root(self.bundle)
        self._status_error: str | None = None
        try:
            self._status = read_status(self.bundle)
        except ValueError as exc:
            self._status, self._status_error = {}, str(exc)
        recorded = self._status.get("endpoint")
        self._endpoint = (recorded if isinstance(recorded, str) and recorded else endpoint).rstrip(
            "/"
        )

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def location(self, organization: str, repo_type: str, repo_id: str | None = None) -> str:
        if repo_id is None:
            return str(listing_path(self.bundle, organization, repo_type))
        return str(info_path(self.bundle, organization, repo_type, repo_id))

    def _org_status(self, organization: str) -> dict[str, Any]:
        entry = self._status.get("organizations", {}).get(organization)
        return entry if isinstance(entry, dict) else {}

    def list_repos(self, organization: str, repo_type: str) -> list[Any]:
        where = self.location(organization, repo_type)
        if self._status_error:
            raise HubCallError(MALFORMED, str(self.bundle / STATUS_FILE), self._status_error)
        status = self._org_status(organization)
        if status.get("status") == "failed":
            raise HubCallError.from_json(status.get("error"), where)
        if not (self.bundle / organization).is_dir():
            raise HubCallError(
                FAILED, str(self.bundle / organization), "organisation not in the bundle"
            )
        value = self._load(Path(where))
        if not isinstance(value, list):
            raise HubCallError(
                MALFORMED, where, f"listing is a JSON {type(value).__name__}, not an array"
            )
        return value

    def repo_info(self, organization: str, repo_type: str, repo_id: str) -> Any:
        path = info_path(self.bundle, organization, repo_type, repo_id)
        if path.exists() or path.is_symlink():
            return self._load(path)
        status = self._org_status(organization)
        for entry in status.get("not_collected") or []:
            if _names(entry, repo_type, repo_id):
                raise HubCallError.from_json(entry, str(path))
        for entry in status.get("vanished") or []:
            if _names(entry, repo_type, repo_id):
                raise HubCallError(VANISHED, str(path), "repo vanished (HTTP 404)", 404)
        raise HubCallError(FAILED, str(path), "listed, but its info file is missing")

    def _load(self, path: Path) -> Any:
        outside = outside_root(path, self._root)
        if outside is not None:
            raise HubCallError(FAILED, str(path), escape_reason(self._root, outside))
        try:
            size = os.stat(path).st_size
            if size > self.max_file_bytes:
                raise HubCallError(
                    MALFORMED, str(path), f"file is {size} bytes, above {self.max_file_bytes}"
                )
            data = path.read_bytes()
        except FileNotFoundError:
            raise HubCallError(FAILED, str(path), "file not found") from None
        except OSError as exc:
            raise HubCallError(FAILED, str(path), f"cannot read: {exc.strerror or exc}") from None
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HubCallError(MALFORMED, str(path), f"not JSON: {exc}") from None
        except RecursionError:
            raise HubCallError(MALFORMED, str(path), "not JSON: nested too deeply") from None


def _names(entry: Any, repo_type: str, repo_id: str) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("repo_type") == repo_type
        and entry.get("repo_id") == repo_id
    )
