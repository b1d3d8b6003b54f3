"""Azure OpenAI through Azure API Management: `ApiManagementGatewayLlmLog` exports.

Columns (Azure Monitor table reference): TimeGenerated, CorrelationId, RequestId,
DeploymentName, ModelName, OperationName, ApiVersion, IsStreamCompletion, PromptTokens,
CompletionTokens, TotalTokens, RequestMessages, ResponseMessages, SequenceNumber, Region,
_ResourceId / _SubscriptionId. Exports: JSON array, JSONL, CSV (the portal's, with
"TimeGenerated [UTC]" and times like "5/28/2025, 9:14:05.513 PM", or `az monitor
log-analytics query` output with every value a string) and the Log Analytics query API's
`{"tables": [...]}`; optionally gzipped.

One request is logged as several rows sharing RequestId, numbered by SequenceNumber from 0 (row
0 carries the token counts; prompts and completions follow, and messages over the logging size
limit are split across further rows). Choices:
- Rows are grouped by RequestId (else CorrelationId) across all files read, ordered by
  SequenceNumber; numbers missing from 0..max are reported as a rejection naming the missing
  pieces, and the event is kept with what exists.
- The pieces of RequestMessages / ResponseMessages are reassembled: if they are text that only
  parses as JSON once joined, they are joined; otherwise each piece's messages are appended
  in order and a message cut at a row boundary (the same role on both sides of it) is joined
  back into one. Text that is not JSON at all is taken as the message content itself.
- provider_name is azure.ai.openai, endpoint the deployment, request_model the model name,
  cloud_account the subscription from _ResourceId / _SubscriptionId, cloud_region Region.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aisec_assets.monitoring.ingest._common import (
    RECORD_ERRORS,
    export_records,
    gc_paused,
    join_texts,
    loads,
    maybe_json,
    parse_bool,
    parse_int,
    parse_time,
    raw_record,
    rejection,
    source_files,
    text_or_none,
    unexpected_shape,
)
from aisec_assets.monitoring.ingest._messages import read_input, read_openai_response, read_output
from aisec_assets.monitoring.ingest.spec import file_log_source
from aisec_resources.events import EventRejection, IngestResult, LlmEvent
from aisec_resources.redaction import quote

SOURCE = "azure_apim_llm_log"
PROVIDER = "azure.ai.openai"
SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".json.gz", ".jsonl.gz", ".csv.gz")


def _normalized_keys(row: dict[str, Any]) -> dict[str, Any]:
    """Portal CSV headers carry a unit suffix (`TimeGenerated [UTC]`)."""
    return {(k.split(" [", 1)[0].strip() if isinstance(k, str) else k): v for k, v in row.items()}


def _operation(name: str | None) -> str | None:
    if name is None:
        return None
    lowered = name.lower()
    if "embedding" in lowered:
        return "embeddings"
    if "chat" in lowered or "response" in lowered:
        return "chat"
    if "completion" in lowered:
        return "text_completion"
    return name


def _subscription(resource_id: str | None, subscription_id: str | None) -> str | None:
    if resource_id:
        parts = resource_id.strip("/").split("/")
        lowered = [p.lower() for p in parts]
        if "subscriptions" in lowered:
            i = lowered.index("subscriptions")
            if len(parts) > i + 1:
                return parts[i + 1].lower()
    return subscription_id


@dataclass
class _Piece:
    sequence: int | None
    row: dict[str, Any]
    when: datetime
    location: str
    chars: int
    notes: list[str]
    order: int  # position in the files, to order pieces without a SequenceNumber


@dataclass
class _Request:
    key: str
    pieces: list[_Piece] = field(default_factory=list)


def _piece_messages(value: Any, default_role: str) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        if isinstance(value.get("messages"), list):
            return [m for m in value["messages"] if isinstance(m, dict)]
        if isinstance(value.get("choices"), list):
            return read_openai_response(value).messages
        return [value]
    if isinstance(value, list):
        return [m if isinstance(m, dict) else {"role": default_role, "content": m} for m in value]
    if isinstance(value, str):
        return [{"role": None, "content": value}]
    return []


def _assemble(values: list[tuple[int | None, Any]], default_role: str) -> list[dict[str, Any]]:
    """One message list from the pieces of a split RequestMessages / ResponseMessages column."""
    present = [(seq, v) for seq, v in values if v not in (None, "", [], {})]
    if not present:
        return []
    if all(isinstance(v, str) for _, v in present):
        try:
            joined = loads("".join(v for _, v in present))
            return _piece_messages(joined, default_role)
        except json.JSONDecodeError:
            pass
    messages: list[dict[str, Any]] = []
    previous_seq: int | None = None
    for seq, value in present:
        value = maybe_json(value)  # text that is not JSON is a fragment of the content itself
        piece = _piece_messages(value, default_role)
        adjacent = seq is not None and previous_seq is not None and seq == previous_seq + 1
        for index, message in enumerate(piece):
            message = dict(message)
            continues = (
                index == 0
                and messages
                and adjacent
                and (message.get("role") in (None, messages[-1].get("role")))
                and isinstance(message.get("content"), str)
                and isinstance(messages[-1].get("content"), str)
            )
            if continues:
                messages[-1]["content"] += message["content"]
            else:
                if message.get("role") is None:
                    message["role"] = default_role
                messages.append(message)
        previous_seq = seq
    return messages


_LISTED = 10  # sequence numbers named in a message; a hostile 2^53 must not list them all


def _first_missing(have: list[int]) -> list[int]:
    """The first few numbers missing from 0..max(have) (sorted, unique), without building the
    range: a SequenceNumber of 2^53 once meant a set of 2^53 numbers."""
    missing: list[int] = []
    expected = 0
    for number in have:
        while expected < number and len(missing) < _LISTED:
            missing.append(expected)
            expected += 1
        if len(missing) >= _LISTED:
            break
        expected = number + 1
    return missing


def _listed(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:_LISTED]))
    return shown + (f" and {len(numbers) - _LISTED} more" if len(numbers) > _LISTED else "")


def _build(request: _Request, day: date) -> tuple[LlmEvent | None, list[EventRejection]]:
    pieces = sorted(
        request.pieces,
        key=lambda p: (p.sequence if p.sequence is not None else 1 << 30, p.order),
    )
    rejections: list[EventRejection] = []
    first = pieces[0]
    when = min(p.when for p in pieces)
    if when.date() != day:
        return None, []
    numbers = [p.sequence for p in pieces if p.sequence is not None]
    unique: list[_Piece] = []
    seen: dict[int, _Piece] = {}
    for piece in pieces:
        if piece.sequence is not None and piece.sequence in seen:
            if piece.row != seen[piece.sequence].row:
                rejections.append(
                    rejection(
                        SOURCE,
                        piece.location,
                        f"RequestId {quote(request.key)}: SequenceNumber {piece.sequence} appears "
                        f"twice with different content; the first ({seen[piece.sequence].location})"
                        " was kept",
                    )
                )
            continue
        if piece.sequence is not None:
            seen[piece.sequence] = piece
        unique.append(piece)
    if numbers:
        have = sorted(set(numbers))
        missing = _first_missing(have)
        if missing:
            more = max(0, have[-1] + 1 - len(have) - len(missing))
            rejections.append(
                rejection(
                    SOURCE,
                    first.location,
                    f"RequestId {quote(request.key)}: SequenceNumber "
                    f"{', '.join(map(str, missing))}{f' and {more} more' if more else ''} "
                    f"missing (have {_listed(have)}); the event is kept with the pieces that exist",
                )
            )

    def column(name: str) -> Any:
        for piece in unique:
            value = piece.row.get(name)
            if value not in (None, ""):
                return value
        return None

    notes: list[str] = []
    for piece in unique:
        notes.extend(piece.notes)
    requests = _assemble([(p.sequence, p.row.get("RequestMessages")) for p in unique], "user")
    responses = _assemble(
        [(p.sequence, p.row.get("ResponseMessages")) for p in unique], "assistant"
    )
    request_parts = read_input(requests)
    reply = read_output(responses)
    input_tokens = parse_int(column("PromptTokens"), "PromptTokens", notes)
    output_tokens = parse_int(column("CompletionTokens"), "CompletionTokens", notes)
    total = parse_int(column("TotalTokens"), "TotalTokens", notes)
    if total is None and input_tokens is not None and output_tokens is not None:
        total = input_tokens + output_tokens
    raw = {
        "rows": [p.row for p in unique],
        "sequence_numbers": [p.sequence for p in unique],
        "locations": [p.location for p in unique],
    }
    chars = sum(p.chars for p in unique)
    record_id = text_or_none(column("RequestId")) or text_or_none(column("CorrelationId"))
    event = LlmEvent(
        source=SOURCE,
        source_location=first.location,
        event_time=when,
        source_record_id=record_id,
        operation_name=_operation(text_or_none(column("OperationName"))),
        provider_name=PROVIDER,
        request_model=text_or_none(column("ModelName")),
        finish_reasons=reply.finish_reasons or None,
        cloud_account=_subscription(
            text_or_none(column("_ResourceId")), text_or_none(column("_SubscriptionId"))
        ),
        cloud_region=text_or_none(column("Region")),
        endpoint=text_or_none(column("DeploymentName")),
        system_prompt=join_texts(request_parts.system),
        prompt_text=join_texts(request_parts.prompt),
        retrieved_context=join_texts(request_parts.context),
        response_text=join_texts(reply.texts),
        input_messages=request_parts.messages or None,
        output_messages=reply.messages or None,
        tool_calls=reply.tool_calls,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total,
        is_stream=parse_bool(column("IsStreamCompletion")),
        raw=raw_record(raw, chars, notes),
    )
    return event, rejections


def _read_file(file: Path, day: date, requests: dict[str, _Request], result: IngestResult) -> None:
    """Add the rows of one export file to `requests` (grouped by request)."""
    for record in export_records(file, day, SOURCE, result):
        item, location, book = record.item, record.location, record.book
        row = _normalized_keys(record.row)
        try:
            when = parse_time(row.get("TimeGenerated"))
        except ValueError as exc:
            book.reject(rejection(SOURCE, location, f"TimeGenerated: {exc}"))
            continue
        if when is None:
            book.reject(rejection(SOURCE, location, "TimeGenerated: missing", row))
            continue
        book.saw_time(when)
        key = text_or_none(row.get("RequestId")) or text_or_none(row.get("CorrelationId"))
        if key is None:
            reason = "neither RequestId nor CorrelationId"
            book.reject(rejection(SOURCE, location, reason, row), when)
            continue
        notes = record.text_file.utf8_notes(item.line, item.last_line)
        sequence = parse_int(row.get("SequenceNumber"), "SequenceNumber", notes)
        order = result.records_read  # position across all files read
        piece = _Piece(sequence, row, when, location, item.chars, notes, order)
        requests.setdefault(key, _Request(key)).pieces.append(piece)


def read_apim_llm_logs(path: Path, day: date) -> IngestResult:
    """Events of `day` (UTC) from ApiManagementGatewayLlmLog exports at `path` (a file or a
    directory of .json / .jsonl / .csv files, optionally .gz), with split messages
    reassembled. Raises SourceUnavailable when `path` cannot be read at all."""
    with gc_paused():
        result = IngestResult()
        requests: dict[str, _Request] = {}
        for file in source_files(
            path, SUFFIXES, "API Management LLM log export", day, SOURCE, result
        ):
            _read_file(file, day, requests, result)
        for request in requests.values():
            try:
                event, rejections = _build(request, day)
            except RECORD_ERRORS as exc:
                first = request.pieces[0]
                if first.when.date() == day:
                    result.rejections.append(
                        rejection(SOURCE, first.location, unexpected_shape(exc))
                    )
                continue
            if event is not None:
                result.events.append(event)
                result.rejections.extend(rejections)
        return result


SPEC = file_log_source(
    key="azure_apim",
    source=SOURCE,
    description="Azure OpenAI through Azure API Management: ApiManagementGatewayLlmLog "
    "exports (`path`: JSON, JSONL or CSV from Log Analytics, optionally gzipped).",
    read=read_apim_llm_logs,
)
