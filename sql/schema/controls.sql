-- The technical-controls pillar (SPEC 3.4): the catalog and framework libraries as tables
-- (replaced whole by control_catalog), and per day the evidence facts, the control evidence per
-- asset x control, and the coverage (required vs implemented). Idempotent.
CREATE SCHEMA IF NOT EXISTS controls;

CREATE TABLE IF NOT EXISTS controls.catalog_controls (
    control_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    objective VARCHAR NOT NULL,
    function VARCHAR NOT NULL,
    control_type VARCHAR,
    applies_to VARCHAR[] NOT NULL,
    applies_when VARCHAR[] NOT NULL,
    required_from VARCHAR NOT NULL,
    required_from_rank INTEGER NOT NULL,
    evidence_facts VARCHAR[] NOT NULL,
    evidence_basis VARCHAR NOT NULL,
    implementation MAP(VARCHAR, VARCHAR) NOT NULL,
    catalog_version VARCHAR NOT NULL,
    library_digest VARCHAR NOT NULL
);
COMMENT ON TABLE controls.catalog_controls IS 'The control catalog (aisec_assets/controls/catalog.yaml), replaced whole by control_catalog.';
COMMENT ON COLUMN controls.catalog_controls.control_id IS 'AISEC-PRE-nnn (preventive), AISEC-DET-nnn (detective), AISEC-COR-nnn (corrective).';
COMMENT ON COLUMN controls.catalog_controls.title IS 'Short title.';
COMMENT ON COLUMN controls.catalog_controls.objective IS 'What the control achieves.';
COMMENT ON COLUMN controls.catalog_controls.function IS 'preventive | detective | corrective.';
COMMENT ON COLUMN controls.catalog_controls.control_type IS 'The SPEC 3.2 control type an implemented control contributes to residual risk (NULL: a process control that does not).';
COMMENT ON COLUMN controls.catalog_controls.applies_to IS 'Asset types the control applies to.';
COMMENT ON COLUMN controls.catalog_controls.applies_when IS 'Conditions that must all hold for it to apply (production, self_hosted, has_model_files, aws, azure, public, sensitive_data, regulated_scope, eu_ai_act_high_risk); an unknown value counts as holding.';
COMMENT ON COLUMN controls.catalog_controls.required_from IS 'Inherent risk level (LOW, MEDIUM, HIGH, CRITICAL) from which an applicable control is required.';
COMMENT ON COLUMN controls.catalog_controls.required_from_rank IS '1 LOW .. 4 CRITICAL.';
COMMENT ON COLUMN controls.catalog_controls.evidence_facts IS 'Evidence facts (controls.evidence_facts.fact) any one of which shows the control in place.';
COMMENT ON COLUMN controls.catalog_controls.evidence_basis IS 'Why those facts show the control.';
COMMENT ON COLUMN controls.catalog_controls.implementation IS 'Implementation specification per platform: what to configure where.';
COMMENT ON COLUMN controls.catalog_controls.catalog_version IS 'Version declared by the catalog file.';
COMMENT ON COLUMN controls.catalog_controls.library_digest IS 'SHA-256 prefix of the catalog and framework files that produced this table.';

CREATE TABLE IF NOT EXISTS controls.framework_requirements (
    framework VARCHAR NOT NULL,
    requirement_id VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    section VARCHAR,
    manual BOOLEAN NOT NULL,
    scope VARCHAR[] NOT NULL,
    framework_title VARCHAR NOT NULL,
    framework_version VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (framework, requirement_id)
);
COMMENT ON TABLE controls.framework_requirements IS 'The requirement lists of the five framework libraries (aisec_assets/controls/frameworks/*.yaml; ids and titles only).';
COMMENT ON COLUMN controls.framework_requirements.framework IS 'owasp_llm | mitre_atlas | nist_ai_rmf | iso_42001 | eu_ai_act.';
COMMENT ON COLUMN controls.framework_requirements.requirement_id IS 'The framework''s own id (LLM01, AML.T0051, GOVERN 1.1, A.6.2.8, Art. 12).';
COMMENT ON COLUMN controls.framework_requirements.title IS 'The requirement''s title.';
COMMENT ON COLUMN controls.framework_requirements.section IS 'Grouping within the framework (function, annex section, technique/mitigation).';
COMMENT ON COLUMN controls.framework_requirements.manual IS 'No catalog control can show it: assessed by people (status manual).';
COMMENT ON COLUMN controls.framework_requirements.scope IS 'Regulatory scopes whose assets the framework assesses (empty: every asset).';
COMMENT ON COLUMN controls.framework_requirements.framework_title IS 'The framework''s name.';
COMMENT ON COLUMN controls.framework_requirements.framework_version IS 'The framework version the library follows.';
COMMENT ON COLUMN controls.framework_requirements.position IS 'Order within the framework file.';

CREATE TABLE IF NOT EXISTS controls.catalog_mappings (
    control_id VARCHAR NOT NULL,
    framework VARCHAR NOT NULL,
    requirement_id VARCHAR NOT NULL,
    PRIMARY KEY (control_id, framework, requirement_id)
);
COMMENT ON TABLE controls.catalog_mappings IS 'Control -> framework requirement mappings, one row each (kept once, on the catalog''s side).';
COMMENT ON COLUMN controls.catalog_mappings.control_id IS 'Catalog control (controls.catalog_controls).';
COMMENT ON COLUMN controls.catalog_mappings.framework IS 'Framework key.';
COMMENT ON COLUMN controls.catalog_mappings.requirement_id IS 'Requirement of that framework (controls.framework_requirements).';

CREATE TABLE IF NOT EXISTS controls.evidence_facts (
    assessed_date DATE NOT NULL,
    asset_id VARCHAR NOT NULL,
    fact VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    evidence VARCHAR NOT NULL,
    source VARCHAR NOT NULL
);
COMMENT ON TABLE controls.evidence_facts IS 'Per day, every evidence fact observed about an active asset (derived in SQL from posture, operational controls, dependencies, fields and attestations). Replaced per day.';
COMMENT ON COLUMN controls.evidence_facts.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN controls.evidence_facts.asset_id IS 'The asset (inventory.ai_assets).';
COMMENT ON COLUMN controls.evidence_facts.fact IS 'Fact name (aisec_assets/controls/library.py EVIDENCE_FACTS).';
COMMENT ON COLUMN controls.evidence_facts.state IS 'implemented | partly | missing.';
COMMENT ON COLUMN controls.evidence_facts.evidence IS 'What was observed, and by which API or file.';
COMMENT ON COLUMN controls.evidence_facts.source IS 'discovered | declared | dependency | attested | inventory.';

CREATE TABLE IF NOT EXISTS controls.control_evidence (
    assessed_date DATE NOT NULL,
    asset_id VARCHAR NOT NULL,
    control_id VARCHAR NOT NULL,
    control_type VARCHAR,
    applicable BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,
    evidence VARCHAR NOT NULL,
    evidence_source VARCHAR NOT NULL,
    acceptance_id VARCHAR,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE controls.control_evidence IS 'Per day, per active asset x catalog control that applies to its type (or has evidence): is it in place? Replaced per day. Risk takes its control effectiveness from the implemented rows.';
COMMENT ON COLUMN controls.control_evidence.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN controls.control_evidence.asset_id IS 'The asset (inventory.ai_assets).';
COMMENT ON COLUMN controls.control_evidence.control_id IS 'The catalog control.';
COMMENT ON COLUMN controls.control_evidence.control_type IS 'Its SPEC 3.2 control type (NULL for process controls).';
COMMENT ON COLUMN controls.control_evidence.applicable IS 'The control applies (asset type listed, every condition holds).';
COMMENT ON COLUMN controls.control_evidence.status IS 'implemented | partly | missing | accepted (missing or partly, covered by an active risk acceptance) | not_applicable (type listed, a condition does not hold).';
COMMENT ON COLUMN controls.control_evidence.evidence IS 'The facts behind the status (or what is missing).';
COMMENT ON COLUMN controls.control_evidence.evidence_source IS 'discovered | declared | dependency | attested | inventory | exception | none.';
COMMENT ON COLUMN controls.control_evidence.acceptance_id IS 'The risk acceptance that covers a missing control (governance.risk_acceptances).';
COMMENT ON COLUMN controls.control_evidence.run_id IS 'Dagster run that assessed it.';

CREATE TABLE IF NOT EXISTS controls.control_coverage (
    assessed_date DATE NOT NULL,
    asset_id VARCHAR NOT NULL,
    owner_team VARCHAR,
    inherent_risk_level VARCHAR NOT NULL,
    required_controls INTEGER NOT NULL,
    implemented INTEGER NOT NULL,
    partly INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    missing INTEGER NOT NULL,
    coverage DOUBLE NOT NULL,
    missing_controls VARCHAR[] NOT NULL,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE controls.control_coverage IS 'Per day and active asset: required controls (applicable, and required from the asset''s inherent risk level) vs implemented. Per team: the analyst view controls.coverage_by_team.';
COMMENT ON COLUMN controls.control_coverage.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN controls.control_coverage.asset_id IS 'The asset.';
COMMENT ON COLUMN controls.control_coverage.owner_team IS 'Its owning team (NULL: none recorded).';
COMMENT ON COLUMN controls.control_coverage.inherent_risk_level IS 'Level of the inherent risk score (before controls), which decides what is required.';
COMMENT ON COLUMN controls.control_coverage.required_controls IS 'How many catalog controls are required.';
COMMENT ON COLUMN controls.control_coverage.implemented IS 'Required and implemented.';
COMMENT ON COLUMN controls.control_coverage.partly IS 'Required and partly implemented.';
COMMENT ON COLUMN controls.control_coverage.accepted IS 'Required, not implemented, covered by an active risk acceptance.';
COMMENT ON COLUMN controls.control_coverage.missing IS 'Required and missing or partly implemented without an acceptance: each one a missing_required_control gap.';
COMMENT ON COLUMN controls.control_coverage.coverage IS 'implemented / required (1.0 when nothing is required).';
COMMENT ON COLUMN controls.control_coverage.missing_controls IS 'Ids of the missing required controls.';
COMMENT ON COLUMN controls.control_coverage.run_id IS 'Dagster run that assessed it.';

CREATE TABLE IF NOT EXISTS compliance.framework_compliance (
    assessed_date DATE NOT NULL,
    framework VARCHAR NOT NULL,
    requirement_id VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    assets_in_scope INTEGER NOT NULL,
    assets_meeting INTEGER NOT NULL,
    controls VARCHAR[] NOT NULL,
    failing_assets VARCHAR[] NOT NULL,
    detail VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE compliance.framework_compliance IS 'Per day, every requirement of each framework: met / partly / not_met / manual / not_applicable, with the assets and controls behind the status.';
COMMENT ON COLUMN compliance.framework_compliance.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN compliance.framework_compliance.framework IS 'Framework key.';
COMMENT ON COLUMN compliance.framework_compliance.requirement_id IS 'Requirement id.';
COMMENT ON COLUMN compliance.framework_compliance.title IS 'Requirement title.';
COMMENT ON COLUMN compliance.framework_compliance.status IS 'met (every asset in scope has every required mapped control implemented or accepted) | partly (some do) | not_met (none do) | manual (no control can show it) | not_applicable (no asset in scope requires a mapped control).';
COMMENT ON COLUMN compliance.framework_compliance.assets_in_scope IS 'Active assets in the framework''s scope that require at least one mapped control.';
COMMENT ON COLUMN compliance.framework_compliance.assets_meeting IS 'Of those, the assets with every required mapped control implemented or accepted.';
COMMENT ON COLUMN compliance.framework_compliance.controls IS 'Catalog controls mapped to the requirement.';
COMMENT ON COLUMN compliance.framework_compliance.failing_assets IS 'Names of the assets in scope that do not meet it (first 20).';
COMMENT ON COLUMN compliance.framework_compliance.detail IS 'One line for a report, e.g. "Art. 12 Record-keeping: 7 of 9 assets in scope meet it".';
COMMENT ON COLUMN compliance.framework_compliance.run_id IS 'Dagster run that assessed it.';

-- ---------------------------------------------------------------- views
CREATE OR REPLACE VIEW controls.required_controls AS
SELECT
    e.assessed_date,
    e.asset_id,
    e.control_id,
    e.control_type,
    e.status,
    e.evidence,
    e.evidence_source,
    e.acceptance_id,
    coalesce(r.inherent_risk_level, 'CRITICAL') AS inherent_risk_level,
    e.applicable
        AND c.required_from_rank <= CASE coalesce(r.inherent_risk_level, 'CRITICAL')
            WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2 WHEN 'HIGH' THEN 3 ELSE 4 END AS required
FROM controls.control_evidence AS e
JOIN controls.catalog_controls AS c USING (control_id)
LEFT JOIN risk.risk_scores AS r
    ON r.asset_id = e.asset_id AND r.assessed_date = e.assessed_date;
COMMENT ON VIEW controls.required_controls IS 'controls.control_evidence with required: applicable and required from the asset''s inherent risk level that day (no score: CRITICAL).';

CREATE OR REPLACE VIEW controls.coverage_by_team AS
SELECT
    assessed_date,
    coalesce(owner_team, '(no owner)') AS owner_team,
    count(*) AS assets,
    sum(required_controls) AS required_controls,
    sum(implemented) AS implemented,
    sum(partly) AS partly,
    sum(accepted) AS accepted,
    sum(missing) AS missing,
    CASE WHEN sum(required_controls) = 0 THEN 1.0
         ELSE round(sum(implemented) / sum(required_controls), 4) END AS coverage
FROM controls.control_coverage
GROUP BY ALL;
COMMENT ON VIEW controls.coverage_by_team IS 'Required vs implemented catalog controls per owning team per day.';
