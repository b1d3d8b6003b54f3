-- Anomalous output: a response whose length or character entropy is far from the same
-- session's other responses (variables: day, rule_id, measure, min_z, direction,
-- min_session_events, min_value, min_stddev, min_stddev_ratio, max_chars, min_chars).
--
-- For each response of the day in a session with at least `min_session_events` other
-- responses (that day and the day before), z = (value - mean of the others) / spread of the
-- others, computed leave-one-out from window sums. The spread is floored at `min_stddev` and at
-- `min_stddev_ratio` x the others' mean, so a session of near-identical replies does not turn
-- any difference into an infinite z. `min_value` is a floor of the response's own value
-- (direction up or both). Entropy is Shannon entropy in bits per character over the
-- first `max_chars` characters; responses shorter than `min_chars` take no part.
--
-- Cost: the sessions that qualify are counted first (no text carried); each of their
-- responses is then measured once in a streaming projection - entropy by
-- `aisec_char_entropy` (aisec_assets/monitoring/text_measures.py: a numpy histogram per
-- vector of responses, never a row per character) - and only numbers reach the window sums.
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH day_sessions AS (
    SELECT DISTINCT session_id
    FROM monitoring.llm_events
    WHERE event_date = getvariable('day')
      AND session_id IS NOT NULL
      AND response_text IS NOT NULL
),
qualified AS (
    -- sessions with more than `min_session_events` responses over the two days
    SELECT e.session_id
    FROM monitoring.llm_events e
    SEMI JOIN day_sessions s ON s.session_id = e.session_id
    WHERE e.event_date BETWEEN getvariable('day') - 1 AND getvariable('day')
      AND e.response_text IS NOT NULL
      AND length(e.response_text) >= getvariable('min_chars')
    GROUP BY e.session_id
    HAVING count(*) > getvariable('min_session_events')
),
measured AS (
    SELECT
        e.event_id, e.event_date, e.session_id,
        CASE getvariable('measure')
            WHEN 'length' THEN CAST(length(e.response_text) AS DOUBLE)
            -- `left` copies every text; only the rare text over the byte limit needs it
            -- (a text of at most max_chars bytes has at most max_chars characters)
            ELSE aisec_char_entropy(
                CASE WHEN strlen(e.response_text) <= getvariable('max_chars')
                     THEN e.response_text
                     ELSE left(e.response_text, getvariable('max_chars'))
                END)
        END AS v
    FROM monitoring.llm_events e
    SEMI JOIN qualified q ON q.session_id = e.session_id
    WHERE e.event_date BETWEEN getvariable('day') - 1 AND getvariable('day')
      AND e.response_text IS NOT NULL
      AND length(e.response_text) >= getvariable('min_chars')
),
sums AS (
    SELECT
        *,
        count(v) OVER s AS n,
        sum(v) OVER s AS s1,
        sum(v * v) OVER s AS s2
    -- no `WHERE v IS NOT NULL`: DuckDB pushes such a filter below the projection and
    -- computes the entropy twice; a NULL v is skipped by count/sum and its own z is NULL
    FROM measured
    WINDOW s AS (PARTITION BY session_id)
),
others AS (
    SELECT
        *,
        (s1 - v) / (n - 1) AS mean_others,
        sqrt(greatest((s2 - v * v) / (n - 1) - power((s1 - v) / (n - 1), 2), 0)) AS sd_others
    FROM sums
    WHERE n - 1 >= getvariable('min_session_events')
),
scored AS (
    SELECT
        *,
        (v - mean_others) / greatest(
            sd_others, getvariable('min_stddev'),
            getvariable('min_stddev_ratio') * abs(mean_others), 1e-9) AS z
    FROM others
    WHERE event_date = getvariable('day')
)
SELECT
    getvariable('rule_id') AS rule_id,
    event_id,
    'response_text' AS target_field,
    'session_id=' || session_id AS subject,
    printf(
        'response %s %.2f vs mean %.2f (sd %.2f) of the session''s %d other responses: z = %.1f',
        CASE getvariable('measure') WHEN 'length' THEN 'length (chars)' ELSE 'entropy (bits/char)' END,
        v, mean_others, sd_others, n - 1, z
    ) AS evidence
FROM scored
WHERE (getvariable('direction') = 'down' OR v >= getvariable('min_value'))
  AND CASE getvariable('direction')
        WHEN 'up' THEN z >= getvariable('min_z')
        WHEN 'down' THEN z <= -getvariable('min_z')
        ELSE abs(z) >= getvariable('min_z')
      END;
