"""What a model (or cached dataset) is, from its files: classification, card, weights.

Classification (directories and cached models alike):

* ``embedding_model``: sentence-transformers layout (``modules.json`` /
  ``sentence_bert_config.json``), a card whose ``pipeline_tag`` is sentence-similarity /
  feature-extraction or whose tags include sentence-transformers, or a bare encoder
  architecture (``BertModel``, ``XLMRobertaModel``, ... — no task head, used for embeddings);
* ``fine_tuned_model``: a PEFT adapter; a card front matter ``base_model``; or a config
  ``_name_or_path`` naming another Hub repo than the model's own repo id. A directory's own
  repo id is known from its card ``model_name`` (when it is an ``org/name`` id) — otherwise a
  ``_name_or_path`` that is a Hub id is taken as the directory's own id (a local copy of that
  repo) *unless* the directory holds training artefacts (``training_args.bin``,
  ``trainer_state.json``, ...), in which case it names the base the directory was trained from;
* ``foundation_model`` otherwise; cached datasets are ``training_dataset``.

Posture per model: architectures, model_type, torch_dtype, card tags/datasets/license, adapter
settings, and every model file analysed by `model_files.scan_model_file` (format, size,
sha256, pickle imports with safe/unsafe/unknown verdicts, safetensors summary) plus the roll-up
``has_safetensors``, ``pickle_files``, ``unsafe_imports``, ``unknown_imports``,
``unsafe_files``. ``parameter_count`` is summed from safetensors headers (the shards an index
lists when there is one) and written in human form ("124M", "8.0B").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from aisec_assets.discovery.huggingface.run import ExtractionRun
from aisec_assets.discovery.huggingface.text_files import (
    BadFile,
    card_description,
    read_json_object,
    read_small_text,
    split_card,
    string_list,
)
from aisec_assets.discovery.model_files import MODEL_FILE_SUFFIXES, scan_model_file
from aisec_resources.records import Dependency

CONFIG_FILE = "config.json"
ADAPTER_CONFIG_FILE = "adapter_config.json"
MODEL_CARD_FILE = "README.md"
SAFETENSORS_INDEX_FILE = "model.safetensors.index.json"
SENTENCE_TRANSFORMERS_FILES = ("modules.json", "sentence_bert_config.json")
TRAINING_ARTEFACTS = (
    "training_args.bin",
    "trainer_state.json",
    "all_results.json",
    "train_results.json",
)
EMBEDDING_ARCHITECTURES = frozenset(
    {
        "BertModel",
        "RobertaModel",
        "XLMRobertaModel",
        "MPNetModel",
        "DistilBertModel",
        "NomicBertModel",
    }
)
EMBEDDING_PIPELINES = frozenset({"sentence-similarity", "feature-extraction"})

# A Hub repo id: `name` or `org/name` (no local paths, no `..`).
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")


def human_parameter_count(count: int) -> str:
    """``124M``, ``8.0B``, ``33.6K``: three significant figures at most, as model cards do."""
    for unit, size in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= size:
            value = count / size
            return f"{value:.0f}{unit}" if value >= 100 else f"{value:.1f}{unit}"
    return str(count)


def is_hub_repo_id(value: object) -> bool:
    return isinstance(value, str) and ".." not in value and bool(_REPO_ID.match(value))


@dataclass
class ModelFacts:
    asset_type: str
    model_name: str | None
    own_repo_id: str | None
    license_type: str | None
    parameter_count: str | None
    description: str | None
    posture: dict[str, Any]
    dependencies: list[Dependency]
    raw: dict[str, Any]


def load_json_file(
    run: ExtractionRun, files: Mapping[str, Path], name: str, posture: dict[str, Any]
) -> dict[str, Any] | None:
    path = files.get(name)
    if path is None:
        return None
    try:
        return read_json_object(path, run.max_file_bytes)
    except BadFile as bad:
        run.reject(path, f"{name}: {bad.reason}", name, bad.excerpt)
        posture.setdefault("file_errors", {})[name] = bad.reason
        return None


def read_card(
    run: ExtractionRun, files: Mapping[str, Path], posture: dict[str, Any]
) -> tuple[dict, str]:
    path = files.get(MODEL_CARD_FILE)
    if path is None:
        return {}, ""
    try:
        text = read_small_text(path, run.max_file_bytes)
    except BadFile as bad:
        posture.setdefault("file_errors", {})[MODEL_CARD_FILE] = bad.reason
        return {}, ""
    front, body = split_card(text)
    if front is None:
        return {}, body
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        reason = f"model card front matter is not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        run.reject(path, reason, "README.md front matter")
        posture.setdefault("file_errors", {})[MODEL_CARD_FILE] = reason
        return {}, body
    if meta is None:
        return {}, body
    if not isinstance(meta, dict):
        reason = f"model card front matter is a YAML {type(meta).__name__}, expected a mapping"
        run.reject(path, reason, "README.md front matter")
        posture.setdefault("file_errors", {})[MODEL_CARD_FILE] = reason
        return {}, body
    return meta, body


def card_license(card: Mapping[str, Any]) -> str | None:
    value = card.get("license")
    licenses = string_list(value)
    if not licenses:
        return None
    if licenses == ["other"] and isinstance(card.get("license_name"), str):
        return card["license_name"]
    return ", ".join(licenses)


def scan_files(
    run: ExtractionRun, entries: Iterable[tuple[str, Path, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Model files analysed statically; failures become Rejections naming the file."""
    scanned = []
    for rel, path, extra in entries:
        if PurePosixPath(rel).suffix.lower() not in MODEL_FILE_SUFFIXES:
            continue
        facts = scan_model_file(path, run.max_file_bytes)
        run.result.scanned += 1
        if facts.get("error"):
            run.reject(path, f"{facts['format']} analysis failed: {facts['error']}", rel)
        scanned.append({"file": rel, **extra, **facts})
    return scanned


def file_rollup(scanned: list[dict[str, Any]]) -> dict[str, Any]:
    """Posture roll-up of the per-file analyses."""

    def imports(kind: str) -> list[str]:
        return sorted({i for f in scanned for i in (f.get("pickle") or {}).get(kind, [])})

    return {
        "has_safetensors": any(f["format"] == "safetensors" for f in scanned),
        "pickle_files": sorted({f["file"] for f in scanned if "pickle" in f}),
        "unsafe_imports": imports("unsafe_imports"),
        "unknown_imports": imports("unknown_imports"),
        "unsafe_files": sorted(
            {f["file"] for f in scanned if (f.get("pickle") or {}).get("unsafe_imports")}
        ),
        "model_file_errors": sorted({f["file"] for f in scanned if f.get("error")}),
    }


# sentence-transformers module folders (`2_Dense/`) hold weights of the same model.
_MODULE_WEIGHTS = re.compile(r"^\d+_[^/]+/[^/]+$")


def _parameter_count(
    files: Mapping[str, Path], scanned: list[dict[str, Any]], index: dict | None
) -> tuple[int | None, list[str]]:
    """Parameters summed over the model's own safetensors headers, and index shards missing.

    Counted: the shards `model.safetensors.index.json` lists (when there is one, so a
    `consolidated.safetensors` duplicate is not counted twice) or else the top-level files,
    plus sentence-transformers module folders. Checkpoint sub-folders are other copies of the
    weights and are not added.
    """
    by_file = {f["file"]: f for f in scanned if "revision" not in f or f.get("primary")}
    modules = [f for name, f in by_file.items() if _MODULE_WEIGHTS.match(name)]
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    missing: list[str] = []
    if isinstance(weight_map, dict):
        shards = sorted({v for v in weight_map.values() if isinstance(v, str)})
        missing = [s for s in shards if s not in files]
        counted = [by_file[s] for s in shards if s in by_file] + modules
    else:
        counted = [f for name, f in by_file.items() if "/" not in name] + modules
    headers = [f["safetensors"] for f in counted if f.get("safetensors") and not f.get("error")]
    if not headers:
        return None, missing
    return sum(int(h["parameter_count"]) for h in headers), missing


def is_model_config(config: Mapping[str, Any]) -> bool:
    return bool(config.get("model_type") or config.get("architectures"))


def is_adapter_config(adapter: Mapping[str, Any]) -> bool:
    return bool(adapter.get("peft_type") or adapter.get("base_model_name_or_path"))


def describe_model(
    run: ExtractionRun,
    files: Mapping[str, Path],
    scan_entries: list[tuple[str, Path, dict[str, Any]]],
    configs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
    *,
    label: str,
    own_repo_id: str | None,
) -> ModelFacts:
    """Describe a model from its files (relative posix name -> path to read).

    `configs` is (config.json, adapter_config.json, posture so far) as already loaded by the
    caller; `label` is the record's resource id (for references).
    """
    config, adapter, posture = configs
    is_adapter = is_adapter_config(adapter)
    card, body = read_card(run, files, posture)
    architectures = string_list(config.get("architectures"))
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    tags = string_list(card.get("tags"))
    card_datasets = string_list(card.get("datasets"))
    pipeline_tag = card.get("pipeline_tag") if isinstance(card.get("pipeline_tag"), str) else None
    sentence_transformers = any(name in files for name in SENTENCE_TRANSFORMERS_FILES)

    card_model_name = card.get("model_name") if isinstance(card.get("model_name"), str) else None
    if own_repo_id is None and card_model_name and "/" in card_model_name:
        own_repo_id = card_model_name if is_hub_repo_id(card_model_name) else None
    has_training_artefacts = any(name in files for name in TRAINING_ARTEFACTS)

    card_base_models = [b for b in string_list(card.get("base_model")) if b]
    base_models = list(dict.fromkeys(card_base_models))
    adapter_base = adapter.get("base_model_name_or_path")
    if isinstance(adapter_base, str) and adapter_base and adapter_base not in base_models:
        base_models.append(adapter_base)
    name_or_path = config.get("_name_or_path")
    if is_hub_repo_id(name_or_path):
        if own_repo_id is not None:
            differs = name_or_path.lower() != own_repo_id.lower() and (
                name_or_path.rsplit("/", 1)[-1].lower() != own_repo_id.rsplit("/", 1)[-1].lower()
            )
        else:
            # Without a known own id: a declared base or training artefacts mean this is a
            # fine-tune, so `_name_or_path` is what it was trained from; else it is a copy.
            differs = bool(base_models) or has_training_artefacts
        if differs:
            if name_or_path not in base_models:
                base_models.append(name_or_path)
        elif own_repo_id is None:
            own_repo_id = name_or_path  # a local copy of that Hub repo
    elif isinstance(name_or_path, str) and name_or_path:
        posture["config_name_or_path"] = name_or_path  # a local path: no Hub identity

    is_embedding = (
        sentence_transformers
        or pipeline_tag in EMBEDDING_PIPELINES
        or "sentence-transformers" in tags
        or (bool(architectures) and set(architectures) <= EMBEDDING_ARCHITECTURES)
    )
    if is_embedding:
        asset_type = "embedding_model"
    elif is_adapter or base_models:
        asset_type = "fine_tuned_model"
    else:
        asset_type = "foundation_model"

    dependencies: list[Dependency] = []
    local_bases: list[str] = []
    for base in base_models:
        if is_hub_repo_id(base) and base != own_repo_id:
            dependencies.append(run.refer(base, "model", "fine_tuned_from", label))
        else:
            local_bases.append(base)
    for dataset in card_datasets:
        if is_hub_repo_id(dataset):
            dependencies.append(run.refer(dataset, "dataset", "trained_on", label))

    scanned = scan_files(run, scan_entries)
    index = load_json_file(run, files, SAFETENSORS_INDEX_FILE, posture)
    params, missing_shards = _parameter_count(files, scanned, index)

    posture.update(
        {
            "architectures": architectures,
            "model_type": model_type,
            "torch_dtype": config.get("torch_dtype") or config.get("dtype"),
            "transformers_version": config.get("transformers_version"),
            "sentence_transformers": sentence_transformers,
            "card": {
                "license": card.get("license"),
                "base_model": card_base_models,
                "tags": tags,
                "datasets": card_datasets,
                "pipeline_tag": pipeline_tag,
                "library_name": card.get("library_name")
                if isinstance(card.get("library_name"), str)
                else None,
            },
            "model_files": scanned,
            **file_rollup(scanned),
            "base_models": base_models,
            "parameter_count_exact": params,
            "training_artefacts": sorted(n for n in TRAINING_ARTEFACTS if n in files),
        }
    )
    if missing_shards:
        posture["missing_shards"] = missing_shards
    if local_bases:
        posture["base_model_local"] = local_bases
    if is_adapter:
        posture["adapter"] = {
            key: adapter.get(key)
            for key in (
                "peft_type",
                "task_type",
                "base_model_name_or_path",
                "r",
                "lora_alpha",
                "target_modules",
            )
        }
    raw: dict[str, Any] = {"config": config} if config else {}
    if adapter:
        raw["adapter_config"] = adapter
    if card:
        raw["card"] = {
            k: card[k]
            for k in ("license", "license_name", "base_model", "model_name", "tags", "datasets")
            if k in card and isinstance(card[k], str | list)
        }
    return ModelFacts(
        asset_type=asset_type,
        model_name=card_model_name or own_repo_id,
        own_repo_id=own_repo_id,
        license_type=card_license(card),
        parameter_count=human_parameter_count(params) if params is not None else None,
        description=card_description(body),
        posture=posture,
        dependencies=dependencies,
        raw=raw,
    )
