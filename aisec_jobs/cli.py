"""`aisec`: run the main job on the configured estate and print the program summary.

aisec run [--config aisec.yaml] [--as-of YYYY-MM-DD] [--in-process]
aisec summary [--config aisec.yaml] [--as-of YYYY-MM-DD]
aisec demo [--force]           (re)generate the bundled demo estate
aisec validate [--config ...]  validate a configuration file and exit
aisec doctor [--dry-run]       find and reclaim runs that died holding the warehouse
aisec gate (--asset ID|NAME | --entry FILE) [--as-of YYYY-MM-DD]   pre-deploy gate
aisec incident list|show|advance|note …   incidents (see aisec_jobs/incident_commands.py)
aisec query ["SQL"] [--csv]   read-only SQL on the warehouse (see aisec_jobs/query_command.py)
aisec collect aws|azure|hf [--out DIR] [--key ID]   live estate -> offline bundle
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from aisec_assets.monitoring.ingest import configured_log_sources, log_source_problems
from aisec_jobs import collect_command, incident_commands, query_command
from aisec_jobs.definitions import (
    incident_job_def,
    main_job_def,
    metrics_job_def,
    monitoring_job_def,
)
from aisec_jobs.demo_estate import generate_demo_estate
from aisec_jobs.demo_estate.walkthrough import walk_through_incident
from aisec_jobs.execution import CODE_LOCATION_MODULE, step_execution
from aisec_jobs.gate import GateError, gate, gate_entry
from aisec_jobs.loader import discovery_preflight, load_program_config
from aisec_jobs.recovery import find_reclaimable, process_tags, reclaim
from aisec_jobs.sensors.accounts import live_collections
from aisec_jobs.summary import render_summary
from aisec_resources.clock import ClockError, RunClock, parse_day, today_in
from aisec_resources.config import (
    CONFIG_ENV_VAR,
    AisecConfig,
    ConfigError,
    aisec_home,
    demo_config_path,
)
from aisec_resources.packaged import instance_config_text
from aisec_resources.secret_audit import audit_paths


def _ensure_dagster_home() -> Path:
    """DAGSTER_HOME, defaulting to <aisec home>/dagster_home with the local instance config."""
    home = Path(os.environ.get("DAGSTER_HOME") or aisec_home() / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    instance_yaml = home / "dagster.yaml"
    if not instance_yaml.exists():
        instance_yaml.write_text(instance_config_text("local"), encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _day(config: AisecConfig, as_of: str | None) -> date:
    if as_of:
        return parse_day(as_of, "--as-of")
    return today_in(config.timezone)


def _print_summary(config: AisecConfig, day: date) -> None:
    if not config.warehouse.path.exists():
        raise ConfigError(
            f"warehouse {config.warehouse.path} does not exist yet: run `aisec run` first"
        )
    with duckdb.connect(str(config.warehouse.path), read_only=True) as conn:
        print(render_summary(conn, day))
    print(f"\nWarehouse (open read-only any time): {config.warehouse.path}")
    print(f'  aisec query --config {config.config_path} "SELECT ..."   (no SQL: a prompt)')


def _execute(
    job: Any,
    tags: dict[str, str],
    args: argparse.Namespace,
    label: str,
) -> tuple[bool, float]:
    """Run a job (reconstructable: it runs out of process) on the instance in DAGSTER_HOME;
    print its outcome and failed checks."""
    # Step-level DEBUG events stay in the run's event log (and the UI); the console gets INFO.
    run_config: dict = {"loggers": {"console": {"config": {"log_level": args.log_level}}}}
    run_config["execution"] = step_execution(in_process=args.in_process)
    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            job,
            instance=instance,
            run_config=run_config,
            tags={**tags, **process_tags()},
        )
        evaluations = result.get_asset_check_evaluations()
    elapsed = time.monotonic() - started
    outcome = "succeeded" if result.success else "FAILED"
    print(f"aisec: {label}: run {result.run_id} {outcome} in {elapsed:.1f}s")
    for e in evaluations:
        if not e.passed:
            kind = "FAILED" if e.severity == dg.AssetCheckSeverity.ERROR else "warning"
            print(f"aisec: check {kind}: {e.asset_key.to_user_string()}:{e.check_name}")
    return result.success, elapsed


def _monitoring_range(config: AisecConfig, day: date) -> tuple[date, date] | None:
    """The days of LLM traffic to (re)process: monitoring.start_date (at most 31 days back)
    through the assessed day, when any log source is configured."""
    if not configured_log_sources(config):
        return None
    first = max(config.monitoring.start_date or day, day - timedelta(days=31))
    return (first, day) if first <= day else None


def cmd_run(args: argparse.Namespace) -> int:
    config = load_program_config()
    day = _day(config, args.as_of)
    clock = RunClock.for_day(day, config.timezone)
    home = _ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        _reclaim_dead_runs(instance)
    print(f"aisec: {config.organisation}: config {config.config_path}")
    _collect_live(config, clock, args)
    print(f"aisec: running the main job for {day} (Dagster home {home})", flush=True)
    ok, main_seconds = _execute(dg.reconstructable(main_job_def), clock.tags(), args, "main job")
    if not ok:
        return 1
    monitoring_seconds = None
    days = _monitoring_range(config, day)
    if days is not None:
        print(f"aisec: ingesting LLM logs and running detections for {days[0]}..{days[1]}")
        tags = {
            **clock.tags(),
            "dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[1].isoformat(),
        }
        ok, monitoring_seconds = _execute(
            dg.reconstructable(monitoring_job_def), tags, args, "monitoring job"
        )
        if not ok:
            return 1
        print("aisec: opening incidents from the new detections")
        ok, _ = _execute(dg.reconstructable(incident_job_def), clock.tags(), args, "incident job")
        if not ok:
            return 1
        if config.config_path == demo_config_path():
            walked = walk_through_incident(config)
            if walked:
                print(
                    f"aisec: demo: incident {walked} walked from open to closed with "
                    f"containment as a dry run: aisec incident show {walked}"
                )
        print("aisec: KPIs, maturity, changes, dashboard and report with the day's incidents")
        ok, _ = _execute(dg.reconstructable(metrics_job_def), clock.tags(), args, "metrics job")
        if not ok:
            return 1
    print()
    _print_summary(config, day)
    print(f"\nMain job wall time: {main_seconds:.1f}s")
    if monitoring_seconds is not None:
        print(f"Monitoring job wall time: {monitoring_seconds:.1f}s")
    return 0


def _collect_live(config: AisecConfig, clock: RunClock, args: argparse.Namespace) -> None:
    """Collect every account / subscription of the live sources, one run per partition, before
    the main job parses what they wrote. A failed partition keeps its last good data (stale) and
    does not stop the others or the main job."""
    for _spec, collection, section in live_collections(config):
        try:
            keys = collection.list_keys(section)
        except Exception as exc:  # the extracts still parse what was collected before
            print(
                f"aisec: {collection.name}: cannot list {collection.partition_kind}s ({exc}); "
                "nothing collected, the last collected data is parsed",
                file=sys.stderr,
            )
            continue
        with dg.DagsterInstance.get() as instance:
            known = set(instance.get_dynamic_partitions(collection.partitions_name))
            instance.add_dynamic_partitions(
                collection.partitions_name, [k for k in keys if k not in known]
            )
        print(f"aisec: collecting {len(keys)} {collection.partition_kind}(s) of {collection.name}")
        job = dg.build_reconstructable_job(
            CODE_LOCATION_MODULE, "collection_job_def", reconstructable_args=(collection.name,)
        )
        failed = []
        for key in keys:
            tags = {**clock.tags(), "dagster/partition": key}
            ok, _ = _execute(
                job, tags, args, f"{collection.name} {collection.partition_kind} {key}"
            )
            if not ok:
                failed.append(key)
        if failed:
            print(
                f"aisec: {collection.name}: {len(failed)} {collection.partition_kind}(s) not "
                f"collected, their last good data kept (stale): {', '.join(failed)}"
            )


def _reclaim_dead_runs(instance: dg.DagsterInstance, dry_run: bool = False) -> int:
    """Report (and unless `dry_run`, reclaim) runs that died holding the warehouse's pool
    slots; returns how many there were."""
    found = find_reclaimable(instance)
    for target in found:
        verb = "would reclaim" if dry_run else "reclaimed"
        print(
            f"aisec: {verb} run {target.run_id} ({target.job_name}, {target.status}): "
            f"{target.reason}; it held the warehouse's pool slot",
            flush=True,
        )
        if not dry_run:
            reclaim(instance, target)
    return len(found)


def cmd_doctor(args: argparse.Namespace) -> int:
    """Find runs that died holding the warehouse (their process gone) and reclaim them."""
    home = _ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        count = _reclaim_dead_runs(instance, dry_run=args.dry_run)
    if count == 0:
        print(f"aisec: no dead run holds the warehouse (Dagster home {home})")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    config = load_program_config()
    _print_summary(config, _day(config, args.as_of))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    root = demo_config_path().parent
    if root.exists() and args.force:
        shutil.rmtree(root)
    if (root / "aisec.yaml").exists():
        print(f"demo estate already at {root} (use --force to regenerate)")
        return 0
    as_of = parse_day(args.as_of, "--as-of") if args.as_of else today_in("UTC")
    path = generate_demo_estate(root, as_of)
    print(f"demo estate written: {path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """The file (exit 2 when invalid), then what a run would meet in the sources it names: a
    directory or file that does not exist, registry entries with invalid values, an unset
    credential variable (exit 1, every problem listed)."""
    config = load_program_config()
    problems = [*discovery_preflight(config), *log_source_problems(config)]
    if problems:
        print(
            f"aisec: {config.config_path}: the file is valid, but a run would meet "
            f"{len(problems)} problem(s):",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{config.config_path}: valid ({config.organisation}); every source can be read")
    return 0


def cmd_audit_secrets(args: argparse.Namespace) -> int:
    """Scan the warehouse files and the Dagster home (or the given paths) for clear-text
    credentials with the audit's own detectors (independent of the redaction gate)."""
    if args.paths:
        paths = [Path(p) for p in args.paths]
    else:
        config = load_program_config()
        warehouse_dir = config.warehouse.path.parent
        home = Path(os.environ.get("DAGSTER_HOME") or aisec_home() / "dagster_home")
        paths = [p for p in (warehouse_dir, home) if p.exists()]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(
            f"aisec: audit-secrets: no such path: {', '.join(map(str, missing))}", file=sys.stderr
        )
        return 2
    print(f"aisec: audit-secrets: scanning {', '.join(map(str, paths))}", flush=True)
    findings, files = audit_paths(paths)
    for finding in findings:
        print(f"aisec: clear-text credential: {finding}")
    if findings:
        print(f"aisec: audit-secrets: {len(findings)} finding(s) in {files} files")
        return 1
    print(f"aisec: audit-secrets: no clear-text credential in {files} files")
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    """Pass (0) or fail (1) one asset against its required controls and the risk appetite."""
    config = load_program_config()
    day = parse_day(args.as_of, "--as-of") if args.as_of else None
    try:
        if args.entry:
            verdicts, problems = gate_entry(config, Path(args.entry), day)
        else:
            verdicts, problems = [gate(config.warehouse.path, args.asset, day)], []
    except GateError as exc:
        print(f"aisec gate: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"aisec gate: invalid value, scored at its worst case: {problem}", file=sys.stderr)
    for verdict in verdicts:
        print(verdict.report)
    return max(v.exit_code for v in verdicts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aisec", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn, helptext in (
        ("run", cmd_run, "run the main job and print the summary"),
        ("summary", cmd_summary, "print the summary of a day from the warehouse"),
        ("demo", cmd_demo, "generate the bundled demo estate"),
        ("validate", cmd_validate, "validate the configuration"),
        ("doctor", cmd_doctor, "find and reclaim runs that died holding the warehouse"),
        ("gate", cmd_gate, "pre-deploy gate: required controls and risk appetite of one asset"),
        (
            "audit-secrets",
            cmd_audit_secrets,
            "scan the warehouse and Dagster home for clear-text credentials",
        ),
    ):
        p = sub.add_parser(name, help=helptext)
        p.set_defaults(func=fn)
        if name == "doctor":
            p.add_argument("--dry-run", action="store_true", help="report only, reclaim nothing")
        if name == "audit-secrets":
            p.add_argument(
                "paths", nargs="*", help="files/directories (default: warehouse + Dagster home)"
            )
        if name not in ("demo", "doctor"):
            p.add_argument("--config", help=f"aisec.yaml (default: ${CONFIG_ENV_VAR} or the demo)")
        if name in ("run", "summary", "demo"):
            p.add_argument("--as-of", help="day to assess, YYYY-MM-DD (default: today)")
        if name == "gate":
            target = p.add_mutually_exclusive_group(required=True)
            target.add_argument("--asset", help="asset id or unique name in the inventory")
            target.add_argument(
                "--entry", help="a declared-registry file (YAML/CSV) of assets about to deploy"
            )
            p.add_argument(
                "--as-of", help="assessed day, YYYY-MM-DD (default: the latest assessment)"
            )
        if name == "run":
            p.add_argument(
                "--in-process", action="store_true", help="run all steps in this process"
            )
            p.add_argument(
                "--log-level",
                default="INFO",
                choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                help="console log level of the run (default INFO)",
            )
        if name == "demo":
            p.add_argument("--force", action="store_true", help="regenerate from scratch")
    incident_commands.add_parser(sub)
    query_command.add_parser(sub)
    collect_command.add_parser(sub)
    args = parser.parse_args(argv)
    if getattr(args, "config", None):
        os.environ[CONFIG_ENV_VAR] = str(Path(args.config).resolve())
    try:
        if args.command == "incident":
            return incident_commands.run(load_program_config(), args)
        if args.command == "query":
            return query_command.run(load_program_config(), args)
        if args.command == "collect":
            return collect_command.run(load_program_config(), args)
        return args.func(args)
    except (ConfigError, ClockError) as exc:
        print(f"aisec: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
