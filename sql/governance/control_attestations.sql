-- Resolve the attestations of attestations.yaml (governance_attestation_input) on one day.
-- Variables: assessed_date DATE, run_id VARCHAR, file VARCHAR, check_controls BOOLEAN (see
-- risk_acceptances.sql).
--
-- An asset selector matches by asset_id first, else by name (ambiguous names are rejected); a
-- team selector covers every active asset the team owns. An entry with an unknown or
-- ambiguous asset, a team owning no active asset, an attester not in raci.yaml people or a
-- control not in the catalog goes to governance.rejected_entries. The others give one row per
-- covered asset, when the day is within attested_on .. valid_until. Replaces the day's rows.
BEGIN TRANSACTION;

DELETE FROM governance.control_attestations
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);
DELETE FROM governance.rejected_entries
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE) AND kind = 'attestation';

CREATE OR REPLACE TEMP TABLE governance_attestation_assessed AS
WITH
by_id AS (
    SELECT i.position, a.asset_id
    FROM governance_attestation_input AS i
    JOIN inventory.ai_assets AS a ON a.asset_id = i.asset_ref
),
by_name AS (
    SELECT i.position, list(a.asset_id ORDER BY a.asset_id) AS ids
    FROM governance_attestation_input AS i
    JOIN inventory.ai_assets AS a ON a.name = i.asset_ref
    GROUP BY i.position
),
by_team AS (
    SELECT i.position, list(a.asset_id ORDER BY a.asset_id) AS ids
    FROM governance_attestation_input AS i
    JOIN inventory.ai_assets AS a ON lower(a.owner_team) = lower(i.team) AND a.status = 'active'
    GROUP BY i.position
),
resolved AS (
    SELECT
        i.*,
        CASE
            WHEN i.team IS NOT NULL THEN coalesce(t.ids, [])
            WHEN b.asset_id IS NOT NULL THEN [b.asset_id]
            WHEN len(n.ids) = 1 THEN n.ids
            ELSE []
        END AS asset_ids,
        CASE WHEN i.team IS NULL AND b.asset_id IS NULL THEN n.ids END AS name_matches
    FROM governance_attestation_input AS i
    LEFT JOIN by_id AS b USING (position)
    LEFT JOIN by_name AS n USING (position)
    LEFT JOIN by_team AS t USING (position)
),
checked AS (
    SELECT
        r.*,
        list_filter([
            CASE WHEN r.team IS NULL AND len(coalesce(r.name_matches, [])) > 1
                 THEN printf('asset %s is ambiguous: %d assets have that name (%s); name it by asset_id',
                             r.asset_ref, len(r.name_matches), array_to_string(r.name_matches, ', '))
            END,
            CASE WHEN r.team IS NULL AND len(r.asset_ids) = 0 AND r.name_matches IS NULL
                 THEN printf('asset %s is not in the inventory (no asset has that asset_id or name)',
                             r.asset_ref)
            END,
            CASE WHEN r.team IS NOT NULL AND len(r.asset_ids) = 0
                 THEN printf('team %s owns no active asset in the inventory', r.team)
            END,
            CASE WHEN p.email IS NULL
                 THEN printf('attested_by %s is not in raci.yaml people', r.attested_by)
            END,
            CASE WHEN getvariable('check_controls')
                      AND r.control_id NOT IN (SELECT control_id FROM governance_known_controls)
                 THEN printf('control %s is not in the control catalog (controls.catalog_controls)',
                             r.control_id)
            END
        ], lambda x: x IS NOT NULL) AS problems
    FROM resolved AS r
    LEFT JOIN governance.people AS p ON p.email = lower(r.attested_by)
)
SELECT * FROM checked;

INSERT INTO governance.control_attestations
SELECT
    control_id, unnest(asset_ids), evidence, lower(attested_by), attested_on, valid_until,
    CAST(getvariable('assessed_date') AS DATE),
    CASE WHEN team IS NOT NULL THEN 'team:' || team ELSE 'asset:' || asset_ref END,
    printf('attestations[%d] (line %s)', position, coalesce(CAST(line AS VARCHAR), '?')),
    getvariable('run_id')
FROM governance_attestation_assessed
WHERE len(problems) = 0
  AND attested_on <= CAST(getvariable('assessed_date') AS DATE)
  AND valid_until >= CAST(getvariable('assessed_date') AS DATE)
ORDER BY position;

INSERT INTO governance.rejected_entries
SELECT
    getvariable('file'), printf('attestations[%d] %s', position, control_id),
    array_to_string(problems, '; '),
    CAST(getvariable('assessed_date') AS DATE), 'attestation', line, getvariable('run_id')
FROM governance_attestation_assessed
WHERE len(problems) > 0
ORDER BY position;

DROP TABLE governance_attestation_assessed;

COMMIT;
