-- The risk model in force (aisec.yaml `risk:`), as small parameter tables the scoring SQL
-- reads. Rewritten by every run (aisec_assets/risk/scoring.py write_risk_model_tables) so an
-- analyst can see which weights and tables produced the scores. Idempotent DDL.

CREATE TABLE IF NOT EXISTS risk.model_dimension_weights (
    dimension VARCHAR PRIMARY KEY,
    dimension_order INTEGER NOT NULL,
    weight DOUBLE NOT NULL
);
COMMENT ON TABLE risk.model_dimension_weights IS 'Weight of each of the six risk dimensions in the inherent score (they sum to 1.0); dimension_order is the brief''s order: the inherent score is summed left to right in it, and equal contributions are ranked in it.';

CREATE TABLE IF NOT EXISTS risk.model_lookup_values (
    lookup VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    PRIMARY KEY (lookup, key)
);
COMMENT ON TABLE risk.model_lookup_values IS 'Per-value score tables of the risk model. lookup: data_classification (data_sensitivity score), network_exposure (exposure base score), deployment_env (exposure multiplier), model_provider (provenance base score), asset_type (capability_risk score). A value not listed scores as unknown/other (risk.model_parameters).';

CREATE TABLE IF NOT EXISTS risk.model_high_impact_scopes (
    scope VARCHAR PRIMARY KEY
);
COMMENT ON TABLE risk.model_high_impact_scopes IS 'Regulatory scopes that make regulatory_impact score regulatory_impact.high_impact (risk.model_parameters).';

CREATE TABLE IF NOT EXISTS risk.model_control_weights (
    control_type VARCHAR PRIMARY KEY,
    weight DOUBLE NOT NULL
);
COMMENT ON TABLE risk.model_control_weights IS 'Effectiveness weight of each control type; an asset''s effectiveness is the sum over its distinct operational control types, capped at 1.0. Types not listed count 0.';

CREATE TABLE IF NOT EXISTS risk.model_parameters (
    name VARCHAR PRIMARY KEY,
    value DOUBLE NOT NULL,
    description VARCHAR NOT NULL
);
COMMENT ON TABLE risk.model_parameters IS 'Scalar settings of the risk model: unknown/other scores, caps, penalties and credits, level thresholds, stale_review_days, max_recommendation_drivers.';

CREATE TABLE IF NOT EXISTS risk.model_recommendations (
    position INTEGER PRIMARY KEY,
    dimension VARCHAR NOT NULL,
    above DOUBLE NOT NULL,
    text VARCHAR NOT NULL
);
COMMENT ON TABLE risk.model_recommendations IS 'Remediation advice: given for an asset when the dimension is among its top weighted drivers (max_recommendation_drivers) and its score is above `above`; listed in driver order, then position.';
