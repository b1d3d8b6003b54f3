"""The internal LLM gateway (LiteLLM proxy): virtual keys, model routes, benign calls and the
spend-log rows (`LiteLLM_SpendLogs-YYYY-MM-DD.jsonl`, OpenAI-format messages with tool calls).
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate import text
from aisec_jobs.demo_estate.company import EMAIL_DOMAIN
from aisec_jobs.demo_estate.traffic.common import (
    _PRICES,
    LITELLM,
    LITELLM_DIR,
    _dumps,
    _Exchange,
    _Ids,
    _moment,
    _Recorder,
    _Turn,
)
from aisec_jobs.demo_estate.traffic.speech import _chat_turns, _request_answer


# =========================================================================== LiteLLM
@dataclass(frozen=True)
class _GatewayKey:
    alias: str
    team: str
    users: tuple[str, ...]
    models: tuple[str, ...]
    kinds: tuple[str, ...]
    per_day: int
    system: str | None = None


_GATEWAY_KEYS: tuple[_GatewayKey, ...] = (
    _GatewayKey(
        "finance-ops-assistant",
        "finance-ops",
        ("marcus.lindqvist", "elif.novak", "sven.bakker"),
        ("gpt-4o-mini",),
        ("email", "table", "question"),
        30,
        text.SYSTEM_PROMPTS[4],
    ),
    _GatewayKey(
        "risk-sql-helper",
        "risk-analytics",
        ("hannah.okafor", "karim.haddad"),
        ("gpt-4o",),
        ("code", "table"),
        24,
        "You help fraud analysts write DuckDB SQL against the case warehouse.",
    ),
    _GatewayKey(
        "ml-platform-ci",
        "ml-platform",
        ("ci-bot", "priya.raman"),
        ("claude-sonnet-4-5",),
        ("code",),
        22,
        "You review pull requests. Be specific and brief.",
    ),
    _GatewayKey(
        "cx-macros",
        "customer-experience",
        ("tomas.ferreira", "anna.mulder", "yara.visser"),
        ("gpt-4o-mini", "claude-3-5-haiku"),
        ("question", "email", "security"),
        26,
        "You help support agents write replies and macros.",
    ),
    _GatewayKey(
        "research-notebooks",
        "research-lab",
        ("kenji.watanabe", "lotte.smit"),
        ("gpt-4o-mini",),
        ("question", "document", "table"),
        14,
        None,
    ),
)
_MODEL_ROUTES: dict[str, tuple[str, str, str]] = {
    # model group -> (model, provider, api_base)
    "gpt-4o": ("gpt-4o-2024-08-06", "openai", "https://api.openai.com/v1"),
    "gpt-4o-mini": ("gpt-4o-mini-2024-07-18", "openai", "https://api.openai.com/v1"),
    "gpt-4.1": ("gpt-4.1-2025-04-14", "openai", "https://api.openai.com/v1"),
    "o3-mini": ("o3-mini-2025-01-31", "openai", "https://api.openai.com/v1"),
    "claude-sonnet-4-5": ("claude-sonnet-4-5-20250929", "anthropic", "https://api.anthropic.com"),
    "claude-opus-4-1": ("claude-opus-4-1-20250805", "anthropic", "https://api.anthropic.com"),
    "claude-3-5-haiku": ("claude-3-5-haiku-20241022", "anthropic", "https://api.anthropic.com"),
    "gemini-2.5-pro": (
        "gemini-2.5-pro",
        "vertex_ai",
        "https://europe-west4-aiplatform.googleapis.com",
    ),
}
_BEDROCK_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("bedrock-claude-sonnet", "anthropic.claude-3-5-sonnet-20241022-v2:0", "us-west-2"),
    ("bedrock-claude-sonnet", "anthropic.claude-3-5-sonnet-20241022-v2:0", "eu-central-1"),
    ("bedrock-llama3-70b", "meta.llama3-70b-instruct-v1:0", "us-east-1"),
    ("bedrock-mistral-large", "mistral.mistral-large-2407-v1:0", "us-west-2"),
    ("bedrock-claude-sonnet", "anthropic.claude-3-5-sonnet-20241022-v2:0", "ap-northeast-1"),
)


@dataclass
class _GatewayCall:
    key: _GatewayKey
    user: str
    group: str
    ex: _Exchange
    client_ip: str
    route: tuple[str, str, str] | None = None  # (model, provider, api_base) override


def _openai_messages(ex: _Exchange) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if ex.system:
        messages.append({"role": "system", "content": ex.system})
    for turn in ex.turns:
        if turn.role == "tool":
            messages.append({"role": "tool", "tool_call_id": turn.call_id, "content": turn.content})
            continue
        message: dict[str, Any] = {"role": turn.role, "content": turn.content or None}
        if turn.tool_calls:
            message["tool_calls"] = [
                {
                    "id": c.call_id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": _dumps(c.arguments)},
                }
                for c in turn.tool_calls
            ]
        messages.append(message)
    return messages


def _litellm_row(call: _GatewayCall, key_hash: str, team_ids: dict[str, str], ids: _Ids) -> dict:
    ex = call.ex
    model, provider, api_base = call.route or _MODEL_ROUTES[call.group]
    inp, outp = ex.input_tokens(), ex.output_tokens()
    price_in, price_out = _PRICES[call.group]
    spend = round((inp * price_in + outp * price_out) / 1_000_000, 8)
    request_id = "chatcmpl-" + ids.uuid()
    end = ex.time + timedelta(milliseconds=ex.duration_ms)
    response: dict[str, Any] = {}
    status = "success"
    if ex.error:
        status, spend, outp = "failure", 0.0, 0
    else:
        message: dict[str, Any] = {"role": "assistant", "content": ex.response or None}
        if ex.response_tool_calls:
            message["tool_calls"] = [
                {
                    "id": c.call_id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": _dumps(c.arguments)},
                }
                for c in ex.response_tool_calls
            ]
        response = {
            "id": request_id,
            "object": "chat.completion",
            "created": int(ex.time.replace(tzinfo=UTC).timestamp()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls" if ex.response_tool_calls else "stop",
                    "message": message,
                }
            ],
            "usage": {"prompt_tokens": inp, "completion_tokens": outp, "total_tokens": inp + outp},
        }
    team_id = team_ids[call.key.team]
    return {
        "request_id": request_id,
        "call_type": "acompletion",
        "api_key": key_hash,
        "spend": spend,
        "total_tokens": inp + outp,
        "prompt_tokens": inp,
        "completion_tokens": outp,
        "startTime": ex.time.replace(tzinfo=UTC).isoformat(),
        "endTime": end.replace(tzinfo=UTC).isoformat(),
        "completionStartTime": (ex.time + timedelta(milliseconds=ex.duration_ms // 3))
        .replace(tzinfo=UTC)
        .isoformat(),
        "request_duration_ms": ex.duration_ms,
        "model": model,
        "model_id": hashlib.sha256(f"{call.group}|{model}|{api_base}".encode()).hexdigest()[:32],
        "model_group": call.group,
        "custom_llm_provider": provider,
        "api_base": api_base,
        "user": f"{call.user}@{EMAIL_DOMAIN}" if "." in call.user else call.user,
        "metadata": {
            "user_api_key_alias": call.key.alias,
            "user_api_key_team_alias": call.key.team,
            "user_api_key_team_id": team_id,
            "user_api_key_user_id": call.user,
            "requester_metadata": {},
            "additional_usage_values": {"prompt_tokens_details": None},
            "status": status,
            "error_information": (
                {"error_code": "429", "error_class": "RateLimitError"} if ex.error else None
            ),
        },
        "cache_hit": "False",
        "cache_key": "Cache OFF",
        "request_tags": [f"app:{call.key.alias}"],
        "team_id": team_id,
        "organization_id": None,
        "end_user": "",
        "requester_ip_address": call.client_ip,
        "messages": _openai_messages(ex),
        "response": response,
        "session_id": ex.session,
        "status": status,
        "mcp_namespaced_tool_name": None,
        "agent_id": None,
        "proxy_server_request": {},
    }


def _gateway_benign(key: _GatewayKey, day: date, rng: random.Random, ids: _Ids) -> _GatewayCall:
    kind = rng.choice(key.kinds)
    when = _moment(day, rng)
    session = None
    if rng.random() < 0.25:
        turns, answer = _chat_turns(kind, rng, rng.randrange(2, 5))
        session = ids.uuid()
    else:
        request, answer = _request_answer(kind, rng)
        turns = [_Turn("user", request)]
    ex = _Exchange(
        when, key.alias, key.system, turns, answer, session=session,
        duration_ms=rng.randrange(500, 9000),
    )  # fmt: skip
    return _GatewayCall(
        key,
        rng.choice(key.users),
        rng.choice(key.models),
        ex,
        f"10.20.{rng.randrange(1, 40)}.{rng.randrange(2, 250)}",
    )


def _write_litellm(
    root: Path,
    calls: list[_GatewayCall],
    key_hashes: dict[str, str],
    team_ids: dict[str, str],
    rng: random.Random,
    rec: _Recorder,
) -> None:
    ids = _Ids(rng)
    by_day: dict[date, list[str]] = defaultdict(list)
    for call in sorted(calls, key=lambda c: c.ex.time):
        row = _litellm_row(call, key_hashes[call.key.alias], team_ids, ids)
        rec.event(LITELLM, call.ex, row["request_id"], model=row["model"], key=call.key.alias)
        by_day[call.ex.time.date()].append(_dumps(row))
    for day in sorted(by_day):
        rows = by_day[day]
        payload = ("\n".join(rows) + "\n").encode("utf-8")
        rec.write(
            LITELLM, root, f"{LITELLM_DIR}/LiteLLM_SpendLogs-{day.isoformat()}.jsonl", payload
        )
        rec.records[LITELLM] += len(rows)
