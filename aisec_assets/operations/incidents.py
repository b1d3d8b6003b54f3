"""Incidents: opened in SQL from the day's detections and findings (`sql/operations/
open_incidents.sql`), moved through their states by people or jobs, every change appended to a
hash-chained timeline that cannot be rewritten unnoticed.

States run forward: open → triaged → contained → eradicated → recovered → closed. A move may
skip states (a false positive is closed from triaged) but never goes back; a closed incident
stays closed. Every move records who, when (the caller's clock, never the wall clock read
here) and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

from aisec_resources.redaction import redact_text
from aisec_resources.warehouse import run_sql

STATES: tuple[str, ...] = ("open", "triaged", "contained", "eradicated", "recovered", "closed")
# The column each state's first arrival is recorded in.
STATE_COLUMNS: dict[str, str] = {
    "triaged": "triaged_at",
    "contained": "contained_at",
    "eradicated": "eradicated_at",
    "recovered": "recovered_at",
    "closed": "closed_at",
}
SEVERITY_LEVELS: tuple[str, ...] = ("critical", "high", "medium", "low")
GENESIS_HASH = "0" * 64
MAX_DETAIL_CHARS = 2000


class IncidentError(ValueError):
    """A change that cannot be made (unknown incident, a move backwards, a broken timeline)."""


@dataclass(frozen=True)
class OpenedIncidents:
    opened: int
    grown: int
    evidence: int


def open_incidents(
    conn: duckdb.DuckDBPyConnection,
    day: date,
    *,
    now: datetime,
    run_id: str,
    gap_minutes: int = 60,
    min_severity: str = "high",
    timezone: str = "UTC",
    lookback_days: int = 7,
) -> OpenedIncidents:
    """Open incidents from the detections of the last `lookback_days` days up to `day` not yet
    attached and the day's findings, and attach new evidence to open ones (idempotent)."""
    if min_severity not in SEVERITY_LEVELS:
        raise ValueError(f"min_severity must be one of {SEVERITY_LEVELS}, got {min_severity!r}")
    before = _counts(conn)
    run_sql(
        conn,
        "operations/open_incidents",
        {
            "assessed_date": day,
            "lookback_days": lookback_days,
            "now": now,
            "gap_minutes": gap_minutes,
            "min_severity": min_severity,
            "timezone": timezone,
            "run_id": run_id,
        },
    )
    after = _counts(conn)
    # One `evidence` timeline entry per open incident that received evidence in this run.
    return OpenedIncidents(after[0] - before[0], after[2] - before[2], after[1] - before[1])


def _counts(conn: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM operations.incidents), "
        "(SELECT count(*) FROM operations.incident_evidence), "
        "(SELECT count(*) FROM operations.incident_timeline WHERE kind = 'evidence')"
    ).fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])


def broken_timelines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Incidents whose timeline does not verify: an entry rewritten (its hash no longer
    matches), removed (a gap in seq, or the next entry's prev_hash points at nothing) or
    inserted out of order. Empty when every chain is intact."""
    rows = conn.execute(
        """
        SELECT DISTINCT incident_id FROM (
            SELECT
                incident_id, seq, prev_hash, entry_hash,
                lag(entry_hash) OVER (PARTITION BY incident_id ORDER BY seq) AS before_hash,
                row_number() OVER (PARTITION BY incident_id ORDER BY seq) AS position,
                operations.timeline_hash(prev_hash, incident_id, seq, occurred_at, actor, kind,
                                         from_state, to_state, detail) AS recomputed
            FROM operations.incident_timeline
        )
        WHERE entry_hash <> recomputed
           OR seq <> position
           OR prev_hash <> coalesce(before_hash, ?)
        ORDER BY 1
        """,
        [GENESIS_HASH],
    ).fetchall()
    incidents_without_history = conn.execute(
        "SELECT incident_id FROM operations.incidents ANTI JOIN operations.incident_timeline "
        "USING (incident_id) ORDER BY 1"
    ).fetchall()
    return sorted({r[0] for r in rows} | {r[0] for r in incidents_without_history})


def append_entry(
    conn: duckdb.DuckDBPyConnection,
    incident_id: str,
    *,
    at: datetime,
    actor: str,
    kind: str,
    detail: str,
    from_state: str | None = None,
    to_state: str | None = None,
) -> int:
    """Append one timeline entry after verifying the incident's chain; returns its seq.
    There is no update or delete: history is only ever appended to."""
    if incident_id in broken_timelines(conn):
        raise IncidentError(
            f"incident {incident_id}: its timeline does not verify (an entry was rewritten or "
            "removed); nothing appended"
        )
    head = conn.execute(
        "SELECT max(seq), arg_max(entry_hash, seq) FROM operations.incident_timeline "
        "WHERE incident_id = ?",
        [incident_id],
    ).fetchall()[0]
    seq = int(head[0] or 0) + 1
    prev_hash = head[1] or GENESIS_HASH
    text = redact_text(detail)[:MAX_DETAIL_CHARS]
    conn.execute(
        "INSERT INTO operations.incident_timeline SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "operations.timeline_hash(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            incident_id,
            seq,
            at,
            actor,
            kind,
            from_state,
            to_state,
            text,
            prev_hash,
            prev_hash,
            incident_id,
            seq,
            at,
            actor,
            kind,
            from_state,
            to_state,
            text,
        ],
    )
    return seq


def change_state(
    conn: duckdb.DuckDBPyConnection,
    incident_id: str,
    to_state: str,
    *,
    actor: str,
    at: datetime,
    note: str = "",
) -> str:
    """Move an incident forward to `to_state`, recorded in the timeline; returns the state it
    left. Raises `IncidentError` for an unknown incident or state, or a move backwards."""
    if to_state not in STATES:
        raise IncidentError(f"unknown state {to_state!r}; states: {', '.join(STATES)}")
    if not actor.strip():
        raise IncidentError("a state change needs an actor (who made it)")
    rows = conn.execute(
        "SELECT state FROM operations.incidents WHERE incident_id = ?", [incident_id]
    ).fetchall()
    if not rows:
        raise IncidentError(f"no incident {incident_id!r}")
    current = rows[0][0]
    if STATES.index(to_state) <= STATES.index(current):
        raise IncidentError(
            f"incident {incident_id} is {current}: it can only move forward "
            f"({', '.join(STATES[STATES.index(current) + 1 :]) or 'nothing: it is closed'})"
        )
    conn.execute("BEGIN TRANSACTION")
    try:
        detail = f"{current} -> {to_state}" + (f": {note}" if note else "")
        append_entry(
            conn,
            incident_id,
            at=at,
            actor=actor,
            kind="state",
            detail=detail,
            from_state=current,
            to_state=to_state,
        )
        # Every state passed on the way gets its time (a skipped state is reached now).
        for state in STATES[STATES.index(current) + 1 : STATES.index(to_state) + 1]:
            column = STATE_COLUMNS[state]
            conn.execute(
                f"UPDATE operations.incidents SET {column} = coalesce({column}, ?) "
                "WHERE incident_id = ?",
                [at, incident_id],
            )
        conn.execute(
            "UPDATE operations.incidents SET state = ? WHERE incident_id = ?",
            [to_state, incident_id],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current


def add_note(
    conn: duckdb.DuckDBPyConnection, incident_id: str, *, actor: str, at: datetime, text: str
) -> int:
    if not conn.execute(
        "SELECT 1 FROM operations.incidents WHERE incident_id = ?", [incident_id]
    ).fetchall():
        raise IncidentError(f"no incident {incident_id!r}")
    return append_entry(conn, incident_id, at=at, actor=actor, kind="note", detail=text)


# The regulatory reports an incident may owe, and the column that records each as filed.
REPORTS: dict[str, str] = {"art73": "art73_reported_at", "gdpr33": "gdpr33_reported_at"}
REPORT_NAMES: dict[str, str] = {
    "art73": "EU AI Act Art. 73 serious-incident report",
    "gdpr33": "GDPR Art. 33 notification to the supervisory authority",
}


def record_report(
    conn: duckdb.DuckDBPyConnection,
    incident_id: str,
    regulation: str,
    *,
    actor: str,
    at: datetime,
    reference: str,
) -> int:
    """Record that the incident's report under `regulation` was filed (who, when, the
    authority's reference); appended to the timeline, and the report's column set so the
    overdue finding closes. A report already filed is not filed again."""
    if regulation not in REPORTS:
        raise IncidentError(f"unknown regulation {regulation!r}; one of {', '.join(REPORTS)}")
    if not actor.strip() or not reference.strip():
        raise IncidentError("a filed report needs who filed it (--by) and a --reference")
    column = REPORTS[regulation]
    due_column = f"{regulation}_due_at"
    rows = conn.execute(
        f"SELECT {column}, {due_column} FROM operations.incidents WHERE incident_id = ?",
        [incident_id],
    ).fetchall()
    if not rows:
        raise IncidentError(f"no incident {incident_id!r}")
    filed, due = rows[0]
    if filed is not None:
        raise IncidentError(
            f"incident {incident_id}: the {REPORT_NAMES[regulation]} was "
            f"already recorded as filed at {filed}"
        )
    if due is None:
        raise IncidentError(
            f"incident {incident_id} owes no {REPORT_NAMES[regulation]} (no deadline: not in scope)"
        )
    late = f" ({_hours(at - due)} h after the deadline)" if at > due else ""
    conn.execute("BEGIN TRANSACTION")
    try:
        seq = append_entry(
            conn,
            incident_id,
            at=at,
            actor=actor,
            kind="report",
            detail=f"{REPORT_NAMES[regulation]} filed{late}: {reference}",
        )
        conn.execute(
            f"UPDATE operations.incidents SET {column} = ? WHERE incident_id = ?",
            [at, incident_id],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return seq


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)
