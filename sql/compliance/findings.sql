-- The day's open gaps as findings for export (OCSF, SARIF): each with its asset, its control
-- (title, implementation specification as remediation), the framework requirements the control
-- maps to, and the first day the same gap was seen. Policy gaps become findings on the policy,
-- overdue regulatory reports findings on the incident.
-- Variables: assessed_date DATE. A plain SELECT.
WITH
day_gaps AS (
    SELECT * FROM compliance.compliance_gaps
    WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE)
),
first_seen AS (
    SELECT gap_type, coalesce(asset_id, policy_id, incident_id) AS subject, coalesce(control_id, '') AS control,
           min(assessed_date) AS first_seen
    FROM compliance.compliance_gaps
    WHERE assessed_date <= CAST(getvariable('assessed_date') AS DATE)
    GROUP BY ALL
),
requirements AS (
    SELECT m.control_id,
           list({'framework': m.framework, 'requirement_id': m.requirement_id,
                 'title': r.title} ORDER BY m.framework, r.position) AS requirements
    FROM controls.catalog_mappings AS m
    JOIN controls.framework_requirements AS r USING (framework, requirement_id)
    GROUP BY m.control_id
)
SELECT
    g.gap_type,
    g.severity,
    g.detail,
    coalesce(g.asset_id, 'policy:' || g.policy_id, 'incident:' || g.incident_id) AS asset_id,
    coalesce(a.name, p.title, g.policy_id, i.title, g.incident_id) AS asset_name,
    coalesce(a.asset_type, CASE WHEN g.incident_id IS NOT NULL THEN 'incident' ELSE 'policy' END) AS asset_type,
    coalesce(a.natural_key, 'aisec://governance/policies/' || g.policy_id, 'aisec://operations/incidents/' || g.incident_id) AS natural_key,
    coalesce(a.owner_team, p.owner) AS owner_team,
    a.cloud_provider,
    a.cloud_account,
    a.cloud_region,
    g.control_id,
    c.title AS control_title,
    CASE WHEN c.implementation IS NOT NULL THEN
        array_to_string(list_transform(map_entries(c.implementation), lambda e: e.key || ': ' || e.value), ' | ')
    END AS remediation,
    coalesce(q.requirements, []) AS requirements,
    f.first_seen
FROM day_gaps AS g
LEFT JOIN inventory.ai_assets AS a ON a.asset_id = g.asset_id
LEFT JOIN governance.policies AS p ON p.policy_id = g.policy_id
LEFT JOIN operations.incidents AS i ON i.incident_id = g.incident_id
LEFT JOIN controls.catalog_controls AS c ON c.control_id = g.control_id
LEFT JOIN requirements AS q ON q.control_id = g.control_id
LEFT JOIN first_seen AS f
    ON f.gap_type = g.gap_type
   AND f.subject = coalesce(g.asset_id, g.policy_id, g.incident_id)
   AND f.control = coalesce(g.control_id, '')
WHERE g.asset_id IS NOT NULL OR g.policy_id IS NOT NULL OR g.incident_id IS NOT NULL
ORDER BY g.gap_type, asset_id, g.control_id;
