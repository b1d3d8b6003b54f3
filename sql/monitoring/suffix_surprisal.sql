-- Adversarial-suffix jailbreaks: a prompt whose last tokens read as optimizer-generated
-- gibberish to the character model of aisec_assets/monitoring/char_lm.py (variables: day,
-- rule_id, min_score, tail_chars, min_chars, glue, ctx).
--
-- Cost: the model reads only `right(prompt_text, tail_chars)`, and only for prompts of at
-- least `min_chars` characters whose tail matches `glue` ('' for no such condition): a letter
-- next to markup or code punctuation, or a lower-case letter followed by an upper-case one -
-- the shape of such suffixes (the lab measures what it costs in recall on its generated ones). The
-- score is computed once per candidate (materialized); the deciding window, the evidence, only
-- for hits.
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence, score)
WITH tails AS (
    SELECT event_id, prompt_text AS t, right(prompt_text, getvariable('tail_chars')) AS tail
    FROM monitoring.llm_events
    WHERE event_date = getvariable('day')
      AND prompt_text IS NOT NULL
      AND length(prompt_text) >= getvariable('min_chars')
),
scored AS MATERIALIZED (
    SELECT event_id, t, tail, aisec_suffix_surprisal(tail) AS s
    FROM tails
    WHERE getvariable('glue') = '' OR regexp_matches(tail, getvariable('glue'))
)
SELECT
    getvariable('rule_id') AS rule_id,
    event_id,
    'prompt_text' AS target_field,
    NULL AS subject,
    aisec_excerpt(t, aisec_suffix_window(tail), getvariable('ctx')) AS evidence,
    s AS score
FROM scored
WHERE s >= getvariable('min_score');
