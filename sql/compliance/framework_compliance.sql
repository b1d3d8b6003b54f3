-- Framework compliance for one day: every requirement of the five framework libraries, with
-- the assets and controls behind its status. Variables: assessed_date DATE, run_id VARCHAR.
-- Reads controls.framework_requirements, controls.catalog_mappings, controls.required_controls
-- (the day's control evidence with what each asset requires) and inventory.ai_assets; replaces
-- the day's rows of compliance.framework_compliance in one transaction.
--
-- An asset is in a requirement's scope when it is in the framework's regulatory scope (an empty
-- scope: every asset; an invalid regulatory_scope: in every scope) and requires at least one
-- control mapped to the requirement. It meets the requirement when every such control is
-- implemented or covered by an active risk acceptance.

BEGIN TRANSACTION;

DELETE FROM compliance.framework_compliance
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO compliance.framework_compliance
WITH
assets AS (
    SELECT asset_id, name, coalesce(regulatory_scope, []) AS scope,
           list_contains(coalesce(invalid_fields, []), 'regulatory_scope') AS bad_scope
    FROM inventory.ai_assets
    WHERE status = 'active'
),
-- Set work on bit strings instead of asset x requirement x control rows: one bit per catalog
-- control, one mask per asset (the controls it requires; those of them not in place) and one
-- per requirement (its mapped controls). An asset is in a requirement's scope when its
-- required mask and the requirement's mask share a bit; it meets it when its failing mask
-- shares none.
control_bits AS (
    SELECT
        control_id,
        set_bit(
            bitstring('0', CAST(count(*) OVER () AS INTEGER)),
            CAST(row_number() OVER (ORDER BY control_id) - 1 AS INTEGER),
            1
        ) AS bit
    FROM controls.catalog_controls
),
no_bits AS (
    SELECT bitstring('0', CAST(count(*) AS INTEGER)) AS zero FROM controls.catalog_controls
),
asset_masks AS (
    SELECT
        q.asset_id,
        bit_or(b.bit) AS required_mask,
        coalesce(bit_or(b.bit) FILTER (WHERE q.status NOT IN ('implemented', 'accepted')),
                 any_value(z.zero)) AS failing_mask
    FROM controls.required_controls AS q
    JOIN control_bits AS b USING (control_id)
    CROSS JOIN no_bits AS z
    WHERE q.assessed_date = CAST(getvariable('assessed_date') AS DATE)
      AND q.required
    GROUP BY q.asset_id
),
requirement_controls AS (
    SELECT r.framework, r.requirement_id, r.title, r.manual, r.scope, r.position,
           coalesce(list(m.control_id ORDER BY m.control_id) FILTER (WHERE m.control_id IS NOT NULL),
                    CAST([] AS VARCHAR[])) AS controls,
           coalesce(bit_or(b.bit), any_value(z.zero)) AS mask
    FROM controls.framework_requirements AS r
    LEFT JOIN controls.catalog_mappings AS m USING (framework, requirement_id)
    LEFT JOIN control_bits AS b USING (control_id)
    CROSS JOIN no_bits AS z
    GROUP BY r.framework, r.requirement_id, r.title, r.manual, r.scope, r.position
),
per_requirement AS (
    SELECT
        rc.framework,
        rc.requirement_id,
        count(*) AS in_scope,
        count(*) FILTER (WHERE bit_count(m.failing_mask & rc.mask) = 0) AS meeting,
        -- The first 20 failing assets by name (a bounded aggregate, no full sort).
        coalesce(list_sort(min(a.name, 20) FILTER (WHERE bit_count(m.failing_mask & rc.mask) > 0)),
                 CAST([] AS VARCHAR[])) AS failing
    FROM requirement_controls AS rc
    JOIN asset_masks AS m ON bit_count(m.required_mask & rc.mask) > 0
    JOIN assets AS a ON a.asset_id = m.asset_id
    WHERE NOT rc.manual
      AND (len(rc.scope) = 0 OR a.bad_scope OR list_has_any(a.scope, rc.scope))
    GROUP BY rc.framework, rc.requirement_id
)
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    rc.framework,
    rc.requirement_id,
    rc.title,
    CASE
        WHEN rc.manual THEN 'manual'
        WHEN coalesce(p.in_scope, 0) = 0 THEN 'not_applicable'
        WHEN p.meeting = p.in_scope THEN 'met'
        WHEN p.meeting = 0 THEN 'not_met'
        ELSE 'partly'
    END AS status,
    coalesce(p.in_scope, 0),
    coalesce(p.meeting, 0),
    rc.controls,
    coalesce(p.failing, CAST([] AS VARCHAR[])),
    CASE
        WHEN rc.manual THEN printf('%s %s: assessed by people (no catalog control can show it)',
                                   rc.requirement_id, rc.title)
        WHEN coalesce(p.in_scope, 0) = 0
            THEN printf('%s %s: no asset in scope requires a mapped control (%s)',
                        rc.requirement_id, rc.title, array_to_string(rc.controls, ', '))
        ELSE printf('%s %s: %d of %d assets in scope meet it (controls %s)',
                    rc.requirement_id, rc.title, p.meeting, p.in_scope,
                    array_to_string(rc.controls, ', '))
    END,
    CAST(getvariable('run_id') AS VARCHAR)
FROM requirement_controls AS rc
LEFT JOIN per_requirement AS p USING (framework, requirement_id)
ORDER BY rc.framework, rc.position;

COMMIT;
