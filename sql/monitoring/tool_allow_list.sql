-- Unauthorized tool calls: an agent calling a tool outside its allow-list (variables: day,
-- rule_id, use_inventory, use_pack, use_config, fallback_tool_allow_lists; compiled by
-- aisec_assets/monitoring/rules/kinds/allow_list.py).
--
-- The agent is the inventory asset resolved from the event (detection_event_assets, ranks
-- agent_id / agent_name; see event_assets.sql). Its allow-list, in this order:
--  1 the inventory (`use_inventory`), when it describes the agent's tools:
--    * Bedrock agents, posture $.aws_bedrock.action_groups[*]: every ENABLED group (any
--      inspected version). A call is allowed when its name is the group name, one of the
--      group's function names ($.functions[*] as strings or {name}), `<group><sep><function>`
--      with sep one of `__`, `::`, `.`, `/` (any function when discovery did not record the
--      group's functions), or Bedrock's API-schema form `<HTTP verb>__<group>__<path>`.
--    * any source's posture $.<source>.allowed_tools[*] (exact names).
--  2 for agents the inventory does not describe, the fallback lists
--    (`fallback_tool_allow_lists`, JSON [{agent, tool, source}]): the organisation's
--    configuration, aisec.yaml `monitoring.tool_allow_lists` (source 'configuration',
--    `use_config`), and a site pack's own `tool_allow_lists` (source 'pack', `use_pack`; the
--    shipped pack has none). An agent listed in both may call the tools of either. Keyed by the
--    event's agent_id or agent_name or the resolved asset's name; a tool name ending in *
--    allows a prefix.
-- An agent described by neither is not judged (no allow-list to judge against). One hit per
-- event, listing every tool outside the allow-list.
INSERT INTO detection_hits (rule_id, event_id, target_field, subject, evidence)
WITH calls AS (
    SELECT
        event_id, agent_id, agent_name, agent_asset_id,
        call.name AS tool, call.arguments AS arguments, position
    FROM (
        SELECT
            e.event_id, e.agent_id, e.agent_name, ea.agent_asset_id,
            unnest(e.tool_calls) AS call,
            generate_subscripts(e.tool_calls, 1) AS position
        FROM monitoring.llm_events e
        LEFT JOIN detection_event_assets ea USING (event_id)
        WHERE e.event_date = getvariable('day')
          AND len(e.tool_calls) > 0
          AND (e.agent_id IS NOT NULL OR e.agent_name IS NOT NULL)
    )
),
bedrock_groups AS (
    SELECT
        a.asset_id,
        g ->> 'name' AS group_name,
        list_filter(
            list_transform(
                coalesce(CAST(json_extract(g, '$.functions') AS JSON[]), []),
                lambda f: CASE WHEN json_type(f) = 'OBJECT' THEN f ->> 'name' ELSE f ->> '$' END),
            lambda f: f IS NOT NULL) AS functions
    FROM inventory.ai_assets a,
        unnest(CAST(json_extract(a.posture, '$.aws_bedrock.action_groups') AS JSON[])) AS t(g)
    WHERE a.asset_type = 'ai_agent'
      AND coalesce(g ->> 'state', 'ENABLED') = 'ENABLED'
      AND g ->> 'name' IS NOT NULL
),
listed_tools AS (
    SELECT a.asset_id, unnest(json_extract_string(a.posture, '$.*.allowed_tools[*]')) AS tool
    FROM inventory.ai_assets a
    WHERE a.asset_type = 'ai_agent'
),
inventory_described AS (
    SELECT DISTINCT asset_id FROM bedrock_groups
    UNION
    SELECT DISTINCT asset_id FROM listed_tools WHERE tool IS NOT NULL
),
inventory_verdicts AS (
    SELECT c.event_id, c.position, bool_or(coalesce(
        c.tool = g.group_name
        OR list_contains(g.functions, c.tool)
        OR list_bool_or(list_transform([g.group_name || '__', g.group_name || '::',
                                        g.group_name || '.', g.group_name || '/'],
            lambda p: starts_with(c.tool, p)
                AND (len(g.functions) = 0 OR list_contains(g.functions, substr(c.tool, length(p) + 1)))))
        OR (regexp_matches(c.tool, '^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)__')
            AND starts_with(regexp_replace(c.tool, '^[A-Z]+__', ''), g.group_name || '__')),
        false)) AS allowed
    FROM calls c
    JOIN bedrock_groups g ON g.asset_id = c.agent_asset_id
    GROUP BY c.event_id, c.position
    UNION ALL
    SELECT c.event_id, c.position, true
    FROM calls c
    JOIN listed_tools l ON l.asset_id = c.agent_asset_id AND l.tool = c.tool
),
fallback_lists AS (
    SELECT entry.agent AS agent, entry.tool AS tool, entry.source AS source
    FROM (
        SELECT unnest(from_json(getvariable('fallback_tool_allow_lists'),
                                '[{"agent":"VARCHAR","tool":"VARCHAR","source":"VARCHAR"}]'))
            AS entry
    )
    WHERE (entry.source = 'configuration' AND getvariable('use_config'))
       OR (entry.source = 'pack' AND getvariable('use_pack'))
),
asset_names AS (
    SELECT asset_id, name FROM inventory.ai_assets WHERE asset_type = 'ai_agent'
),
fallback_matches AS (
    SELECT c.event_id, c.position, f.tool AS allowed_tool, f.source
    FROM calls c
    LEFT JOIN asset_names n ON n.asset_id = c.agent_asset_id
    JOIN fallback_lists f ON f.agent IN (c.agent_id, c.agent_name, n.name)
),
fallback_verdicts AS (
    SELECT event_id, position, bool_or(
        allowed_tool = c.tool
        OR (ends_with(allowed_tool, '*') AND starts_with(c.tool, rtrim(allowed_tool, '*')))
    ) AS allowed,
    -- 'configuration' before 'pack' when an agent is listed in both
    min(source) AS source
    FROM fallback_matches
    JOIN calls c USING (event_id, position)
    GROUP BY event_id, position
),
judged AS (
    SELECT
        c.*,
        CASE
            WHEN getvariable('use_inventory') AND d.asset_id IS NOT NULL THEN 'inventory'
            WHEN fv.allowed IS NOT NULL THEN fv.source
        END AS allow_list_source,
        CASE
            WHEN getvariable('use_inventory') AND d.asset_id IS NOT NULL
                THEN coalesce(iv.allowed, false)
            ELSE fv.allowed
        END AS allowed
    FROM calls c
    LEFT JOIN inventory_described d ON d.asset_id = c.agent_asset_id
    LEFT JOIN (
        SELECT event_id, position, bool_or(allowed) AS allowed
        FROM inventory_verdicts GROUP BY ALL
    ) iv USING (event_id, position)
    LEFT JOIN fallback_verdicts fv USING (event_id, position)
)
SELECT
    getvariable('rule_id') AS rule_id,
    event_id,
    'tool_calls' AS target_field,
    NULL AS subject,
    printf(
        'agent %s called %s outside its allow-list (from the %s); first call: %s(%s)',
        coalesce(any_value(agent_id), any_value(agent_name)),
        array_to_string(list(DISTINCT tool ORDER BY tool), ', '),
        any_value(allow_list_source),
        arg_min(tool, position), left(coalesce(arg_min(arguments, position), ''), 160)
    ) AS evidence
FROM judged
WHERE allowed = false
GROUP BY event_id;
