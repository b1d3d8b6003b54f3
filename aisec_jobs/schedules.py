"""Schedules: nightly rescoring at 02:00 in the organisation's timezone (aisec.yaml)."""

import dagster as dg

from aisec_jobs.jobs import rescoring_job
from aisec_resources.config import AisecConfig
from aisec_resources.settings import AS_OF_TAG


def build_nightly_rescoring(config: AisecConfig) -> dg.ScheduleDefinition:
    @dg.schedule(
        job=rescoring_job,
        cron_schedule=config.schedules.rescoring_cron,
        execution_timezone=config.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Rescore every asset for the tick's day (risk, gaps, KPIs, maturity).",
    )
    def nightly_rescoring(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = context.scheduled_execution_time.date().isoformat()
        return dg.RunRequest(run_key=f"rescoring-{day}", tags={AS_OF_TAG: day})

    return nightly_rescoring
