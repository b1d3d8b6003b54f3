"""The discovery benchmark at its smallest scale: its own checks must hold (not its speed).

`python -m benchmarks.bench_discovery` (its `main()`, run as the one command it is, from the
repository root: benchmarks/ is not an installed package) starts moto and the discovery front
as processes of their own, plants 2 accounts x 2 regions x 5 Bedrock resources, collects them
with one worker and with a pool of 4, and checks that both bundles give the same records and
that the front never saw a request twice. Exit code 2 (speed target missed) is allowed here.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "111122223333"
MODEL_KEY = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/ft-0"


def test_smallest_benchmark_run_collects_identical_records_without_repeats(
    tmp_path: Path,
) -> None:
    out = tmp_path / "bench_discovery.json"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks.bench_discovery"),
            *("--accounts", "2", "--regions", "2", "--resources", "5"),
            *("--latency-ms", "0", "--workers", "4", "--out", str(out)),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = done.stdout + done.stderr
    assert done.returncode in (0, 2), printed  # 1 = a check failed
    result = json.loads(out.read_text())
    assert result["checks_passed"] and result["failures"] == []
    assert "checks (every account ok" in printed and "passed" in printed

    estate = result["estate"]
    assert len(estate["accounts"]) == 2
    assert estate["planted"] == {"custom_models": 8, "agents": 8, "knowledge_bases": 4}
    [block] = result["latencies"]
    sequential, pool = block["runs"]
    assert (sequential["workers"], pool["workers"]) == (1, 4)
    for run in (sequential, pool):
        assert run["repeated_requests"] == 0
        assert run["errors"] == {}
        # Every planted resource was read: its detail call and its tags, once each.
        ops = run["by_operation"]
        assert ops["bedrock:GetCustomModel"] == 8
        assert ops["bedrock-agent:GetAgent"] == 8
        assert ops["bedrock-agent:GetKnowledgeBase"] == 4
        tags = ops["bedrock:ListTagsForResource"] + ops["bedrock-agent:ListTagsForResource"]
        assert tags == 20
        assert ops["sts:AssumeRole"] == 2 and ops["organizations:ListAccounts"] == 1
        # calls = requests less AssumeRole and ListAccounts (no follow-up pages here).
        assert run["calls"] == run["front_requests"] - 3
    assert sequential["calls"] == pool["calls"] and sequential["records"] == pool["records"]
    assert sequential["records"] >= 20


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(REPO_ROOT))
    return importlib.import_module("benchmarks.bench_discovery")


def _request(operation: str, path: str, body: str = "", service: str = "bedrock") -> list[Any]:
    return [ACCOUNT, "us-east-1", service, operation, "GET", path, body, 200]


def _run(bench: ModuleType, log: list[list[Any]], calls: int, name: str) -> dict[str, Any]:
    return {
        "workers": 4,
        "not_ok": [],
        "problems": [],
        "front": bench.request_stats(log),
        "calls": calls,
        "rows": {MODEL_KEY: {"asset_type": "fine_tuned_model", "name": name}},
    }


def test_the_checks_catch_a_repeated_request_and_a_differing_record(bench: ModuleType) -> None:
    planted = {
        "accounts": [ACCOUNT],
        "regions": 1,
        "per_region": {"custom_models": 1, "agents": 0, "knowledge_bases": 0},
    }
    log = [
        _request("AssumeRole", "/", "Action=AssumeRole", service="sts"),
        _request("ListCustomModels", "/custom-models"),
        _request("GetCustomModel", "/custom-models/ft-0"),
    ]
    reference = _run(bench, log, 2, "ft-0")
    assert bench.check_run(reference, reference, planted) == []
    assert bench.check_run(_run(bench, log, 2, "ft-0"), reference, planted) == []

    repeated = _run(bench, [*log, log[-1]], 3, "ft-0")
    assert repeated["front"]["repeated"] == [{"request": log[-1][:6], "times": 2}]
    [failure] = bench.check_run(repeated, reference, planted)
    assert "1 request(s) made more than once" in failure

    paged = [*log, _request("ListCustomModels", "/custom-models?nextToken=2")]
    assert bench.check_run(_run(bench, paged, 2, "ft-0"), reference, planted) == []
    [miscounted] = bench.check_run(_run(bench, log, 5, "ft-0"), reference, planted)
    assert "the reader counted 5 calls, the front saw 2" in miscounted

    [differs] = bench.check_run(_run(bench, log, 2, "ft-0 renamed"), reference, planted)
    assert f"1 record(s) differ from the sequential run's, e.g. ['{MODEL_KEY}']" in differs
    missing = {**planted, "per_region": {"custom_models": 2, "agents": 0, "knowledge_bases": 0}}
    [short] = bench.check_run(reference, reference, missing)
    assert "planted {'custom_models': 2" in short
