"""Model directories on disk: the depth-capped, loop-safe walk and one record per model.

* **Model directories** (``sources.huggingface.model_dirs``). Each root is walked, depth-capped
  (``max_depth``), never in a loop: real paths of the directories on the current branch are
  tracked, and a link back to one of them is a Rejection. A link to a directory inside the
  same root is not followed (that directory is scanned under its own path); nothing that
  resolves outside the root — a directory or a file, through any link — is read (a
  Rejection; see `confine`). ``.git``, ``__pycache__`` and the ``blobs`` folder of
  anything laid out like an HF cache are skipped. A directory is a model when its
  ``config.json`` is a JSON object with ``model_type`` or ``architectures``, or when its
  ``adapter_config.json`` names a ``peft_type`` / base model (a PEFT adapter such as LoRA).
  A model directory's whole subtree belongs to it (``1_Pooling/``, ``2_Dense/``,
  checkpoints): its files are scanned as part of the model, nested ``config.json`` files do
  not start new models.
  Record: ``resource_id = hf-dir://<location>/<path relative to the root>`` (posix;
  ``hf-dir://<location>`` when the root itself is the model).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from aisec_assets.discovery.huggingface.confine import confined, inside
from aisec_assets.discovery.huggingface.facts import (
    ADAPTER_CONFIG_FILE,
    CONFIG_FILE,
    describe_model,
    is_adapter_config,
    is_model_config,
    load_json_file,
)
from aisec_assets.discovery.huggingface.run import SOURCE, ExtractionRun, hub_url
from aisec_resources.config import NamedPath
from aisec_resources.records import DiscoveredAsset

SKIPPED_DIR_NAMES = frozenset({".git", "__pycache__"})


def _list_dir(path: Path) -> list[os.DirEntry[str]]:
    """A directory's entries, sorted by name (the one place the walk touches the OS listing)."""
    with os.scandir(path) as entries:
        return sorted(entries, key=lambda e: e.name)


def _entry_is_dir(run: ExtractionRun, entry: os.DirEntry[str]) -> bool | None:
    """Whether an entry is a directory (following symlinks); None after a Rejection."""
    try:
        return entry.is_dir()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == 40:  # ELOOP: a symlink that resolves to itself
            reason = f"symlink loop ({reason}); not followed"
        run.reject(entry.path, f"cannot stat: {reason}")
        return None


def _model_dir_files(
    run: ExtractionRun,
    dir_path: Path,
    entries: list[os.DirEntry[str]],
    depth: int,
    ancestors: tuple[str, ...],
) -> dict[str, Path]:
    """Every file under a model directory (relative posix path -> path), loop and depth safe."""
    files: dict[str, Path] = {}
    pending: list[tuple[str, list[os.DirEntry[str]], int, tuple[str, ...]]] = [
        ("", entries, depth, ancestors)
    ]
    while pending:
        prefix, listing, level, chain = pending.pop()
        for entry in listing:
            rel = prefix + entry.name
            is_dir = _entry_is_dir(run, entry)
            if is_dir is None:
                continue
            if not is_dir:
                if confined(run, entry.path, ancestors[0]):
                    files[rel] = Path(entry.path)  # includes broken links: analysis reports them
                continue
            if entry.name in SKIPPED_DIR_NAMES:
                continue
            real = os.path.realpath(entry.path)
            if not inside(real, ancestors[0]):
                confined(run, entry.path, ancestors[0])
                continue
            if real in chain:
                run.reject(entry.path, f"symlink loop: resolves to ancestor {real}; not followed")
                continue
            if entry.is_symlink() and inside(real, ancestors[-1]):
                continue  # e.g. `latest -> checkpoint-500`: listed under its own path
            if level + 1 > run.max_depth:
                run.reject(entry.path, f"not scanned: deeper than max_depth ({run.max_depth})")
                continue
            try:
                sub = _list_dir(Path(entry.path))
            except OSError as exc:
                run.reject(entry.path, f"cannot list directory: {exc.strerror or exc}")
                continue
            run.result.scanned += 1
            pending.append((rel + "/", sub, level + 1, (*chain, real)))
    return dict(sorted(files.items()))


def _model_dir_record(
    run: ExtractionRun,
    location: NamedPath,
    root: Path,
    dir_path: Path,
    entries: list[os.DirEntry[str]],
    depth: int,
    ancestors: tuple[str, ...],
) -> DiscoveredAsset | None:
    rel = dir_path.relative_to(root).as_posix()
    resource_id = f"hf-dir://{location.name}" if rel == "." else f"hf-dir://{location.name}/{rel}"
    top = {e.name: Path(e.path) for e in entries}
    if CONFIG_FILE not in top and ADAPTER_CONFIG_FILE not in top:
        return None
    for name in (CONFIG_FILE, ADAPTER_CONFIG_FILE):
        if name in top and not confined(run, top[name], ancestors[0]):
            del top[name]  # a config linked from outside the root is not read
    # The configs decide whether this is a model (and a broken one is a Rejection either way).
    posture: dict[str, Any] = {}
    config = load_json_file(run, top, CONFIG_FILE, posture) or {}
    adapter = load_json_file(run, top, ADAPTER_CONFIG_FILE, posture) or {}
    if not (is_model_config(config) or is_adapter_config(adapter)):
        return None
    files = _model_dir_files(run, dir_path, entries, depth, ancestors)
    facts = describe_model(
        run,
        files,
        [(name, path, {}) for name, path in files.items()],
        (config, adapter, posture),
        label=resource_id,
        own_repo_id=None,
    )
    facts.posture.update({"location": location.name, "path": rel})
    return DiscoveredAsset(
        source=SOURCE,
        resource_id=resource_id,
        name=dir_path.name,
        asset_type=facts.asset_type,
        description=facts.description,
        model_provider="huggingface",
        model_name=facts.model_name or dir_path.name,
        is_self_hosted=True,
        parameter_count=facts.parameter_count,
        source_url=hub_url(facts.own_repo_id) if facts.own_repo_id else None,
        license_type=facts.license_type,
        posture=facts.posture,
        dependencies=facts.dependencies,
        raw=facts.raw,
    )


def scan_model_root(run: ExtractionRun, location: NamedPath) -> bool:
    """Walk one model-directory root; False when the location itself cannot be read."""
    root = Path(location.path)
    try:
        mode = os.stat(root).st_mode
    except FileNotFoundError:
        run.reject(root, f"model directory location {location.name!r} does not exist")
        return False
    except OSError as exc:
        run.reject(root, f"model directory location {location.name!r}: {exc.strerror or exc}")
        return False
    if not stat.S_ISDIR(mode):
        run.reject(root, f"model directory location {location.name!r} is not a directory")
        return False
    real_root = os.path.realpath(root)
    try:
        root_entries = _list_dir(root)
    except OSError as exc:
        run.reject(
            root,
            f"model directory location {location.name!r} cannot be listed: {exc.strerror or exc}",
        )
        return False
    visited = {real_root}
    pending: list[tuple[Path, list[os.DirEntry[str]] | None, int, tuple[str, ...]]] = [
        (root, root_entries, 0, (real_root,))
    ]
    while pending:
        dir_path, entries, depth, ancestors = pending.pop()
        if entries is None:
            try:
                entries = _list_dir(dir_path)
            except OSError as exc:
                run.reject(dir_path, f"cannot list directory: {exc.strerror or exc}")
                continue
        run.result.scanned += 1
        try:
            record = _model_dir_record(run, location, root, dir_path, entries, depth, ancestors)
        except Exception as exc:  # last line of defence: one model never sinks the source
            run.reject(dir_path, f"unexpected error reading model directory: {exc!r}")
            continue
        if record is not None:
            run.result.records.append(record)
            continue  # a model directory's subtree belongs to it
        names = {e.name for e in entries}
        children = []
        for entry in entries:
            if entry.name in SKIPPED_DIR_NAMES or (entry.name == "blobs" and "snapshots" in names):
                continue
            if not _entry_is_dir(run, entry):
                continue
            real = os.path.realpath(entry.path)
            if real in ancestors:
                run.reject(entry.path, f"symlink loop: resolves to ancestor {real}; not followed")
                continue
            if not inside(real, real_root):
                confined(run, entry.path, real_root)
                continue
            if real in visited:
                continue  # reached through another link: already scanned once
            if entry.is_symlink() and inside(real, real_root):
                continue  # a link to a directory of this root: scanned under its own path
            if depth + 1 > run.max_depth:
                run.reject(entry.path, f"not scanned: deeper than max_depth ({run.max_depth})")
                continue
            visited.add(real)
            children.append((Path(entry.path), None, depth + 1, (*ancestors, real)))
        pending.extend(reversed(children))
    return True
