"""Hugging Face discovery: model directories on disk and the local Hugging Face cache.

`extract_huggingface` reads two kinds of configured locations and never touches the network
(``HF_HUB_OFFLINE`` is irrelevant to it):

Where things are:

- `model_dirs`: the walk of model directories (``sources.huggingface.model_dirs``);
- `cache`: HF caches (``sources.huggingface.cache_dirs``), read with ``scan_cache_dir``;
- `facts`: classification, card, adapter and weight facts of one model, shared by both;
- `text_files`: size-capped reading of ``config.json`` and model cards;
- `run`: the state of one extraction and the Hub references that give every edge a target;
- `extract`: `extract_huggingface`, the entry point.

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

from aisec_assets.discovery.huggingface.extract import extract_huggingface
from aisec_assets.discovery.huggingface.facts import (
    ADAPTER_CONFIG_FILE,
    CONFIG_FILE,
    EMBEDDING_ARCHITECTURES,
    EMBEDDING_PIPELINES,
    MODEL_CARD_FILE,
    SAFETENSORS_INDEX_FILE,
    SENTENCE_TRANSFORMERS_FILES,
    TRAINING_ARTEFACTS,
    human_parameter_count,
    is_hub_repo_id,
)
from aisec_assets.discovery.huggingface.model_dirs import SKIPPED_DIR_NAMES
from aisec_assets.discovery.huggingface.run import HUB_URL, SOURCE, hub_url
from aisec_assets.discovery.huggingface.text_files import MAX_CARD_LIST_ITEMS, MAX_EXCERPT_CHARS

__all__ = [
    "ADAPTER_CONFIG_FILE",
    "CONFIG_FILE",
    "EMBEDDING_ARCHITECTURES",
    "EMBEDDING_PIPELINES",
    "HUB_URL",
    "MAX_CARD_LIST_ITEMS",
    "MAX_EXCERPT_CHARS",
    "MODEL_CARD_FILE",
    "SAFETENSORS_INDEX_FILE",
    "SENTENCE_TRANSFORMERS_FILES",
    "SKIPPED_DIR_NAMES",
    "SOURCE",
    "TRAINING_ARTEFACTS",
    "extract_huggingface",
    "hub_url",
    "human_parameter_count",
    "is_hub_repo_id",
]
