"""The flag run: what the critical-detection sensor starts when a detections materialization
holds critical hits. It reads those detections from the published warehouse, logs each one
and records counts and a table as run metadata; the run itself (tag `aisec/flag`) is the flag
that later issues turn into incidents."""

from datetime import date

import dagster as dg

from aisec_assets.monitoring.critical import critical_detections, flag_lines, flag_markdown
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.warehouse import WarehouseResource

FLAG_TAG = "aisec/flag"


class CriticalDetectionsConfig(dg.Config):
    days: list[str]  # ISO dates: the materialized partitions with critical detections
    detections_run_id: str = ""  # the run that wrote them (for the log)


@dg.op(
    description="Log the critical detections of the given days and record them as metadata.",
)
def flag_critical_detections(
    context: dg.OpExecutionContext, config: CriticalDetectionsConfig, warehouse: WarehouseResource
) -> dg.Output[int]:
    try:
        days = sorted(date.fromisoformat(d) for d in config.days)
    except ValueError as exc:
        raise dg.Failure(
            f"critical detection flag: bad day in config.days {config.days}: {exc}"
        ) from None
    with warehouse.read() as conn:
        rows = critical_detections(conn, days)
    source = f" (written by run {config.detections_run_id})" if config.detections_run_id else ""
    log_for(context).warning(
        f"{len(rows)} critical detection(s) on {', '.join(d.isoformat() for d in days)}{source}"
    )
    for line in flag_lines(rows):
        log_for(context).warning(line)
    return dg.Output(
        len(rows),
        metadata=safe_metadata(
            {
                "critical_detections": len(rows),
                "days": [d.isoformat() for d in days],
                "rules": sorted({r["rule_id"] for r in rows}),
                "detections": dg.MetadataValue.md(flag_markdown(rows)),
            }
        ),
    )


@dg.job(
    description="Flag critical detections (started by critical_detection_sensor): logs every "
    "critical hit of the materialized days with its rule, source, asset and masked evidence.",
    tags={FLAG_TAG: "critical_detections"},
)
def critical_detection_job() -> None:
    flag_critical_detections()
