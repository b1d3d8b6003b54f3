"""Which configuration a process runs on: `AISEC_CONFIG`, else the bundled demo estate.

The composition root's one decision about configuration, shared by the CLI and the code
location's loader. The product itself never imports the demo generator; this module does, as a
client would, when no configuration is named.
"""

from __future__ import annotations

from pathlib import Path

from aisec_assets.discovery.sources import DISCOVERY_SOURCES, sections
from aisec_assets.monitoring.ingest import configured_log_sources
from aisec_jobs.demo_estate import ensure_demo_estate
from aisec_resources.clock import today_in
from aisec_resources.config import (
    AisecConfig,
    ConfigError,
    configured_path,
    demo_config_path,
    load_config_file,
)
from aisec_resources.config.base import check_section_names


def config_path_in_force() -> Path:
    """`AISEC_CONFIG`, else the demo estate's configuration (generated on first use, its
    traffic ending the day before today)."""
    named = configured_path()
    if named is not None:
        return named
    return ensure_demo_estate(demo_config_path().parent, as_of=today_in("UTC"))


def load_program_config() -> AisecConfig:
    """The validated configuration in force (a `ConfigError` names file, key and reason)."""
    config = load_config_file(config_path_in_force())
    validate_sections(config)
    check_log_sources(config)
    return config


def check_log_sources(config: AisecConfig) -> None:
    """Validate every `monitoring.logs` section with its registered source's model (a
    `ConfigError` names file, key and reason; unknown source names are errors too)."""
    configured_log_sources(config)


def validate_sections(config: AisecConfig) -> None:
    """Validate every `sources.<key>` section with its discovery source's model, and refuse
    names no source registers (one `ConfigError` listing every problem, naming file and key)."""
    file = config.config_path or Path("aisec.yaml")
    check_section_names(config.sources, sections(DISCOVERY_SOURCES), file=file, key="sources")
    problems: list[str] = []
    for spec in sections().values():
        try:
            spec.section(config)
        except ConfigError as error:
            problems += str(error).removeprefix(_INVALID).split("\n  ")
    if problems:
        raise ConfigError(_INVALID + "\n  ".join(problems))


def discovery_preflight(config: AisecConfig) -> list[str]:
    """What `aisec validate` reports about the discovery sources without running them: paths
    that do not exist, registry entries that will be rejected, ..."""
    problems: list[str] = []
    for spec in sections().values():
        section = spec.section(config)
        if section is not None:
            problems += spec.preflight(section)
    return problems


_INVALID = "invalid configuration:\n  "
