"""What several source modules share: a path preflight."""

from __future__ import annotations

from pathlib import Path


def missing_directory(key: str, path: Path) -> list[str]:
    """`[problem]` when `path` (the value of aisec.yaml key `key`) is not a directory."""
    if path.is_dir():
        return []
    what = "not a directory" if path.exists() else "directory not found"
    return [f"{key}: {path}: {what}"]
