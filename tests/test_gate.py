"""`aisec gate`: the pre-deploy gate's verdicts and exit codes on a real warehouse file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from inventory_rows import control, make_asset
from test_controls import AGENT, DAY, LIBRARY, assess, controls_with_fact, posture

from aisec_assets.controls.assessment import write_library_tables
from aisec_assets.risk.scoring import write_risk_model_tables
from aisec_jobs.cli import main
from aisec_jobs.gate import GateError, gate
from aisec_resources.config import RiskModel
from aisec_resources.records import CONTROL_TYPES
from aisec_resources.warehouse import create_schema


def _well_controlled() -> dict:
    """An internal, low-sensitivity endpoint with every control the catalog can see in place."""
    return make_asset(
        "good",
        asset_type="evaluation_dataset",
        owner_team="claims",
        data_classification="public",
        deployment_env="research",
        network_exposure="internal",
        regulatory_scope=["none"],
        model_provider="openai",
        is_self_hosted=False,
        last_security_review=DAY - timedelta(days=3),
        sbom_available=True,
        license_type="mit",
        controls=[control(t) for t in CONTROL_TYPES],
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "aisec.duckdb"
    conn = duckdb.connect(str(path))
    create_schema(conn)
    write_library_tables(conn, LIBRARY)
    write_risk_model_tables(conn, RiskModel())
    agent = make_asset("agent", **AGENT, posture=posture(aws_bedrock={"guardrail_attached": False}))
    # The process controls the good asset requires are attested (no scan can see them).
    for process_control in LIBRARY.catalog.controls:
        if process_control.evidence.facts == ["attested"]:
            conn.execute(
                "INSERT INTO governance.control_attestations VALUES (?, 'good', 'runbook RB-1', "
                "'lead@x', ?, ?, ?, 'asset:good', 'ATT', 'run')",
                [process_control.id, DAY - timedelta(days=1), DAY + timedelta(days=90), DAY],
            )
    assess(conn, [agent, _well_controlled()])
    # The agent is above the appetite for production / restricted data.
    conn.execute(
        "INSERT INTO governance.risk_appetite_breaches SELECT ?, 'agent', 'production', "
        "'restricted', residual_risk_score, 10.0, 'production x restricted', 'run' "
        "FROM risk.risk_scores WHERE asset_id = 'agent'",
        [DAY],
    )
    conn.close()
    yield path


def test_a_failing_asset_names_its_missing_controls_and_broken_requirements(
    warehouse: Path,
) -> None:
    verdict = gate(warehouse, "agent")
    assert not verdict.passed and verdict.exit_code == 1
    assert verdict.day == DAY
    assert "FAIL risk appetite" in verdict.report
    guardrail_control = next(
        cid
        for cid in controls_with_fact("guardrail.attached")
        if LIBRARY.control(cid).required_from in {"LOW", "MEDIUM"}
        and "ai_agent" in LIBRARY.control(cid).applies_to
    )
    assert f"FAIL {guardrail_control}" in verdict.report
    mapped = LIBRARY.control(guardrail_control).mappings.owasp_llm
    assert any(f"breaks owasp_llm {req}" in verdict.report for req in mapped)


def test_a_well_controlled_asset_passes(warehouse: Path) -> None:
    verdict = gate(warehouse, "good")
    assert verdict.passed, verdict.report
    assert "ok   residual risk within the risk appetite" in verdict.report


def test_unknown_assets_and_days_cannot_pass(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(GateError, match="no asset has the id or name 'nope'"):
        gate(warehouse, "nope")
    with pytest.raises(GateError, match="no control assessment on"):
        gate(warehouse, "agent", DAY + timedelta(days=1))
    with pytest.raises(GateError, match="does not exist"):
        gate(tmp_path / "missing.duckdb", "agent")


def test_cli_exit_codes(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    config = tmp_path / "aisec.yaml"
    config.write_text(f"organisation: Test\nwarehouse:\n  path: {warehouse}\n", encoding="utf-8")
    monkeypatch.setenv("AISEC_CONFIG", str(config))
    assert main(["gate", "--asset", "good"]) == 0
    assert main(["gate", "--asset", "agent", "--as-of", DAY.isoformat()]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main(["gate", "--asset", "nope"]) == 2
    assert "no asset has the id or name" in capsys.readouterr().err


ENTRY = """\
assets:
  - name: refund-agent
    asset_type: ai_agent
    owner_team: claims
    data_classification: top-secret
    deployment_env: production
    network_exposure: public
    controls:
      - {type: authentication, operational: true}
"""


def test_a_registry_entry_is_gated_before_it_exists_and_the_warehouse_is_untouched(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    entry = tmp_path / "refund-agent.yaml"
    entry.write_text(ENTRY, encoding="utf-8")
    config = tmp_path / "aisec.yaml"
    config.write_text(f"organisation: Test\nwarehouse:\n  path: {warehouse}\n", encoding="utf-8")
    monkeypatch.setenv("AISEC_CONFIG", str(config))
    before = warehouse.read_bytes()

    assert main(["gate", "--entry", str(entry)]) == 1
    out, err = capsys.readouterr()
    assert "aisec gate: FAIL refund-agent" in out
    assert f"assessed {DAY}" in out
    # The invalid classification is reported and scored at its worst case (never lower).
    assert "data_classification" in err and "worst case" in err
    guardrail_control = next(
        cid
        for cid in controls_with_fact("guardrail.attached")
        if "ai_agent" in LIBRARY.control(cid).applies_to
    )
    assert f"FAIL {guardrail_control}" in out
    assert warehouse.read_bytes() == before
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute(
            "SELECT count(*) FROM inventory.ai_assets WHERE name = 'refund-agent'"
        ).fetchall() == [(0,)]

    bad = tmp_path / "bad.yaml"
    bad.write_text("assets: [unclosed\n", encoding="utf-8")
    assert main(["gate", "--entry", str(bad)]) == 2
    assert "bad.yaml" in capsys.readouterr().err
