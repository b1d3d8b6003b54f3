"""What several source modules share: a path preflight and the cloud sources' section model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from pydantic import model_validator

from aisec_resources.config.base import Strict
from aisec_resources.records import SourceUnavailable


def missing_directory(key: str, path: Path) -> list[str]:
    """`[problem]` when `path` (the value of aisec.yaml key `key`) is not a directory."""
    if path.is_dir():
        return []
    what = "not a directory" if path.exists() else "directory not found"
    return [f"{key}: {path}: {what}"]


class BundleOrLive(Strict):
    """A cloud source's section: exactly one of `bundle` (an offline bundle) and `live` (the
    live APIs, declared by the subclass with its own settings model), and `collected`, where
    live collection writes one directory per account and the extracts read (subclass default).
    """

    bundle: Path | None = None
    live: Any = None
    collected: Path

    @model_validator(mode="after")
    def _one_mode(self) -> Self:
        if (self.bundle is None) == (self.live is None):
            raise ValueError("set exactly one of `bundle` (offline bundle) and `live`")
        return self

    def bundle_to_read(self, key: str, parts: str) -> Path:
        """The directory the extracts parse; `SourceUnavailable` when a live source has
        collected nothing yet (`key`: the config key, `parts`: what it collects)."""
        path = self.bundle if self.bundle is not None else self.collected
        if self.live is not None and not path.is_dir():
            raise SourceUnavailable(
                f"sources.{key}.collected: {path}: no {parts} collected yet (run `aisec run`, "
                f"the {key}_collection_job, or `aisec collect {key}`)"
            )
        return path
