"""OpenTelemetry GenAI spans exported as OTLP JSON.

A file holds one `ExportTraceServiceRequest` (`.json`) or one per line (`.jsonl`, and `.json`
files as the collector's file exporter writes them): `resourceSpans[].scopeSpans[].spans[]`,
attributes as `[{key, value: {stringValue|intValue|doubleValue|boolValue|arrayValue|
kvlistValue|bytesValue}}]`, times as `startTimeUnixNano` strings.

A span is a GenAI span when it has a `gen_ai.*` attribute or a `gen_ai.*` event; other spans
(HTTP, database, ...) are not LLM interactions and are skipped (counted in records_read).

Choices:
- Names: gen_ai.provider.name, falling back to the legacy gen_ai.system; token counts from
  gen_ai.usage.input_tokens / output_tokens, falling back to prompt_tokens / completion_tokens.
- Content, first found wins: the gen_ai.system_instructions / gen_ai.input.messages /
  gen_ai.output.messages attributes; the same attributes on the
  `gen_ai.client.inference.operation.details` event; the older per-message events
  (gen_ai.system.message, gen_ai.user.message, gen_ai.assistant.message, gen_ai.tool.message,
  gen_ai.choice; body in `gen_ai.event.content` or as flat attributes); and the removed
  gen_ai.prompt / gen_ai.completion attributes (also OpenLLMetry's indexed
  `gen_ai.prompt.<n>.content` form).
- `execute_tool` spans become their own event (operation execute_tool) with the tool as their
  one tool call and the tool's result as retrieved context: the span has its own time, status
  and result, and its parent may be in another file or day. The model's request for that tool
  is also on the chat span that asked for it (same call id): count executed tools by
  operation_name = 'execute_tool', requested ones on chat events.
- A span without agent or conversation attributes inherits them from its nearest ancestor in
  the same file (the invoke_agent span around a chat or tool span).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aisec_assets.monitoring.ingest._common import (
    RECORD_ERRORS,
    BadItem,
    DayBook,
    TextFile,
    as_list,
    file_day,
    gc_paused,
    iter_json_items,
    join_texts,
    maybe_json,
    parse_bool,
    parse_int,
    parse_time,
    raw_record,
    read_text_file,
    rejection,
    source_files,
    text_or_none,
    unexpected_shape,
)
from aisec_assets.monitoring.ingest._messages import (
    InputParts,
    OutputParts,
    arguments_text,
    read_input,
    read_output,
)
from aisec_assets.monitoring.ingest.spec import file_log_source
from aisec_resources.events import EventRejection, IngestResult, LlmEvent, ToolCall

SOURCE = "otel_genai"
SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")
DETAILS_EVENT = "gen_ai.client.inference.operation.details"
_OPERATIONS = frozenset(
    {
        "chat",
        "text_completion",
        "embeddings",
        "generate_content",
        "invoke_agent",
        "create_agent",
        "execute_tool",
    }
)
_LEGACY_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}


def any_value(value: Any) -> Any:
    """The Python value of an OTLP JSON `AnyValue` (int64 arrives as a string)."""
    if not isinstance(value, dict):
        return value
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError, OverflowError):  # 1e999 is an infinite float
            return value["intValue"]
    if "doubleValue" in value:
        try:
            return float(value["doubleValue"])
        except (TypeError, ValueError):
            return value["doubleValue"]
    if "arrayValue" in value:
        array = value["arrayValue"] if isinstance(value["arrayValue"], dict) else {}
        return [any_value(v) for v in as_list(array.get("values"))]
    if "kvlistValue" in value:
        kvlist = value["kvlistValue"] if isinstance(value["kvlistValue"], dict) else {}
        return attributes(kvlist.get("values"))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(items: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                found[item["key"]] = any_value(item.get("value"))
    return found


@dataclass
class _Span:
    span: dict[str, Any]
    attrs: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]]
    resource: dict[str, Any]
    scope: str | None
    location: str
    line: int
    last_line: int
    chars: int

    @property
    def key(self) -> tuple[str, str]:
        return str(self.span.get("traceId") or ""), str(self.span.get("spanId") or "")

    @property
    def parent_key(self) -> tuple[str, str]:
        return str(self.span.get("traceId") or ""), str(self.span.get("parentSpanId") or "")

    @property
    def is_genai(self) -> bool:
        return any(k.startswith("gen_ai.") for k in self.attrs) or any(
            name.startswith("gen_ai.") for name, _ in self.events
        )


def _spans_of(export: Any, file: Path, line: int, last_line: int, chars: int) -> list[_Span] | str:
    if not isinstance(export, dict) or not isinstance(export.get("resourceSpans"), list):
        return "not an OTLP traces export (no resourceSpans list)"
    found: list[_Span] = []
    for i, resource_spans in enumerate(export["resourceSpans"]):
        if not isinstance(resource_spans, dict):
            continue
        resource_value = resource_spans.get("resource")
        resource = attributes(
            resource_value.get("attributes") if isinstance(resource_value, dict) else None
        )
        for j, scope_spans in enumerate(as_list(resource_spans.get("scopeSpans"))):
            if not isinstance(scope_spans, dict):
                continue
            scope = scope_spans.get("scope")
            scope_name = scope.get("name") if isinstance(scope, dict) else None
            for k, span in enumerate(as_list(scope_spans.get("spans"))):
                if not isinstance(span, dict):
                    continue
                events = [
                    (str(e.get("name") or ""), attributes(e.get("attributes")))
                    for e in as_list(span.get("events"))
                    if isinstance(e, dict)
                ]
                found.append(
                    _Span(
                        span=span,
                        attrs=attributes(span.get("attributes")),
                        events=events,
                        resource=resource,
                        scope=scope_name if isinstance(scope_name, str) else None,
                        location=(f"{file}:{line}#resourceSpans[{i}].scopeSpans[{j}].spans[{k}]"),
                        line=line,
                        last_line=last_line,
                        chars=chars,
                    )
                )
    return found


def _time(value: Any) -> datetime | None:
    """OTLP nanoseconds since the epoch (a string in JSON); 0 or absent means unknown."""
    if isinstance(value, bool):  # False == 0 would otherwise read as "unknown"
        return parse_time(value)
    if value in (None, "", 0, "0"):
        return None
    number = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value
    return parse_time(number)


def _as_messages(value: Any, role: str) -> list[Any]:
    value = maybe_json(value)
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    if isinstance(value, str) and value:
        return [{"role": role, "content": value}]
    return []


def _indexed_messages(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """OpenLLMetry's flattened `gen_ai.prompt.<n>.role/content` attributes as messages."""
    messages: dict[int, dict[str, Any]] = {}
    calls: dict[tuple[int, int], dict[str, Any]] = {}
    for key, value in attrs.items():
        if not key.startswith(prefix):
            continue
        pieces = key[len(prefix) :].split(".")
        if not pieces[0].isdigit():
            continue
        index = int(pieces[0])
        message = messages.setdefault(index, {})
        if len(pieces) == 2 and pieces[1] in ("role", "content", "finish_reason"):
            message[pieces[1]] = value
        elif len(pieces) == 4 and pieces[1] == "tool_calls" and pieces[2].isdigit():
            calls.setdefault((index, int(pieces[2])), {})[pieces[3]] = value
    for (index, _), call in sorted(calls.items()):
        messages[index].setdefault("tool_calls", []).append(call)
    return [messages[i] for i in sorted(messages)]


def _legacy_event_body(attrs: dict[str, Any]) -> dict[str, Any]:
    for key in ("gen_ai.event.content", "event.body", "body"):
        if key in attrs:
            body = maybe_json(attrs[key])
            if isinstance(body, dict):
                return body
            if isinstance(body, str):
                return {"content": body}
    return attrs


@dataclass
class _Content:
    request: InputParts
    reply: OutputParts


def _content(span: _Span) -> _Content:
    attrs = span.attrs
    details = next((a for name, a in span.events if name == DETAILS_EVENT), {})
    system_value = attrs.get(
        "gen_ai.system_instructions", details.get("gen_ai.system_instructions")
    )
    input_value = attrs.get("gen_ai.input.messages", details.get("gen_ai.input.messages"))
    output_value = attrs.get("gen_ai.output.messages", details.get("gen_ai.output.messages"))

    legacy_input: list[Any] = []
    legacy_output: list[Any] = []
    for name, event_attrs in span.events:
        if name in _LEGACY_ROLES:
            body = _legacy_event_body(event_attrs)
            legacy_input.append({**body, "role": body.get("role") or _LEGACY_ROLES[name]})
        elif name == "gen_ai.choice":
            body = _legacy_event_body(event_attrs)
            message = maybe_json(body.get("message"))
            message = dict(message) if isinstance(message, dict) else {}
            if "content" in body and "content" not in message:
                message["content"] = body["content"]
            message.setdefault("role", "assistant")
            message["finish_reason"] = body.get("finish_reason")
            legacy_output.append(message)
        elif name == "gen_ai.content.prompt":
            legacy_input.extend(_as_messages(event_attrs.get("gen_ai.prompt"), "user"))
        elif name == "gen_ai.content.completion":
            legacy_output.extend(_as_messages(event_attrs.get("gen_ai.completion"), "assistant"))
    if not legacy_input:
        legacy_input = _as_messages(attrs.get("gen_ai.prompt"), "user") or _indexed_messages(
            attrs, "gen_ai.prompt."
        )
    if not legacy_output:
        legacy_output = _as_messages(
            attrs.get("gen_ai.completion"), "assistant"
        ) or _indexed_messages(attrs, "gen_ai.completion.")

    system = maybe_json(system_value)
    inputs = _as_messages(input_value, "user") if input_value is not None else legacy_input
    outputs = _as_messages(output_value, "assistant") if output_value is not None else legacy_output
    request = read_input(inputs, system=system)
    reply = read_output(outputs)
    return _Content(request, reply)


def _inherited(span: _Span, spans: dict[tuple[str, str], _Span], key: str) -> Any:
    seen = 0
    current: _Span | None = span
    while current is not None and seen < 64:  # a cycle in bad data must not loop forever
        if current.attrs.get(key) not in (None, ""):
            return current.attrs[key]
        current = spans.get(current.parent_key)
        seen += 1
    return None


def _status(span: dict[str, Any]) -> str | None:
    status = span.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    if code in (2, "2", "STATUS_CODE_ERROR"):
        return "error"
    if code in (1, "1", "STATUS_CODE_OK"):
        return "ok"
    return None


def _first(attrs: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if attrs.get(key) not in (None, ""):
            return attrs[key]
    return None


def _event(
    span: _Span, spans: dict[tuple[str, str], _Span], when: datetime, notes: list[str]
) -> LlmEvent:
    attrs = span.attrs
    operation = text_or_none(attrs.get("gen_ai.operation.name"))
    if operation is None:
        first_word = str(span.span.get("name") or "").split(" ", 1)[0]
        operation = first_word if first_word in _OPERATIONS else None
    content = _content(span)
    tool_calls = list(content.reply.tool_calls)
    context = list(content.request.context)
    if operation == "execute_tool" or "gen_ai.tool.name" in attrs:
        name = text_or_none(attrs.get("gen_ai.tool.name"))
        if name and operation == "execute_tool":
            tool_calls.append(
                ToolCall(
                    name,
                    text_or_none(attrs.get("gen_ai.tool.call.id")),
                    arguments_text(attrs.get("gen_ai.tool.call.arguments")),
                )
            )
        result = attrs.get("gen_ai.tool.call.result")
        if result not in (None, ""):
            context.append(result if isinstance(result, str) else arguments_text(result) or "")

    input_tokens = parse_int(
        _first(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
        "gen_ai.usage.input_tokens",
        notes,
    )
    output_tokens = parse_int(
        _first(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
        "gen_ai.usage.output_tokens",
        notes,
    )
    total = parse_int(
        _first(attrs, "gen_ai.usage.total_tokens", "llm.usage.total_tokens"),
        "gen_ai.usage.total_tokens",
        notes,
    )
    if total is None and input_tokens is not None and output_tokens is not None:
        total = input_tokens + output_tokens
    finish = attrs.get("gen_ai.response.finish_reasons")
    if isinstance(finish, str):
        finish = [finish]
    finish_reasons = [str(f) for f in finish] if isinstance(finish, list) else None
    finish_reasons = finish_reasons or content.reply.finish_reasons or None
    try:
        end = _time(span.span.get("endTimeUnixNano"))
    except (TypeError, ValueError):
        end = None
        notes.append("endTimeUnixNano is not a time")
    duration = (end - when).total_seconds() * 1000 if end is not None else None
    trace_id, span_id = span.key
    merged = {**span.resource, **attrs}
    return LlmEvent(
        source=SOURCE,
        source_location=span.location,
        event_time=when,
        source_record_id=f"{trace_id}:{span_id}" if trace_id and span_id else None,
        operation_name=operation,
        provider_name=text_or_none(_first(attrs, "gen_ai.provider.name", "gen_ai.system")),
        request_model=text_or_none(attrs.get("gen_ai.request.model")),
        response_model=text_or_none(attrs.get("gen_ai.response.model")),
        response_id=text_or_none(attrs.get("gen_ai.response.id")),
        finish_reasons=finish_reasons,
        cloud_account=text_or_none(merged.get("cloud.account.id")),
        cloud_region=text_or_none(merged.get("cloud.region")),
        endpoint=text_or_none(attrs.get("server.address")),
        user_id=text_or_none(_first(merged, "user.id", "enduser.id")),
        agent_id=text_or_none(_inherited(span, spans, "gen_ai.agent.id")),
        agent_name=text_or_none(_inherited(span, spans, "gen_ai.agent.name")),
        session_id=text_or_none(_inherited(span, spans, "gen_ai.conversation.id")),
        system_prompt=join_texts(content.request.system),
        prompt_text=join_texts(content.request.prompt),
        retrieved_context=join_texts(context),
        response_text=join_texts(content.reply.texts),
        input_messages=content.request.messages or None,
        output_messages=content.reply.messages or None,
        tool_calls=tool_calls,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total,
        duration_ms=duration,
        status=_status(span.span),
        error_code=text_or_none(attrs.get("error.type")),
        is_stream=parse_bool(_first(attrs, "gen_ai.request.stream", "llm.is_streaming")),
        client_ip=text_or_none(attrs.get("client.address")),
        raw=raw_record(
            {"resource": span.resource, "scope": span.scope, "span": span.span}, span.chars, notes
        ),
    )


def _read_span(
    span: _Span,
    by_key: dict[tuple[str, str], _Span],
    text_file: TextFile,
    day: date,
    book: DayBook,
    result: IngestResult,
) -> None:
    raw_start = span.span.get("startTimeUnixNano")
    try:
        when = _time(raw_start)
    except (TypeError, ValueError) as exc:
        book.reject(rejection(SOURCE, span.location, f"startTimeUnixNano: {exc}", raw_start))
        return
    if when is None:
        book.reject(rejection(SOURCE, span.location, "startTimeUnixNano: missing"))
        return
    book.saw_time(when)
    if when.date() == day:
        notes = text_file.utf8_notes(span.line, span.last_line)
        try:
            result.events.append(_event(span, by_key, when, notes))
        except RECORD_ERRORS as exc:
            book.reject(rejection(SOURCE, span.location, unexpected_shape(exc)), when)


def _read_file(file: Path, day: date, result: IngestResult) -> None:
    book = DayBook(day, file_day(file))
    try:
        text_file = read_text_file(file)
    except OSError as exc:
        book.reject(rejection(SOURCE, str(file), f"cannot read the file: {exc}"))
        result.rejections.extend(book.finish())
        return
    result.files_read += 1
    # First every span of the file (parents give agent and conversation to their children),
    # then in file order, so that each rejection gets the day of its neighbours.
    entries: list[_Span | EventRejection] = []
    for item in iter_json_items(text_file):
        location = f"{file}:{item.line}"
        if isinstance(item, BadItem):
            entries.append(rejection(SOURCE, location, item.reason, item.text))
            continue
        try:
            found = _spans_of(item.value, file, item.line, item.last_line, item.chars)
        except RECORD_ERRORS as exc:  # a shape no check above foresaw: this export only
            found = unexpected_shape(exc)
        if isinstance(found, str):
            entries.append(rejection(SOURCE, location, found, item.value))
            continue
        entries.extend(found)
    by_key = {e.key: e for e in entries if isinstance(e, _Span)}
    for entry in entries:
        if isinstance(entry, EventRejection):
            book.reject(entry)
            continue
        result.records_read += 1
        if entry.is_genai:
            _read_span(entry, by_key, text_file, day, book, result)
    result.rejections.extend(book.finish())


def read_otel_json(path: Path, day: date) -> IngestResult:
    """Events of `day` (UTC, by span start) from OTLP JSON trace exports at `path` (a file or
    a directory of .json / .jsonl files, optionally .gz). Raises SourceUnavailable when `path`
    cannot be read at all."""
    with gc_paused():
        result = IngestResult()
        for file in source_files(path, SUFFIXES, "OpenTelemetry export", day, SOURCE, result):
            _read_file(file, day, result)
        return result


SPEC = file_log_source(
    key="otel",
    source=SOURCE,
    description="OpenTelemetry GenAI spans and events exported as OTLP JSON (`path`: .json / "
    ".jsonl files, as the collector's file exporter writes them).",
    read=read_otel_json,
)
