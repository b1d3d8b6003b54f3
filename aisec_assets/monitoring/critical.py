"""Critical detections of given days: what the flag run of the critical-detection sensor reports
(later issues turn the same rows into incidents)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb

from aisec_resources.warehouse import read_sql

MAX_LOGGED = 50  # detections written to the run log one by one; the rest are counted


def critical_detections(
    conn: duckdb.DuckDBPyConnection, days: Sequence[date]
) -> list[dict[str, Any]]:
    """The days' critical detections, newest first (sql/monitoring/critical_detections.sql)."""
    cursor = conn.execute(read_sql("monitoring/critical_detections"), {"days": list(days)})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def flag_lines(rows: Sequence[dict[str, Any]], limit: int = MAX_LOGGED) -> list[str]:
    """One log line per detection (at most `limit`, then how many more)."""
    lines = [
        f"CRITICAL {r['rule_id']} ({r['family']}) {r['event_time']:%Y-%m-%d %H:%M:%S} "
        f"source={r['source']} asset={r['asset_id'] or '-'} key={r['api_key_hash'] or '-'} "
        f"user={r['user_id'] or '-'} detection={r['detection_id']}: {r['evidence'] or ''}"
        for r in rows[:limit]
    ]
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more critical detection(s)")
    return lines


def flag_markdown(rows: Sequence[dict[str, Any]], limit: int = 20) -> str:
    """Counts per rule and the newest detections, as markdown for the run's metadata."""
    by_rule = Counter((r["rule_id"], r["rule_title"]) for r in rows)
    out = ["| rule | title | detections |", "|---|---|---|"]
    out += [f"| {rid} | {title} | {n} |" for (rid, title), n in sorted(by_rule.items())]
    out += ["", "| time | rule | source | asset | evidence |", "|---|---|---|---|---|"]
    for r in rows[:limit]:
        evidence = (r["evidence"] or "").replace("|", "\\|").replace("\n", " ")[:120]
        out.append(
            f"| {r['event_time']:%Y-%m-%d %H:%M} | {r['rule_id']} | {r['source']} "
            f"| {r['asset_id'] or '-'} | {evidence} |"
        )
    return "\n".join(out)
