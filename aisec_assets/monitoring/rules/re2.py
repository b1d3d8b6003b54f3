"""DuckDB's RE2, asked at load and compile time: whether a rule regex is usable, and probes of
what a regex fragment matches (gate.py)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import duckdb


@cache
def regex_checker() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


def regex_problem(pattern: str, case_insensitive: bool) -> str | None:
    """Why DuckDB's RE2 would refuse (or misuse) a rule regex, else None."""
    full = ("(?i)" if case_insensitive else "") + pattern
    try:
        row = regex_checker().execute("SELECT regexp_matches('', ?)", [full]).fetchone()
    except duckdb.Error as exc:
        return f"not a valid RE2 regex: {str(exc).split('Error: ', 1)[-1]}"
    if row and row[0]:
        return "matches the empty text, so it would match every event"
    return None


def full_match_any(pattern: str, texts: Sequence[str]) -> bool:
    """Whether RE2 matches one of `texts` entirely with `pattern` (compile-time probes; a
    pattern RE2 refuses counts as matching, which cuts the repeat probed: still a superset)."""
    try:
        row = (
            regex_checker()
            .execute(
                "SELECT bool_or(regexp_full_match(t, $r)) FROM unnest($t) AS u(t)",
                {"r": pattern, "t": list(texts)},
            )
            .fetchone()
        )
    except duckdb.Error:
        return True
    return bool(row and row[0])
