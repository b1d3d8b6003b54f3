-- Framework compliance for one day: every requirement of the five framework libraries, with
-- the assets and controls behind its status. Variables: assessed_date DATE, run_id VARCHAR.
-- Reads controls.framework_requirements, controls.catalog_mappings, controls.catalog_controls,
-- controls.control_evidence and risk.risk_scores (the day's evidence and what each asset
-- requires, as the view controls.required_controls defines it) and inventory.ai_assets;
-- replaces the day's rows of compliance.framework_compliance in one transaction.
--
-- An asset is in a requirement's scope when it is in the framework's regulatory scope (an empty
-- scope: every asset; an invalid regulatory_scope: in every scope) and requires at least one
-- control mapped to the requirement. It meets the requirement when every such control is
-- implemented or covered by an active risk acceptance.
--
-- Shape: set work on bit strings instead of asset x requirement x control rows: one bit per
-- catalog control, one mask per asset (the controls it requires; those of them not in place)
-- and one per requirement (its mapped controls). An asset is in a requirement's scope when its
-- required mask and the requirement's mask share a bit; it fails it when its failing mask does
-- (failing is a subset of required). Assets with the same masks and scope are counted together
-- (a few hundred distinct required masks, some hundred thousand failing ones per million
-- assets), so requirements are matched against those groups, not against every asset.

BEGIN TRANSACTION;

DELETE FROM compliance.framework_compliance
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO compliance.framework_compliance
WITH
catalog AS (
    SELECT
        control_id,
        required_from_rank,
        set_bit(bitstring('0', CAST(count(*) OVER () AS INTEGER)),
                CAST(row_number() OVER (ORDER BY control_id) - 1 AS INTEGER), 1) AS bits
    FROM controls.catalog_controls
),
no_bits AS (
    SELECT bitstring('0', CAST(count(*) AS INTEGER)) AS zero FROM controls.catalog_controls
),
-- The controls required at each inherent level (an unknown level, or none, counts as CRITICAL).
level_masks AS (
    SELECT
        l.level,
        coalesce(bit_or(c.bits) FILTER (WHERE c.required_from_rank <= l.rank), any_value(z.zero))
            AS required
    FROM (VALUES ('LOW', 1), ('MEDIUM', 2), ('HIGH', 3), ('CRITICAL', 4)) AS l(level, rank)
    CROSS JOIN catalog AS c
    CROSS JOIN no_bits AS z
    GROUP BY l.level
),
-- Per asset, its applicable controls, and those of them not in place.
evidence_masks AS (
    SELECT
        e.asset_id,
        bit_or(c.bits) AS applicable,
        bit_or(c.bits) FILTER (WHERE e.status NOT IN ('implemented', 'accepted')) AS failing
    FROM controls.control_evidence AS e
    JOIN catalog AS c USING (control_id)
    WHERE e.assessed_date = CAST(getvariable('assessed_date') AS DATE)
      AND e.applicable
    GROUP BY e.asset_id
),
-- The regulatory scopes any framework is limited to: an asset's other scopes do not matter.
framework_scopes AS (
    SELECT coalesce(list(DISTINCT s), []) AS scopes
    FROM (SELECT unnest(scope) AS s FROM controls.framework_requirements)
),
assets AS (
    SELECT
        a.name,
        list_sort(list_distinct(list_filter(coalesce(a.regulatory_scope, []),
                                            lambda s: list_contains(f.scopes, s)))) AS scope,
        list_contains(coalesce(a.invalid_fields, []), 'regulatory_scope') AS bad_scope,
        m.applicable & q.required AS required,
        coalesce(m.failing, z.zero) & q.required AS failing
    FROM inventory.ai_assets AS a
    JOIN evidence_masks AS m USING (asset_id)
    CROSS JOIN no_bits AS z
    CROSS JOIN framework_scopes AS f
    LEFT JOIN risk.risk_scores AS r
        ON r.asset_id = a.asset_id AND r.assessed_date = CAST(getvariable('assessed_date') AS DATE)
    JOIN level_masks AS q
        ON q.level = CASE WHEN r.inherent_risk_level IN ('LOW', 'MEDIUM', 'HIGH')
                          THEN r.inherent_risk_level ELSE 'CRITICAL' END
    WHERE a.status = 'active'
),
-- Assets counted together: by what they require (and scope), by what they fail (and scope),
-- with the first 20 names of the failing ones.
requiring AS (
    SELECT required, scope, bad_scope, count(*) AS assets
    FROM assets
    GROUP BY required, scope, bad_scope
),
failing AS (
    SELECT
        row_number() OVER () AS profile,
        failing, scope, bad_scope,
        count(*) AS assets,
        min(name) AS first_name,
        min(name, 20) AS names
    FROM assets
    WHERE bit_count(failing) > 0
    GROUP BY failing, scope, bad_scope
),
requirement_controls AS (
    SELECT r.framework, r.requirement_id, r.title, r.manual, r.scope, r.position,
           coalesce(list(m.control_id ORDER BY m.control_id) FILTER (WHERE m.control_id IS NOT NULL),
                    CAST([] AS VARCHAR[])) AS controls,
           coalesce(bit_or(b.bits), any_value(z.zero)) AS mask
    FROM controls.framework_requirements AS r
    LEFT JOIN controls.catalog_mappings AS m USING (framework, requirement_id)
    LEFT JOIN catalog AS b USING (control_id)
    CROSS JOIN no_bits AS z
    GROUP BY r.framework, r.requirement_id, r.title, r.manual, r.scope, r.position
),
in_scope AS (
    SELECT rc.framework, rc.requirement_id, sum(p.assets) AS in_scope
    FROM requirement_controls AS rc
    JOIN requiring AS p
      ON bit_count(p.required & rc.mask) > 0
     AND (len(rc.scope) = 0 OR p.bad_scope OR list_has_any(p.scope, rc.scope))
    WHERE NOT rc.manual
    GROUP BY rc.framework, rc.requirement_id
),
-- Per requirement: the failing assets, and the 20 groups with the smallest first names (the
-- first 20 failing names are among their names: any name outside them has 20 smaller ones).
failing_requirements AS (
    SELECT
        rc.framework,
        rc.requirement_id,
        sum(p.assets) AS failing,
        arg_min(p.profile, p.first_name, 20) AS first_profiles
    FROM requirement_controls AS rc
    JOIN failing AS p
      ON bit_count(p.failing & rc.mask) > 0
     AND (len(rc.scope) = 0 OR p.bad_scope OR list_has_any(p.scope, rc.scope))
    WHERE NOT rc.manual
    GROUP BY rc.framework, rc.requirement_id
),
failing_names AS (
    SELECT f.framework, f.requirement_id, list_sort(flatten(list(p.names)))[1:20] AS names
    FROM (SELECT framework, requirement_id, unnest(first_profiles) AS profile
          FROM failing_requirements) AS f
    JOIN failing AS p USING (profile)
    GROUP BY f.framework, f.requirement_id
)
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    rc.framework,
    rc.requirement_id,
    rc.title,
    CASE
        WHEN rc.manual THEN 'manual'
        WHEN coalesce(s.in_scope, 0) = 0 THEN 'not_applicable'
        WHEN coalesce(f.failing, 0) = 0 THEN 'met'
        WHEN f.failing = s.in_scope THEN 'not_met'
        ELSE 'partly'
    END AS status,
    coalesce(s.in_scope, 0),
    coalesce(s.in_scope, 0) - coalesce(f.failing, 0),
    rc.controls,
    coalesce(n.names, CAST([] AS VARCHAR[])),
    CASE
        WHEN rc.manual THEN printf('%s %s: assessed by people (no catalog control can show it)',
                                   rc.requirement_id, rc.title)
        WHEN coalesce(s.in_scope, 0) = 0
            THEN printf('%s %s: no asset in scope requires a mapped control (%s)',
                        rc.requirement_id, rc.title, array_to_string(rc.controls, ', '))
        ELSE printf('%s %s: %d of %d assets in scope meet it (controls %s)',
                    rc.requirement_id, rc.title, s.in_scope - coalesce(f.failing, 0), s.in_scope,
                    array_to_string(rc.controls, ', '))
    END,
    CAST(getvariable('run_id') AS VARCHAR)
FROM requirement_controls AS rc
LEFT JOIN in_scope AS s USING (framework, requirement_id)
LEFT JOIN failing_requirements AS f USING (framework, requirement_id)
LEFT JOIN failing_names AS n USING (framework, requirement_id)
ORDER BY rc.framework, rc.position;

COMMIT;
