-- LLM-jacking: a key suddenly using many distinct models (or regions, providers, endpoints)
-- within a sliding window (variables: day, rule_id, dimension, group_by, window_minutes,
-- min_distinct, lookback_days, min_new).
--
-- For every event of the day: the distinct values of `dimension` the same key used in the
-- `window_minutes` up to it, and how many of them the key had not used in the `lookback_days`
-- before `day` ("new"). The rule fires once per key and day, at the first event where at least
-- `min_distinct` values and at least `min_new` new ones fall within the window. Windows may
-- reach into the previous day.
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH keyed AS (
    SELECT
        event_id, event_date, event_time,
        CASE getvariable('group_by')
            WHEN 'api_key_hash' THEN api_key_hash
            WHEN 'user_id' THEN user_id
            WHEN 'team_id' THEN team_id
        END AS k,
        CASE getvariable('dimension')
            WHEN 'request_model' THEN request_model
            WHEN 'cloud_region' THEN cloud_region
            WHEN 'provider_name' THEN provider_name
            WHEN 'endpoint' THEN endpoint
        END AS v
    FROM monitoring.llm_events
    WHERE event_date BETWEEN
            getvariable('day') - greatest(CAST(getvariable('lookback_days') AS INTEGER), 1)
            AND getvariable('day')
),
seen AS (
    SELECT DISTINCT k, v
    FROM keyed
    WHERE event_date < getvariable('day')
      AND event_date >= getvariable('day') - CAST(getvariable('lookback_days') AS INTEGER)
      AND k IS NOT NULL AND v IS NOT NULL
),
recent AS (
    SELECT kd.event_id, kd.event_date, kd.event_time, kd.k, kd.v, s.v IS NULL AS is_new
    FROM keyed kd
    LEFT JOIN seen s ON s.k = kd.k AND s.v = kd.v
    WHERE kd.k IS NOT NULL AND kd.v IS NOT NULL
      AND kd.event_time >= CAST(getvariable('day') AS TIMESTAMP)
                           - to_minutes(CAST(getvariable('window_minutes') AS BIGINT))
),
candidates AS (
    -- a window holds no more distinct (or new) values than the key's whole period: keys
    -- below either threshold cannot fire and skip the window aggregates
    SELECT *
    FROM recent
    WHERE k IN (
        SELECT k FROM recent
        GROUP BY k
        HAVING count(DISTINCT v) >= getvariable('min_distinct')
           AND count(DISTINCT v) FILTER (WHERE is_new) >= getvariable('min_new')
    )
),
windowed AS (
    SELECT
        *,
        count(DISTINCT v) OVER w AS n_distinct,
        count(DISTINCT CASE WHEN is_new THEN v END) OVER w AS n_new,
        list_sort(array_agg(DISTINCT v) OVER w) AS values_in_window
    FROM candidates
    WINDOW w AS (
        PARTITION BY k ORDER BY event_time
        RANGE BETWEEN to_minutes(CAST(getvariable('window_minutes') AS BIGINT)) PRECEDING
              AND CURRENT ROW
    )
),
first_crossing AS (
    SELECT *
    FROM windowed
    WHERE event_date = getvariable('day')
      AND n_distinct >= getvariable('min_distinct')
      AND n_new >= getvariable('min_new')
    QUALIFY row_number() OVER (PARTITION BY k ORDER BY event_time, event_id) = 1
)
SELECT
    getvariable('rule_id') AS rule_id,
    event_id,
    getvariable('dimension') AS target_field,
    getvariable('group_by') || '=' || k AS subject,
    printf(
        '%s=%s used %d distinct %s values within %d minutes (%d not used in the previous %d '
        || 'days): %s',
        getvariable('group_by'), k, n_distinct, getvariable('dimension'),
        getvariable('window_minutes'), n_new, getvariable('lookback_days'),
        array_to_string(values_in_window[1:12], ', ')
    ) AS evidence
FROM first_crossing;
