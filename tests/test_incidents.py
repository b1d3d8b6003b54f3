"""Incidents on a real DuckDB: grouping and dedup of detection streams (bursts, interleaved
actors, day boundaries), findings that open incidents, severity, blast radius, tasks, the
regulatory clocks (across time zones and DST), state changes, and the append-only timeline."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from inventory_rows import insert_assets, make_asset

from aisec_assets.operations.incidents import (
    IncidentError,
    add_note,
    broken_timelines,
    change_state,
    open_incidents,
)
from aisec_resources.warehouse import create_schema, run_sql

DAY = date(2026, 3, 27)
NOW = datetime(2026, 3, 27, 23, 30)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_schema(c)
    run_sql(c, "schema/operations")
    _playbooks(c)
    insert_assets(
        c,
        [
            make_asset(
                "agent",
                asset_type="ai_agent",
                name="claims-agent",
                deployment_env="production",
                data_classification="regulated",
                regulatory_scope=["eu_ai_act_high_risk", "gdpr"],
            ),
            make_asset("kb", asset_type="vector_database", deployment_env="production"),
            make_asset("portal", asset_type="api_endpoint", deployment_env="production"),
            make_asset("lab", asset_type="fine_tuned_model", deployment_env="research"),
            make_asset("prod-model", asset_type="fine_tuned_model", deployment_env="production"),
        ],
    )
    # portal -> agent -> kb: compromising kb reaches agent and portal.
    for source, target in (("agent", "kb"), ("portal", "agent")):
        c.execute(
            "INSERT INTO inventory.asset_dependencies VALUES (?, ?, 'depends_on', ?, true, ['t'])",
            [source, target, target],
        )
    c.execute(
        "INSERT INTO risk.risk_scores (asset_id, assessed_date, data_sensitivity_score, "
        "deployment_exposure_score, model_provenance_score, regulatory_impact_score, "
        "capability_risk_score, supply_chain_score, inherent_risk_score, control_effectiveness, "
        "residual_risk_score, risk_level, risk_reduction_percentage, risk_factors, top_driver, "
        "recommendations, operational_controls, scored_at, run_id) "
        "SELECT asset_id, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, level, 0, [], 'x', [], [], ?, 'r' "
        "FROM (VALUES ('agent', 'HIGH'), ('portal', 'LOW'), ('kb', 'MEDIUM')) t(asset_id, level)",
        [DAY - timedelta(days=1), NOW],
    )
    yield c
    c.close()


def _playbooks(c: duckdb.DuckDBPyConnection) -> None:
    for category, severity, personal in (
        ("prompt_injection_exploitation", "sev2", False),
        ("pii_leakage_in_output", "sev2", True),
        ("model_supply_chain_compromise", "sev1", False),
    ):
        c.execute(
            "INSERT INTO operations.playbooks (category, title, description, severity_default, "
            "personal_data, serious_incident_possible, evidence_to_collect, "
            "notification_requirements, runbook_markdown, content_hash, library_digest) "
            "VALUES (?, ?, 'd', ?, ?, true, [], '[]', '#', 'h', 'd')",
            [category, category.replace("_", " ").title(), severity, personal],
        )
        for step, (phase, minutes) in enumerate(
            (("detection", 15), ("containment", 30), ("eradication", 120)), start=1
        ):
            c.execute(
                "INSERT INTO operations.playbook_steps VALUES (?, ?, ?, 'do it', "
                "'ai_security_lead', false, NULL, ?, NULL)",
                [category, step, phase, minutes],
            )
    for category, kind, value in (
        ("prompt_injection_exploitation", "detection_family", "prompt_injection"),
        ("prompt_injection_exploitation", "detection_family", "indirect_injection"),
        ("pii_leakage_in_output", "detection_family", "pii_output"),
        ("model_supply_chain_compromise", "finding_type", "unsafe_model_file"),
    ):
        c.execute(
            "INSERT INTO operations.playbook_triggers VALUES (?, ?, ?)", [category, kind, value]
        )


_SEQ = iter(range(10**9))


def detection(
    at: datetime,
    *,
    family: str = "prompt_injection",
    severity: str = "high",
    asset_id: str | None = "agent",
    key: str | None = "k1",
    user: str | None = None,
) -> dict[str, Any]:
    n = next(_SEQ)
    return {
        "event_date": at.date(),
        "detection_id": f"det-{n}",
        "rule_id": f"AISEC-{family}",
        "rule_title": family,
        "family": family,
        "severity": severity,
        "logic_kind": "pattern",
        "event_id": f"ev-{n}",
        "event_time": at,
        "source": "litellm",
        "asset_id": asset_id,
        "asset_match": None if asset_id else "model-x",
        "target_field": "prompt",
        "subject": None,
        "evidence": "ignore previous instructions",
        "owasp": [],
        "atlas": [],
        "api_key_hash": key,
        "user_id": user,
        "session_id": None,
        "agent_id": None,
        "detected_at": at,
        "run_id": "r",
    }


def insert_detections(c: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    columns = [
        r[0]
        for r in c.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'monitoring' "
            "AND table_name = 'detections' ORDER BY column_index"
        ).fetchall()
    ]
    c.executemany(
        f"INSERT INTO monitoring.detections ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})",
        [[row.get(col) for col in columns] for row in rows],
    )


def run_day(c: duckdb.DuckDBPyConnection, day: date = DAY, **kwargs: Any) -> Any:
    now = datetime.combine(day, NOW.time())
    return open_incidents(c, day, now=now, run_id="run", **kwargs)


def incidents(c: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = c.execute("SELECT * FROM operations.incidents ORDER BY first_evidence_at")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# ------------------------------------------------------------------ grouping


def test_a_burst_from_one_key_is_one_incident(conn: duckdb.DuckDBPyConnection) -> None:
    start = datetime(2026, 3, 27, 9, 0)
    burst = [detection(start + timedelta(seconds=7 * i)) for i in range(300)]
    insert_detections(conn, burst)
    result = run_day(conn)
    assert result.opened == 1 and result.evidence == 300
    (incident,) = incidents(conn)
    assert incident["evidence_count"] == 300
    assert incident["first_evidence_at"] == start
    assert incident["category"] == "prompt_injection_exploitation"
    # The playbook's sev2, one step more severe on a HIGH risk asset.
    assert incident["severity"] == "sev1"
    assert incident["blast_radius"] == ["portal"]
    # Rerunning the day opens nothing and attaches nothing twice.
    again = run_day(conn)
    assert (again.opened, again.evidence) == (0, 0)
    assert len(incidents(conn)) == 1


def test_interleaved_actors_and_quiet_gaps_split_incidents(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    start = datetime(2026, 3, 27, 8, 0)
    rng = random.Random(7)
    rows = []
    for i in range(120):
        at = start + timedelta(seconds=30 * i)
        rows.append(detection(at, key=rng.choice(["k1", "k2", "k3"])))
    # k1 again three hours later: a new incident (gap of 60 minutes exceeded).
    rows.append(detection(start + timedelta(hours=4), key="k1"))
    # Another family on the same key and asset: another playbook, another incident.
    rows.append(detection(start + timedelta(minutes=5), family="pii_output", key="k1"))
    insert_detections(conn, rows)
    run_day(conn)
    keys = sorted((i["actor"], i["category"]) for i in incidents(conn))
    assert keys == [
        ("key:k1", "pii_leakage_in_output"),
        ("key:k1", "prompt_injection_exploitation"),
        ("key:k1", "prompt_injection_exploitation"),
        ("key:k2", "prompt_injection_exploitation"),
        ("key:k3", "prompt_injection_exploitation"),
    ]
    assert sum(i["evidence_count"] for i in incidents(conn)) == len(rows)


def test_a_burst_across_midnight_continues_yesterdays_incident(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    late = datetime(2026, 3, 27, 23, 40)
    insert_detections(conn, [detection(late + timedelta(minutes=i)) for i in range(10)])
    run_day(conn)
    early = datetime(2026, 3, 28, 0, 5)
    insert_detections(conn, [detection(early + timedelta(minutes=i)) for i in range(5)])
    result = run_day(conn, DAY + timedelta(days=1))
    assert (result.opened, result.grown, result.evidence) == (0, 1, 5)
    (incident,) = incidents(conn)
    assert incident["evidence_count"] == 15
    assert incident["last_evidence_at"] == early + timedelta(minutes=4)
    kinds = [
        k
        for (k,) in conn.execute(
            "SELECT kind FROM operations.incident_timeline ORDER BY seq"
        ).fetchall()
    ]
    assert kinds == ["opened", "evidence"]


def test_an_unattached_old_hit_neither_joins_nor_breaks_a_later_incident(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # A low hit in the morning opens nothing and stays unattached; it is read again the next
    # day but must not be pulled into the evening's incident nor split its midnight burst.
    insert_detections(conn, [detection(datetime(2026, 3, 27, 10, 0), severity="low")])
    late = datetime(2026, 3, 27, 23, 40)
    insert_detections(conn, [detection(late + timedelta(minutes=i)) for i in range(10)])
    assert run_day(conn).opened == 1
    early = datetime(2026, 3, 28, 0, 5)
    insert_detections(conn, [detection(early + timedelta(minutes=i)) for i in range(5)])
    result = run_day(conn, DAY + timedelta(days=1))
    assert (result.opened, result.grown, result.evidence) == (0, 1, 5)
    (incident,) = incidents(conn)
    assert incident["evidence_count"] == 15
    assert incident["first_evidence_at"] == late
    # A rerun of the day attaches nothing and reports no growth.
    assert run_day(conn, DAY + timedelta(days=1)).grown == 0


def test_a_late_hit_at_a_closed_incidents_first_instant_opens_a_new_one(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    start = datetime(2026, 3, 27, 9, 0)
    insert_detections(conn, [detection(start + timedelta(minutes=i)) for i in range(3)])
    run_day(conn)
    (first,) = incidents(conn)
    change_state(conn, first["incident_id"], "closed", actor="lead@example.com", at=NOW)
    # Delivered late, same key and the same instant as the closed incident's first hit.
    insert_detections(conn, [detection(start)])
    assert run_day(conn).opened == 1
    ids = [i["incident_id"] for i in incidents(conn)]
    assert len(set(ids)) == 2


def test_low_severity_alone_opens_nothing_but_joins_an_open_incident(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    t = datetime(2026, 3, 27, 10, 0)
    insert_detections(conn, [detection(t, severity="medium", key="quiet")])
    insert_detections(
        conn,
        [detection(t, key="loud"), detection(t + timedelta(minutes=3), severity="low", key="loud")],
    )
    run_day(conn)
    (incident,) = incidents(conn)
    assert incident["actor"] == "key:loud" and incident["evidence_count"] == 2
    assert run_day(conn, min_severity="medium").opened == 1


def test_unsafe_model_file_on_production_opens_an_incident(conn: duckdb.DuckDBPyConnection) -> None:
    for asset in ("prod-model", "lab"):
        conn.execute(
            "INSERT INTO compliance.compliance_gaps (assessed_date, asset_id, gap_type, severity, "
            "detail, run_id) VALUES (?, ?, 'unsafe_model_file', 'critical', 'os.system', 'r')",
            [DAY, asset],
        )
    run_day(conn)
    (incident,) = incidents(conn)
    assert incident["asset_id"] == "prod-model" and incident["origin"] == "finding"
    assert incident["category"] == "model_supply_chain_compromise"
    # No risk score for the asset: counted as CRITICAL, sev1 stays sev1.
    assert incident["severity"] == "sev1"
    # The same finding the next day attaches nothing new.
    conn.execute(
        "INSERT INTO compliance.compliance_gaps (assessed_date, asset_id, gap_type, severity, "
        "detail, run_id) VALUES (?, 'prod-model', 'unsafe_model_file', 'critical', 'x', 'r')",
        [DAY + timedelta(days=1)],
    )
    assert run_day(conn, DAY + timedelta(days=1)).evidence == 0


def test_tasks_are_due_one_timeout_after_another(conn: duckdb.DuckDBPyConnection) -> None:
    insert_detections(conn, [detection(datetime(2026, 3, 27, 9, 0))])
    run_day(conn)
    due = conn.execute(
        "SELECT step_number, due_at FROM operations.incident_tasks ORDER BY step_number"
    ).fetchall()
    assert due == [
        (1, NOW + timedelta(minutes=15)),
        (2, NOW + timedelta(minutes=45)),
        (3, NOW + timedelta(minutes=165)),
    ]


# ------------------------------------------------------------------ regulatory clocks


def test_regulatory_clocks_follow_the_local_calendar_across_dst(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # Opened 2026-03-27 23:30 UTC; Europe/Berlin moves to summer time on 2026-03-29.
    insert_detections(conn, [detection(datetime(2026, 3, 27, 9, 0), family="pii_output")])
    run_day(conn, timezone="Europe/Berlin")
    (incident,) = incidents(conn)
    assert incident["eu_ai_act_high_risk"] and incident["personal_data"]
    # GDPR Art. 33: 72 hours, whatever the calendar.
    assert incident["gdpr33_due_at"] == NOW + timedelta(hours=72)
    # Art. 73: 15 local days: 00:30 CET on 28 March -> 00:30 CEST on 12 April = 22:30 UTC.
    assert incident["art73_due_at"] == datetime(2026, 4, 11, 22, 30)


def test_no_clock_outside_scope(conn: duckdb.DuckDBPyConnection) -> None:
    insert_detections(conn, [detection(datetime(2026, 3, 27, 9, 0), asset_id="portal", key="kp")])
    run_day(conn)
    (incident,) = incidents(conn)
    assert incident["art73_due_at"] is None and incident["gdpr33_due_at"] is None
    # sev2 playbook on a LOW risk asset: one step less severe.
    assert incident["severity"] == "sev3"


# ------------------------------------------------------------------ states and timeline


def _one_incident(conn: duckdb.DuckDBPyConnection) -> str:
    insert_detections(conn, [detection(datetime(2026, 3, 27, 9, 0))])
    run_day(conn)
    return incidents(conn)[0]["incident_id"]


def test_states_move_forward_and_are_timed(conn: duckdb.DuckDBPyConnection) -> None:
    incident_id = _one_incident(conn)
    t = NOW + timedelta(minutes=10)
    change_state(conn, incident_id, "triaged", actor="soc@x", at=t, note="true positive")
    change_state(conn, incident_id, "eradicated", actor="soc@x", at=t + timedelta(hours=1))
    (row,) = incidents(conn)
    assert row["state"] == "eradicated"
    assert row["triaged_at"] == t
    # A skipped state is reached when the later one is.
    assert row["contained_at"] == row["eradicated_at"] == t + timedelta(hours=1)
    with pytest.raises(IncidentError, match="can only move forward"):
        change_state(conn, incident_id, "triaged", actor="soc@x", at=t)
    with pytest.raises(IncidentError, match="unknown state"):
        change_state(conn, incident_id, "resolved", actor="soc@x", at=t)
    with pytest.raises(IncidentError, match="no incident"):
        change_state(conn, "INC-nope", "closed", actor="soc@x", at=t)
    add_note(conn, incident_id, actor="soc@x", at=t, text="key sk-" + "proj-" + "A1b2" * 10)
    details = [
        d
        for (d,) in conn.execute(
            "SELECT detail FROM operations.incident_timeline ORDER BY seq"
        ).fetchall()
    ]
    assert details[1] == "open -> triaged: true positive"
    assert "A1b2A1b2" not in details[-1]
    metrics = conn.execute(
        "SELECT incidents, mttd_minutes, mttc_minutes FROM operations.incident_metrics_daily"
    ).fetchall()
    assert metrics == [(1, round((NOW - datetime(2026, 3, 27, 9, 0)).seconds / 60, 1), 70.0)]


def test_a_rewritten_or_deleted_entry_breaks_the_chain(conn: duckdb.DuckDBPyConnection) -> None:
    incident_id = _one_incident(conn)
    for i in range(3):
        add_note(conn, incident_id, actor="soc@x", at=NOW + timedelta(minutes=i), text=f"n{i}")
    assert broken_timelines(conn) == []
    conn.execute(
        "UPDATE operations.incident_timeline SET detail = 'nothing happened' "
        "WHERE incident_id = ? AND seq = 2",
        [incident_id],
    )
    assert broken_timelines(conn) == [incident_id]
    with pytest.raises(IncidentError, match="does not verify"):
        add_note(conn, incident_id, actor="soc@x", at=NOW, text="more")


def test_a_deleted_entry_is_detected(conn: duckdb.DuckDBPyConnection) -> None:
    incident_id = _one_incident(conn)
    for i in range(3):
        add_note(conn, incident_id, actor="soc@x", at=NOW + timedelta(minutes=i), text=f"n{i}")
    conn.execute(
        "DELETE FROM operations.incident_timeline WHERE incident_id = ? AND seq = 3",
        [incident_id],
    )
    assert broken_timelines(conn) == [incident_id]


def test_opened_entries_carry_json_safe_details(conn: duckdb.DuckDBPyConnection) -> None:
    incident_id = _one_incident(conn)
    (detail,) = conn.execute(
        "SELECT detail FROM operations.incident_timeline WHERE incident_id = ? AND seq = 1",
        [incident_id],
    ).fetchall()[0]
    assert detail.startswith("opened from 1 detection(s) (AISEC-prompt_injection)")
    json.dumps(detail)


def _red_team_finding(
    c: duckdb.DuckDBPyConnection, day: date, asset: str, *, status: str, hint: str | None
) -> None:
    c.execute(
        "INSERT INTO operations.red_team_findings (finding_id, assessed_date, tool, "
        "engagement_id, asset_id, asset_ref, probe, detector, category_hint, attempts, failures, "
        "pass_rate, status, first_failed_on, last_failed_on, last_report_on, remediated_on, "
        "report_file, run_id, excerpt) VALUES (?, ?, 'garak', 'RT-1', ?, ?, 'promptinject.Hijack', "
        "'promptinject.AttackRogueString', ?, 10, 4, 0.6, ?, ?, ?, ?, NULL, 'r.jsonl', 'r', 'x')",
        [
            f"RT-{asset}",
            day,
            asset,
            asset,
            hint,
            status,
            day - timedelta(days=2),
            day - timedelta(days=2),
            day - timedelta(days=2),
        ],
    )


def test_failing_red_team_probes_on_production_open_incidents(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    _red_team_finding(conn, DAY, "portal", status="open", hint="prompt_injection_exploitation")
    _red_team_finding(conn, DAY, "lab", status="open", hint="prompt_injection_exploitation")
    _red_team_finding(conn, DAY, "kb", status="remediated", hint=None)
    run_day(conn)
    (incident,) = incidents(conn)
    assert incident["asset_id"] == "portal" and incident["origin"] == "red_team"
    assert incident["category"] == "prompt_injection_exploitation"
    assert incident["actor"] == "red_team:garak"
    # The same open finding the next day attaches nothing new.
    _red_team_finding(conn, DAY + timedelta(days=1), "portal", status="open", hint=None)
    assert run_day(conn, DAY + timedelta(days=1)).evidence == 0
