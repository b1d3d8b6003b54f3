"""`aisec.yaml`: the configuration model, one module per part (risk model, discovery sources,
log sources, monitoring), and loading with errors that name file, key and reason."""

from aisec_resources.config.base import ConfigError
from aisec_resources.config.logs import BedrockLogsSource, FileLogSource, LiteLLMSource, LogSources
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
from aisec_resources.config.sources import (
    BundleSource,
    HuggingFaceSource,
    NamedPath,
    RegistrySource,
    Sources,
)

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_RECOMMENDATIONS",
    "DIMENSIONS",
    "HOME_ENV_VAR",
    "AisecConfig",
    "BedrockLogsSource",
    "BundleSource",
    "ConfigError",
    "FileLogSource",
    "HuggingFaceSource",
    "LiteLLMSource",
    "LogSources",
    "MonitoringConfig",
    "NamedPath",
    "RegistrySource",
    "RiskModel",
    "ScheduleConfig",
    "Sources",
    "WarehouseConfig",
    "aisec_home",
    "configured_path",
    "demo_config_path",
    "load_config_file",
    "parse_config",
]
