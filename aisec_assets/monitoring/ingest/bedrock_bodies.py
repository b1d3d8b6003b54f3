"""Request and response bodies of Bedrock invocation logs, read by their shape.

Text is extracted by the body's shape, not by model id (inference-profile and provisioned ARNs
hide the provider): Converse / Nova, Anthropic Messages (and the older text completions),
Titan, Llama, Mistral, Cohere, AI21 / DeepSeek / OpenAI-compatible `choices`, and streaming
output (a list of chunks in any of those families) reassembled into one text. Token counts
from the body's usage are used when the log's own counts are missing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aisec_assets.monitoring.ingest._common import (
    as_list,
    loads,
    parse_float,
    parse_int,
    text_or_none,
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
from aisec_resources.events import ToolCall

# ------------------------------------------------------------------ bodies


def read_input_body(body: Any) -> InputParts:
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


def read_output_body(body: Any) -> _Reply:
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
