"""Schedule and sensor evaluation against a real Dagster instance."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml

from aisec_assets.discovery.sources.huggingface import SPEC as HUGGINGFACE
from aisec_jobs.schedules import build_nightly_rescoring
from aisec_jobs.sensors import (
    build_critical_detection_sensor,
    build_new_model_sensor,
    list_model_directories,
)
from aisec_jobs.sensors.critical import incident_run_tags
from aisec_resources.clock import AS_OF_TAG, NOW_TAG
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


# ------------------------------------------------------------------ critical detections


def materialize_detections(
    instance: dg.DagsterInstance, by_day: dict[str, dict[str, int]], tags: dict[str, str]
) -> dg.ExecuteInProcessResult:
    """A real run materializing `detections` with the metadata the monitoring asset writes."""

    @dg.asset(name="detections")
    def detections() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"by_day_and_severity": dg.MetadataValue.json(by_day)})

    result = dg.materialize([detections], instance=instance, tags=tags)
    assert result.success
    return result


def latest_detections_event(instance: dg.DagsterInstance) -> dg.EventLogEntry:
    event = instance.get_latest_materialization_event(dg.AssetKey("detections"))
    assert event is not None
    return event


def test_critical_hits_start_the_incident_job_on_the_detections_runs_clock(
    tmp_path: Path,
) -> None:
    sensor = build_critical_detection_sensor(make_config(tmp_path))
    assert sensor.job_name == "incident_job"
    by_day = {
        "2026-11-24": {"critical": 2, "high": 5},
        "2026-11-26": {"critical": 1},
        "2026-11-27": {"high": 3},
    }
    clock = {AS_OF_TAG: "2026-11-28", NOW_TAG: "2026-11-28T05:00:00"}  # as `aisec run` tags
    with dg.instance_for_test() as instance:
        run = materialize_detections(instance, by_day, {**clock, "team": "soc"})
        event = latest_detections_event(instance)
        data = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        (request,) = data.run_requests or []
        # the same materialization, read again (no cursor), asks for the same run
        again = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
    assert request.job_name is None  # the sensor's own job: incident_job
    assert request.run_key == f"incidents-{run.run_id}-{event.timestamp}"
    assert [r.run_key for r in again.run_requests or []] == [request.run_key]
    assert {k: v for k, v in request.tags.items() if not k.startswith("dagster/")} == {
        AS_OF_TAG: "2026-11-28",
        NOW_TAG: "2026-11-28T05:00:00",
        "aisec/trigger": "critical_detections",
        "aisec/critical_days": "2026-11-24,2026-11-26",
        "aisec/detections_run": run.run_id,
    }
    assert not request.run_config  # the incidents asset takes its day from the tags


def test_a_sensor_started_partition_run_opens_incidents_as_of_its_latest_critical_day(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    sensor = build_critical_detection_sensor(make_config(tmp_path))
    by_day = {"2026-11-10": {"critical": 1}, "2026-11-24": {"critical": 4, "low": 1}}
    with dg.instance_for_test() as instance:
        # a partition run started by new_llm_logs_sensor carries no aisec/as_of
        run = materialize_detections(instance, by_day, {"aisec/trigger": "new_llm_logs"})
        capfd.readouterr()
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        said = capfd.readouterr().err
        (request,) = first.run_requests or []
        # after the tick (its cursor), the same materialization starts nothing more
        second = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=first.cursor)
        )
    assert request.tags[AS_OF_TAG] == "2026-11-24"
    assert NOW_TAG not in request.tags  # the incidents run reads its own clock for that day
    assert request.tags["aisec/critical_days"] == "2026-11-10,2026-11-24"
    assert request.tags["aisec/detections_run"] == run.run_id
    assert not second.run_requests
    # 2026-11-10 is past the incident lookback (7 days before 2026-11-24): said, not hidden
    assert "critical detections on 2026-11-10 are older than the incident lookback" in said


def test_no_critical_hits_skip(tmp_path: Path) -> None:
    sensor = build_critical_detection_sensor(make_config(tmp_path))
    with dg.instance_for_test() as instance:
        materialize_detections(
            instance, {"2026-11-24": {"high": 7, "critical": 0}}, {AS_OF_TAG: "2026-11-24"}
        )
        tick = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
    assert not tick.run_requests
    assert tick.skip_message == "no critical detections in the latest materialization"


def test_the_incidents_day_is_never_before_the_latest_critical_day() -> None:
    days = ["2026-11-24", "2026-11-30"]
    # a detections run tagged with an earlier day than its critical hits: the hits' day wins
    assert incident_run_tags(days, {AS_OF_TAG: "2026-11-28", NOW_TAG: "x"}) == {
        AS_OF_TAG: "2026-11-30"
    }
    assert incident_run_tags(days, {AS_OF_TAG: "not a day"}) == {AS_OF_TAG: "2026-11-30"}
    assert incident_run_tags(days, {AS_OF_TAG: "2026-12-01"}) == {AS_OF_TAG: "2026-12-01"}
