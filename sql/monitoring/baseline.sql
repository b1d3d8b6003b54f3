-- Cost abuse: a key's (or user's) day total far above its own trailing baseline (variables:
-- day, rule_id, metric, group_by, lookback_days, min_history_days, min_ratio, min_value).
--
-- Baseline = the median of the key's daily totals on the days it was active within the
-- `lookback_days` before `day` (earlier partitions of llm_events); at least
-- `min_history_days` active days are needed, so a new key has no baseline and is not judged.
-- The rule fires when the day total >= min_ratio x baseline and >= min_value (the absolute
-- floor keeps small keys' noise out). The detection is pinned to the event at which the day's
-- running total crossed that threshold. total_tokens falls back to input + output tokens;
-- `requests` counts events.
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH events AS (
    SELECT
        event_id, event_date, event_time,
        CASE getvariable('group_by')
            WHEN 'api_key_hash' THEN api_key_hash
            WHEN 'user_id' THEN user_id
            WHEN 'team_id' THEN team_id
        END AS k,
        CASE getvariable('metric')
            WHEN 'total_tokens' THEN CAST(coalesce(total_tokens, input_tokens + output_tokens) AS DOUBLE)
            WHEN 'input_tokens' THEN CAST(input_tokens AS DOUBLE)
            WHEN 'output_tokens' THEN CAST(output_tokens AS DOUBLE)
            WHEN 'cost_usd' THEN cost_usd
            WHEN 'requests' THEN 1.0
        END AS m
    FROM monitoring.llm_events
    WHERE event_date BETWEEN getvariable('day') - CAST(getvariable('lookback_days') AS INTEGER)
                         AND getvariable('day')
),
daily AS (
    SELECT k, event_date, sum(m) AS total
    FROM events
    WHERE k IS NOT NULL AND m IS NOT NULL
    GROUP BY k, event_date
),
history AS (
    SELECT k, count(*) AS active_days, median(total) AS baseline, max(total) AS history_max
    FROM daily
    WHERE event_date < getvariable('day')
    GROUP BY k
),
flagged AS (
    SELECT
        t.k, t.total, h.baseline, h.active_days, h.history_max,
        greatest(getvariable('min_value'), getvariable('min_ratio') * h.baseline) AS threshold
    FROM daily t
    JOIN history h USING (k)
    WHERE t.event_date = getvariable('day')
      AND h.active_days >= getvariable('min_history_days')
      AND t.total >= getvariable('min_value')
      AND t.total >= getvariable('min_ratio') * h.baseline
),
crossing AS (
    SELECT
        e.event_id, e.event_time, e.m, f.*,
        sum(e.m) OVER (
            PARTITION BY e.k ORDER BY e.event_time, e.event_id ROWS UNBOUNDED PRECEDING
        ) AS running
    FROM events e
    JOIN flagged f USING (k)
    WHERE e.event_date = getvariable('day') AND e.m IS NOT NULL
    QUALIFY running >= threshold AND running - e.m < threshold
)
SELECT
    getvariable('rule_id') AS rule_id,
    event_id,
    getvariable('metric') AS target_field,
    getvariable('group_by') || '=' || k AS subject,
    printf(
        '%s=%s: %s %s on %s vs a baseline (median) of %s over %d active day(s) of the previous '
        || '%d (%.1fx, floor %s); the threshold %s was crossed at this event',
        getvariable('group_by'), k, format('{:,.2f}', total), getvariable('metric'),
        strftime(getvariable('day'), '%Y-%m-%d'), format('{:,.2f}', baseline), active_days,
        getvariable('lookback_days'), total / nullif(baseline, 0),
        format('{:,.2f}', getvariable('min_value')), format('{:,.2f}', threshold)
    ) AS evidence
FROM crossing;
