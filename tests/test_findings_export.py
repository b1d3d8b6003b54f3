"""Findings out as OCSF Detection Finding and SARIF 2.1.0: valid, deterministic, redacted."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import string
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from aisec_assets.compliance import findings_export as fx
from aisec_assets.compliance.findings_export import (
    Finding,
    Requirement,
    to_ocsf,
    to_sarif,
    write_findings,
)

DAY = date(2031, 3, 14)  # far from any real today: nothing may depend on the wall clock
VERSION = "0.1.0"
RUN_ID = "6c1a7e0e-1b7e-4d8e-9a51-0c2f6b1d9a77"

AGENT_ARN = "arn:aws:bedrock:us-east-1:123456789012:agent/SUPPORTBOT"
AZURE_ID = (
    "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/rg-ai/providers/"
    "microsoft.cognitiveservices/accounts/oai-prod/deployments/gpt-4o"
)

WITH_CONTROL = Finding(
    gap_type="missing_required_control",
    severity="high",
    detail="No prompt-attack filter on the agent's guardrail",
    asset_id="ai-0011223344556677",
    asset_name="support-bot",
    asset_type="ai_agent",
    natural_key=AGENT_ARN,
    owner_team="customer-care",
    cloud_provider="aws",
    cloud_account="123456789012",
    cloud_region="us-east-1",
    control_id="AISEC-PRE-003",
    control_title="Prompt-attack filtering",
    remediation="Attach a Bedrock guardrail with PROMPT_ATTACK strength HIGH.",
    requirements=(
        Requirement("owasp_llm", "LLM01", "Prompt Injection"),
        Requirement("mitre_atlas", "AML.T0051", "LLM Prompt Injection"),
        Requirement("nist_ai_rmf", "MANAGE 2.4", ""),
    ),
    first_seen=date(2031, 2, 1),
)
# The same control failed on a second asset, less severe: one rule, worst level wins.
SAME_CONTROL = dataclasses.replace(
    WITH_CONTROL,
    severity="low",
    asset_id="ai-8899aabbccddeeff",
    asset_name="faq-bot",
    natural_key="arn:aws-cn:bedrock:cn-north-1:210987654321:agent/FAQBOT",
    cloud_account="210987654321",
    cloud_region="cn-north-1",
    requirements=({"framework": "eu_ai_act", "requirement_id": "Art. 15"},),
    first_seen=None,
)
NO_CONTROL = Finding(
    gap_type="no_owner",
    severity="medium",
    detail="No owning team recorded",
    asset_id="ai-1234567890abcdef",
    asset_name="gpt-4o",
    asset_type="foundation_model",
    natural_key=AZURE_ID,
    cloud_provider="azure",
    cloud_account="0b1f6471-1bf0-4dda-aec3-cb9272f09590",
    cloud_region="westeurope",
)
ON_PREMISES = Finding(
    gap_type="unsafe_model_file",
    severity="critical",
    detail="Model file imports code-executing callables: os.system",
    asset_id="ai-fedcba9876543210",
    asset_name="llama-finetune",
    asset_type="fine_tuned_model",
    natural_key="hf-dir:///models/llama-finetune",
    owner_team="ml-platform",
)
FINDINGS = [WITH_CONTROL, SAME_CONTROL, NO_CONTROL, ON_PREMISES]


def planted_key() -> str:
    """An OpenAI project key shape, built at run time (no such literal is committed)."""
    rng = random.Random(20310314)
    return (
        "sk-"
        + "proj-"
        + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(40))
    )


def midnight_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000


# --------------------------------------------------------------------------- OCSF


@pytest.mark.parametrize("finding", FINDINGS, ids=lambda f: f.gap_type + "/" + f.asset_name)
def test_ocsf_event_is_a_detection_finding(finding: Finding) -> None:
    event = to_ocsf(finding, assessed_on=DAY, product_version=VERSION)
    # What a consumer parses: the JSON text, through Prowler's OCSF models.
    model = DetectionFinding.model_validate(json.loads(json.dumps(event)))
    assert model.class_uid == 2004
    assert model.category_uid == 2
    assert model.activity_id == 1
    assert model.type_uid == 200401
    assert model.status_id == 1 and event["status"] == "New"
    assert model.time == midnight_ms(DAY)
    assert model.metadata.version == fx.OCSF_SCHEMA_VERSION
    assert model.metadata.product.name == "aisec"
    assert model.metadata.product.version == VERSION
    assert model.metadata.event_code == (finding.control_id or finding.gap_type)
    assert model.finding_info.uid == finding.finding_id
    assert model.finding_info.types == [finding.gap_type]
    assert model.finding_info.desc == finding.detail
    assert model.finding_info.first_seen_time == midnight_ms(finding.first_seen or DAY)
    (resource,) = model.resources
    assert resource.uid == finding.natural_key
    assert resource.name == finding.asset_name
    assert resource.type == finding.asset_type
    assert resource.region == finding.cloud_region
    assert resource.data["asset_id"] == finding.asset_id
    assert model.remediation is not None and model.remediation.desc
    assert event["unmapped"]["gap_type"] == finding.gap_type


def test_ocsf_framework_mappings_go_under_unmapped_compliance() -> None:
    event = to_ocsf(WITH_CONTROL, assessed_on=DAY, product_version=VERSION)
    assert event["unmapped"]["compliance"] == {
        "mitre_atlas": ["AML.T0051"],
        "nist_ai_rmf": ["MANAGE 2.4"],
        "owasp_llm": ["LLM01"],
    }
    assert event["unmapped"]["control_id"] == "AISEC-PRE-003"
    assert [r.get("title") for r in event["unmapped"]["requirements"]] == [
        "LLM Prompt Injection",
        None,
        "Prompt Injection",
    ]
    assert event["remediation"]["desc"] == WITH_CONTROL.remediation
    assert event["finding_info"]["analytic"]["uid"] == "AISEC-PRE-003"
    # Cloud profile: the account at event level and as the owner's account on the resource.
    assert event["cloud"]["account"]["uid"] == "123456789012"
    assert event["cloud"]["account"]["type_id"] == 10
    owner = event["resources"][0]["owner"]
    assert owner["name"] == "customer-care" and owner["account"]["uid"] == "123456789012"
    assert event["resources"][0]["cloud_partition"] == "aws"
    assert "cloud" in event["metadata"]["profiles"]


def test_ocsf_without_control_or_cloud() -> None:
    no_control = to_ocsf(NO_CONTROL, assessed_on=DAY, product_version=VERSION)
    assert no_control["metadata"]["event_code"] == "no_owner"
    assert no_control["unmapped"]["compliance"] == {}
    assert "control_id" not in no_control["unmapped"]
    assert no_control["remediation"]["desc"] == fx.GAP_TYPES["no_owner"][1]
    assert "owner" not in no_control["resources"][0]  # no team: no owner object
    assert no_control["cloud"]["account"]["type"] == "Azure Subscription"
    on_premises = to_ocsf(ON_PREMISES, assessed_on=DAY, product_version=VERSION)
    assert "cloud" not in on_premises
    assert on_premises["metadata"]["profiles"] == ["datetime"]
    assert on_premises["resources"][0]["data"]["owner_team"] == "ml-platform"
    assert "region" not in on_premises["resources"][0]


@pytest.mark.parametrize(
    ("severity", "severity_id", "caption", "level"),
    [
        ("critical", 5, "Critical", "error"),
        ("high", 4, "High", "error"),
        ("medium", 3, "Medium", "warning"),
        ("low", 2, "Low", "note"),
    ],
)
def test_severity_mapping(severity: str, severity_id: int, caption: str, level: str) -> None:
    finding = dataclasses.replace(NO_CONTROL, severity=severity)
    event = to_ocsf(finding, assessed_on=DAY, product_version=VERSION)
    assert (event["severity_id"], event["severity"]) == (severity_id, caption)
    (result,) = to_sarif([finding], product_version=VERSION)["runs"][0]["results"]
    assert result["level"] == level


def test_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="severity 'urgent'"):
        dataclasses.replace(NO_CONTROL, severity="urgent")


@pytest.mark.parametrize("day", [date(1999, 12, 31), date(2031, 3, 14), date(2099, 1, 1)])
def test_times_are_the_as_of_day_not_now(day: date) -> None:
    event = to_ocsf(NO_CONTROL, assessed_on=day, product_version=VERSION)
    assert event["time"] == midnight_ms(day) == fx.epoch_ms(day)
    assert event["time_dt"] == f"{day.isoformat()}T00:00:00Z"
    assert event["finding_info"]["last_seen_time"] == midnight_ms(day)


def test_first_seen_after_the_assessed_day_is_refused() -> None:
    with pytest.raises(ValueError, match="after the assessed day"):
        to_ocsf(WITH_CONTROL, assessed_on=date(2031, 1, 1), product_version=VERSION)


# --------------------------------------------------------------------------- finding id


def test_finding_id_is_stable_and_names_gap_asset_and_control() -> None:
    material = json.dumps(["missing_required_control", "ai-0011223344556677", "AISEC-PRE-003"])
    expected = "aisec-" + hashlib.sha256(material.encode()).hexdigest()[:32]
    assert WITH_CONTROL.finding_id == expected
    # What changes day to day does not change the id ...
    assert (
        dataclasses.replace(
            WITH_CONTROL, severity="critical", detail="other", first_seen=None
        ).finding_id
        == expected
    )
    # ... what names another finding does.
    assert dataclasses.replace(WITH_CONTROL, control_id="AISEC-PRE-004").finding_id != expected
    assert dataclasses.replace(WITH_CONTROL, asset_id="ai-other").finding_id != expected
    assert dataclasses.replace(WITH_CONTROL, gap_type="stale_review").finding_id != expected
    assert len({f.finding_id for f in FINDINGS}) == len(FINDINGS)


def test_requirements_from_rows_are_normalized() -> None:
    rows = [
        {"framework": "owasp_llm", "requirement_id": "LLM01", "title": "Prompt Injection"},
        {"framework": "eu_ai_act", "requirement_id": "Art. 15", "title": None},
        {"framework": "owasp_llm", "requirement_id": "LLM01", "title": "Prompt Injection"},
    ]
    finding = dataclasses.replace(NO_CONTROL, requirements=rows)
    assert finding.requirements == (
        Requirement("eu_ai_act", "Art. 15", ""),
        Requirement("owasp_llm", "LLM01", "Prompt Injection"),
    )
    assert finding.compliance() == {"eu_ai_act": ["Art. 15"], "owasp_llm": ["LLM01"]}


def test_two_different_findings_with_one_id_are_refused() -> None:
    clash = dataclasses.replace(NO_CONTROL, detail="something else")
    with pytest.raises(ValueError, match="share id"):
        to_sarif([NO_CONTROL, clash], product_version=VERSION)
    # An exact repeat is one finding.
    assert (
        len(to_sarif([NO_CONTROL, NO_CONTROL], product_version=VERSION)["runs"][0]["results"]) == 1
    )


# --------------------------------------------------------------------------- SARIF

# A hand-written subset of the SARIF 2.1.0 schema (OASIS), for the objects aisec writes: the
# required members, the enumerations, and no members the standard does not define (as the
# standard's own schema: additionalProperties false outside property bags). The full schema is
# not fetched at test time.
_MESSAGE = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}},
    "additionalProperties": False,
}
_PROPERTY_BAG = {
    "type": "object",
    "properties": {
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    },
}
_LEVEL = {"enum": ["none", "note", "warning", "error"]}
SARIF_SUBSET_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["version", "runs"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "additionalProperties": False,
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "additionalProperties": False,
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "additionalProperties": False,
                                "properties": {
                                    "name": {"type": "string"},
                                    "fullName": {"type": "string"},
                                    "organization": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "uniqueItems": True,
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "additionalProperties": False,
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "shortDescription": _MESSAGE,
                                                "fullDescription": _MESSAGE,
                                                "help": _MESSAGE,
                                                "helpUri": {"type": "string"},
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "additionalProperties": False,
                                                    "properties": {
                                                        "enabled": {"type": "boolean"},
                                                        "level": _LEVEL,
                                                        "rank": {"type": "number"},
                                                    },
                                                },
                                                "properties": _PROPERTY_BAG,
                                            },
                                        },
                                    },
                                    "properties": _PROPERTY_BAG,
                                },
                            },
                            "properties": _PROPERTY_BAG,
                        },
                    },
                    "automationDetails": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "id": {"type": "string"},
                            "guid": {"type": "string"},
                            "description": _MESSAGE,
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "additionalProperties": False,
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "kind": {
                                    "enum": [
                                        "notApplicable",
                                        "pass",
                                        "fail",
                                        "review",
                                        "open",
                                        "informational",
                                    ]
                                },
                                "level": _LEVEL,
                                "message": _MESSAGE,
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "properties": {
                                            "logicalLocations": {
                                                "type": "array",
                                                "minItems": 0,
                                                "items": {
                                                    "type": "object",
                                                    "additionalProperties": False,
                                                    "properties": {
                                                        "name": {"type": "string"},
                                                        "fullyQualifiedName": {"type": "string"},
                                                        "decoratedName": {"type": "string"},
                                                        "kind": {"type": "string"},
                                                        "index": {"type": "integer"},
                                                        "parentIndex": {"type": "integer"},
                                                        "properties": _PROPERTY_BAG,
                                                    },
                                                },
                                            },
                                            "message": _MESSAGE,
                                            "properties": _PROPERTY_BAG,
                                        },
                                    },
                                },
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                                "fingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                                "provenance": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "firstDetectionTimeUtc": {
                                            "type": "string",
                                            "format": "date-time",
                                        },
                                        "lastDetectionTimeUtc": {
                                            "type": "string",
                                            "format": "date-time",
                                        },
                                        "properties": _PROPERTY_BAG,
                                    },
                                },
                                "properties": _PROPERTY_BAG,
                            },
                        },
                    },
                    "properties": _PROPERTY_BAG,
                },
            },
        },
        "properties": _PROPERTY_BAG,
    },
}


def test_sarif_log_structure() -> None:
    log = to_sarif(FINDINGS, product_version=VERSION, run_id=RUN_ID, assessed_on=DAY)
    jsonschema.Draft7Validator.check_schema(SARIF_SUBSET_SCHEMA)
    jsonschema.Draft7Validator(
        SARIF_SUBSET_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    ).validate(log)

    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "aisec"
    assert run["tool"]["driver"]["version"] == VERSION
    assert run["automationDetails"]["id"] == f"aisec-compliance/{RUN_ID}"
    rules = run["tool"]["driver"]["rules"]
    rule_ids = [r["id"] for r in rules]
    assert rule_ids == sorted(rule_ids) and len(set(rule_ids)) == len(rule_ids)
    results = run["results"]
    assert len(results) == len(FINDINGS)
    for result in results:
        assert result["ruleId"] in rule_ids
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        (logical,) = location["logicalLocations"]
        assert logical["kind"] == "resource"
    assert {r["ruleId"] for r in results} == {"AISEC-PRE-003", "no_owner", "unsafe_model_file"}
    # Results worst first; levels by severity.
    assert [r["properties"]["severity"] for r in results] == ["critical", "high", "medium", "low"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "note"]

    by_id = {r["id"]: r for r in rules}
    control_rule = by_id["AISEC-PRE-003"]
    assert control_rule["name"] == "PromptAttackFiltering"
    assert control_rule["shortDescription"]["text"] == "AISEC-PRE-003: Prompt-attack filtering"
    assert control_rule["help"]["text"] == WITH_CONTROL.remediation
    assert control_rule["defaultConfiguration"]["level"] == "error"  # its worst finding: high
    assert control_rule["properties"]["security-severity"] == "8.0"
    tags = control_rule["properties"]["tags"]
    for tag in ("security", "owasp_llm", "owasp_llm/LLM01", "mitre_atlas/AML.T0051"):
        assert tag in tags
    assert "eu_ai_act/Art. 15" in tags  # from the second asset failing the same control
    gap_rule = by_id["no_owner"]
    assert gap_rule["name"] == "NoOwner"
    assert gap_rule["properties"]["tags"] == ["compliance", "security"]

    support_bot = next(r for r in results if r["properties"]["asset_id"] == WITH_CONTROL.asset_id)
    assert support_bot["partialFingerprints"] == {"aisecFindingId/v1": WITH_CONTROL.finding_id}
    assert support_bot["locations"][0]["logicalLocations"][0] == {
        "name": "support-bot",
        "fullyQualifiedName": AGENT_ARN,
        "kind": "resource",
    }
    assert support_bot["provenance"]["firstDetectionTimeUtc"] == "2031-02-01T00:00:00Z"
    assert WITH_CONTROL.detail in support_bot["message"]["text"]


def test_sarif_of_no_findings_is_a_valid_empty_run() -> None:
    log = to_sarif([], product_version=VERSION)
    jsonschema.Draft7Validator(SARIF_SUBSET_SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


# --------------------------------------------------------------------------- files


def test_files_are_written_under_the_day_and_run(tmp_path: Path) -> None:
    ocsf_path, sarif_path = write_findings(
        FINDINGS, tmp_path, assessed_on=DAY, run_id=RUN_ID, product_version=VERSION
    )
    day_dir = tmp_path / "findings" / "2031-03-14"
    assert ocsf_path == day_dir / f"{RUN_ID}.ocsf.json"
    assert sarif_path == day_dir / f"{RUN_ID}.sarif.json"
    assert sorted(p.name for p in day_dir.iterdir()) == sorted([ocsf_path.name, sarif_path.name])

    events = json.loads(ocsf_path.read_text("utf-8"))
    assert isinstance(events, list) and len(events) == len(FINDINGS)
    for event in events:
        DetectionFinding.model_validate(event)
    assert [e["severity_id"] for e in events] == [5, 4, 3, 2]
    sarif = json.loads(sarif_path.read_text("utf-8"))
    jsonschema.Draft7Validator(SARIF_SUBSET_SCHEMA).validate(sarif)
    assert sarif["runs"][0]["properties"]["assessed_on"] == "2031-03-14"


def test_same_findings_give_byte_identical_files(tmp_path: Path) -> None:
    first = write_findings(
        FINDINGS, tmp_path / "a", assessed_on=DAY, run_id=RUN_ID, product_version=VERSION
    )
    shuffled = list(reversed(FINDINGS))
    second = write_findings(
        shuffled, tmp_path / "b", assessed_on=DAY, run_id=RUN_ID, product_version=VERSION
    )
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    # Rewriting in place gives the same bytes again.
    before = [p.read_bytes() for p in first]
    write_findings(
        FINDINGS, tmp_path / "a", assessed_on=DAY, run_id=RUN_ID, product_version=VERSION
    )
    assert [p.read_bytes() for p in first] == before


def test_files_are_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ocsf_path, sarif_path = write_findings(
        [NO_CONTROL], tmp_path, assessed_on=DAY, run_id=RUN_ID, product_version=VERSION
    )
    old = ocsf_path.read_bytes()
    replaced: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def recording_replace(src, dst) -> None:
        replaced.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(fx.os, "replace", recording_replace)
    write_findings(FINDINGS, tmp_path, assessed_on=DAY, run_id=RUN_ID, product_version=VERSION)
    assert [dst for _, dst in replaced] == [ocsf_path, sarif_path]
    for src, dst in replaced:
        assert src.parent == dst.parent and src.name.startswith(".") and not src.exists()

    # A write that fails before the replace leaves the previous file whole and no temporary.
    def failing_replace(src, dst) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(fx.os, "replace", failing_replace)
    current = ocsf_path.read_bytes()
    assert current != old
    with pytest.raises(OSError, match="disk full"):
        write_findings(
            [NO_CONTROL], tmp_path, assessed_on=DAY, run_id=RUN_ID, product_version=VERSION
        )
    assert ocsf_path.read_bytes() == current
    assert sorted(p.name for p in ocsf_path.parent.iterdir()) == sorted(
        [ocsf_path.name, sarif_path.name]
    )


@pytest.mark.parametrize("run_id", ["../escape", "a/b", ".hidden", "", "x" * 201])
def test_a_run_id_that_is_not_a_file_name_is_refused(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(ValueError, match="cannot name a file"):
        write_findings(FINDINGS, tmp_path, assessed_on=DAY, run_id=run_id, product_version=VERSION)
    assert not (tmp_path / "findings").exists()


def test_a_key_quoted_in_a_finding_is_in_neither_file(tmp_path: Path) -> None:
    key = planted_key()
    leaky = dataclasses.replace(
        WITH_CONTROL,
        detail=f"Agent instructions embed a credential: OPENAI_API_KEY={key}",
        remediation=f"Rotate {key} and move it to a secret store.",
        control_title=f"No credentials in prompts ({key})",
    )
    leaky_no_control = dataclasses.replace(NO_CONTROL, detail=f"Tag owner={key}", asset_name=key)
    paths = write_findings(
        [leaky, leaky_no_control, ON_PREMISES],
        tmp_path,
        assessed_on=DAY,
        run_id=RUN_ID,
        product_version=VERSION,
    )
    for path in paths:
        text = path.read_text("utf-8")
        assert key not in text
        assert key[8:40] not in text  # nor a recognisable part of it
        assert "<redacted:" in text
    # The in-memory documents are redacted too, not just the files.
    assert key not in json.dumps(to_ocsf(leaky, assessed_on=DAY, product_version=VERSION))
    assert key not in json.dumps(to_sarif([leaky, leaky_no_control], product_version=VERSION))
    # Redaction does not touch ids: the finding is still tracked by the same id.
    events = json.loads(paths[0].read_text("utf-8"))
    assert {e["finding_info"]["uid"] for e in events} == {
        leaky.finding_id,
        leaky_no_control.finding_id,
        ON_PREMISES.finding_id,
    }
