"""An incident's regulatory report past its deadline and not recorded as filed is a compliance
gap (and an exported finding on the incident); recording it closes the gap."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from aisec_assets.operations.incidents import (
    GENESIS_HASH,
    IncidentError,
    broken_timelines,
    record_report,
)
from aisec_resources.warehouse import create_schema, query_sql, run_sql

OPENED = datetime(2026, 3, 1, 10, 0)
DAY = date(2026, 3, 20)
NOW = datetime(2026, 3, 20, 12, 0)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_schema(c)
    # INC-both owes both reports (Art. 73 due 03-16, GDPR due 03-04), INC-none owes none.
    for incident_id, art73, gdpr33 in (
        ("INC-both", OPENED + timedelta(days=15), OPENED + timedelta(hours=72)),
        ("INC-none", None, None),
        ("INC-later", NOW + timedelta(days=3), None),
    ):
        c.execute(
            "INSERT INTO operations.incidents (incident_id, category, severity, title, origin, "
            "asset_id, asset_ref, actor, affected_assets, blast_radius, first_evidence_at, "
            "last_evidence_at, opened_at, evidence_count, rule_ids, state, personal_data, "
            "eu_ai_act_high_risk, art73_due_at, gdpr33_due_at) VALUES (?, "
            "'pii_leakage_in_output', 'sev1', 'PII in answers', 'detection', NULL, 'chatbot', "
            "'key:1', [], [], ?, ?, ?, 1, [], 'contained', true, true, ?, ?)",
            [incident_id, OPENED, OPENED, OPENED, art73, gdpr33],
        )
        c.execute(
            "INSERT INTO operations.incident_timeline SELECT ?, 1, ?, 'aisec', 'opened', NULL, "
            "'open', 'opened', ?, operations.timeline_hash(?, ?, 1, ?, 'aisec', 'opened', NULL, "
            "'open', 'opened')",
            [incident_id, OPENED, GENESIS_HASH, GENESIS_HASH, incident_id, OPENED],
        )
    yield c
    c.close()


def gaps(c: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    run_sql(
        c,
        "compliance/compliance_gaps",
        {"assessed_date": DAY, "stale_review_days": 365, "run_id": "r", "now": NOW},
    )
    return c.execute(
        "SELECT incident_id, gap_type, severity FROM compliance.compliance_gaps "
        "WHERE incident_id IS NOT NULL ORDER BY ALL"
    ).fetchall()


def test_overdue_reports_are_gaps_until_recorded(conn: duckdb.DuckDBPyConnection) -> None:
    assert gaps(conn) == [
        ("INC-both", "overdue_art73_report", "critical"),
        ("INC-both", "overdue_gdpr33_notification", "critical"),
    ]
    detail = conn.execute(
        "SELECT detail FROM compliance.compliance_gaps WHERE gap_type = 'overdue_art73_report'"
    ).fetchall()[0][0]
    assert "2026-03-16 10:00:00" in detail and "(98 h ago)" in detail

    record_report(
        conn, "INC-both", "gdpr33", actor="dpo@example.com", at=NOW, reference="CNIL-2026-0042"
    )
    assert gaps(conn) == [("INC-both", "overdue_art73_report", "critical")]
    entry = conn.execute(
        "SELECT kind, actor, detail FROM operations.incident_timeline "
        "WHERE incident_id = 'INC-both' ORDER BY seq DESC LIMIT 1"
    ).fetchall()[0]
    assert entry[0:2] == ("report", "dpo@example.com")
    assert "filed (386 h after the deadline): CNIL-2026-0042" in entry[2]
    assert broken_timelines(conn) == []


def test_overdue_reports_are_exported_as_findings_on_the_incident(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    gaps(conn)
    rows = query_sql(conn, "compliance/findings", {"assessed_date": DAY})
    subjects = sorted((r["gap_type"], r["asset_id"], r["asset_type"]) for r in rows)
    assert subjects == [
        ("overdue_art73_report", "incident:INC-both", "incident"),
        ("overdue_gdpr33_notification", "incident:INC-both", "incident"),
    ]
    assert {r["asset_name"] for r in rows} == {"PII in answers"}


def test_a_report_is_recorded_once_and_only_where_owed(conn: duckdb.DuckDBPyConnection) -> None:
    record_report(conn, "INC-both", "art73", actor="lead@example.com", at=NOW, reference="MSA-1")
    with pytest.raises(IncidentError, match="already recorded as filed"):
        record_report(conn, "INC-both", "art73", actor="lead@example.com", at=NOW, reference="x")
    with pytest.raises(IncidentError, match="owes no"):
        record_report(conn, "INC-none", "gdpr33", actor="lead@example.com", at=NOW, reference="x")
    with pytest.raises(IncidentError, match="unknown regulation"):
        record_report(conn, "INC-both", "sec8k", actor="lead@example.com", at=NOW, reference="x")
    with pytest.raises(IncidentError, match="needs who filed it"):
        record_report(conn, "INC-later", "art73", actor="lead@example.com", at=NOW, reference=" ")
    # Filed before the deadline: no lateness recorded, and never a gap.
    record_report(conn, "INC-later", "art73", actor="lead@example.com", at=NOW, reference="M-2")
    details = conn.execute(
        "SELECT detail FROM operations.incident_timeline WHERE incident_id = 'INC-later' "
        "AND kind = 'report'"
    ).fetchall()
    assert details == [("EU AI Act Art. 73 serious-incident report filed: M-2",)]
