"""AWS Bedrock model-invocation logs, exactly as AWS writes them to S3.

Layout: `[prefix/]AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz`,
gzip files of JSON records (schemaType ModelInvocationLog), one per line. The reader takes a
local copy of that tree (`path`, which may point at the tree's root, at `AWSLogs`, at an account
or at a region) or the bucket itself (`s3_uri`, listed with `list_objects_v2` by day prefix).

Choices:
- Only the day's folders are read, plus hour 23 of the day before and hour 00 of the day
  after: a record stamped just before midnight can be delivered in the next hour's folder.
  Every record is still filtered by its own `timestamp`.
- Only objects directly in an hour folder are log files; deeper keys (the `data/` objects that
  hold bodies too large for the log) are read only when a record points at them.
- A body moved to S3 (`inputBodyS3Path` / `outputBodyS3Path`) is fetched when reading from S3.
  From a local directory it is not: its text stays None and `raw` says so (not a rejection).
  A fetch that fails keeps the event and adds a rejection naming the body's S3 path.
- Text is extracted by the body's shape, not by model id (inference-profile and provisioned
  ARNs hide the provider): Converse / Nova, Anthropic Messages (and the older text
  completions), Titan, Llama, Mistral, Cohere, AI21 / DeepSeek / OpenAI-compatible `choices`,
  and streaming output (a list of chunks in any of those families) reassembled into one text.
- Token counts come from `inputTokenCount` / `outputTokenCount`, else from the body's usage;
  when neither says, they are None (never 0).
- `requestMetadata` (free-form tags the caller set) gives the session and the agent when it
  carries keys such as `sessionId` / `conversationId` / `agentId` / `agentName`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import model_validator

from aisec_assets.monitoring.ingest._common import (
    RECORD_ERRORS,
    BadItem,
    DayBook,
    as_list,
    decode_lines,
    gc_paused,
    gunzip,
    iter_json_items,
    join_texts,
    loads,
    maybe_json,
    parse_float,
    parse_int,
    parse_time,
    raw_record,
    rejection,
    text_or_none,
    unexpected_shape,
)
from aisec_assets.monitoring.ingest._messages import (
    InputParts,
    OutputParts,
    arguments_text,
    read_blocks,
    read_input,
    read_openai_response,
    read_output,
)
from aisec_assets.monitoring.ingest.spec import LogSourceSpec, missing_path
from aisec_resources.config.base import Strict
from aisec_resources.events import IngestResult, LlmEvent, ToolCall
from aisec_resources.records import SourceUnavailable

SOURCE = "bedrock_invocation_log"
PROVIDER = "aws.bedrock"
LOGS_DIR = "BedrockModelInvocationLogs"
SCHEMA_TYPE = "ModelInvocationLog"
LOG_SUFFIXES = (".json.gz", ".jsonl.gz", ".json", ".jsonl", ".gz")

_SESSION_KEYS = (
    "sessionId",
    "session_id",
    "conversationId",
    "conversation_id",
    "gen_ai.conversation.id",
)
_AGENT_ID_KEYS = ("agentId", "agent_id", "gen_ai.agent.id")
_AGENT_NAME_KEYS = ("agentName", "agent_name", "gen_ai.agent.name")


class BedrockLogsSource(Strict):
    """`monitoring.logs.bedrock`: Bedrock model-invocation logs as AWS writes them
    (`AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz`), from a
    local directory (`path`) or from S3 (`s3_uri`, read with boto3)."""

    path: Path | None = None
    s3_uri: str | None = None
    s3_endpoint_url: str | None = None  # for S3-compatible stores and tests
    s3_region: str = "us-east-1"

    @model_validator(mode="after")
    def _one_location(self) -> BedrockLogsSource:
        if (self.path is None) == (self.s3_uri is None):
            raise ValueError("give exactly one of path or s3_uri")
        if self.s3_uri is not None and not self.s3_uri.startswith("s3://"):
            raise ValueError(f"s3_uri must start with s3:// (got {self.s3_uri!r})")
        return self


# ------------------------------------------------------------------ where the files are


@dataclass(frozen=True)
class _Object:
    parts: tuple[str, ...]  # path components from the store's root
    location: str  # file path or s3://bucket/key


class _LocalTree:
    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise SourceUnavailable(f"Bedrock invocation logs: {path} does not exist")
        if not path.is_dir():
            raise SourceUnavailable(f"Bedrock invocation logs: {path} is not a directory")
        self.base = path.resolve().parts

    def children(self, prefix: tuple[str, ...]) -> list[str]:
        directory = Path(*prefix)
        try:
            return sorted(p.name for p in directory.iterdir() if p.is_dir())
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise SourceUnavailable(
                f"Bedrock invocation logs: cannot list {directory}: {exc}"
            ) from exc

    def objects(self, prefix: tuple[str, ...], depth: int) -> list[_Object]:
        found: list[_Object] = []
        directory = Path(*prefix)
        if not directory.is_dir():
            return found
        try:
            for entry in sorted(directory.rglob("*")):
                relative = entry.relative_to(directory).parts
                if len(relative) == depth and entry.is_file():
                    found.append(_Object(prefix + relative, str(entry)))
        except OSError as exc:
            raise SourceUnavailable(
                f"Bedrock invocation logs: cannot list {directory}: {exc}"
            ) from exc
        return found

    def read(self, obj: _Object) -> bytes:
        return Path(obj.location).read_bytes()

    def fetch_body(self, s3_path: str) -> tuple[Any, str | None, bool]:
        return None, f"body in S3 ({s3_path}), not fetched: reading a local directory", False


class _Bucket:
    def __init__(self, source: BedrockLogsSource, client: Any) -> None:
        bucket, _, prefix = (source.s3_uri or "").removeprefix("s3://").partition("/")
        if not bucket:
            raise SourceUnavailable(f"Bedrock invocation logs: no bucket in {source.s3_uri!r}")
        self.bucket = bucket
        self.base = tuple(p for p in prefix.split("/") if p)
        if client is None:
            import boto3

            client = boto3.client(
                "s3", region_name=source.s3_region, endpoint_url=source.s3_endpoint_url
            )
        self.client = client

    def _pages(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        try:
            yield from self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, **kwargs
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            where = f"s3://{self.bucket}/{kwargs.get('Prefix', '')}"
            raise SourceUnavailable(
                f"Bedrock invocation logs: cannot list {where}: "
                f"{error.get('Code', '?')} {error.get('Message', '')}".rstrip()
            ) from exc
        except BotoCoreError as exc:
            raise SourceUnavailable(
                f"Bedrock invocation logs: cannot reach S3 for s3://{self.bucket}: {exc}"
            ) from exc

    def children(self, prefix: tuple[str, ...]) -> list[str]:
        key = "/".join(prefix) + "/" if prefix else ""
        names: list[str] = []
        for page in self._pages(Prefix=key, Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                names.append(common["Prefix"][len(key) :].rstrip("/"))
        return sorted(names)

    def objects(self, prefix: tuple[str, ...], depth: int) -> list[_Object]:
        key = "/".join(prefix) + "/"
        found: list[_Object] = []
        for page in self._pages(Prefix=key):
            for item in page.get("Contents", []):
                relative = tuple(item["Key"][len(key) :].split("/"))
                if len(relative) == depth and relative[-1]:
                    found.append(_Object(prefix + relative, f"s3://{self.bucket}/{item['Key']}"))
        return sorted(found, key=lambda o: o.location)

    def _get(self, bucket: str, key: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def read(self, obj: _Object) -> bytes:
        return self._get(self.bucket, obj.location.removeprefix(f"s3://{self.bucket}/"))

    def fetch_body(self, s3_path: str) -> tuple[Any, str | None, bool]:
        """(body, note, failed)."""
        bucket, _, key = s3_path.removeprefix("s3://").partition("/")
        if not s3_path.startswith("s3://") or not bucket or not key:
            return None, f"body path {s3_path!r} is not an s3:// URI", True
        try:
            data = self._get(bucket, key)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            return None, f"body in S3 ({s3_path}) could not be fetched: {code}", True
        except BotoCoreError as exc:
            return None, f"body in S3 ({s3_path}) could not be fetched: {exc}", True
        problem = None
        if key.endswith(".gz") or data[:2] == b"\x1f\x8b":
            data, problem = gunzip(data)
        text_file = decode_lines(data, problem)
        text = "\n".join(text_file.lines)
        note = f"body fetched from {s3_path}"
        if text_file.bad_utf8_lines:
            note += " (non-UTF-8 bytes replaced with U+FFFD)"
        if problem:
            return None, f"body in S3 ({s3_path}) is unreadable: {problem}", True
        try:
            return loads(text), note, False
        except json.JSONDecodeError:
            return text, note + " (not JSON: kept as text)", False


_Store = _LocalTree | _Bucket


def _region_roots(store: _Store) -> list[tuple[str, ...]]:
    """The `.../BedrockModelInvocationLogs/<region>` prefixes under the configured location."""
    parts = store.base
    if LOGS_DIR in parts:
        i = len(parts) - 1 - parts[::-1].index(LOGS_DIR)
        if len(parts) > i + 1:
            return [parts[: i + 2]]
        return [(*parts, region) for region in store.children(parts)]
    if "AWSLogs" in parts:
        i = parts.index("AWSLogs")
        aws_logs = parts[: i + 1]
        accounts = [parts[i + 1]] if len(parts) > i + 1 else store.children(aws_logs)
    else:
        aws_logs = (*parts, "AWSLogs")
        accounts = store.children(aws_logs)
    roots: list[tuple[str, ...]] = []
    for account in accounts:
        logs = (*aws_logs, account, LOGS_DIR)
        roots.extend((*logs, region) for region in store.children(logs))
    return roots


def _day_parts(day: date) -> tuple[str, str, str]:
    return f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"


def _log_objects(store: _Store, root: tuple[str, ...], day: date) -> list[_Object]:
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    found = store.objects((*root, *_day_parts(before), "23"), 1)
    found += store.objects((*root, *_day_parts(day)), 2)
    found += store.objects((*root, *_day_parts(after), "00"), 1)
    return [o for o in found if o.parts[-1].lower().endswith(LOG_SUFFIXES)]


def _folder_day(obj: _Object) -> date | None:
    try:
        year, month, day_of_month = obj.parts[-5:-2]
        return date(int(year), int(month), int(day_of_month))
    except ValueError:
        return None


def _read_for_its_day(obj: _Object, record_day: date) -> bool:
    """Whether the run for `record_day` reads the folder `obj` is in (see _log_objects)."""
    folder_day = _folder_day(obj)
    hour = obj.parts[-2]
    return (
        folder_day == record_day
        or (folder_day == record_day - timedelta(days=1) and hour == "23")
        or (folder_day == record_day + timedelta(days=1) and hour == "00")
    )


# ------------------------------------------------------------------ bodies


def _read_input_body(body: Any) -> InputParts:
    if isinstance(body, str):
        return InputParts(prompt=[body], messages=[{"role": "user", "content": body}])
    if not isinstance(body, dict):
        return InputParts()
    if isinstance(body.get("messages"), list):  # Converse, Anthropic, Nova, Mistral/AI21 chat
        return read_input(body["messages"], system=body.get("system"))
    if isinstance(body.get("message"), str):  # Cohere Command R
        parts = read_input(as_list(body.get("chat_history")), system=body.get("preamble"))
        parts.prompt.append(body["message"])
        parts.messages.append({"role": "user", "content": body["message"]})
        for document in as_list(body.get("documents")):
            parts.context.append(json.dumps(document, ensure_ascii=False, default=str))
        return parts
    for key in ("inputText", "prompt"):  # Titan, Llama, Mistral, Cohere, DeepSeek, Claude v2
        if isinstance(body.get(key), str):
            text = body[key]
            return InputParts(prompt=[text], messages=[{"role": "user", "content": text}])
    if isinstance(body.get("texts"), list):  # Cohere embed
        texts = [t for t in body["texts"] if isinstance(t, str)]
        return InputParts(prompt=texts, messages=[{"role": "user", "content": t} for t in texts])
    return InputParts()


@dataclass
class _Reply:
    parts: OutputParts = field(default_factory=OutputParts)
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    response_id: str | None = None
    response_model: str | None = None
    latency_ms: float | None = None


def _usage(reply: _Reply, usage: Any) -> None:
    if not isinstance(usage, dict):
        return
    scratch: list[str] = []
    for key in ("inputTokens", "input_tokens", "prompt_tokens", "inputTokenCount"):
        if reply.input_tokens is None and key in usage:
            reply.input_tokens = parse_int(usage[key], key, scratch)
    for key in ("outputTokens", "output_tokens", "completion_tokens", "outputTokenCount"):
        if key in usage:  # streaming: the last report is the final count
            value = parse_int(usage[key], key, scratch)
            reply.output_tokens = value if value is not None else reply.output_tokens
    for key in ("totalTokens", "total_tokens"):
        if reply.total_tokens is None and key in usage:
            reply.total_tokens = parse_int(usage[key], key, scratch)
    if "invocationLatency" in usage:
        reply.latency_ms = parse_float(usage["invocationLatency"], "invocationLatency", scratch)


def _read_output_body(body: Any) -> _Reply:
    reply = _Reply()
    if isinstance(body, list):
        return _read_stream(body)
    if isinstance(body, str):
        reply.parts.add("assistant", read_blocks(body))
        return reply
    if not isinstance(body, dict):
        return reply
    out = reply.parts
    if isinstance(body.get("output"), dict) and "message" in body["output"]:  # Converse, Nova
        parts = read_output([body["output"]["message"]])
        out.texts, out.tool_calls, out.messages = parts.texts, parts.tool_calls, parts.messages
        if isinstance(body.get("stopReason"), str):
            out.finish_reasons.append(body["stopReason"])
        _usage(reply, body.get("usage"))
        metrics = body.get("metrics")
        if isinstance(metrics, dict) and "latencyMs" in metrics:
            reply.latency_ms = parse_float(metrics["latencyMs"], "latencyMs", [])
    elif isinstance(body.get("content"), list):  # Anthropic Messages
        role = body.get("role") if isinstance(body.get("role"), str) else "assistant"
        parts = read_output([{"role": role, "content": body["content"]}])
        out.texts, out.tool_calls, out.messages = parts.texts, parts.tool_calls, parts.messages
        if isinstance(body.get("stop_reason"), str):
            out.finish_reasons.append(body["stop_reason"])
        reply.response_id = text_or_none(body.get("id"))
        reply.response_model = text_or_none(body.get("model"))
        _usage(reply, body.get("usage"))
    elif isinstance(body.get("choices"), list):  # Mistral / AI21 / DeepSeek / OpenAI shape
        reply.parts = read_openai_response(body)
        reply.response_id = text_or_none(body.get("id"))
        reply.response_model = text_or_none(body.get("model"))
        _usage(reply, body.get("usage"))
    else:
        _read_flat_output(body, reply)
    return reply


def _read_flat_output(chunk: dict[str, Any], reply: _Reply) -> None:
    """Titan, Llama, Mistral text, Cohere and Claude v2 bodies, which are also their streaming
    chunk shapes (a stream repeats them with partial text)."""
    out = reply.parts
    scratch: list[str] = []
    pieces: list[str] = []
    for result in as_list(chunk.get("results")):  # Titan
        if isinstance(result, dict):
            if isinstance(result.get("outputText"), str):
                pieces.append(result["outputText"])
            if isinstance(result.get("completionReason"), str):
                out.finish_reasons.append(result["completionReason"])
            if reply.output_tokens is None and "tokenCount" in result:
                reply.output_tokens = parse_int(result["tokenCount"], "tokenCount", scratch)
    for key in ("outputText", "generation", "completion", "text"):  # Titan stream, Llama...
        if isinstance(chunk.get(key), str):
            pieces.append(chunk[key])
    for collection in ("outputs", "generations"):  # Mistral text, Cohere
        for item in as_list(chunk.get(collection)):
            if isinstance(item, dict):
                if isinstance(item.get("text"), str):
                    pieces.append(item["text"])
                for reason_key in ("stop_reason", "finish_reason"):
                    if isinstance(item.get(reason_key), str):
                        out.finish_reasons.append(item[reason_key])
    for reason_key in ("stop_reason", "finish_reason", "completionReason"):
        if isinstance(chunk.get(reason_key), str):
            out.finish_reasons.append(chunk[reason_key])
    for call in as_list(chunk.get("tool_calls")):  # Cohere Command R
        if isinstance(call, dict):
            name = call.get("name") if isinstance(call.get("name"), str) else "unknown"
            out.tool_calls.append(ToolCall(name, None, arguments_text(call.get("parameters"))))
    for key, target in (
        ("inputTextTokenCount", "input"),
        ("prompt_token_count", "input"),
        ("totalOutputTextTokenCount", "output"),
        ("generation_token_count", "output"),
    ):
        if key in chunk:
            value = parse_int(chunk[key], key, scratch)
            if target == "input" and reply.input_tokens is None:
                reply.input_tokens = value
            elif target == "output" and value is not None:
                reply.output_tokens = value
    if pieces:
        out.texts.append("".join(pieces))


def _decode_chunk(chunk: Any) -> Any:
    """A stream chunk as logged, unwrapping `{"chunk": {"bytes": <base64 JSON>}}` if present."""
    if isinstance(chunk, dict) and isinstance(chunk.get("chunk"), dict):
        data = chunk["chunk"].get("bytes")
        if isinstance(data, str):
            try:
                return loads(base64.b64decode(data).decode("utf-8", "replace"))
            except (binascii.Error, ValueError):
                return chunk
    return chunk


@dataclass
class _StreamBlock:
    text: list[str] = field(default_factory=list)
    tool_name: str | None = None
    tool_id: str | None = None
    tool_input: list[str] = field(default_factory=list)
    tool_input_object: Any = None


def _read_stream(chunks: list[Any]) -> _Reply:
    """Reassemble a streamed response: text deltas per content block in order, tool-use blocks
    with their argument fragments joined, stop reasons, usage and invocation metrics."""
    reply = _Reply()
    blocks: dict[int, _StreamBlock] = {}
    flat = _Reply()

    def block(index: Any) -> _StreamBlock:
        key = index if isinstance(index, int) else 0
        return blocks.setdefault(key, _StreamBlock())

    for raw_chunk in chunks:
        chunk = _decode_chunk(raw_chunk)
        if not isinstance(chunk, dict):
            continue
        metrics = chunk.get("amazon-bedrock-invocationMetrics")
        if isinstance(metrics, dict):
            _usage(reply, metrics)
        kind = chunk.get("type")
        if kind == "message_start" and isinstance(chunk.get("message"), dict):  # Anthropic
            message = chunk["message"]
            reply.response_id = text_or_none(message.get("id"))
            reply.response_model = text_or_none(message.get("model"))
            _usage(reply, message.get("usage"))
        elif kind == "content_block_start" and isinstance(chunk.get("content_block"), dict):
            start = chunk["content_block"]
            target = block(chunk.get("index"))
            if start.get("type") == "tool_use":
                target.tool_name = start.get("name")
                target.tool_id = start.get("id")
                if start.get("input"):
                    target.tool_input_object = start["input"]
            elif isinstance(start.get("text"), str):
                target.text.append(start["text"])
        elif kind == "content_block_delta" and isinstance(chunk.get("delta"), dict):
            delta = chunk["delta"]
            target = block(chunk.get("index"))
            if isinstance(delta.get("text"), str):
                target.text.append(delta["text"])
            elif isinstance(delta.get("partial_json"), str):
                target.tool_input.append(delta["partial_json"])
        elif kind == "message_delta":
            delta = chunk.get("delta") if isinstance(chunk.get("delta"), dict) else {}
            if isinstance(delta.get("stop_reason"), str):
                reply.parts.finish_reasons.append(delta["stop_reason"])
            _usage(reply, chunk.get("usage"))
        elif any(k in chunk for k in ("messageStart", "contentBlockStart", "contentBlockDelta")):
            _converse_stream_event(chunk, block)
        elif isinstance(chunk.get("messageStop"), dict):
            reason = chunk["messageStop"].get("stopReason")
            if isinstance(reason, str):
                reply.parts.finish_reasons.append(reason)
        elif isinstance(chunk.get("metadata"), dict) and "usage" in chunk["metadata"]:
            _usage(reply, chunk["metadata"]["usage"])
        elif isinstance(chunk.get("choices"), list):  # OpenAI-compatible chunks
            _openai_stream_chunk(chunk, block, reply)
        elif kind is None:
            _read_flat_output(chunk, flat)
    out = reply.parts
    for index in sorted(blocks):
        item = blocks[index]
        if item.tool_name is not None:
            arguments = "".join(item.tool_input) or arguments_text(item.tool_input_object)
            out.tool_calls.append(ToolCall(item.tool_name or "unknown", item.tool_id, arguments))
        text = "".join(item.text)
        if text:
            out.texts.append(text)
    if flat.parts.texts:
        out.texts.append("".join(flat.parts.texts))
    out.finish_reasons.extend(flat.parts.finish_reasons)
    out.tool_calls.extend(flat.parts.tool_calls)
    if reply.input_tokens is None:
        reply.input_tokens = flat.input_tokens
    if reply.output_tokens is None:
        reply.output_tokens = flat.output_tokens
    if out.texts or out.tool_calls:
        message: dict[str, Any] = {"role": "assistant", "content": "\n".join(out.texts)}
        if out.tool_calls:
            message["tool_calls"] = [
                {"name": c.name, "call_id": c.call_id, "arguments": c.arguments}
                for c in out.tool_calls
            ]
        out.messages = [message]
    return reply


def _converse_stream_event(chunk: dict[str, Any], block: Callable[[Any], _StreamBlock]) -> None:
    if isinstance(chunk.get("contentBlockStart"), dict):
        start = chunk["contentBlockStart"]
        use = (start.get("start") or {}).get("toolUse")
        if isinstance(use, dict):
            target = block(start.get("contentBlockIndex"))
            target.tool_name = use.get("name")
            target.tool_id = use.get("toolUseId")
    elif isinstance(chunk.get("contentBlockDelta"), dict):
        event = chunk["contentBlockDelta"]
        delta = event.get("delta") if isinstance(event.get("delta"), dict) else {}
        target = block(event.get("contentBlockIndex"))
        if isinstance(delta.get("text"), str):
            target.text.append(delta["text"])
        elif isinstance(delta.get("toolUse"), dict) and isinstance(
            delta["toolUse"].get("input"), str
        ):
            target.tool_input.append(delta["toolUse"]["input"])


def _openai_stream_chunk(
    chunk: dict[str, Any], block: Callable[[Any], _StreamBlock], reply: _Reply
) -> None:
    for choice in chunk["choices"]:
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
        if isinstance(delta.get("content"), str):
            block(0).text.append(delta["content"])
        if isinstance(choice.get("text"), str):
            block(0).text.append(choice["text"])
        for call in as_list(delta.get("tool_calls")):
            if not isinstance(call, dict):
                continue
            target = block(1000 + (call.get("index") if isinstance(call.get("index"), int) else 0))
            function = call.get("function") if isinstance(call.get("function"), dict) else {}
            target.tool_id = target.tool_id or call.get("id")
            target.tool_name = target.tool_name or function.get("name") or ""
            if isinstance(function.get("arguments"), str):
                target.tool_input.append(function["arguments"])
        if isinstance(choice.get("finish_reason"), str):
            reply.parts.finish_reasons.append(choice["finish_reason"])
    _usage(reply, chunk.get("usage"))


# ------------------------------------------------------------------ records


def _metadata_value(metadata: Any, keys: tuple[str, ...]) -> str | None:
    if not isinstance(metadata, dict):
        return None
    for key in keys:
        if key in metadata:
            value = text_or_none(metadata[key])
            if value:
                return value
    return None


def _operation(record: dict[str, Any], model_id: str | None, body: Any) -> str | None:
    operation = record.get("operation")
    model = (model_id or "").lower()
    if "embed" in model or (isinstance(body, dict) and "texts" in body):
        return "embeddings"
    if operation in ("Converse", "ConverseStream"):
        return "chat"
    if isinstance(body, dict) and ("messages" in body or "message" in body):
        return "chat"
    if body is not None:
        return "text_completion"
    return None  # InvokeModel without a readable body: the log does not say


def _event(
    record: dict[str, Any],
    when: datetime,
    location: str,
    chars: int,
    notes: list[str],
    store: _Store,
    failed_bodies: list[str],
) -> LlmEvent:
    inp = record.get("input") if isinstance(record.get("input"), dict) else {}
    out = record.get("output") if isinstance(record.get("output"), dict) else {}
    bodies: dict[str, Any] = {}
    for side, container, body_key, path_key in (
        ("input", inp, "inputBodyJson", "inputBodyS3Path"),
        ("output", out, "outputBodyJson", "outputBodyS3Path"),
    ):
        body = container.get(body_key)
        s3_path = container.get(path_key)
        if body is None and isinstance(s3_path, str) and s3_path:
            body, note, failed = store.fetch_body(s3_path)
            if note:
                notes.append(f"{side} {note}")
            if failed:
                failed_bodies.append(f"{side} {note}")
        body = maybe_json(body)
        bodies[side] = body

    request = _read_input_body(bodies["input"])
    reply = _read_output_body(bodies["output"])
    model_id = text_or_none(record.get("modelId"))
    input_tokens = parse_int(inp.get("inputTokenCount"), "input.inputTokenCount", notes)
    output_tokens = parse_int(out.get("outputTokenCount"), "output.outputTokenCount", notes)
    if input_tokens is None:
        input_tokens = reply.input_tokens
    if output_tokens is None:
        output_tokens = reply.output_tokens
    total = reply.total_tokens
    if input_tokens is not None and output_tokens is not None:
        total = input_tokens + output_tokens
    identity = record.get("identity") if isinstance(record.get("identity"), dict) else {}
    metadata = record.get("requestMetadata")
    error_code = text_or_none(record.get("errorCode"))
    status = text_or_none(record.get("status")) or ("error" if error_code else None)
    operation = text_or_none(record.get("operation"))
    return LlmEvent(
        source=SOURCE,
        source_location=location,
        event_time=when,
        source_record_id=text_or_none(record.get("requestId")),
        operation_name=_operation(record, model_id, bodies["input"]),
        provider_name=PROVIDER,
        request_model=model_id,
        response_model=reply.response_model,
        response_id=reply.response_id,
        finish_reasons=reply.parts.finish_reasons or None,
        cloud_account=text_or_none(record.get("accountId")),
        cloud_region=text_or_none(record.get("region")),
        endpoint=None,
        user_id=text_or_none(identity.get("arn")),
        agent_id=_metadata_value(metadata, _AGENT_ID_KEYS),
        agent_name=_metadata_value(metadata, _AGENT_NAME_KEYS),
        session_id=_metadata_value(metadata, _SESSION_KEYS),
        system_prompt=join_texts(request.system),
        prompt_text=join_texts(request.prompt),
        retrieved_context=join_texts(request.context),
        response_text=join_texts(reply.parts.texts),
        input_messages=request.messages or None,
        output_messages=reply.parts.messages or None,
        tool_calls=reply.parts.tool_calls,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total,
        duration_ms=reply.latency_ms,
        status=status,
        error_code=error_code,
        is_stream=operation.endswith("Stream") if operation else None,
        raw=raw_record(record, chars, notes),
    )


def read_bedrock_logs(source: BedrockLogsSource, day: date, s3_client: Any = None) -> IngestResult:
    """Events of `day` (UTC) from the Bedrock invocation logs at `source.path` or
    `source.s3_uri`, with every rejection met in that day's files. Raises SourceUnavailable
    when the directory or bucket cannot be read at all."""
    with gc_paused():
        store: _Store = (
            _LocalTree(source.path) if source.path is not None else _Bucket(source, s3_client)
        )
        result = IngestResult()
        for root in _region_roots(store):
            for obj in _log_objects(store, root, day):
                _read_object(store, obj, day, result)
        return result


def _read_object(store: _Store, obj: _Object, day: date, result: IngestResult) -> None:
    book = DayBook(day, _folder_day(obj))
    try:
        data = store.read(obj)
    except (OSError, ClientError, BotoCoreError) as exc:  # one bad object must not stop the rest
        reason = _read_error(exc)
        book.reject(rejection(SOURCE, obj.location, f"cannot read the log file: {reason}"))
        result.rejections.extend(book.finish())
        return
    result.files_read += 1
    problem = None
    if obj.parts[-1].lower().endswith(".gz") or data[:2] == b"\x1f\x8b":
        data, problem = gunzip(data)
    text_file = decode_lines(data, problem)
    for item in iter_json_items(text_file):
        location = f"{obj.location}:{item.line}"
        if isinstance(item, BadItem):
            book.reject(rejection(SOURCE, location, item.reason, item.text))
            continue
        result.records_read += 1
        record = item.value
        if not isinstance(record, dict):
            book.reject(rejection(SOURCE, location, "record is not a JSON object", record))
            continue
        schema_type = record.get("schemaType")
        if schema_type is not None and schema_type != SCHEMA_TYPE:
            book.reject(
                rejection(SOURCE, location, f"schemaType {schema_type!r} is not {SCHEMA_TYPE}")
            )
            continue
        try:
            when = parse_time(record.get("timestamp"))
        except ValueError as exc:
            book.reject(rejection(SOURCE, location, f"timestamp: {exc}", record.get("timestamp")))
            continue
        if when is None:
            book.reject(rejection(SOURCE, location, "timestamp: missing", json.dumps(record)[:200]))
            continue
        book.saw_time(when)
        if when.date() != day:
            if not _read_for_its_day(obj, when.date()) and _folder_day(obj) == day:
                # its own day's run does not read this folder: say so here, once
                result.rejections.append(
                    rejection(
                        SOURCE,
                        location,
                        f"record of {when.date()} delivered in the folder of "
                        f"{'/'.join(obj.parts[-5:-1])}, which is not read for its day: "
                        "not ingested",
                    )
                )
            continue
        notes = text_file.utf8_notes(item.line, item.last_line)
        failed: list[str] = []
        try:
            event = _event(record, when, location, item.chars, notes, store, failed)
        except RECORD_ERRORS as exc:
            book.reject(rejection(SOURCE, location, unexpected_shape(exc)), when)
            continue
        result.events.append(event)
        for reason in failed:
            book.reject(rejection(SOURCE, location, f"event kept without its {reason}"), when)
    result.rejections.extend(book.finish())


def _read_error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"{error.get('Code', '?')} {error.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def _local_files(source: BedrockLogsSource) -> list[Path]:
    return [source.path] if source.path is not None else []


def _preflight(source: BedrockLogsSource) -> list[str]:
    return missing_path("path", source.path, directory=True)


SPEC = LogSourceSpec(
    key="bedrock",
    model=BedrockLogsSource,
    source=SOURCE,
    description="Bedrock model-invocation logs (gzip JSON as AWS writes them), from a local "
    "copy of the S3 tree (`path`) or the bucket itself (`s3_uri`).",
    read=read_bedrock_logs,
    local_files=_local_files,
    preflight=_preflight,
)
