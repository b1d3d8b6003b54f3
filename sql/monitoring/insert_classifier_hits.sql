-- The classifier's hits of one scan (the caller registers them as `classifier_hit_rows`)
-- into the run's detection_hits.
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence, score)
SELECT rule_id, event_id, target_field, NULL, evidence, score
FROM classifier_hit_rows;
