"""The declared registry: YAML and CSV parsing, validation, and the demo estate's writer."""

from __future__ import annotations

import dataclasses
import json
import random
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from aisec_assets.discovery import registry as registry_parser
from aisec_assets.discovery.registry import REGISTRY_FIELDS, SOURCE, parse_registry
from aisec_resources.records import (
    ASSET_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
    UNKNOWN_ASSET_TYPE,
    Control,
    Dependency,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
)

AS_OF = date(2026, 11, 28)
AZURE_ID = (
    "/subscriptions/6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f/resourceGroups/rg-cx-ai-prod/"
    "providers/Microsoft.CognitiveServices/accounts/cx-openai-prod"
)
BEDROCK_ARN = "arn:aws:bedrock:eu-west-1:314159265358:custom-model/claims-llama-ft"


def demo_module() -> ModuleType:
    """The demo registry module, imported per test so parser tests never depend on it."""
    from aisec_jobs.demo_estate import registry as demo_registry

    return demo_registry


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def parse_yaml(tmp_path: Path, text: str) -> tuple[Path, SourceResult]:
    path = write(tmp_path, "registry.yaml", text)
    return path, parse_registry(path)


def parse_csv(tmp_path: Path, text: str) -> tuple[Path, SourceResult]:
    path = write(tmp_path, "registry.csv", text)
    return path, parse_registry(path)


def only_rejection(result: SourceResult) -> Rejection:
    assert len(result.rejections) == 1, result.rejections
    return result.rejections[0]


def without_evidence(records: list[DiscoveredAsset]) -> list[DiscoveredAsset]:
    """Records with the evidence text (which names the file) blanked, to compare two files."""
    return [
        dataclasses.replace(r, controls=[dataclasses.replace(c, evidence="") for c in r.controls])
        for r in records
    ]


# A hand-written set of entries that uses every field, including values that need quoting in
# YAML (date-like, number-like, boolean-like strings) and in CSV (commas, quotes, line breaks).
FULL_ENTRIES: list[dict[str, Any]] = [
    {
        "name": "claims-llama-ft",
        "asset_type": "fine_tuned_model",
        "resource_id": BEDROCK_ARN,
        "description": 'Claims triage model, "v2", fine-tuned on\nde-identified claims, éü',
        "owner_team": "clinical-ai",
        "owner_email": "clinical-ai@kestrel-dynamics.example",
        "data_classification": "regulated",
        "deployment_env": "production",
        "regulatory_scope": ["hipaa", "eu_ai_act_high_risk"],
        "network_exposure": "vpc",
        "model_provider": "aws_bedrock",
        "model_name": "llama-3-1-8b-instruct",
        "model_version": "2024-07-23",
        "is_self_hosted": False,
        "parameter_count": "8B",
        "source_url": "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct",
        "license_type": "llama3.1",
        "last_security_review": date(2026, 10, 1),
        "sbom_available": True,
        "api_endpoint": "https://bedrock-runtime.eu-west-1.amazonaws.com",
        "cloud_provider": "aws",
        "cloud_region": "eu-west-1",
        "upstream_assets": ["claims-training-set"],
        "controls": [
            {"type": "guardrails", "operational": True},
            {"type": "monitoring", "operational": False},
        ],
    },
    {
        "name": "claims-training-set",
        "asset_type": "training_dataset",
        "owner_team": "clinical-ai",
        "model_version": "1.0",
        "parameter_count": "true",
        "is_self_hosted": True,
        "sbom_available": False,
    },
    {
        "name": "cx-openai-prod",
        "asset_type": "api_endpoint",
        "resource_id": AZURE_ID,
        "regulatory_scope": ["none"],
        "upstream_assets": ["claims-llama-ft", "hf-cache://gpu-build-01/model/BAAI/bge-m3"],
    },
]


# ------------------------------------------------------------------------------- round trip


def test_yaml_and_csv_of_the_same_entries_give_the_same_records(tmp_path: Path) -> None:
    demo = demo_module()
    yaml_path, csv_path = tmp_path / "registry.yaml", tmp_path / "registry.csv"
    demo.write_registry(yaml_path, csv_path, FULL_ENTRIES)

    from_yaml, from_csv = parse_registry(yaml_path), parse_registry(csv_path)

    assert from_yaml.rejections == [] and from_csv.rejections == []
    assert from_yaml.scanned == from_csv.scanned == 3
    assert without_evidence(from_yaml.records) == without_evidence(from_csv.records)
    assert {c.evidence for r in from_yaml.records for c in r.controls} == {
        "declared in registry.yaml"
    }
    assert {c.evidence for r in from_csv.records for c in r.controls} == {
        "declared in registry.csv"
    }


@pytest.mark.parametrize("file_name", ["registry.yaml", "registry.csv"])
def test_every_declared_field_is_read_with_its_type(tmp_path: Path, file_name: str) -> None:
    demo = demo_module()
    demo.write_registry(tmp_path / "registry.yaml", tmp_path / "registry.csv", FULL_ENTRIES)

    records = {r.name: r for r in parse_registry(tmp_path / file_name).records}

    model = records["claims-llama-ft"]
    assert model.source == SOURCE == "declared_registry"
    assert model.resource_id == BEDROCK_ARN
    assert model.asset_type == "fine_tuned_model"
    assert model.description == 'Claims triage model, "v2", fine-tuned on\nde-identified claims, éü'
    assert (model.owner_team, model.owner_email) == (
        "clinical-ai",
        "clinical-ai@kestrel-dynamics.example",
    )
    assert (model.data_classification, model.deployment_env, model.network_exposure) == (
        "regulated",
        "production",
        "vpc",
    )
    assert model.regulatory_scope == ["hipaa", "eu_ai_act_high_risk"]
    assert (model.model_provider, model.model_name, model.model_version) == (
        "aws_bedrock",
        "llama-3-1-8b-instruct",
        "2024-07-23",
    )
    assert model.is_self_hosted is False and model.sbom_available is True
    assert model.parameter_count == "8B"
    assert model.license_type == "llama3.1"
    assert model.last_security_review == date(2026, 10, 1)
    assert (model.cloud_provider, model.cloud_region) == ("aws", "eu-west-1")
    assert model.cloud_account is None  # not a registry field
    assert model.posture == {}
    # Strings that look like other YAML types stay strings.
    training = records["claims-training-set"]
    assert (training.model_version, training.parameter_count) == ("1.0", "true")
    assert training.resource_id == "declared://claims-training-set"
    assert training.is_self_hosted is True and training.sbom_available is False
    assert training.regulatory_scope is None and training.description is None
    assert records["cx-openai-prod"].regulatory_scope == ["none"]
    # raw is the parsed entry, JSON-able, dates as ISO text.
    assert json.loads(json.dumps(model.raw))["last_security_review"] == "2026-10-01"
    assert list(model.raw) == [f for f in REGISTRY_FIELDS if f in FULL_ENTRIES[0]]
    assert model.raw["controls"] == FULL_ENTRIES[0]["controls"]
    json.loads(model.to_row()["raw"])  # the warehouse row serialises


# ----------------------------------------------------------------- controls and dependencies


def test_controls_become_control_records_with_declared_evidence(tmp_path: Path) -> None:
    _, result = parse_yaml(
        tmp_path,
        """
        assets:
          - name: gateway
            asset_type: api_endpoint
            controls:
              - {type: rate_limiting, operational: false}
              - type: authentication
              - {type: access_logging, operational: true}
        """,
    )
    (record,) = result.records
    assert record.controls == [
        Control("rate_limiting", False, "declared in registry.yaml"),
        Control("authentication", True, "declared in registry.yaml"),
        Control("access_logging", True, "declared in registry.yaml"),
    ]


def test_csv_controls_bare_type_means_operational(tmp_path: Path) -> None:
    _, result = parse_csv(
        tmp_path,
        """
        name,asset_type,controls
        gateway,api_endpoint, rate_limiting=No ; authentication;monitoring=1;
        """,
    )
    (record,) = result.records
    assert [(c.type, c.operational) for c in record.controls] == [
        ("rate_limiting", False),
        ("authentication", True),
        ("monitoring", True),
    ]


def test_upstream_names_resolve_to_resource_ids_and_other_values_are_resource_ids(
    tmp_path: Path,
) -> None:
    _, result = parse_yaml(
        tmp_path,
        f"""
        assets:
          - name: support-agent
            asset_type: ai_agent
            upstream_assets:
              - custom-model        # a name with an explicit resource_id
              - system-prompt       # a name without one: declared://
              - {BEDROCK_ARN}
              - not-declared-anywhere
              - system-prompt       # listed twice: one edge
          - name: custom-model
            asset_type: fine_tuned_model
            resource_id: {AZURE_ID}
          - name: system-prompt
            asset_type: prompt_template
        """,
    )
    assert result.rejections == []
    agent = result.records[0]
    assert agent.dependencies == [
        Dependency(AZURE_ID, "depends_on"),
        Dependency("declared://system-prompt", "depends_on"),
        Dependency(BEDROCK_ARN, "depends_on"),
        Dependency("not-declared-anywhere", "depends_on"),
    ]
    assert agent.raw["upstream_assets"] == [
        "custom-model",
        "system-prompt",
        BEDROCK_ARN,
        "not-declared-anywhere",
    ]


def test_an_asset_cannot_depend_on_itself(tmp_path: Path) -> None:
    path, result = parse_yaml(
        tmp_path,
        f"""
        assets:
          - name: loop
            asset_type: ai_agent
            resource_id: {BEDROCK_ARN}
            upstream_assets: [loop]
        """,
    )
    rejection = only_rejection(result)
    assert rejection.location == f"{path}: assets[0] (loop)"
    assert rejection.field == "upstream_assets"
    assert rejection.reason == "upstream_assets 'loop' refers to this asset itself"


# ------------------------------------------------------------------------ entry validation


def test_an_invalid_field_is_rejected_and_its_entry_still_loads(tmp_path: Path) -> None:
    # Bad input never lowers risk: the entry stays, the field is named in invalid_fields.
    path, result = parse_yaml(
        tmp_path,
        """
        assets:
          - name: good-one
            asset_type: prompt_template
          - name: bad-one
            asset_type: prompt_template
            owner: somebody
          - name: good-two
            asset_type: evaluation_dataset
        """,
    )
    assert [r.name for r in result.records] == ["good-one", "bad-one", "good-two"]
    assert [r.invalid_fields for r in result.records] == [[], ["owner"], []]
    assert result.scanned == 3
    rejection = only_rejection(result)
    assert rejection.source == SOURCE
    assert rejection.location == f"{path}: assets[1] (bad-one)"
    assert rejection.field == "owner"
    assert rejection.reason.startswith("unknown field 'owner' (did you mean 'owner_team'?)")
    assert "allowed fields: name, asset_type, resource_id," in rejection.reason


def test_an_unknown_field_excerpt_never_shows_its_value(tmp_path: Path) -> None:
    key_like = "sk-" + "Zq7" * 12  # built at run time: no key-shaped literal in the repo
    _, result = parse_yaml(
        tmp_path,
        f"""
        assets:
          - name: leaky
            asset_type: api_endpoint
            api_key: {key_like}
        """,
    )
    rejection = only_rejection(result)
    assert rejection.field == "api_key"
    assert rejection.excerpt == "'api_key'"
    assert key_like not in json.dumps(rejection.to_row())


@pytest.mark.parametrize(
    ("key", "allowed"),
    [
        ("asset_type", ASSET_TYPES),
        ("data_classification", DATA_CLASSIFICATIONS),
        ("deployment_env", DEPLOYMENT_ENVS),
        ("network_exposure", NETWORK_EXPOSURES),
        ("regulatory_scope", REGULATORY_SCOPES),
    ],
)
@pytest.mark.parametrize("file_format", ["yaml", "csv"])
def test_unknown_enum_values_are_rejected_naming_value_and_allowed_values(
    tmp_path: Path, key: str, allowed: tuple[str, ...], file_format: str
) -> None:
    values = {"name": "asset-x", "asset_type": "ai_agent", key: "bogus-value"}
    if file_format == "yaml":
        if key == "regulatory_scope":
            values[key] = ["gdpr", "bogus-value"]
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump({"assets": [values]}), encoding="utf-8")
        where = "assets[0]"
    else:
        if key == "regulatory_scope":
            values[key] = "gdpr;bogus-value"
        path = tmp_path / "registry.csv"
        path.write_text(",".join(values) + "\n" + ",".join(values.values()) + "\n", "utf-8")
        where = "line 2"

    rejection = only_rejection(parse_registry(path))

    assert rejection.location == f"{path}: {where} (asset-x)"
    assert rejection.field == key
    assert rejection.reason == f"unknown {key} 'bogus-value'; allowed: {', '.join(allowed)}"
    assert rejection.excerpt == "'bogus-value'"


def test_enum_in_the_wrong_case_gets_a_hint(tmp_path: Path) -> None:
    _, result = parse_yaml(
        tmp_path, "assets: [{name: a, asset_type: ai_agent, deployment_env: Production}]"
    )
    rejection = only_rejection(result)
    assert rejection.field == "deployment_env"
    assert rejection.reason.startswith(
        "unknown deployment_env 'Production' (values are lowercase: did you mean 'production'?)"
    )


@pytest.mark.parametrize(
    ("line", "key", "reason"),
    [
        (
            "model_version: 1.0",
            "model_version",
            "model_version must be a string, got a number 1.0 (quote the value in YAML)",
        ),
        (
            "owner_team: 42",
            "owner_team",
            "owner_team must be a string, got an integer 42 (quote the value in YAML)",
        ),
        (
            "model_version: 2024-08-06",
            "model_version",
            "model_version must be a string, got a date datetime.date(2024, 8, 6) "
            "(quote the value in YAML)",
        ),
        (
            "description: [a, b]",
            "description",
            "description must be a string, got a list ['a', 'b']",
        ),
        (
            "sbom_available: 'yes'",
            "sbom_available",
            "sbom_available must be a YAML boolean (true or false, unquoted), got a string 'yes'",
        ),
        (
            "is_self_hosted: 1",
            "is_self_hosted",
            "is_self_hosted must be a YAML boolean (true or false, unquoted), got an integer 1",
        ),
        (
            "regulatory_scope: gdpr",
            "regulatory_scope",
            "regulatory_scope must be a list, got a string 'gdpr'",
        ),
        (
            "upstream_assets: [ok, 7]",
            "upstream_assets",
            "upstream_assets[1] must be a string, got an integer 7",
        ),
        (
            "last_security_review: 20240101",
            "last_security_review",
            "last_security_review must be a string, got an integer 20240101 "
            "(quote the value in YAML)",
        ),
        (
            "last_security_review: 2024-13-45",
            "last_security_review",
            "last_security_review must be a valid date (YYYY-MM-DD), got '2024-13-45'",
        ),
        (
            "last_security_review: '01/02/2024'",
            "last_security_review",
            "last_security_review must be a valid date (YYYY-MM-DD), got '01/02/2024'",
        ),
        (
            "last_security_review: 2024-01-02T10:00:00",
            "last_security_review",
            "last_security_review must be a date (YYYY-MM-DD), got a timestamp 2024-01-02 10:00:00",
        ),
        (
            "controls: {type: guardrails}",
            "controls",
            "controls must be a list of {type, operational} mappings, got a mapping "
            "{'type': 'guardrails'}",
        ),
        (
            "controls: [guardrails]",
            "controls",
            "controls[0] must be a mapping {type, operational}, got a string 'guardrails'",
        ),
        (
            "controls: [{type: guardrails, operational: 'yes'}]",
            "controls",
            "controls[0] (guardrails): operational must be a YAML boolean (true or false, "
            "unquoted), got a string 'yes'",
        ),
        (
            "controls: [{type: firewall, operational: true}]",
            "controls",
            "unknown control type 'firewall' in controls[0]; allowed: input_filtering, "
            "output_filtering, rate_limiting, authentication, encryption_at_rest, "
            "encryption_in_transit, monitoring, guardrails, access_logging, network_isolation",
        ),
        (
            "controls: [{operational: true}]",
            "controls",
            "controls[0] has no type; allowed: input_filtering, "
            "output_filtering, rate_limiting, authentication, encryption_at_rest, "
            "encryption_in_transit, monitoring, guardrails, access_logging, network_isolation",
        ),
        (
            "controls: [{type: 3, operational: true}]",
            "controls",
            "controls[0] type must be a string, got an integer 3",
        ),
        (
            "controls: [{type: guardrails, evidence: runbook}]",
            "controls",
            "controls[0] has unknown key(s) evidence; allowed: type, operational",
        ),
        (
            "controls: [{type: guardrails}, {type: guardrails, operational: false}]",
            "controls",
            "control type 'guardrails' is listed more than once",
        ),
        (
            "regulatory_scope: [none, gdpr]",
            "regulatory_scope",
            "regulatory_scope 'none' cannot be combined with other scopes, got none, gdpr",
        ),
        (
            "owner_email: clinical team",
            "owner_email",
            "owner_email 'clinical team' is not an email address (name@domain.tld)",
        ),
        (
            "owner_email: lena@localhost",
            "owner_email",
            "owner_email 'lena@localhost' is not an email address (name@domain.tld)",
        ),
    ],
)
def test_yaml_values_of_the_wrong_type_or_shape_are_rejected(
    tmp_path: Path, line: str, key: str, reason: str
) -> None:
    path, result = parse_yaml(
        tmp_path,
        f"""
        assets:
          - name: asset-x
            asset_type: ai_agent
            {line}
        """,
    )
    rejection = only_rejection(result)
    assert (rejection.location, rejection.field, rejection.reason) == (
        f"{path}: assets[0] (asset-x)",
        key,
        reason,
    )
    (record,) = result.records  # the asset stays; the field is unknown and flagged invalid
    assert (record.name, record.asset_type, record.invalid_fields) == ("asset-x", "ai_agent", [key])


@pytest.mark.parametrize(
    ("header", "cell", "key", "reason"),
    [
        (
            "sbom_available",
            "maybe",
            "sbom_available",
            "sbom_available must be a boolean (true/yes/1/false/no/0), got 'maybe'",
        ),
        (
            "last_security_review",
            "13/01/2024",
            "last_security_review",
            "last_security_review must be a valid date (YYYY-MM-DD), got '13/01/2024'",
        ),
        (
            "controls",
            "guardrails=perhaps",
            "controls",
            "controls[0]: operational of guardrails must be a boolean (true/yes/1/false/no/0), "
            "got 'perhaps'",
        ),
        (
            "controls",
            "guardrails;=true",
            "controls",
            "controls[1] has no type; allowed: input_filtering, "
            "output_filtering, rate_limiting, authentication, encryption_at_rest, "
            "encryption_in_transit, monitoring, guardrails, access_logging, network_isolation",
        ),
        (
            "controls",
            "firewall=true",
            "controls",
            "unknown control type 'firewall' in controls[0]; allowed: input_filtering, "
            "output_filtering, rate_limiting, authentication, encryption_at_rest, "
            "encryption_in_transit, monitoring, guardrails, access_logging, network_isolation",
        ),
        (
            "owner_email",
            "not-an-email",
            "owner_email",
            "owner_email 'not-an-email' is not an email address (name@domain.tld)",
        ),
    ],
)
def test_csv_cells_that_do_not_parse_are_rejected(
    tmp_path: Path, header: str, cell: str, key: str, reason: str
) -> None:
    path, result = parse_csv(tmp_path, f"name,asset_type,{header}\nasset-x,ai_agent,{cell}\n")
    rejection = only_rejection(result)
    assert (rejection.location, rejection.field, rejection.reason) == (
        f"{path}: line 2 (asset-x)",
        key,
        reason,
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        *[("true", True), ("TRUE", True), ("Yes", True), ("1", True)],
        *[("false", False), ("No", False), ("0", False), (" FALSE ", False)],
    ],
)
def test_csv_booleans(tmp_path: Path, cell: str, expected: bool) -> None:
    _, result = parse_csv(tmp_path, f"name,asset_type,is_self_hosted\na,ai_agent,{cell}\n")
    assert result.records[0].is_self_hosted is expected


def test_missing_required_fields(tmp_path: Path) -> None:
    path, result = parse_yaml(
        tmp_path,
        """
        assets:
          - asset_type: ai_agent
          - name: nameless-type
          - name: '   '
            asset_type: ai_agent
          - {}
        """,
    )
    assert result.records == []
    assert [(r.location, r.field, r.reason) for r in result.rejections] == [
        (f"{path}: assets[0]", "name", "missing required field 'name'"),
        (f"{path}: assets[1] (nameless-type)", "asset_type", "missing required field 'asset_type'"),
        (f"{path}: assets[2]", "name", "missing required field 'name'"),
        (f"{path}: assets[3]", "name", "missing required field 'name'"),
        (f"{path}: assets[3]", "asset_type", "missing required field 'asset_type'"),
    ]


def test_every_problem_of_an_entry_is_its_own_rejection(tmp_path: Path) -> None:
    path, result = parse_yaml(
        tmp_path,
        """
        assets:
          - name: messy
            asset_type: chatbot
            deployment_env: prod
            sbom_available: sometimes
        """,
    )
    assert {r.location for r in result.rejections} == {f"{path}: assets[0] (messy)"}
    assert [r.field for r in result.rejections] == [
        "asset_type",
        "deployment_env",
        "sbom_available",
    ]
    # The asset stays, every invalid field unknown and flagged (an invalid type is "unknown").
    (record,) = result.records
    assert (record.name, record.asset_type) == ("messy", UNKNOWN_ASSET_TYPE)
    assert record.invalid_fields == ["asset_type", "deployment_env", "sbom_available"]
    assert (record.deployment_env, record.sbom_available) == (None, None)


def test_duplicate_name_rejects_the_later_entry(tmp_path: Path) -> None:
    path, result = parse_yaml(
        tmp_path,
        """
        assets:
          - name: support-agent
            asset_type: ai_agent
            owner_team: customer-experience
          - name: support-agent
            asset_type: ai_agent
            owner_team: ml-platform
        """,
    )
    (record,) = result.records
    assert record.owner_team == "customer-experience"
    rejection = only_rejection(result)
    assert rejection.location == f"{path}: assets[1] (support-agent)"
    assert rejection.field == "name"
    assert rejection.reason == "duplicate name 'support-agent': already used by assets[0]"


def test_duplicate_name_counts_an_earlier_rejected_entry(tmp_path: Path) -> None:
    # Which of two same-named entries is meant cannot be known: the later one is still rejected.
    path, result = parse_csv(
        tmp_path,
        """
        name,asset_type
        twin,chatbot
        twin,ai_agent
        """,
    )
    # The first keeps its asset (type invalid, so unknown); the later duplicate is not loaded.
    assert [(r.name, r.asset_type, r.invalid_fields) for r in result.records] == [
        ("twin", UNKNOWN_ASSET_TYPE, ["asset_type"])
    ]
    assert [(r.location, r.field) for r in result.rejections] == [
        (f"{path}: line 2 (twin)", "asset_type"),
        (f"{path}: line 3 (twin)", "name"),
    ]
    assert result.rejections[1].reason == "duplicate name 'twin': already used by line 2"


def test_duplicate_resource_id_rejects_the_later_entry(tmp_path: Path) -> None:
    # Azure resource ids are case-insensitive: the same account spelled differently is a duplicate.
    path, result = parse_yaml(
        tmp_path,
        f"""
        assets:
          - name: cx-openai
            asset_type: api_endpoint
            resource_id: {AZURE_ID}
          - name: cx-openai-again
            asset_type: api_endpoint
            resource_id: {AZURE_ID.upper().replace("/SUBSCRIPTIONS/", "/subscriptions/")}
          - name: declared-twin
            asset_type: prompt_template
            resource_id: declared://cx-prompt
          - name: cx-prompt
            asset_type: prompt_template
        """,
    )
    assert [r.name for r in result.records] == ["cx-openai", "declared-twin"]
    assert [(r.location, r.field) for r in result.rejections] == [
        (f"{path}: assets[1] (cx-openai-again)", "resource_id"),
        (f"{path}: assets[3] (cx-prompt)", "resource_id"),
    ]
    assert result.rejections[0].reason.startswith("duplicate resource_id '/subscriptions/")
    assert result.rejections[0].reason.endswith("already used by assets[0]")
    assert result.rejections[1].reason == (
        "duplicate resource_id 'declared://cx-prompt': already used by assets[2]"
    )


def test_names_must_be_usable_in_csv_lists(tmp_path: Path) -> None:
    path, result = parse_yaml(tmp_path, "assets: [{name: 'a;b', asset_type: ai_agent}]")
    rejection = only_rejection(result)
    assert (rejection.location, rejection.field) == (f"{path}: assets[0]", "name")
    assert rejection.reason.startswith("name 'a;b' must not contain ';' or line breaks")


def test_a_list_item_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    path, result = parse_yaml(
        tmp_path,
        """
        assets:
          - just-a-name
          - name: fine
            asset_type: ai_agent
        """,
    )
    assert [r.name for r in result.records] == ["fine"]
    rejection = only_rejection(result)
    assert (rejection.location, rejection.field, rejection.reason, rejection.excerpt) == (
        f"{path}: assets[0]",
        None,
        "entry must be a mapping of field names to values, got a string",
        "'just-a-name'",
    )


def test_strings_are_stripped_and_empty_values_are_absent(tmp_path: Path) -> None:
    _, from_yaml = parse_yaml(
        tmp_path,
        """
        assets:
          - name: '  spaced  '
            asset_type: ' prompt_template '
            description: ''
            owner_team: ~
            regulatory_scope: []
            upstream_assets: ['  ', other]
        """,
    )
    (record,) = from_yaml.records
    assert (record.name, record.asset_type) == ("spaced", "prompt_template")
    assert record.description is None and record.owner_team is None
    assert record.regulatory_scope is None
    assert record.dependencies == [Dependency("other", "depends_on")]
    assert record.raw == {
        "name": "spaced",
        "asset_type": "prompt_template",
        "upstream_assets": ["other"],
    }


def test_csv_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    path, result = parse_csv(
        tmp_path,
        "name,asset_type,description\n"
        'first,ai_agent,"two\nlines"\n'
        "\n"
        ",,\n"
        "second,chatbot,\n"
        "third,ai_agent,ok,surplus\n"
        "fourth,ai_agent,trailing empty cells are fine,,\n",
    )
    # "second" has an invalid type (kept, flagged); "third" has cells the header does not name
    # (the row cannot be read reliably, so it is not loaded).
    assert [r.name for r in result.records] == ["first", "second", "fourth"]
    assert result.records[1].invalid_fields == ["asset_type"]
    assert result.records[0].description == "two\nlines"
    assert result.scanned == 4  # blank lines and rows of empty cells are not entries
    assert [(r.location, r.field) for r in result.rejections] == [
        (f"{path}: line 6 (second)", "asset_type"),
        (f"{path}: line 7 (third)", None),
    ]
    assert result.rejections[1].reason == "row has 4 cells but the header (line 1) has 3 columns"


def test_csv_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_bytes(b"\xef\xbb\xbfname,asset_type\nagent,ai_agent\n")
    assert [r.name for r in parse_registry(path).records] == ["agent"]


def test_an_empty_assets_list_is_a_registry_without_entries(tmp_path: Path) -> None:
    for text in ("assets: []\n", "assets:\n"):
        _, result = parse_yaml(tmp_path, text)
        assert (result.records, result.rejections, result.scanned) == ([], [], 0)
    _, result = parse_csv(tmp_path, "name,asset_type\n")
    assert (result.records, result.rejections, result.scanned) == ([], [], 0)


# ------------------------------------------------------------------- the file as a whole


def unavailable(path: Path) -> str:
    with pytest.raises(SourceUnavailable) as caught:
        parse_registry(path)
    message = str(caught.value)
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "registry.yaml",
            "assets:\n  - name: a\n    asset_type: [ai_agent\n",
            "YAML syntax error at line 4, column 1",
        ),
        (
            "registry.yaml",
            "assets:\n  - name: a\n    asset_type: ai_agent\n    name: b\n",
            "YAML syntax error at line 4, column 5: found duplicate key 'name'",
        ),
        (
            "registry.yml",
            "- name: a\n  asset_type: ai_agent\n",
            "the top level must be a mapping with an 'assets' list, got a list",
        ),
        (
            "registry.yaml",
            "models:\n  - name: a\n",
            "the top level must be a mapping with an 'assets' list, got a mapping with keys models",
        ),
        ("registry.yaml", "", "got an empty document"),
        (
            "registry.yaml",
            "assets: []\nversion: 2\n",
            "unknown top-level key(s) version; allowed: assets",
        ),
        ("registry.yaml", "assets: {a: 1}\n", "'assets' must be a list of entries, got a mapping"),
        ("registry.csv", "", "no header row (the file is empty)"),
        (
            "registry.csv",
            "support-agent,ai_agent\n",
            "line 1 is not a header row (no known column names)",
        ),
        (
            "registry.csv",
            "name,asset_type,owner\n",
            "line 1: unknown column(s) 'owner' in the header",
        ),
        (
            "registry.csv",
            "name,description\n",
            "line 1: header lacks required column(s) asset_type",
        ),
        (
            "registry.csv",
            "name,asset_type,name\n",
            "line 1: column(s) name appear more than once",
        ),
        (
            "registry.csv",
            "name,asset_type,,\n",
            "line 1: header has empty column name(s) at column 3, 4",
        ),
        (
            "registry.csv",
            'name,asset_type\n"unterminated,ai_agent\n',
            "CSV error at line 2 (in the row starting at line 2): unexpected end of data",
        ),
        ("registry.json", "{}", "unsupported file extension '.json'"),
    ],
)
def test_unusable_files_raise_source_unavailable(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    message = unavailable(path)
    assert expected in message


def test_unterminated_csv_quote_is_reported(tmp_path: Path) -> None:
    # A quote left open would otherwise swallow every following row into one cell.
    path = tmp_path / "registry.csv"
    path.write_text('name,asset_type\n"open,ai_agent\nnext,ai_agent\n', encoding="utf-8")
    assert "CSV error at line 3 (in the row starting at line 2): unexpected end of data" in (
        unavailable(path)
    )
    path.write_text('name,asset_type\nagent,"ai"_agent\n', encoding="utf-8")
    assert "CSV error at line 2 (in the row starting at line 2): ',' expected after '\"'" in (
        unavailable(path)
    )


def test_missing_file_and_directory_raise_source_unavailable(tmp_path: Path) -> None:
    assert "file not found" in unavailable(tmp_path / "nowhere.yaml")
    directory = tmp_path / "registry.yaml"
    directory.mkdir()
    assert "cannot read file" in unavailable(directory)


def test_non_utf8_file_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_bytes(b"name,asset_type\nagent,ai_agent\ncaf\xe9,ai_agent\n")
    assert "not valid UTF-8 at line 3, column 4 (byte offset 34)" in unavailable(path)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "registry.yaml"
    path.write_bytes(b"assets:\n\x00\x00\x00")
    assert "contains a NUL character at line 2" in unavailable(path)


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_parser, "MAX_REGISTRY_BYTES", 64)
    path = tmp_path / "registry.yaml"
    path.write_text("assets:\n" + "  - {name: a, asset_type: ai_agent}\n" * 4, encoding="utf-8")
    assert "larger than the 64-byte limit" in unavailable(path)


def test_deeply_nested_yaml_is_refused_not_crashing(tmp_path: Path) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text("assets: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert "YAML nested too deeply" in unavailable(path)


# ------------------------------------------------------------------------------- the writer


def test_writer_is_deterministic_and_sorted(tmp_path: Path) -> None:
    demo = demo_module()
    entries = demo.declared_only_entries(AS_OF, random.Random("seed"))
    shuffled = list(entries)
    random.Random(7).shuffle(shuffled)
    demo.write_registry(tmp_path / "a.yaml", tmp_path / "a.csv", entries)
    demo.write_registry(tmp_path / "b.yaml", tmp_path / "b.csv", shuffled)

    csv_a = (tmp_path / "a.csv").read_bytes()
    assert csv_a == (tmp_path / "b.csv").read_bytes()
    yaml_a = (tmp_path / "a.yaml").read_text(encoding="utf-8")
    yaml_b = (tmp_path / "b.yaml").read_text(encoding="utf-8")
    assert yaml_a.replace("a.csv", "b.csv") == yaml_b
    assert yaml_a.startswith("# Declared AI asset registry")
    assert "a.csv holds the same entries as CSV" in yaml_a

    document = yaml.safe_load(yaml_a)
    names = [item["name"] for item in document["assets"]]
    assert names == sorted(names)
    for item in document["assets"]:
        assert list(item) == [f for f in REGISTRY_FIELDS if f in item]
    assert csv_a.decode("utf-8").splitlines()[0] == ",".join(REGISTRY_FIELDS)
    assert b"\r" not in csv_a


def test_demo_entries_are_deterministic_for_seed_and_date() -> None:
    demo = demo_module()
    first = demo.declared_only_entries(AS_OF, random.Random("seed"))
    assert first == demo.declared_only_entries(AS_OF, random.Random("seed"))
    later = demo.declared_only_entries(AS_OF + timedelta(days=10), random.Random("seed"))
    reviews = [e.get("last_security_review") for e in first]
    assert [e.get("last_security_review") for e in later] == [
        r + timedelta(days=10) if r else None for r in reviews
    ]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"asset_type": "ai_agent"}], "registry entry 0 has no name"),
        (
            [{"name": "a", "asset_type": "ai_agent"}, {"name": "a", "asset_type": "ai_agent"}],
            "registry entry name 'a' is used more than once",
        ),
        (
            [{"name": "a", "asset_type": "ai_agent", "owner": "x"}],
            "registry entry 'a' has unknown field(s) ['owner']",
        ),
        (
            [{"name": "a", "asset_type": "ai_agent", "upstream_assets": ["x;y"]}],
            "upstream_assets item 'x;y' contains ';'",
        ),
    ],
)
def test_writer_refuses_entries_it_cannot_write_faithfully(
    tmp_path: Path, entries: list[dict[str, Any]], message: str
) -> None:
    demo = demo_module()
    with pytest.raises(ValueError) as caught:
        demo.write_registry(tmp_path / "r.yaml", tmp_path / "r.csv", entries)
    assert message in str(caught.value)


# ------------------------------------------------------------------------ the demo entries


@pytest.fixture(scope="module")
def demo_records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DiscoveredAsset]:
    demo = demo_module()
    root = tmp_path_factory.mktemp("demo-registry")
    entries = demo.declared_only_entries(AS_OF, random.Random("demo"))
    demo.write_registry(root / "registry.yaml", root / "registry.csv", entries)
    from_yaml = parse_registry(root / "registry.yaml")
    from_csv = parse_registry(root / "registry.csv")
    assert from_yaml.rejections == [] and from_csv.rejections == []
    assert without_evidence(from_yaml.records) == without_evidence(from_csv.records)
    return {r.name: r for r in from_yaml.records}


def test_demo_entries_parse_without_rejections_and_cover_the_asset_types(
    demo_records: dict[str, DiscoveredAsset],
) -> None:
    assert 15 <= len(demo_records) <= 20
    by_type: Callable[[str], list[DiscoveredAsset]] = lambda t: [  # noqa: E731
        r for r in demo_records.values() if r.asset_type == t
    ]
    assert 3 <= len(by_type("prompt_template")) <= 4
    assert len(by_type("evaluation_dataset")) == 2
    assert len(by_type("training_dataset")) == 2
    assert len(by_type("vector_database")) == 2
    assert all(r.is_self_hosted for r in by_type("vector_database"))
    assert 1 <= len(by_type("guardrail_config")) <= 2
    assert {r.model_provider for r in by_type("foundation_model")} == {"openai", "anthropic"}
    assert "anthropic" in {r.model_provider for r in by_type("api_endpoint")}
    assert len(by_type("ai_agent")) == 1
    assert all(r.resource_id == f"declared://{r.name}" for r in demo_records.values())


def test_demo_entries_have_the_gaps_the_program_should_find(
    demo_records: dict[str, DiscoveredAsset],
) -> None:
    from aisec_jobs.demo_estate.company import TEAMS

    records = list(demo_records.values())
    assert [r.name for r in records if not r.owner_team] == ["research-qdrant"]
    for record in records:
        if record.owner_team:
            assert record.owner_team in TEAMS
            assert record.owner_email == TEAMS[record.owner_team].email
    reviews = [r.last_security_review for r in records]
    assert all(r is None or r <= AS_OF for r in reviews)
    assert sum(r is None for r in reviews) >= 2
    assert sum(r is not None and (AS_OF - r).days > 90 for r in reviews) >= 3
    assert 2 <= sum(bool(r.sbom_available) for r in records) <= 5
    assert [
        r.name
        for r in records
        if r.data_classification == "internal"
        and r.regulatory_scope
        and r.regulatory_scope != ["none"]
    ] == ["invoice-extraction-prompt"]
    # Vendor APIs are reached over the internet, so they are public too; the merchant chat
    # API is the one the company itself exposes.
    public_sensitive = [
        r.name
        for r in records
        if r.network_exposure == "public"
        and r.data_classification in ("confidential", "restricted", "regulated")
    ]
    assert "merchant-support-chat-api" in public_sensitive
    # ... and the program's one CRITICAL asset: its token authentication is switched off
    (merchant,) = [r for r in records if r.name == "merchant-support-chat-api"]
    assert not any(c.operational for c in merchant.controls)
    scopes = {s for r in records for s in r.regulatory_scope or []}
    assert {"gdpr", "hipaa", "eu_ai_act_high_risk", "pci_dss", "sox"} <= scopes
    assert sum(bool(r.controls) for r in records) >= 5
    (clinical_training,) = [
        r for r in records if r.asset_type == "training_dataset" and r.owner_team == "clinical-ai"
    ]
    assert clinical_training.data_classification == "regulated"
    assert "hipaa" in (clinical_training.regulatory_scope or [])


def test_demo_agent_links_to_gateway_prompt_and_vector_store(
    demo_records: dict[str, DiscoveredAsset],
) -> None:
    agent = demo_records["cx-support-agent"]
    targets = {d.resource_id for d in agent.dependencies}
    assert targets == {
        "declared://kestrel-llm-gateway",
        "declared://cx-support-agent-system-prompt",
        "declared://cx-ticket-embeddings-pgvector",
        "declared://nemo-guardrails-cx-config",
    }
    known = {r.resource_id for r in demo_records.values()}
    for record in demo_records.values():  # every declared edge points at a declared entry
        assert {d.resource_id for d in record.dependencies} <= known
    assert demo_records["kestrel-llm-gateway"].api_endpoint.startswith("https://llm-gateway.")


# ------------------------------------------------------------------ one declaration of fields


def test_registry_fields_are_the_record_fields_a_team_can_declare() -> None:
    record_fields = [f.name for f in dataclasses.fields(DiscoveredAsset)]
    declared = [f for f in REGISTRY_FIELDS if f not in ("upstream_assets", "controls")]
    assert set(declared) <= set(record_fields)
    # Only what discovery alone knows (or holds for it) is not declarable.
    assert set(record_fields) - set(declared) == {
        "source",
        "cloud_account",
        "invalid_fields",
        "posture",
        "controls",
        "dependencies",
        "raw",
    }


def test_an_entry_that_cannot_be_identified_is_not_loaded(tmp_path: Path) -> None:
    _, result = parse_yaml(
        tmp_path,
        """
        assets:
          - name: 7
            asset_type: ai_agent
          - name: typed-id
            asset_type: ai_agent
            resource_id: 12
          - name: ok
            asset_type: ai_agent
        """,
    )
    assert [r.name for r in result.records] == ["ok"]
    assert [r.field for r in result.rejections] == ["name", "resource_id"]
