-- Instructions embedded in retrieved content, compared with the user's question (variables:
-- day, rule_id, directive, destination, unless, domains, ctx; built by
-- aisec_assets/monitoring/rules/kinds/unrequested_action.py).
--
-- A directive is a verb-led sentence of retrieved_context ending at its first destination (an
-- e-mail address, a URL, an account number). It counts when it matches no `unless` regex, the
-- destination's host is not an allowed domain, and the event's prompt_text (the user's own
-- question) does not name the destination: the address itself, the URL's host, or the account
-- number with its spaces dropped. One hit per event: its first such directive.
--
-- Cost: one regex pass over the day's retrieved content; only the texts it matches have
-- their directives extracted.
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH candidates AS (
    SELECT event_id, lower(coalesce(prompt_text, '')) AS question, retrieved_context AS t
    FROM monitoring.llm_events
    WHERE event_date = getvariable('day')
      AND retrieved_context IS NOT NULL
      AND regexp_matches(retrieved_context, getvariable('directive'))
),
directives AS (
    SELECT event_id, question, t, unnest(ds) AS d, generate_subscripts(ds, 1) AS n
    FROM (SELECT *, regexp_extract_all(t, getvariable('directive')) AS ds FROM candidates)
),
destinations AS (
    SELECT
        *,
        lower(regexp_extract(d, getvariable('destination'))) AS dest
    FROM directives
    WHERE getvariable('unless') = '' OR NOT regexp_matches(d, getvariable('unless'))
),
hosts AS (
    SELECT
        *,
        CASE
            WHEN contains(dest, '@') THEN split_part(dest, '@', 2)
            WHEN regexp_matches(dest, '^(?:https?://|www\.)')
                THEN regexp_extract(dest, '^(?:https?://)?(?:www\.)?([^/:?#]+)', 1)
        END AS host
    FROM destinations
),
unrequested AS (
    SELECT *
    FROM hosts
    WHERE dest <> ''
      AND NOT (getvariable('domains') <> '' AND host IS NOT NULL
               AND regexp_matches(host, getvariable('domains')))
      AND NOT CASE
            WHEN contains(dest, '@') THEN contains(question, dest)
            WHEN host IS NOT NULL THEN contains(question, host)
            ELSE contains(replace(question, ' ', ''), replace(dest, ' ', ''))
          END
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY n) = 1
)
SELECT
    getvariable('rule_id') AS rule_id,
    event_id,
    'retrieved_context' AS target_field,
    NULL AS subject,
    aisec_excerpt(t, d, getvariable('ctx')) AS evidence
FROM unrequested;
