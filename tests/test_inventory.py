"""Extract writes, the inventory merge, gaps, KPIs and maturity — plain SQL on a real DuckDB."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest

from aisec_assets.discovery.extract import (
    RECORD_COLUMNS,
    WRITTEN_BY_SQL,
    dedupe_records,
    mark_source_failed,
    write_source_result,
)
from aisec_assets.discovery.registry import parse_registry
from aisec_assets.risk.scoring import score_assets, write_risk_model_tables
from aisec_resources.config import RiskModel
from aisec_resources.config.metrics import MetricsConfig
from aisec_resources.records import (
    Control,
    Dependency,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
    asset_id_for,
    collect,
)
from aisec_resources.warehouse import create_schema, run_sql, table_columns

DAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 1, 0)
AGENT = "arn:aws:bedrock:us-east-1:314159265358:agent/AGENT00001"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet"
KB = "arn:aws:bedrock:us-east-1:314159265358:knowledge-base/KB00000001"
DATASET = "arn:aws:s3:::kestrel-tickets/export/"


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    create_schema(c)
    return c


def rec(source: str, resource_id: str, **kw: object) -> DiscoveredAsset:
    kw.setdefault("name", resource_id.rsplit("/", 1)[-1])
    kw.setdefault("asset_type", "foundation_model")
    return DiscoveredAsset(source=source, resource_id=resource_id, **kw)  # type: ignore[arg-type]


def bedrock_estate() -> SourceResult:
    return SourceResult(
        [
            rec(
                "aws_bedrock",
                AGENT,
                name="support-agent",
                asset_type="ai_agent",
                network_exposure="public",
                deployment_env="production",
                owner_team="tagged-team",
                controls=[
                    Control("input_filtering", True, "guardrail gr-1"),
                    Control("input_filtering", True, "guardrail gr-1"),
                ],
                dependencies=[
                    Dependency(MODEL, "uses_model"),
                    Dependency(KB, "uses_knowledge_base"),
                ],
                posture={"guardrail_attached": True},
            ),
            rec("aws_bedrock", MODEL, model_provider="aws_bedrock"),
            rec(
                "aws_bedrock",
                KB,
                asset_type="vector_database",
                dependencies=[Dependency(DATASET, "retrieves_from")],
            ),
            rec("aws_bedrock", DATASET, asset_type="training_dataset"),
            # the same model met twice (two agents reference it): one row
            rec("aws_bedrock", MODEL, model_provider="aws_bedrock", model_name="claude"),
        ],
        [Rejection("aws_bedrock", "bundle/x/ListAgents.json", "invalid JSON", None, "{oops")],
    )


def declared() -> SourceResult:
    return SourceResult(
        [
            rec(
                "declared_registry",
                AGENT,
                name="Support agent",
                asset_type="ai_agent",
                owner_team="customer-experience",
                data_classification="confidential",
                deployment_env="staging",
                network_exposure="internal",
                regulatory_scope=["gdpr"],
                last_security_review=DAY - timedelta(days=120),
                controls=[Control("rate_limiting", True, "declared")],
            ),
            rec(
                "declared_registry",
                "declared://prompt-lib",
                name="prompt-lib",
                asset_type="prompt_template",
                owner_team="customer-experience",
                data_classification="internal",
                regulatory_scope=["none"],
                deployment_env="production",
                last_security_review=DAY - timedelta(days=10),
            ),
        ]
    )


def build(conn: duckdb.DuckDBPyConnection, run_id: str = "r1") -> None:
    write_source_result(conn, "aws_bedrock", bedrock_estate(), run_id, now=NOW)
    write_source_result(conn, "declared_registry", declared(), run_id, now=NOW)
    run_sql(conn, "inventory/ai_assets", {"run_id": run_id, "now": NOW})


def asset(conn: duckdb.DuckDBPyConnection, resource_id: str) -> dict:
    cur = conn.execute(
        "SELECT * FROM inventory.ai_assets WHERE asset_id = ?", [asset_id_for(resource_id)]
    )
    cols = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None, resource_id
    return dict(zip(cols, row, strict=True))


def test_ids_are_deterministic_and_azure_ids_case_insensitive() -> None:
    assert asset_id_for(AGENT) == asset_id_for(AGENT) and asset_id_for(AGENT).startswith("ai-")
    upper = "/subscriptions/ABC/resourceGroups/RG/providers/X/accounts/A"
    assert asset_id_for(upper) == asset_id_for(upper.lower())
    assert asset_id_for(AGENT) != asset_id_for(AGENT + "x")


def test_dedupe_unites_controls_and_edges() -> None:
    a = rec("s", MODEL, controls=[Control("monitoring", True)], dependencies=[])
    b = rec(
        "s",
        MODEL,
        model_name="m",
        controls=[Control("monitoring", True), Control("guardrails", False)],
        dependencies=[Dependency(KB, "uses_knowledge_base")],
    )
    (merged,) = dedupe_records([a, b])
    assert merged.model_name == "m"
    assert [c.type for c in merged.controls] == ["monitoring", "guardrails"]
    assert merged.dependencies == [Dependency(KB, "uses_knowledge_base")]


def test_source_rows_replace_and_rejections_are_kept(conn: duckdb.DuckDBPyConnection) -> None:
    out = write_source_result(conn, "aws_bedrock", bedrock_estate(), "r1", now=NOW)
    assert (out.record_count, out.rejected_count) == (4, 1)
    write_source_result(conn, "aws_bedrock", bedrock_estate(), "r2", now=NOW)
    assert conn.execute(
        "SELECT count(*), min(run_id) FROM discovery.discovered_assets"
    ).fetchone() == (4, "r2")
    assert conn.execute(
        "SELECT location, reason, excerpt FROM discovery.rejected_records"
    ).fetchall() == [("bundle/x/ListAgents.json", "invalid JSON", "{oops")]
    status = conn.execute(
        "SELECT status, stale, record_count, rejected_count FROM discovery.source_status"
    ).fetchone()
    assert status == ("ok", False, 4, 1)


def test_failed_source_keeps_last_good_data_marked_stale(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    build(conn)
    out = mark_source_failed(conn, "aws_bedrock", "bundle directory missing", "r2", now=NOW)
    assert out.stale and out.record_count == 4
    run_sql(conn, "inventory/ai_assets", {"run_id": "r2", "now": NOW + timedelta(days=1)})
    agent = asset(conn, AGENT)
    assert agent["status"] == "active" and agent["source_stale"] is True
    # last_seen stays at the last successful extraction, not the failed run
    assert agent["last_seen"] < NOW + timedelta(days=1)
    row = conn.execute(
        "SELECT status, stale, last_error, last_success_at IS NOT NULL "
        "FROM discovery.source_status WHERE source = 'aws_bedrock'"
    ).fetchone()
    assert row == ("failed", True, "bundle directory missing", True)


def test_collect_turns_source_failures_into_errors() -> None:
    def unavailable() -> SourceResult:
        raise SourceUnavailable("/nowhere: bundle directory not found")

    def buggy() -> SourceResult:
        raise KeyError("agentId")

    assert collect(unavailable) == (None, "/nowhere: bundle directory not found")
    result, error = collect(buggy)
    assert result is None and error is not None
    assert error.startswith("unexpected KeyError") and "Traceback" in error


def test_merge_precedence(conn: duckdb.DuckDBPyConnection) -> None:
    build(conn)
    agent = asset(conn, AGENT)
    # declared wins for ownership, classification, scope, environment and reviews
    assert agent["owner_team"] == "customer-experience"
    assert agent["data_classification"] == "confidential"
    assert agent["deployment_env"] == "staging"
    assert agent["regulatory_scope"] == ["gdpr"]
    # discovery wins for technical facts
    assert agent["network_exposure"] == "public"
    assert agent["name"] == "support-agent"
    assert agent["sources"] == ["aws_bedrock", "declared_registry"]
    assert agent["declared"] and agent["discovered"]
    # duplicate control listed once; controls from both sources with their evidence
    assert [(c["type"], c["source"]) for c in agent["controls"]] == [
        ("input_filtering", "aws_bedrock"),
        ("rate_limiting", "declared_registry"),
    ]
    assert '"guardrail_attached":true' in agent["posture"].replace(" ", "")
    model = asset(conn, MODEL)
    assert model["model_name"] == "claude"  # filled from the second sighting


def test_dependencies_and_blast_radius(conn: duckdb.DuckDBPyConnection) -> None:
    build(conn)
    edges = conn.execute(
        "SELECT relation, to_known FROM inventory.asset_dependencies ORDER BY relation"
    ).fetchall()
    assert edges == [("retrieves_from", True), ("uses_knowledge_base", True), ("uses_model", True)]
    assert asset(conn, AGENT)["upstream_assets"] == sorted([asset_id_for(MODEL), asset_id_for(KB)])
    # a poisoned dataset reaches the knowledge base and, through it, the agent
    hit = conn.execute(
        "SELECT name, depth, via_relation FROM inventory.blast_radius(?) ORDER BY depth",
        [asset_id_for(DATASET)],
    ).fetchall()
    assert hit == [
        (KB.rsplit("/", 1)[-1], 1, "retrieves_from"),
        ("support-agent", 2, "uses_knowledge_base"),
    ]
    up = conn.execute(
        "SELECT depth FROM inventory.upstream_of(?) ORDER BY depth", [asset_id_for(AGENT)]
    ).fetchall()
    assert up == [(1,), (1,), (2,)]


def test_blast_radius_survives_cycles(conn: duckdb.DuckDBPyConnection) -> None:
    a, b = "declared://a", "declared://b"
    write_source_result(
        conn,
        "declared_registry",
        SourceResult(
            [
                rec("declared_registry", a, dependencies=[Dependency(b, "depends_on")]),
                rec("declared_registry", b, dependencies=[Dependency(a, "depends_on")]),
            ]
        ),
        "r1",
        now=NOW,
    )
    run_sql(conn, "inventory/ai_assets", {"run_id": "r1", "now": NOW})
    rows = conn.execute(
        "SELECT name, depth FROM inventory.blast_radius(?)", [asset_id_for(a)]
    ).fetchall()
    # the cycle is cut: the target is not its own dependent
    assert rows == [("b", 1)]


def test_rerun_is_idempotent_and_history_grows(conn: duckdb.DuckDBPyConnection) -> None:
    build(conn, "r1")
    first = conn.execute(
        "SELECT asset_id, first_seen FROM inventory.ai_assets ORDER BY 1"
    ).fetchall()
    build(conn, "r2")
    assert (
        conn.execute("SELECT asset_id, first_seen FROM inventory.ai_assets ORDER BY 1").fetchall()
        == first
    )
    assert conn.execute(
        "SELECT run_id, count(*) FROM inventory.ai_assets_history GROUP BY ALL ORDER BY 1"
    ).fetchall() == [("r1", 5), ("r2", 5)]


def test_vanished_asset_is_marked_missing_not_deleted(conn: duckdb.DuckDBPyConnection) -> None:
    build(conn)
    smaller = bedrock_estate()
    smaller.records = [r for r in smaller.records if r.resource_id != DATASET]
    for r in smaller.records:
        r.dependencies = [d for d in r.dependencies if d.resource_id != DATASET]
    write_source_result(conn, "aws_bedrock", smaller, "r2", now=NOW)
    run_sql(conn, "inventory/ai_assets", {"run_id": "r2", "now": NOW})
    assert asset(conn, DATASET)["status"] == "missing"
    assert conn.execute("SELECT count(*) FROM inventory.ai_assets").fetchone() == (5,)


def gaps(conn: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    run_sql(
        conn,
        "compliance/compliance_gaps",
        {"assessed_date": DAY, "stale_review_days": 90, "run_id": "r1"},
    )
    return set(
        conn.execute(
            "SELECT a.name, g.gap_type FROM compliance.compliance_gaps g "
            "JOIN inventory.ai_assets a USING (asset_id)"
        ).fetchall()
    )


def test_compliance_gaps(conn: duckdb.DuckDBPyConnection) -> None:
    write_source_result(
        conn,
        "huggingface",
        SourceResult(
            [
                rec(
                    "huggingface",
                    "hf-dir://m/unsafe",
                    name="unsafe",
                    asset_type="fine_tuned_model",
                    is_self_hosted=True,
                    posture={"unsafe_imports": ["posix.system"]},
                ),
            ]
        ),
        "r1",
        now=NOW,
    )
    build(conn)
    found = gaps(conn)
    assert ("support-agent", "stale_review") in found  # 120 days > 90
    assert ("support-agent", "public_exposure_high_sensitivity") in found
    assert ("support-agent", "no_owner") not in found
    assert ("prompt-lib", "unclassified_data") not in found  # 'none' is no scope
    assert ("prompt-lib", "stale_review") not in found
    assert ("unsafe", "missing_sbom") in found and ("unsafe", "unsafe_model_file") in found
    assert ("unsafe", "no_security_review") in found and ("unsafe", "no_owner") in found
    assert ("anthropic.claude-3-5-sonnet", "unclassified_data") in found
    # rerunning the day replaces it
    again = gaps(conn)
    assert again == found
    assert conn.execute("SELECT count(*) FROM compliance.compliance_gaps").fetchone()[0] == len(
        found
    )


def test_unclassified_data_means_internal_with_scope(conn: duckdb.DuckDBPyConnection) -> None:
    write_source_result(
        conn,
        "declared_registry",
        SourceResult(
            [
                rec(
                    "declared_registry",
                    "declared://x",
                    name="x",
                    data_classification="internal",
                    regulatory_scope=["none", "hipaa"],
                    owner_team="t",
                ),
            ]
        ),
        "r1",
        now=NOW,
    )
    run_sql(conn, "inventory/ai_assets", {"run_id": "r1", "now": NOW})
    assert ("x", "unclassified_data") in gaps(conn)


def kpis_and_maturity(conn: duckdb.DuckDBPyConnection, day: date = DAY) -> tuple[dict, tuple]:
    vars_ = {
        "assessed_date": day,
        "now": datetime.combine(day, time(12)),
        "stale_review_days": 90,
        "run_id": "r1",
        "governance_configured": False,
        "red_team_configured": False,
    }
    run_sql(conn, "metrics/program_kpis", vars_)
    metrics = MetricsConfig()
    run_sql(
        conn,
        "metrics/maturity_scores",
        {
            "assessed_date": day,
            "run_id": "r1",
            "target_level": metrics.target_level,
            **metrics.maturity.variables(),
        },
    )
    cur = conn.execute("SELECT * FROM metrics.program_kpis WHERE kpi_date = ?", [day])
    kpis = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    mat = conn.execute(
        "SELECT level, level_name, evidence, gaps_to_next_level "
        "FROM metrics.maturity_scores WHERE assessed_date = ?",
        [day],
    ).fetchone()
    return kpis, mat


@pytest.mark.parametrize(
    ("governed", "total", "level", "name"),
    [
        (19, 20, 4, "Quantitatively Managed"),
        (18, 20, 3, "Defined"),
        (16, 20, 3, "Defined"),
        (15, 20, 2, "Managed"),
        (10, 20, 2, "Managed"),
        (9, 20, 1, "Initial"),
    ],
)
def test_asset_management_maturity_thresholds(
    conn: duckdb.DuckDBPyConnection, governed: int, total: int, level: int, name: str
) -> None:
    records = [
        rec(
            "declared_registry",
            f"declared://a{i}",
            name=f"a{i}",
            owner_team="t" if i < governed else None,
            data_classification="internal",
            deployment_env="production",
        )
        for i in range(total)
    ]
    write_source_result(conn, "declared_registry", SourceResult(records), "r1", now=NOW)
    run_sql(conn, "inventory/ai_assets", {"run_id": "r1", "now": NOW})
    kpis, (lvl, lvl_name, evidence, next_steps) = kpis_and_maturity(conn)
    assert kpis["asset_coverage_rate"] == pytest.approx(governed / total)
    assert (lvl, lvl_name) == (level, name)
    assert evidence[0] == f"Coverage: {round(governed / total * 100)}%"
    assert evidence[1] == f"Total assets tracked: {total}"
    assert len(next_steps) == 2


def test_kpis_count_what_the_tables_hold(conn: duckdb.DuckDBPyConnection) -> None:
    build(conn)
    gaps(conn)
    kpis, _ = kpis_and_maturity(conn)
    assert kpis["total_ai_assets"] == kpis["active_ai_assets"] == 5
    assert kpis["assets_with_security_review"] == 2
    assert kpis["assets_with_stale_review"] == 1
    assert (
        kpis["compliance_gap_count"]
        == conn.execute("SELECT count(*) FROM compliance.compliance_gaps").fetchone()[0]
    )
    # Control KPIs come from the controls pillar's evidence, which this inventory test does
    # not assess: nothing deployed, and no coverage rate (NULL with its reason, not 0).
    assert kpis["controls_deployed"] == 0 and kpis["controls_operational"] == 0
    assert kpis["control_coverage_rate"] is None
    assert kpis["null_reasons"]["control_coverage_rate"].startswith("no required control")
    assert kpis["rejected_records"] == 1 and kpis["stale_sources"] == 0
    # a second run of the same day replaces the row; another day adds one
    kpis_and_maturity(conn)
    kpis_and_maturity(conn, DAY + timedelta(days=1))
    assert conn.execute("SELECT count(*) FROM metrics.program_kpis").fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM metrics.maturity_scores").fetchone() == (14,)


# ------------------------------------------------------------------ the record, declared once


def test_record_fields_and_table_columns_agree() -> None:
    """sql/schema/warehouse.sql declares the record; the dataclass and the writer follow it."""
    import dataclasses

    table = table_columns("discovery.discovered_assets")
    record = [f.name for f in dataclasses.fields(DiscoveredAsset)]
    assert set(record) | {"natural_key", "asset_id"} == set(table) - set(WRITTEN_BY_SQL)
    assert tuple(c for c in table if c not in WRITTEN_BY_SQL) == RECORD_COLUMNS
    row = rec("aws_bedrock", MODEL).to_row()
    assert set(row) == set(RECORD_COLUMNS)
    # The inventory carries every fact of the record (merged); per-source parts stay behind.
    inventory = set(table_columns("inventory.ai_assets"))
    per_source = {"source", "resource_id", "dependencies", "raw", "part"}
    assert set(RECORD_COLUMNS) - per_source <= inventory


# ------------------------------------------------------------------ bad input never lowers risk

TYPO_REGISTRY = """
assets:
  - name: claims-agent-typo
    asset_type: ai_agent
    owner_team: claims
    data_classification: regulated
    deployment_env: prod
    network_exposure: public
    regulatory_scope: [hipaa]
  - name: claims-agent
    asset_type: ai_agent
    owner_team: claims
    data_classification: regulated
    deployment_env: production
    network_exposure: public
    regulatory_scope: [hipaa]
  - name: notes-bot
    asset_type: ai_agent
    owner_team: claims
    data_classification: top-secret
    network_exposure: everywhere
    regulatory_scope: [hipaa, sox2]
    sbom_available: "yes"
  - name: notes-bot-absent
    asset_type: ai_agent
    owner_team: claims
    regulatory_scope: [none]
  - name: mystery
    asset_type: chatbot
    owner_team: claims
"""


def _score_registry(conn: duckdb.DuckDBPyConnection, tmp_path: Path) -> dict[str, dict]:
    path = tmp_path / "registry.yaml"
    path.write_text(TYPO_REGISTRY, encoding="utf-8")
    write_source_result(conn, "declared_registry", parse_registry(path), "r1", now=NOW)
    run_sql(conn, "inventory/ai_assets", {"run_id": "r1", "now": NOW})
    write_risk_model_tables(conn, RiskModel())
    score_assets(conn, DAY, "r1", scored_at=NOW)
    run_sql(
        conn,
        "compliance/compliance_gaps",
        {"assessed_date": DAY, "stale_review_days": 90, "run_id": "r1"},
    )
    cursor = conn.execute(
        "SELECT a.name, a.asset_type, a.deployment_env, a.invalid_fields, "
        "r.deployment_exposure_score, r.data_sensitivity_score, r.regulatory_impact_score, "
        "r.capability_risk_score, r.residual_risk_score, r.risk_level, "
        "list(g.gap_type ORDER BY g.gap_type) FILTER (WHERE g.gap_type IS NOT NULL) AS gaps "
        "FROM inventory.ai_assets a JOIN risk.risk_scores r USING (asset_id) "
        "LEFT JOIN compliance.compliance_gaps g USING (asset_id) GROUP BY ALL"
    )
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_a_typo_keeps_the_asset_and_never_lowers_its_risk(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = _score_registry(conn, tmp_path)
    typo, good = rows["claims-agent-typo"], rows["claims-agent"]
    # The asset stays in the inventory with the field unknown and flagged ...
    assert (typo["deployment_env"], typo["invalid_fields"]) == (None, ["deployment_env"])
    # ... its risk does not go down against the same asset declared correctly ...
    assert typo["deployment_exposure_score"] >= good["deployment_exposure_score"]
    assert typo["residual_risk_score"] >= good["residual_risk_score"]
    assert typo["risk_level"] == good["risk_level"] == "CRITICAL"
    # ... the rejection is still recorded per field ...
    rejected = conn.execute(
        "SELECT location, field FROM discovery.rejected_records ORDER BY location, field"
    ).fetchall()
    assert (f"{tmp_path / 'registry.yaml'}: assets[0] (claims-agent-typo)", "deployment_env") in (
        rejected
    )
    # ... and compliance shows it: the invalid declaration, and no gap hidden by it.
    assert "invalid_declaration" in typo["gaps"]
    assert set(good["gaps"]) <= set(typo["gaps"])


def test_invalid_values_score_at_their_worst_case_absent_ones_as_unknown(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = _score_registry(conn, tmp_path)
    bad, absent = rows["notes-bot"], rows["notes-bot-absent"]
    assert bad["invalid_fields"] == [
        "data_classification",
        "network_exposure",
        "regulatory_scope",
        "sbom_available",
    ]
    assert bad["data_sensitivity_score"] == 95  # regulated, the highest
    assert absent["data_sensitivity_score"] == 50  # unknown
    assert bad["deployment_exposure_score"] == 90 * 0.5  # public x unknown environment
    assert absent["deployment_exposure_score"] == 50 * 0.5
    assert (bad["regulatory_impact_score"], absent["regulatory_impact_score"]) == (90, 10)
    assert bad["residual_risk_score"] > absent["residual_risk_score"]
    assert "public_exposure_high_sensitivity" in bad["gaps"]
    assert "unclassified_data" in bad["gaps"]
    # An invalid asset type keeps the asset, its capability at the worst case (ai_agent 90).
    mystery = rows["mystery"]
    assert (mystery["asset_type"], mystery["invalid_fields"]) == ("unknown", ["asset_type"])
    assert mystery["capability_risk_score"] == 90


def test_invalid_fields_are_united_across_sources_and_kept_in_history(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    build(conn)
    bad = SourceResult(
        [
            rec(
                "declared_registry",
                AGENT,
                name="Support agent",
                asset_type="ai_agent",
                invalid_fields=["data_classification"],
            )
        ]
    )
    write_source_result(conn, "declared_registry", bad, "r2", now=NOW)
    run_sql(conn, "inventory/ai_assets", {"run_id": "r2", "now": NOW})
    invalid = conn.execute(
        "SELECT invalid_fields FROM inventory.ai_assets WHERE asset_id = ?", [asset_id_for(AGENT)]
    ).fetchone()
    assert invalid == (["data_classification"],)
    history = conn.execute(
        "SELECT run_id, invalid_fields FROM inventory.ai_assets_history "
        "WHERE asset_id = ? ORDER BY run_id",
        [asset_id_for(AGENT)],
    ).fetchall()
    assert history == [("r1", []), ("r2", ["data_classification"])]
