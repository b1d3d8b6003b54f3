"""The local Hugging Face cache, read with huggingface_hub's own scanner.

* **HF caches** (``sources.huggingface.cache_dirs``), read with huggingface_hub's own
  ``scan_cache_dir`` (never by parsing the layout here). One record per cached repo:
  ``resource_id = hf-cache://<location>/<repo_type>/<repo_id>``. Models are described from the
  revision ``main`` points at (else the most recently modified one); model files of *every*
  cached revision are scanned, because any of them can be loaded by pinning the revision.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from huggingface_hub import scan_cache_dir
from huggingface_hub.errors import CacheNotFound

from aisec_assets.discovery.huggingface.confine import confined
from aisec_assets.discovery.huggingface.facts import (
    ADAPTER_CONFIG_FILE,
    CONFIG_FILE,
    ModelFacts,
    card_license,
    describe_model,
    file_rollup,
    load_json_file,
    read_card,
    scan_files,
)
from aisec_assets.discovery.huggingface.run import SOURCE, ExtractionRun, hub_url
from aisec_assets.discovery.huggingface.text_files import card_description, string_list
from aisec_resources.config import NamedPath
from aisec_resources.records import DiscoveredAsset


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


def _corrupted_location(cache_root: Path, message: str) -> str:
    """The cached repo folder a scan_cache_dir warning is about (else the cache root)."""
    try:
        names = sorted(os.listdir(cache_root), key=len, reverse=True)
    except OSError:
        return str(cache_root)
    for name in names:
        candidate = cache_root / name
        if re.search(re.escape(str(candidate)) + r"(?![^/\s)])", message):
            return str(candidate)
    return str(cache_root)


def _dataset_facts(
    run: ExtractionRun,
    files: Mapping[str, Path],
    scan_entries: list[tuple[str, Path, dict[str, Any]]],
) -> ModelFacts:
    """A cached dataset: its card, and any pickle-based files in it (a real attack vector)."""
    posture: dict[str, Any] = {}
    card, body = read_card(run, files, posture)
    scanned = scan_files(run, scan_entries)
    posture.update(
        {
            "card": {
                "license": card.get("license"),
                "tags": string_list(card.get("tags")),
                "task_categories": string_list(card.get("task_categories")),
            },
            "model_files": scanned,
            **file_rollup(scanned),
        }
    )
    return ModelFacts(
        asset_type="training_dataset",
        model_name=None,
        own_repo_id=None,
        license_type=card_license(card),
        parameter_count=None,
        description=card_description(body),
        posture=posture,
        dependencies=[],
        raw={},
    )


def _cache_repo_record(
    run: ExtractionRun, location: NamedPath, repo: Any, real_root: str
) -> DiscoveredAsset | None:
    """One record for a `CachedRepoInfo` from `scan_cache_dir`; None (+ Rejection) if unmapped."""
    repo_type = repo.repo_type
    resource_id = f"hf-cache://{location.name}/{repo_type}/{repo.repo_id}"
    if repo_type not in ("model", "dataset"):
        run.reject(
            repo.repo_path,
            f"cached {repo_type} repo {repo.repo_id!r} is not inventoried "
            "(no AI asset type for it)",
            "repo_type",
        )
        return None
    revisions = sorted(repo.revisions, key=lambda r: (-r.last_modified, r.commit_hash))
    primary = next((r for r in revisions if "main" in r.refs), revisions[0] if revisions else None)
    verdicts: dict[Path, bool] = {}

    def readable(path: Path) -> bool:  # inside the cache root; refused (once) otherwise
        if path not in verdicts:
            verdicts[path] = confined(run, path, real_root)
        return verdicts[path]

    files: dict[str, Path] = {}
    if primary is not None:
        files = {
            f.file_path.relative_to(primary.snapshot_path).as_posix(): f.file_path
            for f in sorted(primary.files, key=lambda f: str(f.file_path))
            if readable(f.file_path)
        }
    # Model files of every revision (deduplicated by blob): a pinned revision loads them too.
    scan_entries: list[tuple[str, Path, dict[str, Any]]] = []
    seen_blobs: set[Path] = set()
    for revision in ([primary] if primary else []) + [r for r in revisions if r is not primary]:
        for f in sorted(revision.files, key=lambda f: str(f.file_path)):
            if f.blob_path in seen_blobs or not readable(f.file_path):
                continue
            seen_blobs.add(f.blob_path)
            rel = f.file_path.relative_to(revision.snapshot_path).as_posix()
            extra = {"revision": revision.commit_hash, "primary": revision is primary}
            scan_entries.append((rel, f.file_path, extra))
    if repo_type == "dataset":
        facts = _dataset_facts(run, files, scan_entries)
    else:
        posture: dict[str, Any] = {}
        config = load_json_file(run, files, CONFIG_FILE, posture) or {}
        adapter = load_json_file(run, files, ADAPTER_CONFIG_FILE, posture) or {}
        facts = describe_model(
            run,
            files,
            scan_entries,
            (config, adapter, posture),
            label=resource_id,
            own_repo_id=repo.repo_id,
        )
    refs = {ref: rev.commit_hash for ref, rev in sorted(repo.refs.items())}
    # No `last_accessed`: a file's access time moves with every read, this scan's own
    # included, so it says nothing and would make a rerun of the same day differ.
    facts.posture.update(
        {
            "location": location.name,
            "repo_type": repo_type,
            "repo_id": repo.repo_id,
            "cache_path": str(repo.repo_path),
            "size_on_disk": repo.size_on_disk,
            "nb_files": repo.nb_files,
            "last_modified": _iso(repo.last_modified),
            "snapshot_revision": primary.commit_hash if primary else None,
            "refs": refs,
            "revisions": [
                {
                    "commit_hash": r.commit_hash,
                    "refs": sorted(r.refs),
                    "nb_files": r.nb_files,
                    "size_on_disk": r.size_on_disk,
                    "last_modified": _iso(r.last_modified),
                }
                for r in revisions
            ],
        }
    )
    is_model = repo_type == "model"
    return DiscoveredAsset(
        source=SOURCE,
        resource_id=resource_id,
        name=repo.repo_id,
        asset_type=facts.asset_type,
        description=facts.description,
        model_provider="huggingface" if is_model else None,
        model_name=(facts.model_name or repo.repo_id) if is_model else None,
        model_version=primary.commit_hash if primary else None,
        is_self_hosted=True if is_model else None,
        parameter_count=facts.parameter_count,
        source_url=hub_url(repo.repo_id, repo_type),
        license_type=facts.license_type,
        posture=facts.posture,
        dependencies=facts.dependencies,
        raw={"repo_id": repo.repo_id, "repo_type": repo_type, "refs": refs, **facts.raw},
    )


def scan_cache(run: ExtractionRun, location: NamedPath) -> bool:
    """Read one HF cache with huggingface_hub's scanner; False when it cannot be read at all."""
    root = Path(location.path)
    try:
        info = scan_cache_dir(root)
    except CacheNotFound:
        run.reject(root, f"HF cache location {location.name!r} does not exist")
        return False
    except ValueError as exc:  # scan_cache_dir: the path is a file
        run.reject(root, f"HF cache location {location.name!r} is not a directory: {exc}")
        return False
    except OSError as exc:
        run.reject(
            root, f"HF cache location {location.name!r} cannot be read: {exc.strerror or exc}"
        )
        return False
    resolved = Path(info.cache_dir or root)
    for warning in info.warnings:
        message = str(warning)
        run.reject(
            _corrupted_location(resolved, message),
            f"corrupted HF cache entry skipped by scan_cache_dir: {message}",
        )
    for repo in sorted(info.repos, key=lambda r: (r.repo_type, r.repo_id)):
        run.result.scanned += 1
        try:
            record = _cache_repo_record(run, location, repo, os.path.realpath(resolved))
        except Exception as exc:  # last line of defence: one repo never sinks the source
            run.reject(repo.repo_path, f"unexpected error reading cached repo: {exc!r}")
            continue
        if record is not None:
            run.result.records.append(record)
    return True
