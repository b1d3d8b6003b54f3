"""The governance pillar: file schemas with file/line/field errors, the appetite grid, policy
rendering, acceptance and attestation assessment and appetite breaches in SQL on real DuckDB
files, and the Dagster assets through `materialize()`. Every date is fixed."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import yaml

from aisec_assets.governance import documents as docs
from aisec_assets.governance.appetite import (
    CLASSIFICATIONS,
    DEFAULT_RULE,
    ENVIRONMENTS,
    expand_appetite,
)
from aisec_assets.governance.assets import GOVERNANCE_ASSETS
from aisec_assets.governance.rendering import (
    TITLES,
    policy_values,
    render_body,
    render_policies,
)
from aisec_assets.governance.store import (
    assess_acceptances,
    assess_attestations,
    assess_breaches,
    write_appetite,
    write_raci,
)
from aisec_jobs.demo_estate import demo_config
from aisec_jobs.demo_estate.company import TEAMS
from aisec_jobs.demo_estate.governance import (
    PROGRAM_PROCESS_CONTROLS,
    RED_TEAMING_CONTROL,
    SECRET_SCANNING_CONTROL,
    governance_config,
    write_governance,
)
from aisec_resources.config import ConfigError, load_config_file, parse_config
from aisec_resources.config.governance import PolicyParameters
from aisec_resources.settings import AS_OF_TAG, AisecSettings
from aisec_resources.warehouse import WarehouseResource, run_sql
from aisec_resources.yamldoc import DocumentError

DAY = date(2026, 3, 10)
SEEN = "2026-03-01 00:00:00"


# ------------------------------------------------------------------ helpers


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems_of(kind: docs._Kind, path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(DocumentError) as err:
        docs.load_file(kind, path)
    assert all(p.file == str(path) for p in err.value.problems)
    assert str(path) in str(err.value)
    return [(p.line, p.field, p.message) for p in err.value.problems]


def one_problem(kind: docs._Kind, path: Path) -> tuple[int | None, str, str]:
    found = problems_of(kind, path)
    assert len(found) == 1, found
    return found[0]


RACI_OK = """
    people:
      ciso@acme.example: {name: Cee, team: security, roles: [ciso]}
      lead@acme.example: {name: Lee, team: ai-security, roles: [ai_security_lead]}
      owner@acme.example: {name: Owen, team: payments, roles: [model_owner]}
    activities:
      exception_approval: {ciso: A, ai_security_lead: R, model_owner: I}
      red_teaming: {ai_security_lead: A, model_owner: R}
"""


def raci_model(tmp_path: Path) -> docs.RaciFile:
    return docs.load_file(docs.RACI, write(tmp_path, "raci.yaml", RACI_OK)).model


def make_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    for name in ("schema/warehouse", "schema/controls", "schema/governance"):
        run_sql(conn, name)
    return conn


def add_asset(
    conn: duckdb.DuckDBPyConnection,
    asset_id: str,
    *,
    name: str | None = None,
    team: str | None = "payments",
    env: str | None = "production",
    classification: str | None = "confidential",
    invalid: list[str] | None = None,
    status: str = "active",
) -> None:
    conn.execute(
        "INSERT INTO inventory.ai_assets (asset_id, natural_key, name, asset_type, owner_team, "
        "deployment_env, data_classification, invalid_fields, declared, discovered, "
        "source_stale, first_seen, last_seen, status) "
        "VALUES (?, ?, ?, 'ai_agent', ?, ?, ?, ?, true, false, false, ?, ?, ?)",
        [
            asset_id,
            f"declared://{asset_id}",
            name or asset_id,
            team,
            env,
            classification,
            invalid or [],
            SEEN,
            SEEN,
            status,
        ],
    )


def add_score(
    conn: duckdb.DuckDBPyConnection, asset_id: str, residual: float, day: date = DAY
) -> None:
    conn.execute(
        "INSERT INTO risk.risk_scores (asset_id, assessed_date, data_sensitivity_score, "
        "deployment_exposure_score, model_provenance_score, regulatory_impact_score, "
        "capability_risk_score, supply_chain_score, inherent_risk_score, control_effectiveness, "
        "residual_risk_score, risk_level, risk_reduction_percentage, risk_factors, top_driver, "
        "recommendations, operational_controls, scored_at, run_id) "
        "VALUES (?, ?, 0, 0, 0, 0, 0, 0, ?, 0, ?, 'HIGH', 0, [], 'data_sensitivity', [], [], ?, "
        "'test-run')",
        [asset_id, day, residual, residual, SEEN],
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = make_warehouse(tmp_path / "warehouse.duckdb")
    yield conn
    conn.close()


# ------------------------------------------------------------------ policies.yaml


def test_policies_file_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "policies.yaml",
        """
        policies:
          acceptable_ai_use:
            version: 2.1
            owner: lead@acme.example
            status: approved
          made_up_policy: {version: 1, owner: x, status: draft}
          red_teaming:
            version: "1.0"
            owner: lead@acme.example
            status: live
          ai_data_handling:
            version: 1
            owner: dpo@acme.example
            approved_on: 2026-02-01
            review_due: 2026-01-01
            status: draft
            reviewer: someone
        """,
    )
    found = problems_of(docs.POLICIES, path)
    assert (2, "policies.acceptable_ai_use", found[0][2]) == found[0]
    assert "approver, approved_on, review_due" in found[0][2]
    assert found[1][:2] == (6, "policies.made_up_policy")
    assert "acceptable_ai_use" in found[1][2]
    assert found[2][:2] == (10, "policies.red_teaming.status")
    assert found[3] == (17, "policies.ai_data_handling.reviewer", "unknown key")
    assert len(found) == 4


def test_policies_file_review_due_must_follow_approval(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "policies.yaml",
        """
        policies:
          red_teaming:
            version: 3
            owner: lead@acme.example
            approver: ciso@acme.example
            approved_on: 2026-02-01
            review_due: 2026-02-01
            status: approved
        """,
    )
    line, field, message = one_problem(docs.POLICIES, path)
    assert (line, field) == (2, "policies.red_teaming")
    assert "review_due 2026-02-01 must be after approved_on" in message


def test_policies_file_version_numbers_become_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "policies.yaml",
        "policies:\n  red_teaming: {version: 2.10, owner: a, status: draft}\n",
    )
    entry = docs.load_file(docs.POLICIES, path).model.policies["red_teaming"]
    assert entry.version == "2.1"  # YAML's float; quote versions to keep trailing zeros


# ------------------------------------------------------------------ raci.yaml


def test_raci_two_accountable_no_responsible_and_unknown_role(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "raci.yaml",
        """
        people:
          ciso@acme.example: {name: Cee, team: security, roles: [ciso]}
          lead@acme.example: {name: Lee, team: ai-security, roles: [ai_security_lead]}
        activities:
          incident_response:
            ciso: A
            ai_security_lead: A
          policy_review:
            ciso: A
            ai_security_lead: C
          red_teaming:
            ai_security_lead: A
            ciso: R
            red_team_vendor: C
        """,
    )
    found = problems_of(docs.RACI, path)
    assert found == [
        (
            5,
            "activities.incident_response",
            "2 Accountable roles (ciso, ai_security_lead): exactly one role must be A",
        ),
        (5, "activities.incident_response", "no Responsible role: at least one role must be R"),
        (8, "activities.policy_review", "no Responsible role: at least one role must be R"),
        (
            14,
            "activities.red_teaming.red_team_vendor",
            "unknown role 'red_team_vendor'; known: ai_security_lead, ciso",
        ),
    ]


def test_raci_roles_list_defines_roles_and_accountable_needs_a_holder(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "raci.yaml",
        """
        roles: [ciso, dpo]
        people:
          ciso@acme.example: {name: Cee, team: security, roles: [ciso, auditor]}
        activities:
          policy_review: {dpo: A, ciso: R}
          no_one: {ciso: R}
        """,
    )
    found = problems_of(docs.RACI, path)
    assert found[0][:2] == (3, "people.ciso@acme.example.roles[1]")
    assert "unknown role 'auditor'" in found[0][2]
    assert found[1] == (
        5,
        "activities.policy_review.dpo",
        "Accountable role 'dpo' is held by no one in people:",
    )
    assert found[2] == (6, "activities.no_one", "0 Accountable roles: exactly one role must be A")


def test_raci_letters_and_emails_are_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "raci.yaml",
        """
        people:
          not-an-address: {name: X, team: t, roles: [ciso]}
        activities:
          a: {ciso: X}
        """,
    )
    found = problems_of(docs.RACI, path)
    fields = [f for _, f, _ in found]
    assert "activities.a.ciso" in fields
    assert any("not an e-mail address" in m for _, _, m in found)


def test_valid_raci_loads(tmp_path: Path) -> None:
    raci = raci_model(tmp_path)
    assert raci.known_roles() == ["ai_security_lead", "ciso", "model_owner"]
    assert raci.holders("ciso") == ["ciso@acme.example"]


# ------------------------------------------------------------------ risk_appetite.yaml


def test_appetite_file_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "risk_appetite.yaml",
        """
        default_max_residual: 120
        rules:
          - {environment: prod, max_residual: 30}
          - {max_residual: 30}
          - environment: production
            max_residual: yes
          - {environment: staging, data_classification: public, max_residual: 50}
          - {data_classification: public, environment: staging, max_residual: 55}
        """,
    )
    found = problems_of(docs.APPETITE, path)
    assert found[0][:2] == (1, "default_max_residual")
    assert found[1][:2] == (3, "rules[0].environment")
    assert "'production'" in found[1][2]
    assert found[2][:2] == (4, "rules[1]")
    assert "needs environment, data_classification or both" in found[2][2]
    assert found[3] == (6, "rules[2].max_residual", "Input should be a valid number")
    assert len(found) == 4


def test_appetite_duplicate_selector(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "risk_appetite.yaml",
        """
        default_max_residual: 60
        rules:
          - {environment: staging, data_classification: public, max_residual: 50}
          - {data_classification: public, environment: staging, max_residual: 55}
        """,
    )
    assert one_problem(docs.APPETITE, path) == (4, "rules[1]", "the same selector as rules[0]")


# ------------------------------------------------------------------ acceptances.yaml

ACCEPTANCE = """
  - id: RA-1
    asset: payments-agent
    {subject}
    owner: owner@acme.example
    justification: Compensated by a manual review of every refund.
    approver: ciso@acme.example
    approved_on: 2026-03-01
    expires_on: 2026-04-01
"""


def acceptances_text(*subjects: str) -> str:
    return "acceptances:" + "".join(
        ACCEPTANCE.replace("RA-1", f"RA-{i}").format(subject=s) for i, s in enumerate(subjects)
    )


def test_acceptance_needs_exactly_one_of_control_and_finding(tmp_path: Path) -> None:
    both = tmp_path / "both.yaml"
    both.write_text(acceptances_text("control: AISEC-PRE-003\n    finding: no_owner"))
    line, field, message = one_problem(docs.ACCEPTANCES, both)
    assert (line, field) == (2, "acceptances[0]")
    assert message == "give exactly one of control (a catalog control id) or finding"
    neither = tmp_path / "neither.yaml"
    neither.write_text(acceptances_text("# nothing accepted"))
    line, field, message = one_problem(docs.ACCEPTANCES, neither)
    assert (line, field) == (2, "acceptances[0]") and "exactly one of control" in message


def test_acceptance_unknown_key_bad_ids_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "acceptances.yaml"
    path.write_text(
        acceptances_text(
            "control: AISEC-PRE-003\n    colour: red",
            "control: PRE-3",
            "finding: not_a_gap",
        )
    )
    found = problems_of(docs.ACCEPTANCES, path)
    assert found[0] == (5, "acceptances[0].colour", "unknown key")
    assert found[1][:2] == (14, "acceptances[1].control")
    assert "AISEC-" in found[1][2]
    assert found[2][:2] == (23, "acceptances[2].finding")
    assert "appetite_breach" in found[2][2]

    dates = tmp_path / "dates.yaml"
    dates.write_text(acceptances_text("finding: no_owner").replace("2026-04-01", "2026-02-01"))
    line, field, message = one_problem(docs.ACCEPTANCES, dates)
    assert (line, field) == (2, "acceptances[0]")
    assert "expires_on 2026-02-01 is before approved_on 2026-03-01" in message


def test_acceptance_duplicate_ids_and_bad_approver(tmp_path: Path) -> None:
    path = tmp_path / "acceptances.yaml"
    text = acceptances_text("finding: no_owner", "finding: stale_review").replace("RA-1", "RA-0")
    path.write_text(text)
    assert one_problem(docs.ACCEPTANCES, path) == (
        11,
        "acceptances[1].id",
        "duplicate id 'RA-0' (first at acceptances[0])",
    )
    path.write_text(acceptances_text("finding: no_owner").replace("ciso@acme.example", "ciso"))
    assert one_problem(docs.ACCEPTANCES, path) == (
        7,
        "acceptances[0].approver",
        "'ciso' is not an e-mail address",
    )


# ------------------------------------------------------------------ attestations.yaml


def test_attestation_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "attestations.yaml",
        """
        attestations:
          - control: AISEC-DET-006
            asset: payments-agent
            team: payments
            evidence: Red-team report RT-1 in the vault.
            attested_by: lead@acme.example
            attested_on: 2026-03-01
            valid_until: 2026-06-01
          - control: AISEC-DET-006
            team: payments
            attested_by: lead@acme.example
            attested_on: 2026-03-01
            valid_until: 2026-06-01
        """,
    )
    found = sorted(problems_of(docs.ATTESTATIONS, path), key=lambda p: p[0] or 0)
    assert len(found) == 2, found
    assert found[0][:2] == (2, "attestations[0]")
    assert "exactly one of asset" in found[0][2]
    assert found[1] == (9, "attestations[1].evidence", "Field required")
    head, _, tail = path.read_text().rpartition("2026-06-01")
    path.write_text(f"{head}2026-13-01{tail}")
    line, field, message = one_problem(docs.ATTESTATIONS, path)
    assert (line, field) == (13, "attestations[1].valid_until") and "month" in message


def test_governance_yaml_refuses_aliases_and_duplicate_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "risk_appetite.yaml",
        """
        default_max_residual: &limit 60
        default_max_residual: 50
        rules:
          - {environment: production, max_residual: *limit}
        """,
    )
    with pytest.raises(DocumentError) as err:
        docs.load_file(docs.APPETITE, path)
    assert f"{path}:4: <yaml>: not valid YAML" in str(err.value)
    assert "alias" in str(err.value)


# ------------------------------------------------------------------ the appetite grid


def appetite(text: str, tmp_path: Path) -> docs.AppetiteFile:
    return docs.load_file(docs.APPETITE, write(tmp_path, "risk_appetite.yaml", text)).model


def test_grid_is_complete_and_the_most_specific_rule_wins(tmp_path: Path) -> None:
    grid = expand_appetite(
        appetite(
            """
            default_max_residual: 60
            rules:
              - {environment: production, max_residual: 45}
              - {environment: production, data_classification: regulated, max_residual: 30}
              - {data_classification: regulated, max_residual: 50}
              - {data_classification: restricted, max_residual: 40}
              - {environment: research, max_residual: 70}
            """,
            tmp_path,
        )
    )
    cells = {(c.environment, c.data_classification): c for c in grid}
    assert len(grid) == 30 and set(cells) == {(e, d) for e in ENVIRONMENTS for d in CLASSIFICATIONS}
    assert cells["production", "regulated"].max_residual_risk == 30  # both fields
    assert cells["production", "regulated"].rule == "rules[1] (production/regulated)"
    assert cells["production", "internal"].max_residual_risk == 45  # environment only
    assert cells["staging", "regulated"].max_residual_risk == 50  # classification only
    assert cells["staging", "internal"].max_residual_risk == 60  # default
    assert cells["staging", "internal"].rule == DEFAULT_RULE
    # an environment rule and a classification rule both match: the stricter wins
    assert cells["production", "restricted"].max_residual_risk == 40
    assert cells["production", "restricted"].rule == "rules[3] (restricted)"
    assert cells["research", "restricted"].max_residual_risk == 40
    assert cells["research", "public"].max_residual_risk == 70


def test_unknown_takes_the_strictest_limit_over_its_dimension(tmp_path: Path) -> None:
    grid = expand_appetite(
        appetite(
            """
            default_max_residual: 60
            rules:
              - {environment: production, max_residual: 45}
              - {environment: production, data_classification: regulated, max_residual: 30}
              - {environment: development, data_classification: public, max_residual: 80}
              - {environment: research, data_classification: internal, max_residual: 20}
            """,
            tmp_path,
        )
    )
    cells = {(c.environment, c.data_classification): c for c in grid}
    # unknown environment: min over the environments of that classification
    assert cells["unknown", "public"].max_residual_risk == 45
    assert cells["unknown", "internal"].max_residual_risk == 20
    assert cells["unknown", "internal"].rule.startswith("strictest over environments (research/")
    assert cells["unknown", "regulated"].max_residual_risk == 30
    # unknown classification: min over the classifications of that environment
    assert cells["development", "unknown"].max_residual_risk == 60
    assert cells["production", "unknown"].max_residual_risk == 30
    assert cells["research", "unknown"].max_residual_risk == 20
    # both unknown: the strictest cell of the grid
    assert cells["unknown", "unknown"].max_residual_risk == 20
    for (env, cls), cell in cells.items():
        if env == "unknown":
            assert cell.max_residual_risk <= min(
                cells[e, cls].max_residual_risk for e in ENVIRONMENTS if e != "unknown"
            )
        if cls == "unknown":
            assert cell.max_residual_risk <= min(
                cells[env, c].max_residual_risk for c in CLASSIFICATIONS if c != "unknown"
            )


def test_default_only_grid(tmp_path: Path) -> None:
    grid = expand_appetite(appetite("default_max_residual: 55\n", tmp_path))
    assert {c.max_residual_risk for c in grid} == {55.0}
    assert all(c.rule == DEFAULT_RULE or c.rule.startswith("strictest") for c in grid)


# ------------------------------------------------------------------ policies


def values(**params: Any) -> dict[str, str]:
    return policy_values(
        "Acme Payments",
        PolicyParameters(**params),
        stale_review_days=90,
        high_risk_threshold=50,
        critical_risk_threshold=75,
    )


def test_policies_render_with_parameters() -> None:
    rendered = render_policies(
        "Acme Payments",
        values(
            red_team_cadence_days=45,
            approved_providers=["aws_bedrock", "mistral_la_plateforme"],
            incident_sla_hours={"sev1": 2, "sev2": 6, "sev3": 24, "sev4": 96},
            security_contact="secops@acme.example",
        ),
        {},
    )
    assert [p.policy_id for p in rendered] == list(docs.POLICY_IDS)
    for policy in rendered:
        assert "$" not in policy.text, policy.policy_id
        assert policy.text.startswith(f"# {TITLES[policy.policy_id]}\n")
        assert "Acme Payments" in policy.body
        assert "secops@acme.example" in policy.body
        assert "| Status | draft (not declared in policies.yaml" in policy.text
    by_id = {p.policy_id: p for p in rendered}
    assert "at least every 45 days" in by_id["red_teaming"].body
    assert "`mistral_la_plateforme`" in by_id["model_procurement"].body
    assert "`mistral_la_plateforme`" in by_id["acceptable_ai_use"].body
    incident = by_id["ai_incident_classification"].body
    for row in (
        "| SEV1 | Active exploitation, data breach, system compromise |",
        "| SEV2 | Confirmed vulnerability, potential data exposure |",
        "| SEV3 | Suspicious activity, policy violation |",
        "| SEV4 | Informational, potential false positive |",
    ):
        assert row in incident
    assert "| 2 hours |" in incident and "| 96 hours |" in incident


def test_content_hash_is_stable_and_follows_the_wording_only(tmp_path: Path) -> None:
    entry_path = write(
        tmp_path,
        "policies.yaml",
        """
        policies:
          red_teaming:
            version: "1.0"
            owner: lead@acme.example
            approver: ciso@acme.example
            approved_on: 2026-01-10
            review_due: 2027-01-10
            status: approved
        """,
    )
    entries = docs.load_file(docs.POLICIES, entry_path).model.policies
    first = {p.policy_id: p for p in render_policies("Acme", values(), {})}
    again = {p.policy_id: p for p in render_policies("Acme", values(), entries)}
    assert first["red_teaming"].content_hash == again["red_teaming"].content_hash
    assert len(first["red_teaming"].content_hash) == 64
    assert first["red_teaming"].text != again["red_teaming"].text  # document control differs
    assert "| Approved by | ciso@acme.example |" in again["red_teaming"].text
    changed = {
        p.policy_id: p for p in render_policies("Acme", values(red_team_cadence_days=30), {})
    }
    assert changed["red_teaming"].content_hash != first["red_teaming"].content_hash
    assert changed["acceptable_ai_use"].content_hash == first["acceptable_ai_use"].content_hash


def test_a_placeholder_without_a_value_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "red_teaming.md").write_text("Every $cadence days at $organisation.")
    with pytest.raises(ValueError, match=r"red_teaming.md: no value for placeholder \$cadence"):
        render_body("red_teaming", values(), templates=tmp_path)  # type: ignore[arg-type]


def test_policy_parameters_are_validated_with_the_config(tmp_path: Path) -> None:
    base = {"organisation": "Acme", "warehouse": {"path": "wh/aisec.duckdb"}}
    path = tmp_path / "aisec.yaml"
    path.write_text(yaml.safe_dump({**base, "governance": {"directory": "gov"}}))
    assert load_config_file(path).governance.directory == (tmp_path / "gov").resolve()
    path.write_text(yaml.safe_dump(base))
    assert load_config_file(path).governance.directory is None
    bad = {
        "directory": "gov",
        "policy_parameters": {
            "incident_sla_hours": {"sev1": 8, "sev2": 4, "sev3": 24, "sev4": 72},
            "review_cadence": 12,
        },
    }
    path.write_text(yaml.safe_dump({**base, "governance": bad}))
    with pytest.raises(ConfigError) as err:
        load_config_file(path)
    text = str(err.value)
    assert "governance.policy_parameters.incident_sla_hours: a more severe incident" in text
    assert "governance.policy_parameters.review_cadence: unknown key" in text


# ------------------------------------------------------------------ acceptances in SQL


def load_acceptances(tmp_path: Path, entries: list[dict[str, Any]]) -> docs.Loaded:
    path = tmp_path / "acceptances.yaml"
    path.write_text(yaml.safe_dump({"acceptances": entries}, sort_keys=False))
    return docs.load_file(docs.ACCEPTANCES, path)


def acceptance(acceptance_id: str, asset: str, **overrides: Any) -> dict[str, Any]:
    entry = {
        "id": acceptance_id,
        "asset": asset,
        "finding": "appetite_breach",
        "owner": "owner@acme.example",
        "justification": "Compensating controls are documented in the risk register.",
        "approver": "ciso@acme.example",
        "approved_on": date(2026, 3, 1),
        "expires_on": date(2026, 3, 31),
    }
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


def statuses(conn: duckdb.DuckDBPyConnection, day: date) -> dict[str, tuple[str, str | None]]:
    rows = conn.execute(
        "SELECT acceptance_id, status, reason FROM governance.risk_acceptances "
        "WHERE assessed_date = ?",
        [day],
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


@pytest.fixture
def governed(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse with people (raci.yaml) and a small inventory."""
    write_raci(warehouse, raci_model(tmp_path))
    add_asset(warehouse, "ai-pay", name="payments-agent", team="payments")
    add_asset(warehouse, "ai-sec", name="ai-security-scanner", team="ai-security")
    add_asset(warehouse, "ai-dup1", name="shared-name", team="payments")
    add_asset(warehouse, "ai-dup2", name="shared-name", team="research")
    add_asset(warehouse, "ai-gone", name="old-model", team="payments", status="missing")
    return warehouse


def test_acceptance_active_then_expired_the_day_after_expiry(
    governed: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    loaded = load_acceptances(
        tmp_path,
        [acceptance("RA-1", "payments-agent", expires_on=DAY), acceptance("RA-2", "ai-pay")],
    )
    by_status = assess_acceptances(governed, loaded, DAY, "run-1", 180)
    assert by_status == {"active": 2}
    got = statuses(governed, DAY)
    assert got == {"RA-1": ("active", None), "RA-2": ("active", None)}
    assert governed.execute(
        "SELECT DISTINCT asset_id, approver_team FROM governance.risk_acceptances"
    ).fetchall() == [("ai-pay", "security")]

    next_day = DAY + timedelta(days=1)
    assess_acceptances(governed, loaded, next_day, "run-2", 180)
    status, reason = statuses(governed, next_day)["RA-1"]
    assert status == "expired"
    assert reason == "expired on 2026-03-10: the finding reopened on 2026-03-11"
    # the earlier day is kept as history
    assert statuses(governed, DAY)["RA-1"] == ("active", None)

    before = date(2026, 2, 28)
    assess_acceptances(governed, loaded, before, "run-3", 180)
    assert statuses(governed, before)["RA-2"][0] == "pending"


def test_acceptance_rejections(governed: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    loaded = load_acceptances(
        tmp_path,
        [
            acceptance("RA-self", "ai-security-scanner", approver="lead@acme.example"),
            acceptance("RA-unknown", "no-such-asset"),
            acceptance("RA-ambiguous", "shared-name"),
            acceptance("RA-stranger", "payments-agent", approver="someone@else.example"),
            acceptance("RA-owner", "payments-agent", owner="CISO@acme.example"),
            acceptance("RA-long", "payments-agent", expires_on=date(2026, 12, 31)),
            acceptance("RA-by-id", "ai-dup2"),
        ],
    )
    assess_acceptances(governed, loaded, DAY, "run-1", 180)
    got = statuses(governed, DAY)
    assert got["RA-by-id"] == ("active", None)
    assert got["RA-self"] == (
        "rejected",
        "self-approval: approver lead@acme.example is in team ai-security, which owns the asset",
    )
    assert got["RA-unknown"] == (
        "rejected",
        "asset no-such-asset is not in the inventory (no asset has that asset_id or name)",
    )
    assert got["RA-ambiguous"][0] == "rejected"
    assert "ambiguous: 2 assets have that name (ai-dup1, ai-dup2)" in got["RA-ambiguous"][1]
    assert got["RA-stranger"] == (
        "rejected",
        "approver someone@else.example is not in raci.yaml people",
    )
    assert got["RA-owner"][1] == "self-approval: approver ciso@acme.example is the risk owner"
    assert "longer than the 180 days" in got["RA-long"][1]
    rejected = governed.execute(
        "SELECT entry, line, file FROM governance.rejected_entries "
        "WHERE kind = 'acceptance' ORDER BY line"
    ).fetchall()
    assert [r[0] for r in rejected] == [
        "acceptances[0] RA-self",
        "acceptances[1] RA-unknown",
        "acceptances[2] RA-ambiguous",
        "acceptances[3] RA-stranger",
        "acceptances[4] RA-owner",
        "acceptances[5] RA-long",
    ]
    assert rejected[0][1] == 2 and rejected[1][1] == 10
    assert rejected[0][2] == str(tmp_path / "acceptances.yaml")


def test_acceptance_controls_are_checked_once_the_catalog_exists(
    governed: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    loaded = load_acceptances(
        tmp_path,
        [
            acceptance("RA-known", "payments-agent", finding=None, control="AISEC-PRE-003"),
            acceptance("RA-unknown", "payments-agent", finding=None, control="AISEC-PRE-999"),
        ],
    )
    # no catalog materialized yet: control ids are not checked
    assess_acceptances(governed, loaded, DAY, "run-1", 180)
    assert {s for s, _ in statuses(governed, DAY).values()} == {"active"}
    governed.execute(
        "INSERT INTO controls.catalog_controls VALUES ('AISEC-PRE-003', 't', 'o', 'preventive', "
        "NULL, ['ai_agent'], [], 'LOW', 1, ['attested'], 'b', MAP {}, '1', 'd')"
    )
    assess_acceptances(governed, loaded, DAY, "run-2", 180)
    got = statuses(governed, DAY)
    assert got["RA-known"] == ("active", None)
    assert got["RA-unknown"] == (
        "rejected",
        "control AISEC-PRE-999 is not in the control catalog (controls.catalog_controls)",
    )
    # the day was replaced, not appended to
    assert governed.execute("SELECT count(*) FROM governance.risk_acceptances").fetchall() == [(2,)]


# ------------------------------------------------------------------ attestations in SQL


def test_attestations_expand_teams_and_keep_only_valid_ones(
    governed: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "attestations.yaml",
        """
        attestations:
          - control: AISEC-DET-006
            team: payments
            evidence: Red-team engagement RT-7, report in the vault.
            attested_by: lead@acme.example
            attested_on: 2026-03-01
            valid_until: 2026-03-10
          - control: AISEC-PRE-010
            asset: ai-security-scanner
            evidence: Secret scanning is a required CI check.
            attested_by: LEAD@acme.example
            attested_on: 2026-03-11
            valid_until: 2026-09-01
          - control: AISEC-PRE-010
            team: nobody
            evidence: Secret scanning is a required CI check.
            attested_by: lead@acme.example
            attested_on: 2026-01-01
            valid_until: 2026-09-01
          - control: AISEC-PRE-010
            asset: payments-agent
            evidence: Secret scanning is a required CI check.
            attested_by: intern@acme.example
            attested_on: 2026-01-01
            valid_until: 2026-09-01
          - control: AISEC-PRE-010
            asset: shared-name
            evidence: Secret scanning is a required CI check.
            attested_by: lead@acme.example
            attested_on: 2026-01-01
            valid_until: 2026-09-01
        """,
    )
    loaded = docs.load_file(docs.ATTESTATIONS, path)
    counts = assess_attestations(governed, loaded, DAY, "run-1")
    rows = governed.execute(
        "SELECT control_id, asset_id, selector, attested_by, entry "
        "FROM governance.control_attestations WHERE assessed_date = ? ORDER BY ALL",
        [DAY],
    ).fetchall()
    # team payments: its active assets (not the missing one); the scanner's is not valid yet
    assert rows == [
        (
            "AISEC-DET-006",
            "ai-dup1",
            "team:payments",
            "lead@acme.example",
            "attestations[0] (line 2)",
        ),
        (
            "AISEC-DET-006",
            "ai-pay",
            "team:payments",
            "lead@acme.example",
            "attestations[0] (line 2)",
        ),
    ]
    reasons = dict(
        governed.execute(
            "SELECT entry, reason FROM governance.rejected_entries WHERE kind = 'attestation'"
        ).fetchall()
    )
    assert reasons == {
        "attestations[2] AISEC-PRE-010": "team nobody owns no active asset in the inventory",
        "attestations[3] AISEC-PRE-010": "attested_by intern@acme.example is not in raci.yaml "
        "people",
        "attestations[4] AISEC-PRE-010": "asset shared-name is ambiguous: 2 assets have that "
        "name (ai-dup1, ai-dup2); name it by asset_id",
    }
    assert counts == {"entries": 5, "asset_rows": 2, "rejected": 3}

    later = date(2026, 3, 11)
    assess_attestations(governed, loaded, later, "run-2")
    assert governed.execute(
        "SELECT control_id, asset_id, attested_by FROM governance.control_attestations "
        "WHERE assessed_date = ?",
        [later],
    ).fetchall() == [("AISEC-PRE-010", "ai-sec", "lead@acme.example")]


# ------------------------------------------------------------------ appetite breaches in SQL


def test_breaches_use_the_grid_and_unknown_is_strictest(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    grid = expand_appetite(
        appetite(
            """
            default_max_residual: 60
            rules:
              - {environment: production, max_residual: 45}
              - {environment: production, data_classification: regulated, max_residual: 30}
            """,
            tmp_path,
        )
    )
    write_appetite(warehouse, grid)
    assets = {
        # asset id: (env, classification, invalid fields, residual)
        "ai-within": ("production", "internal", [], 45.0),  # at the limit: within
        "ai-over": ("production", "internal", [], 45.01),
        "ai-regulated": ("production", "regulated", [], 31.0),
        "ai-dev": ("development", "regulated", [], 59.0),
        "ai-null-env": (None, "public", [], 46.0),  # unknown env: production's 45
        "ai-invalid-cls": ("production", "public", ["data_classification"], 31.0),
        "ai-bogus-env": ("prod", "internal", [], 44.0),
        "ai-unknown-both": (None, None, [], 30.5),
    }
    for asset_id, (env, cls, invalid, residual) in assets.items():
        add_asset(warehouse, asset_id, env=env, classification=cls, invalid=invalid)
        add_score(warehouse, asset_id, residual)
        add_score(warehouse, asset_id, 99.0, day=DAY - timedelta(days=1))
    assert assess_breaches(warehouse, DAY, "run-1") == 5
    rows = warehouse.execute(
        "SELECT asset_id, environment, data_classification, residual_risk_score, "
        "max_residual_risk, rule, run_id "
        "FROM governance.risk_appetite_breaches WHERE assessed_date = ? ORDER BY asset_id",
        [DAY],
    ).fetchall()
    assert [r[:5] for r in rows] == [
        ("ai-invalid-cls", "production", "unknown", 31.0, 30.0),
        ("ai-null-env", "unknown", "public", 46.0, 45.0),
        ("ai-over", "production", "internal", 45.01, 45.0),
        ("ai-regulated", "production", "regulated", 31.0, 30.0),
        ("ai-unknown-both", "unknown", "unknown", 30.5, 30.0),
    ]
    rules = {r[0]: r[5] for r in rows}
    assert rules["ai-over"] == "rules[0] (production)"
    assert rules["ai-regulated"] == "rules[1] (production/regulated)"
    assert rules["ai-invalid-cls"].startswith("strictest over data classifications")
    assert {r[6] for r in rows} == {"run-1"}
    # rerunning the day replaces it; the day before is untouched
    assess_breaches(warehouse, DAY - timedelta(days=1), "run-0")
    write_appetite(warehouse, [])
    assert assess_breaches(warehouse, DAY, "run-2") == 0
    assert warehouse.execute(
        "SELECT assessed_date, count(*) FROM governance.risk_appetite_breaches GROUP BY ALL"
    ).fetchall() == [(DAY - timedelta(days=1), 8)]


# ------------------------------------------------------------------ the Dagster assets

APPETITE_OK = """
    default_max_residual: 60
    rules:
      - {environment: production, max_residual: 40}
"""
ACCEPTANCES_OK = """
    acceptances:
      - id: RA-1
        asset: payments-agent
        finding: appetite_breach
        owner: owner@acme.example
        justification: Refunds above 50 EUR need a second person until the fix ships.
        approver: ciso@acme.example
        approved_on: 2026-03-01
        expires_on: 2026-04-30
      - id: RA-2
        asset: payments-agent
        control: AISEC-PRE-003
        owner: owner@acme.example
        justification: Approved by the owning team itself, which the program refuses.
        approver: owner@acme.example
        approved_on: 2026-03-01
        expires_on: 2026-04-30
"""
ATTESTATIONS_OK = """
    attestations:
      - control: AISEC-DET-006
        team: payments
        evidence: Red-team engagement RT-7, report in the vault.
        attested_by: lead@acme.example
        attested_on: 2026-03-01
        valid_until: 2026-06-01
"""
POLICIES_OK = """
    policies:
      ai_data_handling:
        version: "1.1"
        owner: dpo@acme.example
        approver: ciso@acme.example
        approved_on: 2025-02-01
        review_due: 2026-02-01
        status: approved
"""


def program(tmp_path: Path, governance: dict[str, Any] | None) -> AisecSettings:
    config: dict[str, Any] = {"organisation": "Acme", "warehouse": {"path": "wh/aisec.duckdb"}}
    if governance is not None:
        config["governance"] = governance
    path = tmp_path / "aisec.yaml"
    path.write_text(yaml.safe_dump(config))
    return AisecSettings(config_path=str(path))


def run_governance(
    settings: AisecSettings, raise_on_error: bool = True
) -> dg.ExecuteInProcessResult:
    config = settings.config()
    return dg.materialize(
        list(GOVERNANCE_ASSETS),
        resources={
            "settings": settings,
            "warehouse": WarehouseResource(path=str(config.warehouse.path)),
        },
        tags={AS_OF_TAG: DAY.isoformat()},
        raise_on_error=raise_on_error,
    )


def seed_inventory(settings: AisecSettings) -> None:
    with WarehouseResource(path=str(settings.config().warehouse.path)).connect() as conn:
        add_asset(conn, "ai-pay", name="payments-agent", team="payments")
        add_asset(conn, "ai-kb", name="payments-kb", team="payments", env="staging")
        add_asset(conn, "ai-lab", name="lab-model", team="research", env=None)
        add_score(conn, "ai-pay", 55.0)
        add_score(conn, "ai-kb", 50.0)
        add_score(conn, "ai-lab", 45.0)


def published(settings: AisecSettings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.config().warehouse.path), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def test_governance_assets_materialize(tmp_path: Path) -> None:
    gov = tmp_path / "gov"
    gov.mkdir()
    write(gov, "raci.yaml", RACI_OK)
    write(gov, "risk_appetite.yaml", APPETITE_OK)
    write(gov, "acceptances.yaml", ACCEPTANCES_OK)
    write(gov, "attestations.yaml", ATTESTATIONS_OK)
    write(gov, "policies.yaml", POLICIES_OK)
    settings = program(
        tmp_path, {"directory": "gov", "policy_parameters": {"red_team_cadence_days": 60}}
    )
    seed_inventory(settings)
    result = run_governance(settings)
    assert result.success

    policies = published(
        settings, "SELECT policy_id, status, review_overdue, rendered_path FROM governance.policies"
    )
    assert len(policies) == 5
    by_id = {p[0]: p for p in policies}
    assert by_id["ai_data_handling"][1:3] == ("approved", True)  # review due 2026-02-01
    assert by_id["red_teaming"][1:3] == ("draft", False)
    rendered = Path(by_id["red_teaming"][3])
    assert rendered == tmp_path / "wh" / "policies" / "red_teaming.md"
    assert "at least every 60 days" in rendered.read_text()

    assert published(settings, "SELECT count(*) FROM governance.raci_matrix") == [(5,)]
    assert published(settings, "SELECT count(*) FROM governance.people") == [(3,)]
    assert published(settings, "SELECT count(*) FROM governance.risk_appetite") == [(30,)]
    assert published(
        settings,
        "SELECT acceptance_id, status FROM governance.risk_acceptances ORDER BY ALL",
    ) == [("RA-1", "active"), ("RA-2", "rejected")]
    assert published(
        settings, "SELECT asset_id FROM governance.control_attestations ORDER BY ALL"
    ) == [("ai-kb",), ("ai-pay",)]
    # payments-agent 55 > production 40; lab-model: unknown env -> strictest (40) < 45
    assert published(
        settings,
        "SELECT asset_id, environment, max_residual_risk FROM governance.risk_appetite_breaches "
        "ORDER BY ALL",
    ) == [("ai-lab", "unknown", 40.0), ("ai-pay", "production", 40.0)]

    materializations = {
        m.asset_key.to_user_string(): m.metadata
        for m in result.asset_materializations_for_node("risk_acceptances")
    }
    meta = materializations["risk_acceptances"]
    assert meta["dagster/row_count"].value == 2
    assert meta["by_status"].value == {"active": 1, "rejected": 1}
    assert "self-approval" in meta["preview"].value


def test_governance_not_configured_writes_empty_tables(tmp_path: Path) -> None:
    settings = program(tmp_path, None)
    seed_inventory(settings)
    result = run_governance(settings)
    assert result.success
    for table in (
        "policies",
        "raci_matrix",
        "people",
        "risk_appetite",
        "risk_acceptances",
        "control_attestations",
        "rejected_entries",
        "risk_appetite_breaches",
    ):
        assert published(settings, f"SELECT count(*) FROM governance.{table}") == [(0,)], table
    for key in ("policies", "raci_matrix", "risk_acceptances", "control_attestations"):
        (materialization,) = result.asset_materializations_for_node(key)
        assert materialization.metadata["configured"].value is False, key


def test_a_bad_governance_file_fails_its_asset_with_file_line_and_field(tmp_path: Path) -> None:
    gov = tmp_path / "gov"
    gov.mkdir()
    write(
        gov,
        "raci.yaml",
        RACI_OK.replace(
            "red_teaming: {ai_security_lead: A,", "red_teaming: {ciso: A, ai_security_lead: A,"
        ),
    )
    write(gov, "risk_appetite.yaml", APPETITE_OK)
    settings = program(tmp_path, {"directory": "gov"})
    seed_inventory(settings)
    result = run_governance(settings, raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == ["raci_matrix"]
    error = failures[0].event_specific_data.error
    message = error.cause.message if error.cause else error.message
    assert f"{gov / 'raci.yaml'}:7: activities.red_teaming: 2 Accountable roles" in message
    # the other governance assets ran (the appetite) or were skipped (downstream of the RACI)
    assert published(settings, "SELECT count(*) FROM governance.risk_appetite") == [(30,)]


def test_asset_definitions() -> None:
    specs = {s.key.to_user_string(): s for a in GOVERNANCE_ASSETS for s in a.specs}
    assert set(specs) == {
        "policies",
        "raci_matrix",
        "risk_appetite",
        "risk_acceptances",
        "control_attestations",
        "risk_appetite_breaches",
    }
    deps = {k: {d.asset_key.to_user_string() for d in s.deps} for k, s in specs.items()}
    assert deps["risk_acceptances"] == {"ai_assets", "control_catalog", "raci_matrix"}
    assert deps["risk_appetite_breaches"] == {"risk_scores", "risk_appetite"}
    for key, spec in specs.items():
        assert spec.group_name == "governance", key
        assert spec.description and spec.owners and spec.kinds, key
        schema = spec.metadata["dagster/column_schema"]
        assert all(c.description for c in schema.columns), key


# ------------------------------------------------------------------ the demo estate


def test_demo_governance_files_validate_and_tell_the_story(tmp_path: Path) -> None:
    as_of = date(2026, 11, 28)
    write_governance(tmp_path / "governance", as_of)
    loaded = {
        kind.file: docs.load_file(kind, tmp_path / "governance" / kind.file)
        for kind in (docs.POLICIES, docs.RACI, docs.APPETITE, docs.ACCEPTANCES, docs.ATTESTATIONS)
    }
    policies = loaded["policies.yaml"].model.policies
    assert set(policies) == set(docs.POLICY_IDS)
    overdue = [k for k, p in policies.items() if p.review_due and p.review_due < as_of]
    assert overdue == ["ai_data_handling"]
    raci = loaded["raci.yaml"].model
    assert len(raci.activities) == 8
    acceptances = loaded["acceptances.yaml"].model.acceptances
    assert sum(a.expires_on < as_of for a in acceptances) == 1
    assert sum(a.approved_on <= as_of <= a.expires_on for a in acceptances) == 3
    people = raci.people
    self_approved = [a for a in acceptances if people[a.approver].team == "clinical-ai"]
    assert [a.asset for a in self_approved] == ["clinical-notes-summarizer"]
    attestations = loaded["attestations.yaml"].model.attestations
    by_control: dict[str, set[str]] = {}
    for a in attestations:
        if a.team:
            by_control.setdefault(a.control, set()).add(a.team)
    assert by_control[RED_TEAMING_CONTROL] == {"clinical-ai"}
    assert by_control[SECRET_SCANNING_CONTROL] == {"ml-platform"}
    # The program-wide processes are attested for every team.
    for control in PROGRAM_PROCESS_CONTROLS:
        assert by_control[control] == set(TEAMS)
    # the same as-of day gives the same bytes
    write_governance(tmp_path / "again", as_of)
    for name in loaded:
        assert (tmp_path / "governance" / name).read_bytes() == (
            tmp_path / "again" / name
        ).read_bytes()


def test_demo_config_names_the_governance_directory(tmp_path: Path) -> None:
    config = parse_config(demo_config(date(2026, 11, 23)), tmp_path / "aisec.yaml")
    assert config.governance.directory == (tmp_path / "governance").resolve()
    assert governance_config()["directory"] == "governance"
    assert config.governance.policy_parameters.max_exception_days == 180
