-- Control coverage for one day: which applicable controls each active asset requires (from its
-- inherent risk level: risk.risk_scores.inherent_risk_level >= the control's required_from) and
-- how many of them are in place. Variables: assessed_date DATE, run_id VARCHAR. Reads
-- controls.control_evidence, controls.catalog_controls and risk.risk_scores of the day;
-- replaces the day's rows of controls.control_coverage. The caller runs it in one transaction.
--
-- The level comes from the inherent score (before controls) so that what is required does not
-- depend on what is implemented. An asset without a score that day (never happens in a run of
-- the main job) is assessed at CRITICAL: bad input never lowers what is required.
--
-- Shape: the same rules as the view controls.required_controls, on bit strings (one bit per
-- catalog control): one pass over the day's control evidence gives each asset the controls
-- that apply to it, per status; a level's mask (the controls required from that level on)
-- picks the required ones; counts are bit counts.

DELETE FROM controls.control_coverage WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO controls.control_coverage
WITH
catalog AS (
    SELECT
        control_id,
        required_from_rank,
        set_bit(bitstring('0', CAST(count(*) OVER () AS INTEGER)),
                CAST(row_number() OVER (ORDER BY control_id) - 1 AS INTEGER), 1) AS bits
    FROM controls.catalog_controls
),
-- Every control id in bit order, and no bit set.
catalog_list AS (
    SELECT list(control_id ORDER BY control_id) AS ids,
           bitstring('0', CAST(count(*) AS INTEGER)) AS zero
    FROM catalog
),
-- The controls required at each inherent level (an unknown level counts as CRITICAL).
level_masks AS (
    SELECT
        l.level,
        coalesce(bit_or(c.bits) FILTER (WHERE c.required_from_rank <= l.rank), any_value(z.zero))
            AS required
    FROM (VALUES ('LOW', 1), ('MEDIUM', 2), ('HIGH', 3), ('CRITICAL', 4)) AS l(level, rank)
    CROSS JOIN catalog AS c
    CROSS JOIN catalog_list AS z
    GROUP BY l.level
),
-- Per asset, its applicable controls by status.
evidence_masks AS (
    SELECT
        e.asset_id,
        bit_or(c.bits) FILTER (WHERE e.status = 'implemented') AS implemented,
        bit_or(c.bits) FILTER (WHERE e.status = 'partly') AS partly,
        bit_or(c.bits) FILTER (WHERE e.status = 'accepted') AS accepted,
        bit_or(c.bits) FILTER (WHERE e.status = 'missing') AS missing
    FROM controls.control_evidence AS e
    JOIN catalog AS c USING (control_id)
    WHERE e.assessed_date = CAST(getvariable('assessed_date') AS DATE)
      AND e.applicable
    GROUP BY e.asset_id
),
assets AS (
    SELECT
        a.asset_id,
        a.owner_team,
        coalesce(r.inherent_risk_level, 'CRITICAL') AS inherent_risk_level,
        coalesce(m.implemented, z.zero) & q.required AS implemented,
        coalesce(m.partly, z.zero) & q.required AS partly,
        coalesce(m.accepted, z.zero) & q.required AS accepted,
        (coalesce(m.missing, z.zero) | coalesce(m.partly, z.zero)) & q.required AS failing
    FROM inventory.ai_assets AS a
    CROSS JOIN (SELECT zero FROM catalog_list) AS z
    LEFT JOIN evidence_masks AS m USING (asset_id)
    LEFT JOIN risk.risk_scores AS r
        ON r.asset_id = a.asset_id AND r.assessed_date = CAST(getvariable('assessed_date') AS DATE)
    JOIN level_masks AS q
        ON q.level = CASE WHEN r.inherent_risk_level IN ('LOW', 'MEDIUM', 'HIGH')
                          THEN r.inherent_risk_level ELSE 'CRITICAL' END
    WHERE a.status = 'active'
),
-- The missing controls' ids, once per distinct mask (far fewer than assets).
missing_lists AS (
    SELECT
        f.failing,
        list_filter(z.ids, lambda id, i: get_bit(f.failing, CAST(i - 1 AS INTEGER)) = 1) AS ids
    FROM (SELECT DISTINCT failing FROM assets) AS f
    CROSS JOIN catalog_list AS z
)
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    a.asset_id,
    nullif(trim(a.owner_team), ''),
    a.inherent_risk_level,
    bit_count(a.implemented | a.accepted | a.failing),
    bit_count(a.implemented),
    bit_count(a.partly),
    bit_count(a.accepted),
    bit_count(a.failing),
    CASE WHEN bit_count(a.implemented | a.accepted | a.failing) = 0 THEN 1.0
         ELSE bit_count(a.implemented) / bit_count(a.implemented | a.accepted | a.failing) END,
    l.ids,
    CAST(getvariable('run_id') AS VARCHAR)
FROM assets AS a
JOIN missing_lists AS l USING (failing);
