"""The Hugging Face source's entry point: every configured location, then the Hub references."""

from __future__ import annotations

from collections.abc import Callable

from aisec_assets.discovery.huggingface.cache import scan_cache
from aisec_assets.discovery.huggingface.model_dirs import scan_model_root
from aisec_assets.discovery.huggingface.run import ExtractionRun
from aisec_resources.config import NamedPath
from aisec_resources.records import SourceResult, SourceUnavailable, UnreadablePart


def extract_huggingface(
    model_dirs: list[NamedPath],
    cache_dirs: list[NamedPath],
    max_file_bytes: int,
    max_depth: int,
) -> SourceResult:
    """Discover Hugging Face models in model directories and HF caches (see the package doc).

    `model_dirs` / `cache_dirs` are `NamedPath`s (``.name``, ``.path``). Every record carries
    its location's name as `part`; a location that is missing, not a directory or unreadable
    is an `UnreadablePart` (the source is partial, that location's records keep their last
    good data). Raises `SourceUnavailable` when every configured location is.
    """
    run = ExtractionRun(max_file_bytes=max_file_bytes, max_depth=max_depth)
    readable = 0
    scans: list[tuple[Callable[[ExtractionRun, NamedPath], bool], NamedPath]] = [
        (scan_model_root, loc) for loc in model_dirs
    ] + [(scan_cache, loc) for loc in cache_dirs]
    for scan, location in scans:
        first_record, first_rejection = len(run.result.records), len(run.result.rejections)
        if scan(run, location):
            readable += 1
            for record in run.result.records[first_record:]:
                record.part = location.name
            continue
        # Missing, not a directory, unreadable: the location's records keep their last good
        # data (stale) and the source is partial, with the reason the scan gave.
        reasons = [r.reason for r in run.result.rejections[first_rejection:]]
        run.result.unreadable.append(
            UnreadablePart(
                location.name, str(location.path), "; ".join(reasons) or "cannot be read"
            )
        )
    configured = len(model_dirs) + len(cache_dirs)
    if configured and not readable:
        problems = "; ".join(f"{r.location}: {r.reason}" for r in run.result.rejections)
        raise SourceUnavailable(f"no configured Hugging Face location could be read ({problems})")
    run.result.records.extend(run.reference_records())
    run.result.records.sort(key=lambda r: r.resource_id)
    return run.result
