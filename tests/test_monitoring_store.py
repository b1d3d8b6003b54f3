"""Writing a log source's day into monitoring.llm_events: partition replace, nothing lost."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from aisec_assets.monitoring.store import write_source_day
from aisec_resources.events import (
    EventRejection,
    IngestResult,
    LlmEvent,
    ToolCall,
    key_fingerprint,
)
from aisec_resources.warehouse import run_sql

DAY = date(2026, 11, 27)
FIXED_NOW = datetime(2026, 11, 28, 6, 0)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(":memory:")
    run_sql(c, "schema/warehouse")
    run_sql(c, "schema/monitoring")
    return c


def event(n: int, source: str = "litellm_spend_log", day: date = DAY, **kw: object) -> LlmEvent:
    return LlmEvent(
        source=source,
        source_location=f"spend.jsonl:{n}",
        event_time=datetime(day.year, day.month, day.day, 10, n % 60),
        source_record_id=f"req-{n}",
        **kw,  # type: ignore[arg-type]
    )


def test_a_day_is_replaced_per_source_and_nothing_else(conn: duckdb.DuckDBPyConnection) -> None:
    other_day = date(2026, 11, 26)
    write_source_day(
        conn,
        "litellm_spend_log",
        other_day,
        IngestResult([event(1, day=other_day)]),
        "r0",
        now=FIXED_NOW,
    )
    write_source_day(
        conn, "otel_genai", DAY, IngestResult([event(1, source="otel_genai")]), "r0", now=FIXED_NOW
    )
    first = IngestResult(
        [event(i, prompt_text=f"question {i}") for i in range(5)],
        [EventRejection("litellm_spend_log", "spend.jsonl:99", "invalid JSON", "{oops")],
    )
    assert write_source_day(conn, "litellm_spend_log", DAY, first, "r1", now=FIXED_NOW) == (5, 1)
    assert write_source_day(conn, "litellm_spend_log", DAY, first, "r2", now=FIXED_NOW) == (5, 1)
    rows = conn.execute(
        "SELECT event_date, source, count(*) FROM monitoring.llm_events GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert rows == [
        (other_day, "litellm_spend_log", 1),
        (DAY, "litellm_spend_log", 5),
        (DAY, "otel_genai", 1),
    ]
    assert conn.execute("SELECT count(*) FROM monitoring.llm_events_rejected").fetchone() == (1,)


def test_row_shape_tool_calls_and_redaction(conn: duckdb.DuckDBPyConnection) -> None:
    fake_token = "hf" + "_" + "Q" * 34
    e = event(
        7,
        api_key_hash=key_fingerprint("0" * 64),
        tool_calls=[ToolCall("issue_refund", "c1", '{"amount": 20}')],
        input_messages=[{"role": "user", "content": "hi"}],
        response_text=f"your token is {fake_token}",
        finish_reasons=["stop"],
        input_tokens=12,
    )
    write_source_day(
        conn, "litellm_spend_log", DAY, IngestResult([e, e]), "r1", now=FIXED_NOW
    )  # twice
    row = conn.execute(
        "SELECT event_id, tool_calls, response_text, api_key_hash, finish_reasons, input_tokens, "
        "input_messages->>'$[0].role' FROM monitoring.llm_events"
    ).fetchall()
    assert len(row) == 1  # the same record delivered twice is stored once
    event_id, tool_calls, text, key, reasons, tokens, role = row[0]
    assert event_id == e.event_id
    assert tool_calls == [{"name": "issue_refund", "call_id": "c1", "arguments": '{"amount": 20}'}]
    assert text == "your token is <redacted:huggingface_token>"
    assert key.startswith("kfp_") and reasons == ["stop"] and tokens == 12 and role == "user"


def test_events_of_another_day_or_source_are_refused(conn: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="not 2026-11-27"):
        write_source_day(
            conn,
            "litellm_spend_log",
            DAY,
            IngestResult([event(1, day=date(2026, 11, 28))]),
            "r",
            now=FIXED_NOW,
        )
    with pytest.raises(ValueError, match="claims source 'otel_genai'"):
        write_source_day(
            conn,
            "litellm_spend_log",
            DAY,
            IngestResult([event(1, source="otel_genai")]),
            "r",
            now=FIXED_NOW,
        )
