"""New or grown LLM log files start that day's monitoring run."""

import hashlib
import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from aisec_assets.monitoring.ingest import configured_log_sources
from aisec_jobs.jobs import monitoring_job
from aisec_resources.config import AisecConfig
from aisec_resources.confine import outside_root, real_root
from aisec_resources.redaction.dagster_io import log_for

_PATH_DAY = re.compile(r"(?<!\d)(\d{4})/(\d{2})/(\d{2})(?:/|$)")  # Bedrock .../YYYY/MM/DD/HH/
_NAME_DAY = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")  # export-2026-11-27.jsonl


def day_of_log_file(path: Path) -> date:
    """The UTC day a log file holds: from a YYYY/MM/DD directory (as AWS writes Bedrock logs),
    else a YYYY-MM-DD in the file name (name exports that way), else its modification day."""
    for pattern, text in ((_PATH_DAY, path.as_posix()), (_NAME_DAY, path.name)):
        found = pattern.findall(text)
        if found:
            year, month, day = found[-1]
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                continue
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()


def watched_roots(config: AisecConfig) -> list[Path]:
    """The local files and directories of every configured log source (each source's spec says
    which: S3 buckets and databases are not watched)."""
    return [root for src in configured_log_sources(config) for root in src.local_files()]


def list_log_files(roots: Iterable[Path]) -> dict[str, tuple[int, int, str]]:
    """Log files under `roots` (files, or directories walked): path -> (size, mtime_ns, day).

    Like the readers, the sensor never leaves a root: a file that resolves outside it (a
    symlink to elsewhere) is not even stat'ed — the reader records it as a rejection — and
    directory links are not followed (os.walk's default)."""
    files: dict[str, tuple[int, int, str]] = {}
    for root in roots:
        candidates = [Path(root)] if Path(root).is_file() else []
        top = real_root(root)
        for dirpath, dirnames, filenames in os.walk(root, onerror=lambda _e: None):
            dirnames.sort()
            candidates += [Path(dirpath) / f for f in sorted(filenames)]
        for path in candidates:
            if outside_root(path, top) is not None:
                continue
            try:
                st = path.stat()
                files[str(path)] = (st.st_size, st.st_mtime_ns, day_of_log_file(path).isoformat())
            except OSError:
                continue
    return files


def build_new_logs_sensor(
    config: AisecConfig, partitions: dg.DailyPartitionsDefinition
) -> dg.SensorDefinition:
    roots = watched_roots(config)

    @dg.sensor(
        job=monitoring_job,
        minimum_interval_seconds=config.schedules.log_sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Watches the configured local LLM log directories; new or grown log files "
        "materialize llm_events and detections for the days they hold (the first tick records "
        "a baseline). Watched: "
        + (", ".join(str(r) for r in roots) or "nothing (no local log source configured)"),
    )
    def new_llm_logs_sensor(context: dg.SensorEvaluationContext):
        current = list_log_files(roots)
        if context.cursor is None:
            # Like the model-directory sensor: the first tick records what is there. History is
            # processed on purpose (`aisec run`, or a backfill of monitoring_job in the UI), not
            # as a burst of runs the moment the daemon starts.
            context.update_cursor(json.dumps({p: list(v) for p, v in current.items()}))
            return dg.SkipReason(f"baseline recorded: {len(current)} log files")
        known: dict[str, list] = json.loads(context.cursor)
        changed_days = sorted(
            {
                day
                for path, (size, mtime, day) in current.items()
                if known.get(path) != [size, mtime, day]
            }
        )
        context.update_cursor(json.dumps({p: list(v) for p, v in current.items()}))
        valid = set(partitions.get_partition_keys())
        requests = [
            dg.RunRequest(
                run_key=f"logs-{day}-{hashlib.sha256(context.cursor.encode()).hexdigest()[:12]}",
                partition_key=day,
                tags={"aisec/trigger": "new_llm_logs"},
            )
            for day in changed_days
            if day in valid
        ]
        skipped = [d for d in changed_days if d not in valid]
        if skipped:
            log_for(context).warning(f"log files for days outside the partitions: {skipped}")
        if not requests:
            return dg.SkipReason(f"no new log files ({len(current)} known)")
        return requests

    return new_llm_logs_sensor
