-- Replace one source's records and rejections with this run's (registered as the views
-- incoming_records / incoming_rejections), and record the source's health. One transaction:
-- analysts and later steps see either the old set or the new one, never a mix.
--
-- incoming_parts lists the parts of the source this run could not read (an Azure
-- subscription, a Hugging Face location, an AWS account or account/region). The rows the
-- source held from such a part (its `part`, or below it: `part/...`) that this run did not
-- read again are kept with their last good data, marked stale, and so are the rows they
-- depend on (e.g. the Hub references of a Hugging Face location's models); the source is
-- then 'partial', its last_error naming each part and why it could not be read.
BEGIN TRANSACTION;

CREATE OR REPLACE TEMP TABLE kept_records AS
SELECT d.* REPLACE (true AS stale)
FROM discovery.discovered_assets d
WHERE d.source = getvariable('source')
  AND d.natural_key NOT IN (SELECT natural_key FROM incoming_records)
  AND EXISTS (
      SELECT 1 FROM incoming_parts p
      WHERE d.part = p.part OR starts_with(d.part, p.part || '/')
  );

INSERT INTO kept_records
SELECT d.* REPLACE (true AS stale)
FROM discovery.discovered_assets d
WHERE d.source = getvariable('source')
  AND d.natural_key NOT IN (SELECT natural_key FROM incoming_records)
  AND d.natural_key NOT IN (SELECT natural_key FROM kept_records)
  AND d.asset_id IN (
      SELECT unnest(from_json(k.dependencies, '[{"asset_id":"VARCHAR"}]')).asset_id
      FROM kept_records k
  );

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
        CAST(raw AS JSON) AS raw,
        CAST(part AS VARCHAR) AS part
    ),
    getvariable('now') AS extracted_at,
    getvariable('run_id') AS run_id,
    false AS stale
FROM incoming_records;
INSERT INTO discovery.discovered_assets BY NAME SELECT * FROM kept_records;

DELETE FROM discovery.rejected_records WHERE source = getvariable('source');
INSERT INTO discovery.rejected_records
SELECT source, location, field, reason, excerpt, getvariable('run_id'), getvariable('now')
FROM incoming_rejections;

INSERT OR REPLACE INTO discovery.source_status
SELECT
    getvariable('source'),
    CASE WHEN (SELECT count(*) FROM incoming_parts) > 0 THEN 'partial' ELSE 'ok' END,
    (SELECT count(*) FROM kept_records) > 0,
    getvariable('now'),
    CASE
        WHEN (SELECT count(*) FROM incoming_parts) > 0 THEN (
            SELECT last_success_at FROM discovery.source_status
            WHERE source = getvariable('source')
        )
        ELSE getvariable('now')
    END,
    (
        SELECT string_agg(p.part || ' unreadable (' || p.location || '): ' || p.reason, '; '
                          ORDER BY p.part)
        FROM incoming_parts p
    ),
    (SELECT count(*) FROM discovery.discovered_assets WHERE source = getvariable('source')),
    (SELECT count(*) FROM incoming_rejections),
    getvariable('run_id');

DROP TABLE kept_records;

COMMIT;
