-- Program KPIs for one day (the brief's ProgramMetrics this data supports).
-- Variables: assessed_date, stale_review_days, run_id. Rerunning a day replaces its row.
BEGIN TRANSACTION;

DELETE FROM metrics.program_kpis WHERE kpi_date = getvariable('assessed_date');

INSERT INTO metrics.program_kpis BY NAME
WITH active AS (
    SELECT * FROM inventory.ai_assets WHERE status = 'active'
),
scores AS (
    SELECT * FROM risk.risk_scores WHERE assessed_date = getvariable('assessed_date')
),
gaps AS (
    SELECT * FROM compliance.compliance_gaps WHERE assessed_date = getvariable('assessed_date')
),
controls AS (
    SELECT asset_id, c.operational
    FROM (SELECT asset_id, unnest(controls) AS c FROM active)
)
SELECT
    getvariable('assessed_date') AS kpi_date,
    (SELECT count(*) FROM inventory.ai_assets) AS total_ai_assets,
    (SELECT count(*) FROM active) AS active_ai_assets,
    (SELECT count(*) FROM active WHERE last_security_review IS NOT NULL)
        AS assets_with_security_review,
    (SELECT count(*) FROM active
     WHERE date_diff('day', last_security_review, getvariable('assessed_date'))
           > getvariable('stale_review_days')) AS assets_with_stale_review,
    coalesce((SELECT avg(CASE WHEN nullif(trim(owner_team), '') IS NOT NULL
                               AND data_classification IS NOT NULL
                               AND deployment_env IS NOT NULL THEN 1.0 ELSE 0.0 END)
              FROM active), 0.0) AS asset_coverage_rate,
    (SELECT count(*) FROM scores WHERE risk_level = 'CRITICAL') AS critical_risk_assets,
    (SELECT count(*) FROM scores WHERE risk_level = 'HIGH') AS high_risk_assets,
    coalesce((SELECT round(avg(residual_risk_score), 2) FROM scores), 0.0) AS mean_residual_risk,
    (SELECT count(*) FROM gaps) AS compliance_gap_count,
    (SELECT count(DISTINCT asset_id) FROM gaps) AS assets_with_gaps,
    (SELECT count(*) FROM controls) AS controls_deployed,
    (SELECT count(*) FROM controls WHERE operational) AS controls_operational,
    coalesce((SELECT avg(CASE WHEN list_bool_or(list_transform(controls, lambda c: c.operational))
                              THEN 1.0 ELSE 0.0 END) FROM active), 0.0) AS control_coverage_rate,
    (SELECT count(*) FROM discovery.source_status WHERE stale) AS stale_sources,
    (SELECT count(*) FROM discovery.rejected_records) AS rejected_records,
    getvariable('run_id') AS run_id;

COMMIT;
