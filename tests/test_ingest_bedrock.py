"""Bedrock model-invocation logs: from a local copy of the S3 tree and from S3 (moto server)."""

from __future__ import annotations

import base64
import gzip
import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_fixtures import (
    ACCOUNT,
    CALLER_ARN,
    JSON_VALUES,
    REGION,
    anthropic_stream_chunks,
    bedrock_key,
    bedrock_record,
    converse_input,
    converse_output,
    insert_into_monitoring,
    jsonl_bytes,
    write_log_file,
)
from moto.server import ThreadedMotoServer

from aisec_assets.monitoring.ingest import BedrockLogsSource, read_bedrock_logs
from aisec_resources.events import ToolCall
from aisec_resources.records import SourceUnavailable

DAY = date(2025, 3, 11)
NOON = datetime(2025, 3, 11, 12, 0, 0)
CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
LLAMA_PROMPT = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\nHi<|eot_id|>"


def _local(root: Path) -> BedrockLogsSource:
    return BedrockLogsSource(path=root)


def _one_file(root: Path, records: list[dict[str, Any]], when: datetime = NOON) -> Path:
    return write_log_file(
        root, bedrock_key(when, "20250311T1200Z_a1b2c3.json.gz"), jsonl_bytes(records)
    )


# ------------------------------------------------------------------ local tree


def test_converse_record_is_normalized(tmp_path: Path) -> None:
    record = bedrock_record(
        when=NOON,
        request_id="req-converse-1",
        operation="Converse",
        model_id=CLAUDE,
        input_body=converse_input(
            "You are Kestrel's support assistant.",
            "Where is my refund?",
            tool_result="Refunds take 5 business days.",
        ),
        output_body=converse_output(
            "Let me open a ticket.",
            tool_use={
                "toolUseId": "tooluse_t9",
                "name": "create_ticket",
                "input": {"priority": "high"},
            },
        ),
        input_tokens=61,
        output_tokens=24,
        request_metadata={"sessionId": "chat-7", "agentId": "AGENT12345", "agentName": "support"},
    )
    path = _one_file(tmp_path, [record])
    result = read_bedrock_logs(_local(tmp_path), DAY)

    assert result.rejections == []
    assert (result.files_read, result.records_read) == (1, 1)
    [event] = result.events
    assert event.source == "bedrock_invocation_log"
    assert event.source_location == f"{path}:1"
    assert event.source_record_id == "req-converse-1"
    assert event.event_time == NOON
    assert (event.operation_name, event.provider_name) == ("chat", "aws.bedrock")
    assert (event.request_model, event.cloud_account, event.cloud_region) == (
        CLAUDE,
        ACCOUNT,
        REGION,
    )
    assert event.user_id == CALLER_ARN
    assert (event.session_id, event.agent_id, event.agent_name) == (
        "chat-7",
        "AGENT12345",
        "support",
    )
    assert event.system_prompt == "You are Kestrel's support assistant."
    assert event.prompt_text == "Where is my refund?"
    assert event.retrieved_context == "Refunds take 5 business days."
    assert event.response_text == "Let me open a ticket."
    assert event.tool_calls == [ToolCall("create_ticket", "tooluse_t9", '{"priority": "high"}')]
    assert (event.input_tokens, event.output_tokens, event.total_tokens) == (61, 24, 85)
    assert event.finish_reasons == ["tool_use"]
    assert event.duration_ms == 812
    assert event.is_stream is False
    assert event.raw == record
    assert [m["role"] for m in event.input_messages or []] == ["user", "assistant", "user"]
    assert insert_into_monitoring(result.events) == 1


# (input body, output body) of InvokeModel per model family, and what must come out.
FAMILIES: dict[str, tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "anthropic-messages": (
        CLAUDE,
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 300,
            "system": "Answer briefly.",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Summarize this email."}]},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t1", "name": "fetch", "input": {}}],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "t1", "content": "Email: lunch at 1"}
                    ],
                },
            ],
        },
        {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": "claude-3-5-sonnet-20240620",
            "content": [{"type": "text", "text": "Lunch is at one."}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 30, "output_tokens": 6},
        },
        {
            "system_prompt": "Answer briefly.",
            "prompt_text": "Summarize this email.",
            "retrieved_context": "Email: lunch at 1",
            "response_text": "Lunch is at one.",
            "response_id": "msg_01",
            "finish_reasons": ["end_turn"],
            "operation_name": "chat",
        },
    ),
    "titan-text": (
        "amazon.titan-text-express-v1",
        {"inputText": "Write a haiku about logs.", "textGenerationConfig": {"maxTokenCount": 50}},
        {
            "inputTextTokenCount": 7,
            "results": [
                {
                    "tokenCount": 12,
                    "outputText": "Lines fall like rain",
                    "completionReason": "FINISH",
                }
            ],
        },
        {
            "prompt_text": "Write a haiku about logs.",
            "response_text": "Lines fall like rain",
            "finish_reasons": ["FINISH"],
            "operation_name": "text_completion",
        },
    ),
    "nova-messages": (
        "amazon.nova-pro-v1:0",
        {
            "schemaVersion": "messages-v1",
            "system": [{"text": "Be formal."}],
            "messages": [{"role": "user", "content": [{"text": "Greet the board."}]}],
        },
        {
            "output": {
                "message": {"role": "assistant", "content": [{"text": "Good morning, members."}]}
            },
            "stopReason": "end_turn",
            "usage": {"inputTokens": 9, "outputTokens": 5, "totalTokens": 14},
        },
        {
            "system_prompt": "Be formal.",
            "prompt_text": "Greet the board.",
            "response_text": "Good morning, members.",
            "operation_name": "chat",
        },
    ),
    "llama": (
        "meta.llama3-70b-instruct-v1:0",
        {"prompt": LLAMA_PROMPT},
        {
            "generation": "Hello!",
            "prompt_token_count": 12,
            "generation_token_count": 3,
            "stop_reason": "stop",
        },
        {
            "prompt_text": LLAMA_PROMPT,
            "response_text": "Hello!",
            "finish_reasons": ["stop"],
        },
    ),
    "mistral-text": (
        "mistral.mistral-7b-instruct-v0:2",
        {"prompt": "<s>[INST] Name a color [/INST]", "max_tokens": 20},
        {"outputs": [{"text": "Teal.", "stop_reason": "stop"}]},
        {"prompt_text": "<s>[INST] Name a color [/INST]", "response_text": "Teal."},
    ),
    "mistral-chat": (
        "mistral.mistral-large-2407-v1:0",
        {
            "messages": [
                {"role": "system", "content": "Terse."},
                {"role": "user", "content": "2+2?"},
            ]
        },
        {
            "id": "cmpl-9",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "4"},
                    "finish_reason": "stop",
                }
            ],
        },
        {
            "system_prompt": "Terse.",
            "prompt_text": "2+2?",
            "response_text": "4",
            "operation_name": "chat",
        },
    ),
    "cohere-command-r": (
        "cohere.command-r-plus-v1:0",
        {
            "message": "What does the memo say?",
            "preamble": "You are a memo reader.",
            "chat_history": [
                {"role": "USER", "message": "hello"},
                {"role": "CHATBOT", "message": "hi"},
            ],
            "documents": [{"title": "memo", "snippet": "Office closed Friday."}],
        },
        {"text": "It says the office is closed Friday.", "finish_reason": "COMPLETE"},
        {
            "system_prompt": "You are a memo reader.",
            "prompt_text": "hello\n\nWhat does the memo say?",
            "response_text": "It says the office is closed Friday.",
        },
    ),
}


def test_document_and_search_result_blocks_are_retrieved_context(tmp_path: Path) -> None:
    """Documents an application attaches as content blocks are read, as retrieved context; a
    binary document (a PDF) is not decoded."""
    converse_doc = base64.b64encode(b"Travel policy: economy class only.").decode()
    messages = [
        {
            "role": "user",
            "content": [
                {
                    "document": {
                        "format": "txt",
                        "name": "policy",
                        "source": {"bytes": converse_doc},
                    }
                },
                {
                    "document": {
                        "format": "pdf",
                        "name": "scan",
                        "source": {"bytes": "JVBERi0xLjQ="},
                    }
                },
                {"text": "Can I fly business class?"},
            ],
        }
    ]
    anthropic = {
        "anthropic_version": "bedrock-2023-05-31",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "document", "title": "Handbook",
                     "source": {"type": "text", "data": "Leave: 25 days."}},
                    {"type": "search_result", "source": "https://kb.example/hr", "title": "HR FAQ",
                     "content": [{"type": "text", "text": "Carry-over: 5 days."}]},
                    {"type": "text", "text": "How much leave do I get?"},
                ],
            }
        ],
    }  # fmt: skip
    records = [
        bedrock_record(when=NOON, request_id="req-doc-1", operation="Converse", model_id=CLAUDE,
                       input_body={"messages": messages}, output_body=converse_output("No.")),
        bedrock_record(when=NOON, request_id="req-doc-2", operation="InvokeModel", model_id=CLAUDE,
                       input_body=anthropic),
    ]  # fmt: skip
    _one_file(tmp_path, records)
    result = read_bedrock_logs(_local(tmp_path), DAY)
    assert result.rejections == []
    by_id = {e.source_record_id: e for e in result.events}
    converse, invoke = by_id["req-doc-1"], by_id["req-doc-2"]
    assert converse.prompt_text == "Can I fly business class?"
    assert converse.retrieved_context == "Travel policy: economy class only."
    assert invoke.prompt_text == "How much leave do I get?"
    assert invoke.retrieved_context == "Handbook\nLeave: 25 days.\n\nHR FAQ\nCarry-over: 5 days."


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_invoke_model_bodies_of_each_family(tmp_path: Path, family: str) -> None:
    model_id, body_in, body_out, expected = FAMILIES[family]
    record = bedrock_record(
        when=NOON,
        request_id=f"req-{family}",
        operation="InvokeModel",
        model_id=model_id,
        input_body=body_in,
        output_body=body_out,
        input_tokens=10,
        output_tokens=5,
    )
    _one_file(tmp_path, [record])
    [event] = read_bedrock_logs(_local(tmp_path), DAY).events
    for name, value in expected.items():
        assert getattr(event, name) == value, name
    if family == "cohere-command-r":
        assert "Office closed Friday." in (event.retrieved_context or "")
    assert event.is_stream is False


def test_streaming_responses_are_reassembled(tmp_path: Path) -> None:
    claude = bedrock_record(
        when=NOON,
        request_id="req-stream-claude",
        operation="InvokeModelWithResponseStream",
        model_id=CLAUDE,
        input_body={
            "anthropic_version": "bedrock-2023-05-31",
            "messages": [{"role": "user", "content": "Open a ticket"}],
        },
        output_body=anthropic_stream_chunks(
            ["I will ", "open it ", "now."], ['{"prio', 'rity": "low"}']
        ),
    )
    titan = bedrock_record(
        when=NOON,
        request_id="req-stream-titan",
        operation="InvokeModelWithResponseStream",
        model_id="amazon.titan-text-premier-v1:0",
        input_body={"inputText": "Count to three"},
        output_body=[
            {"outputText": "One, ", "index": 0, "inputTextTokenCount": 4},
            {"outputText": "two, ", "index": 0},
            {
                "outputText": "three.",
                "index": 0,
                "totalOutputTextTokenCount": 6,
                "completionReason": "FINISH",
            },
        ],
        input_tokens=4,
        output_tokens=6,
    )
    nova = bedrock_record(
        when=NOON,
        request_id="req-stream-nova",
        operation="InvokeModelWithResponseStream",
        model_id="amazon.nova-lite-v1:0",
        input_body={"messages": [{"role": "user", "content": [{"text": "Say hi"}]}]},
        output_body=[
            {"messageStart": {"role": "assistant"}},
            {"contentBlockDelta": {"delta": {"text": "Hi "}, "contentBlockIndex": 0}},
            {"contentBlockDelta": {"delta": {"text": "there"}, "contentBlockIndex": 0}},
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": "end_turn"}},
            {"metadata": {"usage": {"inputTokens": 3, "outputTokens": 2}}},
        ],
    )
    _one_file(tmp_path, [claude, titan, nova])
    events = {e.source_record_id: e for e in read_bedrock_logs(_local(tmp_path), DAY).events}

    first = events["req-stream-claude"]
    assert first.is_stream is True
    assert first.response_text == "I will open it now."
    assert first.tool_calls == [ToolCall("create_ticket", "toolu_01", '{"priority": "low"}')]
    assert first.finish_reasons == ["tool_use"]
    # no token counts at the record level: the stream's own metrics give them
    assert (first.input_tokens, first.output_tokens, first.duration_ms) == (40, 33, 1234)
    assert (first.response_id, first.response_model) == (
        "msg_bdrk_0001",
        "claude-3-5-sonnet-20240620",
    )

    assert events["req-stream-titan"].response_text == "One, two, three."
    assert events["req-stream-titan"].finish_reasons == ["FINISH"]
    assert events["req-stream-nova"].response_text == "Hi there"
    assert (events["req-stream-nova"].input_tokens, events["req-stream-nova"].output_tokens) == (
        3,
        2,
    )
    assert insert_into_monitoring(list(events.values())) == 3


def test_missing_token_counts_are_none_not_zero(tmp_path: Path) -> None:
    record = bedrock_record(
        when=NOON,
        request_id="req-no-tokens",
        operation="InvokeModel",
        model_id="meta.llama3-8b-instruct-v1:0",
        input_body={"prompt": "hi"},
        output_body={"generation": "hello"},
    )
    errored = bedrock_record(
        when=NOON,
        request_id="req-throttled",
        operation="Converse",
        model_id=CLAUDE,
        input_body=converse_input("s", "u"),
        error_code="ThrottlingException",
    )
    _one_file(tmp_path, [record, errored])
    events = {e.source_record_id: e for e in read_bedrock_logs(_local(tmp_path), DAY).events}
    quiet = events["req-no-tokens"]
    assert (quiet.input_tokens, quiet.output_tokens, quiet.total_tokens) == (None, None, None)
    failed = events["req-throttled"]
    assert (failed.status, failed.error_code, failed.response_text) == (
        "error",
        "ThrottlingException",
        None,
    )
    assert failed.output_tokens is None


def test_non_utf8_bytes_are_replaced_and_noted(tmp_path: Path) -> None:
    good = bedrock_record(
        when=NOON,
        request_id="req-ok",
        operation="InvokeModel",
        model_id="meta.llama3-8b-instruct-v1:0",
        input_body={"prompt": "fine"},
        output_body={"generation": "ok"},
    )
    odd = bedrock_record(
        when=NOON,
        request_id="req-latin1",
        operation="InvokeModel",
        model_id="meta.llama3-8b-instruct-v1:0",
        input_body={"prompt": "caf__BYTE__ order"},
        output_body={"generation": "lone \ud800 surrogate"},
    )
    line = json.dumps(odd).encode().replace(b"__BYTE__", b"\xe9\xff")
    data = jsonl_bytes([good]) + line + b"\n"
    path = write_log_file(tmp_path, bedrock_key(NOON, "odd.json.gz"), data)
    result = read_bedrock_logs(_local(tmp_path), DAY)

    assert result.rejections == []
    event = {e.source_record_id: e for e in result.events}["req-latin1"]
    assert event.prompt_text == "caf\ufffd\ufffd order"
    assert event.response_text == "lone \ufffd surrogate"
    assert event.source_location == f"{path}:2"
    assert "non-UTF-8 bytes on line 2" in json.dumps(event.raw["_aisec_ingest"])
    assert insert_into_monitoring(result.events) == 2


def test_truncated_gzip_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    rng = random.Random(7)
    records = [
        bedrock_record(
            when=NOON + timedelta(seconds=i),
            request_id=f"req-trunc-{i}",
            operation="InvokeModel",
            model_id="meta.llama3-8b-instruct-v1:0",
            input_body={"prompt": "".join(rng.choice("abcdefghij0123456789") for _ in range(3000))},
            output_body={"generation": "ok"},
        )
        for i in range(3)
    ]
    compressed = gzip.compress(jsonl_bytes(records), mtime=0)
    cut = int(len(compressed) * 0.8)  # inside the third record
    path = tmp_path / bedrock_key(NOON, "cut.json.gz")
    path.parent.mkdir(parents=True)
    path.write_bytes(compressed[:cut])
    result = read_bedrock_logs(_local(tmp_path), DAY)

    assert [e.source_record_id for e in result.events] == ["req-trunc-0", "req-trunc-1"]
    [problem] = result.rejections
    assert problem.location == f"{path}:3"
    assert "truncated gzip" in problem.reason and f"byte {cut}" in problem.reason
    assert "partial last line dropped" in problem.reason


def test_malformed_and_invalid_records_are_rejected_with_file_and_line(tmp_path: Path) -> None:
    ok = bedrock_record(
        when=NOON,
        request_id="req-fine",
        operation="InvokeModel",
        model_id="meta.llama3-8b-instruct-v1:0",
        input_body={"prompt": "a"},
        output_body={"generation": "b"},
    )
    no_time = {k: v for k, v in ok.items() if k != "timestamp"}
    bad_time = {**ok, "timestamp": "yesterday-ish"}
    other_schema = {**ok, "schemaType": "SomethingElse"}
    data = (
        jsonl_bytes([ok])
        + b'{"schemaType": "ModelInvocationLog", "timestamp": "2025-03-11T12:00:0\n'
        + jsonl_bytes([no_time, bad_time, ["not", "an", "object"], other_schema])
    )
    path = write_log_file(tmp_path, bedrock_key(NOON, "mixed.json.gz"), data)
    result = read_bedrock_logs(_local(tmp_path), DAY)

    assert [e.source_record_id for e in result.events] == ["req-fine"]
    reasons = {r.location: r.reason for r in result.rejections}
    assert set(reasons) == {f"{path}:{n}" for n in (2, 3, 4, 5, 6)}
    assert reasons[f"{path}:2"].startswith("malformed JSON")
    assert reasons[f"{path}:3"] == "timestamp: missing"
    assert reasons[f"{path}:4"].startswith("timestamp: not a timestamp")
    assert reasons[f"{path}:5"] == "record is not a JSON object"
    assert "SomethingElse" in reasons[f"{path}:6"]
    insert_into_monitoring(result.events, result.rejections)


def test_midnight_boundaries_and_day_folders(tmp_path: Path) -> None:
    before = datetime(2025, 3, 10, 23, 59, 58)
    first = datetime(2025, 3, 11, 0, 0, 0)
    last = datetime(2025, 3, 11, 23, 59, 59, 500000)
    after = datetime(2025, 3, 12, 0, 0, 1)

    def rec(when: datetime, rid: str) -> dict[str, Any]:
        return bedrock_record(
            when=when,
            request_id=rid,
            operation="InvokeModel",
            model_id="meta.llama3-8b-instruct-v1:0",
            input_body={"prompt": rid},
            output_body={"generation": "x"},
        )

    # a record of 10 Mar delivered in the 00 folder of 11 Mar, one of 11 Mar in the 00 folder of
    # 12 Mar; a bad line next to each: it belongs to the day of the record before it
    write_log_file(
        tmp_path,
        bedrock_key(first, "a.json.gz"),
        jsonl_bytes([rec(before, "before"), rec(first, "first")]),
    )
    late = (
        jsonl_bytes([rec(last, "last")])
        + b"{broken-after-last\n"
        + jsonl_bytes([rec(after, "after")])
        + b"{broken-after-after\n"
    )
    late_file = write_log_file(tmp_path, bedrock_key(after, "b.json.gz"), late)
    # folders that must not be read for 11 Mar
    wrong_file = write_log_file(
        tmp_path,
        bedrock_key(datetime(2025, 3, 12, 5), "c.json.gz"),
        jsonl_bytes([rec(last, "wrong-folder")]),
    )
    write_log_file(
        tmp_path,
        bedrock_key(datetime(2025, 3, 9, 10), "d.json.gz"),
        jsonl_bytes([rec(first, "old-folder")]),
    )

    by_day = {
        d: read_bedrock_logs(_local(tmp_path), d)
        for d in (date(2025, 3, 10), DAY, date(2025, 3, 12))
    }
    ids = {d: sorted(e.source_record_id for e in r.events) for d, r in by_day.items()}
    assert ids[DAY] == ["first", "last"]
    assert ids[date(2025, 3, 10)] == ["before"]
    assert ids[date(2025, 3, 12)] == ["after"]
    assert [r.location for r in by_day[DAY].rejections] == [f"{late_file}:2"]
    # a record delivered far from its day's folders is not lost silently: the run of the
    # folder's day reports it
    assert sorted(r.location for r in by_day[date(2025, 3, 12)].rejections) == sorted(
        [f"{late_file}:4", f"{wrong_file}:1"]
    )
    assert "not read for its day" in by_day[date(2025, 3, 12)].rejections[-1].reason
    assert by_day[date(2025, 3, 10)].rejections == []
    assert by_day[DAY].files_read == 2  # the 00 folders of 11 and 12 Mar


def test_body_moved_to_s3_is_noted_not_fetched_from_a_local_tree(tmp_path: Path) -> None:
    body_path = f"s3://kestrel-bedrock-logs/{bedrock_key(NOON, 'data/req-big_input.json.gz')}"
    record = bedrock_record(
        when=NOON,
        request_id="req-big",
        operation="Converse",
        model_id=CLAUDE,
        input_s3_path=body_path,
        output_body=converse_output("short answer"),
        input_tokens=40000,
        output_tokens=3,
    )
    _one_file(tmp_path, [record])
    result = read_bedrock_logs(_local(tmp_path), DAY)
    [event] = result.events
    assert result.rejections == []
    assert (event.prompt_text, event.system_prompt) == (None, None)
    assert event.response_text == "short answer"
    assert event.input_tokens == 40000
    assert f"input body in S3 ({body_path}), not fetched" in event.raw["_aisec_ingest"]["notes"][0]


def test_large_bodies_are_dropped_from_raw_but_kept_as_text(tmp_path: Path) -> None:
    long_prompt = "lorem ipsum " * 12000
    record = bedrock_record(
        when=NOON,
        request_id="req-long",
        operation="InvokeModel",
        model_id="meta.llama3-8b-instruct-v1:0",
        input_body={"prompt": long_prompt},
        output_body={"generation": "ok"},
    )
    _one_file(tmp_path, [record])
    [event] = read_bedrock_logs(_local(tmp_path), DAY).events
    assert event.prompt_text == long_prompt
    assert event.raw["input"]["inputBodyJson"]["prompt"].startswith("<dropped from raw:")
    assert "input.inputBodyJson.prompt" in event.raw["_aisec_ingest"]["notes"][0]
    assert event.raw["requestId"] == "req-long"
    assert len(json.dumps(event.raw)) < 20_000


def test_credentials_in_prompts_are_redacted_in_the_stored_row(tmp_path: Path) -> None:
    leaked = "AKIA" + "QWERTYZXCVBNMQWE"  # key-shaped, built at run time
    record = bedrock_record(
        when=NOON,
        request_id="req-leak",
        operation="Converse",
        model_id=CLAUDE,
        input_body=converse_input("s", f"my key is {leaked}, is it valid?"),
        output_body=converse_output(f"Never share {leaked}."),
    )
    _one_file(tmp_path, [record])
    [event] = read_bedrock_logs(_local(tmp_path), DAY).events
    assert leaked in (event.prompt_text or "")  # the parser keeps the text for the rules
    row = event.to_row()
    assert leaked not in json.dumps(row, default=str)
    assert "<redacted:aws_access_key_id>" in row["prompt_text"]
    assert "<redacted:aws_access_key_id>" in row["raw"]


@pytest.mark.parametrize("start", ["root", "AWSLogs", "account", "region"])
def test_path_may_point_anywhere_in_the_tree(tmp_path: Path, start: str) -> None:
    record = bedrock_record(
        when=NOON,
        request_id="req-where",
        operation="InvokeModel",
        model_id="meta.llama3-8b-instruct-v1:0",
        input_body={"prompt": "p"},
        output_body={"generation": "g"},
    )
    _one_file(tmp_path / "bucket-copy", [record])
    # unrelated data next to the logs is not read
    (tmp_path / "bucket-copy" / "notes.txt").write_text("not a log")
    base = tmp_path / "bucket-copy"
    path = {
        "root": base,
        "AWSLogs": base / "AWSLogs",
        "account": base / "AWSLogs" / ACCOUNT,
        "region": base / "AWSLogs" / ACCOUNT / "BedrockModelInvocationLogs" / REGION,
    }[start]
    assert [e.source_record_id for e in read_bedrock_logs(_local(path), DAY).events] == [
        "req-where"
    ]


def test_missing_directory_is_source_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="does not exist"):
        read_bedrock_logs(_local(tmp_path / "nowhere"), DAY)


_FIELDS = [
    ("input", "inputBodyJson"),
    ("output", "outputBodyJson"),
    ("input", "inputBodyJson", "messages"),
    ("input", "inputBodyJson", "system"),
    ("output", "outputBodyJson", "output"),
    ("output", "outputBodyJson", "content"),
    ("input", "inputTokenCount"),
    ("output", "outputTokenCount"),
    ("identity",),
    ("requestMetadata",),
    ("modelId",),
    ("input",),
    ("output",),
]


def test_records_of_any_shape_never_stop_the_reader(tmp_path: Path) -> None:
    """Whatever a record holds, it becomes an event or a rejection, never an exception."""

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(_FIELDS), JSON_VALUES), min_size=1, max_size=4))
    def check(changes: list[tuple[tuple[str, ...], Any]]) -> None:
        record = bedrock_record(
            when=NOON,
            request_id="req-any",
            operation="InvokeModelWithResponseStream",
            model_id=CLAUDE,
            input_body=converse_input("s", "u", "t"),
            output_body=anthropic_stream_chunks(["a"], ["{}"]),
        )
        for path, value in changes:
            target = record
            for key in path[:-1]:
                if not isinstance(target.get(key), dict):
                    target[key] = {}
                target = target[key]
            target[path[-1]] = value
        write_log_file(tmp_path, bedrock_key(NOON, "any.json.gz"), jsonl_bytes([record]))
        result = read_bedrock_logs(_local(tmp_path), DAY)
        assert len(result.events) + len(result.rejections) == 1
        assert not any("could not be normalized" in r.reason for r in result.rejections)
        for event in result.events:
            event.to_row()

    check()


# ------------------------------------------------------------------ S3 (moto server)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _s3(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


class CallLog:
    """The S3 requests a client sent (operation, Prefix/Key)."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register("before-call.s3.*", self._record)

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(
            (model.name, dict(params.get("query_string") or {}) | {"url": params["url_path"]})
        )


def test_reads_the_day_prefixes_from_s3_and_fetches_bodies_moved_to_s3(moto_endpoint: str) -> None:
    client = _s3(moto_endpoint)
    bucket = "kestrel-bedrock-logs-a"
    client.create_bucket(Bucket=bucket)
    prefix = "bedrock/"

    def put(key: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=prefix + key, Body=data)

    big_prompt = "Please review the attached contract. " * 4000
    body_key = bedrock_key(NOON, "data/req-s3-big_input.json.gz")
    put(
        body_key,
        gzip.compress(json.dumps(converse_input("Contract reviewer.", big_prompt)).encode()),
    )
    moved = bedrock_record(
        when=NOON,
        request_id="req-s3-big",
        operation="Converse",
        model_id=CLAUDE,
        input_s3_path=f"s3://{bucket}/{prefix}{body_key}",
        output_body=converse_output("Reviewed."),
        input_tokens=36000,
        output_tokens=2,
    )
    lost = bedrock_record(
        when=NOON,
        request_id="req-s3-lost",
        operation="Converse",
        model_id=CLAUDE,
        input_body=converse_input("s", "u"),
        output_s3_path=f"s3://{bucket}/{prefix}{bedrock_key(NOON, 'data/never-written.json.gz')}",
    )
    late = bedrock_record(
        when=datetime(2025, 3, 11, 23, 59, 59),
        request_id="req-s3-late",
        operation="InvokeModel",
        model_id="meta.llama3-8b-instruct-v1:0",
        input_body={"prompt": "late"},
        output_body={"generation": "x"},
    )
    put(bedrock_key(NOON, "20250311T1200Z_1.json.gz"), gzip.compress(jsonl_bytes([moved, lost])))
    put(
        bedrock_key(datetime(2025, 3, 12, 0, 4), "20250312T0004Z_2.json.gz"),
        gzip.compress(jsonl_bytes([late])),
    )
    put(bedrock_key(datetime(2025, 3, 8, 9), "20250308T0900Z_3.json.gz"), b"not even gzip")
    put(f"AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/amazon-bedrock-logs-permission-check", b"")

    log = CallLog(client)
    source = BedrockLogsSource(s3_uri=f"s3://{bucket}/bedrock", s3_endpoint_url=moto_endpoint)
    result = read_bedrock_logs(source, DAY, s3_client=client)

    events = {e.source_record_id: e for e in result.events}
    assert sorted(events) == ["req-s3-big", "req-s3-late", "req-s3-lost"]
    big = events["req-s3-big"]
    assert big.prompt_text == big_prompt
    assert big.system_prompt == "Contract reviewer."
    assert (
        big.source_location
        == f"s3://{bucket}/{prefix}{bedrock_key(NOON, '20250311T1200Z_1.json.gz')}:1"
    )
    assert any("body fetched from s3://" in n for n in big.raw["_aisec_ingest"]["notes"])
    assert events["req-s3-lost"].response_text is None
    [missing] = result.rejections
    assert missing.location.endswith("20250311T1200Z_1.json.gz:2")
    assert "never-written.json.gz" in missing.reason and "NoSuchKey" in missing.reason

    # listing went by day prefix only: never the whole bucket, never the 8 Mar folder
    listed = [
        c[1]["prefix"] for c in log.calls if c[0] == "ListObjectsV2" and "delimiter" not in c[1]
    ]
    root = f"{prefix}AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/{REGION}/"
    assert sorted(listed) == sorted(
        [f"{root}2025/03/10/23/", f"{root}2025/03/11/", f"{root}2025/03/12/00/"]
    )
    fetched = [c[1]["url"] for c in log.calls if c[0] == "GetObject"]
    assert not any("2025/03/08" in url for url in fetched)
    assert insert_into_monitoring(result.events, result.rejections) == 3


def test_s3_client_is_built_from_the_source(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = _s3(moto_endpoint)
    client.create_bucket(Bucket="kestrel-bedrock-logs-b")
    record = bedrock_record(
        when=NOON,
        request_id="req-own-client",
        operation="InvokeModel",
        model_id="meta.llama3-8b-instruct-v1:0",
        input_body={"prompt": "p"},
        output_body={"generation": "g"},
    )
    client.put_object(
        Bucket="kestrel-bedrock-logs-b",
        Key=bedrock_key(NOON, "x.json.gz"),
        Body=gzip.compress(jsonl_bytes([record])),
    )
    source = BedrockLogsSource(s3_uri="s3://kestrel-bedrock-logs-b", s3_endpoint_url=moto_endpoint)
    assert [e.source_record_id for e in read_bedrock_logs(source, DAY).events] == ["req-own-client"]


def test_missing_bucket_is_source_unavailable(moto_endpoint: str) -> None:
    source = BedrockLogsSource(s3_uri="s3://no-such-bucket-here", s3_endpoint_url=moto_endpoint)
    with pytest.raises(SourceUnavailable, match="NoSuchBucket"):
        read_bedrock_logs(source, DAY, s3_client=_s3(moto_endpoint))


def test_unreachable_s3_is_source_unavailable() -> None:
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    source = BedrockLogsSource(
        s3_uri="s3://kestrel-bedrock-logs", s3_endpoint_url="http://127.0.0.1:9"
    )
    with pytest.raises(SourceUnavailable, match="cannot reach S3"):
        read_bedrock_logs(source, DAY, s3_client=client)
