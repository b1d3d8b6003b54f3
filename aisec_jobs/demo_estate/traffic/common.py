"""What every part of the demo traffic shares: the sources and their directories, the model
prices, the conversation model (`_Exchange`: turns, tool calls, timing, tokens) that each
writer renders into its own format, record ids (`_Ids`), timestamps, and the `_Recorder` that
counts what was written for the manifest.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import string
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate import text
from aisec_jobs.demo_estate.company import AWS_ACCOUNTS, AZURE_SUBSCRIPTIONS, EMAIL_DOMAIN

LOGS_DIR = "llm-logs"
BEDROCK_DIR = f"{LOGS_DIR}/bedrock"
LITELLM_DIR = f"{LOGS_DIR}/litellm"
OTEL_DIR = f"{LOGS_DIR}/otel"
APIM_DIR = f"{LOGS_DIR}/azure-apim"

BEDROCK = "bedrock_invocation_log"
LITELLM = "litellm_spend_log"
OTEL = "otel_genai"
APIM = "azure_apim_llm_log"
TRAFFIC_SOURCES: tuple[str, ...] = (BEDROCK, LITELLM, OTEL, APIM)

# Families beyond the per-text ones of the corpora: those judged over several events.
TRAFFIC_FAMILIES: tuple[str, ...] = (
    *text.FAMILIES,
    "anomalous_output",
    "unauthorized_tool_call",
    "excessive_tool_calls",
    "cost_abuse",
    "llm_jacking",
)
APIM_CHUNK_BYTES = 32 * 1024  # API Management splits LLM messages into 32 KB log entries
MIN_DAYS = 3  # the cost-abuse episode needs trailing days to stand out from

_PROD = next(a for a in AWS_ACCOUNTS if a.alias == "kestrel-ml-prod")
_US, _EU = "us-east-1", "eu-west-1"


_HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
_SONNET_PROFILE = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
_NOVA_LITE = "amazon.nova-lite-v1:0"
_TITAN_EMBED = "amazon.titan-embed-text-v2:0"
_AZ_PROD = next(s for s in AZURE_SUBSCRIPTIONS if s.name == "kestrel-ai-prod")
_APIM_RESOURCE = (
    f"/SUBSCRIPTIONS/{_AZ_PROD.subscription_id.upper()}/RESOURCEGROUPS/RG-CX-AI-PROD/"
    "PROVIDERS/MICROSOFT.APIMANAGEMENT/SERVICE/KD-AI-GATEWAY"
)
_GATEWAY_URL = f"https://llm-gateway.internal.{EMAIL_DOMAIN}/v1"

# USD per million tokens (input, output): the gateway's price table for the models it routes.
_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.5, 10.0),
    "gpt-4o-mini": (0.15, 0.6),
    "gpt-4.1": (2.0, 8.0),
    "o3-mini": (1.1, 4.4),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-3-5-haiku": (0.8, 4.0),
    "bedrock-claude-sonnet": (3.0, 15.0),
    "bedrock-llama3-70b": (0.72, 0.72),
    "bedrock-mistral-large": (2.0, 6.0),
    "gemini-2.5-pro": (1.25, 10.0),
}


# ------------------------------------------------------------------------ the conversation
@dataclass(frozen=True)
class _ToolCall:
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class _Turn:
    role: str  # user | assistant | tool
    content: str = ""
    tool_calls: list[_ToolCall] = field(default_factory=list)  # assistant turns
    call_id: str | None = None  # tool turns: the call this is the result of


def _tool_turns(request: str, call: _ToolCall, result: str) -> list[_Turn]:
    """A user's request, the assistant's one tool call and the tool's result: the turns of a
    call where the model reads something before it answers."""
    return [
        _Turn("user", request),
        _Turn("assistant", "", [call]),
        _Turn("tool", result, call_id=call.call_id),
    ]


@dataclass
class _Exchange:
    """One LLM call: what went in and what came out, and what it is (benign or an attack)."""

    time: datetime  # UTC, naive
    app: str
    system: str | None
    turns: list[_Turn]
    response: str
    response_tool_calls: list[_ToolCall] = field(default_factory=list)
    families: tuple[str, ...] = ()
    scenario: str = "benign"
    stream: bool = False
    session: str | None = None
    duration_ms: int = 900
    error: str | None = None  # an API error code; the call then has no output

    def input_chars(self) -> int:
        size = len(self.system or "")
        for turn in self.turns:
            size += len(turn.content) + sum(len(json.dumps(c.arguments)) for c in turn.tool_calls)
        return size

    def input_tokens(self) -> int:
        return max(8, self.input_chars() // 4 + 6 * len(self.turns))

    def output_tokens(self) -> int:
        if self.error:
            return 0
        calls = sum(8 + len(json.dumps(c.arguments)) // 4 for c in self.response_tool_calls)
        return max(1, len(self.response) // 4 + calls)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, chars: int) -> str:
        return f"{self.rng.getrandbits(chars * 4):0{chars}x}"

    def alnum(self, chars: int) -> str:
        return "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(chars))

    def call_id(self, prefix: str) -> str:
        return prefix + self.alnum(24)


def _moment(day: date, rng: random.Random, start_hour: int = 7, end_hour: int = 19) -> datetime:
    seconds = rng.randrange(start_hour * 3600, end_hour * 3600)
    return datetime.combine(day, time(0, 0)) + timedelta(
        seconds=seconds, microseconds=rng.randrange(1_000_000)
    )


def _iso_z(moment: datetime, digits: int = 3) -> str:
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{moment.microsecond:06d}"[:digits]
    return f"{base}.{frac}Z" if digits else f"{base}Z"


def _nanos(moment: datetime) -> str:
    epoch = moment.replace(tzinfo=UTC).timestamp()
    return str(round(epoch * 1_000_000) * 1000)


# ------------------------------------------------------------------------ recording
@dataclass
class _Recorder:
    """Counts what was written, per source, day and family; lists the attack records."""

    events: dict[str, dict[str, dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    )
    records: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    attacks: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    bytes_written: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    split_requests: int = 0  # APIM requests whose messages span several log entries
    otel_spans: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )

    def event(self, source: str, exchange: _Exchange, record_id: str, **extra: Any) -> None:
        day = exchange.time.date().isoformat()
        counts = self.events[source][day]
        counts["total"] += 1
        if not exchange.families:
            counts["benign"] += 1
            return
        for family in exchange.families:
            counts[family] += 1
        self.attacks.append(
            {
                "source": source,
                "day": day,
                "time": _iso_z(exchange.time, 6),
                "record_id": record_id,
                "families": list(exchange.families),
                "scenario": exchange.scenario,
                "app": exchange.app,
                **extra,
            }
        )

    def tool_span(
        self, exchange: _Exchange, record_id: str, families: tuple[str, ...], **extra: Any
    ) -> None:
        """Label an execute_tool span (not counted as an LLM call)."""
        self.attacks.append(
            {
                "source": OTEL,
                "day": exchange.time.date().isoformat(),
                "time": _iso_z(exchange.time, 6),
                "record_id": record_id,
                "families": list(families),
                "scenario": exchange.scenario,
                "app": exchange.app,
                "span": "execute_tool",
                **extra,
            }
        )

    def write(self, source: str, root: Path, relative: str, payload: bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload)
        self.files[source].append(relative)
        self.bytes_written[source] += len(payload)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _gzip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same records always give the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as handle:
        handle.write(data)
    return buffer.getvalue()
