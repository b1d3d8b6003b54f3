"""A scan never leaves its root: every path is resolved (symlinks followed) and what resolves
outside the configured location is refused — recorded as a Rejection, never read, listed or
analysed. A model directory holding `pytorch_model.bin -> /etc/passwd`, a `config.json`
linked to a key file elsewhere, or a directory link to `/etc` reads nothing outside its root.

The path test itself is the shared one (`aisec_resources.confine`), so every scanner and log
lister refuses the same paths.
"""

from __future__ import annotations

from pathlib import Path

from aisec_assets.discovery.huggingface.run import ExtractionRun
from aisec_resources.confine import escape_reason, inside, outside_root

__all__ = ["confined", "inside"]


def confined(run: ExtractionRun, path: Path | str, real_root: str) -> bool:
    """True when `path` resolves inside `real_root`; otherwise a Rejection and False."""
    real = outside_root(path, real_root)
    if real is None:
        return True
    run.reject(path, escape_reason(real_root, real))
    return False
