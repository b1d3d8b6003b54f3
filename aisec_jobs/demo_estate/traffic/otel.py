"""OpenTelemetry GenAI traces of the agents: `invoke_agent`, `chat` and `execute_tool` spans as
OTLP JSON (one ExportTraceServiceRequest per line), content on the inference-details event or
on span attributes, for the Bedrock agents' services and the in-house LangGraph agent.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate import text
from aisec_jobs.demo_estate.traffic.common import (
    OTEL,
    OTEL_DIR,
    _dumps,
    _Exchange,
    _Ids,
    _moment,
    _nanos,
    _Recorder,
    _ToolCall,
    _Turn,
)
from aisec_jobs.demo_estate.traffic.estate import _INHOUSE_AGENT, _Agent, _tool
from aisec_jobs.demo_estate.traffic.speech import _user_text


# =========================================================================== OpenTelemetry
def _attr(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    if isinstance(value, list):
        return {
            "key": key,
            "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}},
        }
    return {"key": key, "value": {"stringValue": str(value)}}


def _semconv_input(ex: _Exchange) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for turn in ex.turns:
        if turn.role == "tool":
            part = {"type": "tool_call_response", "id": turn.call_id, "response": turn.content}
            messages.append({"role": "tool", "parts": [part]})
            continue
        parts: list[dict[str, Any]] = []
        if turn.content:
            parts.append({"type": "text", "content": turn.content})
        parts += [
            {"type": "tool_call", "id": c.call_id, "name": c.name, "arguments": c.arguments}
            for c in turn.tool_calls
        ]
        messages.append({"role": turn.role, "parts": parts})
    return messages


def _semconv_output(ex: _Exchange) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if ex.response:
        parts.append({"type": "text", "content": ex.response})
    parts += [
        {"type": "tool_call", "id": c.call_id, "name": c.name, "arguments": c.arguments}
        for c in ex.response_tool_calls
    ]
    reason = "tool_call" if ex.response_tool_calls else "stop"
    return [{"role": "assistant", "parts": parts, "finish_reason": reason}]


@dataclass(frozen=True)
class _OtelService:
    name: str
    scope: str
    provider: str
    content_on_event: bool
    environment: str = "production"


_PORTAL = _OtelService(
    "kestrel-customer-portal", "opentelemetry.instrumentation.bedrock_agent", "aws.bedrock", True
)
_CLAIMS_PORTAL = _OtelService(
    "kestrel-health-claims-portal",
    "opentelemetry.instrumentation.bedrock_agent",
    "aws.bedrock",
    True,
)
_FRAUD_CONSOLE = _OtelService(
    "fraud-triage-console", "opentelemetry.instrumentation.bedrock_agent", "aws.bedrock", True
)
_INHOUSE = _OtelService(
    "cx-support-agent", "opentelemetry.instrumentation.langchain", "openai", False
)


@dataclass
class _AgentSession:
    """One agent invocation: the chat calls in order, and the tool results fed back."""

    service: _OtelService
    agent_id: str
    agent_name: str
    model: str
    session_id: str
    steps: list[_Exchange]
    tool_results: dict[str, str]  # call id -> result text
    failed_tools: set[str] = field(default_factory=set)  # call ids that errored
    # call id -> attack families of its execute_tool span (a planted result, a forbidden or a
    # burst call): those spans are labelled in the manifest as well
    labelled_tools: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _otel_trace(session: _AgentSession, ids: _Ids, rec: _Recorder) -> str:
    trace_id = ids.hex(32)
    root_id = ids.hex(16)
    start = session.steps[0].time
    end = session.steps[-1].time + timedelta(milliseconds=session.steps[-1].duration_ms + 40)
    common = [
        _attr("gen_ai.provider.name", session.service.provider),
        _attr("gen_ai.agent.id", session.agent_id),
        _attr("gen_ai.agent.name", session.agent_name),
        _attr("gen_ai.conversation.id", session.session_id),
    ]
    spans: list[dict[str, Any]] = [
        {
            "traceId": trace_id,
            "spanId": root_id,
            "parentSpanId": "",
            "name": f"invoke_agent {session.agent_name}",
            "kind": 3,
            "startTimeUnixNano": _nanos(start),
            "endTimeUnixNano": _nanos(end),
            "attributes": [_attr("gen_ai.operation.name", "invoke_agent"), *common],
            "status": {"code": 1},
        }
    ]
    for ex in session.steps:
        span_id = ids.hex(16)
        inp, outp = ex.input_tokens(), ex.output_tokens()
        attributes = [
            _attr("gen_ai.operation.name", "chat"),
            *common,
            _attr("gen_ai.request.model", session.model),
            _attr("gen_ai.response.model", session.model),
            _attr("gen_ai.response.id", ids.call_id("resp_")),
            _attr(
                "gen_ai.response.finish_reasons",
                ["tool_call" if ex.response_tool_calls else "stop"],
            ),
            _attr("gen_ai.usage.input_tokens", inp),
            _attr("gen_ai.usage.output_tokens", outp),
        ]
        content = [
            _attr("gen_ai.input.messages", _dumps(_semconv_input(ex))),
            _attr("gen_ai.output.messages", _dumps(_semconv_output(ex))),
        ]
        if ex.system:
            content.insert(
                0,
                _attr(
                    "gen_ai.system_instructions", _dumps([{"type": "text", "content": ex.system}])
                ),
            )
        span: dict[str, Any] = {
            "traceId": trace_id,
            "spanId": span_id,
            "parentSpanId": root_id,
            "name": f"chat {session.model}",
            "kind": 3,
            "startTimeUnixNano": _nanos(ex.time),
            "endTimeUnixNano": _nanos(ex.time + timedelta(milliseconds=ex.duration_ms)),
            "attributes": attributes,
            "status": {"code": 1},
        }
        if session.service.content_on_event:
            span["events"] = [
                {
                    "timeUnixNano": _nanos(ex.time + timedelta(milliseconds=ex.duration_ms)),
                    "name": "gen_ai.client.inference.operation.details",
                    "attributes": content,
                }
            ]
        else:
            span["attributes"] = attributes + content
        spans.append(span)
        tool_span_ids = []
        call_time = ex.time + timedelta(milliseconds=ex.duration_ms + 5)
        for call in ex.response_tool_calls:
            tool_span = ids.hex(16)
            tool_span_ids.append(tool_span)
            failed = call.call_id in session.failed_tools
            tool_attrs = [
                _attr("gen_ai.operation.name", "execute_tool"),
                *common,
                _attr("gen_ai.tool.name", call.name),
                _attr("gen_ai.tool.call.id", call.call_id),
                _attr("gen_ai.tool.type", "function"),
                _attr("gen_ai.tool.call.arguments", _dumps(call.arguments)),
            ]
            if call.call_id in session.tool_results:
                tool_attrs.append(
                    _attr("gen_ai.tool.call.result", session.tool_results[call.call_id])
                )
            if failed:
                tool_attrs.append(_attr("error.type", "ToolNotFound"))
            if call.call_id in session.labelled_tools:
                rec.tool_span(
                    ex,
                    f"{trace_id}:{tool_span}",
                    session.labelled_tools[call.call_id],
                    agent=session.agent_name,
                    tool=call.name,
                )
            spans.append(
                {
                    "traceId": trace_id,
                    "spanId": tool_span,
                    "parentSpanId": root_id,
                    "name": f"execute_tool {call.name}",
                    "kind": 1,
                    "startTimeUnixNano": _nanos(call_time),
                    "endTimeUnixNano": _nanos(call_time + timedelta(milliseconds=180)),
                    "attributes": tool_attrs,
                    "status": {"code": 2, "message": "tool is not available to this agent"}
                    if failed
                    else {"code": 1},
                }
            )
        rec.event(
            OTEL,
            ex,
            f"{trace_id}:{span_id}",  # a span is identified by its trace and span ids
            agent=session.agent_name,
            tool_spans=[f"{trace_id}:{t}" for t in tool_span_ids],
        )
    rec.records[OTEL] += len(spans)
    day = start.date().isoformat()
    rec.otel_spans[day]["invoke_agent"] += 1
    rec.otel_spans[day]["chat"] += len(session.steps)
    rec.otel_spans[day]["execute_tool"] += len(spans) - 1 - len(session.steps)
    request = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        _attr("service.name", session.service.name),
                        _attr("deployment.environment.name", session.service.environment),
                        _attr("telemetry.sdk.language", "python"),
                    ]
                },
                "scopeSpans": [
                    {"scope": {"name": session.service.scope, "version": "0.52b1"}, "spans": spans}
                ],
            }
        ]
    }
    return _dumps(request)


def _agent_session_benign(
    service: _OtelService,
    agent_id: str,
    agent_name: str,
    model: str,
    system: str,
    tools: list[
        tuple[str, Callable[[random.Random], dict[str, Any]], Callable[[random.Random], str]]
    ],
    day: date,
    rng: random.Random,
    ids: _Ids,
) -> _AgentSession:
    """A user question, zero to two allowed tool calls with their results, the answer."""
    start = _moment(day, rng)
    question = _user_text(rng.choice(("question", "question", "security")), rng)
    turns = [_Turn("user", question)]
    steps: list[_Exchange] = []
    results: dict[str, str] = {}
    now = start
    for _ in range(rng.randrange(0, 3)):
        name, make_args, make_result = rng.choice(tools)
        call = _ToolCall(ids.call_id("toolu_"), name, make_args(rng))
        steps.append(
            _Exchange(
                now,
                agent_name,
                system,
                list(turns),
                "",
                [call],
                duration_ms=rng.randrange(600, 2500),
            )
        )
        results[call.call_id] = make_result(rng)
        turns = [
            *turns,
            _Turn("assistant", "", [call]),
            _Turn("tool", results[call.call_id], call_id=call.call_id),
        ]
        now += timedelta(seconds=rng.randrange(2, 8))
    steps.append(
        _Exchange(
            now,
            agent_name,
            system,
            turns,
            text.benign_answer(rng),
            duration_ms=rng.randrange(800, 4000),
        )
    )
    return _AgentSession(service, agent_id, agent_name, model, ids.uuid(), steps, results)


def _tool_specs(agents: dict[str, _Agent]) -> dict[str, list[tuple[str, Callable, Callable]]]:
    def order_args(r: random.Random) -> dict[str, Any]:
        return {"order_id": text.order_id(r)}

    def kb_args(r: random.Random) -> dict[str, Any]:
        return {
            "query": r.choice(("refund policy", "payout cut-off", "dispute evidence", "2FA reset"))
        }

    def case_args(r: random.Random) -> dict[str, Any]:
        return {"case_id": f"FC-{r.randrange(10**6, 10**7)}"}

    def claim_args(r: random.Random) -> dict[str, Any]:
        return {"claim_id": f"CL-{r.randrange(10**5, 10**6)}"}

    def case_result(r: random.Random) -> str:
        return _dumps(
            {
                "case_id": f"FC-{r.randrange(10**6, 10**7)}",
                "score": round(r.random(), 3),
                "transactions": r.randrange(1, 15),
                "merchant": r.choice(text.MERCHANTS),
            }
        )

    def claim_result(r: random.Random) -> str:
        return _dumps(
            {
                "status": r.choice(("received", "in_assessment", "paid")),
                "updated": text.some_date(r),
            }
        )

    cx, fraud, claims = (
        agents["cx-support-bedrock-agent"],
        agents["fraud-triage-agent"],
        agents["claims-intake-agent"],
    )
    return {
        cx.name: [
            (_tool(cx, "order-status", "get_order_status"), order_args, text.tool_order_status),
        ],
        fraud.name: [(_tool(fraud, "case-lookup", "cases_lookup"), case_args, case_result)],
        claims.name: [
            (_tool(claims, "submit-claim", "get_claim_status"), claim_args, claim_result)
        ],
        _INHOUSE_AGENT: [
            ("search_help_center", kb_args, text.tool_help_center_search),
            ("lookup_order", order_args, text.tool_order_status),
        ],
    }


def _write_otel(
    root: Path, sessions: list[_AgentSession], rng: random.Random, rec: _Recorder
) -> None:
    ids = _Ids(rng)
    by_day: dict[date, list[str]] = defaultdict(list)
    for session in sorted(sessions, key=lambda s: s.steps[0].time):
        by_day[session.steps[0].time.date()].append(_otel_trace(session, ids, rec))
    for day in sorted(by_day):
        payload = ("\n".join(by_day[day]) + "\n").encode("utf-8")
        rec.write(OTEL, root, f"{OTEL_DIR}/genai-traces-{day.isoformat()}.jsonl", payload)
