"""The program's settings as a Dagster resource: the validated `aisec.yaml` and the run's day."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import ConfigurableResource

from aisec_resources.config import AisecConfig, ConfigError, load_config_file


@cache
def _load(path: str) -> AisecConfig:
    return load_config_file(Path(path))


class AisecSettings(ConfigurableResource):
    """`config_path`: the aisec.yaml in force. `as_of`: the day a run assesses (ISO date);
    empty means today in the configured timezone. Schedules set it to their tick's day."""

    config_path: str
    as_of: str = ""

    def config(self) -> AisecConfig:
        return _load(self.config_path)

    def assessed_date(self) -> date:
        if self.as_of:
            try:
                return date.fromisoformat(self.as_of)
            except ValueError:
                raise ConfigError(
                    f"resources.settings.config.as_of: {self.as_of!r} is not an ISO date "
                    "(YYYY-MM-DD)"
                ) from None
        return datetime.now(ZoneInfo(self.config().timezone)).date()
