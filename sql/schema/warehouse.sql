-- The warehouse layout: one schema per layer of the lineage graph.
-- Idempotent: run at the start of every write connection. Current-state tables are rewritten
-- in place by the transforms (DELETE + INSERT in one transaction), so these definitions and
-- their comments stay; history tables only ever grow or have one day's partition replaced.

CREATE SCHEMA IF NOT EXISTS discovery;
CREATE SCHEMA IF NOT EXISTS inventory;
CREATE SCHEMA IF NOT EXISTS risk;
CREATE SCHEMA IF NOT EXISTS compliance;
CREATE SCHEMA IF NOT EXISTS metrics;

-- ---------------------------------------------------------------- discovery
CREATE TABLE IF NOT EXISTS discovery.discovered_assets (
    source VARCHAR NOT NULL,
    asset_id VARCHAR NOT NULL,
    natural_key VARCHAR NOT NULL,
    resource_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    asset_type VARCHAR NOT NULL,
    description VARCHAR,
    owner_team VARCHAR,
    owner_email VARCHAR,
    data_classification VARCHAR,
    deployment_env VARCHAR,
    regulatory_scope VARCHAR[],
    model_provider VARCHAR,
    model_name VARCHAR,
    model_version VARCHAR,
    is_self_hosted BOOLEAN,
    parameter_count VARCHAR,
    source_url VARCHAR,
    license_type VARCHAR,
    last_security_review DATE,
    sbom_available BOOLEAN,
    api_endpoint VARCHAR,
    cloud_provider VARCHAR,
    cloud_account VARCHAR,
    cloud_region VARCHAR,
    network_exposure VARCHAR,
    invalid_fields VARCHAR[],
    posture JSON,
    controls JSON,
    dependencies JSON,
    raw JSON,
    part VARCHAR,
    extracted_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL,
    stale BOOLEAN DEFAULT false
);
COMMENT ON TABLE discovery.discovered_assets IS 'Every asset record as each discovery source last saw it successfully; one row per (source, natural_key). A failing source keeps its rows, and a partial one the rows of the parts it could not read, marked stale (see discovery.source_status).';
COMMENT ON COLUMN discovery.discovered_assets.source IS 'Discovery source that produced the record (declared_registry, huggingface, aws_bedrock, aws_sagemaker, azure_openai).';
COMMENT ON COLUMN discovery.discovered_assets.asset_id IS 'Deterministic id: ai- + first 16 hex of SHA-256 of natural_key.';
COMMENT ON COLUMN discovery.discovered_assets.natural_key IS 'Globally unique resource identifier (ARN, lowercased Azure resource id, hf-dir://, hf-cache://, declared://).';
COMMENT ON COLUMN discovery.discovered_assets.posture IS 'Technical posture facts found by discovery (JSON), e.g. guardrail_attached, invocation_logging, public_network_access.';
COMMENT ON COLUMN discovery.discovered_assets.controls IS 'Controls evidenced by this source: JSON list of {type, operational, evidence}.';
COMMENT ON COLUMN discovery.discovered_assets.dependencies IS 'Edges to resources this asset depends on: JSON list of {asset_id, resource_id, relation}.';
COMMENT ON COLUMN discovery.discovered_assets.raw IS 'The source object as read (API response item, config.json summary); never contains secrets.';

-- Added after the first release: warehouses created before it get the column here.
ALTER TABLE discovery.discovered_assets ADD COLUMN IF NOT EXISTS invalid_fields VARCHAR[];
ALTER TABLE discovery.discovered_assets ADD COLUMN IF NOT EXISTS part VARCHAR;
ALTER TABLE discovery.discovered_assets ADD COLUMN IF NOT EXISTS stale BOOLEAN DEFAULT false;
COMMENT ON COLUMN discovery.discovered_assets.part IS 'The part of the source the record was read from: Azure subscription id, Hugging Face location name, AWS account/region. When a run cannot read that part, the record keeps its last good data (stale).';
COMMENT ON COLUMN discovery.discovered_assets.stale IS 'The row is last good data from an earlier run: its source failed, or the part it came from could not be read (source status partial).';
COMMENT ON COLUMN discovery.discovered_assets.invalid_fields IS 'Fields whose input value this source refused as invalid (each also a row of discovery.rejected_records; unknown field names included). The record is kept with the field unknown; risk and compliance treat an invalid field at its worst case. Empty = nothing invalid.';

CREATE TABLE IF NOT EXISTS discovery.rejected_records (
    source VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    excerpt VARCHAR,
    run_id VARCHAR NOT NULL,
    rejected_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE discovery.rejected_records IS 'Input a source could not accept, with where it was and why. A source''s rows are replaced by its next successful run; nothing is dropped silently.';
COMMENT ON COLUMN discovery.rejected_records.location IS 'File path (with record index or line) or API call that held the bad input.';
COMMENT ON COLUMN discovery.rejected_records.field IS 'The offending field, when one can be named.';

CREATE TABLE IF NOT EXISTS discovery.source_status (
    source VARCHAR PRIMARY KEY,
    status VARCHAR NOT NULL,
    stale BOOLEAN NOT NULL,
    last_attempt_at TIMESTAMP NOT NULL,
    last_success_at TIMESTAMP,
    last_error VARCHAR,
    record_count INTEGER,
    rejected_count INTEGER,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE discovery.source_status IS 'Health of each discovery source: status of its last attempt; stale = its rows in discovered_assets come from an earlier successful run.';

-- ---------------------------------------------------------------- inventory
CREATE TABLE IF NOT EXISTS inventory.ai_assets (
    asset_id VARCHAR PRIMARY KEY,
    natural_key VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    asset_type VARCHAR NOT NULL,
    description VARCHAR,
    owner_team VARCHAR,
    owner_email VARCHAR,
    data_classification VARCHAR,
    deployment_env VARCHAR,
    regulatory_scope VARCHAR[],
    model_provider VARCHAR,
    model_name VARCHAR,
    model_version VARCHAR,
    is_self_hosted BOOLEAN,
    parameter_count VARCHAR,
    source_url VARCHAR,
    license_type VARCHAR,
    last_security_review DATE,
    sbom_available BOOLEAN,
    api_endpoint VARCHAR,
    cloud_provider VARCHAR,
    cloud_account VARCHAR,
    cloud_region VARCHAR,
    network_exposure VARCHAR,
    invalid_fields VARCHAR[],
    posture JSON,
    controls STRUCT(type VARCHAR, operational BOOLEAN, evidence VARCHAR, source VARCHAR)[],
    sources VARCHAR[],
    declared BOOLEAN NOT NULL,
    discovered BOOLEAN NOT NULL,
    source_stale BOOLEAN NOT NULL,
    upstream_assets VARCHAR[],
    downstream_assets VARCHAR[],
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL
);
COMMENT ON TABLE inventory.ai_assets IS 'The AI asset inventory: one row per asset, merged across sources (declared facts win for ownership, classification and scope; discovered facts win for technical ones).';
COMMENT ON COLUMN inventory.ai_assets.asset_id IS 'Deterministic id from the natural key; stable across runs and sources.';
COMMENT ON COLUMN inventory.ai_assets.data_classification IS 'public | internal | confidential | restricted | regulated; NULL = unknown (scored 50).';
COMMENT ON COLUMN inventory.ai_assets.deployment_env IS 'development | staging | production | research; NULL = unknown.';
COMMENT ON COLUMN inventory.ai_assets.regulatory_scope IS 'Regulatory frameworks that apply (none, gdpr, hipaa, sox, eu_ai_act_high_risk, eu_ai_act_limited_risk, pci_dss, ccpa).';
COMMENT ON COLUMN inventory.ai_assets.network_exposure IS 'internal | vpc | public; NULL = unknown.';
COMMENT ON COLUMN inventory.ai_assets.controls IS 'Distinct controls with evidence, from discovered posture and the declared registry.';
COMMENT ON COLUMN inventory.ai_assets.sources IS 'Discovery sources that reported this asset.';
COMMENT ON COLUMN inventory.ai_assets.declared IS 'The asset is declared in the registry.';
COMMENT ON COLUMN inventory.ai_assets.discovered IS 'At least one automated discovery source found the asset.';
COMMENT ON COLUMN inventory.ai_assets.source_stale IS 'Some of the facts are last good data: from a source whose last attempt failed, or from a part of a partial source that could not be read (e.g. an unreadable Azure subscription).';
COMMENT ON COLUMN inventory.ai_assets.first_seen IS 'When any source first reported the asset.';
COMMENT ON COLUMN inventory.ai_assets.last_seen IS 'When a source last reported the asset.';
COMMENT ON COLUMN inventory.ai_assets.status IS 'active = reported by the latest inventory run; missing = no source reports it any more (kept, never deleted).';

ALTER TABLE inventory.ai_assets ADD COLUMN IF NOT EXISTS invalid_fields VARCHAR[];
COMMENT ON COLUMN inventory.ai_assets.invalid_fields IS 'Fields some source reported with an invalid value (see discovery.rejected_records), sorted. Risk scores such a field at its worst case (e.g. deployment_env at the highest environment multiplier, data_classification at the highest sensitivity score), never as unknown; compliance reports the invalid_declaration gap. NULL or empty = nothing invalid.';

CREATE TABLE IF NOT EXISTS inventory.ai_assets_history AS
    SELECT CAST(NULL AS TIMESTAMP) AS snapshot_at, CAST(NULL AS VARCHAR) AS run_id, *
    FROM inventory.ai_assets WITH NO DATA;
ALTER TABLE inventory.ai_assets_history ADD COLUMN IF NOT EXISTS invalid_fields VARCHAR[];
COMMENT ON TABLE inventory.ai_assets_history IS 'A snapshot of inventory.ai_assets appended by every inventory run (snapshot_at, run_id); nothing is overwritten. Columns as in inventory.ai_assets.';

CREATE TABLE IF NOT EXISTS inventory.asset_dependencies (
    from_asset_id VARCHAR NOT NULL,
    to_asset_id VARCHAR NOT NULL,
    relation VARCHAR NOT NULL,
    to_resource_id VARCHAR NOT NULL,
    to_known BOOLEAN NOT NULL,
    sources VARCHAR[] NOT NULL,
    PRIMARY KEY (from_asset_id, to_asset_id, relation)
);
COMMENT ON TABLE inventory.asset_dependencies IS 'Dependency edges: from_asset_id depends on to_asset_id (agent -> model -> knowledge base -> dataset). See sql/inventory/blast_radius.sql.';
COMMENT ON COLUMN inventory.asset_dependencies.relation IS 'uses_model, uses_knowledge_base, uses_guardrail, embeds_with, retrieves_from, fine_tuned_from, trained_on, evaluated_on, serves, uses_prompt.';
COMMENT ON COLUMN inventory.asset_dependencies.to_known IS 'The target is itself in the inventory (false: referenced but not discovered or declared).';

-- ---------------------------------------------------------------- risk
CREATE TABLE IF NOT EXISTS risk.risk_scores (
    asset_id VARCHAR NOT NULL,
    assessed_date DATE NOT NULL,
    data_sensitivity_score DOUBLE NOT NULL,
    deployment_exposure_score DOUBLE NOT NULL,
    model_provenance_score DOUBLE NOT NULL,
    regulatory_impact_score DOUBLE NOT NULL,
    capability_risk_score DOUBLE NOT NULL,
    supply_chain_score DOUBLE NOT NULL,
    inherent_risk_score DOUBLE NOT NULL,
    control_effectiveness DOUBLE NOT NULL,
    residual_risk_score DOUBLE NOT NULL,
    risk_level VARCHAR NOT NULL,
    risk_reduction_percentage DOUBLE NOT NULL,
    risk_factors STRUCT(dimension VARCHAR, score DOUBLE, weight DOUBLE, weighted DOUBLE, details VARCHAR)[] NOT NULL,
    top_driver VARCHAR NOT NULL,
    recommendations VARCHAR[] NOT NULL,
    operational_controls VARCHAR[] NOT NULL,
    scored_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL
    -- No PRIMARY KEY: the day's rows are replaced in one transaction (one row per asset and
    -- day by construction, asserted by the risk_scores_within_bounds check), and DuckDB's
    -- index maintenance would make replacing a day ~10x slower at a million assets.
);
ALTER TABLE risk.risk_scores ADD COLUMN IF NOT EXISTS inherent_risk_level VARCHAR;
COMMENT ON COLUMN risk.risk_scores.inherent_risk_level IS 'Level of the unrounded inherent score (same thresholds as risk_level): decides which catalog controls the asset requires.';
COMMENT ON TABLE risk.risk_scores IS 'Risk assessment per asset per day (SPEC 3.2). Rescoring a day replaces that day; other days are kept as history.';
COMMENT ON COLUMN risk.risk_scores.inherent_risk_score IS 'Weighted sum of the six dimension scores (0-100), rounded to 2 decimals.';
COMMENT ON COLUMN risk.risk_scores.control_effectiveness IS 'Sum of the weights of distinct operational control types, capped at 1.0, rounded to 2 decimals.';
COMMENT ON COLUMN risk.risk_scores.residual_risk_score IS 'inherent x (1 - effectiveness), rounded to 2 decimals.';
COMMENT ON COLUMN risk.risk_scores.risk_level IS 'CRITICAL >= 75, HIGH >= 50, MEDIUM >= 25, else LOW; decided on the unrounded residual.';
COMMENT ON COLUMN risk.risk_scores.risk_factors IS 'The six dimensions with score, weight, weighted contribution and the facts behind them, largest contribution first.';
COMMENT ON COLUMN risk.risk_scores.top_driver IS 'Dimension with the largest weighted contribution.';
COMMENT ON COLUMN risk.risk_scores.recommendations IS 'Remediation advice for the top weighted drivers above their dimension thresholds.';

-- ---------------------------------------------------------------- compliance
CREATE TABLE IF NOT EXISTS compliance.compliance_gaps (
    assessed_date DATE NOT NULL,
    asset_id VARCHAR,
    gap_type VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
    -- Replaced per day in one transaction; no index to maintain (see risk.risk_scores).
);
-- Policy gaps (overdue_policy_review) concern no asset.
ALTER TABLE compliance.compliance_gaps ALTER COLUMN asset_id DROP NOT NULL;
ALTER TABLE compliance.compliance_gaps ADD COLUMN IF NOT EXISTS control_id VARCHAR;
ALTER TABLE compliance.compliance_gaps ADD COLUMN IF NOT EXISTS policy_id VARCHAR;
ALTER TABLE compliance.compliance_gaps ADD COLUMN IF NOT EXISTS incident_id VARCHAR;
COMMENT ON COLUMN compliance.compliance_gaps.incident_id IS 'The incident of an overdue_art73_report or overdue_gdpr33_notification gap (operations.incidents).';
COMMENT ON COLUMN compliance.compliance_gaps.control_id IS 'The catalog control of a missing_required_control or expired_acceptance gap (controls.catalog_controls).';
COMMENT ON COLUMN compliance.compliance_gaps.policy_id IS 'The policy of an overdue_policy_review gap (governance.policies).';
COMMENT ON TABLE compliance.compliance_gaps IS 'One row per asset and open compliance gap per day (the design brief''s six gap types, unsafe_model_file, invalid_declaration, and from the controls and governance pillars missing_required_control, appetite_breach, expired_acceptance, overdue_policy_review). A gap an active risk acceptance names is not listed.';
COMMENT ON COLUMN compliance.compliance_gaps.gap_type IS 'no_security_review, stale_review, missing_sbom, unclassified_data, no_owner, public_exposure_high_sensitivity, unsafe_model_file, invalid_declaration (a source reported invalid values; see inventory.ai_assets.invalid_fields), missing_required_control (detail names the control), appetite_breach, expired_acceptance, overdue_policy_review (asset_id NULL; detail names the policy), overdue_art73_report and overdue_gdpr33_notification (an incident''s report past its deadline and not recorded as filed; asset_id NULL, incident_id set).';

-- ---------------------------------------------------------------- metrics
CREATE TABLE IF NOT EXISTS metrics.program_kpis (
    kpi_date DATE PRIMARY KEY,
    total_ai_assets INTEGER NOT NULL,
    active_ai_assets INTEGER NOT NULL,
    assets_with_security_review INTEGER NOT NULL,
    assets_with_stale_review INTEGER NOT NULL,
    asset_coverage_rate DOUBLE NOT NULL,
    critical_risk_assets INTEGER NOT NULL,
    high_risk_assets INTEGER NOT NULL,
    mean_residual_risk DOUBLE NOT NULL,
    compliance_gap_count INTEGER NOT NULL,
    assets_with_gaps INTEGER NOT NULL,
    controls_deployed INTEGER NOT NULL,
    controls_operational INTEGER NOT NULL,
    control_coverage_rate DOUBLE NOT NULL,
    stale_sources INTEGER NOT NULL,
    rejected_records INTEGER NOT NULL,
    run_id VARCHAR NOT NULL
);

-- The brief's ProgramMetrics in full, and the program's own KPIs (columns added in place, so a
-- warehouse from an earlier version keeps its history). A KPI with nothing to measure is NULL
-- and null_reasons says why.
ALTER TABLE metrics.program_kpis ALTER COLUMN asset_coverage_rate DROP NOT NULL;
ALTER TABLE metrics.program_kpis ALTER COLUMN mean_residual_risk DROP NOT NULL;
ALTER TABLE metrics.program_kpis ALTER COLUMN control_coverage_rate DROP NOT NULL;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS risk_acceptance_count INTEGER;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS open_incidents INTEGER;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS incidents_last_30_days INTEGER;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS mean_time_to_detect_hours DOUBLE;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS mean_time_to_contain_hours DOUBLE;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS mean_time_to_resolve_hours DOUBLE;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS incidents_by_category MAP(VARCHAR, BIGINT);
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS detective_control_coverage_rate DOUBLE;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS red_team_engagements_ytd INTEGER;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS findings_from_red_team INTEGER;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS findings_remediated INTEGER;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS remediation_rate DOUBLE;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS overdue_incident_tasks INTEGER;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS overdue_actions INTEGER;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS framework_compliance_rate DOUBLE;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS policy_currency_rate DOUBLE;
ALTER TABLE metrics.program_kpis ADD COLUMN IF NOT EXISTS null_reasons MAP(VARCHAR, VARCHAR);
COMMENT ON TABLE metrics.program_kpis IS 'Program KPIs, one row per day: every KPI of the design brief''s ProgramMetrics and the program''s own. Each column comment is the KPI''s definition and its source tables (metrics.kpi_dictionary lists them). A KPI with nothing to measure in this deployment is NULL and null_reasons says why, never 0.';
COMMENT ON COLUMN metrics.program_kpis.kpi_date IS 'The day the KPIs describe.';
COMMENT ON COLUMN metrics.program_kpis.total_ai_assets IS 'Assets in the inventory, missing ones included. Sources: inventory.ai_assets.';
COMMENT ON COLUMN metrics.program_kpis.active_ai_assets IS 'Assets some source still reports. Sources: inventory.ai_assets (status active).';
COMMENT ON COLUMN metrics.program_kpis.assets_with_security_review IS 'Active assets with a security review on record. Sources: inventory.ai_assets.last_security_review.';
COMMENT ON COLUMN metrics.program_kpis.assets_with_stale_review IS 'Active assets whose last review is older than risk.stale_review_days (default 90). Sources: inventory.ai_assets.last_security_review.';
COMMENT ON COLUMN metrics.program_kpis.asset_coverage_rate IS 'Share (0-1) of active assets under governance: owner team, data classification and environment all known. NULL: no active asset. Sources: inventory.ai_assets.';
COMMENT ON COLUMN metrics.program_kpis.critical_risk_assets IS 'Assets at CRITICAL residual risk that day. Sources: risk.risk_scores.';
COMMENT ON COLUMN metrics.program_kpis.high_risk_assets IS 'Assets at HIGH residual risk that day. Sources: risk.risk_scores.';
COMMENT ON COLUMN metrics.program_kpis.mean_residual_risk IS 'Mean residual risk score (0-100) of the day''s assessments. NULL: nothing scored. Sources: risk.risk_scores.';
COMMENT ON COLUMN metrics.program_kpis.risk_acceptance_count IS 'Risk acceptances active that day. NULL: governance not configured. Sources: governance.risk_acceptances.';
COMMENT ON COLUMN metrics.program_kpis.open_incidents IS 'Incidents opened up to the day and not closed. Sources: operations.incidents.';
COMMENT ON COLUMN metrics.program_kpis.incidents_last_30_days IS 'Incidents opened in the 30 days ending on the day. Sources: operations.incidents.opened_at.';
COMMENT ON COLUMN metrics.program_kpis.mean_time_to_detect_hours IS 'MTTD: mean hours from an incident''s first evidence to its opening, over the incidents of the last 30 days. NULL: none. Sources: operations.incidents.';
COMMENT ON COLUMN metrics.program_kpis.mean_time_to_contain_hours IS 'MTTC: mean hours from opening to contained, over the last 30 days'' incidents that reached it. NULL: none did. Sources: operations.incidents, operations.incident_timeline.';
COMMENT ON COLUMN metrics.program_kpis.mean_time_to_resolve_hours IS 'MTTR: mean hours from opening to recovered, over the last 30 days'' incidents that reached it. NULL: none did. Sources: operations.incidents, operations.incident_timeline.';
COMMENT ON COLUMN metrics.program_kpis.incidents_by_category IS 'Incidents of the last 30 days per playbook category (empty: none). Sources: operations.incidents.';
COMMENT ON COLUMN metrics.program_kpis.controls_deployed IS 'Applicable catalog controls implemented or partly implemented on active assets that day (asset x control). Sources: controls.control_evidence.';
COMMENT ON COLUMN metrics.program_kpis.controls_operational IS 'Of those, the ones fully implemented (in operation). Sources: controls.control_evidence.';
COMMENT ON COLUMN metrics.program_kpis.control_coverage_rate IS 'Share (0-1) of required controls (by each asset''s inherent risk) implemented on active assets. NULL: no control required or assessed. Sources: controls.required_controls, controls.control_evidence.';
COMMENT ON COLUMN metrics.program_kpis.detective_control_coverage_rate IS 'Share (0-1) of required detective controls implemented (logging, monitoring, detection). NULL: none required. Sources: controls.required_controls, controls.catalog_controls.function.';
COMMENT ON COLUMN metrics.program_kpis.red_team_engagements_ytd IS 'Red-team engagements started this calendar year up to the day. NULL: no red-team reports configured. Sources: operations.red_team_engagements.';
COMMENT ON COLUMN metrics.program_kpis.findings_from_red_team IS 'Red-team findings (probe x detector x asset) known that day, open or remediated. NULL: red team not configured. Sources: operations.red_team_findings.';
COMMENT ON COLUMN metrics.program_kpis.findings_remediated IS 'Red-team findings remediated (a later report passes). NULL: red team not configured. Sources: operations.red_team_findings.';
COMMENT ON COLUMN metrics.program_kpis.remediation_rate IS 'findings_remediated / findings_from_red_team. NULL: red team not configured or no finding yet. Sources: operations.red_team_findings.';
COMMENT ON COLUMN metrics.program_kpis.compliance_gap_count IS 'Open compliance gaps that day (asset x gap type, plus program gaps). Sources: compliance.compliance_gaps.';
COMMENT ON COLUMN metrics.program_kpis.assets_with_gaps IS 'Assets with at least one open gap. Sources: compliance.compliance_gaps.';
COMMENT ON COLUMN metrics.program_kpis.overdue_incident_tasks IS 'Tasks of open incidents past their due time whose phase the incident has not completed. Sources: operations.incident_tasks, operations.incidents.';
COMMENT ON COLUMN metrics.program_kpis.overdue_actions IS 'Overdue actions: overdue incident tasks + policy reviews overdue + regulatory reports overdue (Art. 73, GDPR Art. 33) + risk acceptances expired. Sources: operations.incident_tasks, compliance.compliance_gaps.';
COMMENT ON COLUMN metrics.program_kpis.framework_compliance_rate IS 'Share (0-1) of assessable framework requirements met, partly met counting half, over all frameworks. NULL: none assessed. Sources: compliance.framework_compliance.';
COMMENT ON COLUMN metrics.program_kpis.policy_currency_rate IS 'Share (0-1) of policies in force that are approved and within their review date. NULL: governance not configured. Sources: governance.policies.';
COMMENT ON COLUMN metrics.program_kpis.stale_sources IS 'Discovery sources running on last good data. Sources: discovery.source_status.';
COMMENT ON COLUMN metrics.program_kpis.rejected_records IS 'Input records refused by the sources'' last successful runs. Sources: discovery.rejected_records.';
COMMENT ON COLUMN metrics.program_kpis.null_reasons IS 'For each KPI that is NULL: why (what input this deployment does not have yet).';
COMMENT ON COLUMN metrics.program_kpis.run_id IS 'Dagster run that computed the row.';

CREATE TABLE IF NOT EXISTS metrics.maturity_scores (
    assessed_date DATE NOT NULL,
    dimension VARCHAR NOT NULL,
    level INTEGER NOT NULL,
    level_name VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    evidence VARCHAR[] NOT NULL,
    gaps_to_next_level VARCHAR[] NOT NULL,
    run_id VARCHAR NOT NULL,
    PRIMARY KEY (assessed_date, dimension)
);
ALTER TABLE metrics.maturity_scores ADD COLUMN IF NOT EXISTS target_level INTEGER;
COMMENT ON COLUMN metrics.maturity_scores.target_level IS 'The level the program aims at (metrics.target_level in aisec.yaml).';

CREATE TABLE IF NOT EXISTS metrics.nist_ai_rmf_scores (
    assessed_date DATE NOT NULL,
    function VARCHAR NOT NULL,
    met INTEGER NOT NULL,
    partly INTEGER NOT NULL,
    not_met INTEGER NOT NULL,
    manual INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    score DOUBLE,
    run_id VARCHAR NOT NULL,
    PRIMARY KEY (assessed_date, function)
);
COMMENT ON TABLE metrics.nist_ai_rmf_scores IS 'NIST AI RMF function scores (GOVERN, MAP, MEASURE, MANAGE) per day from framework compliance: requirements by status and a score.';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.function IS 'GOVERN, MAP, MEASURE or MANAGE.';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.met IS 'Subcategories met.';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.partly IS 'Subcategories partly met.';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.not_met IS 'Subcategories not met.';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.manual IS 'Subcategories only a person can assess (organisational practice).';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.not_applicable IS 'Subcategories with no asset in scope.';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.score IS '100 x (met + partly / 2) / (met + partly + not_met); NULL when none is assessable.';
COMMENT ON COLUMN metrics.nist_ai_rmf_scores.run_id IS 'Dagster run that computed the row.';

CREATE OR REPLACE VIEW metrics.kpi_dictionary AS
SELECT column_name AS kpi, data_type, comment AS definition
FROM duckdb_columns()
WHERE schema_name = 'metrics' AND table_name = 'program_kpis'
  AND column_name NOT IN ('kpi_date', 'run_id', 'null_reasons')
ORDER BY column_index;
COMMENT ON VIEW metrics.kpi_dictionary IS 'The KPI data dictionary: each KPI of metrics.program_kpis with its type, definition and source tables.';

COMMENT ON TABLE metrics.maturity_scores IS 'CMMI-style maturity (1 Initial .. 5 Optimizing) per program dimension per day, with evidence and gaps to the next level.';

-- ---------------------------------------------------------------- column comments
-- The asset record's fields (the design brief's AIAsset), shared by discovery and inventory.
COMMENT ON COLUMN discovery.discovered_assets.resource_id IS 'The resource identifier as the source reported it.';
COMMENT ON COLUMN discovery.discovered_assets.name IS 'Resource name as the source knows it.';
COMMENT ON COLUMN discovery.discovered_assets.asset_type IS 'foundation_model, fine_tuned_model, embedding_model, vector_database, training_dataset, evaluation_dataset, ai_agent, api_endpoint, guardrail_config, prompt_template, api_key, integration_point.';
COMMENT ON COLUMN discovery.discovered_assets.owner_team IS 'Owning team (registry entry or owner-team tag).';
COMMENT ON COLUMN discovery.discovered_assets.data_classification IS 'public | internal | confidential | restricted | regulated; NULL = this source does not know.';
COMMENT ON COLUMN discovery.discovered_assets.deployment_env IS 'development | staging | production | research; NULL = this source does not know.';
COMMENT ON COLUMN discovery.discovered_assets.extracted_at IS 'When the source run that produced this row read it (UTC).';
COMMENT ON COLUMN discovery.discovered_assets.run_id IS 'Dagster run that wrote the row.';
COMMENT ON COLUMN discovery.rejected_records.source IS 'Discovery source that refused the input.';
COMMENT ON COLUMN discovery.rejected_records.reason IS 'Why it was refused, naming the bad value and what was expected.';
COMMENT ON COLUMN discovery.rejected_records.excerpt IS 'Short excerpt of the bad input; credential-shaped text is redacted.';
COMMENT ON COLUMN discovery.rejected_records.rejected_at IS 'When the run refused it (UTC).';
COMMENT ON COLUMN discovery.source_status.status IS 'ok | partial | failed: outcome of the last attempt (partial = some parts, e.g. an Azure subscription or a Hugging Face location, could not be read; the rest was).';
COMMENT ON COLUMN discovery.source_status.stale IS 'Some or all of the source''s rows come from an earlier successful run (its last attempt failed, or was partial and kept the rows of the unreadable parts).';
COMMENT ON COLUMN discovery.source_status.last_error IS 'Why the last attempt failed, or which parts a partial attempt could not read and why (NULL when it succeeded).';
COMMENT ON COLUMN discovery.source_status.last_success_at IS 'The last attempt that read every part of the source (status ok).';
COMMENT ON COLUMN discovery.source_status.record_count IS 'Rows the source holds in discovered_assets.';
COMMENT ON COLUMN discovery.source_status.rejected_count IS 'Input records the last successful attempt refused.';

COMMENT ON COLUMN inventory.ai_assets.natural_key IS 'Globally unique resource identifier the id is derived from.';
COMMENT ON COLUMN inventory.ai_assets.name IS 'Resource name (discovery wins over the registry).';
COMMENT ON COLUMN inventory.ai_assets.asset_type IS 'foundation_model, fine_tuned_model, embedding_model, vector_database, training_dataset, evaluation_dataset, ai_agent, api_endpoint, guardrail_config, prompt_template, api_key, integration_point.';
COMMENT ON COLUMN inventory.ai_assets.owner_team IS 'Owning team; NULL is the no_owner gap.';
COMMENT ON COLUMN inventory.ai_assets.owner_email IS 'Owning team''s contact address.';
COMMENT ON COLUMN inventory.ai_assets.model_provider IS 'openai, anthropic, google, azure_openai, aws_bedrock, gcp_vertex, aws_sagemaker, huggingface, ...';
COMMENT ON COLUMN inventory.ai_assets.model_name IS 'Model id or name (e.g. a Bedrock modelId, an Azure model name, a Hub repo id).';
COMMENT ON COLUMN inventory.ai_assets.is_self_hosted IS 'Weights run on infrastructure the organisation operates.';
COMMENT ON COLUMN inventory.ai_assets.parameter_count IS 'Parameter count in human form (e.g. 8B), from safetensors headers or the registry.';
COMMENT ON COLUMN inventory.ai_assets.source_url IS 'Where the model or data comes from (huggingface.co raises supply-chain risk).';
COMMENT ON COLUMN inventory.ai_assets.license_type IS 'License identifier; NULL or unknown earns no supply-chain credit.';
COMMENT ON COLUMN inventory.ai_assets.last_security_review IS 'Date of the last security review; NULL is the no_security_review gap, older than 90 days stale_review.';
COMMENT ON COLUMN inventory.ai_assets.sbom_available IS 'An AI-SBOM exists for the asset.';
COMMENT ON COLUMN inventory.ai_assets.api_endpoint IS 'Endpoint URL the asset is served at.';
COMMENT ON COLUMN inventory.ai_assets.cloud_provider IS 'aws | azure | ... (NULL for on-premises).';
COMMENT ON COLUMN inventory.ai_assets.cloud_account IS 'AWS account id or Azure subscription id.';
COMMENT ON COLUMN inventory.ai_assets.cloud_region IS 'Cloud region or Azure location.';
COMMENT ON COLUMN inventory.ai_assets.posture IS 'Technical posture facts keyed by the source that found them: {"aws_bedrock": {...}, "huggingface": {...}}.';
COMMENT ON COLUMN inventory.ai_assets.upstream_assets IS 'Asset ids this asset depends on (see inventory.asset_dependencies).';
COMMENT ON COLUMN inventory.ai_assets.downstream_assets IS 'Asset ids that depend on this asset.';
COMMENT ON COLUMN inventory.ai_assets_history.snapshot_at IS 'When the inventory run took this snapshot (UTC).';
COMMENT ON COLUMN inventory.ai_assets_history.run_id IS 'Dagster run that took the snapshot.';
COMMENT ON COLUMN inventory.asset_dependencies.from_asset_id IS 'The dependent asset (e.g. the agent).';
COMMENT ON COLUMN inventory.asset_dependencies.to_asset_id IS 'What it depends on (e.g. the model it invokes).';
COMMENT ON COLUMN inventory.asset_dependencies.to_resource_id IS 'Natural key of the target, also when it is not in the inventory.';
COMMENT ON COLUMN inventory.asset_dependencies.sources IS 'Sources that reported the edge.';

COMMENT ON COLUMN risk.risk_scores.asset_id IS 'The assessed asset (inventory.ai_assets).';
COMMENT ON COLUMN risk.risk_scores.assessed_date IS 'The day assessed (the run tag aisec/as_of, else the run''s day).';
COMMENT ON COLUMN risk.risk_scores.data_sensitivity_score IS 'Dimension score 0-100 from the data classification (weight 0.25 by default).';
COMMENT ON COLUMN risk.risk_scores.deployment_exposure_score IS 'Dimension score 0-100: network exposure x environment multiplier (weight 0.20).';
COMMENT ON COLUMN risk.risk_scores.model_provenance_score IS 'Dimension score 0-100: provider, self-hosting and review age (weight 0.15).';
COMMENT ON COLUMN risk.risk_scores.regulatory_impact_score IS 'Dimension score 0-100 from the regulatory scope (weight 0.15).';
COMMENT ON COLUMN risk.risk_scores.capability_risk_score IS 'Dimension score 0-100 from the asset type (weight 0.15).';
COMMENT ON COLUMN risk.risk_scores.supply_chain_score IS 'Dimension score 0-100: SBOM, license and Hub origin (weight 0.10).';
COMMENT ON COLUMN risk.risk_scores.risk_reduction_percentage IS 'How much the controls reduce the inherent risk, in percent.';
COMMENT ON COLUMN risk.risk_scores.operational_controls IS 'Distinct operational control types that counted towards effectiveness.';
COMMENT ON COLUMN risk.risk_scores.scored_at IS 'When the scores were computed (UTC).';
COMMENT ON COLUMN risk.risk_scores.run_id IS 'Dagster run that computed them.';

COMMENT ON COLUMN compliance.compliance_gaps.assessed_date IS 'The day the gap was open.';
COMMENT ON COLUMN compliance.compliance_gaps.asset_id IS 'The asset with the gap (inventory.ai_assets); NULL for a gap of the program itself (overdue_policy_review).';
COMMENT ON COLUMN compliance.compliance_gaps.severity IS 'critical | high | medium.';
COMMENT ON COLUMN compliance.compliance_gaps.detail IS 'What exactly is missing or wrong.';
COMMENT ON COLUMN compliance.compliance_gaps.run_id IS 'Dagster run that found it.';


COMMENT ON COLUMN metrics.maturity_scores.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN metrics.maturity_scores.dimension IS 'Program dimension (Asset Management, ...).';
COMMENT ON COLUMN metrics.maturity_scores.level IS '1 Initial, 2 Managed, 3 Defined, 4 Quantitatively Managed, 5 Optimizing.';
COMMENT ON COLUMN metrics.maturity_scores.level_name IS 'Name of the level.';
COMMENT ON COLUMN metrics.maturity_scores.score IS 'Score 0-100 within the dimension (see sql/metrics/maturity_scores.sql: coverage x 100, 100 - 5 x MTTD, 25 x engagements, or the configured rate x 100).';
COMMENT ON COLUMN metrics.maturity_scores.evidence IS 'The facts the level rests on.';
COMMENT ON COLUMN metrics.maturity_scores.gaps_to_next_level IS 'What it takes to reach the next level.';
COMMENT ON COLUMN metrics.maturity_scores.run_id IS 'Dagster run that computed the row.';
