"""The discovery sources: one module per `sources:` section of aisec.yaml, each exporting its
`SourceSpec`(s), and the one registry below. Adding a source = a module + one line here; the
config validation, the extract asset, its freshness check, the new-model sensor (for specs with
`watch`) and `aisec validate` (preflight) derive from it."""

from __future__ import annotations

from aisec_assets.discovery.sources import aws, azure, declared_registry, huggingface
from aisec_assets.discovery.sources.spec import SourceSpec

DISCOVERY_SOURCES: tuple[SourceSpec, ...] = (
    declared_registry.SPEC,
    huggingface.SPEC,
    aws.BEDROCK,
    aws.SAGEMAKER,
    azure.SPEC,
)


def _check_registry(specs: tuple[SourceSpec, ...]) -> None:
    """Asset and warehouse names are unique; specs sharing a config key share its model."""
    for attribute in ("asset_name", "source"):
        names = [getattr(spec, attribute) for spec in specs]
        if len(names) != len(set(names)):
            raise ValueError(f"discovery sources: duplicate {attribute} in {names}")
    models: dict[str, type] = {}
    for spec in specs:
        if models.setdefault(spec.config_key, spec.model) is not spec.model:
            raise ValueError(f"discovery sources: sources.{spec.config_key} has two models")


_check_registry(DISCOVERY_SOURCES)


def sections(specs: tuple[SourceSpec, ...] = DISCOVERY_SOURCES) -> dict[str, SourceSpec]:
    """One spec per config section (the first spec of a shared section)."""
    by_key: dict[str, SourceSpec] = {}
    for spec in specs:
        by_key.setdefault(spec.config_key, spec)
    return by_key


__all__ = ["DISCOVERY_SOURCES", "SourceSpec", "sections"]
