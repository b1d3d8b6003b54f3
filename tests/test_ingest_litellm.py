"""LiteLLM spend logs: JSON / JSONL / CSV exports, and the proxy's table on a real PostgreSQL."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_fixtures import (
    JSON_VALUES,
    LITELLM_JSON_COLUMNS,
    LITELLM_SPEND_LOGS_DDL,
    insert_into_monitoring,
    litellm_key_hash,
    spend_log_csv_row,
    spend_log_export_row,
    spend_log_row,
)
from psycopg2 import sql
from psycopg2.extras import Json

from aisec_assets.monitoring.ingest import read_litellm_export, read_litellm_postgres
from aisec_resources.events import LlmEvent, ToolCall, key_fingerprint
from aisec_resources.records import SourceUnavailable

DAY = date(2025, 3, 11)
# the proxy stores sha256 of the virtual key; the key itself is built here at run time
KEY_HASH = litellm_key_hash("sk-" + "kestrel-support-" + "0" * 8)

CHAT_MESSAGES = [
    {"role": "system", "content": "You are the Kestrel support bot."},
    {"role": "user", "content": "Check order 1042 status."},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_order", "arguments": '{"id": 1042}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "Order 1042: shipped Monday."},
    {"role": "user", "content": [{"type": "text", "text": "And when will it arrive?"}]},
]
CHAT_RESPONSE = {
    "id": "chatcmpl-AbC123",
    "object": "chat.completion",
    "created": 1741694400,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "It should arrive Thursday; I will notify you.",
                "tool_calls": [
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {
                            "name": "notify_customer",
                            "arguments": '{"channel": "email"}',
                        },
                    }
                ],
            },
        }
    ],
    "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
}


def _rows() -> list[dict[str, Any]]:
    """A day of spend-log rows, with neighbours just outside it."""
    return [
        spend_log_row(
            request_id="chatcmpl-req-1",
            start=datetime(2025, 3, 11, 9, 30, 0, 125000),
            key_hash=KEY_HASH,
            messages=CHAT_MESSAGES,
            response=CHAT_RESPONSE,
            agent_id="agent-support",
        ),
        spend_log_row(  # store_prompts_in_spend_logs off: empty objects
            request_id="chatcmpl-req-2",
            start=datetime(2025, 3, 11, 0, 0, 0),
            key_hash=KEY_HASH,
            messages={},
            response={},
        ),
        spend_log_row(  # turn_off_message_logging: content replaced
            request_id="chatcmpl-req-3",
            start=datetime(2025, 3, 11, 23, 59, 59, 999000),
            key_hash=KEY_HASH,
            messages=[{"role": "user", "content": "redacted-by-litellm"}],
            response={
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "redacted-by-litellm"}}
                ]
            },
        ),
        spend_log_row(  # a failed call
            request_id="chatcmpl-req-4",
            start=datetime(2025, 3, 11, 14, 0, 0),
            key_hash=KEY_HASH,
            messages=[{"role": "user", "content": "hi"}],
            response={},
            status="failure",
            spend=0.0,
            prompt_tokens=0,
            completion_tokens=0,
            metadata={
                "user_api_key": KEY_HASH,
                "user_api_key_team_id": "team-support",
                "status": "failure",
                "error_information": {"error_code": "429", "error_class": "RateLimitError"},
            },
        ),
        spend_log_row(  # an MCP tool call through the proxy
            request_id="mcp-req-5",
            start=datetime(2025, 3, 11, 15, 0, 0),
            key_hash=KEY_HASH,
            call_type="call_mcp_tool",
            messages={},
            response={},
            mcp_tool="github-create_issue",
            metadata={
                "user_api_key": KEY_HASH,
                "mcp_tool_call_metadata": {"name": "create_issue", "arguments": {"title": "bug"}},
            },
        ),
        spend_log_row(  # just before the day
            request_id="chatcmpl-req-prev",
            start=datetime(2025, 3, 10, 23, 59, 59, 999000),
            key_hash=KEY_HASH,
            messages=[{"role": "user", "content": "yesterday"}],
            response={},
        ),
        spend_log_row(  # just after the day
            request_id="chatcmpl-req-next",
            start=datetime(2025, 3, 12, 0, 0, 0),
            key_hash=KEY_HASH,
            messages=[{"role": "user", "content": "tomorrow"}],
            response={},
        ),
    ]


def _check_day(events: list[LlmEvent]) -> None:
    """What every format and the table must give for the rows above."""
    by_id = {e.source_record_id: e for e in events}
    assert sorted(by_id) == [
        "chatcmpl-req-1",
        "chatcmpl-req-2",
        "chatcmpl-req-3",
        "chatcmpl-req-4",
        "mcp-req-5",
    ]
    chat = by_id["chatcmpl-req-1"]
    assert chat.source == "litellm_spend_log"
    assert chat.event_time == datetime(2025, 3, 11, 9, 30, 0, 125000)
    assert (chat.operation_name, chat.provider_name) == ("chat", "openai")
    assert (chat.request_model, chat.endpoint) == ("gpt-4o-mini", "support-gpt")
    assert (chat.response_model, chat.response_id) == ("gpt-4o-mini-2024-07-18", "chatcmpl-AbC123")
    assert chat.api_key_hash == key_fingerprint(KEY_HASH)
    assert (chat.user_id, chat.team_id, chat.agent_id) == (
        "u-alice",
        "team-support",
        "agent-support",
    )
    assert (chat.session_id, chat.client_ip) == ("sess-42", "10.1.2.3")
    assert chat.system_prompt == "You are the Kestrel support bot."
    assert chat.prompt_text == "Check order 1042 status.\n\nAnd when will it arrive?"
    assert chat.retrieved_context == "Order 1042: shipped Monday."
    assert chat.response_text == "It should arrive Thursday; I will notify you."
    assert chat.tool_calls == [ToolCall("notify_customer", "call_2", '{"channel": "email"}')]
    assert chat.finish_reasons == ["tool_calls"]
    assert (chat.input_tokens, chat.output_tokens, chat.total_tokens) == (120, 30, 150)
    assert chat.cost_usd == pytest.approx(0.00042)
    assert (chat.duration_ms, chat.status, chat.is_stream) == (950, "success", False)
    # LiteLLM's own key hash appears nowhere in what is stored
    assert KEY_HASH not in json.dumps(chat.to_row(), default=str)
    assert chat.raw["api_key"] == key_fingerprint(KEY_HASH)

    quiet = by_id["chatcmpl-req-2"]
    assert (quiet.prompt_text, quiet.response_text, quiet.input_messages) == (None, None, None)
    redacted = by_id["chatcmpl-req-3"]
    assert (redacted.prompt_text, redacted.response_text) == (None, None)
    assert any("redacted by LiteLLM" in n for n in redacted.raw["_aisec_ingest"]["notes"])
    failed = by_id["chatcmpl-req-4"]
    assert (failed.status, failed.error_code, failed.input_tokens) == ("failure", "429", 0)
    mcp = by_id["mcp-req-5"]
    assert mcp.operation_name == "execute_tool"
    assert mcp.tool_calls == [ToolCall("github-create_issue", None, '{"title": "bug"}')]


def _write_json(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps([spend_log_export_row(r) for r in rows], indent=2))
    return path


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(spend_log_export_row(r)) + "\n" for r in rows))
    return path


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(spend_log_csv_row(row))
    return path


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "api-v2", "jsonl.gz"])
def test_every_export_format_gives_the_same_events(tmp_path: Path, fmt: str) -> None:
    rows = _rows()
    if fmt == "json":
        _write_json(tmp_path / "spend.json", rows)
    elif fmt == "jsonl":
        _write_jsonl(tmp_path / "spend.jsonl", rows)
    elif fmt == "csv":
        _write_csv(tmp_path / "spend.csv", rows)
    elif fmt == "api-v2":
        payload = {"data": [spend_log_export_row(r) for r in rows], "total": len(rows), "page": 1}
        (tmp_path / "spend-page1.json").write_text(json.dumps(payload))
    else:
        data = "".join(json.dumps(spend_log_export_row(r)) + "\n" for r in rows).encode()
        (tmp_path / "spend.jsonl.gz").write_bytes(gzip.compress(data))
    result = read_litellm_export(tmp_path, DAY)
    assert result.rejections == []
    assert result.records_read == len(rows)
    _check_day(result.events)
    assert insert_into_monitoring(result.events) == 5


def test_locations_name_the_file_and_line(tmp_path: Path) -> None:
    rows = _rows()[:2]
    json_file = _write_json(tmp_path / "a.json", rows)
    jsonl_file = _write_jsonl(tmp_path / "b.jsonl", rows)
    csv_file = _write_csv(tmp_path / "c.csv", rows)
    result = read_litellm_export(tmp_path, DAY)
    locations = sorted(e.source_location for e in result.events)
    text = json_file.read_text().splitlines()
    second_object_line = [i for i, line in enumerate(text, 1) if line == "  {"][1]
    assert locations == sorted(
        [
            f"{json_file}:2",
            f"{json_file}:{second_object_line}",
            f"{jsonl_file}:1",
            f"{jsonl_file}:2",
            f"{csv_file}:2",
            f"{csv_file}:3",
        ]
    )


def test_bad_records_are_rejected_and_the_rest_kept(tmp_path: Path) -> None:
    good = spend_log_export_row(_rows()[0])
    bad_time = {**good, "request_id": "bad-time", "startTime": "not a time"}
    no_time = {k: v for k, v in good.items() if k != "startTime"} | {"request_id": "no-time"}
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_text(
        json.dumps(good)
        + "\n"
        + '{"request_id": "cut-off", "startTime": \n'
        + json.dumps(bad_time)
        + "\n"
        + json.dumps(no_time)
        + "\n"
        + "[1, 2]\n"
    )
    array = tmp_path / "broken-array.json"
    array.write_text("[\n" + json.dumps({**good, "request_id": "in-array"}) + ",\n{oops}\n]\n")
    csv_file = tmp_path / "short-row.csv"
    csv_file.write_text(
        "request_id,startTime,call_type\nok-csv,2025-03-11 10:00:00,acompletion\nonly-one-cell\n"
    )
    result = read_litellm_export(tmp_path, DAY)

    assert sorted(e.source_record_id for e in result.events) == [
        "chatcmpl-req-1",
        "in-array",
        "ok-csv",
    ]
    reasons = {r.location: r.reason for r in result.rejections}
    assert reasons[f"{jsonl}:2"].startswith("malformed JSON")
    assert reasons[f"{jsonl}:3"].startswith("startTime: not a timestamp")
    assert reasons[f"{jsonl}:4"] == "startTime: missing"
    assert reasons[f"{jsonl}:5"] == "record is not a JSON object"
    assert reasons[f"{array}:3"].startswith("malformed JSON")
    assert reasons[f"{csv_file}:3"] == "CSV row has 1 cells, the header has 3"
    assert len(result.rejections) == 6
    insert_into_monitoring(result.events, result.rejections)


def test_times_with_offsets_and_without_zones_are_utc(tmp_path: Path) -> None:
    base = spend_log_export_row(_rows()[1])
    rows = [
        {**base, "request_id": "offset-in-day", "startTime": "2025-03-12T00:30:00+01:00"},
        {**base, "request_id": "naive-in-day", "startTime": "2025-03-11 23:59:59.999"},
        {**base, "request_id": "offset-out", "startTime": "2025-03-11T00:30:00+01:00"},
        {**base, "request_id": "epoch-ms", "startTime": 1741694400000},
    ]
    (tmp_path / "zones.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    events = {e.source_record_id: e for e in read_litellm_export(tmp_path, DAY).events}
    assert sorted(events) == ["epoch-ms", "naive-in-day", "offset-in-day"]
    assert events["offset-in-day"].event_time == datetime(2025, 3, 11, 23, 30)
    assert events["epoch-ms"].event_time == datetime(2025, 3, 11, 12, 0)


_COLUMNS = [
    "messages",
    "response",
    "metadata",
    "api_key",
    "prompt_tokens",
    "spend",
    "request_duration_ms",
    "endTime",
    "proxy_server_request",
    "mcp_namespaced_tool_name",
    "call_type",
    "user",
    "custom_llm_provider",
]


def test_rows_of_any_shape_never_stop_the_reader(tmp_path: Path) -> None:
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(_COLUMNS), JSON_VALUES), min_size=1, max_size=4))
    def check(changes: list[tuple[str, Any]]) -> None:
        row = spend_log_export_row(_rows()[0])
        for column, value in changes:
            row[column] = value
        (tmp_path / "any.jsonl").write_text(json.dumps(row) + "\n")
        result = read_litellm_export(tmp_path, DAY)
        assert (len(result.events), len(result.rejections)) == (1, 0)
        result.events[0].to_row()

    check()


def test_missing_export_path_is_source_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="does not exist"):
        read_litellm_export(tmp_path / "missing", DAY)


# ------------------------------------------------------------------ PostgreSQL


@pytest.fixture
def spend_logs_table(postgres_url: str) -> Iterator[tuple[str, str]]:
    """LiteLLM_SpendLogs, created as the proxy's migration does, in a schema of its own."""
    schema = f"aisec_litellm_test_{os.getpid()}"
    # libpq knows postgresql://, not SQLAlchemy's postgresql+psycopg2://
    conn = psycopg2.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", postgres_url))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            table = sql.Identifier(schema, "LiteLLM_SpendLogs")
            cur.execute(
                sql.SQL(LITELLM_SPEND_LOGS_DDL).format(
                    table=table, pkey=sql.Identifier("LiteLLM_SpendLogs_pkey")
                )
            )
            for row in _rows():
                values = [Json(v) if k in LITELLM_JSON_COLUMNS else v for k, v in row.items()]
                cur.execute(
                    sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                        table,
                        sql.SQL(", ").join(sql.Identifier(k) for k in row),
                        sql.SQL(", ").join(sql.Placeholder() for _ in row),
                    ),
                    values,
                )
        yield postgres_url, f"{schema}.LiteLLM_SpendLogs"
    finally:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.close()


@pytest.mark.postgres
def test_reads_the_proxy_table_from_postgres(spend_logs_table: tuple[str, str]) -> None:
    dsn, table = spend_logs_table
    result = read_litellm_postgres(dsn, table, DAY)
    assert result.rejections == []
    assert result.records_read == 5  # the range query leaves the neighbours in the database
    _check_day(result.events)
    assert {e.source_location for e in result.events} >= {f"{table}:chatcmpl-req-1"}
    assert insert_into_monitoring(result.events) == 5
    # the SQLAlchemy spelling of the URL works too
    again = read_litellm_postgres(
        dsn.replace("postgresql://", "postgresql+psycopg2://"), table, DAY
    )
    assert len(again.events) == 5


@pytest.mark.postgres
def test_missing_table_is_source_unavailable(postgres_url: str) -> None:
    with pytest.raises(SourceUnavailable, match="does not exist"):
        read_litellm_postgres(postgres_url, "no_such_schema_x.LiteLLM_SpendLogs", DAY)


@pytest.mark.parametrize(
    "table",
    ['LiteLLM_SpendLogs"; DROP TABLE users; --', "a.b.c", "", "1abc", "spend logs"],
)
def test_table_names_are_validated_before_any_query(table: str) -> None:
    # the DSN points nowhere: validation must fail first, before connecting
    with pytest.raises(SourceUnavailable, match="is not a table name"):
        read_litellm_postgres("postgresql://postgres@127.0.0.1:1/none", table, DAY)


def test_unreachable_postgres_is_source_unavailable() -> None:
    secret = "pw" + "-not-real"
    with pytest.raises(
        SourceUnavailable, match=r"cannot connect to PostgreSQL 127\.0\.0\.1:1/none"
    ) as err:
        read_litellm_postgres(
            f"postgresql://postgres:{secret}@127.0.0.1:1/none", "LiteLLM_SpendLogs", DAY
        )
    assert secret not in str(err.value)
