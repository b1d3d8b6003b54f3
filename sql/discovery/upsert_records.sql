-- Add or replace some records of one source (registered as the view incoming_records) by
-- natural key, leaving the source's other rows, its rejections and its status alone. The
-- pre-deploy gate evaluates a registry entry this way, on a scratch copy of the warehouse.
-- Variables: source, run_id, now.
BEGIN TRANSACTION;

DELETE FROM discovery.discovered_assets
WHERE source = getvariable('source')
  AND natural_key IN (SELECT natural_key FROM incoming_records);

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
        CAST(raw AS JSON) AS raw,
        CAST(part AS VARCHAR) AS part
    ),
    getvariable('now') AS extracted_at,
    getvariable('run_id') AS run_id,
    false AS stale
FROM incoming_records;

COMMIT;
