-- Analyst-facing views and macros (recreated after every inventory/risk write).

-- An asset by its id or its unique name. Anything else is an error that says why (a name shared
-- by several assets lists their ids), never a silently empty answer.
--   SELECT inventory.asset_id_of('support-agent');
CREATE OR REPLACE MACRO inventory.asset_id_of(asset_ref) AS (
    SELECT CASE
        WHEN count(*) FILTER (WHERE asset_id = asset_ref) = 1
            THEN min(asset_id) FILTER (WHERE asset_id = asset_ref)
        WHEN count(*) FILTER (WHERE name = asset_ref) = 1
            THEN min(asset_id) FILTER (WHERE name = asset_ref)
        WHEN count(*) FILTER (WHERE name = asset_ref) > 1
            THEN error(
                'inventory: ' || count(*) FILTER (WHERE name = asset_ref) || ' assets are named '''
                || asset_ref || ''': give one of their asset_ids ('
                || string_agg(asset_id, ', ' ORDER BY asset_id) FILTER (WHERE name = asset_ref)
                || ')'
            )
        ELSE error('inventory: no asset has the id or name ''' || asset_ref || '''')
    END
    FROM inventory.ai_assets
);

-- Blast radius: everything that depends on an asset, directly or transitively, with the path.
-- "If this model / knowledge base / dataset is compromised, which agents and endpoints are hit?"
--   SELECT * FROM inventory.blast_radius('ai-0123456789abcdef') ORDER BY depth;
--   SELECT * FROM inventory.blast_radius('support-agent-kb') ORDER BY depth;  -- or a unique name
-- Edges point from the dependent asset to what it uses, so the walk follows them backwards.
-- Cycles are cut by never revisiting an asset already on the path.
CREATE OR REPLACE MACRO inventory.blast_radius(asset_ref) AS TABLE
WITH RECURSIVE target AS (SELECT inventory.asset_id_of(asset_ref) AS asset_id),
impact(asset_id, depth, via_relation, path) AS (
    SELECT d.from_asset_id, 1, d.relation, [t.asset_id, d.from_asset_id]
    FROM inventory.asset_dependencies d
    JOIN target t ON d.to_asset_id = t.asset_id
    UNION ALL
    SELECT d.from_asset_id, i.depth + 1, d.relation, list_append(i.path, d.from_asset_id)
    FROM impact i
    JOIN inventory.asset_dependencies d ON d.to_asset_id = i.asset_id
    WHERE NOT list_contains(i.path, d.from_asset_id) AND i.depth < 32
)
SELECT
    i.asset_id, a.name, a.asset_type, a.deployment_env, a.owner_team,
    min(i.depth) AS depth, arg_min(i.via_relation, i.depth) AS via_relation,
    arg_min(i.path, i.depth) AS path
FROM impact i
JOIN inventory.ai_assets a USING (asset_id)
GROUP BY ALL;

-- Dependencies of an asset (what it uses), transitively: the supply chain behind an agent.
--   SELECT * FROM inventory.upstream_of('ai-0123456789abcdef') ORDER BY depth;  -- or a name
CREATE OR REPLACE MACRO inventory.upstream_of(asset_ref) AS TABLE
WITH RECURSIVE target AS (SELECT inventory.asset_id_of(asset_ref) AS asset_id),
up(asset_id, depth, via_relation, path) AS (
    SELECT d.to_asset_id, 1, d.relation, [t.asset_id, d.to_asset_id]
    FROM inventory.asset_dependencies d
    JOIN target t ON d.from_asset_id = t.asset_id
    UNION ALL
    SELECT d.to_asset_id, u.depth + 1, d.relation, list_append(u.path, d.to_asset_id)
    FROM up u
    JOIN inventory.asset_dependencies d ON d.from_asset_id = u.asset_id
    WHERE NOT list_contains(u.path, d.to_asset_id) AND u.depth < 32
)
SELECT
    u.asset_id, coalesce(a.name, e.to_resource_id) AS name, a.asset_type,
    min(u.depth) AS depth, arg_min(u.via_relation, u.depth) AS via_relation
FROM up u
LEFT JOIN inventory.ai_assets a USING (asset_id)
LEFT JOIN (SELECT DISTINCT to_asset_id, to_resource_id FROM inventory.asset_dependencies) e
    ON e.to_asset_id = u.asset_id
GROUP BY ALL;

-- One row per asset with its latest risk and open gaps: the starting point for most questions.
CREATE OR REPLACE VIEW inventory.asset_overview AS
WITH latest_risk AS (
    SELECT * FROM risk.risk_scores
    QUALIFY row_number() OVER (PARTITION BY asset_id ORDER BY assessed_date DESC) = 1
),
latest_gaps AS (
    SELECT asset_id, list(gap_type ORDER BY gap_type) AS open_gaps
    FROM compliance.compliance_gaps
    WHERE assessed_date = (SELECT max(assessed_date) FROM compliance.compliance_gaps)
    GROUP BY asset_id
)
SELECT
    a.asset_id, a.name, a.asset_type, a.owner_team, a.deployment_env, a.data_classification,
    a.network_exposure, a.regulatory_scope, a.sources, a.status,
    r.assessed_date, r.residual_risk_score, r.risk_level, r.top_driver,
    coalesce(g.open_gaps, []) AS open_gaps
FROM inventory.ai_assets a
LEFT JOIN latest_risk r USING (asset_id)
LEFT JOIN latest_gaps g USING (asset_id);
COMMENT ON VIEW inventory.asset_overview IS 'Each asset with its latest risk score and currently open compliance gaps.';
