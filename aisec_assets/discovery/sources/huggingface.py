"""Hugging Face (`sources.huggingface`): model directories on disk, local HF caches, and
(`hub:`) organisations' models and datasets on the Hub — live, or from an offline bundle.

Watched: the new-model sensor lists model directories and cached repos (`list_model_directories`)
and starts discovery when one appears. The Hub is not watched (a sensor tick must not call a
remote API); it is read with every discovery run.

The Hub's records share the source name ``huggingface``; their parts are ``hf-hub/<org>``
(and ``hf-hub/<org>/<type>s/<repo id>`` below it), so an unreadable organisation or repo keeps
its rows stale without touching the disk locations' rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import Field

from aisec_assets.discovery import huggingface
from aisec_assets.discovery.huggingface.hub import (
    PART_PREFIX,
    HubExtraction,
    HubReader,
    combine,
    extract_hub,
)
from aisec_assets.discovery.huggingface.hub_bundle import HubBundleReader
from aisec_assets.discovery.huggingface.hub_collect import OrgCollection, collect_hub
from aisec_assets.discovery.huggingface.hub_live import LiveHubReader, TokenMissing
from aisec_assets.discovery.sources._common import missing_directory
from aisec_assets.discovery.sources.spec import CollectedPart, LiveCollection, SourceSpec
from aisec_resources.config import NamedPath
from aisec_resources.config.base import Strict
from aisec_resources.config.hf_hub import HubConfig
from aisec_resources.records import SourceResult, SourceUnavailable, UnreadablePart


class HuggingFaceSource(Strict):
    model_dirs: list[NamedPath] = Field(default_factory=list)
    cache_dirs: list[NamedPath] = Field(default_factory=list)
    max_file_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024 * 1024
    max_depth: Annotated[int, Field(ge=1, le=64)] = 12
    hub: HubConfig | None = None


def hub_reader(config: HubConfig) -> HubReader:
    """The bundle reader when `bundle` is set, else the live Hub (token from `token_env`)."""
    if config.bundle is not None:
        return HubBundleReader(config.bundle, config.endpoint)
    return LiveHubReader.from_config(config)


def read_hub(config: HubConfig) -> HubExtraction:
    """The Hub's records; a Hub that cannot be used at all (missing bundle, token variable
    unset) makes every organisation an unreadable part, with the reason."""
    problem: str | None = None
    location = config.endpoint
    if config.bundle is not None and not config.bundle.is_dir():
        what = "not a directory" if config.bundle.exists() else "directory not found"
        problem, location = f"bundle {what}", str(config.bundle)
    else:
        try:
            reader = hub_reader(config)
        except TokenMissing as exc:
            problem = str(exc)
    if problem is not None:
        hub = HubExtraction(SourceResult(), config.endpoint, nothing_read=True)
        for org in config.organizations:
            hub.unreadable_orgs.add(org.lower())
            hub.result.unreadable.append(UnreadablePart(f"{PART_PREFIX}/{org}", location, problem))
        return hub
    return extract_hub(reader, config.organizations, max_workers=config.max_workers)


def fetch(section: HuggingFaceSource) -> SourceResult:
    """Disk locations, then the Hub; one of them failing as a whole leaves the other's data.

    Raises `SourceUnavailable` only when nothing configured could be read.
    """
    locations = [*section.model_dirs, *section.cache_dirs]
    try:
        local = huggingface.extract_huggingface(
            section.model_dirs, section.cache_dirs, section.max_file_bytes, section.max_depth
        )
        local_failed: str | None = None
    except SourceUnavailable as exc:
        if section.hub is None:
            raise
        local_failed = str(exc)
        local = SourceResult(
            unreadable=[UnreadablePart(loc.name, str(loc.path), local_failed) for loc in locations]
        )
    if section.hub is None:
        return local
    hub = read_hub(section.hub)
    if hub.nothing_read and (local_failed is not None or not locations):
        problems = [local_failed] if local_failed else []
        problems += [f"{u.part} ({u.location}): {u.reason}" for u in hub.result.unreadable]
        raise SourceUnavailable(
            "no Hugging Face location or Hub organisation could be read: " + "; ".join(problems)
        )
    return combine(local, hub)


def list_model_directories(section: HuggingFaceSource) -> list[str]:
    """Model directories (a config.json inside) and cached repos, as `location/relative path`.

    A cheap walk for the sensor: depth-capped, symlinks not followed, unreadable parts skipped.
    """
    found: set[str] = set()
    for loc in section.model_dirs:
        root = Path(loc.path)
        for dirpath, dirnames, filenames in os.walk(root, onerror=lambda _e: None):
            rel = Path(dirpath).relative_to(root)
            if len(rel.parts) >= section.max_depth:
                dirnames.clear()
            dirnames[:] = sorted(d for d in dirnames if d not in ("blobs", ".git"))
            if "config.json" in filenames:
                found.add(f"{loc.name}/{rel.as_posix()}")
    for loc in section.cache_dirs:
        try:
            entries = sorted(os.listdir(loc.path))
        except OSError:
            continue
        found.update(f"{loc.name}/{e}" for e in entries if e.startswith(("models--", "datasets--")))
    return sorted(found)


def preflight(section: HuggingFaceSource) -> list[str]:
    problems: list[str] = []
    for kind in ("model_dirs", "cache_dirs"):
        for position, loc in enumerate(getattr(section, kind)):
            problems += missing_directory(f"sources.huggingface.{kind}[{position}]", loc.path)
    names = [loc.name for loc in [*section.model_dirs, *section.cache_dirs]]
    problems += [
        f"sources.huggingface: location name {PART_PREFIX!r} is reserved for the Hub's parts "
        "(hf-hub/<org>); rename the location"
        for name in sorted(set(names))
        if name == PART_PREFIX
    ]
    hub = section.hub
    if hub is not None and hub.bundle is not None:
        problems += missing_directory("sources.huggingface.hub.bundle", hub.bundle)
    elif hub is not None and hub.token_env is not None and not os.environ.get(hub.token_env):
        problems.append(
            f"sources.huggingface.hub.token_env: environment variable {hub.token_env} is not "
            "set (it must hold the Hugging Face access token)"
        )
    problems += [
        f"sources.huggingface: location name {name!r} is used more than once (asset ids "
        "would collide)"
        for name in sorted({n for n in names if names.count(n) > 1})
    ]
    return problems


def _collected_part(org: OrgCollection) -> CollectedPart:
    counts = {f"{kind}s listed": n for kind, n in org.listed.items()}
    counts |= {f"{kind}s written": n for kind, n in org.written.items()}
    error = f"{org.error['location']}: {org.error['reason']}" if org.error else None
    return CollectedPart(
        key=org.organization,
        status=org.status,
        seconds=org.seconds,
        counts=counts,
        not_collected=tuple(f"{e['repo_id']}: {e['reason']}" for e in org.not_collected),
        error=error,
    )


def collect(
    section: HuggingFaceSource,
    out: Path | None,
    keys: list[str] | None,
    now: datetime,
    progress: Callable[[str], None],
) -> list[CollectedPart]:
    """`aisec collect hf`: the configured organisations (or `keys`) into the bundle `out`."""
    hub = section.hub
    assert hub is not None  # is_live
    if out is None:
        raise SourceUnavailable(
            "sources.huggingface.hub is read live by discovery itself: give `--out DIR` to "
            "write an offline bundle"
        )
    if keys:
        hub = hub.model_copy(update={"organizations": keys})
    collection = collect_hub(hub, out, progress=progress, now=now)
    return [_collected_part(org) for org in collection.organizations]


HUB_COLLECTION: LiveCollection[HuggingFaceSource] = LiveCollection(
    name="hf",
    partition_kind="organisation",
    description="Hugging Face Hub organisations' models and datasets (API responses).",
    is_live=lambda section: section.hub is not None and section.hub.bundle is None,
    list_keys=lambda section: list(section.hub.organizations) if section.hub else [],
    collect=collect,
    partitioned=False,
)

SPEC = SourceSpec(
    config_key="huggingface",
    model=HuggingFaceSource,
    asset_name="huggingface_extract",
    source="huggingface",
    description="Hugging Face models on disk: model directories (config.json, safetensors "
    "headers, pickle files analysed statically, never loaded) and the local HF cache read with "
    "huggingface_hub's own cache scanner; and organisations' models and datasets on the Hub "
    "(license, gated, safetensors parameters, base model, pickle files by name), live or from "
    "an offline bundle.",
    kinds=frozenset({"huggingface", "python", "duckdb"}),
    fetch=fetch,
    watch=list_model_directories,
    preflight=preflight,
    collection=HUB_COLLECTION,
)
