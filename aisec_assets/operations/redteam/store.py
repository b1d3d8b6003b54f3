"""Writing red-team reports into the warehouse.

Parsed reports go into temporary input tables with bound parameters (`executemany`); the SQL
of sql/operations/red_team_findings.sql then replaces the day's reports, results, findings and
rejections in one transaction; red_team_engagements.sql summarises the day's engagements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from aisec_assets.operations.redteam.categories import category_hint
from aisec_assets.operations.redteam.collect import Collected
from aisec_assets.operations.redteam.text import clean
from aisec_resources.warehouse import run_sql


@dataclass(frozen=True)
class FindingCounts:
    reports: int
    counted_reports: int
    results: int
    open: int
    remediated: int
    rejected: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _insert(conn: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[object]]) -> None:
    if not rows:
        return
    marks = ", ".join("?" for _ in rows[0])
    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", [list(r) for r in rows])


def stage(conn: duckdb.DuckDBPyConnection, collected: Collected) -> None:
    """Fill the temporary input tables from the collected reports."""
    run_sql(conn, "operations/red_team_staging")
    reports, results = [], []
    for key, item in enumerate(collected.reports):
        report, entry = item.report, item.entry
        reports.append(
            (
                key,
                clean(str(report.path)),
                entry.tool,
                entry.engagement,
                entry.target_asset,
                report.run_id,
                report.started_at,
                item.started_from,
                report.tool_version,
                report.target_model,
                len(report.rejections),
            )
        )
        for result in report.results.values():
            results.append(
                (
                    key,
                    result.probe,
                    result.detector,
                    result.attempts,
                    result.failures,
                    result.counted_from,
                    category_hint(entry.tool, result.probe, result.detector),
                    result.excerpt,
                )
            )
    rejections = [
        (clean(r.file), r.line, clean(r.reason), r.excerpt, entry.tool, entry.engagement)
        for entry, r in collected.all_rejections()
    ]
    _insert(conn, "red_team_report_input", reports)
    _insert(conn, "red_team_result_input", results)
    _insert(conn, "red_team_rejection_input", rejections)


def write_findings(
    conn: duckdb.DuckDBPyConnection, collected: Collected, day: date
) -> FindingCounts:
    """Replace the day's red-team reports, results, findings and rejections."""
    stage(conn, collected)
    run_sql(conn, "operations/red_team_findings", {"assessed_date": day})
    (reports, counted) = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE counted) FROM operations.red_team_reports "
        "WHERE assessed_date = ?",
        [day],
    ).fetchone() or (0, 0)
    (results,) = conn.execute(
        "SELECT count(*) FROM operations.red_team_results WHERE assessed_date = ?", [day]
    ).fetchone() or (0,)
    (open_, remediated) = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'open'), "
        "count(*) FILTER (WHERE status = 'remediated') "
        "FROM operations.red_team_findings WHERE assessed_date = ?",
        [day],
    ).fetchone() or (0, 0)
    (rejected,) = conn.execute(
        "SELECT count(*) FROM operations.red_team_reports_rejected WHERE assessed_date = ?",
        [day],
    ).fetchone() or (0,)
    return FindingCounts(
        int(reports), int(counted), int(results), int(open_), int(remediated), int(rejected)
    )


def write_engagements(conn: duckdb.DuckDBPyConnection, day: date) -> int:
    """Replace the day's engagements from the day's reports and findings; returns how many."""
    run_sql(conn, "operations/red_team_engagements", {"assessed_date": day})
    (count,) = conn.execute(
        "SELECT count(*) FROM operations.red_team_engagements WHERE assessed_date = ?", [day]
    ).fetchone() or (0,)
    return int(count)
