"""Reading AWS API responses: the `AwsApi` protocol and the offline bundle reader.

The extractors only ever ask an `AwsApi` for one API response at a time (`call`), so the
same parsing reads an offline bundle (`AwsBundleReader`, here) and, later, the live APIs
through boto3. A reader reports a response it cannot use by raising `AwsCallError`; the
extractors turn that into a `Rejection` and go on with the rest.

Offline bundle layout
---------------------
An offline bundle is a directory of API responses exactly as boto3 returns them (without
`ResponseMetadata`, timestamps as ISO-8601 strings, paginated lists merged into one response
without `nextToken`)::

    <bundle>/<account_id>/<region>/<service>/<Operation>.json        # calls without a parameter
    <bundle>/<account_id>/<region>/<service>/<Operation>/<key>.json  # one file per parameter value

`service` is `bedrock`, `bedrock-agent` or `sagemaker`; `Operation` is the API operation name.
A missing file means "the API returned nothing / was not collected" and is not an error.

Keys of parameterized calls (the logical value; several parameters are joined with `_`, which
never occurs in the ids involved: agent, action-group, knowledge-base and data-source ids are
10 alphanumerics, guardrail ids lowercase alphanumerics, versions digits or `DRAFT`):

=============  ============================  ================================================
service        operation                     key
=============  ============================  ================================================
bedrock        GetCustomModel                custom model name
bedrock        GetModelCustomizationJob      job name
bedrock        GetImportedModel              imported model name
bedrock        ListGuardrails                guardrail id (all versions of that guardrail)
bedrock        GetGuardrail                  ``<guardrailId>_<version>`` (``DRAFT`` = draft)
bedrock        ListTagsForResource           resource ARN
bedrock-agent  GetAgent                      agent id
bedrock-agent  ListAgentAliases              agent id
bedrock-agent  ListAgentActionGroups         ``<agentId>_<agentVersion>``
bedrock-agent  GetAgentActionGroup           ``<agentId>_<agentVersion>_<actionGroupId>``
bedrock-agent  ListAgentKnowledgeBases       ``<agentId>_<agentVersion>``
bedrock-agent  GetKnowledgeBase              knowledge base id
bedrock-agent  ListDataSources               knowledge base id
bedrock-agent  GetDataSource                 ``<knowledgeBaseId>_<dataSourceId>``
bedrock-agent  ListTagsForResource           resource ARN
sagemaker      DescribeEndpoint              endpoint name
sagemaker      DescribeEndpointConfig        endpoint config name
sagemaker      DescribeModel                 model name
sagemaker      ListTags                      resource ARN
=============  ============================  ================================================

The file name of a key is ``urllib.parse.quote(key, safe="") + ".json"`` (`bundle_file_name`):
ids and names stay as they are, an ARN becomes e.g.
``arn%3Aaws%3Abedrock%3Aus-east-1%3A314159265358%3Aagent%2FAB12CD34EF.json``. Quoting every
``/`` also means no key, however hostile, can name a file outside its operation directory.

A scan never leaves its root: every directory listed and file read is resolved (symlinks
followed), and what resolves outside the bundle is refused (an `AwsCallError` the extractors
record as a `Rejection` naming the path and where it resolves), never read. An account or
region directory that cannot be read at all (not a directory, a symlink loop, permission
denied) is an `AwsCallError` with `unreadable=True`: the extractors report that part as
unreadable (the source is partial; the records it held keep their last good data).

Collection markers (written by `collect.collect_aws`)
-----------------------------------------------------
A bundle collected from the live APIs also holds what could NOT be collected, so reading it
never mistakes a denied or throttled call for an empty answer::

    <bundle>/<account_id>/_collection.json              # {account, status ok|partial, collected_at,
                                                        #  regions, counts, seconds, error}
    <bundle>/<account_id>/<region>/_not_collected.json  # [{service, operation, key, reason}]
    <bundle>/_status/<account_id>.json                  # the LATEST attempt of every account:
                                                        #  {account, status ok|partial|failed,
                                                        #   collected_at, error}

A call listed in its region's `_not_collected.json` raises `AwsCallError(unreadable=True)` with
the recorded reason: that account/region becomes an unreadable part and its records from
earlier runs are kept (stale). An account whose latest status is ``failed`` (assume-role
denied, expired credential, every region failing) keeps the directory of its last good
collection untouched, but `regions()` raises `AwsCallError(unreadable=True)` naming when and
why it failed, so its warehouse rows are kept stale rather than refreshed from old files.
Each account directory is swapped in whole (built as ``.tmp-<account>-<random>``; names
starting with ``.`` are never read), so a reader never sees half an account.
"""

from __future__ import annotations

import json
import os
import re
import stat
import urllib.parse
from pathlib import Path
from typing import Any, Protocol

from aisec_resources.confine import escape_reason, outside_root, real_root
from aisec_resources.records import SourceUnavailable
from aisec_resources.redaction import redact_excerpt

DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
KEY_SEPARATOR = "_"
STATUS_DIR = "_status"
NOT_COLLECTED_FILE = "_not_collected.json"
COLLECTION_FILE = "_collection.json"
_MARKER_MAX_BYTES = 8 * 1024 * 1024
ACCOUNT_RE = re.compile(r"\d{12}")
REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
# Long runs of token characters mixing letters and digits look like keys; excerpts mask them.


def bundle_file_name(key: str) -> str:
    """File name of one parameter value in a bundle (see the module docstring)."""
    return urllib.parse.quote(key, safe="") + ".json"


def join_key(*parts: str) -> str:
    """Key of a call with several parameters, e.g. `<agentId>_<agentVersion>`."""
    return KEY_SEPARATOR.join(parts)


class AwsCallError(Exception):
    """One call's response could not be read or is not an API response object.

    `unreadable`: a whole account or region could not be read (not merely one response)."""

    def __init__(
        self, location: str, reason: str, excerpt: str | None = None, *, unreadable: bool = False
    ) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason
        self.excerpt = excerpt
        self.unreadable = unreadable


class AwsApi(Protocol):
    """What the extractors need from AWS: accounts, regions and one response per call."""

    def accounts(self) -> list[str]:
        """Account ids to read. Raises `SourceUnavailable` when nothing can be read."""
        ...

    def regions(self, account_id: str) -> list[str]:
        """Regions of one account. Raises `AwsCallError` when they cannot be listed."""
        ...

    def check_region(self, account_id: str, region: str) -> None:
        """Raises `AwsCallError` when the region as a whole cannot be read (before any call)."""
        ...

    def call(
        self, account_id: str, region: str, service: str, operation: str, key: str | None = None
    ) -> dict[str, Any] | None:
        """The response of one call, or None when there is none (not collected / not found).

        Raises `AwsCallError` for a response that exists but cannot be used.
        """
        ...

    def location(
        self,
        account_id: str,
        region: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        key: str | None = None,
    ) -> str:
        """Where a call's response comes from (file path or API call), for rejections."""
        ...


class AwsBundleReader:
    """`AwsApi` over an offline bundle directory (layout in the module docstring)."""

    def __init__(self, bundle: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.bundle = Path(bundle)
        self.max_file_bytes = max_file_bytes
        self._real_root = real_root(self.bundle)
        # (account, region) -> {(service, operation, key): reason} of calls not collected
        self._not_collected: dict[tuple[str, str], dict[tuple[str, str, str | None], str]] = {}

    def accounts(self) -> list[str]:
        if not self.bundle.exists():
            raise SourceUnavailable(f"AWS bundle directory {self.bundle} does not exist")
        if not self.bundle.is_dir():
            raise SourceUnavailable(f"AWS bundle path {self.bundle} is not a directory")
        try:
            found = set(self._subdirectories(self.bundle, ACCOUNT_RE)) - {STATUS_DIR}
        except OSError as exc:
            raise SourceUnavailable(
                f"AWS bundle directory {self.bundle} cannot be read: {exc.strerror or exc}"
            ) from exc
        # An account whose only collection failed is still reported (as unreadable).
        status_dir = self.bundle / STATUS_DIR
        if status_dir.is_dir() and outside_root(status_dir, self._real_root) is None:
            with os.scandir(status_dir) as entries:
                found |= {
                    e.name.removesuffix(".json")
                    for e in entries
                    if e.name.endswith(".json") and ACCOUNT_RE.fullmatch(e.name[:-5])
                }
        return sorted(found)

    def regions(self, account_id: str) -> list[str]:
        self._check_status(account_id)
        path = self._readable_directory(self.bundle / account_id)
        return self._subdirectories(path, REGION_RE)

    def check_region(self, account_id: str, region: str) -> None:
        self._readable_directory(self.bundle / account_id / region)
        self._markers(account_id, region)

    def _check_status(self, account_id: str) -> None:
        """Raise (unreadable) when the latest collection of the account failed."""
        path = self.bundle / STATUS_DIR / f"{account_id}.json"
        if not os.path.lexists(path):
            return
        status = self._marker_json(path, dict)
        if status.get("status") != "failed":
            return
        raise AwsCallError(
            str(path),
            f"the collection of account {account_id} at {status.get('collected_at', '?')} "
            f"failed: {status.get('error') or 'no reason recorded'}; the records of its last "
            "good collection are kept (stale)",
            unreadable=True,
        )

    def _markers(self, account_id: str, region: str) -> dict[tuple[str, str, str | None], str]:
        """The calls a collection could not make in one region, with the reasons."""
        cached = self._not_collected.get((account_id, region))
        if cached is not None:
            return cached
        path = self.bundle / account_id / region / NOT_COLLECTED_FILE
        found: dict[tuple[str, str, str | None], str] = {}
        if os.path.lexists(path):
            for i, entry in enumerate(self._marker_json(path, list)):
                ok = isinstance(entry, dict) and all(
                    isinstance(entry.get(k), str) for k in ("service", "operation", "reason")
                )
                key = entry.get("key") if isinstance(entry, dict) else None
                if not ok or not (key is None or isinstance(key, str)):
                    raise AwsCallError(
                        f"{path}#[{i}]",
                        "expected {service, operation, key, reason} (strings; key may be null)",
                        unreadable=True,
                    )
                found[(entry["service"], entry["operation"], key)] = entry["reason"]
        self._not_collected[(account_id, region)] = found
        return found

    def _marker_json(self, path: Path, kind: type) -> Any:
        """A marker file's JSON; one that cannot be trusted makes its part unreadable."""
        escaped = outside_root(path, self._real_root)
        if escaped is not None:
            raise AwsCallError(str(path), escape_reason(self._real_root, escaped), unreadable=True)
        try:
            with path.open("rb") as handle:
                data = handle.read(_MARKER_MAX_BYTES + 1)
        except OSError as exc:
            raise AwsCallError(
                str(path), f"cannot read file: {exc.strerror or exc}", unreadable=True
            ) from exc
        try:
            value = json.loads(data.decode("utf-8-sig")) if len(data) <= _MARKER_MAX_BYTES else None
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            value = None
        if not isinstance(value, kind):
            raise AwsCallError(
                str(path),
                f"not a collection marker (expected a JSON {kind.__name__} under "
                f"{_MARKER_MAX_BYTES} bytes)",
                unreadable=True,
            )
        return value

    def _readable_directory(self, path: Path) -> Path:
        """`path` when it is a directory inside the bundle that can be listed."""
        escaped = outside_root(path, self._real_root)
        if escaped is not None:
            raise AwsCallError(str(path), escape_reason(self._real_root, escaped))
        try:
            with os.scandir(path):
                pass
        except OSError as exc:
            raise AwsCallError(
                str(path), f"cannot list directory: {exc.strerror or exc}", unreadable=True
            ) from exc
        return path

    @staticmethod
    def _subdirectories(path: Path, shape: re.Pattern[str]) -> list[str]:
        """Directories, and entries named like one (`shape`) that are not readable directories
        (a file, a broken link or loop): those are reported as unreadable, not skipped."""
        with os.scandir(path) as entries:
            return sorted(
                e.name
                for e in entries
                if not e.name.startswith(".") and (_is_dir(e) or shape.fullmatch(e.name))
            )

    def _path(
        self,
        account_id: str,
        region: str | None,
        service: str | None,
        operation: str | None,
        key: str | None,
    ) -> Path:
        path = self.bundle / account_id
        for part in (region, service):
            if part is not None:
                path = path / part
        if operation is None:
            return path
        if key is None:
            return path / f"{operation}.json"
        return path / operation / bundle_file_name(key)

    def location(
        self,
        account_id: str,
        region: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        key: str | None = None,
    ) -> str:
        return str(self._path(account_id, region, service, operation, key))

    def call(
        self, account_id: str, region: str, service: str, operation: str, key: str | None = None
    ) -> dict[str, Any] | None:
        if key is not None and not key:
            raise AwsCallError(
                self.location(account_id, region, service, operation), "empty parameter value"
            )
        path = self._path(account_id, region, service, operation, key)
        where = str(path)
        reason = self._markers(account_id, region).get((service, operation, key))
        if reason is not None:
            raise AwsCallError(where, f"not collected: {reason}", unreadable=True)
        escaped = outside_root(path, self._real_root)
        if escaped is not None:
            if not os.path.lexists(path):
                return None  # nothing there (not collected): nothing to refuse
            raise AwsCallError(where, escape_reason(self._real_root, escaped))
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:  # symlink loop, name too long, permission denied, ...
            raise AwsCallError(where, f"cannot read file: {exc.strerror or exc}") from exc
        if not stat.S_ISREG(info.st_mode):
            raise AwsCallError(where, "not a regular file")
        if info.st_size > self.max_file_bytes:
            raise AwsCallError(
                where, f"file is {info.st_size} bytes, over the {self.max_file_bytes}-byte limit"
            )
        try:
            with path.open("rb") as handle:
                data = handle.read(self.max_file_bytes + 1)
        except OSError as exc:
            raise AwsCallError(where, f"cannot read file: {exc.strerror or exc}") from exc
        if len(data) > self.max_file_bytes:  # grew after stat
            raise AwsCallError(where, f"file is over the {self.max_file_bytes}-byte limit")
        return parse_response_bytes(data, where)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def parse_response_bytes(data: bytes, where: str) -> dict[str, Any]:
    """One API response from JSON bytes; `AwsCallError` naming `where` when it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AwsCallError(
            where,
            f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x} at offset {exc.start}",
        ) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AwsCallError(
            where,
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            excerpt=mask_excerpt(text[max(0, exc.pos - 30) : exc.pos + 30]),
        ) from None
    except RecursionError:
        raise AwsCallError(where, "not valid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise AwsCallError(
            where,
            f"expected a JSON object (an API response), found {json_type(value)}",
            excerpt=json_type(value)
            + (f" of {len(value)} items" if isinstance(value, list) else ""),
        )
    value.pop("ResponseMetadata", None)
    return value


def json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def mask_excerpt(text: str, limit: int = 60) -> str:
    """A short excerpt with anything token-shaped masked, safe to keep in the warehouse."""
    return redact_excerpt(text.replace("\n", " "))[:limit]
