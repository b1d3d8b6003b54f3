-- The governance pillar (SPEC 3.3): policies, the RACI matrix and its people, the risk appetite
-- grid, risk acceptances, attestations of process controls, and per day the assets out of
-- appetite. Written by the governance assets from the organisation's governance files
-- (aisec.yaml governance.directory). Idempotent.
CREATE SCHEMA IF NOT EXISTS governance;

-- ---------------------------------------------------------------- policies
CREATE TABLE IF NOT EXISTS governance.policies (
    policy_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    version VARCHAR,
    content_hash VARCHAR NOT NULL,
    owner VARCHAR,
    approver VARCHAR,
    approved_on DATE,
    review_due DATE,
    status VARCHAR NOT NULL,
    rendered_path VARCHAR NOT NULL,
    review_overdue BOOLEAN NOT NULL,
    assessed_date DATE NOT NULL
);
COMMENT ON TABLE governance.policies IS 'The five AI policies as rendered for the organisation (templates shipped in aisec_assets/governance/policies/, parameters from aisec.yaml governance.policy_parameters), with their document control from policies.yaml. Replaced whole by every run of the policies asset.';
COMMENT ON COLUMN governance.policies.policy_id IS 'acceptable_ai_use | model_procurement | ai_data_handling | red_teaming | ai_incident_classification.';
COMMENT ON COLUMN governance.policies.title IS 'The policy''s title.';
COMMENT ON COLUMN governance.policies.version IS 'Version declared in policies.yaml (NULL: the policy is not declared there).';
COMMENT ON COLUMN governance.policies.content_hash IS 'SHA-256 (hex) of the rendered policy text without its document-control header: changes exactly when the wording or a parameter changes, so a changed policy without a new version is visible.';
COMMENT ON COLUMN governance.policies.owner IS 'Who maintains the policy (policies.yaml).';
COMMENT ON COLUMN governance.policies.approver IS 'Who approved the version in force (policies.yaml).';
COMMENT ON COLUMN governance.policies.approved_on IS 'When that version was approved.';
COMMENT ON COLUMN governance.policies.review_due IS 'When the policy must next be reviewed and re-approved.';
COMMENT ON COLUMN governance.policies.status IS 'draft | approved | retired (draft when the policy is not declared in policies.yaml).';
COMMENT ON COLUMN governance.policies.rendered_path IS 'The rendered Markdown file (<warehouse directory>/policies/<policy_id>.md).';
COMMENT ON COLUMN governance.policies.review_overdue IS 'The policy is not retired and its review_due is before the assessed day.';
COMMENT ON COLUMN governance.policies.assessed_date IS 'The day the run assessed (review_overdue is relative to it).';

-- ---------------------------------------------------------------- RACI
CREATE TABLE IF NOT EXISTS governance.raci_matrix (
    activity VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    assignment VARCHAR NOT NULL,
    people VARCHAR[] NOT NULL,
    PRIMARY KEY (activity, role)
);
COMMENT ON TABLE governance.raci_matrix IS 'Who does what in AI security (raci.yaml): one row per activity and involved role. Validated on load: exactly one Accountable and at least one Responsible role per activity, every role defined. Replaced whole by every run of raci_matrix.';
COMMENT ON COLUMN governance.raci_matrix.activity IS 'AI security activity (asset_inventory, risk_assessment, incident_response, ...).';
COMMENT ON COLUMN governance.raci_matrix.role IS 'Role name (governance.people.roles).';
COMMENT ON COLUMN governance.raci_matrix.assignment IS 'R (responsible: does the work) | A (accountable: owns the outcome, one per activity) | C (consulted) | I (informed).';
COMMENT ON COLUMN governance.raci_matrix.people IS 'E-mail addresses of the people who hold the role (governance.people), sorted; empty = the role is vacant.';

CREATE TABLE IF NOT EXISTS governance.people (
    email VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    roles VARCHAR[] NOT NULL
);
COMMENT ON TABLE governance.people IS 'The people named in the governance files (raci.yaml people:): approvers of risk acceptances, attesters, role holders. Replaced whole by every run of raci_matrix.';
COMMENT ON COLUMN governance.people.email IS 'Work e-mail address, lower-case; how the other governance files refer to the person.';
COMMENT ON COLUMN governance.people.name IS 'Display name.';
COMMENT ON COLUMN governance.people.team IS 'The person''s team, as inventory.ai_assets.owner_team names teams (an approver may not approve for an asset their own team owns).';
COMMENT ON COLUMN governance.people.roles IS 'RACI roles the person holds.';

-- ---------------------------------------------------------------- risk appetite
CREATE TABLE IF NOT EXISTS governance.risk_appetite (
    environment VARCHAR NOT NULL,
    data_classification VARCHAR NOT NULL,
    max_residual_risk DOUBLE NOT NULL,
    rule VARCHAR NOT NULL,
    PRIMARY KEY (environment, data_classification)
);
COMMENT ON TABLE governance.risk_appetite IS 'The maximum residual risk the organisation accepts, for every environment x data classification (risk_appetite.yaml expanded to the full grid; the most specific rule wins). Rows with unknown carry the strictest limit over that dimension, so a missing or invalid value never hides a breach. Replaced whole by every run of risk_appetite; empty when governance is not configured.';
COMMENT ON COLUMN governance.risk_appetite.environment IS 'development | staging | production | research | unknown (NULL or invalid deployment_env in the inventory).';
COMMENT ON COLUMN governance.risk_appetite.data_classification IS 'public | internal | confidential | restricted | regulated | unknown (NULL or invalid data_classification in the inventory).';
COMMENT ON COLUMN governance.risk_appetite.max_residual_risk IS 'Highest residual risk score (0-100) within appetite; a higher score is a breach.';
COMMENT ON COLUMN governance.risk_appetite.rule IS 'Which rule produced the limit: rules[i] (with its selector), default_max_residual, or for unknown the strictest of the candidate cells and the rule behind it.';

-- ---------------------------------------------------------------- risk acceptances
CREATE TABLE IF NOT EXISTS governance.risk_acceptances (
    acceptance_id VARCHAR NOT NULL,
    asset_ref VARCHAR NOT NULL,
    asset_id VARCHAR,
    control_id VARCHAR,
    finding_type VARCHAR,
    owner VARCHAR NOT NULL,
    justification VARCHAR NOT NULL,
    approver VARCHAR NOT NULL,
    approver_team VARCHAR,
    approved_on DATE NOT NULL,
    expires_on DATE NOT NULL,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    assessed_date DATE NOT NULL,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE governance.risk_acceptances IS 'Risk acceptances (exceptions) from acceptances.yaml as assessed on a day: one row per acceptance per day. Only status active suppresses the finding it names; an expired acceptance reopens it. Replaced per day; other days are kept as history.';
COMMENT ON COLUMN governance.risk_acceptances.acceptance_id IS 'The acceptance''s id in acceptances.yaml (unique there).';
COMMENT ON COLUMN governance.risk_acceptances.asset_ref IS 'The asset as the file names it: an asset id or an asset name.';
COMMENT ON COLUMN governance.risk_acceptances.asset_id IS 'The inventory asset it resolves to (NULL: unknown or ambiguous, status rejected).';
COMMENT ON COLUMN governance.risk_acceptances.control_id IS 'The catalog control whose absence is accepted (controls.catalog_controls); NULL when a finding is accepted.';
COMMENT ON COLUMN governance.risk_acceptances.finding_type IS 'The finding accepted (compliance gap type, or appetite_breach); NULL when a control is accepted.';
COMMENT ON COLUMN governance.risk_acceptances.owner IS 'Who owns the accepted risk and its remediation.';
COMMENT ON COLUMN governance.risk_acceptances.justification IS 'Why the risk is accepted, and what compensates for it.';
COMMENT ON COLUMN governance.risk_acceptances.approver IS 'E-mail of the approver (must be in governance.people).';
COMMENT ON COLUMN governance.risk_acceptances.approver_team IS 'The approver''s team (governance.people); NULL when the approver is unknown.';
COMMENT ON COLUMN governance.risk_acceptances.approved_on IS 'When the acceptance was approved; it is in force from that day.';
COMMENT ON COLUMN governance.risk_acceptances.expires_on IS 'Last day the acceptance is in force; the finding reopens the day after.';
COMMENT ON COLUMN governance.risk_acceptances.status IS 'active (in force on the assessed day) | expired (expires_on before the assessed day) | pending (approved_on after the assessed day) | rejected (not valid: reason says why; never in force).';
COMMENT ON COLUMN governance.risk_acceptances.reason IS 'Why the acceptance is rejected or not in force (NULL when active): unknown or ambiguous asset, approver not in raci.yaml people, self-approval (the approver''s team owns the asset, or the approver is the owner), control not in the catalog.';
COMMENT ON COLUMN governance.risk_acceptances.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN governance.risk_acceptances.run_id IS 'Dagster run that assessed it.';

-- ---------------------------------------------------------------- attestations
CREATE TABLE IF NOT EXISTS governance.control_attestations (
    control_id VARCHAR NOT NULL,
    asset_id VARCHAR NOT NULL,
    evidence VARCHAR NOT NULL,
    attested_by VARCHAR NOT NULL,
    attested_on DATE NOT NULL,
    valid_until DATE NOT NULL,
    assessed_date DATE NOT NULL,
    selector VARCHAR NOT NULL,
    entry VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE governance.control_attestations IS 'Declared evidence for process controls no scan can see (red-teaming, secret scanning in CI, ...), from attestations.yaml: one row per attestation and asset it covers, only those valid on the assessed day (attested_on <= day <= valid_until); a team selector is expanded to every active asset of the team. Invalid references are in governance.rejected_entries. Replaced per day.';
COMMENT ON COLUMN governance.control_attestations.control_id IS 'The catalog control attested (controls.catalog_controls).';
COMMENT ON COLUMN governance.control_attestations.asset_id IS 'An asset the attestation covers (inventory.ai_assets).';
COMMENT ON COLUMN governance.control_attestations.evidence IS 'What was done, and where the record of it is kept.';
COMMENT ON COLUMN governance.control_attestations.attested_by IS 'E-mail of the person attesting (governance.people).';
COMMENT ON COLUMN governance.control_attestations.attested_on IS 'When it was attested.';
COMMENT ON COLUMN governance.control_attestations.valid_until IS 'Last day the attestation counts as evidence.';
COMMENT ON COLUMN governance.control_attestations.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN governance.control_attestations.selector IS 'How the file selected the asset: asset:<name or id> or team:<team>.';
COMMENT ON COLUMN governance.control_attestations.entry IS 'The attestation in the file: attestations[i] (line n).';
COMMENT ON COLUMN governance.control_attestations.run_id IS 'Dagster run that wrote the row.';

CREATE TABLE IF NOT EXISTS governance.rejected_entries (
    file VARCHAR NOT NULL,
    entry VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    assessed_date DATE NOT NULL,
    kind VARCHAR NOT NULL,
    line INTEGER,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE governance.rejected_entries IS 'Entries of the governance files that are well-formed but cannot be used on the assessed day (unknown asset, team, control or person; self-approval): they count for nothing. Replaced per day and kind.';
COMMENT ON COLUMN governance.rejected_entries.file IS 'The governance file (path as configured).';
COMMENT ON COLUMN governance.rejected_entries.entry IS 'Which entry: acceptances[i] <id> or attestations[i] <control>.';
COMMENT ON COLUMN governance.rejected_entries.reason IS 'Why it was rejected, naming the bad reference.';
COMMENT ON COLUMN governance.rejected_entries.assessed_date IS 'The day assessed.';
COMMENT ON COLUMN governance.rejected_entries.kind IS 'acceptance | attestation.';
COMMENT ON COLUMN governance.rejected_entries.line IS 'Line of the entry in the file.';
COMMENT ON COLUMN governance.rejected_entries.run_id IS 'Dagster run that assessed it.';

-- ---------------------------------------------------------------- appetite breaches
CREATE TABLE IF NOT EXISTS governance.risk_appetite_breaches (
    assessed_date DATE NOT NULL,
    asset_id VARCHAR NOT NULL,
    environment VARCHAR NOT NULL,
    data_classification VARCHAR NOT NULL,
    residual_risk_score DOUBLE NOT NULL,
    max_residual_risk DOUBLE NOT NULL,
    rule VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE governance.risk_appetite_breaches IS 'Assets whose residual risk on a day exceeds the risk appetite for their environment and data classification (risk.risk_scores x governance.risk_appetite): each is an appetite_breach finding. Replaced per day; other days are kept as history.';
COMMENT ON COLUMN governance.risk_appetite_breaches.assessed_date IS 'The day assessed (risk.risk_scores.assessed_date).';
COMMENT ON COLUMN governance.risk_appetite_breaches.asset_id IS 'The asset out of appetite (inventory.ai_assets).';
COMMENT ON COLUMN governance.risk_appetite_breaches.environment IS 'The asset''s environment as the grid saw it: unknown when NULL, not a known value, or listed in invalid_fields.';
COMMENT ON COLUMN governance.risk_appetite_breaches.data_classification IS 'The asset''s data classification as the grid saw it: unknown when NULL, not a known value, or listed in invalid_fields.';
COMMENT ON COLUMN governance.risk_appetite_breaches.residual_risk_score IS 'The residual risk score that day.';
COMMENT ON COLUMN governance.risk_appetite_breaches.max_residual_risk IS 'The limit it exceeds (governance.risk_appetite).';
COMMENT ON COLUMN governance.risk_appetite_breaches.rule IS 'The appetite rule behind the limit.';
COMMENT ON COLUMN governance.risk_appetite_breaches.run_id IS 'Dagster run that found it.';
