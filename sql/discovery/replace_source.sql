-- Replace one source's records and rejections with this run's (registered as the views
-- incoming_records / incoming_rejections), and record the source as healthy. One transaction:
-- analysts and later steps see either the old set or the new one, never a mix.
BEGIN TRANSACTION;

DELETE FROM discovery.discovered_assets WHERE source = getvariable('source');
INSERT INTO discovery.discovered_assets
SELECT
    source, asset_id, natural_key, resource_id, name, asset_type, description,
    owner_team, owner_email, data_classification, deployment_env,
    CAST(regulatory_scope AS VARCHAR[]),
    model_provider, model_name, model_version, CAST(is_self_hosted AS BOOLEAN),
    parameter_count, source_url, license_type, CAST(last_security_review AS DATE),
    CAST(sbom_available AS BOOLEAN), api_endpoint, cloud_provider, cloud_account, cloud_region,
    network_exposure,
    CAST(posture AS JSON), CAST(controls AS JSON), CAST(dependencies AS JSON), CAST(raw AS JSON),
    getvariable('now'), getvariable('run_id')
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
