"""Detection throughput: the rule pack compiled into combined scans vs one pass per rule.

    python -m benchmarks.bench_detection                    # 1,000,000 events, one core
    python -m benchmarks.bench_detection --events 100000     # quick run

Generates one day of N events in DuckDB from the generated corpora (benign traffic of every
kind with attacks mixed in at ~2%), then runs the shipped pack over that day twice, side by
side in one run: compiled (`compile_pack(combined=True)`, the shipped mode: every per-event
pattern rule of a target in one scan that keeps rule ids) and one pass per rule
(`combined=False`). Throughput is MB/s of prompt + retrieved context + response text per core
(DuckDB runs with threads=1), for the per-event pattern tier (the cheap tier) and for the whole
pack; each path runs in its own child process so its peak RSS is its own. Both runs leave
out the pack's classifier rules; the classifier tier runs in a third child on the first
`--classifier-events` events of the day (copied to their own partition), reported as events/s
and MB/s of the text it scores (prompt + retrieved context). Results are printed and written to
benchmarks/out/bench_detection.json. Target: cheap tier >= 150 MB/s per core.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

DAY = date(2026, 3, 10)
FIXED_NOW = datetime(2026, 3, 11, 6, 0)
TARGET_MB_S = 150.0
OUT = Path(__file__).resolve().parent / "out" / "bench_detection.json"


def generate_day(db_path: Path, events: int, seed: int) -> dict[str, Any]:
    from aisec_lab.corpora import benign_corpora, generated_attack_corpora
    from aisec_resources.warehouse import run_sql

    benign = [i["text"] for i in benign_corpora(seed)]
    attacks = [i["text"] for i in generated_attack_corpora(seed)]
    answers = [t for t in benign if len(t) > 200][:400] or benign[:400]
    conn = duckdb.connect(str(db_path))
    try:
        run_sql(conn, "schema/warehouse")
        run_sql(conn, "schema/monitoring")
        conn.execute("SET VARIABLE benign = ?", [benign])
        conn.execute("SET VARIABLE attacks = ?", [attacks])
        conn.execute("SET VARIABLE answers = ?", [answers])
        started = time.perf_counter()
        # Deterministic pseudo-random choices from hash(i, salt); earlier days get the same
        # keys/users so the baseline rules have history to compare with.
        conn.execute(
            """
            INSERT INTO monitoring.llm_events (event_date, event_id, source, source_location,
                event_time, request_model, cloud_region, api_key_hash, user_id, session_id,
                agent_id, system_prompt, prompt_text, retrieved_context, response_text,
                tool_calls, input_tokens, output_tokens, cost_usd, ingested_at, run_id)
            SELECT
                d, 'bench-' || i, 'bench', 'generated:' || i,
                CAST(d AS TIMESTAMP) + to_seconds(CAST(hash(i, 't') % 86400 AS BIGINT)),
                'model-' || hash(i, 'm') % 8, 'region-' || hash(i, 'r') % 3,
                'kfp_' || hash(i, 'k') % 500, 'user-' || hash(i, 'u') % 2000,
                's-' || hash(i, 's') % 40000,
                CASE WHEN i % 10 = 0 THEN 'agent-' || i % 7 END,
                'You are the assistant of Kestrel Dynamics. Answer briefly and politely.',
                CASE WHEN hash(i, 'a') % 50 = 0
                     THEN list_element(
                         getvariable('attacks'),
                         CAST(1 + hash(i, 'x') % len(getvariable('attacks')) AS BIGINT))
                     ELSE list_element(
                         getvariable('benign'),
                         CAST(1 + hash(i, 'b') % len(getvariable('benign')) AS BIGINT))
                END,
                CASE WHEN i % 5 = 0 THEN list_element(getvariable('benign'),
                     CAST(1 + hash(i, 'c') % len(getvariable('benign')) AS BIGINT)) END,
                list_element(getvariable('answers'),
                             CAST(1 + hash(i, 'o') % len(getvariable('answers')) AS BIGINT)),
                CASE WHEN i % 10 = 0
                     THEN [{'name': 'lookup_order', 'call_id': 'c' || i, 'arguments': '{}'}]
                     ELSE [] END,
                300 + hash(i, 'in') % 3000, 50 + hash(i, 'out') % 800, 0.002,
                TIMESTAMP '2026-03-11', 'bench'
            FROM (
                SELECT i, CASE WHEN i < ? THEN DATE '2026-03-10'
                               ELSE DATE '2026-03-10' - CAST(1 + i % 7 AS INTEGER) END AS d
                FROM range(? + ? // 10) t(i)
            )
            """,
            [events, events, events],
        )
        seconds = time.perf_counter() - started
        by_field = conn.execute(
            "SELECT sum(strlen(coalesce(prompt_text, ''))), "
            "sum(strlen(coalesce(retrieved_context, ''))), "
            "sum(strlen(coalesce(response_text, ''))), "
            "count(DISTINCT prompt_text), count(DISTINCT response_text) "
            "FROM monitoring.llm_events WHERE event_date = ?",
            [DAY],
        ).fetchone()
    finally:
        conn.close()
    fields = ("prompt_text", "retrieved_context", "response_text")
    return {
        "generate_seconds": seconds,
        "text_bytes": int(sum(by_field[:3])),
        "text_bytes_by_target": {f: int(b) for f, b in zip(fields, by_field[:3], strict=True)},
        # the day draws from a finite pool of corpus texts (nothing deduplicates them)
        "distinct_prompts": int(by_field[3]),
        "distinct_responses": int(by_field[4]),
    }


CLASSIFIER_DAY = date(2026, 3, 20)  # the classifier child's copy of the day's first events


def classifier_child(db_path: Path, events: int) -> dict[str, Any]:
    """Runs in its own process: the pack's classifier rules over `events` of the day."""
    from aisec_assets.monitoring.detect import run_detections
    from aisec_assets.monitoring.rules import load_rule_pack

    pack = load_rule_pack()
    classifier_only = pack.model_copy(
        update={"rules": [r for r in pack.rules if r.logic.kind == "classifier"]}
    )
    conn = duckdb.connect(str(db_path))
    conn.execute("SET threads = 1")
    conn.execute(
        "INSERT INTO monitoring.llm_events SELECT * REPLACE (CAST($to AS DATE) AS event_date) "
        "FROM monitoring.llm_events WHERE event_date = $day ORDER BY event_id LIMIT $n",
        {"to": CLASSIFIER_DAY, "day": DAY, "n": events},
    )
    (scored_bytes,) = conn.execute(
        "SELECT sum(strlen(coalesce(prompt_text, '')) + strlen(coalesce(retrieved_context, ''))) "
        "FROM monitoring.llm_events WHERE event_date = ?",
        [CLASSIFIER_DAY],
    ).fetchone()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    hits = run_detections(
        conn, CLASSIFIER_DAY, "bench-cls", classifier_only, timings=timings, detected_at=FIXED_NOW
    )
    total = time.perf_counter() - started
    conn.close()
    return {
        "events": events,
        "rules": len(classifier_only.rules),
        "scored_mb": int(scored_bytes or 0) / 1e6,
        "seconds": total,
        "events_per_second": events / total,
        "scored_mb_per_second": int(scored_bytes or 0) / 1e6 / total,
        "hits": hits,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(db_path: Path, combined: bool) -> dict[str, Any]:
    """Runs in its own process: the pack (without its classifier rules) over the day, with
    per-step timings."""
    from aisec_assets.monitoring.detect import run_detections
    from aisec_assets.monitoring.rules import compile_pack, load_rule_pack
    from aisec_lab.quality import CORPUS_DOMAIN, without_classifier

    pack = without_classifier(load_rule_pack())
    compiled = compile_pack(pack, combined=combined, allowed_domains=[CORPUS_DOMAIN])
    conn = duckdb.connect(str(db_path))
    conn.execute("SET threads = 1")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    hits = run_detections(
        conn,
        DAY,
        f"bench-{combined}",
        pack,
        compiled=compiled,
        timings=timings,
        detected_at=FIXED_NOW,
    )
    total = time.perf_counter() - started
    rules = conn.execute(
        "SELECT count(DISTINCT rule_id) FROM monitoring.detections WHERE event_date = ?", [DAY]
    ).fetchone()[0]
    # the hits themselves (rule, event, evidence), not just their number, must agree
    digest = hashlib.sha256()
    for row in conn.execute(
        "SELECT rule_id, event_id, coalesce(evidence, '') FROM monitoring.detections "
        "WHERE event_date = ? ORDER BY ALL",
        [DAY],
    ).fetchall():
        digest.update(json.dumps(row).encode())
    conn.close()
    pattern = [s for s in compiled.steps if s.sql is not None and s.sql_file is None]
    # seconds per text target of the cheap tier (a target's scans summed in the per-rule mode)
    per_target: dict[str, float] = {}
    for step in pattern:
        target = step.params["target"]
        per_target[target] = per_target.get(target, 0.0) + timings[step.name]
    return {
        "combined": combined,
        "steps": len(compiled.steps),
        "seconds_total": total,
        "seconds_pattern_tier": sum(per_target.values()),
        "seconds_pattern_by_target": per_target,
        "hits": hits,
        "hits_sha256": digest.hexdigest(),
        "rules_hit": rules,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(db_path: Path, *flags: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_detection", "--child", str(db_path), *flags],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--classifier-events", type=int, default=50_000)
    parser.add_argument("--combined", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--classifier", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.classifier:
            print(json.dumps(classifier_child(args.child, args.classifier_events)))
        else:
            print(json.dumps(child(args.child, args.combined)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-detect-") as tmp:
        db = Path(tmp) / "w.duckdb"
        print(f"generating {args.events:,} events (+ 7 days of history) ...", flush=True)
        gen = generate_day(db, args.events, args.seed)
        mb = gen["text_bytes"] / 1e6
        print("compiled pack ...", flush=True)
        compiled = run_child(db, "--combined")
        print("one pass per rule ...", flush=True)
        per_rule = run_child(db)
        n_cls = min(args.classifier_events, args.events)
        print(f"classifier tier on {n_cls:,} events ...", flush=True)
        classifier = run_child(db, "--classifier", "--classifier-events", str(n_cls))
    result = {
        "events": args.events,
        "text_mb": mb,
        **gen,
        "compiled": compiled,
        "per_rule": per_rule,
        "classifier": classifier,
        "pattern_tier_mb_s_compiled": mb / compiled["seconds_pattern_tier"],
        "pattern_tier_mb_s_per_rule": mb / per_rule["seconds_pattern_tier"],
        "pack_mb_s_compiled": mb / compiled["seconds_total"],
        "pack_mb_s_per_rule": mb / per_rule["seconds_total"],
        "same_hits": compiled["hits"] == per_rule["hits"]
        and compiled["hits_sha256"] == per_rule["hits_sha256"],
    }
    result["ratio_pattern_tier"] = (
        result["pattern_tier_mb_s_compiled"] / result["pattern_tier_mb_s_per_rule"]
    )
    result["pass"] = result["pattern_tier_mb_s_compiled"] >= TARGET_MB_S
    rows = [
        ("events on the day (text MB)", f"{args.events:,} ({mb:,.0f} MB)"),
        (
            "cheap tier, compiled scans",
            f"{result['pattern_tier_mb_s_compiled']:.0f} MB/s per core "
            f"(target >= {TARGET_MB_S:.0f}: {'PASS' if result['pass'] else 'FAIL'})",
        ),
        ("cheap tier, one pass per rule", f"{result['pattern_tier_mb_s_per_rule']:.0f} MB/s"),
        ("ratio compiled / per rule", f"{result['ratio_pattern_tier']:.1f}x"),
        (
            "whole pack (incl. aggregate rules)",
            f"{result['pack_mb_s_compiled']:.0f} vs {result['pack_mb_s_per_rule']:.0f} MB/s",
        ),
        (
            "hits (compiled / per rule)",
            f"{compiled['hits']:,} / {per_rule['hits']:,} "
            f"({'same' if result['same_hits'] else 'DIFFERENT'}: rule, event and evidence)",
        ),
        (
            "peak RSS (compiled / per rule)",
            f"{compiled['peak_rss_mb']:.0f} / {per_rule['peak_rss_mb']:.0f} MB",
        ),
    ]
    rows.append(
        (
            "classifier tier (second tier)",
            f"{classifier['events_per_second']:,.0f} events/s, "
            f"{classifier['scored_mb_per_second']:.2f} MB/s of prompt + context per core "
            f"({classifier['events']:,} events, {classifier['hits']:,} hits, peak RSS "
            f"{classifier['peak_rss_mb']:.0f} MB)",
        )
    )
    for target, seconds in compiled["seconds_pattern_by_target"].items():
        target_mb = gen["text_bytes_by_target"].get(target, 0) / 1e6
        reference = per_rule["seconds_pattern_by_target"][target]
        rows.append(
            (
                f"  {target} ({target_mb:,.0f} MB)",
                f"{seconds:.2f} s compiled vs {reference:.2f} s per rule",
            )
        )
    width = max(len(k) for k, _ in rows)
    print()
    print("\n".join(f"{k.ljust(width)}  {v}" for k, v in rows))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {OUT}")
    return 0 if result["same_hits"] else 1


if __name__ == "__main__":
    sys.exit(main())
