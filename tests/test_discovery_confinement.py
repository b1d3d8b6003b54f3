"""A scan never leaves its root — a file or directory that resolves outside the configured
location (through any symlink) is refused with a Rejection and never read — and a file never
expands past its size (a YAML alias bomb in the registry is refused before it grows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisec_assets.discovery.huggingface import extract_huggingface
from aisec_assets.discovery.registry import parse_registry
from aisec_resources.config import NamedPath
from aisec_resources.records import SourceUnavailable

PRIVATE_KEY = "-----BEGIN PRIVATE KEY----- not-a-real-key"


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
