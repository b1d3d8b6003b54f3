"""The adversarial-suffix score: a character-level language-model ratio over the last tokens of
a text, as vectorized SQL functions on the detection connection.

Optimizer-generated jailbreak suffixes (GCG and kin) append a string of word fragments, odd
capitalisation and punctuation glue to a harmful request. The regexes and the classifier read
words; this reads characters. Two order-3 character models were fitted in the lab
(`python -m aisec_lab charlm`): one on benign text, one on suffixes from this project's own
generator of such strings. Per character the score is the log-likelihood ratio
`log2 P_gibberish(c | 2 previous) - log2 P_benign(c | 2 previous)` in bits (the benign model's
surprisal minus the gibberish model's), and a text scores the highest mean of it over a window
of `WINDOW_TOKENS` whitespace-separated tokens among its last `TAIL_TOKENS` tokens (the suffix
is at the end; a window ends at most at the text's end). Both models, and a case channel
(upper/lower given the case of the 2 previous characters) are folded into ONE int8 table over
trigrams of an 87-symbol alphabet, so each byte costs one lookup.

By design, what the encoding rules own or a character model cannot judge does not count:
- only the last `TAIL_CHARS` characters of a text are read: the rule's SQL passes
  `right(text, TAIL_CHARS)` (the suffix is there, and the cost per text is bounded);
- tokens longer than `MAX_TOKEN_BYTES` (hashes, base64, URLs, long paths) weigh nothing;
- non-ASCII bytes weigh nothing (non-English text is not gibberish), digits are one symbol;
- a window needs `MIN_WINDOW_CHARS` counted characters.

`aisec_suffix_surprisal(text)` -> the score (NULL for NULL text or when no window qualifies);
`aisec_suffix_window(text)` -> the deciding window's text (the evidence). Each DuckDB vector
(2,048 texts) is one Arrow array: numpy over its buffers, no Python loop per text (the window
function loops only to cut the strings it returns, on hits).

The weights (`classifier/charlm/`: weights.npz, read with `allow_pickle=False`, and
charlm.json: threshold, SHA-256 of the table, what it was fitted on, the calibration) are
package data, loaded once per process.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from duckdb.sqltypes import DOUBLE, VARCHAR

from aisec_assets.monitoring.model_store import read_arrays, read_meta
from aisec_assets.monitoring.text_measures import register_arrow_function, string_buffers

SURPRISAL_FUNCTION = "aisec_suffix_surprisal"
WINDOW_FUNCTION = "aisec_suffix_window"
MODEL_PACKAGE = "aisec_assets.monitoring.classifier.charlm"
MODEL_DIR = Path(__file__).resolve().parent / "classifier" / "charlm"
WEIGHTS_FILE = "weights.npz"
META_FILE = "charlm.json"
FORMAT_VERSION = 1

# What a text is read as (not learned; the lab fits and calibrates under the same values).
ORDER = 3  # characters of context + 1
TAIL_CHARS = 192  # what the rule's SQL passes: right(text, TAIL_CHARS)
TAIL_TOKENS = 16  # windows start among the last this many tokens
WINDOW_TOKENS = 6
MAX_TOKEN_BYTES = 30
MIN_WINDOW_CHARS = 20
SCALE = 16.0  # table units per bit (int8: -8 .. +7.94 bits per character)

SPACE = 0  # whitespace and control bytes
NON_ASCII = 1
DIGIT = 2


def _symbol_map() -> np.ndarray:
    """byte -> symbol: whitespace/control 0, any non-ASCII byte 1, any digit 2, and every other
    printable ASCII character (letters of both cases, punctuation) its own symbol from 3."""
    symbols = np.zeros(256, dtype=np.uint8)
    symbols[0x80:] = NON_ASCII
    symbols[ord("0") : ord("9") + 1] = DIGIT
    printable = [b for b in range(0x21, 0x7F) if not chr(b).isdigit()]
    symbols[printable] = np.arange(3, 3 + len(printable), dtype=np.uint8)
    return symbols


SYMBOLS = _symbol_map()
ALPHABET = int(SYMBOLS.max()) + 1  # 87
# per byte: counted in a window's mean (printable ASCII) or not (whitespace, non-ASCII)
COUNTED = np.zeros(256, dtype=bool)
COUNTED[0x21:0x7F] = True


class CharLmError(RuntimeError):
    """The character-model weights are missing, unreadable or inconsistent."""


def table_digest(table: np.ndarray) -> str:
    h = hashlib.sha256(str(table.dtype).encode() + str(table.shape).encode())
    h.update(np.ascontiguousarray(table).tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class SuffixModel:
    """`table[(s2 * ALPHABET + s1) * ALPHABET + s0]`: the per-character log-likelihood ratio of
    symbol s0 after s2 s1, in 1/SCALE bits (int8); `threshold` in bits, calibrated in the lab."""

    table: np.ndarray
    threshold: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.table.dtype != np.int8 or self.table.shape != (ALPHABET**ORDER,):
            raise CharLmError(
                f"table must be int8 of shape ({ALPHABET**ORDER},), got "
                f"{self.table.dtype} {self.table.shape}"
            )

    @property
    def version(self) -> str:
        return f"charlm-o{ORDER}-{table_digest(self.table)[:12]}"

    @classmethod
    def load(cls, directory: Path | Traversable | None = None) -> SuffixModel:
        """The model saved in `directory` (default: the shipped one, package data)."""
        if directory is None:
            directory = resources.files(MODEL_PACKAGE)
        meta_path = directory / META_FILE
        meta = read_meta(meta_path, CharLmError, "no model here; run `python -m aisec_lab charlm`")
        if meta.get("format_version") != FORMAT_VERSION:
            raise CharLmError(f"{meta_path}: not a format-{FORMAT_VERSION} character model")
        weights_path = directory / str(meta.get("weights_file", WEIGHTS_FILE))
        (table,) = read_arrays(weights_path, ("table",), CharLmError)
        if table_digest(table) != meta.get("table_sha256"):
            raise CharLmError(f"{weights_path}: SHA-256 does not match {meta_path}")
        settings = {
            "order": ORDER,
            "tail_chars": TAIL_CHARS,
            "tail_tokens": TAIL_TOKENS,
            "window_tokens": WINDOW_TOKENS,
            "max_token_bytes": MAX_TOKEN_BYTES,
            "min_window_chars": MIN_WINDOW_CHARS,
            "scale": SCALE,
        }
        if meta.get("settings") != settings:
            raise CharLmError(f"{meta_path}: fitted under other settings than this code reads")
        try:
            threshold = float(meta["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CharLmError(f"{meta_path}: missing or malformed threshold: {exc}") from None
        return cls(table=table, threshold=threshold, metadata=meta)

    # ------------------------------------------------------------------ scoring
    def windows(self, texts: pa.Array | pa.ChunkedArray) -> SuffixWindows:
        """The deciding window of every text (see the module docstring)."""
        return _best_windows(self.table, _as_string_array(texts))

    def scores(self, texts: pa.Array | pa.ChunkedArray) -> pa.Array:
        """The score of each text in bits per character (NULL: no qualifying window)."""
        array = _as_string_array(texts)
        valid = (
            array.is_valid().to_numpy(zero_copy_only=False)
            if array.null_count
            else np.ones(len(array), bool)
        )
        offsets, data = string_buffers(array.fill_null("") if array.null_count else array)
        score = _max_per_text(_candidate_windows(self.table, offsets, data))
        finite = np.isfinite(score)
        return pa.array(np.where(finite, score, 0.0), type=pa.float64(), mask=~(valid & finite))

    def window_texts(self, texts: pa.Array | pa.ChunkedArray) -> pa.Array:
        """The deciding window's text of each text (NULL: no qualifying window)."""
        array = _as_string_array(texts)
        found = _best_windows(self.table, array)
        offsets, data = string_buffers(array.fill_null("") if array.null_count else array)
        out: list[str | None] = [None] * len(array)
        for i in np.flatnonzero(found.valid):
            start = offsets[i] + found.start[i]
            out[i] = data[start : offsets[i] + found.end[i]].tobytes().decode("utf-8", "replace")
        return pa.array(out, type=pa.string())


@dataclass(frozen=True)
class SuffixWindows:
    """Per text: its score (bits per character), whether any window qualified, and the deciding
    window's byte range within the text."""

    score: np.ndarray
    valid: np.ndarray
    start: np.ndarray
    end: np.ndarray


def _as_string_array(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        return texts.combine_chunks() if texts.num_chunks else pa.array([], pa.string())
    return texts


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + n) for each (s, n), without a Python loop."""
    begins = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - begins, lengths)


@dataclass(frozen=True)
class _Windows:
    """The candidate windows of a vector: per window its text, first token, end token (one
    past) and mean; per token its byte range in the framed buffer; per text where its bytes
    start in that buffer."""

    n: int
    text_of: np.ndarray
    first: np.ndarray
    end: np.ndarray
    mean: np.ndarray
    tok_start: np.ndarray
    tok_end: np.ndarray
    text_at: np.ndarray


def _candidate_windows(table: np.ndarray, offsets: np.ndarray, data: np.ndarray) -> _Windows:
    n = len(offsets) - 1
    # The texts end to end, each behind two spaces (its first context) and one after (the
    # last token's end): the separators are placed by one boolean mask, no per-byte index.
    framed = len(data) + 3 * n
    separators = np.empty(3 * n, dtype=np.int64)
    separators[0::3] = offsets[:-1] + 3 * np.arange(n)
    separators[1::3] = separators[0::3] + 1
    separators[2::3] = offsets[1:] + 3 * np.arange(n) + 2
    is_text = np.ones(framed, dtype=bool)
    is_text[separators] = False
    buf = np.full(framed, 0x20, dtype=np.uint8)
    buf[is_text] = data
    text_at = separators[0::3] + 2
    sym = SYMBOLS[buf]
    # one lookup per byte: the trigram (2 previous symbols, this one)
    value = np.zeros(framed, dtype=np.int8)
    if framed > 2:
        code = sym[:-2].astype(np.int32) * ALPHABET
        code += sym[1:-1]
        code *= ALPHABET
        code += sym[2:]
        value[2:] = table[code]
    # tokens: maximal runs of non-space symbols (every text is framed by spaces)
    edges = np.flatnonzero(np.diff((sym == SPACE).view(np.int8)))
    tok_start, tok_end = edges[0::2] + 1, edges[1::2] + 1  # [start, end) in buf
    owner = np.searchsorted(text_at, tok_start, side="right") - 1
    if len(tok_start):
        # a token's sum runs to the next token: its bytes, the space after it (a fragment
        # ends where words do not) and further spaces, which the table gives 0
        tok_value = np.add.reduceat(value, tok_start, dtype=np.int64)
        tok_chars = np.add.reduceat(COUNTED[buf], tok_start, dtype=np.int64) + 1
    else:
        tok_value = tok_chars = np.zeros(0, dtype=np.int64)
    # long tokens (hashes, base64, URLs, paths) weigh nothing and start no window
    dropped = (tok_end - tok_start) > MAX_TOKEN_BYTES
    tok_value[dropped] = 0
    tok_chars[dropped] = 0
    cum_value = np.concatenate(([0], np.cumsum(tok_value)))
    cum_chars = np.concatenate(([0], np.cumsum(tok_chars)))
    # window starts j in [max(first, last - TAIL_TOKENS), max(first, last - WINDOW_TOKENS)]
    texts = np.arange(n)
    first = np.searchsorted(owner, texts, side="left")
    last = np.searchsorted(owner, texts, side="right")
    lo = np.maximum(first, last - TAIL_TOKENS)
    count = np.where(last > first, np.maximum(first, last - WINDOW_TOKENS) - lo + 1, 0)
    j = _ranges(lo, count)
    text_of = np.repeat(texts, count)
    w_end = np.minimum(j + WINDOW_TOKENS, last[text_of])
    w_chars = cum_chars[w_end] - cum_chars[j]
    qualifies = (w_chars >= MIN_WINDOW_CHARS) & ~dropped[j]
    mean = np.full(len(j), -np.inf)
    mean[qualifies] = (cum_value[w_end] - cum_value[j])[qualifies] / (w_chars[qualifies] * SCALE)
    return _Windows(n, text_of, j, w_end, mean, tok_start, tok_end, text_at)


def _max_per_text(w: _Windows) -> np.ndarray:
    """Per text the highest window mean (-inf: none qualifies)."""
    score = np.full(w.n, -np.inf)
    if len(w.mean):
        heads = np.flatnonzero(np.diff(w.text_of, prepend=-1))
        score[w.text_of[heads]] = np.maximum.reduceat(w.mean, heads)
    return score


def _best_windows(table: np.ndarray, texts: pa.Array) -> SuffixWindows:
    n = len(texts)
    valid_text = (
        texts.is_valid().to_numpy(zero_copy_only=False) if texts.null_count else np.ones(n, bool)
    )
    offsets, data = string_buffers(texts.fill_null("") if texts.null_count else texts)
    w = _candidate_windows(table, offsets, data)
    score = _max_per_text(w)
    valid = valid_text & np.isfinite(score)
    start = np.zeros(n, dtype=np.int64)
    end = np.zeros(n, dtype=np.int64)
    # the deciding window: the first of its text's highest mean
    best = np.flatnonzero(np.isfinite(w.mean) & (w.mean == score[w.text_of]))
    owners, first_best = np.unique(w.text_of[best], return_index=True)
    chosen = best[first_best]
    start[owners] = w.tok_start[w.first[chosen]] - w.text_at[owners]
    end[owners] = w.tok_end[w.end[chosen] - 1] - w.text_at[owners]
    return SuffixWindows(np.where(valid, score, 0.0), valid, start, end)


@functools.cache
def shipped_model() -> SuffixModel:
    """The shipped model, loaded once per process."""
    return SuffixModel.load()


def suffix_surprisal(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The Arrow function behind `aisec_suffix_surprisal` (the shipped model)."""
    return shipped_model().scores(texts)


def suffix_window(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The Arrow function behind `aisec_suffix_window` (the shipped model)."""
    return shipped_model().window_texts(texts)


def register_char_lm(conn: duckdb.DuckDBPyConnection, model: SuffixModel | None = None) -> None:
    """Make `aisec_suffix_surprisal(VARCHAR) -> DOUBLE` and `aisec_suffix_window(VARCHAR) ->
    VARCHAR` callable from SQL on `conn` (`model`: default the shipped one)."""
    scores, window_texts = (
        (suffix_surprisal, suffix_window) if model is None else (model.scores, model.window_texts)
    )
    # NULL text gives NULL
    register_arrow_function(conn, SURPRISAL_FUNCTION, scores, [VARCHAR], DOUBLE)
    register_arrow_function(conn, WINDOW_FUNCTION, window_texts, [VARCHAR], VARCHAR)
