"""Program KPIs and maturity: the KPI SQL on a hand-built warehouse with known answers, NULL
with a reason where a deployment has nothing to measure, and every maturity threshold at its
boundary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from inventory_rows import insert_assets, make_asset

from aisec_assets.metrics.assets import day_kpis, kpi_metadata
from aisec_resources.config.metrics import LevelThresholds, MaturityThresholds, MetricsConfig
from aisec_resources.warehouse import create_schema, run_sql

DAY = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 12, 0)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_schema(c)
    yield c
    c.close()


def kpis(
    c: duckdb.DuckDBPyConnection, *, governance: bool = True, red_team: bool = True
) -> dict[str, Any]:
    run_sql(
        c,
        "metrics/program_kpis",
        {
            "assessed_date": DAY,
            "now": NOW,
            "stale_review_days": 90,
            "run_id": "r",
            "governance_configured": governance,
            "red_team_configured": red_team,
        },
    )
    return day_kpis(c, DAY)


def _scores(c: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, float]]) -> None:
    c.executemany(
        "INSERT INTO risk.risk_scores (asset_id, assessed_date, data_sensitivity_score, "
        "deployment_exposure_score, model_provenance_score, regulatory_impact_score, "
        "capability_risk_score, supply_chain_score, inherent_risk_score, control_effectiveness, "
        "residual_risk_score, risk_level, risk_reduction_percentage, risk_factors, top_driver, "
        "recommendations, operational_controls, scored_at, run_id, inherent_risk_level) "
        "VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0, ?, ?, 0, [], 'x', [], [], ?, 'r', ?)",
        [[a, DAY, score, level, NOW, level] for a, level, score in rows],
    )


def _incident(
    c: duckdb.DuckDBPyConnection,
    incident_id: str,
    opened: datetime,
    *,
    detect_hours: float,
    contained_after: float | None = None,
    recovered_after: float | None = None,
    state: str = "open",
    category: str = "jailbreak_bypass",
) -> None:
    def after(hours: float | None) -> datetime | None:
        return None if hours is None else opened + timedelta(hours=hours)

    c.execute(
        "INSERT INTO operations.incidents (incident_id, category, severity, title, origin, "
        "asset_id, asset_ref, actor, affected_assets, blast_radius, first_evidence_at, "
        "last_evidence_at, opened_at, evidence_count, rule_ids, state, personal_data, "
        "eu_ai_act_high_risk, contained_at, recovered_at) VALUES (?, ?, 'sev2', 't', "
        "'detection', 'a1', 'a1', 'k', [], [], ?, ?, ?, 1, [], ?, false, false, ?, ?)",
        [
            incident_id,
            category,
            opened - timedelta(hours=detect_hours),
            opened,
            opened,
            state,
            after(contained_after),
            after(recovered_after),
        ],
    )


def _catalog(c: duckdb.DuckDBPyConnection) -> None:
    for control_id, function in (("C-PREV", "preventive"), ("C-DET", "detective")):
        c.execute(
            "INSERT INTO controls.catalog_controls VALUES (?, 't', 'o', ?, NULL, [], [], 'LOW', "
            "1, [], 'b', MAP {}, 'v', 'd')",
            [control_id, function],
        )


def _evidence(c: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str]]) -> None:
    c.executemany(
        "INSERT INTO controls.control_evidence VALUES (?, ?, ?, NULL, true, ?, 'e', 's', NULL, "
        "'r')",
        [[DAY, asset, control, status] for asset, control, status in rows],
    )


def test_kpis_on_a_known_warehouse(conn: duckdb.DuckDBPyConnection) -> None:
    insert_assets(
        conn,
        [
            make_asset(
                "a1",
                owner_team="t",
                data_classification="internal",
                deployment_env="production",
                last_security_review=DAY - timedelta(days=10),
            ),
            make_asset(
                "a2",
                owner_team="t",
                data_classification="internal",
                deployment_env="production",
                last_security_review=DAY - timedelta(days=200),
            ),
            make_asset("a3", owner_team="t", data_classification="public", deployment_env="dev"),
            make_asset("a4", data_classification="public", deployment_env="dev"),  # no owner
            make_asset("gone", status="missing"),
        ],
    )
    _scores(
        conn,
        [("a1", "CRITICAL", 80.0), ("a2", "HIGH", 60.0), ("a3", "HIGH", 50.0), ("a4", "LOW", 10.0)],
    )
    _catalog(conn)
    # Required (inherent level >= LOW): a1..a4 x 2 controls = 8; implemented 3 (1 detective).
    _evidence(
        conn,
        [
            ("a1", "C-PREV", "implemented"),
            ("a1", "C-DET", "implemented"),
            ("a2", "C-PREV", "implemented"),
            ("a2", "C-DET", "partly"),
            ("a3", "C-PREV", "missing"),
            ("a3", "C-DET", "missing"),
            ("a4", "C-PREV", "missing"),
            ("a4", "C-DET", "missing"),
        ],
    )
    # Two incidents in the 30 days (MTTD 2 h and 4 h), one contained after 1 h and recovered
    # after 5 h; one older incident outside the window.
    _incident(
        conn,
        "INC-1",
        datetime(2026, 6, 20, 8),
        detect_hours=2,
        contained_after=1,
        recovered_after=5,
        state="recovered",
    )
    _incident(
        conn, "INC-2", datetime(2026, 6, 29, 8), detect_hours=4, category="pii_leakage_in_output"
    )
    _incident(conn, "INC-old", datetime(2026, 5, 1, 8), detect_hours=50, state="closed")
    # INC-2: its containment task is past due and not done, its detection task too; a
    # recovery task not yet due.
    conn.executemany(
        "INSERT INTO operations.incident_tasks VALUES ('INC-2', ?, ?, 'do', 'r', false, NULL, "
        "?, NULL)",
        [
            [1, "detection", NOW - timedelta(hours=20)],
            [2, "containment", NOW - timedelta(hours=1)],
            [3, "recovery", NOW + timedelta(hours=1)],
        ],
    )
    conn.executemany(
        "INSERT INTO compliance.compliance_gaps (assessed_date, asset_id, gap_type, severity, "
        "detail, run_id) VALUES (?, ?, ?, 'high', 'd', 'r')",
        [
            [DAY, "a1", "no_security_review"],
            [DAY, "a2", "expired_acceptance"],
            [DAY, None, "overdue_policy_review"],
        ],
    )
    conn.executemany(
        "INSERT INTO compliance.framework_compliance VALUES (?, 'owasp_llm', ?, 't', ?, 1, 1, "
        "[], [], 'd', 'r')",
        [[DAY, "R1", "met"], [DAY, "R2", "partly"], [DAY, "R3", "not_met"], [DAY, "R4", "manual"]],
    )
    k = kpis(conn, red_team=False)
    expected = {
        "total_ai_assets": 5,
        "active_ai_assets": 4,
        "assets_with_security_review": 2,
        "assets_with_stale_review": 1,
        "asset_coverage_rate": 0.75,
        "critical_risk_assets": 1,
        "high_risk_assets": 2,
        "mean_residual_risk": 50.0,
        "risk_acceptance_count": 0,
        "open_incidents": 2,  # INC-1 is recovered, not closed
        "incidents_last_30_days": 2,
        "mean_time_to_detect_hours": 3.0,
        "mean_time_to_contain_hours": 1.0,
        "mean_time_to_resolve_hours": 5.0,
        "controls_deployed": 4,
        "controls_operational": 3,
        "control_coverage_rate": 3 / 8,
        "detective_control_coverage_rate": 1 / 4,
        "compliance_gap_count": 3,
        "assets_with_gaps": 2,
        "overdue_incident_tasks": 2,
        "overdue_actions": 4,  # 2 tasks + expired acceptance + overdue policy review
        "framework_compliance_rate": 0.5,  # (1 + 0.5) / 3; manual not counted
        "red_team_engagements_ytd": None,
        "remediation_rate": None,
    }
    assert {name: k[name] for name in expected} == pytest.approx(expected)
    assert k["incidents_by_category"] == {"jailbreak_bypass": 1, "pii_leakage_in_output": 1}
    assert k["null_reasons"]["remediation_rate"].startswith("no red-team reports configured")
    assert "policy_currency_rate" in k["null_reasons"]  # governance configured, no policy
    meta = kpi_metadata(k)
    assert meta["kpi/mean_time_to_detect_hours"].value == 3.0
    assert "kpi/red_team_engagements_ytd" not in meta  # NULL is never plotted as 0
    assert json.loads(json.dumps(meta["kpi/null_reasons"].value))


def test_red_team_kpis_when_configured(conn: duckdb.DuckDBPyConnection) -> None:
    for engagement, started in (("E-1", datetime(2026, 2, 1)), ("E-0", datetime(2025, 11, 1))):
        conn.execute(
            "INSERT INTO operations.red_team_engagements (assessed_date, engagement_id, tool, "
            "asset_ref, report_file, report_run_id, first_started_at, started_at, reports, probes, "
            "failing_probes, open_findings, remediated_findings) "
            "VALUES (?, ?, 'garak', 'x', 'f', 'r', ?, ?, 1, 1, 0, 0, 0)",
            [DAY, engagement, started, started],
        )
    for finding, status in (("F1", "open"), ("F2", "remediated"), ("F3", "remediated")):
        conn.execute(
            "INSERT INTO operations.red_team_findings (finding_id, assessed_date, tool, "
            "engagement_id, asset_ref, probe, detector, attempts, failures, status, "
            "first_failed_on, last_failed_on, last_report_on, report_file, run_id) VALUES "
            "(?, ?, 'garak', 'E-1', 'x', 'p', 'd', 5, 1, ?, ?, ?, ?, 'f', 'r')",
            [finding, DAY, status, DAY, DAY, DAY],
        )
    k = kpis(conn)
    assert (k["red_team_engagements_ytd"], k["findings_from_red_team"]) == (1, 3)
    assert (k["findings_remediated"], k["remediation_rate"]) == (2, round(2 / 3, 4))


def test_an_empty_deployment_reports_null_with_reasons_never_zero(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    k = kpis(conn, governance=False, red_team=False)
    for name in (
        "asset_coverage_rate",
        "mean_residual_risk",
        "risk_acceptance_count",
        "mean_time_to_detect_hours",
        "mean_time_to_contain_hours",
        "mean_time_to_resolve_hours",
        "control_coverage_rate",
        "red_team_engagements_ytd",
        "findings_from_red_team",
        "remediation_rate",
        "framework_compliance_rate",
        "policy_currency_rate",
    ):
        assert k[name] is None, name
        assert k["null_reasons"][name], name
    assert k["null_reasons"]["risk_acceptance_count"].startswith("governance is not configured")
    # Counts of things that exist everywhere are real zeros.
    assert (k["total_ai_assets"], k["incidents_last_30_days"], k["overdue_actions"]) == (0, 0, 0)
    assert k["incidents_by_category"] == {}


def test_every_kpi_is_in_the_data_dictionary(conn: duckdb.DuckDBPyConnection) -> None:
    rows = conn.execute("SELECT kpi, definition FROM metrics.kpi_dictionary").fetchall()
    assert len(rows) >= 30
    for kpi, definition in rows:
        assert definition, kpi
        if kpi not in ("null_reasons",):
            assert "Sources:" in definition, kpi


# ------------------------------------------------------------------ maturity boundaries

KPI_DEFAULTS: dict[str, Any] = {
    "total_ai_assets": 10,
    "active_ai_assets": 10,
    "assets_with_security_review": 5,
    "assets_with_stale_review": 0,
    "asset_coverage_rate": 0.0,
    "critical_risk_assets": 0,
    "high_risk_assets": 0,
    "mean_residual_risk": 10.0,
    "compliance_gap_count": 0,
    "assets_with_gaps": 0,
    "controls_deployed": 0,
    "controls_operational": 0,
    "control_coverage_rate": None,
    "stale_sources": 0,
    "rejected_records": 0,
    "incidents_last_30_days": 0,
    "open_incidents": 0,
    "overdue_incident_tasks": 0,
}


def maturity(
    c: duckdb.DuckDBPyConnection, metrics: MetricsConfig | None = None, **values: Any
) -> dict[str, tuple[int, float, list[str], list[str]]]:
    row = {**KPI_DEFAULTS, **values}
    c.execute("DELETE FROM metrics.program_kpis")
    reasons = {k: "unknown in this test" for k, v in row.items() if v is None}
    c.execute(
        f"INSERT INTO metrics.program_kpis (kpi_date, run_id, null_reasons, {', '.join(row)}) "
        f"VALUES (?, 'r', ?, {', '.join('?' for _ in row)})",
        [DAY, reasons, *row.values()],
    )
    config = metrics or MetricsConfig()
    run_sql(
        c,
        "metrics/maturity_scores",
        {
            "assessed_date": DAY,
            "run_id": "r",
            "target_level": config.target_level,
            **config.maturity.variables(),
        },
    )
    return {
        d: (level, score, evidence, gaps)
        for d, level, score, evidence, gaps in c.execute(
            "SELECT dimension, level, score, evidence, gaps_to_next_level "
            "FROM metrics.maturity_scores"
        ).fetchall()
    }


@pytest.mark.parametrize(
    ("coverage", "level"),
    [(0.95, 4), (0.9499, 3), (0.80, 3), (0.7999, 2), (0.50, 2), (0.4999, 1), (None, 1)],
)
def test_asset_management_thresholds(
    conn: duckdb.DuckDBPyConnection, coverage: float | None, level: int
) -> None:
    got = maturity(conn, asset_coverage_rate=coverage)["Asset Management"]
    assert got[0] == level
    assert got[1] == pytest.approx(round((coverage or 0) * 100, 2))


@pytest.mark.parametrize(
    ("mttd", "mttc", "level"),
    [
        (0.99, 3.99, 4),
        (0.99, 4.0, 3),
        (0.99, None, 3),
        (3.99, 1.0, 3),
        (4.0, 1.0, 2),
        (23.99, 1.0, 2),
        (24.0, 1.0, 1),
        (None, None, 1),
    ],
)
def test_incident_response_thresholds(
    conn: duckdb.DuckDBPyConnection, mttd: float | None, mttc: float | None, level: int
) -> None:
    got = maturity(conn, mean_time_to_detect_hours=mttd, mean_time_to_contain_hours=mttc)
    assert got["Incident Response"][0] == level
    expected_score = max(0.0, 100 - mttd * 5) if mttd is not None else 0.0
    assert got["Incident Response"][1] == pytest.approx(round(expected_score, 2))
    if mttd is None:
        assert any("unknown" in e for e in got["Incident Response"][2])


@pytest.mark.parametrize(
    ("engagements", "rate", "level"),
    [
        (4, 0.90, 4),
        (4, 0.8999, 3),
        (5, None, 3),
        (2, 1.0, 3),
        (1, 1.0, 2),
        (0, None, 1),
        (None, None, 1),
    ],
)
def test_red_teaming_thresholds(
    conn: duckdb.DuckDBPyConnection, engagements: int | None, rate: float | None, level: int
) -> None:
    got = maturity(conn, red_team_engagements_ytd=engagements, remediation_rate=rate)
    assert got["Red Teaming"][0] == level
    assert got["Red Teaming"][1] == min(100, (engagements or 0) * 25)


@pytest.mark.parametrize(
    ("dimension", "kpi", "default_thresholds"),
    [
        ("Governance", "policy_currency_rate", (0.95, 0.80, 0.50)),
        ("Technical Controls", "control_coverage_rate", (0.90, 0.75, 0.50)),
        ("Monitoring", "detective_control_coverage_rate", (0.90, 0.70, 0.40)),
        ("Compliance", "framework_compliance_rate", (0.90, 0.70, 0.40)),
    ],
)
def test_configured_dimensions_at_each_boundary(
    conn: duckdb.DuckDBPyConnection,
    dimension: str,
    kpi: str,
    default_thresholds: tuple[float, float, float],
) -> None:
    t4, t3, t2 = default_thresholds
    for rate, level in (
        (t4, 4),
        (t4 - 1e-4, 3),
        (t3, 3),
        (t3 - 1e-4, 2),
        (t2, 2),
        (t2 - 1e-4, 1),
        (None, 1),
    ):
        got = maturity(conn, **{kpi: rate})[dimension]
        assert got[0] == level, (dimension, rate)
    # Thresholds come from configuration.
    key = dimension.lower().replace(" ", "_")
    strict = MetricsConfig(
        target_level=4,
        maturity=MaturityThresholds(**{key: LevelThresholds(level4=1.0, level3=0.99, level2=0.98)}),
    )
    assert maturity(conn, strict, **{kpi: 0.97})[dimension][0] == 1
    level = conn.execute(
        "SELECT target_level FROM metrics.maturity_scores WHERE dimension = ?", [dimension]
    ).fetchall()
    assert level == [(4,)]


def test_thresholds_must_not_increase() -> None:
    with pytest.raises(ValueError, match="must not increase"):
        LevelThresholds(level4=0.5, level3=0.8, level2=0.2)


def test_nist_function_scores(conn: duckdb.DuckDBPyConnection) -> None:
    rows = [
        ("GOVERN 1.1", "manual"),
        ("GOVERN 1.2", "met"),
        ("MAP 1.1", "met"),
        ("MAP 1.2", "not_met"),
        ("MEASURE 2.7", "partly"),
        ("MANAGE 4.1", "not_applicable"),
    ]
    conn.executemany(
        "INSERT INTO compliance.framework_compliance VALUES (?, 'nist_ai_rmf', ?, 't', ?, 1, 1, "
        "[], [], 'd', 'r')",
        [[DAY, rid, status] for rid, status in rows],
    )
    maturity(conn)
    scores = conn.execute(
        "SELECT function, met, partly, not_met, manual, not_applicable, score "
        "FROM metrics.nist_ai_rmf_scores ORDER BY function"
    ).fetchall()
    assert scores == [
        ("GOVERN", 1, 0, 0, 1, 0, 100.0),
        ("MANAGE", 0, 0, 0, 0, 1, None),
        ("MAP", 1, 0, 1, 0, 0, 50.0),
        ("MEASURE", 0, 1, 0, 0, 0, 50.0),
    ]
