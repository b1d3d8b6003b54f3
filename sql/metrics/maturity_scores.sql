-- Maturity per program dimension for one day, from that day's KPIs (CMMI-style levels 1-4:
-- Initial, Managed, Defined, Quantitatively Managed; Optimizing is not reached by a threshold).
-- The design brief's thresholds, exactly:
--   Asset Management: asset coverage >= 95% level 4, >= 80% level 3, >= 50% level 2; score =
--     coverage x 100.
--   Incident Response: MTTD < 1 h and MTTC < 4 h level 4, MTTD < 4 h level 3, MTTD < 24 h
--     level 2; score = max(0, 100 - 5 x MTTD).
--   Red Teaming: >= 4 engagements this year and remediation >= 90% level 4, >= 2 level 3,
--     >= 1 level 2; score = min(100, 25 x engagements).
-- Configured thresholds (metrics.maturity in aisec.yaml), on a rate each, score = rate x 100:
--   Governance: policies approved and within their review date.
--   Technical Controls: required catalog controls implemented.
--   Monitoring: required detective controls implemented.
--   Compliance: framework requirements met (partly met counts half).
-- An unknown input (NULL KPI: nothing to measure yet) is scored at its worst case (level 1,
-- score 0) and the evidence says so.
-- Also the NIST AI RMF function scores (GOVERN, MAP, MEASURE, MANAGE) from the day's framework
-- compliance.
-- Variables: assessed_date, run_id, target_level INTEGER, and per configured dimension
-- <dimension>_level4 / _level3 / _level2 DOUBLE (governance, technical_controls, monitoring,
-- compliance).
BEGIN TRANSACTION;

DELETE FROM metrics.maturity_scores WHERE assessed_date = getvariable('assessed_date');

INSERT INTO metrics.maturity_scores BY NAME
WITH
k AS (
    SELECT * FROM metrics.program_kpis WHERE kpi_date = getvariable('assessed_date')
),
asset_management AS (
    SELECT
        1 AS position, 'Asset Management' AS dimension,
        CASE WHEN asset_coverage_rate >= 0.95 THEN 4
             WHEN asset_coverage_rate >= 0.80 THEN 3
             WHEN asset_coverage_rate >= 0.50 THEN 2
             ELSE 1 END AS level,
        coalesce(asset_coverage_rate, 0) * 100 AS score,
        [coalesce(printf('Coverage: %d%%', CAST(round(asset_coverage_rate * 100) AS INTEGER)),
                  'Coverage: unknown (' || null_reasons['asset_coverage_rate'] || ')'),
         printf('Total assets tracked: %d', total_ai_assets),
         printf('Assets with a security review: %d of %d',
                assets_with_security_review, active_ai_assets),
         printf('Open compliance gaps: %d', compliance_gap_count)] AS evidence,
        [['Deploy automated asset discovery', 'Define asset classification policy'],
         ['Standardize asset classification', 'Implement dependency tracking'],
         ['Achieve 95%+ asset coverage', 'Automate discovery for all cloud providers'],
         ['Implement predictive asset risk scoring', 'Automate SBOM generation']] AS gaps
    FROM k
),
incident_response AS (
    SELECT
        2, 'Incident Response',
        CASE WHEN mean_time_to_detect_hours < 1 AND mean_time_to_contain_hours < 4 THEN 4
             WHEN mean_time_to_detect_hours < 4 THEN 3
             WHEN mean_time_to_detect_hours < 24 THEN 2
             ELSE 1 END,
        greatest(0, 100 - coalesce(mean_time_to_detect_hours * 5, 100)),
        [coalesce(printf('MTTD: %.1fh', mean_time_to_detect_hours),
                  'MTTD: unknown (' || null_reasons['mean_time_to_detect_hours'] || ')'),
         coalesce(printf('MTTC: %.1fh', mean_time_to_contain_hours),
                  'MTTC: unknown (' || null_reasons['mean_time_to_contain_hours'] || ')'),
         printf('Incidents (30d): %d', incidents_last_30_days),
         printf('Open incidents: %d, overdue incident tasks: %d', open_incidents,
                overdue_incident_tasks)],
        [['Implement basic monitoring', 'Define incident categories'],
         ['Deploy AI-specific detection rules', 'Create playbooks for all categories'],
         ['Reduce MTTD below 1 hour', 'Automate containment for SEV1'],
         ['Implement automated response for common incident types']]
    FROM k
),
red_teaming AS (
    SELECT
        3, 'Red Teaming',
        CASE WHEN red_team_engagements_ytd >= 4 AND remediation_rate >= 0.90 THEN 4
             WHEN red_team_engagements_ytd >= 2 THEN 3
             WHEN red_team_engagements_ytd >= 1 THEN 2
             ELSE 1 END,
        least(100, coalesce(red_team_engagements_ytd, 0) * 25),
        [coalesce(printf('Engagements YTD: %d', red_team_engagements_ytd),
                  'Engagements YTD: unknown (' || null_reasons['red_team_engagements_ytd'] || ')'),
         coalesce(printf('Findings: %d', findings_from_red_team), 'Findings: unknown'),
         coalesce(printf('Remediation rate: %d%%',
                         CAST(round(remediation_rate * 100) AS INTEGER)),
                  'Remediation rate: unknown (' || null_reasons['remediation_rate'] || ')')],
        [['Conduct first AI red team engagement', 'Establish finding tracking'],
         ['Define red team methodology', 'Track remediation systematically'],
         ['Increase to quarterly engagements', 'Achieve 90%+ remediation rate'],
         ['Implement continuous automated red teaming']]
    FROM k
),
configured AS (
    SELECT 4 AS position, 'Governance' AS dimension, policy_currency_rate AS rate,
           'policy_currency_rate' AS kpi, 'Policies approved and within their review date' AS what,
           getvariable('governance_level4') AS t4, getvariable('governance_level3') AS t3,
           getvariable('governance_level2') AS t2,
           [['Adopt the AI security policies (policies.yaml) with owners and approvers',
             'Name accountable roles in a RACI matrix'],
            ['Approve every policy and keep review dates current',
             'Record risk acceptances with approvers and expiry'],
            ['Review every policy before its due date',
             'Track risk appetite breaches to closure'],
            ['Measure policy exceptions and feed them into policy revisions']] AS gaps
    FROM k
    UNION ALL
    SELECT 5, 'Technical Controls', control_coverage_rate, 'control_coverage_rate',
           'Required catalog controls implemented',
           getvariable('technical_controls_level4'), getvariable('technical_controls_level3'),
           getvariable('technical_controls_level2'),
           [['Implement the baseline controls (guardrails, access control, logging)',
             'Inventory which controls each asset has'],
            ['Implement the controls required for each asset''s inherent risk',
             'Attest process controls with evidence'],
            ['Close missing required controls on HIGH and CRITICAL assets',
             'Gate deployments on required controls (aisec gate)'],
            ['Verify control effectiveness continuously (red-team the guardrails)']]
    FROM k
    UNION ALL
    SELECT 6, 'Monitoring', detective_control_coverage_rate, 'detective_control_coverage_rate',
           'Required detective controls implemented',
           getvariable('monitoring_level4'), getvariable('monitoring_level3'),
           getvariable('monitoring_level2'),
           [['Log model invocations for production assets', 'Run the detection rules daily'],
            ['Cover every production asset with invocation logging and detection',
             'Route critical detections to incidents'],
            ['Implement every required detective control',
             'Tune rules from incident lessons learned'],
            ['Measure detection quality on third-party data and close the gaps']]
    FROM k
    UNION ALL
    SELECT 7, 'Compliance', framework_compliance_rate, 'framework_compliance_rate',
           'Framework requirements met (partly met counts half)',
           getvariable('compliance_level4'), getvariable('compliance_level3'),
           getvariable('compliance_level2'),
           [['Map controls to the frameworks in scope', 'Identify regulatory scope per asset'],
            ['Meet the frameworks'' technical requirements for in-scope assets',
             'Export findings to the GRC tooling'],
            ['Meet every assessable requirement; document the manual ones',
             'File regulatory reports before their deadlines'],
            ['Continuously monitor compliance drift and report it to the board']]
    FROM k
),
configured_levels AS (
    SELECT
        position, dimension,
        CASE WHEN rate >= t4 THEN 4 WHEN rate >= t3 THEN 3 WHEN rate >= t2 THEN 2 ELSE 1 END
            AS level,
        coalesce(rate, 0) * 100 AS score,
        [coalesce(printf('%s: %d%%', what, CAST(round(rate * 100) AS INTEGER)),
                  printf('%s: unknown (%s)', what, null_reasons[kpi])),
         printf('Thresholds: level 4 >= %d%%, 3 >= %d%%, 2 >= %d%%',
                CAST(round(t4 * 100) AS INTEGER), CAST(round(t3 * 100) AS INTEGER),
                CAST(round(t2 * 100) AS INTEGER))] AS evidence,
        gaps
    FROM configured, k
),
dimensions AS (
    SELECT * FROM asset_management
    UNION ALL SELECT * FROM incident_response
    UNION ALL SELECT * FROM red_teaming
    UNION ALL SELECT * FROM configured_levels
)
SELECT
    getvariable('assessed_date') AS assessed_date,
    dimension,
    level,
    ['Initial', 'Managed', 'Defined', 'Quantitatively Managed', 'Optimizing'][level]
        AS level_name,
    round(score, 2) AS score,
    evidence,
    gaps[level] AS gaps_to_next_level,
    CAST(getvariable('target_level') AS INTEGER) AS target_level,
    getvariable('run_id') AS run_id
FROM dimensions
ORDER BY position;

DELETE FROM metrics.nist_ai_rmf_scores WHERE assessed_date = getvariable('assessed_date');

INSERT INTO metrics.nist_ai_rmf_scores BY NAME
SELECT
    getvariable('assessed_date') AS assessed_date,
    split_part(requirement_id, ' ', 1) AS function,
    count(*) FILTER (WHERE status = 'met') AS met,
    count(*) FILTER (WHERE status = 'partly') AS partly,
    count(*) FILTER (WHERE status = 'not_met') AS not_met,
    count(*) FILTER (WHERE status = 'manual') AS manual,
    count(*) FILTER (WHERE status = 'not_applicable') AS not_applicable,
    round(100.0 * (count(*) FILTER (WHERE status = 'met')
                   + 0.5 * count(*) FILTER (WHERE status = 'partly'))
          / nullif(count(*) FILTER (WHERE status IN ('met', 'partly', 'not_met')), 0), 2)
        AS score,
    getvariable('run_id') AS run_id
FROM compliance.framework_compliance
WHERE assessed_date = getvariable('assessed_date') AND framework = 'nist_ai_rmf'
GROUP BY ALL;

COMMIT;
