"""The declared registry (`sources.declared_registry`): the YAML/CSV file teams declare in."""

from __future__ import annotations

from pathlib import Path

from aisec_assets.discovery import registry
from aisec_assets.discovery.sources.spec import SourceSpec
from aisec_resources.config.base import Strict
from aisec_resources.records import SourceResult, SourceUnavailable


class RegistrySource(Strict):
    path: Path


def fetch(section: RegistrySource) -> SourceResult:
    return registry.parse_registry(section.path)


def preflight(section: RegistrySource) -> list[str]:
    """The file must exist and parse; every entry problem is a line `file: location: field:
    reason` (the entry itself may still load, see registry.py)."""
    if not section.path.is_file():
        return [f"sources.declared_registry.path: {section.path}: file not found"]
    try:
        result = registry.parse_registry(section.path)
    except SourceUnavailable as error:
        return [str(error)]
    return [f"{r.location}: {r.field or '-'}: {r.reason}" for r in result.rejections]


SPEC = SourceSpec(
    config_key="declared_registry",
    model=RegistrySource,
    asset_name="declared_registry",
    source=registry.SOURCE,
    description="Assets, owners, classification, scope, controls and reviews that teams declare "
    "in the registry file (YAML or CSV, sources.declared_registry.path). An entry with an "
    "invalid field is kept, the field named in invalid_fields and scored at its worst case.",
    kinds=frozenset({"yaml", "duckdb"}),
    fetch=fetch,
    preflight=preflight,
)
