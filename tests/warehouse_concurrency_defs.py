"""Test-only Dagster definitions: independent writer assets sharing one WarehouseResource.

Every writer is a real asset in pool `duckdb_warehouse` that opens `WarehouseResource.connect()`
and keeps the write connection (and so the writers' lock) for `hold_seconds`, so that steps
running at the same time really contend for the warehouse. Each write records its rows and its
time window in the warehouse itself (schema `concurrency_test`), which is what the tests read.

An optional file barrier (`barrier_dir`, `barrier_parties`) makes every writer wait, *outside*
the lock, until that many writers are alive at once. It turns "the steps overlapped" into a
checked fact: if the executor (or a pool) ran the steps one at a time, the barrier times out
and the step fails.

`execute_writers_job` runs the job with the multiprocess executor (step processes re-import
this module by name); `run_writers_in_subprocess` does the same from a separate Python process,
as a second `aisec run` would.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster._core.definitions.reconstruct import ReconstructableJob

from aisec_resources.warehouse import POOL, WarehouseResource

TESTS_DIR = Path(__file__).resolve().parent
MODULE_NAME = "warehouse_concurrency_defs"
WRITER_NAMES = ("writer_a", "writer_b", "writer_c", "writer_d")
JOB_NAME = "concurrent_writers_job"
TEST_SCHEMA = "concurrency_test"

# The rows each write adds, and one row per write with its wall-clock window (epoch seconds):
# step_started_at .. barrier_passed_at is the step's unlocked part; write_started_at ..
# write_ended_at is measured inside `connect()`, i.e. while the writers' lock is held.
TEST_TABLES_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {TEST_SCHEMA};
CREATE TABLE IF NOT EXISTS {TEST_SCHEMA}.written_rows (
    run_id VARCHAR NOT NULL,
    writer VARCHAR NOT NULL,
    write_index INTEGER NOT NULL,
    row_index INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS {TEST_SCHEMA}.write_windows (
    run_id VARCHAR NOT NULL,
    writer VARCHAR NOT NULL,
    write_index INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    step_started_at DOUBLE NOT NULL,
    barrier_passed_at DOUBLE NOT NULL,
    write_started_at DOUBLE NOT NULL,
    write_ended_at DOUBLE NOT NULL
);
"""


class WriterSettings(dg.ConfigurableResource):
    """How the test writers behave (set through run config)."""

    hold_seconds: float = 0.3
    writes_per_step: int = 1
    rows_per_write: int = 10
    barrier_dir: str = ""
    barrier_parties: int = 0
    barrier_timeout_seconds: float = 60.0


def create_test_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(TEST_TABLES_DDL)


def _wait_at_barrier(settings: WriterSettings, arrival_name: str) -> None:
    """Wait until `barrier_parties` writers have arrived in `barrier_dir` (no-op if unset)."""
    if not settings.barrier_dir:
        return
    barrier = Path(settings.barrier_dir)
    barrier.mkdir(parents=True, exist_ok=True)
    (barrier / arrival_name).touch()
    deadline = time.monotonic() + settings.barrier_timeout_seconds
    while (arrived := sum(1 for _ in barrier.iterdir())) < settings.barrier_parties:
        if time.monotonic() > deadline:
            raise dg.Failure(
                f"barrier {barrier}: only {arrived} of {settings.barrier_parties} writers were "
                f"running at the same time after {settings.barrier_timeout_seconds:.0f}s"
            )
        time.sleep(0.02)


def _write_repeatedly(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    settings: WriterSettings,
    writer: str,
) -> dg.MaterializeResult:
    step_started_at = time.time()
    _wait_at_barrier(settings, f"{context.run_id}-{writer}")
    barrier_passed_at = time.time()
    for write_index in range(settings.writes_per_step):
        with warehouse.connect() as conn:
            write_started_at = time.time()
            create_test_tables(conn)
            conn.executemany(
                f"INSERT INTO {TEST_SCHEMA}.written_rows VALUES (?, ?, ?, ?)",
                [
                    [context.run_id, writer, write_index, row_index]
                    for row_index in range(settings.rows_per_write)
                ],
            )
            # Keep the connection (and the lock) so that other writers have to wait for it.
            time.sleep(settings.hold_seconds)
            write_ended_at = time.time()
            conn.execute(
                f"INSERT INTO {TEST_SCHEMA}.write_windows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    context.run_id,
                    writer,
                    write_index,
                    os.getpid(),
                    step_started_at,
                    barrier_passed_at,
                    write_started_at,
                    write_ended_at,
                ],
            )
    return dg.MaterializeResult(metadata={"writes": settings.writes_per_step})


def _writer_asset(writer: str) -> dg.AssetsDefinition:
    @dg.asset(name=writer, pool=POOL, group_name=TEST_SCHEMA)
    def _writer(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        writer_settings: WriterSettings,
    ) -> dg.MaterializeResult:
        return _write_repeatedly(context, warehouse, writer_settings, writer)

    return _writer


WRITERS = [_writer_asset(name) for name in WRITER_NAMES]

writers_job = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.assets(*WRITERS),
    executor_def=dg.multiprocess_executor,
)

defs = dg.Definitions(
    assets=WRITERS,
    jobs=[writers_job],
    resources={
        "warehouse": WarehouseResource.configure_at_launch(),
        "writer_settings": WriterSettings.configure_at_launch(),
    },
)


def writers_job_def() -> dg.JobDefinition:
    return defs.resolve_job_def(JOB_NAME)


def reconstructable_writers_job() -> ReconstructableJob:
    """The writers job as step processes re-import it: by module name from tests/.

    Plain `reconstructable(writers_job_def)` is not enough under pytest: pytest puts tests/ at
    sys.path[0], and Dagster's step processes drop sys.path[0] before importing the module.
    """
    return dg.build_reconstructable_job(
        MODULE_NAME, writers_job_def.__name__, reconstructor_working_directory=str(TESTS_DIR)
    )


def writers_run_config(
    warehouse_path: Path,
    max_concurrent: int = 4,
    lock_timeout_seconds: float = 60.0,
    **writer_settings: Any,
) -> dict[str, Any]:
    """Run config for `writers_job`: the warehouse file, executor width, writer behaviour."""
    return {
        "execution": {"config": {"max_concurrent": max_concurrent}},
        "resources": {
            "warehouse": {
                "config": {
                    "path": str(warehouse_path),
                    "lock_timeout_seconds": lock_timeout_seconds,
                }
            },
            "writer_settings": {"config": dict(writer_settings)},
        },
    }


def execute_writers_job(
    instance: dg.DagsterInstance,
    run_config: dict[str, Any],
    writers: tuple[str, ...] = WRITER_NAMES,
) -> dg.JobExecutionResult:
    """Run (a selection of) the writers job on `instance`; failures are in the result."""
    return dg.execute_job(
        reconstructable_writers_job(),
        instance=instance,
        run_config=run_config,
        asset_selection=[dg.AssetKey(name) for name in writers],
        raise_on_error=False,
    )


# Run in a separate interpreter by `run_writers_in_subprocess`: argv = dagster home, run config
# (JSON), writer names; prints one JSON line {"run_id", "success"}.
_SUBPROCESS_SCRIPT = f"""
import json, sys
sys.path.insert(0, {str(TESTS_DIR)!r})
import dagster as dg
from {MODULE_NAME} import execute_writers_job
home, run_config, writers = sys.argv[1], json.loads(sys.argv[2]), tuple(sys.argv[3:])
with dg.DagsterInstance.from_config(home) as instance:
    result = execute_writers_job(instance, run_config, writers)
print(json.dumps({{"run_id": result.run_id, "success": result.success}}), flush=True)
"""


def run_writers_in_subprocess(
    dagster_home: Path,
    run_config: dict[str, Any],
    writers: tuple[str, ...] = WRITER_NAMES,
) -> subprocess.Popen[str]:
    """Start the writers job in a new Python process on the instance at `dagster_home`.

    Read its outcome with `subprocess_run_outcome`.
    """
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _SUBPROCESS_SCRIPT,
            str(dagster_home),
            json.dumps(run_config),
            *writers,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def subprocess_run_outcome(
    process: subprocess.Popen[str], timeout: float = 120.0
) -> tuple[str, bool]:
    """(run id, success) of a run started by `run_writers_in_subprocess`, once it has ended."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    if process.returncode != 0 or not stdout.strip():
        raise RuntimeError(f"writers job process exited {process.returncode}: {stderr[-2000:]}")
    outcome = json.loads(stdout.strip().splitlines()[-1])
    return outcome["run_id"], outcome["success"]
