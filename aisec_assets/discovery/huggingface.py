"""Hugging Face discovery: model directories on disk and the local Hugging Face cache.

`extract_huggingface` reads two kinds of configured locations and never touches the network
(``HF_HUB_OFFLINE`` is irrelevant to it):

* **Model directories** (``sources.huggingface.model_dirs``). Each root is walked, depth-capped
  (``max_depth``), never in a loop: real paths of the directories on the current branch are
  tracked, and a link back to one of them is a Rejection. A link to a directory inside the
  same root is not followed (that directory is scanned under its own path); a link leading
  outside the root is followed once. ``.git``, ``__pycache__`` and the ``blobs`` folder of
  anything laid out like an HF cache are skipped. A directory is a model when its
  ``config.json`` is a JSON object with ``model_type`` or ``architectures``, or when its
  ``adapter_config.json`` names a ``peft_type`` / base model (a PEFT adapter such as LoRA).
  A model directory's whole subtree belongs to it (``1_Pooling/``, ``2_Dense/``,
  checkpoints): its files are scanned as part of the model, nested ``config.json`` files do
  not start new models.
  Record: ``resource_id = hf-dir://<location>/<path relative to the root>`` (posix;
  ``hf-dir://<location>`` when the root itself is the model).
* **HF caches** (``sources.huggingface.cache_dirs``), read with huggingface_hub's own
  ``scan_cache_dir`` (never by parsing the layout here). One record per cached repo:
  ``resource_id = hf-cache://<location>/<repo_type>/<repo_id>``. Models are described from the
  revision ``main`` points at (else the most recently modified one); model files of *every*
  cached revision are scanned, because any of them can be loaded by pinning the revision.

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

Edges and their targets: a base model becomes a ``fine_tuned_from`` dependency on
``https://huggingface.co/<base>``, and card ``datasets`` become ``trained_on`` dependencies on
``https://huggingface.co/datasets/<id>``. So that every edge has a target, the source also
emits one *reference* record per such Hub repo (``foundation_model`` / ``training_dataset``,
``model_provider="huggingface"`` for models, ``source_url`` the URL, posture
``reference_only=True`` with ``referenced_by``). Edges point at the Hub identity, not at a
cached copy of it: the Hub id is the one name every location agrees on.

Posture per model: architectures, model_type, torch_dtype, card tags/datasets/license, adapter
settings, and every model file analysed by `model_files.scan_model_file` (format, size,
sha256, pickle imports with safe/unsafe/unknown verdicts, safetensors summary) plus the roll-up
``has_safetensors``, ``pickle_files``, ``unsafe_imports``, ``unknown_imports``,
``unsafe_files``. ``parameter_count`` is summed from safetensors headers (the shards an index
lists when there is one) and written in human form ("124M", "8.0B").

Bad input never crashes the source; each problem is a `Rejection` naming the path:
a ``config.json`` / ``adapter_config.json`` that is too big (over ``max_file_bytes``), not
UTF-8, not JSON or not an object; an unreadable directory; a symlink loop; a directory deeper
than ``max_depth`` (not descended); a model file whose analysis failed (truncated safetensors
header, invalid pickle — the model record is still produced, with the error in its posture);
a malformed card front matter; corrupted cache entries (``scan_cache_dir`` warnings); a cached
Space/kernel (no asset type for it). Model files above ``max_file_bytes`` keep their record;
their digest is skipped and the posture says why. A location that is missing or unreadable is
a `Rejection`; if every configured location is, `SourceUnavailable` is raised.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from huggingface_hub import scan_cache_dir
from huggingface_hub.errors import CacheNotFound

from aisec_assets.discovery.model_files import MODEL_FILE_SUFFIXES, scan_model_file
from aisec_resources.config import NamedPath
from aisec_resources.records import (
    Dependency,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
)

SOURCE = "huggingface"
HUB_URL = "https://huggingface.co"

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
SKIPPED_DIR_NAMES = frozenset({".git", "__pycache__"})
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
MAX_CARD_LIST_ITEMS = 50
MAX_EXCERPT_CHARS = 80

# A Hub repo id: `name` or `org/name` (no local paths, no `..`).
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")


def human_parameter_count(count: int) -> str:
    """``124M``, ``8.0B``, ``33.6K``: three significant figures at most, as model cards do."""
    for unit, size in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= size:
            value = count / size
            return f"{value:.0f}{unit}" if value >= 100 else f"{value:.1f}{unit}"
    return str(count)


def hub_url(repo_id: str, repo_type: str = "model") -> str:
    return f"{HUB_URL}/datasets/{repo_id}" if repo_type == "dataset" else f"{HUB_URL}/{repo_id}"


def is_hub_repo_id(value: object) -> bool:
    return isinstance(value, str) and ".." not in value and bool(_REPO_ID.match(value))


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


def _excerpt(text: str, around: int = 0) -> str:
    start = max(0, around - MAX_EXCERPT_CHARS // 2)
    piece = text[start : start + MAX_EXCERPT_CHARS]
    return "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in piece)


# ------------------------------------------------------------------------------ small files


class _BadFile(Exception):
    def __init__(self, reason: str, excerpt: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.excerpt = excerpt


def _read_text(path: Path, max_bytes: int) -> str:
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise _BadFile(f"file is {size} bytes, above max_file_bytes ({max_bytes}); not read")
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise _BadFile(f"cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _BadFile(f"not UTF-8 text (binary file?): byte {exc.start} is invalid") from None


def _read_json_object(path: Path, max_bytes: int) -> dict[str, Any]:
    text = _read_text(path, max_bytes)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadFile(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            _excerpt(text, exc.pos),
        ) from None
    except RecursionError:
        raise _BadFile("invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise _BadFile(f"expected a JSON object, got a JSON {type(value).__name__}", _excerpt(text))
    return value


def _split_card(text: str) -> tuple[str | None, str]:
    """(YAML front matter or None, body) of a model card."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    return None, text  # an opening `---` without a closing one is just text


def _card_description(body: str) -> str | None:
    """First prose paragraph of a card body (no headings, HTML, badges, tables, code)."""
    paragraph: list[str] = []
    in_code = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if not stripped:
            if paragraph:
                break
            continue
        if stripped.startswith(("#", "<", "!", "|", "[!", "- ", "* ", ">")):
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    if not paragraph:
        return None
    text = " ".join(paragraph)
    return text if len(text) <= 300 else text[:297].rstrip() + "..."


def _string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)][:MAX_CARD_LIST_ITEMS]
    return []


# ------------------------------------------------------------------------------ the run


@dataclass
class _Reference:
    repo_id: str
    repo_type: str  # "model" | "dataset"
    relation: str
    referenced_by: set[str] = field(default_factory=set)


@dataclass
class _Run:
    max_file_bytes: int
    max_depth: int
    result: SourceResult = field(default_factory=SourceResult)
    references: dict[str, _Reference] = field(default_factory=dict)

    def reject(
        self,
        location: Path | str,
        reason: str,
        field: str | None = None,
        excerpt: str | None = None,
    ) -> None:
        self.result.rejections.append(Rejection(SOURCE, str(location), reason, field, excerpt))

    def refer(self, repo_id: str, repo_type: str, relation: str, by: str) -> Dependency:
        url = hub_url(repo_id, repo_type)
        ref = self.references.setdefault(url, _Reference(repo_id, repo_type, relation))
        ref.referenced_by.add(by)
        return Dependency(url, relation)

    def reference_records(self) -> list[DiscoveredAsset]:
        records = []
        for url, ref in sorted(self.references.items()):
            is_model = ref.repo_type == "model"
            what = "base model" if ref.relation == "fine_tuned_from" else "training data"
            records.append(
                DiscoveredAsset(
                    source=SOURCE,
                    resource_id=url,
                    name=ref.repo_id,
                    asset_type="foundation_model" if is_model else "training_dataset",
                    description=(
                        f"Hugging Face Hub {ref.repo_type} {ref.repo_id}: {what} of "
                        f"{len(ref.referenced_by)} discovered asset(s); referenced only, not "
                        "found in a scanned location under this id."
                    ),
                    model_provider="huggingface" if is_model else None,
                    model_name=ref.repo_id if is_model else None,
                    source_url=url,
                    posture={
                        "reference_only": True,
                        "repo_type": ref.repo_type,
                        "relation": ref.relation,
                        "referenced_by": sorted(ref.referenced_by),
                    },
                    raw={"repo_id": ref.repo_id, "repo_type": ref.repo_type},
                )
            )
        return records


# ------------------------------------------------------------------------------ model facts


@dataclass
class _ModelFacts:
    asset_type: str
    model_name: str | None
    own_repo_id: str | None
    license_type: str | None
    parameter_count: str | None
    description: str | None
    posture: dict[str, Any]
    dependencies: list[Dependency]
    raw: dict[str, Any]


def _load_json_file(
    run: _Run, files: Mapping[str, Path], name: str, posture: dict[str, Any]
) -> dict[str, Any] | None:
    path = files.get(name)
    if path is None:
        return None
    try:
        return _read_json_object(path, run.max_file_bytes)
    except _BadFile as bad:
        run.reject(path, f"{name}: {bad.reason}", name, bad.excerpt)
        posture.setdefault("file_errors", {})[name] = bad.reason
        return None


def _read_card(run: _Run, files: Mapping[str, Path], posture: dict[str, Any]) -> tuple[dict, str]:
    path = files.get(MODEL_CARD_FILE)
    if path is None:
        return {}, ""
    try:
        text = _read_text(path, run.max_file_bytes)
    except _BadFile as bad:
        posture.setdefault("file_errors", {})[MODEL_CARD_FILE] = bad.reason
        return {}, ""
    front, body = _split_card(text)
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


def _card_license(card: Mapping[str, Any]) -> str | None:
    value = card.get("license")
    licenses = _string_list(value)
    if not licenses:
        return None
    if licenses == ["other"] and isinstance(card.get("license_name"), str):
        return card["license_name"]
    return ", ".join(licenses)


def _scan_files(
    run: _Run, entries: Iterable[tuple[str, Path, dict[str, Any]]]
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


def _file_rollup(scanned: list[dict[str, Any]]) -> dict[str, Any]:
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


def _is_model_config(config: Mapping[str, Any]) -> bool:
    return bool(config.get("model_type") or config.get("architectures"))


def _is_adapter_config(adapter: Mapping[str, Any]) -> bool:
    return bool(adapter.get("peft_type") or adapter.get("base_model_name_or_path"))


def _model_facts(
    run: _Run,
    files: Mapping[str, Path],
    scan_entries: list[tuple[str, Path, dict[str, Any]]],
    configs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
    *,
    label: str,
    own_repo_id: str | None,
) -> _ModelFacts:
    """Describe a model from its files (relative posix name -> path to read).

    `configs` is (config.json, adapter_config.json, posture so far) as already loaded by the
    caller; `label` is the record's resource id (for references).
    """
    config, adapter, posture = configs
    is_adapter = _is_adapter_config(adapter)
    card, body = _read_card(run, files, posture)
    architectures = _string_list(config.get("architectures"))
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    tags = _string_list(card.get("tags"))
    card_datasets = _string_list(card.get("datasets"))
    pipeline_tag = card.get("pipeline_tag") if isinstance(card.get("pipeline_tag"), str) else None
    sentence_transformers = any(name in files for name in SENTENCE_TRANSFORMERS_FILES)

    card_model_name = card.get("model_name") if isinstance(card.get("model_name"), str) else None
    if own_repo_id is None and card_model_name and "/" in card_model_name:
        own_repo_id = card_model_name if is_hub_repo_id(card_model_name) else None
    has_training_artefacts = any(name in files for name in TRAINING_ARTEFACTS)

    card_base_models = [b for b in _string_list(card.get("base_model")) if b]
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

    scanned = _scan_files(run, scan_entries)
    index = _load_json_file(run, files, SAFETENSORS_INDEX_FILE, posture)
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
            **_file_rollup(scanned),
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
    return _ModelFacts(
        asset_type=asset_type,
        model_name=card_model_name or own_repo_id,
        own_repo_id=own_repo_id,
        license_type=_card_license(card),
        parameter_count=human_parameter_count(params) if params is not None else None,
        description=_card_description(body),
        posture=posture,
        dependencies=dependencies,
        raw=raw,
    )


# ------------------------------------------------------------------------------ directories


def _list_dir(path: Path) -> list[os.DirEntry[str]]:
    """A directory's entries, sorted by name (the one place the walk touches the OS listing)."""
    with os.scandir(path) as entries:
        return sorted(entries, key=lambda e: e.name)


def _entry_is_dir(run: _Run, entry: os.DirEntry[str]) -> bool | None:
    """Whether an entry is a directory (following symlinks); None after a Rejection."""
    try:
        return entry.is_dir()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == 40:  # ELOOP: a symlink that resolves to itself
            reason = f"symlink loop ({reason}); not followed"
        run.reject(entry.path, f"cannot stat: {reason}")
        return None


def _model_dir_files(
    run: _Run,
    dir_path: Path,
    entries: list[os.DirEntry[str]],
    depth: int,
    ancestors: tuple[str, ...],
) -> dict[str, Path]:
    """Every file under a model directory (relative posix path -> path), loop and depth safe."""
    files: dict[str, Path] = {}
    pending: list[tuple[str, list[os.DirEntry[str]], int, tuple[str, ...]]] = [
        ("", entries, depth, ancestors)
    ]
    while pending:
        prefix, listing, level, chain = pending.pop()
        for entry in listing:
            rel = prefix + entry.name
            is_dir = _entry_is_dir(run, entry)
            if is_dir is None:
                continue
            if not is_dir:
                files[rel] = Path(entry.path)  # includes broken symlinks: analysis reports them
                continue
            if entry.name in SKIPPED_DIR_NAMES:
                continue
            real = os.path.realpath(entry.path)
            if real in chain:
                run.reject(entry.path, f"symlink loop: resolves to ancestor {real}; not followed")
                continue
            if entry.is_symlink() and _is_within(real, ancestors[-1]):
                continue  # e.g. `latest -> checkpoint-500`: listed under its own path
            if level + 1 > run.max_depth:
                run.reject(entry.path, f"not scanned: deeper than max_depth ({run.max_depth})")
                continue
            try:
                sub = _list_dir(Path(entry.path))
            except OSError as exc:
                run.reject(entry.path, f"cannot list directory: {exc.strerror or exc}")
                continue
            run.result.scanned += 1
            pending.append((rel + "/", sub, level + 1, (*chain, real)))
    return dict(sorted(files.items()))


def _model_dir_record(
    run: _Run,
    location: NamedPath,
    root: Path,
    dir_path: Path,
    entries: list[os.DirEntry[str]],
    depth: int,
    ancestors: tuple[str, ...],
) -> DiscoveredAsset | None:
    rel = dir_path.relative_to(root).as_posix()
    resource_id = f"hf-dir://{location.name}" if rel == "." else f"hf-dir://{location.name}/{rel}"
    top = {e.name: Path(e.path) for e in entries}
    if CONFIG_FILE not in top and ADAPTER_CONFIG_FILE not in top:
        return None
    # The configs decide whether this is a model (and a broken one is a Rejection either way).
    posture: dict[str, Any] = {}
    config = _load_json_file(run, top, CONFIG_FILE, posture) or {}
    adapter = _load_json_file(run, top, ADAPTER_CONFIG_FILE, posture) or {}
    if not (_is_model_config(config) or _is_adapter_config(adapter)):
        return None
    files = _model_dir_files(run, dir_path, entries, depth, ancestors)
    facts = _model_facts(
        run,
        files,
        [(name, path, {}) for name, path in files.items()],
        (config, adapter, posture),
        label=resource_id,
        own_repo_id=None,
    )
    facts.posture.update({"location": location.name, "path": rel})
    return DiscoveredAsset(
        source=SOURCE,
        resource_id=resource_id,
        name=dir_path.name,
        asset_type=facts.asset_type,
        description=facts.description,
        model_provider="huggingface",
        model_name=facts.model_name or dir_path.name,
        is_self_hosted=True,
        parameter_count=facts.parameter_count,
        source_url=hub_url(facts.own_repo_id) if facts.own_repo_id else None,
        license_type=facts.license_type,
        posture=facts.posture,
        dependencies=facts.dependencies,
        raw=facts.raw,
    )


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _scan_model_root(run: _Run, location: NamedPath) -> bool:
    """Walk one model-directory root; False when the location itself cannot be read."""
    root = Path(location.path)
    try:
        mode = os.stat(root).st_mode
    except FileNotFoundError:
        run.reject(root, f"model directory location {location.name!r} does not exist")
        return False
    except OSError as exc:
        run.reject(root, f"model directory location {location.name!r}: {exc.strerror or exc}")
        return False
    if not stat.S_ISDIR(mode):
        run.reject(root, f"model directory location {location.name!r} is not a directory")
        return False
    real_root = os.path.realpath(root)
    try:
        root_entries = _list_dir(root)
    except OSError as exc:
        run.reject(
            root,
            f"model directory location {location.name!r} cannot be listed: {exc.strerror or exc}",
        )
        return False
    visited = {real_root}
    pending: list[tuple[Path, list[os.DirEntry[str]] | None, int, tuple[str, ...]]] = [
        (root, root_entries, 0, (real_root,))
    ]
    while pending:
        dir_path, entries, depth, ancestors = pending.pop()
        if entries is None:
            try:
                entries = _list_dir(dir_path)
            except OSError as exc:
                run.reject(dir_path, f"cannot list directory: {exc.strerror or exc}")
                continue
        run.result.scanned += 1
        try:
            record = _model_dir_record(run, location, root, dir_path, entries, depth, ancestors)
        except Exception as exc:  # last line of defence: one model never sinks the source
            run.reject(dir_path, f"unexpected error reading model directory: {exc!r}")
            continue
        if record is not None:
            run.result.records.append(record)
            continue  # a model directory's subtree belongs to it
        names = {e.name for e in entries}
        children = []
        for entry in entries:
            if entry.name in SKIPPED_DIR_NAMES or (entry.name == "blobs" and "snapshots" in names):
                continue
            if not _entry_is_dir(run, entry):
                continue
            real = os.path.realpath(entry.path)
            if real in ancestors:
                run.reject(entry.path, f"symlink loop: resolves to ancestor {real}; not followed")
                continue
            if real in visited:
                continue  # reached through another link: already scanned once
            if entry.is_symlink() and _is_within(real, real_root):
                continue  # a link to a directory of this root: scanned under its own path
            if depth + 1 > run.max_depth:
                run.reject(entry.path, f"not scanned: deeper than max_depth ({run.max_depth})")
                continue
            visited.add(real)
            children.append((Path(entry.path), None, depth + 1, (*ancestors, real)))
        pending.extend(reversed(children))
    return True


# ------------------------------------------------------------------------------ HF cache


def _corrupted_location(cache_root: Path, message: str) -> str:
    """The cached repo folder a scan_cache_dir warning is about (else the cache root)."""
    try:
        names = sorted(os.listdir(cache_root), key=len, reverse=True)
    except OSError:
        return str(cache_root)
    for name in names:
        candidate = cache_root / name
        if re.search(re.escape(str(candidate)) + r"(?![^/\s)])", message):
            return str(candidate)
    return str(cache_root)


def _dataset_facts(
    run: _Run, files: Mapping[str, Path], scan_entries: list[tuple[str, Path, dict[str, Any]]]
) -> _ModelFacts:
    """A cached dataset: its card, and any pickle-based files in it (a real attack vector)."""
    posture: dict[str, Any] = {}
    card, body = _read_card(run, files, posture)
    scanned = _scan_files(run, scan_entries)
    posture.update(
        {
            "card": {
                "license": card.get("license"),
                "tags": _string_list(card.get("tags")),
                "task_categories": _string_list(card.get("task_categories")),
            },
            "model_files": scanned,
            **_file_rollup(scanned),
        }
    )
    return _ModelFacts(
        asset_type="training_dataset",
        model_name=None,
        own_repo_id=None,
        license_type=_card_license(card),
        parameter_count=None,
        description=_card_description(body),
        posture=posture,
        dependencies=[],
        raw={},
    )


def _cache_repo_record(run: _Run, location: NamedPath, repo: Any) -> DiscoveredAsset | None:
    """One record for a `CachedRepoInfo` from `scan_cache_dir`; None (+ Rejection) if unmapped."""
    repo_type = repo.repo_type
    resource_id = f"hf-cache://{location.name}/{repo_type}/{repo.repo_id}"
    if repo_type not in ("model", "dataset"):
        run.reject(
            repo.repo_path,
            f"cached {repo_type} repo {repo.repo_id!r} is not inventoried "
            "(no AI asset type for it)",
            "repo_type",
        )
        return None
    revisions = sorted(repo.revisions, key=lambda r: (-r.last_modified, r.commit_hash))
    primary = next((r for r in revisions if "main" in r.refs), revisions[0] if revisions else None)
    files: dict[str, Path] = {}
    if primary is not None:
        files = {
            f.file_path.relative_to(primary.snapshot_path).as_posix(): f.file_path
            for f in sorted(primary.files, key=lambda f: str(f.file_path))
        }
    # Model files of every revision (deduplicated by blob): a pinned revision loads them too.
    scan_entries: list[tuple[str, Path, dict[str, Any]]] = []
    seen_blobs: set[Path] = set()
    for revision in ([primary] if primary else []) + [r for r in revisions if r is not primary]:
        for f in sorted(revision.files, key=lambda f: str(f.file_path)):
            if f.blob_path in seen_blobs:
                continue
            seen_blobs.add(f.blob_path)
            rel = f.file_path.relative_to(revision.snapshot_path).as_posix()
            extra = {"revision": revision.commit_hash, "primary": revision is primary}
            scan_entries.append((rel, f.file_path, extra))
    if repo_type == "dataset":
        facts = _dataset_facts(run, files, scan_entries)
    else:
        posture: dict[str, Any] = {}
        config = _load_json_file(run, files, CONFIG_FILE, posture) or {}
        adapter = _load_json_file(run, files, ADAPTER_CONFIG_FILE, posture) or {}
        facts = _model_facts(
            run,
            files,
            scan_entries,
            (config, adapter, posture),
            label=resource_id,
            own_repo_id=repo.repo_id,
        )
    refs = {ref: rev.commit_hash for ref, rev in sorted(repo.refs.items())}
    facts.posture.update(
        {
            "location": location.name,
            "repo_type": repo_type,
            "repo_id": repo.repo_id,
            "cache_path": str(repo.repo_path),
            "size_on_disk": repo.size_on_disk,
            "nb_files": repo.nb_files,
            "last_accessed": _iso(repo.last_accessed),
            "last_modified": _iso(repo.last_modified),
            "snapshot_revision": primary.commit_hash if primary else None,
            "refs": refs,
            "revisions": [
                {
                    "commit_hash": r.commit_hash,
                    "refs": sorted(r.refs),
                    "nb_files": r.nb_files,
                    "size_on_disk": r.size_on_disk,
                    "last_modified": _iso(r.last_modified),
                }
                for r in revisions
            ],
        }
    )
    is_model = repo_type == "model"
    return DiscoveredAsset(
        source=SOURCE,
        resource_id=resource_id,
        name=repo.repo_id,
        asset_type=facts.asset_type,
        description=facts.description,
        model_provider="huggingface" if is_model else None,
        model_name=(facts.model_name or repo.repo_id) if is_model else None,
        model_version=primary.commit_hash if primary else None,
        is_self_hosted=True if is_model else None,
        parameter_count=facts.parameter_count,
        source_url=hub_url(repo.repo_id, repo_type),
        license_type=facts.license_type,
        posture=facts.posture,
        dependencies=facts.dependencies,
        raw={"repo_id": repo.repo_id, "repo_type": repo_type, "refs": refs, **facts.raw},
    )


def _scan_cache(run: _Run, location: NamedPath) -> bool:
    """Read one HF cache with huggingface_hub's scanner; False when it cannot be read at all."""
    root = Path(location.path)
    try:
        info = scan_cache_dir(root)
    except CacheNotFound:
        run.reject(root, f"HF cache location {location.name!r} does not exist")
        return False
    except ValueError as exc:  # scan_cache_dir: the path is a file
        run.reject(root, f"HF cache location {location.name!r} is not a directory: {exc}")
        return False
    except OSError as exc:
        run.reject(
            root, f"HF cache location {location.name!r} cannot be read: {exc.strerror or exc}"
        )
        return False
    resolved = Path(info.cache_dir or root)
    for warning in info.warnings:
        message = str(warning)
        run.reject(
            _corrupted_location(resolved, message),
            f"corrupted HF cache entry skipped by scan_cache_dir: {message}",
        )
    for repo in sorted(info.repos, key=lambda r: (r.repo_type, r.repo_id)):
        run.result.scanned += 1
        try:
            record = _cache_repo_record(run, location, repo)
        except Exception as exc:  # last line of defence: one repo never sinks the source
            run.reject(repo.repo_path, f"unexpected error reading cached repo: {exc!r}")
            continue
        if record is not None:
            run.result.records.append(record)
    return True


# ------------------------------------------------------------------------------ entry point


def extract_huggingface(
    model_dirs: list[NamedPath],
    cache_dirs: list[NamedPath],
    max_file_bytes: int,
    max_depth: int,
) -> SourceResult:
    """Discover Hugging Face models in model directories and HF caches (see module doc).

    `model_dirs` / `cache_dirs` are `NamedPath`s (``.name``, ``.path``). Raises
    `SourceUnavailable` when every configured location is missing or unreadable.
    """
    run = _Run(max_file_bytes=max_file_bytes, max_depth=max_depth)
    readable = 0
    for location in model_dirs:
        readable += _scan_model_root(run, location)
    for location in cache_dirs:
        readable += _scan_cache(run, location)
    configured = len(model_dirs) + len(cache_dirs)
    if configured and not readable:
        problems = "; ".join(f"{r.location}: {r.reason}" for r in run.result.rejections)
        raise SourceUnavailable(f"no configured Hugging Face location could be read ({problems})")
    run.result.records.extend(run.reference_records())
    run.result.records.sort(key=lambda r: r.resource_id)
    return run.result
