-- Merge every source's records into the inventory, rewrite the dependency edges and append a
-- history snapshot. Variables: run_id, now.
--
-- Precedence: for ownership, classification, scope and review facts the declared registry
-- wins; for technical facts discovery wins (sources in name order), the registry filling in
-- what discovery does not know. Assets no source reports any more stay, with status 'missing';
-- assets whose rows are last good data (a failed source, or an unreadable part of a partial
-- one) stay 'active' with source_stale.
-- invalid_fields unites every source's invalid fields (a field stays flagged until every
-- source's input for it is valid).
BEGIN TRANSACTION;

CREATE OR REPLACE TEMP TABLE merged_assets AS
WITH recs AS (
    SELECT
        d.*,
        -- last good data: the row was kept stale (its source failed, or its part of a partial
        -- source could not be read); warehouses from before per-row staleness: source failed
        coalesce(d.stale, false) OR coalesce(s.stale AND s.status = 'failed', false)
            AS source_is_stale,
        -- sort keys: declared first for governance facts, last for technical facts
        CASE WHEN d.source = 'declared_registry' THEN '0' ELSE '1' END || d.source AS gov_rank,
        CASE WHEN d.source = 'declared_registry' THEN '1' ELSE '0' END || d.source AS tech_rank
    FROM discovery.discovered_assets d
    LEFT JOIN discovery.source_status s USING (source)
),
controls AS (
    SELECT
        asset_id,
        list_sort(list(DISTINCT {
            'type': c.type, 'operational': c.operational,
            'evidence': c.evidence, 'source': source
        })) AS controls
    FROM (
        SELECT asset_id, source, unnest(
            from_json(controls, '[{"type":"VARCHAR","operational":"BOOLEAN","evidence":"VARCHAR"}]')
        ) AS c
        FROM recs
    )
    GROUP BY asset_id
),
postures AS (
    -- posture facts keyed by the source that found them: {"aws_bedrock": {...}, ...}
    SELECT asset_id, CAST(json_group_object(source, posture) AS JSON) AS posture
    FROM recs
    WHERE CAST(posture AS VARCHAR) <> '{}'
    GROUP BY asset_id
)
SELECT
    r.asset_id,
    any_value(r.natural_key) AS natural_key,
    arg_min(r.name, r.tech_rank) AS name,
    arg_min(r.asset_type, r.tech_rank) AS asset_type,
    arg_min(r.description, r.gov_rank) FILTER (WHERE r.description IS NOT NULL) AS description,
    arg_min(r.owner_team, r.gov_rank) FILTER (WHERE r.owner_team IS NOT NULL) AS owner_team,
    arg_min(r.owner_email, r.gov_rank) FILTER (WHERE r.owner_email IS NOT NULL) AS owner_email,
    arg_min(r.data_classification, r.gov_rank)
        FILTER (WHERE r.data_classification IS NOT NULL) AS data_classification,
    arg_min(r.deployment_env, r.gov_rank)
        FILTER (WHERE r.deployment_env IS NOT NULL) AS deployment_env,
    arg_min(r.regulatory_scope, r.gov_rank)
        FILTER (WHERE r.regulatory_scope IS NOT NULL) AS regulatory_scope,
    arg_min(r.model_provider, r.tech_rank)
        FILTER (WHERE r.model_provider IS NOT NULL) AS model_provider,
    arg_min(r.model_name, r.tech_rank) FILTER (WHERE r.model_name IS NOT NULL) AS model_name,
    arg_min(r.model_version, r.tech_rank)
        FILTER (WHERE r.model_version IS NOT NULL) AS model_version,
    arg_min(r.is_self_hosted, r.tech_rank)
        FILTER (WHERE r.is_self_hosted IS NOT NULL) AS is_self_hosted,
    arg_min(r.parameter_count, r.tech_rank)
        FILTER (WHERE r.parameter_count IS NOT NULL) AS parameter_count,
    arg_min(r.source_url, r.tech_rank) FILTER (WHERE r.source_url IS NOT NULL) AS source_url,
    arg_min(r.license_type, r.tech_rank)
        FILTER (WHERE r.license_type IS NOT NULL) AS license_type,
    arg_min(r.last_security_review, r.gov_rank)
        FILTER (WHERE r.last_security_review IS NOT NULL) AS last_security_review,
    arg_min(r.sbom_available, r.gov_rank)
        FILTER (WHERE r.sbom_available IS NOT NULL) AS sbom_available,
    arg_min(r.api_endpoint, r.tech_rank)
        FILTER (WHERE r.api_endpoint IS NOT NULL) AS api_endpoint,
    arg_min(r.cloud_provider, r.tech_rank)
        FILTER (WHERE r.cloud_provider IS NOT NULL) AS cloud_provider,
    arg_min(r.cloud_account, r.tech_rank)
        FILTER (WHERE r.cloud_account IS NOT NULL) AS cloud_account,
    arg_min(r.cloud_region, r.tech_rank)
        FILTER (WHERE r.cloud_region IS NOT NULL) AS cloud_region,
    arg_min(r.network_exposure, r.tech_rank)
        FILTER (WHERE r.network_exposure IS NOT NULL) AS network_exposure,
    -- Every field some source reported with an invalid value (risk scores it at its worst
    -- case whatever another source says: bad input never lowers risk).
    list_sort(list_distinct(flatten(list(coalesce(r.invalid_fields, []))))) AS invalid_fields,
    any_value(p.posture) AS posture,
    any_value(c.controls) AS controls,
    list_sort(list(DISTINCT r.source)) AS sources,
    bool_or(r.source = 'declared_registry') AS declared,
    bool_or(r.source <> 'declared_registry') AS discovered,
    coalesce(bool_or(r.source_is_stale), false) AS source_stale,
    min(r.extracted_at) AS extracted_first,
    max(r.extracted_at) AS extracted_last
FROM recs r
LEFT JOIN controls c USING (asset_id)
LEFT JOIN postures p USING (asset_id)
GROUP BY r.asset_id;

CREATE OR REPLACE TEMP TABLE merged_edges AS
SELECT
    e.from_asset_id,
    e.to_asset_id,
    e.relation,
    any_value(e.to_resource_id) AS to_resource_id,
    list_sort(list(DISTINCT e.source)) AS sources
FROM (
    SELECT
        d.asset_id AS from_asset_id,
        d.source,
        unnest(from_json(
            d.dependencies,
            '[{"asset_id":"VARCHAR","resource_id":"VARCHAR","relation":"VARCHAR"}]'
        ), recursive := true)
    FROM discovery.discovered_assets d
) e (from_asset_id, source, to_asset_id, to_resource_id, relation)
WHERE e.from_asset_id <> e.to_asset_id
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE next_assets AS
SELECT
    m.asset_id, m.natural_key, m.name, m.asset_type, m.description, m.owner_team,
    m.owner_email, m.data_classification, m.deployment_env, m.regulatory_scope,
    m.model_provider, m.model_name, m.model_version, m.is_self_hosted, m.parameter_count,
    m.source_url, m.license_type, m.last_security_review, m.sbom_available, m.api_endpoint,
    m.cloud_provider, m.cloud_account, m.cloud_region, m.network_exposure, m.invalid_fields,
    m.posture,
    coalesce(m.controls, []) AS controls,
    m.sources, m.declared, m.discovered, m.source_stale,
    coalesce((SELECT list_sort(list(DISTINCT e.to_asset_id))
              FROM merged_edges e WHERE e.from_asset_id = m.asset_id), []) AS upstream_assets,
    coalesce((SELECT list_sort(list(DISTINCT e.from_asset_id))
              FROM merged_edges e WHERE e.to_asset_id = m.asset_id), []) AS downstream_assets,
    least(coalesce(prev.first_seen, m.extracted_first), m.extracted_first) AS first_seen,
    greatest(coalesce(prev.last_seen, m.extracted_last), m.extracted_last) AS last_seen,
    'active' AS status
FROM merged_assets m
LEFT JOIN inventory.ai_assets prev USING (asset_id)
UNION ALL BY NAME
SELECT * REPLACE ('missing' AS status)
FROM inventory.ai_assets prev
WHERE prev.asset_id NOT IN (SELECT asset_id FROM merged_assets);

DELETE FROM inventory.ai_assets;
INSERT INTO inventory.ai_assets BY NAME SELECT * FROM next_assets;

DELETE FROM inventory.asset_dependencies;
INSERT INTO inventory.asset_dependencies
SELECT
    e.from_asset_id, e.to_asset_id, e.relation, e.to_resource_id,
    e.to_asset_id IN (SELECT asset_id FROM merged_assets) AS to_known,
    e.sources
FROM merged_edges e;

INSERT INTO inventory.ai_assets_history BY NAME
SELECT getvariable('now') AS snapshot_at, getvariable('run_id') AS run_id, *
FROM inventory.ai_assets;

DROP TABLE merged_assets;
DROP TABLE merged_edges;
DROP TABLE next_assets;

COMMIT;
