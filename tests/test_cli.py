"""The `aisec` command: configuration errors fail fast; `run` prints the program summary."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from aisec_jobs.definitions import (
    collection_job_def,
    incident_job_def,
    main_job_def,
    metrics_job_def,
    monitoring_job_def,
    program_definitions,
)
from aisec_jobs.demo_estate import generate_demo_estate
from aisec_jobs.execution import CODE_LOCATION_MODULE, STEP_PRELOAD_MODULES, step_execution
from aisec_jobs.incident_ops import incident_state_job

AISEC = Path(sys.executable).with_name("aisec")


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(AISEC), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("AISEC_CONFIG", "DAGSTER_HOME")}
    return {**clean, "AISEC_HOME": str(tmp_path / "home")}


def test_invalid_config_fails_fast_naming_file_and_key(tmp_path: Path, env: dict) -> None:
    bad = tmp_path / "aisec.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "organisation": "Acme",
                "warehouse": {"path": "w.duckdb"},
                "risk": {"weights": {"data_sensitivity": 0.5, "supply_chain": 0.2}},
            }
        )
    )
    for command in (["validate"], ["run"]):
        done = run([*command, "--config", str(bad)], env)
        assert done.returncode == 2, done.stderr
        assert f"{bad}: risk.weights: missing weight for dimension(s)" in done.stderr
        assert not (tmp_path / "w.duckdb").exists()


def test_validate_checks_what_the_run_will_check(tmp_path: Path, env: dict) -> None:
    registry = tmp_path / "registry.yaml"
    registry.write_text(
        yaml.safe_dump(
            {
                "assets": [
                    {"name": "fraud-scorer", "asset_type": "fine_tuned_model"},
                    {"name": "chat-api", "asset_type": "api_endpoint", "deployment_env": "prod"},
                ]
            }
        )
    )
    config = tmp_path / "aisec.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "organisation": "Acme",
                "warehouse": {"path": "w.duckdb"},
                "sources": {
                    "declared_registry": {"path": "registry.yaml"},
                    "aws": {"bundle": "no-such-bundle"},
                },
            }
        )
    )
    done = run(["validate", "--config", str(config)], env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the file is valid, but a run would meet 2 problem(s)" in done.stderr
    assert "deployment_env" in done.stderr and "'prod'" in done.stderr
    assert "no-such-bundle" in done.stderr
    assert "valid (Acme)" not in done.stdout
    (tmp_path / "no-such-bundle").mkdir()
    registry.write_text(registry.read_text().replace("prod\n", "production\n"))
    clean = run(["validate", "--config", str(config)], env)
    assert clean.returncode == 0, clean.stderr
    assert "valid (Acme); every source can be read" in clean.stdout


def test_code_location_refuses_an_invalid_config(tmp_path: Path, env: dict) -> None:
    bad = tmp_path / "aisec.yaml"
    bad.write_text("organisation: Acme\nwarehouse: {path: w.duckdb}\ntimezone: Nowhere/City\n")
    env = {**env, "AISEC_CONFIG": str(bad)}
    # Importing the module reads nothing; the loader Dagster calls reads and refuses the file.
    imported = subprocess.run(
        [sys.executable, "-c", "import aisec_jobs.definitions"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    done = subprocess.run(
        [sys.executable, "-c", "from aisec_jobs.definitions import defs; defs()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert f"{bad}: timezone: unknown IANA timezone 'Nowhere/City'" in done.stderr


def test_summary_before_any_run_says_what_to_do(env: dict) -> None:
    done = run(["summary"], env)
    assert done.returncode == 2
    assert "does not exist yet: run `aisec run` first" in done.stderr


def test_run_on_the_demo_prints_the_summary(tmp_path: Path, env: dict) -> None:
    config = generate_demo_estate(tmp_path / "home" / "demo", as_of=date(2026, 11, 28))
    done = run(["run", "--as-of", "2026-11-28", "--in-process", "--config", str(config)], env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for heading in (
        "== aisec program summary for 2026-11-28 ==",
        "Assets by type and environment (active):",
        "Risk by level:",
        "Top 5 residual risks:",
        "Compliance gaps:",
        "Maturity:",
        "Main job wall time:",
    ):
        assert heading in out
    assert "merchant-support-chat-api" in out and "CRITICAL" in out
    assert "Asset Management" in out
    warehouse = tmp_path / "home" / "warehouse" / "aisec.duckdb"
    assert f"Warehouse (open read-only any time): {warehouse}" in out
    again = run(["summary", "--as-of", "2026-11-28", "--config", str(config)], env)
    assert again.returncode == 0 and "Top 5 residual risks:" in again.stdout
    # The demo walks one incident from open to closed, containment as a dry run.
    assert "Open incidents (by severity, nearest regulatory deadline):" in out
    assert "walked from open to closed with containment as a dry run" in out
    dashboard = tmp_path / "home" / "warehouse" / "dashboard" / "program_dashboard.html"
    assert f"Dashboard: {dashboard}" in out and dashboard.is_file()
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        closed = conn.execute(
            "SELECT incident_id, origin, contained_at > triaged_at, closed_at > recovered_at "
            "FROM operations.incidents WHERE state = 'closed'"
        ).fetchall()
        assert [row[1:] for row in closed] == [("detection", True, True)]
        entries = conn.execute(
            "SELECT kind, detail FROM operations.incident_timeline WHERE incident_id = ? "
            "ORDER BY seq",
            [closed[0][0]],
        ).fetchall()
        assert [k for k, _ in entries].count("state") == 5
        assert any(k == "action" and d.startswith("DRY RUN") for k, d in entries)
        assert (
            conn.execute(
                "SELECT count(*) FROM operations.incidents WHERE origin = 'detection'"
            ).fetchall()[0][0]
            > 1
        )


def test_step_execution_is_run_config_every_job_it_runs_accepts() -> None:
    """`aisec run` forks each step from a forkserver that preloaded the code location and what
    a step imports before its first line (or runs every step in process): config every job the
    command runs accepts, naming modules that exist (the forkserver would fail at the first
    step without the code location, and silently skips a preload name that does not import)."""
    forked = step_execution()["config"]["multiprocess"]["start_method"]["forkserver"]
    assert forked["preload_modules"] == [CODE_LOCATION_MODULE, *STEP_PRELOAD_MODULES]
    for module in forked["preload_modules"]:
        importlib.import_module(module)
    jobs = [main_job_def(), monitoring_job_def(), incident_job_def(), metrics_job_def()]
    jobs += [collection_job_def(name) for name in ("aws", "azure")]
    for job in jobs:
        for in_process in (False, True):
            dg.validate_run_config(job, {"execution": step_execution(in_process)})


def test_every_asset_job_forks_its_steps_by_default() -> None:
    """Runs the UI, schedules and sensors launch carry no execution config: every asset job's
    default (a partitioned job's config for each partition) is the forkserver `aisec run` uses
    (Dagster's own default spawns each step)."""
    defs = program_definitions()
    asset_jobs = [
        job
        for job in defs.resolve_all_job_defs()
        if job.name != incident_state_job.name and not job.name.startswith("__")  # op job, implicit
    ]
    names = {job.name for job in asset_jobs}
    assert {"aisec_main_job", "monitoring_job", "aws_collection_job"} <= names
    for job in asset_jobs:
        if job.partitioned_config is not None:
            config = job.partitioned_config.get_run_config_for_partition_key("2026-12-01")
            assert config["execution"] == step_execution(), job.name
            config = dg.validate_run_config(job, config)
        else:
            config = dg.validate_run_config(job, {})
        multiprocess = config["execution"]["multi_or_in_process_executor"]["multiprocess"]
        assert (
            multiprocess["start_method"]
            == (step_execution()["config"]["multiprocess"]["start_method"])
        ), job.name
