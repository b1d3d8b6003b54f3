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

-- What depends on an asset: "what depends on model X?". Every asset that uses it, directly
-- (depth 1) or through others, with its latest risk level and the path by name, from the asset
-- to the dependent. A friendlier face of inventory.blast_radius (same walk, same cycle cut);
-- the asset is named by its id or its unique name, and a wrong name is an error, as there.
--   SELECT name, asset_type, depth, via_relation, risk_level, path_names
--   FROM inventory.dependents_of('anthropic.claude-3-haiku-20240307-v1:0') ORDER BY depth, name;
CREATE OR REPLACE MACRO inventory.dependents_of(asset_ref) AS TABLE
WITH dependents AS (SELECT * FROM inventory.blast_radius(asset_ref)),
hops AS (
    SELECT asset_id, unnest(path) AS hop, generate_subscripts(path, 1) AS position
    FROM dependents
),
named AS (
    SELECT h.asset_id, list(coalesce(a.name, h.hop) ORDER BY h.position) AS path_names
    FROM hops h LEFT JOIN inventory.ai_assets a ON a.asset_id = h.hop
    GROUP BY h.asset_id
),
latest_risk AS (
    SELECT asset_id, risk_level, residual_risk_score FROM risk.risk_scores
    QUALIFY row_number() OVER (PARTITION BY asset_id ORDER BY assessed_date DESC) = 1
)
SELECT
    d.asset_id, d.name, d.asset_type, d.deployment_env, d.owner_team, d.depth,
    d.via_relation, r.risk_level, r.residual_risk_score, n.path_names, d.path
FROM dependents d
LEFT JOIN named n USING (asset_id)
LEFT JOIN latest_risk r USING (asset_id);
COMMENT ON MACRO TABLE inventory.dependents_of IS 'What depends on an asset (id or unique name), directly or transitively: depth, the relation of the hop, latest risk level and the path by name.';

-- Production AI agents without a working guardrail: "which production agents have no
-- guardrail?". An active ai_agent counts as production when the inventory says so, and also
-- when its environment is unknown (NULL, or a source reported an invalid value): like the risk
-- model, the view takes the worst case and says so in environment_unknown. A guardrail counts
-- when the agent's latest control assessment has a guardrails control implemented (a guardrail
-- attached in a published version, seen by discovery or through its uses_guardrail edge), or
-- the inventory holds an operational guardrails control for it (e.g. declared in the registry).
-- An attached guardrail that does not work (only a DRAFT version, not active) does not count:
-- it shows in guardrails_attached and guardrail_evidence, and the reason says so. A risk
-- acceptance of the missing control does not count either: it accepts the risk, it is no
-- guardrail.
--   SELECT name, owner_team, reason FROM inventory.production_agents_without_guardrail;
CREATE OR REPLACE VIEW inventory.production_agents_without_guardrail AS
WITH agents AS (
    SELECT
        asset_id, name, owner_team, owner_email, deployment_env,
        deployment_env IS NULL OR list_contains(coalesce(invalid_fields, []), 'deployment_env')
            AS environment_unknown,
        [c FOR c IN coalesce(controls, []) IF c.type = 'guardrails'] AS declared_guardrails
    FROM inventory.ai_assets
    WHERE asset_type = 'ai_agent' AND status = 'active'
),
assessed AS (
    SELECT
        asset_id,
        bool_or(status = 'implemented') AS guardrail_implemented,
        list(control_id || ' ' || status || ': ' || coalesce(evidence, '') ORDER BY control_id)
            AS guardrail_evidence
    FROM controls.control_evidence
    WHERE control_type = 'guardrails' AND applicable
    GROUP BY asset_id, assessed_date
    QUALIFY assessed_date = max(assessed_date) OVER (PARTITION BY asset_id)
),
attached AS (
    SELECT
        d.from_asset_id AS asset_id,
        list_sort(list(DISTINCT coalesce(g.name, d.to_resource_id))) AS guardrails_attached
    FROM inventory.asset_dependencies d
    LEFT JOIN inventory.ai_assets g ON g.asset_id = d.to_asset_id
    WHERE d.relation = 'uses_guardrail'
    GROUP BY d.from_asset_id
),
latest_risk AS (
    SELECT asset_id, risk_level, residual_risk_score FROM risk.risk_scores
    QUALIFY row_number() OVER (PARTITION BY asset_id ORDER BY assessed_date DESC) = 1
)
SELECT
    a.asset_id, a.name, a.owner_team, a.owner_email, a.deployment_env, a.environment_unknown,
    coalesce(g.guardrails_attached, []) AS guardrails_attached,
    list_concat(
        coalesce(s.guardrail_evidence, []),
        [c.source || ': ' || c.evidence FOR c IN a.declared_guardrails]
    ) AS guardrail_evidence,
    r.risk_level, r.residual_risk_score,
    CASE
        WHEN g.asset_id IS NOT NULL OR len(a.declared_guardrails) > 0
            THEN 'guardrail attached but not operational'
        ELSE 'no guardrail'
    END
    || CASE WHEN a.environment_unknown THEN '; environment unknown, taken as production' ELSE '' END
        AS reason
FROM agents a
LEFT JOIN assessed s USING (asset_id)
LEFT JOIN attached g USING (asset_id)
LEFT JOIN latest_risk r USING (asset_id)
WHERE (a.deployment_env = 'production' OR a.environment_unknown)
    AND NOT coalesce(s.guardrail_implemented, false)
    AND len([c FOR c IN a.declared_guardrails IF c.operational]) = 0;
COMMENT ON VIEW inventory.production_agents_without_guardrail IS 'Active AI agents in production (or of unknown environment, taken as production) without a working guardrail, with what is attached and why it does not count.';
COMMENT ON COLUMN inventory.production_agents_without_guardrail.environment_unknown IS 'The environment is NULL or was reported invalid: listed as if production (worst case).';
COMMENT ON COLUMN inventory.production_agents_without_guardrail.guardrails_attached IS 'Guardrails the agent references (uses_guardrail edges), by name or resource id; none of them works.';
COMMENT ON COLUMN inventory.production_agents_without_guardrail.guardrail_evidence IS 'The guardrails controls of the latest control assessment (control, status, evidence) and the inventory''s guardrail controls (source, evidence).';
COMMENT ON COLUMN inventory.production_agents_without_guardrail.risk_level IS 'The agent''s latest residual risk level (risk.risk_scores); NULL before its first assessment.';
COMMENT ON COLUMN inventory.production_agents_without_guardrail.reason IS 'no guardrail | guardrail attached but not operational, and whether the environment was taken as production.';

-- Which teams own the risk, level by level: "which teams own the critical risks?". For the
-- latest assessed day in risk.risk_scores, one row per owning team and risk level, with the
-- number of assets and their names and ids, riskiest first. owner_team is the inventory's
-- current owner; NULL is assets nobody owns (each one a no_owner gap).
--   SELECT owner_team, assets, asset_names FROM risk.risk_by_team
--   WHERE risk_level = 'CRITICAL' ORDER BY assets DESC;
--   PIVOT risk.risk_by_team ON risk_level USING sum(assets) GROUP BY owner_team;
CREATE OR REPLACE VIEW risk.risk_by_team AS
WITH latest AS (
    SELECT r.* FROM risk.risk_scores r
    WHERE r.assessed_date = (SELECT max(assessed_date) FROM risk.risk_scores)
)
SELECT
    r.assessed_date, a.owner_team, r.risk_level,
    CASE r.risk_level WHEN 'CRITICAL' THEN 4 WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 ELSE 1 END
        AS level_rank,
    count(*) AS assets,
    list(coalesce(a.name, r.asset_id) ORDER BY r.residual_risk_score DESC, r.asset_id)
        AS asset_names,
    list(r.asset_id ORDER BY r.residual_risk_score DESC, r.asset_id) AS asset_ids,
    max(r.residual_risk_score) AS max_residual_risk
FROM latest r
LEFT JOIN inventory.ai_assets a USING (asset_id)
GROUP BY ALL;
COMMENT ON VIEW risk.risk_by_team IS 'Latest assessed day: assets per owning team and residual risk level, with their names and ids, riskiest first.';
COMMENT ON COLUMN risk.risk_by_team.owner_team IS 'The owning team (inventory.ai_assets); NULL: nobody owns the assets (no_owner gap).';
COMMENT ON COLUMN risk.risk_by_team.level_rank IS '4 CRITICAL, 3 HIGH, 2 MEDIUM, 1 LOW: ORDER BY level_rank DESC for the worst first.';
COMMENT ON COLUMN risk.risk_by_team.asset_names IS 'The assets, highest residual risk first.';
