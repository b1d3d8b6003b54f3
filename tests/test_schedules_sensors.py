"""Schedule and sensor evaluation against a real Dagster instance."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import yaml

from aisec_assets.discovery.sources.huggingface import SPEC as HUGGINGFACE
from aisec_jobs.schedules import build_nightly_rescoring
from aisec_jobs.sensors import build_new_model_sensor, list_model_directories
from aisec_resources.config import AisecConfig, load_config_file


def make_config(tmp_path: Path) -> AisecConfig:
    (tmp_path / "models" / "team-a" / "bert-ft").mkdir(parents=True)
    (tmp_path / "models" / "team-a" / "bert-ft" / "config.json").write_text("{}")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "models--acme--tiny").mkdir()
    path = tmp_path / "aisec.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "organisation": "Acme",
                "timezone": "Europe/Amsterdam",
                "warehouse": {"path": "wh.duckdb"},
                "sources": {
                    "huggingface": {
                        "model_dirs": [{"name": "shared", "path": "models"}],
                        "cache_dirs": [{"name": "build", "path": "cache"}],
                    }
                },
                "schedules": {"rescoring_cron": "0 2 * * *"},
            }
        )
    )
    return load_config_file(path)


def test_nightly_rescoring_runs_at_two_in_the_configured_timezone(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    schedule = build_nightly_rescoring(config)
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Amsterdam"
    assert schedule.job_name == "nightly_rescoring_job"
    tick = datetime(2026, 11, 29, 2, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=tick)
        data = schedule.evaluate_tick(ctx)
    (request,) = data.run_requests or []
    assert request.run_key == "rescoring-2026-11-29"
    assert request.tags["aisec/as_of"] == "2026-11-29"


def test_model_directory_listing(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    loop = tmp_path / "models" / "team-a" / "loop"
    loop.symlink_to(tmp_path / "models", target_is_directory=True)
    section = HUGGINGFACE.section(config)
    assert section is not None
    assert list_model_directories(section) == [
        "build/models--acme--tiny",
        "shared/team-a/bert-ft",
    ]


def test_new_model_sensor_baseline_then_new_directory(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    sensor = build_new_model_sensor(config)
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        assert not first.run_requests
        assert "baseline recorded: 2" in (first.skip_message or "")
        cursor = first.cursor
        # What each watched source listed, by its config key.
        assert json.loads(cursor or "{}") == {
            "huggingface": ["build/models--acme--tiny", "shared/team-a/bert-ft"]
        }

        quiet = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
        assert not quiet.run_requests

        new_dir = tmp_path / "models" / "team-b" / "llama-ft"
        new_dir.mkdir(parents=True)
        (new_dir / "config.json").write_text("{}")
        fired = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
        (request,) = fired.run_requests or []
        assert request.tags["aisec/new_model_dirs"] == "shared/team-b/llama-ft"
        assert sensor.job_name == "discovery_job"
        again = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=fired.cursor)
        )
        assert not again.run_requests


def test_new_model_sensor_skips_without_a_watched_source(tmp_path: Path) -> None:
    path = tmp_path / "aisec.yaml"
    path.write_text(yaml.safe_dump({"organisation": "Acme", "warehouse": {"path": "w.duckdb"}}))
    sensor = build_new_model_sensor(load_config_file(path))
    with dg.instance_for_test() as instance:
        tick = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
    assert not tick.run_requests
    assert "no watched discovery source configured" in (tick.skip_message or "")


def test_new_model_sensor_takes_a_new_baseline_from_an_old_cursor(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    sensor = build_new_model_sensor(config)
    old_cursor = json.dumps(["shared/team-a/bert-ft"])  # the format before the registry
    with dg.instance_for_test() as instance:
        tick = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=old_cursor))
    assert not tick.run_requests
    assert "baseline recorded: 2" in (tick.skip_message or "")
