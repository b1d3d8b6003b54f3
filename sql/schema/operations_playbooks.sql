-- The operations pillar (SPEC 3.6): the incident-response playbooks
-- (aisec_assets/operations/playbooks/*.yaml) as tables, replaced whole by the playbooks asset.
-- Current state: the tables hold exactly the library last written. Idempotent.
CREATE SCHEMA IF NOT EXISTS operations;

CREATE TABLE IF NOT EXISTS operations.playbooks (
    category VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    severity_default VARCHAR NOT NULL,
    personal_data BOOLEAN NOT NULL,
    serious_incident_possible BOOLEAN NOT NULL,
    evidence_to_collect VARCHAR[] NOT NULL,
    notification_requirements JSON NOT NULL,
    runbook_markdown VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    library_digest VARCHAR NOT NULL,
    regulatory_notes VARCHAR[],
    runbook_path VARCHAR
);
COMMENT ON TABLE operations.playbooks IS 'One row per incident category: the playbook the incidents of that category follow (aisec_assets/operations/playbooks/<category>.yaml), replaced whole by the playbooks asset.';
COMMENT ON COLUMN operations.playbooks.category IS 'Incident category: prompt_injection_exploitation, data_exfiltration_via_model, model_supply_chain_compromise, agent_unauthorized_actions, training_data_poisoning, model_denial_of_service, pii_leakage_in_output, jailbreak_bypass, model_compromise.';
COMMENT ON COLUMN operations.playbooks.title IS 'The playbook''s title.';
COMMENT ON COLUMN operations.playbooks.description IS 'What incidents of this category are.';
COMMENT ON COLUMN operations.playbooks.severity_default IS 'sev1..sev4 (AI incident classification policy): the severity an incident of the category opens with before its asset and escalation triggers move it.';
COMMENT ON COLUMN operations.playbooks.personal_data IS 'Personal data is disclosed by the nature of the category: the GDPR Art. 33 clock (72 hours to the supervisory authority) starts at awareness. Otherwise it starts when personal data is found to be involved.';
COMMENT ON COLUMN operations.playbooks.serious_incident_possible IS 'The category can be a serious incident (EU AI Act Art. 3(49)) of a high-risk system: Art. 73 report within 15 days (2 days widespread / critical infrastructure, 10 days for a death).';
COMMENT ON COLUMN operations.playbooks.evidence_to_collect IS 'What to collect and preserve, in order of importance.';
COMMENT ON COLUMN operations.playbooks.notification_requirements IS 'JSON list: {audience (a RACI role or supervisory_authority, market_surveillance_authority, data_subjects, downstream_system_owners, model_provider, cloud_provider, finance), channel (page, phone, chat, email, ticket, regulator_portal), within_minutes from awareness, condition {severity: [..], personal_data: true|false|null, serious_incident: true|false|null}, note}.';
COMMENT ON COLUMN operations.playbooks.runbook_markdown IS 'The runbook rendered as Markdown: triggers, steps by phase, evidence, notifications, regulatory notes, automations.';
COMMENT ON COLUMN operations.playbooks.content_hash IS 'SHA-256 of the playbook''s content (not its file''s formatting): changes exactly when the playbook does.';
COMMENT ON COLUMN operations.playbooks.library_digest IS 'SHA-256 prefix of all playbook files that produced these tables.';
COMMENT ON COLUMN operations.playbooks.regulatory_notes IS 'Regulatory notes specific to the category.';
COMMENT ON COLUMN operations.playbooks.runbook_path IS 'Where the rendered runbook was written (<warehouse dir>/runbooks/<category>.md).';

CREATE TABLE IF NOT EXISTS operations.playbook_steps (
    category VARCHAR NOT NULL,
    step_number INTEGER NOT NULL,
    phase VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    responsible_role VARCHAR NOT NULL,
    automated BOOLEAN NOT NULL,
    automation VARCHAR,
    timeout_minutes INTEGER NOT NULL,
    escalation_trigger VARCHAR,
    PRIMARY KEY (category, step_number)
);
COMMENT ON TABLE operations.playbook_steps IS 'The steps of every playbook, in order; an incident takes them as its tasks.';
COMMENT ON COLUMN operations.playbook_steps.category IS 'The playbook (operations.playbooks).';
COMMENT ON COLUMN operations.playbook_steps.step_number IS '1..n within the playbook, in phase order.';
COMMENT ON COLUMN operations.playbook_steps.phase IS 'detection | containment | eradication | recovery | lessons_learned.';
COMMENT ON COLUMN operations.playbook_steps.action IS 'What to do.';
COMMENT ON COLUMN operations.playbook_steps.responsible_role IS 'Who does it: ciso, ai_security_lead, soc_analyst, platform_engineering, model_owner, ml_engineer, data_protection_officer, legal_compliance (the governance RACI roles).';
COMMENT ON COLUMN operations.playbook_steps.automated IS 'The program can run the step itself (dry-run by default).';
COMMENT ON COLUMN operations.playbook_steps.automation IS 'The action an automated step runs (playbook_library ACTIONS, e.g. bedrock.disable_action_group, iam.deactivate_access_key, aisec.notify); NULL for a manual step.';
COMMENT ON COLUMN operations.playbook_steps.timeout_minutes IS 'How long the step may take before it is overdue.';
COMMENT ON COLUMN operations.playbook_steps.escalation_trigger IS 'When to escalate, and to what (NULL: none beyond the timeout).';

CREATE TABLE IF NOT EXISTS operations.playbook_triggers (
    category VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY (kind, value)
);
COMMENT ON TABLE operations.playbook_triggers IS 'What opens an incident of which category: every detection rule family answers to exactly one playbook, a compliance finding type to at most one (validated when the library loads).';
COMMENT ON COLUMN operations.playbook_triggers.category IS 'The playbook (operations.playbooks).';
COMMENT ON COLUMN operations.playbook_triggers.kind IS 'detection_family | finding_type.';
COMMENT ON COLUMN operations.playbook_triggers.value IS 'A detection rule family (monitoring.detection_rules.family) or a compliance gap type (compliance.compliance_gaps.gap_type).';
