"""Red-team assets (SPEC §3.6): the reports aisec.yaml `red_team.reports` names, read each day
into findings tracked to remediation, and the engagements they belong to. Without
`red_team.reports` the tables are written empty for the day and the run says so."""

import dagster as dg

from aisec_assets.metadata import column_schema, table_metadata
from aisec_assets.operations.redteam.collect import collect_reports
from aisec_assets.operations.redteam.store import write_engagements, write_findings
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

GROUP = "operations"
OWNERS = ["team:ai-security"]
NOT_CONFIGURED = (
    "red teaming is not configured (aisec.yaml red_team.reports): {table} is written empty "
    "for the day"
)

FINDINGS_PREVIEW = """
SELECT f.status, coalesce(a.name, f.asset_ref) AS asset, f.tool, f.probe, f.detector,
       f.failures || '/' || f.attempts AS failed, f.category_hint,
       CAST(f.first_failed_on AS VARCHAR) AS first_failed_on,
       coalesce(CAST(f.remediated_on AS VARCHAR), '') AS remediated_on
FROM operations.red_team_findings f LEFT JOIN inventory.ai_assets a USING (asset_id)
WHERE f.assessed_date = ?
ORDER BY f.status, asset, f.probe, f.detector
LIMIT 20
"""
ENGAGEMENTS_PREVIEW = """
SELECT e.engagement_id, coalesce(a.name, e.asset_ref) AS asset, e.tool, e.reports,
       CAST(CAST(e.first_started_at AS DATE) AS VARCHAR) AS first_report,
       CAST(CAST(e.started_at AS DATE) AS VARCHAR) AS latest_report,
       e.probes, e.failing_probes, e.open_findings, e.remediated_findings
FROM operations.red_team_engagements e LEFT JOIN inventory.ai_assets a USING (asset_id)
WHERE e.assessed_date = ?
ORDER BY e.engagement_id, asset
LIMIT 20
"""


def _schema(table: str) -> dict[str, dg.TableSchema]:
    return {"dagster/column_schema": column_schema(table)}


@dg.asset(
    group_name=GROUP,
    metadata=_schema("operations.red_team_findings"),
    deps=["ai_assets"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Red-team findings from the tools' own reports (aisec.yaml red_team.reports: "
    "garak report JSONL, promptfoo results JSON): every probe x detector that failed on an "
    "asset, open until a later report of the same tool and asset passes the probe "
    "(remediated_on), with the incident category it suggests and one redacted excerpt. Also "
    "writes what each report said (red_team_reports, red_team_results) and the records that "
    "could not be read (red_team_reports_rejected, file:line and reason). Kept per day.",
)
def red_team_findings(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    log = log_for(context)
    day = settings.assessed_date()
    entries = settings.config().red_team.reports
    if not entries:
        log.info(NOT_CONFIGURED.format(table="operations.red_team_findings"))
    collected = collect_reports(entries)
    with warehouse.connect() as conn:
        counts = write_findings(conn, collected, day)
        unresolved = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT asset_ref FROM operations.red_team_reports "
                "WHERE assessed_date = ? AND asset_id IS NULL ORDER BY ALL",
                [day],
            ).fetchall()
        ]
        rejected = conn.execute(
            "SELECT file, line, reason FROM operations.red_team_reports_rejected "
            "WHERE assessed_date = ? ORDER BY file, line NULLS FIRST LIMIT 20",
            [day],
        ).fetchall()
        meta = table_metadata(conn, "operations.red_team_findings", FINDINGS_PREVIEW, [day])
    for file, line, reason in rejected:
        log.warning(f"red team: {file}:{line or '-'}: {reason}")
    if unresolved:
        log.warning(
            f"red team: target assets not in the inventory (findings kept with asset_id NULL): "
            f"{unresolved}"
        )
    log.info(f"red team: on {day}: {counts.as_dict()}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "assessed_date": day.isoformat(),
                "configured": bool(entries),
                "reports": counts.reports,
                "reports_counted": counts.counted_reports,
                "open_findings": counts.open,
                "remediated_findings": counts.remediated,
                "records_rejected": counts.rejected,
                "unresolved_assets": dg.MetadataValue.json(unresolved),
            }
        )
    )


@dg.asset(
    group_name=GROUP,
    metadata=_schema("operations.red_team_engagements"),
    deps=[red_team_findings],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Red-team engagements per day (aisec.yaml red_team.reports[].engagement): per "
    "engagement, tool and tested asset, how many reports count, the latest one, the probes "
    "tested and failing, and the open and remediated findings its reports set. Kept per day.",
)
def red_team_engagements(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        engagements = write_engagements(conn, day)
        meta = table_metadata(conn, "operations.red_team_engagements", ENGAGEMENTS_PREVIEW, [day])
    log_for(context).info(f"red team: {engagements} engagements on {day}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {**meta, "assessed_date": day.isoformat(), "engagements": engagements}
        )
    )


RED_TEAM_ASSETS = (red_team_findings, red_team_engagements)
