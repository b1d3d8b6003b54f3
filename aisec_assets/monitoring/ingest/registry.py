"""The LLM log sources the program knows: one line per source.

Adding a log format is one module exporting a `LogSourceSpec` (see `spec`) and one line in
`LOG_SOURCES`. The names allowed under `monitoring.logs` in aisec.yaml and their validation, the
`llm_events` asset, the new-logs sensor and `aisec validate` / `aisec run` all derive from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from aisec_assets.monitoring.ingest import apim, bedrock, litellm, otel
from aisec_assets.monitoring.ingest.spec import LogSourceSpec
from aisec_resources.config import AisecConfig
from aisec_resources.config.base import Strict, check_section_names
from aisec_resources.events import IngestResult

LOG_SOURCES: tuple[LogSourceSpec[Any], ...] = (
    bedrock.SPEC,
    litellm.SPEC,
    otel.SPEC,
    apim.SPEC,
)

# The `source` values of monitoring.llm_events, one per registered log source.
EVENT_SOURCES: tuple[str, ...] = tuple(spec.source for spec in LOG_SOURCES)

LOGS_KEY = "monitoring.logs"


def log_source(key: str) -> LogSourceSpec[Any]:
    """The registered source named `key` under `monitoring.logs`."""
    for spec in LOG_SOURCES:
        if spec.key == key:
            return spec
    raise KeyError(f"no log source {key!r}; known: {[s.key for s in LOG_SOURCES]}")


@dataclass(frozen=True)
class ConfiguredLogSource:
    """A registered source with its validated section of aisec.yaml."""

    spec: LogSourceSpec[Any]
    section: Strict

    @property
    def source(self) -> str:
        return self.spec.source

    def read(self, day: date) -> IngestResult:
        return self.spec.read(self.section, day)

    def local_files(self) -> list[Path]:
        return list(self.spec.local_files(self.section))

    def preflight(self) -> list[str]:
        return [f"{self.spec.config_key}.{p}" for p in self.spec.preflight(self.section)]


def _config_file(config: AisecConfig) -> Path:
    return config.config_path or Path("aisec.yaml")


def configured_log_sources(config: AisecConfig) -> list[ConfiguredLogSource]:
    """Every source configured under `monitoring.logs`, validated, in registry order.

    Raises `ConfigError` naming file, key and reason (`aisec.yaml: monitoring.logs.bedrock.
    s3_uri: ...`) for a section its model rejects or a name no source is registered under. A
    section left empty (`otel:` with nothing after it) is not configured.
    """
    raw = config.monitoring.logs
    file = _config_file(config)
    check_section_names(raw, (spec.key for spec in LOG_SOURCES), file=file, key=LOGS_KEY)
    return [
        ConfiguredLogSource(spec, spec.parse(raw[spec.key], file=file))
        for spec in LOG_SOURCES
        if raw.get(spec.key) is not None
    ]


def log_source_problems(config: AisecConfig) -> list[str]:
    """What `aisec validate` reports about the configured log sources without reading them
    (`file: monitoring.logs.<key>.<field>: problem`): paths that do not exist, environment
    variables that are not set."""
    file = _config_file(config)
    return [
        f"{file}: {problem}"
        for configured in configured_log_sources(config)
        for problem in configured.preflight()
    ]
