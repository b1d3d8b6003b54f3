"""Plain functions over a DuckDB connection that the controls assets call: write the library as
tables (bound parameters only), derive the day's evidence facts and control evidence, and the
day's coverage. The set work is SQL (`sql/controls/*.sql`) over whole tables.
"""

from __future__ import annotations

import contextlib
from datetime import date

import duckdb

from aisec_assets.controls.library import RISK_LEVELS, ControlLibrary
from aisec_resources.warehouse import memory_limit_at_most, run_sql

LIBRARY_TABLES: tuple[str, ...] = ("catalog_controls", "catalog_mappings", "framework_requirements")

# The evidence step writes some 35 rows per asset (35 million at 1,000,000 assets) after sorting
# ~12 per asset, and DuckDB keeps every block it reads or writes cached up to its memory limit
# (80% of RAM by default): under this limit it evicts and spills instead, for a bounded process
# (benchmarks/bench_controls.py: under 1.6 GB peak RSS at 1,000,000 assets, ~1 s slower).
EVIDENCE_MEMORY_LIMIT_BYTES = 1_500_000_000


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
    with memory_limit_at_most(conn, EVIDENCE_MEMORY_LIMIT_BYTES), _Transaction(conn):
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
