"""The incidents asset and its timeline check (SPEC §3.6)."""

import dagster as dg

from aisec_assets.metadata import column_schema, table_metadata
from aisec_assets.operations.incidents import broken_timelines, open_incidents
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
    "hash-chained timeline.",
)
def incidents(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    config = settings.config()
    options = config.operations
    with warehouse.connect() as conn:
        result = open_incidents(
            conn,
            day,
            now=settings.now(),
            run_id=context.run_id,
            gap_minutes=options.incident_gap_minutes,
            min_severity=options.incident_min_severity,
            timezone=config.timezone,
            lookback_days=options.incident_lookback_days,
        )
        open_by_severity = dict(
            conn.execute(
                "SELECT severity, count(*) FROM operations.incidents WHERE state <> 'closed' "
                "GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        )
        meta = table_metadata(conn, "operations.incidents", INCIDENTS_PREVIEW)
    log_for(context).info(
        f"operations: {result.opened} incident(s) opened, {result.grown} grew, "
        f"{result.evidence} detection(s)/finding(s) attached as of {day}; open by severity "
        f"{open_by_severity}"
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
            }
        )
    )


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
