"""What a collection could not read, written beside what it did: `_collection.json`.

A live collection (`collect.collect_azure`) writes one status file per subscription directory
(layout in `bundle`'s docstring). The bundle reader honours it, so a call that failed while
collecting makes that part unreadable when the bundle is read (its rows are kept, stale) —
never an account that silently has no deployments.

`NotCollectedError` is how a reader says "this call below an account has no answer": it is
an `HttpResponseError`, so the extractor treats it as any failed API call (a rejection, and
the subscription is an unreadable part: the rows it did not read again keep their last good
data). The live reader raises it for a failed call; the bundle reader for a recorded one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from azure.core.exceptions import HttpResponseError

COLLECTION_FILE = "_collection.json"
Status = Literal["ok", "partial", "failed"]
STATUSES: tuple[Status, ...] = ("ok", "partial", "failed")
# The APIs a collection calls, by their ARM list name.
APIS: tuple[str, ...] = ("subscriptions", "accounts", "deployments", "raiPolicies")
MAX_STATUS_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class NotCollected:
    """One API call whose answer is missing, and why (`reason` is a short category such as
    "access denied", "throttled", "server error", "malformed response", "timeout")."""

    subscription_id: str
    api: str
    reason: str
    status: int | None = None
    detail: str = ""  # the error's first line, key-shaped runs masked
    resource_group: str | None = None
    account: str | None = None

    @property
    def target(self) -> str:
        if self.account:
            return (
                f"{self.api} of account {self.resource_group}/{self.account} "
                f"in subscription {self.subscription_id}"
            )
        if self.api == "subscriptions":
            return "the subscriptions list"
        return f"{self.api} of subscription {self.subscription_id}"

    def describe(self) -> str:
        http = f" (HTTP {self.status})" if self.status is not None else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.target}: {self.reason}{http}{detail}"

    def matches(self, api: str, resource_group: str, account: str) -> bool:
        """ARM names are case-insensitive."""
        return (
            self.api == api
            and (self.resource_group or "").lower() == resource_group.lower()
            and (self.account or "").lower() == account.lower()
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> NotCollected:
        if not isinstance(data, dict):
            raise ValueError("a not_collected entry must be an object")
        strings = ("subscription_id", "api", "reason")
        if any(not isinstance(data.get(k), str) or not data.get(k) for k in strings):
            raise ValueError(f"a not_collected entry needs non-empty strings {list(strings)}")
        if data["api"] not in APIS:
            raise ValueError(f"not_collected api {data['api']!r} is not one of {list(APIS)}")
        status = data.get("status")
        if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
            raise ValueError("not_collected status must be an HTTP status number or null")
        optional = ("resource_group", "account")
        if any(data.get(k) is not None and not isinstance(data.get(k), str) for k in optional):
            raise ValueError("not_collected resource_group / account must be strings or null")
        return cls(
            subscription_id=data["subscription_id"],
            api=data["api"],
            reason=data["reason"],
            status=status,
            detail=str(data.get("detail") or ""),
            resource_group=data.get("resource_group"),
            account=data.get("account"),
        )


class NotCollectedError(HttpResponseError):
    """A call below an account that has no answer (failed live, or recorded in the bundle)."""

    def __init__(self, call: NotCollected, message: str) -> None:
        super().__init__(message=message)
        self.status_code = call.status
        self.call = call


@dataclass
class CollectionStatus:
    """The content of `_collection.json` for one subscription."""

    subscription_id: str
    status: Status
    collected_at: str  # ISO timestamp of this collection (the attempt, when it failed)
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # why a failed subscription failed
    not_collected: list[NotCollected] = field(default_factory=list)
    # For a failed subscription: the status document of the data kept in the directory
    # (None when there was no earlier collection).
    kept: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "subscription_id": self.subscription_id,
            "status": self.status,
            "collected_at": self.collected_at,
            "seconds": round(self.seconds, 3),
            "counts": dict(self.counts),
            "error": self.error,
            "not_collected": [c.to_json() for c in self.not_collected],
            "kept": self.kept,
        }

    @classmethod
    def from_json(cls, data: Any) -> CollectionStatus:
        if not isinstance(data, dict):
            raise ValueError("top level must be an object")
        status = data.get("status")
        if status not in STATUSES:
            raise ValueError(f"status must be one of {list(STATUSES)}, not {status!r}")
        for key in ("subscription_id", "collected_at"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ValueError(f"{key} must be a non-empty string")
        entries = data.get("not_collected") or []
        if not isinstance(entries, list):
            raise ValueError("not_collected must be a list")
        counts = data.get("counts") or {}
        if not isinstance(counts, dict):
            raise ValueError("counts must be an object")
        kept = data.get("kept")
        if kept is not None and not isinstance(kept, dict):
            raise ValueError("kept must be an object or null")
        seconds = data.get("seconds") or 0.0
        error = data.get("error")
        return cls(
            subscription_id=data["subscription_id"],
            status=status,
            collected_at=data["collected_at"],
            seconds=float(seconds) if isinstance(seconds, int | float) else 0.0,
            counts={str(k): v for k, v in counts.items() if isinstance(v, int)},
            error=str(error) if error is not None else None,
            not_collected=[NotCollected.from_json(e) for e in entries],
            kept=kept,
        )


def read_status(directory: Path) -> CollectionStatus | None:
    """The subscription directory's status; None when it has none (a hand-made export).

    Raises ValueError (naming the problem) when the file is there but unusable: a marker that
    cannot be read must not be taken for "everything was collected"."""
    path = directory / COLLECTION_FILE
    if not os.path.lexists(path):
        return None
    try:
        if not path.is_file():
            raise ValueError("not a regular file")
        if path.stat().st_size > MAX_STATUS_BYTES:
            raise ValueError(f"over {MAX_STATUS_BYTES} bytes")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot be read: {exc}") from exc
    return CollectionStatus.from_json(data)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as JSON to `path` so a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
