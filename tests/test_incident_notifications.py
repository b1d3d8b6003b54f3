"""Incident notifications on a real DuckDB file and real local HTTP servers (the scripted server
of test_notifier.py): what the playbook requires is sent, every attempt lands in the hash-chained
timeline, a rerun sends nothing twice, and a failure is recorded and escalated, never skipped."""

from __future__ import annotations

import json
import logging
import random
import string
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import yaml
from test_notifier import FakeSleep, Reply, ScriptedHttp, free_port, notifications, planted_key

from aisec_assets.operations.incident_assets import incidents as incidents_asset
from aisec_assets.operations.incident_notifications import (
    ESCALATION_KIND,
    NOTIFICATION_KIND,
    notify_incidents,
)
from aisec_assets.operations.incidents import append_entry, broken_timelines, change_state
from aisec_assets.operations.playbook_library import PlaybookLibrary, load_playbooks
from aisec_resources.clock import AS_OF_TAG, NOW_TAG
from aisec_resources.config import load_config_file
from aisec_resources.notifier import Notifier, NotifierResource
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import WarehouseResource, create_schema

OPENED = datetime(2031, 3, 4, 9, 0)  # naive UTC, as the warehouse stores the run's clock
NOW = OPENED + timedelta(minutes=5)
CATEGORY = "prompt_injection_exploitation"
# prompt_injection_exploitation's requirements (aisec_assets/operations/playbooks):
ALWAYS = {"ai_security_lead", "model_owner"}
SEV1_SEV2 = {"ciso"}
PERSONAL = {"legal_compliance", "data_protection_officer", "supervisory_authority"}
SERIOUS = {"market_surveillance_authority"}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)


@pytest.fixture
def http_server() -> Iterator[Any]:
    servers: list[ScriptedHttp] = []

    def start(*script: Reply) -> ScriptedHttp:
        server = ScriptedHttp(list(script))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="module")
def library() -> PlaybookLibrary:
    return load_playbooks()


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_schema(c)
    yield c
    c.close()


_N = iter(range(1, 10**6))


def open_incident(
    c: duckdb.DuckDBPyConnection,
    *,
    severity: str = "sev2",
    personal_data: bool = False,
    high_risk: bool = False,
    category: str = CATEGORY,
    title: str = "Prompt injection exploitation on claims-agent",
    opened_at: datetime = OPENED,
) -> str:
    """An incident row as open_incidents.sql writes it, with its 'opened' timeline entry."""
    incident_id = f"INC-{next(_N):016x}"
    art73 = opened_at + timedelta(days=15) if high_risk and severity in ("sev1", "sev2") else None
    gdpr33 = opened_at + timedelta(hours=72) if personal_data else None
    # The 'opened' entry first: append_entry refuses an incident without history (a chain
    # that does not verify); open_incidents.sql writes both in one statement batch.
    append_entry(
        c,
        incident_id,
        at=opened_at,
        actor="aisec",
        kind="opened",
        detail="opened from 3 detection(s) (AISEC-prompt_injection)",
    )
    c.execute(
        "INSERT INTO operations.incidents (incident_id, category, severity, title, origin, "
        "asset_id, asset_ref, actor, affected_assets, blast_radius, first_evidence_at, "
        "last_evidence_at, opened_at, evidence_count, rule_ids, detection_severity, "
        "asset_risk_level, state, personal_data, eu_ai_act_high_risk, art73_due_at, "
        "gdpr33_due_at) VALUES (?, ?, ?, ?, 'detection', 'agent', 'agent', 'k1', ['agent'], "
        "['portal'], ?, ?, ?, 3, ['AISEC-prompt_injection'], 'high', 'HIGH', 'open', ?, ?, ?, ?)",
        [
            incident_id,
            category,
            severity,
            title,
            opened_at - timedelta(minutes=20),
            opened_at - timedelta(minutes=2),
            opened_at,
            personal_data,
            high_risk,
            art73,
            gdpr33,
        ],
    )
    return incident_id


def timeline(c: duckdb.DuckDBPyConnection, incident_id: str) -> list[tuple[str, str]]:
    return c.execute(
        "SELECT kind, detail FROM operations.incident_timeline WHERE incident_id = ? ORDER BY seq",
        [incident_id],
    ).fetchall()


def notes(c: duckdb.DuckDBPyConnection, incident_id: str, kind: str = NOTIFICATION_KIND):
    return [d for k, d in timeline(c, incident_id) if k == kind]


def entry_for(entries: list[str], key: str) -> str:
    (found,) = [e for e in entries if e.startswith(f"[notify {key}] ")]
    return found


def make_notifier(
    channels: dict[str, Any], routes: dict[str, list[str]], environ: dict[str, str], **retry: Any
) -> tuple[Notifier, FakeSleep]:
    sleep = FakeSleep()
    config = notifications(channels, routes, **retry)
    return Notifier(config, now=lambda: NOW, sleep=sleep, environ=environ), sleep


def hook(variable: str) -> dict[str, str]:
    return {"kind": "webhook", "url_env": variable}


def audiences(*servers: ScriptedHttp) -> list[str]:
    return sorted(r.json()["audience"] for s in servers for r in s.requests)


def url_token(seed: int) -> str:
    rng = random.Random(seed)
    return "T" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))


# ------------------------------------------------------------------ delivery


def test_what_the_playbook_requires_is_delivered_with_every_attempt_on_record(
    conn, library, http_server
) -> None:
    soar = http_server(Reply(500, body=b"upstream broke"), Reply(200))
    slack = http_server(Reply(503), Reply(503), Reply(200))
    n, sleep = make_notifier(
        {"soar": hook("SOAR"), "slack": {"kind": "slack", "url_env": "SLACK"}},
        {"ai_security_lead": ["soar"], "ciso": ["slack", "soar"], "model_owner": ["soar"]},
        {"SOAR": soar.url(), "SLACK": slack.url()},
    )
    incident = open_incident(conn, severity="sev2")

    summary = notify_incidents(conn, library, n, now=NOW)

    # sev2 without personal data on a system outside high-risk scope: the lead, the CISO (sev1/
    # sev2) and the model owner; not legal, the DPO or the authorities.
    assert (summary.delivered, summary.failed, summary.escalated) == (3, 0, 0)
    assert summary.not_applicable == 4 and summary.ok
    assert summary.attempts == 1 + 2 + 3 + 1  # lead 500+200, ciso soar 200 + slack 503x2+200
    assert sleep.requested == [1.0, 1.0, 2.0]
    assert audiences(soar) == ["ai_security_lead", "ai_security_lead", "ciso", "model_owner"]
    assert audiences() == [] and len(slack.requests) == 3

    entries = notes(conn, incident)
    assert [k for k, _ in timeline(conn, incident)] == ["opened"] + [NOTIFICATION_KIND] * 3
    lead = entry_for(entries, "ai_security_lead/chat")
    assert lead.startswith("[notify ai_security_lead/chat] delivered - ai_security_lead by chat ")
    assert "due 2031-03-04 09:30 UTC" in lead
    assert "delivered now: soar" in lead
    assert "soar (webhook) #1: failed, status 500, HTTP 500" in lead
    assert "upstream broke" in lead
    assert "soar (webhook) #2: ok, status 200" in lead
    ciso = entry_for(entries, "ciso/email")
    assert "delivered now: slack, soar" in ciso
    assert [line.split(":")[0].strip() for line in ciso.splitlines() if "#" in line] == [
        "slack (slack) #1",
        "slack (slack) #2",
        "slack (slack) #3",
        "soar (webhook) #1",
    ]
    assert broken_timelines(conn) == []

    # The message: what happened, where, by when.
    payload = next(r.json() for r in soar.requests if r.json()["audience"] == "ciso")
    assert payload["incident_id"] == incident and payload["severity"] == "SEV2"
    assert (
        payload["subject"] == f"Incident {incident}: Prompt injection exploitation on claims-agent"
    )
    assert "Asset: agent; blast radius: portal." in payload["body"]
    assert "due by 2031-03-04 11:00 UTC, 120 minutes after opening" in payload["body"]
    assert payload["fields"]["notify_by"] == "2031-03-04 11:00 UTC"
    assert payload["fields"]["playbook_channel"] == "email"

    # A rerun (later the same day, or the same run retried) sends nothing and records nothing.
    again = notify_incidents(conn, library, n, now=NOW + timedelta(hours=1))
    assert (again.delivered, again.failed, again.already_delivered, again.entries) == (0, 0, 3, 0)
    assert len(soar.requests) == 4 and len(slack.requests) == 3
    assert len(timeline(conn, incident)) == 4


def test_conditions_decide_who_is_told(conn, library, http_server) -> None:
    everyone = http_server()
    n, _ = make_notifier({"all": hook("ALL")}, {"default": ["all"]}, {"ALL": everyone.url()})
    sev3 = open_incident(conn, severity="sev3")
    personal = open_incident(conn, severity="sev3", personal_data=True)
    serious = open_incident(conn, severity="sev1", high_risk=True)
    high_risk_sev3 = open_incident(conn, severity="sev3", high_risk=True)

    summary = notify_incidents(conn, library, n, now=NOW)
    assert summary.failed == 0

    def told(incident: str) -> set[str]:
        return {
            r.json()["audience"] for r in everyone.requests if r.json()["incident_id"] == incident
        }

    assert told(sev3) == ALWAYS  # a SEV3 does not go to the CISO
    assert told(personal) == ALWAYS | PERSONAL
    assert told(serious) == ALWAYS | SEV1_SEV2 | SERIOUS
    assert told(high_risk_sev3) == ALWAYS  # not a serious incident at SEV3
    body = next(
        r.json()["body"]
        for r in everyone.requests
        if r.json()["audience"] == "market_surveillance_authority"
    )
    assert "EU AI Act Art. 73 serious-incident report due 2031-03-19 09:00 UTC." in body
    gdpr = next(
        r.json()["body"]
        for r in everyone.requests
        if r.json()["audience"] == "supervisory_authority"
    )
    assert "GDPR Art. 33 notification due 2031-03-07 09:00 UTC." in gdpr
    assert "Note: GDPR Art. 33, unless" in gdpr


def test_personal_data_found_later_sends_what_now_applies(conn, library, http_server) -> None:
    server = http_server()
    n, _ = make_notifier({"h": hook("H")}, {"default": ["h"]}, {"H": server.url()})
    incident = open_incident(conn, severity="sev3")
    notify_incidents(conn, library, n, now=NOW)
    assert audiences(server) == sorted(ALWAYS)
    conn.execute(
        "UPDATE operations.incidents SET personal_data = true WHERE incident_id = ?", [incident]
    )
    later = notify_incidents(conn, library, n, now=NOW + timedelta(hours=2))
    assert (later.delivered, later.already_delivered) == (3, 2)
    assert audiences(server) == sorted(ALWAYS | PERSONAL)


def test_a_report_filed_with_the_authority_stops_its_notification(conn, library) -> None:
    incident = open_incident(conn, severity="sev1", personal_data=True, high_risk=True)
    conn.execute(
        "UPDATE operations.incidents SET gdpr33_reported_at = ?, art73_reported_at = ? "
        "WHERE incident_id = ?",
        [NOW, NOW, incident],
    )
    summary = notify_incidents(conn, library, None, now=NOW)
    assert summary.already_reported == 2
    keys = {e.split("]")[0] for e in notes(conn, incident)}
    assert "[notify supervisory_authority/regulator_portal" not in keys
    assert "[notify market_surveillance_authority/regulator_portal" not in keys
    assert summary.failed == len(ALWAYS | SEV1_SEV2 | PERSONAL) - 1


def test_closed_incidents_are_not_notified(conn, library, http_server) -> None:
    server = http_server()
    n, _ = make_notifier({"h": hook("H")}, {"default": ["h"]}, {"H": server.url()})
    incident = open_incident(conn)
    change_state(conn, incident, "closed", actor="analyst@example.test", at=NOW, note="FP")
    summary = notify_incidents(conn, library, n, now=NOW)
    assert (summary.incidents, summary.delivered, summary.failed) == (0, 0, 0)
    assert server.requests == []


# ------------------------------------------------------------------ failures


def test_an_unrouted_audience_is_recorded_failed_and_escalated_then_delivered_once_routed(
    conn, library, http_server
) -> None:
    server = http_server()
    only_lead, _ = make_notifier({"h": hook("H")}, {"ai_security_lead": ["h"]}, {"H": server.url()})
    incident = open_incident(conn, severity="sev2")

    summary = notify_incidents(conn, library, only_lead, now=NOW)
    assert (summary.delivered, summary.failed, summary.no_route, summary.escalated) == (1, 2, 2, 1)
    assert not summary.ok
    assert sorted(f.split(" ")[1].rstrip(":") for f in summary.failures) == [
        "ciso/email",
        "model_owner/chat",
    ]
    ciso = entry_for(notes(conn, incident), "ciso/email")
    assert ciso.startswith("[notify ciso/email] FAILED, escalated - ciso by email within 120 min")
    assert "not sent: no notification route for audience ciso" in ciso
    assert "retried on the next run" in ciso
    (escalation,) = notes(conn, incident, ESCALATION_KIND)
    assert escalation.startswith("escalate: 2 notification(s) not delivered")
    assert "ciso/email (due 2031-03-04 11:00 UTC): no notification route" in escalation
    assert "model_owner/chat" in escalation
    size = len(timeline(conn, incident))

    # The same failure on a rerun: counted and reported again, not written again.
    again = notify_incidents(conn, library, only_lead, now=NOW + timedelta(minutes=10))
    assert (again.failed, again.escalated, again.entries) == (2, 0, 0)
    assert len(timeline(conn, incident)) == size

    # Past the deadline the record says so, and it is escalated again.
    overdue = notify_incidents(conn, library, only_lead, now=OPENED + timedelta(hours=3))
    assert (overdue.failed, overdue.escalated, overdue.entries) == (2, 1, 3)
    assert "(OVERDUE)" in notes(conn, incident)[-1]
    assert "OVERDUE" in notes(conn, incident, ESCALATION_KIND)[-1]

    # Routed at last: delivered (late), and that is the end of it.
    routed, _ = make_notifier({"h": hook("H")}, {"default": ["h"]}, {"H": server.url()})
    done = notify_incidents(conn, library, routed, now=OPENED + timedelta(hours=4))
    assert (done.delivered, done.failed, done.already_delivered) == (2, 0, 1)
    assert "(late)" in entry_for(
        [e for e in notes(conn, incident) if " delivered " in e], "ciso/email"
    )
    assert audiences(server) == sorted(["ai_security_lead", "ciso", "model_owner"])
    assert notify_incidents(conn, library, routed, now=OPENED + timedelta(hours=5)).entries == 0
    assert broken_timelines(conn) == []


def test_without_a_notifier_every_requirement_is_recorded_failed_and_escalated(
    conn, library
) -> None:
    incident = open_incident(conn, severity="sev1", personal_data=True)
    summary = notify_incidents(conn, library, None, now=NOW)
    applicable = ALWAYS | SEV1_SEV2 | PERSONAL
    assert (summary.failed, summary.not_configured, summary.escalated) == (len(applicable), 6, 1)
    entries = notes(conn, incident)
    assert len(entries) == len(applicable)
    assert all("FAILED" in e and "notifications are not configured" in e for e in entries)
    (escalation,) = notes(conn, incident, ESCALATION_KIND)
    assert f"escalate: {len(applicable)} notification(s) not delivered" in escalation
    assert broken_timelines(conn) == []


def test_a_channel_that_keeps_failing_is_retried_on_the_next_run_alone(
    conn, library, http_server
) -> None:
    good = http_server()
    bad = http_server(Reply(500), Reply(500))
    n, sleep = make_notifier(
        {"good": hook("GOOD"), "bad": hook("BAD")},
        {"ai_security_lead": ["good", "bad"], "default": ["good"]},
        {"GOOD": good.url(), "BAD": bad.url()},
        attempts=2,
    )
    incident = open_incident(conn, severity="sev3")

    first = notify_incidents(conn, library, n, now=NOW)
    assert (first.delivered, first.failed, first.escalated) == (1, 1, 1)  # model_owner; lead
    lead = entry_for(notes(conn, incident), "ai_security_lead/chat")
    assert lead.startswith("[notify ai_security_lead/chat] FAILED")
    assert "not delivered: bad: status 500 after 2 attempt(s)" in lead
    assert "delivered now: good" in lead
    assert "bad (webhook) #1: failed, status 500" in lead
    assert "bad (webhook) #2: failed, status 500" in lead
    assert sleep.requested == [1.0]
    assert len(good.requests) == 2 and len(bad.requests) == 2

    # Next run: the failed channel alone is tried again (the good one already has it).
    second = notify_incidents(conn, library, n, now=NOW + timedelta(minutes=15))
    assert (second.delivered, second.failed) == (1, 0)
    assert len(good.requests) == 2 and len(bad.requests) == 3
    lead = [e for e in notes(conn, incident) if e.startswith("[notify ai_security_lead/chat]")]
    assert lead[-1].startswith("[notify ai_security_lead/chat] delivered")
    assert "delivered now: bad" in lead[-1] and "delivered earlier: good" in lead[-1]
    assert notify_incidents(conn, library, n, now=NOW + timedelta(minutes=30)).entries == 0
    assert broken_timelines(conn) == []


def test_a_dead_channel_is_not_retried_again_in_the_same_run(conn, library) -> None:
    n, sleep = make_notifier(
        {"dead": hook("DEAD")},
        {"default": ["dead"]},
        {"DEAD": f"http://127.0.0.1:{free_port()}/hook"},
        attempts=3,
    )
    incident = open_incident(conn, severity="sev2")
    summary = notify_incidents(conn, library, n, now=NOW)
    assert (summary.failed, summary.attempts, summary.escalated) == (3, 3, 1)
    assert sleep.requested == [1.0, 2.0]  # one channel's backoff, once
    entries = notes(conn, incident)
    assert "dead (webhook) #3: failed" in entry_for(entries, "ai_security_lead/chat")
    assert "dead: not tried: failed earlier in this run (no answer after 3 attempt(s))" in (
        entry_for(entries, "ciso/email")
    )
    (escalation,) = notes(conn, incident, ESCALATION_KIND)
    assert escalation.count("\n  ") == 3


def test_an_unset_channel_variable_is_a_failure_named_without_a_value(conn, library) -> None:
    n, _ = make_notifier({"h": hook("AISEC_TEST_UNSET_HOOK")}, {"default": ["h"]}, {})
    incident = open_incident(conn, severity="sev3")
    summary = notify_incidents(conn, library, n, now=NOW)
    assert (summary.failed, summary.attempts, summary.escalated) == (2, 0, 1)
    lead = entry_for(notes(conn, incident), "ai_security_lead/chat")
    assert "h (webhook) #0: not sent, environment variable AISEC_TEST_UNSET_HOOK is not set" in (
        lead
    )
    # Nothing went out and nothing changed: not written again on the next run.
    assert notify_incidents(conn, library, n, now=NOW + timedelta(minutes=1)).entries == 0


def test_a_notifier_that_raises_is_recorded_without_its_message(conn, library) -> None:
    secret_url = f"https://hooks.example.test/{url_token(8)}"

    class Exploding(Notifier):
        def send(self, message: Any) -> Any:
            raise RuntimeError(f"cannot post to {secret_url}")

    config = notifications({"h": hook("H")}, {"default": ["h"]})
    n = Exploding(config, now=lambda: NOW, sleep=FakeSleep(), environ={})
    incident = open_incident(conn, severity="sev3")
    summary = notify_incidents(conn, library, n, now=NOW)
    assert (summary.failed, summary.escalated) == (2, 1)
    lead = entry_for(notes(conn, incident), "ai_security_lead/chat")
    assert "not delivered: h: notifier error RuntimeError" in lead
    assert secret_url not in json.dumps(timeline(conn, incident))
    # Something may have gone out: recorded again on the next run, never deduplicated away.
    assert notify_incidents(conn, library, n, now=NOW + timedelta(minutes=1)).entries == 3


def test_an_incident_with_a_broken_timeline_is_skipped_and_reported(
    conn, library, http_server
) -> None:
    server = http_server()
    n, _ = make_notifier({"h": hook("H")}, {"default": ["h"]}, {"H": server.url()})
    incident = open_incident(conn)
    conn.execute(
        "UPDATE operations.incident_timeline SET detail = 'rewritten' WHERE incident_id = ?",
        [incident],
    )
    summary = notify_incidents(conn, library, n, now=NOW)
    assert summary.broken == [incident] and not summary.ok
    assert server.requests == []


def test_an_incident_whose_category_has_no_playbook_is_escalated(conn, library) -> None:
    partial = PlaybookLibrary(
        playbooks={c: p for c, p in library.playbooks.items() if c != CATEGORY},
        files={},
        digest="test",
    )
    incident = open_incident(conn)
    summary = notify_incidents(conn, partial, None, now=NOW)
    assert (summary.failed, summary.escalated) == (1, 1)
    (entry,) = notes(conn, incident)
    assert entry.startswith("[notify playbook] FAILED, escalated - no playbook for category")
    assert notify_incidents(conn, partial, None, now=NOW).entries == 0


# ------------------------------------------------------------------ secrets


def test_no_webhook_url_token_or_key_reaches_the_timeline(conn, library, http_server) -> None:
    token = url_token(5)
    signature = url_token(6)
    server = http_server()
    url = server.url(f"/hooks/{token}?sig={signature}")
    echo = f"no hook at {url}".encode()
    server.script = [Reply(500, body=echo), Reply(502, body=echo)]
    key = planted_key(23)
    n, _ = make_notifier({"h": hook("H")}, {"default": ["h"]}, {"H": url})
    incident = open_incident(conn, severity="sev3", title=f"Key {key} printed by claims-agent")

    summary = notify_incidents(conn, library, n, now=NOW)
    assert summary.delivered == 2

    recorded = json.dumps(timeline(conn, incident))
    assert "no hook at" in recorded  # the server's words are kept ...
    for secret in (url, token, signature, "/hooks/", key, key[3:20]):
        assert secret not in recorded  # ... never the URL, its token, or a planted key
    sent = b"".join(r.body for r in server.requests).decode()
    assert key not in sent and "<redacted:" in sent
    assert broken_timelines(conn) == []


# ------------------------------------------------------------------ the asset


def test_the_incidents_asset_notifies_through_the_notifier_resource(
    tmp_path, http_server, monkeypatch
) -> None:
    config_path = tmp_path / "aisec.yaml"
    config_path.write_text(
        yaml.safe_dump({"organisation": "Acme", "warehouse": {"path": "warehouse.duckdb"}})
    )
    config = load_config_file(config_path)
    warehouse = WarehouseResource(path=str(config.warehouse.path))
    with warehouse.connect() as c:
        incident = open_incident(c, severity="sev2")
    server = http_server(Reply(500), Reply(200))
    monkeypatch.setenv("AISEC_TEST_INCIDENT_HOOK", server.url())
    routed = NotifierResource(
        channels={"hook": {"kind": "webhook", "url_env": "AISEC_TEST_INCIDENT_HOOK"}},
        routes={"default": ["hook"]},
        backoff_seconds=0.0,
        max_backoff_seconds=0.0,
    )
    resources = {
        "settings": AisecSettings(config_path=str(config_path)),
        "warehouse": warehouse,
    }
    tags = {AS_OF_TAG: NOW.date().isoformat(), NOW_TAG: NOW.isoformat()}

    result = dg.materialize(
        [incidents_asset], resources={**resources, "notifier": routed}, tags=tags
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("incidents")
    meta = {k: v.value for k, v in materialization.metadata.items()}
    assert meta["notifications_delivered"] == 3  # lead, CISO (sev2), model owner
    assert (meta["notifications_failed"], meta["notification_attempts"]) == (0, 4)
    assert audiences(server) == ["ai_security_lead", "ai_security_lead", "ciso", "model_owner"]

    # Not configured: nothing to send, but never silently: recorded, escalated, warned.
    with warehouse.connect() as c:
        other = open_incident(c, severity="sev3")
    instance = dg.DagsterInstance.ephemeral()
    unrouted = dg.materialize(
        [incidents_asset],
        resources={**resources, "notifier": NotifierResource()},
        tags=tags,
        instance=instance,
    )
    assert unrouted.success
    (materialization,) = unrouted.asset_materializations_for_node("incidents")
    meta = {k: v.value for k, v in materialization.metadata.items()}
    assert (meta["notifications_failed"], meta["notifications_not_configured"]) == (2, 2)
    assert meta["notification_escalations"] == 1
    warned = [
        entry.user_message
        for entry in instance.all_logs(unrouted.run_id)
        if entry.level == logging.WARNING
    ]
    assert any("2 incident notification(s) NOT delivered" in w for w in warned), warned
    with warehouse.read() as c:
        assert len(notes(c, other, ESCALATION_KIND)) == 1
        assert len(notes(c, incident)) == 3  # the first incident: delivered, nothing new
        assert broken_timelines(c) == []
