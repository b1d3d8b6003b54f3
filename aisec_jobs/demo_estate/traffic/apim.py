"""Azure OpenAI behind API Management: the deployments, their benign calls (ticket threads,
clinical notes) and the ApiManagementGatewayLlmLog rows, long messages split into 32 KB chunks
with the same CorrelationId.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from aisec_jobs.demo_estate import text
from aisec_jobs.demo_estate.traffic.common import (
    _APIM_RESOURCE,
    _AZ_PROD,
    APIM,
    APIM_CHUNK_BYTES,
    APIM_DIR,
    _Exchange,
    _Ids,
    _moment,
    _Recorder,
    _tool_turns,
    _ToolCall,
    _Turn,
)
from aisec_jobs.demo_estate.traffic.litellm import _openai_messages
from aisec_jobs.demo_estate.traffic.speech import _answer_for, _chat_turns, _user_text


# =========================================================================== Azure APIM
@dataclass(frozen=True)
class _ApimDeployment:
    name: str
    model: str
    model_version: str
    per_day: int
    system: str
    stream_share: float = 0.0


_APIM_DEPLOYMENTS: dict[str, _ApimDeployment] = {
    d.name: d
    for d in (
        _ApimDeployment(
            "gpt-4o", "gpt-4o", "2024-11-20", 28, text.SYSTEM_PROMPTS[2], stream_share=0.4
        ),
        _ApimDeployment(
            "gpt-4o-mini-summarize",
            "gpt-4o-mini",
            "2024-07-18",
            18,
            "Summarise the support ticket for the agent who picks it up: the problem, what was "
            "tried, what the customer wants. Three bullet points.",
        ),
        _ApimDeployment(
            "gpt-4o-clinical",
            "gpt-4o",
            "2024-08-06",
            8,
            "Draft a discharge summary from the clinical notes for physician review. Use the "
            "hospital's template. Do not invent findings.",
        ),
        _ApimDeployment(
            "o3-mini",
            "o3-mini",
            "2025-01-31",
            6,
            "Suggest ICD-10 codes for the documented diagnoses, with a one-line rationale each.",
        ),
        _ApimDeployment(
            "gpt-4o-mini",
            "gpt-4o-mini",
            "2024-07-18",
            6,
            text.SYSTEM_PROMPTS[3],
        ),
    )
}


def _ticket_thread(rng: random.Random, messages: int) -> str:
    parts = [f"Ticket #{rng.randrange(100000, 999999)} - {rng.choice(text.MERCHANTS)}"]
    for i in range(messages):
        who = "Customer" if i % 2 == 0 else f"Agent {rng.choice(text.FIRST_NAMES)}"
        body = " ".join(text.fill(rng, p) for p in rng.sample(text.EMAIL_BODIES, 2))
        parts.append(
            f"[{text.some_date(rng)} {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}] "
            f"{who}:\n{body}"
        )
    return "\n\n".join(parts)


_CLINICAL_LINES = (
    "Admitted with community-acquired pneumonia; started on IV amoxicillin-clavulanate.",
    "Day 2: afebrile, oxygen saturation 95% on room air, CRP trending down.",
    "Chest X-ray shows right lower lobe consolidation, no effusion.",
    "Switched to oral antibiotics on day 3; mobilising independently.",
    "Known type 2 diabetes, metformin continued; glucose within target.",
    "Physiotherapy review: safe for discharge home with follow-up in two weeks.",
    "Medication reconciliation completed with the pharmacist.",
    "Patient educated on completing the antibiotic course and warning signs.",
)


def _clinical_notes(rng: random.Random, entries: int) -> str:
    notes = [
        f"MRN {rng.randrange(10**7, 10**8)} - ward {rng.choice('ABCDEF')}{rng.randrange(1, 9)}"
    ]
    for i in range(entries):
        notes.append(
            f"Note {i + 1} ({text.some_date(rng)}): " + " ".join(rng.sample(_CLINICAL_LINES, 4))
        )
    return "\n".join(notes)


def _apim_benign(dep: _ApimDeployment, day: date, rng: random.Random, ids: _Ids) -> _Exchange:
    when = _moment(day, rng, 6, 21)
    duration = rng.randrange(600, 9000)
    if dep.name == "gpt-4o":
        if rng.random() < 0.3:
            turns, answer = _chat_turns("question", rng, rng.randrange(2, 4))
        else:
            turns, answer = [_Turn("user", _user_text("question", rng))], text.benign_answer(rng)
        return _Exchange(
            when, dep.name, dep.system, turns, answer, stream=rng.random() < dep.stream_share,
            duration_ms=duration,
        )  # fmt: skip
    if dep.name == "gpt-4o-mini-summarize":
        # Now and then a long thread: its request is split over several log entries.
        thread = _ticket_thread(
            rng, rng.randrange(40, 70) if rng.random() < 0.12 else rng.randrange(2, 6)
        )
        call = _ToolCall(ids.call_id("call_"), "get_ticket", {"ticket_id": thread.split()[1]})
        turns = _tool_turns("Summarise this ticket for me.", call, thread)
        return _Exchange(
            when, dep.name, dep.system, turns, _answer_for("document", rng), duration_ms=duration
        )
    if dep.name == "gpt-4o-clinical":
        notes = _clinical_notes(
            rng, rng.randrange(120, 220) if rng.random() < 0.3 else rng.randrange(4, 12)
        )
        summary = "Discharge summary (draft for review):\n" + "\n".join(
            f"- {line}" for line in rng.sample(_CLINICAL_LINES, 4)
        )
        return _Exchange(
            when, dep.name, dep.system, [_Turn("user", notes)], summary, duration_ms=duration
        )
    if dep.name == "o3-mini":
        notes = _clinical_notes(rng, 2)
        codes = rng.sample(
            ("J18.9 pneumonia", "E11.9 type 2 diabetes", "I10 hypertension", "J44.1 COPD"), 2
        )
        return _Exchange(
            when, dep.name, dep.system, [_Turn("user", notes)],
            "\n".join(f"{c} - documented in the notes" for c in codes), duration_ms=duration,
        )  # fmt: skip
    case = (
        f"Alert FC-{rng.randrange(10**6, 10**7)}: {rng.randrange(2, 9)} declined attempts then one "
        f"approved purchase at {rng.choice(text.MERCHANTS)}, EUR {text.amount(rng)}, card ending "
        f"{rng.randrange(1000, 9999)}."
    )
    return _Exchange(
        when, dep.name, dep.system, [_Turn("user", case)],
        f"Narrative: {case.split(': ', 1)[1]} Pattern suggests card testing. Proposed disposition: "
        "needs_review.", duration_ms=duration,
    )  # fmt: skip


def _apim_rows(
    dep: _ApimDeployment, ex: _Exchange, tenant: str, ids: _Ids
) -> tuple[str, list[dict]]:
    request = json.dumps(_openai_messages(ex), separators=(",", ":"))  # ASCII: 1 char = 1 byte
    response = json.dumps([{"role": "assistant", "content": ex.response}], separators=(",", ":"))
    req_chunks = [
        request[i : i + APIM_CHUNK_BYTES] for i in range(0, len(request), APIM_CHUNK_BYTES)
    ]
    resp_chunks = [
        response[i : i + APIM_CHUNK_BYTES] for i in range(0, len(response), APIM_CHUNK_BYTES)
    ]
    correlation = ids.uuid()
    request_id = "chatcmpl-" + ids.alnum(29)
    inp, outp = ex.input_tokens(), ex.output_tokens()
    stamp = ex.time.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ex.time.microsecond:06d}0Z"
    rows = []
    for sequence in range(max(len(req_chunks), len(resp_chunks))):
        rows.append(
            {
                "TenantId": tenant,
                "TimeGenerated": stamp,
                "OperationName": "ChatCompletions_Create",
                "CorrelationId": correlation,
                "RequestId": request_id,
                "Region": "West Europe",
                "DeploymentName": dep.name,
                "ModelName": f"{dep.model}-{dep.model_version}",
                "ApiVersion": "2024-10-21",
                "IsStreamCompletion": ex.stream,
                "PromptTokens": inp,
                "CompletionTokens": outp,
                "TotalTokens": inp + outp,
                "RequestMessages": req_chunks[sequence] if sequence < len(req_chunks) else "",
                "ResponseMessages": resp_chunks[sequence] if sequence < len(resp_chunks) else "",
                "SequenceNumber": sequence,
                "SourceSystem": "Azure",
                "Type": "ApiManagementGatewayLlmLog",
                "_ResourceId": _APIM_RESOURCE,
                "_SubscriptionId": _AZ_PROD.subscription_id,
            }
        )
    return request_id, rows


def _write_apim(
    root: Path, calls: list[tuple[_ApimDeployment, _Exchange]], rng: random.Random, rec: _Recorder
) -> None:
    ids = _Ids(rng)
    tenant = ids.uuid()
    by_day: dict[date, list[str]] = defaultdict(list)
    split_requests = 0
    for dep, ex in sorted(calls, key=lambda pair: pair[1].time):
        request_id, rows = _apim_rows(dep, ex, tenant, ids)
        rec.event(
            APIM, ex, request_id, deployment=dep.name, correlation_id=rows[0]["CorrelationId"]
        )
        split_requests += len(rows) > 1
        by_day[ex.time.date()] += [json.dumps(row, ensure_ascii=False) for row in rows]
    for day in sorted(by_day):
        payload = ("[\n" + ",\n".join(by_day[day]) + "\n]\n").encode("utf-8")
        name = f"{APIM_DIR}/ApiManagementGatewayLlmLog-{day.isoformat()}.json"
        rec.write(APIM, root, name, payload)
        rec.records[APIM] += len(by_day[day])
    rec.split_requests = split_requests
