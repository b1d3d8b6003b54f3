"""Opening incidents from a day of detections: the SQL vs a per-detection Python loop.

    python -m benchmarks.bench_incidents                 # 1,000,000 detections on the day
    python -m benchmarks.bench_incidents --n 20000       # quick smoke run

Both paths run side by side in one run, on the same generated warehouse, each in its own child
process on its own copy of the warehouse file (so neither sees the other's rows and each one's
peak RSS, getrusage ru_maxrss of that process: interpreter, DuckDB and all, is its own):

The generated day (deterministic for --seed; DuckDB range() + hash(i, seed, salt)): the shipped
rule pack's rules (real ids, titles, families, severities), `--n` detections whose event_time
falls on the day, about a quarter to a third of them in bursts (an API key, or a user, hammering
one asset with one per-event rule, mostly high or critical, a fifth of the hits from a sibling
rule of the family, 0.5 to 20.5 s apart, now and then a pause of 40 to 150 minutes; lengths
log-uniform 20..1000 hits; starting anywhere from 21:00 the evening before to midnight at the
day's end, one in ten (and the first three) between 23:00 and 00:30 around the day's start, so
bursts run into the day from the day before and on past midnight) and the rest scattered (busier
in office hours; mostly medium and low severity rules, about 3% high or critical). Actors and
assets are drawn Zipf-like (six in ten P(k) ~ 1/k, the rest uniform), so a few keys and assets
are very busy and many actors interleave on them; actors are API key hashes (with or without a
user), users, sessions, or nothing; 7% of detections name no inventory asset. Around the day,
besides the bursts' ends: scattered detections the day before (5% as many), in the first two
hours of the day after (1%, outside the window) and eight days before (0.5%, outside the
lookback). The inventory (datasets, knowledge bases, models, agents, endpoints and their
dependency edges), risk scores (some assets with older, future or no scores) and the playbooks
(the real library, `write_playbook_tables`). Setup, not timed: the real `open_incidents` for the
day before, then 1/8 of its incidents closed; so the measured run continues yesterday's
incidents, re-reads yesterday's detections that opened nothing, and starts new incidents where
yesterday's was closed.

(a) SQL, the product's code: `open_incidents(conn, day, ...)` (sql/operations/open_incidents.sql
    with its bookkeeping queries), gap 60 minutes, min severity high, 7 days of lookback.
(b) Python, the straightforward per-detection program (`benchmarks/incidents_reference.py`):
    fetch what the rules read (triggers, playbooks and steps, assets, risk levels, dependency
    edges, open incidents, attached evidence ids, timeline heads), then stream the window's
    detections (ORDER BY event_time, detection_id; sorting is left to DuckDB, which errs on
    the loop's side) and walk them one by one keeping a dict of open groups keyed by
    (category, asset, actor); it builds every row the SQL writes (incidents with severity,
    blast radius and clocks, evidence, tasks, timeline entries with their hash chain, the
    grown incidents' new counts). Its rows have to land in the warehouse too, so it is
    measured twice, each in its own child: loop + one batched write (DataFrames, one
    transaction) and loop + row-by-row writes (one autocommitted INSERT per evidence row; per
    new incident an INSERT, an executemany of its tasks and an INSERT of its timeline entry;
    per grown incident an UPDATE and an INSERT), the row-by-row writes timed on the first
    `--store-sample` evidence rows and a tenth as many new and grown incidents, and scaled to
    the full counts (printed as extrapolated when a sample is smaller than its count). The
    ratios are loop time / SQL time for the three readings (nothing stored, batched store,
    row-by-row store).

Agreement: every row of operations.incidents, incident_evidence, incident_tasks and
incident_timeline after the SQL run is compared with the batched Python copy's (EXCEPT ALL both
ways), and the row-by-row copy's stored sample must be rows the SQL wrote. Any difference
fails the run (exit 1). Results are printed as a table and written to
benchmarks/out/bench_incidents.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from aisec_assets.monitoring.rules.loader import load_rule_pack
from aisec_assets.operations.incidents import open_incidents
from aisec_assets.operations.playbook_assets import write_playbook_tables
from aisec_assets.operations.playbook_library import load_playbooks
from aisec_assets.operations.runbooks import render_runbooks, write_runbooks
from aisec_resources.warehouse import create_schema
from benchmarks.incidents_reference import (
    DETECTION_COLUMNS,
    EVIDENCE_COLUMNS,
    INCIDENT_COLUMNS,
    TASK_COLUMNS,
    TIMELINE_COLUMNS,
    Asset,
    Context,
    OpenIncident,
    Outcome,
    Playbook,
    Settings,
    Step,
    chunks,
    open_incidents_loop,
)

DAY = date(2026, 1, 15)
NOW = datetime(2026, 1, 16, 0, 30)  # the daily run, half an hour after the day ended
PREVIOUS_NOW = datetime(2026, 1, 15, 0, 30)
GAP_MINUTES = 60
MIN_SEVERITY = "high"
TIMEZONE = "UTC"
LOOKBACK_DAYS = 7
RUN_ID = "bench-incidents"
OUT_PATH = Path(__file__).resolve().parent / "out" / "bench_incidents.json"
# The tables the run writes, with the columns of the loop's rows.
TABLES: dict[str, tuple[str, ...]] = {
    "operations.incidents": INCIDENT_COLUMNS,
    "operations.incident_evidence": EVIDENCE_COLUMNS,
    "operations.incident_tasks": TASK_COLUMNS,
    "operations.incident_timeline": TIMELINE_COLUMNS,
}
CHILD_MODES: tuple[str, ...] = ("sql", "loop-batched", "loop-rows")
SETTINGS = Settings(
    day=DAY, now=NOW, gap_minutes=GAP_MINUTES, min_severity=MIN_SEVERITY, timezone=TIMEZONE
)

# Pseudo-random values from hash(i, seed, salt): deterministic for a seed whatever the thread
# count. u() is uniform in 0..999, f01() in [0, 1), pk() picks from a list, heavy() draws 1..n
# Zipf-like (P(k) ~ 1/k) six times in ten and uniformly otherwise, scattering the busy ids.
MACROS_SQL = """
CREATE OR REPLACE TEMP MACRO h(i, salt) AS hash(i, getvariable('bench_seed'), salt);
CREATE OR REPLACE TEMP MACRO u(i, salt) AS CAST(h(i, salt) % 1000 AS INTEGER);
CREATE OR REPLACE TEMP MACRO f01(i, salt) AS CAST(h(i, salt) % 1000000007 AS DOUBLE) / 1000000007;
CREATE OR REPLACE TEMP MACRO pk(choices, i, salt) AS
    choices[1 + CAST(h(i, salt) % len(choices) AS BIGINT)];
CREATE OR REPLACE TEMP MACRO heavy(i, salt, n) AS
    1 + ((CASE WHEN u(i, salt || '?') < 600
               THEN CAST(floor(pow(n + 1, f01(i, salt))) AS BIGINT) - 1
               ELSE CAST(h(i, salt || '=') % n AS BIGINT) END) * 7919) % n;
"""

# Layers by id: datasets, knowledge bases, models, agents, endpoints.
GENERATE_ASSETS_SQL = """
INSERT INTO inventory.ai_assets BY NAME
SELECT
    printf('asset-%05d', i) AS asset_id,
    'bench://asset/' || i AS natural_key,
    'bench ' || asset_type || ' ' || i AS name,
    asset_type,
    pk(['public', 'internal', 'confidential', 'restricted', 'regulated', NULL], i, 'class')
        AS data_classification,
    pk(['production', 'production', 'production', 'staging', 'development', 'research', NULL],
       i, 'env') AS deployment_env,
    CASE WHEN u(i, 'scope?') < 150 THEN NULL
         ELSE list_filter(['gdpr', 'hipaa', 'ccpa', 'eu_ai_act_high_risk',
                           'eu_ai_act_limited_risk', 'pci_dss', 'sox'],
                          lambda s: u(i, 'scope:' || s) < 180) END AS regulatory_scope,
    CASE WHEN u(i, 'invalid') < 30 THEN ['regulatory_scope']
         WHEN u(i, 'invalid') < 50 THEN ['deployment_env'] END AS invalid_fields,
    true AS declared,
    true AS discovered,
    false AS source_stale,
    TIMESTAMP '2025-12-01 00:00:00' AS first_seen,
    TIMESTAMP '2026-01-14 00:00:00' AS last_seen,
    'active' AS status
FROM (
    SELECT
        i,
        CASE WHEN i <= $b1 THEN 'training_dataset'
             WHEN i <= $b2 THEN 'vector_database'
             WHEN i <= $b3 THEN pk(['foundation_model', 'fine_tuned_model'], i, 'model')
             WHEN i <= $b4 THEN 'ai_agent'
             ELSE 'api_endpoint' END AS asset_type
    FROM range(1, $assets + 1) AS t(i)
)
"""

# from_asset_id depends on to_asset_id: models are trained on datasets (some fine-tuned from an
# earlier model), agents use a model and often a knowledge base, endpoints serve an agent.
GENERATE_DEPENDENCIES_SQL = """
INSERT INTO inventory.asset_dependencies
SELECT DISTINCT
    printf('asset-%05d', f), printf('asset-%05d', t), relation, printf('asset-%05d', t), true,
    ['bench']
FROM (
    SELECT i AS f, 1 + CAST(h(i, 'ds1') % $b1 AS BIGINT) AS t, 'trained_on' AS relation
    FROM range($b2 + 1, $b3 + 1) AS r(i)
    UNION ALL
    SELECT i, 1 + CAST(h(i, 'ds2') % $b1 AS BIGINT), 'trained_on'
    FROM range($b2 + 1, $b3 + 1) AS r(i) WHERE u(i, 'ds2?') < 400
    UNION ALL
    SELECT i, $b2 + 1 + CAST(h(i, 'ft') % (i - $b2 - 1) AS BIGINT), 'fine_tuned_from'
    FROM range($b2 + 2, $b3 + 1) AS r(i) WHERE u(i, 'ft?') < 300
    UNION ALL
    SELECT i, $b2 + 1 + CAST(h(i, 'model') % ($b3 - $b2) AS BIGINT), 'uses_model'
    FROM range($b3 + 1, $b4 + 1) AS r(i)
    UNION ALL
    SELECT i, $b1 + 1 + CAST(h(i, 'kb') % ($b2 - $b1) AS BIGINT), 'uses_knowledge_base'
    FROM range($b3 + 1, $b4 + 1) AS r(i) WHERE u(i, 'kb?') < 600
    UNION ALL
    SELECT i, $b3 + 1 + CAST(h(i, 'agent') % ($b4 - $b3) AS BIGINT), 'serves'
    FROM range($b4 + 1, $assets + 1) AS r(i)
)
"""

# 85% of assets scored the day before, a fifth also six days before, some only then or never,
# and 5% already have a score dated the day after (to be ignored).
GENERATE_RISK_SQL = """
INSERT INTO risk.risk_scores (asset_id, assessed_date, data_sensitivity_score,
    deployment_exposure_score, model_provenance_score, regulatory_impact_score,
    capability_risk_score, supply_chain_score, inherent_risk_score, control_effectiveness,
    residual_risk_score, risk_level, risk_reduction_percentage, risk_factors, top_driver,
    recommendations, operational_controls, scored_at, run_id)
SELECT printf('asset-%05d', i), d, 0, 0, 0, 0, 0, 0, 0, 0, 0, level, 0, [], 'bench', [], [],
       CAST(d AS TIMESTAMP), 'bench'
FROM (
    SELECT i, $day - 1 AS d, pk(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], i, 'level') AS level
    FROM range(1, $assets + 1) AS t(i) WHERE u(i, 'scored') < 850
    UNION ALL
    SELECT i, $day - 6, pk(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], i, 'old level')
    FROM range(1, $assets + 1) AS t(i) WHERE u(i, 'old') < 200
    UNION ALL
    SELECT i, $day + 1, pk(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], i, 'new level')
    FROM range(1, $assets + 1) AS t(i) WHERE u(i, 'new') < 50
)
"""

GENERATE_BURSTS_SQL = """
CREATE OR REPLACE TEMP TABLE bench_bursts AS
SELECT
    b,
    CAST(floor(20 * pow(50, f01(b, 'length'))) AS BIGINT) AS length,
    CASE WHEN b <= 3 OR u(b, 'midnight?') < 100
         THEN CAST($day AS TIMESTAMP) - INTERVAL 60 MINUTE
              + to_milliseconds(CAST(h(b, 'start') % (90 * 60 * 1000) AS BIGINT))
         ELSE CAST($day AS TIMESTAMP) - INTERVAL 3 HOUR
              + to_milliseconds(CAST(h(b, 'start') % (27 * 3600 * 1000) AS BIGINT)) END
        AS start_at,
    pk($burst_rules, b, 'rule') AS rule_idx,
    CASE WHEN u(b, 'asset?') < 950 THEN $target_lo - 1 + heavy(b, 'asset', $targets) END
        AS asset_i,
    CASE WHEN u(b, 'actor') < 850 THEN 'key' ELSE 'user' END AS actor_kind,
    CASE WHEN u(b, 'actor') < 850 THEN heavy(b, 'actor', $keys)
         ELSE heavy(b, 'actor', $users) END AS actor_n
FROM range(1, $bursts + 1) AS t(b)
"""

# A hit every 0.5..20.5 s; 4 in 1000 gaps are a pause of 40..150 minutes.
GENERATE_BURST_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE bench_burst_rows AS
SELECT
    b * 1000 + j AS g,
    start_at + to_microseconds(CAST(sum(gap_us) OVER (PARTITION BY b ORDER BY j) AS BIGINT))
        AS event_time,
    CASE WHEN u(b * 1000 + j, 'sibling') < 200
         THEN pk($family_rules[rule_idx], b * 1000 + j, 'sibling rule')
         ELSE rule_idx END AS rule_idx,
    asset_i,
    actor_kind,
    actor_n
FROM (
    SELECT
        s.*,
        j,
        CASE WHEN u(b * 1000 + j, 'pause') < 4
             THEN CAST(h(b * 1000 + j, 'pause length') % (110 * 60) + 40 * 60 AS BIGINT) * 1000000
             ELSE CAST(h(b * 1000 + j, 'gap') % 20000 + 500 AS BIGINT) * 1000 END AS gap_us
    FROM bench_bursts AS s, range(s.length) AS r(j)
)
"""

TRIM_BURST_ROWS_SQL = """
DELETE FROM bench_burst_rows WHERE g IN (
    SELECT g FROM (
        SELECT g, row_number() OVER (ORDER BY g) AS n
        FROM bench_burst_rows WHERE CAST(event_time AS DATE) = $day
    ) WHERE n > $cap
)
"""

# The scattered detections: k < day_rows on the day (60% in office hours), then the day before,
# the first two hours of the day after, and eight days before.
GENERATE_BACKGROUND_SQL = """
CREATE OR REPLACE TEMP TABLE bench_background AS
SELECT
    1000000000000 + k AS g,
    CASE WHEN k < $day_rows THEN CAST($day AS TIMESTAMP)
         WHEN k < $day_rows + $before_rows THEN CAST($day - 1 AS TIMESTAMP)
         WHEN k < $day_rows + $before_rows + $after_rows THEN CAST($day + 1 AS TIMESTAMP)
         ELSE CAST($day - 8 AS TIMESTAMP) END
    + to_milliseconds(CAST(
        CASE WHEN k >= $day_rows + $before_rows
                  AND k < $day_rows + $before_rows + $after_rows
                 THEN h(k, 'time') % (2 * 3600000)
             WHEN u(k, 'office?') < 600 THEN 7 * 3600000 + h(k, 'time') % (12 * 3600000)
             ELSE h(k, 'time') % (24 * 3600000) END AS BIGINT)) AS event_time,
    pk($background_rules, k, 'rule') AS rule_idx,
    CASE WHEN u(k, 'asset?') < 930 THEN $target_lo - 1 + heavy(k, 'asset', $targets) END
        AS asset_i,
    CASE WHEN u(k, 'actor') < 750 THEN 'key' WHEN u(k, 'actor') < 900 THEN 'user'
         WHEN u(k, 'actor') < 980 THEN 'session' ELSE 'none' END AS actor_kind,
    CASE WHEN u(k, 'actor') < 750 THEN heavy(k, 'actor', $keys)
         WHEN u(k, 'actor') < 900 THEN heavy(k, 'actor', $users)
         ELSE 1 + CAST(h(k, 'session') % $sessions AS BIGINT) END AS actor_n
FROM range($rows) AS t(k)
"""

INSERT_DETECTIONS_SQL = """
INSERT INTO monitoring.detections BY NAME
SELECT
    CAST(r.event_time AS DATE) AS event_date,
    left(sha256(CAST($seed AS VARCHAR) || ':' || r.g), 24) AS detection_id,
    x.rule_id,
    x.title AS rule_title,
    x.family,
    x.severity,
    x.logic_kind,
    'ev-' || r.g AS event_id,
    r.event_time,
    pk(['litellm', 'bedrock', 'apim', 'otel'], r.g, 'source') AS source,
    CASE WHEN r.asset_i IS NOT NULL THEN printf('asset-%05d', r.asset_i) END AS asset_id,
    CASE WHEN r.asset_i IS NOT NULL
             THEN pk(['agent_id', 'agent_name', 'endpoint', 'model'], r.g, 'match')
         WHEN u(r.g, 'match') < 600 THEN 'ambiguous'
         WHEN u(r.g, 'match') < 800
             THEN 'model:' || pk(['gpt-4o', 'claude-sonnet', 'llama-3-70b'], r.g, 'model')
    END AS asset_match,
    'prompt_text' AS target_field,
    CAST(NULL AS VARCHAR) AS subject,
    CASE WHEN u(r.g, 'evidence') < 20 THEN NULL
         WHEN u(r.g, 'evidence') < 30
             THEN 'matched ' || repeat('ignore all previous instructions; ', 8) || r.g
         ELSE 'matched ' || x.title || ' in event ' || r.g END AS evidence,
    x.owasp,
    x.atlas,
    CASE WHEN r.actor_kind = 'key' THEN printf('kh_%010d', r.actor_n) END AS api_key_hash,
    CASE WHEN r.actor_kind = 'user' THEN printf('user-%06d', r.actor_n)
         WHEN r.actor_kind = 'key' AND u(r.g, 'key user') < 400
             THEN printf('user-%06d', 1 + CAST(h(r.g, 'key user') % $users AS BIGINT))
    END AS user_id,
    CASE WHEN r.actor_kind = 'session' THEN printf('sess-%08d', r.actor_n)
         WHEN r.actor_kind <> 'none'
             THEN printf('sess-%08d', 1 + CAST(h(r.g, 'session') % $sessions AS BIGINT))
    END AS session_id,
    CAST(NULL AS VARCHAR) AS agent_id,
    r.event_time + INTERVAL 2 MINUTE AS detected_at,
    'bench' AS run_id,
    CASE WHEN x.logic_kind = 'classifier' THEN 0.5 + u(r.g, 'score') / 2000.0 END AS score
FROM (
    SELECT g, event_time, rule_idx, asset_i, actor_kind, actor_n FROM bench_burst_rows
    UNION ALL
    SELECT g, event_time, rule_idx, asset_i, actor_kind, actor_n FROM bench_background
) AS r
JOIN bench_rules AS x ON x.idx = r.rule_idx
"""

DETECTIONS_QUERY = (
    f"SELECT {', '.join(DETECTION_COLUMNS)} FROM monitoring.detections "
    "WHERE event_date BETWEEN ? AND ? ORDER BY event_time, detection_id"
)


def _execute(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    """Run one statement with the named parameters it uses (DuckDB refuses unused ones)."""
    used = set(re.findall(r"\$([a-z_0-9]+)", sql))
    conn.execute(sql, {k: v for k, v in params.items() if k in used})


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    row = conn.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def generate_warehouse(db_path: Path, n: int, seed: int, runbooks_dir: Path) -> dict[str, Any]:
    """Write the inventory, risk scores, playbooks and detections into a fresh warehouse."""
    started = time.perf_counter()
    pack = load_rule_pack()
    rules = [r for r in pack.rules if r.enabled]
    rule_rows = [
        (i, r.id, r.title, r.family, r.severity, r.logic.kind, list(r.owasp), list(r.atlas))
        for i, r in enumerate(rules, start=1)
    ]
    family_rules = [
        [j for j, s in enumerate(rules, start=1) if s.family == r.family] for r in rules
    ]
    # Scattered: the noisy medium and low rules dominate; high and critical are ~3%.
    weights = {"low": 120, "medium": 60, "high": 1, "critical": 1}
    background_rules = [i for i, r in enumerate(rules, start=1) for _ in range(weights[r.severity])]
    # Bursts come from per-event rules, mostly high and critical ones.
    burst_weights = {"low": 0, "medium": 1, "high": 3, "critical": 3}
    burst_rules = [
        i
        for i, r in enumerate(rules, start=1)
        if r.tier == "per_event"
        for _ in range(burst_weights[r.severity])
    ]
    assets = max(100, min(4000, n // 250))
    bounds = {
        "b1": assets // 10,
        "b2": assets // 5,
        "b3": assets * 45 // 100,
        "b4": assets * 85 // 100,
    }
    params: dict[str, Any] = {
        "day": DAY,
        "seed": seed,
        "assets": assets,
        **bounds,
        # Detections name models, agents and endpoints.
        "target_lo": bounds["b2"] + 1,
        "targets": assets - bounds["b2"],
        "keys": max(200, n // 50),
        "users": max(50, n // 200),
        "sessions": max(1000, n // 5),
        # Log-uniform lengths 20..1000 average ~250 hits; ~30% of the day in bursts.
        "bursts": max(4, round(0.3 * n / 250)),
        "burst_rules": burst_rules,
        "family_rules": family_rules,
        "background_rules": background_rules,
    }
    conn = duckdb.connect(str(db_path))
    try:
        create_schema(conn)
        conn.execute("SET VARIABLE bench_seed = ?", [seed])
        conn.execute(MACROS_SQL)
        library = load_playbooks()
        runbooks = render_runbooks(library)
        write_playbook_tables(conn, library, runbooks, write_runbooks(runbooks_dir, runbooks))
        _execute(conn, GENERATE_ASSETS_SQL, params)
        _execute(conn, GENERATE_DEPENDENCIES_SQL, params)
        _execute(conn, GENERATE_RISK_SQL, params)
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE bench_rules (idx INTEGER, rule_id VARCHAR, "
            "title VARCHAR, family VARCHAR, severity VARCHAR, logic_kind VARCHAR, "
            "owasp VARCHAR[], atlas VARCHAR[])"
        )
        conn.executemany("INSERT INTO bench_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rule_rows)
        _execute(conn, GENERATE_BURSTS_SQL, params)
        _execute(conn, GENERATE_BURST_ROWS_SQL, params)
        _execute(conn, TRIM_BURST_ROWS_SQL, {**params, "cap": int(0.45 * n)})
        in_bursts = _scalar(
            conn,
            "SELECT count(*) FROM bench_burst_rows WHERE CAST(event_time AS DATE) = ?",
            [DAY],
        )
        day_rows = n - in_bursts
        before, after, old = n // 20, n // 100, n // 200
        _execute(
            conn,
            GENERATE_BACKGROUND_SQL,
            {
                **params,
                "day_rows": day_rows,
                "before_rows": before,
                "after_rows": after,
                "rows": day_rows + before + after + old,
            },
        )
        _execute(conn, INSERT_DETECTIONS_SQL, params)
        by_day = dict(
            conn.execute(
                "SELECT CAST(event_date - ? AS INTEGER), count(*) FROM monitoring.detections "
                "GROUP BY ALL",
                [DAY],
            ).fetchall()
        )
        severities = dict(
            conn.execute(
                "SELECT severity, count(*) FROM monitoring.detections WHERE event_date = ? "
                "GROUP BY ALL",
                [DAY],
            ).fetchall()
        )
        summary = {
            "assets": assets,
            "dependencies": _scalar(conn, "SELECT count(*) FROM inventory.asset_dependencies"),
            "rules": len(rules),
            "bursts": params["bursts"],
            "keys": params["keys"],
            "users": params["users"],
            "detections_on_day": by_day.get(0, 0),
            "detections_in_bursts_on_day": in_bursts,
            "detections_day_before": by_day.get(-1, 0),
            "detections_day_after": by_day.get(1, 0),
            "detections_outside_lookback": sum(v for k, v in by_day.items() if k < -1),
            "severities_on_day": severities,
            "distinct_actors_on_day": _scalar(
                conn,
                "SELECT count(DISTINCT coalesce('k' || api_key_hash, 'u' || user_id, "
                "'s' || session_id, '-')) FROM monitoring.detections WHERE event_date = ?",
                [DAY],
            ),
        }
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    if summary["detections_on_day"] != n:
        raise RuntimeError(f"generated {summary['detections_on_day']} detections, expected {n}")
    summary["seconds"] = time.perf_counter() - started
    return summary


def run_previous_day(db_path: Path) -> dict[str, Any]:
    """Setup: the day before's run (the real open_incidents), then 1/8 of its incidents
    closed (state and closed_at set directly; the timeline is not read here)."""
    started = time.perf_counter()
    conn = duckdb.connect(str(db_path))
    try:
        result = open_incidents(
            conn,
            DAY - timedelta(days=1),
            now=PREVIOUS_NOW,
            run_id="bench-previous-day",
            gap_minutes=GAP_MINUTES,
            min_severity=MIN_SEVERITY,
            timezone=TIMEZONE,
            lookback_days=LOOKBACK_DAYS,
        )
        conn.execute(
            "UPDATE operations.incidents SET state = 'closed', triaged_at = ?, contained_at = ?, "
            "eradicated_at = ?, recovered_at = ?, closed_at = ? WHERE right(incident_id, 1) IN "
            "('0', '1')",
            [PREVIOUS_NOW + timedelta(hours=1)] * 5,
        )
        closed = _scalar(conn, "SELECT count(*) FROM operations.incidents WHERE state = 'closed'")
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return {
        "opened": result.opened,
        "evidence": result.evidence,
        "closed": closed,
        "seconds": time.perf_counter() - started,
    }


# ---------------------------------------------------------------- children


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def sql_child(db_path: Path) -> dict[str, Any]:
    """Path (a): the product's open_incidents, in its own process."""
    conn = duckdb.connect(str(db_path))
    try:
        started = time.perf_counter()
        result = open_incidents(
            conn,
            DAY,
            now=NOW,
            run_id=RUN_ID,
            gap_minutes=GAP_MINUTES,
            min_severity=MIN_SEVERITY,
            timezone=TIMEZONE,
            lookback_days=LOOKBACK_DAYS,
        )
        seconds = time.perf_counter() - started
        settings = dict(
            conn.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('threads', 'memory_limit')"
            ).fetchall()
        )
    finally:
        conn.close()
    return {
        "seconds": seconds,
        "opened": result.opened,
        "grown": result.grown,
        "evidence": result.evidence,
        "peak_rss_mb": _peak_rss_mb(),
        "settings": settings,
    }


def fetch_context(conn: duckdb.DuckDBPyConnection) -> Context:
    """Everything besides the detections that the rules read, in plain Python structures."""
    family_category = dict(
        conn.execute(
            "SELECT value, category FROM operations.playbook_triggers "
            "WHERE kind = 'detection_family'"
        ).fetchall()
    )
    steps: dict[str, list[Step]] = {}
    for category, *values in conn.execute(
        "SELECT category, step_number, phase, action, responsible_role, automated, automation, "
        "timeout_minutes, escalation_trigger FROM operations.playbook_steps "
        "ORDER BY category, step_number"
    ).fetchall():
        steps.setdefault(category, []).append(Step(*values))
    playbooks = {
        category: Playbook(category, title, severity, personal, tuple(steps.get(category, ())))
        for category, title, severity, personal in conn.execute(
            "SELECT category, title, severity_default, personal_data FROM operations.playbooks"
        ).fetchall()
    }
    assets = {
        asset_id: Asset(name, tuple(scope or ()), tuple(invalid or ()), classification)
        for asset_id, name, scope, invalid, classification in conn.execute(
            "SELECT asset_id, name, regulatory_scope, invalid_fields, data_classification "
            "FROM inventory.ai_assets"
        ).fetchall()
    }
    latest: dict[str, tuple[date, str]] = {}
    for asset_id, assessed, level in conn.execute(
        "SELECT asset_id, assessed_date, risk_level FROM risk.risk_scores"
    ).fetchall():
        if assessed <= DAY and (asset_id not in latest or assessed > latest[asset_id][0]):
            latest[asset_id] = (assessed, level)
    dependents: dict[str, list[str]] = {}
    for source, target in conn.execute(
        "SELECT from_asset_id, to_asset_id FROM inventory.asset_dependencies"
    ).fetchall():
        dependents.setdefault(target, []).append(source)
    open_by_key: dict[tuple[str, str, str], OpenIncident] = {}
    for (
        category,
        asset_ref,
        actor,
        incident_id,
        first_at,
        last_at,
        count,
        rule_ids,
        state,
    ) in conn.execute(
        "SELECT category, asset_ref, actor, incident_id, first_evidence_at, last_evidence_at, "
        "evidence_count, rule_ids, state FROM operations.incidents"
    ).fetchall():
        key = (category, asset_ref, actor)
        known = open_by_key.get(key)
        if state != "closed" and (known is None or last_at > known.last_evidence_at):
            open_by_key[key] = OpenIncident(incident_id, first_at, last_at, count, tuple(rule_ids))
    attached = {
        evidence_id
        for (evidence_id,) in conn.execute(
            "SELECT evidence_id FROM operations.incident_evidence"
        ).fetchall()
    }
    heads: dict[str, tuple[int, str]] = {}
    for incident_id, seq, entry_hash in conn.execute(
        "SELECT incident_id, seq, entry_hash FROM operations.incident_timeline"
    ).fetchall():
        if incident_id not in heads or seq > heads[incident_id][0]:
            heads[incident_id] = (seq, entry_hash)
    return Context(
        family_category=family_category,
        playbooks=playbooks,
        assets=assets,
        risk_levels={asset_id: level for asset_id, (_, level) in latest.items()},
        dependents=dependents,
        open_incidents=open_by_key,
        attached=attached,
        timeline_heads=heads,
    )


def run_loop(conn: duckdb.DuckDBPyConnection) -> Outcome:
    """Path (b) without storing: fetch, then walk the window's detections one by one."""
    ctx = fetch_context(conn)
    cursor = conn.execute(DETECTIONS_QUERY, [DAY - timedelta(days=LOOKBACK_DAYS), DAY])
    return open_incidents_loop(chunks(cursor), ctx, SETTINGS)


def _insert_sql(table: str) -> str:
    """INSERT of one loop row into `table`, naming its columns (any others stay NULL)."""
    columns = TABLES[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def store_batched(conn: duckdb.DuckDBPyConnection, outcome: Outcome) -> float:
    """The loop's rows in one transaction: a DataFrame per table, one INSERT each, one UPDATE of
    the grown incidents. Returns seconds."""
    import pandas as pd

    started = time.perf_counter()
    frames = {
        table: pd.DataFrame(rows, columns=list(columns))
        for (table, columns), rows in zip(
            TABLES.items(),
            (outcome.incidents, outcome.evidence, outcome.tasks, outcome.timeline),
            strict=True,
        )
        if rows
    }
    updates = pd.DataFrame(
        outcome.updates, columns=["incident_id", "last_at", "evidence_count", "rule_ids"]
    )
    conn.execute("BEGIN TRANSACTION")
    for table, frame in frames.items():
        conn.register("loop_rows", frame)
        conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM loop_rows")
        conn.unregister("loop_rows")
    if outcome.updates:
        conn.register("loop_updates", updates)
        conn.execute(
            "UPDATE operations.incidents AS i SET last_evidence_at = u.last_at, "
            "evidence_count = u.evidence_count, rule_ids = u.rule_ids "
            "FROM loop_updates AS u WHERE i.incident_id = u.incident_id"
        )
        conn.unregister("loop_updates")
    conn.execute("COMMIT")
    return time.perf_counter() - started


def store_rows(conn: duckdb.DuckDBPyConnection, outcome: Outcome, sample: int) -> dict[str, Any]:
    """The straightforward program's writes, each autocommitted: one INSERT per evidence row;
    per new incident an INSERT, an executemany of its tasks and an INSERT of its timeline
    entry; per grown incident an UPDATE and an INSERT of its timeline entry. Timed on the
    first `sample` evidence rows and the first `sample` // 10 new and grown incidents (each
    costs a dozen statements); returns seconds per item and the counts."""
    tasks: dict[str, list[tuple[Any, ...]]] = {}
    for row in outcome.tasks:
        tasks.setdefault(row[0], []).append(row)
    entries = {row[0]: row for row in outcome.timeline}
    timeline_insert = _insert_sql("operations.incident_timeline")

    evidence = outcome.evidence[:sample]
    started = time.perf_counter()
    evidence_insert = _insert_sql("operations.incident_evidence")
    for row in evidence:
        conn.execute(evidence_insert, row)
    evidence_seconds = time.perf_counter() - started

    incidents = outcome.incidents[: max(1, sample // 10)]
    incident_insert = _insert_sql("operations.incidents")
    task_insert = _insert_sql("operations.incident_tasks")
    started = time.perf_counter()
    for row in incidents:
        conn.execute(incident_insert, row)
        if tasks.get(row[0]):
            conn.executemany(task_insert, tasks[row[0]])
        conn.execute(timeline_insert, entries[row[0]])
    incident_seconds = time.perf_counter() - started

    updates = outcome.updates[: max(1, sample // 10)]
    started = time.perf_counter()
    for incident_id, last_at, count, rule_ids in updates:
        conn.execute(
            "UPDATE operations.incidents SET last_evidence_at = ?, evidence_count = ?, "
            "rule_ids = ? WHERE incident_id = ?",
            [last_at, count, rule_ids, incident_id],
        )
        conn.execute(timeline_insert, entries[incident_id])
    update_seconds = time.perf_counter() - started

    def per(seconds: float, done: int) -> float:
        return seconds / done if done else 0.0

    return {
        "evidence_stored": len(evidence),
        "incidents_stored": len(incidents),
        "updates_stored": len(updates),
        "seconds_measured": evidence_seconds + incident_seconds + update_seconds,
        "seconds_per_evidence": per(evidence_seconds, len(evidence)),
        "seconds_per_incident": per(incident_seconds, len(incidents)),
        "seconds_per_update": per(update_seconds, len(updates)),
    }


def loop_child(db_path: Path, mode: str, store_sample: int) -> dict[str, Any]:
    """Path (b) in its own process: the loop, then its rows stored batched or row by row."""
    conn = duckdb.connect(str(db_path))
    try:
        started = time.perf_counter()
        outcome = run_loop(conn)
        loop_seconds = time.perf_counter() - started
        result: dict[str, Any] = {
            "mode": mode,
            "loop_seconds": loop_seconds,
            "candidates": outcome.candidates,
            "dropped": outcome.dropped,
            "opened": len(outcome.incidents),
            "grown": len(outcome.updates),
            "evidence": len(outcome.evidence),
            "tasks": len(outcome.tasks),
        }
        if mode == "loop-batched":
            result["store_seconds"] = store_batched(conn, outcome)
        else:
            rows = store_rows(conn, outcome, store_sample)
            result.update(rows)
            result["store_seconds"] = (
                rows["seconds_per_evidence"] * len(outcome.evidence)
                + rows["seconds_per_incident"] * len(outcome.incidents)
                + rows["seconds_per_update"] * len(outcome.updates)
            )
            result["store_extrapolated"] = (
                rows["evidence_stored"] < len(outcome.evidence)
                or rows["incidents_stored"] < len(outcome.incidents)
                or rows["updates_stored"] < len(outcome.updates)
            )
        result["peak_rss_mb"] = _peak_rss_mb()
    finally:
        conn.close()
    return result


def run_child(mode: str, db_path: Path, store_sample: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.bench_incidents", "--child", mode, str(db_path)]
    command += ["--store-sample", str(store_sample)]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    if completed.returncode != 0:
        raise RuntimeError(f"child {mode} failed ({completed.returncode}):\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- agreement


def compare(sql_db: Path, batched_db: Path, rows_db: Path) -> dict[str, Any]:
    """Every row of the four tables, SQL copy vs batched loop copy (EXCEPT ALL both ways); the
    row-by-row copy's evidence, tasks and timeline rows must all be rows the SQL wrote."""
    conn = duckdb.connect()
    try:
        for alias, path in (("s", sql_db), ("p", batched_db), ("r", rows_db)):
            conn.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
        tables: dict[str, dict[str, Any]] = {}
        examples: list[str] = []
        for table in TABLES:
            entry = {
                "sql_rows": _scalar(conn, f"SELECT count(*) FROM s.{table}"),
                "loop_rows": _scalar(conn, f"SELECT count(*) FROM p.{table}"),
                "only_sql": _scalar(
                    conn,
                    f"SELECT count(*) FROM (SELECT * FROM s.{table} EXCEPT ALL "
                    f"SELECT * FROM p.{table})",
                ),
                "only_loop": _scalar(
                    conn,
                    f"SELECT count(*) FROM (SELECT * FROM p.{table} EXCEPT ALL "
                    f"SELECT * FROM s.{table})",
                ),
            }
            if table != "operations.incidents":
                entry["row_by_row_not_in_sql"] = _scalar(
                    conn,
                    f"SELECT count(*) FROM (SELECT * FROM r.{table} EXCEPT "
                    f"SELECT * FROM s.{table})",
                )
            tables[table] = entry
            for side, first, second in (("sql", "s", "p"), ("loop", "p", "s")):
                for row in conn.execute(
                    f"SELECT * FROM (SELECT * FROM {first}.{table} EXCEPT ALL "
                    f"SELECT * FROM {second}.{table}) ORDER BY ALL LIMIT 3"
                ).fetchall():
                    examples.append(f"{table} only in {side}: {str(row)[:400]}")
    finally:
        conn.close()
    agreement = all(
        t["only_sql"] == 0 and t["only_loop"] == 0 and t.get("row_by_row_not_in_sql", 0) == 0
        for t in tables.values()
    )
    return {"tables": tables, "examples": examples, "agreement": agreement}


# ---------------------------------------------------------------- report


def format_table(result: dict[str, Any]) -> str:
    gen = result["generated"]
    prev = result["previous_day"]
    sql = result["sql"]
    batched = result["loop_batched"]
    rows = result["loop_rows"]
    high = sum(v for k, v in gen["severities_on_day"].items() if k in ("high", "critical"))
    extrapolated = "extrapolated" if rows["store_extrapolated"] else "measured in full"
    lines: list[tuple[str, str]] = [
        (
            "detections on the day (in bursts)",
            f"{gen['detections_on_day']:,} ({gen['detections_in_bursts_on_day']:,}, "
            f"{gen['bursts']:,} bursts)",
        ),
        (
            "  severities on the day",
            ", ".join(f"{k} {v:,}" for k, v in sorted(gen["severities_on_day"].items()))
            + f"  (high+critical {high / gen['detections_on_day']:.1%})",
        ),
        (
            "  day before / day after / outside lookback",
            f"{gen['detections_day_before']:,} / {gen['detections_day_after']:,} / "
            f"{gen['detections_outside_lookback']:,}",
        ),
        (
            "  actors on the day / assets / dependency edges",
            f"{gen['distinct_actors_on_day']:,} / {gen['assets']:,} / {gen['dependencies']:,}",
        ),
        (
            "setup: day before opened / closed (not timed)",
            f"{prev['opened']:,} / {prev['closed']:,} incidents",
        ),
        (
            "SQL open_incidents: opened / grown / evidence",
            f"{sql['opened']:,} / {sql['grown']:,} / {sql['evidence']:,}",
        ),
        (
            "loop: candidates / opened / grown / evidence / dropped",
            f"{batched['candidates']:,} / {batched['opened']:,} / {batched['grown']:,} / "
            f"{batched['evidence']:,} / {batched['dropped']:,}",
        ),
        ("SQL seconds", f"{sql['seconds']:.2f}"),
        (
            "Python loop seconds (fetch + per-detection loop)",
            f"{batched['loop_seconds']:.2f}",
        ),
        (
            "  + one batched write (DataFrames, one transaction)",
            f"{batched['store_seconds']:.2f} -> {result['seconds_batched']:.2f}",
        ),
        (
            f"  + row-by-row writes ({extrapolated})",
            f"loop {rows['loop_seconds']:.2f} + store {rows['store_seconds']:.1f} -> "
            f"{result['seconds_row_by_row']:.1f}",
        ),
        (
            "    per evidence row / new incident / grown incident",
            f"{rows['seconds_per_evidence'] * 1e3:.3f} / {rows['seconds_per_incident'] * 1e3:.3f}"
            f" / {rows['seconds_per_update'] * 1e3:.3f} ms  (timed on "
            f"{rows['evidence_stored']:,} / {rows['incidents_stored']:,} / "
            f"{rows['updates_stored']:,}; {rows['seconds_measured']:.1f} s)",
        ),
        ("ratio: loop, nothing stored / SQL", f"{result['ratio_loop_only']:.1f}x"),
        ("ratio: loop + batched write / SQL", f"{result['ratio_batched']:.1f}x"),
        ("ratio: loop + row-by-row writes / SQL", f"{result['ratio_row_by_row']:.1f}x"),
        ("peak RSS: SQL child", f"{sql['peak_rss_mb']:.0f} MB"),
        ("peak RSS: loop + batched write child", f"{batched['peak_rss_mb']:.0f} MB"),
        ("peak RSS: loop + row-by-row child", f"{rows['peak_rss_mb']:.0f} MB"),
    ]
    for table, t in result["comparison"]["tables"].items():
        extra = (
            f"; row-by-row sample rows not in SQL: {t['row_by_row_not_in_sql']}"
            if "row_by_row_not_in_sql" in t
            else ""
        )
        lines.append(
            (
                f"agreement: {table}",
                f"SQL {t['sql_rows']:,} rows, loop {t['loop_rows']:,}; only SQL {t['only_sql']},"
                f" only loop {t['only_loop']}{extra}",
            )
        )
    lines += [
        ("agreement", "PASS" if result["comparison"]["agreement"] else "FAIL"),
        (
            "DuckDB settings (SQL child)",
            ", ".join(f"{k}={v}" for k, v in sql["settings"].items()),
        ),
        (
            "DuckDB / Python / CPUs",
            f"{result['duckdb']} / {result['python']} / {result['cpus']}",
        ),
        (
            "generation / day-before setup seconds (not compared)",
            f"{gen['seconds']:.1f} / {prev['seconds']:.1f}",
        ),
    ]
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="detections on the day")
    parser.add_argument("--seed", type=int, default=20260115)
    parser.add_argument(
        "--store-sample",
        type=int,
        default=20_000,
        help="evidence rows the row-by-row writes are timed on (and a tenth as many new and "
        "grown incidents); then scaled to the full counts",
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        mode, db = args.child
        if mode not in CHILD_MODES:
            parser.error(f"unknown child mode {mode!r}")
        if mode == "sql":
            print(json.dumps(sql_child(Path(db))))
        else:
            print(json.dumps(loop_child(Path(db), mode, args.store_sample)))
        return 0
    if args.n < 1000:
        parser.error("--n must be at least 1000")
    if args.store_sample < 1:
        parser.error("--store-sample must be at least 1")

    with tempfile.TemporaryDirectory(prefix="bench-incidents-") as tmp:
        base = Path(tmp) / "base.duckdb"
        print(f"generating {args.n:,} detections on {DAY} ...", flush=True)
        generated = generate_warehouse(base, args.n, args.seed, Path(tmp) / "runbooks")
        print("setup: the day before's incidents (not timed) ...", flush=True)
        previous = run_previous_day(base)
        copies = {mode: Path(tmp) / f"{mode}.duckdb" for mode in CHILD_MODES}
        for path in copies.values():
            shutil.copyfile(base, path)
        base.unlink()
        children: dict[str, dict[str, Any]] = {}
        for mode in CHILD_MODES:
            print(f"{mode} (child process) ...", flush=True)
            children[mode] = run_child(mode, copies[mode], args.store_sample)
        print("comparing every row ...", flush=True)
        comparison = compare(copies["sql"], copies["loop-batched"], copies["loop-rows"])

    sql, batched, rows = children["sql"], children["loop-batched"], children["loop-rows"]
    seconds_batched = batched["loop_seconds"] + batched["store_seconds"]
    seconds_rows = rows["loop_seconds"] + rows["store_seconds"]
    result: dict[str, Any] = {
        "n": args.n,
        "seed": args.seed,
        "day": DAY,
        "gap_minutes": GAP_MINUTES,
        "min_severity": MIN_SEVERITY,
        "lookback_days": LOOKBACK_DAYS,
        "store_sample": args.store_sample,
        "generated": generated,
        "previous_day": previous,
        "sql": sql,
        "loop_batched": batched,
        "loop_rows": rows,
        "seconds_batched": seconds_batched,
        "seconds_row_by_row": seconds_rows,
        "ratio_loop_only": batched["loop_seconds"] / sql["seconds"],
        "ratio_batched": seconds_batched / sql["seconds"],
        "ratio_row_by_row": seconds_rows / sql["seconds"],
        "comparison": comparison,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "cpus": len(os.sched_getaffinity(0)),
    }
    print()
    print(format_table(result))
    for example in comparison["examples"]:
        print(f"  mismatch: {example}")
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUT_PATH.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {OUT_PATH}")
    if not comparison["agreement"]:
        print("the SQL and the per-detection loop disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
