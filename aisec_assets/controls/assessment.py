"""Plain functions over a DuckDB connection that the controls assets call: write the library as
tables (bound parameters only), derive the day's evidence facts and control evidence, and the
day's coverage. The set work is SQL (`sql/controls/*.sql`) over whole tables.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import date

import duckdb

from aisec_assets.controls.library import RISK_LEVELS, ControlLibrary
from aisec_resources.warehouse import run_sql

LIBRARY_TABLES: tuple[str, ...] = ("catalog_controls", "catalog_mappings", "framework_requirements")

# The evidence step writes some 35 rows per asset (35 million at 1,000,000 assets) after sorting
# ~12 per asset, and DuckDB keeps every block it reads or writes cached up to its memory limit
# (80% of RAM by default): under this limit it evicts and spills instead, for a bounded process
# (benchmarks/bench_controls.py: under 1.6 GB peak RSS at 1,000,000 assets, ~1 s slower).
EVIDENCE_MEMORY_LIMIT_BYTES = 1_500_000_000
_SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_SIZE_UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


class _Transaction:
    """BEGIN … COMMIT, ROLLBACK on any error (readers see the old rows or the new ones)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.conn.execute("BEGIN TRANSACTION")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
            return
        # run_sql may already have rolled back the failed statement's transaction.
        with contextlib.suppress(duckdb.Error):
            self.conn.execute("ROLLBACK")


def _size_bytes(text: str) -> float | None:
    """DuckDB's rendering of a size ('18.8 GiB') in bytes, rounded half a shown digit up (it
    shows one decimal, cut off); None if unreadable."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)\s*", text)
    unit = _SIZE_UNITS.get(match.group(2).upper()) if match else None
    if not match or not unit:
        return None
    return (float(match.group(1)) + 0.05) * unit


@contextlib.contextmanager
def _memory_limit_at_most(conn: duckdb.DuckDBPyConnection, limit_bytes: int) -> Iterator[None]:
    """Lower DuckDB's memory limit to `limit_bytes` for the block (never raise it), then put
    the previous setting back (the default, or what had been set, to DuckDB's shown
    precision)."""
    row = conn.execute("SELECT current_setting('memory_limit')").fetchone()
    before = str(row[0]) if row else ""
    current = _size_bytes(before)
    if current is None or current <= limit_bytes:
        yield
        return
    conn.execute("SET memory_limit = ?", [f"{limit_bytes}B"])
    try:
        yield
    finally:
        conn.execute("RESET memory_limit")
        after = conn.execute("SELECT current_setting('memory_limit')").fetchone()
        if after is None or str(after[0]) != before:  # it had been set: restore that value
            conn.execute("SET memory_limit = ?", [f"{int(current)}B"])


def write_library_tables(conn: duckdb.DuckDBPyConnection, library: ControlLibrary) -> int:
    """Replace the catalog, mapping and requirement tables with `library`; returns the number
    of controls."""
    controls = library.catalog.controls
    with _Transaction(conn):
        for table in LIBRARY_TABLES:
            conn.execute(f"DELETE FROM controls.{table}")
        conn.executemany(
            "INSERT INTO controls.catalog_controls VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, MAP(?, ?), ?, ?)",
            [
                (
                    c.id,
                    c.title,
                    c.objective,
                    c.function,
                    c.control_type,
                    c.applies_to,
                    c.applies_when,
                    c.required_from,
                    RISK_LEVELS.index(c.required_from) + 1,
                    c.evidence.facts,
                    c.evidence.basis,
                    list(c.implementation),
                    list(c.implementation.values()),
                    library.catalog.version,
                    library.digest,
                )
                for c in controls
            ],
        )
        conn.executemany(
            "INSERT INTO controls.catalog_mappings VALUES (?, ?, ?)",
            sorted({(c.id, fw, req) for c in controls for fw, req in c.mappings.pairs()}),
        )
        conn.executemany(
            "INSERT INTO controls.framework_requirements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    key,
                    req.id,
                    req.title,
                    req.section,
                    req.manual,
                    fw.scope,
                    fw.title,
                    fw.version,
                    position,
                )
                for key, fw in library.frameworks.items()
                for position, req in enumerate(fw.requirements, start=1)
            ],
        )
    return len(controls)


def assess_control_evidence(
    conn: duckdb.DuckDBPyConnection, day: date, run_id: str, *, stale_review_days: int
) -> int:
    """Derive the day's evidence facts and control evidence (replacing that day); returns the
    number of control evidence rows. Needs the library tables and the day's attestations and
    acceptances (governance; empty tables are fine). Runs under a bounded memory limit
    (EVIDENCE_MEMORY_LIMIT_BYTES)."""
    with _memory_limit_at_most(conn, EVIDENCE_MEMORY_LIMIT_BYTES), _Transaction(conn):
        run_sql(
            conn,
            "controls/evidence_facts",
            {"assessed_date": day, "stale_review_days": stale_review_days},
        )
        run_sql(conn, "controls/control_evidence", {"assessed_date": day, "run_id": run_id})
        row = conn.execute(
            "SELECT count(*) FROM controls.control_evidence WHERE assessed_date = ?", [day]
        ).fetchone()
    return int(row[0]) if row else 0


def assess_control_coverage(conn: duckdb.DuckDBPyConnection, day: date, run_id: str) -> int:
    """The day's coverage per asset (replacing that day); needs the day's control evidence and
    risk scores. Returns the number of assets."""
    with _Transaction(conn):
        run_sql(conn, "controls/control_coverage", {"assessed_date": day, "run_id": run_id})
        row = conn.execute(
            "SELECT count(*) FROM controls.control_coverage WHERE assessed_date = ?", [day]
        ).fetchone()
    return int(row[0]) if row else 0
