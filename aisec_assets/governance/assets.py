"""Governance assets (SPEC §3.3): policies, RACI, risk appetite, acceptances, attestations and
the assets out of appetite. The organisation's files live in `governance.directory` of
aisec.yaml; without it every table is written empty and the run says governance is not
configured. A bad file fails its asset with `file:line: field: message` for every problem."""

from pathlib import Path

import dagster as dg

from aisec_assets.governance import documents as docs
from aisec_assets.governance.appetite import expand_appetite
from aisec_assets.governance.rendering import (
    policy_values,
    render_policies,
    write_policy_files,
)
from aisec_assets.governance.store import (
    assess_acceptances,
    assess_attestations,
    assess_breaches,
    write_appetite,
    write_policies,
    write_raci,
)
from aisec_assets.metadata import column_schema, table_metadata
from aisec_resources.config import AisecConfig
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

GROUP = "governance"
OWNERS = ["team:ai-security"]
NOT_CONFIGURED = (
    "governance is not configured (aisec.yaml governance.directory): {table} is written empty"
)

POLICIES_PREVIEW = """
SELECT policy_id, version, status, owner, approver, approved_on, review_due, review_overdue,
       left(content_hash, 12) AS content_hash
FROM governance.policies ORDER BY policy_id
"""
RACI_PREVIEW = """
SELECT activity,
       string_agg(role, ', ' ORDER BY role) FILTER (WHERE assignment = 'A') AS accountable,
       string_agg(role, ', ' ORDER BY role) FILTER (WHERE assignment = 'R') AS responsible,
       string_agg(role, ', ' ORDER BY role) FILTER (WHERE assignment = 'C') AS consulted,
       string_agg(role, ', ' ORDER BY role) FILTER (WHERE assignment = 'I') AS informed
FROM governance.raci_matrix GROUP BY activity ORDER BY activity
"""
APPETITE_PREVIEW = """
PIVOT (SELECT * EXCLUDE (rule) FROM governance.risk_appetite)
ON data_classification IN ('public', 'internal', 'confidential', 'restricted', 'regulated',
                           'unknown')
USING first(max_residual_risk) GROUP BY environment ORDER BY environment
"""
ACCEPTANCES_PREVIEW = """
SELECT acceptance_id, asset_ref, coalesce(control_id, finding_type) AS accepts, approver,
       expires_on, status, reason
FROM governance.risk_acceptances WHERE assessed_date = ?
ORDER BY acceptance_id
"""
ATTESTATIONS_PREVIEW = """
SELECT t.control_id, t.selector, a.name AS asset, t.attested_by, t.valid_until
FROM governance.control_attestations t LEFT JOIN inventory.ai_assets a USING (asset_id)
WHERE t.assessed_date = ?
ORDER BY t.control_id, t.selector, a.name
LIMIT 20
"""
BREACHES_PREVIEW = """
SELECT a.name, b.environment, b.data_classification, b.residual_risk_score AS residual,
       b.max_residual_risk AS max_allowed, b.rule
FROM governance.risk_appetite_breaches b JOIN inventory.ai_assets a USING (asset_id)
WHERE b.assessed_date = ?
ORDER BY b.residual_risk_score - b.max_residual_risk DESC, a.name
LIMIT 15
"""


def _directory(config: AisecConfig) -> Path | None:
    return config.governance.directory


def _schema(table: str) -> dict[str, dg.TableSchema]:
    return {"dagster/column_schema": column_schema(table)}


@dg.asset(
    group_name=GROUP,
    metadata=_schema("governance.policies"),
    kinds={"duckdb", "markdown"},
    owners=OWNERS,
    pool=POOL,
    description="The five AI policies (acceptable AI use, model procurement, AI data handling, "
    "red-teaming requirements, AI incident classification SEV1-SEV4) rendered from the shipped "
    "templates with the organisation's parameters (governance.policy_parameters) into "
    "<warehouse dir>/policies/<id>.md, with version, owner, approval and review-due date from "
    "policies.yaml; review_overdue flags a review date before the assessed day.",
)
def policies(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    log = log_for(context)
    day = settings.assessed_date()
    config = settings.config()
    directory = _directory(config)
    rendered, paths = [], {}
    if directory is None:
        log.info(NOT_CONFIGURED.format(table="governance.policies"))
    else:
        loaded = docs.load_optional(docs.POLICIES, directory)
        entries = dict(loaded.model.policies) if loaded else {}
        values = policy_values(
            config.organisation,
            config.governance.policy_parameters,
            stale_review_days=config.risk.stale_review_days,
            high_risk_threshold=config.risk.levels.high,
            critical_risk_threshold=config.risk.levels.critical,
        )
        rendered = render_policies(config.organisation, values, entries)
        paths = write_policy_files(Path(config.warehouse.path).parent / "policies", rendered)
        undeclared = [p.policy_id for p in rendered if p.entry is None]
        if undeclared:
            log.info(f"governance: not declared in policies.yaml (draft): {undeclared}")
    with warehouse.connect() as conn:
        write_policies(conn, rendered, paths, day)
        overdue = [
            r[0]
            for r in conn.execute(
                "SELECT policy_id FROM governance.policies WHERE review_overdue ORDER BY ALL"
            ).fetchall()
        ]
        meta = table_metadata(conn, "governance.policies", POLICIES_PREVIEW)
    if overdue:
        log.warning(f"governance: policies overdue for review on {day}: {overdue}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "configured": directory is not None,
                "review_overdue": dg.MetadataValue.json(overdue),
                "rendered_to": dg.MetadataValue.json(sorted(str(p) for p in paths.values())),
            }
        )
    )


@dg.asset(
    group_name=GROUP,
    metadata=_schema("governance.raci_matrix"),
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="The RACI matrix of AI security activities x roles from raci.yaml (exactly one "
    "Accountable and at least one Responsible role per activity, every role defined, "
    "validated on load), and the people who hold the roles (governance.people).",
)
def raci_matrix(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    log = log_for(context)
    directory = _directory(settings.config())
    loaded = None
    if directory is None:
        log.info(NOT_CONFIGURED.format(table="governance.raci_matrix"))
    else:
        loaded = docs.load_optional(docs.RACI, directory)
        if loaded is None:
            log.info(f"governance: no {docs.RACI_FILE} in {directory}: no RACI matrix")
    with warehouse.connect() as conn:
        write_raci(conn, loaded.model if loaded else None)
        (people,) = conn.execute("SELECT count(*) FROM governance.people").fetchone() or (0,)
        meta = table_metadata(conn, "governance.raci_matrix", RACI_PREVIEW)
    activities = len(loaded.model.activities) if loaded else 0
    log.info(f"governance: RACI with {activities} activities and {people} people")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {**meta, "configured": loaded is not None, "activities": activities, "people": people}
        )
    )


@dg.asset(
    group_name=GROUP,
    metadata=_schema("governance.risk_appetite"),
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="The risk appetite from risk_appetite.yaml as the full grid of environment x "
    "data classification -> maximum residual risk (the most specific rule wins); unknown "
    "environment or classification takes the strictest limit over that dimension.",
)
def risk_appetite(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    log = log_for(context)
    directory = _directory(settings.config())
    cells = []
    if directory is None:
        log.info(NOT_CONFIGURED.format(table="governance.risk_appetite"))
    else:
        loaded = docs.load_optional(docs.APPETITE, directory)
        if loaded is None:
            log.info(f"governance: no {docs.APPETITE_FILE} in {directory}: no risk appetite")
        else:
            cells = expand_appetite(loaded.model)
    with warehouse.connect() as conn:
        write_appetite(conn, cells)
        meta = table_metadata(conn, "governance.risk_appetite", APPETITE_PREVIEW)
    return dg.MaterializeResult(metadata=safe_metadata({**meta, "configured": bool(cells)}))


@dg.asset(
    group_name=GROUP,
    metadata=_schema("governance.risk_acceptances"),
    deps=["ai_assets", "control_catalog", "raci_matrix"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Risk acceptances (exceptions) from acceptances.yaml assessed on the day: "
    "active, pending, expired (the finding reopens the day after expires_on) or rejected "
    "(unknown or ambiguous asset, approver not in the RACI people, self-approval by the "
    "owning team, control not in the catalog, longer than policy allows). Kept per day.",
)
def risk_acceptances(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    log = log_for(context)
    day = settings.assessed_date()
    config = settings.config()
    directory = _directory(config)
    loaded = None
    if directory is None:
        log.info(NOT_CONFIGURED.format(table="governance.risk_acceptances"))
    else:
        loaded = docs.load_optional(docs.ACCEPTANCES, directory)
    with warehouse.connect() as conn:
        by_status = assess_acceptances(
            conn,
            loaded,
            day,
            context.run_id,
            config.governance.policy_parameters.max_exception_days,
        )
        rejected = conn.execute(
            "SELECT entry, reason FROM governance.rejected_entries "
            "WHERE assessed_date = ? AND kind = 'acceptance' ORDER BY entry",
            [day],
        ).fetchall()
        meta = table_metadata(conn, "governance.risk_acceptances", ACCEPTANCES_PREVIEW, [day])
    for entry, reason in rejected:
        log.warning(f"governance: risk acceptance {entry} rejected: {reason}")
    log.info(f"governance: risk acceptances on {day}: {by_status}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "assessed_date": day.isoformat(),
                "configured": directory is not None,
                "by_status": dg.MetadataValue.json(by_status),
            }
        )
    )


@dg.asset(
    group_name=GROUP,
    metadata=_schema("governance.control_attestations"),
    deps=["ai_assets", "control_catalog", "raci_matrix"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Declared evidence for process controls (red-teaming, secret scanning in CI, "
    "...) from attestations.yaml, resolved to asset ids (a team selector covers every active "
    "asset of the team) and kept when valid on the day; invalid references go to "
    "governance.rejected_entries. Read by the controls pillar as evidence fact 'attested'.",
)
def control_attestations(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    log = log_for(context)
    day = settings.assessed_date()
    directory = _directory(settings.config())
    loaded = None
    if directory is None:
        log.info(NOT_CONFIGURED.format(table="governance.control_attestations"))
    else:
        loaded = docs.load_optional(docs.ATTESTATIONS, directory)
    with warehouse.connect() as conn:
        counts = assess_attestations(conn, loaded, day, context.run_id)
        rejected = conn.execute(
            "SELECT entry, reason FROM governance.rejected_entries "
            "WHERE assessed_date = ? AND kind = 'attestation' ORDER BY entry",
            [day],
        ).fetchall()
        meta = table_metadata(conn, "governance.control_attestations", ATTESTATIONS_PREVIEW, [day])
    for entry, reason in rejected:
        log.warning(f"governance: attestation {entry} rejected: {reason}")
    log.info(f"governance: attestations on {day}: {counts}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "assessed_date": day.isoformat(),
                "configured": directory is not None,
                "counts": dg.MetadataValue.json(counts),
            }
        )
    )


@dg.asset(
    group_name=GROUP,
    metadata=_schema("governance.risk_appetite_breaches"),
    deps=["risk_scores", "risk_appetite"],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=POOL,
    description="Assets whose residual risk on the day exceeds the risk appetite for their "
    "environment and data classification (a NULL or invalid value counts as unknown, which "
    "carries the strictest limit): each is an appetite_breach finding. Kept per day.",
)
def risk_appetite_breaches(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = settings.assessed_date()
    with warehouse.connect() as conn:
        breaches = assess_breaches(conn, day, context.run_id)
        (grid,) = conn.execute("SELECT count(*) FROM governance.risk_appetite").fetchone() or (0,)
        meta = table_metadata(conn, "governance.risk_appetite_breaches", BREACHES_PREVIEW, [day])
    log = log_for(context)
    if not grid:
        log.info("governance: no risk appetite (risk_appetite is empty): no breaches assessed")
    log.info(f"governance: {breaches} assets out of risk appetite on {day}")
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "assessed_date": day.isoformat(),
                "breaches": breaches,
                "appetite_defined": bool(grid),
            }
        )
    )


GOVERNANCE_ASSETS = (
    policies,
    raci_matrix,
    risk_appetite,
    risk_acceptances,
    control_attestations,
    risk_appetite_breaches,
)
