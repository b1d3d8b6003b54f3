-- What changed in the program, day over day: metrics.program_changes, written by the
-- program_changes asset (sql/metrics/program_changes.sql). Idempotent; runs after
-- schema/warehouse, schema/controls, schema/monitoring and schema/operations (it only needs the
-- metrics schema itself, but its comments name their tables).
CREATE SCHEMA IF NOT EXISTS metrics;

CREATE TABLE IF NOT EXISTS metrics.program_changes (
    assessed_date DATE NOT NULL,
    change_type VARCHAR NOT NULL,
    subject_id VARCHAR NOT NULL,
    subject_name VARCHAR,
    related_id VARCHAR,
    related_name VARCHAR,
    before VARCHAR,
    after VARCHAR,
    before_score DOUBLE,
    after_score DOUBLE,
    previous_date DATE,
    detail VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
    -- Replaced per day in one transaction; no index to maintain (see risk.risk_scores).
);
COMMENT ON TABLE metrics.program_changes IS 'What changed in the program on a day against the previous day that has data (per source, not necessarily yesterday): new and vanished assets, risk level moves, new critical detections, incidents opened and closed, controls gained and lost, maturity moves. The first day with data holds one baseline row instead. Rerunning a day replaces its rows.';
COMMENT ON COLUMN metrics.program_changes.assessed_date IS 'The day the changes happened (the run''s day, run tag aisec/as_of).';
COMMENT ON COLUMN metrics.program_changes.change_type IS 'baseline | asset_new | asset_vanished | risk_up | risk_down | detection_critical | incident_opened | incident_closed | control_gained | control_lost | maturity_up | maturity_down.';
COMMENT ON COLUMN metrics.program_changes.subject_id IS 'What changed: the asset id (asset_*, risk_*, control_*), detection id, incident id, maturity dimension; for a baseline row program, or the source without a previous day (inventory, risk, controls, maturity).';
COMMENT ON COLUMN metrics.program_changes.subject_name IS 'Its name: asset name, rule title, incident title, dimension.';
COMMENT ON COLUMN metrics.program_changes.related_id IS 'The second key of the change: the catalog control of a control change (controls.catalog_controls), the asset of a detection or incident (NULL when the evidence names none).';
COMMENT ON COLUMN metrics.program_changes.related_name IS 'Its name: control title, asset name.';
COMMENT ON COLUMN metrics.program_changes.before IS 'The value on the previous day: inventory status, risk level, control status, maturity level and name, incident state; NULL = the subject did not exist then (a new asset, a new detection, an opened incident) or the control was not assessed for the asset.';
COMMENT ON COLUMN metrics.program_changes.after IS 'The value on the day (same kinds as before); NULL = no longer assessed (a control no longer listed for the asset).';
COMMENT ON COLUMN metrics.program_changes.before_score IS 'Score on the previous day: residual risk score (risk moves), maturity score (maturity moves); else NULL.';
COMMENT ON COLUMN metrics.program_changes.after_score IS 'Score on the day (as before_score).';
COMMENT ON COLUMN metrics.program_changes.previous_date IS 'The day compared with (the latest earlier day with data in the source: inventory snapshot, risk scores, control evidence, maturity); NULL for events of the day (detections, incidents) and baseline rows.';
COMMENT ON COLUMN metrics.program_changes.detail IS 'One line for a changelog: what changed, with the facts behind it.';
COMMENT ON COLUMN metrics.program_changes.run_id IS 'Dagster run that recorded the row.';
