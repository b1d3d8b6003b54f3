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

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from aisec_assets.monitoring.ingest._common import (
    RECORD_ERRORS,
    BadItem,
    DayBook,
    decode_file,
    gc_paused,
    iter_json_items,
    join_texts,
    maybe_json,
    parse_int,
    parse_time,
    raw_record,
    reject_refused,
    rejection,
    text_or_none,
    unexpected_shape,
)
from aisec_assets.monitoring.ingest.bedrock_bodies import read_input_body, read_output_body
from aisec_assets.monitoring.ingest.bedrock_store import (
    BedrockLogsSource,
    Bucket,
    LocalTree,
    LogObject,
    LogStore,
    folder_day,
    log_objects,
    read_for_its_day,
    region_roots,
)
from aisec_assets.monitoring.ingest.spec import LogSourceSpec, missing_path
from aisec_resources.events import IngestResult, LlmEvent
from aisec_resources.redaction import quote

__all__ = ["SOURCE", "SPEC", "BedrockLogsSource", "read_bedrock_logs"]

SOURCE = "bedrock_invocation_log"
PROVIDER = "aws.bedrock"
SCHEMA_TYPE = "ModelInvocationLog"

_SESSION_KEYS = (
    "sessionId",
    "session_id",
    "conversationId",
    "conversation_id",
    "gen_ai.conversation.id",
)
_AGENT_ID_KEYS = ("agentId", "agent_id", "gen_ai.agent.id")
_AGENT_NAME_KEYS = ("agentName", "agent_name", "gen_ai.agent.name")


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
    store: LogStore,
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

    request = read_input_body(bodies["input"])
    reply = read_output_body(bodies["output"])
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
        store: LogStore = (
            LocalTree(source.path) if source.path is not None else Bucket(source, s3_client)
        )
        result = IngestResult()
        for root in region_roots(store):
            for obj in log_objects(store, root, day):
                _read_object(store, obj, day, result)
        if isinstance(store, LocalTree):
            reject_refused(store.refused, day, SOURCE, result)
        return result


def _read_object(store: LogStore, obj: LogObject, day: date, result: IngestResult) -> None:
    book = DayBook(day, folder_day(obj))
    try:
        data, more = store.read(obj)
    except (OSError, ClientError, BotoCoreError) as exc:  # one bad object must not stop the rest
        reason = _read_error(exc)
        book.reject(rejection(SOURCE, obj.location, f"cannot read the log file: {reason}"))
        result.rejections.extend(book.finish())
        return
    result.files_read += 1
    text_file = decode_file(data, obj.parts[-1], more)
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
                rejection(SOURCE, location, f"schemaType {quote(schema_type)} is not {SCHEMA_TYPE}")
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
            if not read_for_its_day(obj, when.date()) and folder_day(obj) == day:
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
