"""Azure API Management ApiManagementGatewayLlmLog exports: split messages, every export form."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_fixtures import JSON_VALUES, apim_row, insert_into_monitoring

from aisec_assets.monitoring.ingest import read_apim_llm_logs
from aisec_resources.events import ToolCall
from aisec_resources.records import SourceUnavailable

DAY = date(2025, 3, 11)
T0 = datetime(2025, 3, 11, 8, 0, 0, 123456)
LONG_QUESTION = "Please summarise the attached quarterly report. " * 50
HALF = len(LONG_QUESTION) // 2


def _split_request(request_id: str, when: datetime = T0) -> list[dict[str, Any]]:
    """One chat completion logged in four rows: tokens, a prompt too long for one row (cut in
    the middle of the user message), and the completion."""
    return [
        apim_row(request_id=request_id, when=when, sequence=0, tokens=(640, 42)),
        apim_row(
            request_id=request_id,
            when=when,
            sequence=1,
            request_messages=[
                {"role": "system", "content": "You are a finance assistant."},
                {"role": "user", "content": LONG_QUESTION[:HALF]},
            ],
        ),
        apim_row(
            request_id=request_id,
            when=when,
            sequence=2,
            request_messages=[{"role": "user", "content": LONG_QUESTION[HALF:]}],
        ),
        apim_row(
            request_id=request_id,
            when=when,
            sequence=3,
            response_messages=[
                {
                    "role": "assistant",
                    "content": "Revenue grew 4%.",
                    "tool_calls": [
                        {
                            "id": "call_fx",
                            "type": "function",
                            "function": {"name": "convert_currency", "arguments": '{"to": "EUR"}'},
                        }
                    ],
                }
            ],
        ),
    ]


def test_split_messages_are_reassembled(tmp_path: Path) -> None:
    rows = _split_request("req-a")
    rows.reverse()  # the export's row order is not the sequence order
    path = tmp_path / "llmlog.json"
    path.write_text(json.dumps(rows, indent=2))
    result = read_apim_llm_logs(tmp_path, DAY)

    assert result.rejections == []
    assert result.records_read == 4
    [event] = result.events
    assert event.source == "azure_apim_llm_log"
    assert event.source_record_id == "req-a"
    assert event.event_time == T0
    assert (event.provider_name, event.endpoint) == ("azure.ai.openai", "gpt-4o-support")
    assert (event.request_model, event.operation_name) == ("gpt-4o-2024-08-06", "chat")
    assert event.cloud_account == "0f6c1e2a-1b2c-4d3e-8f90-123456789abc"
    assert event.cloud_region == "West Europe"
    assert event.system_prompt == "You are a finance assistant."
    assert event.prompt_text == LONG_QUESTION  # the two halves joined back into one message
    assert event.response_text == "Revenue grew 4%."
    assert event.tool_calls == [ToolCall("convert_currency", "call_fx", '{"to": "EUR"}')]
    assert (event.input_tokens, event.output_tokens, event.total_tokens) == (640, 42, 682)
    assert event.is_stream is False
    assert [m["role"] for m in event.input_messages or []] == ["user"]
    assert event.raw["sequence_numbers"] == [0, 1, 2, 3]
    assert insert_into_monitoring(result.events) == 1


def test_a_missing_piece_keeps_the_event_and_is_rejected(tmp_path: Path) -> None:
    rows = [r for r in _split_request("req-gap") if r["SequenceNumber"] != 2]
    path = tmp_path / "gap.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = read_apim_llm_logs(path, DAY)

    [event] = result.events
    assert event.prompt_text == LONG_QUESTION[:HALF]
    assert event.response_text == "Revenue grew 4%."
    [gap] = result.rejections
    assert gap.location == f"{path}:1"
    assert "RequestId 'req-gap': SequenceNumber 2 missing (have 0, 1, 3)" in gap.reason
    insert_into_monitoring(result.events, result.rejections)


def test_portal_csv_with_text_split_mid_json(tmp_path: Path) -> None:
    """The portal CSV: `TimeGenerated [UTC]` in its locale format, dynamic columns as JSON
    text, and a prompt whose JSON text is cut across two rows."""
    messages = json.dumps(
        [{"role": "user", "content": "Translate: 'bonjour, ça va?' to English"}],
        ensure_ascii=False,
    )
    cut = messages.index("ça") + 1
    header = [
        "TimeGenerated [UTC]",
        "CorrelationId",
        "RequestId",
        "DeploymentName",
        "ModelName",
        "OperationName",
        "IsStreamCompletion",
        "PromptTokens",
        "CompletionTokens",
        "TotalTokens",
        "RequestMessages",
        "ResponseMessages",
        "SequenceNumber",
    ]
    when = "3/11/2025, 9:14:05.513 PM"
    response = json.dumps([{"role": "assistant", "content": "Hello, how are you?"}])
    rows = [
        [
            when,
            "c1",
            "req-csv",
            "gpt-4o-mini",
            "gpt-4o-mini",
            "ChatCompletions_Create",
            "True",
            "15",
            "6",
            "21",
            "",
            "",
            "0",
        ],
        [when, "c1", "req-csv", "", "", "", "", "", "", "", messages[:cut], "", "1"],
        [when, "c1", "req-csv", "", "", "", "", "", "", "", messages[cut:], "", "2"],
        [when, "c1", "req-csv", "", "", "", "", "", "", "", "", response, "3"],
    ]
    path = tmp_path / "query_data.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    result = read_apim_llm_logs(path, DAY)

    assert result.rejections == []
    [event] = result.events
    assert event.event_time == datetime(2025, 3, 11, 21, 14, 5, 513000)
    assert event.prompt_text == "Translate: 'bonjour, ça va?' to English"
    assert event.response_text == "Hello, how are you?"
    assert event.is_stream is True
    assert (event.input_tokens, event.output_tokens) == (15, 6)
    assert event.source_location == f"{path}:2"


def test_cli_strings_and_the_query_api_shape(tmp_path: Path) -> None:
    # `az monitor log-analytics query` gives every value as a string
    as_strings = [
        {
            k: (json.dumps(v) if isinstance(v, list) else ("" if v is None else str(v)))
            for k, v in row.items()
        }
        for row in _split_request("req-cli")
    ]
    (tmp_path / "cli.json").write_text(json.dumps(as_strings))
    # the Log Analytics query API: tables of columns and rows
    api_rows = _split_request("req-api")
    columns = list(api_rows[0])
    payload = {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": c, "type": "string"} for c in columns],
                "rows": [[row[c] for c in columns] for row in api_rows],
            }
        ]
    }
    (tmp_path / "api.json").write_text(json.dumps(payload))
    result = read_apim_llm_logs(tmp_path, DAY)

    assert result.rejections == []
    events = {e.source_record_id: e for e in result.events}
    assert sorted(events) == ["req-api", "req-cli"]
    for event in events.values():
        assert event.prompt_text == LONG_QUESTION
        assert (event.input_tokens, event.output_tokens, event.is_stream) == (640, 42, False)
    assert events["req-api"].source_location == f"{tmp_path / 'api.json'}:1#tables[0].rows[0]"


def test_midnight_and_bad_rows(tmp_path: Path) -> None:
    before = datetime(2025, 3, 10, 23, 59, 59, 999999)
    after = datetime(2025, 3, 12, 0, 0, 0)
    rows = (
        _split_request("req-before", before)[:1]
        + _split_request("req-first", datetime(2025, 3, 11))[:1]
        + [
            {**apim_row(request_id="req-bad", when=T0, sequence=0), "TimeGenerated": "soon"},
            {
                **apim_row(request_id="x", when=T0, sequence=0),
                "RequestId": None,
                "CorrelationId": "",
            },
        ]
        + _split_request("req-last", datetime(2025, 3, 11, 23, 59, 59, 999999))[:1]
        + _split_request("req-after", after)[:1]
    )
    path = tmp_path / "day.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = read_apim_llm_logs(path, DAY)

    assert sorted(e.source_record_id for e in result.events) == ["req-first", "req-last"]
    reasons = {r.location: r.reason for r in result.rejections}
    assert reasons == {
        f"{path}:3": "TimeGenerated: not a timestamp: 'soon'",
        f"{path}:4": "neither RequestId nor CorrelationId",
    }
    assert read_apim_llm_logs(path, date(2025, 3, 10)).rejections == []
    insert_into_monitoring(result.events, result.rejections)


_COLUMNS = [
    "RequestMessages",
    "ResponseMessages",
    "PromptTokens",
    "IsStreamCompletion",
    "_ResourceId",
    "OperationName",
    "DeploymentName",
]


def test_rows_of_any_shape_never_stop_the_reader(tmp_path: Path) -> None:
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from(_COLUMNS), JSON_VALUES),
            min_size=1,
            max_size=5,
        )
    )
    def check(changes: list[tuple[int, str, Any]]) -> None:
        rows = _split_request("req-any")
        for index, column, value in changes:
            rows[index][column] = value
        (tmp_path / "any.json").write_text(json.dumps(rows))
        result = read_apim_llm_logs(tmp_path, DAY)
        assert (len(result.events), len(result.rejections)) == (1, 0)
        result.events[0].to_row()

    check()


def test_missing_path_is_source_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        read_apim_llm_logs(tmp_path / "absent.json", DAY)
