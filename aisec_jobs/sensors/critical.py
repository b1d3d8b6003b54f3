"""Critical detections open incidents: a materialization of `detections` with critical hits
starts `incident_job` for the right day.

The day (run tag `aisec/as_of`) is the detections run's own day when it had one (`aisec run`,
the Launchpad: the incidents run then runs on that run's clock, `aisec/now` included), else the
latest day with critical hits (the partition a sensor-started monitoring run processed). Either
way it depends on the materialization only, never on when the sensor ticks, so a rerun writes
the same incidents. One run per materialization event (run_key), however often it is re-read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import dagster as dg

from aisec_jobs.jobs import incident_job
from aisec_resources.clock import AS_OF_TAG, NOW_TAG, ClockError, parse_day
from aisec_resources.config import AisecConfig
from aisec_resources.redaction.dagster_io import log_for

CRITICAL_DAYS_TAG = "aisec/critical_days"
DETECTIONS_RUN_TAG = "aisec/detections_run"
TRIGGER_TAG = "aisec/trigger"


def critical_days(metadata: Mapping[str, dg.MetadataValue]) -> list[str]:
    """The days (ISO) with critical hits in a detections materialization's metadata."""
    by_day = metadata.get("by_day_and_severity")
    counts = by_day.value if by_day is not None else {}
    if not isinstance(counts, Mapping):
        return []
    return sorted(
        day
        for day, severities in counts.items()
        if isinstance(severities, Mapping) and severities.get("critical", 0)
    )


def incident_run_tags(days: list[str], detections_run_tags: Mapping[str, str]) -> dict[str, str]:
    """The incidents run's clock tags: the detections run's day (and instant) when it had one
    at or after the latest critical day, else the latest critical day."""
    latest = max(date.fromisoformat(d) for d in days)
    raw = detections_run_tags.get(AS_OF_TAG)
    try:
        tagged = parse_day(raw) if raw else None
    except ClockError:
        tagged = None
    if tagged is not None and tagged >= latest:
        tags = {AS_OF_TAG: tagged.isoformat()}
        if detections_run_tags.get(NOW_TAG):
            tags[NOW_TAG] = detections_run_tags[NOW_TAG]
        return tags
    return {AS_OF_TAG: latest.isoformat()}


def build_critical_detection_sensor(config: AisecConfig) -> dg.SensorDefinition:
    lookback = config.operations.incident_lookback_days

    @dg.asset_sensor(
        asset_key=dg.AssetKey("detections"),
        job=incident_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="A materialization of detections with critical hits starts incident_job "
        "for its day (the detections run's aisec/as_of, else the latest day with critical "
        "hits): incidents are opened from the new detections.",
    )
    def critical_detection_sensor(context: dg.SensorEvaluationContext, asset_event):
        materialization = asset_event.dagster_event.event_specific_data.materialization
        days = critical_days(materialization.metadata)
        if not days:
            return dg.SkipReason("no critical detections in the latest materialization")
        run = context.instance.get_run_by_id(asset_event.run_id) if asset_event.run_id else None
        clock_tags = incident_run_tags(days, run.tags if run is not None else {})
        as_of = date.fromisoformat(clock_tags[AS_OF_TAG])
        log = log_for(context)
        log.warning(f"CRITICAL detections on {', '.join(days)}: opening incidents as of {as_of}")
        stale = [d for d in days if date.fromisoformat(d) < as_of - timedelta(days=lookback)]
        if stale:
            log.warning(
                f"critical detections on {', '.join(stale)} are older than the incident "
                f"lookback ({lookback} days before {as_of}, operations.incident_lookback_days): "
                "incident_job does not open incidents from them"
            )
        return dg.RunRequest(
            # one incidents run per materialization event, however often the sensor re-reads it
            run_key=f"incidents-{asset_event.run_id}-{asset_event.timestamp}",
            tags={
                **clock_tags,
                TRIGGER_TAG: "critical_detections",
                CRITICAL_DAYS_TAG: ",".join(days),
                DETECTIONS_RUN_TAG: asset_event.run_id,
            },
        )

    return critical_detection_sensor
