"""Program metrics at scale: KPIs, maturity, what changed, the dashboard and the executive report
on a warehouse of 1,000,000 assets with 30 days of history.

    python -m benchmarks.bench_metrics                  # 1,000,000 assets, 30 days
    python -m benchmarks.bench_metrics --n 20000        # quick smoke run
    python -m benchmarks.bench_metrics --keep /tmp/wh   # keep the generated warehouse there
    python -m benchmarks.bench_metrics --warehouse /tmp/wh/warehouse.duckdb  # reuse it

The warehouse (not timed; benchmarks/metrics_warehouse.py says what is real and what is
synthesised): `--n` inventory assets (bench_controls' generator: every asset type, owners with
blanks and NULLs, invalid fields, ~1% missing), the day's risk scores, control evidence for
every active asset x the 69-control catalog, coverage, framework compliance, appetite breaches
and compliance gaps from the product's own SQL; `--days` of risk score history with drifting
levels, two inventory snapshots, the day before's control evidence, a week of gaps, framework
compliance, `--detections-per-day` detections a day, incidents and their tasks, red-team
engagements and findings, policies, and `--days - 1` earlier days of program KPIs, maturity
and NIST AI RMF scores (so every trend has history).

Measured, each step in its own child process on the warehouse file, in the order the Dagster
assets run (each writes only its day's rows, so they share one file), wall time of the call
and peak RSS (getrusage ru_maxrss of the child: interpreter, imports, DuckDB and all; the RSS
after imports and connecting is printed beside it; the parent, which only starts children, is
kept small because a child's ru_maxrss starts from its parent's RSS at fork, and the JSON also
has each child's VmHWM as a cross-check):
  kpis       run_sql("metrics/program_kpis") with the variables the program_kpis asset passes
             (governance and red team configured, stale_review_days from the risk config)
  maturity   run_sql("metrics/maturity_scores") with the target level and thresholds of the
             default MetricsConfig, as the maturity_scores asset passes them
  changes    changes.record_program_changes (sql/metrics/program_changes.sql), as the
             program_changes asset calls it (UTC)
  dashboard  dashboard.write_dashboard, as the program_dashboard asset calls it: the HTML file
             size (plotly.js embedded, so it opens offline) and the data points per chart
  report     executive_report.write_report, as the executive_report asset calls it
The run fails (exit 1) when the dashboard is larger than `--max-html-mb` (20 MB: a browser
still opens it; the charts are aggregated in SQL, so it should be a few MB whatever the
estate), when a step fails, or when a chart that should have data has none. Results are
printed as a table and written to benchmarks/out/bench_metrics.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.metrics_warehouse import (
    DAY,
    NOW,
    RUN_ID,
    build_warehouse,
    kpi_variables,
    maturity_variables,
)

# Nothing heavy at module level (see metrics_warehouse): the parent's RSS at fork would show
# in every child's ru_maxrss. Each child imports what its step needs.

OUT_PATH = Path(__file__).resolve().parent / "out" / "bench_metrics.json"
ORGANISATION = "Benchmark Corp"
MAX_HTML_MB = 20.0
STAGES = ("kpis", "maturity", "changes", "dashboard", "report")
OPTIONAL = {
    "changes": ("aisec_assets.metrics.changes", "record_program_changes"),
    "dashboard": ("aisec_assets.metrics.dashboard", "write_dashboard"),
    "report": ("aisec_assets.metrics.executive_report", "write_report"),
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _hwm_mb() -> float | None:
    """VmHWM of /proc/self/status: the peak RSS of this process image only (ru_maxrss also
    carries the parent's RSS at fork across exec; the parent is kept small, so the two agree)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def available(stage: str) -> bool:
    """A stage whose module (written alongside this benchmark) exists with its function."""
    if stage not in OPTIONAL:
        return True
    module, function = OPTIONAL[stage]
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return False
    # Read, not imported: importing plotly and pandas here would grow this process (above).
    return f"\ndef {function}(" in Path(spec.origin).read_text(encoding="utf-8")


def _points(figure: Any) -> int:
    """Data points a figure carries: per trace the longest of its data arrays (x, y, z cells,
    r, values), so the dashboard's size can be told apart from plotly.js."""
    total = 0
    for trace in figure.data:
        sizes = [0]
        for name in ("x", "y", "r", "values"):
            value = getattr(trace, name, None)
            if value is not None:
                sizes.append(len(value))
        z = getattr(trace, "z", None)
        if z is not None:
            sizes.append(sum(len(row) for row in z))
        total += max(sizes)
    return total


def child(db_path: Path, stage: str, out_dir: Path) -> dict[str, Any]:
    """One measured step, inside its own child process."""
    result: dict[str, Any] = {"stage": stage}
    if stage in ("kpis", "maturity"):
        from aisec_resources.warehouse import run_sql
    elif stage == "changes":
        from aisec_assets.metrics.changes import record_program_changes
    elif stage == "dashboard":
        from aisec_assets.metrics.dashboard import write_dashboard
    elif stage == "report":
        from aisec_assets.metrics.executive_report import write_report
    else:
        raise ValueError(f"unknown stage {stage!r}")
    conn = duckdb.connect(str(db_path))
    try:
        conn.execute("SET enable_progress_bar = false")
        result["rss_before_mb"] = _peak_rss_mb()
        started = time.perf_counter()
        if stage == "kpis":
            run_sql(conn, "metrics/program_kpis", kpi_variables(DAY, RUN_ID))
            result["seconds"] = time.perf_counter() - started
            cursor = conn.execute(
                "SELECT * EXCLUDE (kpi_date, run_id, incidents_by_category) "
                "FROM metrics.program_kpis WHERE kpi_date = ?",
                [DAY],
            )
            names = [d[0] for d in cursor.description or ()]
            row = cursor.fetchone()
            kpis = dict(zip(names, row or (), strict=True))
            result["kpis"] = kpis
            result["rows"] = 1 if row else 0
        elif stage == "maturity":
            run_sql(conn, "metrics/maturity_scores", maturity_variables(DAY, RUN_ID))
            result["seconds"] = time.perf_counter() - started
            result["levels"] = dict(
                conn.execute(
                    "SELECT dimension, level FROM metrics.maturity_scores "
                    "WHERE assessed_date = ? ORDER BY dimension",
                    [DAY],
                ).fetchall()
            )
            result["nist"] = dict(
                conn.execute(
                    "SELECT function, score FROM metrics.nist_ai_rmf_scores "
                    "WHERE assessed_date = ? ORDER BY function",
                    [DAY],
                ).fetchall()
            )
            result["rows"] = len(result["levels"])
        elif stage == "changes":
            changes = record_program_changes(conn, DAY, run_id=RUN_ID, timezone="UTC")
            result["seconds"] = time.perf_counter() - started
            result["counts"] = changes.counts
            result["rows"] = sum(changes.counts.values())
            result["previous"] = {k: str(v) for k, v in changes.previous.items()}
        elif stage == "dashboard":
            path = out_dir / "program_dashboard.html"
            written = write_dashboard(conn, DAY, path, organisation=ORGANISATION, generated_at=NOW)
            result["seconds"] = time.perf_counter() - started
            from plotly.offline import get_plotlyjs

            result["path"] = str(path)
            result["size_bytes"] = written.size_bytes
            result["plotlyjs_bytes"] = len(get_plotlyjs().encode("utf-8"))
            result["charts"] = {c.key: _points(c.figure) for c in written.charts}
            result["charts_without_data"] = [c.key for c in written.charts if not c.has_data]
            result["headline"] = written.headline
            result["rows"] = len(written.charts)
        elif stage == "report":
            path = out_dir / "executive_report.md"
            written = write_report(conn, DAY, path, organisation=ORGANISATION, generated_at=NOW)
            result["seconds"] = time.perf_counter() - started
            result["path"] = str(path)
            result["size_bytes"] = written.size_bytes
            result["overdue_items"] = written.overdue_items
            result["lines"] = written.text.count("\n")
            result["rows"] = 1
        result["peak_rss_mb"] = _peak_rss_mb()
        result["vm_hwm_mb"] = _hwm_mb()
        result["settings"] = dict(
            conn.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('threads', 'memory_limit')"
            ).fetchall()
        )
    finally:
        conn.close()
    return result


def run_child(db_path: Path, stage: str, out_dir: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.bench_metrics", "--child", stage]
    command += [str(db_path), str(out_dir)]
    started = time.perf_counter()
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        return {"stage": stage, "error": completed.stderr.strip().splitlines()[-1:]}
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["process_seconds"] = wall
    return result


def generate(db_path: Path, n: int, days: int, per_day: int, seed: int) -> dict[str, Any]:
    """Build the warehouse in a child process (its progress on stderr), so this process stays
    small: a child's ru_maxrss starts from its parent's RSS at fork."""
    command = [sys.executable, "-m", "benchmarks.bench_metrics", "--generate-child", str(db_path)]
    command += [str(n), str(days), str(per_day), str(seed)]
    completed = subprocess.run(
        command,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    if completed.returncode != 0:
        raise RuntimeError(f"generating the warehouse failed ({completed.returncode})")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _mb(value: float) -> str:
    return f"{value / 1e6:.2f} MB"


def format_table(result: dict[str, Any]) -> str:
    rows = result["warehouse"]["rows"]
    lines: list[tuple[str, str]] = [
        (
            "assets (active) / catalog controls",
            f"{rows['inventory.ai_assets']:,} ({rows['active assets']:,}) / "
            f"{rows['catalog controls']}",
        ),
        (
            "risk scores: on the day / all days",
            f"{rows['risk scores on the day']:,} / {rows['risk.risk_scores']:,} "
            f"({result['days']} days)",
        ),
        (
            "control evidence rows: on the day / both days",
            f"{rows['control evidence rows on the day']:,} / {rows['controls.control_evidence']:,}",
        ),
        (
            "compliance gaps (7 days) / framework compliance rows",
            f"{rows['compliance.compliance_gaps']:,} / {rows['compliance.framework_compliance']:,}",
        ),
        (
            "detections / incidents / incident tasks",
            f"{rows['monitoring.detections']:,} ({rows['detection days']} days) / "
            f"{rows['operations.incidents']:,} / {rows['operations.incident_tasks']:,}",
        ),
        (
            "history rows: KPIs / maturity / inventory snapshots",
            f"{rows['metrics.program_kpis']:,} / {rows['metrics.maturity_scores']:,} / "
            f"{rows['inventory.ai_assets_history']:,}",
        ),
        (
            "warehouse file / generation seconds (not timed)",
            f"{_mb(result['warehouse']['file_bytes'])} / {result['warehouse']['seconds']:.1f} s",
        ),
    ]
    for stage in STAGES:
        r = result["stages"].get(stage)
        if r is None:
            lines.append((stage, "not measured: " + result["skipped"].get(stage, "?")))
            continue
        if "error" in r:
            lines.append((stage, f"FAILED: {' '.join(r['error'])}"))
            continue
        lines.append(
            (
                f"{stage}: seconds (process incl. imports) / peak RSS (after imports)",
                f"{r['seconds']:.2f} s ({r['process_seconds']:.1f} s) / "
                f"{r['peak_rss_mb']:.0f} MB ({r['rss_before_mb']:.0f} MB)",
            )
        )
        if stage == "kpis":
            values = {k: v for k, v in r["kpis"].items() if k != "null_reasons"}
            nulls = sorted(r["kpis"].get("null_reasons") or {})
            lines.append(
                (
                    "  KPIs with a value / NULL with a reason",
                    f"{sum(v is not None for v in values.values())} of {len(values)} / "
                    + (", ".join(nulls) or "none"),
                )
            )
        if stage == "maturity":
            lines.append(
                (
                    "  levels / NIST AI RMF scores",
                    ", ".join(f"{k} {v}" for k, v in r["levels"].items())
                    + " / "
                    + ", ".join(f"{k} {v}" for k, v in r["nist"].items()),
                )
            )
        if stage == "changes":
            counts = {k: v for k, v in r["counts"].items() if v}
            lines.append(("  change rows", ", ".join(f"{k} {v:,}" for k, v in counts.items())))
        if stage == "dashboard":
            lines.append(
                (
                    "  dashboard HTML size (plotly.js embedded)",
                    f"{r['size_bytes']:,} bytes = {_mb(r['size_bytes'])} "
                    f"(plotly.js {_mb(r['plotlyjs_bytes'])}, the rest "
                    f"{_mb(r['size_bytes'] - r['plotlyjs_bytes'])})  "
                    f"bound {result['max_html_mb']:.0f} MB  "
                    f"{'PASS' if result['html_pass'] else 'FAIL'}",
                )
            )
            lines.append(
                (
                    "  data points per chart",
                    ", ".join(f"{k} {v:,}" for k, v in r["charts"].items()),
                )
            )
            lines.append(
                (
                    "  charts without data",
                    ", ".join(r["charts_without_data"]) or "none",
                )
            )
        if stage == "report":
            lines.append(
                (
                    "  report size / overdue items",
                    f"{r['size_bytes']:,} bytes, {r['lines']} lines / {r['overdue_items']:,}",
                )
            )
    lines.append(
        (
            "DuckDB settings (children) / DuckDB / Python / CPUs",
            ", ".join(f"{k}={v}" for k, v in result["settings"].items())
            + f" / {result['duckdb']} / {result['python']} / {result['cpus']}",
        )
    )
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="inventory assets")
    parser.add_argument("--days", type=int, default=30, help="days of history (>= 8)")
    parser.add_argument(
        "--detections-per-day",
        type=int,
        default=None,
        help="detections per weekday (weekends 60%%); default n / 10, at least 1,000",
    )
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--max-html-mb", type=float, default=MAX_HTML_MB)
    parser.add_argument("--keep", type=Path, help="generate the warehouse in this directory")
    parser.add_argument("--warehouse", type=Path, help="reuse a warehouse --keep generated")
    parser.add_argument("--child", nargs=3, metavar=("STAGE", "DB", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--generate-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        stage, db, out = args.child
        print(json.dumps(child(Path(db), stage, Path(out)), default=str))
        return 0
    if args.generate_child:
        db, n, days, per_day, seed = args.generate_child
        summary = build_warehouse(
            Path(db),
            int(n),
            int(days),
            seed=int(seed),
            detections_per_day=int(per_day),
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
        print(json.dumps(summary, default=str))
        return 0
    if args.n < 1000:
        parser.error("--n must be at least 1000")
    if args.days < 8:
        parser.error("--days must be at least 8")
    per_day = args.detections_per_day or max(1000, args.n // 10)

    skipped = {
        stage: f"{'.'.join(OPTIONAL[stage])} does not exist yet"
        for stage in STAGES
        if not available(stage)
    }
    tmp = tempfile.TemporaryDirectory(prefix="bench-metrics-")
    try:
        out_dir = Path(tmp.name) / "out"
        out_dir.mkdir()
        if args.warehouse:
            db_path = args.warehouse
            meta = json.loads((db_path.parent / "warehouse.json").read_text(encoding="utf-8"))
            print(f"reusing {db_path} ({meta['n']:,} assets, {meta['days']} days)", flush=True)
            args.n, args.days, per_day = meta["n"], meta["days"], meta["detections_per_day"]
            generated = meta["generated"]
        else:
            where = args.keep or Path(tmp.name)
            where.mkdir(parents=True, exist_ok=True)
            db_path = where / "warehouse.duckdb"
            db_path.unlink(missing_ok=True)
            print(
                f"generating {args.n:,} assets, {args.days} days, {per_day:,} detections a "
                "day (not timed) ...",
                flush=True,
            )
            generated = generate(db_path, args.n, args.days, per_day, args.seed)
            (where / "warehouse.json").write_text(
                json.dumps(
                    {
                        "n": args.n,
                        "days": args.days,
                        "detections_per_day": per_day,
                        "generated": generated,
                    },
                    default=str,
                ),
                encoding="utf-8",
            )
        stages: dict[str, dict[str, Any]] = {}
        for stage in STAGES:
            if stage in skipped:
                continue
            print(f"{stage} (child process) ...", flush=True)
            stages[stage] = run_child(db_path, stage, out_dir)
            if "error" in stages[stage]:
                print(f"  failed: {stages[stage]['error']}", file=sys.stderr)
        dashboard = stages.get("dashboard", {})
        kept = None
        if "size_bytes" in dashboard and args.keep:
            kept = args.keep / "program_dashboard.html"
            shutil.copyfile(dashboard["path"], kept)
    finally:
        tmp.cleanup()

    html_bytes = dashboard.get("size_bytes")
    html_pass = html_bytes is not None and html_bytes <= args.max_html_mb * 1e6
    # The charts that must have data on this warehouse (every one of them).
    charts_pass = "charts" in dashboard and not dashboard["charts_without_data"]
    failed = [s for s, r in stages.items() if "error" in r]
    settings = next((r["settings"] for r in stages.values() if "settings" in r), {})
    result = {
        "n": args.n,
        "days": args.days,
        "detections_per_day": per_day,
        "seed": args.seed,
        "day": DAY.isoformat(),
        "warehouse": generated,
        "stages": stages,
        "skipped": skipped,
        "failed": failed,
        "max_html_mb": args.max_html_mb,
        "html_bytes": html_bytes,
        "html_pass": html_pass,
        "charts_pass": charts_pass,
        "dashboard_kept": str(kept) if kept else None,
        "settings": settings,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "cpus": len(os.sched_getaffinity(0)),
    }
    print()
    print(format_table(result))
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUT_PATH.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {OUT_PATH}")
    if html_bytes is None:
        print("the dashboard could not be measured", file=sys.stderr)
    elif not html_pass:
        print(
            f"the dashboard is {html_bytes / 1e6:.1f} MB, over the {args.max_html_mb:.0f} MB bound",
            file=sys.stderr,
        )
    if "charts" in dashboard and not charts_pass:
        print(f"charts without data: {dashboard['charts_without_data']}", file=sys.stderr)
    return 0 if html_pass and charts_pass and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
