"""A scan never leaves its root: every path is resolved (symlinks followed) and what resolves
outside the configured location is refused — recorded as a Rejection, never read, listed or
analysed. A model directory holding `pytorch_model.bin -> /etc/passwd`, a `config.json`
linked to a key file elsewhere, or a directory link to `/etc` reads nothing outside its root.
"""

from __future__ import annotations

import os
from pathlib import Path

from aisec_assets.discovery.huggingface.run import ExtractionRun


def inside(real: str, real_root: str) -> bool:
    """Whether the resolved path `real` is `real_root` or below it."""
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def confined(run: ExtractionRun, path: Path | str, real_root: str) -> bool:
    """True when `path` resolves inside `real_root`; otherwise a Rejection and False."""
    real = os.path.realpath(path)
    if inside(real, real_root):
        return True
    run.reject(path, f"resolves outside the configured root {real_root} (to {real}); not read")
    return False
