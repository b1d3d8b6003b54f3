"""One detection run over a list of prompts: which rules of some families fired on each (the
real schema, ingest rows and compiled pack on an in-memory DuckDB)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb

from aisec_assets.monitoring.detect import run_detections
from aisec_assets.monitoring.rules import RulePack
from aisec_resources.events import LlmEvent
from aisec_resources.warehouse import run_sql


def prompt_events(prompts: Iterable[str], day: date, name: str) -> list[LlmEvent]:
    """One LiteLLM event per prompt on `day`, a second apart from 09:00 (`name` tells the
    test's events apart in their record ids)."""
    start = datetime.combine(day, time(9))
    return [
        LlmEvent(
            source="litellm_spend_log",
            source_location=f"{name}.jsonl:{n}",
            source_record_id=f"{name}-{n:06d}",
            event_time=start + timedelta(seconds=n),
            prompt_text=prompt,
        )
        for n, prompt in enumerate(prompts)
    ]


def rules_fired(
    events: Sequence[LlmEvent],
    pack: RulePack,
    day: date,
    detected_at: datetime,
    families: Iterable[str],
    **detect_options: Any,
) -> dict[str, set[str]]:
    """prompt -> the rules of `families` that fired on its event (empty set: none).
    `detect_options` go to `run_detections` (e.g. `gate_failures=`)."""
    conn = duckdb.connect()
    try:
        run_sql(conn, "schema/warehouse")
        run_sql(conn, "schema/monitoring")
        rows = [e.to_row() for e in events]
        columns = [*rows[0], "ingested_at", "run_id"]
        conn.executemany(
            f"INSERT INTO monitoring.llm_events ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [[*r.values(), detected_at, "ingest-test"] for r in rows],
        )
        run_detections(
            conn, day, "prompt-detection-test", pack, detected_at=detected_at, **detect_options
        )
        by_event: dict[str, set[str]] = {}
        for event_id, rule_id in conn.execute(
            "SELECT event_id, rule_id FROM monitoring.detections "
            "WHERE family IN (SELECT unnest($families))",
            {"families": sorted(families)},
        ).fetchall():
            by_event.setdefault(event_id, set()).add(rule_id)
    finally:
        conn.close()
    return {e.prompt_text or "": by_event.get(e.event_id, set()) for e in events}
