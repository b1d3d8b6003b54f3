-- Open incidents as of one day from the detections of the last lookback_days days not yet
-- attached and the day's findings, and attach new evidence to the incidents already open.
-- Variables: assessed_date DATE, lookback_days INTEGER, now TIMESTAMP (the run's clock),
-- gap_minutes INTEGER, min_severity VARCHAR (critical|high|medium|low: the least
-- severe detection that opens an incident; less severe ones only join an open one),
-- timezone VARCHAR (deadlines counted on the organisation's calendar), run_id VARCHAR.
--
-- Grouping: detections of one playbook category (operations.playbook_triggers), on one asset,
-- by one actor (API key hash, else user, else session) belong to one incident while each
-- follows the previous within gap_minutes — a burst of 300 hits from one key is one incident,
-- and a burst running past midnight continues yesterday's incident. Findings of a type a
-- playbook answers (e.g. unsafe_model_file) open one incident per asset and gap type, on
-- production assets (an unknown environment counts as production). Rerunning a day attaches
-- nothing twice: a detection or finding belongs to one incident. Open red-team findings on
-- production assets open incidents too.
BEGIN TRANSACTION;

CREATE OR REPLACE TEMP TABLE new_evidence AS
WITH
severity_rank AS (
    SELECT * FROM (VALUES ('critical', 4), ('high', 3), ('medium', 2), ('low', 1)) AS t(severity, rank)
),
detections AS (
    SELECT
        d.detection_id AS evidence_id,
        'detection' AS kind,
        d.event_time AS occurred_at,
        d.rule_id,
        d.severity,
        coalesce(r.rank, 4) AS severity_rank,
        t.category,
        d.asset_id,
        coalesce(d.asset_id, 'unmatched:' || coalesce(d.asset_match, d.source)) AS asset_ref,
        CASE
            WHEN d.api_key_hash IS NOT NULL THEN 'key:' || d.api_key_hash
            WHEN d.user_id IS NOT NULL THEN 'user:' || d.user_id
            WHEN d.session_id IS NOT NULL THEN 'session:' || d.session_id
            ELSE 'unknown'
        END AS actor,
        left(coalesce(d.evidence, d.rule_title), 200) AS summary
    FROM monitoring.detections AS d
    JOIN operations.playbook_triggers AS t
        ON t.kind = 'detection_family' AND t.value = d.family
    LEFT JOIN severity_rank AS r ON r.severity = d.severity
    WHERE d.event_date BETWEEN CAST(getvariable('assessed_date') AS DATE)
                               - CAST(getvariable('lookback_days') AS INTEGER)
                           AND CAST(getvariable('assessed_date') AS DATE)
),
findings AS (
    SELECT
        'gap:' || g.gap_type || ':' || g.asset_id AS evidence_id,
        'finding' AS kind,
        CAST(min(g.assessed_date) OVER (PARTITION BY g.gap_type, g.asset_id) AS TIMESTAMP)
            AS occurred_at,
        g.gap_type AS rule_id,
        g.severity,
        4 AS severity_rank,
        t.category,
        g.asset_id,
        g.asset_id AS asset_ref,
        'finding:' || g.gap_type AS actor,
        left(g.detail, 200) AS summary,
        g.assessed_date
    FROM compliance.compliance_gaps AS g
    JOIN operations.playbook_triggers AS t
        ON t.kind = 'finding_type' AND t.value = g.gap_type
    JOIN inventory.ai_assets AS a ON a.asset_id = g.asset_id
    WHERE g.assessed_date <= CAST(getvariable('assessed_date') AS DATE)
      AND (a.deployment_env = 'production' OR a.deployment_env IS NULL
           OR list_contains(coalesce(a.invalid_fields, []), 'deployment_env'))
    QUALIFY g.assessed_date = CAST(getvariable('assessed_date') AS DATE)
),
-- Red-team probes that fail on a production asset (an unknown environment counts as
-- production): one incident per asset and tool, of the category the probe hints at
-- (prompt_injection_exploitation when it hints at none a playbook covers).
red_team AS (
    SELECT
        'redteam:' || f.finding_id AS evidence_id,
        'red_team' AS kind,
        CAST(f.first_failed_on AS TIMESTAMP) AS occurred_at,
        f.probe AS rule_id,
        'high' AS severity,
        3 AS severity_rank,
        coalesce(p.category, 'prompt_injection_exploitation') AS category,
        f.asset_id,
        f.asset_id AS asset_ref,
        'red_team:' || f.tool AS actor,
        left(printf('%s / %s failed %d of %d attempts: %s', f.probe, f.detector, f.failures,
                    f.attempts, coalesce(f.excerpt, '')), 200) AS summary
    FROM operations.red_team_findings AS f
    JOIN inventory.ai_assets AS a ON a.asset_id = f.asset_id
    LEFT JOIN operations.playbooks AS p ON p.category = f.category_hint
    WHERE f.assessed_date = CAST(getvariable('assessed_date') AS DATE)
      AND f.status = 'open'
      AND (a.deployment_env = 'production' OR a.deployment_env IS NULL
           OR list_contains(coalesce(a.invalid_fields, []), 'deployment_env'))
),
candidates AS (
    SELECT * FROM detections
    UNION ALL BY NAME
    SELECT * EXCLUDE (assessed_date) FROM findings
    UNION ALL BY NAME
    SELECT * FROM red_team
)
SELECT c.*
FROM candidates AS c
ANTI JOIN operations.incident_evidence AS e USING (evidence_id);

CREATE OR REPLACE TEMP TABLE grouped_evidence AS
WITH
open_incidents AS (
    SELECT category, asset_ref, actor,
           arg_max(incident_id, last_evidence_at) AS open_incident_id,
           arg_max(first_evidence_at, last_evidence_at) AS open_first_at,
           max(last_evidence_at) AS open_last_at
    FROM operations.incidents
    WHERE state <> 'closed'
    GROUP BY ALL
),
-- Evidence that belongs to the open incident of its key outright: a finding or red-team
-- failure (they stay with their open incident however long it takes), or a detection inside
-- the incident's span (from gap_minutes before its first evidence to its latest).
placed AS (
    SELECT
        n.*,
        p.open_incident_id,
        p.open_incident_id IS NOT NULL AND (
            n.kind IN ('finding', 'red_team')
            OR n.occurred_at BETWEEN p.open_first_at - to_minutes(getvariable('gap_minutes'))
                                 AND p.open_last_at
        ) AS inside
    FROM new_evidence AS n
    LEFT JOIN open_incidents AS p USING (category, asset_ref, actor)
),
-- The rest in time order per key, with each open incident's latest evidence as an anchor:
-- evidence within gap_minutes of the anchor, or of evidence chained to it, continues the
-- incident; anything else starts a new group. Evidence left unattached by earlier runs (too
-- little severity to open one) is read again, but as a group of its own, never as a link.
sequenced AS (
    SELECT evidence_id, occurred_at, category, asset_ref, actor, severity_rank, false AS anchor
    FROM placed WHERE NOT inside
    UNION ALL
    SELECT NULL, o.open_last_at, o.category, o.asset_ref, o.actor, 0, true
    FROM open_incidents AS o
    SEMI JOIN placed AS p USING (category, asset_ref, actor)
),
ordered AS (
    SELECT
        *,
        lag(occurred_at) OVER keyed AS previous_at
    FROM sequenced
    WINDOW keyed AS (
        PARTITION BY category, asset_ref, actor ORDER BY occurred_at, anchor DESC, evidence_id
    )
),
numbered AS (
    SELECT
        *,
        sum(CAST(
            anchor OR previous_at IS NULL
            OR occurred_at - previous_at > to_minutes(getvariable('gap_minutes'))
            AS INTEGER
        )) OVER (
            PARTITION BY category, asset_ref, actor ORDER BY occurred_at, anchor DESC, evidence_id
            ROWS UNBOUNDED PRECEDING
        ) AS group_number
    FROM ordered
),
groups AS (
    SELECT
        category, asset_ref, actor, group_number,
        bool_or(anchor) AS continues,
        -- The id of a new incident: its key, first time and first evidence (unique: a piece of
        -- evidence belongs to one incident, so a closed incident's id is never met again).
        min(occurred_at) FILTER (WHERE NOT anchor) AS first_at,
        arg_min(evidence_id, (occurred_at, evidence_id)) FILTER (WHERE NOT anchor)
            AS first_evidence_id,
        max(severity_rank) AS top_rank
    FROM numbered
    GROUP BY ALL
),
assigned AS (
    SELECT evidence_id, open_incident_id AS incident_id, false AS opens
    FROM placed WHERE inside
    UNION ALL
    SELECT
        n.evidence_id,
        CASE
            WHEN g.continues THEN o.open_incident_id
            ELSE 'INC-' || left(sha256(concat_ws(chr(31), n.category, n.asset_ref, n.actor,
                                                 strftime(g.first_at, '%Y-%m-%dT%H:%M:%S.%f'),
                                                 g.first_evidence_id)), 16)
        END,
        NOT g.continues
    FROM numbered AS n
    JOIN groups AS g USING (category, asset_ref, actor, group_number)
    LEFT JOIN open_incidents AS o USING (category, asset_ref, actor)
    WHERE NOT n.anchor
      -- A new group opens an incident only when its most severe evidence reaches
      -- min_severity; less severe evidence joins an open incident but opens none.
      AND (g.continues OR g.top_rank >= (
          SELECT rank FROM (VALUES ('critical', 4), ('high', 3), ('medium', 2), ('low', 1))
              AS t(severity, rank)
          WHERE severity = getvariable('min_severity')
      ))
)
SELECT n.* EXCLUDE (open_incident_id, inside), a.incident_id, a.opens
FROM placed AS n
JOIN assigned AS a USING (evidence_id);

-- New incidents.
INSERT INTO operations.incidents
WITH
new_groups AS (
    SELECT
        incident_id,
        any_value(category) AS category,
        any_value(asset_id) AS asset_id,
        any_value(asset_ref) AS asset_ref,
        any_value(actor) AS actor,
        any_value(kind) AS kind,
        min(occurred_at) AS first_at,
        max(occurred_at) AS last_at,
        count(*) AS evidence_count,
        list(DISTINCT rule_id ORDER BY rule_id) AS rule_ids,
        arg_max(severity, (severity_rank, severity)) AS top_severity
    FROM grouped_evidence
    WHERE opens
    GROUP BY incident_id
),
risk AS (
    SELECT asset_id, arg_max(risk_level, assessed_date) AS risk_level
    FROM risk.risk_scores
    WHERE assessed_date <= CAST(getvariable('assessed_date') AS DATE)
    GROUP BY asset_id
),
blast AS (
    -- Everything that depends on the asset, directly or transitively.
    SELECT g.incident_id, list(DISTINCT r.asset_id ORDER BY r.asset_id) AS assets
    FROM new_groups AS g,
         LATERAL (
             WITH RECURSIVE walk(asset_id, path) AS (
                 SELECT from_asset_id, [g.asset_id, from_asset_id]
                 FROM inventory.asset_dependencies WHERE to_asset_id = g.asset_id
                 UNION ALL
                 SELECT d.from_asset_id, list_append(w.path, d.from_asset_id)
                 FROM walk AS w
                 JOIN inventory.asset_dependencies AS d ON d.to_asset_id = w.asset_id
                 WHERE NOT list_contains(w.path, d.from_asset_id)
             )
             SELECT asset_id FROM walk
         ) AS r
    WHERE g.asset_id IS NOT NULL
    GROUP BY g.incident_id
),
shaped AS (
    SELECT
        g.*,
        p.title AS playbook_title,
        p.personal_data,
        a.name AS asset_name,
        k.risk_level,
        list_contains(coalesce(a.regulatory_scope, []), 'eu_ai_act_high_risk')
            OR list_contains(coalesce(a.invalid_fields, []), 'regulatory_scope') AS high_risk,
        -- The playbook's default, one step more severe on a CRITICAL/HIGH risk asset, one less
        -- on a LOW one; an unknown risk level counts as CRITICAL.
        greatest(1, least(4,
            CAST(right(p.severity_default, 1) AS INTEGER)
            + CASE coalesce(k.risk_level, 'CRITICAL')
                WHEN 'CRITICAL' THEN -1 WHEN 'HIGH' THEN -1 WHEN 'LOW' THEN 1 ELSE 0 END
        )) AS severity_number,
        -- Personal data concerned: the asset's scope or classification says so (unknown: yes).
        p.personal_data AND (
            list_has_any(coalesce(a.regulatory_scope, []), ['gdpr', 'hipaa', 'ccpa'])
            OR a.data_classification IN ('confidential', 'restricted', 'regulated')
            OR a.data_classification IS NULL
        ) AS personal_data_concerned
    FROM new_groups AS g
    JOIN operations.playbooks AS p USING (category)
    LEFT JOIN inventory.ai_assets AS a USING (asset_id)
    LEFT JOIN risk AS k USING (asset_id)
)
SELECT
    s.incident_id,
    s.category,
    'sev' || s.severity_number AS severity,
    printf('%s on %s', s.playbook_title, coalesce(s.asset_name, s.asset_ref)) AS title,
    s.kind AS origin,
    s.asset_id,
    s.asset_ref,
    s.actor,
    CASE WHEN s.asset_id IS NULL THEN CAST([] AS VARCHAR[]) ELSE [s.asset_id] END,
    coalesce(b.assets, CAST([] AS VARCHAR[])),
    s.first_at,
    s.last_at,
    CAST(getvariable('now') AS TIMESTAMP),
    s.evidence_count,
    s.rule_ids,
    s.top_severity,
    s.risk_level,
    'open',
    s.personal_data_concerned,
    s.high_risk,
    CASE WHEN s.high_risk AND s.severity_number <= 2
         THEN operations.add_local_days(CAST(getvariable('now') AS TIMESTAMP), 15,
                                        getvariable('timezone')) END,
    CASE WHEN s.personal_data_concerned
         THEN CAST(getvariable('now') AS TIMESTAMP) + INTERVAL 72 HOUR END,
    NULL, NULL, NULL, NULL, NULL,  -- triaged .. closed
    NULL, NULL  -- art73_reported_at, gdpr33_reported_at
FROM shaped AS s
LEFT JOIN blast AS b USING (incident_id);

-- Evidence of every incident, new or open.
INSERT INTO operations.incident_evidence
SELECT incident_id, evidence_id, kind, occurred_at, rule_id, severity, summary
FROM grouped_evidence;

-- Open incidents that received evidence: latest time, count, rules.
UPDATE operations.incidents AS i
SET last_evidence_at = greatest(i.last_evidence_at, u.last_at),
    evidence_count = i.evidence_count + u.added,
    rule_ids = list_sort(list_distinct(list_concat(i.rule_ids, u.rule_ids)))
FROM (
    SELECT incident_id, max(occurred_at) AS last_at, count(*) AS added,
           list(DISTINCT rule_id) AS rule_ids
    FROM grouped_evidence
    WHERE NOT opens
    GROUP BY incident_id
) AS u
WHERE i.incident_id = u.incident_id;

-- The playbook's steps as tasks, each due its timeout after the previous one.
INSERT INTO operations.incident_tasks
SELECT
    i.incident_id,
    s.step_number,
    s.phase,
    s.action,
    s.responsible_role,
    s.automated,
    s.automation,
    i.opened_at + to_minutes(CAST(sum(s.timeout_minutes) OVER (
        PARTITION BY i.incident_id ORDER BY s.step_number ROWS UNBOUNDED PRECEDING
    ) AS INTEGER)),
    s.escalation_trigger
FROM operations.incidents AS i
JOIN operations.playbook_steps AS s USING (category)
WHERE i.incident_id IN (SELECT incident_id FROM grouped_evidence WHERE opens);

-- Timeline: 'opened' for new incidents, one 'evidence' entry per open incident that grew.
INSERT INTO operations.incident_timeline
WITH
entries AS (
    SELECT incident_id, CAST(getvariable('now') AS TIMESTAMP) AS occurred_at,
           'aisec' AS actor, 'opened' AS kind, CAST(NULL AS VARCHAR) AS from_state,
           'open' AS to_state,
           printf('opened from %d %s(s) (%s), first at %s',
                  count(*), any_value(kind), array_to_string(list(DISTINCT rule_id ORDER BY rule_id), ', '),
                  min(occurred_at)) AS detail
    FROM grouped_evidence WHERE opens GROUP BY incident_id
    UNION ALL
    SELECT incident_id, CAST(getvariable('now') AS TIMESTAMP), 'aisec', 'evidence', NULL, NULL,
           printf('%d more %s(s) attached (%s), latest at %s',
                  count(*), any_value(kind), array_to_string(list(DISTINCT rule_id ORDER BY rule_id), ', '),
                  max(occurred_at))
    FROM grouped_evidence WHERE NOT opens GROUP BY incident_id
),
heads AS (
    SELECT incident_id, max(seq) AS seq, arg_max(entry_hash, seq) AS entry_hash
    FROM operations.incident_timeline GROUP BY incident_id
),
numbered AS (
    SELECT e.*, coalesce(h.seq, 0) + 1 AS seq, coalesce(h.entry_hash, repeat('0', 64)) AS prev_hash
    FROM entries AS e LEFT JOIN heads AS h USING (incident_id)
)
SELECT incident_id, seq, occurred_at, actor, kind, from_state, to_state, detail, prev_hash,
       operations.timeline_hash(prev_hash, incident_id, seq, occurred_at, actor, kind,
                                from_state, to_state, detail)
FROM numbered;

DROP TABLE new_evidence;
DROP TABLE grouped_evidence;

COMMIT;
