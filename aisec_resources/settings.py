"""The program's settings as a Dagster resource: the validated `aisec.yaml` and the run's clock."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from aisec_resources.clock import AS_OF_TAG, NOW_TAG, RunClock
from aisec_resources.config import AisecConfig, load_config_file

__all__ = ["AS_OF_TAG", "NOW_TAG", "AisecSettings"]


@cache
def _load(path: str) -> AisecConfig:
    return load_config_file(Path(path))


class AisecSettings(ConfigurableResource):
    """`config_path`: the aisec.yaml in force. The day a run assesses comes from the run tag
    `aisec/as_of` (ISO date; without it, today in the configured timezone) and the instant it
    stamps on rows from `aisec/now` or the as-of day (see `aisec_resources.clock`)."""

    config_path: str
    _tags: dict[str, str] = PrivateAttr(default_factory=dict)
    _clock: RunClock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.dagster_run
        self._tags = dict(run.tags) if run is not None else {}

    def config(self) -> AisecConfig:
        return _load(self.config_path)

    def clock(self) -> RunClock:
        """The run's clock, read once per step so every row of the step agrees."""
        if self._clock is None:
            self._clock = RunClock.from_tags(self._tags, self.config().timezone)
        return self._clock

    def assessed_date(self) -> date:
        return self.clock().as_of

    def now(self) -> datetime:
        return self.clock().now
