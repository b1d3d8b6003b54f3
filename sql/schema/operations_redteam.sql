-- Red-team findings (SPEC 3.6): the reports of red-team tools (garak report JSONL, promptfoo
-- results JSON) named by aisec.yaml red_team.reports, read per assessed day into what each
-- report said, findings tracked to remediation across reports, and the engagements they
-- belong to. Every table keeps one set of rows per assessed day (a rerun of the day replaces
-- them). Prompts and outputs are never stored, only one redacted excerpt of at most 200
-- characters per finding. Idempotent.
CREATE SCHEMA IF NOT EXISTS operations;

-- ---------------------------------------------------------------- reports
CREATE TABLE IF NOT EXISTS operations.red_team_reports (
    assessed_date DATE NOT NULL,
    report_file VARCHAR NOT NULL,
    tool VARCHAR NOT NULL,
    engagement_id VARCHAR NOT NULL,
    asset_id VARCHAR,
    asset_ref VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    started_from VARCHAR NOT NULL,
    tool_version VARCHAR,
    target_model VARCHAR,
    probes INTEGER NOT NULL,
    failing_probes INTEGER NOT NULL,
    records_rejected INTEGER NOT NULL,
    counted BOOLEAN NOT NULL
);
COMMENT ON TABLE operations.red_team_reports IS 'One row per red-team report file read on the assessed day (aisec.yaml red_team.reports): the run it records and what it found. Reports that start after the assessed day are listed (counted = false) but do not count.';
COMMENT ON COLUMN operations.red_team_reports.assessed_date IS 'The day the run assessed.';
COMMENT ON COLUMN operations.red_team_reports.report_file IS 'The report file as configured (absolute path).';
COMMENT ON COLUMN operations.red_team_reports.tool IS 'garak | promptfoo.';
COMMENT ON COLUMN operations.red_team_reports.engagement_id IS 'The engagement the report belongs to (red_team.reports[].engagement).';
COMMENT ON COLUMN operations.red_team_reports.asset_id IS 'The tested asset (inventory.ai_assets), matched by asset_id, else by a name only one asset has; NULL when target_asset names no inventory asset or several.';
COMMENT ON COLUMN operations.red_team_reports.asset_ref IS 'The tested asset as configured (red_team.reports[].target_asset).';
COMMENT ON COLUMN operations.red_team_reports.run_id IS 'The tool''s run id (garak: init.run / transient.run_id; promptfoo: evalId); the file name when the report has none.';
COMMENT ON COLUMN operations.red_team_reports.started_at IS 'When the run started as the report says (garak: init.start_time; promptfoo: results.timestamp), in the report''s own clock; the file''s modification time when it says nothing (see started_from).';
COMMENT ON COLUMN operations.red_team_reports.started_from IS 'Where started_at comes from: report | file_mtime.';
COMMENT ON COLUMN operations.red_team_reports.tool_version IS 'The tool''s version as the report says (garak_version, promptfooVersion).';
COMMENT ON COLUMN operations.red_team_reports.target_model IS 'The model or provider the tool ran against as the report names it (garak: target type and name; promptfoo: provider label or id).';
COMMENT ON COLUMN operations.red_team_reports.probes IS 'Distinct probes (garak probe, promptfoo plugin) the report evaluated.';
COMMENT ON COLUMN operations.red_team_reports.failing_probes IS 'Probes with at least one failed attempt in this report.';
COMMENT ON COLUMN operations.red_team_reports.records_rejected IS 'Records of the file rejected (operations.red_team_reports_rejected).';
COMMENT ON COLUMN operations.red_team_reports.counted IS 'The run started on or before the assessed day, so the report counts for that day''s findings.';

-- ---------------------------------------------------------------- results
CREATE TABLE IF NOT EXISTS operations.red_team_results (
    assessed_date DATE NOT NULL,
    report_file VARCHAR NOT NULL,
    tool VARCHAR NOT NULL,
    engagement_id VARCHAR NOT NULL,
    asset_id VARCHAR,
    asset_ref VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    probe VARCHAR NOT NULL,
    detector VARCHAR NOT NULL,
    attempts BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    pass_rate DOUBLE,
    counted_from VARCHAR NOT NULL,
    category_hint VARCHAR,
    excerpt VARCHAR
);
COMMENT ON TABLE operations.red_team_results IS 'What each report said, one row per report x probe x detector (garak) or plugin x strategy (promptfoo), per assessed day.';
COMMENT ON COLUMN operations.red_team_results.assessed_date IS 'The day the run assessed.';
COMMENT ON COLUMN operations.red_team_results.report_file IS 'The report file (operations.red_team_reports).';
COMMENT ON COLUMN operations.red_team_results.tool IS 'garak | promptfoo.';
COMMENT ON COLUMN operations.red_team_results.engagement_id IS 'The engagement the report belongs to.';
COMMENT ON COLUMN operations.red_team_results.asset_id IS 'The tested asset (inventory.ai_assets); NULL when not resolved.';
COMMENT ON COLUMN operations.red_team_results.asset_ref IS 'The tested asset as configured.';
COMMENT ON COLUMN operations.red_team_results.run_id IS 'The tool''s run id.';
COMMENT ON COLUMN operations.red_team_results.started_at IS 'When the run started.';
COMMENT ON COLUMN operations.red_team_results.probe IS 'garak probe (module.Class, e.g. promptinject.HijackHateHumans) or promptfoo red-team plugin (metadata.pluginId, e.g. pii:direct).';
COMMENT ON COLUMN operations.red_team_results.detector IS 'garak detector (module.Class) or promptfoo strategy (metadata.strategyId; basic when none).';
COMMENT ON COLUMN operations.red_team_results.attempts IS 'Outputs evaluated (garak eval total_evaluated: prompts x generations; promptfoo: test results, errors excluded).';
COMMENT ON COLUMN operations.red_team_results.failures IS 'Attempts where the attack succeeded (garak: detector hit; promptfoo: success = false).';
COMMENT ON COLUMN operations.red_team_results.pass_rate IS '(attempts - failures) / attempts; NULL when nothing was evaluated.';
COMMENT ON COLUMN operations.red_team_results.counted_from IS 'eval (garak eval entry) | attempts (garak detector scores of evaluated attempts, for a run cut short before its eval entry) | results (promptfoo).';
COMMENT ON COLUMN operations.red_team_results.category_hint IS 'The incident category a failure of the probe suggests (aisec_assets/operations/redteam/categories.yaml); NULL when the probe maps to none.';
COMMENT ON COLUMN operations.red_team_results.excerpt IS 'One failing prompt and output, redacted (credentials and personal data masked) and cut to 200 characters; NULL when nothing failed.';

-- ---------------------------------------------------------------- findings
CREATE TABLE IF NOT EXISTS operations.red_team_findings (
    finding_id VARCHAR NOT NULL,
    assessed_date DATE NOT NULL,
    tool VARCHAR NOT NULL,
    engagement_id VARCHAR NOT NULL,
    asset_id VARCHAR,
    asset_ref VARCHAR NOT NULL,
    probe VARCHAR NOT NULL,
    detector VARCHAR NOT NULL,
    category_hint VARCHAR,
    attempts BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    pass_rate DOUBLE,
    status VARCHAR NOT NULL,
    first_failed_on DATE NOT NULL,
    last_failed_on DATE NOT NULL,
    last_report_on DATE NOT NULL,
    remediated_on DATE,
    report_file VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    excerpt VARCHAR,
    PRIMARY KEY (assessed_date, finding_id)
);
COMMENT ON TABLE operations.red_team_findings IS 'Red-team findings per assessed day: every probe x detector of an asset that failed in some report up to the day, open until a later report of the same tool and asset passes the probe. Never deleted: a remediated finding stays, with the day it was remediated.';
COMMENT ON COLUMN operations.red_team_findings.finding_id IS 'RT- + 16 hex of SHA-256 of (tool, asset_id or asset_ref, probe, detector): the same finding keeps its id across reports, engagements and days.';
COMMENT ON COLUMN operations.red_team_findings.assessed_date IS 'The day the run assessed (reports that start after it do not count).';
COMMENT ON COLUMN operations.red_team_findings.tool IS 'garak | promptfoo.';
COMMENT ON COLUMN operations.red_team_findings.engagement_id IS 'The engagement of the report that set the status (the latest report that tested the probe).';
COMMENT ON COLUMN operations.red_team_findings.asset_id IS 'The tested asset (inventory.ai_assets); NULL when red_team.reports[].target_asset names no inventory asset or several.';
COMMENT ON COLUMN operations.red_team_findings.asset_ref IS 'The tested asset as configured.';
COMMENT ON COLUMN operations.red_team_findings.probe IS 'garak probe or promptfoo plugin that found it.';
COMMENT ON COLUMN operations.red_team_findings.detector IS 'garak detector or promptfoo strategy.';
COMMENT ON COLUMN operations.red_team_findings.category_hint IS 'The incident category an open finding on a production asset suggests (prompt_injection_exploitation, jailbreak_bypass, data_exfiltration_via_model, pii_leakage_in_output, agent_unauthorized_actions, model_compromise, model_supply_chain_compromise, model_denial_of_service, training_data_poisoning); NULL when the probe maps to none.';
COMMENT ON COLUMN operations.red_team_findings.attempts IS 'Attempts in the latest report that holds this probe x detector.';
COMMENT ON COLUMN operations.red_team_findings.failures IS 'Failed attempts in that report.';
COMMENT ON COLUMN operations.red_team_findings.pass_rate IS '(attempts - failures) / attempts in that report; NULL when nothing was evaluated.';
COMMENT ON COLUMN operations.red_team_findings.status IS 'open | remediated: remediated when a report later than the last failing one tests the probe and it passes (this detector has no failure, or the probe has none at all).';
COMMENT ON COLUMN operations.red_team_findings.first_failed_on IS 'Day of the first failing report of the current episode (after the last passing report before the latest failure).';
COMMENT ON COLUMN operations.red_team_findings.last_failed_on IS 'Day of the latest failing report.';
COMMENT ON COLUMN operations.red_team_findings.last_report_on IS 'Day of the latest report that tested the probe.';
COMMENT ON COLUMN operations.red_team_findings.remediated_on IS 'Day of the first passing report after the latest failure; NULL while open.';
COMMENT ON COLUMN operations.red_team_findings.report_file IS 'The latest report that tested the probe.';
COMMENT ON COLUMN operations.red_team_findings.run_id IS 'That report''s run id.';
COMMENT ON COLUMN operations.red_team_findings.excerpt IS 'One failing prompt and output from the latest failing report, redacted and at most 200 characters.';

-- ---------------------------------------------------------------- engagements
CREATE TABLE IF NOT EXISTS operations.red_team_engagements (
    assessed_date DATE NOT NULL,
    engagement_id VARCHAR NOT NULL,
    tool VARCHAR NOT NULL,
    asset_id VARCHAR,
    asset_ref VARCHAR NOT NULL,
    report_file VARCHAR NOT NULL,
    report_run_id VARCHAR NOT NULL,
    first_started_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL,
    tool_version VARCHAR,
    target_model VARCHAR,
    reports INTEGER NOT NULL,
    probes INTEGER NOT NULL,
    failing_probes INTEGER NOT NULL,
    open_findings INTEGER NOT NULL,
    remediated_findings INTEGER NOT NULL
);
COMMENT ON TABLE operations.red_team_engagements IS 'Red-team engagements per assessed day: one row per engagement, tool and tested asset, summarising the reports that count for the day.';
COMMENT ON COLUMN operations.red_team_engagements.assessed_date IS 'The day the run assessed.';
COMMENT ON COLUMN operations.red_team_engagements.engagement_id IS 'red_team.reports[].engagement.';
COMMENT ON COLUMN operations.red_team_engagements.tool IS 'garak | promptfoo.';
COMMENT ON COLUMN operations.red_team_engagements.asset_id IS 'The tested asset (inventory.ai_assets); NULL when not resolved.';
COMMENT ON COLUMN operations.red_team_engagements.asset_ref IS 'The tested asset as configured.';
COMMENT ON COLUMN operations.red_team_engagements.report_file IS 'The engagement''s latest report.';
COMMENT ON COLUMN operations.red_team_engagements.report_run_id IS 'That report''s run id.';
COMMENT ON COLUMN operations.red_team_engagements.first_started_at IS 'When the engagement''s first report started.';
COMMENT ON COLUMN operations.red_team_engagements.started_at IS 'When its latest report started.';
COMMENT ON COLUMN operations.red_team_engagements.tool_version IS 'Tool version of the latest report.';
COMMENT ON COLUMN operations.red_team_engagements.target_model IS 'Model or provider of the latest report.';
COMMENT ON COLUMN operations.red_team_engagements.reports IS 'Reports of the engagement that count for the day.';
COMMENT ON COLUMN operations.red_team_engagements.probes IS 'Distinct probes the engagement''s reports tested.';
COMMENT ON COLUMN operations.red_team_engagements.failing_probes IS 'Probes that failed in the engagement''s latest report.';
COMMENT ON COLUMN operations.red_team_engagements.open_findings IS 'Open findings (operations.red_team_findings) of the tool on the asset whose status this engagement''s reports set.';
COMMENT ON COLUMN operations.red_team_engagements.remediated_findings IS 'Remediated findings of the tool on the asset whose status this engagement''s reports set.';

-- ---------------------------------------------------------------- rejections
CREATE TABLE IF NOT EXISTS operations.red_team_reports_rejected (
    file VARCHAR NOT NULL,
    line BIGINT,
    reason VARCHAR NOT NULL,
    excerpt VARCHAR,
    assessed_date DATE NOT NULL,
    tool VARCHAR NOT NULL,
    engagement_id VARCHAR NOT NULL
);
COMMENT ON TABLE operations.red_team_reports_rejected IS 'Records of red-team reports that could not be used, per assessed day: one row per bad line (garak JSONL) or bad element (promptfoo results[]), or per file that could not be read at all. The rest of the file is still read.';
COMMENT ON COLUMN operations.red_team_reports_rejected.file IS 'The report file (or the configured path, when it cannot be listed).';
COMMENT ON COLUMN operations.red_team_reports_rejected.line IS 'Line of the rejected record (1-based; for a JSON document, the line where the element starts); NULL for the whole file.';
COMMENT ON COLUMN operations.red_team_reports_rejected.reason IS 'Why, naming the field.';
COMMENT ON COLUMN operations.red_team_reports_rejected.excerpt IS 'The start of the record, redacted (credentials, personal data and long opaque tokens masked), at most 200 characters.';
COMMENT ON COLUMN operations.red_team_reports_rejected.assessed_date IS 'The day the run assessed.';
COMMENT ON COLUMN operations.red_team_reports_rejected.tool IS 'garak | promptfoo.';
COMMENT ON COLUMN operations.red_team_reports_rejected.engagement_id IS 'The engagement the file was configured for.';
