"""Compliance assets: the daily compliance gap report."""

from collections import Counter
from importlib.metadata import version

import dagster as dg

from aisec_assets.compliance.findings_export import Finding, write_findings
from aisec_assets.metadata import column_schema, table_metadata
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource, query_sql, run_sql

OWNERS = ["team:ai-security"]
VERSION = version("aisec")

GAPS_PREVIEW = """
SELECT coalesce(a.name, '(program)') AS name, g.gap_type, g.severity, left(g.detail, 100) AS detail
FROM compliance.compliance_gaps g LEFT JOIN inventory.ai_assets a USING (asset_id)
WHERE g.assessed_date = ?
ORDER BY CASE g.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, a.name NULLS FIRST
LIMIT 15
"""


@dg.asset(
    group_name="compliance",
    metadata={"dagster/column_schema": column_schema("compliance.compliance_gaps")},
    deps=[
        "ai_assets",
        "control_coverage",
        "risk_appetite_breaches",
        "risk_acceptances",
        "policies",
    ],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Compliance gaps per asset per day: no_security_review, stale_review, "
    "missing_sbom, unclassified_data, no_owner, public_exposure_high_sensitivity (the design "
    "brief's six), unsafe_model_file and invalid_declaration (a source gave invalid values; "
    "an invalid field never hides a gap: it counts as its worst case), missing_required_control, "
    "appetite_breach, expired_acceptance, overdue_policy_review, overdue_art73_report and "
    "overdue_gdpr33_notification (an incident's report past due and not recorded as filed; "
    "read from operations.incidents as earlier runs left them). A gap an active risk "
    "acceptance names is not open until the acceptance expires.",
)
def compliance_gaps(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        run_sql(
            conn,
            "compliance/compliance_gaps",
            {
                "assessed_date": day,
                "stale_review_days": settings.config().risk.stale_review_days,
                "run_id": context.run_id,
                "now": settings.now(),
            },
        )
        by_type = dict(
            conn.execute(
                "SELECT gap_type, count(*) FROM compliance.compliance_gaps "
                "WHERE assessed_date = ? GROUP BY ALL ORDER BY ALL",
                [day],
            ).fetchall()
        )
        meta = table_metadata(conn, "compliance.compliance_gaps", GAPS_PREVIEW, [day])
    log_for(context).info(f"compliance: gaps for {day}: {by_type}")
    return dg.MaterializeResult(
        metadata=safe_metadata({**meta, "assessed_date": day.isoformat(), "by_gap_type": by_type})
    )


FRAMEWORK_PREVIEW = """
SELECT framework, status, count(*) AS requirements
FROM compliance.framework_compliance WHERE assessed_date = ?
GROUP BY ALL ORDER BY framework, status
"""


@dg.asset(
    group_name="compliance",
    metadata={"dagster/column_schema": column_schema("compliance.framework_compliance")},
    deps=["control_coverage", "control_catalog"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Per day, every requirement of OWASP LLM Top 10 2025, MITRE ATLAS, NIST AI RMF, "
    "ISO/IEC 42001 Annex A and the EU AI Act (high-risk systems only): met / partly / not met / "
    "manual / not applicable, with the assets in scope, how many meet it, the controls behind "
    "it and the assets that fail it.",
)
def framework_compliance(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        run_sql(
            conn,
            "compliance/framework_compliance",
            {"assessed_date": day, "run_id": context.run_id},
        )
        rows = conn.execute(
            "SELECT framework, status, count(*) FROM compliance.framework_compliance "
            "WHERE assessed_date = ? GROUP BY ALL ORDER BY ALL",
            [day],
        ).fetchall()
        meta = table_metadata(conn, "compliance.framework_compliance", FRAMEWORK_PREVIEW, [day])
    by_framework: dict[str, dict[str, int]] = {}
    for framework, status, count in rows:
        by_framework.setdefault(framework, {})[status] = int(count)
    log_for(context).info(f"compliance: framework requirements for {day}: {by_framework}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {**meta, "assessed_date": day.isoformat(), "by_framework": by_framework}
        )
    )


@dg.asset(
    group_name="compliance",
    # The files hold the rows of compliance.compliance_gaps, with their assets and controls.
    metadata={"dagster/column_schema": column_schema("compliance.compliance_gaps")},
    deps=["compliance_gaps", "framework_compliance"],
    kinds={"json"},
    owners=OWNERS,
    description="The day's open gaps (missing required controls, appetite breaches, expired "
    "acceptances, overdue policy reviews and the asset gaps) as OCSF Detection Findings (the "
    "format Prowler and AWS Security Lake read; framework mappings under unmapped.compliance) "
    "and SARIF 2.1.0, one pair of files per run under <warehouse dir>/findings/<day>/.",
)
def compliance_findings(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        rows = query_sql(conn, "compliance/findings", {"assessed_date": day})
    findings = [Finding(**row) for row in rows]
    out_dir = settings.config().warehouse.path.parent
    ocsf_path, sarif_path = write_findings(
        findings, out_dir, assessed_on=day, run_id=context.run_id, product_version=VERSION
    )
    by_type = dict(Counter(f.gap_type for f in findings).most_common())
    log_for(context).info(
        f"compliance: {len(findings)} findings for {day} written to {ocsf_path} and {sarif_path}"
    )
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                "assessed_date": day.isoformat(),
                "findings": len(findings),
                "by_gap_type": by_type,
                "ocsf_path": dg.MetadataValue.path(str(ocsf_path)),
                "sarif_path": dg.MetadataValue.path(str(sarif_path)),
            }
        )
    )
