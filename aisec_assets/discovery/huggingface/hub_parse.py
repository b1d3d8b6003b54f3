"""The one parser of Hub API JSON: a `/api/models/<id>` or `/api/datasets/<id>` object in,
a `DiscoveredAsset` out. Live reads and offline bundles hand it the same raw dict, so they
produce the same records.

Vocabulary is the one `facts` uses for models found on disk:

* models are ``embedding_model`` (pipeline tag sentence-similarity / feature-extraction, a
  sentence-transformers tag or library), else ``fine_tuned_model`` when the card names a
  ``base_model`` (each a ``fine_tuned_from`` edge to that Hub repo), else
  ``foundation_model``; datasets are ``training_dataset``; card ``datasets`` become
  ``trained_on`` edges;
* ``license_type`` from the card (``license_name`` when the license is ``other``), else the
  ``license:`` tag; ``parameter_count`` from the safetensors (else GGUF) total, in human form;
* posture ``model_files`` lists weight files by extension from ``siblings`` — nothing is ever
  downloaded or deserialized, so ``pickle_files`` (``.bin``, ``.pt``, ``.pkl``, ...) are flagged
  as present and ``pickle_files_analysed`` is False.

A field of the wrong type is treated as absent; only a response that is not an object, or
whose ``id`` is missing or names another repo, is refused (`HubParseError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from aisec_assets.discovery.huggingface.facts import (
    EMBEDDING_PIPELINES,
    card_license,
    human_parameter_count,
    is_hub_repo_id,
)
from aisec_assets.discovery.huggingface.run import SOURCE
from aisec_assets.discovery.huggingface.text_files import string_list
from aisec_assets.discovery.model_files import MODEL_FILE_SUFFIXES, PICKLE_SUFFIXES
from aisec_resources.records import Dependency, DiscoveredAsset

REPO_TYPES = ("model", "dataset")
MAX_LISTED_FILES = 500  # model files listed in posture; the count is always exact
MAX_DESCRIPTION_CHARS = 500
_FORMATS = {
    ".safetensors": "safetensors",
    ".gguf": "gguf",
    ".onnx": "onnx",
    ".h5": "keras_h5",
    ".keras": "keras",
    ".msgpack": "flax_msgpack",
    ".tflite": "tflite",
    ".npy": "numpy",
    ".npz": "numpy",
}


class HubParseError(Exception):
    """The API answer cannot describe the repo it was asked about."""


def repo_url(endpoint: str, repo_type: str, repo_id: str) -> str:
    """The repo's resource id and URL: endpoint + type + id (as the Hub's web pages are)."""
    base = endpoint.rstrip("/")
    return f"{base}/datasets/{repo_id}" if repo_type == "dataset" else f"{base}/{repo_id}"


def endpoint_host(endpoint: str) -> str:
    return urlsplit(endpoint).netloc


@dataclass
class ParsedRepo:
    record: DiscoveredAsset
    # (repo_type, repo_id, relation) of every Hub repo the record has an edge to.
    references: list[tuple[str, str, str]] = field(default_factory=list)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _file_names(info: dict[str, Any]) -> list[str]:
    siblings = info.get("siblings")
    if not isinstance(siblings, list):
        return []
    names = {_str(_dict(s).get("rfilename")) for s in siblings}
    return sorted(n for n in names if n)


def _model_files(names: list[str]) -> list[dict[str, Any]]:
    files = []
    for name in names:
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in MODEL_FILE_SUFFIXES:
            continue
        fmt = "pickle" if suffix in PICKLE_SUFFIXES else _FORMATS.get(suffix, suffix[1:])
        files.append({"file": name, "format": fmt, "analysed": False})
    return files


def _license(card: dict[str, Any], tags: list[str]) -> str | None:
    from_card = card_license(card)
    if from_card:
        return from_card
    from_tags = [t.removeprefix("license:") for t in tags if t.startswith("license:")]
    return ", ".join(from_tags) or None


def _gated(value: Any) -> bool | str | None:
    """`false`, or how access is granted (`auto` / `manual`)."""
    return value if isinstance(value, bool | str) else None


def parse_repo(
    info: Any, *, repo_type: str, repo_id: str, endpoint: str, organization: str
) -> ParsedRepo:
    """One Hub repo (the raw JSON of its info call) as a record; `HubParseError` if unusable."""
    if not isinstance(info, dict):
        raise HubParseError(f"expected a JSON object, got a JSON {type(info).__name__}")
    answered = info.get("id")
    if not isinstance(answered, str) or answered.lower() != repo_id.lower():
        got = "no id" if not isinstance(answered, str) else f"id {answered[:100]!r}"
        raise HubParseError(f"answer for {repo_id!r} has {got}")
    url = repo_url(endpoint, repo_type, repo_id)
    card = _dict(info.get("cardData"))
    tags = string_list(info.get("tags"))
    card_tags = string_list(card.get("tags"))
    names = _file_names(info)
    model_files = _model_files(names)
    pickle_files = [f["file"] for f in model_files if f["format"] == "pickle"]
    hub = {
        "endpoint_host": endpoint_host(endpoint),
        "organization": organization,
        "repo_type": repo_type,
        "repo_id": repo_id,
        "private": _bool(info.get("private")),
        "gated": _gated(info.get("gated")),
        "disabled": _bool(info.get("disabled")),
        "sha": _str(info.get("sha")),
        "last_modified": _str(info.get("lastModified")),
        "created_at": _str(info.get("createdAt")),
        "downloads": _int(info.get("downloads")),
        "likes": _int(info.get("likes")),
        "tags": tags,
        "nb_files": len(names),
    }
    posture: dict[str, Any] = {
        "hub": hub,
        "model_files": model_files[:MAX_LISTED_FILES],
        "has_safetensors": any(f["format"] == "safetensors" for f in model_files),
        "pickle_files": pickle_files[:MAX_LISTED_FILES],
        "pickle_files_analysed": False,
    }
    if len(model_files) > MAX_LISTED_FILES:
        posture["model_files_total"] = len(model_files)
    card_datasets = [d for d in string_list(card.get("datasets")) if d]
    references: list[tuple[str, str, str]] = []
    dependencies: list[Dependency] = []
    for dataset in card_datasets:
        if is_hub_repo_id(dataset) and not (repo_type == "dataset" and dataset == repo_id):
            references.append(("dataset", dataset, "trained_on"))
            dependencies.append(Dependency(repo_url(endpoint, "dataset", dataset), "trained_on"))

    if repo_type == "dataset":
        posture["card"] = {
            "license": card.get("license"),
            "tags": card_tags,
            "task_categories": string_list(card.get("task_categories")),
        }
        description = _str(info.get("description"))
        record = DiscoveredAsset(
            source=SOURCE,
            resource_id=url,
            name=repo_id,
            asset_type="training_dataset",
            description=description[:MAX_DESCRIPTION_CHARS] if description else None,
            source_url=url,
            license_type=_license(card, tags),
            posture=posture,
            dependencies=dependencies,
            raw=_raw(info, card),
        )
        return ParsedRepo(record, references)

    pipeline_tag = _str(info.get("pipeline_tag")) or _str(card.get("pipeline_tag"))
    library_name = _str(info.get("library_name")) or _str(card.get("library_name"))
    card_bases = [b for b in string_list(card.get("base_model")) if b]
    base_models = list(dict.fromkeys(card_bases))
    hub_bases = [b for b in base_models if is_hub_repo_id(b) and b.lower() != repo_id.lower()]
    local_bases = [b for b in base_models if not is_hub_repo_id(b)]
    for base in hub_bases:
        references.append(("model", base, "fine_tuned_from"))
        dependencies.append(Dependency(repo_url(endpoint, "model", base), "fine_tuned_from"))
    safetensors = _dict(info.get("safetensors"))
    total = _int(safetensors.get("total")) or _int(_dict(info.get("gguf")).get("total"))
    parameters = _dict(safetensors.get("parameters"))
    is_embedding = (
        pipeline_tag in EMBEDDING_PIPELINES
        or "sentence-transformers" in tags
        or "sentence-transformers" in card_tags
        or library_name == "sentence-transformers"
    )
    if is_embedding:
        asset_type = "embedding_model"
    elif hub_bases or local_bases:
        asset_type = "fine_tuned_model"
    else:
        asset_type = "foundation_model"
    hub.update({"pipeline_tag": pipeline_tag, "library_name": library_name})
    posture.update(
        {
            "card": {
                "license": card.get("license"),
                "base_model": card_bases,
                "tags": card_tags,
                "datasets": card_datasets,
                "pipeline_tag": _str(card.get("pipeline_tag")),
                "library_name": _str(card.get("library_name")),
            },
            "base_models": base_models,
            "parameter_count_exact": total,
            "safetensors_parameters": {
                k: v for k, v in sorted(parameters.items()) if _int(v) is not None
            },
        }
    )
    if local_bases:
        posture["base_model_local"] = local_bases
    record = DiscoveredAsset(
        source=SOURCE,
        resource_id=url,
        name=repo_id,
        asset_type=asset_type,
        model_provider="huggingface",
        model_name=repo_id,
        model_version=_str(info.get("sha")),
        parameter_count=human_parameter_count(total) if total is not None else None,
        source_url=url,
        license_type=_license(card, tags),
        posture=posture,
        dependencies=dependencies,
        raw=_raw(info, card),
    )
    return ParsedRepo(record, references)


def _raw(info: dict[str, Any], card: dict[str, Any]) -> dict[str, Any]:
    """The API's own fields worth keeping for audit (not the file list: it can be huge)."""
    raw: dict[str, Any] = {
        k: info[k]
        for k in (
            "id",
            "author",
            "sha",
            "private",
            "gated",
            "disabled",
            "pipeline_tag",
            "library_name",
            "lastModified",
        )
        if k in info and isinstance(info[k], str | bool | int | float | type(None))
    }
    kept_card = {
        k: card[k]
        for k in ("license", "license_name", "base_model", "datasets", "pipeline_tag")
        if k in card and isinstance(card[k], str | list)
    }
    if kept_card:
        raw["cardData"] = kept_card
    safetensors = _dict(info.get("safetensors"))
    if _int(safetensors.get("total")) is not None:
        raw["safetensors"] = {"total": safetensors["total"]}
    return raw
