-- The operations pillar (SPEC 3.6): incidents opened from detections and findings, their tasks
-- (the playbook's steps with due times) and their append-only, hash-chained timeline.
-- Idempotent.
CREATE SCHEMA IF NOT EXISTS operations;

CREATE TABLE IF NOT EXISTS operations.incidents (
    incident_id VARCHAR PRIMARY KEY,
    category VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,
    asset_id VARCHAR,
    asset_ref VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,
    affected_assets VARCHAR[] NOT NULL,
    blast_radius VARCHAR[] NOT NULL,
    first_evidence_at TIMESTAMP NOT NULL,
    last_evidence_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    evidence_count BIGINT NOT NULL,
    rule_ids VARCHAR[] NOT NULL,
    detection_severity VARCHAR,
    asset_risk_level VARCHAR,
    state VARCHAR NOT NULL,
    personal_data BOOLEAN NOT NULL,
    eu_ai_act_high_risk BOOLEAN NOT NULL,
    art73_due_at TIMESTAMP,
    gdpr33_due_at TIMESTAMP,
    triaged_at TIMESTAMP,
    contained_at TIMESTAMP,
    eradicated_at TIMESTAMP,
    recovered_at TIMESTAMP,
    closed_at TIMESTAMP
);
COMMENT ON TABLE operations.incidents IS 'One row per incident: opened from detections (grouped by playbook category, asset, actor and a quiet gap) or from findings that warrant one; state and timestamps follow the timeline.';
COMMENT ON COLUMN operations.incidents.incident_id IS 'INC- + 16 hex of SHA-256 of (category, asset, actor, first evidence time, first evidence id): deterministic, so a rerun of a day opens nothing new, and never the id of a closed incident.';
COMMENT ON COLUMN operations.incidents.category IS 'Playbook category (operations.playbooks).';
COMMENT ON COLUMN operations.incidents.severity IS 'sev1..sev4: the playbook''s default, one step more severe on a CRITICAL or HIGH risk asset, one step less on a LOW one.';
COMMENT ON COLUMN operations.incidents.title IS 'Short description for a queue.';
COMMENT ON COLUMN operations.incidents.origin IS 'detection | finding | red_team.';
COMMENT ON COLUMN operations.incidents.asset_id IS 'The asset it concerns (inventory.ai_assets); NULL when the evidence names no inventory asset.';
COMMENT ON COLUMN operations.incidents.asset_ref IS 'The asset id, or what the evidence names instead (a model id, a log source).';
COMMENT ON COLUMN operations.incidents.actor IS 'Who or what caused it as the evidence tells: an API key hash, a user, a session; the gap type for a finding.';
COMMENT ON COLUMN operations.incidents.affected_assets IS 'The asset itself.';
COMMENT ON COLUMN operations.incidents.blast_radius IS 'Assets depending on it, directly or transitively (inventory.asset_dependencies).';
COMMENT ON COLUMN operations.incidents.first_evidence_at IS 'Time of the first detection (or the day the finding was first seen).';
COMMENT ON COLUMN operations.incidents.last_evidence_at IS 'Time of the latest evidence attached.';
COMMENT ON COLUMN operations.incidents.opened_at IS 'When the program opened it (the run''s clock): MTTD = opened_at - first_evidence_at.';
COMMENT ON COLUMN operations.incidents.evidence_count IS 'Detections (or findings) attached.';
COMMENT ON COLUMN operations.incidents.rule_ids IS 'Detection rules (or gap types) behind it.';
COMMENT ON COLUMN operations.incidents.detection_severity IS 'Highest detection severity attached.';
COMMENT ON COLUMN operations.incidents.asset_risk_level IS 'The asset''s risk level on the day it was opened.';
COMMENT ON COLUMN operations.incidents.state IS 'open -> triaged -> contained -> eradicated -> recovered -> closed.';
COMMENT ON COLUMN operations.incidents.personal_data IS 'The playbook concerns personal data (GDPR Art. 33 clock).';
COMMENT ON COLUMN operations.incidents.eu_ai_act_high_risk IS 'The asset is in EU AI Act high-risk scope (Art. 73 clock for a serious incident).';
COMMENT ON COLUMN operations.incidents.art73_due_at IS 'EU AI Act Art. 73(2) serious-incident report due: 15 days after awareness (opened_at) for a sev1/sev2 incident on a high-risk system; the 2-day and 10-day cases are set from the timeline.';
COMMENT ON COLUMN operations.incidents.gdpr33_due_at IS 'GDPR Art. 33 notification due: 72 hours after awareness where personal data leaked.';
COMMENT ON COLUMN operations.incidents.triaged_at IS 'When it reached triaged (from the timeline).';
COMMENT ON COLUMN operations.incidents.contained_at IS 'When it reached contained: MTTC = contained_at - opened_at.';
COMMENT ON COLUMN operations.incidents.eradicated_at IS 'When it reached eradicated.';
COMMENT ON COLUMN operations.incidents.recovered_at IS 'When it reached recovered: MTTR = recovered_at - opened_at.';
COMMENT ON COLUMN operations.incidents.closed_at IS 'When it was closed.';
ALTER TABLE operations.incidents ADD COLUMN IF NOT EXISTS art73_reported_at TIMESTAMP;
ALTER TABLE operations.incidents ADD COLUMN IF NOT EXISTS gdpr33_reported_at TIMESTAMP;
COMMENT ON COLUMN operations.incidents.art73_reported_at IS 'When the Art. 73 report was filed (aisec incident report, in the timeline); past art73_due_at without it is a compliance gap.';
COMMENT ON COLUMN operations.incidents.gdpr33_reported_at IS 'When the GDPR Art. 33 notification was filed; past gdpr33_due_at without it is a compliance gap.';

CREATE TABLE IF NOT EXISTS operations.incident_evidence (
    incident_id VARCHAR NOT NULL,
    evidence_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    rule_id VARCHAR,
    severity VARCHAR,
    summary VARCHAR,
    PRIMARY KEY (incident_id, evidence_id)
);
COMMENT ON TABLE operations.incident_evidence IS 'Each detection or finding attached to an incident (a detection belongs to one incident).';
COMMENT ON COLUMN operations.incident_evidence.incident_id IS 'The incident.';
COMMENT ON COLUMN operations.incident_evidence.evidence_id IS 'monitoring.detections.detection_id, or gap:<type>:<asset>.';
COMMENT ON COLUMN operations.incident_evidence.kind IS 'detection | finding.';
COMMENT ON COLUMN operations.incident_evidence.occurred_at IS 'Event time of the detection (or the day of the finding).';
COMMENT ON COLUMN operations.incident_evidence.rule_id IS 'Detection rule or gap type.';
COMMENT ON COLUMN operations.incident_evidence.severity IS 'Detection or gap severity.';
COMMENT ON COLUMN operations.incident_evidence.summary IS 'Redacted excerpt of what was seen.';

CREATE TABLE IF NOT EXISTS operations.incident_tasks (
    incident_id VARCHAR NOT NULL,
    step_number INTEGER NOT NULL,
    phase VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    responsible_role VARCHAR NOT NULL,
    automated BOOLEAN NOT NULL,
    automation VARCHAR,
    due_at TIMESTAMP NOT NULL,
    escalation_trigger VARCHAR,
    PRIMARY KEY (incident_id, step_number)
);
COMMENT ON TABLE operations.incident_tasks IS 'The playbook''s steps as the incident''s tasks, each due timeout_minutes after the previous one (from opened_at).';
COMMENT ON COLUMN operations.incident_tasks.incident_id IS 'The incident.';
COMMENT ON COLUMN operations.incident_tasks.step_number IS 'Playbook step number.';
COMMENT ON COLUMN operations.incident_tasks.phase IS 'detection | containment | eradication | recovery | lessons_learned.';
COMMENT ON COLUMN operations.incident_tasks.action IS 'What to do.';
COMMENT ON COLUMN operations.incident_tasks.responsible_role IS 'Who does it (RACI role).';
COMMENT ON COLUMN operations.incident_tasks.automated IS 'The program can run it.';
COMMENT ON COLUMN operations.incident_tasks.automation IS 'The action id it runs (playbook ACTIONS).';
COMMENT ON COLUMN operations.incident_tasks.due_at IS 'When it is due.';
COMMENT ON COLUMN operations.incident_tasks.escalation_trigger IS 'When to escalate.';

CREATE TABLE IF NOT EXISTS operations.incident_timeline (
    incident_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    from_state VARCHAR,
    to_state VARCHAR,
    detail VARCHAR NOT NULL,
    prev_hash VARCHAR NOT NULL,
    entry_hash VARCHAR NOT NULL,
    PRIMARY KEY (incident_id, seq)
);
COMMENT ON TABLE operations.incident_timeline IS 'Append-only history of every incident: each entry carries the SHA-256 of the previous one, so any rewritten or deleted entry breaks the chain (checked by the incident_timeline_intact asset check and before every append).';
COMMENT ON COLUMN operations.incident_timeline.incident_id IS 'The incident.';
COMMENT ON COLUMN operations.incident_timeline.seq IS '1, 2, ... per incident.';
COMMENT ON COLUMN operations.incident_timeline.occurred_at IS 'When it happened (the run''s or the command''s clock).';
COMMENT ON COLUMN operations.incident_timeline.actor IS 'Who: a person (email), aisec (the program) or a Dagster run.';
COMMENT ON COLUMN operations.incident_timeline.kind IS 'opened | evidence | state | action | escalation | note | notification | report.';
COMMENT ON COLUMN operations.incident_timeline.from_state IS 'State before a state change.';
COMMENT ON COLUMN operations.incident_timeline.to_state IS 'State after a state change.';
COMMENT ON COLUMN operations.incident_timeline.detail IS 'What happened (redacted).';
COMMENT ON COLUMN operations.incident_timeline.prev_hash IS 'entry_hash of the previous entry (64 zeros for the first).';
COMMENT ON COLUMN operations.incident_timeline.entry_hash IS 'SHA-256 of prev_hash and this entry''s fields.';

-- ---------------------------------------------------------------- macros
-- The one definition of a timeline entry's hash (SQL inserts and the Python append both use it).
CREATE OR REPLACE MACRO operations.timeline_hash(
    prev_hash, incident_id, seq, occurred_at, actor, kind, from_state, to_state, detail
) AS sha256(concat_ws(
    chr(31), prev_hash, incident_id, CAST(seq AS VARCHAR), strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%f'),
    actor, kind, coalesce(from_state, ''), coalesce(to_state, ''), detail
));

-- `days` calendar days after a UTC instant, counted on the organisation's local calendar (a
-- deadline "15 days after" keeps its local time of day across a DST change); UTC out.
CREATE OR REPLACE MACRO operations.add_local_days(ts_utc, days, tz) AS
    timezone('UTC', timezone(tz, timezone(tz, timezone('UTC', ts_utc)) + to_days(days)));

-- Incident KPIs per day the incidents were opened: MTTD (first evidence -> opened), MTTC
-- (opened -> contained), MTTR (opened -> recovered), in minutes.
CREATE OR REPLACE VIEW operations.incident_metrics_daily AS
SELECT
    CAST(opened_at AS DATE) AS opened_on,
    count(*) AS incidents,
    count(*) FILTER (WHERE severity IN ('sev1', 'sev2')) AS sev1_sev2,
    round(avg(date_diff('second', first_evidence_at, opened_at)) / 60.0, 1) AS mttd_minutes,
    round(avg(date_diff('second', opened_at, contained_at)) / 60.0, 1) AS mttc_minutes,
    round(avg(date_diff('second', opened_at, recovered_at)) / 60.0, 1) AS mttr_minutes
FROM operations.incidents
GROUP BY ALL;
COMMENT ON VIEW operations.incident_metrics_daily IS 'Incidents opened per day with MTTD, MTTC and MTTR in minutes (averages over the incidents that reached each state).';
