"""A snapshot of the code location's graph: asset keys, groups, kinds, dependencies, pools,
partitions, checks, jobs, schedules and sensors. An accidental change of the graph fails here;
an intended one is recorded by rerunning with AISEC_UPDATE_SNAPSHOTS=1 and reviewing the diff
of tests/snapshots/definitions.json.

The loader contract is tested too: importing the module reads and writes nothing; `defs()`
is what builds the graph.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import dagster as dg

from aisec_jobs.definitions import build_definitions
from aisec_resources.config import parse_config

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"
UPDATE_ENV_VAR = "AISEC_UPDATE_SNAPSHOTS"


def graph_snapshot(defs: dg.Definitions) -> dict[str, Any]:
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    snapshot: dict[str, Any] = {"assets": {}, "checks": [], "jobs": {}, "schedules": {}}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        snapshot["assets"][key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
            "kinds": sorted(node.kinds),
            "pools": sorted(node.pools or ()),
            "executable": node.is_executable,
        }
    for check_key in sorted(
        graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name)
    ):
        snapshot["checks"].append(
            {
                "asset": check_key.asset_key.to_user_string(),
                "name": check_key.name,
                "blocking": graph.get_check_spec(check_key).blocking,
            }
        )
    for job in sorted(repo.get_all_jobs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        snapshot["jobs"][job.name] = sorted(
            k.to_user_string() for k in job.asset_layer.executable_asset_keys
        )
    snapshot["schedules"] = {
        s.name: {"job": s.job_name, "cron": s.cron_schedule, "timezone": s.execution_timezone}
        for s in sorted(repo.schedule_defs, key=lambda s: s.name)
    }
    snapshot["sensors"] = {
        s.name: {
            "jobs": sorted(t.job_name for t in s.targets),
            "default_status": s.default_status.value,
        }
        for s in sorted(repo.sensor_defs, key=lambda s: s.name)
    }
    return snapshot


def snapshot_definitions(tmp_path: Path) -> dg.Definitions:
    config = parse_config(
        {
            "organisation": "Snapshot",
            "warehouse": {"path": "w.duckdb"},
            "monitoring": {"start_date": "2026-11-01"},
        },
        tmp_path / "aisec.yaml",
    )
    return build_definitions(config)


def test_definitions_match_the_snapshot(tmp_path: Path) -> None:
    defs = snapshot_definitions(tmp_path)
    dg.Definitions.validate_loadable(defs)
    current = graph_snapshot(defs)
    if os.environ.get(UPDATE_ENV_VAR) == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    recorded = json.loads(SNAPSHOT.read_text())
    assert current == recorded, (
        "the code location's graph changed; if intended, rerun with "
        f"{UPDATE_ENV_VAR}=1 and review the diff of {SNAPSHOT.name}"
    )


def test_importing_the_code_location_has_no_side_effects(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("AISEC_CONFIG", "DAGSTER_HOME")},
        "AISEC_HOME": str(home),
    }
    code = (
        "import importlib, pkgutil, aisec_resources, aisec_assets, aisec_jobs\n"
        "for pkg in (aisec_resources, aisec_assets, aisec_jobs):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # no demo estate generated, no warehouse, no Dagster home: nothing written anywhere
    assert not any(tmp_path.iterdir()), sorted(p.name for p in tmp_path.iterdir())
