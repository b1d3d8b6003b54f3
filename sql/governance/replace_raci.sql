-- Replace governance.people and governance.raci_matrix with raci.yaml (governance_people_input,
-- governance_raci_input). E-mail addresses are stored lower-case: every reference to a person
-- is matched on lower(email).
BEGIN TRANSACTION;

DELETE FROM governance.raci_matrix;
DELETE FROM governance.people;

INSERT INTO governance.people
SELECT lower(email), name, team, list_sort(list_distinct(roles))
FROM governance_people_input;

INSERT INTO governance.raci_matrix
SELECT
    r.activity,
    r.role,
    r.assignment,
    coalesce(
        (SELECT list_sort(list(p.email)) FROM governance.people AS p
         WHERE list_contains(p.roles, r.role)),
        []
    )
FROM governance_raci_input AS r;

COMMIT;
