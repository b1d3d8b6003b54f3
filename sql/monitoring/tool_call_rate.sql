-- Excessive tool calls: more than `max_calls` tool calls (or requests) by one key within a
-- sliding window of `window_seconds` (variables: day, rule_id, group_by, window_seconds,
-- max_calls, count_kind).
--
-- The key is the combination of the `group_by` columns (agent_id, session_id, api_key_hash,
-- user_id); events missing any of them are not counted. An agent is taken by agent_id, else by
-- agent_name. Fires once per key and day, at the first event where the window's count exceeds
-- `max_calls`; the evidence gives that count and the day's peak.
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH events AS (
    SELECT
        event_id, event_date, event_time,
        list_transform(getvariable('group_by'), lambda c:
            c || '=' || CASE c
                WHEN 'agent_id' THEN coalesce(agent_id, agent_name)
                WHEN 'session_id' THEN session_id
                WHEN 'api_key_hash' THEN api_key_hash
                WHEN 'user_id' THEN user_id
            END) AS key_parts,
        CASE getvariable('count_kind')
            WHEN 'requests' THEN 1
            ELSE len(coalesce(tool_calls, []))
        END AS n
    FROM monitoring.llm_events
    WHERE event_date BETWEEN getvariable('day') - 1 AND getvariable('day')
      AND event_time >= CAST(getvariable('day') AS TIMESTAMP)
                        - to_seconds(CAST(getvariable('window_seconds') AS BIGINT))
),
keyed AS (
    SELECT event_id, event_date, event_time, array_to_string(key_parts, ' ') AS k, n
    FROM events
    -- a NULL key column makes its part NULL
    WHERE list_bool_and(list_transform(key_parts, lambda p: p IS NOT NULL))
      AND n > 0
),
windowed AS (
    SELECT
        *,
        sum(n) OVER (
            PARTITION BY k ORDER BY event_time
            RANGE BETWEEN to_seconds(CAST(getvariable('window_seconds') AS BIGINT)) PRECEDING
                  AND CURRENT ROW
        ) AS in_window
    FROM keyed
),
day_rows AS (
    SELECT *, max(in_window) OVER (PARTITION BY k) AS peak
    FROM windowed
    WHERE event_date = getvariable('day')
)
SELECT
    getvariable('rule_id') AS rule_id,
    event_id,
    'tool_calls' AS target_field,
    k AS subject,
    printf(
        '%s: %d %s within %d s at this event (max %d); peak of the day %d',
        k, in_window,
        CASE getvariable('count_kind') WHEN 'requests' THEN 'requests' ELSE 'tool calls' END,
        getvariable('window_seconds'), getvariable('max_calls'), peak
    ) AS evidence
FROM day_rows
WHERE in_window > getvariable('max_calls')
QUALIFY row_number() OVER (PARTITION BY k ORDER BY event_time, event_id) = 1;
