"""The controls pillar in SQL on a real DuckDB: evidence facts from posture, dependencies and
declarations; control evidence, coverage and framework compliance; risk taking its control
effectiveness from the evidence (and keeping the brief's parity for declared controls); gaps
closing when posture improves and reopening when an acceptance expires."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from inventory_rows import control, insert_assets, make_asset
from risk_reference import assess_asset

from aisec_assets.controls.assessment import (
    assess_control_coverage,
    assess_control_evidence,
    write_library_tables,
)
from aisec_assets.controls.library import load_library
from aisec_assets.risk.scoring import score_assets, write_risk_model_tables
from aisec_resources.config import RiskModel
from aisec_resources.records import ASSET_TYPES, CONTROL_TYPES
from aisec_resources.warehouse import create_schema, run_sql

DAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 23, 0)
LIBRARY = load_library()


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_schema(c)
    write_library_tables(c, LIBRARY)
    write_risk_model_tables(c, RiskModel())
    yield c
    c.close()


def assess(
    c: duckdb.DuckDBPyConnection,
    assets: list[Mapping[str, Any]],
    *,
    day: date = DAY,
    edges: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> None:
    """Replace the inventory with `assets` (+ dependency edges) and run the day's assessment:
    evidence → risk → coverage → framework compliance → gaps."""
    c.execute("DELETE FROM inventory.ai_assets")
    c.execute("DELETE FROM inventory.asset_dependencies")
    insert_assets(c, assets)
    for source, target, relation in edges:
        c.execute(
            "INSERT INTO inventory.asset_dependencies VALUES (?, ?, ?, ?, true, ['test'])",
            [source, target, relation, target],
        )
    assess_control_evidence(c, day, "run", stale_review_days=90)
    score_assets(c, day, "run", scored_at=NOW)
    assess_control_coverage(c, day, "run")
    run_sql(c, "compliance/framework_compliance", {"assessed_date": day, "run_id": "run"})
    run_sql(
        c,
        "compliance/compliance_gaps",
        {"assessed_date": day, "stale_review_days": 90, "run_id": "run"},
    )


def facts(c: duckdb.DuckDBPyConnection, asset_id: str, day: date = DAY) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for fact, state in c.execute(
        "SELECT fact, state FROM controls.evidence_facts WHERE asset_id = ? AND assessed_date = ?",
        [asset_id, day],
    ).fetchall():
        out.setdefault(fact, set()).add(state)
    return out


def status_by_control(
    c: duckdb.DuckDBPyConnection, asset_id: str, day: date = DAY
) -> dict[str, str]:
    return dict(
        c.execute(
            "SELECT control_id, status FROM controls.control_evidence "
            "WHERE asset_id = ? AND assessed_date = ?",
            [asset_id, day],
        ).fetchall()
    )


def controls_with_fact(fact: str, **where: Any) -> list[str]:
    return [
        c.id
        for c in LIBRARY.catalog.controls
        if fact in c.evidence.facts and all(getattr(c, k) == v for k, v in where.items())
    ]


def risk(c: duckdb.DuckDBPyConnection, asset_id: str, day: date = DAY) -> dict[str, Any]:
    cursor = c.execute(
        "SELECT * FROM risk.risk_scores WHERE asset_id = ? AND assessed_date = ?", [asset_id, day]
    )
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def gaps(c: duckdb.DuckDBPyConnection, asset_id: str, day: date = DAY) -> list[tuple[str, str]]:
    return c.execute(
        "SELECT gap_type, detail FROM compliance.compliance_gaps "
        "WHERE asset_id = ? AND assessed_date = ? ORDER BY ALL",
        [asset_id, day],
    ).fetchall()


def posture(**by_source: dict[str, Any]) -> str:
    return json.dumps(by_source)


AGENT = dict(
    asset_type="ai_agent",
    owner_team="claims",
    data_classification="restricted",
    deployment_env="production",
    network_exposure="internal",
    is_self_hosted=False,
    model_provider="aws_bedrock",
    cloud_provider="aws",
    last_security_review=DAY - timedelta(days=10),
)


def guardrail_asset(asset_id: str, *, published: bool = True, strength: str = "HIGH") -> dict:
    return make_asset(
        asset_id,
        asset_type="guardrail_config",
        owner_team="claims",
        cloud_provider="aws",
        posture=posture(
            aws_bedrock={
                "prompt_attack_filter_strength": strength,
                "pii_entities": {"EMAIL": {"input": "ANONYMIZE", "output": "ANONYMIZE"}},
                "regex_filters": 0,
                "content_filters": {"HATE": {"input": "HIGH", "output": "HIGH"}},
                "contextual_grounding": {},
                "guardrail_status": "READY",
                "published": published,
            }
        ),
    )


# ------------------------------------------------------------------ evidence from posture


def test_an_agent_inherits_the_guardrail_it_uses(conn: duckdb.DuckDBPyConnection) -> None:
    """The demo's blind spot: a uses_guardrail edge with no `guardrails` control listed."""
    agent = make_asset("agent", **AGENT)
    assess(conn, [agent, guardrail_asset("rail")], edges=[("agent", "rail", "uses_guardrail")])
    found = facts(conn, "agent")
    assert found["guardrail.attached"] == {"implemented"}
    assert found["guardrail.prompt_attack_filter"] == {"implemented"}
    assert found["guardrail.sensitive_info_filter"] == {"implemented"}
    guarded = risk(conn, "agent")
    assert "guardrails" in guarded["operational_controls"]
    assert "input_filtering" in guarded["operational_controls"]
    for control_id in controls_with_fact("guardrail.attached"):
        assert status_by_control(conn, "agent").get(control_id) == "implemented", control_id

    # Remove the guardrail: risk rises, the missing guardrail is a gap.
    assess(conn, [agent])
    unguarded = risk(conn, "agent")
    assert unguarded["residual_risk_score"] > guarded["residual_risk_score"]
    assert "guardrails" not in unguarded["operational_controls"]
    assert any(
        gap == "missing_required_control" and control_id in detail
        for gap, detail in gaps(conn, "agent")
        for control_id in controls_with_fact("guardrail.attached")
    )


def test_a_draft_guardrail_counts_only_as_partly(conn: duckdb.DuckDBPyConnection) -> None:
    agent = make_asset("agent", **AGENT)
    rail = guardrail_asset("rail", published=False)
    assess(conn, [agent, rail], edges=[("agent", "rail", "uses_guardrail")])
    found = facts(conn, "agent")
    assert found["guardrail.attached"] == {"partly"}
    assert found["guardrail.prompt_attack_filter"] == {"partly"}
    assert "guardrails" not in risk(conn, "agent")["operational_controls"]


@pytest.mark.parametrize(
    ("source", "posture_facts", "fact", "state"),
    [
        (
            "azure_openai",
            {"public_network_access": "Disabled"},
            "network.private_access",
            "implemented",
        ),
        (
            "azure_openai",
            {"public_network_access": "Enabled", "network_acl_default_action": "Deny"},
            "network.private_access",
            "partly",
        ),
        (
            "azure_openai",
            {"public_network_access": "Enabled", "network_acl_default_action": "Allow"},
            "network.private_access",
            "missing",
        ),
        ("azure_openai", {"disable_local_auth": True}, "auth.keyless", "implemented"),
        ("azure_openai", {"disable_local_auth": False}, "auth.keyless", "missing"),
        (
            "azure_openai",
            {"customer_managed_key": True},
            "encryption.customer_managed_key",
            "implemented",
        ),
        (
            "azure_openai",
            {"prompt_shield_jailbreak": "block"},
            "guardrail.prompt_attack_filter",
            "implemented",
        ),
        (
            "azure_openai",
            {"prompt_shield_jailbreak": "annotate"},
            "guardrail.prompt_attack_filter",
            "partly",
        ),
        (
            "azure_openai",
            {"prompt_shield_jailbreak": "off"},
            "guardrail.prompt_attack_filter",
            "missing",
        ),
        (
            "azure_openai",
            {"content_filter_attached": True, "content_filter": {"completion_blocking": ["Hate"]}},
            "guardrail.content_filter",
            "implemented",
        ),
        ("azure_openai", {"deployment_capacity": 50}, "rate_limit.quota", "implemented"),
        ("aws_bedrock", {"invocation_logging": True}, "logging.invocation", "implemented"),
        ("aws_bedrock", {"invocation_logging": False}, "logging.invocation", "missing"),
        (
            "aws_bedrock",
            {"encryption_key": "customer_managed"},
            "encryption.customer_managed_key",
            "implemented",
        ),
        (
            "aws_bedrock",
            {"encryption_key": "aws_owned"},
            "encryption.customer_managed_key",
            "missing",
        ),
        (
            "aws_bedrock",
            {"code_interpreter_enabled": True},
            "agent.code_interpreter_disabled",
            "missing",
        ),
        ("aws_bedrock", {"return_control": True}, "agent.human_confirmation", "implemented"),
        ("aws_bedrock", {"api_schema_present": False}, "agent.tool_schema_defined", "missing"),
        ("aws_bedrock", {"guardrail_attached": False}, "guardrail.attached", "missing"),
        (
            "aws_bedrock",
            {"guardrail_attached": True, "guardrail": {"version": "3", "status": "READY"}},
            "guardrail.attached",
            "implemented",
        ),
        (
            "aws_sagemaker",
            {"data_capture": {"enabled": True}, "endpoint_config_collected": True},
            "logging.invocation",
            "implemented",
        ),
        ("aws_sagemaker", {"network_isolated": True}, "network.private_access", "implemented"),
        (
            "aws_sagemaker",
            {"secret_like_environment_variables": ["DB_PASSWORD"]},
            "secrets.none_in_config",
            "missing",
        ),
        (
            "huggingface",
            {
                "model_files": [{"file": "model.safetensors"}],
                "pickle_files": [],
                "unsafe_imports": [],
            },
            "model_files.safe_format",
            "implemented",
        ),
        (
            "huggingface",
            {"model_files": [{"file": "a.bin"}], "pickle_files": ["a.bin"], "unsafe_imports": []},
            "model_files.safe_format",
            "partly",
        ),
        (
            "huggingface",
            {
                "model_files": [{"file": "a.bin"}],
                "pickle_files": ["a.bin"],
                "unsafe_imports": ["os.system"],
            },
            "model_files.safe_format",
            "missing",
        ),
    ],
)
def test_evidence_facts_from_posture(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    posture_facts: dict[str, Any],
    fact: str,
    state: str,
) -> None:
    # A Bedrock agent's own settings are read on agents only.
    agent_fact = source == "aws_bedrock" and fact.startswith(("agent.", "guardrail.attached"))
    asset_type = "ai_agent" if agent_fact else "api_endpoint"
    asset = make_asset("a", asset_type=asset_type, posture=posture(**{source: posture_facts}))
    assess(conn, [asset])
    assert facts(conn, "a").get(fact) == {state}
    # The fact reaches every catalog control that names it (when the control applies).
    statuses = status_by_control(conn, "a")
    expected = {"implemented": "implemented", "partly": "partly", "missing": "missing"}[state]
    for control_id in controls_with_fact(fact):
        if control_id in statuses and statuses[control_id] != "not_applicable":
            assert statuses[control_id] in {expected, "implemented"}, control_id


def test_record_facts_and_their_worst_cases(conn: duckdb.DuckDBPyConnection) -> None:
    good = make_asset(
        "good",
        owner_team="t",
        data_classification="internal",
        sbom_available=True,
        last_security_review=DAY - timedelta(days=5),
    )
    stale = make_asset("stale", last_security_review=DAY - timedelta(days=91))
    bad = make_asset(
        "bad",
        owner_team="t",
        data_classification=None,
        sbom_available=True,
        last_security_review=DAY,
        invalid_fields=["data_classification", "sbom_available", "last_security_review"],
    )
    assess(conn, [good, stale, bad])
    assert facts(conn, "good")["sbom.available"] == {"implemented"}
    assert facts(conn, "good")["review.current"] == {"implemented"}
    assert facts(conn, "good")["ownership.assigned"] == {"implemented"}
    assert facts(conn, "good")["data.classified"] == {"implemented"}
    assert facts(conn, "stale")["review.current"] == {"partly"}
    assert facts(conn, "stale")["ownership.assigned"] == {"missing"}
    # An invalid value never counts as a control in place.
    for fact in ("sbom.available", "review.current", "data.classified"):
        assert facts(conn, "bad")[fact] == {"missing"}, fact


# ------------------------------------------------------------------ applicability


def test_conditions_decide_applicability_and_unknown_counts_as_holding(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    azure_only = [c for c in LIBRARY.catalog.controls if c.applies_when == ["azure"]]
    files_only = [c for c in LIBRARY.catalog.controls if "has_model_files" in c.applies_when]
    assert azure_only and files_only
    on_aws = make_asset("aws", asset_type=azure_only[0].applies_to[0], cloud_provider="aws")
    no_files = make_asset("nofiles", asset_type=files_only[0].applies_to[0])
    unknown_type = make_asset("unknown", asset_type="unknown", invalid_fields=["asset_type"])
    assess(conn, [on_aws, no_files, unknown_type])
    assert status_by_control(conn, "aws")[azure_only[0].id] == "not_applicable"
    assert status_by_control(conn, "nofiles")[files_only[0].id] == "not_applicable"
    # An invalid asset type: every control's type list matches (nothing hidden).
    listed = status_by_control(conn, "unknown")
    assert set(listed) == {c.id for c in LIBRARY.catalog.controls}


def test_required_controls_follow_the_inherent_level(conn: duckdb.DuckDBPyConnection) -> None:
    low = make_asset(
        "low",
        asset_type="evaluation_dataset",
        data_classification="public",
        deployment_env="research",
        network_exposure="internal",
        regulatory_scope=["none"],
        model_provider="openai",
        last_security_review=DAY,
        sbom_available=True,
        license_type="mit",
    )
    high = make_asset("high", **{**AGENT, "network_exposure": "public"})
    assess(conn, [low, high])
    levels = dict(
        conn.execute(
            "SELECT asset_id, inherent_risk_level FROM controls.control_coverage "
            "WHERE assessed_date = ?",
            [DAY],
        ).fetchall()
    )
    assert levels["low"] == "LOW" and levels["high"] in {"HIGH", "CRITICAL"}
    required = dict(
        conn.execute(
            "SELECT asset_id, list(control_id) FROM controls.required_controls "
            "WHERE assessed_date = ? AND required GROUP BY ALL",
            [DAY],
        ).fetchall()
    )
    ranks = {c.id: c.required_from for c in LIBRARY.catalog.controls}
    assert all(ranks[c] == "LOW" for c in required.get("low", []))
    assert any(ranks[c] in {"HIGH", "CRITICAL"} for c in required["high"])


# ------------------------------------------------------------------ risk parity


@pytest.mark.parametrize(
    "asset_type", [t for t in ASSET_TYPES if t not in {"api_key", "integration_point"}]
)
def test_declared_controls_keep_the_briefs_effectiveness(
    conn: duckdb.DuckDBPyConnection, asset_type: str
) -> None:
    """An asset whose controls are declared only scores exactly as the brief's formula."""
    assets = [
        make_asset(
            f"{asset_type}-{i}",
            asset_type=asset_type,
            controls=[
                control(t, operational=(j % 3 != 0)) for j, t in enumerate(CONTROL_TYPES[i:])
            ],
        )
        for i in range(0, len(CONTROL_TYPES), 3)
    ]
    assess(conn, assets)
    for asset in assets:
        stored = risk(conn, asset["asset_id"])
        row = conn.execute(
            "SELECT * FROM inventory.ai_assets WHERE asset_id = ?", [asset["asset_id"]]
        )
        names = [d[0] for d in row.description]
        expected = assess_asset(dict(zip(names, row.fetchone(), strict=True)), RiskModel(), DAY)
        assert stored["control_effectiveness"] == expected["control_effectiveness"]
        assert stored["residual_risk_score"] == expected["residual_risk_score"]
        assert stored["operational_controls"] == expected["operational_controls"]


# ------------------------------------------------------------------ posture change, acceptance


def endpoint(logging_on: bool, public: bool) -> dict[str, Any]:
    return make_asset(
        "endpoint",
        asset_type="api_endpoint",
        owner_team="claims",
        data_classification="confidential",
        deployment_env="production",
        network_exposure="public" if public else "vpc",
        cloud_provider="aws",
        model_provider="aws_bedrock",
        is_self_hosted=False,
        posture=posture(aws_bedrock={"invocation_logging": logging_on}),
        controls=[control("monitoring")] if logging_on else [],
    )


def test_a_posture_change_lowers_residual_risk_and_closes_gaps(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    assess(conn, [endpoint(logging_on=False, public=True)])
    before = risk(conn, "endpoint")
    gaps_before = gaps(conn, "endpoint")
    logging_controls = controls_with_fact("logging.invocation")
    assert any(any(cid in d for cid in logging_controls) for _, d in gaps_before)

    later = DAY + timedelta(days=1)
    assess(conn, [endpoint(logging_on=True, public=False)], day=later)
    after = risk(conn, "endpoint", later)
    gaps_after = gaps(conn, "endpoint", later)
    assert after["residual_risk_score"] < before["residual_risk_score"]
    assert not any(any(cid in d for cid in logging_controls) for _, d in gaps_after)
    assert len(gaps_after) < len(gaps_before)
    # The earlier day is history, unchanged.
    assert gaps(conn, "endpoint") == gaps_before


def _accept(
    c: duckdb.DuckDBPyConnection,
    day: date,
    *,
    control_id: str | None,
    finding: str | None,
    expires_on: date,
) -> None:
    status = "active" if expires_on >= day else "expired"
    c.execute(
        "INSERT INTO governance.risk_acceptances (acceptance_id, asset_ref, asset_id, control_id, "
        "finding_type, owner, justification, approver, approver_team, approved_on, expires_on, "
        "status, reason, assessed_date, run_id) VALUES "
        "('RA-1', 'endpoint', 'endpoint', ?, ?, 'owner@x', 'compensating control', "
        "'ciso@x', 'security', ?, ?, ?, NULL, ?, 'run')",
        [control_id, finding, day - timedelta(days=30), expires_on, status, day],
    )


def test_an_accepted_control_is_no_gap_until_the_day_after_expiry(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    control_id = next(
        cid
        for cid in controls_with_fact("logging.invocation")
        if LIBRARY.control(cid).required_from in {"LOW", "MEDIUM"}
    )
    expiry = DAY
    for day in (DAY, DAY + timedelta(days=1)):
        _accept(conn, day, control_id=control_id, finding=None, expires_on=expiry)
        assess(conn, [endpoint(logging_on=False, public=True)], day=day)
    on_expiry, after = DAY, DAY + timedelta(days=1)
    assert status_by_control(conn, "endpoint", on_expiry)[control_id] == "accepted"
    assert not any(control_id in d for _, d in gaps(conn, "endpoint", on_expiry))
    assert status_by_control(conn, "endpoint", after)[control_id] == "missing"
    reopened = gaps(conn, "endpoint", after)
    assert any(g == "missing_required_control" and control_id in d for g, d in reopened)
    assert any(g == "expired_acceptance" for g, _ in reopened)
    # An accepted control never lowers risk: it is not implemented.
    assert (
        risk(conn, "endpoint", on_expiry)["residual_risk_score"]
        == risk(conn, "endpoint", after)["residual_risk_score"]
    )


def test_an_accepted_finding_is_not_open(conn: duckdb.DuckDBPyConnection) -> None:
    _accept(conn, DAY, control_id=None, finding="no_security_review", expires_on=DAY)
    assess(conn, [endpoint(logging_on=False, public=True)])
    assert "no_security_review" not in {g for g, _ in gaps(conn, "endpoint")}


def test_attestations_count_only_where_nothing_was_observed(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    attestable = [c for c in LIBRARY.catalog.controls if c.evidence.facts == ["attested"]]
    assert attestable
    target = attestable[0]
    asset = make_asset("a", asset_type=target.applies_to[0])
    conn.execute(
        "INSERT INTO governance.control_attestations VALUES "
        "(?, 'a', 'quarterly exercise report', 'lead@x', ?, ?, ?, 'asset:a', 'ATT-1', 'run')",
        [target.id, DAY - timedelta(days=3), DAY + timedelta(days=30), DAY],
    )
    assess(conn, [asset])
    row = conn.execute(
        "SELECT status, evidence_source, evidence FROM controls.control_evidence "
        "WHERE asset_id = 'a' AND control_id = ?",
        [target.id],
    ).fetchone()
    assert row is not None and row[0] == "implemented" and row[1] == "attested"
    assert "lead@x" in row[2]


# ------------------------------------------------------------------ framework compliance


def test_framework_compliance_counts_assets_in_scope(conn: duckdb.DuckDBPyConnection) -> None:
    high_risk = make_asset(
        "hr",
        **{**AGENT, "regulatory_scope": ["eu_ai_act_high_risk"]},
        posture=posture(aws_bedrock={"invocation_logging": True}),
    )
    high_risk_off = make_asset(
        "hr-off",
        **{**AGENT, "regulatory_scope": ["eu_ai_act_high_risk"]},
        posture=posture(aws_bedrock={"invocation_logging": False}),
    )
    out_of_scope = make_asset(
        "plain", **AGENT, posture=posture(aws_bedrock={"invocation_logging": False})
    )
    assess(conn, [high_risk, high_risk_off, out_of_scope])
    rows = {
        (fw, req): (status, in_scope, meeting, failing)
        for fw, req, status, in_scope, meeting, failing in conn.execute(
            "SELECT framework, requirement_id, status, assets_in_scope, assets_meeting, "
            "failing_assets FROM compliance.framework_compliance WHERE assessed_date = ?",
            [DAY],
        ).fetchall()
    }
    # Every requirement of every framework has a row.
    expected = {(k, r.id) for k, fw in LIBRARY.frameworks.items() for r in fw.requirements}
    assert set(rows) == expected
    # The EU AI Act assesses the high-risk systems only.
    assert all(v[1] <= 2 for (fw, _), v in rows.items() if fw == "eu_ai_act")
    art12 = rows[("eu_ai_act", "Art. 12")]
    assert art12[1] == 2 and "plain" not in art12[3]
    assert art12[0] in {"partly", "not_met"}
    manual = [r.id for r in LIBRARY.frameworks["nist_ai_rmf"].requirements if r.manual]
    assert all(rows[("nist_ai_rmf", m)][0] == "manual" for m in manual)
