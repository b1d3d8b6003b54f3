-- Control coverage for one day: which applicable controls each active asset requires (from its
-- inherent risk level: risk.risk_scores.inherent_risk_level >= the control's required_from) and
-- how many of them are in place. Variables: assessed_date DATE, run_id VARCHAR. Reads
-- controls.control_evidence, controls.catalog_controls and risk.risk_scores of the day;
-- replaces the day's rows of controls.control_coverage. The caller runs it in one transaction.
--
-- The level comes from the inherent score (before controls) so that what is required does not
-- depend on what is implemented. An asset without a score that day (never happens in a run of
-- the main job) is assessed at CRITICAL: bad input never lowers what is required.

DELETE FROM controls.control_coverage WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO controls.control_coverage
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    a.asset_id,
    nullif(trim(a.owner_team), ''),
    coalesce(any_value(q.inherent_risk_level), 'CRITICAL'),
    count(q.control_id) FILTER (WHERE q.required),
    count(*) FILTER (WHERE q.required AND q.status = 'implemented'),
    count(*) FILTER (WHERE q.required AND q.status = 'partly'),
    count(*) FILTER (WHERE q.required AND q.status = 'accepted'),
    count(*) FILTER (WHERE q.required AND q.status IN ('missing', 'partly')),
    CASE WHEN count(q.control_id) FILTER (WHERE q.required) = 0 THEN 1.0
         ELSE count(*) FILTER (WHERE q.required AND q.status = 'implemented')
              / count(q.control_id) FILTER (WHERE q.required) END,
    coalesce(
        list(q.control_id ORDER BY q.control_id)
            FILTER (WHERE q.required AND q.status IN ('missing', 'partly')),
        CAST([] AS VARCHAR[])
    ),
    CAST(getvariable('run_id') AS VARCHAR)
FROM inventory.ai_assets AS a
LEFT JOIN controls.required_controls AS q
    ON q.asset_id = a.asset_id AND q.assessed_date = CAST(getvariable('assessed_date') AS DATE)
WHERE a.status = 'active'
GROUP BY a.asset_id, a.owner_team;
