"""The executive report: one page of Markdown for the board (SPEC §3.7, issue 11).

It reads the same warehouse tables as the dashboard and says what a board asks: how big the
estate is and how risky (with the trend against 7 and 30 days ago from metrics.program_kpis
history), the five largest risks, what is overdue (reviews and reports, expired risk
acceptances, incident tasks past due, regulatory notifications), maturity per dimension with
the next step, and the open incidents by severity. Every list is capped, so it stays one page
at any scale; a section without data says so instead of disappearing. "Overdue" is measured
at the run's clock (`generated_at`), never the wall clock, so rerunning a day writes the same
report. The text passes the redaction gate, like everything aisec writes.

No PDF: the environment has no PDF renderer, and none is a small pure-Python wheel (fpdf2
and reportlab bring Pillow, WeasyPrint needs Pango); Markdown reads as text, renders in any
viewer, and prints to PDF from there. Add a renderer here if one becomes a dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from tabulate import tabulate

from aisec_assets.metrics.dashboard import (
    DEFAULT_TARGET_LEVEL,
    HEADLINE_LABELS,
    columns,
    headline_numbers,
    write_atomically,
)
from aisec_resources.redaction import redact_text

TOP = 5
# KPIs shown with their trend, when metrics.program_kpis has the column (it grows over time).
TREND_KPIS = (
    ("active_ai_assets", "Active AI assets"),
    ("critical_risk_assets", "Critical risks"),
    ("high_risk_assets", "High risks"),
    ("mean_residual_risk", "Mean residual risk (0-100)"),
    ("compliance_gap_count", "Open compliance gaps"),
    ("overdue_actions", "Overdue actions"),
    ("asset_coverage_rate", "Assets under governance"),
    ("control_coverage_rate", "Required controls implemented"),
    ("framework_compliance_rate", "Framework requirements met"),
    ("open_incidents", "Open incidents"),
    ("mean_time_to_detect_hours", "MTTD, hours (last 30 days)"),
    ("remediation_rate", "Red-team findings remediated"),
)
# An incident task is done when the incident reaches the state that ends its phase.
PHASE_DONE = {
    "detection": "triaged_at",
    "containment": "contained_at",
    "eradication": "eradicated_at",
    "recovery": "recovered_at",
    "lessons_learned": "closed_at",
}
# The report's sections, for the asset's schema in the Dagster UI.
SECTIONS = (
    ("posture", "Headline numbers and KPIs against 7 and 30 days ago (metrics.program_kpis)."),
    ("top_risks", f"The {TOP} largest residual risks with their top driver (risk.risk_scores)."),
    (
        "overdue",
        "Overdue reviews (compliance gaps), expired risk acceptances, incident tasks past due "
        "and regulatory reports overdue, at the run's clock.",
    ),
    ("maturity", "Level, target and next step per dimension (metrics.maturity_scores)."),
    ("open_incidents", "Open incidents by severity (operations.incidents)."),
)
REPORT_GAPS = ("overdue_art73_report", "overdue_gdpr33_notification")


def report_path(warehouse_dir: Path, day: date) -> Path:
    """Where the report of `day` is written: one file per day, kept as history."""
    return warehouse_dir / "reports" / f"executive_report_{day.isoformat()}.md"


@dataclass(frozen=True)
class ReportFile:
    path: Path
    size_bytes: int
    overdue_items: int
    text: str


def _rows(
    conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """The rows of `sql` as dicts; their column names are the report's table headers."""
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _cell(value: Any) -> str:
    """A value as one Markdown table cell."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    # Markdown viewers render inline HTML: a name is shown as text, never interpreted.
    text = str(value).replace("|", "/").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def _table(rows: list[dict[str, Any]], empty: str) -> str:
    if not rows:
        return f"_{empty}_"
    return tabulate(
        [[_cell(v) for v in row.values()] for row in rows],
        headers=list(rows[0]),
        tablefmt="github",
        disable_numparse=True,
    )


def _kpi(column: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if column.endswith("_rate"):
        return f"{100 * value:.1f}%"
    return _cell(value)


def _delta(column: str, now: Any, then: Any) -> str:
    if then is None or now is None:
        return "n/a"
    diff = (now - then) * (100 if column.endswith("_rate") else 1)
    unit = " pts" if column.endswith("_rate") else ""
    sign = "+" if diff > 0 else ""
    shown = f"{diff:.1f}" if isinstance(diff, float) else str(diff)
    return f"{sign}{shown}{unit} (was {_kpi(column, then)})"


def posture(conn: duckdb.DuckDBPyConnection, day: date) -> str:
    """Today's KPIs against the latest KPI rows on or before 7 and 30 days ago."""
    present = columns(conn, "metrics.program_kpis")
    kpis = [(c, label) for c, label in TREND_KPIS if c in present]
    select = ", ".join(["kpi_date", *(c for c, _ in kpis)])

    def at_or_before(target: date) -> dict[str, Any] | None:
        rows = _rows(
            conn,
            f"SELECT {select} FROM metrics.program_kpis WHERE kpi_date <= $d "
            "ORDER BY kpi_date DESC LIMIT 1",
            {"d": target},
        )
        return rows[0] if rows else None

    today = at_or_before(day)
    if today is None or today["kpi_date"] != day:
        return f"_No KPIs for {day} yet (the program_kpis asset computes them)._"
    past = [(n, at_or_before(day - timedelta(days=n))) for n in (7, 30)]
    headers = ["KPI", str(day)] + [
        f"vs {row['kpi_date']} ({n} d ago)" if row else f"vs {n} days ago" for n, row in past
    ]
    body = [
        [label, _kpi(c, today[c])]
        + [_delta(c, today[c], row[c]) if row else "no history" for _, row in past]
        for c, label in kpis
    ]
    return tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)


def top_risks(conn: duckdb.DuckDBPyConnection, day: date) -> str:
    """The day's largest residual risks: what the board should ask the owners about."""
    rows = _rows(
        conn,
        """
        SELECT coalesce(a.name, r.asset_id) AS asset, coalesce(a.asset_type, 'unknown') AS type,
               coalesce(a.owner_team, '(no owner)') AS owner, r.residual_risk_score AS residual,
               r.risk_level AS level, r.top_driver AS "top driver"
        FROM risk.risk_scores AS r LEFT JOIN inventory.ai_assets AS a USING (asset_id)
        WHERE r.assessed_date = $day
        ORDER BY r.residual_risk_score DESC, asset, r.asset_id LIMIT $top
        """,
        {"day": day, "top": TOP},
    )
    return _table(rows, f"No risk scores for {day} yet.")


def overdue(conn: duckdb.DuckDBPyConnection, day: date, now: datetime) -> tuple[str, int]:
    """The overdue items in four lists and how many there are in all."""
    gaps = _rows(
        conn,
        "SELECT gap_type, detail FROM compliance.compliance_gaps WHERE assessed_date = $day "
        "AND gap_type LIKE 'overdue%' AND NOT list_contains($reports, gap_type) "
        "ORDER BY gap_type, detail",
        {"day": day, "reports": list(REPORT_GAPS)},
    )
    expired = _rows(
        conn,
        """
        SELECT acceptance_id AS acceptance, asset_ref AS asset,
               coalesce(control_id, finding_type) AS accepted, expires_on AS "expired after",
               owner
        FROM governance.risk_acceptances WHERE assessed_date = $day AND status = 'expired'
        ORDER BY expires_on, acceptance_id
        """,
        {"day": day},
    )
    done = " ".join(f"WHEN '{p}' THEN i.{c}" for p, c in PHASE_DONE.items())
    tasks = _rows(
        conn,
        f"""
        SELECT t.incident_id AS incident, i.severity, t.step_number AS step, t.phase,
               t.responsible_role AS role, t.due_at AS "due (UTC)"
        FROM operations.incident_tasks AS t JOIN operations.incidents AS i USING (incident_id)
        WHERE i.state <> 'closed' AND t.due_at < $now AND (CASE t.phase {done} END) IS NULL
        ORDER BY t.due_at, t.incident_id, t.step_number
        """,
        {"now": now},
    )
    reports = _rows(
        conn,
        """
        SELECT incident_id AS incident, severity, report, due AS "due (UTC)",
               date_diff('hour', due, $now) AS "hours late"
        FROM (SELECT incident_id, severity, 'EU AI Act Art. 73' AS report, art73_due_at AS due
              FROM operations.incidents WHERE art73_reported_at IS NULL
              UNION ALL
              SELECT incident_id, severity, 'GDPR Art. 33', gdpr33_due_at
              FROM operations.incidents WHERE gdpr33_reported_at IS NULL)
        WHERE due < $now ORDER BY due, incident_id
        """,
        {"now": now},
    )
    parts = []
    for title, rows in (
        ("Overdue reviews (compliance gaps)", gaps),
        ("Expired risk acceptances (their findings are open again)", expired),
        ("Incident tasks past due", tasks),
        ("Regulatory reports overdue", reports),
    ):
        more = f" (first {TOP} of {len(rows)})" if len(rows) > TOP else ""
        parts.append(f"**{title}: {len(rows)}**{more}\n\n{_table(rows[:TOP], 'None.')}")
    total = len(gaps) + len(expired) + len(tasks) + len(reports)
    return "\n\n".join(parts), total


def maturity(conn: duckdb.DuckDBPyConnection, day: date) -> str:
    """Level, target (metrics.maturity_scores.target_level where the warehouse has it, else
    `DEFAULT_TARGET_LEVEL`, marked as the default) and the first step to the next level."""
    has_target = "target_level" in columns(conn, "metrics.maturity_scores")
    target = (
        f"coalesce(target_level, {DEFAULT_TARGET_LEVEL})"
        if has_target
        else f"'{DEFAULT_TARGET_LEVEL} (default)'"
    )
    rows = _rows(
        conn,
        f"""
        SELECT dimension, level || ' ' || level_name AS level, {target} AS target,
               coalesce(gaps_to_next_level[1], 'at the top level') AS "next step"
        FROM metrics.maturity_scores WHERE assessed_date = $day ORDER BY dimension
        """,
        {"day": day},
    )
    return _table(rows, f"No maturity scores for {day} yet.")


def open_incidents(conn: duckdb.DuckDBPyConnection) -> str:
    """Incidents not closed, by severity, as they stand when the report is written."""
    rows = _rows(
        conn,
        """
        SELECT severity, count(*) AS open, count(*) FILTER (WHERE state = 'open') AS untriaged,
               min(opened_at) AS "oldest opened (UTC)"
        FROM operations.incidents WHERE state <> 'closed'
        GROUP BY severity ORDER BY severity
        """,
        {},
    )
    return _table(rows, "No open incidents.")


def build_report(
    conn: duckdb.DuckDBPyConnection, day: date, *, organisation: str, generated_at: datetime
) -> tuple[str, int]:
    """The report's Markdown for `day` and its count of overdue items."""
    overdue_text, overdue_count = overdue(conn, day, generated_at)
    headline = headline_numbers(conn, day)
    summary = "; ".join(f"{_cell(headline[k])} {label}" for k, label in HEADLINE_LABELS.items())
    text = "\n\n".join(
        [
            f"# AI security program: executive report, {day}",
            f"**{_cell(organisation)}** · assessed day {day} · generated "
            f"{generated_at:%Y-%m-%d %H:%M:%S} UTC (the run's clock)",
            "## Posture",
            summary + ".",
            posture(conn, day),
            f"## Top {TOP} residual risks",
            top_risks(conn, day),
            f"## Overdue items ({overdue_count})",
            overdue_text,
            "## Maturity",
            maturity(conn, day),
            "## Open incidents by severity",
            open_incidents(conn),
        ]
    )
    return redact_text(text) + "\n", overdue_count


def write_report(
    conn: duckdb.DuckDBPyConnection,
    day: date,
    path: Path,
    *,
    organisation: str,
    generated_at: datetime,
) -> ReportFile:
    """Build the report for `day` and write it to `path` atomically."""
    text, overdue_count = build_report(
        conn, day, organisation=organisation, generated_at=generated_at
    )
    return ReportFile(path, write_atomically(path, text), overdue_count, text)
