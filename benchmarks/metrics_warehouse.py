"""A program warehouse with history, for benchmarks/bench_metrics.py (generation is not timed).

`build_warehouse(path, n, days, ...)` writes a fresh DuckDB warehouse (`create_schema`) whose
day DAY (2026-01-15) and the `days - 1` days before it look like a program that has been
running for a month over `n` AI assets. Deterministic for a seed: DuckDB range() with
hash(i, seed, salt) pseudo-random draws (bench_controls' macros), whatever the thread count.

Produced by the product's own code (real SQL, real libraries):
  * the inventory of `n` assets, their dependency edges, the day's risk acceptances and
    attestations: bench_controls.generate_inventory (every asset type and the unknown one,
    realistic postures per source, owners with blanks and NULLs, invalid fields, ~1% missing)
  * the 69-control catalog, framework requirements, risk model, playbooks, the rule pack's
    detection_rules table
  * the day's risk scores (`score_assets`), control evidence (`assess_control_evidence`: every
    active asset x the 69 catalog controls), control coverage, framework compliance, risk
    appetite breaches and compliance gaps; coverage, framework compliance, breaches and gaps
    also for the day before (on the day before's evidence and scores, below)
  * the day's program KPIs and maturity (run once here as templates for the history, then
    deleted: bench_metrics times them)
Synthesised in SQL (labelled so in the output):
  * risk.risk_scores for the `days - 1` earlier days: the day's rows with levels drifting (a
    fifth of the assets had a residual score 8-20 points different until a day of their own in
    the window, the level recomputed from the score on the model's thresholds; the newest
    0.1% of assets per day did not exist yet)
  * inventory.ai_assets_history: the day's snapshot and the day before's (without the newest
    0.1% of the assets, with three in ten of the day's missing assets still active)
  * controls.control_evidence for the day before: the day's rows with 1% of the implemented
    controls missing and 0.2% of the missing ones implemented (so "controls gained / lost"
    has something to find)
  * compliance gaps for days -2 .. -6 (the day before's, 2% more left out per day back), framework
    compliance for days -2 .. -(days-1) (statuses drifting)
  * monitoring.detections for every day of the window (`detections_per_day`, weekends at 60%;
    the shipped rule pack's rules, families and severities; assets drawn Zipf-like, 7% none)
  * operations.incidents over the window (about n / 2,000 a day; playbook categories and
    default severities; MTTD 2 min - 8 h; each lifecycle step reached when its time has passed
    unless the incident is stuck in a phase; EU AI Act / GDPR clocks, some reports late) and
    their incident_tasks (the playbook's steps, due times cumulated from the step timeouts)
  * red-team engagements (6, first reports from December to the day) and findings
    (about n / 2,000, open or remediated, drifting) per day; 14 governance policies (the
    table keeps the current state only: approved, draft, retired, some overdue); the risk
    appetite grid; discovery source status (two stale sources) and rejected records
  * metrics.program_kpis, maturity_scores and nist_ai_rmf_scores for the `days - 1` earlier
    days: the day's template rows with each value drifting (deterministic, per column), levels
    one lower before a day of their own, so the trends have a history.
"""

from __future__ import annotations

import re
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

# Only light imports at module level: bench_metrics' parent process imports this module for
# its constants, and Linux carries a parent's RSS at fork into the child's ru_maxrss, so the
# parent stays small; the libraries the generator needs are imported in build_warehouse.
STALE_REVIEW_DAYS = 90  # the risk config's default, as bench_controls uses it
DAY = date(2026, 1, 15)
NOW = datetime(2026, 1, 16, 0, 30)  # the daily run, half an hour after the day ended
RUN_ID = "bench-metrics"
HISTORY_RUN_ID = "bench-metrics-history"
GAP_DAYS = 7  # compliance gaps: the day and the six before it

EXTRA_MACROS_SQL = """
CREATE OR REPLACE TEMP MACRO h(i, salt) AS hash(i, getvariable('bench_seed'), salt);
CREATE OR REPLACE TEMP MACRO f01(i, salt) AS
    CAST(hash(i, getvariable('bench_seed'), salt) % 1000000007 AS DOUBLE) / 1000000007;
CREATE OR REPLACE TEMP MACRO heavy(i, salt, n) AS
    1 + ((CASE WHEN u(i, salt || '?') < 600
               THEN CAST(floor(pow(n + 1, f01(i, salt))) AS BIGINT) - 1
               ELSE CAST(h(i, salt || '=') % n AS BIGINT) END) * 7919) % n;
CREATE OR REPLACE TEMP MACRO int_range(a, b) AS TABLE
    SELECT CAST(range AS INTEGER) AS d FROM range(a, b);
CREATE OR REPLACE TEMP MACRO level_of(s) AS
    CASE WHEN s >= 75 THEN 'CRITICAL' WHEN s >= 50 THEN 'HIGH' WHEN s >= 25 THEN 'MEDIUM'
         ELSE 'LOW' END;
"""

# The day's scores copied to the earlier days. A fifth of the assets had a different residual
# score (8..20 points, mostly higher: the program improved) until their own change day c; the
# level follows the score. Asset i existed on day -d when i <= n - d * n / 1000.
RISK_HISTORY_SQL = """
INSERT INTO risk.risk_scores BY NAME
SELECT * EXCLUDE (d, i, c, delta) REPLACE (
    $day - d AS assessed_date,
    CASE WHEN d >= c THEN least(100.0, greatest(0.0, residual_risk_score + delta))
         ELSE residual_risk_score END AS residual_risk_score,
    CASE WHEN d >= c THEN level_of(least(100.0, greatest(0.0, residual_risk_score + delta)))
         ELSE risk_level END AS risk_level,
    CAST($day - d AS TIMESTAMP) + INTERVAL 23 HOUR AS scored_at,
    $run_id AS run_id
)
FROM (
    SELECT
        r.*,
        t.d,
        CAST(substr(r.asset_id, 7) AS BIGINT) AS i,
        CASE WHEN u(CAST(substr(r.asset_id, 7) AS BIGINT), 'drift?') < 200
             THEN 1 + CAST(h(CAST(substr(r.asset_id, 7) AS BIGINT), 'drift day') % ($days - 1)
                           AS INTEGER)
             ELSE 1000000 END AS c,
        (CASE WHEN u(CAST(substr(r.asset_id, 7) AS BIGINT), 'drift up') < 700 THEN 1 ELSE -1 END)
        * (8 + CAST(h(CAST(substr(r.asset_id, 7) AS BIGINT), 'drift by') % 13 AS DOUBLE)) AS delta
    FROM risk.risk_scores AS r, int_range(1, $days) AS t
    WHERE r.assessed_date = $day
      AND CAST(substr(r.asset_id, 7) AS BIGINT) <= $n - t.d * $n // 1000
)
"""

# The day before's control evidence: the day's, with 1% of the implemented controls missing
# and 0.2% of the missing ones implemented (so the day gains some and loses a few).
EVIDENCE_DAY_BEFORE_SQL = """
INSERT INTO controls.control_evidence BY NAME
SELECT * REPLACE (
    $day - 1 AS assessed_date,
    CASE WHEN status = 'implemented' AND u(hash(asset_id, control_id), 'lost') < 10
             THEN 'missing'
         WHEN status = 'missing' AND u(hash(asset_id, control_id), 'gained') < 2
             THEN 'implemented'
         ELSE status END AS status,
    $run_id AS run_id
)
FROM controls.control_evidence
WHERE assessed_date = $day
"""

GAPS_HISTORY_SQL = """
INSERT INTO compliance.compliance_gaps BY NAME
SELECT g.* REPLACE ($day - t.d AS assessed_date, $run_id AS run_id)
FROM compliance.compliance_gaps AS g, int_range(2, $gap_days) AS t
WHERE g.assessed_date = $day - 1
  AND u(hash(g.asset_id, g.gap_type, g.control_id, g.policy_id), 'gap' || t.d) >= 20 * (t.d - 1)
"""

FRAMEWORK_HISTORY_SQL = """
INSERT INTO compliance.framework_compliance BY NAME
SELECT f.* REPLACE (
    $day - t.d AS assessed_date,
    CASE WHEN f.status IN ('met', 'partly', 'not_met')
              AND u(hash(f.framework, f.requirement_id), 'fw' || t.d) < 10 * t.d
         THEN CASE f.status WHEN 'met' THEN 'partly' ELSE 'not_met' END
         ELSE f.status END AS status,
    $run_id AS run_id
)
FROM compliance.framework_compliance AS f, int_range(2, $days) AS t
WHERE f.assessed_date = $day - 1
"""

# Detections over the window: per day `per_day` rows (60% on weekends), 60% in office hours.
DETECTIONS_SQL = """
INSERT INTO monitoring.detections BY NAME
WITH ids AS (
    SELECT t.d, CAST(t.d AS BIGINT) * 100000000 + s.j AS g
    FROM int_range(0, $days) AS t,
         range(CAST($per_day * CASE WHEN dayofweek($day - t.d) IN (0, 6) THEN 0.6 ELSE 1.0 END
                    AS BIGINT)) AS s(j)
),
rows AS (
    SELECT
        d,
        g,
        CAST($day - d AS TIMESTAMP)
        + to_milliseconds(CAST(
            CASE WHEN u(g, 'office?') < 600 THEN 7 * 3600000 + h(g, 'time') % (12 * 3600000)
                 ELSE h(g, 'time') % (24 * 3600000) END AS BIGINT)) AS event_time
    FROM ids
),
drawn AS (
    SELECT
        r.*,
        pk($weighted_rules, r.g, 'rule') AS rule_idx,
        CASE WHEN u(r.g, 'asset?') < 930 THEN heavy(r.g, 'asset', $n) END AS asset_i,
        CASE WHEN u(r.g, 'actor') < 750 THEN 'key' WHEN u(r.g, 'actor') < 900 THEN 'user'
             WHEN u(r.g, 'actor') < 980 THEN 'session' ELSE 'none' END AS actor_kind,
        heavy(r.g, 'actor', $actors) AS actor_n
    FROM rows AS r
)
SELECT
    CAST(r.event_time AS DATE) AS event_date,
    printf('det-%014d', r.g) AS detection_id,
    x.rule_id,
    x.title AS rule_title,
    x.family,
    x.severity,
    x.logic_kind,
    'ev-' || r.g AS event_id,
    r.event_time,
    pk(['litellm', 'bedrock', 'apim', 'otel'], r.g, 'source') AS source,
    CASE WHEN r.asset_i IS NOT NULL THEN printf('bench-%08d', r.asset_i) END AS asset_id,
    CASE WHEN r.asset_i IS NOT NULL
             THEN pk(['agent_id', 'agent_name', 'endpoint', 'model'], r.g, 'match')
         WHEN u(r.g, 'match') < 600 THEN 'ambiguous' END AS asset_match,
    'prompt_text' AS target_field,
    'matched ' || x.title || ' in event ' || r.g AS evidence,
    x.owasp,
    x.atlas,
    CASE WHEN r.actor_kind = 'key' THEN printf('kh_%010d', r.actor_n) END AS api_key_hash,
    CASE WHEN r.actor_kind = 'user' THEN printf('user-%06d', r.actor_n) END AS user_id,
    CASE WHEN r.actor_kind <> 'none'
         THEN printf('sess-%08d', 1 + CAST(h(r.g, 'session') % ($actors * 5) AS BIGINT))
    END AS session_id,
    r.event_time + INTERVAL 2 MINUTE AS detected_at,
    'bench' AS run_id,
    CASE WHEN x.logic_kind = 'classifier' THEN 0.5 + u(r.g, 'score') / 2000.0 END AS score
FROM drawn AS r
JOIN bench_rules AS x ON x.idx = r.rule_idx
"""

# Incidents opened over the window; each lifecycle step is reached when its time has passed
# (at the run's clock), unless the incident is stuck before it.
INCIDENTS_SQL = """
CREATE OR REPLACE TEMP TABLE bench_incidents AS
WITH ids AS (
    SELECT t.d, CAST(t.d AS BIGINT) * 1000000 + s.j AS k
    FROM int_range(0, $days) AS t,
         range(CAST($per_day * (0.7 + 0.6 * f01(t.d, 'incident day')) AS BIGINT)) AS s(j)
),
base AS (
    SELECT
        k,
        CAST($day - d AS TIMESTAMP) + to_milliseconds(CAST(h(k, 'opened') % 86400000 AS BIGINT))
            AS opened_at
    FROM ids
),
drawn AS (
    SELECT
        b.*,
        p.category,
        p.severity_default,
        p.rule_ids,
        heavy(b.k, 'incident asset', $n) AS asset_i,
        pk(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', NULL], b.k, 'level') AS asset_risk_level,
        -- minutes: log-uniform MTTD 2 min .. 8 h; the later steps
        exp(ln(2) + f01(b.k, 'mttd') * (ln(480) - ln(2))) AS mttd_min,
        5 + h(b.k, 'triage') % 115 AS m1,
        30 + h(b.k, 'contain') % 690 AS m2,
        120 + h(b.k, 'eradicate') % 2760 AS m3,
        60 + h(b.k, 'recover') % 4260 AS m4,
        240 + h(b.k, 'close') % 6960 AS m5,
        pk([1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6], b.k, 'stuck') AS reach,
        u(b.k, 'personal') < 250 AS personal_data,
        u(b.k, 'art73') < 60 AS eu_ai_act_high_risk
    FROM base AS b
    JOIN bench_playbooks AS p ON p.idx = pk($weighted_playbooks, b.k, 'category')
),
clocked AS (
    SELECT
        *,
        opened_at + to_minutes(CAST(m1 AS BIGINT)) AS t1,
        opened_at + to_minutes(CAST(m1 + m2 AS BIGINT)) AS t2,
        opened_at + to_minutes(CAST(m1 + m2 + m3 AS BIGINT)) AS t3,
        opened_at + to_minutes(CAST(m1 + m2 + m3 + m4 AS BIGINT)) AS t4,
        opened_at + to_minutes(CAST(m1 + m2 + m3 + m4 + m5 AS BIGINT)) AS t5
    FROM drawn
)
SELECT
    'INC-' || left(sha256('bench-incident:' || k), 16) AS incident_id,
    category,
    CASE WHEN asset_risk_level IN ('HIGH', 'CRITICAL')
         THEN 'sev' || greatest(1, CAST(right(severity_default, 1) AS INTEGER) - 1)
         WHEN asset_risk_level = 'LOW'
         THEN 'sev' || least(4, CAST(right(severity_default, 1) AS INTEGER) + 1)
         ELSE severity_default END AS severity,
    'Benchmark ' || replace(category, '_', ' ') || ' on bench-' || printf('%08d', asset_i)
        AS title,
    'detections' AS origin,
    printf('bench-%08d', asset_i) AS asset_id,
    printf('bench-%08d', asset_i) AS asset_ref,
    'api_key_hash=' || printf('kh_%010d', heavy(k, 'incident actor', $actors)) AS actor,
    [printf('bench-%08d', asset_i)] AS affected_assets,
    CAST([] AS VARCHAR[]) AS blast_radius,
    opened_at - to_microseconds(CAST(mttd_min * 60000000 AS BIGINT)) AS first_evidence_at,
    opened_at - INTERVAL 1 MINUTE AS last_evidence_at,
    opened_at,
    1 + CAST(h(k, 'evidence') % 40 AS BIGINT) AS evidence_count,
    [pk(rule_ids, k, 'rule')] AS rule_ids,
    pk(['high', 'high', 'critical'], k, 'detection severity') AS detection_severity,
    asset_risk_level,
    CASE WHEN reach >= 6 AND t5 <= $now THEN 'closed'
         WHEN reach >= 5 AND t4 <= $now THEN 'recovered'
         WHEN reach >= 4 AND t3 <= $now THEN 'eradicated'
         WHEN reach >= 3 AND t2 <= $now THEN 'contained'
         WHEN reach >= 2 AND t1 <= $now THEN 'triaged'
         ELSE 'open' END AS state,
    personal_data,
    eu_ai_act_high_risk,
    CASE WHEN eu_ai_act_high_risk THEN opened_at + INTERVAL 15 DAY END AS art73_due_at,
    CASE WHEN personal_data THEN opened_at + INTERVAL 72 HOUR END AS gdpr33_due_at,
    CASE WHEN reach >= 2 AND t1 <= $now THEN t1 END AS triaged_at,
    CASE WHEN reach >= 3 AND t2 <= $now THEN t2 END AS contained_at,
    CASE WHEN reach >= 4 AND t3 <= $now THEN t3 END AS eradicated_at,
    CASE WHEN reach >= 5 AND t4 <= $now THEN t4 END AS recovered_at,
    CASE WHEN reach >= 6 AND t5 <= $now THEN t5 END AS closed_at,
    CASE WHEN eu_ai_act_high_risk AND u(k, 'art73 filed') < 800
              AND opened_at + INTERVAL 10 DAY <= $now
         THEN opened_at + INTERVAL 10 DAY END AS art73_reported_at,
    CASE WHEN personal_data AND u(k, 'gdpr33 filed') < 850
              AND opened_at + INTERVAL 48 HOUR <= $now
         THEN opened_at + INTERVAL 48 HOUR END AS gdpr33_reported_at
FROM clocked;

INSERT INTO operations.incidents BY NAME SELECT * FROM bench_incidents;

INSERT INTO operations.incident_tasks BY NAME
SELECT
    i.incident_id,
    s.step_number,
    s.phase,
    s.action,
    s.responsible_role,
    s.automated,
    s.automation,
    i.opened_at + to_minutes(CAST(s.due_minutes AS BIGINT)) AS due_at,
    s.escalation_trigger
FROM bench_incidents AS i
JOIN (
    SELECT *, sum(timeout_minutes) OVER (PARTITION BY category ORDER BY step_number)
        AS due_minutes
    FROM operations.playbook_steps
) AS s USING (category);
"""

RED_TEAM_SQL = """
INSERT INTO operations.red_team_engagements BY NAME
SELECT
    $day - t.d AS assessed_date,
    printf('ENG-%02d', e) AS engagement_id,
    pk(['garak', 'promptfoo'], e, 'tool') AS tool,
    printf('bench-%08d', 1 + CAST(h(e, 'eng asset') % $n AS BIGINT)) AS asset_id,
    printf('bench-%08d', 1 + CAST(h(e, 'eng asset') % $n AS BIGINT)) AS asset_ref,
    printf('reports/eng-%02d.jsonl', e) AS report_file,
    printf('run-%02d', e) AS report_run_id,
    TIMESTAMP '2025-12-01 09:00:00' + to_days(CAST(e * 8 AS INTEGER)) AS first_started_at,
    TIMESTAMP '2025-12-01 09:00:00' + to_days(CAST(e * 8 AS INTEGER)) AS started_at,
    '0.10.0' AS tool_version,
    'anthropic.claude-3-5-sonnet' AS target_model,
    1 AS reports,
    40 + CAST(h(e, 'probes') % 60 AS INTEGER) AS probes,
    CAST(h(e, 'failing') % 12 AS INTEGER) AS failing_probes,
    CAST(h(e, 'open') % 30 AS INTEGER) AS open_findings,
    CAST(h(e, 'remediated') % 80 AS INTEGER) AS remediated_findings
FROM int_range(0, $days) AS t, range(1, 7) AS r(e)
WHERE DATE '2025-12-01' + CAST(e * 8 AS INTEGER) <= $day - t.d;

INSERT INTO operations.red_team_findings BY NAME
SELECT
    printf('RTF-%06d', f) AS finding_id,
    $day - t.d AS assessed_date,
    pk(['garak', 'promptfoo'], f, 'tool') AS tool,
    printf('ENG-%02d', 1 + CAST(h(f, 'eng') % 6 AS INTEGER)) AS engagement_id,
    printf('bench-%08d', 1 + CAST(h(f, 'asset') % $n AS BIGINT)) AS asset_id,
    printf('bench-%08d', 1 + CAST(h(f, 'asset') % $n AS BIGINT)) AS asset_ref,
    pk(['promptinject.HijackHateHumans', 'dan.Dan_11_0', 'encoding.InjectBase64',
        'leakreplay.LiteratureCloze', 'xss.MarkdownImageExfil'], f, 'probe') AS probe,
    pk(['mitigation.MitigationBypass', 'dan.DAN', 'encoding.DecodeMatch'], f, 'detector')
        AS detector,
    pk(['prompt_injection', 'jailbreak', 'data_leakage'], f, 'hint') AS category_hint,
    100 AS attempts,
    1 + CAST(h(f, 'failures') % 40 AS BIGINT) AS failures,
    0.6 + u(f, 'pass') / 2500.0 AS pass_rate,
    CASE WHEN u(f, 'remediated') < 450 + 300 * f01(f, 'by') - 8 * t.d
         THEN 'remediated' ELSE 'open' END AS status,
    $day - 40 AS first_failed_on,
    $day - 20 AS last_failed_on,
    $day - t.d AS last_report_on,
    CASE WHEN u(f, 'remediated') < 450 + 300 * f01(f, 'by') - 8 * t.d THEN $day - t.d END
        AS remediated_on,
    'reports/findings.jsonl' AS report_file,
    'bench' AS run_id,
    'benchmark finding' AS excerpt
FROM int_range(0, $days) AS t, range($findings) AS r(f);
"""

GOVERNANCE_SQL = """
INSERT INTO governance.policies BY NAME
SELECT
    printf('POL-%02d', p) AS policy_id,
    'Benchmark policy ' || p AS title,
    '1.' || (p % 3) AS version,
    left(sha256('policy ' || p), 16) AS content_hash,
    'owner' || p || '@example.com' AS owner,
    'ciso@example.com' AS approver,
    DATE '2025-06-01' + CAST(p * 7 AS INTEGER) AS approved_on,
    DATE '2025-12-20' + CAST(p * 4 AS INTEGER) AS review_due,
    CASE WHEN p IN (13, 14) THEN 'draft' WHEN p = 12 THEN 'retired' ELSE 'approved' END
        AS status,
    'policies/pol-' || p || '.md' AS rendered_path,
    DATE '2025-12-20' + CAST(p * 4 AS INTEGER) < $day AS review_overdue,
    $day AS assessed_date
FROM range(1, 15) AS r(p);

INSERT INTO governance.risk_appetite
SELECT e, c,
       CASE WHEN e IN ('production', 'unknown') AND c IN ('restricted', 'regulated', 'unknown')
                THEN 50
            WHEN e IN ('production', 'unknown') THEN 65
            WHEN c IN ('restricted', 'regulated', 'unknown') THEN 70
            ELSE 85 END,
       'rules[' || (length(e) % 3) || ']'
FROM unnest(['development', 'staging', 'production', 'research', 'unknown']) AS a(e),
     unnest(['public', 'internal', 'confidential', 'restricted', 'regulated', 'unknown'])
         AS b(c);

INSERT INTO discovery.source_status BY NAME
SELECT
    s AS source,
    CASE WHEN s = 'huggingface' THEN 'failed' WHEN s = 'azure_openai' THEN 'partial'
         ELSE 'ok' END AS status,
    s IN ('huggingface', 'azure_openai') AS stale,
    $now - INTERVAL 1 HOUR AS last_attempt_at,
    CASE WHEN s = 'huggingface' THEN $now - INTERVAL 3 DAY
         ELSE $now - INTERVAL 1 HOUR END AS last_success_at,
    CASE WHEN s = 'huggingface' THEN 'HTTP 503 from the Hub' END AS last_error,
    CAST($n // 5 AS INTEGER) AS record_count,
    3 AS rejected_count,
    'bench' AS run_id
FROM unnest(['aws_bedrock', 'aws_sagemaker', 'azure_openai', 'huggingface', 'declared_registry'])
    AS t(s);

INSERT INTO discovery.rejected_records BY NAME
SELECT
    pk(['aws_bedrock', 'azure_openai', 'declared_registry'], k, 'rej source') AS source,
    'record[' || k || ']' AS location,
    pk(['deployment_env', 'data_classification', 'owner_team'], k, 'rej field') AS field,
    'not a known value' AS reason,
    'value ' || k AS excerpt,
    'bench' AS run_id,
    $now - INTERVAL 2 HOUR AS rejected_at
FROM range($rejected) AS t(k);
"""

# Two inventory snapshots (inventory.ai_assets_history, as the inventory run appends them):
# the day before's without the newest 0.1% of the assets (new on the day) and with three in
# ten of today's missing assets still active (vanished on the day), and the day's.
SNAPSHOTS_SQL = """
INSERT INTO inventory.ai_assets_history BY NAME
SELECT
    CAST($day - 1 AS TIMESTAMP) + INTERVAL 23 HOUR AS snapshot_at,
    'bench-inventory-before' AS run_id,
    * REPLACE (CASE WHEN status = 'missing' AND u(hash(asset_id), 'vanished') < 300
                    THEN 'active' ELSE status END AS status)
FROM inventory.ai_assets
WHERE CAST(substr(asset_id, 7) AS BIGINT) <= $n - $n // 1000;

INSERT INTO inventory.ai_assets_history BY NAME
SELECT CAST($day AS TIMESTAMP) + INTERVAL 23 HOUR AS snapshot_at, 'bench-inventory' AS run_id, *
FROM inventory.ai_assets
"""

# The day before's acceptances (the day's, a few changed), so both days have governance rows.
ACCEPTANCES_DAY_BEFORE_SQL = """
INSERT INTO governance.risk_acceptances BY NAME
SELECT * REPLACE ($day - 1 AS assessed_date,
                  CASE WHEN u(hash(acceptance_id), 'acc before') < 30 THEN 'pending'
                       ELSE status END AS status)
FROM governance.risk_acceptances
WHERE assessed_date = $day
"""


def _execute(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    """Run the statements (separated by a blank line after their `;`), each with the named
    parameters it uses (DuckDB refuses unused ones, and binds only one statement per call)."""
    for statement in re.split(r";[ \t]*\n[ \t]*\n", sql):
        if statement.strip():
            used = set(re.findall(r"\$([a-z_0-9]+)", statement))
            conn.execute(statement, {k: v for k, v in params.items() if k in used})


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    row = conn.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def kpi_variables(day: date, run_id: str) -> dict[str, Any]:
    """The variables the program_kpis asset passes (aisec_assets/metrics/assets.py), with the
    default risk config's stale_review_days and governance and red team configured."""
    return {
        "assessed_date": day,
        "now": NOW,
        "stale_review_days": STALE_REVIEW_DAYS,
        "run_id": run_id,
        "governance_configured": True,
        "red_team_configured": True,
    }


def maturity_variables(day: date, run_id: str) -> dict[str, Any]:
    """The variables the maturity_scores asset passes (default MetricsConfig)."""
    from aisec_resources.config.metrics import MetricsConfig

    metrics = MetricsConfig()
    return {
        "assessed_date": day,
        "run_id": run_id,
        "target_level": metrics.target_level,
        **metrics.maturity.variables(),
    }


def _drift(column: str, dtype: str, salt: int) -> str | None:
    """A REPLACE expression drifting one numeric KPI back in time (d days before the day):
    rates a little lower in the past and clamped to 0..1, counts +-8% around a slow trend."""
    if dtype not in ("INTEGER", "BIGINT", "DOUBLE"):
        return None
    wave = f"0.06 * sin(t.d * 0.7 + {salt % 7})"
    if column.endswith("_rate"):
        expr = f"least(1.0, greatest(0.0, {column} * (1 - 0.004 * t.d + {wave} / 3)))"
    elif column in ("total_ai_assets", "active_ai_assets"):
        expr = f"{column} * (1 - 0.001 * t.d)"
    elif column.startswith("mean_time"):
        expr = f"{column} * (1 + 0.01 * t.d + {wave})"
    else:
        expr = f"{column} * (1 + 0.002 * t.d + {wave})"
    if dtype in ("INTEGER", "BIGINT"):
        expr = f"CAST(round({expr}) AS {dtype})"
    else:
        expr = f"round({expr}, 4)"
    return f"{expr} AS {column}"


def _history_rows(conn: duckdb.DuckDBPyConnection, days: int) -> None:
    """29 (days - 1) earlier days of program_kpis, maturity_scores and nist_ai_rmf_scores from
    the day's template rows, then the day's rows deleted (bench_metrics times them)."""
    from aisec_resources.warehouse import table_columns

    types = dict(
        conn.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'metrics' AND table_name = 'program_kpis'"
        ).fetchall()
    )
    replaces = ["$day - t.d AS kpi_date", "$run_id AS run_id"]
    for position, column in enumerate(table_columns("metrics.program_kpis")):
        expr = _drift(column, types[column], position)
        if expr is not None:
            replaces.append(expr)
    params = {"day": DAY, "days": days, "run_id": HISTORY_RUN_ID}
    _execute(
        conn,
        "INSERT INTO metrics.program_kpis BY NAME "
        f"SELECT k.* REPLACE ({', '.join(replaces)}) "
        "FROM metrics.program_kpis AS k, int_range(1, $days) AS t WHERE k.kpi_date = $day",
        params,
    )
    # Each dimension stood one level lower before a day of its own in the window.
    _execute(
        conn,
        """
        INSERT INTO metrics.maturity_scores BY NAME
        SELECT m.* REPLACE (
            $day - t.d AS assessed_date,
            CASE WHEN t.d >= 3 + h(m.dimension, 'maturity move') % ($days - 3)
                 THEN greatest(1, m.level - 1) ELSE m.level END AS level,
            ['Initial', 'Managed', 'Defined', 'Quantitatively Managed', 'Optimizing'][
                CASE WHEN t.d >= 3 + h(m.dimension, 'maturity move') % ($days - 3)
                     THEN greatest(1, m.level - 1) ELSE m.level END] AS level_name,
            round(m.score * (1 - 0.005 * t.d), 2) AS score,
            $run_id AS run_id)
        FROM metrics.maturity_scores AS m, int_range(1, $days) AS t
        WHERE m.assessed_date = $day
        """,
        params,
    )
    _execute(
        conn,
        """
        INSERT INTO metrics.nist_ai_rmf_scores BY NAME
        SELECT n.* REPLACE ($day - t.d AS assessed_date,
                            round(n.score * (1 - 0.003 * t.d), 2) AS score,
                            $run_id AS run_id)
        FROM metrics.nist_ai_rmf_scores AS n, int_range(1, $days) AS t
        WHERE n.assessed_date = $day
        """,
        params,
    )
    for table, column in (
        ("metrics.program_kpis", "kpi_date"),
        ("metrics.maturity_scores", "assessed_date"),
        ("metrics.nist_ai_rmf_scores", "assessed_date"),
    ):
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", [DAY])


def build_warehouse(
    db_path: Path,
    n: int,
    days: int,
    *,
    seed: int,
    detections_per_day: int,
    log: Any = print,
) -> dict[str, Any]:
    """Write the warehouse; returns seconds per step and the row counts of what was written."""
    from aisec_assets.controls.assessment import (
        assess_control_coverage,
        assess_control_evidence,
        write_library_tables,
    )
    from aisec_assets.controls.library import load_library
    from aisec_assets.monitoring.detect import write_rule_table
    from aisec_assets.monitoring.rules.loader import load_rule_pack
    from aisec_assets.operations.playbook_assets import write_playbook_tables
    from aisec_assets.operations.playbook_library import load_playbooks
    from aisec_assets.operations.runbooks import render_runbooks, write_runbooks
    from aisec_assets.risk.scoring import score_assets, write_risk_model_tables
    from aisec_resources.config import RiskModel
    from aisec_resources.warehouse import run_sql
    from benchmarks.bench_controls import MACROS_SQL, generate_inventory
    from benchmarks.bench_controls import STALE_REVIEW_DAYS as CONTROLS_STALE_DAYS

    assert CONTROLS_STALE_DAYS == STALE_REVIEW_DAYS
    if days < 8:
        raise ValueError("days must be at least 8 (a week of gaps and the history)")
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - since, 2)
        log(f"  {name}: {now - since:.1f} s")
        return now

    library = load_library()
    t = time.perf_counter()
    generate_inventory(db_path, n, seed, library)
    t = step("inventory, dependencies, acceptances, attestations (bench_controls)", t)

    pack = load_rule_pack()
    rules = [r for r in pack.rules if r.enabled]
    weights = {"low": 60, "medium": 30, "high": 3, "critical": 1}
    playbooks = load_playbooks()
    categories = list(playbooks.playbooks)
    # Category frequencies: injection, jailbreak and PII much more often than poisoning.
    category_weights = {
        "prompt_injection_exploitation": 6,
        "jailbreak_bypass": 6,
        "pii_leakage_in_output": 4,
        "data_exfiltration_via_model": 3,
        "model_denial_of_service": 3,
        "agent_unauthorized_actions": 2,
        "model_compromise": 1,
        "model_supply_chain_compromise": 1,
        "training_data_poisoning": 1,
    }
    family_rules: dict[str, list[str]] = {}
    for r in rules:
        family_rules.setdefault(r.family, []).append(r.id)
    params: dict[str, Any] = {
        "day": DAY,
        "now": NOW,
        "n": n,
        "days": days,
        "seed": seed,
        "run_id": HISTORY_RUN_ID,
        "gap_days": GAP_DAYS,
        "per_day": detections_per_day,
        "actors": max(200, n // 50),
        "weighted_rules": [
            i for i, r in enumerate(rules, start=1) for _ in range(weights[r.severity])
        ],
        "weighted_playbooks": [
            i for i, c in enumerate(categories, start=1) for _ in range(category_weights.get(c, 1))
        ],
        "findings": max(20, n // 2000),
        "rejected": max(10, n // 1000),
    }

    conn = duckdb.connect(str(db_path))
    try:
        conn.execute("SET enable_progress_bar = false")
        conn.execute("SET VARIABLE bench_seed = ?", [seed])
        conn.execute(MACROS_SQL)
        conn.execute(EXTRA_MACROS_SQL)
        write_library_tables(conn, library)
        write_risk_model_tables(conn, RiskModel())
        runbooks = render_runbooks(playbooks)
        with tempfile.TemporaryDirectory(prefix="bench-metrics-runbooks-") as tmp:
            write_playbook_tables(conn, playbooks, runbooks, write_runbooks(Path(tmp), runbooks))
        write_rule_table(conn, pack, loaded_at=NOW)
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE bench_rules (idx INTEGER, rule_id VARCHAR, "
            "title VARCHAR, family VARCHAR, severity VARCHAR, logic_kind VARCHAR, "
            "owasp VARCHAR[], atlas VARCHAR[])"
        )
        conn.executemany(
            "INSERT INTO bench_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (i, r.id, r.title, r.family, r.severity, r.logic.kind, list(r.owasp), list(r.atlas))
                for i, r in enumerate(rules, start=1)
            ],
        )
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE bench_playbooks (idx INTEGER, category VARCHAR, "
            "severity_default VARCHAR, rule_ids VARCHAR[])"
        )
        conn.executemany(
            "INSERT INTO bench_playbooks VALUES (?, ?, ?, ?)",
            [
                (
                    i,
                    c,
                    playbooks.playbooks[c].severity_default,
                    [
                        rid
                        for fam in playbooks.playbooks[c].triggers.detection_families
                        for rid in family_rules.get(fam, [])
                    ]
                    or ["bench-finding"],
                )
                for i, c in enumerate(categories, start=1)
            ],
        )
        t = step("libraries: controls, risk model, playbooks, rule pack", t)

        score_assets(conn, DAY, RUN_ID, scored_at=NOW - timedelta(hours=1))
        t = step("risk scores of the day (score_assets)", t)
        _execute(conn, RISK_HISTORY_SQL, params)
        t = step(f"risk scores of the {days - 1} days before (synthesised, drifting)", t)

        assess_control_evidence(conn, DAY, RUN_ID, stale_review_days=STALE_REVIEW_DAYS)
        t = step("control evidence of the day (assess_control_evidence)", t)
        _execute(conn, EVIDENCE_DAY_BEFORE_SQL, params)
        _execute(conn, ACCEPTANCES_DAY_BEFORE_SQL, params)
        t = step("control evidence of the day before (synthesised, some statuses flipped)", t)
        _execute(conn, SNAPSHOTS_SQL, params)
        t = step("inventory snapshots, day before and day (synthesised)", t)

        for day in (DAY - timedelta(days=1), DAY):
            assess_control_coverage(conn, day, RUN_ID)
            run_sql(
                conn, "compliance/framework_compliance", {"assessed_date": day, "run_id": RUN_ID}
            )
        t = step("coverage + framework compliance, day and day before (real SQL)", t)
        _execute(conn, FRAMEWORK_HISTORY_SQL, params)

        _execute(conn, DETECTIONS_SQL, params)
        t = step(f"detections over {days} days (synthesised)", t)
        _execute(conn, INCIDENTS_SQL, {**params, "per_day": max(3, n // 2000)})
        _execute(conn, RED_TEAM_SQL, params)
        _execute(conn, GOVERNANCE_SQL, params)
        t = step("incidents + tasks, red team, policies, appetite, sources (synthesised)", t)

        for day in (DAY - timedelta(days=1), DAY):
            run_sql(
                conn,
                "governance/risk_appetite_breaches",
                {"assessed_date": day, "run_id": RUN_ID},
            )
            run_sql(
                conn,
                "compliance/compliance_gaps",
                {
                    "assessed_date": day,
                    "now": datetime.combine(day + timedelta(days=1), NOW.time()),
                    "stale_review_days": STALE_REVIEW_DAYS,
                    "run_id": RUN_ID,
                },
            )
        _execute(conn, GAPS_HISTORY_SQL, params)
        t = step("appetite breaches + compliance gaps, day and day before (real SQL)", t)

        run_sql(conn, "metrics/program_kpis", kpi_variables(DAY, HISTORY_RUN_ID))
        run_sql(conn, "metrics/maturity_scores", maturity_variables(DAY, HISTORY_RUN_ID))
        _history_rows(conn, days)
        t = step(f"KPI / maturity history, {days - 1} days (from the day's real rows)", t)

        conn.execute("CHECKPOINT")
        counts = {
            table: _scalar(conn, f"SELECT count(*) FROM {table}")
            for table in (
                "inventory.ai_assets",
                "inventory.ai_assets_history",
                "inventory.asset_dependencies",
                "risk.risk_scores",
                "controls.control_evidence",
                "controls.control_coverage",
                "compliance.framework_compliance",
                "compliance.compliance_gaps",
                "governance.risk_acceptances",
                "governance.control_attestations",
                "governance.policies",
                "governance.risk_appetite_breaches",
                "monitoring.detections",
                "operations.incidents",
                "operations.incident_tasks",
                "operations.red_team_engagements",
                "operations.red_team_findings",
                "metrics.program_kpis",
                "metrics.maturity_scores",
                "metrics.nist_ai_rmf_scores",
            )
        }
        counts["active assets"] = _scalar(
            conn, "SELECT count(*) FROM inventory.ai_assets WHERE status = 'active'"
        )
        counts["risk scores on the day"] = _scalar(
            conn, "SELECT count(*) FROM risk.risk_scores WHERE assessed_date = ?", [DAY]
        )
        counts["control evidence rows on the day"] = _scalar(
            conn, "SELECT count(*) FROM controls.control_evidence WHERE assessed_date = ?", [DAY]
        )
        counts["catalog controls"] = _scalar(conn, "SELECT count(*) FROM controls.catalog_controls")
        counts["detection days"] = _scalar(
            conn, "SELECT count(DISTINCT event_date) FROM monitoring.detections"
        )
    finally:
        conn.close()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "steps": steps,
        "rows": counts,
        "file_bytes": db_path.stat().st_size,
    }
