"""LiteLLM proxy spend logs (`LiteLLM_SpendLogs`): exported files or the proxy's own table.

Rows carry LiteLLM's column names (schema.prisma): request_id, call_type, api_key (LiteLLM's
hash of the virtual key), spend, total/prompt/completion_tokens, "startTime", "endTime",
request_duration_ms, model, model_group, custom_llm_provider, api_base, user, metadata,
cache_hit, request_tags, team_id, organization_id, end_user, requester_ip_address, messages,
response, session_id, status, mcp_namespaced_tool_name, agent_id.

Choices:
- `api_key` is stored only as `key_fingerprint(api_key)`, and the same fingerprint replaces the
  hash in `raw` (`api_key`, `metadata.user_api_key`, `metadata.user_api_key_hash`): the
  gateway's own hash identifies the key to anyone with access to the proxy database.
- `messages` / `response` are empty (`{}`) or hold `redacted-by-litellm` when the proxy does
  not store prompts: the text columns are then None and `raw` notes the redaction.
- request_model = `model` (what LiteLLM called), endpoint = `model_group` (the public model
  name the caller asked for), provider from `custom_llm_provider` in OpenTelemetry spelling.
- `mcp_namespaced_tool_name` (MCP tool calls through the proxy) becomes a tool call.
- Token counts are taken as given; LiteLLM writes 0 when it does not know, which cannot be
  told apart from a true 0.
- Exports: JSON array, `{"data": [...]}` (the /spend/logs/v2 API), JSONL and CSV (JSON columns
  as JSON text), optionally gzipped; a directory is searched recursively.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import field_validator, model_validator

from aisec_assets.monitoring.ingest._common import (
    RECORD_ERRORS,
    DayBook,
    export_records,
    gc_paused,
    join_texts,
    maybe_json,
    parse_bool,
    parse_float,
    parse_int,
    parse_time,
    raw_record,
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
    read_openai_response,
)
from aisec_assets.monitoring.ingest.spec import LogSourceSpec, missing_path
from aisec_resources.config.base import Strict
from aisec_resources.events import IngestResult, LlmEvent, ToolCall, key_fingerprint
from aisec_resources.records import SourceUnavailable
from aisec_resources.redaction import quote

SOURCE = "litellm_spend_log"
EXPORT_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".json.gz", ".jsonl.gz", ".csv.gz")
REDACTED = "redacted-by-litellm"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


class LiteLLMSource(Strict):
    """`monitoring.logs.litellm`: LiteLLM proxy spend logs: exported JSON/JSONL/CSV files under
    `path`, and/or the proxy's PostgreSQL table read directly (connection URL from the
    environment variable named by `postgres_url_env`, never written in this file)."""

    path: Path | None = None
    postgres_url_env: str | None = None
    table: str = "LiteLLM_SpendLogs"

    @field_validator("table")
    @classmethod
    def _table(cls, value: str) -> str:
        table_identifier(value)
        return value

    @model_validator(mode="after")
    def _somewhere(self) -> LiteLLMSource:
        if self.path is None and self.postgres_url_env is None:
            raise ValueError("give path, postgres_url_env or both")
        return self


_OPERATIONS = {
    "completion": "chat",
    "acompletion": "chat",
    "responses": "chat",
    "aresponses": "chat",
    "anthropic_messages": "chat",
    "generate_content": "chat",
    "agenerate_content": "chat",
    "text_completion": "text_completion",
    "atext_completion": "text_completion",
    "embedding": "embeddings",
    "aembedding": "embeddings",
    "call_mcp_tool": "execute_tool",
}
_PROVIDERS = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "azure": "azure.ai.openai",
    "azure_text": "azure.ai.openai",
    "azure_ai": "azure.ai.inference",
    "bedrock": "aws.bedrock",
    "sagemaker": "aws.sagemaker",
    "anthropic": "anthropic",
    "vertex_ai": "gcp.vertex_ai",
    "vertex_ai_beta": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "mistral": "mistral_ai",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "groq": "groq",
    "deepseek": "deepseek",
    "xai": "x_ai",
    "perplexity": "perplexity",
    "watsonx": "ibm.watsonx.ai",
}


def _drop_redacted(texts: list[str], notes: list[str], what: str) -> list[str]:
    kept = [t for t in texts if t.strip() != REDACTED]
    if len(kept) != len(texts):
        notes.append(f"{what} redacted by LiteLLM (prompts are not stored in spend logs)")
    return kept


def _request(messages: Any, notes: list[str]) -> InputParts:
    messages = maybe_json(messages)
    if isinstance(messages, dict):
        for key in ("messages", "input", "prompt"):
            if key in messages:
                messages = messages[key]
                break
        else:
            return InputParts()  # `{}`: prompts not stored
    if isinstance(messages, str):
        if not messages.strip():
            return InputParts()
        parts = InputParts(prompt=[messages], messages=[{"role": "user", "content": messages}])
    elif isinstance(messages, list):
        parts = read_input(messages)
    else:
        return InputParts()
    parts.system = _drop_redacted(parts.system, notes, "system prompt")
    parts.prompt = _drop_redacted(parts.prompt, notes, "prompt")
    parts.context = _drop_redacted(parts.context, notes, "tool context")
    return parts


def _response(response: Any, notes: list[str]) -> tuple[OutputParts, dict[str, Any]]:
    response = maybe_json(response)
    if isinstance(response, str) and response.strip():
        out = OutputParts(texts=[response], messages=[{"role": "assistant", "content": response}])
        response = {}
    elif isinstance(response, dict):
        out = read_openai_response(response)
    else:
        return OutputParts(), {}
    out.texts = _drop_redacted(out.texts, notes, "response")
    return out, response


def _fingerprinted(row: dict[str, Any], metadata: Any) -> dict[str, Any]:
    """The row for `raw`, with LiteLLM's key hash replaced by our fingerprint everywhere."""
    raw = dict(row)
    if raw.get("api_key"):
        raw["api_key"] = key_fingerprint(str(raw["api_key"]))
    if isinstance(metadata, dict):
        metadata = dict(metadata)
        for key in ("user_api_key", "user_api_key_hash"):
            if metadata.get(key):
                metadata[key] = key_fingerprint(str(metadata[key]))
        raw["metadata"] = metadata
    return raw


def _nested(mapping: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def _row_event(
    row: dict[str, Any], when: datetime, location: str, chars: int, notes: list[str]
) -> LlmEvent:
    parsed_metadata = maybe_json(row.get("metadata"))
    metadata = parsed_metadata if isinstance(parsed_metadata, dict) else {}
    request = _request(row.get("messages"), notes)
    reply, response = _response(row.get("response"), notes)

    tool_calls = list(reply.tool_calls)
    mcp_tool = text_or_none(row.get("mcp_namespaced_tool_name"))
    if mcp_tool:
        arguments = _nested(metadata, "mcp_tool_call_metadata", "arguments")
        tool_calls.append(ToolCall(mcp_tool, None, arguments_text(arguments)))

    api_key = text_or_none(row.get("api_key"))
    duration = parse_float(row.get("request_duration_ms"), "request_duration_ms", notes)
    if duration is None:
        try:
            end = parse_time(row.get("endTime"))
        except ValueError:
            end = None
            notes.append(f"endTime {quote(row.get('endTime'))} is not a time")
        if end is not None:
            duration = (end - when) / timedelta(milliseconds=1)
    call_type = text_or_none(row.get("call_type"))
    provider = text_or_none(row.get("custom_llm_provider"))
    stream = _nested(maybe_json(row.get("proxy_server_request")), "stream")
    error_code = text_or_none(_nested(metadata, "error_information", "error_code"))
    return LlmEvent(
        source=SOURCE,
        source_location=location,
        event_time=when,
        source_record_id=text_or_none(row.get("request_id")),
        operation_name=_OPERATIONS.get(call_type or "", call_type),
        provider_name=_PROVIDERS.get(provider or "", provider),
        request_model=text_or_none(row.get("model")),
        response_model=text_or_none(response.get("model")),
        response_id=text_or_none(response.get("id")),
        finish_reasons=reply.finish_reasons or None,
        endpoint=text_or_none(row.get("model_group")),
        api_key_hash=key_fingerprint(api_key) if api_key else None,
        user_id=text_or_none(row.get("user"))
        or text_or_none(metadata.get("user_api_key_user_id"))
        or text_or_none(row.get("end_user")),
        team_id=text_or_none(row.get("team_id"))
        or text_or_none(metadata.get("user_api_key_team_id")),
        agent_id=text_or_none(row.get("agent_id")),
        session_id=text_or_none(row.get("session_id")) or text_or_none(metadata.get("session_id")),
        system_prompt=join_texts(request.system),
        prompt_text=join_texts(request.prompt),
        retrieved_context=join_texts(request.context),
        response_text=join_texts(reply.texts),
        input_messages=request.messages or None,
        output_messages=reply.messages or None,
        tool_calls=tool_calls,
        input_tokens=parse_int(row.get("prompt_tokens"), "prompt_tokens", notes),
        output_tokens=parse_int(row.get("completion_tokens"), "completion_tokens", notes),
        total_tokens=parse_int(row.get("total_tokens"), "total_tokens", notes),
        cost_usd=parse_float(row.get("spend"), "spend", notes),
        duration_ms=duration,
        status=text_or_none(row.get("status")) or text_or_none(metadata.get("status")),
        error_code=error_code,
        is_stream=parse_bool(stream),
        client_ip=text_or_none(row.get("requester_ip_address"))
        or text_or_none(metadata.get("requester_ip_address")),
        raw=raw_record(_fingerprinted(row, parsed_metadata), chars, notes),
    )


def _start_time(row: dict[str, Any]) -> tuple[datetime | None, str | None]:
    value = row.get("startTime", row.get("start_time"))
    try:
        when = parse_time(value)
    except ValueError as exc:
        return None, f"startTime: {exc}"
    if when is None:
        return None, "startTime: missing"
    return when, None


def _read_export_file(file: Path, day: date, result: IngestResult) -> None:
    for record in export_records(file, day, SOURCE, result):
        item, location, book, row = record.item, record.location, record.book, record.row
        when, problem = _start_time(row)
        if when is None:
            excerpt = json.dumps(row, default=str)
            book.reject(rejection(SOURCE, location, problem or "startTime", excerpt))
            continue
        book.saw_time(when)
        if when.date() != day:
            continue
        notes = record.text_file.utf8_notes(item.line, item.last_line)
        try:
            result.events.append(_row_event(row, when, location, item.chars, notes))
        except RECORD_ERRORS as exc:
            book.reject(rejection(SOURCE, location, unexpected_shape(exc)), when)


def read_litellm_export(path: Path, day: date) -> IngestResult:
    """Events of `day` (UTC) from LiteLLM_SpendLogs exports at `path` (a file or a directory
    of .json / .jsonl / .csv files, optionally .gz). Raises SourceUnavailable when `path`
    cannot be read at all."""
    with gc_paused():
        result = IngestResult()
        for file in source_files(
            path, EXPORT_SUFFIXES, "LiteLLM spend-log export", day, SOURCE, result
        ):
            _read_export_file(file, day, result)
        return result


# ------------------------------------------------------------------ PostgreSQL


def _libpq_dsn(dsn: str) -> str:
    """libpq knows `postgresql://`, not SQLAlchemy's `postgresql+psycopg2://`."""
    if "://" not in dsn:
        return dsn
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


def _describe(dsn: str) -> str:
    """Host, port and database of a DSN, without its credentials."""
    import psycopg2
    from psycopg2.extensions import parse_dsn

    try:
        fields = parse_dsn(dsn)
    except psycopg2.Error:  # an unparseable DSN is reported without echoing it
        return "the configured PostgreSQL"
    host = fields.get("host", "localhost")
    return f"PostgreSQL {host}:{fields.get('port', '5432')}/{fields.get('dbname', '')}"


def table_identifier(table: str) -> list[str]:
    """`table` or `schema.table` split into its identifiers; raises ValueError unless every
    part is a plain SQL identifier (it is quoted anyway, but never spliced unchecked)."""
    parts = table.split(".")
    if not 1 <= len(parts) <= 2 or not all(_IDENTIFIER.match(p) for p in parts):
        raise ValueError(
            f"table {quote(table)} is not a table name or schema.table of letters, digits, _ and $"
        )
    return parts


def read_litellm_postgres(dsn: str, table: str, day: date) -> IngestResult:
    """Events of `day` (UTC) read straight from the proxy's spend-log table (rows whose
    "startTime" falls on `day`, by a parameterized range query). Raises SourceUnavailable when
    the database or table cannot be read."""
    import psycopg2
    from psycopg2 import sql

    try:
        identifiers = table_identifier(table)
    except ValueError as exc:
        raise SourceUnavailable(f"LiteLLM spend logs: {exc}") from exc
    where = _describe(_libpq_dsn(dsn))
    try:
        conn = psycopg2.connect(_libpq_dsn(dsn), connect_timeout=10, options="-c TimeZone=UTC")
    except psycopg2.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceUnavailable(
            f"LiteLLM spend logs: cannot connect to {where}: {message}"
        ) from exc
    query = sql.SQL(
        'SELECT * FROM {} WHERE "startTime" >= %s AND "startTime" < %s '
        'ORDER BY "startTime", "request_id"'
    ).format(sql.SQL(".").join(sql.Identifier(p) for p in identifiers))
    start = datetime(day.year, day.month, day.day)
    result = IngestResult(files_read=1)
    book = DayBook(day, day)
    try:
        with gc_paused(), conn, conn.cursor(name="aisec_litellm_spend_logs") as cursor:
            cursor.itersize = 2000
            try:
                cursor.execute(query, (start, start + timedelta(days=1)))
                columns: list[str] | None = None
                for values in cursor:
                    if columns is None:
                        columns = [d.name for d in cursor.description]
                    _read_pg_row(dict(zip(columns, values, strict=True)), table, day, book, result)
            except psycopg2.Error as exc:
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise SourceUnavailable(
                    f"LiteLLM spend logs: cannot read {table} in {where}: {message}"
                ) from exc
    finally:
        conn.close()
    result.rejections.extend(book.finish())
    return result


def _read_pg_row(
    row: dict[str, Any], table: str, day: date, book: DayBook, result: IngestResult
) -> None:
    result.records_read += 1
    request_id = text_or_none(row.get("request_id")) or f"row{result.records_read}"
    location = f"{table}:{request_id}"
    when, problem = _start_time(row)
    if when is None:
        book.reject(rejection(SOURCE, location, problem or "startTime"))
        return
    book.saw_time(when)
    if when.date() != day:  # a timestamptz column read in another zone; never expected
        return
    try:
        chars = len(json.dumps(row, default=str))
        result.events.append(_row_event(row, when, location, chars, []))
    except RECORD_ERRORS as exc:
        book.reject(rejection(SOURCE, location, unexpected_shape(exc)), when)


# ------------------------------------------------------------------ the registered source


def read_litellm(source: LiteLLMSource, day: date) -> IngestResult:
    """Events of `day` from the exports at `source.path` and the table the URL in
    `source.postgres_url_env` points at (both when both are configured)."""
    parts = []
    if source.path is not None:
        parts.append(read_litellm_export(source.path, day))
    if source.postgres_url_env is not None:
        url = os.environ.get(source.postgres_url_env)
        if not url:
            raise SourceUnavailable(
                f"monitoring.logs.litellm.postgres_url_env names {source.postgres_url_env}, "
                "which is not set"
            )
        parts.append(read_litellm_postgres(url, source.table, day))
    return IngestResult.merged(parts)


def _local_files(source: LiteLLMSource) -> list[Path]:
    return [source.path] if source.path is not None else []


def _preflight(source: LiteLLMSource) -> list[str]:
    problems = missing_path("path", source.path)
    env = source.postgres_url_env
    if env is not None and not os.environ.get(env):
        problems.append(f"postgres_url_env: the environment variable {env} is not set")
    return problems


SPEC = LogSourceSpec(
    key="litellm",
    model=LiteLLMSource,
    source=SOURCE,
    description="LiteLLM proxy spend logs: exported JSON / JSONL / CSV files (`path`) and/or "
    "the proxy's LiteLLM_SpendLogs table in PostgreSQL (URL from `postgres_url_env`).",
    read=read_litellm,
    local_files=_local_files,
    preflight=_preflight,
)
