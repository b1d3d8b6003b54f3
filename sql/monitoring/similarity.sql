-- System-prompt leakage: how much of the system prompt a response repeats (variables: day,
-- rule_id, shingle_words, min_containment, min_shared, min_shared_absolute, lookback_days).
--
-- Both texts become lower-case word lists; a shingle is a run of `shingle_words` consecutive
-- words. containment = shared distinct shingles / distinct shingles of the system prompt. The
-- rule fires when at least `min_shared` shingles are shared and either the containment reaches
-- `min_containment` or `min_shared_absolute` shingles are shared (part of a long prompt).
-- The reference is the event's own system prompt, else the latest system prompt seen within
-- `lookback_days` for the same deployment (agent, else endpoint, else model).
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH day_events AS (
    SELECT
        event_id, response_text, system_prompt,
        coalesce(agent_id, agent_name, endpoint, request_model) AS deployment
    FROM monitoring.llm_events
    WHERE event_date = getvariable('day')
      AND response_text IS NOT NULL
),
known_prompts AS (
    SELECT
        coalesce(agent_id, agent_name, endpoint, request_model) AS deployment,
        arg_max(system_prompt, event_time) AS system_prompt
    FROM monitoring.llm_events
    WHERE event_date BETWEEN getvariable('day') - CAST(getvariable('lookback_days') AS INTEGER)
                         AND getvariable('day')
      AND system_prompt IS NOT NULL
      AND coalesce(agent_id, agent_name, endpoint, request_model) IS NOT NULL
      AND coalesce(agent_id, agent_name, endpoint, request_model)
          IN (SELECT deployment FROM day_events WHERE system_prompt IS NULL)
    GROUP BY 1
),
pairs AS (
    SELECT d.event_id, d.response_text, coalesce(d.system_prompt, k.system_prompt) AS reference
    FROM day_events d
    LEFT JOIN known_prompts k ON d.system_prompt IS NULL AND k.deployment = d.deployment
),
reference_words AS (
    SELECT reference, aisec_words(reference) AS words
    FROM (SELECT DISTINCT reference FROM pairs WHERE reference IS NOT NULL)
),
reference_shingles AS (
    -- probes: the reference's words in chunks of c = (n + 1) / 2 at stride c. A response that
    -- shares even one n-word shingle shares n consecutive words, which always contain a whole
    -- chunk (n >= 2c - 1); so a response containing no probe cannot fire, and the costly
    -- shingling runs only on the few that contain one.
    SELECT
        reference,
        aisec_shingles(words, getvariable('shingle_words')) AS shingles,
        list_transform(
            range(1, len(words) - (getvariable('shingle_words') + 1) // 2 + 2,
                  (getvariable('shingle_words') + 1) // 2),
            lambda i: ' ' || array_to_string(
                words[i:i + (getvariable('shingle_words') + 1) // 2 - 1], ' ') || ' '
        ) AS probes
    FROM reference_words
    WHERE len(words) >= getvariable('shingle_words')
),
normalized AS (
    -- the response as ' word word ... ' (a column, so the probe lambda does not recompute it)
    SELECT
        p.event_id, p.reference, p.response_text,
        ' ' || lower(regexp_replace(p.response_text, '[^\p{L}\p{N}]+', ' ', 'g')) || ' ' AS norm
    FROM pairs p
    SEMI JOIN reference_shingles r ON r.reference = p.reference
),
candidates AS (
    SELECT n.event_id, n.reference, n.response_text
    FROM normalized n
    JOIN reference_shingles r USING (reference)
    WHERE list_bool_or(list_transform(r.probes, lambda probe: contains(n.norm, probe)))
),
response_words AS (
    SELECT event_id, reference, aisec_words(response_text) AS words
    FROM candidates
),
compared AS (
    SELECT
        w.event_id,
        len(r.shingles) AS reference_count,
        list_intersect(aisec_shingles(w.words, getvariable('shingle_words')), r.shingles) AS shared
    FROM response_words w
    JOIN reference_shingles r USING (reference)
    WHERE len(w.words) >= getvariable('shingle_words')
)
SELECT
    getvariable('rule_id') AS rule_id,
    event_id,
    'response_text' AS target_field,
    NULL AS subject,
    printf(
        '%d of %d %d-word shingles of the system prompt repeated in the response '
        || '(containment %.2f); e.g. "%s"',
        len(shared), reference_count, getvariable('shingle_words'),
        len(shared) / reference_count, list_sort(shared)[1]
    ) AS evidence
FROM compared
WHERE len(shared) >= getvariable('min_shared')
  AND (len(shared) / reference_count >= getvariable('min_containment')
       OR len(shared) >= getvariable('min_shared_absolute'));
