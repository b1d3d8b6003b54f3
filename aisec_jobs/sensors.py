"""Sensors: new model directories start discovery, new LLM log files start that day's
monitoring run, critical detections start a flag run."""

import hashlib
import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from aisec_jobs.flags import CriticalDetectionsConfig, critical_detection_job
from aisec_jobs.jobs import discovery_job, monitoring_job
from aisec_resources.config import AisecConfig, HuggingFaceSource, LogSources

MAX_NEW_LISTED = 20


def list_model_directories(source: HuggingFaceSource) -> list[str]:
    """Model directories (a config.json inside) and cached repos, as `location/relative path`.

    A cheap walk for the sensor: depth-capped, symlinks not followed, unreadable parts skipped.
    """
    found: set[str] = set()
    for loc in source.model_dirs:
        root = Path(loc.path)
        for dirpath, dirnames, filenames in os.walk(root, onerror=lambda _e: None):
            rel = Path(dirpath).relative_to(root)
            if len(rel.parts) >= source.max_depth:
                dirnames.clear()
            dirnames[:] = sorted(d for d in dirnames if d not in ("blobs", ".git"))
            if "config.json" in filenames:
                found.add(f"{loc.name}/{rel.as_posix()}")
    for loc in source.cache_dirs:
        try:
            entries = sorted(os.listdir(loc.path))
        except OSError:
            continue
        found.update(f"{loc.name}/{e}" for e in entries if e.startswith(("models--", "datasets--")))
    return sorted(found)


def build_new_model_sensor(config: AisecConfig) -> dg.SensorDefinition:
    @dg.sensor(
        job=discovery_job,
        minimum_interval_seconds=config.schedules.model_dir_sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Watches the configured Hugging Face model directories and caches; a new "
        "model directory starts discovery (and everything downstream of it).",
    )
    def new_model_directory_sensor(context: dg.SensorEvaluationContext):
        source = config.sources.huggingface
        if source is None:
            return dg.SkipReason("no Hugging Face locations configured (sources.huggingface)")
        current = list_model_directories(source)
        if context.cursor is None:
            context.update_cursor(json.dumps(current))
            return dg.SkipReason(f"baseline recorded: {len(current)} model directories")
        known = set(json.loads(context.cursor))
        new = [d for d in current if d not in known]
        context.update_cursor(json.dumps(current))
        if not new:
            return dg.SkipReason(f"no new model directories ({len(current)} known)")
        digest = hashlib.sha256("\n".join(new).encode()).hexdigest()[:16]
        context.log.info(f"new model directories: {new[:MAX_NEW_LISTED]}")
        return dg.RunRequest(
            run_key=f"new-models-{digest}",
            tags={"aisec/new_model_dirs": ", ".join(new[:MAX_NEW_LISTED])[:1000]},
        )

    return new_model_directory_sensor


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


def list_log_files(logs: LogSources) -> dict[str, tuple[int, int, str]]:
    """Local log files of every configured source: path -> (size, mtime_ns, day)."""
    roots = [
        src.path
        for src in (logs.bedrock, logs.litellm, logs.otel, logs.azure_apim)
        if src is not None and getattr(src, "path", None) is not None
    ]
    files: dict[str, tuple[int, int, str]] = {}
    for root in roots:
        candidates = [Path(root)] if Path(root).is_file() else []
        for dirpath, dirnames, filenames in os.walk(root, onerror=lambda _e: None):
            dirnames.sort()
            candidates += [Path(dirpath) / f for f in sorted(filenames)]
        for path in candidates:
            try:
                st = path.stat()
                files[str(path)] = (st.st_size, st.st_mtime_ns, day_of_log_file(path).isoformat())
            except OSError:
                continue
    return files


def build_new_logs_sensor(
    config: AisecConfig, partitions: dg.DailyPartitionsDefinition
) -> dg.SensorDefinition:
    @dg.sensor(
        job=monitoring_job,
        minimum_interval_seconds=config.schedules.log_sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Watches the configured local LLM log directories; new or grown log files "
        "materialize llm_events and detections for the days they hold (the first tick records "
        "a baseline).",
    )
    def new_llm_logs_sensor(context: dg.SensorEvaluationContext):
        current = list_log_files(config.monitoring.logs)
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
            context.log.warning(f"log files for days outside the partitions: {skipped}")
        if not requests:
            return dg.SkipReason(f"no new log files ({len(current)} known)")
        return requests

    return new_llm_logs_sensor


def build_critical_detection_sensor() -> dg.SensorDefinition:
    @dg.asset_sensor(
        asset_key=dg.AssetKey("detections"),
        job=critical_detection_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="A materialization of detections with critical hits starts a flag run "
        "(critical_detection_job): it logs each critical detection with rule, source, asset and "
        "masked evidence; incident handling builds on it.",
    )
    def critical_detection_sensor(context: dg.SensorEvaluationContext, asset_event):
        materialization = asset_event.dagster_event.event_specific_data.materialization
        by_day = materialization.metadata.get("by_day_and_severity")
        counts = by_day.value if by_day is not None else {}
        critical = {
            day: sev.get("critical", 0) for day, sev in counts.items() if sev.get("critical", 0)
        }
        if not critical:
            return dg.SkipReason("no critical detections in the latest materialization")
        context.log.warning(f"CRITICAL detections by day: {critical}")
        days = sorted(critical)
        return dg.RunRequest(
            # one flag run per materialization event, however often the sensor re-reads it
            run_key=f"critical-{asset_event.run_id}-{asset_event.timestamp}",
            run_config=dg.RunConfig(
                ops={
                    "flag_critical_detections": CriticalDetectionsConfig(
                        days=days, detections_run_id=asset_event.run_id
                    )
                }
            ),
            tags={"aisec/critical_days": ",".join(days)},
        )

    return critical_detection_sensor
