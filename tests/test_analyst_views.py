"""Analyst views and macros against hand-built warehouses with known answers, and `aisec query`
(the read-only SQL command that stands in for the DuckDB CLI).

An asset is named by its id or its unique name, and a wrong reference is a clear error instead
of an empty answer."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from aisec_resources.warehouse import create_schema

AISEC = Path(sys.executable).with_name("aisec")
DAY = date(2026, 11, 28)
BEFORE = date(2026, 11, 27)

# agent -> knowledge base -> dataset; two assets share the name "shared-name"
ASSETS = [
    ("ai-agent0000000001", "support-agent", "ai_agent"),
    ("ai-kb000000000001", "tickets-kb", "vector_database"),
    ("ai-data0000000001", "ticket-export", "training_dataset"),
    ("ai-dup0000000001a", "shared-name", "foundation_model"),
    ("ai-dup0000000001b", "shared-name", "foundation_model"),
]
EDGES = [
    ("ai-agent0000000001", "ai-kb000000000001", "uses_knowledge_base"),
    ("ai-kb000000000001", "ai-data0000000001", "retrieves_from"),
]


def add_asset(
    conn: duckdb.DuckDBPyConnection, asset_id: str, name: str, asset_type: str, **columns: Any
) -> None:
    row = {
        "asset_id": asset_id,
        "natural_key": f"declared://{asset_id}",
        "name": name,
        "asset_type": asset_type,
        "status": "active",
        "sources": ["test"],
        "declared": True,
        "discovered": False,
        "source_stale": False,
        "first_seen": "2026-11-20 00:00:00",
        "last_seen": "2026-11-28 00:00:00",
        **columns,
    }
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"INSERT INTO inventory.ai_assets ({names}) VALUES ({marks})", list(row.values()))


def add_edge(conn: duckdb.DuckDBPyConnection, src: str, dst: str, relation: str) -> None:
    conn.execute(
        "INSERT INTO inventory.asset_dependencies VALUES (?, ?, ?, ?, true, ['test'])",
        [src, dst, relation, f"declared://{dst}"],
    )


def add_score(
    conn: duckdb.DuckDBPyConnection, asset_id: str, day: date, residual: float, level: str
) -> None:
    conn.execute(
        """
        INSERT INTO risk.risk_scores (asset_id, assessed_date, data_sensitivity_score,
            deployment_exposure_score, model_provenance_score, regulatory_impact_score,
            capability_risk_score, supply_chain_score, inherent_risk_score,
            control_effectiveness, residual_risk_score, risk_level, risk_reduction_percentage,
            risk_factors, top_driver, recommendations, operational_controls, scored_at, run_id)
        VALUES (?, ?, 50, 50, 50, 50, 50, 50, ?, 0, ?, ?, 0, [], 'data_sensitivity', [], [],
            TIMESTAMP '2026-11-28 12:00', 'test')
        """,
        [asset_id, day, residual, residual, level],
    )


def add_evidence(
    conn: duckdb.DuckDBPyConnection, asset_id: str, day: date, control_id: str, status: str
) -> None:
    conn.execute(
        "INSERT INTO controls.control_evidence VALUES (?, ?, ?, 'guardrails', true, ?, ?, "
        "'discovered', NULL, 'test')",
        [day, asset_id, control_id, status, f"{control_id} is {status}"],
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared rows in a warehouse with every table, then the analyst views and macros."""
    path = tmp_path_factory.mktemp("analyst-views") / "template.duckdb"
    with duckdb.connect(str(path)) as c:
        create_schema(c)
        for asset_id, name, asset_type in ASSETS:
            add_asset(c, asset_id, name, asset_type)
        for src, dst, relation in EDGES:
            add_edge(c, src, dst, relation)
    return path


@pytest.fixture
def conn(tmp_path: Path, template: Path) -> duckdb.DuckDBPyConnection:
    shutil.copyfile(template, tmp_path / "w.duckdb")
    return duckdb.connect(str(tmp_path / "w.duckdb"))


def test_blast_radius_by_id_or_by_unique_name_agree(conn: duckdb.DuckDBPyConnection) -> None:
    query = "SELECT name, depth, via_relation FROM inventory.blast_radius(?) ORDER BY depth"
    by_id = conn.execute(query, ["ai-data0000000001"]).fetchall()
    by_name = conn.execute(query, ["ticket-export"]).fetchall()
    assert (
        by_id
        == by_name
        == [
            ("tickets-kb", 1, "retrieves_from"),
            ("support-agent", 2, "uses_knowledge_base"),
        ]
    )
    up = "SELECT name, depth FROM inventory.upstream_of(?) ORDER BY depth"
    assert conn.execute(up, ["support-agent"]).fetchall() == [
        ("tickets-kb", 1),
        ("ticket-export", 2),
    ]
    assert conn.execute("SELECT inventory.asset_id_of('tickets-kb')").fetchall() == [
        ("ai-kb000000000001",)
    ]


def test_unknown_reference_is_an_error_not_an_empty_answer(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(duckdb.Error, match="no asset has the id or name 'no-such-asset'"):
        conn.execute("SELECT * FROM inventory.blast_radius('no-such-asset')").fetchall()
    with pytest.raises(duckdb.Error, match="no asset has the id or name 'nope'"):
        conn.execute("SELECT * FROM inventory.upstream_of('nope')").fetchall()
    with pytest.raises(duckdb.Error, match="no asset has the id or name 'nope'"):
        conn.execute("SELECT * FROM inventory.dependents_of('nope')").fetchall()


def test_ambiguous_name_lists_the_ids_to_choose_from(conn: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(
        duckdb.Error,
        match=r"2 assets are named 'shared-name': give one of their asset_ids "
        r"\(ai-dup0000000001a, ai-dup0000000001b\)",
    ):
        conn.execute("SELECT * FROM inventory.blast_radius('shared-name')").fetchall()
    # an id is always unambiguous
    assert (
        conn.execute("SELECT * FROM inventory.blast_radius('ai-dup0000000001a')").fetchall() == []
    )


# ------------------------------------------------------------------ what depends on X


def test_dependents_of_walks_every_path_once_with_names_and_latest_risk(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # A second agent reads the same knowledge base (two paths meet), an endpoint serves the
    # first agent (depth 3), and the dataset feeds the endpoint back (a cycle, cut).
    add_asset(conn, "ai-agent0000000002", "claims-agent", "ai_agent", owner_team="claims")
    add_asset(conn, "ai-endp000000001", "support-api", "api_endpoint")
    add_edge(conn, "ai-agent0000000002", "ai-kb000000000001", "uses_knowledge_base")
    add_edge(conn, "ai-endp000000001", "ai-agent0000000001", "serves")
    add_edge(conn, "ai-data0000000001", "ai-endp000000001", "depends_on")
    add_score(conn, "ai-agent0000000001", BEFORE, 80.0, "CRITICAL")
    add_score(conn, "ai-agent0000000001", DAY, 40.0, "MEDIUM")  # the latest counts
    add_score(conn, "ai-endp000000001", DAY, 60.0, "HIGH")
    query = (
        "SELECT name, depth, via_relation, risk_level, path_names, owner_team "
        "FROM inventory.dependents_of(?) ORDER BY depth, name"
    )
    expected = [
        ("tickets-kb", 1, "retrieves_from", None, ["ticket-export", "tickets-kb"], None),
        (
            "claims-agent",
            2,
            "uses_knowledge_base",
            None,
            ["ticket-export", "tickets-kb", "claims-agent"],
            "claims",
        ),
        (
            "support-agent",
            2,
            "uses_knowledge_base",
            "MEDIUM",
            ["ticket-export", "tickets-kb", "support-agent"],
            None,
        ),
        (
            "support-api",
            3,
            "serves",
            "HIGH",
            ["ticket-export", "tickets-kb", "support-agent", "support-api"],
            None,
        ),
    ]
    assert conn.execute(query, ["ticket-export"]).fetchall() == expected
    assert conn.execute(query, ["ai-data0000000001"]).fetchall() == expected
    # Nothing depends on a leaf, and the dataset itself (reached again through the cycle) is
    # never its own dependent.
    assert conn.execute(query, ["claims-agent"]).fetchall() == []
    names = [row[0] for row in conn.execute(query, ["support-api"]).fetchall()]
    assert names == ["ticket-export", "tickets-kb", "claims-agent", "support-agent"]


# ------------------------------------------------------------------ agents without guardrail


def test_production_agents_without_guardrail(conn: duckdb.DuckDBPyConnection) -> None:
    prod = {"deployment_env": "production", "owner_team": "cx"}
    add_asset(conn, "ai-a01", "bare-agent", "ai_agent", **prod)
    add_asset(conn, "ai-a02", "draft-agent", "ai_agent", **prod)
    add_asset(conn, "ai-g02", "draft-guardrail", "guardrail_config", **prod)
    add_edge(conn, "ai-a02", "ai-g02", "uses_guardrail")
    add_evidence(conn, "ai-a02", DAY, "AISEC-PRE-009", "partly")
    add_asset(conn, "ai-a03", "guarded-agent", "ai_agent", **prod)
    add_evidence(conn, "ai-a03", DAY, "AISEC-PRE-009", "implemented")
    add_evidence(conn, "ai-a03", DAY, "AISEC-PRE-014", "missing")  # one working one is enough
    guardrails = [{"type": "guardrails", "operational": True, "evidence": "nemo", "source": "reg"}]
    add_asset(conn, "ai-a04", "declared-agent", "ai_agent", controls=guardrails, **prod)
    add_asset(
        conn,
        "ai-a05",
        "sandbox-agent",
        "ai_agent",
        owner_team="lab",
        deployment_env="development",
        invalid_fields=["deployment_env"],
    )
    add_asset(conn, "ai-a06", "dev-agent", "ai_agent", deployment_env="development")
    add_asset(
        conn, "ai-a07", "gone-agent", "ai_agent", status="missing", deployment_env="production"
    )
    add_asset(conn, "ai-a08", "accepted-agent", "ai_agent", **prod)
    add_evidence(conn, "ai-a08", DAY, "AISEC-PRE-009", "accepted")  # accepted is no guardrail
    add_asset(conn, "ai-a09", "lapsed-agent", "ai_agent", **prod)
    add_evidence(conn, "ai-a09", BEFORE, "AISEC-PRE-009", "implemented")
    add_evidence(conn, "ai-a09", DAY, "AISEC-PRE-009", "missing")  # the latest day counts
    off = [{"type": "guardrails", "operational": False, "evidence": "DRAFT", "source": "aws"}]
    add_asset(conn, "ai-a10", "inactive-agent", "ai_agent", controls=off, **prod)
    add_asset(conn, "ai-e01", "bare-endpoint", "api_endpoint", **prod)  # not an agent
    add_score(conn, "ai-a01", DAY, 77.0, "CRITICAL")

    rows = conn.execute(
        "SELECT name, environment_unknown, guardrails_attached, risk_level, reason "
        "FROM inventory.production_agents_without_guardrail ORDER BY name"
    ).fetchall()
    assert rows == [
        ("accepted-agent", False, [], None, "no guardrail"),
        ("bare-agent", False, [], "CRITICAL", "no guardrail"),
        ("draft-agent", False, ["draft-guardrail"], None, "guardrail attached but not operational"),
        ("inactive-agent", False, [], None, "guardrail attached but not operational"),
        ("lapsed-agent", False, [], None, "no guardrail"),
        ("sandbox-agent", True, [], None, "no guardrail; environment unknown, taken as production"),
        # from the shared fixture: no environment recorded at all
        ("support-agent", True, [], None, "no guardrail; environment unknown, taken as production"),
    ]
    evidence = conn.execute(
        "SELECT guardrail_evidence FROM inventory.production_agents_without_guardrail "
        "WHERE name IN ('draft-agent', 'inactive-agent') ORDER BY name"
    ).fetchall()
    assert evidence == [
        (["AISEC-PRE-009 partly: AISEC-PRE-009 is partly"],),
        (["aws: DRAFT"],),
    ]


# ------------------------------------------------------------------ teams and risk levels


def test_risk_by_team_counts_the_latest_day_per_team_and_level(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    for asset_id, name, team in [
        ("ai-r1", "pay-api", "payments"),
        ("ai-r2", "pay-agent", "payments"),
        ("ai-r3", "claims-model", "claims"),
        ("ai-r4", "orphan-model", None),
        ("ai-r5", "pay-kb", "payments"),
    ]:
        add_asset(conn, asset_id, name, "foundation_model", owner_team=team)
    # The day before: everything critical; only the latest day counts.
    for asset_id in ("ai-r1", "ai-r2", "ai-r3", "ai-r4", "ai-r5"):
        add_score(conn, asset_id, BEFORE, 90.0, "CRITICAL")
    add_score(conn, "ai-r1", DAY, 80.0, "CRITICAL")
    add_score(conn, "ai-r2", DAY, 91.5, "CRITICAL")
    add_score(conn, "ai-r3", DAY, 76.0, "CRITICAL")
    add_score(conn, "ai-r4", DAY, 60.0, "HIGH")
    add_score(conn, "ai-r5", DAY, 20.0, "LOW")
    rows = conn.execute(
        "SELECT assessed_date, owner_team, risk_level, assets, asset_names, asset_ids, "
        "max_residual_risk FROM risk.risk_by_team "
        "ORDER BY level_rank DESC, assets DESC, owner_team NULLS LAST"
    ).fetchall()
    assert rows == [
        (DAY, "payments", "CRITICAL", 2, ["pay-agent", "pay-api"], ["ai-r2", "ai-r1"], 91.5),
        (DAY, "claims", "CRITICAL", 1, ["claims-model"], ["ai-r3"], 76.0),
        (DAY, None, "HIGH", 1, ["orphan-model"], ["ai-r4"], 60.0),
        (DAY, "payments", "LOW", 1, ["pay-kb"], ["ai-r5"], 20.0),
    ]
    pivot = conn.execute(
        "PIVOT risk.risk_by_team ON risk_level IN ('CRITICAL', 'HIGH') USING sum(assets) "
        "GROUP BY owner_team ORDER BY owner_team NULLS LAST"
    ).fetchall()
    assert pivot == [("claims", 1, None), ("payments", 2, None), (None, None, 1)]


def test_every_analyst_view_and_macro_is_documented(conn: duckdb.DuckDBPyConnection) -> None:
    views = conn.execute(
        "SELECT schema_name || '.' || view_name, comment FROM duckdb_views() "
        "WHERE NOT internal AND schema_name IN ('inventory', 'risk') ORDER BY 1"
    ).fetchall()
    assert {name for name, _ in views} >= {
        "inventory.asset_overview",
        "inventory.production_agents_without_guardrail",
        "risk.risk_by_team",
    }
    assert all(comment for _, comment in views), views
    (macro,) = conn.execute(
        "SELECT comment FROM duckdb_functions() WHERE function_name = 'dependents_of'"
    ).fetchall()
    assert macro[0]


# ------------------------------------------------------------------ `aisec query`


@pytest.fixture
def query_env(tmp_path: Path, conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """A configuration naming the hand-built warehouse (closed, so the command can open it)."""
    add_asset(conn, "ai-q1", "prod-bot", "ai_agent", deployment_env="production", owner_team="cx")
    add_score(conn, "ai-q1", DAY, 81.0, "CRITICAL")
    conn.close()
    config = tmp_path / "aisec.yaml"
    config.write_text(
        yaml.safe_dump({"organisation": "Acme", "warehouse": {"path": "w.duckdb"}}),
        encoding="utf-8",
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("AISEC_CONFIG", "DAGSTER_HOME")}
    return {**clean, "AISEC_HOME": str(tmp_path / "home"), "AISEC_CONFIG": str(config)}


def aisec_query(args: list[str], env: dict[str, str], stdin: str | None = None):
    return subprocess.run(
        [str(AISEC), "query", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_query_answers_the_readme_questions_read_only(query_env: dict[str, str]) -> None:
    done = aisec_query(
        [
            "SELECT name, reason FROM inventory.production_agents_without_guardrail "
            "WHERE name = 'prod-bot'; "
            "SELECT owner_team, assets, asset_names FROM risk.risk_by_team "
            "WHERE risk_level = 'CRITICAL'; "
            "SELECT name, depth FROM inventory.dependents_of('ticket-export') ORDER BY depth"
        ],
        query_env,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["name", "reason"]
    assert lines[2].split() == ["prod-bot", "no", "guardrail"]
    assert "(1 row)" in lines
    assert any(line.split() == ["cx", "1", "[prod-bot]"] for line in lines)
    assert any(line.split() == ["support-agent", "2"] for line in lines)
    assert "(2 rows)" in lines
    # CSV: every row, a header, NULL as empty, lists as [a, b]
    done = aisec_query(
        [
            "--csv",
            "SELECT name, owner_team, [1, 2] AS l FROM inventory.ai_assets "
            "WHERE name IN ('prod-bot', 'tickets-kb') ORDER BY name",
        ],
        query_env,
    )
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(io.StringIO(done.stdout))) == [
        ["name", "owner_team", "l"],
        ["prod-bot", "cx", "[1, 2]"],
        ["tickets-kb", "", "[1, 2]"],
    ]


def test_query_errors_are_duckdbs_message_and_exit_2(query_env: dict[str, str]) -> None:
    done = aisec_query(["DELETE FROM inventory.ai_assets"], query_env)
    assert done.returncode == 2
    assert "read-only mode" in done.stderr
    done = aisec_query(["SELECT * FROM inventory.no_such_table"], query_env)
    assert done.returncode == 2
    assert done.stderr.startswith("aisec query: Catalog Error: Table with name no_such_table")


def test_query_prompt_reads_statements_until_quit(query_env: dict[str, str]) -> None:
    script = (
        "SELECT name\n"
        "FROM inventory.ai_assets\n"
        "WHERE name = 'prod-bot';\n"
        "SELECT * FROM nowhere;\n"  # reported, the session goes on
        ".tables\n"
        "SELECT 42 AS answer;\n"
        ".quit\n"
        "SELECT 'never run';\n"
    )
    done = aisec_query([], query_env, stdin=script)
    assert done.returncode == 2  # a statement failed
    assert "prod-bot" in done.stdout and "42" in done.stdout
    assert "never run" not in done.stdout
    assert "Table with name nowhere does not exist" in done.stderr
    assert "production_agents_without_guardrail" in done.stdout  # from .tables
    clean = aisec_query([], query_env, stdin="SELECT 1 AS one;\nSELECT 2 AS two")
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.split() == [
        "one",
        "-----",
        "1",
        "(1",
        "row)",
        "two",
        "-----",
        "2",
        "(1",
        "row)",
    ]
