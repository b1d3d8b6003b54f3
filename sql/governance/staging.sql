-- Input tables of the governance transforms: the validated governance files (aisec_assets/
-- governance/documents.py) are inserted here with bound parameters, then the transform SQL
-- replaces the warehouse tables from them in one transaction. Temporary: they live and die
-- with the step's connection and are emptied each time this file runs.

CREATE OR REPLACE TEMP TABLE governance_policy_input (
    policy_id VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    version VARCHAR,
    content_hash VARCHAR NOT NULL,
    owner VARCHAR,
    approver VARCHAR,
    approved_on DATE,
    review_due DATE,
    status VARCHAR NOT NULL,
    rendered_path VARCHAR NOT NULL
);

CREATE OR REPLACE TEMP TABLE governance_people_input (
    email VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    roles VARCHAR[] NOT NULL
);

CREATE OR REPLACE TEMP TABLE governance_raci_input (
    activity VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    assignment VARCHAR NOT NULL
);

CREATE OR REPLACE TEMP TABLE governance_appetite_input (
    environment VARCHAR NOT NULL,
    data_classification VARCHAR NOT NULL,
    max_residual_risk DOUBLE NOT NULL,
    rule VARCHAR NOT NULL
);

CREATE OR REPLACE TEMP TABLE governance_acceptance_input (
    position INTEGER NOT NULL,
    line INTEGER,
    acceptance_id VARCHAR NOT NULL,
    asset_ref VARCHAR NOT NULL,
    control_id VARCHAR,
    finding_type VARCHAR,
    owner VARCHAR NOT NULL,
    justification VARCHAR NOT NULL,
    approver VARCHAR NOT NULL,
    approved_on DATE NOT NULL,
    expires_on DATE NOT NULL
);

CREATE OR REPLACE TEMP TABLE governance_attestation_input (
    position INTEGER NOT NULL,
    line INTEGER,
    control_id VARCHAR NOT NULL,
    asset_ref VARCHAR,
    team VARCHAR,
    evidence VARCHAR NOT NULL,
    attested_by VARCHAR NOT NULL,
    attested_on DATE NOT NULL,
    valid_until DATE NOT NULL
);

-- The catalog control ids acceptances and attestations are checked against (filled from
-- controls.catalog_controls when the control catalog has been materialized; empty = no check).
CREATE OR REPLACE TEMP TABLE governance_known_controls (
    control_id VARCHAR NOT NULL
);
