"""What one LLM log source declares to the program: `LogSourceSpec`.

Each parser module (`bedrock`, `litellm`, `otel`, `apim`) exports a `SPEC`; the registry
(`ingest.registry.LOG_SOURCES`) lists them. Everything else derives from the registry: the names
allowed under `monitoring.logs` in aisec.yaml and their validation, the `llm_events` asset, the
new-logs sensor, `aisec validate` and `aisec run`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar

from aisec_resources.config.base import Strict, parse_section
from aisec_resources.events import IngestResult

Section = TypeVar("Section", bound=Strict)


class FileLogSource(Strict):
    """A log source read from local export files: `path` is a file or a directory searched
    recursively."""

    path: Path


def missing_path(field: str, path: Path | None, *, directory: bool = False) -> list[str]:
    """A preflight problem when a configured local path is not there (or not a directory)."""
    if path is None:
        return []
    if not path.exists():
        return [f"{field}: {path} does not exist"]
    if directory and not path.is_dir():
        return [f"{field}: {path} is not a directory"]
    return []


@dataclass(frozen=True)
class LogSourceSpec(Generic[Section]):
    """One log format, registered once.

    `key` names its section under `monitoring.logs` in aisec.yaml, validated by `model` (a
    strict pydantic model: unknown keys are errors, relative paths resolve against the file).
    `read(section, day)` returns the events of one UTC day (raising `SourceUnavailable` when
    the source as a whole cannot be read). `local_files(section)` lists the local files or
    directories the new-logs sensor watches (S3 and databases are not watched).
    `preflight(section)` lists problems `aisec validate` reports without reading anything
    (`field: what is wrong`): a path that does not exist, an environment variable not set.
    """

    key: str
    model: type[Section]
    source: str  # the `source` value of its events in monitoring.llm_events
    description: str
    read: Callable[[Section, date], IngestResult]
    local_files: Callable[[Section], list[Path]]
    preflight: Callable[[Section], list[str]]

    @property
    def config_key(self) -> str:
        return f"monitoring.logs.{self.key}"

    def parse(self, raw: Any, *, file: Path) -> Section:
        """The section validated; a `ConfigError` reads `file: monitoring.logs.<key>.x: why`."""
        return parse_section(self.model, raw, file=file, key=self.config_key)


def file_log_source(
    *, key: str, source: str, description: str, read: Callable[[Path, date], IngestResult]
) -> LogSourceSpec[FileLogSource]:
    """The spec of a source read from local export files only (`FileLogSource`): the sensor
    watches its `path`, `aisec validate` checks that the path exists."""
    return LogSourceSpec(
        key=key,
        model=FileLogSource,
        source=source,
        description=description,
        read=lambda section, day: read(section.path, day),
        local_files=lambda section: [section.path],
        preflight=lambda section: missing_path("path", section.path),
    )
