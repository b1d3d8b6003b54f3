-- Replace governance.risk_appetite with the expanded grid (governance_appetite_input;
-- aisec_assets/governance/appetite.py expands risk_appetite.yaml).
BEGIN TRANSACTION;

DELETE FROM governance.risk_appetite;

INSERT INTO governance.risk_appetite
SELECT environment, data_classification, max_residual_risk, rule
FROM governance_appetite_input;

COMMIT;
