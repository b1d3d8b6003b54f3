"""Collecting an offline bundle of an AWS estate from the live APIs (`collect_aws`).

Every account x region is read concurrently (a bounded thread pool) by the extractors' own
per-region readers (`BedrockModels`, `BedrockAgents`, `SageMakerRegion`) through a
recording `AwsApi`: exactly the calls the parsers need are made, each at most once, and the
responses are written in the bundle layout (`bundle` docstring), with what could not be
collected and why. So `AwsBundleReader(out)` later gives the records the live read gave.

Each account is written whole or not at all: built in `out/.tmp-<account>-<random>/` and
then swapped in. An account that failed outright (assume-role denied, expired credential,
every region failing) keeps its previous directory untouched; only its status file
(`out/_status/<account>.json`) says it failed, so readers keep its rows stale.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from aisec_assets.discovery.aws.bedrock import BedrockModels
from aisec_assets.discovery.aws.bedrock_agents import BedrockAgents
from aisec_assets.discovery.aws.bedrock_region import SOURCE_BEDROCK
from aisec_assets.discovery.aws.bundle import (
    COLLECTION_FILE,
    NOT_COLLECTED_FILE,
    STATUS_DIR,
    AwsCallError,
    bundle_file_name,
)
from aisec_assets.discovery.aws.collector import Collector
from aisec_assets.discovery.aws.live import AwsLiveReader
from aisec_assets.discovery.aws.sagemaker import SOURCE_SAGEMAKER, SageMakerRegion
from aisec_resources.config.aws_live import AwsLiveConfig

CallKey = tuple[str, str, str | None]  # (service, operation, key) within one account/region


class RecordingApi:
    """`AwsApi` over a reader that keeps every answer of one account/region: each call is
    made once (later asks are answered from the record), failures are kept with the reason."""

    def __init__(self, reader: AwsLiveReader) -> None:
        self.reader = reader
        self.responses: dict[CallKey, dict[str, Any]] = {}
        self.absent: set[CallKey] = set()
        self.not_collected: dict[CallKey, AwsCallError] = {}
        self.calls = 0

    def accounts(self) -> list[str]:
        return self.reader.accounts()

    def regions(self, account_id: str) -> list[str]:
        return self.reader.regions(account_id)

    def check_region(self, account_id: str, region: str) -> None:
        self.reader.check_region(account_id, region)

    def location(self, *args: Any, **kwargs: Any) -> str:
        return self.reader.location(*args, **kwargs)

    def call(
        self, account_id: str, region: str, service: str, operation: str, key: str | None = None
    ) -> dict[str, Any] | None:
        slot = (service, operation, key)
        if slot in self.responses:
            return copy.deepcopy(self.responses[slot])
        if slot in self.absent:
            return None
        if slot in self.not_collected:
            raise self.not_collected[slot]
        self.calls += 1
        try:
            data = self.reader.call(account_id, region, service, operation, key)
        except AwsCallError as exc:
            self.not_collected[slot] = exc
            raise
        if data is None:
            self.absent.add(slot)
            return None
        self.responses[slot] = data
        return copy.deepcopy(data)


@dataclass
class RegionResult:
    region: str
    api: RecordingApi
    resources: int = 0
    seconds: float = 0.0
    crashed: str | None = None

    @property
    def failed(self) -> bool:
        """Nothing at all could be read there."""
        return bool(self.crashed) or (bool(self.api.not_collected) and not self.api.responses)

    def not_collected(self) -> list[dict[str, Any]]:
        return [
            {"service": s, "operation": o, "key": k, "reason": exc.reason}
            for (s, o, k), exc in sorted(
                self.api.not_collected.items(), key=lambda i: (i[0][0], i[0][1], i[0][2] or "")
            )
        ]


@dataclass
class AccountStats:
    account: str
    status: str = "pending"  # ok | partial | failed
    regions: list[str] = field(default_factory=list)
    calls: int = 0
    responses: int = 0
    resources: int = 0
    seconds: float = 0.0
    not_collected: list[dict[str, Any]] = field(default_factory=list)  # each names its region
    error: str | None = None
    collected_at: str | None = None

    def counts(self) -> dict[str, int]:
        return {
            "calls": self.calls,
            "responses": self.responses,
            "resources": self.resources,
            "not_collected": len(self.not_collected),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "status": self.status,
            "collected_at": self.collected_at,
            "regions": self.regions,
            "counts": self.counts(),
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass
class AwsCollection:
    """Per-account outcome of one collection (`summary()` for the logs)."""

    out: Path
    accounts: dict[str, AccountStats] = field(default_factory=dict)
    seconds: float = 0.0

    def by_status(self, status: str) -> list[str]:
        return [a for a, s in self.accounts.items() if s.status == status]

    def summary(self) -> list[str]:
        lines = [
            f"AWS collection into {self.out}: {len(self.accounts)} account(s), "
            f"{len(self.by_status('ok'))} ok, {len(self.by_status('partial'))} partial, "
            f"{len(self.by_status('failed'))} failed, {self.seconds:.1f} s"
        ]
        for stats in self.accounts.values():
            line = (
                f"  {stats.account}: {stats.status}, {len(stats.regions)} region(s), "
                f"{stats.calls} calls, {stats.responses} responses, {stats.resources} "
                f"resources, {stats.seconds:.1f} s"
            )
            if stats.error:
                line += f"; {stats.error}"
            lines.append(line)
            for miss in stats.not_collected:
                key = f"({miss['key']})" if miss["key"] is not None else ""
                lines.append(
                    f"    not collected: {miss['region']} {miss['service']}:"
                    f"{miss['operation']}{key}: {miss['reason']}"
                )
        return lines


def collect_region(reader: AwsLiveReader, account: str, region: str) -> RegionResult:
    """One account/region, read by the extractors' per-region readers through a recorder."""
    start = time.monotonic()
    api = RecordingApi(reader)
    result = RegionResult(region, api)
    try:
        reader.check_region(account, region)
        part = f"{account}/{region}"
        bedrock = Collector(api, SOURCE_BEDROCK)
        bedrock.part = part
        BedrockModels(bedrock, account, region).extract()
        BedrockAgents(bedrock, account, region).extract()
        sagemaker = Collector(api, SOURCE_SAGEMAKER)
        sagemaker.part = part
        SageMakerRegion(sagemaker, account, region).extract()
        result.resources = len(bedrock.records) + len(sagemaker.records)
    except AwsCallError as exc:  # the account failed before this region started
        api.not_collected[("*", "*", None)] = exc
    except Exception as exc:  # a defect must not pass for "nothing there": account fails
        result.crashed = f"{region}: unexpected {type(exc).__name__}: {str(exc)[:200]}"
    result.seconds = time.monotonic() - start
    return result


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _replace_file(path: Path, value: Any) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    _write_json(tmp, value)
    os.replace(tmp, path)


def _write_account(out: Path, stats: AccountStats, results: list[RegionResult]) -> None:
    """Build the account's directory aside, then swap it in (old one removed after)."""
    tmp = out / f".tmp-{stats.account}-{secrets.token_hex(6)}"
    try:
        for result in results:
            region_dir = tmp / result.region
            region_dir.mkdir(parents=True)
            for (service, operation, key), data in result.api.responses.items():
                if key is None:
                    path = region_dir / service / f"{operation}.json"
                else:
                    path = region_dir / service / operation / bundle_file_name(key)
                _write_json(path, data)
            if result.api.not_collected:
                _write_json(region_dir / NOT_COLLECTED_FILE, result.not_collected())
        _write_json(tmp / COLLECTION_FILE, stats.as_json())
        target = out / stats.account
        old = out / f".old-{stats.account}-{secrets.token_hex(6)}"
        if target.exists():
            os.rename(target, old)
        os.rename(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _recover(out: Path) -> None:
    """Undo what an interrupted run left: a half-built account, or a swap cut in half."""
    for entry in sorted(out.iterdir()):
        if entry.name.startswith(".tmp-"):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".old-"):
            account = entry.name.split("-")[1]
            if not (out / account).exists():
                os.rename(entry, out / account)
            else:
                shutil.rmtree(entry, ignore_errors=True)


class _Run:
    """Bookkeeping of one collection: per-account region results, progress and ETA."""

    def __init__(
        self,
        accounts: list[str],
        out: Path,
        now: Callable[[], datetime],
        progress: Callable[[str], None] | None,
    ) -> None:
        self.accounts = accounts
        self.out = out
        self.now = now
        self.progress = progress
        self.start = time.monotonic()
        self.collection = AwsCollection(out, {a: AccountStats(a) for a in accounts})
        self.results: dict[str, list[RegionResult]] = {a: [] for a in accounts}
        self.started: dict[str, float] = {}
        self.regions_known = 0
        self.accounts_known = 0
        self.regions_done = 0
        self._lock = threading.Lock()

    def say(self, line: str) -> None:
        if self.progress is not None:
            self.progress(line)

    def index(self, account: str) -> str:
        return f"account {self.accounts.index(account) + 1}/{len(self.accounts)} ({account})"

    def eta(self) -> str:
        elapsed = time.monotonic() - self.start
        per_account = self.regions_known / self.accounts_known if self.accounts_known else 1
        total = self.regions_known + per_account * (len(self.accounts) - self.accounts_known)
        remaining = max(0.0, total - self.regions_done)
        eta = elapsed / self.regions_done * remaining if self.regions_done else 0.0
        return f"elapsed {elapsed:.0f} s, ETA {eta:.0f} s"

    def region_done(self, account: str, result: RegionResult) -> None:
        self.results[account].append(result)
        self.regions_done += 1
        self.say(
            f"{self.index(account)} {result.region}: {result.api.calls} calls, "
            f"{result.resources} resources, {result.seconds:.1f} s; {self.eta()}"
        )

    def finish(self, account: str, reader: AwsLiveReader, error: str | None = None) -> None:
        stats = self.collection.accounts[account]
        results = sorted(self.results[account], key=lambda r: r.region)
        stats.collected_at = self.now().isoformat()
        stats.seconds = time.monotonic() - self.started.get(account, self.start)
        stats.regions = [r.region for r in results]
        stats.calls = sum(r.api.calls for r in results)
        stats.responses = sum(len(r.api.responses) for r in results)
        stats.resources = sum(r.resources for r in results)
        stats.not_collected = [
            {"region": r.region, **miss} for r in results for miss in r.not_collected()
        ]
        failure = reader.account_failure(account)
        crashed = [r.crashed for r in results if r.crashed]
        if error is None and failure is not None:
            error = f"{failure[1]} ({failure[0]})"
        if error is None and crashed:
            error = crashed[0]
        if error is None and results and all(r.failed for r in results):
            error = "every region failing; first: " + (stats.not_collected or [{}])[0].get(
                "reason", "?"
            )
        if error is not None:
            stats.status, stats.error = "failed", error
        else:
            stats.status = "partial" if stats.not_collected else "ok"
            _write_account(self.out, stats, results)
        _replace_file(self.out / STATUS_DIR / f"{account}.json", stats.as_json())
        self.say(
            f"{self.index(account)} done: {stats.status}, {len(stats.regions)} region(s), "
            f"{stats.calls} calls, {stats.resources} resources, {stats.seconds:.1f} s"
            + (f"; {stats.error}" if stats.error else "")
            + f"; {self.eta()}"
        )


def collect_aws(
    config: AwsLiveConfig,
    out: Path,
    *,
    accounts: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    base_session: boto3.session.Session | None = None,
    now: Callable[[], datetime],
    reader: AwsLiveReader | None = None,
) -> AwsCollection:
    """Collect every account x region of `config` (or of `accounts`) into the bundle `out`.

    Raises `SourceUnavailable` only when the accounts cannot be listed at all; any other
    failure is per account (its old data kept) or per call (recorded as not collected)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / STATUS_DIR).mkdir(exist_ok=True)
    _recover(out)
    reader = reader or AwsLiveReader(config, base_session=base_session)
    wanted = sorted(dict.fromkeys(accounts if accounts is not None else reader.accounts()))
    run = _Run(wanted, out, now, progress)
    pending_regions: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=config.max_workers) as pool:
        pending: dict[Future[Any], tuple[str, str | None]] = {}
        for account in wanted:
            run.started[account] = time.monotonic()
            pending[pool.submit(reader.regions, account)] = (account, None)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                account, region = pending.pop(future)
                if region is not None:
                    run.region_done(account, future.result())
                    pending_regions[account] -= 1
                    if pending_regions[account] == 0:
                        run.finish(account, reader)
                    continue
                try:
                    regions = future.result()
                except AwsCallError as exc:
                    run.accounts_known += 1
                    run.finish(account, reader, f"{exc.reason} ({exc.location})")
                    continue
                except Exception as exc:  # one account's failure is its own
                    run.accounts_known += 1
                    run.finish(account, reader, f"unexpected {type(exc).__name__}: {exc}"[:300])
                    continue
                run.accounts_known += 1
                run.regions_known += len(regions)
                pending_regions[account] = len(regions)
                if not regions:
                    run.finish(account, reader)
                for name in regions:
                    pending[pool.submit(collect_region, reader, account, name)] = (account, name)
    run.collection.seconds = time.monotonic() - run.start
    return run.collection
