-- Assets out of risk appetite on one day: the day's residual risk (risk.risk_scores) above the
-- limit of the asset's cell in governance.risk_appetite. Variables: assessed_date DATE,
-- run_id VARCHAR. An environment or data classification that is NULL, not a value of the
-- grid, or listed in inventory.ai_assets.invalid_fields is 'unknown', whose cells carry the
-- strictest limit: bad input never hides a breach. Replaces the day's rows.
BEGIN TRANSACTION;

DELETE FROM governance.risk_appetite_breaches
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO governance.risk_appetite_breaches
WITH assessed AS (
    SELECT
        r.assessed_date,
        r.asset_id,
        r.residual_risk_score,
        CASE
            WHEN list_contains(coalesce(a.invalid_fields, []), 'deployment_env') THEN 'unknown'
            WHEN a.deployment_env IN (
                SELECT environment FROM governance.risk_appetite WHERE environment <> 'unknown'
            ) THEN a.deployment_env
            ELSE 'unknown'
        END AS environment,
        CASE
            WHEN list_contains(coalesce(a.invalid_fields, []), 'data_classification') THEN 'unknown'
            WHEN a.data_classification IN (
                SELECT data_classification FROM governance.risk_appetite
                WHERE data_classification <> 'unknown'
            ) THEN a.data_classification
            ELSE 'unknown'
        END AS data_classification
    FROM risk.risk_scores AS r
    JOIN inventory.ai_assets AS a USING (asset_id)
    WHERE r.assessed_date = CAST(getvariable('assessed_date') AS DATE)
)
SELECT
    s.assessed_date, s.asset_id, s.environment, s.data_classification, s.residual_risk_score,
    g.max_residual_risk, g.rule, getvariable('run_id')
FROM assessed AS s
JOIN governance.risk_appetite AS g USING (environment, data_classification)
WHERE s.residual_risk_score > g.max_residual_risk
ORDER BY s.asset_id;

COMMIT;
