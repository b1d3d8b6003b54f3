"""Trends and what changed: `program_changes`, the program's changelog day over day.

The run's day is compared with the previous day that has data, per source (not necessarily
yesterday): new and vanished assets (inventory snapshots), risk level moves, new critical
detections, incidents opened and closed, controls gained and lost, maturity moves. The rows
land in `metrics.program_changes` (the day's rows replaced in one transaction; SQL in
`sql/metrics/program_changes.sql`); the asset's metadata carries the counts per change type and
a changelog in Markdown. The functions below need no Dagster: tests call them on a connection.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from aisec_assets.metadata import column_schema, table_metadata
from aisec_resources.redaction import redact_text
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource, memory_limit_at_most, run_sql

OWNERS = ["team:ai-security"]
TABLE = "metrics.program_changes"
CHANGES_SQL = "metrics/program_changes"
MEMORY_LIMIT_BYTES = 1_500_000_000

# change_type -> (one, many): the changelog's words, in the changelog's order.
CHANGE_TYPES: dict[str, tuple[str, str]] = {
    "baseline": ("baseline", "baselines"),
    "asset_new": ("new asset", "new assets"),
    "asset_vanished": ("vanished asset", "vanished assets"),
    "risk_up": ("risk increase", "risk increases"),
    "risk_down": ("risk decrease", "risk decreases"),
    "detection_critical": ("new critical detection", "new critical detections"),
    "incident_opened": ("incident opened", "incidents opened"),
    "incident_closed": ("incident closed", "incidents closed"),
    "control_gained": ("control gained", "controls gained"),
    "control_lost": ("control lost", "controls lost"),
    "maturity_up": ("maturity level up", "maturity levels up"),
    "maturity_down": ("maturity level down", "maturity levels down"),
}
# The sources compared with a previous day (events need none), as the SQL names them.
SOURCES = ("inventory", "risk", "controls", "maturity")

READ_ROWS = """
SELECT * EXCLUDE (assessed_date, run_id)
FROM metrics.program_changes
WHERE assessed_date = ?
ORDER BY change_type,
         abs(coalesce(after_score, 0) - coalesce(before_score, 0)) DESC,
         subject_name, subject_id, related_id
"""
# The first rows of each change type, in changelog order (largest score move first).
SAMPLE_ROWS = """
SELECT * EXCLUDE (assessed_date, run_id, position)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY change_type
        ORDER BY abs(coalesce(after_score, 0) - coalesce(before_score, 0)) DESC,
                 subject_name, subject_id, related_id
    ) AS position
    FROM metrics.program_changes
    WHERE assessed_date = ?
)
WHERE position <= ?
ORDER BY change_type, position
"""
COUNTS = """
SELECT change_type, count(*) FROM metrics.program_changes WHERE assessed_date = ? GROUP BY ALL
"""
# Critical detections grouped by rule and asset, most hits first, with the number of groups.
DETECTION_GROUPS = """
SELECT subject_name, related_name, count(*) AS hits, count(*) OVER () AS groups
FROM metrics.program_changes
WHERE assessed_date = ? AND change_type = 'detection_critical'
GROUP BY ALL
ORDER BY hits DESC, subject_name, related_name NULLS LAST
LIMIT ?
"""
PREVIEW = """
SELECT change_type, subject_name, related_name, before, after, before_score, after_score,
       previous_date, left(detail, 120) AS detail
FROM metrics.program_changes
WHERE assessed_date = ?
ORDER BY change_type, subject_name, related_id
LIMIT 20
"""


@dataclass(frozen=True)
class ProgramChanges:
    """One day's changes, sized for a summary whatever their number: rows per change type
    (`counts`, every type listed, 0 included), the first rows of each type (without
    assessed_date and run_id), critical detections grouped by (rule title, asset name, hits)
    with the number of groups, and per source the day compared with (None: no earlier day)
    and whether it has data on the day."""

    day: date
    counts: dict[str, int]
    rows: list[dict[str, Any]]
    detection_groups: list[tuple[str, str | None, int]]
    detection_group_count: int
    previous: dict[str, date | None]
    has_day: dict[str, bool]

    @property
    def summary(self) -> dict[str, int]:
        return dict(self.counts)


def day_bounds(day: date, timezone: str = "UTC") -> tuple[datetime, datetime]:
    """The day in the organisation's timezone as naive UTC bounds [start, end), the way the
    warehouse stores timestamps."""
    tz = ZoneInfo(timezone)

    def utc(d: date) -> datetime:
        return datetime.combine(d, time(), tz).astimezone(UTC).replace(tzinfo=None)

    return utc(day), utc(day + timedelta(days=1))


def record_program_changes(
    conn: duckdb.DuckDBPyConnection, day: date, *, run_id: str, timezone: str = "UTC"
) -> ProgramChanges:
    """Replace `day`'s rows of metrics.program_changes (one transaction) and summarise them.
    Runs under a bounded DuckDB memory limit: comparing two days of control evidence (tens of
    millions of rows at a million assets) spills to disk rather than taking the machine."""
    start, end = day_bounds(day, timezone)
    with memory_limit_at_most(conn, MEMORY_LIMIT_BYTES):
        run_sql(
            conn,
            CHANGES_SQL,
            {
                "assessed_date": day,
                "day_start": start,
                "day_end": end,
                "timezone": timezone,
                "run_id": run_id,
            },
        )
    sources = conn.execute(
        "SELECT source, has_day, previous_date FROM program_changes_sources"
    ).fetchall()
    conn.execute("DROP TABLE program_changes_sources")
    return load_program_changes(
        conn,
        day,
        previous={source: previous for source, _, previous in sources},
        has_day={source: bool(has) for source, has, _ in sources},
    )


def load_program_changes(
    conn: duckdb.DuckDBPyConnection,
    day: date,
    *,
    per_type: int = 20,
    previous: dict[str, date | None] | None = None,
    has_day: dict[str, bool] | None = None,
) -> ProgramChanges:
    """`day`'s changes as recorded: counts, the first `per_type` rows of each change type and
    the first `per_type` detection groups (never every row: a day can change millions)."""
    counts = dict.fromkeys(CHANGE_TYPES, 0)
    counts.update(dict(conn.execute(COUNTS, [day]).fetchall()))
    cursor = conn.execute(SAMPLE_ROWS, [day, per_type])
    names = [d[0] for d in cursor.description or ()]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    groups = conn.execute(DETECTION_GROUPS, [day, per_type]).fetchall()
    return ProgramChanges(
        day=day,
        counts=counts,
        rows=rows,
        detection_groups=[(rule, asset, hits) for rule, asset, hits, _ in groups],
        detection_group_count=groups[0][3] if groups else 0,
        previous=previous or {},
        has_day=has_day or {},
    )


def read_program_changes(conn: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """Every row of `day` in metrics.program_changes, as dicts, in changelog order."""
    cursor = conn.execute(READ_ROWS, [day])
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def _md(text: Any) -> str:
    """Plain text made safe inside a Markdown list item: one line, redacted (before escaping
    can hide a credential's shape from the redactor), no markup."""
    return _MD_SPECIAL.sub(r"\\\1", redact_text(" ".join(str(text).split())))


def _score(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def _item(row: dict[str, Any]) -> str:
    """One change as a changelog item."""
    kind = row["change_type"]
    name = _md(row["subject_name"] or row["subject_id"])
    if kind == "asset_new" and row["before"]:
        return f"{name} (back, was {_md(row['before'])})"
    if kind in ("risk_up", "risk_down", "maturity_up", "maturity_down"):
        return (
            f"{name} {_md(row['before'])}→{_md(row['after'])} "
            f"({_score(row['before_score'])}→{_score(row['after_score'])})"
        )
    if kind in ("incident_opened", "incident_closed"):
        return f"{name} ({_md(row['subject_id'])})"
    if kind in ("control_gained", "control_lost"):
        control = _md(row["related_id"])
        if row["related_name"]:
            control += f" {_md(row['related_name'])}"
        return f"{name}: {control}"
    return name


def _more(shown: int, total: int) -> str:
    return f", … and {total - shown} more" if total > shown else ""


def changelog_markdown(
    changes: ProgramChanges, *, max_items: int = 5, max_chars: int = 4000
) -> str:
    """The day's changes as a changelog, one line per change type ("- 2 risk increases:
    X HIGH→CRITICAL (61.0→78.5), …"), at most `max_items` names per line and `max_chars`
    characters in all; names redacted and Markdown-escaped."""
    compared = []
    for source in SOURCES:
        if not changes.has_day.get(source):
            compared.append(f"{source}: no data on the day")
        elif changes.previous.get(source) is None:
            compared.append(f"{source}: first day")
        else:
            compared.append(f"{source} vs {changes.previous[source]}")
    previous = {changes.previous.get(s) for s in SOURCES}
    if all(changes.has_day.get(s) for s in SOURCES) and len(previous) == 1 and None not in previous:
        compared = [f"vs {previous.pop()}"]
    lines = [f"**What changed on {changes.day.isoformat()}** ({'; '.join(compared)})", ""]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for row in changes.rows:
        by_type.setdefault(row["change_type"], []).append(row)
    for row in by_type.get("baseline", []):
        lines.append(f"- Baseline ({_md(row['subject_id'])}): {_md(row['detail'])}")
    order = [*CHANGE_TYPES, *sorted(set(changes.counts) - set(CHANGE_TYPES))]
    for kind in order:
        total = changes.counts.get(kind, 0)
        if kind == "baseline" or not total:
            continue
        one, many = CHANGE_TYPES.get(kind, (kind, kind))
        if kind == "detection_critical":
            items = [
                f"{_md(rule)} on {_md(asset or 'an unmatched asset')}"
                + (f" ×{hits}" if hits > 1 else "")
                for rule, asset, hits in changes.detection_groups[:max_items]
            ]
            more = _more(len(items), changes.detection_group_count)
        else:
            items = [_item(r) for r in by_type.get(kind, [])[:max_items]]
            more = _more(len(items), total)
        lines.append(f"- {total} {one if total == 1 else many}: {', '.join(items)}{more}")
    if len(lines) == 2:
        lines.append("- No changes.")
    text = "\n".join(lines)
    if len(text) > max_chars:
        cut = text.rfind("\n", 0, max_chars - 60)
        text = text[: max(cut, 0)] + "\n- … (cut; the full list is in metrics.program_changes)"
    return text


@dg.asset(
    group_name="metrics",
    deps=[
        "ai_assets",
        "risk_scores",
        "control_evidence",
        "incidents",
        "maturity_scores",
        "detections",
    ],
    metadata={"dagster/column_schema": column_schema(TABLE)},
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="What changed in the program on the run's day against the previous day with "
    "data (per source, not necessarily yesterday): new and vanished assets (the day's last "
    "inventory snapshot vs the last one before it), risk level moves with scores, catalog "
    "controls gained and lost per asset, maturity level moves; and the day's events: critical "
    "detections (the detections partition of that UTC day, read from the table) and incidents "
    "opened and closed in the organisation's day. The first day with data records one "
    "baseline row instead of listing every asset as new. Metadata: counts per change type "
    "(plotted over time) and a changelog.",
)
def program_changes(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        changes = record_program_changes(
            conn, day, run_id=context.run.run_id, timezone=settings.config().timezone
        )
        meta = table_metadata(conn, TABLE, PREVIEW, [day])
    summary = changes.summary
    changed = {kind: n for kind, n in summary.items() if n}
    log_for(context).info(f"program changes on {day}: {changed or 'none'}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "assessed_date": day.isoformat(),
                "changelog": dg.MetadataValue.md(changelog_markdown(changes)),
                "summary": dg.MetadataValue.json(summary),
                "compared_with": dg.MetadataValue.json(
                    {
                        source: (
                            changes.previous[source].isoformat()
                            if changes.previous.get(source)
                            else None
                        )
                        for source in SOURCES
                    }
                ),
                "changes_total": sum(summary.values()),
                **{f"changes_{kind}": n for kind, n in summary.items()},
            }
        )
    )


CHANGES_ASSETS = (program_changes,)
