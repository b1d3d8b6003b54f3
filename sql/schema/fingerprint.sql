-- Which schema SQL this warehouse file was last brought up to date with: a digest of the text
-- of every sql/schema/ file (aisec_resources.warehouse.schema_fingerprint). A writer whose
-- digest matches skips re-running the (idempotent, but not free) schema files. Idempotent.
CREATE TABLE IF NOT EXISTS main.warehouse_schema (
    fingerprint VARCHAR NOT NULL
);
COMMENT ON TABLE main.warehouse_schema IS
    'Digest of the schema SQL this file was last brought up to date with (one row); '
    'a writer with another digest re-runs the schema files, then records its own.';
DELETE FROM main.warehouse_schema;
INSERT INTO main.warehouse_schema VALUES (getvariable('fingerprint'));
