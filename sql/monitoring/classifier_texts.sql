-- One window of the day's texts the classifier scores: $target is prompt_text or
-- retrieved_context (rules.CLASSIFIER_TARGETS), rows $first_row <= rowid < $end_row.
-- Empty and whitespace-only texts are not scored.
WITH texts AS (
    SELECT
        event_id,
        CASE $target
            WHEN 'prompt_text' THEN aisec_as_read(prompt_text)  -- mention is not use
            WHEN 'retrieved_context' THEN retrieved_context
        END AS t
    FROM monitoring.llm_events
    WHERE event_date = $day AND rowid >= $first_row AND rowid < $end_row
)
SELECT event_id, t
FROM texts
WHERE t IS NOT NULL AND trim(t) <> ''
