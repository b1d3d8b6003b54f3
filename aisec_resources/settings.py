"""The program's settings as a Dagster resource: the validated `aisec.yaml` and the run's day."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from aisec_resources.config import AisecConfig, ConfigError, load_config_file

# The day a run assesses is a run tag, so schedules, the CLI and the UI launchpad can all set it
# without restating the resource's configuration.
AS_OF_TAG = "aisec/as_of"


@cache
def _load(path: str) -> AisecConfig:
    return load_config_file(Path(path))


def parse_as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"run tag {AS_OF_TAG}: {value!r} is not an ISO date (YYYY-MM-DD)"
        ) from None


class AisecSettings(ConfigurableResource):
    """`config_path`: the aisec.yaml in force. The day a run assesses comes from the run tag
    `aisec/as_of` (ISO date); without it, today in the configured timezone."""

    config_path: str
    _as_of: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.dagster_run
        self._as_of = run.tags.get(AS_OF_TAG) if run is not None else None

    def config(self) -> AisecConfig:
        return _load(self.config_path)

    def assessed_date(self) -> date:
        if self._as_of:
            return parse_as_of(self._as_of)
        return datetime.now(ZoneInfo(self.config().timezone)).date()
