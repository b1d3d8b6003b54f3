"""OpenTelemetry GenAI spans exported as OTLP JSON: current and legacy conventions."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_fixtures import ACCOUNT, JSON_VALUES, insert_into_monitoring, otel_span, otlp_export

from aisec_assets.monitoring.ingest import read_otel_json
from aisec_resources.events import ToolCall
from aisec_resources.records import SourceUnavailable

DAY = date(2025, 3, 11)
TRACE = "5b8efff798038103d269b633813fc60c"
T0 = datetime(2025, 3, 11, 10, 15, 0)


def _agent_trace() -> dict:
    """invoke_agent → chat (content as attributes) → execute_tool, plus an HTTP span."""
    agent = otel_span(
        trace_id=TRACE,
        span_id="a000000000000001",
        name="invoke_agent support",
        start=T0,
        duration_ms=4000,
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.provider.name": "openai",
            "gen_ai.agent.id": "asst_support_01",
            "gen_ai.agent.name": "support",
            "gen_ai.conversation.id": "conv-77",
        },
    )
    chat = otel_span(
        trace_id=TRACE,
        span_id="a000000000000002",
        parent="a000000000000001",
        name="chat gpt-4o",
        start=T0.replace(second=1),
        duration_ms=1500,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.response.id": "chatcmpl-xyz",
            "gen_ai.response.finish_reasons": ["tool_calls"],
            "gen_ai.usage.input_tokens": 97,
            "gen_ai.usage.output_tokens": 52,
            "server.address": "api.openai.com",
            "gen_ai.system_instructions": json.dumps(
                [{"type": "text", "content": "You are a careful support agent."}]
            ),
            "gen_ai.input.messages": json.dumps(
                [
                    {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
                    {
                        "role": "assistant",
                        "parts": [
                            {
                                "type": "tool_call",
                                "id": "call_w1",
                                "name": "get_weather",
                                "arguments": {"city": "Paris"},
                            }
                        ],
                    },
                    {
                        "role": "tool",
                        "parts": [
                            {
                                "type": "tool_call_response",
                                "id": "call_w1",
                                "response": "rainy, 12C",
                            }
                        ],
                    },
                ]
            ),
            "gen_ai.output.messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [
                            {"type": "text", "content": "It is rainy."},
                            {
                                "type": "tool_call",
                                "id": "call_n2",
                                "name": "send_note",
                                "arguments": {"to": "me"},
                            },
                        ],
                        "finish_reason": "tool_call",
                    }
                ]
            ),
        },
    )
    tool = otel_span(
        trace_id=TRACE,
        span_id="a000000000000003",
        parent="a000000000000001",
        name="execute_tool send_note",
        start=T0.replace(second=3),
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "send_note",
            "gen_ai.tool.call.id": "call_n2",
            "gen_ai.tool.call.arguments": '{"to": "me"}',
            "gen_ai.tool.call.result": "note queued",
        },
    )
    http = otel_span(
        trace_id=TRACE,
        span_id="a000000000000004",
        parent="a000000000000002",
        name="POST",
        start=T0.replace(second=1),
        attributes={"http.request.method": "POST", "url.full": "https://api.openai.com/v1/chat"},
    )
    return otlp_export([agent, chat, tool, http])


def test_current_conventions_with_agent_chat_and_tool_spans(tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(_agent_trace(), indent=1))
    result = read_otel_json(path, DAY)

    assert result.rejections == []
    assert result.records_read == 4  # the HTTP span is read but is not an LLM event
    events = {e.operation_name: e for e in result.events}
    assert sorted(events) == ["chat", "execute_tool", "invoke_agent"]
    chat = events["chat"]
    assert chat.source == "otel_genai"
    assert chat.source_record_id == f"{TRACE}:a000000000000002"
    assert chat.source_location == f"{path}:1#resourceSpans[0].scopeSpans[0].spans[1]"
    assert chat.event_time == T0.replace(second=1)
    assert (chat.provider_name, chat.request_model, chat.response_model) == (
        "openai",
        "gpt-4o",
        "gpt-4o-2024-08-06",
    )
    assert (chat.response_id, chat.finish_reasons) == ("chatcmpl-xyz", ["tool_calls"])
    assert (chat.input_tokens, chat.output_tokens, chat.total_tokens) == (97, 52, 149)
    assert chat.duration_ms == 1500
    assert chat.endpoint == "api.openai.com"
    assert (chat.cloud_account, chat.cloud_region) == (ACCOUNT, "eu-west-1")
    # inherited from the invoke_agent span around it
    assert (chat.agent_id, chat.agent_name, chat.session_id) == (
        "asst_support_01",
        "support",
        "conv-77",
    )
    assert chat.system_prompt == "You are a careful support agent."
    assert chat.prompt_text == "Weather in Paris?"
    assert chat.retrieved_context == "rainy, 12C"
    assert chat.response_text == "It is rainy."
    assert chat.tool_calls == [ToolCall("send_note", "call_n2", '{"to": "me"}')]

    tool = events["execute_tool"]
    assert tool.tool_calls == [ToolCall("send_note", "call_n2", '{"to": "me"}')]
    assert tool.retrieved_context == "note queued"
    assert tool.agent_name == "support"
    assert insert_into_monitoring(result.events) == 3


def test_content_on_the_operation_details_event_as_structured_values(tmp_path: Path) -> None:
    span = otel_span(
        trace_id=TRACE,
        span_id="b000000000000001",
        name="chat claude",
        start=T0,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "aws.bedrock",
            "gen_ai.request.model": "anthropic.claude-3-haiku",
        },
        events=[
            (
                "gen_ai.client.inference.operation.details",
                {
                    # structured attribute values (arrayValue / kvlistValue), not JSON text
                    "gen_ai.input.messages": [
                        {
                            "role": "user",
                            "parts": [{"type": "text", "content": "List three fruits"}],
                        }
                    ],
                    "gen_ai.output.messages": [
                        {
                            "role": "assistant",
                            "parts": [{"type": "text", "content": "Apple, pear, fig."}],
                            "finish_reason": "stop",
                        }
                    ],
                },
            )
        ],
    )
    (tmp_path / "details.json").write_text(json.dumps(otlp_export([span])))
    [event] = read_otel_json(tmp_path, DAY).events
    assert event.prompt_text == "List three fruits"
    assert event.response_text == "Apple, pear, fig."
    assert event.finish_reasons == ["stop"]
    assert event.provider_name == "aws.bedrock"


def test_legacy_attribute_names_and_per_message_events(tmp_path: Path) -> None:
    span = otel_span(
        trace_id=TRACE,
        span_id="c000000000000001",
        name="chat gpt-35-turbo",
        start=T0,
        error=True,
        attributes={
            "gen_ai.system": "az.ai.inference",
            "gen_ai.request.model": "gpt-35-turbo",
            "gen_ai.usage.prompt_tokens": 20,
            "gen_ai.usage.completion_tokens": 8,
            "error.type": "429",
        },
        events=[
            ("gen_ai.system.message", {"gen_ai.event.content": '{"content": "Be brief."}'}),
            ("gen_ai.user.message", {"gen_ai.event.content": '{"content": "Define RAG."}'}),
            (
                "gen_ai.tool.message",
                {"gen_ai.event.content": '{"content": "doc: retrieval augmented", "id": "c1"}'},
            ),
            (
                "gen_ai.choice",
                {
                    "gen_ai.event.content": json.dumps(
                        {
                            "message": {"content": "Retrieval-augmented generation."},
                            "finish_reason": "stop",
                            "index": 0,
                        }
                    )
                },
            ),
        ],
    )
    openllmetry = otel_span(
        trace_id=TRACE,
        span_id="c000000000000002",
        name="openai.chat",
        start=T0,
        attributes={
            "gen_ai.system": "OpenAI",
            "gen_ai.prompt.0.role": "system",
            "gen_ai.prompt.0.content": "Sys text",
            "gen_ai.prompt.1.role": "user",
            "gen_ai.prompt.1.content": "User text",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "Answer text",
            "gen_ai.completion.0.finish_reason": "stop",
            "gen_ai.completion.0.tool_calls.0.name": "lookup",
            "gen_ai.completion.0.tool_calls.0.arguments": '{"q": 1}',
            "llm.usage.total_tokens": 33,
        },
    )
    (tmp_path / "legacy.json").write_text(json.dumps(otlp_export([span, openllmetry])))
    result = read_otel_json(tmp_path, DAY)
    events = {e.source_record_id.split(":")[1]: e for e in result.events}

    azure = events["c000000000000001"]
    assert azure.provider_name == "az.ai.inference"
    assert azure.operation_name == "chat"  # from the span name when the attribute is absent
    assert (azure.input_tokens, azure.output_tokens, azure.total_tokens) == (20, 8, 28)
    assert (azure.status, azure.error_code) == ("error", "429")
    assert azure.system_prompt == "Be brief."
    assert azure.prompt_text == "Define RAG."
    assert azure.retrieved_context == "doc: retrieval augmented"
    assert azure.response_text == "Retrieval-augmented generation."
    assert azure.finish_reasons == ["stop"]

    indexed = events["c000000000000002"]
    assert (indexed.system_prompt, indexed.prompt_text) == ("Sys text", "User text")
    assert indexed.response_text == "Answer text"
    assert indexed.tool_calls == [ToolCall("lookup", None, '{"q": 1}')]
    assert indexed.total_tokens == 33
    assert insert_into_monitoring(result.events) == 2


def test_jsonl_exports_bad_lines_and_midnight(tmp_path: Path) -> None:
    def chat(span_id: str, start: datetime, extra_ns: int = 0) -> dict:
        span = otel_span(
            trace_id=TRACE,
            span_id=span_id,
            name="chat m",
            start=start,
            attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"},
        )
        span["startTimeUnixNano"] = str(int(span["startTimeUnixNano"]) + extra_ns)
        return span

    before = chat("d000000000000001", datetime(2025, 3, 10, 23, 59, 59, 999999), extra_ns=999)
    first = chat("d000000000000002", datetime(2025, 3, 11), extra_ns=1)
    last = chat("d000000000000003", datetime(2025, 3, 11, 23, 59, 59, 999999), extra_ns=999)
    after = chat("d000000000000004", datetime(2025, 3, 12))
    no_start = chat("d000000000000005", datetime(2025, 3, 11, 12))
    del no_start["startTimeUnixNano"]
    lines = [
        json.dumps(otlp_export([before, first])),
        '{"resourceSpans": [ {"truncated',
        json.dumps({"resourceLogs": []}),
        json.dumps(otlp_export([no_start, last])),
        json.dumps(otlp_export([after])),
    ]
    path = tmp_path / "collector-export.json"  # the collector writes JSONL into .json files
    path.write_text("\n".join(lines) + "\n")
    result = read_otel_json(path, DAY)

    assert sorted(e.source_record_id.split(":")[1] for e in result.events) == [
        "d000000000000002",
        "d000000000000003",
    ]
    reasons = {r.location: r.reason for r in result.rejections}
    assert reasons[f"{path}:2"].startswith("malformed JSON")
    assert reasons[f"{path}:3"] == "not an OTLP traces export (no resourceSpans list)"
    assert reasons[f"{path}:4#resourceSpans[0].scopeSpans[0].spans[0]"] == (
        "startTimeUnixNano: missing"
    )
    assert len(result.rejections) == 3
    # the bad lines belong to this day (their neighbours' day), not to the day before
    assert read_otel_json(path, date(2025, 3, 10)).rejections == []
    insert_into_monitoring(result.events, result.rejections)


_ATTRIBUTES = [
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.usage.input_tokens",
    "gen_ai.response.finish_reasons",
    "gen_ai.tool.call.result",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.name",
    "gen_ai.prompt",
    "gen_ai.prompt.0.content",
    "gen_ai.completion.1.tool_calls.0.name",
    "gen_ai.agent.id",
]
_EVENTS = ["gen_ai.user.message", "gen_ai.choice", "gen_ai.client.inference.operation.details"]
_EVENT_ATTRIBUTES = ["gen_ai.event.content", "content", "message", "gen_ai.input.messages"]


def test_spans_of_any_shape_never_stop_the_reader(tmp_path: Path) -> None:
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.dictionaries(st.sampled_from(_ATTRIBUTES), JSON_VALUES, max_size=5),
        st.lists(
            st.tuples(
                st.sampled_from(_EVENTS),
                st.dictionaries(st.sampled_from(_EVENT_ATTRIBUTES), JSON_VALUES, max_size=3),
            ),
            max_size=3,
        ),
    )
    def check(attributes: dict[str, Any], events: list[tuple[str, dict[str, Any]]]) -> None:
        span = otel_span(
            trace_id=TRACE,
            span_id="e000000000000001",
            name="execute_tool x",
            start=T0,
            attributes={"gen_ai.operation.name": "execute_tool", **attributes},
            events=events,
        )
        (tmp_path / "any.json").write_text(json.dumps(otlp_export([span])))
        result = read_otel_json(tmp_path, DAY)
        assert (len(result.events), len(result.rejections)) == (1, 0)
        result.events[0].to_row()

    check()


def test_missing_path_is_source_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        read_otel_json(tmp_path / "absent", DAY)
