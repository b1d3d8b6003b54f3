-- Replace governance.policies with the rendered policies (governance_policy_input).
-- Variables: assessed_date DATE.
BEGIN TRANSACTION;

DELETE FROM governance.policies;

INSERT INTO governance.policies
SELECT
    policy_id, title, version, content_hash, owner, approver, approved_on, review_due, status,
    rendered_path,
    status <> 'retired' AND coalesce(review_due < CAST(getvariable('assessed_date') AS DATE), false),
    CAST(getvariable('assessed_date') AS DATE)
FROM governance_policy_input;

COMMIT;
