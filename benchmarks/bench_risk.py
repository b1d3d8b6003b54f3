"""Risk scoring at scale: the SQL engine vs a straightforward per-asset Python loop.

    python -m benchmarks.bench_risk                          # 1,000,000 assets, 50,000 sampled
    python -m benchmarks.bench_risk --assets 20000 --sample 2000   # quick smoke run

Both paths run side by side in one run, on the same generated inventory:

(a) SQL: `write_risk_model_tables` + `score_assets` over all N assets (including the commit
    of the N result rows). It runs in a child process, so its peak RSS (getrusage ru_maxrss of
    that process: interpreter, DuckDB and all) is not polluted by the Python loop or by the
    generator.
(b) Python: fetch `--sample` inventory rows and score each with `tests/risk_reference.py`
    (the oracle the SQL is tested against) in a plain loop; the time includes the fetch and
    is scaled by N / sample. The loop's results must land in the warehouse too, so storing
    them is timed twice: one INSERT per assessment (the straightforward per-asset program,
    timed on `--store-sample` assessments) and one batched DataFrame write. All three
    readings are printed; the >= 100x target is judged on the per-asset program.

The sampled rows scored by the loop are then compared with what the SQL stored for them.
Results are printed as a table and written to benchmarks/out/bench_risk.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from aisec_assets.risk.scoring import score_assets, write_risk_model_tables
from aisec_resources.config import RiskModel
from aisec_resources.records import (
    ASSET_TYPES,
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
)
from aisec_resources.warehouse import create_schema

ASSESSED_DATE = date(2026, 1, 15)
FIXED_NOW = datetime(2026, 1, 15, 23, 0)
TARGET_SPEEDUP = 100.0
TARGET_PEAK_RSS_MB = 1536.0
OUT_PATH = Path(__file__).resolve().parent / "out" / "bench_risk.json"
# Only set when needed to meet the RSS target; reported either way. None = DuckDB's default.
DUCKDB_SETTINGS: dict[str, str] = {}

# Pseudo-random assets from hash(i, seed, salt): deterministic for a seed whatever the thread
# count (DuckDB's random() is not, under parallelism). Every enum value plus NULL and an
# unknown string appear; controls repeat types and mix operational flags; reviews straddle
# the 90-day boundary.
PICK_MACRO_SQL = (
    "CREATE OR REPLACE TEMP MACRO pick(choices, h) AS choices[1 + CAST(h % len(choices) AS BIGINT)]"
)
GENERATE_SQL = """
INSERT INTO inventory.ai_assets BY NAME
SELECT
    printf('bench-%08d', i) AS asset_id,
    'bench://asset/' || i AS natural_key,
    'benchmark asset ' || i AS name,
    pick($asset_types, hash(i, $seed, 'type')) AS asset_type,
    pick($classifications, hash(i, $seed, 'class')) AS data_classification,
    pick($envs, hash(i, $seed, 'env')) AS deployment_env,
    pick($exposures, hash(i, $seed, 'net')) AS network_exposure,
    CASE WHEN CAST(hash(i, $seed, 'scope?') % 8 AS BIGINT) = 0 THEN NULL ELSE list_transform(
        range(CAST(hash(i, $seed, 'nscope') % 4 AS BIGINT)),
        lambda j: pick($scopes, hash(i, j, $seed, 'scope'))
    ) END AS regulatory_scope,
    pick($providers, hash(i, $seed, 'provider')) AS model_provider,
    pick([true, false, NULL], hash(i, $seed, 'self')) AS is_self_hosted,
    pick($source_urls, hash(i, $seed, 'url')) AS source_url,
    pick($licenses, hash(i, $seed, 'license')) AS license_type,
    CASE WHEN CAST(hash(i, $seed, 'reviewed') % 4 AS BIGINT) = 0 THEN NULL
        ELSE $assessed - CAST(hash(i, $seed, 'age') % 200 AS INTEGER) END AS last_security_review,
    pick([true, false, NULL], hash(i, $seed, 'sbom')) AS sbom_available,
    list_transform(
        range(CAST(hash(i, $seed, 'nctl') % 7 AS BIGINT)),
        lambda j: {
            'type': pick($control_types, hash(i, j, $seed, 'ctl')),
            'operational': CAST(hash(i, j, $seed, 'op') % 4 AS BIGINT) <> 0,
            'evidence': 'benchmark',
            'source': 'benchmark'
        }
    ) AS controls,
    ['benchmark'] AS sources,
    true AS declared,
    false AS discovered,
    false AS source_stale,
    TIMESTAMP '2026-01-01 00:00:00' AS first_seen,
    TIMESTAMP '2026-01-14 00:00:00' AS last_seen,
    'active' AS status
FROM range(1, $assets + 1) AS t(i)
"""


def generate_inventory(db_path: Path, assets: int, seed: int) -> float:
    """Write `assets` random active assets into a fresh warehouse; returns seconds taken."""
    started = time.perf_counter()
    conn = duckdb.connect(str(db_path))
    try:
        create_schema(conn)
        conn.execute(PICK_MACRO_SQL)
        conn.execute(
            GENERATE_SQL,
            {
                "assets": assets,
                "seed": seed,
                "assessed": ASSESSED_DATE,
                "asset_types": [*ASSET_TYPES, "unlisted_type"],
                "classifications": [*DATA_CLASSIFICATIONS, None, "secret-ish"],
                "envs": [*DEPLOYMENT_ENVS, None, "sandbox"],
                "exposures": [*NETWORK_EXPOSURES, None],
                "scopes": list(REGULATORY_SCOPES),
                "providers": [
                    "openai",
                    "anthropic",
                    "google",
                    "azure_openai",
                    "aws_bedrock",
                    "gcp_vertex",
                    "meta",
                    "mistral",
                    None,
                ],
                "source_urls": [
                    None,
                    "https://huggingface.co/acme/model",
                    "https://example.com/models/m",
                    "s3://models/m",
                ],
                "licenses": ["apache-2.0", "mit", "llama3", "unknown", "", None],
                "control_types": [*CONTROL_TYPES, "unlisted_control"],
            },
        )
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return time.perf_counter() - started


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def sql_child(db_path: Path, rescore: bool) -> dict[str, Any]:
    """Path (a), run inside the child process: model tables + scoring of every asset.

    With `rescore`, the same day is then scored again (a rerun replaces the day's rows), timed
    separately and reported for information; the peak RSS compared with the target is the one
    of the nightly case, taken before the rerun.
    """
    conn = duckdb.connect(str(db_path))
    try:
        for name, value in DUCKDB_SETTINGS.items():
            conn.execute(f"SET {name} = ?", [value])
        started = time.perf_counter()
        write_risk_model_tables(conn, RiskModel())
        rows = score_assets(conn, ASSESSED_DATE, "bench-risk", scored_at=FIXED_NOW)
        seconds = time.perf_counter() - started
        peak_rss_mb = _peak_rss_mb()
        rescore_seconds = None
        if rescore:
            started = time.perf_counter()
            score_assets(conn, ASSESSED_DATE, "bench-risk-rerun", scored_at=FIXED_NOW)
            rescore_seconds = time.perf_counter() - started
        settings = dict(
            conn.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('threads', 'memory_limit')"
            ).fetchall()
        )
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return {
        "rows": rows,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb,
        "rescore_seconds": rescore_seconds,
        "rescore_peak_rss_mb": _peak_rss_mb() if rescore else None,
        "settings": settings,
    }


def run_sql_path(db_path: Path, rescore: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.bench_risk", "--sql-child", str(db_path)]
    if rescore:
        command.append("--rescore")
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    if completed.returncode != 0:
        raise RuntimeError(f"SQL child failed ({completed.returncode}):\n{completed.stderr}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    # What the kernel reports for the (only) waited-for child: the whole child, rerun included.
    result["child_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def run_python_path(db_path: Path, sample: int) -> tuple[float, list[dict[str, Any]]]:
    """Path (b): fetch `sample` assets and score them one by one; returns seconds and results."""
    from tests.risk_reference import assess_asset

    model = RiskModel()
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        started = time.perf_counter()
        cursor = conn.execute(
            "SELECT * FROM inventory.ai_assets WHERE status = 'active' LIMIT ?", [sample]
        )
        columns = [d[0] for d in cursor.description]
        results = []
        for row in cursor.fetchall():
            asset = dict(zip(columns, row, strict=True))
            results.append(assess_asset(asset, model, ASSESSED_DATE))
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    return seconds, results


STORED_COLUMNS = (
    "asset_id",
    "assessed_date",
    "data_sensitivity_score",
    "deployment_exposure_score",
    "model_provenance_score",
    "regulatory_impact_score",
    "capability_risk_score",
    "supply_chain_score",
    "inherent_risk_score",
    "control_effectiveness",
    "residual_risk_score",
    "risk_level",
    "risk_reduction_percentage",
    "risk_factors",
    "top_driver",
    "recommendations",
    "operational_controls",
)


def run_python_store_paths(
    db_path: Path, reference: list[dict[str, Any]], per_asset_sample: int
) -> tuple[float, float]:
    """The loop's results have to land in the warehouse too, as the SQL path's do.

    Returns seconds per stored assessment for (1) the straightforward per-asset write, one
    INSERT per assessment as a per-object program does, measured on `per_asset_sample`
    results, and (2) one batched write of all results through a DataFrame.
    """
    import pandas as pd

    columns = ", ".join(STORED_COLUMNS)
    placeholders = ", ".join("?" for _ in STORED_COLUMNS)
    conn = duckdb.connect(str(db_path))
    try:
        conn.execute(
            "CREATE OR REPLACE TABLE main.python_risk_scores AS "
            "SELECT * FROM risk.risk_scores WITH NO DATA"
        )
        insert = (
            f"INSERT INTO main.python_risk_scores ({columns}, scored_at, run_id) "
            f"VALUES ({placeholders}, now(), 'python-loop')"
        )
        rows = reference[:per_asset_sample]
        started = time.perf_counter()
        for assessment in rows:
            conn.execute(insert, [assessment[c] for c in STORED_COLUMNS])
        per_asset = (time.perf_counter() - started) / len(rows)

        conn.execute("DELETE FROM main.python_risk_scores")
        started = time.perf_counter()
        frame = pd.DataFrame([{c: r[c] for c in STORED_COLUMNS} for r in reference])
        conn.register("python_results", frame)
        conn.execute(
            "INSERT INTO main.python_risk_scores BY NAME "
            "SELECT *, now() AS scored_at, 'python-loop' AS run_id FROM python_results"
        )
        batched = (time.perf_counter() - started) / len(reference)
        stored = conn.execute("SELECT count(*) FROM main.python_risk_scores").fetchone()
        if not stored or stored[0] != len(reference):
            raise RuntimeError(f"batched write stored {stored} of {len(reference)} rows")
    finally:
        conn.close()
    return per_asset, batched


def compare_sample(db_path: Path, reference: list[dict[str, Any]]) -> int:
    """How many sampled assets the SQL scored exactly as the reference loop did."""
    compared = (
        "inherent_risk_score",
        "control_effectiveness",
        "residual_risk_score",
        "risk_level",
        "risk_reduction_percentage",
        "risk_factors",
        "recommendations",
        "operational_controls",
    )
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        cursor = conn.execute(
            f"SELECT asset_id, {', '.join(compared)} FROM risk.risk_scores "
            "WHERE assessed_date = ? AND asset_id IN (SELECT unnest(?))",
            [ASSESSED_DATE, [r["asset_id"] for r in reference]],
        )
        stored = {row[0]: dict(zip(compared, row[1:], strict=True)) for row in cursor.fetchall()}
    finally:
        conn.close()
    return sum(
        1
        for ref in reference
        if ref["asset_id"] in stored
        and all(stored[ref["asset_id"]][name] == ref[name] for name in compared)
    )


def format_table(result: dict[str, Any]) -> str:
    rows = [
        ("assets scored (SQL)", f"{result['assets']:,}"),
        ("SQL seconds (model tables + scoring + commit)", f"{result['sql_seconds']:.2f}"),
        (
            f"Python seconds ({result['sample']:,} fetched+scored, x{result['scale']:.0f})",
            f"{result['python_seconds_measured']:.2f} -> {result['python_seconds_scaled']:.1f}",
        ),
        (
            "  + storing each assessment (one INSERT each)",
            f"{result['store_seconds_per_asset_per_row_insert'] * 1e6:.0f} us/asset "
            f"-> loop {result['loop_seconds_score_and_per_asset_store']:.0f} s",
        ),
        (
            "  + storing all assessments in one batch",
            f"{result['store_seconds_per_asset_batched'] * 1e6:.0f} us/asset "
            f"-> loop {result['loop_seconds_score_and_batched_store']:.0f} s",
        ),
        ("ratio vs loop, scoring only (nothing stored)", f"{result['ratio_score_only']:.0f}x"),
        ("ratio vs loop, scoring + batched store", f"{result['ratio_batched_store']:.0f}x"),
        (
            "ratio vs per-asset loop storing each result",
            f"{result['speed_ratio']:.0f}x  target >= {TARGET_SPEEDUP:.0f}x  "
            f"{'PASS' if result['speed_pass'] else 'FAIL'}",
        ),
        (
            "SQL peak RSS",
            f"{result['sql_peak_rss_mb']:.0f} MB  target < {TARGET_PEAK_RSS_MB:.0f} MB  "
            f"{'PASS' if result['rss_pass'] else 'FAIL'}",
        ),
        (
            "rerun: rescore the same day (replace its rows)",
            "skipped"
            if result["rescore_same_day_seconds"] is None
            else f"{result['rescore_same_day_seconds']:.2f} s (informational)",
        ),
        ("SQL child peak RSS incl. rerun", f"{result['sql_child_peak_rss_mb']:.0f} MB"),
        ("sample agreement SQL vs reference", f"{result['agreement']:,} / {result['sample']:,}"),
        (
            "DuckDB settings (SQL child)",
            ", ".join(f"{k}={v}" for k, v in result["settings"].items()),
        ),
        ("inventory generation seconds (not compared)", f"{result['generate_seconds']:.2f}"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument(
        "--store-sample",
        type=int,
        default=5_000,
        help="assessments the per-asset write is timed on (then scaled)",
    )
    parser.add_argument(
        "--no-rescore",
        action="store_true",
        help="skip the extra timing of rescoring the same day (replacing its rows)",
    )
    parser.add_argument("--sql-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rescore", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.sql_child:
        print(json.dumps(sql_child(args.sql_child, args.rescore)))
        return 0
    if not 0 < args.sample <= args.assets:
        parser.error("--sample must be between 1 and --assets")

    with tempfile.TemporaryDirectory(prefix="bench-risk-") as tmp:
        db_path = Path(tmp) / "warehouse.duckdb"
        print(f"generating {args.assets:,} assets ...", flush=True)
        generate_seconds = generate_inventory(db_path, args.assets, args.seed)
        print("SQL path (child process) ...", flush=True)
        sql = run_sql_path(db_path, rescore=not args.no_rescore)
        print(f"Python loop over {args.sample:,} sampled assets ...", flush=True)
        python_seconds, reference = run_python_path(db_path, args.sample)
        agreement = compare_sample(db_path, reference)
        print("storing the loop's results (per asset and batched) ...", flush=True)
        per_asset_store, batched_store = run_python_store_paths(
            db_path, reference, min(args.store_sample, len(reference))
        )

    scale = sql["rows"] / args.sample
    python_scaled = python_seconds * scale
    rows_total = sql["rows"]
    # Three honest readings of "the per-asset Python loop": scoring only (its results never
    # stored), scoring + one batched write, and the straightforward per-asset program that
    # stores each assessment as it goes. The target is judged on the last one, the only one
    # that, like the SQL path, scores the assets *in the warehouse* one asset at a time.
    loop_score_only = python_scaled
    loop_batched = python_scaled + batched_store * rows_total
    loop_per_asset = python_scaled + per_asset_store * rows_total
    ratio = loop_per_asset / sql["seconds"]
    result = {
        "assets": sql["rows"],
        "sample": args.sample,
        "scale": scale,
        "seed": args.seed,
        "sql_seconds": sql["seconds"],
        "python_seconds_measured": python_seconds,
        "python_seconds_scaled": python_scaled,
        "store_seconds_per_asset_per_row_insert": per_asset_store,
        "store_seconds_per_asset_batched": batched_store,
        "loop_seconds_score_only": loop_score_only,
        "loop_seconds_score_and_batched_store": loop_batched,
        "loop_seconds_score_and_per_asset_store": loop_per_asset,
        "ratio_score_only": loop_score_only / sql["seconds"],
        "ratio_batched_store": loop_batched / sql["seconds"],
        "speed_ratio": ratio,
        "speed_target": TARGET_SPEEDUP,
        "speed_pass": ratio >= TARGET_SPEEDUP,
        "sql_peak_rss_mb": sql["peak_rss_mb"],
        "sql_child_peak_rss_mb": sql["child_peak_rss_mb"],
        "rescore_same_day_seconds": sql["rescore_seconds"],
        "rss_target_mb": TARGET_PEAK_RSS_MB,
        "rss_pass": sql["peak_rss_mb"] < TARGET_PEAK_RSS_MB,
        "agreement": agreement,
        "settings": sql["settings"],
        "settings_overridden": DUCKDB_SETTINGS,
        "generate_seconds": generate_seconds,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "cpus": len(__import__("os").sched_getaffinity(0)),
    }
    print()
    print(format_table(result))
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUT_PATH.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {OUT_PATH}")
    return 0 if result["speed_pass"] and result["rss_pass"] and agreement == args.sample else 1


if __name__ == "__main__":
    raise SystemExit(main())
