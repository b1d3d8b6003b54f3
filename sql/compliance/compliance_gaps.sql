-- The compliance gap report for one day: one row per active asset and open gap (and one per
-- overdue policy, without an asset). Variables: assessed_date, stale_review_days, run_id.
-- Rerunning a day replaces that day.
-- The brief's six gap types, plus unsafe_model_file (a pickle that imports something that can
-- execute code, found by the static model-file analysis) and invalid_declaration (a source gave
-- invalid values). Bad input never hides a gap: a field in invalid_fields counts as its worst
-- case (an invalid classification as high sensitivity, exposure as public, environment as
-- production, self-hosting as self-hosted, review and SBOM as missing, owner as none).
-- From the controls and governance pillars: missing_required_control (a required catalog
-- control missing or only partly in place, controls.required_controls), appetite_breach
-- (governance.risk_appetite_breaches), expired_acceptance (a risk acceptance expired: the
-- finding it covered is open again) and overdue_policy_review (governance.policies).
-- From operations: overdue_art73_report and overdue_gdpr33_notification, an incident's EU AI
-- Act Art. 73 report or GDPR Art. 33 notification past its deadline (at the run's clock, `now`) and not recorded as filed. It reads
-- operations.incidents as earlier runs left them: a deadline is days after an incident opens,
-- so the run that opens one cannot find it overdue.
-- A gap an active risk acceptance names (finding = the gap type, on that asset) is not open.
BEGIN TRANSACTION;

DELETE FROM compliance.compliance_gaps WHERE assessed_date = getvariable('assessed_date');

INSERT INTO compliance.compliance_gaps BY NAME
WITH assets AS (
    SELECT
        *,
        list_filter(coalesce(regulatory_scope, []), lambda s: s <> 'none') AS scope,
        coalesce(invalid_fields, []) AS invalid,
        deployment_env = 'production'
            OR list_contains(coalesce(invalid_fields, []), 'deployment_env') AS is_prod,
        list_contains(coalesce(invalid_fields, []), 'data_classification') AS bad_classification,
        list_contains(coalesce(invalid_fields, []), 'last_security_review') AS bad_review,
        json_extract(posture, '$.huggingface.unsafe_imports') AS unsafe_imports
    FROM inventory.ai_assets
    WHERE status = 'active'
),
gaps AS (
    SELECT asset_id, 'no_security_review' AS gap_type,
           CASE WHEN is_prod THEN 'high' ELSE 'medium' END AS severity,
           'No security review on record' AS detail
    FROM assets WHERE last_security_review IS NULL OR bad_review
    UNION ALL
    SELECT asset_id, 'stale_review', 'medium',
           printf('Last security review %s is %d days old (limit %d)',
                  last_security_review,
                  date_diff('day', last_security_review, getvariable('assessed_date')),
                  getvariable('stale_review_days'))
    FROM assets
    WHERE date_diff('day', last_security_review, getvariable('assessed_date'))
          > getvariable('stale_review_days')
      AND NOT bad_review
    UNION ALL
    SELECT asset_id, 'missing_sbom', 'medium', 'Self-hosted asset without an AI-SBOM'
    FROM assets
    WHERE (is_self_hosted OR list_contains(invalid, 'is_self_hosted'))
      AND (NOT coalesce(sbom_available, false) OR list_contains(invalid, 'sbom_available'))
    UNION ALL
    SELECT asset_id, 'unclassified_data', 'high',
           CASE WHEN bad_classification THEN 'Declared data classification is invalid'
                WHEN data_classification IS NULL THEN 'No data classification recorded'
                ELSE printf('Classified internal but in regulatory scope %s', scope) END
    FROM assets
    WHERE data_classification IS NULL
       OR bad_classification
       OR (data_classification = 'internal' AND len(scope) > 0)
    UNION ALL
    SELECT asset_id, 'no_owner', CASE WHEN is_prod THEN 'high' ELSE 'medium' END,
           'No owning team recorded'
    FROM assets
    WHERE nullif(trim(owner_team), '') IS NULL OR list_contains(invalid, 'owner_team')
    UNION ALL
    SELECT asset_id, 'public_exposure_high_sensitivity', 'critical',
           printf('Publicly exposed with %s data',
                  CASE WHEN bad_classification THEN 'invalidly classified'
                       ELSE data_classification END)
    FROM assets
    WHERE (network_exposure = 'public' OR list_contains(invalid, 'network_exposure'))
      AND (data_classification IN ('confidential', 'restricted', 'regulated')
           OR bad_classification)
    UNION ALL
    SELECT asset_id, 'unsafe_model_file', 'critical',
           printf('Model file imports code-executing callables: %s',
                  array_to_string(CAST(unsafe_imports AS VARCHAR[]), ', '))
    FROM assets
    WHERE json_array_length(unsafe_imports) > 0
    UNION ALL
    SELECT asset_id, 'invalid_declaration',
           CASE WHEN is_prod THEN 'high' ELSE 'medium' END,
           printf('Invalid values for %s (scored at their worst case; see '
                  'discovery.rejected_records)', array_to_string(invalid, ', '))
    FROM assets
    WHERE len(invalid) > 0
    UNION ALL
    SELECT b.asset_id, 'appetite_breach',
           CASE WHEN b.residual_risk_score >= 75 THEN 'critical' ELSE 'high' END,
           printf('Residual risk %.2f is above the appetite of %.2f for %s / %s data (%s)',
                  b.residual_risk_score, b.max_residual_risk, b.environment,
                  b.data_classification, b.rule)
    FROM governance.risk_appetite_breaches AS b
    JOIN assets AS a USING (asset_id)
    WHERE b.assessed_date = getvariable('assessed_date')
),
control_gaps AS (
    SELECT q.asset_id, 'missing_required_control' AS gap_type,
           CASE WHEN q.inherent_risk_level IN ('HIGH', 'CRITICAL') THEN 'high' ELSE 'medium' END
               AS severity,
           printf('%s %s is %s (required from %s inherent risk; asset is %s): %s',
                  q.control_id, c.title, q.status, c.required_from, q.inherent_risk_level,
                  q.evidence) AS detail,
           q.control_id
    FROM controls.required_controls AS q
    JOIN controls.catalog_controls AS c USING (control_id)
    JOIN assets AS a USING (asset_id)
    WHERE q.assessed_date = getvariable('assessed_date')
      AND q.required
      AND q.status IN ('missing', 'partly')
    UNION ALL
    SELECT x.asset_id, 'expired_acceptance', 'medium',
           printf('Risk acceptance %s of %s expired on %s (approved by %s): the finding is open '
                  'again until it is fixed or re-accepted',
                  x.acceptance_id, coalesce(x.control_id, x.finding_type), x.expires_on,
                  x.approver),
           x.control_id
    FROM governance.risk_acceptances AS x
    JOIN assets AS a USING (asset_id)
    WHERE x.assessed_date = getvariable('assessed_date') AND x.status = 'expired'
),
accepted_findings AS (
    SELECT DISTINCT asset_id, finding_type
    FROM governance.risk_acceptances
    WHERE assessed_date = getvariable('assessed_date')
      AND status = 'active'
      AND finding_type IS NOT NULL
),
policy_gaps AS (
    SELECT NULL AS asset_id, policy_id, 'overdue_policy_review' AS gap_type, 'medium' AS severity,
           printf('Policy %s (%s, version %s, owner %s) was due for review on %s',
                  policy_id, title, version, owner, review_due) AS detail
    FROM governance.policies
    WHERE status <> 'retired' AND review_due < getvariable('assessed_date')
),
report_gaps AS (
    SELECT incident_id, gap_type, 'critical' AS severity,
           printf('Incident %s (%s, %s, %s) on %s: %s was due %s UTC (%d h ago) and is not recorded as filed',
                  incident_id, category, severity, state, asset_ref, report, due_at,
                  date_diff('hour', due_at, getvariable('now')), ) AS detail
    FROM (
        SELECT *, 'overdue_art73_report' AS gap_type,
               'the EU AI Act Art. 73 serious-incident report' AS report, art73_due_at AS due_at
        FROM operations.incidents WHERE art73_reported_at IS NULL
        UNION ALL
        SELECT *, 'overdue_gdpr33_notification', 'the GDPR Art. 33 notification', gdpr33_due_at
        FROM operations.incidents WHERE gdpr33_reported_at IS NULL
    )
    WHERE due_at < getvariable('now')
),
all_gaps AS (
    SELECT *, CAST(NULL AS VARCHAR) AS control_id, CAST(NULL AS VARCHAR) AS policy_id FROM gaps
    UNION ALL BY NAME
    SELECT *, CAST(NULL AS VARCHAR) AS policy_id FROM control_gaps
)
SELECT getvariable('assessed_date') AS assessed_date, g.asset_id, g.gap_type, g.severity,
       g.detail, getvariable('run_id') AS run_id, g.control_id, g.policy_id
FROM all_gaps AS g
ANTI JOIN accepted_findings AS f
    ON f.asset_id = g.asset_id AND f.finding_type = g.gap_type
UNION ALL BY NAME
SELECT getvariable('assessed_date') AS assessed_date, asset_id, gap_type, severity, detail,
       getvariable('run_id') AS run_id, CAST(NULL AS VARCHAR) AS control_id, policy_id
FROM policy_gaps
UNION ALL BY NAME
SELECT getvariable('assessed_date') AS assessed_date, CAST(NULL AS VARCHAR) AS asset_id, gap_type,
       severity, detail, getvariable('run_id') AS run_id, incident_id
FROM report_gaps;

COMMIT;
