"""Path confinement shared by every scanner and log lister: a scan never leaves its root.

Every path is resolved (symlinks followed, `..` collapsed) before it is read, and what
resolves outside the configured root is refused by the caller — recorded as a rejection,
never read, listed or analysed. The pillars may not import each other, so the one
implementation lives here, below all of them.
"""

from __future__ import annotations

import os
from pathlib import Path


def real_root(root: Path | str) -> str:
    """The resolved form of a configured root, the reference every path is checked against."""
    return os.path.realpath(root)


def inside(real: str, real_root: str) -> bool:
    """Whether the resolved path `real` is `real_root` or below it.

    A plain prefix test would let `/data/logs-evil` pass for root `/data/logs`, hence the
    separator."""
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def outside_root(path: Path | str, real_root: str) -> str | None:
    """The resolved path of `path` when it escapes `real_root` (a resolved root), else None."""
    real = os.path.realpath(path)
    return None if inside(real, real_root) else real


def resolve_within(path: Path | str, real_root: str) -> str | None:
    """The resolved path of `path` when it stays inside `real_root`, else None."""
    real = os.path.realpath(path)
    return real if inside(real, real_root) else None


def escape_reason(real_root: str, real: str) -> str:
    """The rejection reason every caller uses for a path that resolves outside its root."""
    return f"resolves outside the configured root {real_root} (to {real}); not read"
