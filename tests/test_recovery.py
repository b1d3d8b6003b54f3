"""A run killed with SIGKILL in the middle of a writer step never blocks the next one: the CLI
finds the dead run (its process gone), marks it failed, frees its slot of the warehouse pool,
and the next run completes with every table equal to a clean run's."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from aisec_jobs.demo_estate import generate_demo_estate
from aisec_jobs.recovery import PID_TAG, find_reclaimable, process_alive

AISEC = Path(sys.executable).with_name("aisec")
AS_OF = date(2026, 11, 28)
TABLES = (
    "discovery.discovered_assets",
    "discovery.rejected_records",
    "inventory.ai_assets",
    "inventory.asset_dependencies",
    "risk.risk_scores",
    "compliance.compliance_gaps",
    "metrics.program_kpis",
    "metrics.maturity_scores",
)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("estate") / "demo"
    generate_demo_estate(root, AS_OF)
    return root


def home_with_estate(base: Path, estate: Path) -> tuple[Path, dict[str, str]]:
    home = base / "aisec-home"
    shutil.copytree(estate, home / "demo")
    env = {k: v for k, v in os.environ.items() if k not in ("AISEC_CONFIG", "DAGSTER_HOME")}
    env["AISEC_HOME"] = str(home)
    return home, env


def aisec_run(env: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(AISEC), "run", "--as-of", AS_OF.isoformat(), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # a run blocked by a dead one waits forever: fail instead
        check=False,
    )


def tables(home: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(home / "warehouse" / "aisec.duckdb"), read_only=True) as conn:
        return {
            table: conn.execute(
                f"SELECT COLUMNS(lambda c: c <> 'run_id') FROM {table} ORDER BY ALL"
            ).fetchall()
            for table in TABLES
        }


def slot_holders(dagster_home: Path) -> set[str]:
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return set(instance.event_log_storage.get_concurrency_run_ids())


def test_a_run_killed_mid_step_never_blocks_the_next(tmp_path: Path, estate: Path) -> None:
    home, env = home_with_estate(tmp_path / "killed", estate)
    dagster_home = home / "dagster_home"
    proc = subprocess.Popen(
        [str(AISEC), "run", "--as-of", AS_OF.isoformat()],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # Wait until a writer step holds the warehouse pool's slot, then kill everything.
        deadline = time.monotonic() + 240
        held: set[str] = set()
        while time.monotonic() < deadline and not held:
            assert proc.poll() is None, "the run ended before it could be killed"
            if (dagster_home / "dagster.yaml").exists() and (dagster_home / "storage").exists():
                held = slot_holders(dagster_home)
            time.sleep(0.5)
        assert held, "no writer step took the warehouse pool slot within 240 s"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    time.sleep(1)  # let the killed step processes go

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        (killed,) = instance.get_run_records(filters=dg.RunsFilter(run_ids=sorted(held)))
        assert killed.dagster_run.status == dg.DagsterRunStatus.STARTED
        assert not process_alive(int(killed.dagster_run.tags[PID_TAG]), None)
        assert [r.run_id for r in find_reclaimable(instance)] == [killed.dagster_run.run_id]

    doctor = subprocess.run(
        [str(AISEC), "doctor", "--dry-run"], env=env, capture_output=True, text=True, check=False
    )
    assert doctor.returncode == 0, doctor.stderr
    assert f"would reclaim run {killed.dagster_run.run_id}" in doctor.stdout
    assert "is gone" in doctor.stdout

    # The next run in one process: it claims the same pool slots a forked one would (Dagster's
    # in-process executor takes the instance's concurrency slots too), so a slot the dead run
    # kept would block it just the same, in half the time.
    rerun = aisec_run(env, "--in-process")
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert f"reclaimed run {killed.dagster_run.run_id}" in rerun.stdout
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_run_by_id(killed.dagster_run.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
        assert not set(instance.event_log_storage.get_concurrency_run_ids())

    # The clean run in the same place (paths of the estate are part of the records), all its
    # steps in one process: the tables do not depend on the executor, and it takes half the time.
    recovered = tables(home)
    shutil.rmtree(home)
    clean_home, clean_env = home_with_estate(tmp_path / "killed", estate)
    clean = aisec_run(clean_env, "--in-process")
    assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-3000:]
    reference = tables(clean_home)
    for table in TABLES:
        assert recovered[table] == reference[table], f"{table} differs from a clean run"
