"""Writing one log source's events of one day into the warehouse (a partition rewrite)."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import pandas as pd

from aisec_assets.monitoring.embedded_documents import separate_embedded_documents
from aisec_resources.events import EventRejection, IngestResult, LlmEvent
from aisec_resources.warehouse import run_sql, table_columns

# What ingestion hands to sql/monitoring/replace_source_day.sql: every column of
# monitoring.llm_events but the two the SQL sets, tool calls as JSON text.
EVENT_COLUMNS: tuple[str, ...] = tuple(
    "tool_calls_json" if column == "tool_calls" else column
    for column in table_columns("monitoring.llm_events")
    if column not in ("ingested_at", "run_id")
)
REJECTION_COLUMNS: tuple[str, ...] = ("source", "location", "reason", "excerpt")


def _event_rows(source: str, day: date, events: list[LlmEvent]) -> pd.DataFrame:
    rows = []
    seen: set[str] = set()
    for event in events:
        if event.source != source:
            raise ValueError(f"event at {event.source_location} claims source {event.source!r}")
        if event.event_date != day:
            raise ValueError(
                f"event at {event.source_location} is of {event.event_date}, not {day}"
            )
        # Every source's events (and the quality harness's) pass here: documents an
        # application pasted into the user's turn are judged as documents.
        row = separate_embedded_documents(event).to_row()
        if row["event_id"] in seen:  # the same record delivered twice (retried log delivery)
            continue
        seen.add(row["event_id"])
        row["tool_calls_json"] = json.dumps(row.pop("tool_calls"))
        rows.append({c: row[c] for c in EVENT_COLUMNS})
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    return frame.astype(object).where(frame.notna(), None)


def _rejection_rows(rejections: list[EventRejection]) -> pd.DataFrame:
    return pd.DataFrame([r.to_row() for r in rejections], columns=list(REJECTION_COLUMNS)).astype(
        object
    )


def write_source_day(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    day: date,
    result: IngestResult,
    run_id: str,
    *,
    now: datetime,
) -> tuple[int, int]:
    """Replace `source`'s rows of `day`; returns (events written, rejections written)."""
    events = _event_rows(source, day, result.events)
    rejections = _rejection_rows(result.rejections)
    conn.register("incoming_events", events)
    conn.register("incoming_rejections", rejections)
    try:
        run_sql(
            conn,
            "monitoring/replace_source_day",
            {
                "source": source,
                "event_date": day,
                "run_id": run_id,
                "now": now,
            },
        )
    finally:
        conn.unregister("incoming_events")
        conn.unregister("incoming_rejections")
    return len(events), len(rejections)
