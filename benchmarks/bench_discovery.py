"""Live AWS discovery of an organisation: the concurrent pool vs one worker, side by side.

    python -m benchmarks.bench_discovery            # 20 accounts x 4 regions x 50 resources
    python -m benchmarks.bench_discovery --accounts 2 --regions 2 --resources 5  # smoke run

The full run takes about 10.5 minutes on 2 CPUs, six of them the sequential run at 20 ms.

The estate: moto in server mode (`python -m moto.server`, a process of its own) behind
`benchmarks/discovery_front.py` (another process): the front adds a per-request latency, answers
the Bedrock operations moto lacks with empty lists (no guardrails, provisioned throughput or
imported models; agents without aliases, action groups or attached knowledge bases; knowledge
bases without data sources) and logs every request it is sent. An organisation of `--accounts`
accounts (the management account + organizations:CreateAccount), and in each of `--regions`
regions of each account `--resources` Bedrock resources, two fifths custom models (each made by
a model-customization job), two fifths agents, the rest knowledge bases. Populating goes
straight to moto, concurrently, and is timed apart (not in the ratio).

Measured in one run on that one estate, each collection into its own fresh bundle directory:
`collect_aws` (the product's code, through `AwsLiveReader` and the front, assuming
OrganizationAccountAccessRole in every account) with `max_workers=1` (the sequential baseline:
the same code, one account/region at a time) and with each pool size of `--workers` (16 is the
product's default). Before the timed runs an untimed collection of one account/region warms the
process (botocore models, moto's lazily built backends). Reported per run: wall seconds around
`collect_aws` (listing the organisation, assuming roles, reading, writing the bundle), the
reader's calls, the responses kept, the records it made, the HTTP requests the front saw, calls
per planted resource, and the ratio sequential seconds / pool seconds.

The latency (`--latency-ms`, a comma list, default 20,0) is slept in the front's server thread
for each request, so concurrent requests wait concurrently as on the network. At 20 ms the
ratio says how well the pool hides API latency (what a real organisation sees: AWS answers in
tens of milliseconds). At 0 ms nothing is left to hide: every process (collector, front, moto)
is CPU-bound on loopback, so the ratio says only what the machine's CPUs and the collector's
GIL allow, not what a real estate would see. The >= 4x target is judged on the first latency
and the first pool size.

Checks (any failure exits 1): every account of every run collected "ok"; each run's bundle,
read back by `extract_bedrock` / `extract_sagemaker` over `AwsBundleReader`, gives exactly the
sequential run's records (every `to_row()` column); the planted custom models, agents and
knowledge bases are all there; no request reached the front twice (same account, region,
service, operation, method, path with query, body: a stricter form of "no (account, region,
service, operation, key) called twice", pages and retries included); and the reader's calls
equal the front's requests other than AssumeRole, ListAccounts and follow-up pages. A missed
speed target exits 2. Results are printed as a table and written to
benchmarks/out/bench_discovery.json (`--out`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore
import moto

from aisec_assets.discovery.aws import AwsBundleReader, extract_bedrock, extract_sagemaker
from aisec_assets.discovery.aws.collect import collect_aws
from aisec_resources.config.aws_live import AwsLiveConfig
from benchmarks.discovery_estate import REGIONS, ROLE, Servers, base_session, populate, servers

OUT_PATH = Path(__file__).resolve().parent / "out" / "bench_discovery.json"
TARGET_SPEEDUP = 4.0
# Requests that are not one of the reader's calls: entering accounts, listing the organisation.
SETUP_OPERATIONS = ("AssumeRole", "ListAccounts")

# The collection's timestamp (the benchmark measures time, it does not record it).
COLLECTED_AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


# -- one collection


def collection_config(url: str, regions: list[str], workers: int, **extra: Any) -> AwsLiveConfig:
    return AwsLiveConfig(
        role_name=ROLE, regions=regions, endpoint_url=url, max_workers=workers, **extra
    )


def bundle_rows(out: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Every record the bundle gives, by source and natural key, and what could not be read."""
    rows: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for extract in (extract_bedrock, extract_sagemaker):
        result = extract(AwsBundleReader(out))
        problems += [f"unreadable {u.part}: {u.reason}" for u in result.unreadable]
        problems += [f"rejected: {r.reason}" for r in result.rejections]
        for record in result.records:
            key = f"{record.source} {record.natural_key}"
            if key in rows:
                problems.append(f"record {key} made twice")
            rows[key] = record.to_row()
    return rows, problems


def request_stats(log: list[list[Any]]) -> dict[str, Any]:
    """What the front saw: requests, repeats, follow-up pages, non-2xx answers, per operation."""
    keys = Counter(tuple(entry[:7]) for entry in log)
    repeated = [{"request": list(key[:6]), "times": n} for key, n in sorted(keys.items()) if n > 1]
    pages = sum(1 for e in log if "nextToken" in e[5] + e[6] or "NextToken" in e[6])
    setup = sum(1 for e in log if e[3] in SETUP_OPERATIONS)
    return {
        "requests": len(log),
        "distinct": len(keys),
        "repeated": repeated,
        "follow_up_pages": pages,
        "setup_requests": setup,
        "errors": Counter(str(e[7]) for e in log if not 200 <= e[7] < 300),
        "by_operation": dict(sorted(Counter(f"{e[2]}:{e[3]}" for e in log).items())),
    }


def collect_once(
    servers: Servers, base: boto3.session.Session, regions: list[str], workers: int, out: Path
) -> dict[str, Any]:
    """One timed `collect_aws` into the fresh directory `out`, with what the front saw."""
    servers.reset()
    start = time.perf_counter()
    collection = collect_aws(
        collection_config(servers.front_url, regions, workers),
        out,
        base_session=base,
        now=lambda: COLLECTED_AT,
    )
    seconds = time.perf_counter() - start
    stats = request_stats(servers.requests())
    accounts = collection.accounts.values()
    rows, problems = bundle_rows(out)
    not_ok = [
        f"{s.account}: {s.status} {s.error or ''}".strip() for s in accounts if s.status != "ok"
    ]
    return {
        "workers": workers,
        "seconds": seconds,
        "accounts": len(collection.accounts),
        "not_ok": not_ok,
        "calls": sum(s.calls for s in accounts),
        "responses": sum(s.responses for s in accounts),
        "resources": sum(s.resources for s in accounts),
        "front": stats,
        "rows": rows,
        "problems": problems,
    }


def warm_up(
    servers: Servers, base: boto3.session.Session, account: str, region: str, out: Path
) -> None:
    """An untimed collection of one account/region: botocore's models and moto's backends are
    loaded before the first timed run, so the sequential baseline does not pay for them."""
    config = collection_config(servers.front_url, [region], 1)
    collect_aws(config, out, accounts=[account], base_session=base, now=lambda: COLLECTED_AT)


# -- checks and the report


def planted_found(rows: dict[str, dict[str, Any]], planted: dict[str, int]) -> dict[str, int]:
    """How many of each planted kind the records hold."""
    found: Counter[str] = Counter()
    for key, row in rows.items():
        if row.get("asset_type") == "fine_tuned_model":
            found["custom_models"] += 1
        elif row.get("asset_type") == "ai_agent":
            found["agents"] += 1
        elif row.get("asset_type") == "vector_database" and ":knowledge-base/" in key:
            found["knowledge_bases"] += 1
    return {kind: found[kind] for kind in planted}


def check_run(run: dict[str, Any], reference: dict[str, Any], planted: dict[str, Any]) -> list[str]:
    """What is wrong with one run (empty: nothing)."""
    failures = [f"workers={run['workers']}: account {line}" for line in run["not_ok"]]
    failures += [f"workers={run['workers']}: {p}" for p in run["problems"][:5]]
    front = run["front"]
    if front["repeated"]:
        failures.append(
            f"workers={run['workers']}: {len(front['repeated'])} request(s) made more than "
            f"once, e.g. {front['repeated'][0]}"
        )
    made = front["requests"] - front["setup_requests"] - front["follow_up_pages"]
    if run["calls"] != made:
        failures.append(
            f"workers={run['workers']}: the reader counted {run['calls']} calls, the front saw "
            f"{made} (besides AssumeRole, ListAccounts and follow-up pages)"
        )
    found = planted_found(run["rows"], planted["per_region"])
    parts = len(planted["accounts"]) * planted["regions"]
    want = {kind: n * parts for kind, n in planted["per_region"].items()}
    if found != want:
        failures.append(f"workers={run['workers']}: planted {want}, records hold {found}")
    if run is not reference and run["rows"] != reference["rows"]:
        ours, theirs = run["rows"], reference["rows"]
        differing = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
        failures.append(
            f"workers={run['workers']}: {len(differing)} record(s) differ from the sequential "
            f"run's, e.g. {differing[:3]}"
        )
    return failures


def summarise(run: dict[str, Any], planted_total: int, sequential: float) -> dict[str, Any]:
    front = run["front"]
    return {
        "workers": run["workers"],
        "seconds": round(run["seconds"], 3),
        "ratio": round(sequential / run["seconds"], 2),
        "calls": run["calls"],
        "responses": run["responses"],
        "records": run["resources"],
        "front_requests": front["requests"],
        "repeated_requests": len(front["repeated"]),
        "follow_up_pages": front["follow_up_pages"],
        "errors": dict(front["errors"]),
        "calls_per_planted_resource": round(run["calls"] / planted_total, 3),
        "calls_per_record": round(run["calls"] / max(run["resources"], 1), 3),
        "by_operation": front["by_operation"],
    }


def format_table(result: dict[str, Any]) -> str:
    estate = result["estate"]
    lines = [
        f"estate: {len(estate['accounts'])} accounts x {estate['regions']} regions x "
        f"{estate['resources']} resources = {estate['planted_total']:,} planted "
        f"({estate['planted']}); populated in {estate['seconds']:.1f} s (not compared)",
        f"machine: {result['cpus']} CPU(s) usable ({result['cpu_count']} in all), "
        f"{result['platform']}; Python {result['python']}, boto3 {result['boto3']}, "
        f"botocore {result['botocore']}, moto {result['moto']}; processes: benchmark "
        "(collector), discovery front, moto server",
        "",
    ]
    header = (
        f"{'latency':>8} {'workers':>7} {'wall s':>8} {'ratio':>6} {'calls':>7} "
        f"{'responses':>9} {'records':>7} {'requests':>8} {'repeats':>7} {'calls/res':>9}"
    )
    lines += [header, "-" * len(header)]
    for block in result["latencies"]:
        for run in block["runs"]:
            lines.append(
                f"{block['latency_ms']:>6g}ms {run['workers']:>7} {run['seconds']:>8.2f} "
                f"{run['ratio']:>5.2f}x {run['calls']:>7,} {run['responses']:>9,} "
                f"{run['records']:>7,} {run['front_requests']:>8,} "
                f"{run['repeated_requests']:>7} {run['calls_per_planted_resource']:>9.2f}"
            )
    lines.append("")
    for block in result["latencies"]:
        lines.append(f"at {block['latency_ms']:g} ms per request: {block['meaning']}")
    lines += [
        "",
        "calls/res = the reader's calls / planted resources (per-region listing calls "
        "included); requests = HTTP requests at the front, incl. AssumeRole and ListAccounts",
        f"per planted resource: {result['calls_per_kind']}",
        f"target: >= {result['target']:g}x at {result['latencies'][0]['latency_ms']:g} ms with "
        f"{result['target_workers']} workers: {result['target_ratio']:.2f}x, "
        + ("met" if result["speed_pass"] else "NOT met"),
        "checks (every account ok, identical records, nothing asked twice, calls = requests): "
        + ("passed" if result["checks_passed"] else "FAILED"),
    ]
    lines += [f"  failure: {f}" for f in result["failures"][:20]]
    return "\n".join(lines)


def meaning(latency_ms: float) -> str:
    if latency_ms <= 0:
        return (
            "no latency to hide; collector, front and moto all burn CPU on loopback, so this "
            "ratio measures the machine's CPUs and the collector's GIL, not a real estate"
        )
    return (
        "each request waits as on the network (real AWS answers in tens of ms); this ratio "
        "is how much of that waiting the pool overlaps, the speed-up a real organisation sees"
    )


def calls_per_kind(by_operation: dict[str, int], per_region: dict[str, int], parts: int) -> str:
    """The calls each planted kind costs, from the front's per-operation counts."""
    counts = {kind: n * parts for kind, n in per_region.items()}
    kinds = {
        "custom model": (
            "custom_models",
            ["bedrock:GetCustomModel", "bedrock:GetModelCustomizationJob"],
        ),
        "agent": (
            "agents",
            [
                "bedrock-agent:GetAgent",
                "bedrock-agent:ListAgentAliases",
                "bedrock-agent:ListAgentActionGroups",
                "bedrock-agent:ListAgentKnowledgeBases",
            ],
        ),
        "knowledge base": (
            "knowledge_bases",
            ["bedrock-agent:GetKnowledgeBase", "bedrock-agent:ListDataSources"],
        ),
    }
    parts_text = []
    for label, (kind, ops) in kinds.items():
        n = counts[kind]
        if n:
            made = " + ".join(f"{op.split(':')[1]} {by_operation.get(op, 0) / n:g}" for op in ops)
            parts_text.append(f"{label}: {made}")
    tags = sum(
        by_operation.get(f"{s}:ListTagsForResource", 0) for s in ("bedrock", "bedrock-agent")
    )
    parts_text.append(f"each: ListTagsForResource {tags / max(sum(counts.values()), 1):g}")
    return "; ".join(parts_text)


def run_benchmark(
    accounts: int,
    regions: int,
    resources: int,
    latencies: list[float],
    pools: list[int],
) -> dict[str, Any]:
    region_names = list(REGIONS[:regions])
    base = base_session()
    blocks: list[dict[str, Any]] = []
    failures: list[str] = []
    with servers() as srv, tempfile.TemporaryDirectory(prefix="bench-discovery-") as tmp_dir:
        tmp = Path(tmp_dir)
        print(
            f"populating {accounts} accounts x {regions} regions x {resources} resources ...",
            flush=True,
        )
        estate = populate(srv.moto_url, base, accounts, region_names, resources)
        estate.update({"regions": regions, "resources": resources})
        print(f"  {estate['seconds']:.1f} s; warming up (untimed) ...", flush=True)
        srv.set_latency(0)
        warm_up(srv, base, estate["accounts"][0], region_names[0], tmp / "warm-up")
        for latency in latencies:
            srv.set_latency(latency)
            runs = []
            for workers in [1, *pools]:
                print(f"collecting at {latency:g} ms, max_workers={workers} ...", flush=True)
                out = tmp / f"bundle-{latency:g}ms-{workers}w"
                run = collect_once(srv, base, region_names, workers, out)
                print(f"  {run['seconds']:.2f} s, {run['calls']:,} calls", flush=True)
                failures += [
                    f"{latency:g} ms: {f}" for f in check_run(run, (runs or [run])[0], estate)
                ]
                runs.append(run)
            sequential = runs[0]["seconds"]
            blocks.append(
                {
                    "latency_ms": latency,
                    "meaning": meaning(latency),
                    "runs": [summarise(r, estate["planted_total"], sequential) for r in runs],
                }
            )
    first = blocks[0]["runs"]
    target_ratio = first[1]["ratio"] if len(first) > 1 else 1.0
    parts = len(estate["accounts"]) * regions
    return {
        "estate": estate,
        "latencies": blocks,
        "target": TARGET_SPEEDUP,
        "target_workers": pools[0] if pools else 1,
        "target_ratio": target_ratio,
        "speed_pass": target_ratio >= TARGET_SPEEDUP,
        "calls_per_kind": calls_per_kind(first[0]["by_operation"], estate["per_region"], parts),
        "failures": failures,
        "checks_passed": not failures,
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "moto": moto.__version__,
    }


def _numbers(text: str, kind: type) -> list[Any]:
    try:
        values = [kind(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma list of numbers: {text!r}") from None
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"not a comma list of numbers >= 0: {text!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20, help="accounts in the organisation")
    parser.add_argument("--regions", type=int, default=4, help=f"of {', '.join(REGIONS)}")
    parser.add_argument("--resources", type=int, default=50, help="per account and region")
    parser.add_argument(
        "--latency-ms",
        type=lambda t: _numbers(t, float),
        default=[20.0, 0.0],
        help="per-request latency at the front, a comma list (the target is judged on the first)",
    )
    parser.add_argument(
        "--workers",
        type=lambda t: _numbers(t, int),
        default=[16, 32],
        help="pool sizes measured against max_workers=1 (the target is judged on the first)",
    )
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="the JSON result")
    args = parser.parse_args(argv)
    if not 1 <= args.accounts <= 200:
        parser.error("--accounts must be between 1 and 200")
    if not 1 <= args.regions <= len(REGIONS):
        parser.error(f"--regions must be between 1 and {len(REGIONS)}")
    if not 1 <= args.resources <= 500:
        parser.error("--resources must be between 1 and 500")
    if any(w < 1 for w in args.workers):
        parser.error("--workers must be at least 1")

    result = run_benchmark(
        args.accounts, args.regions, args.resources, args.latency_ms, args.workers
    )
    print()
    print(format_table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    if not result["checks_passed"]:
        print("discovery checks failed", file=sys.stderr)
        return 1
    return 0 if result["speed_pass"] else 2


if __name__ == "__main__":
    raise SystemExit(main())
