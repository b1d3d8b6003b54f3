"""Control coverage and framework compliance at scale: the SQL vs a per-asset Python loop.

    python -m benchmarks.bench_controls                   # 1,000,000 assets, 50,000 sampled
    python -m benchmarks.bench_controls --assets 20000 --sample 2000  # quick smoke run
    python -m benchmarks.bench_controls --assets 20000 --sample 20000 # every asset checked

Both paths run side by side in one run, on the same generated inventory (every asset type and
the unknown one, posture JSON per source with the fields evidence_facts.sql reads, operational
controls, uses_guardrail edges to guardrail assets, regulatory scopes, invalid fields, AWS /
Azure / no cloud, owners, and the day's risk acceptances and attestations):

(a) SQL, the product's code, each step in its own child process so that its peak RSS
    (getrusage ru_maxrss of that process: interpreter, DuckDB and all) is its own, as each
    Dagster asset opens its own connection:
      evidence   `write_library_tables` + `write_risk_model_tables` (setup, timed apart), then
                 `assess_control_evidence` (evidence_facts.sql + control_evidence.sql: the
                 evidence facts and the control evidence rows, stored)
      risk       `score_assets`: coverage needs the inherent level; timed and reported apart,
                 not part of the ratio (that is bench_risk's business)
      coverage   `assess_control_coverage` (control_coverage.sql)
      framework  `run_sql("compliance/framework_compliance")`
    The ratio's SQL time is evidence + coverage + framework compliance.
(b) Python, the straightforward per-asset program: fetch `--sample` active assets plus what
    they need (their dependency edges with the targets' rows, their acceptances and
    attestations, their inherent risk level as SQL stored it), then per asset in a plain loop
    (`benchmarks/controls_reference.py`): evidence facts (with their evidence texts) from the
    posture, the asset's control evidence rows (applicability, status, the decisive fact's
    evidence text and source, acceptance), its coverage row and, per framework requirement in
    scope, whether it meets it (tallied into the framework compliance rows). The time includes
    the fetch and is scaled by N / sample. Its rows have to land in the warehouse too, so
    storing them is timed twice: per asset as it goes (one executemany of its control
    evidence rows and one INSERT of its coverage row, timed on `--store-sample` assets, then
    scaled by N) and in one batched DataFrame write of the whole sample; the framework rows
    are written once after the loop. All three readings are printed (assessing only, + the
    batched write, + the per-asset writes); the >= 50x target is judged on the per-asset
    program, which like the SQL leaves every row in the warehouse. The loop does not store
    the evidence facts the SQL stores (controls.evidence_facts), which errs on its side.

The sampled assets' control evidence rows and coverage rows are then compared, every column,
with what the SQL stored; when the sample is every active asset, the framework compliance rows
are compared too. Any mismatch fails the run (exit 1). Results are printed as a table and
written to benchmarks/out/bench_controls.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from aisec_assets.controls.assessment import (
    EVIDENCE_MEMORY_LIMIT_BYTES,
    assess_control_coverage,
    assess_control_evidence,
    write_library_tables,
)
from aisec_assets.controls.library import ControlLibrary, load_library
from aisec_assets.risk.scoring import score_assets, write_risk_model_tables
from aisec_resources.config import RiskModel
from aisec_resources.records import (
    ASSET_TYPES,
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
    UNKNOWN_ASSET_TYPE,
)
from aisec_resources.warehouse import create_schema, run_sql
from benchmarks.controls_reference import (
    EvidenceRow,
    FrameworkTally,
    Rules,
    assess_asset,
    guardrail_policy,
    rules_from_library,
)

ASSESSED_DATE = date(2026, 1, 15)
FIXED_NOW = datetime(2026, 1, 15, 23, 0)
STALE_REVIEW_DAYS = 90
RUN_ID = "bench-controls"
PY_RUN_ID = "python-loop"
TARGET_SPEEDUP = 50.0
TARGET_PEAK_RSS_MB = 2048.0
OUT_PATH = Path(__file__).resolve().parent / "out" / "bench_controls.json"
# Only set when needed to meet the RSS target; reported either way. None = DuckDB's default.
DUCKDB_SETTINGS: dict[str, str] = {}
STAGES = ("evidence", "risk", "coverage", "framework")

INVALID_CANDIDATES = [
    "deployment_env",
    "data_classification",
    "network_exposure",
    "regulatory_scope",
    "is_self_hosted",
    "sbom_available",
    "last_security_review",
    "owner_team",
]

# Pseudo-random values from hash(i, seed, salt): deterministic for a seed whatever the thread
# count. u() is uniform in 0..999 (per mille), pk() picks from a list, opt() keeps a value with
# a given probability, obj() builds a JSON object from the entries whose value is not NULL (so
# an absent key is absent, not a JSON null), flag() is an optional JSON boolean.
MACROS_SQL = """
CREATE OR REPLACE TEMP MACRO u(i, salt) AS
    CAST(hash(i, getvariable('bench_seed'), salt) % 1000 AS INTEGER);
CREATE OR REPLACE TEMP MACRO pk(choices, i, salt) AS
    choices[1 + CAST(hash(i, getvariable('bench_seed'), salt) % len(choices) AS BIGINT)];
CREATE OR REPLACE TEMP MACRO opt(i, salt, permille, value) AS
    CASE WHEN u(i, salt) < permille THEN value END;
CREATE OR REPLACE TEMP MACRO kv(k, v) AS {'k': k, 'v': CAST(v AS JSON)};
CREATE OR REPLACE TEMP MACRO obj(entries) AS
    CAST(to_json(map_from_entries(list_filter(entries, lambda e: e.v IS NOT NULL))) AS JSON);
CREATE OR REPLACE TEMP MACRO flag(i, salt, present, true_permille) AS
    opt(i, salt, present, to_json(u(i, salt || '=') < true_permille));
CREATE OR REPLACE TEMP MACRO nulled(inv, field, i, value) AS
    CASE WHEN list_contains(inv, field) AND u(i, field || ' nulled') < 500 THEN NULL
         ELSE value END;
"""

GENERATE_ASSETS_SQL = """
INSERT INTO inventory.ai_assets BY NAME
WITH
draws AS (
    SELECT
        i,
        pk($asset_types, i, 'type') AS asset_type,
        pk(['aws', 'aws', 'aws', 'aws', 'azure', 'azure', 'azure', NULL, NULL, NULL], i, 'cloud')
            AS cloud_provider,
        CASE WHEN u(i, 'invalid?') < 100
             THEN list_filter($invalid_candidates, lambda f: u(i, 'invalid:' || f) < 350)
             ELSE CAST([] AS VARCHAR[]) END AS invalid0
    FROM range(1, $assets + 1) AS t(i)
),
typed AS (
    SELECT
        *,
        list_sort(list_distinct(invalid0 || CASE WHEN asset_type = $unknown_type
                                                 THEN ['asset_type'] ELSE [] END)) AS inv
    FROM draws
),
postures AS (
    SELECT
        *,
        CASE WHEN cloud_provider = 'aws' AND u(i, 'bedrock?') < 700 THEN obj([
            kv('invocation_logging', flag(i, 'b.log', 800, 550)),
            kv('encryption_key', opt(i, 'b.key', 500,
                to_json(pk(['customer_managed', 'aws_owned'], i, 'b.key=')))),
            kv('ingestion_kms_key_arn', opt(i, 'b.kms', 100,
                to_json('arn:aws:kms:eu-west-1:000000000000:key/k' || i))),
            kv('model_units',
               CASE WHEN u(i, 'b.mu') < 30 THEN to_json('n/a')
                    WHEN u(i, 'b.mu') < 250 THEN to_json(pk([0, 1, 2, 4], i, 'b.mu=')) END),
            -- agents
            kv('guardrail_attached',
               CASE WHEN asset_type = 'ai_agent' THEN flag(i, 'b.ga', 850, 650) END),
            kv('guardrail', CASE WHEN asset_type = 'ai_agent' AND u(i, 'b.g') < 700 THEN obj([
                kv('arn', to_json('arn:aws:bedrock:eu-west-1:0:guardrail/g' || (i % 997))),
                kv('version', opt(i, 'b.gv', 900, to_json(pk(['1', '2', 'DRAFT'], i, 'b.gv=')))),
                kv('status', opt(i, 'b.gs', 800,
                    to_json(pk(['READY', 'READY', 'READY', 'FAILED', 'CREATING'], i, 'b.gs='))))
            ]) END),
            kv('code_interpreter_enabled',
               CASE WHEN asset_type = 'ai_agent' THEN flag(i, 'b.ci', 800, 400) END),
            kv('return_control',
               CASE WHEN asset_type = 'ai_agent' THEN flag(i, 'b.rc', 800, 500) END),
            kv('api_schema_present',
               CASE WHEN asset_type = 'ai_agent' THEN flag(i, 'b.as', 800, 600) END),
            -- guardrail configurations
            kv('prompt_attack_filter_strength', CASE WHEN asset_type = 'guardrail_config' THEN
                opt(i, 'b.pa', 850, to_json(pk(['HIGH', 'MEDIUM', 'LOW', 'NONE'], i, 'b.pa=')))
            END),
            kv('pii_entities', CASE WHEN asset_type <> 'guardrail_config' THEN NULL
                                    WHEN u(i, 'b.pii') < 300 THEN to_json(['EMAIL', 'PHONE'])
                                    WHEN u(i, 'b.pii') < 450 THEN to_json(CAST([] AS VARCHAR[]))
                                    WHEN u(i, 'b.pii') < 600 THEN to_json({'EMAIL': 'ANONYMIZE'})
                               END),
            kv('regex_filters', CASE WHEN asset_type = 'guardrail_config' THEN
                opt(i, 'b.rx', 400, to_json(pk([0, 1, 3], i, 'b.rx='))) END),
            kv('content_filters', CASE WHEN asset_type <> 'guardrail_config' THEN NULL
                                       WHEN u(i, 'b.cf') < 550
                                           THEN to_json({'HATE': 'HIGH', 'VIOLENCE': 'MEDIUM'})
                                       WHEN u(i, 'b.cf') < 700 THEN CAST('{}' AS JSON)
                                  END),
            kv('contextual_grounding', CASE WHEN asset_type <> 'guardrail_config' THEN NULL
                                            WHEN u(i, 'b.cg') < 450
                                                THEN to_json({'GROUNDING': 0.7, 'RELEVANCE': 0.5})
                                            WHEN u(i, 'b.cg') < 550 THEN CAST('{}' AS JSON)
                                       END),
            kv('guardrail_status', CASE WHEN asset_type = 'guardrail_config' THEN
                opt(i, 'b.st', 800,
                    to_json(pk(['READY', 'READY', 'READY', 'DRAFT', 'FAILED'], i, 'b.st=')))
            END),
            kv('published',
               CASE WHEN asset_type = 'guardrail_config' THEN flag(i, 'b.pub', 900, 700) END)
        ]) END AS bedrock,
        CASE WHEN cloud_provider = 'aws' AND u(i, 'sagemaker?') < 350 THEN obj([
            kv('endpoint_config_collected', opt(i, 's.ecc', 800, to_json(true))),
            kv('data_capture', opt(i, 's.dc', 700, obj([
                kv('enabled', to_json(u(i, 's.dce') < 500)),
                kv('destination', opt(i, 's.dcd', 600, to_json('s3://capture/' || i)))
            ]))),
            kv('network_isolated', flag(i, 's.ni', 700, 500)),
            kv('secret_like_environment_variables',
               CASE WHEN u(i, 's.sec') < 200 THEN to_json(['OPENAI_API_KEY', 'DB_PASSWORD'])
                    WHEN u(i, 's.sec') < 650 THEN to_json(CAST([] AS VARCHAR[])) END),
            kv('encryption_key', opt(i, 's.key', 400,
                to_json(pk(['customer_managed', 'aws_owned'], i, 's.key='))))
        ]) END AS sagemaker,
        CASE WHEN cloud_provider = 'azure' AND u(i, 'azure?') < 800 THEN obj([
            kv('content_filter_attached', flag(i, 'a.cfa', 800, 700)),
            kv('rai_policy_name', opt(i, 'a.rai', 600,
                to_json(pk(['Microsoft.DefaultV2', 'strict-policy'], i, 'a.rai=')))),
            kv('prompt_shield_jailbreak', opt(i, 'a.ps', 700,
                to_json(pk(['block', 'annotate', 'off'], i, 'a.ps=')))),
            kv('content_filter', opt(i, 'a.cf', 600, obj([
                kv('completion_blocking',
                   CASE WHEN u(i, 'a.cb') < 600 THEN to_json(['hate', 'violence'])
                        ELSE to_json(CAST([] AS VARCHAR[])) END)
            ]))),
            kv('public_network_access', opt(i, 'a.pna', 850,
                to_json(pk(['Enabled', 'Disabled'], i, 'a.pna=')))),
            kv('network_acl_default_action', opt(i, 'a.acl', 600,
                to_json(pk(['Allow', 'Deny'], i, 'a.acl=')))),
            kv('network_exposure_reason', opt(i, 'a.ner', 200, to_json('private endpoint only'))),
            kv('disable_local_auth', flag(i, 'a.dla', 800, 500)),
            kv('customer_managed_key', flag(i, 'a.cmk', 700, 400)),
            kv('encryption_key_source', opt(i, 'a.eks', 600,
                to_json(pk(['Microsoft.KeyVault', 'Microsoft.CognitiveServices'], i, 'a.eks=')))),
            kv('deployment_capacity',
               CASE WHEN u(i, 'a.cap') < 30 THEN to_json('unknown')
                    WHEN u(i, 'a.cap') < 700 THEN to_json(pk([0, 10, 50, 120], i, 'a.cap=')) END)
        ]) END AS azure,
        CASE WHEN asset_type IN ('foundation_model', 'fine_tuned_model', 'embedding_model',
                                 $unknown_type)
                  AND u(i, 'hf?') < 400 THEN obj([
            kv('model_files', CASE WHEN u(i, 'h.mf') < 850
                                   THEN to_json(['model.safetensors', 'pytorch_model.bin'])
                                   ELSE to_json(CAST([] AS VARCHAR[])) END),
            kv('pickle_files', CASE WHEN u(i, 'h.pk') < 350 THEN to_json(['pytorch_model.bin'])
                                    WHEN u(i, 'h.pk') < 600 THEN to_json(CAST([] AS VARCHAR[]))
                               END),
            kv('unsafe_imports', CASE WHEN u(i, 'h.ui') < 120 THEN to_json(['os.system'])
                                      WHEN u(i, 'h.ui') < 500 THEN to_json(CAST([] AS VARCHAR[]))
                                 END)
        ]) END AS hf
    FROM typed
)
SELECT
    printf('bench-%08d', i) AS asset_id,
    'bench://asset/' || i AS natural_key,
    'benchmark asset ' || i AS name,
    asset_type,
    nulled(inv, 'owner_team', i, pk($teams, i, 'owner')) AS owner_team,
    nulled(inv, 'data_classification', i, pk($classifications, i, 'class')) AS data_classification,
    nulled(inv, 'deployment_env', i, pk($envs, i, 'env')) AS deployment_env,
    nulled(inv, 'regulatory_scope', i,
        CASE WHEN u(i, 'scope?') < 125 THEN NULL ELSE list_transform(
            range(CAST(hash(i, $seed, 'nscope') % 4 AS BIGINT)),
            lambda j: pk($scopes, i + j * 1000003, 'scope')
        ) END) AS regulatory_scope,
    pk(['aws_bedrock', 'azure_openai', 'huggingface', 'openai', NULL], i, 'provider')
        AS model_provider,
    nulled(inv, 'is_self_hosted', i, pk([true, false, false, NULL], i, 'self')) AS is_self_hosted,
    nulled(inv, 'last_security_review', i,
        CASE WHEN u(i, 'reviewed') < 250 THEN NULL
             ELSE $assessed - CAST(hash(i, $seed, 'age') % 200 AS INTEGER) END)
        AS last_security_review,
    nulled(inv, 'sbom_available', i, pk([true, false, NULL], i, 'sbom')) AS sbom_available,
    cloud_provider,
    nulled(inv, 'network_exposure', i, pk($exposures, i, 'net')) AS network_exposure,
    CASE WHEN len(inv) > 0 THEN inv WHEN u(i, 'inv null') < 500 THEN NULL
         ELSE CAST([] AS VARCHAR[]) END AS invalid_fields,
    CASE WHEN u(i, 'posture null') < 80 THEN NULL ELSE obj([
        kv('aws_bedrock', bedrock),
        kv('aws_sagemaker', sagemaker),
        kv('azure_openai', azure),
        kv('huggingface', hf)
    ]) END AS posture,
    list_transform(
        range(CAST(hash(i, $seed, 'nctl') % 6 AS BIGINT)),
        lambda j: {
            'type': pk($control_types, i + j * 1000003, 'ctl'),
            'operational': pk([true, true, true, false, NULL], i + j * 1000003, 'op'),
            'evidence': 'benchmark',
            'source': pk(['declared_registry', 'aws_bedrock', 'azure_openai', 'huggingface', NULL],
                         i + j * 1000003, 'src')
        }
    ) AS controls,
    ['benchmark'] AS sources,
    true AS declared,
    true AS discovered,
    false AS source_stale,
    TIMESTAMP '2026-01-01 00:00:00' AS first_seen,
    TIMESTAMP '2026-01-14 00:00:00' AS last_seen,
    CASE WHEN u(i, 'status') < 10 THEN 'missing' ELSE 'active' END AS status
FROM postures
"""

# Agents and endpoints use one or two guardrails: mostly guardrail assets (uses_guardrail), some
# guardrails nobody inventoried, a few edges of another relation to a guardrail asset.
GENERATE_DEPENDENCIES_SQL = """
CREATE OR REPLACE TEMP TABLE bench_guardrails AS
SELECT row_number() OVER (ORDER BY asset_id) AS n, asset_id
FROM inventory.ai_assets WHERE asset_type = 'guardrail_config';

INSERT INTO inventory.asset_dependencies
SELECT DISTINCT
    e.from_asset_id,
    coalesce(g.asset_id, 'bench-unlisted-guardrail-' || e.k) AS to_asset_id,
    e.relation,
    coalesce(g.asset_id, 'arn:aws:bedrock:eu-west-1:000000000000:guardrail/u' || e.k),
    g.asset_id IS NOT NULL,
    ['benchmark']
FROM (
    SELECT
        a.asset_id AS from_asset_id,
        a.i * 2 + j AS k,
        CASE WHEN u(a.i * 2 + j, 'dep unlisted') < 30 THEN NULL
             ELSE 1 + CAST(hash(a.i * 2 + j, getvariable('bench_seed'), 'dep to')
                           % greatest((SELECT count(*) FROM bench_guardrails), 1) AS BIGINT)
        END AS n,
        CASE WHEN u(a.i * 2 + j, 'dep relation') < 50 THEN 'uses_model' ELSE 'uses_guardrail' END
            AS relation
    FROM (
        SELECT asset_id, CAST(substr(asset_id, 7) AS BIGINT) AS i
        FROM inventory.ai_assets
        WHERE asset_type IN ('ai_agent', 'api_endpoint')
    ) AS a,
    range(CASE WHEN u(a.i, 'deps?') < 400 THEN 0 WHEN u(a.i, 'deps?') < 850 THEN 1 ELSE 2 END)
        AS t(j)
) AS e
LEFT JOIN bench_guardrails AS g USING (n);
"""

GENERATE_ACCEPTANCES_SQL = """
INSERT INTO governance.risk_acceptances
SELECT
    printf('ACC-%06d', k),
    printf('bench-%08d', a),
    CASE WHEN st = 'rejected' AND u(k, 'acc unresolved') < 500 THEN NULL
         ELSE printf('bench-%08d', a) END,
    ctl,
    CASE WHEN ctl IS NULL THEN 'no_security_review' END,
    'owner@example.com',
    'benchmark acceptance',
    'ciso@example.com',
    'security',
    $assessed - 30,
    $assessed + 30,
    st,
    CASE WHEN st <> 'active' THEN 'benchmark' END,
    CASE WHEN u(k, 'acc day') < 900 THEN $assessed ELSE $assessed - 1 END,
    'bench'
FROM (
    SELECT
        k,
        1 + CAST(hash(k, $seed, 'acc asset') % $assets AS BIGINT) AS a,
        pk($acceptance_controls, k, 'acc control') AS ctl,
        pk(['active', 'active', 'active', 'expired', 'pending', 'rejected'], k, 'acc status') AS st
    FROM range($acceptances) AS t(k)
)
"""

GENERATE_ATTESTATIONS_SQL = """
INSERT INTO governance.control_attestations
SELECT
    pk($attestation_controls, k, 'att control'),
    printf('bench-%08d', 1 + CAST(hash(k, $seed, 'att asset') % $assets AS BIGINT)),
    'red-team report RT-' || k,
    'lead@example.com',
    $assessed - 10,
    $assessed + 80,
    CASE WHEN u(k, 'att day') < 900 THEN $assessed ELSE $assessed - 1 END,
    'asset:bench',
    'attestations[' || k || ']',
    'bench'
FROM range($attestations) AS t(k)
"""


def generate_inventory(
    db_path: Path, assets: int, seed: int, library: ControlLibrary
) -> dict[str, Any]:
    """Write the inventory, its dependencies and the day's governance rows into a fresh
    warehouse; returns seconds taken and what was written."""
    started = time.perf_counter()
    control_ids = [c.id for c in library.catalog.controls]
    attested = [c.id for c in library.catalog.controls if "attested" in c.evidence.facts]
    acceptances = max(200, assets // 300)
    attestations = max(200, assets // 200)
    conn = duckdb.connect(str(db_path))
    try:
        create_schema(conn)
        conn.execute("SET VARIABLE bench_seed = ?", [seed])
        conn.execute(MACROS_SQL)
        conn.execute(
            GENERATE_ASSETS_SQL,
            {
                "assets": assets,
                "seed": seed,
                "assessed": ASSESSED_DATE,
                "asset_types": [*ASSET_TYPES, UNKNOWN_ASSET_TYPE],
                "unknown_type": UNKNOWN_ASSET_TYPE,
                "invalid_candidates": INVALID_CANDIDATES,
                "teams": ["claims", "payments", "ml-platform", "search", "fraud", "", "  ", None],
                "classifications": [*DATA_CLASSIFICATIONS, None],
                "envs": [*DEPLOYMENT_ENVS, None],
                "exposures": [*NETWORK_EXPOSURES, None],
                "scopes": list(REGULATORY_SCOPES),
                "control_types": [*CONTROL_TYPES, "unlisted_control"],
            },
        )
        conn.execute(GENERATE_DEPENDENCIES_SQL)
        common = {"assets": assets, "seed": seed, "assessed": ASSESSED_DATE}
        conn.execute(
            GENERATE_ACCEPTANCES_SQL,
            {
                **common,
                "acceptances": acceptances,
                "acceptance_controls": [*control_ids, None, "AISEC-PRE-999"],
            },
        )
        conn.execute(
            GENERATE_ATTESTATIONS_SQL,
            {
                **common,
                "attestations": attestations,
                # Mostly controls shown by attestation; a few that do not accept one.
                "attestation_controls": [*attested, *attested, *control_ids[:3]],
            },
        )
        conn.execute("CHECKPOINT")
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in (
                "inventory.ai_assets",
                "inventory.asset_dependencies",
                "governance.risk_acceptances",
                "governance.control_attestations",
            )
        }
    finally:
        conn.close()
    return {"seconds": time.perf_counter() - started, "rows": counts}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table} WHERE assessed_date = ?", [ASSESSED_DATE])
    return int(row.fetchone()[0])  # type: ignore[index]


def sql_child(db_path: Path, stage: str) -> dict[str, Any]:
    """One step of path (a), run inside its own child process."""
    conn = duckdb.connect(str(db_path))
    result: dict[str, Any] = {"stage": stage}
    try:
        for name, value in DUCKDB_SETTINGS.items():
            conn.execute(f"SET {name} = ?", [value])
        if stage == "evidence":
            started = time.perf_counter()
            result["controls"] = write_library_tables(conn, load_library())
            write_risk_model_tables(conn, RiskModel())
            result["setup_seconds"] = time.perf_counter() - started
            started = time.perf_counter()
            result["rows"] = assess_control_evidence(
                conn, ASSESSED_DATE, RUN_ID, stale_review_days=STALE_REVIEW_DAYS
            )
            result["seconds"] = time.perf_counter() - started
            result["facts"] = _count(conn, "controls.evidence_facts")
        elif stage == "risk":
            started = time.perf_counter()
            result["rows"] = score_assets(conn, ASSESSED_DATE, RUN_ID, scored_at=FIXED_NOW)
            result["seconds"] = time.perf_counter() - started
        elif stage == "coverage":
            started = time.perf_counter()
            result["rows"] = assess_control_coverage(conn, ASSESSED_DATE, RUN_ID)
            result["seconds"] = time.perf_counter() - started
        elif stage == "framework":
            started = time.perf_counter()
            run_sql(
                conn,
                "compliance/framework_compliance",
                {"assessed_date": ASSESSED_DATE, "run_id": RUN_ID},
            )
            result["seconds"] = time.perf_counter() - started
            result["rows"] = _count(conn, "compliance.framework_compliance")
        else:
            raise ValueError(f"unknown stage {stage!r}")
        result["peak_rss_mb"] = _peak_rss_mb()
        result["settings"] = dict(
            conn.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('threads', 'memory_limit')"
            ).fetchall()
        )
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return result


def run_sql_stage(db_path: Path, stage: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.bench_controls", "--sql-child", stage]
    command.append(str(db_path))
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"SQL child {stage} failed ({completed.returncode}):\n{completed.stderr}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_python_path(
    db_path: Path, sample: int, rules: Rules
) -> tuple[float, list[dict[str, Any]], FrameworkTally]:
    """Path (b): fetch `sample` active assets and what they need, assess them one by one.

    Returns the seconds taken (fetch included), the per-asset results (control evidence rows,
    coverage row, framework results) and the framework tally over the sample.
    """
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        started = time.perf_counter()
        cursor = conn.execute(
            "SELECT * FROM inventory.ai_assets WHERE status = 'active' LIMIT ?", [sample]
        )
        columns = [d[0] for d in cursor.description]
        assets = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        ids = [a["asset_id"] for a in assets]
        edges = conn.execute(
            "SELECT d.from_asset_id, d.relation, g.asset_type, g.status, g.name, g.posture "
            "FROM inventory.asset_dependencies AS d "
            "LEFT JOIN inventory.ai_assets AS g ON g.asset_id = d.to_asset_id "
            "WHERE d.from_asset_id IN (SELECT unnest(?))",
            [ids],
        ).fetchall()
        acceptances = conn.execute(
            "SELECT asset_id, control_id, acceptance_id, status, assessed_date "
            "FROM governance.risk_acceptances WHERE asset_id IN (SELECT unnest(?))",
            [ids],
        ).fetchall()
        attestations = conn.execute(
            "SELECT asset_id, control_id, evidence, attested_by, attested_on, assessed_date "
            "FROM governance.control_attestations WHERE asset_id IN (SELECT unnest(?))",
            [ids],
        ).fetchall()
        levels = dict(
            conn.execute(
                "SELECT asset_id, inherent_risk_level FROM risk.risk_scores "
                "WHERE assessed_date = ? AND asset_id IN (SELECT unnest(?))",
                [ASSESSED_DATE, ids],
            ).fetchall()
        )

        guardrails: dict[str, list[dict[str, Any]]] = {}
        for from_id, relation, target_type, target_status, name, target_posture in edges:
            if relation != "uses_guardrail" or target_status != "active":
                continue
            target = {
                "asset_type": target_type,
                "name": name,
                "posture": json.loads(target_posture) if target_posture else None,
            }
            policy = guardrail_policy(target)
            if policy is not None:
                guardrails.setdefault(from_id, []).append(policy)
        accepted: dict[str, dict[str, str]] = {}
        for asset_id, control_id, acceptance_id, status, day in acceptances:
            if status == "active" and control_id is not None and day == ASSESSED_DATE:
                per_asset = accepted.setdefault(asset_id, {})
                if control_id not in per_asset or acceptance_id < per_asset[control_id]:
                    per_asset[control_id] = acceptance_id
        attested: dict[str, dict[str, list[str]]] = {}
        for asset_id, control_id, evidence, by, on, day in attestations:
            if day == ASSESSED_DATE:
                text = f"{evidence} (attested by {by} on {on})"
                attested.setdefault(asset_id, {}).setdefault(control_id, []).append(text)

        results = []
        tally = FrameworkTally(rules)
        for asset in assets:
            asset_id = asset["asset_id"]
            result = assess_asset(
                asset,
                guardrails.get(asset_id, []),
                attested.get(asset_id, {}),
                accepted.get(asset_id, {}),
                levels.get(asset_id),
                rules,
                ASSESSED_DATE,
                STALE_REVIEW_DAYS,
            )
            tally.add(result)
            results.append(result)
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    return seconds, results, tally


EVIDENCE_COLUMNS = (
    "control_type",
    "applicable",
    "status",
    "evidence",
    "evidence_source",
    "acceptance_id",
)
COVERAGE_COLUMNS = (
    "owner_team",
    "inherent_risk_level",
    "required_controls",
    "implemented",
    "partly",
    "accepted",
    "missing",
    "coverage",
    "missing_controls",
)
FRAMEWORK_COLUMNS = (
    "title",
    "status",
    "assets_in_scope",
    "assets_meeting",
    "controls",
    "failing_assets",
    "detail",
)
PY_TABLES = {
    "controls.control_evidence": "python_control_evidence",
    "controls.control_coverage": "python_control_coverage",
    "compliance.framework_compliance": "python_framework_compliance",
}


def _evidence_values(row: EvidenceRow) -> list[Any]:
    return [
        ASSESSED_DATE,
        row.asset_id,
        row.control_id,
        *(getattr(row, c) for c in EVIDENCE_COLUMNS),
        PY_RUN_ID,
    ]


def _coverage_values(result: dict[str, Any]) -> list[Any]:
    return [ASSESSED_DATE, result["asset_id"], *(result[c] for c in COVERAGE_COLUMNS), PY_RUN_ID]


def run_python_store_paths(
    db_path: Path, results: list[dict[str, Any]], tally: FrameworkTally, per_asset_sample: int
) -> dict[str, float]:
    """The loop's results have to land in the warehouse too, as the SQL path's do (into copies
    of the three tables, same columns).

    Returns seconds per stored asset for (1) the straightforward per-asset write: as each
    asset is assessed, one executemany of its control evidence rows and one INSERT of its
    coverage row (DuckDB's autocommit, as a per-object program does), measured on the first
    `per_asset_sample` results, and (2) one batched write of all results through DataFrames;
    plus the seconds to write the framework compliance rows once (after the loop).
    """
    import pandas as pd

    conn = duckdb.connect(str(db_path))
    try:
        for table, copy in PY_TABLES.items():
            conn.execute(
                f"CREATE OR REPLACE TABLE main.{copy} AS SELECT * FROM {table} WITH NO DATA"
            )
        evidence_insert = (
            "INSERT INTO main.python_control_evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        coverage_insert = (
            "INSERT INTO main.python_control_coverage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        stored = results[:per_asset_sample]
        started = time.perf_counter()
        for result in stored:
            conn.executemany(evidence_insert, [_evidence_values(r) for r in result["rows"]])
            conn.execute(coverage_insert, _coverage_values(result))
        per_asset = (time.perf_counter() - started) / len(stored)

        started = time.perf_counter()
        conn.executemany(
            "INSERT INTO main.python_framework_compliance VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    ASSESSED_DATE,
                    r["framework"],
                    r["requirement_id"],
                    *(r[c] for c in FRAMEWORK_COLUMNS),
                    PY_RUN_ID,
                ]
                for r in tally.rows()
            ],
        )
        framework_seconds = time.perf_counter() - started

        conn.execute("DELETE FROM main.python_control_evidence")
        conn.execute("DELETE FROM main.python_control_coverage")
        started = time.perf_counter()
        evidence = pd.DataFrame(
            [_evidence_values(row) for result in results for row in result["rows"]],
            columns=[
                d[0]
                for d in conn.execute(
                    "SELECT * FROM main.python_control_evidence LIMIT 0"
                ).description
            ],
        )
        coverage = pd.DataFrame([_coverage_values(r) for r in results])
        conn.register("python_evidence", evidence)
        conn.register("python_coverage", coverage)
        conn.execute("BEGIN TRANSACTION")
        conn.execute("INSERT INTO main.python_control_evidence SELECT * FROM python_evidence")
        conn.execute("INSERT INTO main.python_control_coverage SELECT * FROM python_coverage")
        conn.execute("COMMIT")
        batched = (time.perf_counter() - started) / len(results)
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM main.python_control_evidence), "
            "(SELECT count(*) FROM main.python_control_coverage)"
        ).fetchone()
        expected = (sum(len(r["rows"]) for r in results), len(results))
        if counts != expected:
            raise RuntimeError(f"batched write stored {counts} rows, expected {expected}")
    finally:
        conn.close()
    return {"per_asset": per_asset, "batched": batched, "framework_seconds": framework_seconds}


def compare_sample(
    db_path: Path, results: list[dict[str, Any]], tally: FrameworkTally, full: bool
) -> dict[str, Any]:
    """Compare the loop's rows with what the SQL stored for the same assets: every column of
    their control evidence and coverage rows; the framework compliance rows when the sample
    is every active asset."""
    ids = [r["asset_id"] for r in results]
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        cursor = conn.execute(
            f"SELECT asset_id, {', '.join(COVERAGE_COLUMNS)} FROM controls.control_coverage "
            "WHERE assessed_date = ? AND asset_id IN (SELECT unnest(?))",
            [ASSESSED_DATE, ids],
        )
        coverage = {
            row[0]: dict(zip(COVERAGE_COLUMNS, row[1:], strict=True)) for row in cursor.fetchall()
        }
        evidence: dict[str, dict[str, tuple[Any, ...]]] = {}
        for asset_id, control_id, *values in conn.execute(
            f"SELECT asset_id, control_id, {', '.join(EVIDENCE_COLUMNS)} "
            "FROM controls.control_evidence "
            "WHERE assessed_date = ? AND asset_id IN (SELECT unnest(?))",
            [ASSESSED_DATE, ids],
        ).fetchall():
            evidence.setdefault(asset_id, {})[control_id] = tuple(values)
        stored_frameworks = {
            (row[0], row[1]): dict(zip(FRAMEWORK_COLUMNS, row[2:], strict=True))
            for row in conn.execute(
                f"SELECT framework, requirement_id, {', '.join(FRAMEWORK_COLUMNS)} "
                "FROM compliance.framework_compliance WHERE assessed_date = ?",
                [ASSESSED_DATE],
            ).fetchall()
        }
    finally:
        conn.close()

    examples: list[str] = []
    coverage_mismatches = 0
    evidence_mismatches = 0
    for ref in results:
        stored = coverage.get(ref["asset_id"])
        fields = (
            [name for name in COVERAGE_COLUMNS if stored[name] != ref[name]]
            if stored is not None
            else ["(no coverage row)"]
        )
        if fields:
            coverage_mismatches += 1
            if len(examples) < 10:
                examples.append(
                    f"{ref['asset_id']} coverage "
                    + "; ".join(
                        f"{f}: sql={stored.get(f) if stored else None!r} python={ref.get(f)!r}"
                        for f in fields
                    )
                )
        sql_rows = evidence.get(ref["asset_id"], {})
        py_rows = {
            row.control_id: tuple(getattr(row, c) for c in EVIDENCE_COLUMNS) for row in ref["rows"]
        }
        if sql_rows != py_rows:
            evidence_mismatches += 1
            if len(examples) < 20:
                diff = sorted(
                    (c, sql_rows.get(c), py_rows.get(c))
                    for c in set(sql_rows) | set(py_rows)
                    if sql_rows.get(c) != py_rows.get(c)
                )
                examples.append(f"{ref['asset_id']} evidence (control, sql, python): {diff[:3]}")
    framework_mismatches = None
    if full:
        framework_mismatches = 0
        python_frameworks = {(r["framework"], r["requirement_id"]): r for r in tally.rows()}
        for key in set(stored_frameworks) | set(python_frameworks):
            sql_row, py_row = stored_frameworks.get(key), python_frameworks.get(key)
            fields = (
                [c for c in FRAMEWORK_COLUMNS if sql_row[c] != py_row[c]]
                if sql_row is not None and py_row is not None
                else ["(row missing)"]
            )
            if fields:
                framework_mismatches += 1
                if len(examples) < 30:
                    examples.append(
                        f"{key} "
                        + "; ".join(
                            f"{f}: sql={(sql_row or {}).get(f)!r} python={(py_row or {}).get(f)!r}"
                            for f in fields
                        )
                    )
    return {
        "coverage_mismatches": coverage_mismatches,
        "evidence_mismatches": evidence_mismatches,
        "framework_mismatches": framework_mismatches,
        "examples": examples,
    }


def format_table(result: dict[str, Any]) -> str:
    sql = result["sql"]
    loop = result["loop"]
    rows = [
        ("active assets assessed (SQL)", f"{result['assets']:,}"),
        (
            "catalog / framework requirements",
            f"{result['catalog_controls']} controls, {sql['requirements']} requirements",
        ),
        (
            "rows: evidence facts / control evidence",
            f"{sql['facts']:,} / {sql['control_evidence_rows']:,}",
        ),
        (
            "SQL seconds: evidence (facts + control evidence)",
            f"{sql['evidence_seconds']:.2f}  (peak RSS {sql['evidence_peak_rss_mb']:.0f} MB)",
        ),
        (
            "SQL seconds: coverage",
            f"{sql['coverage_seconds']:.2f}  (peak RSS {sql['coverage_peak_rss_mb']:.0f} MB)",
        ),
        (
            "SQL seconds: framework compliance",
            f"{sql['framework_seconds']:.2f}  (peak RSS {sql['framework_peak_rss_mb']:.0f} MB)",
        ),
        ("SQL seconds: total (compared)", f"{sql['seconds']:.2f}"),
        (
            f"Python seconds ({result['sample']:,} fetched+assessed, x{result['scale']:.1f})",
            f"{loop['assess_seconds_measured']:.2f} -> {loop['assess_seconds_scaled']:.1f}",
        ),
        (
            f"  + storing per asset ({loop['store_sample']:,} timed; executemany + INSERT)",
            f"{loop['store_seconds_per_asset'] * 1e3:.2f} ms/asset "
            f"-> loop {loop['seconds_assess_and_per_asset_store']:.0f} s",
        ),
        (
            "  + storing the sample's rows in one batch (DataFrames)",
            f"{loop['store_seconds_per_asset_batched'] * 1e3:.3f} ms/asset "
            f"-> loop {loop['seconds_assess_and_batched_store']:.0f} s",
        ),
        ("  framework compliance rows written once", f"{loop['framework_store_seconds']:.3f} s"),
        ("ratio vs loop, assessing only (nothing stored)", f"{result['ratio_assess_only']:.1f}x"),
        ("ratio vs loop, assessing + batched store", f"{result['ratio_batched_store']:.1f}x"),
        (
            "ratio vs per-asset loop storing each asset's rows",
            f"{result['speed_ratio']:.1f}x  target >= {TARGET_SPEEDUP:.0f}x  "
            f"{'PASS' if result['speed_pass'] else 'FAIL'}",
        ),
        (
            "SQL peak RSS (max of the evidence, coverage, framework children)",
            f"{result['sql_peak_rss_mb']:.0f} MB  target < {TARGET_PEAK_RSS_MB:.0f} MB  "
            f"{'PASS' if result['rss_pass'] else 'FAIL'}",
        ),
        (
            "risk scoring (not compared): seconds, peak RSS",
            f"{sql['risk_seconds']:.2f} s, {sql['risk_peak_rss_mb']:.0f} MB",
        ),
        ("library + risk model tables (setup) seconds", f"{sql['setup_seconds']:.2f}"),
        (
            "sample agreement: coverage rows",
            f"{result['sample'] - result['coverage_mismatches']:,} / {result['sample']:,}",
        ),
        (
            "sample agreement: control evidence rows (per asset)",
            f"{result['sample'] - result['evidence_mismatches']:,} / {result['sample']:,}",
        ),
        (
            "framework compliance rows (only when every asset is sampled)",
            "not compared"
            if result["framework_mismatches"] is None
            else f"{result['framework_mismatches']} mismatching requirements",
        ),
        (
            "DuckDB settings (SQL children)",
            ", ".join(f"{k}={v}" for k, v in sql["settings"].items())
            + "; assess_control_evidence lowers memory_limit to "
            + f"{EVIDENCE_MEMORY_LIMIT_BYTES / 1e9:.1f} GB",
        ),
        (
            "DuckDB / Python / CPUs",
            f"{result['duckdb']} / {result['python']} / {result['cpus']}",
        ),
        ("inventory generation seconds (not compared)", f"{result['generate_seconds']:.2f}"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument(
        "--store-sample",
        type=int,
        default=1_000,
        help="assets the per-asset write is timed on (then scaled)",
    )
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--sql-child", nargs=2, metavar=("STAGE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.sql_child:
        stage, db = args.sql_child
        print(json.dumps(sql_child(Path(db), stage)))
        return 0
    if not 0 < args.sample <= args.assets:
        parser.error("--sample must be between 1 and --assets")
    if args.store_sample < 1:
        parser.error("--store-sample must be at least 1")

    library = load_library()
    rules = rules_from_library(library)
    with tempfile.TemporaryDirectory(prefix="bench-controls-") as tmp:
        db_path = Path(tmp) / "warehouse.duckdb"
        print(f"generating {args.assets:,} assets ...", flush=True)
        generated = generate_inventory(db_path, args.assets, args.seed, library)
        stages: dict[str, dict[str, Any]] = {}
        for stage in STAGES:
            print(f"SQL path: {stage} (child process) ...", flush=True)
            stages[stage] = run_sql_stage(db_path, stage)
        active = stages["coverage"]["rows"]
        sample = min(args.sample, active)
        print(f"Python loop over {sample:,} sampled assets ...", flush=True)
        python_seconds, results, tally = run_python_path(db_path, sample, rules)
        print("comparing the sample with what SQL stored ...", flush=True)
        comparison = compare_sample(db_path, results, tally, full=sample == active)
        store_sample = min(args.store_sample, sample)
        print(f"storing the loop's rows (per asset on {store_sample:,}, batched) ...", flush=True)
        store = run_python_store_paths(db_path, results, tally, store_sample)

    evidence, risk, coverage, framework = (stages[s] for s in STAGES)
    sql_seconds = evidence["seconds"] + coverage["seconds"] + framework["seconds"]
    sql_peak = max(evidence["peak_rss_mb"], coverage["peak_rss_mb"], framework["peak_rss_mb"])
    scale = active / sample
    assess_scaled = python_seconds * scale
    # Three readings of "the per-asset Python loop" (as bench_risk): assessing only (its rows
    # never stored), assessing + one batched write, and the straightforward per-asset program
    # that stores each asset's rows as it goes. The target is judged on the last one, the only
    # one that, like the SQL path, leaves the rows in the warehouse one asset at a time. The
    # framework rows are written once after the loop in all three that store.
    loop_batched = assess_scaled + store["batched"] * active + store["framework_seconds"]
    loop_per_asset = assess_scaled + store["per_asset"] * active + store["framework_seconds"]
    ratio = loop_per_asset / sql_seconds
    agreement = (
        comparison["coverage_mismatches"] == 0
        and comparison["evidence_mismatches"] == 0
        and not comparison["framework_mismatches"]
    )
    result = {
        "assets": active,
        "assets_generated": args.assets,
        "sample": sample,
        "scale": scale,
        "seed": args.seed,
        "catalog_controls": evidence["controls"],
        "library_digest": library.digest,
        "generated_rows": generated["rows"],
        "sql": {
            "setup_seconds": evidence["setup_seconds"],
            "evidence_seconds": evidence["seconds"],
            "coverage_seconds": coverage["seconds"],
            "framework_seconds": framework["seconds"],
            "seconds": sql_seconds,
            "risk_seconds": risk["seconds"],
            "facts": evidence["facts"],
            "control_evidence_rows": evidence["rows"],
            "requirements": framework["rows"],
            "evidence_peak_rss_mb": evidence["peak_rss_mb"],
            "coverage_peak_rss_mb": coverage["peak_rss_mb"],
            "framework_peak_rss_mb": framework["peak_rss_mb"],
            "risk_peak_rss_mb": risk["peak_rss_mb"],
            "settings": evidence["settings"],
        },
        "loop": {
            "assess_seconds_measured": python_seconds,
            "assess_seconds_scaled": assess_scaled,
            "store_sample": store_sample,
            "store_seconds_per_asset": store["per_asset"],
            "store_seconds_per_asset_batched": store["batched"],
            "framework_store_seconds": store["framework_seconds"],
            "seconds_assess_and_batched_store": loop_batched,
            "seconds_assess_and_per_asset_store": loop_per_asset,
        },
        "ratio_assess_only": assess_scaled / sql_seconds,
        "ratio_batched_store": loop_batched / sql_seconds,
        "speed_ratio": ratio,
        "speed_target": TARGET_SPEEDUP,
        "speed_pass": ratio >= TARGET_SPEEDUP,
        "sql_peak_rss_mb": sql_peak,
        "rss_target_mb": TARGET_PEAK_RSS_MB,
        "rss_pass": sql_peak < TARGET_PEAK_RSS_MB,
        **comparison,
        "agreement": agreement,
        "settings_overridden": DUCKDB_SETTINGS,
        "evidence_memory_limit_bytes": EVIDENCE_MEMORY_LIMIT_BYTES,
        "generate_seconds": generated["seconds"],
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
    if not agreement:
        print("the SQL and the per-asset loop disagree", file=sys.stderr)
    return 0 if result["speed_pass"] and result["rss_pass"] and agreement else 1


if __name__ == "__main__":
    raise SystemExit(main())
