"""Bedrock model-invocation logs: the production account's apps (Converse and InvokeModel,
streamed and not, cross-region inference profiles), their benign calls, and the gzip JSON
Lines files under `AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/`.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate import text
from aisec_jobs.demo_estate.traffic.common import (
    _HAIKU,
    _NOVA_LITE,
    _PROD,
    _SONNET_PROFILE,
    _TITAN_EMBED,
    _US,
    BEDROCK,
    BEDROCK_DIR,
    _dumps,
    _Exchange,
    _gzip,
    _Ids,
    _iso_z,
    _moment,
    _Recorder,
    _Turn,
)
from aisec_jobs.demo_estate.traffic.speech import _chat_turns, _request_answer


# =========================================================================== Bedrock logs
@dataclass(frozen=True)
class _BedrockApp:
    name: str
    role: str
    model: str
    api: str  # converse | anthropic | titan | embed
    kinds: tuple[str, ...]
    per_day: int
    system: str | None = None
    stream_share: float = 0.0
    profile_regions: tuple[str, ...] = ()


def _bedrock_apps(provisioned_arn: str) -> dict[str, _BedrockApp]:
    apps = (
        _BedrockApp(
            "merchant-insights",
            "merchant-insights-task",
            _HAIKU,
            "converse",
            ("question", "table", "chat"),
            48,
            text.SYSTEM_PROMPTS[0],
        ),
        _BedrockApp(
            "dev-copilot",
            "dev-copilot-lambda",
            _SONNET_PROFILE,
            "anthropic",
            ("code",),
            28,
            "You are a coding assistant for Kestrel Dynamics engineers. Prefer Python 3.11 and "
            "DuckDB SQL. Point out security problems.",
            stream_share=0.5,
            profile_regions=("us-east-1", "us-east-2", "us-west-2"),
        ),
        _BedrockApp(
            "finance-mail-drafter",
            "finance-mail-drafter",
            _NOVA_LITE,
            "converse",
            ("email",),
            16,
            text.SYSTEM_PROMPTS[4],
        ),
        _BedrockApp(
            "fraud-narratives",
            "fraud-narrative-batch",
            provisioned_arn,
            "titan",
            ("document",),
            10,
        ),
        _BedrockApp(
            "help-center-indexer", "help-center-indexer", _TITAN_EMBED, "embed", ("document",), 5
        ),
    )
    return {a.name: a for a in apps}


def _bedrock_body(app: _BedrockApp, ex: _Exchange, ids: _Ids) -> tuple[str, dict, Any]:
    """(operation, input body, output body) in the model provider's own shapes."""
    if app.api == "converse":
        messages: list[dict[str, Any]] = []
        for turn in ex.turns:
            if turn.role == "tool":
                block = {
                    "toolResult": {
                        "toolUseId": turn.call_id,
                        "content": [{"text": turn.content}],
                        "status": "success",
                    }
                }
                messages.append({"role": "user", "content": [block]})
            else:
                content: list[dict[str, Any]] = [{"text": turn.content}] if turn.content else []
                content += [
                    {"toolUse": {"toolUseId": c.call_id, "name": c.name, "input": c.arguments}}
                    for c in turn.tool_calls
                ]
                messages.append({"role": turn.role, "content": content})
        body: dict[str, Any] = {
            "messages": messages,
            "inferenceConfig": {"maxTokens": 1024, "temperature": 0.2},
        }
        if ex.system:
            body["system"] = [{"text": ex.system}]
        if any(t.role == "tool" for t in ex.turns):
            body["toolConfig"] = {
                "tools": [
                    {
                        "toolSpec": {
                            "name": "fetch_email",
                            "description": "Fetch an e-mail from the shared finance inbox.",
                            "inputSchema": {"json": {"type": "object"}},
                        }
                    }
                ]
            }
        out_content: list[dict[str, Any]] = [{"text": ex.response}] if ex.response else []
        inp, outp = ex.input_tokens(), ex.output_tokens()
        output = {
            "output": {"message": {"role": "assistant", "content": out_content}},
            "stopReason": "end_turn",
            "metrics": {"latencyMs": ex.duration_ms},
            "usage": {"inputTokens": inp, "outputTokens": outp, "totalTokens": inp + outp},
        }
        return "Converse", body, output
    if app.api == "anthropic":
        messages = []
        for turn in ex.turns:
            messages.append(
                {"role": turn.role, "content": [{"type": "text", "text": turn.content}]}
            )
        body = {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 2048,
            "messages": messages,
            "temperature": 0.3,
        }
        if ex.system:
            body["system"] = ex.system
        msg_id = "msg_bdrk_" + ids.alnum(24)
        model = "claude-3-5-sonnet-20241022"
        inp, outp = ex.input_tokens(), ex.output_tokens()
        if not ex.stream:
            output = {
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": ex.response}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": inp, "output_tokens": outp},
            }
            return "InvokeModel", body, output
        events: list[dict[str, Any]] = [
            {
                "type": "message_start",
                "message": {
                    "id": msg_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": inp, "output_tokens": 1},
                },
            },
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ]
        step = 64
        for i in range(0, len(ex.response), step):
            events.append(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": ex.response[i : i + step]},
                }
            )
        events += [
            {"type": "content_block_stop", "index": 0},
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": outp},
            },
            {
                "type": "message_stop",
                "amazon-bedrock-invocationMetrics": {
                    "inputTokenCount": inp,
                    "outputTokenCount": outp,
                    "invocationLatency": ex.duration_ms,
                    "firstByteLatency": ex.duration_ms // 4,
                },
            },
        ]
        return "InvokeModelWithResponseStream", body, events
    if app.api == "titan":
        prompt = "\n\n".join(t.content for t in ex.turns)
        body = {
            "inputText": prompt,
            "textGenerationConfig": {
                "maxTokenCount": 512,
                "temperature": 0.3,
                "topP": 0.9,
                "stopSequences": [],
            },
        }
        output = {
            "inputTextTokenCount": ex.input_tokens(),
            "results": [
                {
                    "tokenCount": ex.output_tokens(),
                    "outputText": ex.response,
                    "completionReason": "FINISH",
                }
            ],
        }
        return "InvokeModel", body, output
    # Titan text embeddings, 256 dimensions (what the help-centre index uses).
    rng = random.Random(ex.turns[0].content)
    vector = [round(rng.uniform(-0.12, 0.12), 6) for _ in range(256)]
    body = {"inputText": ex.turns[0].content, "dimensions": 256, "normalize": True}
    return "InvokeModel", body, {"embedding": vector, "inputTextTokenCount": ex.input_tokens()}


def _bedrock_record(app: _BedrockApp, ex: _Exchange, ids: _Ids) -> tuple[str, dict[str, Any]]:
    request_id = ids.uuid()
    operation, body, output = _bedrock_body(app, ex, ids)
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": _iso_z(ex.time, 0),
        "accountId": _PROD.account_id,
        "identity": {
            # The role session is the app's task; it changes when the task is replaced.
            "arn": f"arn:aws:sts::{_PROD.account_id}:assumed-role/{app.role}/"
            + hashlib.sha256(f"{app.name}|{ex.time.date()}".encode()).hexdigest()[:32]
        },
        "region": _US,
        "requestId": request_id,
        "operation": operation,
        "modelId": app.model,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": body,
            "inputTokenCount": ex.input_tokens(),
        },
    }
    if app.profile_regions:
        record["inferenceRegion"] = ids.rng.choice(app.profile_regions)
    if ex.error:
        record["errorCode"] = ex.error
        return request_id, record
    record["output"] = {
        "outputContentType": "application/json",
        "outputBodyJson": output,
        "outputTokenCount": ex.output_tokens(),
    }
    if app.api == "embed":
        del record["output"]["outputTokenCount"]  # embeddings report no output tokens
    return request_id, record


def _bedrock_benign(app: _BedrockApp, day: date, rng: random.Random) -> _Exchange:
    kind = rng.choice(app.kinds)
    when = _moment(day, rng)
    if app.api == "embed":
        chunk = text.fill(rng, rng.choice(text.DOC_PARAGRAPHS))
        return _Exchange(when, app.name, None, [_Turn("user", chunk)], "", duration_ms=60)
    if app.api == "titan":
        case = (
            f"Case {rng.randrange(10**6, 10**7)}: {rng.randrange(2, 14)} card-not-present "
            f"transactions at {rng.choice(text.MERCHANTS)} totalling EUR {text.amount(rng)} "
            f"within {rng.randrange(5, 90)} minutes; device fingerprint "
            f"{'matches' if rng.random() < 0.5 else 'does not match'} previous purchases."
        )
        prompt = f"Write a case narrative for the fraud analyst.\n\n{case}"
        narrative = (
            f"The alert concerns {case.split(': ', 1)[1]} The pattern is consistent with "
            f"{rng.choice(('card testing', 'account takeover', 'a legitimate bulk purchase'))}. "
            "Recommended disposition: "
            f"{rng.choice(('needs_review', 'confirm_fraud', 'false_positive'))}."
        )
        return _Exchange(when, app.name, None, [_Turn("user", prompt)], narrative, duration_ms=1400)
    if kind == "chat" or rng.random() < 0.15:
        turns, answer = _chat_turns(rng.choice(("question", "table")), rng, rng.randrange(2, 4))
    else:
        request, answer = _request_answer(kind, rng)
        turns = [_Turn("user", request)]
    stream = rng.random() < app.stream_share
    return _Exchange(
        when,
        app.name,
        app.system,
        turns,
        answer,
        stream=stream,
        duration_ms=rng.randrange(400, 6000),
    )


def _write_bedrock(
    root: Path, exchanges: list[tuple[_BedrockApp, _Exchange]], rng: random.Random, rec: _Recorder
) -> None:
    ids = _Ids(rng)
    by_hour: dict[datetime, list[tuple[datetime, str]]] = defaultdict(list)
    for app, ex in sorted(exchanges, key=lambda pair: pair[1].time):
        request_id, record = _bedrock_record(app, ex, ids)
        rec.event(BEDROCK, ex, request_id, model=app.model)
        hour = ex.time.replace(minute=0, second=0, microsecond=0)
        by_hour[hour].append((ex.time, _dumps(record)))
    base = f"{BEDROCK_DIR}/AWSLogs/{_PROD.account_id}/BedrockModelInvocationLogs/{_US}"
    for hour in sorted(by_hour):
        lines = by_hour[hour]
        # Bedrock delivers a few files per hour, each holding the records of a few minutes.
        for start in range(0, len(lines), 12):
            batch = lines[start : start + 12]
            stamp = batch[0][0].strftime("%Y%m%dT%H%M%SZ")
            name = f"{hour:%Y/%m/%d/%H}/{stamp}_{ids.hex(16)}.json.gz"
            payload = _gzip(("\n".join(line for _, line in batch) + "\n").encode("utf-8"))
            rec.write(BEDROCK, root, f"{base}/{name}", payload)
            rec.records[BEDROCK] += len(batch)
