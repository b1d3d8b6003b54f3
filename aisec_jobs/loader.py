"""Which configuration a process runs on: `AISEC_CONFIG`, else the bundled demo estate.

The composition root's one decision about configuration, shared by the CLI and the code
location's loader. The product itself never imports the demo generator; this module does, as a
client would, when no configuration is named.
"""

from __future__ import annotations

from pathlib import Path

from aisec_jobs.demo_estate import ensure_demo_estate
from aisec_resources.clock import today_in
from aisec_resources.config import (
    AisecConfig,
    configured_path,
    demo_config_path,
    load_config_file,
)


def config_path_in_force() -> Path:
    """`AISEC_CONFIG`, else the demo estate's configuration (generated on first use, its
    traffic ending the day before today)."""
    named = configured_path()
    if named is not None:
        return named
    return ensure_demo_estate(demo_config_path().parent, as_of=today_in("UTC"))


def load_program_config() -> AisecConfig:
    """The validated configuration in force (a `ConfigError` names file, key and reason)."""
    return load_config_file(config_path_in_force())
