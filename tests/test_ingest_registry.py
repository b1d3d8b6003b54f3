"""The log-source registry: one spec per format, and everything that derives from it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import BaseModel

from aisec_assets.monitoring.assets import LLM_EVENTS_DESCRIPTION
from aisec_assets.monitoring.ingest import (
    EVENT_SOURCES,
    LOG_SOURCES,
    configured_log_sources,
    log_source,
    log_source_problems,
)
from aisec_jobs.cli import _monitoring_range
from aisec_jobs.demo_estate import demo_config
from aisec_jobs.sensors.logs import list_log_files, watched_roots
from aisec_resources.config import AisecConfig, parse_config
from aisec_resources.config.base import Strict
from aisec_resources.packaged import sql_text
from aisec_resources.records import SourceUnavailable

DAY = date(2026, 11, 24)


def config_with(tmp_path: Path, logs: dict) -> AisecConfig:
    data = {
        "organisation": "Acme",
        "warehouse": {"path": "w.duckdb"},
        "monitoring": {"logs": logs},
    }
    return parse_config(data, tmp_path / "aisec.yaml")


def test_each_source_is_registered_once_with_a_complete_spec() -> None:
    keys = [spec.key for spec in LOG_SOURCES]
    assert len(set(keys)) == len(keys)
    assert len(set(EVENT_SOURCES)) == len(EVENT_SOURCES) == len(LOG_SOURCES)
    for spec in LOG_SOURCES:
        assert issubclass(spec.model, Strict) and issubclass(spec.model, BaseModel)
        assert spec.model.model_config.get("extra") == "forbid"
        assert spec.description and spec.config_key == f"monitoring.logs.{spec.key}"
        assert callable(spec.read) and callable(spec.local_files) and callable(spec.preflight)
        assert log_source(spec.key) is spec
        assert f"`{spec.key}`" in LLM_EVENTS_DESCRIPTION
    with pytest.raises(KeyError, match="known"):
        log_source("cloudtrail")


def test_every_registered_source_is_in_the_demo_configuration(tmp_path: Path) -> None:
    logs = demo_config(DAY)["monitoring"]["logs"]
    assert sorted(logs) == sorted(spec.key for spec in LOG_SOURCES)
    configured = configured_log_sources(config_with(tmp_path, logs))
    assert [c.spec for c in configured] == list(LOG_SOURCES)


def test_every_event_source_is_documented_in_the_schema() -> None:
    schema = sql_text("schema/monitoring")
    (comment,) = [
        line for line in schema.splitlines() if "COLUMN monitoring.llm_events.source IS" in line
    ]
    for source in EVENT_SOURCES:
        assert source in comment


def test_nothing_configured_means_no_sources_and_no_monitoring_run(tmp_path: Path) -> None:
    config = config_with(tmp_path, {})
    assert configured_log_sources(config) == []
    assert watched_roots(config) == []
    assert _monitoring_range(config, DAY) is None
    config = config_with(tmp_path, {"otel": {"path": "otel"}})
    assert _monitoring_range(config, DAY) == (DAY, DAY)


def test_the_sensor_watches_local_paths_only(tmp_path: Path) -> None:
    (tmp_path / "litellm").mkdir()
    (tmp_path / "litellm" / "LiteLLM_SpendLogs-2026-11-24.jsonl").write_text("{}\n")
    (tmp_path / "apim.jsonl").write_text("")
    config = config_with(
        tmp_path,
        {
            "bedrock": {"s3_uri": "s3://bucket/logs"},
            "litellm": {"path": "litellm", "postgres_url_env": "NOT_WATCHED"},
            "azure_apim": {"path": "apim.jsonl"},
        },
    )
    roots = watched_roots(config)
    assert roots == [(tmp_path / "litellm").resolve(), (tmp_path / "apim.jsonl").resolve()]
    files = list_log_files(roots)
    assert {Path(p).name for p in files} == {"LiteLLM_SpendLogs-2026-11-24.jsonl", "apim.jsonl"}
    day_file = (tmp_path / "litellm" / "LiteLLM_SpendLogs-2026-11-24.jsonl").resolve()
    assert files[str(day_file)][2] == "2026-11-24"


def test_preflight_reports_what_would_fail_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AISEC_TEST_LITELLM_DB", raising=False)
    (tmp_path / "otel").mkdir()
    (tmp_path / "bedrock-file").write_text("")
    config = config_with(
        tmp_path,
        {
            "bedrock": {"path": "bedrock-file"},
            "litellm": {"path": "missing", "postgres_url_env": "AISEC_TEST_LITELLM_DB"},
            "otel": {"path": "otel"},
            "azure_apim": {"path": "apim"},
        },
    )
    tmp_path = tmp_path.resolve()
    file = tmp_path / "aisec.yaml"
    assert log_source_problems(config) == [
        f"{file}: monitoring.logs.bedrock.path: {tmp_path / 'bedrock-file'} is not a directory",
        f"{file}: monitoring.logs.litellm.path: {tmp_path / 'missing'} does not exist",
        f"{file}: monitoring.logs.litellm.postgres_url_env: the environment variable "
        "AISEC_TEST_LITELLM_DB is not set",
        f"{file}: monitoring.logs.azure_apim.path: {tmp_path / 'apim'} does not exist",
    ]
    monkeypatch.setenv("AISEC_TEST_LITELLM_DB", "postgresql://localhost/none")
    (tmp_path / "missing").mkdir()
    (tmp_path / "apim").mkdir()
    assert len(log_source_problems(config)) == 1  # the bedrock file


def test_a_configured_source_reads_through_its_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "litellm").mkdir()
    (tmp_path / "otel").mkdir()
    config = config_with(tmp_path, {"litellm": {"path": "litellm"}, "otel": {"path": "otel"}})
    for configured in configured_log_sources(config):
        result = configured.read(DAY)
        assert result.events == [] and result.rejections == []
    monkeypatch.delenv("AISEC_TEST_LITELLM_DB", raising=False)
    config = config_with(tmp_path, {"litellm": {"postgres_url_env": "AISEC_TEST_LITELLM_DB"}})
    (litellm,) = configured_log_sources(config)
    with pytest.raises(SourceUnavailable, match="AISEC_TEST_LITELLM_DB, which is not set"):
        litellm.read(DAY)
