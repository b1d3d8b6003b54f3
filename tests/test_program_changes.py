"""program_changes: what changed in the program day over day, on hand-built warehouses with
known answers across two runs (the second day is not the day after the first: "previous day"
is the previous day with data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import yaml
from planted_keys import planted_keys

from aisec_assets.metrics.changes import (
    CHANGE_TYPES,
    CHANGES_ASSETS,
    ProgramChanges,
    changelog_markdown,
    day_bounds,
    load_program_changes,
    read_program_changes,
    record_program_changes,
)
from aisec_resources.settings import AS_OF_TAG, AisecSettings
from aisec_resources.warehouse import WarehouseResource, create_schema, run_sql

DAY1 = date(2026, 12, 1)
DAY2 = date(2026, 12, 3)  # nothing on 2 December: compared with 1 December

# ------------------------------------------------------------------ fixture rows


def discovered(conn: duckdb.DuckDBPyConnection, asset_id: str, name: str, seen: datetime) -> None:
    conn.execute(
        "INSERT INTO discovery.discovered_assets (source, asset_id, natural_key, resource_id, "
        "name, asset_type, owner_team, deployment_env, posture, controls, dependencies, "
        "extracted_at, run_id) VALUES ('declared_registry', ?, ?, ?, ?, 'ai_agent', 'payments', "
        "'production', '{}', '[]', '[]', ?, 'discovery')",
        [asset_id, f"declared://{asset_id}", asset_id, name, seen],
    )


def run_inventory(conn: duckdb.DuckDBPyConnection, now: datetime, run_id: str) -> None:
    """The real inventory merge: statuses and the history snapshot as production writes them."""
    run_sql(conn, "inventory/ai_assets", {"run_id": run_id, "now": now})


def score(
    conn: duckdb.DuckDBPyConnection, asset_id: str, day: date, level: str, residual: float
) -> None:
    conn.execute(
        "INSERT INTO risk.risk_scores (asset_id, assessed_date, data_sensitivity_score, "
        "deployment_exposure_score, model_provenance_score, regulatory_impact_score, "
        "capability_risk_score, supply_chain_score, inherent_risk_score, control_effectiveness, "
        "residual_risk_score, risk_level, risk_reduction_percentage, risk_factors, top_driver, "
        "recommendations, operational_controls, scored_at, run_id) "
        "VALUES (?, ?, 0, 0, 0, 0, 0, 0, ?, 0, ?, ?, 0, [], 'data_sensitivity', [], [], ?, 'r')",
        [asset_id, day, residual, residual, level, datetime.combine(day, datetime.min.time())],
    )


def evidence(
    conn: duckdb.DuckDBPyConnection, asset_id: str, control_id: str, day: date, status: str
) -> None:
    conn.execute(
        "INSERT INTO controls.control_evidence (assessed_date, asset_id, control_id, "
        "applicable, status, evidence, evidence_source, run_id) "
        "VALUES (?, ?, ?, true, ?, ?, 'discovered', 'r')",
        [day, asset_id, control_id, status, f"{control_id} seen {status}"],
    )


def catalog_control(conn: duckdb.DuckDBPyConnection, control_id: str, title: str) -> None:
    conn.execute(
        "INSERT INTO controls.catalog_controls (control_id, title, objective, function, "
        "applies_to, applies_when, required_from, required_from_rank, evidence_facts, "
        "evidence_basis, implementation, catalog_version, library_digest) "
        "VALUES (?, ?, 'o', 'preventive', ['ai_agent'], [], 'LOW', 1, [], 'b', MAP {}, '1', 'd')",
        [control_id, title],
    )


def maturity(
    conn: duckdb.DuckDBPyConnection, dimension: str, day: date, level: int, score_: float
) -> None:
    names = ["Initial", "Managed", "Defined", "Quantitatively Managed", "Optimizing"]
    conn.execute(
        "INSERT INTO metrics.maturity_scores (assessed_date, dimension, level, level_name, score, "
        "evidence, gaps_to_next_level, run_id) VALUES (?, ?, ?, ?, ?, [], ['do more'], 'r')",
        [day, dimension, level, names[level - 1], score_],
    )


def detection(
    conn: duckdb.DuckDBPyConnection,
    detection_id: str,
    at: datetime,
    severity: str,
    asset_id: str | None,
    rule: str = "AISEC-LLM-001",
) -> None:
    conn.execute(
        "INSERT INTO monitoring.detections (event_date, detection_id, rule_id, rule_title, "
        "family, severity, logic_kind, event_id, event_time, source, asset_id, owasp, atlas, "
        "detected_at, run_id) VALUES (?, ?, ?, ?, 'prompt_injection', ?, 'pattern', ?, ?, "
        "'litellm', ?, [], [], ?, 'r')",
        [at.date(), detection_id, rule, f"{rule} title", severity, detection_id, at, asset_id, at],
    )


def incident(
    conn: duckdb.DuckDBPyConnection,
    incident_id: str,
    opened_at: datetime,
    *,
    asset_id: str | None = "ai-alpha",
    closed_at: datetime | None = None,
) -> None:
    conn.execute(
        "INSERT INTO operations.incidents (incident_id, category, severity, title, origin, "
        "asset_id, asset_ref, actor, affected_assets, blast_radius, first_evidence_at, "
        "last_evidence_at, opened_at, evidence_count, rule_ids, state, personal_data, "
        "eu_ai_act_high_risk, closed_at) VALUES (?, 'prompt_injection', 'sev2', ?, "
        "'detection', ?, coalesce(?, 'model-x'), 'key:k1', [], [], ?, ?, ?, 1, [], ?, false, "
        "false, ?)",
        [
            incident_id,
            f"Prompt injection on {incident_id}",
            asset_id,
            asset_id,
            opened_at,
            opened_at,
            opened_at,
            "closed" if closed_at else "open",
            closed_at,
        ],
    )


def close_in_timeline(
    conn: duckdb.DuckDBPyConnection, incident_id: str, at: datetime, from_state: str
) -> None:
    conn.execute(
        "INSERT INTO operations.incident_timeline VALUES (?, 1, ?, 'lead@acme.example', 'state', "
        "?, 'closed', 'closed', repeat('0', 64), repeat('1', 64))",
        [incident_id, at, from_state],
    )


# ------------------------------------------------------------------ the two days


def seed_day1(conn: duckdb.DuckDBPyConnection) -> None:
    seen = datetime(2026, 12, 1, 9, 0)
    for asset_id, name in [("ai-alpha", "alpha"), ("ai-beta", "beta"), ("ai-gamma", "gamma")]:
        discovered(conn, asset_id, name, seen)
    run_inventory(conn, datetime(2026, 12, 1, 10, 0), "run-1")
    score(conn, "ai-alpha", DAY1, "HIGH", 61.0)
    score(conn, "ai-beta", DAY1, "CRITICAL", 80.0)
    score(conn, "ai-gamma", DAY1, "MEDIUM", 40.0)
    evidence(conn, "ai-alpha", "AISEC-PRE-001", DAY1, "implemented")
    evidence(conn, "ai-alpha", "AISEC-PRE-002", DAY1, "missing")
    evidence(conn, "ai-beta", "AISEC-PRE-001", DAY1, "implemented")
    evidence(conn, "ai-gamma", "AISEC-PRE-003", DAY1, "implemented")
    catalog_control(conn, "AISEC-PRE-002", "Guardrail attached")
    maturity(conn, "Asset Management", DAY1, 2, 60.0)
    maturity(conn, "Incident Response", DAY1, 3, 70.0)
    detection(conn, "det-d1", datetime(2026, 12, 1, 8, 0), "critical", "ai-alpha")
    incident(conn, "INC-1", datetime(2026, 12, 1, 8, 30))


def seed_day2(conn: duckdb.DuckDBPyConnection) -> None:
    # beta is no longer reported (vanishes), delta is new; alpha and gamma stay.
    conn.execute("DELETE FROM discovery.discovered_assets WHERE asset_id = 'ai-beta'")
    discovered(conn, "ai-delta", "delta", datetime(2026, 12, 3, 9, 0))
    run_inventory(conn, datetime(2026, 12, 3, 10, 0), "run-2")
    score(conn, "ai-alpha", DAY2, "CRITICAL", 78.5)  # up
    score(conn, "ai-gamma", DAY2, "LOW", 20.0)  # down
    score(conn, "ai-delta", DAY2, "HIGH", 55.0)  # new asset: not a move
    evidence(conn, "ai-alpha", "AISEC-PRE-001", DAY2, "implemented")  # unchanged
    evidence(conn, "ai-alpha", "AISEC-PRE-002", DAY2, "implemented")  # gained
    evidence(conn, "ai-gamma", "AISEC-PRE-003", DAY2, "partly")  # lost
    evidence(conn, "ai-delta", "AISEC-PRE-001", DAY2, "implemented")  # new asset: not gained
    maturity(conn, "Asset Management", DAY2, 3, 85.0)  # up
    maturity(conn, "Incident Response", DAY2, 2, 45.0)  # down
    detection(conn, "det-a", datetime(2026, 12, 3, 8, 0), "critical", "ai-alpha")
    detection(conn, "det-b", datetime(2026, 12, 3, 8, 5), "critical", "ai-alpha")
    detection(conn, "det-c", datetime(2026, 12, 3, 9, 0), "critical", None, "AISEC-LLM-007")
    detection(conn, "det-high", datetime(2026, 12, 3, 9, 0), "high", "ai-alpha")
    detection(conn, "det-d2", datetime(2026, 12, 2, 9, 0), "critical", "ai-alpha")
    incident(conn, "INC-2", datetime(2026, 12, 3, 11, 0))
    incident(conn, "INC-3", datetime(2026, 12, 2, 11, 0))
    conn.execute(
        "UPDATE operations.incidents SET state = 'closed', closed_at = ? "
        "WHERE incident_id = 'INC-1'",
        [datetime(2026, 12, 3, 12, 0)],
    )
    close_in_timeline(conn, "INC-1", datetime(2026, 12, 3, 12, 0), "recovered")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_schema(c)
    run_sql(c, "schema/metrics_changes")
    yield c
    c.close()


def keyed(changes: ProgramChanges) -> set[tuple[Any, ...]]:
    return {
        (r["change_type"], r["subject_id"], r["related_id"], r["before"], r["after"])
        for r in changes.rows
    }


# ------------------------------------------------------------------ two runs


def test_first_day_records_a_baseline_not_every_asset_as_new(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    seed_day1(conn)
    changes = record_program_changes(conn, DAY1, run_id="run-1")
    # The comparisons give one baseline row; the day's events need no previous day.
    assert keyed(changes) == {
        ("baseline", "program", None, None, None),
        ("detection_critical", "det-d1", "ai-alpha", None, "critical"),
        ("incident_opened", "INC-1", "ai-alpha", None, "open"),
    }
    baseline = next(r for r in changes.rows if r["change_type"] == "baseline")
    assert baseline["detail"] == "first day with data: nothing to compare"
    assert changes.previous == dict.fromkeys(("inventory", "risk", "controls", "maturity"))
    assert "Baseline" in changelog_markdown(changes)


def test_second_run_lists_what_changed_against_the_previous_day_with_data(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    seed_day1(conn)
    record_program_changes(conn, DAY1, run_id="run-1")
    seed_day2(conn)
    changes = record_program_changes(conn, DAY2, run_id="run-2")

    assert keyed(changes) == {
        ("asset_new", "ai-delta", None, None, "active"),
        ("asset_vanished", "ai-beta", None, "active", "missing"),
        ("risk_up", "ai-alpha", None, "HIGH", "CRITICAL"),
        ("risk_down", "ai-gamma", None, "MEDIUM", "LOW"),
        ("detection_critical", "det-a", "ai-alpha", None, "critical"),
        ("detection_critical", "det-b", "ai-alpha", None, "critical"),
        ("detection_critical", "det-c", None, None, "critical"),
        ("incident_opened", "INC-2", "ai-alpha", None, "open"),
        ("incident_closed", "INC-1", "ai-alpha", "recovered", "closed"),
        ("control_gained", "ai-alpha", "AISEC-PRE-002", "missing", "implemented"),
        ("control_lost", "ai-gamma", "AISEC-PRE-003", "implemented", "partly"),
        ("maturity_up", "Asset Management", None, "2 Managed", "3 Defined"),
        ("maturity_down", "Incident Response", None, "3 Defined", "2 Managed"),
    }
    assert changes.previous == dict.fromkeys(("inventory", "risk", "controls", "maturity"), DAY1)
    rows = {(r["change_type"], r["subject_id"], r["related_id"]): r for r in changes.rows}
    up = rows[("risk_up", "ai-alpha", None)]
    assert (up["subject_name"], up["before_score"], up["after_score"]) == ("alpha", 61.0, 78.5)
    assert up["previous_date"] == DAY1
    assert rows[("maturity_up", "Asset Management", None)]["after_score"] == 85.0
    gained = rows[("control_gained", "ai-alpha", "AISEC-PRE-002")]
    assert (gained["subject_name"], gained["related_name"]) == ("alpha", "Guardrail attached")
    assert rows[("asset_new", "ai-delta", None)]["subject_name"] == "delta"
    assert rows[("detection_critical", "det-c", None)]["previous_date"] is None

    summary = changes.summary
    assert list(summary) == list(CHANGE_TYPES)
    assert summary["detection_critical"] == 3 and summary["baseline"] == 0
    assert sum(summary.values()) == 13

    text = changelog_markdown(changes)
    assert "**What changed on 2026-12-03** (vs 2026-12-01)" in text
    assert "- 1 new asset: delta" in text
    assert "- 1 vanished asset: beta" in text
    assert "- 1 risk increase: alpha HIGH→CRITICAL (61.0→78.5)" in text
    assert "- 1 risk decrease: gamma MEDIUM→LOW (40.0→20.0)" in text
    assert (
        "- 3 new critical detections: AISEC-LLM-001 title on alpha ×2, "
        "AISEC-LLM-007 title on an unmatched asset" in text
    )
    assert "- 1 control gained: alpha: AISEC-PRE-002 Guardrail attached" in text
    assert "- 1 maturity level up: Asset Management 2 Managed→3 Defined (60.0→85.0)" in text
    assert "- 1 incident closed: Prompt injection on INC-1 (INC-1)" in text


def test_rerunning_a_day_replaces_its_rows_and_leaves_other_days(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    seed_day1(conn)
    record_program_changes(conn, DAY1, run_id="run-1")
    seed_day2(conn)
    first = record_program_changes(conn, DAY2, run_id="run-2")
    again = record_program_changes(conn, DAY2, run_id="run-2b")
    assert again.rows == first.rows
    by_day = dict(
        conn.execute(
            "SELECT assessed_date, list(DISTINCT run_id) FROM metrics.program_changes GROUP BY ALL"
        ).fetchall()
    )
    assert by_day == {DAY1: ["run-1"], DAY2: ["run-2b"]}
    assert len(read_program_changes(conn, DAY2)) == 13
    # Rerunning the first day later (history now exists after it) is still its baseline.
    assert keyed(record_program_changes(conn, DAY1, run_id="run-1b")) >= {
        ("baseline", "program", None, None, None)
    }


def test_a_day_without_an_inventory_run_reports_no_asset_changes(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # A rescoring-only day: risk moves, but no snapshot in the day, so nothing about assets.
    seed_day1(conn)
    score(conn, "ai-alpha", DAY2, "CRITICAL", 90.0)
    changes = record_program_changes(conn, DAY2, run_id="run-2")
    assert {r["change_type"] for r in changes.rows} == {"risk_up"}
    assert changes.has_day == {
        "inventory": False,
        "risk": True,
        "controls": False,
        "maturity": False,
    }
    assert "inventory: no data on the day" in changelog_markdown(changes)


def test_a_source_that_starts_later_gets_its_own_baseline(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    seed_day1(conn)
    conn.execute("DELETE FROM metrics.maturity_scores")
    seed_day2(conn)
    changes = record_program_changes(conn, DAY2, run_id="run-2")
    baselines = [r for r in changes.rows if r["change_type"] == "baseline"]
    assert [(r["subject_id"], r["detail"]) for r in baselines] == [
        ("maturity", "first day with maturity data: nothing to compare")
    ]
    assert not any(r["change_type"].startswith("maturity") for r in changes.rows)


def test_incident_days_follow_the_organisations_timezone(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # 1 December in Paris is 30 Nov 23:00 .. 1 Dec 23:00 UTC.
    assert day_bounds(DAY1, "Europe/Paris") == (
        datetime(2026, 11, 30, 23, 0),
        datetime(2026, 12, 1, 23, 0),
    )
    incident(conn, "INC-early", datetime(2026, 11, 30, 23, 30))  # 00:30 on 1 Dec in Paris
    incident(conn, "INC-late", datetime(2026, 12, 1, 23, 30))  # 00:30 on 2 Dec in Paris
    changes = record_program_changes(conn, DAY1, run_id="r", timezone="Europe/Paris")
    opened = {r["subject_id"] for r in changes.rows if r["change_type"] == "incident_opened"}
    assert opened == {"INC-early"}


def test_the_last_snapshot_of_the_day_counts(conn: duckdb.DuckDBPyConnection) -> None:
    seed_day1(conn)
    record_program_changes(conn, DAY1, run_id="run-1")
    # Two inventory runs on day 2: epsilon appears in the first and is gone in the second.
    discovered(conn, "ai-eps", "epsilon", datetime(2026, 12, 3, 7, 0))
    run_inventory(conn, datetime(2026, 12, 3, 8, 0), "run-2a")
    conn.execute("DELETE FROM discovery.discovered_assets WHERE asset_id = 'ai-eps'")
    run_inventory(conn, datetime(2026, 12, 3, 9, 0), "run-2b")
    changes = record_program_changes(conn, DAY2, run_id="run-2")
    assert not [r for r in changes.rows if r["change_type"].startswith("asset_")]
    # A past day rerun twice stamps both snapshots at the same instant: the later one counts.
    end_of_day = datetime(2026, 12, 3, 23, 59, 59, 999999)
    discovered(conn, "ai-zeta", "zeta", datetime(2026, 12, 3, 7, 0))
    run_inventory(conn, end_of_day, "run-2c")
    conn.execute(
        "DELETE FROM discovery.discovered_assets WHERE asset_id IN ('ai-gamma', 'ai-zeta')"
    )
    run_inventory(conn, end_of_day, "run-2d")
    changes = record_program_changes(conn, DAY2, run_id="run-2")
    assert [
        (r["change_type"], r["subject_id"], r["after"])
        for r in changes.rows
        if r["change_type"].startswith("asset_")
    ] == [("asset_vanished", "ai-gamma", "missing")]


def change_rows(conn: duckdb.DuckDBPyConnection, kind: str, names: list[str]) -> None:
    conn.executemany(
        "INSERT INTO metrics.program_changes (assessed_date, change_type, subject_id, "
        "subject_name, detail, run_id) VALUES (?, ?, ?, ?, 'x', 'r')",
        [[DAY2, kind, f"id-{n}", name] for n, name in enumerate(names)],
    )


def test_changelog_is_capped_and_never_loads_every_row() -> None:
    conn = duckdb.connect()
    run_sql(conn, "schema/metrics_changes")
    change_rows(conn, "asset_new", [f"asset_{n}" for n in range(200)])
    changes = load_program_changes(conn, DAY2, per_type=20)
    assert changes.counts["asset_new"] == 200 and len(changes.rows) == 20
    text = changelog_markdown(changes, max_items=3)
    assert "- 200 new assets: asset\\_0, asset\\_1, asset\\_10, … and 197 more" in text

    conn.execute("DELETE FROM metrics.program_changes")
    for kind in CHANGE_TYPES:
        change_rows(conn, kind, ["n" * 900])
    capped = changelog_markdown(load_program_changes(conn, DAY2), max_chars=2000)
    assert len(capped) <= 2000
    assert capped.endswith("the full list is in metrics.program_changes)")


def test_changelog_redacts_credentials_before_escaping_markdown() -> None:
    key = planted_keys()["openai_project"]  # contains _ and -, which Markdown escaping alters
    conn = duckdb.connect()
    run_sql(conn, "schema/metrics_changes")
    change_rows(conn, "asset_new", [f"agent {key}"])
    text = changelog_markdown(load_program_changes(conn, DAY2))
    assert key not in text and key.replace("_", "\\_") not in text
    assert "redacted" in text


# ------------------------------------------------------------------ Dagster


def test_program_changes_materializes_with_a_changelog(tmp_path: Path) -> None:
    config = {"organisation": "Acme", "warehouse": {"path": "wh/aisec.duckdb"}}
    config_path = tmp_path / "aisec.yaml"
    config_path.write_text(yaml.safe_dump(config))
    settings = AisecSettings(config_path=str(config_path))
    warehouse = WarehouseResource(path=str(settings.config().warehouse.path))
    with warehouse.connect() as c:
        run_sql(c, "schema/metrics_changes")
        seed_day1(c)
        record_program_changes(c, DAY1, run_id="run-1")
        seed_day2(c)

    result = dg.materialize(
        list(CHANGES_ASSETS),
        resources={"settings": settings, "warehouse": warehouse},
        tags={AS_OF_TAG: DAY2.isoformat()},
    )
    assert result.success
    [materialization] = result.asset_materializations_for_node("program_changes")
    meta = materialization.metadata
    assert meta["changes_asset_new"].value == 1
    assert meta["changes_detection_critical"].value == 3
    assert meta["changes_total"].value == 13
    assert meta["summary"].value["risk_up"] == 1
    assert meta["compared_with"].value["risk"] == DAY1.isoformat()
    assert "- 1 risk increase: alpha HIGH→CRITICAL (61.0→78.5)" in meta["changelog"].value
    with warehouse.read() as published:
        (count,) = published.execute(
            "SELECT count(*) FROM metrics.program_changes WHERE assessed_date = ? AND run_id = ?",
            [DAY2, result.run_id],
        ).fetchone()
    assert count == 13


def test_deps_name_assets_of_the_graph_and_the_code_location_loads(tmp_path: Path) -> None:
    from aisec_jobs.definitions import build_definitions
    from aisec_resources.config import parse_config

    config = parse_config(
        {
            "organisation": "Acme",
            "warehouse": {"path": "w.duckdb"},
            "monitoring": {"start_date": "2026-11-01"},
        },
        tmp_path / "aisec.yaml",
    )
    defs = build_definitions(config)
    if not defs.resolve_asset_graph().has(dg.AssetKey("program_changes")):
        # Until the composition root registers CHANGES_ASSETS.
        defs = dg.Definitions.merge(defs, dg.Definitions(assets=list(CHANGES_ASSETS)))
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey("program_changes"))
    assert node.group_name == "metrics"
    assert {k.to_user_string() for k in node.parent_keys} == {
        "ai_assets",
        "risk_scores",
        "control_evidence",
        "incidents",
        "maturity_scores",
        "detections",
    }
    assert all(graph.has(key) for key in node.parent_keys)
    # An unpartitioned asset downstream of the daily detections partitions: every job resolves,
    # and the main job (the metrics group) runs it without the monitoring assets.
    main = defs.resolve_job_def("aisec_main_job")
    executable = main.asset_layer.executable_asset_keys
    assert dg.AssetKey("program_changes") in executable
    assert dg.AssetKey("detections") not in executable
