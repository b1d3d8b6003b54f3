-- Critical detections of the given days ($days: DATE[]), newest first, for the flag run the
-- critical-detection sensor starts. Evidence is already masked (replace_detections.sql).
SELECT
    detection_id,
    event_date,
    event_time,
    rule_id,
    rule_title,
    family,
    source,
    asset_id,
    api_key_hash,
    user_id,
    agent_id,
    evidence,
    run_id
FROM monitoring.detections
WHERE severity = 'critical' AND list_contains($days, event_date)
ORDER BY event_time DESC, rule_id, detection_id
