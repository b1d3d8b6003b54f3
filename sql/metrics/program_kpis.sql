-- Program KPIs for one day: every KPI of the design brief's ProgramMetrics, plus the program's
-- own (source health, framework compliance, detective-control coverage, policy currency). A
-- KPI whose input does not exist in this deployment (nothing to measure yet) is NULL and
-- null_reasons says why: never a 0 that reads like a measurement. Definitions and source
-- tables: the column comments (metrics.kpi_dictionary).
-- Variables: assessed_date DATE, now TIMESTAMP (the run's clock), stale_review_days INTEGER,
-- run_id VARCHAR, governance_configured BOOLEAN, red_team_configured BOOLEAN.
-- Rerunning a day replaces its row.
BEGIN TRANSACTION;

DELETE FROM metrics.program_kpis WHERE kpi_date = getvariable('assessed_date');

INSERT INTO metrics.program_kpis BY NAME
WITH
active AS (
    SELECT * FROM inventory.ai_assets WHERE status = 'active'
),
scores AS (
    SELECT * FROM risk.risk_scores WHERE assessed_date = getvariable('assessed_date')
),
gaps AS (
    SELECT * FROM compliance.compliance_gaps WHERE assessed_date = getvariable('assessed_date')
),
evidence AS (
    SELECT e.*, c.function
    FROM controls.control_evidence AS e
    JOIN controls.catalog_controls AS c USING (control_id)
    SEMI JOIN active AS a USING (asset_id)
    WHERE e.assessed_date = getvariable('assessed_date') AND e.applicable
),
required AS (
    SELECT r.*, c.function
    FROM controls.required_controls AS r
    JOIN controls.catalog_controls AS c USING (control_id)
    SEMI JOIN active AS a USING (asset_id)
    WHERE r.assessed_date = getvariable('assessed_date') AND r.required
),
incidents_30d AS (
    SELECT * FROM operations.incidents
    WHERE CAST(opened_at AS DATE) BETWEEN CAST(getvariable('assessed_date') AS DATE) - 29
                                      AND CAST(getvariable('assessed_date') AS DATE)
),
by_category AS (
    SELECT category, count(*) AS incidents FROM incidents_30d GROUP BY ALL
),
-- A task is overdue when its due time has passed and its incident has not yet reached the
-- state its phase leads to (containment -> contained, ...).
overdue_tasks AS (
    SELECT t.incident_id, t.step_number
    FROM operations.incident_tasks AS t
    JOIN operations.incidents AS i USING (incident_id)
    WHERE i.state <> 'closed'
      AND CAST(i.opened_at AS DATE) <= CAST(getvariable('assessed_date') AS DATE)
      AND t.due_at < CAST(getvariable('now') AS TIMESTAMP)
      AND list_position(['open', 'triaged', 'contained', 'eradicated', 'recovered', 'closed'],
                        i.state)
          < list_position(['open', 'triaged', 'contained', 'eradicated', 'recovered', 'closed'],
                          CASE t.phase WHEN 'detection' THEN 'triaged'
                                       WHEN 'containment' THEN 'contained'
                                       WHEN 'eradication' THEN 'eradicated'
                                       WHEN 'recovery' THEN 'recovered'
                                       ELSE 'closed' END)
),
red_team_findings AS (
    SELECT * FROM operations.red_team_findings
    WHERE assessed_date = getvariable('assessed_date')
),
engagements_ytd AS (
    SELECT DISTINCT engagement_id FROM operations.red_team_engagements
    WHERE assessed_date = getvariable('assessed_date')
      AND year(first_started_at) = year(CAST(getvariable('assessed_date') AS DATE))
),
frameworks AS (
    SELECT * FROM compliance.framework_compliance
    WHERE assessed_date = getvariable('assessed_date')
),
values AS (
    SELECT
        (SELECT count(*) FROM inventory.ai_assets) AS total_ai_assets,
        (SELECT count(*) FROM active) AS active_ai_assets,
        (SELECT count(*) FROM active WHERE last_security_review IS NOT NULL)
            AS assets_with_security_review,
        (SELECT count(*) FROM active
         WHERE date_diff('day', last_security_review, getvariable('assessed_date'))
               > getvariable('stale_review_days')) AS assets_with_stale_review,
        (SELECT avg(CASE WHEN nullif(trim(owner_team), '') IS NOT NULL
                          AND data_classification IS NOT NULL
                          AND deployment_env IS NOT NULL THEN 1.0 ELSE 0.0 END)
         FROM active) AS asset_coverage_rate,
        (SELECT count(*) FROM scores WHERE risk_level = 'CRITICAL') AS critical_risk_assets,
        (SELECT count(*) FROM scores WHERE risk_level = 'HIGH') AS high_risk_assets,
        (SELECT round(avg(residual_risk_score), 2) FROM scores) AS mean_residual_risk,
        CASE WHEN getvariable('governance_configured') THEN
            (SELECT count(*) FROM governance.risk_acceptances
             WHERE assessed_date = getvariable('assessed_date') AND status = 'active')
        END AS risk_acceptance_count,
        (SELECT count(*) FROM operations.incidents
         WHERE state <> 'closed'
           AND CAST(opened_at AS DATE) <= CAST(getvariable('assessed_date') AS DATE))
            AS open_incidents,
        (SELECT count(*) FROM incidents_30d) AS incidents_last_30_days,
        (SELECT round(avg(date_diff('second', first_evidence_at, opened_at)) / 3600.0, 2)
         FROM incidents_30d) AS mean_time_to_detect_hours,
        (SELECT round(avg(date_diff('second', opened_at, contained_at)) / 3600.0, 2)
         FROM incidents_30d WHERE contained_at IS NOT NULL) AS mean_time_to_contain_hours,
        (SELECT round(avg(date_diff('second', opened_at, recovered_at)) / 3600.0, 2)
         FROM incidents_30d WHERE recovered_at IS NOT NULL) AS mean_time_to_resolve_hours,
        coalesce(
            (SELECT map_from_entries(list({'key': category, 'value': incidents}
                                          ORDER BY category))
             FROM by_category),
            CAST(map() AS MAP(VARCHAR, BIGINT))
        ) AS incidents_by_category,
        (SELECT count(*) FROM evidence WHERE status IN ('implemented', 'partly'))
            AS controls_deployed,
        (SELECT count(*) FROM evidence WHERE status = 'implemented') AS controls_operational,
        (SELECT avg(CASE WHEN status = 'implemented' THEN 1.0 ELSE 0.0 END) FROM required)
            AS control_coverage_rate,
        (SELECT avg(CASE WHEN status = 'implemented' THEN 1.0 ELSE 0.0 END) FROM required
         WHERE function = 'detective') AS detective_control_coverage_rate,
        CASE WHEN getvariable('red_team_configured') THEN
            (SELECT count(*) FROM engagements_ytd)
        END AS red_team_engagements_ytd,
        CASE WHEN getvariable('red_team_configured') THEN
            (SELECT count(*) FROM red_team_findings)
        END AS findings_from_red_team,
        CASE WHEN getvariable('red_team_configured') THEN
            (SELECT count(*) FROM red_team_findings WHERE status = 'remediated')
        END AS findings_remediated,
        CASE WHEN getvariable('red_team_configured') THEN
            (SELECT round(avg(CASE WHEN status = 'remediated' THEN 1.0 ELSE 0.0 END), 4)
             FROM red_team_findings)
        END AS remediation_rate,
        (SELECT count(*) FROM gaps) AS compliance_gap_count,
        (SELECT count(DISTINCT asset_id) FROM gaps) AS assets_with_gaps,
        (SELECT count(*) FROM overdue_tasks) AS overdue_incident_tasks,
        (SELECT count(*) FROM overdue_tasks)
        + (SELECT count(*) FROM gaps
           WHERE gap_type IN ('overdue_policy_review', 'overdue_art73_report',
                              'overdue_gdpr33_notification', 'expired_acceptance'))
            AS overdue_actions,
        (SELECT round((count(*) FILTER (WHERE status = 'met')
                       + 0.5 * count(*) FILTER (WHERE status = 'partly'))
                      / nullif(count(*) FILTER (WHERE status IN ('met', 'partly', 'not_met')), 0),
                      4)
         FROM frameworks) AS framework_compliance_rate,
        CASE WHEN getvariable('governance_configured') THEN
            (SELECT avg(CASE WHEN status = 'approved' AND NOT review_overdue THEN 1.0 ELSE 0.0 END)
             FROM governance.policies WHERE status <> 'retired')
        END AS policy_currency_rate,
        (SELECT count(*) FROM discovery.source_status WHERE stale) AS stale_sources,
        (SELECT count(*) FROM discovery.rejected_records) AS rejected_records
),
reasons AS (
    SELECT
        v.*,
        map_from_entries(list_filter([
            {'key': 'asset_coverage_rate', 'value': CASE WHEN v.asset_coverage_rate IS NULL
                THEN 'no active asset in the inventory' END},
            {'key': 'mean_residual_risk', 'value': CASE WHEN v.mean_residual_risk IS NULL
                THEN 'no asset risk-scored on the day' END},
            {'key': 'risk_acceptance_count', 'value': CASE WHEN v.risk_acceptance_count IS NULL
                THEN 'governance is not configured (governance.directory in aisec.yaml)' END},
            {'key': 'mean_time_to_detect_hours', 'value': CASE
                WHEN v.mean_time_to_detect_hours IS NULL
                THEN 'no incident opened in the last 30 days' END},
            {'key': 'mean_time_to_contain_hours', 'value': CASE
                WHEN v.mean_time_to_contain_hours IS NULL
                THEN 'no incident of the last 30 days reached contained' END},
            {'key': 'mean_time_to_resolve_hours', 'value': CASE
                WHEN v.mean_time_to_resolve_hours IS NULL
                THEN 'no incident of the last 30 days reached recovered' END},
            {'key': 'control_coverage_rate', 'value': CASE WHEN v.control_coverage_rate IS NULL
                THEN 'no required control assessed on the day (control evidence)' END},
            {'key': 'detective_control_coverage_rate', 'value': CASE
                WHEN v.detective_control_coverage_rate IS NULL
                THEN 'no detective control required on the day' END},
            {'key': 'red_team_engagements_ytd', 'value': CASE
                WHEN NOT getvariable('red_team_configured')
                THEN 'no red-team reports configured (red_team.reports in aisec.yaml)' END},
            {'key': 'findings_from_red_team', 'value': CASE
                WHEN NOT getvariable('red_team_configured')
                THEN 'no red-team reports configured (red_team.reports in aisec.yaml)' END},
            {'key': 'findings_remediated', 'value': CASE
                WHEN NOT getvariable('red_team_configured')
                THEN 'no red-team reports configured (red_team.reports in aisec.yaml)' END},
            {'key': 'remediation_rate', 'value': CASE
                WHEN NOT getvariable('red_team_configured')
                THEN 'no red-team reports configured (red_team.reports in aisec.yaml)'
                WHEN v.remediation_rate IS NULL THEN 'no red-team finding yet' END},
            {'key': 'framework_compliance_rate', 'value': CASE
                WHEN v.framework_compliance_rate IS NULL
                THEN 'no framework requirement assessed on the day' END},
            {'key': 'policy_currency_rate', 'value': CASE
                WHEN NOT getvariable('governance_configured')
                THEN 'governance is not configured (governance.directory in aisec.yaml)'
                WHEN v.policy_currency_rate IS NULL THEN 'no policy in force' END}
        ], lambda e: e.value IS NOT NULL)) AS null_reasons
    FROM values AS v
)
SELECT
    getvariable('assessed_date') AS kpi_date,
    *,
    getvariable('run_id') AS run_id
FROM reasons;

COMMIT;
