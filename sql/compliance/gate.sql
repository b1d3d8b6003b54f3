-- The pre-deploy gate's view of one asset on one day (aisec gate): its risk against the
-- appetite, and every required catalog control that is not implemented, with the framework
-- requirements each one leaves unmet. Variables: asset_id VARCHAR, assessed_date DATE.
-- A plain SELECT: one row per required control not implemented (status missing, partly or
-- accepted), or a single row with control_id NULL when every required control is in place.
WITH
score AS (
    SELECT r.asset_id, r.residual_risk_score, r.risk_level, r.inherent_risk_level
    FROM risk.risk_scores AS r
    WHERE r.asset_id = getvariable('asset_id')
      AND r.assessed_date = CAST(getvariable('assessed_date') AS DATE)
),
breach AS (
    SELECT b.asset_id, b.max_residual_risk, b.environment, b.data_classification, b.rule
    FROM governance.risk_appetite_breaches AS b
    WHERE b.asset_id = getvariable('asset_id')
      AND b.assessed_date = CAST(getvariable('assessed_date') AS DATE)
),
open_controls AS (
    SELECT q.asset_id, q.control_id, c.title, q.status, q.evidence, q.acceptance_id,
           coalesce(
               list(r.framework || ' ' || r.requirement_id || ' ' || r.title
                    ORDER BY r.framework, r.position) FILTER (WHERE r.requirement_id IS NOT NULL),
               CAST([] AS VARCHAR[])
           ) AS requirements
    FROM controls.required_controls AS q
    JOIN controls.catalog_controls AS c USING (control_id)
    LEFT JOIN controls.catalog_mappings AS m USING (control_id)
    LEFT JOIN controls.framework_requirements AS r USING (framework, requirement_id)
    WHERE q.asset_id = getvariable('asset_id')
      AND q.assessed_date = CAST(getvariable('assessed_date') AS DATE)
      AND q.required
      AND q.status <> 'implemented'
    GROUP BY ALL
)
SELECT
    s.residual_risk_score,
    s.risk_level,
    s.inherent_risk_level,
    b.max_residual_risk,
    b.environment,
    b.data_classification,
    b.rule AS appetite_rule,
    o.control_id,
    o.title,
    o.status,
    o.evidence,
    o.acceptance_id,
    o.requirements
FROM score AS s
LEFT JOIN breach AS b USING (asset_id)
LEFT JOIN open_controls AS o USING (asset_id)
ORDER BY o.status = 'accepted', o.control_id;
