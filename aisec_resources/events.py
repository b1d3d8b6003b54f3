"""The normalized LLM event every log source produces (table `monitoring.llm_events`).

Every log source registered in `aisec_assets.monitoring.ingest.registry` turns what it reads
into `LlmEvent`s and `EventRejection`s; its spec names the `source` value of its events (all of
them: `registry.EVENT_SOURCES`). Field names follow the OpenTelemetry GenAI semantic conventions
where one exists; `sql/schema/monitoring.sql` documents each column.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aisec_resources.redaction import redact_excerpt, redact_structure, redact_text

# Salt of the API-key fingerprint: constant so the same key gets the same fingerprint across
# runs and sources (the cost rules group by it); it only has to keep the stored value from being
# the gateway's own hash.
KEY_FINGERPRINT_SALT = b"aisec-api-key-fingerprint-v1"


def key_fingerprint(key_or_hash: str) -> str:
    """The stored form of an API key or of a gateway's key hash: a salted SHA-256 prefix."""
    digest = hashlib.sha256(KEY_FINGERPRINT_SALT + key_or_hash.encode("utf-8")).hexdigest()
    return f"kfp_{digest[:20]}"


def event_id_for(source: str, record_id: str) -> str:
    """Deterministic event id, so re-ingesting a day replaces rows instead of adding them."""
    return hashlib.sha256(f"{source}\x1f{record_id}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class ToolCall:
    name: str
    call_id: str | None = None
    arguments: str | None = None  # JSON text as the model produced it


@dataclass
class LlmEvent:
    """One LLM request/response, normalized. `None` = the source does not say."""

    source: str
    source_location: str
    event_time: datetime  # UTC, naive
    source_record_id: str | None = None
    operation_name: str | None = None
    provider_name: str | None = None
    request_model: str | None = None
    response_model: str | None = None
    response_id: str | None = None
    finish_reasons: list[str] | None = None
    cloud_account: str | None = None
    cloud_region: str | None = None
    endpoint: str | None = None
    api_key_hash: str | None = None  # already a fingerprint (key_fingerprint), never a key
    user_id: str | None = None
    team_id: str | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    session_id: str | None = None
    system_prompt: str | None = None
    prompt_text: str | None = None
    retrieved_context: str | None = None
    response_text: str | None = None
    input_messages: list[dict[str, Any]] | None = None
    output_messages: list[dict[str, Any]] | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cost_usd: float | None = None
    duration_ms: float | None = None
    status: str | None = None
    error_code: str | None = None
    is_stream: bool | None = None
    client_ip: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def event_date(self) -> date:
        return self.event_time.date()

    @property
    def event_id(self) -> str:
        return event_id_for(self.source, self.source_record_id or self.source_location)

    def to_row(self) -> dict[str, Any]:
        """Row for `monitoring.llm_events` (JSON parts as text, secrets redacted)."""
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row["event_date"] = self.event_date
        row["event_id"] = self.event_id
        row["tool_calls"] = [dataclasses.asdict(t) for t in self.tool_calls]
        for name in ("input_messages", "output_messages"):
            value = row[name]
            row[name] = None if value is None else json.dumps(redact_structure(value), default=str)
        row["raw"] = json.dumps(redact_structure(self.raw), sort_keys=True, default=str)
        masked = {}
        for k, v in row.items():
            if isinstance(v, str) and k not in ("event_id", "source", "api_key_hash"):
                v = redact_text(v)
            masked[k] = v
        masked["tool_calls"] = [
            {**t, "arguments": redact_text(t["arguments"]) if t["arguments"] else None}
            for t in row["tool_calls"]
        ]
        return masked


@dataclass(frozen=True)
class EventRejection:
    """A log record that could not be parsed: where it was and why. Nothing is dropped."""

    source: str
    location: str  # file[:line] / s3://bucket/key[:line] / table:key
    reason: str
    excerpt: str | None = None

    def to_row(self) -> dict[str, Any]:
        row = dataclasses.asdict(self)
        row["reason"] = redact_text(row["reason"])
        row["location"] = redact_text(row["location"])
        if row["excerpt"]:
            row["excerpt"] = redact_excerpt(row["excerpt"])[:300]
        return row


@dataclass
class IngestResult:
    """What one log source produced for one day."""

    events: list[LlmEvent] = field(default_factory=list)
    rejections: list[EventRejection] = field(default_factory=list)
    files_read: int = 0
    records_read: int = 0

    @classmethod
    def merged(cls, results: Iterable[IngestResult]) -> IngestResult:
        """One result of several reads of one source (e.g. exports and a database table)."""
        merged = cls()
        for r in results:
            merged.events += r.events
            merged.rejections += r.rejections
            merged.files_read += r.files_read
            merged.records_read += r.records_read
        return merged
