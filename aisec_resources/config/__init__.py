"""`aisec.yaml`: the configuration model, one module per part (risk model, discovery sources,
monitoring; the log-source sections are validated by the monitoring pillar's registry), and
loading with errors that name file, key and reason."""

from aisec_resources.config.base import ConfigError
from aisec_resources.config.monitoring import MonitoringConfig
from aisec_resources.config.risk import DEFAULT_RECOMMENDATIONS, DIMENSIONS, RiskModel
from aisec_resources.config.root import (
    CONFIG_ENV_VAR,
    HOME_ENV_VAR,
    AisecConfig,
    ScheduleConfig,
    WarehouseConfig,
    aisec_home,
    configured_path,
    demo_config_path,
    load_config_file,
    parse_config,
)
from aisec_resources.config.sources import NamedPath

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_RECOMMENDATIONS",
    "DIMENSIONS",
    "HOME_ENV_VAR",
    "AisecConfig",
    "ConfigError",
    "MonitoringConfig",
    "NamedPath",
    "RiskModel",
    "ScheduleConfig",
    "WarehouseConfig",
    "aisec_home",
    "configured_path",
    "demo_config_path",
    "load_config_file",
    "parse_config",
]
