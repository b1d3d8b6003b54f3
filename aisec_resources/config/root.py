"""`aisec.yaml`: the one file that describes the organisation to the program.

Loaded and validated before any run (the code location refuses to load and the CLI refuses to
start on an invalid file). Errors name the file, the key path and the reason. Relative paths
are resolved against the directory of the file. The risk model defaults reproduce the design
brief exactly; an organisation overrides what it needs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, ValidationError, field_validator

from aisec_resources.config.base import ConfigError, _Strict, format_errors, resolve_paths
from aisec_resources.config.governance import GovernanceConfig
from aisec_resources.config.metrics import MetricsConfig
from aisec_resources.config.monitoring import MonitoringConfig
from aisec_resources.config.notifications import NotificationsConfig
from aisec_resources.config.operations import OperationsConfig
from aisec_resources.config.red_team import RedTeamConfig
from aisec_resources.config.risk import RiskModel

CONFIG_ENV_VAR = "AISEC_CONFIG"
HOME_ENV_VAR = "AISEC_HOME"


class WarehouseConfig(_Strict):
    path: Path
    lock_timeout_seconds: Annotated[float, Field(gt=0)] = 900


class ScheduleConfig(_Strict):
    rescoring_cron: str = "0 2 * * *"
    model_dir_sensor_interval_seconds: Annotated[int, Field(ge=5)] = 60
    log_sensor_interval_seconds: Annotated[int, Field(ge=5)] = 60
    # How often cloud accounts/subscriptions are listed (new ones become partitions at once;
    # every one is collected once a day).
    accounts_sensor_interval_seconds: Annotated[int, Field(ge=30)] = 3600


class AisecConfig(_Strict):
    organisation: str
    timezone: str = "UTC"
    warehouse: WarehouseConfig
    # Raw: each discovery source validates its own section (`sources.<key>`) with the model
    # its spec declares; the composition root does it for all of them at load time.
    sources: dict[str, Any] = {}
    monitoring: MonitoringConfig = MonitoringConfig()
    risk: RiskModel = RiskModel()
    governance: GovernanceConfig = GovernanceConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    operations: OperationsConfig = OperationsConfig()
    red_team: RedTeamConfig = RedTeamConfig()
    metrics: MetricsConfig = MetricsConfig()
    schedules: ScheduleConfig = ScheduleConfig()
    config_path: Path | None = None  # set by parse_config, not read from the file

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {v!r}") from exc
        return v


def parse_config(data: Any, path: Path) -> AisecConfig:
    """Validate an already-parsed YAML document; `path` names it in errors and anchors paths."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping, got {type(data).__name__}")
    if "config_path" in data:
        raise ConfigError(f"{path}: config_path: unknown key")
    try:
        cfg = AisecConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_errors(path, err)) from None
    cfg = resolve_paths(cfg, path.parent.resolve())
    return cfg.model_copy(update={"config_path": path.resolve()})


def load_config_file(path: Path) -> AisecConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(f"{path}: {where}invalid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_config(data, path)


def aisec_home() -> Path:
    """Where the program keeps its own state by default (demo estate, warehouse, Dagster home):
    `AISEC_HOME`, else `.aisec` in the working directory."""
    return Path(os.environ.get(HOME_ENV_VAR) or Path.cwd() / ".aisec").resolve()


def demo_config_path() -> Path:
    """Where the bundled demo estate's configuration lives (written by `aisec demo`)."""
    return aisec_home() / "demo" / "aisec.yaml"


def configured_path() -> Path | None:
    """The configuration named by `AISEC_CONFIG`, if any (the composition root decides what to
    do without one: the CLI and the code location fall back to the demo estate)."""
    env = os.environ.get(CONFIG_ENV_VAR, "").strip()
    return Path(env) if env else None
