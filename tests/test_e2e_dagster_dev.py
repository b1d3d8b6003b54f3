"""End to end: `dagster dev` on a free port, the main job launched through the GraphQL client."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
import requests
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from aisec_jobs.demo_estate import generate_demo_estate
from aisec_resources.clock import AS_OF_TAG

REPO = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 28)
DAGSTER = Path(sys.executable).with_name("dagster")
ASSET_NODES = """
query { assetNodes { assetKey { path } groupName description kinds owners {
  ... on TeamAssetOwner { team } ... on UserAssetOwner { email } } } }
"""


def without_libfaketime(env: dict[str, str]) -> dict[str, str]:
    """The environment for the `dagster dev` processes under the future-clock run.

    libfaketime 0.9.10 (LD_PRELOAD) does not intercept `sem_clockwait`, which Python 3.11 uses
    for every timed wait (`threading.Event.wait`, `Lock.acquire(timeout=)`): under it the
    Dagster daemon's loops never wake and a queued run stays QUEUED forever. (Shifting the clock
    at the Python level instead, with time-machine, breaks the gRPC heartbeats between the
    webserver and the code server.) So these processes keep the real clock; the job is pinned
    to its day by the `aisec/as_of` tag, and this test's own code, like every other test,
    runs with the clock moved. Outside that run this changes nothing.
    """
    return {k: v for k, v in env.items() if k not in ("LD_PRELOAD", "FAKETIME")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(port: int, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dagster dev exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"dagster dev did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.mark.e2e
def test_main_job_through_dagster_dev_and_graphql(tmp_path: Path) -> None:
    home = tmp_path / "aisec-home"
    config = generate_demo_estate(home / "demo", as_of=AS_OF)
    dagster_home = tmp_path / "dagster-home"
    dagster_home.mkdir()
    shutil.copyfile(REPO / "deploy" / "local" / "dagster.yaml", dagster_home / "dagster.yaml")
    env = without_libfaketime(
        {**os.environ, "AISEC_CONFIG": str(config), "DAGSTER_HOME": str(dagster_home)}
    )
    port = free_port()
    log = tmp_path / "dagster-dev.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(DAGSTER), "dev", "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_server(port, proc, log)
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        run_id = None
        for _ in range(60):  # the code location may still be loading
            try:
                run_id = client.submit_job_execution(
                    "aisec_main_job",
                    repository_location_name="aisec",
                    repository_name="__repository__",
                    tags={AS_OF_TAG: AS_OF.isoformat()},
                )
                break
            except DagsterGraphQLClientError:
                time.sleep(2)
        assert run_id, log.read_text()[-4000:]
        status = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = client.get_run_status(run_id).value
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                break
            time.sleep(2)
        assert status == "SUCCESS", log.read_text()[-6000:]

        nodes = client._execute(ASSET_NODES)["assetNodes"]
        by_name = {"/".join(n["assetKey"]["path"]): n for n in nodes}
        assert by_name["risk_scores"]["groupName"] == "risk"
        assert by_name["ai_assets"]["groupName"] == "inventory"
        assert by_name["aws_bedrock_extract"]["groupName"] == "discovery"
        assert all(n["description"] and n["kinds"] and n["owners"] for n in nodes)

        warehouse = home / "warehouse" / "aisec.duckdb"
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            (assets,) = conn.execute("SELECT count(*) FROM inventory.ai_assets").fetchone()
            (scored,) = conn.execute("SELECT count(*) FROM risk.risk_scores").fetchone()
        assert assets >= 60 and scored == assets
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
