-- The compliance gap report for one day: one row per active asset and open gap.
-- Variables: assessed_date, stale_review_days, run_id. Rerunning a day replaces that day.
-- The brief's six gap types, plus unsafe_model_file (a pickle that imports something that can
-- execute code, found by the static model-file analysis) and invalid_declaration (a source gave
-- invalid values). Bad input never hides a gap: a field in invalid_fields counts as its worst
-- case (an invalid classification as high sensitivity, exposure as public, environment as
-- production, self-hosting as self-hosted, review and SBOM as missing, owner as none).
BEGIN TRANSACTION;

DELETE FROM compliance.compliance_gaps WHERE assessed_date = getvariable('assessed_date');

INSERT INTO compliance.compliance_gaps
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
)
SELECT getvariable('assessed_date'), asset_id, gap_type, severity, detail, getvariable('run_id')
FROM gaps;

COMMIT;
