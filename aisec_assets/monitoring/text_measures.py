"""Per-text measures the detection SQL cannot compute cheaply itself, as vectorized SQL
functions on the detection connection.

`aisec_char_entropy(text)`: Shannon entropy in bits per character (Unicode code point, as
DuckDB's `length` and `left` count them) of each text, NULL for NULL or empty text. The
session-shift rule (sql/monitoring/session_shift.sql) used to unnest every character of every
response into its own row and group them back: 5 GB and most of the pack's time on a day of a
million events. Here each DuckDB vector (2,048 texts) arrives as one Arrow array and becomes one
numpy histogram: no row per character, no Python loop per text. Pure ASCII vectors (the usual
case) are counted straight from the UTF-8 bytes; a vector holding other characters is decoded
to code points once, as a whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from duckdb.func import ARROW, SPECIAL
from duckdb.sqltypes import DOUBLE, VARCHAR

CHAR_ENTROPY_FUNCTION = "aisec_char_entropy"
# above this many histogram cells (texts x distinct characters of the vector) the counts are
# taken sparsely (sorted keys) instead of in one dense matrix: CJK text has thousands of
# distinct characters
_DENSE_CELLS = 4_000_000


def string_buffers(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, UTF-8 bytes) of a string array, without copying the text."""
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    offset_type = np.int32 if pa.types.is_string(texts.type) else np.int64
    _, offsets_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[
        texts.offset : texts.offset + len(texts) + 1
    ].astype(np.int64)
    if data_buffer is None or len(texts) == 0:
        return offsets - offsets[:1], np.zeros(0, dtype=np.uint8)
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], data


def _code_points(offsets: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(characters per text, the texts' code points end to end) of valid UTF-8 texts."""
    if not data.size or int(data.max()) < 0x80:
        return np.diff(offsets), data
    # a code point starts at every byte that is not a continuation byte (0b10xxxxxx)
    starts = np.concatenate(([0], np.cumsum((data & 0xC0) != 0x80)))
    lengths = starts[offsets[1:]] - starts[offsets[:-1]]
    codes = np.frombuffer(data.tobytes().decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
    return lengths, codes


def _c_log2_c(counts: np.ndarray) -> np.ndarray:
    """c * log2(c) of non-negative integer counts (0 for 0), by a table of the distinct values
    that can occur: one gather instead of a logarithm per cell."""
    table = np.arange(int(counts.max(initial=0)) + 1, dtype=np.float64)
    table[1:] *= np.log2(table[1:])
    return table[counts]


def _sum_p_log2_p(lengths: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per text: the sum over its distinct characters of p * log2(p), p = count / length,
    computed as sum(c * log2(c)) / length - log2(length)."""
    n = len(lengths)
    if int(codes.max(initial=0)) < 0x80:
        alphabet, symbols = 0x80, codes
    else:  # number the characters present in this vector 0..alphabet-1
        present = np.flatnonzero(np.bincount(codes))
        lookup = np.zeros(int(present[-1]) + 1, dtype=np.intp)
        lookup[present] = np.arange(len(present))
        alphabet, symbols = len(present), lookup[codes]
    keys = np.repeat(np.arange(0, n * alphabet, alphabet, dtype=np.intp), lengths)
    keys += symbols
    if n * alphabet <= _DENSE_CELLS:
        cell_counts = np.bincount(keys, minlength=n * alphabet)
        per_text = _c_log2_c(cell_counts).reshape(n, alphabet).sum(axis=1)
    else:
        cells, cell_counts = np.unique(keys, return_counts=True)
        per_text = np.bincount(cells // alphabet, weights=_c_log2_c(cell_counts), minlength=n)
    safe_lengths = np.maximum(lengths, 1).astype(np.float64)
    return per_text / safe_lengths - np.log2(safe_lengths)


def char_entropy_bits(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Shannon entropy in bits per character of each text (NULL for NULL or empty text).

    The Arrow function behind `aisec_char_entropy`; callable on any Arrow string array."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks else pa.array([], pa.string())
    if len(texts) == 0:
        return pa.array([], type=pa.float64())
    if texts.null_count:
        valid = texts.is_valid().to_numpy(zero_copy_only=False)
        texts = texts.fill_null("")
    else:
        valid = np.ones(len(texts), dtype=bool)
    offsets, data = string_buffers(texts)
    lengths, codes = _code_points(offsets, data)
    bits = -_sum_p_log2_p(lengths, codes)
    return pa.array(bits, type=pa.float64(), mask=~valid | (lengths == 0))


def register_arrow_function(
    conn: duckdb.DuckDBPyConnection,
    name: str,
    function: Callable[..., pa.Array],
    parameters: list[Any],
    returns: Any,
    *,
    side_effects: bool = False,
) -> None:
    """(Re)register `function` as the vectorized SQL function `name` on `conn`: it receives
    each DuckDB vector as Arrow arrays, NULLs included (it decides what NULL gives).
    `side_effects`: DuckDB then calls it exactly where the query does, never a second time for
    an expression it copied (a filter pushed below the projection that names it)."""
    # DuckDB refuses to (re)register functions while a result of this connection is still
    # being fetched; a fully fetched statement of our own closes any such result first.
    conn.execute("SELECT 1").fetchall()
    with contextlib.suppress(duckdb.Error):
        conn.remove_function(name)
    conn.create_function(
        name,
        function,
        parameters,
        returns,
        type=ARROW,
        null_handling=SPECIAL,
        side_effects=side_effects,
    )


def register_text_measures(conn: duckdb.DuckDBPyConnection) -> None:
    """Make `aisec_char_entropy(VARCHAR) -> DOUBLE` callable from SQL on `conn` (NULL and empty
    text give NULL)."""
    register_arrow_function(conn, CHAR_ENTROPY_FUNCTION, char_entropy_bits, [VARCHAR], DOUBLE)
