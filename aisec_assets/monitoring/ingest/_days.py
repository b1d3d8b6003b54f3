"""Which day a rejection belongs to, so that reading a file for several days never reports the
same bad line twice.

A rejection is reported on one day only: the day of the nearest record with a valid time before
it in the same file (else the one after it); a file without any gets the date in its path, else
the file's modification day, else the day being read.

Only times `parse_time` accepts (2000..2199, see `_values.EARLIEST_TIME`) ever name a day here:
a record whose timestamp is unusable (an epoch 0, a negative or NaN number) is itself a
rejection and lends no day to its neighbours, so no rejection is filed under a bogus day such
as 1970-01-01 that no run reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from aisec_resources.events import EventRejection

_DATE_IN_PATH = re.compile(r"(?<!\d)(20\d\d)[-_/]?(0[1-9]|1[0-2])[-_/]?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in_path(path: str) -> date | None:
    found = None
    for match in _DATE_IN_PATH.finditer(path):
        found = match
    if found is None:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


@dataclass
class DayBook:
    """The rejections of one file, each assigned to one day (see the module docstring)."""

    day: date
    fallback_day: date | None
    _last_day: date | None = None
    _kept: list[EventRejection] = field(default_factory=list)
    _waiting: list[EventRejection] = field(default_factory=list)

    def saw_time(self, when: datetime) -> None:
        self._last_day = when.date()
        if self._waiting:
            if self._last_day == self.day:
                self._kept.extend(self._waiting)
            self._waiting.clear()

    def reject(self, item: EventRejection, when: datetime | None = None) -> None:
        """Record a rejection; `when` is its own time if the bad record has a valid one."""
        owner = when.date() if when is not None else self._last_day
        if owner is None:
            self._waiting.append(item)
        elif owner == self.day:
            self._kept.append(item)

    def finish(self) -> list[EventRejection]:
        # without any day to go by, the day being read: reported (perhaps more than once)
        # rather than on no day at all
        if self._waiting and (self._last_day or self.fallback_day or self.day) == self.day:
            self._kept.extend(self._waiting)
        self._waiting.clear()
        return self._kept


def file_day(path: Path) -> date | None:
    """The date in a file's path, else its modification day (UTC)."""
    found = date_in_path(str(path))
    if found is not None:
        return found
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
    except OSError:
        return None
