"""The demo estate's LLM traffic: deterministic bytes, the published log shapes, the manifest,
and what the ingestion parsers make of it."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aisec_jobs.demo_estate import aws
from aisec_jobs.demo_estate.traffic import (
    APIM,
    APIM_CHUNK_BYTES,
    BEDROCK,
    LITELLM,
    LOGS_DIR,
    OTEL,
    TRAFFIC_FAMILIES,
    TRAFFIC_SOURCES,
    write_traffic,
)
from aisec_resources.redaction import redact_text as mask_secrets

START = date(2026, 11, 23)
DAYS = 5
AS_OF = date(2026, 11, 28)

# Columns of LiteLLM_SpendLogs (litellm proxy/schema.prisma).
LITELLM_COLUMNS = {
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens",
    "completion_tokens", "startTime", "endTime", "request_duration_ms", "completionStartTime",
    "model", "model_id", "model_group", "custom_llm_provider", "api_base", "user", "metadata",
    "cache_hit", "cache_key", "request_tags", "team_id", "organization_id", "end_user",
    "requester_ip_address", "messages", "response", "session_id", "status",
    "mcp_namespaced_tool_name", "agent_id", "proxy_server_request",
}  # fmt: skip
# Columns of the Log Analytics table ApiManagementGatewayLlmLog.
APIM_COLUMNS = {
    "TenantId", "TimeGenerated", "OperationName", "CorrelationId", "RequestId", "Region",
    "DeploymentName", "ModelName", "ApiVersion", "IsStreamCompletion", "PromptTokens",
    "CompletionTokens", "TotalTokens", "RequestMessages", "ResponseMessages", "SequenceNumber",
    "SourceSystem", "Type", "_ResourceId", "_SubscriptionId",
}  # fmt: skip
BEDROCK_PATH = re.compile(
    r"AWSLogs/(\d{12})/BedrockModelInvocationLogs/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{2})/"
    r"\d{8}T\d{6}Z_[0-9a-f]{16}\.json\.gz$"
)


def _estate(root: Path, seed: int = 11) -> dict[str, Any]:
    aws.write_bundle(root / "aws", AS_OF, random.Random(f"{seed}-aws"))
    return write_traffic(root, START, DAYS, random.Random(seed))


def _tree_digest(root: Path) -> dict[str, str]:
    logs = root / LOGS_DIR
    return {
        str(p.relative_to(logs)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(logs.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("estate")
    return root, _estate(root)


def _bedrock_records(root: Path, manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for rel in manifest["files"][BEDROCK]:
        for line in gzip.decompress((root / rel).read_bytes()).decode("utf-8").splitlines():
            out.append((rel, json.loads(line)))
    return out


def _jsonl(root: Path, rels: list[str]) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for rel in rels
        for line in (root / rel).read_text(encoding="utf-8").splitlines()
    ]


def _attrs(items: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in items:
        value = a["value"]
        if "arrayValue" in value:
            out[a["key"]] = [v["stringValue"] for v in value["arrayValue"]["values"]]
        else:
            out[a["key"]] = next(iter(value.values()))
    return out


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes_other_seed_other_bytes(
    tmp_path: Path, estate: tuple[Path, dict[str, Any]]
) -> None:
    root, manifest = estate
    again = _estate(tmp_path / "again")
    assert again == manifest
    assert _tree_digest(tmp_path / "again") == _tree_digest(root)
    other = _estate(tmp_path / "other", seed=12)
    assert _tree_digest(tmp_path / "other") != _tree_digest(root)
    assert other["totals"]["all"] != manifest["totals"]["all"] or other != manifest


def test_rewriting_replaces_its_own_output_and_refuses_a_foreign_directory(
    tmp_path: Path,
) -> None:
    first = _estate(tmp_path / "a")
    stray = tmp_path / "a" / LOGS_DIR / "bedrock" / "stale.json.gz"
    stray.write_bytes(b"old")
    assert _estate(tmp_path / "a") == first
    assert not stray.exists()  # the previous run's output is replaced, not merged

    foreign = tmp_path / "b"
    (foreign / LOGS_DIR).mkdir(parents=True)
    (foreign / LOGS_DIR / "notes.txt").write_text("mine")
    aws.write_bundle(foreign / "aws", AS_OF, random.Random(1))
    with pytest.raises(FileExistsError, match="not written by the demo traffic generator"):
        write_traffic(foreign, START, DAYS, random.Random(1))
    assert (foreign / LOGS_DIR / "notes.txt").read_text() == "mine"


def test_bad_arguments_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"ListAgents\.json.*AWS bundle"):
        write_traffic(tmp_path, START, DAYS, random.Random(1))
    with pytest.raises(ValueError, match="days must be at least 3"):
        write_traffic(tmp_path, START, 2, random.Random(1))


# --------------------------------------------------------------------------- the manifest
def test_manifest_counts_add_up_and_every_family_is_present(
    estate: tuple[Path, dict[str, Any]],
) -> None:
    _, m = estate
    days = [(START + timedelta(days=i)).isoformat() for i in range(DAYS)]
    for source in TRAFFIC_SOURCES:
        assert sorted(m["events"][source]) == days, source
        for counts in m["events"][source].values():
            attacks = sum(n for k, n in counts.items() if k not in ("total", "benign"))
            # an attack event may carry two families; every event is benign or an attack
            assert counts["benign"] <= counts["total"] <= counts["benign"] + attacks
        assert m["totals"][source] == sum(d["total"] for d in m["events"][source].values())
    assert m["totals"]["all"] == sum(m["totals"][s] for s in TRAFFIC_SOURCES)
    assert 1500 <= m["totals"]["all"] <= 5000
    assert set(m["families"]) == set(TRAFFIC_FAMILIES)
    # attacks are rare: apart from the one abuse episode and the one burst, a few per cent
    calls = [a for a in m["attacks"] if a.get("span") != "execute_tool"]
    rare = [a for a in calls if a["scenario"] not in ("llm_jacking", "tool_call_burst")]
    assert 0.005 <= len(rare) / m["totals"]["all"] <= 0.04
    # every day has attacks, and every source carries several families
    assert {a["day"] for a in rare} == set(days)
    for source in TRAFFIC_SOURCES:
        families = {f for a in m["attacks"] if a["source"] == source for f in a["families"]}
        assert len(families) >= 3, (source, families)
    ids = [(a["source"], a["record_id"]) for a in m["attacks"]]
    assert len(ids) == len(set(ids))


def test_files_are_listed_and_small(estate: tuple[Path, dict[str, Any]]) -> None:
    root, m = estate
    listed = {rel for rels in m["files"].values() for rel in rels}
    on_disk = {str(p.relative_to(root)) for p in (root / LOGS_DIR).rglob("*") if p.is_file()} - {
        f"{LOGS_DIR}/manifest.json"
    }
    assert listed == on_disk
    for source, size in m["bytes"].items():
        assert size == sum((root / rel).stat().st_size for rel in m["files"][source])
    assert sum(m["bytes"].values()) < 10_000_000
    assert json.loads((root / LOGS_DIR / "manifest.json").read_text()) == m


def test_cost_abuse_episode_stands_out_from_the_keys_own_baseline(
    estate: tuple[Path, dict[str, Any]],
) -> None:
    root, m = estate
    episode = m["cost_abuse"]
    assert episode["day"] == (START + timedelta(days=DAYS - 1)).isoformat()
    assert episode["tokens_on_day"] >= 8 * max(episode["trailing_daily_tokens"])
    assert len(episode["models"]) >= 6
    assert len(episode["bedrock_regions"]) >= 3
    rows = _jsonl(root, m["files"][LITELLM])
    key_rows = [r for r in rows if r["api_key"] == episode["api_key_hash"]]
    per_day: dict[str, int] = defaultdict(int)
    models_per_day: dict[str, set[str]] = defaultdict(set)
    for r in key_rows:
        per_day[r["startTime"][:10]] += r["total_tokens"]
        models_per_day[r["startTime"][:10]].add(r["model"])
    assert per_day[episode["day"]] == episode["tokens_on_day"]
    earlier = [per_day[d] for d in sorted(per_day) if d != episode["day"]]
    assert earlier == episode["trailing_daily_tokens"]
    assert all(len(models_per_day[d]) <= 2 for d in per_day if d != episode["day"])
    assert len(models_per_day[episode["day"]]) >= 6
    outside = {r["requester_ip_address"] for r in key_rows if r["startTime"][:10] == episode["day"]}
    assert episode["client_ip"] in outside


# --------------------------------------------------------------------------- shapes
def test_bedrock_records_are_invocation_logs_where_aws_puts_them(
    estate: tuple[Path, dict[str, Any]],
) -> None:
    root, m = estate
    records = _bedrock_records(root, m)
    assert len(records) == m["totals"][BEDROCK] == m["records"][BEDROCK]
    operations: Counter[str] = Counter()
    for rel, r in records:
        match = BEDROCK_PATH.search(rel)
        assert match, rel
        account, region, yyyy, mm, dd, hh = match.groups()
        stamp = datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        assert (account, region) == (r["accountId"], r["region"])
        assert stamp.strftime("%Y %m %d %H").split() == [yyyy, mm, dd, hh]
        assert r["schemaType"] == "ModelInvocationLog" and r["schemaVersion"] == "1.0"
        assert r["identity"]["arn"].startswith(f"arn:aws:sts::{account}:assumed-role/")
        assert isinstance(r["input"]["inputBodyJson"], dict)
        assert r["input"]["inputTokenCount"] > 0
        operations[r["operation"]] += 1
        if "errorCode" in r:
            assert "output" not in r
            continue
        body = r["output"]["outputBodyJson"]
        if r["operation"] == "InvokeModelWithResponseStream":
            assert isinstance(body, list) and body[0]["type"] == "message_start"
            assert body[-1]["type"] == "message_stop"
            streamed = "".join(
                e["delta"]["text"] for e in body if e["type"] == "content_block_delta"
            )
            assert streamed
        elif r["operation"] == "Converse":
            assert body["output"]["message"]["role"] == "assistant"
            assert body["usage"]["outputTokens"] == r["output"]["outputTokenCount"]
    assert set(operations) == {"Converse", "InvokeModel", "InvokeModelWithResponseStream"}
    assert len({r["requestId"] for _, r in records}) == len(records)
    assert any("inferenceRegion" in r for _, r in records)
    assert any("errorCode" in r for _, r in records)


def test_litellm_rows_are_spend_logs_with_hashed_keys(estate: tuple[Path, dict[str, Any]]) -> None:
    root, m = estate
    rows = _jsonl(root, m["files"][LITELLM])
    assert len(rows) == m["totals"][LITELLM]
    for row in rows:
        assert set(row) == LITELLM_COLUMNS
        assert re.fullmatch(r"[0-9a-f]{64}", row["api_key"])
        assert row["total_tokens"] == row["prompt_tokens"] + row["completion_tokens"]
        assert row["messages"] and row["messages"][-1]["role"] in ("user", "tool")
        if row["status"] == "success":
            assert row["response"]["choices"][0]["message"]["role"] == "assistant"
        assert datetime.fromisoformat(row["endTime"]) >= datetime.fromisoformat(row["startTime"])
    assert len({r["api_key"] for r in rows}) == 5  # one per gateway key
    assert any(r["session_id"] for r in rows)
    assert any(m.get("tool_calls") for r in rows for m in r["messages"])


def test_otel_lines_are_otlp_genai_traces(estate: tuple[Path, dict[str, Any]]) -> None:
    root, m = estate
    bundle_agents = {a["agent_id"] for a in m["agents"].values()}
    chats = 0
    operations: Counter[str] = Counter()
    for request in _jsonl(root, m["files"][OTEL]):
        (resource,) = request["resourceSpans"]
        assert "service.name" in _attrs(resource["resource"]["attributes"])
        (scope,) = resource["scopeSpans"]
        spans = scope["spans"]
        roots = [s for s in spans if not s["parentSpanId"]]
        assert len(roots) == 1
        for span in spans:
            assert re.fullmatch(r"[0-9a-f]{32}", span["traceId"])
            assert re.fullmatch(r"[0-9a-f]{16}", span["spanId"])
            assert span["traceId"] == roots[0]["traceId"]
            assert int(span["endTimeUnixNano"]) >= int(span["startTimeUnixNano"])
            attrs = _attrs(span["attributes"])
            op = attrs["gen_ai.operation.name"]
            operations[op] += 1
            assert attrs["gen_ai.agent.id"] in bundle_agents
            if span is not roots[0]:
                assert span["parentSpanId"] == roots[0]["spanId"]
            if op == "chat":
                chats += 1
                content = dict(attrs)
                for event in span.get("events", []):
                    assert event["name"] == "gen_ai.client.inference.operation.details"
                    content |= _attrs(event["attributes"])
                for message in json.loads(content["gen_ai.input.messages"]):
                    assert message["role"] in ("user", "assistant", "tool") and message["parts"]
                (out,) = json.loads(content["gen_ai.output.messages"])
                assert out["role"] == "assistant" and "finish_reason" in out
            elif op == "execute_tool":
                assert attrs["gen_ai.tool.name"] and attrs["gen_ai.tool.call.id"]
                json.loads(attrs["gen_ai.tool.call.arguments"])
    assert chats == m["totals"][OTEL]
    assert operations.keys() == {"invoke_agent", "chat", "execute_tool"}
    day_spans = m["otel_spans"]
    assert sum(d["chat"] for d in day_spans.values()) == chats
    assert sum(sum(d.values()) for d in day_spans.values()) == m["records"][OTEL]


def test_apim_rows_split_long_messages_by_sequence_number(
    estate: tuple[Path, dict[str, Any]],
) -> None:
    root, m = estate
    rows = [row for rel in m["files"][APIM] for row in json.loads((root / rel).read_text())]
    by_request: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        assert set(row) == APIM_COLUMNS
        assert row["Type"] == "ApiManagementGatewayLlmLog"
        assert len(row["RequestMessages"].encode()) <= APIM_CHUNK_BYTES
        by_request[row["CorrelationId"]].append(row)
    assert len(by_request) == m["totals"][APIM]
    split = 0
    for parts in by_request.values():
        parts.sort(key=lambda r: r["SequenceNumber"])
        assert [p["SequenceNumber"] for p in parts] == list(range(len(parts)))
        assert len({(p["RequestId"], p["TotalTokens"]) for p in parts}) == 1
        request = json.loads("".join(p["RequestMessages"] for p in parts))
        response = json.loads("".join(p["ResponseMessages"] for p in parts))
        assert request[-1]["role"] in ("user", "tool") and response[0]["role"] == "assistant"
        if len(parts) > 1:
            split += 1
            assert len(parts[0]["RequestMessages"]) == APIM_CHUNK_BYTES
    assert split == m["apim_split_requests"] >= 3


def test_only_the_planted_secret_is_credential_shaped(estate: tuple[Path, dict[str, Any]]) -> None:
    """Nothing in the logs looks like a credential except the one fake key an attack plants.

    LiteLLM's `api_key` field (the gateway's hash of the caller's key) is left out: the gate
    masks it by its name, as any value under a secret-named field."""
    root, m = estate
    records: list[tuple[str, str]] = [
        (r["requestId"], json.dumps(r)) for _, r in _bedrock_records(root, m)
    ]
    records += [
        (r["request_id"], json.dumps({k: v for k, v in r.items() if k != "api_key"}))
        for r in _jsonl(root, m["files"][LITELLM])
    ]
    for rel in m["files"][APIM]:
        records += [(r["RequestId"], json.dumps(r)) for r in json.loads((root / rel).read_text())]
    for request in _jsonl(root, m["files"][OTEL]):
        for span in request["resourceSpans"][0]["scopeSpans"][0]["spans"]:
            records.append((f"{span['traceId']}:{span['spanId']}", json.dumps(span)))
    shaped = {rid for rid, body in records if mask_secrets(body) != body}
    planted = {a["record_id"] for a in m["attacks"] if "secret_output" in a["families"]}
    assert shaped == planted and len(planted) == 1


# --------------------------------------------------------------------------- ingestion
def test_ingestion_parsers_read_every_day_without_rejections(
    estate: tuple[Path, dict[str, Any]],
) -> None:
    ingest = pytest.importorskip("aisec_assets.monitoring.ingest")
    from aisec_assets.monitoring.ingest import BedrockLogsSource

    root, m = estate
    logs = m["config"]["logs"]
    parsed: dict[tuple[str, str], Any] = {}
    for i in range(DAYS):
        day = START + timedelta(days=i)
        results = {
            BEDROCK: ingest.read_bedrock_logs(
                BedrockLogsSource(path=root / logs["bedrock"]["path"]), day
            ),
            LITELLM: ingest.read_litellm_export(root / logs["litellm"]["path"], day),
            OTEL: ingest.read_otel_json(root / logs["otel"]["path"], day),
            APIM: ingest.read_apim_llm_logs(root / logs["azure_apim"]["path"], day),
        }
        for source, result in results.items():
            assert result.rejections == [], (source, day, result.rejections[:2])
            calls = result.events
            if source == OTEL:
                ops = Counter(e.operation_name for e in result.events)
                assert ops == Counter(m["otel_spans"][day.isoformat()]), day
                calls = [e for e in result.events if e.operation_name == "chat"]
            assert len(calls) == m["events"][source][day.isoformat()]["total"], (source, day)
            for event in result.events:
                assert event.event_date == day
                parsed[(source, event.source_record_id or "")] = event
    for attack in m["attacks"]:
        event = parsed[(attack["source"], attack["record_id"])]
        families = set(attack["families"])
        if attack.get("span") == "execute_tool":
            assert event.operation_name == "execute_tool"
            assert [c.name for c in event.tool_calls] == [attack["tool"]]
            if "indirect_injection" in families:  # the planted tool result is in the span
                assert re.search(r"ignore your previous|SYSTEM: ", event.retrieved_context or "")
            continue
        if "unauthorized_tool_call" in families:
            assert m["forbidden_tool"] in [c.name for c in event.tool_calls]
            assert event.agent_id == m["agents"]["cx-support-bedrock-agent"]["agent_id"]
        if "indirect_injection" in families:
            assert event.retrieved_context
        if families & {"pii_output", "exfiltration_url", "system_prompt_leakage"}:
            assert event.response_text
        if "secret_output" in families:
            row = event.to_row()
            assert "<redacted:aws_access_key_id>" in row["response_text"]
        if "cost_abuse" in families:
            from aisec_resources.events import key_fingerprint

            assert event.api_key_hash == key_fingerprint(m["cost_abuse"]["api_key_hash"])
