"""Hugging Face (`sources.huggingface`): model directories on disk and local HF caches.

Watched: the new-model sensor lists model directories and cached repos (`list_model_directories`)
and starts discovery when one appears.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field

from aisec_assets.discovery import huggingface
from aisec_assets.discovery.sources._common import missing_directory
from aisec_assets.discovery.sources.spec import SourceSpec
from aisec_resources.config import NamedPath
from aisec_resources.config.base import Strict
from aisec_resources.records import SourceResult


class HuggingFaceSource(Strict):
    model_dirs: list[NamedPath] = Field(default_factory=list)
    cache_dirs: list[NamedPath] = Field(default_factory=list)
    max_file_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024 * 1024
    max_depth: Annotated[int, Field(ge=1, le=64)] = 12


def fetch(section: HuggingFaceSource) -> SourceResult:
    return huggingface.extract_huggingface(
        section.model_dirs, section.cache_dirs, section.max_file_bytes, section.max_depth
    )


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
        f"sources.huggingface: location name {name!r} is used more than once (asset ids "
        "would collide)"
        for name in sorted({n for n in names if names.count(n) > 1})
    ]
    return problems


SPEC = SourceSpec(
    config_key="huggingface",
    model=HuggingFaceSource,
    asset_name="huggingface_extract",
    source="huggingface",
    description="Hugging Face models on disk: model directories (config.json, safetensors "
    "headers, pickle files analysed statically, never loaded) and the local HF cache read with "
    "huggingface_hub's own cache scanner.",
    kinds=frozenset({"huggingface", "python", "duckdb"}),
    fetch=fetch,
    watch=list_model_directories,
    preflight=preflight,
)
