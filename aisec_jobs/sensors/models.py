"""New models in a watched discovery source (today: Hugging Face model dirs and cached repos)
start discovery. Which sources are watched, and what they list, comes from the source registry
(`DISCOVERY_SOURCES`, the specs with `watch`)."""

import hashlib
import json

import dagster as dg

from aisec_assets.discovery.sources import DISCOVERY_SOURCES, SourceSpec, sections
from aisec_assets.discovery.sources.huggingface import list_model_directories
from aisec_jobs.jobs import discovery_job
from aisec_resources.config import AisecConfig
from aisec_resources.redaction.dagster_io import log_for

MAX_NEW_LISTED = 20

__all__ = ["build_new_model_sensor", "list_model_directories"]


def watched_sources(config: AisecConfig) -> dict[str, SourceSpec]:
    """The configured sections whose source is watched, by config key."""
    return {
        key: spec
        for key, spec in sections(DISCOVERY_SOURCES).items()
        if spec.watch is not None and spec.is_configured(config)
    }


def _known(cursor: str | None) -> dict[str, list[str]] | None:
    """The cursor: what each watched section listed last time (None: no baseline yet)."""
    if cursor is None:
        return None
    try:
        data = json.loads(cursor)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None  # an older format: take a new baseline


def build_new_model_sensor(config: AisecConfig) -> dg.SensorDefinition:
    watched = watched_sources(config)
    where = ", ".join(spec.config_path for spec in watched.values()) or "none configured"

    @dg.sensor(
        job=discovery_job,
        minimum_interval_seconds=config.schedules.model_dir_sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Watches the discovery sources that list models (Hugging Face model "
        f"directories and caches; here: {where}); a new model starts discovery (and everything "
        "downstream of it). The first tick records a baseline.",
    )
    def new_model_directory_sensor(context: dg.SensorEvaluationContext):
        if not watched:
            return dg.SkipReason("no watched discovery source configured (sources.huggingface)")
        current: dict[str, list[str]] = {}
        for key, spec in watched.items():
            section = spec.section(config)
            assert spec.watch is not None and section is not None
            current[key] = spec.watch(section)
        total = sum(len(items) for items in current.values())
        known = _known(context.cursor)
        context.update_cursor(json.dumps(current, sort_keys=True))
        if known is None:
            return dg.SkipReason(f"baseline recorded: {total} model directories")
        # A section watched for the first time starts from its own baseline.
        seen = {key: set(items) for key, items in known.items() if isinstance(items, list)}
        new = [
            item
            for key, items in current.items()
            if key in seen
            for item in items
            if item not in seen[key]
        ]
        if not new:
            return dg.SkipReason(f"no new model directories ({total} known)")
        digest = hashlib.sha256("\n".join(new).encode()).hexdigest()[:16]
        log_for(context).info(f"new model directories: {new[:MAX_NEW_LISTED]}")
        return dg.RunRequest(
            run_key=f"new-models-{digest}",
            tags={"aisec/new_model_dirs": ", ".join(new[:MAX_NEW_LISTED])[:1000]},
        )

    return new_model_directory_sensor
