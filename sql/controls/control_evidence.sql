-- Control evidence for one day: per active asset x catalog control, is the control in place?
-- Variables: assessed_date DATE, run_id VARCHAR. Reads controls.catalog_controls,
-- controls.evidence_facts (same day), governance.control_attestations and
-- governance.risk_acceptances (same day). Replaces the day's rows of controls.control_evidence;
-- the caller runs it inside one transaction.
--
-- Rows: every control whose asset types include the asset's (an invalid asset type counts as
-- every type), plus any other control with evidence in place. Status:
--   implemented / partly / missing   from the control's evidence facts, where discovery wins
--       for technical facts: when discovery (posture, dependencies, inventory fields) observed
--       any of the control's facts, declarations and attestations do not override it;
--       otherwise the best declared or attested state counts.
--   accepted        missing or partly, and an active risk acceptance names this asset+control
--   not_applicable  the type is listed but a condition (applies_when) does not hold, and
--                   nothing is in place
-- An unknown or invalid field counts as the condition holding (bad input never hides a
-- requirement).

DELETE FROM controls.control_evidence WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO controls.control_evidence
WITH
assets AS (
    SELECT
        a.asset_id,
        a.asset_type,
        coalesce(a.invalid_fields, []) AS invalid,
        list_filter(coalesce(a.regulatory_scope, []), lambda s: s <> 'none') AS scope,
        -- Conditions (aisec_assets/controls/library.py CONDITIONS); unknown or invalid = holds.
        list_filter([
            CASE WHEN a.deployment_env = 'production' OR a.deployment_env IS NULL
                      OR list_contains(coalesce(a.invalid_fields, []), 'deployment_env')
                 THEN 'production' END,
            CASE WHEN a.is_self_hosted OR a.is_self_hosted IS NULL
                      OR list_contains(coalesce(a.invalid_fields, []), 'is_self_hosted')
                 THEN 'self_hosted' END,
            CASE WHEN coalesce(json_array_length(json_extract(a.posture, '$.huggingface.model_files')), 0) > 0
                 THEN 'has_model_files' END,
            CASE WHEN a.cloud_provider = 'aws' THEN 'aws' END,
            CASE WHEN a.cloud_provider = 'azure' THEN 'azure' END,
            CASE WHEN a.network_exposure = 'public' OR a.network_exposure IS NULL
                      OR list_contains(coalesce(a.invalid_fields, []), 'network_exposure')
                 THEN 'public' END,
            CASE WHEN a.data_classification IN ('confidential', 'restricted', 'regulated')
                      OR a.data_classification IS NULL
                      OR list_contains(coalesce(a.invalid_fields, []), 'data_classification')
                 THEN 'sensitive_data' END,
            CASE WHEN len(list_filter(coalesce(a.regulatory_scope, []), lambda s: s <> 'none')) > 0
                      OR list_contains(coalesce(a.invalid_fields, []), 'regulatory_scope')
                 THEN 'regulated_scope' END,
            CASE WHEN list_contains(coalesce(a.regulatory_scope, []), 'eu_ai_act_high_risk')
                      OR list_contains(coalesce(a.invalid_fields, []), 'regulatory_scope')
                 THEN 'eu_ai_act_high_risk' END
        ], lambda c: c IS NOT NULL) AS conditions
    FROM inventory.ai_assets AS a
    WHERE a.status = 'active'
),
facts AS (
    SELECT
        asset_id, fact, state, evidence, source,
        source IN ('discovered', 'dependency', 'inventory') AS observed,
        CASE state WHEN 'implemented' THEN 3 WHEN 'partly' THEN 2 ELSE 1 END AS state_rank
    FROM controls.evidence_facts
    WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE)
),
catalog_facts AS (
    SELECT control_id, unnest(evidence_facts) AS fact FROM controls.catalog_controls
),
-- Each control's facts per asset, plus attestations for controls that accept them.
control_facts AS (
    SELECT f.asset_id, c.control_id, f.state_rank, f.evidence, f.source, f.observed
    FROM catalog_facts AS c
    JOIN facts AS f USING (fact)
    UNION ALL
    SELECT t.asset_id, c.control_id, 3,
           printf('%s (attested by %s on %s)', t.evidence, t.attested_by, t.attested_on),
           'attested', false
    FROM catalog_facts AS c
    JOIN governance.control_attestations AS t
      ON t.control_id = c.control_id
     AND t.assessed_date = CAST(getvariable('assessed_date') AS DATE)
    WHERE c.fact = 'attested'
),
-- Discovery wins: an observed fact outranks any declared or attested one; then the best
-- state; then (a deterministic tie-break) the source and the evidence text. The decisive
-- fact's evidence is shown.
decided AS (
    SELECT
        asset_id,
        control_id,
        max(CAST(observed AS INTEGER) * 10 + state_rank) % 10 AS state_rank,
        arg_max(
            {'source': source, 'evidence': evidence},
            (CAST(observed AS INTEGER) * 10 + state_rank) * 10
                + list_position(['attested', 'declared', 'inventory', 'dependency', 'discovered'],
                                source)
        ) AS decisive
    FROM control_facts
    GROUP BY asset_id, control_id
),
acceptances AS (
    SELECT asset_id, control_id, min(acceptance_id) AS acceptance_id
    FROM governance.risk_acceptances
    WHERE status = 'active'
      AND control_id IS NOT NULL
      AND assessed_date = CAST(getvariable('assessed_date') AS DATE)
    GROUP BY asset_id, control_id
),
-- Controls whose asset types list the asset's (an equi-join, not a cross join), every control
-- for an asset of unknown type, and controls with evidence in place on any other asset.
listed AS (
    SELECT a.asset_id, c.control_id
    FROM assets AS a
    JOIN (SELECT control_id, unnest(applies_to) AS asset_type FROM controls.catalog_controls) AS c
        USING (asset_type)
    UNION ALL
    SELECT a.asset_id, c.control_id
    FROM assets AS a CROSS JOIN controls.catalog_controls AS c
    WHERE a.asset_type = 'unknown'
),
candidate_pairs AS (
    SELECT asset_id, control_id, true AS type_listed FROM listed
    UNION ALL
    SELECT d.asset_id, d.control_id, false
    FROM decided AS d
    ANTI JOIN listed AS l USING (asset_id, control_id)
    WHERE d.state_rank >= 2
),
pairs AS (
    SELECT
        p.asset_id,
        p.control_id,
        c.control_type,
        p.type_listed,
        list_has_all(a.conditions, c.applies_when) AS conditions_hold,
        d.state_rank,
        d.decisive.source AS source,
        d.decisive.evidence AS evidence
    FROM candidate_pairs AS p
    JOIN assets AS a USING (asset_id)
    JOIN controls.catalog_controls AS c USING (control_id)
    LEFT JOIN decided AS d USING (asset_id, control_id)
)
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    p.asset_id,
    p.control_id,
    p.control_type,
    p.type_listed AND p.conditions_hold AS applicable,
    CASE
        WHEN p.state_rank = 3 THEN 'implemented'
        WHEN NOT (p.type_listed AND p.conditions_hold) AND coalesce(p.state_rank, 0) < 2
            THEN 'not_applicable'
        WHEN x.acceptance_id IS NOT NULL THEN 'accepted'
        WHEN p.state_rank = 2 THEN 'partly'
        ELSE 'missing'
    END AS status,
    CASE
        WHEN p.state_rank = 3 OR (x.acceptance_id IS NULL AND p.state_rank IS NOT NULL) THEN p.evidence
        WHEN NOT (p.type_listed AND p.conditions_hold) AND coalesce(p.state_rank, 0) < 2
            THEN 'does not apply: a condition does not hold'
        WHEN x.acceptance_id IS NOT NULL
            THEN printf('risk accepted (%s)%s', x.acceptance_id,
                        coalesce('; ' || p.evidence, ''))
        ELSE 'no evidence found'
    END AS evidence,
    CASE
        WHEN p.state_rank = 3 THEN p.source
        WHEN NOT (p.type_listed AND p.conditions_hold) AND coalesce(p.state_rank, 0) < 2 THEN 'none'
        WHEN x.acceptance_id IS NOT NULL THEN 'exception'
        ELSE coalesce(p.source, 'none')
    END AS evidence_source,
    CASE
        WHEN p.state_rank = 3 THEN NULL
        WHEN NOT (p.type_listed AND p.conditions_hold) AND coalesce(p.state_rank, 0) < 2 THEN NULL
        ELSE x.acceptance_id
    END AS acceptance_id,
    CAST(getvariable('run_id') AS VARCHAR)
FROM pairs AS p
LEFT JOIN acceptances AS x ON x.asset_id = p.asset_id AND x.control_id = p.control_id;
