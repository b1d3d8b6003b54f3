"""Critical detections start a flag run (critical_detection_job)."""

import dagster as dg

from aisec_jobs.flags import CriticalDetectionsConfig, critical_detection_job
from aisec_resources.redaction.dagster_io import log_for


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
        log_for(context).warning(f"CRITICAL detections by day: {critical}")
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
