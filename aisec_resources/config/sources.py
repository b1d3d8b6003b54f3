"""`sources:` in aisec.yaml: where discovery reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from aisec_resources.config.base import _Strict


class NamedPath(_Strict):
    """A directory the program reads, with a stable name used in asset ids."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    path: Path


class RegistrySource(_Strict):
    path: Path


class HuggingFaceSource(_Strict):
    model_dirs: list[NamedPath] = []
    cache_dirs: list[NamedPath] = []
    max_file_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024 * 1024
    max_depth: Annotated[int, Field(ge=1, le=64)] = 12


class BundleSource(_Strict):
    """A directory of offline API exports (the same JSON the cloud APIs return)."""

    bundle: Path


class Sources(_Strict):
    declared_registry: RegistrySource | None = None
    huggingface: HuggingFaceSource | None = None
    aws: BundleSource | None = None
    azure: BundleSource | None = None
