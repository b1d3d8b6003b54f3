-- Replace the day's partition of monitoring.detections with this run's hits, in one
-- transaction (variables: day, run_id, detected_at, pack_rules, max_evidence_chars).
--
-- Hits come from detection_hits (filled by the compiled rule steps); one detection per
-- (rule, event, subject): a per-event rule that matched two target fields of one event is one
-- detection. Rule facts come from the pack being run (`pack_rules`, JSON), the asset from
-- detection_event_assets. Evidence: whitespace collapsed, credential-shaped text masked with
-- the ingestion's own mask (aisec_mask_secrets, registered by the caller), capped.
BEGIN TRANSACTION;

DELETE FROM monitoring.detections WHERE event_date = getvariable('day');

INSERT INTO monitoring.detections BY NAME
WITH rules AS (
    SELECT unnest(from_json(getvariable('pack_rules'),
        '[{"rule_id":"VARCHAR","title":"VARCHAR","family":"VARCHAR","severity":"VARCHAR",
           "logic_kind":"VARCHAR","owasp":["VARCHAR"],"atlas":["VARCHAR"]}]'),
        recursive := true)
),
hits AS (
    SELECT *
    FROM detection_hits
    QUALIFY row_number() OVER (
        PARTITION BY rule_id, event_id, coalesce(subject, '')
        ORDER BY target_field NULLS LAST, evidence NULLS LAST) = 1
)
SELECT
    e.event_date,
    left(sha256(h.rule_id || chr(31) || h.event_id || chr(31) || coalesce(h.subject, '')), 24)
        AS detection_id,
    h.rule_id,
    r.title AS rule_title,
    r.family,
    r.severity,
    r.logic_kind,
    h.event_id,
    e.event_time,
    e.source,
    ea.asset_id,
    ea.asset_match,
    h.target_field,
    h.subject,
    left(aisec_mask_secrets(trim(regexp_replace(h.evidence, '\s+', ' ', 'g'))),
         getvariable('max_evidence_chars')) AS evidence,
    h.score,
    r.owasp,
    r.atlas,
    e.api_key_hash,
    e.user_id,
    e.session_id,
    e.agent_id,
    getvariable('detected_at') AS detected_at,
    getvariable('run_id') AS run_id
FROM hits h
JOIN monitoring.llm_events e
    ON e.event_id = h.event_id AND e.event_date = getvariable('day')
JOIN rules r ON r.rule_id = h.rule_id
LEFT JOIN detection_event_assets ea ON ea.event_id = h.event_id;

COMMIT;
