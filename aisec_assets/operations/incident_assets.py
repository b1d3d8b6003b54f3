"""The incidents asset and its timeline check (SPEC §3.6)."""

import time
from datetime import datetime

import dagster as dg

from aisec_assets.metadata import column_schema, table_metadata
from aisec_assets.operations.incident_notifications import notify_incidents
from aisec_assets.operations.incidents import broken_timelines, open_incidents
from aisec_assets.operations.playbook_library import load_playbooks
from aisec_resources.notifier import Notifier, NotifierResource
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

OWNERS = ["team:ai-security"]

INCIDENTS_PREVIEW = """
SELECT i.incident_id, i.severity, i.state, i.category, coalesce(a.name, i.asset_ref) AS asset,
       i.actor, i.evidence_count AS evidence, i.first_evidence_at, i.art73_due_at,
       i.gdpr33_due_at
FROM operations.incidents i LEFT JOIN inventory.ai_assets a USING (asset_id)
WHERE i.state <> 'closed'
ORDER BY i.severity, i.first_evidence_at
LIMIT 15
"""


@dg.asset(
    group_name="operations",
    metadata={"dagster/column_schema": column_schema("operations.incidents")},
    deps=["playbooks", "compliance_gaps", "risk_scores", "asset_dependencies", "red_team_findings"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Incidents opened from detections (grouped by playbook category, asset, actor "
    "and a quiet gap, so a burst from one key is one incident; the detections of the last "
    "days not yet attached, up to the run's day) and from findings a playbook answers on "
    "production assets (an unsafe model file) and from open red-team findings there; severity "
    "from the playbook and the asset's risk level, blast radius, the playbook's steps as tasks "
    "with due times, EU AI Act Art. 73 and GDPR Art. 33 deadlines, and an append-only "
    "hash-chained timeline. Then the playbook's notification requirements that apply to each "
    "incident not yet closed are sent through the notifier, every attempt recorded in the "
    "timeline; a failed delivery is recorded, escalated and retried on the next run.",
)
def incidents(
    context: dg.AssetExecutionContext,
    settings: AisecSettings,
    warehouse: WarehouseResource,
    notifier: NotifierResource,
) -> dg.MaterializeResult:
    log = log_for(context)
    day = settings.assessed_date()
    now = settings.now()
    config = settings.config()
    options = config.operations
    library = load_playbooks()
    with warehouse.connect() as conn:
        result = open_incidents(
            conn,
            day,
            now=now,
            run_id=context.run_id,
            gap_minutes=options.incident_gap_minutes,
            min_severity=options.incident_min_severity,
            timezone=config.timezone,
            lookback_days=options.incident_lookback_days,
        )
        sent = notify_incidents(conn, library, _notifier(notifier, now), now=now)
        open_by_severity = dict(
            conn.execute(
                "SELECT severity, count(*) FROM operations.incidents WHERE state <> 'closed' "
                "GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        )
        meta = table_metadata(conn, "operations.incidents", INCIDENTS_PREVIEW)
    log.info(
        f"operations: {result.opened} incident(s) opened, {result.grown} grew, "
        f"{result.evidence} detection(s)/finding(s) attached as of {day}; open by severity "
        f"{open_by_severity}"
    )
    log.info(
        f"operations: notifications: {sent.delivered} delivered ({sent.attempts} attempt(s)), "
        f"{sent.failed} failed ({sent.not_configured} not configured, {sent.no_route} without "
        f"route), {sent.already_delivered} delivered before, {sent.not_applicable} not applicable"
    )
    if sent.failed:
        shown = "; ".join(sent.failures[:20])
        more = f" (and {len(sent.failures) - 20} more)" if len(sent.failures) > 20 else ""
        log.warning(
            f"operations: {sent.failed} incident notification(s) NOT delivered, "
            f"{sent.escalated} incident(s) escalated in their timeline; retried on the next "
            f"run: {shown}{more}"
        )
    if sent.broken:
        log.error(
            f"operations: no notifications for {len(sent.broken)} incident(s) whose timeline "
            f"does not verify: {', '.join(sent.broken[:20])}"
        )
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "assessed_date": day.isoformat(),
                "opened": result.opened,
                "grown": result.grown,
                "evidence_attached": result.evidence,
                "open_by_severity": open_by_severity,
                **sent.as_metadata(),
            }
        )
    )


def _notifier(resource: NotifierResource, now: datetime) -> Notifier | None:
    """The notifier on the run's clock, or None when no route is configured (notifications
    not set up: every requirement is then recorded failed and escalated, never skipped)."""
    if not resource.routes:
        return None
    return resource.notifier(now=lambda: now, sleep=time.sleep)


@dg.asset_check(
    asset=incidents,
    blocking=True,
    description="Every incident's timeline verifies: no entry rewritten, removed or inserted "
    "out of order (each entry carries the hash of the previous one).",
)
def incident_timeline_intact(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.read() as conn:
        broken = broken_timelines(conn)
    return dg.AssetCheckResult(
        passed=not broken,
        metadata=safe_metadata({"broken": len(broken), "incidents": broken[:20]}),
    )


INCIDENT_ASSETS = (incidents,)
INCIDENT_CHECKS = (incident_timeline_intact,)
