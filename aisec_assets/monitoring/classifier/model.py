"""The trained tier-2 model as production loads it: `Tier2Model.load()` reads the shipped
`tier2_model/` (package data: weights.npz with `allow_pickle=False`, never a pickle, and
model.json: feature settings, threshold, SHA-256 of the weights, what it was trained on, the
calibration) and checks the weights against their recorded digest.

`score(texts)` -> P(attack) = 1 - P(benign) per text (multinomial logistic regression over
benign + the four attack families, `CLASSES`); a text is a hit when its score reaches
`threshold`. A windowed text keeps its best window's probabilities. `verdicts(texts)` adds the
most likely attack class and the deciding segment (the evidence shown to an analyst).
Scoring downloads nothing and needs only numpy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np

from aisec_assets.monitoring.classifier.errors import Tier2Error
from aisec_assets.monitoring.classifier.features import (
    FeatureConfig,
    SparseRows,
    featurize,
    segment_texts,
)
from aisec_assets.monitoring.model_store import npz_bytes, read_arrays, read_meta

BENIGN = "benign"  # the first class: what is not an attack
# The shipped weights are package data of this package, read with importlib.resources (so an
# installed wheel works); MODEL_DIR is the same folder in a source checkout, where the lab's
# `python -m aisec_lab train` writes a retrained model.
MODEL_PACKAGE = "aisec_assets.monitoring.classifier.tier2_model"
MODEL_DIR = Path(__file__).resolve().parent / "tier2_model"
WEIGHTS_FILE = "weights.npz"
META_FILE = "model.json"
FORMAT_VERSION = 1
SCORED_FIELDS: tuple[str, ...] = ("prompt_text", "retrieved_context")
CLASSES: tuple[str, ...] = (
    BENIGN,
    "prompt_injection",
    "indirect_injection",
    "jailbreak",
    "system_prompt_extraction",
)


# ======================================================================== logistic regression
def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def linear_logits(x: SparseRows, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x @ weights + bias for sparse x (rows x dim) and dense weights (dim x classes)."""
    return logits_by_class(x, np.ascontiguousarray(weights.T), bias)


def logits_by_class(x: SparseRows, by_class: np.ndarray, bias: np.ndarray) -> np.ndarray:
    # by_class is (classes x dim): one contiguous gather per class, no (nnz x classes) temporary.
    out = np.empty((x.n_rows, by_class.shape[0]))
    for k in range(by_class.shape[0]):
        out[:, k] = np.bincount(x.row, weights=by_class[k][x.col] * x.val, minlength=x.n_rows)
    return out + bias


def best_segments(probs: np.ndarray, owner: np.ndarray, n_texts: int) -> np.ndarray:
    """Per text, the index of its segment with the highest attack score (-1: no segment)."""
    return _argmax_per_owner(1.0 - probs[:, 0] if len(owner) else np.zeros(0), owner, n_texts)


def _argmax_per_owner(values: np.ndarray, owner: np.ndarray, n_texts: int) -> np.ndarray:
    best = np.full(n_texts, -1, dtype=np.int64)
    if len(owner) == 0:
        return best
    attack = values
    order = np.lexsort((-attack, owner))  # by text, highest value first
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    best[owner[first]] = first
    return best


def max_segment_probabilities(probs: np.ndarray, owner: np.ndarray, n_texts: int) -> np.ndarray:
    """Per text, the class probabilities of its segment with the highest attack score."""
    best = best_segments(probs, owner, n_texts)
    out = np.zeros((n_texts, probs.shape[1]))
    out[best >= 0] = probs[best[best >= 0]]
    return out


@dataclass(frozen=True)
class Verdicts:
    """Tier-2 verdicts on a batch of texts (arrays in the texts' order)."""

    scores: np.ndarray  # P(attack) = 1 - P(benign), of the best segment
    families: list[str]  # the most likely attack class of the best segment
    # what to show as evidence: the window that scored highest (the text itself when it is
    # shorter than a window), even when the whole text scored higher than any one window
    segments: list[str]


# ======================================================================== the model
@dataclass
class Tier2Model:
    """A trained tier-2 classifier: hashed n-gram features + multinomial logistic regression.

    `score(texts)` -> P(attack) = 1 - P(benign) per text; a text is a hit when its score is
    >= `threshold`. Score `prompt_text` and `retrieved_context` of an event separately."""

    weights: np.ndarray  # (features.dim, len(classes)) float16 as stored
    bias: np.ndarray  # (len(classes),) float64
    threshold: float
    features: FeatureConfig = field(default_factory=FeatureConfig)
    classes: tuple[str, ...] = CLASSES
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.weights.shape != (self.features.dim, len(self.classes)):
            raise Tier2Error(
                f"weights have shape {self.weights.shape}, expected "
                f"{(self.features.dim, len(self.classes))} for {self.features} / {self.classes}"
            )
        if self.bias.shape != (len(self.classes),):
            raise Tier2Error(f"bias has shape {self.bias.shape}, expected ({len(self.classes)},)")
        if not 0.0 < self.threshold <= 1.0:
            raise Tier2Error(f"threshold {self.threshold} is not in (0, 1]")
        if self.classes[0] != BENIGN:
            raise Tier2Error(f"the first class must be {BENIGN!r}, got {self.classes[0]!r}")
        self._weights32 = self.weights.astype(np.float32)

    @property
    def version(self) -> str:
        """`tier2-ngram-lr-` + the first 12 hex digits of the weights' SHA-256."""
        return f"tier2-ngram-lr-{weights_digest(self.weights, self.bias)[:12]}"

    def _segment_probabilities(
        self, texts: Sequence[str]
    ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """(segments, their class probabilities, index of each text's best segment, index of
        each segment's text)."""
        if isinstance(texts, str):
            raise Tier2Error("score() takes a list of texts, not one str")
        parts, owner = segment_texts(texts, self.features)
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return [], np.zeros((0, len(self.classes))), empty, empty
        x = featurize(parts, self.features)
        probs = softmax(linear_logits(x, self._weights32, self.bias))
        return parts, probs, best_segments(probs, owner, len(texts)), owner

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (len(texts) x len(classes)), columns in `classes` order: those of
        the text itself or of its window with the highest attack score."""
        _, probs, best, _ = self._segment_probabilities(texts)
        return probs[best] if len(best) else np.zeros((0, len(self.classes)))

    def verdicts(self, texts: Sequence[str]) -> Verdicts:
        """Score, most likely attack class and the deciding segment of each text."""
        parts, probs, best, owner = self._segment_probabilities(texts)
        if not len(best):
            return Verdicts(np.zeros(0), [], [])
        chosen = probs[best]
        top = np.argmax(chosen[:, 1:], axis=1)
        # evidence: the best window of a windowed text (segment_texts puts each text first,
        # then its windows), so the excerpt shows the instruction, not the document's start
        attack = 1.0 - probs[:, 0]
        first = np.r_[True, owner[1:] != owner[:-1]]
        windowed = np.bincount(owner, minlength=len(texts))[owner] > 1
        shown = _argmax_per_owner(np.where(first & windowed, -1.0, attack), owner, len(texts))
        return Verdicts(
            scores=np.clip(1.0 - chosen[:, 0], 0.0, 1.0),
            families=[self.classes[1 + int(i)] for i in top],
            segments=[parts[int(i)] for i in shown],
        )

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """P(attack) in [0, 1] for each text (float64 array, same order)."""
        probs = self.probabilities(texts)
        return np.clip(1.0 - probs[:, 0], 0.0, 1.0)

    def families(self, texts: Sequence[str]) -> list[str]:
        """The most likely attack family of each text (whether or not it is a hit)."""
        probs = self.probabilities(texts)
        return [self.classes[1 + int(i)] for i in np.argmax(probs[:, 1:], axis=1)]

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> Path:
        """Write weights.npz (byte-reproducible: fixed zip timestamps) and model.json into
        `directory` (the lab's training writes the shipped model to `MODEL_DIR`)."""
        directory.mkdir(parents=True, exist_ok=True)
        weights_path = directory / WEIGHTS_FILE
        weights_path.write_bytes(npz_bytes({"weights": self.weights, "bias": self.bias}))
        meta = {
            **self.metadata,
            "format_version": FORMAT_VERSION,
            "version": self.version,
            "threshold": self.threshold,
            "classes": list(self.classes),
            "features": self.features.to_dict(),
            "weights_file": WEIGHTS_FILE,
            "weights_sha256": weights_digest(self.weights, self.bias),
            "scored_fields": list(SCORED_FIELDS),
        }
        (directory / META_FILE).write_text(
            json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        return directory

    @classmethod
    def load(cls, directory: Path | Traversable | None = None) -> Tier2Model:
        """The model saved in `directory` (default: the shipped one, read as package data).
        Raises Tier2Error naming the file for a missing / unreadable / inconsistent model."""
        if directory is None:
            directory = resources.files(MODEL_PACKAGE)
        meta_path = directory / META_FILE
        meta = read_meta(
            meta_path, Tier2Error, "no tier-2 model here; run `python -m aisec_lab train`"
        )
        if meta.get("format_version") != FORMAT_VERSION:
            raise Tier2Error(
                f"{meta_path}: format_version {meta.get('format_version')!r}, this code reads "
                f"{FORMAT_VERSION}"
            )
        weights_path = directory / str(meta.get("weights_file", WEIGHTS_FILE))
        weights, bias = read_arrays(weights_path, ("weights", "bias"), Tier2Error)
        digest = weights_digest(weights, bias)
        if digest != meta.get("weights_sha256"):
            raise Tier2Error(
                f"{weights_path}: weights SHA-256 {digest[:12]}… does not match "
                f"{meta_path} ({str(meta.get('weights_sha256'))[:12]}…)"
            )
        try:
            features = FeatureConfig.from_dict(meta["features"])
            classes = tuple(str(c) for c in meta["classes"])
            threshold = float(meta["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Tier2Error(f"{meta_path}: missing or malformed field: {exc}") from None
        keep = {"trained_on", "calibration", "training", "candidate"}
        return cls(
            weights=weights,
            bias=bias.astype(np.float64),
            threshold=threshold,
            features=features,
            classes=classes,
            metadata={k: v for k, v in meta.items() if k in keep},
        )


def weights_digest(weights: np.ndarray, bias: np.ndarray) -> str:
    h = hashlib.sha256()
    for array in (weights, bias):
        h.update(str(array.dtype).encode() + str(array.shape).encode())
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()
