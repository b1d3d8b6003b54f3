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
--
-- Shape (1,000,000 assets x 69 controls is 35 million rows; ~12 million control facts): the
-- pairs with facts are decided by one window over the facts (it sorts them in partitions; an
-- aggregate would hold ~11 million groups at once); the pairs without any fact are generated
-- per asset from its type's controls, leaving out those it has facts for (a per-asset bit
-- mask). Conditions, applies_when and a type's controls are bit masks too, so no 35-million-row
-- join, anti-join or list comparison is needed.

DELETE FROM controls.control_evidence WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO controls.control_evidence
WITH
-- One bit per catalog control (in control id order): its position, and a bit string with only
-- that bit set. applies_when as a mask over the conditions (aisec_assets/controls/library.py
-- CONDITIONS, in the order of `assets.conditions` below); a condition this file does not know
-- takes bit 31, which no asset has.
catalog AS (
    SELECT
        control_id, control_type, applies_to, evidence_facts,
        CAST(row_number() OVER (ORDER BY control_id) - 1 AS INTEGER) AS bit,
        set_bit(bitstring('0', CAST(count(*) OVER () AS INTEGER)),
                CAST(row_number() OVER (ORDER BY control_id) - 1 AS INTEGER), 1) AS bits,
        list_reduce(
            list_transform(
                applies_when,
                lambda c: CAST(1 AS INTEGER) << (coalesce(list_position(
                    ['production', 'self_hosted', 'has_model_files', 'aws', 'azure', 'public',
                     'sensitive_data', 'regulated_scope', 'eu_ai_act_high_risk'], c), 32) - 1)
            ),
            lambda x, y: x | y,
            CAST(0 AS INTEGER)
        ) AS when_mask
    FROM controls.catalog_controls
),
catalog_facts AS (
    SELECT bit, bits, unnest(evidence_facts) AS fact FROM catalog
),
-- The controls an asset type lists; an asset of unknown type gets every control. Per type,
-- also as one mask.
type_controls AS (
    SELECT DISTINCT asset_type, control_id, control_type, when_mask, bit
    FROM (
        SELECT unnest(applies_to) AS asset_type, control_id, control_type, when_mask, bit
        FROM catalog
        UNION ALL
        SELECT 'unknown', control_id, control_type, when_mask, bit FROM catalog
    )
),
type_masks AS (
    SELECT t.asset_type, bit_or(c.bits) AS type_mask
    FROM type_controls AS t
    JOIN catalog AS c USING (bit)
    GROUP BY t.asset_type
),
assets AS (
    SELECT
        a.asset_id,
        a.asset_type,
        t.type_mask,
        -- Conditions that hold, one bit each; unknown or invalid = holds.
          CASE WHEN a.deployment_env = 'production' OR a.deployment_env IS NULL
                    OR list_contains(coalesce(a.invalid_fields, []), 'deployment_env')
               THEN 1 ELSE 0 END
        | CASE WHEN a.is_self_hosted OR a.is_self_hosted IS NULL
                    OR list_contains(coalesce(a.invalid_fields, []), 'is_self_hosted')
               THEN 2 ELSE 0 END
        | CASE WHEN coalesce(json_array_length(json_extract(a.posture, '$.huggingface.model_files')), 0) > 0
               THEN 4 ELSE 0 END
        | CASE WHEN a.cloud_provider = 'aws' THEN 8 ELSE 0 END
        | CASE WHEN a.cloud_provider = 'azure' THEN 16 ELSE 0 END
        | CASE WHEN a.network_exposure = 'public' OR a.network_exposure IS NULL
                    OR list_contains(coalesce(a.invalid_fields, []), 'network_exposure')
               THEN 32 ELSE 0 END
        | CASE WHEN a.data_classification IN ('confidential', 'restricted', 'regulated')
                    OR a.data_classification IS NULL
                    OR list_contains(coalesce(a.invalid_fields, []), 'data_classification')
               THEN 64 ELSE 0 END
        | CASE WHEN len(list_filter(coalesce(a.regulatory_scope, []), lambda s: s <> 'none')) > 0
                    OR list_contains(coalesce(a.invalid_fields, []), 'regulatory_scope')
               THEN 128 ELSE 0 END
        | CASE WHEN list_contains(coalesce(a.regulatory_scope, []), 'eu_ai_act_high_risk')
                    OR list_contains(coalesce(a.invalid_fields, []), 'regulatory_scope')
               THEN 256 ELSE 0 END
          AS conditions
    FROM inventory.ai_assets AS a
    LEFT JOIN type_masks AS t USING (asset_type)
    WHERE a.status = 'active'
),
attestations AS (
    SELECT t.asset_id, c.bit, c.bits, t.evidence, t.attested_by, t.attested_on
    FROM governance.control_attestations AS t
    JOIN catalog AS c USING (control_id)
    WHERE list_contains(c.evidence_facts, 'attested')
      AND t.assessed_date = CAST(getvariable('assessed_date') AS DATE)
),
-- Each control's facts per asset, plus attestations for controls that accept them, with a
-- key that orders them: observed (discovery wins) x 100 + state rank (implemented 3, partly 2,
-- missing 1) x 10 + source priority (attested 1 < declared < inventory < dependency <
-- discovered 5).
control_facts AS (
    SELECT
        f.asset_id,
        c.bit,
        CASE WHEN f.source IN ('discovered', 'dependency', 'inventory') THEN 100 ELSE 0 END
            + CASE f.state WHEN 'implemented' THEN 30 WHEN 'partly' THEN 20 ELSE 10 END
            + list_position(['attested', 'declared', 'inventory', 'dependency', 'discovered'],
                            f.source) AS key,
        f.evidence
    FROM controls.evidence_facts AS f
    JOIN catalog_facts AS c USING (fact)
    WHERE f.assessed_date = CAST(getvariable('assessed_date') AS DATE)
    UNION ALL
    SELECT asset_id, bit, 31,
           printf('%s (attested by %s on %s)', evidence, attested_by, attested_on)
    FROM attestations
),
-- The decisive fact per active asset and control: the greatest key, then (a deterministic
-- tie-break) the greatest evidence text. Its evidence is shown. Kept when the asset's type
-- lists the control, or the control is in place (partly at least).
decided AS (
    SELECT
        f.asset_id,
        f.bit,
        f.key % 100 // 10 AS state_rank,
        f.key % 10 AS source_priority,
        f.evidence,
        coalesce(get_bit(a.type_mask, f.bit) = 1, false) AS type_listed,
        a.conditions
    FROM control_facts AS f
    JOIN assets AS a USING (asset_id)
    QUALIFY row_number() OVER (PARTITION BY f.asset_id, f.bit ORDER BY f.key DESC, f.evidence DESC) = 1
),
-- Per asset, the controls it has any fact for (one bit each).
fact_masks AS (
    SELECT asset_id, bit_or(bits) AS mask
    FROM (
        SELECT f.asset_id, c.bits
        FROM controls.evidence_facts AS f
        JOIN catalog_facts AS c USING (fact)
        WHERE f.assessed_date = CAST(getvariable('assessed_date') AS DATE)
        UNION ALL
        SELECT asset_id, bits FROM attestations
    )
    GROUP BY asset_id
),
acceptances AS (
    SELECT asset_id, control_id, min(acceptance_id) AS acceptance_id
    FROM governance.risk_acceptances
    WHERE status = 'active'
      AND control_id IS NOT NULL
      AND assessed_date = CAST(getvariable('assessed_date') AS DATE)
    GROUP BY asset_id, control_id
),
-- Pairs with facts.
decided_rows AS (
    SELECT
        d.asset_id,
        c.control_id,
        c.control_type,
        d.type_listed AND (d.conditions & c.when_mask) = c.when_mask AS applicable,
        d.state_rank,
        ['attested', 'declared', 'inventory', 'dependency', 'discovered'][d.source_priority]
            AS source,
        d.evidence,
        x.acceptance_id
    FROM decided AS d
    JOIN catalog AS c USING (bit)
    LEFT JOIN acceptances AS x ON x.asset_id = d.asset_id AND x.control_id = c.control_id
    WHERE d.type_listed OR d.state_rank >= 2
),
-- Pairs without any fact: the controls the asset's type lists, less those it has facts for.
bare_rows AS (
    SELECT
        a.asset_id,
        t.control_id,
        t.control_type,
        (a.conditions & t.when_mask) = t.when_mask AS applicable,
        x.acceptance_id
    FROM assets AS a
    LEFT JOIN fact_masks AS m USING (asset_id)
    JOIN type_controls AS t
      ON t.asset_type = a.asset_type
     AND (m.mask IS NULL OR get_bit(m.mask, t.bit) = 0)
    LEFT JOIN acceptances AS x ON x.asset_id = a.asset_id AND x.control_id = t.control_id
)
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    asset_id,
    control_id,
    control_type,
    applicable,
    CASE
        WHEN state_rank = 3 THEN 'implemented'
        WHEN NOT applicable AND state_rank < 2 THEN 'not_applicable'
        WHEN acceptance_id IS NOT NULL THEN 'accepted'
        WHEN state_rank = 2 THEN 'partly'
        ELSE 'missing'
    END AS status,
    CASE
        WHEN state_rank = 3 OR acceptance_id IS NULL THEN evidence
        WHEN NOT applicable AND state_rank < 2 THEN 'does not apply: a condition does not hold'
        ELSE printf('risk accepted (%s); %s', acceptance_id, evidence)
    END AS evidence,
    CASE
        WHEN state_rank = 3 THEN source
        WHEN NOT applicable AND state_rank < 2 THEN 'none'
        WHEN acceptance_id IS NOT NULL THEN 'exception'
        ELSE source
    END AS evidence_source,
    CASE
        WHEN state_rank = 3 THEN NULL
        WHEN NOT applicable AND state_rank < 2 THEN NULL
        ELSE acceptance_id
    END AS acceptance_id,
    CAST(getvariable('run_id') AS VARCHAR)
FROM decided_rows
UNION ALL
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    asset_id,
    control_id,
    control_type,
    applicable,
    CASE
        WHEN NOT applicable THEN 'not_applicable'
        WHEN acceptance_id IS NOT NULL THEN 'accepted'
        ELSE 'missing'
    END,
    CASE
        WHEN NOT applicable THEN 'does not apply: a condition does not hold'
        WHEN acceptance_id IS NOT NULL THEN printf('risk accepted (%s)', acceptance_id)
        ELSE 'no evidence found'
    END,
    CASE WHEN NOT applicable THEN 'none' WHEN acceptance_id IS NOT NULL THEN 'exception' ELSE 'none' END,
    CASE WHEN applicable THEN acceptance_id END,
    CAST(getvariable('run_id') AS VARCHAR)
FROM bare_rows;
