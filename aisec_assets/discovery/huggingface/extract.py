"""The Hugging Face source's entry point: every configured location, then the Hub references."""

from __future__ import annotations

from aisec_assets.discovery.huggingface.cache import scan_cache
from aisec_assets.discovery.huggingface.model_dirs import scan_model_root
from aisec_assets.discovery.huggingface.run import ExtractionRun
from aisec_resources.config import NamedPath
from aisec_resources.records import SourceResult, SourceUnavailable


def extract_huggingface(
    model_dirs: list[NamedPath],
    cache_dirs: list[NamedPath],
    max_file_bytes: int,
    max_depth: int,
) -> SourceResult:
    """Discover Hugging Face models in model directories and HF caches (see the package doc).

    `model_dirs` / `cache_dirs` are `NamedPath`s (``.name``, ``.path``). Raises
    `SourceUnavailable` when every configured location is missing or unreadable.
    """
    run = ExtractionRun(max_file_bytes=max_file_bytes, max_depth=max_depth)
    readable = 0
    for location in model_dirs:
        readable += scan_model_root(run, location)
    for location in cache_dirs:
        readable += scan_cache(run, location)
    configured = len(model_dirs) + len(cache_dirs)
    if configured and not readable:
        problems = "; ".join(f"{r.location}: {r.reason}" for r in run.result.rejections)
        raise SourceUnavailable(f"no configured Hugging Face location could be read ({problems})")
    run.result.records.extend(run.reference_records())
    run.result.records.sort(key=lambda r: r.resource_id)
    return run.result
