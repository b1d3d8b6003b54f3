"""How the program's jobs run their steps: each in its own process, forked from a forkserver.

A killed or crashing step cannot take its run with it, and a forked step starts in a fraction
of a second where a spawned one (Dagster's default start method) re-imports Dagster, DuckDB and
the code location before its first line: on the 2-vCPU machine that cost the demo's main job
144 s of its 205 s spawned, 64 s forked (Dec 2026). Every asset job carries this as its default
run config, so runs launched by `aisec run`, the UI, schedules and sensors start steps the same
way; `aisec run --in-process` (or a run config naming `in_process`) runs them in one process.
"""

from __future__ import annotations

from typing import Any

# The forkserver imports the code location first: a step's process is forked from it.
CODE_LOCATION_MODULE = "aisec_jobs.definitions"
# What a forked step still imported before its first line: the instance's storage (SQLAlchemy,
# Alembic and their migrations), the compute-log manager, the secrets loader, upath/fsspec. It
# was ~1.7 s of each step's ~2.4 s of start-up; the warehouse pool runs the main job's 40 steps
# one after another, so it was most of the job's wall time (measured side by side on the demo
# with another job on the machine: 129 s -> 62 s). The forkserver imports these once; it
# skips a name that does not import (another Dagster version, no Postgres storage installed),
# so tests/test_cli.py imports every one.
STEP_PRELOAD_MODULES = (
    "dagster._core.instance.factory",
    "dagster._core.instance.runs",
    "dagster._core.storage.root",
    "dagster._core.storage.sqlite_storage",
    "dagster._core.storage.runs.sqlite.sqlite_run_storage",
    "dagster._core.storage.event_log.sqlite.sqlite_event_log",
    "dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log",
    "dagster._core.storage.schedules.sqlite.sqlite_schedule_storage",
    "dagster._core.storage.migration.utils",
    "dagster._core.storage.local_compute_log_manager",
    "dagster._core.secrets.loader",
    "dagster._core.system_config.composite_descent",
    "dagster._core.snap",
    "dagster._core.remote_representation",
    "dagster._core.workspace",
    "dagster._core.scheduler",
    "dagster_postgres",
    "alembic.script",
    "alembic.runtime.migration",
    "psutil",
)


def step_execution(in_process: bool = False) -> dict[str, Any]:
    """The `execution` run config of the program's jobs: every step in the run's own process,
    or each in its own process forked from a forkserver that preloaded the code location."""
    if in_process:
        return {"config": {"in_process": {}}}
    preload = [CODE_LOCATION_MODULE, *STEP_PRELOAD_MODULES]
    return {
        "config": {"multiprocess": {"start_method": {"forkserver": {"preload_modules": preload}}}}
    }


def default_run_config() -> dict[str, Any]:
    """The run config every asset job carries by default (a launch may override any of it)."""
    return {"execution": step_execution()}
