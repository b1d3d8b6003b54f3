-- Input tables of the red-team transforms: the parsed reports (aisec_assets/operations/redteam/)
-- are inserted here with bound parameters, then red_team_findings.sql writes the warehouse
-- tables from them in one transaction. Temporary: they live and die with the step's
-- connection and are emptied each time this file runs.

CREATE OR REPLACE TEMP TABLE red_team_report_input (
    report_key INTEGER NOT NULL,
    report_file VARCHAR NOT NULL,
    tool VARCHAR NOT NULL,
    engagement_id VARCHAR NOT NULL,
    asset_ref VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    started_from VARCHAR NOT NULL,
    tool_version VARCHAR,
    target_model VARCHAR,
    records_rejected INTEGER NOT NULL
);

CREATE OR REPLACE TEMP TABLE red_team_result_input (
    report_key INTEGER NOT NULL,
    probe VARCHAR NOT NULL,
    detector VARCHAR NOT NULL,
    attempts BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    counted_from VARCHAR NOT NULL,
    category_hint VARCHAR,
    excerpt VARCHAR
);

CREATE OR REPLACE TEMP TABLE red_team_rejection_input (
    file VARCHAR NOT NULL,
    line BIGINT,
    reason VARCHAR NOT NULL,
    excerpt VARCHAR,
    tool VARCHAR NOT NULL,
    engagement_id VARCHAR NOT NULL
);
