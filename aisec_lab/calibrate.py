"""Calibrating the tier-2 threshold, and the cross-validation folds it is calibrated on.

**Calibration.** The threshold is calibrated on out-of-fold scores (5 folds of the authoring
split by a stable text hash, each fold scored by a model that did not see it): the lowest
value that flags at most 1% of every benign source, never below `MIN_THRESHOLD` (0.5). The
final model is then fitted on the whole authoring split. Deterministic: fixed start, full-batch
L-BFGS, sums by numpy's pairwise summation (not threaded BLAS); same corpora -> same bytes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

FP_BUDGET = 0.01  # per benign source, on the authoring split's out-of-fold scores
MIN_THRESHOLD = 0.5  # a hit needs the model to find an attack at least as likely as not


def _fold_of(text: str, folds: int) -> int:
    """A text's cross-validation fold, from a stable hash (not the split's hash)."""
    digest = hashlib.sha256(("aisec-tier2-fold\x1f" + text).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % folds


def calibrate_threshold(
    scores: np.ndarray,
    sources: Sequence[str],
    benign: np.ndarray,
    fp_budget: float = FP_BUDGET,
    min_threshold: float = MIN_THRESHOLD,
) -> tuple[float, dict[str, dict[str, float]]]:
    """The lowest threshold (hit = score >= threshold) that flags at most
    floor(fp_budget * n) texts of every benign source, never below `min_threshold`; with the
    per-source rates it gives."""
    src = np.asarray(sources)
    needed = min_threshold
    for source in sorted(set(src[benign])):
        ranked = np.sort(scores[benign & (src == source)])[::-1]
        allowed = math.floor(fp_budget * len(ranked))
        if allowed < len(ranked):
            # The (allowed+1)-th highest must stay below the threshold.
            needed = max(needed, float(np.nextafter(ranked[allowed], np.inf)))
    threshold = min(needed, 1.0)
    rates = {}
    for source in sorted(set(src[benign])):
        part = scores[benign & (src == source)]
        rates[source] = {"items": len(part), "flagged_rate": float((part >= threshold).mean())}
    return threshold, rates
