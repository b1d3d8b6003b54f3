-- System-prompt leakage: how much of the system prompt a response repeats (variables: day,
-- rule_id, shingle_words, min_containment, min_shared, min_shared_absolute, lookback_days).
--
-- Both texts become lower-case word lists; a shingle is a run of `shingle_words` consecutive
-- words. containment = shared distinct shingles / distinct shingles of the system prompt. The
-- rule fires when at least `min_shared` shingles are shared and either the containment reaches
-- `min_containment` or `min_shared_absolute` shingles are shared (part of a long prompt).
-- The reference is the event's own system prompt, else the latest system prompt seen within
-- `lookback_days` for the same deployment (agent, else endpoint, else model).
--
-- Cost: word-splitting every response (a global regex replace) runs at ~30 MB/s, so the day's
-- responses are first narrowed by one regex over their lower-cased text, compiled once (a DFA
-- pass, no splitting), that keeps every response that could fire:
-- - probes: each reference's words in chunks of c = (n + 1) / 2 at stride c. A response that
--   shares even one n-word shingle shares n consecutive words, which always contain a whole
--   chunk (n >= 2c - 1). In the lower-cased response such a chunk appears as its words
--   separated by runs of characters other than a-z and 0-9 (lower() maps code point to code
--   point and keeps letters and digits letters and digits, other characters others), so the
--   narrowing pattern is the alternation of every chunk written that way;
-- - past `max_chunks` distinct chunks that pattern grows too large for RE2's DFA, so it becomes
--   the alternation of one anchor per chunk, its longest word (weaker: common words pass);
--   past `max_anchors` of those, every response passes.
-- The exact steps (probes on the normalized text, then shingles) run on what is left. Only
-- event ids, deployments and distinct references are carried, never the day's texts through a
-- join.
CREATE OR REPLACE TEMP TABLE similarity_known_prompts AS
WITH unlogged AS (
    -- deployments with responses of the day that logged no system prompt (usually few)
    SELECT DISTINCT coalesce(agent_id, agent_name, endpoint, request_model) AS deployment
    FROM monitoring.llm_events
    WHERE event_date = getvariable('day')
      AND response_text IS NOT NULL
      AND system_prompt IS NULL
      AND coalesce(agent_id, agent_name, endpoint, request_model) IS NOT NULL
)
SELECT e.deployment, arg_max(e.system_prompt, e.event_time) AS system_prompt
FROM (
    SELECT
        coalesce(agent_id, agent_name, endpoint, request_model) AS deployment,
        system_prompt, event_time
    FROM monitoring.llm_events
    WHERE event_date BETWEEN getvariable('day') - CAST(getvariable('lookback_days') AS INTEGER)
                         AND getvariable('day')
      AND system_prompt IS NOT NULL
) e
SEMI JOIN unlogged u ON u.deployment = e.deployment
GROUP BY 1;

CREATE OR REPLACE TEMP TABLE similarity_references AS
WITH reference_words AS MATERIALIZED (
    SELECT reference, aisec_words(reference) AS words
    FROM (
        SELECT DISTINCT system_prompt AS reference
        FROM monitoring.llm_events
        WHERE event_date = getvariable('day')
          AND response_text IS NOT NULL
          AND system_prompt IS NOT NULL
        UNION
        SELECT system_prompt FROM similarity_known_prompts
    )
),
chunked AS (
    SELECT
        reference, words,
        list_transform(
            range(1, len(words) - (getvariable('shingle_words') + 1) // 2 + 2,
                  (getvariable('shingle_words') + 1) // 2),
            lambda i: words[i:i + (getvariable('shingle_words') + 1) // 2 - 1]
        ) AS chunks
    FROM reference_words
    WHERE len(words) >= getvariable('shingle_words')
)
SELECT
    reference,
    aisec_shingles(words, getvariable('shingle_words')) AS shingles,
    list_transform(chunks, lambda chunk: ' ' || array_to_string(chunk, ' ') || ' ') AS probes,
    list_distinct(list_transform(chunks, lambda chunk: array_to_string(
        list_transform(chunk, lambda w: regexp_escape(w)), '[^a-z0-9]+'))) AS chunk_patterns,
    list_distinct(list_transform(chunks, lambda chunk: regexp_escape(list_reduce(chunk,
        lambda a, b: CASE WHEN length(b) > length(a) THEN b ELSE a END)))) AS anchors
FROM chunked;

SET VARIABLE similarity_narrowing = (
    WITH chunk_patterns AS (
        SELECT DISTINCT unnest(chunk_patterns) AS p FROM similarity_references
    ),
    anchors AS (SELECT DISTINCT unnest(anchors) AS p FROM similarity_references)
    SELECT CASE
        WHEN (SELECT count(*) FROM chunk_patterns) <= getvariable('max_chunks')
            THEN (SELECT string_agg(p, '|' ORDER BY p) FROM chunk_patterns)  -- NULL: none
        WHEN (SELECT count(*) FROM anchors) <= getvariable('max_anchors')
            THEN (SELECT string_agg(p, '|' ORDER BY p) FROM anchors)
        ELSE ''
    END
);

INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH candidates AS (
    SELECT
        event_id, response_text, system_prompt,
        coalesce(agent_id, agent_name, endpoint, request_model) AS deployment
    FROM monitoring.llm_events
    WHERE event_date = getvariable('day')
      AND response_text IS NOT NULL
      AND regexp_matches(lower(response_text), getvariable('similarity_narrowing'))
),
pairs AS (
    SELECT c.event_id, c.response_text, coalesce(c.system_prompt, k.system_prompt) AS reference
    FROM candidates c
    LEFT JOIN similarity_known_prompts k
        ON c.system_prompt IS NULL AND k.deployment = c.deployment
),
normalized AS (
    -- the response as ' word word ... ' (a column, so the probe lambda does not recompute it)
    SELECT
        p.event_id, p.reference, p.response_text,
        ' ' || lower(regexp_replace(p.response_text, '[^\p{L}\p{N}]+', ' ', 'g')) || ' ' AS norm
    FROM pairs p
    SEMI JOIN similarity_references r ON r.reference = p.reference
),
probed AS (
    SELECT n.event_id, n.reference, n.response_text
    FROM normalized n
    JOIN similarity_references r USING (reference)
    WHERE list_bool_or(list_transform(r.probes, lambda probe: contains(n.norm, probe)))
),
response_words AS (
    SELECT event_id, reference, aisec_words(response_text) AS words
    FROM probed
),
compared AS (
    SELECT
        w.event_id,
        len(r.shingles) AS reference_count,
        list_intersect(aisec_shingles(w.words, getvariable('shingle_words')), r.shingles) AS shared
    FROM response_words w
    JOIN similarity_references r USING (reference)
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

DROP TABLE similarity_references;
DROP TABLE similarity_known_prompts;
