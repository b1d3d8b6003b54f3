"""Record builders for the log-ingestion tests, in the exact shapes the sources publish.

Shapes: AWS Bedrock ModelInvocationLog records (and the Converse / InvokeModel bodies of each
model family), LiteLLM `LiteLLM_SpendLogs` rows (column names and types of LiteLLM's
schema.prisma), OTLP JSON trace exports with GenAI attributes, and Azure API Management
`ApiManagementGatewayLlmLog` rows. Nothing key-shaped is written here: keys are built at run
time by the tests that need one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import strategies as st

from aisec_resources.events import EventRejection, LlmEvent
from aisec_resources.warehouse import read_sql

ACCOUNT = "111122223333"
REGION = "us-east-1"
CALLER_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/support-bot-role/support-bot"

# ------------------------------------------------------------------ Bedrock


def bedrock_key(when: datetime, name: str, account: str = ACCOUNT, region: str = REGION) -> str:
    """Where AWS puts a log file: the hour folder of its delivery time."""
    return (
        f"AWSLogs/{account}/BedrockModelInvocationLogs/{region}/"
        f"{when:%Y}/{when:%m}/{when:%d}/{when:%H}/{name}"
    )


def iso(when: datetime) -> str:
    text = when.isoformat(timespec="milliseconds" if when.microsecond else "seconds")
    return text + "Z"


def bedrock_record(
    *,
    when: datetime,
    request_id: str,
    operation: str,
    model_id: str,
    input_body: Any = None,
    output_body: Any = None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    request_metadata: dict[str, str] | None = None,
    error_code: str | None = None,
    input_s3_path: str | None = None,
    output_s3_path: str | None = None,
) -> dict[str, Any]:
    """A ModelInvocationLog record as Bedrock writes it (optional members only when set)."""
    record_input: dict[str, Any] = {"inputContentType": "application/json"}
    if input_body is not None:
        record_input["inputBodyJson"] = input_body
    if input_s3_path is not None:
        record_input["inputBodyS3Path"] = input_s3_path
    if input_tokens is not None:
        record_input["inputTokenCount"] = input_tokens
    record_output: dict[str, Any] = {"outputContentType": "application/json"}
    if output_body is not None:
        record_output["outputBodyJson"] = output_body
    if output_s3_path is not None:
        record_output["outputBodyS3Path"] = output_s3_path
    if output_tokens is not None:
        record_output["outputTokenCount"] = output_tokens
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": iso(when),
        "accountId": ACCOUNT,
        "identity": {"arn": CALLER_ARN},
        "region": REGION,
        "requestId": request_id,
        "operation": operation,
        "modelId": model_id,
        "input": record_input,
        "output": record_output,
    }
    if request_metadata is not None:
        record["requestMetadata"] = request_metadata
    if error_code is not None:
        record["errorCode"] = error_code
    return record


def converse_input(system: str, user_text: str, tool_result: str | None = None) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": user_text}]}]
    if tool_result is not None:
        messages += [
            {
                "role": "assistant",
                "content": [
                    {
                        "toolUse": {
                            "toolUseId": "tooluse_kb1",
                            "name": "search_kb",
                            "input": {"query": "refund policy"},
                        }
                    }
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "toolResult": {
                            "toolUseId": "tooluse_kb1",
                            "content": [{"text": tool_result}],
                            "status": "success",
                        }
                    }
                ],
            },
        ]
    return {
        "messages": messages,
        "system": [{"text": system}],
        "inferenceConfig": {"maxTokens": 512, "temperature": 0.2},
    }


def converse_output(text: str, tool_use: dict[str, Any] | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"text": text}]
    if tool_use is not None:
        content.append({"toolUse": tool_use})
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": "tool_use" if tool_use else "end_turn",
        "metrics": {"latencyMs": 812},
        "usage": {"inputTokens": 61, "outputTokens": 24, "totalTokens": 85},
    }


def anthropic_stream_chunks(pieces: list[str], tool_args: list[str]) -> list[dict[str, Any]]:
    """InvokeModelWithResponseStream output of a Claude Messages model, as logged: the list
    of decoded stream events."""
    chunks: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_bdrk_0001",
                "type": "message",
                "role": "assistant",
                "model": "claude-3-5-sonnet-20240620",
                "content": [],
                "usage": {"input_tokens": 40, "output_tokens": 1},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    chunks += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}
        for p in pieces
    ]
    chunks += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "create_ticket",
                "input": {},
            },
        },
    ]
    chunks += [
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": a},
        }
        for a in tool_args
    ]
    chunks += [
        {"type": "content_block_stop", "index": 1},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 33},
        },
        {
            "type": "message_stop",
            "amazon-bedrock-invocationMetrics": {
                "inputTokenCount": 40,
                "outputTokenCount": 33,
                "invocationLatency": 1234,
                "firstByteLatency": 400,
            },
        },
    ]
    return chunks


def jsonl_bytes(records: list[Any]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def write_log_file(root: Path, key: str, data: bytes, *, compress: bool = True) -> Path:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


# ------------------------------------------------------------------ LiteLLM

# LiteLLM's migration for LiteLLM_SpendLogs (Prisma: String -> TEXT, Float -> DOUBLE
# PRECISION, Int -> INTEGER, DateTime -> TIMESTAMP(3), Json -> JSONB), camelCase columns quoted.
LITELLM_SPEND_LOGS_DDL = """
CREATE TABLE {table} (
    "request_id" TEXT NOT NULL,
    "call_type" TEXT NOT NULL,
    "api_key" TEXT NOT NULL DEFAULT '',
    "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0,
    "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "startTime" TIMESTAMP(3) NOT NULL,
    "endTime" TIMESTAMP(3) NOT NULL,
    "request_duration_ms" INTEGER,
    "completionStartTime" TIMESTAMP(3),
    "model" TEXT NOT NULL DEFAULT '',
    "model_id" TEXT DEFAULT '',
    "model_group" TEXT DEFAULT '',
    "custom_llm_provider" TEXT DEFAULT '',
    "api_base" TEXT DEFAULT '',
    "user" TEXT DEFAULT '',
    "metadata" JSONB DEFAULT '{{}}',
    "cache_hit" TEXT DEFAULT '',
    "cache_key" TEXT DEFAULT '',
    "request_tags" JSONB DEFAULT '[]',
    "team_id" TEXT,
    "organization_id" TEXT,
    "end_user" TEXT,
    "requester_ip_address" TEXT,
    "messages" JSONB DEFAULT '{{}}',
    "response" JSONB DEFAULT '{{}}',
    "session_id" TEXT,
    "status" TEXT,
    "mcp_namespaced_tool_name" TEXT,
    "agent_id" TEXT,
    "proxy_server_request" JSONB DEFAULT '{{}}',
    CONSTRAINT {pkey} PRIMARY KEY ("request_id")
)
"""
LITELLM_JSON_COLUMNS = ("metadata", "request_tags", "messages", "response", "proxy_server_request")


def litellm_key_hash(virtual_key: str) -> str:
    """LiteLLM stores sha256(virtual key) in api_key, never the key."""
    return hashlib.sha256(virtual_key.encode()).hexdigest()


def spend_log_row(
    *,
    request_id: str,
    start: datetime,
    key_hash: str,
    messages: Any,
    response: Any,
    call_type: str = "acompletion",
    model: str = "gpt-4o-mini",
    model_group: str = "support-gpt",
    provider: str = "openai",
    spend: float = 0.00042,
    prompt_tokens: int = 120,
    completion_tokens: int = 30,
    status: str = "success",
    metadata: dict[str, Any] | None = None,
    session_id: str | None = "sess-42",
    agent_id: str | None = None,
    mcp_tool: str | None = None,
    end_ms: int = 950,
) -> dict[str, Any]:
    """One LiteLLM_SpendLogs row with Python values (datetimes naive UTC, JSON as objects)."""
    from datetime import timedelta

    return {
        "request_id": request_id,
        "call_type": call_type,
        "api_key": key_hash,
        "spend": spend,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "startTime": start,
        "endTime": start + timedelta(milliseconds=end_ms),
        "request_duration_ms": end_ms,
        "completionStartTime": start + timedelta(milliseconds=300),
        "model": model,
        "model_id": "model-db-id-1",
        "model_group": model_group,
        "custom_llm_provider": provider,
        "api_base": "https://api.openai.com/v1",
        "user": "u-alice",
        "metadata": metadata
        if metadata is not None
        else {
            "user_api_key": key_hash,
            "user_api_key_alias": "support-bot-key",
            "user_api_key_team_id": "team-support",
            "user_api_key_user_id": "u-alice",
            "requester_ip_address": "10.1.2.3",
            "status": status,
        },
        "cache_hit": "False",
        "cache_key": "",
        "request_tags": ["support"],
        "team_id": "team-support",
        "organization_id": "org-kestrel",
        "end_user": "customer-981",
        "requester_ip_address": "10.1.2.3",
        "messages": messages,
        "response": response,
        "session_id": session_id,
        "status": status,
        "mcp_namespaced_tool_name": mcp_tool,
        "agent_id": agent_id,
        "proxy_server_request": {"model": model_group, "stream": False},
    }


def spend_log_export_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row as LiteLLM's JSON export / API returns it (ISO times with Z)."""
    out = dict(row)
    for key in ("startTime", "endTime", "completionStartTime"):
        if isinstance(out.get(key), datetime):
            out[key] = iso(out[key])
    return out


def spend_log_csv_row(row: dict[str, Any]) -> dict[str, str]:
    """The row as a CSV export writes it: JSON columns as JSON text, nulls as empty cells."""
    out: dict[str, str] = {}
    for key, value in spend_log_export_row(row).items():
        if key in LITELLM_JSON_COLUMNS:
            out[key] = json.dumps(value)
        elif value is None:
            out[key] = ""
        else:
            out[key] = str(value)
    return out


# ------------------------------------------------------------------ OpenTelemetry


def any_value(value: Any) -> dict[str, Any]:
    """OTLP JSON AnyValue (int64 as a decimal string, per the proto3 JSON mapping)."""
    if value is None:
        return {}  # an empty AnyValue
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": otel_attributes(value)}}
    raise TypeError(type(value))


def otel_attributes(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": any_value(v)} for k, v in values.items()]


def unix_nano(when: datetime, extra_ns: int = 0) -> str:
    seconds = int(when.replace(tzinfo=UTC).timestamp())
    return str(seconds * 1_000_000_000 + when.microsecond * 1000 + extra_ns)


def otel_span(
    *,
    trace_id: str,
    span_id: str,
    name: str,
    start: datetime,
    duration_ms: int = 500,
    parent: str = "",
    attributes: dict[str, Any] | None = None,
    events: list[tuple[str, dict[str, Any]]] | None = None,
    error: bool = False,
) -> dict[str, Any]:
    start_ns = unix_nano(start)
    span: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": start_ns,
        "endTimeUnixNano": str(int(start_ns) + duration_ms * 1_000_000),
        "attributes": otel_attributes(attributes or {}),
        "events": [
            {"timeUnixNano": start_ns, "name": n, "attributes": otel_attributes(a)}
            for n, a in (events or [])
        ],
        "status": {"code": 2, "message": "rate limited"} if error else {},
    }
    return span


def otlp_export(spans: list[dict[str, Any]], service: str = "support-agent") -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": otel_attributes(
                        {
                            "service.name": service,
                            "cloud.account.id": ACCOUNT,
                            "cloud.region": "eu-west-1",
                        }
                    )
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "opentelemetry.instrumentation.genai", "version": "0.1"},
                        "spans": spans,
                    }
                ],
            }
        ]
    }


# ------------------------------------------------------------------ Azure API Management

APIM_RESOURCE_ID = (
    "/subscriptions/0f6c1e2a-1b2c-4d3e-8f90-123456789abc/resourceGroups/rg-ai/providers/"
    "Microsoft.ApiManagement/service/kestrel-apim"
)


def apim_row(
    *,
    request_id: str,
    when: datetime,
    sequence: int,
    request_messages: Any = None,
    response_messages: Any = None,
    tokens: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """One ApiManagementGatewayLlmLog row as the Log Analytics JSON export gives it (dynamic
    columns as JSON values, TimeGenerated with 7 fraction digits)."""
    row: dict[str, Any] = {
        "TenantId": "7f0e0c7e-0000-4000-8000-000000000001",
        "TimeGenerated": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}0Z",
        "CorrelationId": f"corr-{request_id}",
        "RequestId": request_id,
        "DeploymentName": "gpt-4o-support" if sequence == 0 else "",
        "ModelName": "gpt-4o-2024-08-06" if sequence == 0 else "",
        "OperationName": "ChatCompletions_Create" if sequence == 0 else "",
        "ApiVersion": "2024-10-21",
        "IsStreamCompletion": False,
        "PromptTokens": tokens[0] if tokens else None,
        "CompletionTokens": tokens[1] if tokens else None,
        "TotalTokens": sum(tokens) if tokens else None,
        "RequestMessages": request_messages,
        "ResponseMessages": response_messages,
        "SequenceNumber": sequence,
        "Region": "West Europe",
        "SourceSystem": "Azure",
        "Type": "ApiManagementGatewayLlmLog",
        "_ResourceId": APIM_RESOURCE_ID.lower(),
    }
    return row


# ------------------------------------------------------------------ arbitrary JSON

# Keys the parsers look at, so that generated values land where they do damage.
_KEYS = [
    "text",
    "type",
    "content",
    "role",
    "messages",
    "toolUse",
    "toolResult",
    "input",
    "name",
    "id",
    "choices",
    "message",
    "delta",
    "output",
    "parts",
    "tool_calls",
    "function",
    "arguments",
    "results",
    "outputText",
    "generation",
    "usage",
    "index",
    "chunk",
    "bytes",
    "stop_reason",
    "contentBlockDelta",
    "contentBlockStart",
    "start",
    "messageStop",
    "metadata",
    "system",
    "prompt",
    "inputText",
    "documents",
    "chat_history",
    "json",
    "x",
]
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(_KEYS), children, max_size=5)
    ),
    max_leaves=20,
)


# ------------------------------------------------------------------ warehouse shape


def insert_into_monitoring(events: list[LlmEvent], rejections: list[EventRejection] = ()) -> int:
    """Insert `to_row()` of every event (and rejection) into tables created from
    sql/schema/monitoring.sql; returns the number of event rows. Fails if a row does not fit."""
    conn = duckdb.connect()
    try:
        conn.execute(read_sql("schema/monitoring"))
        table_columns = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'monitoring' AND table_name = 'llm_events' "
                "ORDER BY ordinal_position"
            ).fetchall()
        ]
        extra = {"ingested_at": datetime(2025, 1, 1), "run_id": "test-run"}
        for event in events:
            row = {**event.to_row(), **extra}
            assert set(row) == set(table_columns), set(row) ^ set(table_columns)
            columns = ", ".join(table_columns)
            marks = ", ".join("?" for _ in table_columns)
            conn.execute(
                f"INSERT INTO monitoring.llm_events ({columns}) VALUES ({marks})",
                [row[c] for c in table_columns],
            )
        for item in rejections:
            row = {**item.to_row(), "event_date": date(2025, 1, 1), **extra}
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            conn.execute(
                f"INSERT INTO monitoring.llm_events_rejected ({columns}) VALUES ({marks})",
                list(row.values()),
            )
        return conn.execute("SELECT count(*) FROM monitoring.llm_events").fetchone()[0]
    finally:
        conn.close()
