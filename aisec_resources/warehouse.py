"""The DuckDB warehouse: one pipeline-private working file, one published file for analysts.

DuckDB lets one process open a file read-write *or* many processes open it read-only, never
both. Two consequences shape this resource:

* Pipeline steps (several processes under the multiprocess executor, and several runs) take
  turns on the working file through an inter-process file lock held only while a step writes.
  Writer assets also declare `pool="duckdb_warehouse"` so Dagster does not even launch more
  than one at a time where the instance sets that pool's limit; the lock is what makes it
  correct everywhere, including on instances without pool limits.
* Analysts never open the working file. After every write the resource checkpoints, copies the
  working file beside the published one and atomically renames it over `path`. An analyst's
  open read-only session keeps reading the snapshot it opened (the old inode lives until it
  closes); new sessions see the new one. Neither side can lock the other out.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
from dagster import ConfigurableResource, get_dagster_logger
from filelock import FileLock, Timeout

from aisec_resources.packaged import sql_text

POOL = "duckdb_warehouse"


class WarehouseLockTimeout(RuntimeError):
    pass


def read_sql(name: str) -> str:
    """The text of `sql/<name>.sql` (e.g. `risk/risk_scores`), from the installed package."""
    return sql_text(name)


def run_sql(
    conn: duckdb.DuckDBPyConnection, name: str, variables: Mapping[str, Any] | None = None
) -> None:
    """Run `sql/<name>.sql`; values reach it as DuckDB variables (`getvariable('as_of')`).

    Values are bound as parameters, never spliced into the SQL text.
    """
    for key, value in (variables or {}).items():
        if not key.isidentifier():
            raise ValueError(f"invalid SQL variable name {key!r}")
        conn.execute(f"SET VARIABLE {key} = ?", [value])
    try:
        conn.execute(read_sql(name))
    except Exception:
        # A failed multi-statement file may leave its transaction open: undo it all.
        with contextlib.suppress(duckdb.Error):
            conn.execute("ROLLBACK")
        raise


def query_sql(
    conn: duckdb.DuckDBPyConnection, name: str, variables: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The rows of the one SELECT in `sql/<name>.sql`, as dicts; values bound as variables."""
    for key, value in (variables or {}).items():
        if not key.isidentifier():
            raise ValueError(f"invalid SQL variable name {key!r}")
        conn.execute(f"SET VARIABLE {key} = ?", [value])
    cursor = conn.execute(read_sql(name))
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# The warehouse layout, in order (later files refer to earlier tables); each is idempotent.
SCHEMA_FILES: tuple[str, ...] = (
    "schema/warehouse",
    "schema/monitoring",
    "schema/governance",
    "schema/controls",
    "schema/operations_playbooks",
    "schema/operations",
    "schema/operations_redteam",
    "schema/metrics_changes",
)
ANALYST_VIEWS = "schema/analyst_views"


def create_schema(conn: duckdb.DuckDBPyConnection, *, views: bool = True) -> None:
    """Create (or bring up to date) every warehouse table, and the analyst views and macros."""
    for name in SCHEMA_FILES:
        run_sql(conn, name)
    if views:
        run_sql(conn, ANALYST_VIEWS)


@cache
def schema_fingerprint() -> str:
    """A digest of every schema file's text (and the DuckDB version that runs them)."""
    digest = hashlib.sha256(duckdb.__version__.encode())
    for name in (*SCHEMA_FILES, ANALYST_VIEWS):
        digest.update(b"\0" + name.encode() + b"\0" + read_sql(name).encode())
    return digest.hexdigest()


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """`create_schema` on a file not yet brought up to date with this code's schema SQL.

    Running every schema file costs about 0.4 s, paid by each of the ~70 steps of a run that
    open the warehouse; a file whose recorded fingerprint matches already has all of it.
    """
    try:
        recorded = conn.execute("SELECT fingerprint FROM main.warehouse_schema").fetchall()
    except duckdb.CatalogException:
        recorded = []
    if recorded == [(schema_fingerprint(),)]:
        return
    create_schema(conn)
    run_sql(conn, "schema/fingerprint", {"fingerprint": schema_fingerprint()})


@cache
def schema_catalog() -> dict[str, tuple[tuple[str, str, str | None], ...]]:
    """Every warehouse table's (column, type, comment), in order, from the schema SQL itself
    (the files of SCHEMA_FILES run on an in-memory database)."""
    conn = duckdb.connect(":memory:")
    try:
        create_schema(conn, views=False)
        rows = conn.execute(
            "SELECT schema_name || '.' || table_name, column_name, data_type, comment "
            "FROM duckdb_columns() WHERE NOT internal ORDER BY table_name, column_index"
        ).fetchall()
    finally:
        conn.close()
    catalog: dict[str, list[tuple[str, str, str | None]]] = {}
    for table, column, dtype, comment in rows:
        catalog.setdefault(table, []).append((column, dtype, comment))
    return {table: tuple(columns) for table, columns in catalog.items()}


def table_columns(table: str) -> tuple[str, ...]:
    """Column names of `schema.table` as sql/schema/ declares them."""
    columns = schema_catalog().get(table)
    if not columns:
        raise ValueError(f"table {table} is not declared in sql/schema/")
    return tuple(name for name, _, _ in columns)


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse. `path` is the analysts' file; the pipeline writes a sibling."""

    path: str
    lock_timeout_seconds: float = 900.0

    @property
    def published_path(self) -> Path:
        return Path(self.path)

    @property
    def work_path(self) -> Path:
        p = self.published_path
        return p.with_name(f".{p.stem}.work{p.suffix}")

    @property
    def lock_path(self) -> Path:
        return self.work_path.with_suffix(self.work_path.suffix + ".lock")

    @contextmanager
    def connect(self, publish: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the working file, held under the writers' lock.

        On a clean exit the work is checkpointed and (unless `publish=False`, for steps that
        only read, such as asset checks) published for analysts.
        """
        log = get_dagster_logger()
        self.work_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_path))
        started = time.monotonic()
        try:
            lock.acquire(timeout=self.lock_timeout_seconds)
        except Timeout:
            raise WarehouseLockTimeout(
                f"waited {self.lock_timeout_seconds:g}s for the warehouse writer lock "
                f"{self.lock_path}; another writer holds it"
            ) from None
        waited = time.monotonic() - started
        if waited > 1:
            log.info(f"waited {waited:.1f}s for the warehouse writer lock")
        try:
            conn = duckdb.connect(str(self.work_path))
            try:
                ensure_schema(conn)
                yield conn
                conn.execute("CHECKPOINT")
            finally:
                conn.close()
            if publish:
                self._publish()
        finally:
            lock.release()

    def _publish(self) -> None:
        target = self.published_path
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(self.work_path, tmp)
        os.replace(tmp, target)
        # A WAL left beside the published file by someone who opened it read-write belongs to
        # the old snapshot; DuckDB would refuse to open the new one with it ("WAL checkpoint
        # iteration does not match"), so it goes.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published file (what analysts see)."""
        if not self.published_path.exists():
            raise FileNotFoundError(
                f"warehouse {self.published_path} does not exist yet: run the main job first"
            )
        conn = duckdb.connect(str(self.published_path), read_only=True)
        try:
            yield conn
        finally:
            conn.close()


_SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_SIZE_UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _size_bytes(text: str) -> float | None:
    """DuckDB's rendering of a size ('18.8 GiB') in bytes, rounded half a shown digit up (it
    shows one decimal, cut off); None if unreadable."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)\s*", text)
    unit = _SIZE_UNITS.get(match.group(2).upper()) if match else None
    if not match or not unit:
        return None
    return (float(match.group(1)) + 0.05) * unit


@contextmanager
def memory_limit_at_most(conn: duckdb.DuckDBPyConnection, limit_bytes: int) -> Iterator[None]:
    """Lower DuckDB's memory limit to `limit_bytes` for the block (never raise it), so a large
    step spills to disk instead of taking most of the machine's memory; then put the previous
    setting back (the default, or what had been set, to DuckDB's shown
    precision)."""
    rows = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    before = str(rows[0][0]) if rows else ""
    current = _size_bytes(before)
    if current is None or current <= limit_bytes:
        yield
        return
    conn.execute("SET memory_limit = ?", [f"{limit_bytes}B"])
    try:
        yield
    finally:
        conn.execute("RESET memory_limit")
        after = conn.execute("SELECT current_setting('memory_limit')").fetchall()
        if not after or str(after[0][0]) != before:  # it had been set: restore that value
            conn.execute("SET memory_limit = ?", [f"{int(current)}B"])
