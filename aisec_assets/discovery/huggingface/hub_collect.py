"""`collect_hub`: read the live Hub once and write an offline bundle of its answers.

For air-gapped installations: run it where the Hub is reachable, carry the directory over,
point ``sources.huggingface.hub.bundle`` at it. The bundle holds the raw JSON the Hub
answered (layout in `hub_bundle`), so the records read from it are the records the live run
makes.

Each organisation is written to a temporary directory and swapped in when its listings were
read, so a reader never sees half an organisation. An organisation whose listing failed keeps
its previous directory; ``_collection.json`` (written last, atomically) records per
organisation the status, counts, seconds, the repos not collected with why, and the repos that
vanished — the bundle reader replays those, so stale rows stay stale offline too.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aisec_assets.discovery.huggingface.hub import VANISHED, OrgRead, read_org
from aisec_assets.discovery.huggingface.hub_bundle import (
    BUNDLE_FORMAT,
    INFO_DIRS,
    LISTING_FILES,
    STATUS_FILE,
    info_file_name,
    read_status,
)
from aisec_assets.discovery.huggingface.hub_live import LiveHubReader
from aisec_resources.config.hf_hub import HubConfig


@dataclass
class OrgCollection:
    """What one organisation's collection did."""

    organization: str
    status: str  # "ok", "partial" (some repos not collected) or "failed" (not listed)
    seconds: float
    listed: dict[str, int] = field(default_factory=dict)  # repo type -> repos listed
    written: dict[str, int] = field(default_factory=dict)  # repo type -> info files written
    not_collected: list[dict[str, Any]] = field(default_factory=list)
    vanished: list[dict[str, str]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    kept_previous: bool = False  # failed, and the previous directory is still there

    def line(self) -> str:
        if self.status == "failed":
            assert self.error is not None
            kept = "previous data kept" if self.kept_previous else "no previous data"
            return (
                f"{self.organization}: FAILED in {self.seconds:.1f}s — {self.error['location']}: "
                f"{self.error['reason']} ({kept})"
            )
        text = (
            f"{self.organization}: {self.status}, {self.written.get('model', 0)} models and "
            f"{self.written.get('dataset', 0)} datasets in {self.seconds:.1f}s"
        )
        if self.not_collected:
            text += f"; {len(self.not_collected)} not collected: " + ", ".join(
                f"{e['repo_id']} ({e['reason']})" for e in self.not_collected
            )
        if self.vanished:
            text += f"; {len(self.vanished)} vanished: " + ", ".join(
                e["repo_id"] for e in self.vanished
            )
        return text


@dataclass
class HubCollection:
    out: Path
    endpoint: str
    collected_at: datetime
    organizations: list[OrgCollection]

    @property
    def failed(self) -> list[str]:
        return [o.organization for o in self.organizations if o.status == "failed"]

    def summary(self) -> str:
        head = (
            f"Hugging Face Hub bundle {self.out} from {self.endpoint} at "
            f"{self.collected_at.isoformat(timespec='seconds')}: "
            f"{len(self.organizations) - len(self.failed)} of {len(self.organizations)} "
            "organisation(s) collected"
        )
        return "\n".join([head, *("  " + o.line() for o in self.organizations)])


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(value, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


def _replace_dir(tmp: Path, final: Path) -> None:
    """Put `tmp` in place of `final`: a reader sees the old directory or the new one."""
    old: Path | None = None
    if final.exists() or final.is_symlink():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(final, old)
    os.rename(tmp, final)
    if old is not None:
        if old.is_symlink():
            old.unlink()
        else:
            shutil.rmtree(old, ignore_errors=True)


def _write_org(out: Path, read: OrgRead) -> tuple[dict[str, int], list[dict], list[dict]]:
    tmp = out / f".{read.organization}.tmp-{uuid.uuid4().hex[:8]}"
    written = {t: 0 for t in LISTING_FILES}
    not_collected: list[dict[str, Any]] = []
    vanished: list[dict[str, str]] = []
    try:
        for repo_type, items in read.listings.items():
            _write_json(tmp / LISTING_FILES[repo_type], items)
            (tmp / INFO_DIRS[repo_type]).mkdir(parents=True, exist_ok=True)
        for repo in read.repos:
            key = {"repo_type": repo.repo_type, "repo_id": repo.repo_id}
            if repo.error is None:
                _write_json(
                    tmp / INFO_DIRS[repo.repo_type] / info_file_name(repo.repo_id), repo.info
                )
                written[repo.repo_type] += 1
            elif repo.error.kind == VANISHED:
                vanished.append(key)
            else:
                not_collected.append({**key, **repo.error.to_json()})
        _replace_dir(tmp, out / read.organization)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return written, not_collected, vanished


def collect_hub(
    config: HubConfig,
    out: Path,
    *,
    progress: Callable[[str], None] | None = None,
    now: datetime,
) -> HubCollection:
    """Collect every configured organisation from the live Hub into the bundle `out`.

    `now` is the run's instant (recorded as ``collected_at``). Raises `hub_live.TokenMissing`
    when `token_env` names an unset variable, ValueError when `out` holds a bundle of another
    endpoint (ids would mix). A failed organisation does not raise: see the summary.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    reader = LiveHubReader.from_config(config)
    try:
        previous = read_status(out)
    except ValueError:
        previous = {}  # unusable status file: rewritten below
    if previous.get("endpoint") not in (None, config.endpoint) and previous.get("organizations"):
        raise ValueError(
            f"{out / STATUS_FILE}: bundle was collected from {previous['endpoint']}, not "
            f"{config.endpoint}; use another directory"
        )
    statuses: dict[str, Any] = dict(previous.get("organizations") or {})
    stamp = now.isoformat(timespec="seconds")
    results: list[OrgCollection] = []
    with ThreadPoolExecutor(max_workers=config.max_workers, thread_name_prefix="hf-hub") as pool:
        for org in config.organizations:
            started = time.monotonic()
            read = read_org(reader, org, pool, progress)
            before = statuses.get(org) if isinstance(statuses.get(org), dict) else {}
            if read.error is not None:
                result = OrgCollection(
                    org,
                    "failed",
                    time.monotonic() - started,
                    error=read.error.to_json(),
                    kept_previous=(out / org).is_dir(),
                )
                last_success = before.get("last_success_at")
            else:
                written, not_collected, vanished = _write_org(out, read)
                result = OrgCollection(
                    org,
                    "partial" if not_collected else "ok",
                    time.monotonic() - started,
                    listed={t: len(items) for t, items in read.listings.items()},
                    written=written,
                    not_collected=not_collected,
                    vanished=vanished,
                )
                last_success = stamp
            statuses[org] = {
                "status": result.status,
                "collected_at": stamp,
                "last_success_at": last_success,
                "seconds": round(result.seconds, 3),
                "counts": {"listed": result.listed, "written": result.written},
                "error": result.error,
                "not_collected": result.not_collected,
                "vanished": result.vanished,
            }
            results.append(result)
            if progress:
                progress(result.line())
    status = {"format": BUNDLE_FORMAT, "endpoint": config.endpoint, "organizations": statuses}
    tmp = out / f".{STATUS_FILE}.tmp-{uuid.uuid4().hex[:8]}"
    _write_json(tmp, status)
    os.replace(tmp, out / STATUS_FILE)
    return HubCollection(out, config.endpoint, now, results)
