"""Hugging Face discovery on the demo estate and on bad input (no network, nothing unpickled)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import socket
import struct
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from huggingface_hub import scan_cache_dir

from aisec_assets.discovery.huggingface import cache as hf_cache
from aisec_assets.discovery.huggingface import extract_huggingface, human_parameter_count
from aisec_assets.discovery.huggingface import model_dirs as hf_model_dirs
from aisec_jobs.demo_estate import demo_config
from aisec_jobs.demo_estate import huggingface as demo
from aisec_jobs.demo_estate.company import TEAMS
from aisec_resources.config import NamedPath
from aisec_resources.records import ASSET_TYPES, RELATIONS, SourceResult, SourceUnavailable

AS_OF = date(2026, 11, 28)
DIRS = demo.MODEL_DIRS_LOCATION
CACHE = demo.CACHE_LOCATION
ROUTER = f"hf-dir://{DIRS}/customer-experience/support-intent-router"
FRAUD = f"hf-dir://{DIRS}/risk-analytics/fraud-txn-classifier"
CLINICAL = f"hf-dir://{DIRS}/clinical-ai/clinical-notes-summarizer"
LLAMA = f"hf-dir://{DIRS}/ml-platform/Llama-3.1-8B-Instruct"
LORA = f"hf-dir://{DIRS}/research-lab/llama31-contract-clauses-lora"
BGE = f"hf-dir://{DIRS}/ml-platform/bge-small-en-v1.5"
MISTRAL = f"hf-cache://{CACHE}/model/mistralai/Mistral-7B-Instruct-v0.3"
POSIX_SYSTEM = b"\x80\x02cposix\nsystem\nX\t\x00\x00\x00echo demo\x85R."


def locations(name: str, *paths: Path) -> list[NamedPath]:
    return [NamedPath(name=f"{name}{i}" if i else name, path=p) for i, p in enumerate(paths)]


def extract(
    model_dirs: list[NamedPath] | None = None,
    cache_dirs: list[NamedPath] | None = None,
    max_file_bytes: int = 1 << 20,
    max_depth: int = 12,
) -> SourceResult:
    return extract_huggingface(model_dirs or [], cache_dirs or [], max_file_bytes, max_depth)


def by_id(result: SourceResult) -> dict[str, object]:
    return {r.resource_id: r for r in result.records}


def reasons_at(result: SourceResult, location: Path | str) -> list[str]:
    return [r.reason for r in result.rejections if r.location == str(location)]


# ------------------------------------------------------------------------------ demo estate


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], list[dict]]:
    root = tmp_path_factory.mktemp("estate")
    dir_entries = demo.write_model_dirs(root / "models", AS_OF, random.Random("dirs"))
    cache_entries = demo.write_hf_cache(root / "hub", AS_OF, random.Random("cache"))
    return root, dir_entries, cache_entries


@pytest.fixture(scope="module")
def demo_result(estate: tuple[Path, list[dict], list[dict]]) -> SourceResult:
    root = estate[0]
    return extract(
        [NamedPath(name=DIRS, path=root / "models")],
        [NamedPath(name=CACHE, path=root / "hub")],
        max_file_bytes=64 << 20,
    )


def test_demo_counts_by_type(demo_result: SourceResult) -> None:
    kinds = Counter((r.resource_id.split("://")[0], r.asset_type) for r in demo_result.records)
    assert kinds == {
        ("hf-dir", "fine_tuned_model"): 4,
        ("hf-dir", "foundation_model"): 1,
        ("hf-dir", "embedding_model"): 1,
        ("hf-cache", "embedding_model"): 1,
        ("hf-cache", "foundation_model"): 2,
        ("hf-cache", "training_dataset"): 1,
        ("https", "foundation_model"): 4,  # base models the fine-tunes reference
        ("https", "training_dataset"): 1,
    }
    assert demo_result.rejections == []
    assert all(
        r.source == "huggingface" and r.asset_type in ASSET_TYPES for r in demo_result.records
    )
    rows = [r.to_row() for r in demo_result.records]  # JSON-able as the warehouse stores them
    assert all(json.loads(row["posture"]) is not None for row in rows)


def test_unsafe_model_dir_is_flagged_and_benign_pickles_are_clean(
    demo_result: SourceResult,
) -> None:
    records = by_id(demo_result)
    router = records[ROUTER]
    assert router.posture["unsafe_imports"] == ["posix.system"]
    assert router.posture["unsafe_files"] == ["pytorch_model.bin"]
    assert router.posture["has_safetensors"] is False
    (bin_file,) = router.posture["model_files"]
    assert bin_file["format"] == "torch_zip" and bin_file["pickle"]["verdict"] == "unsafe"
    flagged = [r.resource_id for r in demo_result.records if r.posture.get("unsafe_imports")]
    assert flagged == [ROUTER]

    fraud_files = {f["file"]: f for f in records[FRAUD].posture["model_files"]}
    args = fraud_files["training_args.bin"]["pickle"]
    assert args["verdict"] == "clean" and args["imports"] == {"collections.OrderedDict": "safe"}
    assert records[FRAUD].posture["pickle_files"] == ["training_args.bin"]
    legacy = {f["file"]: f for f in records[CLINICAL].posture["model_files"]}["pytorch_model.bin"]
    assert legacy["format"] == "legacy_torch"
    assert legacy["pickle"]["pickles"] == 5 and legacy["pickle"]["verdict"] == "clean"


def test_parameter_counts_come_from_safetensors_headers(demo_result: SourceResult) -> None:
    records = by_id(demo_result)
    expected = {
        FRAUD: (32 * 16 + 16 * 16 + 2 * 16 + 2, "802"),
        LLAMA: (64 * 32 + 32 * 32 + 2 * 8 * 32 + 32 * 64 + 32 + 64 * 32, "7.7K"),  # 2 shards
        LORA: (4 * 32 + 32 * 4 + 4 * 32 + 8 * 4, "416"),
        BGE: (48 * 12 + 12 * 12 + 12 * 12, "864"),
        MISTRAL: (64 * 32 + 32 * 32 + 64 * 32, "5.1K"),
    }
    for rid, (exact, human) in expected.items():
        assert records[rid].posture["parameter_count_exact"] == exact, rid
        assert records[rid].parameter_count == human, rid
    assert records[ROUTER].parameter_count is None  # pickle weights: shapes are not read


@pytest.mark.parametrize(
    ("count", "human"),
    [
        (124_439_808, "124M"),
        (8_030_261_248, "8.0B"),
        (22_713_216, "22.7M"),
        (999, "999"),
        (1_000, "1.0K"),
        (33_360_000, "33.4M"),
        (1_200_000_000_000, "1.2T"),
    ],
)
def test_human_parameter_count(count: int, human: str) -> None:
    assert human_parameter_count(count) == human


def test_fine_tune_edges_and_their_targets(demo_result: SourceResult) -> None:
    records = by_id(demo_result)
    edges = {
        rid: sorted((d.relation, d.resource_id) for d in r.dependencies)
        for rid, r in records.items()
        if r.dependencies
    }
    assert edges == {
        FRAUD: [("fine_tuned_from", "https://huggingface.co/google-bert/bert-base-uncased")],
        CLINICAL: [
            ("fine_tuned_from", "https://huggingface.co/google/flan-t5-base"),
            ("trained_on", "https://huggingface.co/datasets/kestrel-health/deid-discharge-notes"),
        ],
        LORA: [("fine_tuned_from", "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct")],
        ROUTER: [("fine_tuned_from", "https://huggingface.co/distilbert/distilbert-base-uncased")],
    }
    for deps in edges.values():
        for relation, target in deps:
            assert relation in RELATIONS
            ref = records[target]  # every edge has a target record
            assert ref.posture["reference_only"] is True and ref.source_url == target
    base = records["https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"]
    assert base.asset_type == "foundation_model" and base.model_provider == "huggingface"
    assert base.posture["referenced_by"] == [LORA]


def test_model_directory_facts(demo_result: SourceResult) -> None:
    records = by_id(demo_result)
    llama = records[LLAMA]
    assert llama.asset_type == "foundation_model"  # a local copy: no training artefacts
    assert llama.source_url == "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"
    assert llama.model_name == "meta-llama/Llama-3.1-8B-Instruct"
    assert llama.license_type == "llama3.1" and llama.is_self_hosted is True
    assert llama.posture["architectures"] == ["LlamaForCausalLM"]
    assert llama.posture["torch_dtype"] == "bfloat16" and "missing_shards" not in llama.posture
    bge = records[BGE]
    assert bge.asset_type == "embedding_model" and bge.posture["sentence_transformers"] is True
    assert bge.license_type == "mit" and "1_Pooling/config.json" not in {
        f["file"] for f in bge.posture["model_files"]
    }
    fraud = records[FRAUD]
    assert fraud.source_url is None and fraud.model_name == "fraud-txn-classifier"
    assert fraud.posture["training_artefacts"] == ["trainer_state.json", "training_args.bin"]
    assert records[LORA].posture["adapter"]["r"] == 16
    assert records[CLINICAL].posture["card"]["datasets"] == ["kestrel-health/deid-discharge-notes"]
    assert records[ROUTER].license_type is None
    assert fraud.name == "fraud-txn-classifier" and fraud.model_provider == "huggingface"
    sha = {f["file"]: f["sha256"] for f in fraud.posture["model_files"]}
    assert all(len(v) == 64 for v in sha.values())


def test_cache_records_follow_scan_cache_dir(
    estate: tuple[Path, list[dict], list[dict]], demo_result: SourceResult
) -> None:
    info = scan_cache_dir(estate[0] / "hub")
    assert info.warnings == []
    records = by_id(demo_result)
    for repo in info.repos:
        record = records[f"hf-cache://{CACHE}/{repo.repo_type}/{repo.repo_id}"]
        assert record.posture["nb_files"] == repo.nb_files
        assert record.posture["size_on_disk"] == repo.size_on_disk
        assert record.posture["refs"] == {ref: rev.commit_hash for ref, rev in repo.refs.items()}
        prefix = "datasets" if repo.repo_type == "dataset" else ""
        assert record.source_url == "/".join(
            p for p in ("https://huggingface.co", prefix, repo.repo_id) if p
        )
    mistral = records[MISTRAL]
    main = mistral.posture["refs"]["main"]
    assert mistral.model_version == main == mistral.posture["snapshot_revision"]
    revisions = mistral.posture["revisions"]
    assert len(revisions) == 2 and revisions[0]["refs"] == ["main"] and revisions[1]["refs"] == []
    downloaded = datetime.combine(AS_OF - timedelta(days=33), time(14, 5), tzinfo=UTC)
    assert mistral.posture["last_modified"] == downloaded.isoformat()
    dataset = records[f"hf-cache://{CACHE}/dataset/kestrel-dynamics/support-tickets-redacted"]
    assert dataset.license_type == "kestrel-internal" and dataset.model_provider is None
    minilm = records[f"hf-cache://{CACHE}/model/sentence-transformers/all-MiniLM-L6-v2"]
    assert minilm.asset_type == "embedding_model" and minilm.dependencies == []


def test_declared_entries_link_to_discovered_assets(
    estate: tuple[Path, list[dict], list[dict]], demo_result: SourceResult
) -> None:
    _, dir_entries, cache_entries = estate
    entries = dir_entries + cache_entries
    discovered = by_id(demo_result)
    assert len({e["name"] for e in entries}) == len(entries)
    for entry in entries:
        assert entry["resource_id"] in discovered, entry["name"]
        assert entry["asset_type"] == discovered[entry["resource_id"]].asset_type
        assert TEAMS[entry["owner_team"]].email == entry["owner_email"]
    declared = {e["resource_id"] for e in entries}
    assert ROUTER not in declared  # shadow AI: the poisoned router was never declared
    hf_config = demo_config(date(2026, 11, 23))["sources"]["huggingface"]
    assert hf_config["model_dirs"][0]["name"] == DIRS
    assert hf_config["cache_dirs"][0]["name"] == CACHE


def tree_snapshot(root: Path) -> dict[str, tuple]:
    snapshot: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                snapshot[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                snapshot[rel] = ("dir",)
            else:
                snapshot[rel] = ("file", path.read_bytes(), path.stat().st_mtime)
    return snapshot


def test_generation_is_deterministic(tmp_path: Path) -> None:
    snapshots, entries = [], []
    for name in ("one", "two"):
        root = tmp_path / name
        got = demo.write_model_dirs(root / "models", AS_OF, random.Random("seed-dirs"))
        got += demo.write_hf_cache(root / "hub", AS_OF, random.Random("seed-cache"))
        entries.append(got)
        snapshot = tree_snapshot(root)
        # File times matter only for the cache (scan_cache_dir reports them).
        snapshots.append({k: v if k.startswith("hub/") else v[:2] for k, v in snapshot.items()})
    assert snapshots[0] == snapshots[1] and entries[0] == entries[1]
    links = {k: v[1] for k, v in snapshots[0].items() if v[0] == "link"}
    assert links and all(t.startswith("../../") and "/blobs/" in t for t in links.values())
    # A different generator seed gives different tensor bytes (the rng is really used).
    demo.write_model_dirs(tmp_path / "three", AS_OF, random.Random("other-seed"))
    weights = "risk-analytics/fraud-txn-classifier/model.safetensors"
    assert (tmp_path / "three" / weights).read_bytes() != snapshots[0][f"models/{weights}"][1]


def test_cache_blob_names_follow_the_hub(estate: tuple[Path, list[dict], list[dict]]) -> None:
    info = scan_cache_dir(estate[0] / "hub")
    for repo in info.repos:
        for revision in repo.revisions:
            for f in revision.files:
                data = f.blob_path.read_bytes()
                if f.file_name.endswith((".safetensors", ".bin")):
                    assert f.blob_path.name == hashlib.sha256(data).hexdigest()
                else:
                    git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                    assert f.blob_path.name == git


def test_extraction_never_touches_the_network(
    monkeypatch: pytest.MonkeyPatch, estate: tuple[Path, list[dict], list[dict]]
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("network access during discovery")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = extract(
        [NamedPath(name=DIRS, path=estate[0] / "models")],
        [NamedPath(name=CACHE, path=estate[0] / "hub")],
    )
    assert len(result.records) == 15


# ------------------------------------------------------------------------------ bad input


def tiny_safetensors(shape: tuple[int, int] = (2, 3), pad_to: int = 0) -> bytes:
    n = shape[0] * shape[1] * 4
    header = {"w": {"dtype": "F32", "shape": list(shape), "data_offsets": [0, n]}}
    if pad_to:
        header["__metadata__"] = {"pad": "x" * pad_to}
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\x00" * n


def write_model(
    path: Path,
    config: object | bytes | None = None,
    safetensors: bytes | None = None,
    files: dict[str, bytes] | None = None,
) -> Path:
    """A model directory: config.json, model.safetensors and any extra files."""
    path.mkdir(parents=True, exist_ok=True)
    if config is None:
        config = {"model_type": "bert", "architectures": ["BertForMaskedLM"]}
    raw = config if isinstance(config, bytes) else json.dumps(config).encode()
    (path / "config.json").write_bytes(raw)
    (path / "model.safetensors").write_bytes(safetensors or tiny_safetensors())
    for name, data in (files or {}).items():
        (path / name).write_bytes(data)
    return path


def test_bad_config_files_are_rejected_and_the_rest_extracted(tmp_path: Path) -> None:
    root = tmp_path / "models"
    write_model(root / "good")
    write_model(root / "malformed", b'{"model_type": "bert",\n  "architectures": [oops]}')
    write_model(root / "binary", b"\x00\xff\xfe\x81binary\x00")
    write_model(root / "array", [1, 2, 3])
    write_model(root / "huge", {"model_type": "bert", "blob": "x" * 5000})
    write_model(root / "not-a-model", {"foo": 1})  # some other tool's config.json
    result = extract(locations("vol", root), max_file_bytes=4096)
    assert sorted(by_id(result)) == ["hf-dir://vol/good"]
    expected = {
        "malformed": "invalid JSON at line 2, column 21: Expecting value",
        "binary": "not UTF-8 text",
        "array": "expected a JSON object, got a JSON list",
        "huge": "above max_file_bytes (4096)",
    }
    for name, reason in expected.items():
        (rejection,) = [
            r for r in result.rejections if r.location == str(root / name / "config.json")
        ]
        assert reason in rejection.reason and rejection.field == "config.json", rejection
        assert rejection.source == "huggingface"
    malformed = next(r for r in result.rejections if "malformed" in r.location)
    assert "oops" in malformed.excerpt
    assert len(result.rejections) == len(expected)


def test_huge_model_file_keeps_its_record_with_the_digest_skipped(tmp_path: Path) -> None:
    root = tmp_path / "models"
    big = tiny_safetensors((64, 32))  # 8 KiB of tensor data
    write_model(root / "big", safetensors=big)
    result = extract(locations("vol", root), max_file_bytes=4096)
    (record,) = result.records
    (facts,) = record.posture["model_files"]
    assert facts["sha256"] is None
    assert facts["sha256_skipped"] == f"file is {len(big)} bytes, above the cap of 4096"
    assert record.posture["parameter_count_exact"] == 64 * 32  # the header is still read
    assert result.rejections == []


def test_parameter_count_skips_checkpoint_copies_and_reports_missing_shards(
    tmp_path: Path,
) -> None:
    root = tmp_path / "models"
    model = write_model(root / "st", files={"modules.json": b"[]"})
    for sub, shape in (("2_Dense", (4, 4)), ("checkpoint-500", (2, 3))):
        (model / sub).mkdir()
        (model / sub / "model.safetensors").write_bytes(tiny_safetensors(shape))
    sharded = write_model(root / "sharded")
    (sharded / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"a": "model.safetensors", "b": "model-00002.safetensors"}})
    )
    records = by_id(extract(locations("vol", root)))
    st = records["hf-dir://vol/st"]
    assert st.posture["parameter_count_exact"] == 2 * 3 + 4 * 4  # top level + 2_Dense only
    assert {f["file"] for f in st.posture["model_files"]} == {
        "model.safetensors",
        "2_Dense/model.safetensors",
        "checkpoint-500/model.safetensors",  # still scanned, just not counted twice
    }
    assert records["hf-dir://vol/sharded"].posture["missing_shards"] == ["model-00002.safetensors"]


def test_truncated_safetensors_header_is_a_posture_error_and_a_rejection(tmp_path: Path) -> None:
    root = tmp_path / "models"
    truncated = struct.pack("<Q", 4096) + b'{"w": {"dtype": "F32"'
    write_model(root / "broken", safetensors=truncated)
    write_model(root / "fine")
    result = extract(locations("vol", root))
    records = by_id(result)
    broken = records["hf-dir://vol/broken"]
    assert broken.posture["model_file_errors"] == ["model.safetensors"]
    assert broken.parameter_count is None
    (reason,) = reasons_at(result, root / "broken" / "model.safetensors")
    assert "larger than the file" in reason
    assert records["hf-dir://vol/fine"].parameter_count == "6"


def test_symlink_loops_are_reported_and_never_followed(tmp_path: Path) -> None:
    root = tmp_path / "models"
    write_model(root / "team" / "model-a")
    (root / "team" / "nested").mkdir()
    (root / "team" / "nested" / "up").symlink_to("../..")  # back to the root
    (root / "team" / "self").symlink_to("self")  # resolves to itself (ELOOP)
    (root / "alias").symlink_to("team")  # the same directory again, not a loop
    write_model(root / "team" / "model-b")
    (root / "team" / "model-b" / "sub").mkdir()
    (root / "team" / "model-b" / "sub" / "back").symlink_to("..")  # loop inside a model dir
    (root / "team" / "model-b" / "sub" / "w.safetensors").write_bytes(tiny_safetensors())
    (root / "team" / "model-b" / "latest").symlink_to("sub")  # same folder: listed once
    result = extract(locations("vol", root))
    assert sorted(by_id(result)) == ["hf-dir://vol/team/model-a", "hf-dir://vol/team/model-b"]
    assert "symlink loop" in reasons_at(result, root / "team" / "nested" / "up")[0]
    assert "symlink loop" in reasons_at(result, root / "team" / "self")[0]
    assert "symlink loop" in reasons_at(result, root / "team" / "model-b" / "sub" / "back")[0]
    assert reasons_at(result, root / "alias") == []  # scanned once, under team/
    model_b = by_id(result)["hf-dir://vol/team/model-b"]
    assert [f["file"] for f in model_b.posture["model_files"]] == [
        "model.safetensors",
        "sub/w.safetensors",
    ]
    assert len(result.rejections) == 3


def test_unreadable_directory_is_rejected_and_the_rest_extracted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = tmp_path / "models"
    write_model(root / "locked" / "secret-model")
    write_model(root / "open" / "model")
    real_list_dir = hf_model_dirs._list_dir

    def list_dir(path: Path) -> list[os.DirEntry[str]]:
        if Path(path) == root / "locked":  # tests run as root, so chmod would not stop us
            raise PermissionError(13, "Permission denied", str(path))
        return real_list_dir(path)

    monkeypatch.setattr(hf_model_dirs, "_list_dir", list_dir)
    result = extract(locations("vol", root))
    assert sorted(by_id(result)) == ["hf-dir://vol/open/model"]
    assert reasons_at(result, root / "locked") == ["cannot list directory: Permission denied"]


def test_directories_deeper_than_max_depth_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "models"
    write_model(root / "a" / "shallow")
    write_model(root / "a" / "b" / "c" / "deep")
    result = extract(locations("vol", root), max_depth=2)
    assert sorted(by_id(result)) == ["hf-dir://vol/a/shallow"]
    assert reasons_at(result, root / "a" / "b" / "c") == ["not scanned: deeper than max_depth (2)"]


def test_bad_model_card_front_matter_keeps_the_record(tmp_path: Path) -> None:
    root = tmp_path / "models"
    write_model(root / "m", files={"README.md": b"---\nlicense: [apache-2.0\n---\n\nA model.\n"})
    result = extract(locations("vol", root))
    (record,) = result.records
    assert record.license_type is None and record.description == "A model."
    (rejection,) = result.rejections
    assert rejection.location == str(root / "m" / "README.md")
    assert rejection.field == "README.md front matter" and "not valid YAML" in rejection.reason


def test_root_that_is_itself_a_model_directory(tmp_path: Path) -> None:
    root = write_model(tmp_path / "single")
    (record,) = extract(locations("solo", root)).records
    assert record.resource_id == "hf-dir://solo" and record.name == "single"


def test_pickle_error_in_a_model_dir_is_rejected(tmp_path: Path) -> None:
    root = tmp_path / "models"
    write_model(root / "m", files={"pytorch_model.bin": POSIX_SYSTEM[:-3]})
    result = extract(locations("vol", root))
    record = result.records[0]
    assert record.posture["unsafe_imports"] == ["posix.system"]  # found before the truncation
    (reason,) = reasons_at(result, root / "m" / "pytorch_model.bin")
    assert reason.startswith("pickle analysis failed: invalid pickle")


def test_missing_locations_are_rejected_while_others_are_read(tmp_path: Path) -> None:
    good = tmp_path / "models"
    write_model(good / "m")
    missing_dir, missing_cache = tmp_path / "nope", tmp_path / "no-cache"
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a directory")
    result = extract(
        [
            NamedPath(name="gone", path=missing_dir),
            NamedPath(name="vol", path=good),
            NamedPath(name="file", path=a_file),
        ],
        [NamedPath(name="cache", path=missing_cache)],
    )
    assert sorted(by_id(result)) == ["hf-dir://vol/m"]
    assert reasons_at(result, missing_dir) == ["model directory location 'gone' does not exist"]
    assert reasons_at(result, a_file) == ["model directory location 'file' is not a directory"]
    assert reasons_at(result, missing_cache) == ["HF cache location 'cache' does not exist"]


def test_all_locations_unreadable_raise_source_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable) as err:
        extract(locations("d", tmp_path / "x"), locations("c", tmp_path / "y"))
    assert str(tmp_path / "x") in str(err.value) and str(tmp_path / "y") in str(err.value)
    assert extract([], []).records == []  # nothing configured is not an outage


def test_unreadable_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def denied(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(hf_cache, "scan_cache_dir", denied)
    cache = tmp_path / "hub"
    cache.mkdir()
    with pytest.raises(SourceUnavailable, match="cannot be read: Permission denied"):
        extract(cache_dirs=locations("c", cache))
    write_model(tmp_path / "models" / "m")
    result = extract(locations("vol", tmp_path / "models"), locations("c", cache))
    assert len(result.records) == 1
    assert reasons_at(result, cache) == ["HF cache location 'c' cannot be read: Permission denied"]


def cache_repo(
    hub: Path, folder: str, revisions: dict[str, dict[str, bytes]], main: str | None = None
) -> Path:
    """A cached repo in the hub's layout (blobs named by SHA-256 here; the scanner ignores it)."""
    repo = hub / folder
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    for commit, files in revisions.items():
        for rel, data in files.items():
            blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
            blob.write_bytes(data)
            link = repo / "snapshots" / commit / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(blob, link.parent))
    if main:
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(main)
    return repo


def test_corrupted_cache_entries_are_rejected_and_the_rest_extracted(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    demo.write_hf_cache(hub, AS_OF, random.Random("cache"))
    (hub / "models--acme--no-snapshots" / "blobs").mkdir(parents=True)
    (hub / "stray-folder").mkdir()
    dangling = cache_repo(
        hub, "models--acme--dangling", {"a" * 40: {"config.json": b"{}"}}, "a" * 40
    )
    next((dangling / "blobs").iterdir()).unlink()  # the snapshot link now points nowhere
    space = cache_repo(
        hub, "spaces--acme--demo-app", {"b" * 40: {"app.py": b"print(1)\n"}}, "b" * 40
    )
    result = extract(cache_dirs=locations("c", hub))
    assert len(result.records) == 4  # the demo's four cached repos
    assert (
        "Snapshots dir doesn't exist" in reasons_at(result, hub / "models--acme--no-snapshots")[0]
    )
    assert "not a valid HuggingFace cache directory" in reasons_at(result, hub / "stray-folder")[0]
    assert "broken symlink" in reasons_at(result, dangling)[0]
    (space_reason,) = reasons_at(result, space)
    assert "cached space repo 'acme/demo-app' is not inventoried" in space_reason
    assert len(result.rejections) == 4


def test_cached_repo_with_bad_config_and_poisoned_old_revision(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    old, new = "1" * 40, "2" * 40
    cache_repo(
        hub,
        "models--acme--tiny-llm",
        {
            old: {"config.json": b'{"model_type": "llama"}', "pytorch_model.bin": POSIX_SYSTEM},
            new: {"config.json": b"{not json", "model.safetensors": tiny_safetensors()},
        },
        main=new,
    )
    result = extract(cache_dirs=locations("c", hub))
    (record,) = result.records
    assert record.resource_id == "hf-cache://c/model/acme/tiny-llm"
    assert record.asset_type == "foundation_model" and record.model_version == new
    assert record.posture["unsafe_imports"] == ["posix.system"]  # the detached revision
    poisoned = next(f for f in record.posture["model_files"] if f["file"] == "pytorch_model.bin")
    assert poisoned["revision"] == old
    (rejection,) = result.rejections
    assert rejection.location == str(
        hub / "models--acme--tiny-llm" / "snapshots" / new / "config.json"
    )
    assert "invalid JSON" in rejection.reason
    assert record.posture["file_errors"]["config.json"].startswith("invalid JSON")
