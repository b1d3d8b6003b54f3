"""A scan never leaves its root — a file or directory that resolves outside the configured
location (through any symlink) is refused with a Rejection and never read — and a file never
expands past its size (a YAML alias bomb in the registry is refused before it grows)."""

from __future__ import annotations

import json
import random
import secrets
import shutil
import string
from datetime import date
from pathlib import Path

import pytest

from aisec_assets.discovery.aws import AwsBundleReader, extract_bedrock, extract_sagemaker
from aisec_assets.discovery.azure import AzureBundleReader, extract_azure_openai
from aisec_assets.discovery.huggingface import extract_huggingface
from aisec_assets.discovery.registry import parse_registry
from aisec_jobs.demo_estate import azure as demo_azure
from aisec_jobs.demo_estate.aws import write_bundle as write_aws_bundle
from aisec_jobs.demo_estate.company import AWS_ACCOUNTS, AZURE_SUBSCRIPTIONS
from aisec_resources.config import NamedPath
from aisec_resources.records import Rejection, SourceUnavailable

PRIVATE_KEY = "-----BEGIN PRIVATE KEY----- not-a-real-key"
AS_OF = date(2026, 11, 28)
OUTSIDE = "outside the configured root"


def planted_secret() -> str:
    """A 40-character AWS-secret-shaped value, built at run time (never in the source)."""
    alphabet = string.ascii_letters + string.digits + "+/"
    return "".join(secrets.choice(alphabet) for _ in range(40))


def refused(rejections: list[Rejection]) -> dict[str, str]:
    """{name of the refused path: reason} for every refusal to leave the root."""
    return {Path(r.location).name: r.reason for r in rejections if OUTSIDE in r.reason}


def test_links_out_of_a_model_root_are_refused_and_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "service-account.json").write_text(
        json.dumps({"model_type": "bert", "architectures": ["Bert"], "private_key": PRIVATE_KEY})
    )
    secret_pickle = outside / "passwd"
    secret_pickle.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    (outside / "etc-like").mkdir()
    (outside / "etc-like" / "config.json").write_text(
        json.dumps({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]})
    )

    root = tmp_path / "models"
    good = root / "good-model"
    good.mkdir(parents=True)
    (good / "config.json").write_text(
        json.dumps({"model_type": "bert", "architectures": ["BertForMaskedLM"]})
    )
    (good / "pytorch_model.bin").symlink_to(secret_pickle)  # read for pickle analysis before
    (good / "extra.json").symlink_to(outside / "service-account.json")
    linked = root / "linked-model"
    linked.mkdir()
    (linked / "config.json").symlink_to(outside / "service-account.json")  # stored before
    (root / "etc").symlink_to(outside / "etc-like", target_is_directory=True)  # walked before

    result = extract_huggingface([NamedPath(name="vol", path=root)], [], 1024 * 1024, 8)

    ids = sorted(r.resource_id for r in result.records)
    assert ids == ["hf-dir://vol/good-model"]  # nothing found through the links
    record = result.records[0]
    text = json.dumps([r.to_row() for r in result.records], default=str)
    assert PRIVATE_KEY not in text and "root:x:0:0" not in text
    assert "pytorch_model.bin" not in json.dumps(record.posture.get("model_files", []))
    refused = sorted(
        Path(r.location).name
        for r in result.rejections
        if "outside the configured root" in r.reason
    )
    assert refused == ["config.json", "etc", "extra.json", "pytorch_model.bin"]


def test_a_yaml_alias_bomb_in_the_registry_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        prev, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    lines.append("assets: [{name: bomb, asset_type: ai_agent, description: *j}]")
    path = tmp_path / "registry.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 1024
    with pytest.raises(
        SourceUnavailable, match=r"line 2.*found alias \*a: aliases are not allowed"
    ):
        parse_registry(path)


def test_links_out_of_an_aws_bundle_are_refused_and_never_read(tmp_path: Path) -> None:
    root = tmp_path / "aws"
    write_aws_bundle(root, AS_OF, random.Random("confine-aws"))
    outside = tmp_path / "outside"
    outside.mkdir()
    account = AWS_ACCOUNTS[0].account_id
    secret, marker = planted_secret(), f"outside-marker-{secrets.token_hex(6)}"
    # a response file linked to a JSON outside the bundle (with a key-looking field)
    agent_file = sorted((root / account / "us-east-1" / "bedrock-agent" / "GetAgent").iterdir())[0]
    planted = json.loads(agent_file.read_text())
    planted["agent"]["description"] = f"{marker} {secret}"
    planted["agent"]["secretAccessKey"] = secret
    (outside / "agent.json").write_text(json.dumps(planted))
    agent_file.unlink()
    agent_file.symlink_to(outside / "agent.json")
    # an account and a region directory linked to copies outside the bundle
    shutil.copytree(root / account, outside / "account", symlinks=True)
    shutil.copytree(root / account / "us-east-1", outside / "region", symlinks=True)
    (root / "999999999999").symlink_to(outside / "account", target_is_directory=True)
    (root / account / "eu-west-3").symlink_to(outside / "region", target_is_directory=True)

    for extract in (extract_bedrock, extract_sagemaker):
        result = extract(AwsBundleReader(root))
        text = json.dumps([r.to_row() for r in result.records], default=str)
        assert marker not in text and secret not in text
        assert not {r.cloud_account for r in result.records} & {"999999999999"}
        assert not {r.cloud_region for r in result.records} & {"eu-west-3"}
        found = refused(result.rejections)
        expected = {"999999999999": "account", "eu-west-3": "region"}
        if extract is extract_bedrock:
            expected[agent_file.name] = "agent.json"
        assert set(found) == set(expected), found
        for name, target in expected.items():  # each names where it resolves
            assert str((outside / target).resolve()) in found[name]
        assert not result.unreadable  # refused, not unreadable


def test_links_out_of_an_azure_bundle_are_refused_and_never_read(tmp_path: Path) -> None:
    root = tmp_path / "azure"
    demo_azure.write_bundle(root, AS_OF, random.Random("confine-azure"))
    outside = tmp_path / "outside"
    outside.mkdir()
    prod, sandbox = (s.subscription_id for s in AZURE_SUBSCRIPTIONS)
    secret, team = planted_secret(), f"outside-team-{secrets.token_hex(4)}"
    # a deployments file linked to a JSON outside the bundle (with a key-looking field)
    deployments = root / prod / "rg-cx-ai-prod" / "kd-cx-openai-prod" / "deployments.json"
    planted = json.loads(deployments.read_text())
    planted["value"][0]["tags"] = {"owner-team": team, "client-secret": secret}
    (outside / "deployments.json").write_text(json.dumps(planted))
    deployments.unlink()
    deployments.symlink_to(outside / "deployments.json")
    # an account directory and a whole subscription linked to directories outside
    health = root / prod / "rg-health-ai-prod" / "kd-health-aoai-prod"
    shutil.move(health, outside / "account")
    health.symlink_to(outside / "account", target_is_directory=True)
    other = "0f0f0f0f-1e1e-4d4d-8c8c-2b2b2b2b2b2b"
    shutil.copytree(root / sandbox, outside / "subscription")
    for path in (outside / "subscription").rglob("*.json"):
        path.write_text(path.read_text().replace(sandbox, other))
    (root / other).symlink_to(outside / "subscription", target_is_directory=True)

    result = extract_azure_openai(AzureBundleReader(root))
    text = json.dumps([r.to_row() for r in result.records], default=str)
    assert team not in text and secret not in text
    ids = " ".join(r.natural_key for r in result.records)
    assert "kd-health-aoai-prod" not in ids and other not in ids and "kd-cx-openai-prod" not in ids
    assert not [r for r in result.rejections if other in r.location and OUTSIDE not in r.reason]
    found = refused(result.rejections)
    expected = {
        "deployments.json": "deployments.json",
        "kd-health-aoai-prod": "account",
        other: "subscription",
    }
    assert set(found) == set(expected), found
    for name, target in expected.items():
        assert str((outside / target).resolve()) in found[name]
    assert len([r for r in result.rejections if OUTSIDE in r.reason]) == 3  # once per path
    assert not result.unreadable
