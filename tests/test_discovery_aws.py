"""AWS discovery (Bedrock, Bedrock Agents, SageMaker) over offline bundles, and the demo bundle."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aws_helpers import DictApi, bundle_files, validate_response
from botocore.exceptions import ParamValidationError

from aisec_assets.discovery.aws import (
    SOURCE_BEDROCK,
    SOURCE_SAGEMAKER,
    AwsBundleReader,
    bundle_file_name,
    extract_bedrock,
    extract_sagemaker,
    foundation_model_arn,
    join_key,
)
from aisec_jobs.demo_estate.aws import write_bundle
from aisec_jobs.demo_estate.company import AWS_ACCOUNTS, TEAMS
from aisec_resources.records import (
    ASSET_TYPES,
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    RELATIONS,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
    asset_id_for,
)
from aisec_resources.redaction import redact_text
from aisec_resources.secret_audit import findings_in_text

AS_OF = date(2026, 11, 28)
SEED = "20261128-aws"
PROD = next(a.account_id for a in AWS_ACCOUNTS if a.env == "production")
DEV = next(a.account_id for a in AWS_ACCOUNTS if a.env == "development")


class Demo:
    def __init__(self, root: Path, entries: list[dict]) -> None:
        self.root = root
        self.entries = entries
        self.bedrock = extract_bedrock(AwsBundleReader(root))
        self.sagemaker = extract_sagemaker(AwsBundleReader(root))
        self.records = self.bedrock.records + self.sagemaker.records
        self.by_name: dict[str, list[DiscoveredAsset]] = {}
        for record in self.records:
            self.by_name.setdefault(record.name, []).append(record)
        self.by_id = {r.resource_id: r for r in self.records}

    def one(self, name: str, region: str | None = None) -> DiscoveredAsset:
        found = [r for r in self.by_name.get(name, []) if region in (None, r.cloud_region)]
        assert len(found) == 1, f"{name} ({region}): {len(found)} records"
        return found[0]


def _generate(root: Path) -> list[dict]:
    return write_bundle(root, AS_OF, random.Random(SEED))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("demo") / "aws"
    return Demo(root, _generate(root))


@pytest.fixture
def bundle_copy(demo: Demo, tmp_path: Path) -> Path:
    """A private copy of the demo bundle that a test may damage."""
    return Path(shutil.copytree(demo.root, tmp_path / "aws"))


def controls(record: DiscoveredAsset) -> dict[str, bool]:
    return {c.type: c.operational for c in record.controls}


def deps(record: DiscoveredAsset, relation: str) -> list[str]:
    return [d.resource_id for d in record.dependencies if d.relation == relation]


def only_file(root: Path, account: str, region: str, service: str, name: str) -> Path:
    path = root / account / region / service / name
    assert path.is_file(), path
    return path


def agent_file(root: Path, account: str, region: str, operation: str, agent_name: str) -> Path:
    """The per-agent file of `operation` for the agent called `agent_name`."""
    summaries = json.loads(
        only_file(root, account, region, "bedrock-agent", "ListAgents.json").read_text()
    )["agentSummaries"]
    agent_id = next(s["agentId"] for s in summaries if s["agentName"] == agent_name)
    return root / account / region / "bedrock-agent" / operation / bundle_file_name(agent_id)


def rejections_at(result: SourceResult, path: Path | str) -> list[Rejection]:
    return [r for r in result.rejections if r.location.split("#")[0] == str(path)]


# ----------------------------------------------------------------------------- bundle shapes


def test_every_demo_file_has_the_exact_shape_the_api_returns(demo: Demo) -> None:
    files = list(bundle_files(demo.root))
    operations = Counter((f.service, f.operation) for f in files)
    assert len(files) >= 90
    # Every operation the extractors read is exercised by the demo.
    for needed in (
        ("bedrock", "ListCustomModels"),
        ("bedrock", "GetCustomModel"),
        ("bedrock", "ListModelCustomizationJobs"),
        ("bedrock", "GetModelCustomizationJob"),
        ("bedrock", "ListProvisionedModelThroughputs"),
        ("bedrock", "ListImportedModels"),
        ("bedrock", "GetImportedModel"),
        ("bedrock", "ListGuardrails"),
        ("bedrock", "GetGuardrail"),
        ("bedrock", "GetModelInvocationLoggingConfiguration"),
        ("bedrock", "ListTagsForResource"),
        ("bedrock-agent", "ListAgents"),
        ("bedrock-agent", "GetAgent"),
        ("bedrock-agent", "ListAgentActionGroups"),
        ("bedrock-agent", "GetAgentActionGroup"),
        ("bedrock-agent", "ListAgentKnowledgeBases"),
        ("bedrock-agent", "ListAgentAliases"),
        ("bedrock-agent", "ListKnowledgeBases"),
        ("bedrock-agent", "GetKnowledgeBase"),
        ("bedrock-agent", "ListDataSources"),
        ("bedrock-agent", "GetDataSource"),
        ("bedrock-agent", "ListTagsForResource"),
        ("sagemaker", "ListEndpoints"),
        ("sagemaker", "DescribeEndpoint"),
        ("sagemaker", "DescribeEndpointConfig"),
        ("sagemaker", "ListModels"),
        ("sagemaker", "DescribeModel"),
        ("sagemaker", "ListTags"),
    ):
        assert operations[needed] > 0, needed
    for f in files:
        try:
            validate_response(f.service, f.operation, json.loads(f.path.read_text("utf-8")))
        except (AssertionError, ParamValidationError) as exc:
            pytest.fail(f"{f.path.relative_to(demo.root)}: {exc}")


@pytest.mark.parametrize(
    ("service", "operation", "response", "complaint"),
    [
        (
            "bedrock-agent",
            "ListAgents",
            {"agentSummaries": [{"agentName": "a", "agentStatus": "PREPARED", "updatedAt": "x"}]},
            "not ISO-8601",
        ),
        (
            "bedrock-agent",
            "ListAgents",
            {
                "agentSummaries": [
                    {
                        "agentId": "AB12CD34EF",
                        "agentName": "a",
                        "agentStatus": "READY",
                        "updatedAt": "2026-01-01T00:00:00+00:00",
                    }
                ]
            },
            "not in enum",
        ),
        (
            "bedrock-agent",
            "ListAgents",
            {
                "agentSummaries": [
                    {
                        "agentName": "a",
                        "agentStatus": "PREPARED",
                        "updatedAt": "2026-01-01T00:00:00+00:00",
                    }
                ]
            },
            "agentId",
        ),
        ("bedrock", "ListTagsForResource", {"tags": [{"key": "k", "value": "a,b"}]}, "match"),
        ("sagemaker", "ListEndpoints", {"Endpoints": [], "Extra": 1}, "Unknown parameter"),
    ],
)
def test_shape_validation_catches_what_real_apis_never_return(
    service: str, operation: str, response: dict[str, Any], complaint: str
) -> None:
    with pytest.raises((AssertionError, ParamValidationError), match=complaint):
        validate_response(service, operation, response)


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    entries_one, entries_two = _generate(first), _generate(second)
    files_one = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    files_two = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert files_one == files_two
    for rel in files_one:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    assert entries_one == entries_two
    other = tmp_path / "other-seed"
    write_bundle(other, AS_OF, random.Random("another seed"))
    assert sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file()) != files_one


# ----------------------------------------------------------------------------- demo estate


def test_demo_asset_types_and_counts(demo: Demo) -> None:
    # The only bad input in the demo: the sandbox agent's environment tag.
    assert [r.field for r in demo.bedrock.rejections] == ["tag environment -> deployment_env"]
    assert demo.sagemaker.rejections == []
    counts = Counter((r.source, r.asset_type) for r in demo.records)
    assert counts == {
        (SOURCE_BEDROCK, "ai_agent"): 4,
        (SOURCE_BEDROCK, "guardrail_config"): 3,
        (SOURCE_BEDROCK, "vector_database"): 2,
        (SOURCE_BEDROCK, "fine_tuned_model"): 3,  # two custom models, one imported model
        (SOURCE_BEDROCK, "api_endpoint"): 1,  # provisioned throughput
        (SOURCE_BEDROCK, "foundation_model"): 5,
        (SOURCE_BEDROCK, "embedding_model"): 2,
        (SOURCE_BEDROCK, "training_dataset"): 5,
        (SOURCE_BEDROCK, "evaluation_dataset"): 1,
        (SOURCE_SAGEMAKER, "api_endpoint"): 3,
        (SOURCE_SAGEMAKER, "foundation_model"): 3,
        (SOURCE_SAGEMAKER, "fine_tuned_model"): 1,
    }
    assert 25 <= len(demo.records) <= 35
    for record in demo.records:
        assert record.asset_type in ASSET_TYPES
        assert record.cloud_provider == "aws"
        assert record.cloud_region is not None
        assert all(c.type in CONTROL_TYPES and c.evidence for c in record.controls), record.name
        assert all(d.relation in RELATIONS for d in record.dependencies)
        for value, allowed in (
            (record.deployment_env, DEPLOYMENT_ENVS),
            (record.data_classification, DATA_CLASSIFICATIONS),
            (record.network_exposure, NETWORK_EXPOSURES),
        ):
            assert value is None or value in allowed
    # Foundation models belong to AWS: the region's ARN, no account.
    sonnet = demo.by_id[
        foundation_model_arn("us-east-1", "anthropic.claude-3-5-sonnet-20241022-v2:0")
    ]
    assert (sonnet.model_provider, sonnet.model_name, sonnet.cloud_account) == (
        "aws_bedrock",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        None,
    )
    endpoint = demo.one("cx-sentiment-hf")
    assert (endpoint.is_self_hosted, endpoint.model_provider) == (True, "aws_sagemaker")
    assert endpoint.api_endpoint == (
        "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/cx-sentiment-hf/invocations"
    )


def test_every_dependency_points_at_a_discovered_asset(demo: Demo) -> None:
    edges = [(r, d) for r in demo.records for d in r.dependencies]
    assert len(edges) >= 20
    dangling = [(r.name, d) for r, d in edges if d.resource_id not in demo.by_id]
    assert dangling == []


def test_dependency_edges(demo: Demo) -> None:
    agent = demo.one("cx-support-bedrock-agent")
    kb = demo.one("cx-support-kb")
    guardrail = demo.one("cx-strict-guardrail")
    # The inference profile us.anthropic... resolves to the model in the agent's region.
    assert deps(agent, "uses_model") == [
        foundation_model_arn("us-east-1", "anthropic.claude-3-5-sonnet-20241022-v2:0")
    ]
    assert deps(agent, "uses_knowledge_base") == [kb.resource_id]
    assert deps(agent, "uses_guardrail") == [guardrail.resource_id]

    embedding = demo.by_id[deps(kb, "embeds_with")[0]]
    assert (embedding.asset_type, embedding.model_name) == (
        "embedding_model",
        "amazon.titan-embed-text-v2:0",
    )
    sources = [demo.by_id[rid] for rid in deps(kb, "retrieves_from")]
    assert {s.resource_id for s in sources} == {
        "arn:aws:s3:::kestrel-cx-support-tickets-prod/tickets/resolved",
        "arn:aws:s3:::kestrel-cx-help-center/published",
    }
    for source in sources:
        assert source.asset_type == "training_dataset"
        assert "knowledge-base data source" in (source.description or "")

    custom = demo.one("fraud-narrative-titan-ft")
    assert deps(custom, "fine_tuned_from") == [
        foundation_model_arn("us-east-1", "amazon.titan-text-express-v1:0:8k")
    ]
    (training,) = deps(custom, "trained_on")
    (validation,) = deps(custom, "evaluated_on")
    assert training == "arn:aws:s3:::kestrel-ml-training-prod/fraud-narratives/2026q2/train.jsonl"
    assert demo.by_id[training].asset_type == "training_dataset"
    assert demo.by_id[validation].asset_type == "evaluation_dataset"

    # fraud agent -> provisioned throughput -> custom model
    throughput = demo.one("fraud-narrative-pt")
    assert deps(demo.one("fraud-triage-agent"), "uses_model") == [throughput.resource_id]
    assert deps(throughput, "serves") == [custom.resource_id]
    assert throughput.model_name == "fraud-narrative-titan-ft"

    clinical = demo.one("claims-intake-agent")
    assert deps(clinical, "uses_knowledge_base") == [demo.one("clinical-policies-kb").resource_id]
    assert deps(clinical, "uses_model") == [
        foundation_model_arn("eu-west-1", "anthropic.claude-3-haiku-20240307-v1:0")
    ]
    assert deps(demo.one("genai-sandbox-agent"), "uses_guardrail") == []

    ner = demo.one("clinical-ner-endpoint")
    assert deps(ner, "serves") == [demo.one("clinical-ner-biobert-ft").resource_id]


def test_controls_derived_from_posture(demo: Demo) -> None:
    cx = demo.one("cx-support-bedrock-agent")
    assert controls(cx) == {
        "authentication": True,
        "encryption_in_transit": True,
        "encryption_at_rest": True,  # customerEncryptionKeyArn
        "input_filtering": True,  # prompt attack HIGH, published version 2
        "guardrails": True,
        "output_filtering": True,
        "monitoring": True,  # invocation logging in production us-east-1
        "access_logging": True,
    }
    evidence = {c.type: c.evidence for c in cx.controls}
    assert "prompt-attack filter HIGH" in evidence["input_filtering"]
    assert "GetModelInvocationLoggingConfiguration" in evidence["monitoring"]
    assert cx.posture["lambda_executors"] == [
        f"arn:aws:lambda:us-east-1:{PROD}:function:cx-order-status",
        f"arn:aws:lambda:us-east-1:{PROD}:function:cx-refunds-handler",
    ]
    assert cx.posture["user_input_enabled"] is True
    assert cx.posture["inspected_versions"] == ["DRAFT", "3"]  # the "live" alias routes to 3

    # A weak guardrail (prompt attack LOW, filters LOW) gives nothing.
    fraud = controls(demo.one("fraud-triage-agent"))
    assert not {"input_filtering", "guardrails", "output_filtering"} & set(fraud)
    assert demo.one("fraud-triage-agent").posture["code_interpreter_enabled"] is True

    # A strong guardrail attached only as its unpublished DRAFT: configured, not active.
    claims = demo.one("claims-intake-agent")
    assert controls(claims)["input_filtering"] is False
    assert controls(claims)["output_filtering"] is False
    assert "DRAFT" in next(c.evidence for c in claims.controls if c.type == "input_filtering")
    assert claims.posture["return_control"] is True

    sandbox = demo.one("genai-sandbox-agent")
    assert set(controls(sandbox)) == {"authentication", "encryption_in_transit"}
    assert sandbox.posture["guardrail_attached"] is False

    # Logging off: eu-west-1 configured with every data type disabled, dev never configured.
    assert claims.posture["invocation_logging"] is False
    assert controls(claims)["monitoring"] is False
    assert controls(demo.one("clinical-policies-kb"))["access_logging"] is False
    assert sandbox.posture["invocation_logging"] is False
    assert cx.posture["invocation_logging"] is True
    for record in demo.bedrock.records:
        if record.cloud_account == DEV:
            assert "monitoring" not in controls(record), record.name
        if record.asset_type != "training_dataset" and record.cloud_account == PROD:
            assert "invocation_logging" in record.posture, record.name

    guardrail = demo.one("cx-strict-guardrail")
    assert guardrail.posture["published_versions"] == ["1", "2"]
    assert guardrail.posture["prompt_attack_filter_strength"] == "HIGH"
    assert guardrail.posture["pii_entities"]["CREDIT_DEBIT_CARD_NUMBER"]["output"] == "BLOCK"
    assert guardrail.posture["denied_topics"] == ["investment-advice", "legal-advice"]
    assert demo.one("health-phi-guardrail").posture["published"] is False

    # Customization job posture and KMS on the custom models.
    tuned = demo.one("fraud-narrative-titan-ft")
    job = tuned.posture["customization_job"]
    assert (job["status"], job["hyperparameter_count"], job["vpc_configured"]) == (
        "Completed",
        4,
        True,
    )
    assert controls(tuned)["encryption_at_rest"] is True
    assert "encryption_at_rest" not in controls(demo.one("cx-tone-nova-ft"))
    assert demo.one("cx-tone-nova-ft").posture["encryption_key"] == "aws_owned"

    # SageMaker
    assert controls(demo.one("clinical-ner-endpoint")) == {
        "authentication": True,
        "encryption_in_transit": True,
        "monitoring": True,  # data capture Started
        "encryption_at_rest": True,
        "network_isolation": True,
    }
    assert "network_isolation" not in controls(demo.one("cx-sentiment-hf"))
    assert "monitoring" not in controls(demo.one("cx-sentiment-hf"))
    assert controls(demo.one("jumpstart-mistral-7b-instruct"))["monitoring"] is False  # Stopped
    hf_model = demo.one("cx-sentiment-distilbert")
    assert hf_model.asset_type == "foundation_model"
    assert hf_model.source_url == (
        "https://huggingface.co/distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    )
    assert hf_model.posture["network_isolated"] is False
    assert hf_model.posture["secret_like_environment_variables"] == ["HUGGING_FACE_HUB_TOKEN"]
    assert demo.one("clinical-ner-biobert-ft").asset_type == "fine_tuned_model"
    jumpstart = demo.one("jumpstart-mistral-7b-instruct-model")
    assert (jumpstart.model_name, jumpstart.model_version) == (
        "huggingface-llm-mistral-7b-instruct",
        "3.1.0",
    )
    # An unserved model is inventoried but not reachable, so no runtime API controls.
    assert controls(demo.one("cx-sentiment-distilbert-v0")) == {}


def test_tags_map_to_fields_and_an_invalid_tag_is_rejected(demo: Demo) -> None:
    cx = demo.one("cx-support-bedrock-agent")
    team = TEAMS["customer-experience"]
    assert (cx.owner_team, cx.owner_email) == (team.key, team.email)
    assert (cx.deployment_env, cx.data_classification, cx.network_exposure) == (
        "production",
        "confidential",
        "public",
    )
    assert cx.regulatory_scope == ["gdpr", "pci_dss"]
    claims = demo.one("claims-intake-agent")
    assert claims.regulatory_scope == ["hipaa", "gdpr", "eu_ai_act_high_risk"]
    untagged = demo.one("cx-tone-nova-ft")
    assert (untagged.owner_team, untagged.deployment_env, untagged.regulatory_scope) == (
        None,
        None,
        None,
    )
    sandbox = demo.one("genai-sandbox-agent")
    assert (sandbox.owner_team, sandbox.deployment_env) == ("research-lab", None)
    # the bad tag is named invalid: risk scores the environment at its worst, never "unknown"
    assert sandbox.invalid_fields == ["deployment_env"]
    assert untagged.invalid_fields == []
    (rejection,) = demo.bedrock.rejections
    assert rejection.source == SOURCE_BEDROCK
    assert sandbox.resource_id in rejection.reason and "'sandbox'" in rejection.reason
    assert rejection.field == "tag environment -> deployment_env"
    assert rejection.location.endswith(bundle_file_name(sandbox.resource_id))
    assert rejection.excerpt == "environment=sandbox"


def test_ids_are_stable_across_runs_and_unique(demo: Demo, tmp_path: Path) -> None:
    again = Demo(tmp_path / "aws", _generate(tmp_path / "aws"))
    assert [r.resource_id for r in again.records] == [r.resource_id for r in demo.records]
    for result in (demo.bedrock, demo.sagemaker):
        keys = [r.natural_key for r in result.records]
        assert len(keys) == len(set(keys))
    for record in demo.records:
        assert record.asset_id == asset_id_for(record.resource_id)
        assert re.fullmatch(r"ai-[0-9a-f]{16}", record.asset_id)
    assert [r.to_row()["asset_id"] for r in again.records] == [
        r.to_row()["asset_id"] for r in demo.records
    ]


def test_no_secret_reaches_a_record(demo: Demo) -> None:
    model_file = (
        demo.root
        / PROD
        / "us-east-1"
        / "sagemaker"
        / "DescribeModel"
        / "cx-sentiment-distilbert.json"
    )
    token = json.loads(model_file.read_text())["PrimaryContainer"]["Environment"][
        "HUGGING_FACE_HUB_TOKEN"
    ]
    assert redact_text(token) != token  # the bundle does hold one
    rows = json.dumps([r.to_row() for r in demo.records], default=str)
    rows += json.dumps([r.to_row() for r in demo.bedrock.rejections + demo.sagemaker.rejections])
    assert token not in rows
    assert list(findings_in_text(rows)) == []
    assert (
        demo.one("cx-sentiment-distilbert").raw["PrimaryContainer"]["Environment"][
            "HUGGING_FACE_HUB_TOKEN"
        ]
        == "<redacted:field HUGGING_FACE_HUB_TOKEN>"
    )


def test_declared_entries_link_to_discovered_assets(demo: Demo) -> None:
    names = [e["name"] for e in demo.entries]
    assert len(names) == len(set(names)) >= 8
    for entry in demo.entries:
        record = demo.by_id[entry["resource_id"]]
        assert entry["asset_type"] == record.asset_type, entry["name"]
        assert (
            entry["owner_team"] in TEAMS
            and entry["owner_email"] == TEAMS[entry["owner_team"]].email
        )
        assert entry["data_classification"] in DATA_CLASSIFICATIONS
        assert entry["deployment_env"] in DEPLOYMENT_ENVS
        for upstream in entry.get("upstream_assets", []):
            assert upstream in demo.by_id
        for control in entry.get("controls", []):
            assert control["type"] in CONTROL_TYPES
        review = entry.get("last_security_review")
        assert review is None or (isinstance(review, date) and review <= AS_OF)
    declared = {e["resource_id"] for e in demo.entries}
    # Shadow AI: production assets nobody declared.
    assert demo.one("genai-sandbox-agent").resource_id not in declared
    assert demo.one("cx-sentiment-hf").resource_id not in declared
    assert demo.one("cx-tone-nova-ft").resource_id not in declared
    reviews = [e.get("last_security_review") for e in demo.entries]
    assert None in reviews
    assert any(r is not None and (AS_OF - r).days > 90 for r in reviews)  # stale


# ----------------------------------------------------------------------------- bad input


def test_missing_or_unreadable_bundle_is_source_unavailable(tmp_path: Path) -> None:
    for extract in (extract_bedrock, extract_sagemaker):
        with pytest.raises(SourceUnavailable, match="does not exist"):
            extract(AwsBundleReader(tmp_path / "no-such-bundle"))
    not_a_dir = tmp_path / "bundle.json"
    not_a_dir.write_text("{}")
    with pytest.raises(SourceUnavailable, match="not a directory"):
        extract_bedrock(AwsBundleReader(not_a_dir))


def test_malformed_json_rejects_that_file_only(demo: Demo, bundle_copy: Path) -> None:
    path = agent_file(bundle_copy, PROD, "us-east-1", "GetAgent", "cx-support-bedrock-agent")
    path.write_text('{"agent": {"agentId": "X", ', encoding="utf-8")
    result = extract_bedrock(AwsBundleReader(bundle_copy))
    (rejection,) = rejections_at(result, path)
    assert rejection.reason.startswith("not valid JSON")
    assert rejection.source == SOURCE_BEDROCK
    names = {r.name for r in result.records}
    assert {"fraud-triage-agent", "claims-intake-agent", "genai-sandbox-agent"} <= names
    # The agent itself is still known from its summary, without the details.
    agent = next(r for r in result.records if r.name == "cx-support-bedrock-agent")
    assert agent.posture["details_collected"] is False
    assert agent.posture["encryption_key"] is None  # unknown, not "AWS-owned"
    assert deps(agent, "uses_guardrail") == [demo.one("cx-strict-guardrail").resource_id]
    # Only what the broken file alone told is missing: the model the agent names.
    missing = {r.resource_id for r in demo.bedrock.records} - {
        r.resource_id for r in result.records
    }
    assert missing == {
        foundation_model_arn("us-east-1", "anthropic.claude-3-5-sonnet-20241022-v2:0")
    }


def test_non_utf8_file_is_rejected(demo: Demo, bundle_copy: Path) -> None:
    path = only_file(bundle_copy, PROD, "us-east-1", "bedrock-agent", "ListKnowledgeBases.json")
    latin1 = b'{"knowledgeBaseSummaries": [{"name": "caf\xe9"}]}'
    path.write_bytes(latin1)
    result = extract_bedrock(AwsBundleReader(bundle_copy))
    (rejection,) = rejections_at(result, path)
    offset = latin1.index(b"\xe9")
    assert rejection.reason == f"not UTF-8 text: invalid byte 0xe9 at offset {offset}"
    names = {r.name for r in result.records}
    assert "cx-support-kb" not in names
    assert {"cx-support-bedrock-agent", "clinical-policies-kb"} <= names
    # The agent still names the knowledge base it uses.
    assert deps(
        next(r for r in result.records if r.name == "cx-support-bedrock-agent"),
        "uses_knowledge_base",
    )


def test_file_over_the_size_cap_is_rejected(demo: Demo, bundle_copy: Path) -> None:
    cap = max(f.stat().st_size for f in bundle_copy.rglob("*.json"))
    path = only_file(bundle_copy, PROD, "us-east-1", "bedrock", "ListGuardrails.json")
    text = path.read_text()
    path.write_text(text + " " * (cap + 1 - len(text)))  # still valid JSON, just too big
    result = extract_bedrock(AwsBundleReader(bundle_copy, max_file_bytes=cap))
    (rejection,) = rejections_at(result, path)
    assert rejection.reason == f"file is {cap + 1} bytes, over the {cap}-byte limit"
    names = {r.name for r in result.records}
    assert "cx-strict-guardrail" not in names and "health-phi-guardrail" in names
    # Agent controls come from GetGuardrail, which is still readable.
    assert controls(next(r for r in result.records if r.name == "cx-support-bedrock-agent"))[
        "input_filtering"
    ]


def test_array_where_an_object_is_expected(demo: Demo, bundle_copy: Path) -> None:
    path = only_file(bundle_copy, PROD, "us-east-1", "bedrock", "ListCustomModels.json")
    path.write_text(json.dumps(json.loads(path.read_text())["modelSummaries"]))
    result = extract_bedrock(AwsBundleReader(bundle_copy))
    (rejection,) = rejections_at(result, path)
    assert rejection.reason == "expected a JSON object (an API response), found an array"
    assert rejection.excerpt == "an array of 2 items"
    names = {r.name for r in result.records}
    assert "fraud-narrative-titan-ft" not in names
    assert "fraud-narrative-pt" in names  # provisioned throughput still served


def test_item_missing_a_key_rejects_that_item_only(demo: Demo, bundle_copy: Path) -> None:
    path = only_file(bundle_copy, PROD, "us-east-1", "bedrock-agent", "ListAgents.json")
    listing = json.loads(path.read_text())
    assert listing["agentSummaries"][0]["agentName"] == "cx-support-bedrock-agent"
    del listing["agentSummaries"][0]["agentId"]
    path.write_text(json.dumps(listing))
    result = extract_bedrock(AwsBundleReader(bundle_copy))
    (rejection,) = rejections_at(result, path)
    assert rejection.location == f"{path}#agentSummaries[0]"
    assert rejection.field == "agentId"
    assert rejection.reason == "required field is missing"
    assert "agentName" in (rejection.excerpt or "")
    names = {r.name for r in result.records}
    assert "cx-support-bedrock-agent" not in names and "fraud-triage-agent" in names


def test_nested_field_of_wrong_type_names_the_field(demo: Demo, bundle_copy: Path) -> None:
    kb = demo.one("cx-support-kb")
    sources = kb.posture["data_sources"]
    tickets = next(s for s in sources if s["name"] == "support-tickets")
    kb_id = kb.posture["knowledge_base_id"]
    operation_dir = bundle_copy / PROD / "us-east-1" / "bedrock-agent" / "GetDataSource"
    path = operation_dir / bundle_file_name(join_key(kb_id, tickets["id"]))
    detail = json.loads(path.read_text())
    detail["dataSource"]["dataSourceConfiguration"]["s3Configuration"]["bucketArn"] = 42
    path.write_text(json.dumps(detail))
    result = extract_bedrock(AwsBundleReader(bundle_copy))
    (rejection,) = rejections_at(result, path)
    assert rejection.field == "dataSource.dataSourceConfiguration.s3Configuration.bucketArn"
    assert rejection.reason == "expected a non-empty string, found a number"
    kb_again = next(r for r in result.records if r.name == "cx-support-kb")
    assert deps(kb_again, "retrieves_from") == ["arn:aws:s3:::kestrel-cx-help-center/published"]


def test_odd_files_and_directories_are_rejected_not_fatal(demo: Demo, bundle_copy: Path) -> None:
    loop = agent_file(bundle_copy, PROD, "us-east-1", "GetAgent", "fraud-triage-agent")
    loop.unlink()
    loop.symlink_to(loop.name)  # points at itself
    not_a_file = agent_file(bundle_copy, PROD, "eu-west-1", "GetAgent", "claims-intake-agent")
    not_a_file.unlink()
    not_a_file.mkdir()
    (bundle_copy / "not-an-account").mkdir()
    (bundle_copy / PROD / "Mars-1").mkdir()
    result = extract_bedrock(AwsBundleReader(bundle_copy))
    assert rejections_at(result, loop)[0].reason.startswith("cannot read file")
    assert rejections_at(result, not_a_file)[0].reason == "not a regular file"
    assert rejections_at(result, bundle_copy / "not-an-account")[0].field == "account_id"
    assert rejections_at(result, bundle_copy / PROD / "Mars-1")[0].field == "region"
    # Both agents are still there (from their summaries); only the model named solely in the
    # unreadable claims-intake GetAgent is unknown.
    missing = {r.resource_id for r in demo.bedrock.records} - {
        r.resource_id for r in result.records
    }
    assert missing == {foundation_model_arn("eu-west-1", "anthropic.claude-3-haiku-20240307-v1:0")}


def test_keys_cannot_escape_their_operation_directory(tmp_path: Path) -> None:
    reader = AwsBundleReader(tmp_path)
    where = Path(reader.location(PROD, "us-east-1", "bedrock-agent", "GetAgent", "../../../x"))
    assert where.parent == tmp_path / PROD / "us-east-1" / "bedrock-agent" / "GetAgent"
    assert reader.call(PROD, "us-east-1", "bedrock-agent", "GetAgent", "../../../x") is None


# ----------------------------------------------------------------------------- protocol units

ACCOUNT_A, ACCOUNT_B, REGION = "111111111111", "222222222222", "us-west-2"
TS = "2026-10-01T12:00:00+00:00"


def _agent_responses(
    account: str, agent_id: str, model: str, guardrail: dict[str, str] | None
) -> dict[tuple[str, str, str, str, str | None], dict]:
    agent: dict[str, Any] = {
        "agentId": agent_id,
        "agentName": f"agent-{agent_id.lower()}",
        "agentArn": f"arn:aws:bedrock:{REGION}:{account}:agent/{agent_id}",
        "agentVersion": "DRAFT",
        "agentStatus": "PREPARED",
        "foundationModel": model,
        "idleSessionTTLInSeconds": 600,
        "agentResourceRoleArn": f"arn:aws:iam::{account}:role/agent",
        "createdAt": TS,
        "updatedAt": TS,
    }
    if guardrail:
        agent["guardrailConfiguration"] = guardrail
    summary = {k: agent[k] for k in ("agentId", "agentName", "agentStatus", "updatedAt")}
    return {
        (account, REGION, "bedrock-agent", "ListAgents", None): {"agentSummaries": [summary]},
        (account, REGION, "bedrock-agent", "GetAgent", agent_id): {"agent": agent},
    }


def _guardrail_version(guardrail_id: str, version: str, status: str, filters: list[dict]) -> dict:
    return {
        "name": f"g-{guardrail_id}",
        "guardrailId": guardrail_id,
        "guardrailArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT_A}:guardrail/{guardrail_id}",
        "version": version,
        "status": status,
        "contentPolicy": {"filters": filters},
        "createdAt": TS,
        "updatedAt": TS,
        "blockedInputMessaging": "no",
        "blockedOutputsMessaging": "no",
    }


def _logging(enabled: bool) -> dict:
    return {
        "loggingConfig": {
            "cloudWatchConfig": {
                "logGroupName": "/bedrock",
                "roleArn": "arn:aws:iam::111111111111:role/log",
            },
            "textDataDeliveryEnabled": enabled,
        }
    }


def test_extractors_use_only_the_api_protocol_and_resolve_shared_models() -> None:
    model_arn = (
        f"arn:aws:bedrock:{REGION}:{ACCOUNT_A}:inference-profile/us.meta.llama3-3-70b-instruct-v1:0"
    )
    responses = {
        **_agent_responses(ACCOUNT_A, "AAAAAAAAAA", model_arn, None),
        **_agent_responses(ACCOUNT_B, "BBBBBBBBBB", "meta.llama3-3-70b-instruct-v1:0", None),
        (ACCOUNT_A, REGION, "bedrock", "GetModelInvocationLoggingConfiguration", None): _logging(
            True
        ),
        (ACCOUNT_B, REGION, "bedrock", "GetModelInvocationLoggingConfiguration", None): {},
    }
    for (_, _, service, operation, _), response in responses.items():
        validate_response(service, operation, response)  # the fakes are real API shapes
    api = DictApi(responses)
    result = extract_bedrock(api)
    assert result.rejections == []
    model = next(r for r in result.records if r.asset_type == "foundation_model")
    assert model.resource_id == foundation_model_arn(REGION, "meta.llama3-3-70b-instruct-v1:0")
    assert model.posture["used_by_accounts"] == [ACCOUNT_A, ACCOUNT_B]
    assert model.posture["invocation_logging_by_account"] == {ACCOUNT_A: True, ACCOUNT_B: False}
    # Logged from one account only: the shared model does not count as monitored.
    assert "monitoring" not in controls(model)
    by_account = {r.cloud_account: r for r in result.records if r.asset_type == "ai_agent"}
    assert controls(by_account[ACCOUNT_A])["monitoring"] is True
    assert "monitoring" not in controls(by_account[ACCOUNT_B])
    assert ("111111111111", REGION, "bedrock-agent", "ListAgentAliases", "AAAAAAAAAA") in api.calls


@pytest.mark.parametrize(
    ("status", "version", "prompt_attack", "expected"),
    [
        ("READY", "1", {"inputStrength": "MEDIUM"}, {"input_filtering": True, "guardrails": True}),
        ("FAILED", "1", {"inputStrength": "HIGH"}, {"input_filtering": False, "guardrails": False}),
        (
            "READY",
            "DRAFT",
            {"inputStrength": "HIGH"},
            {"input_filtering": False, "guardrails": False},
        ),
        ("READY", "1", {"inputStrength": "HIGH", "inputAction": "NONE"}, {}),  # detect only
        ("READY", "1", {"inputStrength": "HIGH", "inputEnabled": False}, {}),
    ],
)
def test_guardrail_state_decides_whether_controls_are_operational(
    status: str, version: str, prompt_attack: dict[str, Any], expected: dict[str, bool]
) -> None:
    guardrail_id = "g1abc"
    filters = [{"type": "PROMPT_ATTACK", "outputStrength": "NONE", **prompt_attack}]
    responses = {
        **_agent_responses(
            ACCOUNT_A,
            "AAAAAAAAAA",
            "meta.llama3-3-70b-instruct-v1:0",
            {"guardrailIdentifier": guardrail_id, "guardrailVersion": version},
        ),
        (ACCOUNT_A, REGION, "bedrock", "GetGuardrail", join_key(guardrail_id, version)): (
            _guardrail_version(guardrail_id, version, status, filters)
        ),
    }
    result = extract_bedrock(DictApi(responses))
    assert result.rejections == []
    agent = next(r for r in result.records if r.asset_type == "ai_agent")
    got = {k: v for k, v in controls(agent).items() if k in ("input_filtering", "guardrails")}
    assert got == expected
    assert agent.posture["guardrail"]["status"] == status


def test_web_crawler_data_source_is_kept_under_its_knowledge_base() -> None:
    kb_id, ds_id = "KBKBKBKBKB", "DSDSDSDSDS"
    kb_arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT_A}:knowledge-base/{kb_id}"
    responses = {
        (ACCOUNT_A, REGION, "bedrock-agent", "ListKnowledgeBases", None): {
            "knowledgeBaseSummaries": [
                {"knowledgeBaseId": kb_id, "name": "docs", "status": "ACTIVE", "updatedAt": TS}
            ]
        },
        (ACCOUNT_A, REGION, "bedrock-agent", "ListDataSources", kb_id): {
            "dataSourceSummaries": [
                {
                    "knowledgeBaseId": kb_id,
                    "dataSourceId": ds_id,
                    "name": "public-docs",
                    "status": "AVAILABLE",
                    "updatedAt": TS,
                }
            ]
        },
        (ACCOUNT_A, REGION, "bedrock-agent", "GetDataSource", join_key(kb_id, ds_id)): {
            "dataSource": {
                "knowledgeBaseId": kb_id,
                "dataSourceId": ds_id,
                "name": "public-docs",
                "status": "AVAILABLE",
                "dataSourceConfiguration": {
                    "type": "WEB",
                    "webConfiguration": {
                        "sourceConfiguration": {
                            "urlConfiguration": {"seedUrls": [{"url": "https://docs.example"}]}
                        }
                    },
                },
                "createdAt": TS,
                "updatedAt": TS,
            }
        },
    }
    for (_, _, service, operation, _), response in responses.items():
        validate_response(service, operation, response)
    result = extract_bedrock(DictApi(responses))
    assert result.rejections == []
    kb = next(r for r in result.records if r.asset_type == "vector_database")
    assert kb.resource_id == kb_arn
    assert kb.posture["details_collected"] is False  # GetKnowledgeBase not collected
    (dataset,) = [r for r in result.records if r.asset_type == "training_dataset"]
    assert dataset.resource_id == f"{kb_arn}/data-source/{ds_id}"
    assert deps(kb, "retrieves_from") == [dataset.resource_id]


def test_regulatory_scope_keeps_valid_entries_and_rejects_the_rest() -> None:
    agent_arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT_A}:agent/AAAAAAAAAA"
    responses = {
        **_agent_responses(ACCOUNT_A, "AAAAAAAAAA", "meta.llama3-3-70b-instruct-v1:0", None),
        (ACCOUNT_A, REGION, "bedrock-agent", "ListTagsForResource", agent_arn): {
            "tags": {
                "Regulatory-Scope": "gdpr / hippa+sox",
                "Data-Classification": "Confidential",
                "owner-email": "not-an-address",
            }
        },
    }
    result = extract_bedrock(DictApi(responses))
    agent = next(r for r in result.records if r.asset_type == "ai_agent")
    assert agent.regulatory_scope == ["gdpr", "sox"]
    assert agent.data_classification == "confidential"
    assert agent.owner_email is None
    assert sorted(r.field or "" for r in result.rejections) == [
        "tag Regulatory-Scope -> regulatory_scope",
        "tag owner-email -> owner_email",
    ]
    assert all(agent_arn in r.reason for r in result.rejections)


def test_reader_reports_the_protocol_error_for_a_bad_response(tmp_path: Path) -> None:
    reader = AwsBundleReader(tmp_path)
    target = tmp_path / PROD / REGION / "bedrock" / "ListGuardrails.json"
    target.parent.mkdir(parents=True)
    target.write_text('"just a string"')
    result = extract_bedrock(reader)
    (rejection,) = result.rejections
    assert rejection.location == str(target)
    assert rejection.reason == "expected a JSON object (an API response), found a string"
    assert result.records == []


def test_secret_named_environment_values_are_redacted_whatever_their_shape() -> None:
    password = " ".join(["correct", "horse", "battery", "staple"])  # no token shape at all
    model_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT_A}:model/rag-api"
    model = {
        "ModelName": "rag-api",
        "PrimaryContainer": {
            "Image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/rag:1",
            "Environment": {"DB_PASSWORD": password, "MODEL_NAME": "rag"},
        },
        "CreationTime": TS,
        "ModelArn": model_arn,
    }
    responses = {
        (ACCOUNT_A, REGION, "sagemaker", "ListModels", None): {
            "Models": [{"ModelName": "rag-api", "ModelArn": model_arn, "CreationTime": TS}]
        },
        (ACCOUNT_A, REGION, "sagemaker", "DescribeModel", "rag-api"): model,
    }
    for (_, _, service, operation, _), response in responses.items():
        validate_response(service, operation, response)
    result = extract_sagemaker(DictApi(responses))
    assert result.rejections == []
    (record,) = result.records
    assert record.raw["PrimaryContainer"]["Environment"] == {
        "DB_PASSWORD": "<redacted:field DB_PASSWORD>",
        "MODEL_NAME": "rag",
    }
    assert record.posture["secret_like_environment_variables"] == ["DB_PASSWORD"]
    assert password not in json.dumps(record.to_row(), default=str)
    assert record.asset_type == "foundation_model"  # no artifacts named: container default
