-- The compliance gap report for one day: one row per active asset and open gap.
-- Variables: assessed_date, stale_review_days, run_id. Rerunning a day replaces that day.
-- The brief's six gap types, plus unsafe_model_file (a pickle that imports something that can
-- execute code, found by the static model-file analysis).
BEGIN TRANSACTION;

DELETE FROM compliance.compliance_gaps WHERE assessed_date = getvariable('assessed_date');

INSERT INTO compliance.compliance_gaps
WITH assets AS (
    SELECT
        *,
        list_filter(coalesce(regulatory_scope, []), lambda s: s <> 'none') AS scope,
        deployment_env = 'production' AS is_prod,
        json_extract(posture, '$.huggingface.unsafe_imports') AS unsafe_imports
    FROM inventory.ai_assets
    WHERE status = 'active'
),
gaps AS (
    SELECT asset_id, 'no_security_review' AS gap_type,
           CASE WHEN is_prod THEN 'high' ELSE 'medium' END AS severity,
           'No security review on record' AS detail
    FROM assets WHERE last_security_review IS NULL
    UNION ALL
    SELECT asset_id, 'stale_review', 'medium',
           printf('Last security review %s is %d days old (limit %d)',
                  last_security_review,
                  date_diff('day', last_security_review, getvariable('assessed_date')),
                  getvariable('stale_review_days'))
    FROM assets
    WHERE date_diff('day', last_security_review, getvariable('assessed_date'))
          > getvariable('stale_review_days')
    UNION ALL
    SELECT asset_id, 'missing_sbom', 'medium', 'Self-hosted asset without an AI-SBOM'
    FROM assets WHERE is_self_hosted AND NOT coalesce(sbom_available, false)
    UNION ALL
    SELECT asset_id, 'unclassified_data', 'high',
           CASE WHEN data_classification IS NULL
                THEN 'No data classification recorded'
                ELSE printf('Classified internal but in regulatory scope %s', scope) END
    FROM assets
    WHERE data_classification IS NULL
       OR (data_classification = 'internal' AND len(scope) > 0)
    UNION ALL
    SELECT asset_id, 'no_owner', CASE WHEN is_prod THEN 'high' ELSE 'medium' END,
           'No owning team recorded'
    FROM assets WHERE nullif(trim(owner_team), '') IS NULL
    UNION ALL
    SELECT asset_id, 'public_exposure_high_sensitivity', 'critical',
           printf('Publicly exposed with %s data', data_classification)
    FROM assets
    WHERE network_exposure = 'public'
      AND data_classification IN ('confidential', 'restricted', 'regulated')
    UNION ALL
    SELECT asset_id, 'unsafe_model_file', 'critical',
           printf('Model file imports code-executing callables: %s',
                  array_to_string(CAST(unsafe_imports AS VARCHAR[]), ', '))
    FROM assets
    WHERE json_array_length(unsafe_imports) > 0
)
SELECT getvariable('assessed_date'), asset_id, gap_type, severity, detail, getvariable('run_id')
FROM gaps;

COMMIT;
