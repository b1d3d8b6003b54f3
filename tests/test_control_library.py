"""The technical-controls library (SPEC §3.4): the shipped catalog and framework libraries, and
the `file:line: field: message` errors a broken file gives."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from aisec_assets.controls.library import (
    CATALOG_FILE,
    CONDITIONS,
    EVIDENCE_FACTS,
    FRAMEWORK_DIR,
    FRAMEWORKS,
    FUNCTIONS,
    Control,
    ControlLibrary,
    load_library,
)
from aisec_resources.records import ASSET_TYPES, CONTROL_TYPES
from aisec_resources.yamldoc import DocumentError, Problem

# A generic control applies to every asset type but keys and integration points, which carry no
# operational controls of their own in the risk model.
GENERIC_ASSET_TYPES = frozenset(ASSET_TYPES) - {"api_key", "integration_point"}
OWASP_IDS = [f"LLM{i:02d}" for i in range(1, 11)]


@pytest.fixture(scope="module")
def library() -> ControlLibrary:
    return load_library()


# ------------------------------------------------------------------------------------------------
# The shipped library
# ------------------------------------------------------------------------------------------------


def test_shipped_library_loads(library: ControlLibrary) -> None:
    assert set(library.frameworks) == set(FRAMEWORKS)
    assert re.fullmatch(r"[0-9a-f]{16}", library.digest)
    assert library.catalog.version == "1.0"
    assert load_library().digest == library.digest  # deterministic


def test_catalog_has_enough_controls_of_every_function(library: ControlLibrary) -> None:
    controls = library.catalog.controls
    assert len(controls) >= 40
    by_function = Counter(c.function for c in controls)
    assert set(by_function) == set(FUNCTIONS)
    assert min(by_function.values()) >= 10
    assert len({c.id for c in controls}) == len(controls)
    prefix = {"preventive": "PRE", "detective": "DET", "corrective": "COR"}
    for control in controls:
        assert control.id.startswith(f"AISEC-{prefix[control.function]}-"), control.id


def test_every_owasp_llm_item_is_mapped(library: ControlLibrary) -> None:
    assert [r.id for r in library.frameworks["owasp_llm"].requirements] == OWASP_IDS
    mapped = {req for c in library.catalog.controls for req in c.mappings.owasp_llm}
    assert mapped == set(OWASP_IDS)
    assert not any(r.manual for r in library.frameworks["owasp_llm"].requirements)


@pytest.mark.parametrize("control_type", CONTROL_TYPES)
def test_every_control_type_has_a_generic_control(
    library: ControlLibrary, control_type: str
) -> None:
    """Risk parity: an operational control type the risk engine counts for any asset always
    shows up as an implemented catalog control of that type."""
    generic = [
        c for c in library.catalog.controls if c.control_type == control_type and _is_generic(c)
    ]
    assert generic, f"no generic control for {control_type}"


def _is_generic(control: Control) -> bool:
    return (
        f"control.{control.control_type}" in control.evidence.facts
        and set(control.applies_to) >= GENERIC_ASSET_TYPES
        and not control.applies_when
    )


def test_control_type_facts_match_the_control_type(library: ControlLibrary) -> None:
    """A `control.<type>` fact shows only a control of that type (otherwise a declared type
    would put an unrelated control in place)."""
    for control in library.catalog.controls:
        for fact in control.evidence.facts:
            if fact.startswith("control."):
                assert fact == f"control.{control.control_type}", control.id


def test_attested_only_controls_do_not_claim_a_control_type(library: ControlLibrary) -> None:
    """Process controls are shown by attestation; they must not lower residual risk through a
    SPEC §3.2 control type the inventory never listed."""
    for control in library.catalog.controls:
        if control.evidence.facts == ["attested"]:
            assert control.control_type is None, control.id


def test_every_evidence_fact_is_used(library: ControlLibrary) -> None:
    used = {fact for c in library.catalog.controls for fact in c.evidence.facts}
    assert used == set(EVIDENCE_FACTS)


def test_shipped_conditions(library: ControlLibrary) -> None:
    used = {cond for c in library.catalog.controls for cond in c.applies_when}
    # "public" and "regulated_scope" stay available for organisation-specific controls; the
    # shipped catalog expresses exposure and regulation through required_from instead (the
    # inherent risk already weighs them).
    assert used <= set(CONDITIONS)
    assert used >= {
        "production",
        "self_hosted",
        "has_model_files",
        "aws",
        "azure",
        "sensitive_data",
        "eu_ai_act_high_risk",
    }


@pytest.mark.parametrize(
    ("fact", "control_type", "required_from", "applies_when"),
    [
        ("guardrail.attached", "guardrails", "MEDIUM", []),
        ("guardrail.prompt_attack_filter", "input_filtering", "MEDIUM", []),
        ("guardrail.sensitive_info_filter", "output_filtering", "MEDIUM", ["sensitive_data"]),
        ("logging.invocation", "access_logging", "MEDIUM", []),
        ("network.private_access", "network_isolation", "HIGH", []),
        ("auth.keyless", "authentication", "MEDIUM", ["azure"]),
        ("encryption.customer_managed_key", "encryption_at_rest", "HIGH", []),
        ("model_files.safe_format", None, "LOW", ["has_model_files"]),
        ("sbom.available", None, "MEDIUM", ["self_hosted"]),
        ("secrets.none_in_config", None, "LOW", ["aws"]),
        ("rate_limit.quota", "rate_limiting", "MEDIUM", []),
        ("ownership.assigned", None, "LOW", []),
        ("data.classified", None, "LOW", []),
        ("review.current", None, "LOW", []),
    ],
)
def test_posture_control_for_fact(
    library: ControlLibrary,
    fact: str,
    control_type: str | None,
    required_from: str,
    applies_when: list[str],
) -> None:
    """Each posture fact has one specific control (besides the generic controls of a type)."""
    specific = [
        c for c in library.catalog.controls if fact in c.evidence.facts and not _is_generic(c)
    ]
    assert len(specific) == 1, [c.id for c in specific]
    control = specific[0]
    assert control.control_type == control_type
    assert control.required_from == required_from
    assert control.applies_when == applies_when


def test_agent_controls(library: ControlLibrary) -> None:
    for fact in (
        "agent.code_interpreter_disabled",
        "agent.human_confirmation",
        "agent.tool_schema_defined",
    ):
        (control,) = [c for c in library.catalog.controls if fact in c.evidence.facts]
        assert control.applies_to == ["ai_agent"]
        assert "LLM06" in control.mappings.owasp_llm
    (guardrail,) = [
        c for c in library.catalog.controls if c.evidence.facts == ["guardrail.attached"]
    ]
    assert guardrail.applies_to == ["ai_agent", "api_endpoint"]


@pytest.mark.parametrize(
    ("title_word", "owasp", "applies_when"),
    [
        ("Red-teaming", "LLM01", []),
        ("Secret scanning", "LLM07", []),
        ("incident response", None, []),
        ("procurement", "LLM03", []),
        ("provenance", "LLM04", []),
        ("Human oversight", None, ["eu_ai_act_high_risk"]),
        ("Post-market", None, ["eu_ai_act_high_risk"]),
        ("Serious-incident", None, ["eu_ai_act_high_risk"]),
        ("impact assessment", None, []),
        ("System prompt", "LLM07", []),
        ("model output downstream", "LLM05", []),
        ("vector store", "LLM08", []),
        ("poisoning", "LLM04", []),
        ("Misinformation", "LLM09", []),
        ("Cost and usage", "LLM10", []),
    ],
)
def test_process_controls_are_attested(
    library: ControlLibrary, title_word: str, owasp: str | None, applies_when: list[str]
) -> None:
    matches = [c for c in library.catalog.controls if title_word.lower() in c.title.lower()]
    assert len(matches) == 1, [c.title for c in matches]
    control = matches[0]
    assert control.evidence.facts == ["attested"]
    assert control.applies_when == applies_when
    if owasp:
        assert owasp in control.mappings.owasp_llm


def test_serious_incident_reporting_maps_article_73(library: ControlLibrary) -> None:
    (control,) = [c for c in library.catalog.controls if "Art. 73" in c.mappings.eu_ai_act]
    assert control.function == "corrective"
    assert control.applies_when == ["eu_ai_act_high_risk"]


def test_framework_libraries(library: ControlLibrary) -> None:
    nist = [r.id for r in library.frameworks["nist_ai_rmf"].requirements]
    expected_nist = [
        f"{fn} {cat}.{sub}"
        for fn, cats in {
            "GOVERN": [7, 3, 2, 3, 2, 2],
            "MAP": [6, 3, 5, 2, 2],
            "MEASURE": [3, 13, 3, 3],
            "MANAGE": [4, 4, 2, 3],
        }.items()
        for cat, count in enumerate(cats, 1)
        for sub in range(1, count + 1)
    ]
    assert nist == expected_nist
    assert len(nist) == 72

    iso = [r.id for r in library.frameworks["iso_42001"].requirements]
    assert len(iso) == 38
    assert iso[0] == "A.2.2" and iso[-1] == "A.10.4"
    assert {"A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.8"} <= set(iso)
    assert all(re.fullmatch(r"A\.(\d+\.\d+|6\.[12]\.\d+)", i) for i in iso)

    eu = library.frameworks["eu_ai_act"]
    assert eu.scope == ["eu_ai_act_high_risk"]
    assert [r.id for r in eu.requirements] == [
        f"Art. {n}" for n in (9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 26, 27, 72, 73)
    ]

    atlas = library.frameworks["mitre_atlas"]
    assert 25 <= len(atlas.requirements) <= 50
    for req in atlas.requirements:
        assert re.fullmatch(r"AML\.[TM]\d{4}(\.\d{3})?", req.id)
        assert req.section == ("technique" if req.id.startswith("AML.T") else "mitigation")
    spec_ids = {"AML.T0051", "AML.T0054", "AML.T0056", "AML.T0057", "AML.T0024", "AML.T0034"}
    spec_ids |= {"AML.T0010", "AML.T0020", "AML.T0053", "AML.M0020", "AML.M0023", "AML.M0024"}
    assert spec_ids <= {r.id for r in atlas.requirements}

    for key in FRAMEWORKS:
        framework = library.frameworks[key]
        assert framework.framework == key
        assert "title" in framework.source.lower() or "titles" in framework.source.lower()
        if key != "eu_ai_act":
            assert framework.scope == []


def test_every_requirement_is_mapped_or_manual(library: ControlLibrary) -> None:
    mapped = library.requirement_controls()
    for key, framework in library.frameworks.items():
        for req in framework.requirements:
            assert bool(mapped[(key, req.id)]) != req.manual, (key, req.id)
    # Technical frameworks are fully covered by controls; governance ones keep manual items.
    assert not any(r.manual for r in library.frameworks["mitre_atlas"].requirements)
    assert [r.id for r in library.frameworks["eu_ai_act"].requirements if r.manual] == ["Art. 17"]


def test_every_control_is_implementable(library: ControlLibrary) -> None:
    for control in library.catalog.controls:
        assert control.mappings.pairs(), control.id
        assert control.implementation, control.id
        assert control.objective.endswith("."), control.id
        assert control.evidence.basis.endswith("."), control.id


# ------------------------------------------------------------------------------------------------
# Broken files: every problem as file:line: field: message
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the shipped catalog and frameworks directory."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_bytes(CATALOG_FILE.read_bytes())
    framework_dir = tmp_path / "frameworks"
    framework_dir.mkdir()
    for key in FRAMEWORKS:
        target = framework_dir / f"{key}.yaml"
        target.write_bytes((FRAMEWORK_DIR / f"{key}.yaml").read_bytes())
    return catalog, framework_dir


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1))


def _line(path: Path, needle: str) -> int:
    """The 1-based line of the only line containing `needle`."""
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def _index(library: ControlLibrary, control_id: str) -> int:
    return [c.id for c in library.catalog.controls].index(control_id)


def _problems(catalog: Path, framework_dir: Path) -> list[Problem]:
    with pytest.raises(DocumentError) as info:
        load_library(catalog_file=catalog, framework_dir=framework_dir)
    assert str(info.value).startswith("invalid control library:")
    return info.value.problems


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def _assert_problem(problem: Problem, file: Path, line: int, field: str, message: str) -> None:
    assert problem.file == str(file)
    assert problem.line == line
    assert problem.field == field
    assert message in problem.message, problem.message
    assert str(problem).startswith(f"{file}:{line}: {field}: ")


def test_copy_loads(copy: tuple[Path, Path], library: ControlLibrary) -> None:
    assert load_library(catalog_file=copy[0], framework_dir=copy[1]).digest == library.digest


def test_unknown_field(copy: tuple[Path, Path], library: ControlLibrary) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "  - id: AISEC-PRE-005\n", "  - id: AISEC-PRE-005\n    colour: blue\n")
    i = _index(library, "AISEC-PRE-005")
    problem = _only(_problems(catalog, framework_dir))
    _assert_problem(problem, catalog, _line(catalog, "colour: blue"), f"controls[{i}].colour", "")
    assert problem.message == "unknown key"


def test_unknown_field_with_block_value_points_at_its_key(
    copy: tuple[Path, Path], library: ControlLibrary
) -> None:
    catalog, framework_dir = copy
    _edit(
        catalog,
        "  - id: AISEC-DET-004\n",
        "  - id: AISEC-DET-004\n    owners:\n      - team-a\n      - team-b\n",
    )
    i = _index(library, "AISEC-DET-004")
    problem = _only(_problems(catalog, framework_dir))
    _assert_problem(
        problem, catalog, _line(catalog, "owners:"), f"controls[{i}].owners", "unknown key"
    )


def test_unknown_evidence_fact(copy: tuple[Path, Path], library: ControlLibrary) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "facts: [guardrail.attached]", "facts: [guardrail.attachd]")
    i = _index(library, "AISEC-PRE-009")
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        catalog,
        _line(catalog, "guardrail.attachd"),
        f"controls[{i}].evidence.facts[0]",
        "unknown evidence fact 'guardrail.attachd'",
    )


def test_unknown_asset_type_condition_and_platform(
    copy: tuple[Path, Path], library: ControlLibrary
) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "applies_to: [ai_agent, api_endpoint]\n", "applies_to: [ai_agent, chatbot]\n")
    _edit(catalog, "applies_when: [azure]", "applies_when: [gcp]")
    _edit(catalog, "      huggingface: >-\n", "      hugging_face: >-\n")
    problems = _problems(catalog, framework_dir)
    by_field = {p.field: p for p in problems}
    i = _index(library, "AISEC-PRE-009")
    j = _index(library, "AISEC-PRE-016")
    k = _index(library, "AISEC-PRE-004")
    assert set(by_field) == {
        f"controls[{i}].applies_to[1]",
        f"controls[{j}].applies_when[0]",
        f"controls[{k}].implementation[3]",
    }
    assert "unknown asset type 'chatbot'" in by_field[f"controls[{i}].applies_to[1]"].message
    assert by_field[f"controls[{i}].applies_to[1]"].line == _line(catalog, "chatbot")
    assert "unknown condition 'gcp'" in by_field[f"controls[{j}].applies_when[0]"].message
    assert by_field[f"controls[{j}].applies_when[0]"].line == _line(catalog, "[gcp]")
    assert "unknown platform 'hugging_face'" in by_field[f"controls[{k}].implementation[3]"].message


def test_unknown_mapping_id(copy: tuple[Path, Path], library: ControlLibrary) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "owasp_llm: [LLM05]", "owasp_llm: [LLM11]")
    i = _index(library, "AISEC-PRE-028")
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        catalog,
        _line(catalog, "[LLM11]"),
        f"controls[{i}].mappings.owasp_llm[0]",
        "unknown owasp_llm requirement 'LLM11' (not in frameworks/owasp_llm.yaml)",
    )


def test_unmapped_requirement_must_be_manual(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    eu = framework_dir / "eu_ai_act.yaml"
    art17 = (
        "  - id: Art. 17\n    title: Quality management system\n"
        "    section: Chapter III, Section 3\n"
    )
    _edit(eu, art17 + "    manual: true\n", art17)
    eu_ids = [line for line in eu.read_text().splitlines() if line.startswith("  - id:")]
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        eu,
        _line(eu, "id: Art. 17"),
        f"requirements[{eu_ids.index('  - id: Art. 17')}].id",
        "Art. 17 is mapped by no catalog control: map one, or mark it manual: true",
    )


def test_manual_requirement_must_not_be_mapped(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    owasp = framework_dir / "owasp_llm.yaml"
    _edit(owasp, "    title: Misinformation\n", "    title: Misinformation\n    manual: true\n")
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        owasp,
        _line(owasp, "manual: true"),
        "requirements[8].manual",
        "LLM09 is marked manual but catalog controls map to it",
    )


def test_duplicate_control_id(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "  - id: AISEC-PRE-002\n", "  - id: AISEC-PRE-001\n")
    lines = [i for i, t in enumerate(catalog.read_text().splitlines(), 1) if "AISEC-PRE-001" in t]
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        catalog,
        lines[1],
        "controls[1].id",
        "duplicate id AISEC-PRE-001 (first at controls[0])",
    )


def test_duplicate_requirement_id(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    iso = framework_dir / "iso_42001.yaml"
    _edit(iso, "  - id: A.2.3\n", "  - id: A.2.2\n")
    problems = _problems(catalog, framework_dir)
    duplicate = [p for p in problems if p.message == "duplicate requirement A.2.2"]
    assert len(duplicate) == 1
    lines = [i for i, t in enumerate(iso.read_text().splitlines(), 1) if t == "  - id: A.2.2"]
    _assert_problem(duplicate[0], iso, lines[1], "requirements[1].id", "duplicate requirement")


def test_duplicate_yaml_key(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    _edit(
        catalog,
        "    title: Output filtering of model responses\n",
        "    title: Output filtering of model responses\n    title: Again\n",
    )
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        catalog,
        _line(catalog, "title: Again"),
        "controls[1].title",
        "duplicate key",
    )


def test_alias_is_refused(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "    required_from: HIGH\n", "    required_from: &level HIGH\n")
    _edit(catalog, "    required_from: MEDIUM\n", "    required_from: *level\n")
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        catalog,
        _line(catalog, "*level"),
        "<yaml>",
        "found alias *level: aliases are not allowed in this file",
    )


def test_merge_key_is_refused(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "  - id: AISEC-PRE-003\n", "  - id: AISEC-PRE-003\n    <<: {title: x}\n")
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        catalog,
        _line(catalog, "<<:"),
        "controls[2].<<",
        "keys must be plain strings (no merge keys)",
    )


def test_unknown_tag_is_a_problem_not_a_crash(
    copy: tuple[Path, Path], library: ControlLibrary
) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "    required_from: LOW\n", "    required_from: !python/name:os.system LOW\n")
    first_low = next(c for c in library.catalog.controls if c.required_from == "LOW")
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        catalog,
        _line(catalog, "!python/name"),
        f"controls[{_index(library, first_low.id)}].required_from",
        "bad value: could not determine a constructor",
    )


def test_wrong_id_prefix_for_function(copy: tuple[Path, Path], library: ControlLibrary) -> None:
    catalog, framework_dir = copy
    _edit(catalog, "  - id: AISEC-DET-018\n", "  - id: AISEC-PRE-099\n")
    _assert_problem(
        _only(_problems(catalog, framework_dir)),
        catalog,
        _line(catalog, "AISEC-PRE-099"),
        f"controls[{_index(library, 'AISEC-DET-018')}].id",
        "a detective control's id starts AISEC-DET-",
    )


def test_missing_and_invalid_values(copy: tuple[Path, Path], library: ControlLibrary) -> None:
    catalog, framework_dir = copy
    # Drop required_from of PRE-009 (its first MEDIUM after its id) and give PRE-010 a bad level.
    text = catalog.read_text()
    start = text.index("  - id: AISEC-PRE-009\n")
    cut = text.index("    required_from: MEDIUM\n", start)
    text = text[:cut] + text[cut + len("    required_from: MEDIUM\n") :]
    start = text.index("  - id: AISEC-PRE-010\n")
    cut = text.index("    required_from: MEDIUM\n", start)
    text = (
        text[:cut]
        + "    required_from: SEVERE\n"
        + text[cut + len("    required_from: MEDIUM\n") :]
    )
    catalog.write_text(text)
    i = _index(library, "AISEC-PRE-009")
    problems = sorted(_problems(catalog, framework_dir), key=lambda p: p.line or 0)
    assert len(problems) == 2, [str(p) for p in problems]
    _assert_problem(
        problems[0],
        catalog,
        _line(catalog, "id: AISEC-PRE-009"),
        f"controls[{i}].required_from",
        "Field required",
    )
    _assert_problem(
        problems[1],
        catalog,
        _line(catalog, "SEVERE"),
        f"controls[{i + 1}].required_from",
        "Input should be 'LOW', 'MEDIUM', 'HIGH' or 'CRITICAL'",
    )


def test_invalid_yaml(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    owasp = framework_dir / "owasp_llm.yaml"
    _edit(owasp, "    title: Supply Chain\n", "    title: Supply Chain: [\n")
    problem = _only(_problems(catalog, framework_dir))
    _assert_problem(
        problem, owasp, _line(owasp, "Supply Chain: ["), "<yaml>", "not valid YAML: mapping values"
    )


def test_framework_header_problems(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    eu = framework_dir / "eu_ai_act.yaml"
    _edit(eu, "scope: [eu_ai_act_high_risk]", "scope: [eu_ai_act_highrisk]")
    _edit(eu, "framework: eu_ai_act\n", "framework: eu_act\n")
    problems = _problems(catalog, framework_dir)
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"framework", "scope[0]"}
    _assert_problem(
        by_field["framework"],
        eu,
        _line(eu, "framework: eu_act"),
        "framework",
        "the file frameworks/eu_ai_act.yaml must declare framework: eu_ai_act",
    )
    _assert_problem(
        by_field["scope[0]"],
        eu,
        _line(eu, "eu_ai_act_highrisk"),
        "scope[0]",
        "unknown regulatory scope 'eu_ai_act_highrisk'",
    )


def test_missing_framework_file(copy: tuple[Path, Path]) -> None:
    catalog, framework_dir = copy
    (framework_dir / "iso_42001.yaml").unlink()
    problem = _only(_problems(catalog, framework_dir))
    assert problem.file == str(framework_dir / "iso_42001.yaml")
    assert problem.line is None
    assert (problem.field, problem.message) == ("<file>", "file not found")


def test_problems_of_all_files_are_reported_together(
    copy: tuple[Path, Path], library: ControlLibrary
) -> None:
    catalog, framework_dir = copy
    nist = framework_dir / "nist_ai_rmf.yaml"
    _edit(catalog, "facts: [guardrail.attached]", "facts: [guardrail.attachd]")
    _edit(nist, '  - id: "GOVERN 1.1"\n', '  - id: "GOVERN 1.1"\n    weight: 2\n')
    problems = _problems(catalog, framework_dir)
    assert {(p.file, p.field) for p in problems} == {
        (str(catalog), f"controls[{_index(library, 'AISEC-PRE-009')}].evidence.facts[0]"),
        (str(nist), "requirements[0].weight"),
    }
