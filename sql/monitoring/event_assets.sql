-- Which inventory asset each of the day's events concerns (variables: day).
--
-- An event offers keys; an asset answers to keys; the best-ranked match wins:
--   1 agent_id    event agent_id = the agent's resource id (ARN), or the Bedrock agent id
--                 (posture $.aws_bedrock.agent_id); an agent-alias ARN counts as its agent id
--   2 agent_name  event agent_name = an agent asset's name
--   3 endpoint    event endpoint = an asset's resource id or name (case-insensitive); an Azure
--                 OpenAI URL .../deployments/<d>/... on host <account>.openai.azure.com gives
--                 <account>/<d>, the name discovery gives a deployment
--   4 endpoint    event endpoint = the last part of a deployment's name (<account>/<d> -> <d>)
--                 or an api_endpoint asset's URL
--   5 model       event request_model = an asset's resource id, name or model_name (agents
--                 excluded); also tried without a gateway prefix (bedrock/, azure/, ...) and
--                 without a cross-region inference-profile prefix (us., eu., apac., ...)
-- Among the candidates of the best rank, the same cloud account, then the same region, wins.
-- If more than one asset is still tied the asset is ambiguous and stays NULL: a wrong asset
-- would send an incident to the wrong owner. NULL also when nothing matches.
-- `agent_asset_id` is the same resolution restricted to ranks 1-2 (the tool allow-list rule).
CREATE OR REPLACE TEMP TABLE detection_event_assets AS
WITH events AS (
    SELECT
        event_id,
        hash(agent_id, agent_name, endpoint, request_model, cloud_account, cloud_region) AS combo,
        agent_id, agent_name, endpoint, request_model, cloud_account, cloud_region
    FROM monitoring.llm_events
    WHERE event_date = getvariable('day')
),
combos AS (
    SELECT DISTINCT
        combo, agent_id, agent_name, endpoint, request_model, cloud_account, cloud_region,
        regexp_replace(request_model, '^(?:bedrock|azure|openai|azure_ai|vertex_ai|anthropic)/', '')
            AS model_unprefixed
    FROM events
),
event_keys AS (
    SELECT combo, 'agent' AS kind, agent_id AS key FROM combos
    UNION ALL
    SELECT combo, 'agent', regexp_extract(agent_id, 'agent-alias/([A-Za-z0-9]+)/', 1) FROM combos
    UNION ALL
    SELECT combo, 'agent_name', agent_name FROM combos
    UNION ALL
    SELECT combo, 'endpoint', lower(endpoint) FROM combos
    UNION ALL
    SELECT combo, 'endpoint', lower(
        regexp_extract(endpoint, '^https?://([^./]+)\.(?:openai|cognitiveservices)\.azure\.com/', 1)
        || '/' || regexp_extract(endpoint, '/deployments/([^/?#]+)', 1))
    FROM combos
    WHERE regexp_matches(endpoint, '/deployments/[^/?#]+')
    UNION ALL
    SELECT combo, 'model', request_model FROM combos
    UNION ALL
    SELECT combo, 'model', model_unprefixed FROM combos
    UNION ALL
    SELECT combo, 'model', regexp_replace(
        model_unprefixed, '^(?:us|eu|apac|us-gov|global|jp|au|ca)\.([^.]+\..+)$', '\1')
    FROM combos
),
assets AS (
    SELECT
        asset_id, asset_type, natural_key, name, model_name, api_endpoint,
        cloud_account, cloud_region,
        json_extract_string(posture, '$.aws_bedrock.agent_id') AS bedrock_agent_id
    FROM inventory.ai_assets
),
asset_keys AS (
    SELECT asset_id, 1 AS rank, 'agent_id' AS how, 'agent' AS kind, natural_key AS key
    FROM assets WHERE asset_type = 'ai_agent'
    UNION ALL
    SELECT asset_id, 1, 'agent_id', 'agent', bedrock_agent_id
    FROM assets WHERE asset_type = 'ai_agent'
    UNION ALL
    SELECT asset_id, 2, 'agent_name', 'agent_name', name
    FROM assets WHERE asset_type = 'ai_agent'
    UNION ALL
    SELECT asset_id, 3, 'endpoint', 'endpoint', lower(natural_key)
    FROM assets WHERE asset_type <> 'ai_agent'
    UNION ALL
    SELECT asset_id, 3, 'endpoint', 'endpoint', lower(name)
    FROM assets WHERE asset_type <> 'ai_agent'
    UNION ALL
    SELECT asset_id, 4, 'endpoint', 'endpoint', lower(regexp_extract(name, '/([^/]+)$', 1))
    FROM assets WHERE asset_type = 'api_endpoint' AND contains(name, '/')
    UNION ALL
    SELECT asset_id, 4, 'endpoint', 'endpoint', lower(rtrim(api_endpoint, '/'))
    FROM assets WHERE asset_type = 'api_endpoint'
    UNION ALL
    SELECT asset_id, 5, 'model', 'model', natural_key
    FROM assets WHERE asset_type <> 'ai_agent'
    UNION ALL
    SELECT asset_id, 5, 'model', 'model', name
    FROM assets WHERE asset_type <> 'ai_agent'
    UNION ALL
    SELECT asset_id, 5, 'model', 'model', model_name
    FROM assets WHERE asset_type <> 'ai_agent'
),
candidates AS (
    SELECT
        c.combo,
        k.asset_id,
        min(k.rank) AS rank,
        arg_min(k.how, k.rank) AS how,
        bool_or(c.cloud_account IS NOT NULL AND c.cloud_account = a.cloud_account) AS same_account,
        bool_or(c.cloud_region IS NOT NULL AND c.cloud_region = a.cloud_region) AS same_region
    FROM event_keys e
    JOIN asset_keys k ON k.kind = e.kind AND k.key = e.key AND e.key <> ''
    JOIN combos c ON c.combo = e.combo
    JOIN assets a ON a.asset_id = k.asset_id
    GROUP BY c.combo, k.asset_id
),
best AS (
    SELECT combo, asset_id, how
    FROM candidates
    QUALIFY rank() OVER (
        PARTITION BY combo ORDER BY rank, same_account DESC, same_region DESC) = 1
),
resolved AS (
    SELECT combo,
        CASE WHEN count(*) = 1 THEN any_value(asset_id) END AS asset_id,
        CASE WHEN count(*) = 1 THEN any_value(how) ELSE 'ambiguous' END AS asset_match
    FROM best
    GROUP BY combo
),
best_agent AS (
    SELECT combo, asset_id
    FROM candidates
    WHERE rank <= 2
    QUALIFY rank() OVER (
        PARTITION BY combo ORDER BY rank, same_account DESC, same_region DESC) = 1
),
resolved_agent AS (
    SELECT combo, CASE WHEN count(*) = 1 THEN any_value(asset_id) END AS agent_asset_id
    FROM best_agent
    GROUP BY combo
)
SELECT e.event_id, r.asset_id, r.asset_match, ra.agent_asset_id
FROM events e
LEFT JOIN resolved r USING (combo)
LEFT JOIN resolved_agent ra USING (combo);
