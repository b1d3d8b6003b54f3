"""WarehouseResource: the writers' lock, the published snapshot, and both under real Dagster runs.

The unit tests drive `WarehouseResource` directly. The run tests execute the writer job of
`warehouse_concurrency_defs` with the real multiprocess executor (each step its own process),
on SQLite instances: one without pool limits, where only the file lock keeps the writers apart,
and one built from the shipped `deploy/local/dagster.yaml`. Analysts are separate Python
processes holding `duckdb.connect(published, read_only=True)` open, as a notebook or the DuckDB
CLI would: DuckDB shares one database instance per path *within* a process, so an analyst in
the test process itself would not show what other programs see.
"""

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from conftest import DEPLOY_DIR
from warehouse_concurrency_defs import (
    TEST_SCHEMA,
    WRITER_NAMES,
    create_test_tables,
    execute_writers_job,
    run_writers_in_subprocess,
    subprocess_run_outcome,
    writers_run_config,
)

import aisec_resources.warehouse as warehouse_module
from aisec_resources.warehouse import POOL, WarehouseLockTimeout, WarehouseResource, read_sql

ROWS_PER_WRITE = 10
SEED_ROWS = 7

# ------------------------------------------------------------------ helpers


def _published_rows(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    """Query the published file the way an analyst does: a fresh read-only connection."""
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def _snapshot(path: Path) -> tuple[int, int]:
    """(written rows, recorded writes) of the published file."""
    [(rows, writes)] = _published_rows(
        path,
        f"SELECT (SELECT count(*) FROM {TEST_SCHEMA}.written_rows), "
        f"(SELECT count(*) FROM {TEST_SCHEMA}.write_windows)",
    )
    return rows, writes


def _seed(warehouse: WarehouseResource) -> None:
    """One published write that is not the run's: SEED_ROWS rows and one window."""
    with warehouse.connect() as conn:
        create_test_tables(conn)
        conn.execute(
            f"INSERT INTO {TEST_SCHEMA}.written_rows "
            f"SELECT 'seed', 'seed', 0, range FROM range({SEED_ROWS})"
        )
        conn.execute(
            f"INSERT INTO {TEST_SCHEMA}.write_windows VALUES ('seed', 'seed', 0, 0, 0, 0, 0, 0)"
        )


@dataclass(frozen=True)
class WriteWindow:
    writer: str
    write_index: int
    pid: int
    step_started_at: float
    barrier_passed_at: float
    write_started_at: float
    write_ended_at: float


def _write_windows(path: Path, run_id: str) -> list[WriteWindow]:
    rows = _published_rows(
        path,
        f"SELECT writer, write_index, pid, step_started_at, barrier_passed_at, write_started_at, "
        f"write_ended_at FROM {TEST_SCHEMA}.write_windows WHERE run_id = ? "
        f"ORDER BY write_started_at",
        [run_id],
    )
    return [WriteWindow(*row) for row in rows]


def _rows_per_writer(path: Path, run_id: str) -> dict[str, int]:
    rows = _published_rows(
        path,
        f"SELECT writer, count(DISTINCT (write_index, row_index)) FROM {TEST_SCHEMA}.written_rows "
        f"WHERE run_id = ? GROUP BY writer",
        [run_id],
    )
    return dict(rows)


def _run_config(warehouse_path: Path, **writer_settings: Any) -> dict[str, Any]:
    return writers_run_config(warehouse_path, rows_per_write=ROWS_PER_WRITE, **writer_settings)


def _run_writers(instance: dg.DagsterInstance, warehouse_path: Path, **writer_settings: Any) -> str:
    """Run the writers job here (steps in their own processes); its run id."""
    result = execute_writers_job(instance, _run_config(warehouse_path, **writer_settings))
    _assert_succeeded(instance, result.run_id)
    return result.run_id


def _assert_succeeded(instance: dg.DagsterInstance, run_id: str) -> None:
    run = instance.get_run_by_id(run_id)
    assert run is not None, f"run {run_id} is not in the instance"
    failures = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is not None and event.is_failure:
            error = getattr(event.event_specific_data, "error", None)
            while error is not None and error.cause is not None:
                error = error.cause  # the user code's own exception, not Dagster's wrapper
            failures.append(
                f"{event.step_key}: {error.message.strip() if error else event.message}"
            )
    assert run.status == dg.DagsterRunStatus.SUCCESS, f"run {run_id} {run.status}: {failures}"


def _assert_writes_disjoint(windows: list[WriteWindow]) -> None:
    """No two writes held the warehouse at the same time."""
    ordered = sorted(windows, key=lambda w: w.write_started_at)
    for earlier, later in pairwise(ordered):
        assert later.write_started_at >= earlier.write_ended_at, (
            f"{later.writer} wrote from {later.write_started_at:.3f} while {earlier.writer} "
            f"held the warehouse until {earlier.write_ended_at:.3f}"
        )


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)


# An analyst: opens the published file once, then queries it in a loop until told to stop.
# Prints "ready" once connected; at the end one JSON line: the distinct answers, how many
# queries ran, and every error.
ANALYST_SCRIPT = """
import json, sys, time
from collections import Counter
from pathlib import Path
import duckdb

path, stop_file, mode, schema = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
conn = duckdb.connect(path, read_only=(mode == "read_only"))
if mode == "read_write":
    # The mistake: an analyst writes to the published copy (this leaves a WAL beside it).
    conn.execute("CREATE TABLE analyst_scratch AS SELECT 1 AS note")
query = (
    f"SELECT (SELECT count(*) FROM {schema}.written_rows),"
    f" (SELECT count(*) FROM {schema}.write_windows)"
)
answers, errors, queries = Counter(), [], 0
print("ready", flush=True)
while not stop_file.exists():
    queries += 1
    try:
        answers[json.dumps(conn.execute(query).fetchone())] += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    time.sleep(0.005)
conn.close()
print(json.dumps({"answers": answers, "queries": queries, "errors": errors}), flush=True)
"""


@dataclass(frozen=True)
class AnalystReport:
    snapshots: list[tuple[int, int]]
    queries: int
    errors: list[str]


class AnalystSession:
    """A separate process keeping one DuckDB connection to the published file open."""

    def __init__(self, path: Path, stop_file: Path, mode: str = "read_only") -> None:
        self.stop_file = stop_file
        self.process = subprocess.Popen(
            [sys.executable, "-c", ANALYST_SCRIPT, str(path), str(stop_file), mode, TEST_SCHEMA],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = self.process.stdout.readline().strip() if self.process.stdout else ""
        if ready != "ready":
            self.process.kill()
            _, stderr = self.process.communicate()
            raise AssertionError(f"analyst could not open {path}: {stderr.strip()}")

    def finish(self) -> AnalystReport:
        self.stop_file.touch()
        stdout, stderr = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, f"analyst process failed: {stderr}"
        report = json.loads(stdout.strip().splitlines()[-1])
        return AnalystReport(
            snapshots=[tuple(json.loads(answer)) for answer in report["answers"]],
            queries=report["queries"],
            errors=report["errors"],
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@contextmanager
def analyst_sessions() -> Iterator[Callable[..., AnalystSession]]:
    """Start analysts with the yielded factory; any still running at the end are killed."""
    started: list[AnalystSession] = []

    def start(path: Path, stop_file: Path, mode: str = "read_only") -> AnalystSession:
        session = AnalystSession(path, stop_file, mode)
        started.append(session)
        return session

    try:
        yield start
    finally:
        for session in started:
            session.kill()


HOLD_LOCK_SCRIPT = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
lock.release()
"""


@contextmanager
def lock_held_by_another_process(lock_path: Path) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK_SCRIPT, str(lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.communicate(input="\n", timeout=10)


def _lock_is_free(lock_path: Path) -> bool:
    """Whether another process can take the writers' lock right now."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from filelock import FileLock; FileLock(sys.argv[1]).acquire(timeout=0)",
            str(lock_path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return probe.returncode == 0


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "aisec.duckdb"


@pytest.fixture
def warehouse(warehouse_path: Path) -> WarehouseResource:
    return WarehouseResource(path=str(warehouse_path), lock_timeout_seconds=30)


@pytest.fixture
def unlimited_instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A SQLite instance without pool limits: nothing but the file lock orders the writers."""
    home = tmp_path / "dagster_home_unlimited"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit is None
        yield instance


@pytest.fixture
def local_instance(make_dagster_home: Callable[[Path], Path]) -> Iterator[dg.DagsterInstance]:
    """The instance `aisec run` uses on one machine, from deploy/local/dagster.yaml as shipped."""
    home = make_dagster_home(DEPLOY_DIR / "local" / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


# ------------------------------------------------------------------ unit: WarehouseResource


def test_connect_creates_every_schema_table_and_analyst_view(
    warehouse: WarehouseResource, warehouse_path: Path
) -> None:
    # What must exist is read from the schema files themselves, so this follows them.
    layout = read_sql("schema/warehouse")
    views = read_sql("schema/analyst_views")
    schemas = set(re.findall(r"CREATE SCHEMA IF NOT EXISTS (\w+)", layout))
    tables = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+\.\w+)", layout))
    view_names = set(re.findall(r"CREATE OR REPLACE VIEW (\w+\.\w+)", views))
    macro_names = set(re.findall(r"CREATE OR REPLACE MACRO (\w+\.\w+)", views))
    assert schemas and tables and view_names and macro_names

    assert not warehouse_path.exists()
    with warehouse.connect():
        pass

    found_schemas = {
        s for (s,) in _published_rows(warehouse_path, "SELECT schema_name FROM duckdb_schemas()")
    }
    found_tables = {
        t
        for (t,) in _published_rows(
            warehouse_path,
            "SELECT schema_name || '.' || table_name FROM duckdb_tables()",
        )
    }
    found_views = {
        v
        for (v,) in _published_rows(
            warehouse_path,
            "SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal",
        )
    }
    found_macros = {
        m
        for (m,) in _published_rows(
            warehouse_path,
            "SELECT schema_name || '.' || function_name FROM duckdb_functions() "
            "WHERE function_type IN ('table_macro', 'macro')",
        )
    }
    assert schemas <= found_schemas
    assert tables <= found_tables
    assert view_names <= found_views
    assert macro_names <= found_macros


def test_the_schema_files_run_again_only_when_they_changed(
    warehouse: WarehouseResource, warehouse_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file brought up to date with this code's schema SQL is not brought up to date again
    (each of a run's ~70 steps would pay for it); one recorded with another schema is."""
    with warehouse.connect() as conn:
        (recorded,) = conn.execute("SELECT fingerprint FROM main.warehouse_schema").fetchall()
    assert recorded == (warehouse_module.schema_fingerprint(),)

    ran: list[int] = []
    real_create_schema = warehouse_module.create_schema
    monkeypatch.setattr(
        warehouse_module,
        "create_schema",
        lambda conn, **kw: (ran.append(1), real_create_schema(conn, **kw)),
    )
    with warehouse.connect() as conn:
        conn.execute("DROP VIEW inventory.asset_overview")  # gone, and nothing says so
    with warehouse.connect():
        pass
    assert not ran
    assert not _published_rows(
        warehouse_path,
        "SELECT * FROM duckdb_views() WHERE schema_name = 'inventory' "
        "AND view_name = 'asset_overview'",
    )

    # The schema SQL of another version of aisec (or another DuckDB) was recorded: all of it
    # runs again, the view is back, and this version's fingerprint is recorded.
    with warehouse.connect() as conn:
        conn.execute("UPDATE main.warehouse_schema SET fingerprint = 'an older schema'")
    with warehouse.connect():
        pass
    assert ran == [1]
    assert _published_rows(
        warehouse_path,
        "SELECT fingerprint FROM main.warehouse_schema",
    ) == [(warehouse_module.schema_fingerprint(),)]
    assert _published_rows(
        warehouse_path,
        "SELECT count(*) FROM duckdb_views() WHERE schema_name = 'inventory' "
        "AND view_name = 'asset_overview'",
    ) == [(1,)]


def test_each_write_is_published_for_read_only_analysts(
    warehouse: WarehouseResource, warehouse_path: Path
) -> None:
    with warehouse.connect() as conn:
        create_test_tables(conn)
        conn.execute(f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES ('r1', 'w', 0, 0)")
    first_inode = warehouse_path.stat().st_ino
    assert _published_rows(warehouse_path, f"SELECT run_id FROM {TEST_SCHEMA}.written_rows") == [
        ("r1",)
    ]

    with warehouse.connect() as conn:
        conn.execute(f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES ('r2', 'w', 0, 0)")
    # A new file was renamed over the old one (what lets open sessions keep their snapshot).
    assert warehouse_path.stat().st_ino != first_inode
    assert _published_rows(
        warehouse_path, f"SELECT run_id FROM {TEST_SCHEMA}.written_rows ORDER BY run_id"
    ) == [("r1",), ("r2",)]
    # The pipeline's working file is a different file; no temporary copy is left behind.
    assert warehouse.work_path != warehouse_path and warehouse.work_path.exists()
    assert not list(warehouse_path.parent.glob("*.tmp"))

    with warehouse.read() as conn, pytest.raises(duckdb.Error, match="read-only"):
        conn.execute(f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES ('r3', 'w', 0, 0)")


def test_connect_without_publish_leaves_the_published_file_alone(
    warehouse: WarehouseResource, warehouse_path: Path
) -> None:
    with warehouse.connect(publish=False) as conn:
        create_test_tables(conn)
    assert not warehouse_path.exists()

    with warehouse.connect() as conn:
        conn.execute(f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES ('published', 'w', 0, 0)")
    published_inode = warehouse_path.stat().st_ino
    with warehouse.connect(publish=False) as conn:
        conn.execute(f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES ('private', 'w', 0, 0)")

    assert warehouse_path.stat().st_ino == published_inode
    assert _published_rows(warehouse_path, f"SELECT run_id FROM {TEST_SCHEMA}.written_rows") == [
        ("published",)
    ]
    # The unpublished write is in the working file all the same.
    with warehouse.connect(publish=False) as conn:
        runs = conn.execute(f"SELECT run_id FROM {TEST_SCHEMA}.written_rows ORDER BY 1").fetchall()
    assert runs == [("private",), ("published",)]


def test_a_failed_block_does_not_publish_and_releases_the_lock(
    warehouse: WarehouseResource, warehouse_path: Path
) -> None:
    with warehouse.connect() as conn:
        create_test_tables(conn)
        conn.execute(f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES ('good', 'w', 0, 0)")
    published_inode = warehouse_path.stat().st_ino

    with pytest.raises(RuntimeError, match="asset failed half-way"), warehouse.connect() as conn:
        conn.execute(f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES ('failed', 'w', 0, 0)")
        raise RuntimeError("asset failed half-way")

    assert warehouse_path.stat().st_ino == published_inode
    assert _published_rows(warehouse_path, f"SELECT run_id FROM {TEST_SCHEMA}.written_rows") == [
        ("good",)
    ]
    assert _lock_is_free(warehouse.lock_path)
    quick = WarehouseResource(path=str(warehouse_path), lock_timeout_seconds=1)
    with quick.connect(publish=False) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_lock_timeout_names_the_lock_another_writer_holds(
    warehouse_path: Path,
) -> None:
    impatient = WarehouseResource(path=str(warehouse_path), lock_timeout_seconds=1)
    impatient.lock_path.parent.mkdir(parents=True)

    with lock_held_by_another_process(impatient.lock_path):
        started = time.monotonic()
        with pytest.raises(WarehouseLockTimeout) as raised, impatient.connect():
            pytest.fail("connected although another process holds the writers' lock")
        waited = time.monotonic() - started
    message = str(raised.value)
    assert str(impatient.lock_path) in message
    assert "waited 1s" in message and "another writer holds it" in message
    assert 1.0 <= waited < 10
    assert not warehouse_path.exists()

    # Once the other writer lets go, the same resource connects.
    with impatient.connect() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_read_before_the_first_run_says_what_to_do(
    warehouse: WarehouseResource, warehouse_path: Path
) -> None:
    with pytest.raises(FileNotFoundError) as raised, warehouse.read():
        pytest.fail("read() opened a warehouse that does not exist")
    assert str(warehouse_path) in str(raised.value)
    assert "run the main job first" in str(raised.value)
    assert not warehouse_path.exists()


def test_publish_recovers_from_a_stray_wal_of_a_read_write_analyst(
    warehouse: WarehouseResource, warehouse_path: Path, tmp_path: Path
) -> None:
    _seed(warehouse)
    with analyst_sessions() as start_analyst:
        careless = start_analyst(warehouse_path, tmp_path / "stop", mode="read_write")
        careless.process.send_signal(signal.SIGKILL)  # dies without closing: its WAL stays
        careless.process.communicate()
    assert Path(f"{warehouse_path}.wal").exists()

    with warehouse.connect() as conn:
        conn.execute(f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES ('after', 'w', 0, 0)")
    assert _snapshot(warehouse_path) == (SEED_ROWS + 1, 1)


# ------------------------------------------------------------------ runs: multiprocess executor


def test_file_lock_alone_serializes_writers_running_at_the_same_time(
    unlimited_instance: dg.DagsterInstance, warehouse_path: Path, tmp_path: Path
) -> None:
    hold_seconds = 0.3
    run_id = _run_writers(
        unlimited_instance,
        warehouse_path,
        hold_seconds=hold_seconds,
        barrier_dir=str(tmp_path / "barrier"),
        barrier_parties=len(WRITER_NAMES),
    )

    windows = _write_windows(warehouse_path, run_id)
    assert sorted(w.writer for w in windows) == sorted(WRITER_NAMES)
    assert len({w.pid for w in windows}) == len(WRITER_NAMES), "each step in its own process"
    # The unlocked parts overlapped: at one instant every writer was running outside the lock
    # (the barrier let nobody through before all had arrived)...
    assert max(w.step_started_at for w in windows) < min(w.barrier_passed_at for w in windows)
    # ...and every writer wanted the lock before the first write was over: real contention.
    assert max(w.barrier_passed_at for w in windows) < min(w.write_ended_at for w in windows)
    # Yet the locked parts never overlapped, and each really held the connection.
    _assert_writes_disjoint(windows)
    assert all(w.write_ended_at - w.write_started_at >= hold_seconds for w in windows)
    assert _rows_per_writer(warehouse_path, run_id) == dict.fromkeys(WRITER_NAMES, ROWS_PER_WRITE)


def test_local_instance_pool_limit_runs_writer_steps_one_at_a_time(
    local_instance: dg.DagsterInstance, warehouse_path: Path
) -> None:
    assert local_instance.get_concurrency_config().pool_config.default_pool_limit == 1
    run_id = _run_writers(local_instance, warehouse_path, hold_seconds=0.1)

    blocked = [
        record
        for record in local_instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
        if record.message == f"Step blocked by limit for pool {POOL}"
    ]
    assert blocked, "the event log shows no step waiting for the pool"

    # Steps, not just writes, were serialized: each began after the previous one had written.
    windows = sorted(_write_windows(warehouse_path, run_id), key=lambda w: w.step_started_at)
    assert len(windows) == len(WRITER_NAMES)
    for earlier, later in pairwise(windows):
        assert later.step_started_at > earlier.write_ended_at, (
            f"{later.writer} started while {earlier.writer} was still running"
        )
    assert _rows_per_writer(warehouse_path, run_id) == dict.fromkeys(WRITER_NAMES, ROWS_PER_WRITE)


def test_two_concurrent_runs_both_succeed_and_keep_every_row(
    unlimited_instance: dg.DagsterInstance, warehouse_path: Path, tmp_path: Path
) -> None:
    # Two processes each run the job for the same two assets, as two `aisec run`s would. All
    # four steps meet at one barrier, so the runs provably overlap and only the file lock keeps
    # their writes apart.
    writers = WRITER_NAMES[:2]
    run_config = _run_config(
        warehouse_path,
        hold_seconds=0.2,
        barrier_dir=str(tmp_path / "barrier"),
        barrier_parties=2 * len(writers),
    )
    home = Path(unlimited_instance.root_directory)
    processes = [run_writers_in_subprocess(home, run_config, writers) for _ in range(2)]
    run_ids = [subprocess_run_outcome(process)[0] for process in processes]

    assert len(set(run_ids)) == 2
    for run_id in run_ids:
        _assert_succeeded(unlimited_instance, run_id)
        assert _rows_per_writer(warehouse_path, run_id) == dict.fromkeys(writers, ROWS_PER_WRITE)
    windows = [w for run_id in run_ids for w in _write_windows(warehouse_path, run_id)]
    assert len(windows) == 2 * len(writers)
    assert max(w.step_started_at for w in windows) < min(w.barrier_passed_at for w in windows)
    _assert_writes_disjoint(windows)


# ------------------------------------------------------------------ runs: analysts


def test_analyst_sessions_open_before_and_during_a_run_keep_consistent_snapshots(
    unlimited_instance: dg.DagsterInstance,
    warehouse: WarehouseResource,
    warehouse_path: Path,
    tmp_path: Path,
) -> None:
    writes_per_step = 3
    _seed(warehouse)
    seed_state = (SEED_ROWS, 1)
    seed_inode = warehouse_path.stat().st_ino
    final_state = (
        SEED_ROWS + len(WRITER_NAMES) * writes_per_step * ROWS_PER_WRITE,
        1 + len(WRITER_NAMES) * writes_per_step,
    )

    with analyst_sessions() as start_analyst:
        # Already connected when the run starts (the run must not need the file to itself).
        before_run = start_analyst(warehouse_path, tmp_path / "stop_before")
        run = run_writers_in_subprocess(
            Path(unlimited_instance.root_directory),
            _run_config(warehouse_path, hold_seconds=0.2, writes_per_step=writes_per_step),
        )
        try:
            # Connects once the run has published its first write, while it is still writing.
            _wait_for(
                lambda: run.poll() is not None or warehouse_path.stat().st_ino != seed_inode,
                "the run's first publish",
            )
            during_run = start_analyst(warehouse_path, tmp_path / "stop_during")
        finally:
            run_id, _ = subprocess_run_outcome(run)

        # A new session, opened while both old ones are still open, sees the finished run.
        assert _snapshot(warehouse_path) == final_state
        before, during = before_run.finish(), during_run.finish()

    _assert_succeeded(unlimited_instance, run_id)
    assert before.errors == [] and during.errors == []
    assert before.queries > 20 and during.queries > 20
    # Each session kept reading the snapshot it opened, through every publish of the run.
    assert before.snapshots == [seed_state]
    [during_state] = during.snapshots
    # ...and that snapshot is a whole one: every recorded write has all its rows.
    rows, writes = during_state
    assert rows == SEED_ROWS + (writes - 1) * ROWS_PER_WRITE
    assert seed_state < during_state < final_state, "opened mid-run, saw a mid-run snapshot"


def test_an_analyst_writing_to_the_published_file_never_breaks_the_run(
    unlimited_instance: dg.DagsterInstance,
    warehouse: WarehouseResource,
    warehouse_path: Path,
    tmp_path: Path,
) -> None:
    writes_per_step = 2
    _seed(warehouse)
    with analyst_sessions() as start_analyst:
        careless = start_analyst(warehouse_path, tmp_path / "stop", mode="read_write")
        run_id = _run_writers(
            unlimited_instance, warehouse_path, hold_seconds=0.1, writes_per_step=writes_per_step
        )
        report = careless.finish()

    assert report.errors == [] and report.snapshots == [(SEED_ROWS, 1)]
    # The run's writes all reached the published file; the analyst's table went with the
    # snapshot it had open, not into the warehouse.
    assert _rows_per_writer(warehouse_path, run_id) == dict.fromkeys(
        WRITER_NAMES, writes_per_step * ROWS_PER_WRITE
    )
    tables = {
        t for (t,) in _published_rows(warehouse_path, "SELECT table_name FROM duckdb_tables()")
    }
    assert "analyst_scratch" not in tables
