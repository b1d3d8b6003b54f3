"""The short program summary printed after a run (and by `aisec summary`)."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from tabulate import tabulate


def _table(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> str:
    cur = conn.execute(sql, params or [])
    headers = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return tabulate(rows, headers=headers, tablefmt="simple") if rows else "  (none)"


def _short(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


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
            SELECT gap_type, count(*) AS assets
            FROM compliance.compliance_gaps WHERE assessed_date = ?
            GROUP BY gap_type ORDER BY assets DESC, gap_type
            """,
            [day],
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
    return "\n".join(parts)
