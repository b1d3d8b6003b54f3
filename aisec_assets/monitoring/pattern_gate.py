"""The gate of the pattern scans as a SQL function: one RE2::Set pass per text tells which
rules' gates the text matches.

`aisec_pattern_gate(gate_key, text) -> INTEGER[]`: the indexes of the gate regexes (one per
pattern rule of a scan, see rules/gate.py) that match somewhere in `text`; an empty list for
a text no rule can fire on, NULL for NULL. `gate_key` names a pattern list loaded with
`load_gate_patterns` (run_step does it for each pattern scan before running it).

Why not DuckDB's own `regexp_matches`: it answers one regex per pass and keeps RE2's default
8 MB DFA budget, so the alternation of every rule's gate had to be cut into DFA-sized chunks -
two passes over the prompts of the day - and each candidate text then ran every rule's
prefilter, because the pass could not say which rule let it through. RE2::Set (google-re2, the
same engine and syntax DuckDB embeds) matches all the gates in one DFA pass with the budget we
give it and returns which matched, so a candidate runs only the rules its own text admitted.

Safety: a Set's DFA never gives up for being slow (RE2 exempts its many-match DFA from the
bail-out), but a DFA that runs out of memory reports no match rather than an error. So every
Set holds one more pattern that matches every text (`\\A`): a result without it means the pass
failed, and the text is then a candidate for every rule (it fails open: a missed gate would
hide an attack, an extra candidate only costs time).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import re2
from duckdb.sqltypes import INTEGER, VARCHAR

from aisec_assets.monitoring.text_measures import register_arrow_function, string_buffers

PATTERN_GATE_FUNCTION = "aisec_pattern_gate"

# RE2's DFA memory for one gate Set (2/3 of it for the forward DFA's state cache). The 24
# prompt_text gates of the pack with its opt-in rules ran at 36 MB/s with RE2's default 8 MB
# (the cache kept refilling) and at ~150 MB/s with 64 MB; the cache only grows to what the
# day's texts need.
GATE_MAX_MEM = 64 << 20
_ALWAYS = r"\A"  # the sentinel: matches every text, so a result without it is a failed pass

_INDEX_LIST = pa.list_(pa.int32())


class PatternGateError(ValueError):
    """A gate regex RE2::Set refused; names the regex's position and text."""


class _GateSet:
    """The compiled Set of one scan's gate regexes."""

    def __init__(self, patterns: Sequence[str]):
        options = re2.Options()
        options.max_mem = GATE_MAX_MEM
        options.log_errors = False
        self._set = re2.Set.SearchSet(options)
        for i, pattern in enumerate(patterns):
            try:
                self._set.Add(pattern)
            except re2.error as exc:
                raise PatternGateError(f"gate regex {i} is not valid RE2: {pattern!r}") from exc
        self.sentinel = self._set.Add(_ALWAYS)
        try:
            self._set.Compile()
        except re2.error as exc:
            raise PatternGateError(
                f"the {len(patterns)} gate regexes do not compile as one RE2::Set within "
                f"{GATE_MAX_MEM >> 20} MB (a rule's gate too large: see rules/gate.py)"
            ) from exc
        self.every = list(range(len(patterns)))
        self.failed_passes = 0

    def matches(self, text: memoryview) -> list[int]:
        found = self._set._set.Match(text)
        if len(found) <= 1:  # the usual case: only the sentinel, no gate
            if not found:  # the pass failed (DFA out of memory): every rule looks at the text
                self.failed_passes += 1
                return self.every
            return []
        found.remove(self.sentinel)
        found.sort()
        return found


_GATES: dict[str, _GateSet] = {}
_LOCK = threading.Lock()


def gate_key(patterns: Sequence[str]) -> str:
    """The name a pattern list is loaded under: its content's hash."""
    digest = hashlib.sha256("\x00".join(patterns).encode("utf-8")).hexdigest()
    return f"gate-{digest[:24]}"


def load_gate_patterns(patterns: Sequence[str]) -> str:
    """Compile `patterns` into a gate Set (once per process) and return its key.

    Raises PatternGateError for a regex RE2 rejects."""
    key = gate_key(patterns)
    with _LOCK:
        if key not in _GATES:
            _GATES[key] = _GateSet(patterns)
    return key


def gate_failed_passes(key: str) -> int:
    """How many texts a gate's Set failed on (and let through to every rule) so far."""
    return _GATES[key].failed_passes


def gate_indexes(keys: pa.Array, texts: pa.Array) -> pa.Array:
    """The Arrow function behind `aisec_pattern_gate`: per text, the sorted indexes of the
    gate regexes it matches (NULL for NULL)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks else pa.array([], pa.string())
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if len(texts) == 0:
        return pa.array([], type=_INDEX_LIST)
    key = next((k for k in keys.to_pylist() if k is not None), None)
    if key not in _GATES:
        raise PatternGateError(
            f"no gate is loaded under {key!r} (load_gate_patterns runs before the scan)"
        )
    gate = _GATES[key]
    valid = texts.is_valid().to_pylist() if texts.null_count else None
    offsets, data = string_buffers(texts.fill_null("") if texts.null_count else texts)
    view = memoryview(data)
    bounds = offsets.tolist()
    if valid is None:
        found = [gate.matches(view[bounds[i] : bounds[i + 1]]) for i in range(len(texts))]
    else:
        found = [
            gate.matches(view[bounds[i] : bounds[i + 1]]) if valid[i] else None
            for i in range(len(texts))
        ]
    return pa.array(found, type=_INDEX_LIST)


def register_pattern_gate(conn: duckdb.DuckDBPyConnection) -> None:
    """Make `aisec_pattern_gate(VARCHAR, VARCHAR) -> INTEGER[]` callable from SQL on `conn`
    (NULL text gives NULL)."""
    # With side effects (it counts failed passes), so DuckDB runs the pass once per text: as a
    # pure function, the scan's `WHERE len(gates) > 0` pushed below the projection made DuckDB
    # call it twice on every candidate (tests/test_pattern_gate.py counts the calls).
    register_arrow_function(
        conn,
        PATTERN_GATE_FUNCTION,
        gate_indexes,
        [VARCHAR, VARCHAR],
        duckdb.list_type(INTEGER),
        side_effects=True,
    )
