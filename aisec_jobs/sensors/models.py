"""New model directories (Hugging Face model dirs and cached repos) start discovery."""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from aisec_jobs.jobs import discovery_job
from aisec_resources.config import AisecConfig, HuggingFaceSource

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
