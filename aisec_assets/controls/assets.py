"""Controls assets (SPEC §3.4): the catalog and framework libraries as tables, the day's control
evidence per asset x control, and the coverage of required controls."""

import dagster as dg

from aisec_assets.controls.assessment import (
    assess_control_coverage,
    assess_control_evidence,
    write_library_tables,
)
from aisec_assets.controls.library import load_library
from aisec_assets.metadata import column_schema, table_metadata
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

OWNERS = ["team:ai-security"]

CATALOG_PREVIEW = """
SELECT control_id, title, function, control_type, required_from,
       array_to_string(applies_to, ', ') AS applies_to
FROM controls.catalog_controls ORDER BY control_id LIMIT 60
"""

EVIDENCE_PREVIEW = """
SELECT a.name, e.control_id, c.title, e.status, e.evidence_source, left(e.evidence, 90) AS evidence
FROM controls.control_evidence e
JOIN inventory.ai_assets a USING (asset_id)
JOIN controls.catalog_controls c USING (control_id)
WHERE e.assessed_date = ? AND e.status IN ('missing', 'partly', 'accepted')
ORDER BY a.name, e.control_id
LIMIT 20
"""

COVERAGE_PREVIEW = """
SELECT a.name, v.owner_team, v.inherent_risk_level AS inherent, v.required_controls AS required,
       v.implemented, v.accepted, v.missing, round(v.coverage, 2) AS coverage,
       array_to_string(list_slice(v.missing_controls, 1, 4), ', ') AS first_missing
FROM controls.control_coverage v JOIN inventory.ai_assets a USING (asset_id)
WHERE v.assessed_date = ?
ORDER BY v.missing DESC, a.name
LIMIT 15
"""


@dg.asset(
    group_name="controls",
    metadata={"dagster/column_schema": column_schema("controls.catalog_controls")},
    kinds={"duckdb", "yaml"},
    owners=OWNERS,
    pool=POOL,
    description="The control catalog (preventive, detective, corrective controls with "
    "implementation specifications, applicability, the risk level from which each is "
    "required, evidence facts) and the requirement lists of OWASP LLM Top 10 2025, MITRE "
    "ATLAS, NIST AI RMF, ISO/IEC 42001 Annex A and the EU AI Act, with the control → "
    "requirement mappings as rows (controls.catalog_mappings, controls.framework_requirements).",
)
def control_catalog(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    library = load_library()
    with warehouse.connect() as conn:
        written = write_library_tables(conn, library)
        by_function = dict(
            conn.execute(
                "SELECT function, count(*) FROM controls.catalog_controls GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        )
        requirements = dict(
            conn.execute(
                "SELECT framework, count(*) FROM controls.framework_requirements "
                "GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        )
        meta = table_metadata(conn, "controls.catalog_controls", CATALOG_PREVIEW)
    log_for(context).info(
        f"controls: catalog {library.catalog.version} ({library.digest}): {written} controls "
        f"{by_function}; framework requirements {requirements}"
    )
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "catalog_version": library.catalog.version,
                "library_digest": library.digest,
                "by_function": by_function,
                "framework_requirements": requirements,
            }
        )
    )


@dg.asset(
    group_name="controls",
    metadata={"dagster/column_schema": column_schema("controls.control_evidence")},
    deps=[
        "ai_assets",
        "asset_dependencies",
        "control_catalog",
        "risk_acceptances",
        "control_attestations",
    ],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Per day, per active asset x applicable catalog control: implemented / partly / "
    "missing / accepted / not applicable, with the evidence and its source. Evidence facts come "
    "from discovered posture (guardrail filters, invocation logging, network access, local "
    "auth, keys, model-file formats, agent settings), dependencies (an agent inherits the "
    "guardrail it uses), declared controls and attestations; discovery wins for technical "
    "facts. Risk takes its control effectiveness from the implemented rows.",
)
def control_evidence(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    stale_days = settings.config().risk.stale_review_days
    with warehouse.connect() as conn:
        rows = assess_control_evidence(conn, day, context.run_id, stale_review_days=stale_days)
        by_status = dict(
            conn.execute(
                "SELECT status, count(*) FROM controls.control_evidence "
                "WHERE assessed_date = ? GROUP BY ALL ORDER BY ALL",
                [day],
            ).fetchall()
        )
        meta = table_metadata(conn, "controls.control_evidence", EVIDENCE_PREVIEW, [day])
    log_for(context).info(f"controls: {rows} asset x control rows for {day}: {by_status}")
    return dg.MaterializeResult(
        metadata=safe_metadata({**meta, "assessed_date": day.isoformat(), "by_status": by_status})
    )


@dg.asset(
    group_name="controls",
    metadata={"dagster/column_schema": column_schema("controls.control_coverage")},
    deps=["control_evidence", "risk_scores"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Per day and active asset: the catalog controls it requires (applicable, and "
    "required from its inherent risk level) against those implemented, partly implemented, "
    "accepted and missing; per team in the view controls.coverage_by_team.",
)
def control_coverage(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        assets = assess_control_coverage(conn, day, context.run_id)
        totals = conn.execute(
            "SELECT coalesce(sum(required_controls), 0), coalesce(sum(implemented), 0), "
            "coalesce(sum(missing), 0), coalesce(sum(accepted), 0) "
            "FROM controls.control_coverage WHERE assessed_date = ?",
            [day],
        ).fetchone()
        meta = table_metadata(conn, "controls.control_coverage", COVERAGE_PREVIEW, [day])
    required, implemented, missing, accepted = (int(v) for v in totals or (0, 0, 0, 0))
    coverage = implemented / required if required else 1.0
    log_for(context).info(
        f"controls: coverage {coverage:.1%} for {day} over {assets} assets: {implemented} of "
        f"{required} required controls implemented, {missing} missing, {accepted} accepted"
    )
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "assessed_date": day.isoformat(),
                "required_controls": required,
                "implemented": implemented,
                "missing": missing,
                "accepted": accepted,
                "coverage": round(coverage, 4),
            }
        )
    )


CONTROLS_ASSETS = (control_catalog, control_evidence, control_coverage)
