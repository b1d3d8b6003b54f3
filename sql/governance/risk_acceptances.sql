-- Assess the risk acceptances of acceptances.yaml (governance_acceptance_input) on one day.
-- Variables: assessed_date DATE, run_id VARCHAR, file VARCHAR, check_controls BOOLEAN (the
-- control catalog is materialized: governance_known_controls holds its ids),
-- max_exception_days INTEGER (governance.policy_parameters).
--
-- The asset is matched by asset_id first, else by name (a name several assets share is
-- ambiguous). Status, first match wins:
--   rejected  the entry cannot be used (reason lists every problem): asset unknown or
--             ambiguous; approver not in raci.yaml people; self-approval (the approver's team
--             owns the asset, or the approver is the risk owner); control not in the catalog;
--             longer than max_exception_days
--   pending   approved_on is after the day: not in force yet
--   expired   expires_on is before the day: the finding reopens the day after expires_on
--   active    in force on the day
-- Replaces the day's rows of governance.risk_acceptances and the day's acceptance rows of
-- governance.rejected_entries.
BEGIN TRANSACTION;

DELETE FROM governance.risk_acceptances
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);
DELETE FROM governance.rejected_entries
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE) AND kind = 'acceptance';

CREATE OR REPLACE TEMP TABLE governance_acceptance_assessed AS
WITH
by_id AS (
    SELECT i.position, a.asset_id
    FROM governance_acceptance_input AS i
    JOIN inventory.ai_assets AS a ON a.asset_id = i.asset_ref
),
by_name AS (
    SELECT i.position, list(a.asset_id ORDER BY a.asset_id) AS ids
    FROM governance_acceptance_input AS i
    JOIN inventory.ai_assets AS a ON a.name = i.asset_ref
    GROUP BY i.position
),
resolved AS (
    SELECT
        i.*,
        coalesce(b.asset_id, CASE WHEN len(n.ids) = 1 THEN n.ids[1] END) AS asset_id,
        CASE WHEN b.asset_id IS NULL THEN n.ids END AS name_matches
    FROM governance_acceptance_input AS i
    LEFT JOIN by_id AS b USING (position)
    LEFT JOIN by_name AS n USING (position)
),
checked AS (
    SELECT
        r.*,
        p.team AS approver_team,
        list_filter([
            CASE WHEN r.asset_id IS NULL AND len(coalesce(r.name_matches, [])) > 1
                 THEN printf('asset %s is ambiguous: %d assets have that name (%s); name it by asset_id',
                             r.asset_ref, len(r.name_matches), array_to_string(r.name_matches, ', '))
            END,
            CASE WHEN r.asset_id IS NULL AND r.name_matches IS NULL
                 THEN printf('asset %s is not in the inventory (no asset has that asset_id or name)',
                             r.asset_ref)
            END,
            CASE WHEN p.email IS NULL
                 THEN printf('approver %s is not in raci.yaml people', r.approver)
            END,
            CASE WHEN lower(p.team) = lower(a.owner_team)
                 THEN printf('self-approval: approver %s is in team %s, which owns the asset',
                             r.approver, p.team)
            END,
            CASE WHEN lower(r.approver) = lower(r.owner)
                 THEN printf('self-approval: approver %s is the risk owner', r.approver)
            END,
            CASE WHEN getvariable('check_controls') AND r.control_id IS NOT NULL
                      AND r.control_id NOT IN (SELECT control_id FROM governance_known_controls)
                 THEN printf('control %s is not in the control catalog (controls.catalog_controls)',
                             r.control_id)
            END,
            CASE WHEN r.expires_on - r.approved_on > getvariable('max_exception_days')
                 THEN printf('runs %d days (%s to %s), longer than the %d days the policy allows (policy_parameters.max_exception_days)',
                             r.expires_on - r.approved_on, r.approved_on, r.expires_on,
                             getvariable('max_exception_days'))
            END
        ], lambda x: x IS NOT NULL) AS problems
    FROM resolved AS r
    LEFT JOIN inventory.ai_assets AS a ON a.asset_id = r.asset_id
    LEFT JOIN governance.people AS p ON p.email = lower(r.approver)
)
SELECT
    *,
    CASE
        WHEN len(problems) > 0 THEN 'rejected'
        WHEN approved_on > CAST(getvariable('assessed_date') AS DATE) THEN 'pending'
        WHEN expires_on < CAST(getvariable('assessed_date') AS DATE) THEN 'expired'
        ELSE 'active'
    END AS status,
    CASE
        WHEN len(problems) > 0 THEN array_to_string(problems, '; ')
        WHEN approved_on > CAST(getvariable('assessed_date') AS DATE)
            THEN printf('approved for %s: not in force before then', approved_on)
        WHEN expires_on < CAST(getvariable('assessed_date') AS DATE)
            THEN printf('expired on %s: the finding reopened on %s', expires_on,
                        CAST(expires_on + 1 AS DATE))
    END AS reason
FROM checked;

INSERT INTO governance.risk_acceptances
SELECT
    acceptance_id, asset_ref, asset_id, control_id, finding_type, owner, justification,
    lower(approver), approver_team, approved_on, expires_on, status, reason,
    CAST(getvariable('assessed_date') AS DATE), getvariable('run_id')
FROM governance_acceptance_assessed
ORDER BY position;

INSERT INTO governance.rejected_entries
SELECT
    getvariable('file'), printf('acceptances[%d] %s', position, acceptance_id), reason,
    CAST(getvariable('assessed_date') AS DATE), 'acceptance', line, getvariable('run_id')
FROM governance_acceptance_assessed
WHERE status = 'rejected'
ORDER BY position;

DROP TABLE governance_acceptance_assessed;

COMMIT;
