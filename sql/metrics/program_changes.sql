-- What changed in the program on one day: metrics.program_changes, the day's rows replaced in
-- one transaction (rerunning a day writes the same rows).
-- Variables: assessed_date DATE (the run's day), day_start and day_end TIMESTAMP (that day in
-- the organisation's timezone as naive UTC bounds, end exclusive: timestamps in the warehouse
-- are UTC), timezone VARCHAR (IANA name: the local day of an inventory snapshot), run_id.
--
-- "Previous day" is found per source: the latest earlier day with data there, not necessarily
-- yesterday (a rescoring-only day has risk scores but no inventory snapshot):
--   inventory  the last snapshot of inventory.ai_assets_history taken in the day vs the last
--              one taken before it (no snapshot in the day: the inventory did not run, so no
--              asset changes);
--   risk       risk.risk_scores of the day vs its latest earlier assessed_date;
--   controls   controls.control_evidence of the day vs its latest earlier assessed_date;
--   maturity   metrics.maturity_scores of the day vs its latest earlier assessed_date.
-- Events need no previous day: critical detections of monitoring.detections with event_date =
-- the day (the partition key, a UTC day), incidents whose opened_at / closed_at fall in the
-- organisation's day.
--
-- First day: when no source has an earlier day, the comparisons give one baseline row
-- ("first day with data: nothing to compare") instead of listing every asset as new; the
-- day's events are still listed. A source that starts later than the others (its first day
-- while others have history) gets its own baseline row.
--
-- Leaves the temp table program_changes_sources (source, has_day, previous_date) for the
-- caller's summary.
BEGIN TRANSACTION;

-- The inventory snapshot on each side: the last one taken in the day, the last one before it.
-- Two snapshots at the same instant (a past day rerun twice) are told apart by insertion order.
CREATE OR REPLACE TEMP TABLE program_changes_snapshots AS
(
    SELECT 'current' AS side, snapshot_at, run_id
    FROM inventory.ai_assets_history
    WHERE snapshot_at >= getvariable('day_start') AND snapshot_at < getvariable('day_end')
    ORDER BY snapshot_at DESC, rowid DESC
    LIMIT 1
)
UNION ALL
(
    SELECT 'previous' AS side, snapshot_at, run_id
    FROM inventory.ai_assets_history
    WHERE snapshot_at < getvariable('day_start')
    ORDER BY snapshot_at DESC, rowid DESC
    LIMIT 1
);

CREATE OR REPLACE TEMP TABLE program_changes_sources AS
SELECT
    'inventory' AS source,
    EXISTS (SELECT 1 FROM program_changes_snapshots WHERE side = 'current') AS has_day,
    (SELECT CAST(timezone(getvariable('timezone'), timezone('UTC', snapshot_at)) AS DATE)
     FROM program_changes_snapshots WHERE side = 'previous') AS previous_date
UNION ALL
SELECT
    'risk',
    EXISTS (SELECT 1 FROM risk.risk_scores WHERE assessed_date = getvariable('assessed_date')),
    (SELECT max(assessed_date) FROM risk.risk_scores
     WHERE assessed_date < getvariable('assessed_date'))
UNION ALL
SELECT
    'controls',
    EXISTS (SELECT 1 FROM controls.control_evidence
            WHERE assessed_date = getvariable('assessed_date')),
    (SELECT max(assessed_date) FROM controls.control_evidence
     WHERE assessed_date < getvariable('assessed_date'))
UNION ALL
SELECT
    'maturity',
    EXISTS (SELECT 1 FROM metrics.maturity_scores
            WHERE assessed_date = getvariable('assessed_date')),
    (SELECT max(assessed_date) FROM metrics.maturity_scores
     WHERE assessed_date < getvariable('assessed_date'));

DELETE FROM metrics.program_changes WHERE assessed_date = getvariable('assessed_date');

INSERT INTO metrics.program_changes BY NAME
WITH
src AS (SELECT * FROM program_changes_sources),
snap_current AS (
    SELECT h.*
    FROM inventory.ai_assets_history h
    JOIN program_changes_snapshots s
        ON s.side = 'current' AND h.snapshot_at = s.snapshot_at AND h.run_id = s.run_id
),
snap_previous AS (
    SELECT h.*
    FROM inventory.ai_assets_history h
    JOIN program_changes_snapshots s
        ON s.side = 'previous' AND h.snapshot_at = s.snapshot_at AND h.run_id = s.run_id
),
inventory_compared AS (
    -- both sides exist: without a previous snapshot every asset would look new
    SELECT previous_date FROM src WHERE source = 'inventory' AND has_day AND previous_date IS NOT NULL
),

-- ------------------------------------------------------------ assets
asset_new AS (
    SELECT
        'asset_new' AS change_type,
        c.asset_id AS subject_id,
        c.name AS subject_name,
        p.status AS before,
        c.status AS after,
        (SELECT previous_date FROM inventory_compared) AS previous_date,
        concat_ws(', ',
            CASE WHEN p.status IS NOT NULL THEN 'reported again after being ' || p.status
                 ELSE 'first seen ' || strftime(c.first_seen, '%Y-%m-%d %H:%M UTC') END,
            c.asset_type,
            coalesce(c.deployment_env, 'environment unknown'),
            'owner ' || coalesce(c.owner_team, 'unknown'),
            'sources ' || array_to_string(c.sources, '+')
        ) AS detail
    FROM snap_current c
    LEFT JOIN snap_previous p USING (asset_id)
    WHERE c.status = 'active'
      AND coalesce(p.status, '') <> 'active'
      AND EXISTS (SELECT 1 FROM inventory_compared)
),
asset_vanished AS (
    SELECT
        'asset_vanished' AS change_type,
        p.asset_id AS subject_id,
        coalesce(c.name, p.name) AS subject_name,
        p.status AS before,
        c.status AS after,
        (SELECT previous_date FROM inventory_compared) AS previous_date,
        concat_ws(', ',
            'no source reports it any more',
            'last seen ' || strftime(coalesce(c.last_seen, p.last_seen), '%Y-%m-%d %H:%M UTC'),
            p.asset_type,
            coalesce(p.deployment_env, 'environment unknown'),
            'owner ' || coalesce(p.owner_team, 'unknown'),
            'was reported by ' || array_to_string(p.sources, '+')
        ) AS detail
    FROM snap_previous p
    LEFT JOIN snap_current c USING (asset_id)
    WHERE p.status = 'active'
      AND coalesce(c.status, '') <> 'active'
      AND EXISTS (SELECT 1 FROM inventory_compared)
),

-- ------------------------------------------------------------ risk level moves
risk_moves AS (
    SELECT
        CASE WHEN list_position(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], c.risk_level)
                  > list_position(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], p.risk_level)
             THEN 'risk_up' ELSE 'risk_down' END AS change_type,
        c.asset_id AS subject_id,
        coalesce(a.name, c.asset_id) AS subject_name,
        p.risk_level AS before,
        c.risk_level AS after,
        p.residual_risk_score AS before_score,
        c.residual_risk_score AS after_score,
        p.assessed_date AS previous_date,
        printf('%s -> %s: residual risk %.2f -> %.2f (inherent %.2f -> %.2f, control effectiveness %.2f -> %.2f); top driver %s',
               p.risk_level, c.risk_level, p.residual_risk_score, c.residual_risk_score,
               p.inherent_risk_score, c.inherent_risk_score,
               p.control_effectiveness, c.control_effectiveness, c.top_driver) AS detail
    FROM risk.risk_scores c
    JOIN risk.risk_scores p
        ON p.asset_id = c.asset_id
       AND p.assessed_date = (SELECT previous_date FROM src WHERE source = 'risk')
    LEFT JOIN inventory.ai_assets a ON a.asset_id = c.asset_id
    WHERE c.assessed_date = getvariable('assessed_date')
      AND c.risk_level <> p.risk_level
),

-- ------------------------------------------------------------ critical detections
detections_critical AS (
    SELECT
        'detection_critical' AS change_type,
        d.detection_id AS subject_id,
        d.rule_title AS subject_name,
        d.asset_id AS related_id,
        coalesce(a.name, d.asset_id) AS related_name,
        d.severity AS after,
        concat_ws(', ',
            d.rule_id || ' (' || d.family || ')',
            'on ' || coalesce(a.name, d.asset_id, d.agent_id, 'an unmatched asset (' || d.source || ')'),
            'at ' || strftime(d.event_time, '%Y-%m-%d %H:%M:%S UTC'),
            'source ' || d.source
        ) AS detail
    FROM monitoring.detections d
    LEFT JOIN inventory.ai_assets a ON a.asset_id = d.asset_id
    WHERE d.event_date = getvariable('assessed_date') AND d.severity = 'critical'
),

-- ------------------------------------------------------------ incidents
incidents_opened AS (
    SELECT
        'incident_opened' AS change_type,
        i.incident_id AS subject_id,
        i.title AS subject_name,
        i.asset_id AS related_id,
        coalesce(a.name, i.asset_id) AS related_name,
        'open' AS after,
        printf('%s %s incident from %s, opened %s; state now %s',
               i.severity, i.category, i.origin,
               strftime(i.opened_at, '%Y-%m-%d %H:%M UTC'), i.state) AS detail
    FROM operations.incidents i
    LEFT JOIN inventory.ai_assets a ON a.asset_id = i.asset_id
    WHERE i.opened_at >= getvariable('day_start') AND i.opened_at < getvariable('day_end')
),
incidents_closed AS (
    SELECT
        'incident_closed' AS change_type,
        i.incident_id AS subject_id,
        i.title AS subject_name,
        i.asset_id AS related_id,
        coalesce(a.name, i.asset_id) AS related_name,
        (SELECT arg_max(t.from_state, t.seq) FROM operations.incident_timeline t
         WHERE t.incident_id = i.incident_id AND t.to_state = 'closed') AS before,
        'closed' AS after,
        printf('%s %s incident closed %s after %.1f days open',
               i.severity, i.category, strftime(i.closed_at, '%Y-%m-%d %H:%M UTC'),
               date_diff('second', i.opened_at, i.closed_at) / 86400.0) AS detail
    FROM operations.incidents i
    LEFT JOIN inventory.ai_assets a ON a.asset_id = i.asset_id
    WHERE i.closed_at >= getvariable('day_start') AND i.closed_at < getvariable('day_end')
),

-- ------------------------------------------------------------ controls gained / lost
-- Per asset x catalog control, implemented on one day and not on the other, for assets
-- assessed on both days (a new asset's controls are not "gained", a vanished asset's not
-- "lost": the asset rows say it).
-- Only the two days' (asset, control, status) are compared; the evidence text is read for the
-- changed pairs alone (at 1M assets each day holds ~35M evidence rows).
ce_current AS (
    SELECT asset_id, control_id, status FROM controls.control_evidence
    WHERE assessed_date = getvariable('assessed_date')
),
ce_previous AS (
    SELECT asset_id, control_id, status FROM controls.control_evidence
    WHERE assessed_date = (SELECT previous_date FROM src WHERE source = 'controls')
),
assessed_both AS (
    SELECT asset_id FROM ce_current INTERSECT SELECT asset_id FROM ce_previous
),
control_moves AS (
    SELECT asset_id, control_id, p.status AS before, c.status AS after
    FROM ce_current AS c
    FULL JOIN ce_previous AS p USING (asset_id, control_id)
    SEMI JOIN assessed_both USING (asset_id)
    WHERE coalesce(c.status = 'implemented', false) <> coalesce(p.status = 'implemented', false)
),
control_changes AS (
    SELECT
        m.*,
        e.evidence,
        k.title AS control_title,
        coalesce(a.name, m.asset_id) AS asset_name,
        (SELECT previous_date FROM src WHERE source = 'controls') AS previous_date
    FROM control_moves AS m
    LEFT JOIN controls.control_evidence AS e
        ON e.assessed_date = getvariable('assessed_date')
       AND e.asset_id = m.asset_id AND e.control_id = m.control_id
    LEFT JOIN controls.catalog_controls AS k ON k.control_id = m.control_id
    LEFT JOIN inventory.ai_assets AS a ON a.asset_id = m.asset_id
),
controls_gained AS (
    SELECT
        'control_gained' AS change_type,
        asset_id AS subject_id,
        asset_name AS subject_name,
        control_id AS related_id,
        control_title AS related_name,
        before,
        after,
        previous_date,
        left(control_id || ' now implemented: ' || evidence, 300) AS detail
    FROM control_changes
    WHERE after = 'implemented'
),
controls_lost AS (
    SELECT
        'control_lost' AS change_type,
        asset_id AS subject_id,
        asset_name AS subject_name,
        control_id AS related_id,
        control_title AS related_name,
        before,
        after,
        previous_date,
        left(control_id || CASE WHEN after IS NULL THEN ' no longer assessed'
                                ELSE ' now ' || after || ': ' || evidence END, 300) AS detail
    FROM control_changes
    WHERE before = 'implemented'
),

-- ------------------------------------------------------------ maturity moves
maturity_moves AS (
    SELECT
        CASE WHEN c.level > p.level THEN 'maturity_up' ELSE 'maturity_down' END AS change_type,
        c.dimension AS subject_id,
        c.dimension AS subject_name,
        p.level || ' ' || p.level_name AS before,
        c.level || ' ' || c.level_name AS after,
        p.score AS before_score,
        c.score AS after_score,
        p.assessed_date AS previous_date,
        printf('level %d %s -> %d %s (score %.2f -> %.2f)',
               p.level, p.level_name, c.level, c.level_name, p.score, c.score)
            || coalesce('; next: ' || c.gaps_to_next_level[1], '') AS detail
    FROM metrics.maturity_scores c
    JOIN metrics.maturity_scores p
        ON p.dimension = c.dimension
       AND p.assessed_date = (SELECT previous_date FROM src WHERE source = 'maturity')
    WHERE c.assessed_date = getvariable('assessed_date')
      AND c.level <> p.level
),

-- ------------------------------------------------------------ baseline
baseline AS (
    -- No source has an earlier day: the program's first day.
    SELECT
        'baseline' AS change_type,
        'program' AS subject_id,
        'AI security program' AS subject_name,
        CASE WHEN EXISTS (SELECT 1 FROM src WHERE has_day)
             THEN 'first day with data: nothing to compare'
             ELSE 'no data on this day and none before it: nothing to compare' END AS detail
    WHERE NOT EXISTS (SELECT 1 FROM src WHERE previous_date IS NOT NULL)
    UNION ALL
    -- A source's first day while others have history (e.g. a pillar added later).
    SELECT
        'baseline',
        s.source,
        s.source,
        printf('first day with %s data: nothing to compare', s.source)
    FROM src s
    WHERE s.has_day AND s.previous_date IS NULL
      AND EXISTS (SELECT 1 FROM src WHERE previous_date IS NOT NULL)
),
changes AS (
    SELECT * FROM asset_new
    UNION ALL BY NAME SELECT * FROM asset_vanished
    UNION ALL BY NAME SELECT * FROM risk_moves
    UNION ALL BY NAME SELECT * FROM detections_critical
    UNION ALL BY NAME SELECT * FROM incidents_opened
    UNION ALL BY NAME SELECT * FROM incidents_closed
    UNION ALL BY NAME SELECT * FROM controls_gained
    UNION ALL BY NAME SELECT * FROM controls_lost
    UNION ALL BY NAME SELECT * FROM maturity_moves
    UNION ALL BY NAME SELECT * FROM baseline
)
SELECT
    getvariable('assessed_date') AS assessed_date,
    change_type,
    subject_id,
    subject_name,
    related_id,
    related_name,
    CAST(before AS VARCHAR) AS before,
    CAST(after AS VARCHAR) AS after,
    CAST(before_score AS DOUBLE) AS before_score,
    CAST(after_score AS DOUBLE) AS after_score,
    CAST(previous_date AS DATE) AS previous_date,
    detail,
    getvariable('run_id') AS run_id
FROM changes;

DROP TABLE program_changes_snapshots;

COMMIT;
