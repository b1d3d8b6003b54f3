"""How a text becomes a vector: hashed character 3-, 4- and 5-grams of the NFKC-normalized,
lower-cased text with whitespace collapsed (robust to spacing, leetspeak, homoglyph and
encoding tricks, other languages) and word unigrams and bigrams; each family sublinear-tf
weighted, L2-normalized and hashed into 2**17 buckets (`FeatureConfig`, stored with the
weights: scoring must featurize as training did). A text longer than a window (400 characters)
is also scored window by window (stride 200: `windows`, `segment_texts`), so a short
instruction inside a long document is not drowned by the document.

Vectorized numpy over a whole batch (texts joined with NUL separators), no Python loop per
n-gram; the hashes are splitmix64-style mixes, identical on every platform.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aisec_assets.monitoring.classifier.errors import Tier2Error

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
