"""The run's clock: one seam for time, and no other reading of the wall clock in the program."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from aisec_resources.clock import AS_OF_TAG, NOW_TAG, ClockError, RunClock, today_in

REPO = Path(__file__).resolve().parents[1]
PRODUCT_PACKAGES = ("aisec_resources", "aisec_assets", "aisec_jobs")
# Calls that read the system clock for a date or an instant (durations via time.monotonic /
# perf_counter are not a date and stay allowed).
WALL_CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "localtime"),
    ("time", "gmtime"),
}
SQL_CLOCK_WORDS = ("current_date", "current_timestamp", "now()", "today()", "get_current_time")


def fixed(instant: str):
    value = datetime.fromisoformat(instant)
    return lambda: value


def test_as_of_day_in_the_past_stamps_the_end_of_that_day() -> None:
    clock = RunClock.from_tags(
        {AS_OF_TAG: "2026-11-28"}, "Europe/Amsterdam", wall=fixed("2027-12-01T10:00:00+00:00")
    )
    assert clock.as_of == date(2026, 11, 28)
    # 23:59:59.999999 in Amsterdam (UTC+1 in November) as naive UTC
    assert clock.now == datetime(2026, 11, 28, 22, 59, 59, 999999)


def test_rerun_of_a_past_day_gets_the_same_clock_whatever_today_is() -> None:
    tags = {AS_OF_TAG: "2026-11-28"}
    first = RunClock.from_tags(tags, "UTC", wall=fixed("2026-12-05T09:00:00+00:00"))
    later = RunClock.from_tags(tags, "UTC", wall=fixed("2028-01-10T17:30:00+00:00"))
    assert first == later


def test_run_of_today_stamps_the_wall_clock() -> None:
    clock = RunClock.from_tags(
        {AS_OF_TAG: "2026-12-05"}, "UTC", wall=fixed("2026-12-05T09:15:00+00:00")
    )
    assert clock.now == datetime(2026, 12, 5, 9, 15)


def test_without_tags_the_day_is_today_in_the_organisations_timezone() -> None:
    wall = fixed("2026-12-05T23:30:00+00:00")  # already the 6th in Amsterdam
    assert RunClock.from_tags({}, "Europe/Amsterdam", wall=wall).as_of == date(2026, 12, 6)
    assert RunClock.from_tags({}, "UTC", wall=wall).as_of == date(2026, 12, 5)
    assert today_in("Europe/Amsterdam", wall) == date(2026, 12, 6)


def test_now_tag_fixes_the_instant_and_tags_round_trip() -> None:
    clock = RunClock.from_tags({AS_OF_TAG: "2026-11-28", NOW_TAG: "2026-11-28T05:00:00+01:00"})
    assert clock.now == datetime(2026, 11, 28, 4, 0)
    assert RunClock.from_tags(clock.tags()) == clock


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({AS_OF_TAG: "28-11-2026"}, "run tag aisec/as_of: '28-11-2026' is not an ISO date"),
        ({AS_OF_TAG: "2026-11-28", NOW_TAG: "soon"}, "run tag aisec/now: 'soon' is not an ISO"),
    ],
)
def test_bad_tags_are_clear_errors(tags: dict[str, str], message: str) -> None:
    with pytest.raises(ClockError, match=message):
        RunClock.from_tags(tags, wall=lambda: datetime.now(UTC))


def _product_files(suffix: str) -> list[Path]:
    return sorted(p for pkg in (*PRODUCT_PACKAGES, "sql") for p in (REPO / pkg).rglob(f"*{suffix}"))


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = []
    for path in _product_files(".py"):
        if path == REPO / "aisec_resources" / "clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) in WALL_CLOCK_CALLS
            ):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, f"wall clock read outside aisec_resources/clock.py: {offenders}"


def test_no_sql_reads_the_database_clock() -> None:
    offenders = [
        f"{path.relative_to(REPO)}: {word}"
        for path in _product_files(".sql")
        for word in SQL_CLOCK_WORDS
        if word in path.read_text(encoding="utf-8").lower()
    ]
    assert not offenders, f"SQL must take its clock from variables: {offenders}"
