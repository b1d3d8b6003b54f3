"""Incident-response playbooks as data (SPEC §3.6): the shipped library, the family -> category
map, the `file:line: field: message` errors a broken file gives, the runbooks, and the
`playbooks` asset through `materialize()` against a temporary warehouse. No date is read."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

import dagster as dg
import duckdb
import pytest
import yaml

from aisec_assets.compliance.findings_export import GAP_TYPES
from aisec_assets.monitoring.rules import FAMILIES
from aisec_assets.operations.playbook_library import (
    ACTIONS,
    AUDIENCES,
    CATEGORIES,
    DETECTION_FAMILIES,
    FINDING_TYPES,
    PHASES,
    PLAYBOOK_DIR,
    REQUIRED_PHASES,
    ROLES,
    Playbook,
    PlaybookLibrary,
    load_playbooks,
)
from aisec_assets.operations.runbooks import duration, render_runbook, render_runbooks
from aisec_jobs.demo_estate.governance import ROLES as RACI_ROLES
from aisec_resources import warehouse as warehouse_module
from aisec_resources.secret_audit import findings_in_text
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import WarehouseResource, create_schema, run_sql
from aisec_resources.yamldoc import DocumentError

SCHEMA = "schema/operations_playbooks"

# The decision this library encodes: which playbook answers a detection of each rule family.
EXPECTED_FAMILY_MAP = {
    "prompt_injection": "prompt_injection_exploitation",
    "indirect_injection": "prompt_injection_exploitation",
    "system_prompt_extraction": "prompt_injection_exploitation",
    "system_prompt_leakage": "prompt_injection_exploitation",
    "anomalous_output": "prompt_injection_exploitation",
    "jailbreak": "jailbreak_bypass",
    "harmful_request": "jailbreak_bypass",
    "pii_output": "pii_leakage_in_output",
    "secret_output": "data_exfiltration_via_model",
    "exfiltration_url": "data_exfiltration_via_model",
    "unauthorized_tool_call": "agent_unauthorized_actions",
    "excessive_tool_calls": "agent_unauthorized_actions",
    "cost_abuse": "model_denial_of_service",
    "llm_jacking": "model_compromise",
}


@pytest.fixture(scope="module")
def library() -> PlaybookLibrary:
    return load_playbooks()


# ------------------------------------------------------------------ the shipped library


def test_shipped_library_loads_nine_playbooks(library: PlaybookLibrary) -> None:
    assert len(library) == 9
    assert [pb.category for pb in library] == list(CATEGORIES)
    assert set(library.playbooks) == set(CATEGORIES)
    assert len(library.digest) == 16
    for pb in library:
        assert Path(library.files[pb.category]).name == f"{pb.category}.yaml"
        assert 8 <= len(pb.steps) <= 12, pb.category
        assert [s.step_number for s in pb.steps] == list(range(1, len(pb.steps) + 1))
        phases = [PHASES.index(s.phase) for s in pb.steps]
        assert phases == sorted(phases), pb.category
        assert set(REQUIRED_PHASES) <= {s.phase for s in pb.steps}
        assert len(pb.evidence_to_collect) >= 4
        assert len(pb.notification_requirements) >= 4
        assert any(s.automation == "aisec.notify" for s in pb.steps), pb.category
        assert len(pb.content_hash()) == 64


def test_the_briefs_two_playbooks_keep_their_facts(library: PlaybookLibrary) -> None:
    injection = library["prompt_injection_exploitation"]
    assert injection.severity_default == "sev2"
    assert injection.title == "Prompt Injection Exploitation Response"
    assert any(
        "Credential rotation fails: escalate to SEV1" in (s.escalation_trigger or "")
        for s in injection.steps
    )
    assert any(
        s.automation == "iam.deactivate_access_key" for s in injection.steps_in("containment")
    )
    ciso = [n for n in injection.notification_requirements if n.audience == "ciso"]
    assert ciso[0].within_minutes == 120 and ciso[0].condition.severity == ["sev1", "sev2"]
    agent = library["agent_unauthorized_actions"]
    assert agent.severity_default == "sev1"
    first = agent.steps[0]
    assert (first.phase, first.automation, first.timeout_minutes) == (
        "containment",
        "bedrock.disable_action_group",
        5,
    )
    lead = [n for n in agent.notification_requirements if n.audience == "ai_security_lead"]
    assert lead[0].within_minutes == 0
    supply = library["model_supply_chain_compromise"]
    assert supply.triggers.finding_types == ["unsafe_model_file"]
    assert any(s.automation == "aisec.quarantine_model_file" for s in supply.steps)


def test_every_rule_family_maps_to_exactly_one_category(library: PlaybookLibrary) -> None:
    assert set(DETECTION_FAMILIES) == set(FAMILIES)
    assert library.family_map() == EXPECTED_FAMILY_MAP
    claims = [f for pb in library for f in pb.triggers.detection_families]
    assert sorted(claims) == sorted(FAMILIES)
    for family in FAMILIES:
        assert library.category_for_family(family) == EXPECTED_FAMILY_MAP[family]
    with pytest.raises(KeyError, match="unknown detection rule family"):
        library.category_for_family("not_a_family")


def test_finding_types_map_to_at_most_one_category(library: PlaybookLibrary) -> None:
    assert set(FINDING_TYPES) == set(GAP_TYPES)
    assert library.category_for_finding("unsafe_model_file") == "model_supply_chain_compromise"
    assert library.category_for_finding("no_owner") is None
    assert library.finding_map() == {"unsafe_model_file": "model_supply_chain_compromise"}
    with pytest.raises(KeyError, match="unknown finding type"):
        library.category_for_finding("not_a_finding")


def test_automation_vocabulary(library: PlaybookLibrary) -> None:
    assert set(ACTIONS) == {
        "bedrock.disable_action_group",
        "bedrock.point_alias_to_version",
        "bedrock.delete_provisioned_throughput",
        "iam.deactivate_access_key",
        "azure.regenerate_account_key",
        "azure.set_deployment_capacity_zero",
        "azure.disable_local_auth",
        "aisec.collect_evidence",
        "aisec.notify",
        "aisec.quarantine_model_file",
    }
    used = set()
    for pb in library:
        for step in pb.steps:
            assert step.automated == (step.automation is not None)
            if step.automation:
                assert step.automation in ACTIONS
                used.add(step.automation)
    assert used == set(ACTIONS), "every action is used by some playbook"


def test_roles_and_audiences_agree_with_the_governance_raci(library: PlaybookLibrary) -> None:
    # The demo's RACI holds every role a playbook assigns, and no other.
    assert set(RACI_ROLES) == set(ROLES)
    assert set(ROLES) <= set(AUDIENCES)
    for pb in library:
        assert {s.responsible_role for s in pb.steps} <= set(ROLES)
        assert {n.audience for n in pb.notification_requirements} <= set(AUDIENCES)


def test_regulatory_clocks(library: PlaybookLibrary) -> None:
    personal = {pb.category for pb in library if pb.regulatory.personal_data}
    assert personal == {"pii_leakage_in_output", "data_exfiltration_via_model"}
    for pb in library:
        by_audience = {n.audience: n for n in pb.notification_requirements}
        if pb.regulatory.personal_data:
            assert by_audience["supervisory_authority"].within_minutes <= 72 * 60
        if pb.regulatory.serious_incident_possible:
            art73 = by_audience["market_surveillance_authority"]
            assert art73.within_minutes <= 15 * 24 * 60
            assert art73.condition.serious_incident is True
    pii = library["pii_leakage_in_output"]
    # The steps up to the authority's notification fit in the 72 hours, one after the other.
    notify = next(s for s in pii.steps if "supervisory authority" in s.action)
    assert sum(s.timeout_minutes for s in pii.steps[: notify.step_number]) <= 72 * 60


def test_condition_applies() -> None:
    pb = load_playbooks()["prompt_injection_exploitation"]
    legal = next(n for n in pb.notification_requirements if n.audience == "legal_compliance")
    assert legal.condition.applies("sev3", personal_data=True, serious_incident=False)
    assert not legal.condition.applies("sev1", personal_data=False, serious_incident=True)
    ciso = next(n for n in pb.notification_requirements if n.audience == "ciso")
    assert ciso.condition.applies("sev2", personal_data=False, serious_incident=False)
    assert not ciso.condition.applies("sev3", personal_data=True, serious_incident=True)
    assert ciso.condition.describe() == "severity SEV1/SEV2"


# ------------------------------------------------------------------ broken files


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "playbooks"
    target.mkdir()
    for entry in PLAYBOOK_DIR.iterdir():
        if entry.name.endswith(".yaml"):
            (target / entry.name).write_bytes(entry.read_bytes())
    return target


def edit(path: Path, old: str, new: str, *, after: str | None = None) -> int:
    """Replace the first `old` (after `after`) with `new`; returns the line it starts on."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old, text.index(after) if after else 0)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def line_of(path: Path, needle: str, *, after: str | None = None) -> int:
    text = path.read_text(encoding="utf-8")
    return text.count("\n", 0, text.index(needle, text.index(after) if after else 0)) + 1


def problems(directory: Path) -> list[tuple[str, int | None, str, str]]:
    with pytest.raises(DocumentError) as err:
        load_playbooks(directory)
    assert str(err.value).startswith("invalid playbook library:")
    return [(Path(p.file).name, p.line, p.field, p.message) for p in err.value.problems]


def one(directory: Path) -> tuple[str, int | None, str, str]:
    found = problems(directory)
    assert len(found) == 1, found
    return found[0]


def test_copy_loads(copy: Path, library: PlaybookLibrary) -> None:
    assert load_playbooks(copy).digest == library.digest


def test_unknown_key(copy: Path) -> None:
    path = copy / "jailbreak_bypass.yaml"
    line = edit(path, "severity_default:", "owner: someone\nseverity_default:")
    assert one(copy) == ("jailbreak_bypass.yaml", line, "owner", "unknown key")


def test_unknown_key_in_a_step(copy: Path) -> None:
    path = copy / "model_compromise.yaml"
    line = edit(path, "    automated: false", "    who: me\n    automated: false")
    file, at, field, message = one(copy)
    assert (file, at, message) == ("model_compromise.yaml", line, "unknown key")
    assert field == "steps[1].who"


def test_unknown_phase(copy: Path) -> None:
    path = copy / "model_denial_of_service.yaml"
    line = edit(path, "phase: containment", "phase: triage", after="step_number: 4")
    file, at, field, message = one(copy)
    assert (file, at, field) == ("model_denial_of_service.yaml", line, "steps[3].phase")
    assert "'detection'" in message and "'lessons_learned'" in message


def test_automated_step_without_an_action(copy: Path) -> None:
    path = copy / "prompt_injection_exploitation.yaml"
    edit(path, "    automation: aisec.notify\n", "", after="step_number: 4")
    step_line = line_of(path, "- step_number: 4")
    file, at, field, message = one(copy)
    assert (file, at, field) == (
        "prompt_injection_exploitation.yaml",
        step_line,
        "steps[3].automation",
    )
    assert message.startswith("an automated step names its automation; known: bedrock.")


def test_automated_step_with_an_unknown_action(copy: Path) -> None:
    path = copy / "prompt_injection_exploitation.yaml"
    line = edit(path, "aisec.notify", "aisec.page_everyone")
    file, at, field, message = one(copy)
    assert (file, at, field) == ("prompt_injection_exploitation.yaml", line, "steps[3].automation")
    assert message.startswith("unknown automation 'aisec.page_everyone'; known:")


def test_manual_step_with_an_action(copy: Path) -> None:
    path = copy / "jailbreak_bypass.yaml"
    line = edit(
        path,
        "    automated: false\n",
        "    automated: false\n    automation: iam.deactivate_access_key\n",
        after="step_number: 6",
    )
    assert one(copy) == (
        "jailbreak_bypass.yaml",
        line + 1,
        "steps[5].automation",
        "a manual step (automated: false) names no automation",
    )


def test_unknown_role(copy: Path) -> None:
    path = copy / "training_data_poisoning.yaml"
    line = edit(path, "responsible_role: ml_engineer", "responsible_role: intern")
    file, at, field, message = one(copy)
    assert (file, at, field) == ("training_data_poisoning.yaml", line, "steps[1].responsible_role")
    assert "'ai_security_lead'" in message and "'data_protection_officer'" in message


def test_a_family_claimed_by_two_playbooks(copy: Path) -> None:
    path = copy / "prompt_injection_exploitation.yaml"
    line = edit(path, "    - prompt_injection\n", "    - prompt_injection\n    - jailbreak\n")
    assert problems(copy) == [
        (
            "jailbreak_bypass.yaml",
            line_of(copy / "jailbreak_bypass.yaml", "- jailbreak"),
            "triggers.detection_families[0]",
            "detection rule family 'jailbreak' is also claimed by "
            "prompt_injection_exploitation.yaml: it answers to one playbook",
        ),
        (
            "prompt_injection_exploitation.yaml",
            line + 1,
            "triggers.detection_families[1]",
            "detection rule family 'jailbreak' is also claimed by jailbreak_bypass.yaml: it "
            "answers to one playbook",
        ),
    ]


def test_an_unknown_family_and_the_family_left_unclaimed(copy: Path) -> None:
    path = copy / "model_denial_of_service.yaml"
    line = edit(path, "- cost_abuse", "- cost_abuses")
    found = problems(copy)
    assert len(found) == 2, found
    file, at, field, message = found[0]
    assert (file, at, field) == (
        "model_denial_of_service.yaml",
        line,
        "triggers.detection_families[0]",
    )
    assert message.startswith(
        "unknown detection rule family 'cost_abuses'; known: anomalous_output"
    )
    assert found[1] == (
        "playbooks",
        None,
        "triggers.detection_families",
        "detection rule family 'cost_abuse' is answered by no playbook",
    )


def test_a_finding_type_claimed_twice_or_unknown(copy: Path) -> None:
    path = copy / "model_compromise.yaml"
    line = edit(path, "  finding_types: []", "  finding_types: [unsafe_model_file, no_such_gap]")
    found = problems(copy)
    assert [(f, at, field) for f, at, field, _ in found] == [
        ("model_compromise.yaml", line, "triggers.finding_types[1]"),
        ("model_compromise.yaml", line, "triggers.finding_types[0]"),
        (
            "model_supply_chain_compromise.yaml",
            line_of(copy / "model_supply_chain_compromise.yaml", "- unsafe_model_file"),
            "triggers.finding_types[0]",
        ),
    ]
    assert found[0][3].startswith("unknown finding type 'no_such_gap'")
    assert "also claimed by model_supply_chain_compromise.yaml" in found[1][3]
    assert "also claimed by model_compromise.yaml" in found[2][3]


def test_duplicate_step_number(copy: Path) -> None:
    path = copy / "model_compromise.yaml"
    line = edit(path, "step_number: 3", "step_number: 2")
    assert one(copy) == (
        "model_compromise.yaml",
        line,
        "steps[2].step_number",
        "duplicate step number 2 (first at steps[1])",
    )


def test_gap_in_step_numbers(copy: Path) -> None:
    path = copy / "jailbreak_bypass.yaml"
    edit(path, "step_number: 10", "step_number: 11")
    file, at, field, message = one(copy)
    assert (file, at, field) == ("jailbreak_bypass.yaml", line_of(path, "steps:"), "steps")
    assert message.endswith("number them 1..n")


def test_steps_go_in_phase_order(copy: Path) -> None:
    path = copy / "model_compromise.yaml"
    line = edit(path, "phase: eradication", "phase: detection", after="step_number: 8")
    file, at, field, message = one(copy)
    assert (file, at, field) == ("model_compromise.yaml", line, "steps[7].phase")
    assert message.startswith("phase detection after containment: steps go in phase order")


def test_a_phase_missing(copy: Path) -> None:
    path = copy / "jailbreak_bypass.yaml"
    edit(path, "phase: lessons_learned", "phase: recovery")
    assert one(copy) == (
        "jailbreak_bypass.yaml",
        line_of(path, "steps:"),
        "steps",
        "no step in phase lessons_learned",
    )


def test_alias_is_refused(copy: Path) -> None:
    path = copy / "jailbreak_bypass.yaml"
    edit(path, "responsible_role: soc_analyst", "responsible_role: &who soc_analyst")
    line = edit(path, "responsible_role: soc_analyst", "responsible_role: *who", after="&who")
    file, at, field, message = one(copy)
    assert (file, at, field) == ("jailbreak_bypass.yaml", line, "<yaml>")
    assert "aliases are not allowed" in message


def test_invalid_yaml(copy: Path) -> None:
    path = copy / "pii_leakage_in_output.yaml"
    line = edit(path, "title: PII", "title: [PII")
    file, at, field, message = one(copy)
    assert (file, field) == ("pii_leakage_in_output.yaml", "<yaml>")
    assert message.startswith("not valid YAML")
    assert at is not None and at >= line


def test_category_must_match_the_file(copy: Path) -> None:
    (copy / "jailbreak_bypass.yaml").rename(copy / "jailbreak.yaml")
    line = line_of(copy / "jailbreak.yaml", "category:")
    found = problems(copy)
    assert ("jailbreak.yaml", line, "category") in [(f, at, field) for f, at, field, _ in found]
    assert ("playbooks", None, "<directory>", "no playbook jailbreak_bypass.yaml") in found


def test_regulatory_deadlines_are_checked(copy: Path) -> None:
    path = copy / "pii_leakage_in_output.yaml"
    line = edit(path, "within_minutes: 4320", "within_minutes: 5000")
    file, at, field, message = one(copy)
    assert (file, at, field) == (
        "pii_leakage_in_output.yaml",
        line,
        "notification_requirements[5].within_minutes",
    )
    assert message.startswith("GDPR Art. 33")
    edit(path, "  personal_data: true", "  personal_data: false", after="regulatory:")
    found = problems(copy)
    assert "notification_requirements[5].condition" in [field for _, _, field, _ in found]


def test_unknown_audience(copy: Path) -> None:
    path = copy / "model_compromise.yaml"
    line = edit(path, "audience: finance", "audience: accounting")
    file, at, field, message = one(copy)
    assert (file, at, field) == (
        "model_compromise.yaml",
        line,
        "notification_requirements[3].audience",
    )
    assert message.startswith("unknown audience 'accounting'; known: ai_security_lead, ciso")


def test_unknown_channel(copy: Path) -> None:
    path = copy / "model_compromise.yaml"
    line = edit(path, "channel: ticket", "channel: pigeon")
    file, at, field, message = one(copy)
    assert (file, at, field) == (
        "model_compromise.yaml",
        line,
        "notification_requirements[4].channel",
    )
    assert "'regulator_portal'" in message


def test_every_problem_of_every_file_is_listed(copy: Path) -> None:
    edit(copy / "jailbreak_bypass.yaml", "severity_default: sev3", "severity_default: sev5")
    edit(copy / "model_compromise.yaml", "aisec.notify", "aisec.shout")
    (copy / "training_data_poisoning.yaml").unlink()
    (copy / "extra.yml").write_text("category: x\n")
    found = problems(copy)
    files = {f for f, *_ in found}
    assert files == {"jailbreak_bypass.yaml", "model_compromise.yaml", "playbooks", "extra.yml"}
    assert ("playbooks", None, "<directory>", "no playbook training_data_poisoning.yaml") in found


# ------------------------------------------------------------------ runbooks


def test_duration() -> None:
    assert duration(0) == "at once"
    assert duration(45) == "45 min"
    assert duration(120) == "2 h"
    assert duration(4320) == "3 d"
    assert duration(1530) == "1 d 1 h 30 min"


def test_runbook_rendering(library: PlaybookLibrary) -> None:
    runbooks = render_runbooks(library)
    assert set(runbooks) == set(CATEGORIES)
    text = runbooks["prompt_injection_exploitation"]
    assert text.startswith("# Prompt Injection Exploitation Response\n")
    assert "**SEV2**" in text
    assert "- Detection rule families: `prompt_injection`, `indirect_injection`" in text
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### Detection and triage",
        "### Containment",
        "### Eradication",
        "### Recovery",
        "### Lessons learned",
    ]
    pb = library["prompt_injection_exploitation"]
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [int(r.split(" | ")[0][2:]) for r in rows] == [s.step_number for s in pb.steps]
    assert "| `platform_engineering` | `iam.deactivate_access_key` | 5 min | Credential " in text
    assert "| `ciso` | email | 2 h | severity SEV1/SEV2 | - |" in text
    assert "## Evidence to collect" in text and "## Regulatory notes" in text
    assert "UpdateAccessKey(UserName, AccessKeyId, Status='Inactive')" in text
    assert "GDPR Art. 33 applies when personal data turns out to be involved" in text
    pii = runbooks["pii_leakage_in_output"]
    assert "**GDPR Art. 33 applies to every incident of this category**" in pii
    assert "- Compliance findings: `unsafe_model_file`" in runbooks["model_supply_chain_compromise"]
    assert "- Opened by hand" in runbooks["training_data_poisoning"]


def test_runbook_table_cells_stay_in_their_column(library: PlaybookLibrary) -> None:
    data = library["jailbreak_bypass"].model_dump()
    data["steps"][0]["action"] = "Split | on\nseveral lines"
    text = render_runbook(Playbook.model_validate(data))
    row = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    assert "Split \\| on several lines" in row
    assert row.replace("\\|", "").count("|") == 7


# ------------------------------------------------------------------ the warehouse and the asset


@pytest.fixture(scope="module")
def assets() -> ModuleType:
    """The asset module (the playbook tables are part of the warehouse layout)."""
    assert SCHEMA in warehouse_module.SCHEMA_FILES
    return importlib.import_module("aisec_assets.operations.playbook_assets")


def test_schema_comments_every_table_and_column() -> None:
    conn = duckdb.connect(":memory:")
    create_schema(conn, views=False)
    run_sql(conn, SCHEMA)
    run_sql(conn, SCHEMA)  # idempotent
    tables = conn.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'operations' "
        "AND table_name LIKE 'playbook%' ORDER BY ALL"
    ).fetchall()
    assert [t for t, _ in tables] == ["playbook_steps", "playbook_triggers", "playbooks"]
    assert all(comment for _, comment in tables)
    uncommented = conn.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'operations' "
        "AND table_name LIKE 'playbook%' AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert uncommented == []


def program(tmp_path: Path) -> AisecSettings:
    path = tmp_path / "aisec.yaml"
    path.write_text(
        yaml.safe_dump({"organisation": "Acme", "warehouse": {"path": "wh/aisec.duckdb"}})
    )
    return AisecSettings(config_path=str(path))


def run(assets: ModuleType, settings: AisecSettings, **kwargs: bool) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        list(assets.PLAYBOOK_ASSETS),
        resources={
            "settings": settings,
            "warehouse": WarehouseResource(path=str(settings.config().warehouse.path)),
        },
        **kwargs,
    )


def published(settings: AisecSettings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.config().warehouse.path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_playbooks_asset_materializes(
    assets: ModuleType, tmp_path: Path, library: PlaybookLibrary
) -> None:
    settings = program(tmp_path)
    result = run(assets, settings)
    assert result.success
    steps = sum(len(pb.steps) for pb in library)
    (event,) = result.asset_materializations_for_node("playbooks")
    meta = event.metadata
    assert meta["dagster/row_count"].value == 9
    assert meta["playbook_steps_rows"].value == steps
    assert meta["playbook_triggers_rows"].value == len(DETECTION_FAMILIES) + 1
    assert meta["family_to_category"].value == EXPECTED_FAMILY_MAP
    assert "prompt_injection_exploitation" in meta["preview"].value
    assert meta["runbook_preview"].value.startswith("# Prompt Injection Exploitation Response")

    rows = published(
        settings,
        "SELECT category, severity_default, personal_data, runbook_path, runbook_markdown, "
        "notification_requirements, evidence_to_collect, content_hash, library_digest, "
        "regulatory_notes FROM operations.playbooks ORDER BY category",
    )
    assert [r[0] for r in rows] == sorted(CATEGORIES)
    runbook_dir = Path(settings.config().warehouse.path).parent / "runbooks"
    for category, severity, personal, path, markdown, notes, evidence, digest, lib, reg in rows:
        pb = library[category]
        assert severity == pb.severity_default and personal == pb.regulatory.personal_data
        assert Path(path) == runbook_dir / f"{category}.md"
        assert Path(path).read_text(encoding="utf-8") == markdown
        assert json.loads(notes)[0]["audience"] == pb.notification_requirements[0].audience
        assert evidence == pb.evidence_to_collect and reg == pb.regulatory.notes
        assert (digest, lib) == (pb.content_hash(), library.digest)
    assert published(
        settings,
        "SELECT count(*), count(*) FILTER (WHERE automated), "
        "count(*) FILTER (WHERE automated AND automation IS NULL) FROM operations.playbook_steps",
    ) == [(steps, sum(s.automated for pb in library for s in pb.steps), 0)]
    triggers = published(
        settings,
        "SELECT kind, value, category FROM operations.playbook_triggers ORDER BY kind, value",
    )
    assert {(v, c) for k, v, c in triggers if k == "detection_family"} == set(
        EXPECTED_FAMILY_MAP.items()
    )
    assert [(v, c) for k, v, c in triggers if k == "finding_type"] == [
        ("unsafe_model_file", "model_supply_chain_compromise")
    ]

    # A rerun replaces the tables: nothing doubles.
    assert run(assets, settings).success
    assert published(settings, "SELECT count(*) FROM operations.playbook_steps") == [(steps,)]


def test_a_bad_library_fails_the_asset_and_keeps_the_last_good_tables(
    assets: ModuleType, tmp_path: Path, copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = program(tmp_path)
    assert run(assets, settings).success
    edit(copy / "model_compromise.yaml", "aisec.notify", "aisec.shout")
    monkeypatch.setattr(assets, "load_playbooks", lambda: load_playbooks(copy))
    result = run(assets, settings, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    text = str(failure.step_failure_data.error)
    assert "model_compromise.yaml:" in text and "unknown automation 'aisec.shout'" in text
    assert published(settings, "SELECT count(*) FROM operations.playbooks") == [(9,)]


def test_no_playbook_text_reads_as_a_credential(library: PlaybookLibrary) -> None:
    """The warehouse's blocking no_clear_text_secrets check audits every table: prose such as
    "credentials: deactivate …" would read as a secret-named field and stop every run."""
    for playbook in library.playbooks.values():
        texts = [render_runbook(playbook), *(step.action for step in playbook.steps)]
        found = [f for text in texts for f in findings_in_text(text)]
        assert not found, (playbook.category, found)
