"""Tier 2 (the trained classifier) throughput: events/s and MB/s per core, and peak RSS.

    python -m benchmarks.bench_tier2                 # 20,000 generated events
    python -m benchmarks.bench_tier2 --events 2000   # quick smoke run

The events are generated with the demo text generators (`demo_estate.text`) from one seeded
`random.Random`, in a realistic mix: most are plain user prompts (questions, multi-turn chats,
code and table requests, e-mails to rewrite), a quarter carry retrieved context (documents,
agent tool results) next to the prompt, a few percent are attacks (injections, jailbreaks,
long many-shot and in-the-wild-length prompts). Tier 2 scores `prompt_text` and
`retrieved_context` of every event, as production does; an event costs the texts it carries.

The scoring runs in a child process pinned to one core (`os.sched_setaffinity`, BLAS threads
= 1), in batches of `--batch` events, so "per core" is measured, not assumed; the child's
peak RSS (getrusage ru_maxrss: interpreter, numpy, model and batch) is reported with it. The
machine is shared: the best of `--repeats` timed passes is reported, with all passes.
Results are printed and written to benchmarks/out/bench_tier2.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

OUT_PATH = Path(__file__).resolve().parent / "out" / "bench_tier2.json"
SEED = 20261128


def generate_events(n: int, seed: int = SEED) -> list[dict[str, str | None]]:
    """`n` events as {prompt_text, retrieved_context} from the demo text generators."""
    from aisec_jobs.demo_estate import text

    rng = random.Random(seed)
    prompt_makers = (
        (text.benign_question, 30),
        (text.benign_chat, 20),
        (text.benign_code, 10),
        (text.benign_table, 8),
        (text.benign_email, 8),
        (text.benign_security_question, 4),
        (text.direct_injection, 2),
        (text.roleplay_jailbreak, 2),
        (text.obfuscated_jailbreak, 1),
        (text.system_prompt_extraction, 1),
        (text.many_shot_jailbreak, 0.3),
    )
    context_makers = (
        (text.benign_document, 12),
        (text.benign_tool_context, 12),
        (text.indirect_injection, 1),
    )
    makers, weights = zip(*prompt_makers, strict=True)
    c_makers, c_weights = zip(*context_makers, strict=True)
    events: list[dict[str, str | None]] = []
    for _ in range(n):
        prompt = rng.choices(makers, weights)[0](rng)
        context = rng.choices(c_makers, c_weights)[0](rng) if rng.random() < 0.25 else None
        events.append({"prompt_text": prompt, "retrieved_context": context})
    return events


def _child(args: argparse.Namespace) -> dict[str, Any]:
    """Runs in the child: one core, load the model, score every event in batches."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from aisec_assets.monitoring.classifier import Tier2Model

    events = generate_events(args.events)
    started = time.perf_counter()
    model = Tier2Model.load()
    load_seconds = time.perf_counter() - started
    passes = []
    hits = 0
    for _ in range(args.repeats):
        started = time.perf_counter()
        hits = 0
        for begin in range(0, len(events), args.batch):
            batch = events[begin : begin + args.batch]
            texts, owner = [], []
            for index, event in enumerate(batch):
                for field in ("prompt_text", "retrieved_context"):
                    text = event[field]
                    if text:
                        texts.append(text)
                        owner.append(index)
            scores = model.score(texts)
            hits += len({o for o, s in zip(owner, scores, strict=True) if s >= model.threshold})
        passes.append(time.perf_counter() - started)
    texts_total = sum(1 for e in events for f in ("prompt_text", "retrieved_context") if e[f])
    megabytes = sum(
        len(e[f].encode("utf-8")) for e in events for f in ("prompt_text", "retrieved_context")
        if e[f]
    ) / 1e6  # fmt: skip
    best = min(passes)
    return {
        "events": len(events),
        "texts_scored": texts_total,
        "megabytes_scored": round(megabytes, 3),
        "mean_chars_per_event": round(megabytes * 1e6 / len(events), 1),
        "batch": args.batch,
        "model_version": model.version,
        "model_load_seconds": round(load_seconds, 3),
        "pass_seconds": [round(p, 3) for p in passes],
        "events_per_second_per_core": round(len(events) / best, 1),
        "megabytes_per_second_per_core": round(megabytes / best, 3),
        "events_flagged": hits,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpu": platform.processor() or platform.machine(),
        "cores_used": 1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_tier2")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=OUT_PATH)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args)))
        return 0
    command = [sys.executable, "-m", "benchmarks.bench_tier2", "--child",
               "--events", str(args.events), "--batch", str(args.batch),
               "--repeats", str(args.repeats)]  # fmt: skip
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return done.returncode
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    for key, value in result.items():
        print(f"{key:32} {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
