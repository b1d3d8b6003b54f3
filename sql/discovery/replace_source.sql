-- Replace one source's records and rejections with this run's (registered as the views
-- incoming_records / incoming_rejections), and record the source as healthy. One transaction:
-- analysts and later steps see either the old set or the new one, never a mix.
BEGIN TRANSACTION;

DELETE FROM discovery.discovered_assets WHERE source = getvariable('source');
-- By name: the columns are the record's (sql/schema/warehouse.sql declares them once); the
-- casts give the DataFrame's loosely typed columns the table's types.
INSERT INTO discovery.discovered_assets BY NAME
SELECT
    * REPLACE (
        CAST(regulatory_scope AS VARCHAR[]) AS regulatory_scope,
        CAST(invalid_fields AS VARCHAR[]) AS invalid_fields,
        CAST(is_self_hosted AS BOOLEAN) AS is_self_hosted,
        CAST(last_security_review AS DATE) AS last_security_review,
        CAST(sbom_available AS BOOLEAN) AS sbom_available,
        CAST(posture AS JSON) AS posture,
        CAST(controls AS JSON) AS controls,
        CAST(dependencies AS JSON) AS dependencies,
        CAST(raw AS JSON) AS raw
    ),
    getvariable('now') AS extracted_at,
    getvariable('run_id') AS run_id
FROM incoming_records;

DELETE FROM discovery.rejected_records WHERE source = getvariable('source');
INSERT INTO discovery.rejected_records
SELECT source, location, field, reason, excerpt, getvariable('run_id'), getvariable('now')
FROM incoming_rejections;

INSERT OR REPLACE INTO discovery.source_status
SELECT
    getvariable('source'), 'ok', false, getvariable('now'), getvariable('now'), NULL,
    (SELECT count(*) FROM incoming_records), (SELECT count(*) FROM incoming_rejections),
    getvariable('run_id');

COMMIT;
