-- Maturity per program dimension for one day, from that day's KPIs (CMMI-style levels).
-- Asset Management follows the design brief's thresholds on asset coverage:
--   >= 95% level 4, >= 80% level 3, >= 50% level 2, else level 1; score = coverage x 100.
-- Other dimensions (incident response, red teaming, governance, ...) join as their data lands.
-- Variables: assessed_date, run_id.
BEGIN TRANSACTION;

DELETE FROM metrics.maturity_scores WHERE assessed_date = getvariable('assessed_date');

INSERT INTO metrics.maturity_scores BY NAME
WITH k AS (
    SELECT * FROM metrics.program_kpis WHERE kpi_date = getvariable('assessed_date')
),
asset_management AS (
    SELECT
        CASE WHEN asset_coverage_rate >= 0.95 THEN 4
             WHEN asset_coverage_rate >= 0.80 THEN 3
             WHEN asset_coverage_rate >= 0.50 THEN 2
             ELSE 1 END AS level,
        asset_coverage_rate * 100 AS score,
        [printf('Coverage: %d%%', CAST(round(asset_coverage_rate * 100) AS INTEGER)),
         printf('Total assets tracked: %d', total_ai_assets),
         printf('Assets with a security review: %d of %d',
                assets_with_security_review, active_ai_assets),
         printf('Open compliance gaps: %d', compliance_gap_count)] AS evidence
    FROM k
)
SELECT
    getvariable('assessed_date') AS assessed_date,
    'Asset Management' AS dimension,
    level,
    ['Initial', 'Managed', 'Defined', 'Quantitatively Managed', 'Optimizing'][level]
        AS level_name,
    round(score, 2) AS score,
    evidence,
    CASE level
        WHEN 4 THEN ['Implement predictive asset risk scoring', 'Automate SBOM generation']
        WHEN 3 THEN ['Achieve 95%+ asset coverage', 'Automate discovery for all cloud providers']
        WHEN 2 THEN ['Standardize asset classification', 'Implement dependency tracking']
        ELSE ['Deploy automated asset discovery', 'Define asset classification policy']
    END AS gaps_to_next_level,
    getvariable('run_id') AS run_id
FROM asset_management;

COMMIT;
