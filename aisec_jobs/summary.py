"""The short program summary printed after a run (and by `aisec summary`)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
from tabulate import tabulate

from aisec_assets.metrics.dashboard import dashboard_path
from aisec_assets.metrics.executive_report import report_path


def _table(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> str:
    cur = conn.execute(sql, params or [])
    headers = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return tabulate(rows, headers=headers, tablefmt="simple") if rows else "  (none)"


def _short(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _report_files(conn: duckdb.DuckDBPyConnection, day: date) -> list[str]:
    """The dashboard and the day's executive report, when a run has written them: they live
    beside the warehouse file `conn` reads."""
    row = conn.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if not row or not row[0]:
        return []
    warehouse_dir = Path(row[0]).parent
    files = [
        ("Dashboard", dashboard_path(warehouse_dir)),
        ("Executive report", report_path(warehouse_dir, day)),
    ]
    return [f"{label}: {path}" for label, path in files if path.exists()]


def render_summary(conn: duckdb.DuckDBPyConnection, day: date) -> str:
    """Assets by type and environment, risk by level, top 5 residual risks, gaps, maturity."""
    parts = [f"== aisec program summary for {day} =="]
    parts.append("\nAssets by type and environment (active):")
    parts.append(
        _table(
            conn,
            """
            PIVOT (SELECT asset_type, coalesce(deployment_env, 'unknown') AS env
                   FROM inventory.ai_assets WHERE status = 'active')
            ON env USING count(*) GROUP BY asset_type ORDER BY asset_type
            """,
        )
    )
    parts.append("\nRisk by level:")
    parts.append(
        _table(
            conn,
            """
            SELECT risk_level, count(*) AS assets,
                   round(avg(residual_risk_score), 2) AS mean_residual
            FROM risk.risk_scores WHERE assessed_date = ?
            GROUP BY risk_level
            ORDER BY list_position(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], risk_level)
            """,
            [day],
        )
    )
    parts.append("\nTop 5 residual risks:")
    parts.append(
        _table(
            conn,
            """
            SELECT a.name, a.asset_type, a.owner_team, r.residual_risk_score AS residual,
                   r.risk_level AS level, r.top_driver
            FROM risk.risk_scores r JOIN inventory.ai_assets a USING (asset_id)
            WHERE r.assessed_date = ?
            ORDER BY r.residual_risk_score DESC, a.name LIMIT 5
            """,
            [day],
        )
    )
    parts.append("\nCompliance gaps:")
    parts.append(
        _table(
            conn,
            """
            SELECT gap_type, count(*) AS gaps, count(DISTINCT asset_id) AS assets
            FROM compliance.compliance_gaps WHERE assessed_date = ?
            GROUP BY gap_type ORDER BY gaps DESC, gap_type
            """,
            [day],
        )
    )
    parts.append("\nControl coverage (required catalog controls in place):")
    parts.append(
        _table(
            conn,
            """
            SELECT owner_team, assets, required_controls AS required, implemented, accepted,
                   missing, round(100 * coverage, 1) AS "coverage %"
            FROM controls.coverage_by_team WHERE assessed_date = ?
            ORDER BY coverage, owner_team
            """,
            [day],
        )
    )
    parts.append("\nTop missing controls:")
    parts.append(
        _table(
            conn,
            """
            SELECT q.control_id, c.title, count(*) AS assets,
                   count(*) FILTER (WHERE q.inherent_risk_level IN ('HIGH', 'CRITICAL'))
                       AS high_risk_assets
            FROM controls.required_controls q JOIN controls.catalog_controls c USING (control_id)
            WHERE q.assessed_date = ? AND q.required AND q.status IN ('missing', 'partly')
            GROUP BY ALL ORDER BY assets DESC, q.control_id LIMIT 5
            """,
            [day],
        )
    )
    parts.append("\nFramework compliance (requirements by status):")
    parts.append(
        _table(
            conn,
            """
            PIVOT (SELECT framework, status FROM compliance.framework_compliance
                   WHERE assessed_date = ?)
            ON status IN ('met', 'partly', 'not_met', 'manual', 'not_applicable')
            USING count(*) GROUP BY framework ORDER BY framework
            """,
            [day],
        )
    )
    parts.append("\nGovernance:")
    parts.append(
        _table(
            conn,
            """
            SELECT 'risk acceptances' AS item,
                   printf('%d active, %d expired, %d rejected',
                          count(*) FILTER (WHERE status = 'active'),
                          count(*) FILTER (WHERE status = 'expired'),
                          count(*) FILTER (WHERE status = 'rejected')) AS status
            FROM governance.risk_acceptances WHERE assessed_date = ?
            UNION ALL
            SELECT 'risk appetite breaches', printf('%d assets', count(*))
            FROM governance.risk_appetite_breaches WHERE assessed_date = ?
            UNION ALL
            SELECT 'policies', printf('%d, %d overdue for review', count(*),
                                      count(*) FILTER (WHERE review_overdue))
            FROM governance.policies
            """,
            [day, day],
        )
    )
    parts.append("\nOpen incidents (by severity, nearest regulatory deadline):")
    parts.append(
        _table(
            conn,
            """
            SELECT severity, count(*) AS incidents,
                   count(*) FILTER (WHERE state = 'open') AS untriaged,
                   min(next_due) AS nearest_deadline,
                   arg_min(incident_id, next_due) AS due_first
            FROM (
                SELECT *, least(
                    CASE WHEN art73_reported_at IS NULL THEN art73_due_at END,
                    CASE WHEN gdpr33_reported_at IS NULL THEN gdpr33_due_at END) AS next_due
                FROM operations.incidents WHERE state <> 'closed'
            )
            GROUP BY severity ORDER BY severity
            """,
        )
    )
    parts.append("\nMaturity:")
    parts.append(
        _table(
            conn,
            """
            SELECT dimension, level, level_name, round(score, 1) AS score,
                   array_to_string(gaps_to_next_level, '; ') AS next_steps
            FROM metrics.maturity_scores WHERE assessed_date = ? ORDER BY dimension
            """,
            [day],
        )
    )
    (events,) = conn.execute(
        "SELECT count(*) FROM monitoring.llm_events WHERE event_date BETWEEN ? - 6 AND ?",
        [day, day],
    ).fetchone() or (0,)
    if events:
        parts.append(f"\nLLM traffic, {day - timedelta(days=6)}..{day}: {events} events")
        parts.append(
            _table(
                conn,
                """
                SELECT family, severity, count(*) AS hits, count(DISTINCT event_id) AS events,
                       count(DISTINCT asset_id) AS assets
                FROM monitoring.detections WHERE event_date BETWEEN ? - 6 AND ?
                GROUP BY family, severity
                ORDER BY list_position(['critical', 'high', 'medium', 'low'], severity),
                         hits DESC, family
                """,
                [day, day],
            )
        )
    unhealthy = conn.execute(
        "SELECT source, status, last_error FROM discovery.source_status "
        "WHERE status <> 'ok' OR stale ORDER BY source"
    ).fetchall()
    rejected = conn.execute(
        "SELECT source, count(*) FROM discovery.rejected_records GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    if unhealthy:
        # failed: the whole source unreadable; partial: some parts (a subscription, a
        # location) unreadable. Either way the last good data of what was not read is kept.
        parts.append("\nSources not fully read (last good data kept, marked stale):")
        parts += [
            f"  {source} {status}: {_short(error or '')}" for source, status, error in unhealthy
        ]
    if rejected:
        parts.append(
            "\nRejected input records (see discovery.rejected_records): "
            + ", ".join(f"{s} {n}" for s, n in rejected)
        )
    files = _report_files(conn, day)
    if files:
        parts += ["", *files]
    return "\n".join(parts)
