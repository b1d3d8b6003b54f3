"""Collect an estate's Azure OpenAI / AI Services into an offline bundle, live.

`collect_azure` reads each subscription through `AzureLiveReader` (several at once) and
writes the layout `AzureBundleReader` reads (see `bundle`), objects serialized back to ARM
JSON with the SDK's own `serialize(keep_readonly=True)`, so reading the bundle gives the
same SDK objects, hence the same records, as reading the API. Why a bundle: an air-gapped
warehouse, a reviewable snapshot, and a run that does not need credentials.

Each subscription is written whole into a hidden temporary directory and swapped in; one
whose accounts cannot be listed keeps its previous directory, with `_collection.json` saying
it failed (the bundle reader then reports it unreadable, so its rows stay, stale). Calls that
failed below an account are listed in `_collection.json` (status `partial`) and their files
are not written: the bundle reader reports them as not collected, never as empty.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from azure.core.exceptions import AzureError

from aisec_assets.discovery.azure.accounts import parse_account_id
from aisec_assets.discovery.azure.bundle import (
    ACCOUNTS_FILE,
    DEPLOYMENTS_FILE,
    RAI_POLICIES_FILE,
    PartUnreadable,
)
from aisec_assets.discovery.azure.deployments import AI_ACCOUNT_KINDS
from aisec_assets.discovery.azure.live import AzureLiveReader
from aisec_assets.discovery.azure.markers import (
    COLLECTION_FILE,
    CollectionStatus,
    NotCollected,
    NotCollectedError,
    Status,
    read_status,
    write_json_atomic,
)
from aisec_assets.discovery.azure.rejections import first_line
from aisec_resources.azure_clients import CredentialFactory
from aisec_resources.config.azure_live import SUBSCRIPTION_ID_PATTERN, AzureLiveConfig

_SUBSCRIPTION_ID = re.compile(SUBSCRIPTION_ID_PATTERN)
# ARM resource group and account names; anything else is not made into a directory name.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_().-]{1,90}$")


@dataclass
class SubscriptionCollection:
    """What collecting one subscription gave."""

    subscription_id: str
    status: Status = "ok"
    accounts: int = 0
    ai_accounts: int = 0
    deployments: int = 0
    rai_policies: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    not_collected: list[NotCollected] = field(default_factory=list)
    error: str | None = None  # why a failed subscription failed

    def counts(self) -> dict[str, int]:
        return {
            "accounts": self.accounts,
            "ai_accounts": self.ai_accounts,
            "deployments": self.deployments,
            "rai_policies": self.rai_policies,
            "api_calls": self.api_calls,
        }

    def line(self) -> str:
        text = (
            f"subscription {self.subscription_id}: {self.status}, {self.accounts} accounts "
            f"({self.ai_accounts} AI), {self.deployments} deployments, {self.rai_policies} "
            f"content-filter policies, {self.api_calls} API calls, {self.seconds:.1f}s"
        )
        if self.error:
            text += f"; failed: {self.error} (previous data kept)"
        if self.not_collected:
            text += f"; {len(self.not_collected)} calls not collected"
        return text


@dataclass
class AzureCollection:
    """A collection run: where it wrote and what each subscription gave."""

    out: Path
    collected_at: datetime
    subscriptions: list[SubscriptionCollection] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> Status:
        statuses = {s.status for s in self.subscriptions}
        if statuses <= {"ok"}:
            return "ok"
        return "failed" if statuses == {"failed"} else "partial"

    def summary(self) -> list[str]:
        """Human-readable lines: the totals, each subscription, each call not collected."""
        subs = self.subscriptions
        lines = [
            f"Azure collection into {self.out}: {self.status}, {len(subs)} subscriptions "
            f"({sum(s.status == 'ok' for s in subs)} ok, "
            f"{sum(s.status == 'partial' for s in subs)} partial, "
            f"{sum(s.status == 'failed' for s in subs)} failed), "
            f"{sum(s.accounts for s in subs)} accounts, "
            f"{sum(s.deployments for s in subs)} deployments, "
            f"{sum(s.api_calls for s in subs)} API calls in {self.seconds:.1f}s"
        ]
        for sub in subs:
            lines.append("  " + sub.line())
            lines.extend(f"    not collected: {c.describe()}" for c in sub.not_collected)
        return lines


def collect_azure(
    config: AzureLiveConfig,
    out: Path,
    *,
    subscriptions: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    credential_factory: CredentialFactory | None = None,
    now: datetime,
) -> AzureCollection:
    """Collect the subscriptions (given, else configured, else all the identity sees) into
    the bundle at `out`, `config.max_workers` at a time; `progress` gets one line per
    finished subscription. Raises `SourceUnavailable` when the subscriptions cannot be
    listed, `AzureCredentialError` when the configured service principal is incomplete."""
    started = time.monotonic()
    out = Path(out)
    collection = AzureCollection(out=out, collected_at=now)
    with AzureLiveReader(
        config, credential_factory=credential_factory, subscriptions=subscriptions
    ) as reader:
        wanted = reader.subscriptions()
        out.mkdir(parents=True, exist_ok=True)
        results: dict[str, SubscriptionCollection] = {}
        workers = max(1, min(config.max_workers, len(wanted)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="azure-collect") as pool:
            futures = {
                pool.submit(_collect_subscription, reader, sub, out, now): sub for sub in wanted
            }
            for done, future in enumerate(as_completed(futures), start=1):
                result = future.result()
                results[futures[future]] = result
                if progress is not None:
                    progress(_progress_line(result, done, len(wanted), started))
    collection.subscriptions = [results[sub] for sub in wanted]
    collection.seconds = time.monotonic() - started
    return collection


def _progress_line(result: SubscriptionCollection, done: int, total: int, started: float) -> str:
    elapsed = time.monotonic() - started
    eta = elapsed / done * (total - done)
    return f"[{done}/{total}] {result.line()}; elapsed {elapsed:.1f}s, ETA {eta:.1f}s"


def _collect_subscription(
    reader: AzureLiveReader, subscription_id: str, out: Path, now: datetime
) -> SubscriptionCollection:
    """One subscription into `out/<subscription>`; never raises (a failure is its status)."""
    started = time.monotonic()
    stats = SubscriptionCollection(subscription_id)
    if not _SUBSCRIPTION_ID.fullmatch(subscription_id):
        stats.status, stats.error = "failed", "not a subscription id (a GUID): nothing read"
        return stats
    temp = out / f".tmp-{subscription_id}-{uuid.uuid4().hex[:8]}"
    try:
        temp.mkdir()
        _read_into(reader, subscription_id, temp, stats)
    except PartUnreadable as exc:
        stats.error = exc.reason
    except AzureError as exc:  # unreachable, or anything the reader did not expect
        stats.error = f"Azure management API unreachable: {first_line(exc)}"
    except OSError as exc:
        stats.error = f"cannot write the bundle: {exc}"
    stats.not_collected = reader.not_collected_in(subscription_id)
    stats.api_calls = reader.api_calls(subscription_id)
    stats.seconds = time.monotonic() - started
    try:
        if stats.error is None:
            stats.status = "partial" if stats.not_collected else "ok"
            write_json_atomic(temp / COLLECTION_FILE, _status(stats, now).to_json())
            _swap(temp, out / subscription_id)
        else:
            stats.status = "failed"
            _mark_failed(out / subscription_id, stats, now)
    except OSError as exc:
        stats.status, stats.error = "failed", f"cannot write the bundle: {exc}"
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return stats


def _read_into(
    reader: AzureLiveReader, subscription_id: str, directory: Path, stats: SubscriptionCollection
) -> None:
    accounts = reader.accounts(subscription_id)
    stats.accounts = len(accounts)
    write_json_atomic(directory / ACCOUNTS_FILE, _value(accounts))
    for account in accounts:
        parsed = parse_account_id(str(account.id))
        if (
            parsed is None
            or parsed.subscription_id.lower() != subscription_id.lower()
            or (account.kind or "").lower() not in AI_ACCOUNT_KINDS
        ):
            continue  # the extractor rejects or skips it: its deployments are never read
        stats.ai_accounts += 1
        rg, name = parsed.resource_group, parsed.account_name
        if not (_SAFE_NAME.fullmatch(rg) and _SAFE_NAME.fullmatch(name)) or ".." in (rg, name):
            # Never made into a path; without its files the bundle reader reports nothing
            # for it, so it is listed as not collected.
            for api in ("deployments", "raiPolicies"):
                reader.record_not_collected(
                    NotCollected(subscription_id, api, "unsafe name", None, "", rg, name)
                )
            continue
        account_dir = directory / rg / name
        for api, fetch, file_name in (
            ("deployments", reader.deployments, DEPLOYMENTS_FILE),
            ("raiPolicies", reader.rai_policies, RAI_POLICIES_FILE),
        ):
            try:
                items = fetch(subscription_id, rg, name)
            except NotCollectedError:
                continue  # recorded by the reader; the file stays absent
            write_json_atomic(account_dir / file_name, _value(items))
            if api == "deployments":
                stats.deployments += len(items)
            else:
                stats.rai_policies += len(items)


def _value(objects: list[Any]) -> dict[str, Any]:
    """An ARM list response of SDK objects, as the bundle stores it (one merged page)."""
    return {"value": [o.serialize(keep_readonly=True) for o in objects]}


def _status(stats: SubscriptionCollection, now: datetime) -> CollectionStatus:
    return CollectionStatus(
        subscription_id=stats.subscription_id,
        status=stats.status,
        collected_at=now.isoformat(),
        seconds=stats.seconds,
        counts=stats.counts(),
        error=stats.error,
        not_collected=list(stats.not_collected),
    )


def _swap(temp: Path, target: Path) -> None:
    """Put the new subscription directory in place of the old one."""
    if os.path.lexists(target):
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        os.rename(target, old)
        os.rename(temp, target)
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    else:
        os.rename(temp, target)


def _mark_failed(target: Path, stats: SubscriptionCollection, now: datetime) -> None:
    """Keep the previous collection's files; replace its status by the failure, the previous
    status kept under `kept`."""
    kept: dict[str, Any] | None = None
    if target.is_dir():
        try:
            previous = read_status(target)
        except ValueError:
            previous = None
        if previous is not None:
            kept = previous.kept if previous.status == "failed" else previous.to_json()
    status = _status(stats, now)
    status.kept = kept
    write_json_atomic(target / COLLECTION_FILE, status.to_json())
