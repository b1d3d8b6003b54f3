"""The fuzz campaigns of `test_fuzz_parsers.py`, run in a child process so that its memory is
measured (and capped with RLIMIT_AS) apart from the test session.

    python tests/fuzz_driver.py <parser> <examples> <records per example> <work dir>

Hypothesis drives each example: it draws a seed and a palette of hostile values (deep
nesting, huge and non-finite numbers, wrong types, lone surrogates, NUL and control
characters, epoch numbers of every size...). A fast seeded generator then builds a whole file
of records by mutating a real fixture record with that palette and with text-level damage
(truncation, NUL bytes, invalid UTF-8, duplicate keys, 5,000-digit integers, nesting deeper
than the decoder follows), so that one example is thousands of hostile inputs and the whole
campaign stays within seconds. Every file must come back as events and/or rejections: an
exception escaping the reader fails the campaign with its traceback.

The last line printed is a JSON report: inputs generated, events, rejections, peak RSS.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import resource
import shutil
import sys
from collections.abc import Callable
from copy import deepcopy
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_fixtures import (
    JSON_VALUES,
    apim_row,
    bedrock_key,
    bedrock_record,
    converse_input,
    converse_output,
    otel_span,
    otlp_export,
    spend_log_export_row,
    spend_log_row,
)

from aisec_assets.discovery.registry import parse_registry
from aisec_assets.monitoring.ingest import (
    BedrockLogsSource,
    read_apim_llm_logs,
    read_bedrock_logs,
    read_litellm_export,
    read_otel_json,
)
from aisec_assets.monitoring.ingest._files import decode_file, gunzip, iter_records
from aisec_resources.events import IngestResult
from aisec_resources.records import SourceUnavailable

DAY = date(2025, 3, 11)
WHEN = datetime(2025, 3, 11, 12, 0)
REASON_LIMIT = 1000  # a reason quotes values through `quote`: never a multi-KB echo
DEEP = 5000

HOSTILE = (
    JSON_VALUES
    | st.sampled_from(
        [
            0,
            -1,
            5,
            2**53 + 1,
            2**63,
            10**40,
            -(10**40),
            1e308,
            -1e308,
            float("nan"),
            float("inf"),
            float("-inf"),
            True,
            False,
            None,
            "",
            "NaN",
            "-Infinity",
            "1e400",
            "20250311",
            "1741694400",
            "1741694400000000000",
            "1970-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "\ud800",
            "\udfff\ud800",
            "\x00",
            "a\x00b",
            "\u202e\u0000\ufeff",
            "🔥" * 50,
            "x" * 70_000,
            "sk-proj-" + "A1b2" * 12,
            [],
            {},
            [[[[[]]]]],
        ]
    )
    | st.text(max_size=40)
    | st.integers()
    | st.floats()
)
PALETTE = st.lists(HOSTILE, min_size=1, max_size=12)


# ------------------------------------------------------------------ mutation


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:6]):
            found += _paths(child, (*prefix, index))
    return found


_PATHS: dict[int, list[tuple[Any, ...]]] = {}
_ASCII = [True]  # per example: \u-escaped text, or raw UTF-8 (lone surrogates as bytes)


def mutate(record: dict[str, Any], rng: random.Random, palette: list[Any]) -> dict[str, Any]:
    """A copy of `record` with one to three values replaced from the palette (or removed).
    The places are drawn from the template's own paths (computed once: walking every mutated
    copy would cost more than parsing it)."""
    paths = _PATHS.setdefault(id(record), _paths(record))
    copy = json.loads(json.dumps(record))
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(paths)
        try:
            parent = copy
            for step in path[:-1]:
                parent = parent[step]
            if rng.random() < 0.1 and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = deepcopy(rng.choice(palette))  # never share palette objects
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced what this path went through
    return copy


def damage(line: str, rng: random.Random) -> bytes:
    """Text-level damage to one serialized record (or none)."""
    roll = rng.random()
    data = line.encode("utf-8", "surrogatepass")
    if roll < 0.55:
        return data
    cut = rng.randint(0, max(0, len(data) - 1))
    if roll < 0.62:
        return data[:cut]  # truncated
    if roll < 0.68:
        return data[:cut] + b"\x00" * rng.randint(1, 4) + data[cut:]
    if roll < 0.74:
        return data[:cut] + b"\xff\xfe\xc3" + data[cut:]  # invalid UTF-8
    if roll < 0.80 and data.startswith(b"{") and len(data) > 2:
        return b'{"timestamp": 0, "requestId": [], ' + data[1:]  # duplicate keys
    if roll < 0.85:
        return b'{"x": ' + b"[" * DEEP + b"]" * DEEP + b", " + data[1:]
    if roll < 0.90:
        return data[:cut] + b"9" * 5000 + data[cut:]
    if roll < 0.95:
        return data.replace(b"1", b"NaN", 1)
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))


def jsonl(records: list[Any], rng: random.Random) -> bytes:
    lines = (json.dumps(r, allow_nan=True, ensure_ascii=_ASCII[0]) for r in records)
    return b"\n".join(damage(line, rng) for line in lines) + b"\n"


def maybe_gzip(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """`data` as is (suffix ""), or gzipped (".gz"): whole, truncated, corrupted or followed
    by another member and zero padding."""
    roll = rng.random()
    if roll < 0.5:
        return data, ""
    packed = gzip.compress(data, compresslevel=1, mtime=0)
    if roll < 0.56:
        return packed[: rng.randint(10, len(packed))], ".gz"  # truncated stream
    if roll < 0.6:
        flip = rng.randint(10, len(packed) - 1)
        return packed[:flip] + bytes([packed[flip] ^ 0xFF]) + packed[flip + 1 :], ".gz"
    if roll < 0.65:
        return packed + gzip.compress(b'{"second": "member"}\n') + b"\x00" * 8, ".gz"
    return packed, ".gz"


# ------------------------------------------------------------------ checks and counters

TOTALS = {"inputs": 0, "events": 0, "rejections": 0, "files": 0, "unavailable": 0}


def account(inputs: int, events: int, rejections: list[Any]) -> None:
    for rej in rejections:
        assert isinstance(rej.reason, str) and len(rej.reason) <= REASON_LIMIT, rej.reason[:300]
    assert events + len(rejections) >= 1, "a file of hostile records produced nothing at all"
    TOTALS["inputs"] += inputs
    TOTALS["events"] += events
    TOTALS["rejections"] += len(rejections)
    TOTALS["files"] += 1


def checked(result: IngestResult, inputs: int) -> None:
    for event in result.events:
        assert isinstance(event.raw, dict)
        for field in ("input_tokens", "output_tokens", "total_tokens"):
            count = getattr(event, field, None)
            assert count is None or 0 <= count <= 2**53, (field, count)
        assert event.event_time.year >= 2000
    account(inputs, len(result.events), result.rejections)


# ------------------------------------------------------------------ campaigns


def _bedrock_template(index: int) -> dict[str, Any]:
    return bedrock_record(
        when=WHEN + timedelta(seconds=index),
        request_id=f"req-{index}",
        operation="Converse",
        model_id="anthropic.claude-3-5-sonnet-20240620-v1:0",
        input_body=converse_input("Be brief.", f"question {index}", tool_result="42"),
        output_body=converse_output("an answer", {"toolUseId": "t1", "name": "x", "input": {}}),
        input_tokens=12,
        output_tokens=3,
        request_metadata={"agent": "support"},
    )


def bedrock(work: Path, rng: random.Random, palette: list[Any], count: int) -> None:
    template = _bedrock_template(0)
    records = [mutate(template, rng, palette) for _ in range(count)]
    data, suffix = maybe_gzip(jsonl(records, rng), rng)
    path = work / bedrock_key(WHEN, "fuzz.json" + suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    checked(read_bedrock_logs(BedrockLogsSource(path=work), DAY), count)


def otel(work: Path, rng: random.Random, palette: list[Any], count: int) -> None:
    span = otel_span(
        trace_id="0af7651916cd43dd8448eb211c80319c",
        span_id="b7ad6b7169203331",
        name="chat gpt-4o",
        start=WHEN,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 12,
            "gen_ai.prompt": json.dumps([{"role": "user", "content": "hi"}]),
        },
        events=[("gen_ai.user.message", {"content": "hi"})],
    )
    per_export = 10
    exports = []
    for _ in range(count // per_export):
        spans = [mutate(span, rng, palette) for _ in range(per_export)]
        export = otlp_export(spans)
        exports.append(mutate(export, rng, palette) if rng.random() < 0.2 else export)
    data, suffix = maybe_gzip(jsonl(exports, rng), rng)
    (work / f"spans-2025-03-11.jsonl{suffix}").write_bytes(data)
    checked(read_otel_json(work, DAY), count)


def _spend_row(index: int) -> dict[str, Any]:
    return spend_log_export_row(
        spend_log_row(
            request_id=f"r-{index}",
            start=WHEN,
            key_hash="88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
            messages=[{"role": "user", "content": "hello"}],
            response={"choices": [{"message": {"role": "assistant", "content": "hi"}}]},
            metadata={"user_api_key_alias": "support"},
        )
    )


def _as_csv(rows: list[dict[str, Any]], rng: random.Random, header: list[str]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        cells = [
            json.dumps(v) if isinstance(v, dict | list) else ("" if v is None else str(v))
            for v in (row.get(h) for h in header)
        ]
        if rng.random() < 0.05:
            cells = cells[: rng.randint(0, len(cells))]
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def _export_file(work: Path, rows: list[dict[str, Any]], rng: random.Random, name: str) -> None:
    form = rng.choice(("jsonl", "array", "csv", "data"))
    if form == "csv":
        data, suffix = _as_csv(rows, rng, sorted({k for r in rows[:50] for k in r})), ".csv"
    elif form == "array":
        data = b"[" + b",\n".join(damage(json.dumps(r), rng) for r in rows) + b"]"
        suffix = ".json"
    elif form == "data":
        data, suffix = json.dumps({"data": rows}).encode(), ".json"
    else:
        data, suffix = jsonl(rows, rng), ".jsonl"
    data, gz = maybe_gzip(data, rng)
    (work / f"{name}-2025-03-11{suffix}{gz}").write_bytes(data)


def litellm(work: Path, rng: random.Random, palette: list[Any], count: int) -> None:
    template = _spend_row(0)
    rows = [mutate(template, rng, palette) for _ in range(count)]
    _export_file(work, rows, rng, "spend")
    checked(read_litellm_export(work, DAY), count)


def apim(work: Path, rng: random.Random, palette: list[Any], count: int) -> None:
    rows = []
    for index in range(count):
        row = apim_row(
            request_id=f"req-{index // 3}",
            when=WHEN,
            sequence=index % 3,
            request_messages=[{"role": "user", "content": f"part {index}"}],
            response_messages=[{"role": "assistant", "content": "ok"}],
            tokens=(10, 2),
        )
        rows.append(mutate(row, rng, palette))
    _export_file(work, rows, rng, "apim")
    checked(read_apim_llm_logs(work, DAY), count)


def files(work: Path, rng: random.Random, palette: list[Any], count: int) -> None:
    """The shared readers on their own: gzip, UTF-8 lines, JSON / JSONL / arrays / wrappers,
    CSV, over records of arbitrary JSON values."""
    values = [rng.choice(palette) for _ in range(count)]
    form = rng.choice(("jsonl", "array", "csv", "tables"))
    if form == "csv":
        rows = [{"a": v, "b": rng.choice(palette)} for v in values]
        data, name = _as_csv(rows, rng, ["a", "b"]), "x.csv"
    elif form == "array":
        data, name = b"[" + b",".join(damage(json.dumps(v), rng) for v in values) + b"]", "x.json"
    elif form == "tables":
        table = {"columns": [{"name": "a"}], "rows": [[v] for v in values]}
        data, name = json.dumps({"tables": [table, rng.choice(palette)]}).encode(), "x.json"
    else:
        data, name = jsonl(values, rng), "x.jsonl"
    data, gz = maybe_gzip(data, rng)
    name += gz
    text_file = decode_file(data, name)
    items = list(iter_records(Path(name), text_file))
    for item in items:
        reason = getattr(item, "reason", "")
        assert len(reason) <= REASON_LIMIT, reason[:300]
    out, _problem = gunzip(data[: rng.randint(0, len(data))])  # any prefix, never an exception
    assert isinstance(out, bytes)
    TOTALS["inputs"] += count
    TOTALS["files"] += 1
    TOTALS["events"] += sum(1 for i in items if hasattr(i, "value"))
    TOTALS["rejections"] += sum(1 for i in items if hasattr(i, "reason"))


REGISTRY_TEMPLATE: dict[str, Any] = {
    "name": "claims-llama-ft",
    "asset_type": "fine_tuned_model",
    "resource_id": "arn:aws:bedrock:eu-west-1:314159265358:custom-model/claims-llama-ft",
    "description": "Claims triage model",
    "owner_team": "clinical-ai",
    "owner_email": "clinical-ai@kestrel-dynamics.example",
    "data_classification": "regulated",
    "deployment_env": "production",
    "regulatory_scope": ["hipaa"],
    "network_exposure": "vpc",
    "model_provider": "aws_bedrock",
    "is_self_hosted": False,
    "last_security_review": "2026-10-01",
    "upstream_assets": ["claims-training-set"],
    "controls": [{"type": "guardrails", "operational": True}],
}


def registry(work: Path, rng: random.Random, palette: list[Any], count: int) -> None:
    entries = []
    for index in range(count):
        entry = mutate(REGISTRY_TEMPLATE, rng, palette)
        if isinstance(entry.get("name"), str):
            entry["name"] = f"{entry['name']}-{index}"
        entries.append(entry)
    if rng.random() < 0.15:  # YAML is parsed in pure Python: a few files are enough
        text = json.dumps({"assets": entries}, allow_nan=True)  # JSON is YAML
        if rng.random() < 0.3:
            text = "x: &a [1, 2]\ny: [*a, *a, *a]\n" if rng.random() < 0.5 else text[:-1]
        path = work / "registry.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    else:
        path = work / "registry.csv"
        path.write_bytes(_as_csv(entries, rng, list(REGISTRY_TEMPLATE)))
    try:
        result = parse_registry(path)
    except SourceUnavailable:
        TOTALS["unavailable"] += 1  # the whole file refused, with a reason: allowed
        TOTALS["inputs"] += count
        TOTALS["files"] += 1
        return
    for rej in result.rejections:
        assert len(rej.reason) <= REASON_LIMIT, rej.reason[:300]
    assert len(result.records) + len(result.rejections) >= 1
    TOTALS["inputs"] += count
    TOTALS["files"] += 1
    TOTALS["events"] += len(result.records)
    TOTALS["rejections"] += len(result.rejections)


CAMPAIGNS: dict[str, Callable[[Path, random.Random, list[Any], int], None]] = {
    "bedrock": bedrock,
    "otel": otel,
    "litellm": litellm,
    "apim": apim,
    "files": files,
    "registry": registry,
}


def run(parser: str, examples: int, per_example: int, work: Path) -> dict[str, Any]:
    campaign = CAMPAIGNS[parser]

    @settings(
        max_examples=examples,
        derandomize=True,  # the same inputs on every CI run
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(seed=st.integers(0, 2**32 - 1), palette=PALETTE, ascii_only=st.booleans())
    def one(seed: int, palette: list[Any], ascii_only: bool) -> None:
        _ASCII[0] = ascii_only
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        campaign(work, random.Random(seed), palette, per_example)

    one()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {**TOTALS, "parser": parser, "peak_rss_kib": peak}


if __name__ == "__main__":
    name, n_examples, n_records, directory = sys.argv[1:5]
    report = run(name, int(n_examples), int(n_records), Path(directory))
    print(json.dumps(report))
