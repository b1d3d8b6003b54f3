"""The run's clock: the one place the program reads the wall clock.

A run assesses one day, the run tag `aisec/as_of` (schedules, the CLI and the Launchpad set
it). Timestamps it writes (`last_seen`, `scored_at`, `ingested_at`, ...) come from the same
clock, so a rerun of a past day writes the same rows and tests pin time through this seam:

* `aisec/now` (an ISO timestamp, UTC) fixes the run's instant outright;
* else, when the wall clock is inside the as-of day (in the organisation's timezone), it is
  the wall clock;
* else it is the last instant of the as-of day: a rerun of a past day (or a day ahead, in a
  test) stamps its rows as of the end of that day, whatever today is.

Without an as-of tag the day is today in the organisation's timezone. Nothing else in the
program calls `datetime.now()` or `date.today()`; a test enforces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AS_OF_TAG = "aisec/as_of"
NOW_TAG = "aisec/now"


class ClockError(ValueError):
    """A run tag that does not name a day or an instant."""


def wall_clock() -> datetime:
    """Now, UTC-aware. The only reading of the system clock in the program."""
    return datetime.now(UTC)


def today_in(timezone: str, wall: Callable[[], datetime] = wall_clock) -> date:
    """Today in `timezone` (an IANA name)."""
    return wall().astimezone(ZoneInfo(timezone)).date()


def parse_day(value: str, what: str = f"run tag {AS_OF_TAG}") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ClockError(f"{what}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def parse_instant(value: str, what: str = f"run tag {NOW_TAG}") -> datetime:
    """An ISO timestamp as naive UTC (an offset is honoured, a naive value is taken as UTC)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(f"{what}: {value!r} is not an ISO timestamp") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


@dataclass(frozen=True)
class RunClock:
    """The day a run assesses and the instant it stamps on what it writes (naive UTC, as the
    warehouse stores timestamps)."""

    as_of: date
    now: datetime

    @classmethod
    def for_day(
        cls, as_of: date, timezone: str = "UTC", wall: Callable[[], datetime] = wall_clock
    ) -> RunClock:
        tz = ZoneInfo(timezone)
        current = wall()
        if current.astimezone(tz).date() == as_of:
            instant = current
        else:
            instant = datetime.combine(as_of + timedelta(days=1), time(), tz) - timedelta(
                microseconds=1
            )
        return cls(as_of, instant.astimezone(UTC).replace(tzinfo=None))

    @classmethod
    def from_tags(
        cls,
        tags: Mapping[str, str],
        timezone: str = "UTC",
        wall: Callable[[], datetime] = wall_clock,
    ) -> RunClock:
        """The clock of a run with these tags (see the module docstring)."""
        raw_day = tags.get(AS_OF_TAG)
        as_of = parse_day(raw_day) if raw_day else today_in(timezone, wall)
        raw_now = tags.get(NOW_TAG)
        if raw_now:
            return cls(as_of, parse_instant(raw_now))
        return cls.for_day(as_of, timezone, wall)

    def tags(self) -> dict[str, str]:
        """Run tags that reproduce this clock exactly."""
        return {AS_OF_TAG: self.as_of.isoformat(), NOW_TAG: self.now.isoformat()}
