"""The classifier's one error type."""

from __future__ import annotations


class Tier2Error(RuntimeError):
    """The tier-2 model cannot be loaded, trained or fed: says which file / input and why."""
