"""`aisec.yaml`: the one file that describes the organisation to the program.

Loaded and validated before any run (the code location refuses to load and the CLI refuses to
start on an invalid file). Errors name the file, the key path and the reason. Relative paths
are resolved against the directory of the file. The risk model defaults reproduce the design
brief exactly; an organisation overrides what it needs.
"""

from __future__ import annotations

import math
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aisec_assets.discovery.records import (
    ASSET_TYPES,
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
)

CONFIG_ENV_VAR = "AISEC_CONFIG"
HOME_ENV_VAR = "AISEC_HOME"
DIMENSIONS: tuple[str, ...] = (
    "data_sensitivity",
    "deployment_exposure",
    "model_provenance",
    "regulatory_impact",
    "capability_risk",
    "supply_chain",
)
WEIGHT_TOLERANCE = 1e-6

Score = Annotated[float, Field(ge=0, le=100)]


class ConfigError(Exception):
    """An invalid configuration: names the file, the key and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; allowed: {list(allowed)}")


class DataSensitivityTable(_Strict):
    scores: dict[str, Score] = {
        "public": 10,
        "internal": 30,
        "confidential": 60,
        "restricted": 85,
        "regulated": 95,
    }
    unknown: Score = 50

    @field_validator("scores")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        _check_keys(v, DATA_CLASSIFICATIONS, "data classification")
        return v


class DeploymentExposureTable(_Strict):
    exposure_scores: dict[str, Score] = {"internal": 20, "vpc": 40, "public": 90}
    unknown_exposure: Score = 50
    env_multipliers: dict[str, Annotated[float, Field(ge=0, le=10)]] = {
        "development": 0.4,
        "staging": 0.6,
        "production": 1.0,
        "research": 0.3,
    }
    unknown_env: Annotated[float, Field(ge=0, le=10)] = 0.5
    cap: Score = 100

    @field_validator("exposure_scores")
    @classmethod
    def _known_exposure(cls, v: dict[str, float]) -> dict[str, float]:
        _check_keys(v, NETWORK_EXPOSURES, "network exposure")
        return v

    @field_validator("env_multipliers")
    @classmethod
    def _known_env(cls, v: dict[str, float]) -> dict[str, float]:
        _check_keys(v, DEPLOYMENT_ENVS, "deployment environment")
        return v


class ModelProvenanceTable(_Strict):
    provider_scores: dict[str, Score] = {
        "openai": 20,
        "anthropic": 20,
        "google": 20,
        "azure_openai": 15,
        "aws_bedrock": 15,
        "gcp_vertex": 15,
    }
    self_hosted: Score = 60
    other: Score = 50
    never_reviewed_penalty: Score = 20
    stale_review_penalty: Score = 10
    cap: Score = 100


class RegulatoryImpactTable(_Strict):
    no_scope: Score = 10
    high_impact_scopes: list[str] = ["eu_ai_act_high_risk", "hipaa", "sox", "pci_dss"]
    high_impact: Score = 90
    other_scope: Score = 50

    @field_validator("high_impact_scopes")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        _check_keys(dict.fromkeys(v), REGULATORY_SCOPES, "regulatory scope")
        return v


class CapabilityRiskTable(_Strict):
    scores: dict[str, Score] = {
        "ai_agent": 90,
        "fine_tuned_model": 70,
        "api_endpoint": 60,
        "vector_database": 55,
        "foundation_model": 50,
        "training_dataset": 45,
        "embedding_model": 30,
        "prompt_template": 25,
        "guardrail_config": 20,
        "evaluation_dataset": 15,
    }
    other: Score = 50

    @field_validator("scores")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        _check_keys(v, ASSET_TYPES, "asset type")
        return v


class SupplyChainTable(_Strict):
    base: Score = 50
    sbom_credit: Score = 20
    known_license_credit: Score = 10
    huggingface_penalty: Score = 10


class Recommendation(_Strict):
    dimension: str
    above: Score
    text: str

    @field_validator("dimension")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in DIMENSIONS:
            raise ValueError(f"unknown dimension {v!r}; allowed: {list(DIMENSIONS)}")
        return v


DEFAULT_RECOMMENDATIONS: list[Recommendation] = [
    Recommendation(
        dimension="data_sensitivity",
        above=60,
        text="Implement data loss prevention (DLP) controls on model inputs and outputs. "
        "Consider PII detection and redaction before data reaches the model.",
    ),
    Recommendation(
        dimension="deployment_exposure",
        above=50,
        text="Reduce network exposure by deploying behind a VPC with private endpoints. "
        "Implement API gateway with authentication and rate limiting.",
    ),
    Recommendation(
        dimension="model_provenance",
        above=40,
        text="Conduct a security review of the model and its supply chain. "
        "Generate an AI SBOM and verify model integrity checksums.",
    ),
    Recommendation(
        dimension="regulatory_impact",
        above=60,
        text="Map regulatory obligations to specific technical controls. "
        "Implement audit logging that satisfies retention requirements.",
    ),
    Recommendation(
        dimension="capability_risk",
        above=60,
        text="Apply principle of least privilege to model/agent capabilities. "
        "Implement human-in-the-loop approval for high-impact actions.",
    ),
    Recommendation(
        dimension="supply_chain",
        above=40,
        text="Generate and maintain an AI Software Bill of Materials (SBOM). "
        "Monitor for vulnerabilities in model dependencies and frameworks.",
    ),
]


class RiskLevels(_Strict):
    critical: Score = 75
    high: Score = 50
    medium: Score = 25

    @model_validator(mode="after")
    def _descending(self) -> RiskLevels:
        if not self.critical > self.high > self.medium:
            raise ValueError("thresholds must satisfy critical > high > medium")
        return self


class RiskModel(_Strict):
    """The risk model of SPEC §3.2; the defaults are the design brief's."""

    weights: dict[str, Annotated[float, Field(ge=0, le=1)]] = {
        "data_sensitivity": 0.25,
        "deployment_exposure": 0.20,
        "model_provenance": 0.15,
        "regulatory_impact": 0.15,
        "capability_risk": 0.15,
        "supply_chain": 0.10,
    }
    data_sensitivity: DataSensitivityTable = DataSensitivityTable()
    deployment_exposure: DeploymentExposureTable = DeploymentExposureTable()
    model_provenance: ModelProvenanceTable = ModelProvenanceTable()
    regulatory_impact: RegulatoryImpactTable = RegulatoryImpactTable()
    capability_risk: CapabilityRiskTable = CapabilityRiskTable()
    supply_chain: SupplyChainTable = SupplyChainTable()
    control_weights: dict[str, Annotated[float, Field(ge=0, le=1)]] = {
        "input_filtering": 0.15,
        "output_filtering": 0.15,
        "rate_limiting": 0.10,
        "authentication": 0.10,
        "encryption_at_rest": 0.10,
        "encryption_in_transit": 0.10,
        "monitoring": 0.10,
        "guardrails": 0.10,
        "access_logging": 0.05,
        "network_isolation": 0.05,
    }
    levels: RiskLevels = RiskLevels()
    stale_review_days: Annotated[int, Field(ge=1)] = 90
    recommendations: list[Recommendation] = DEFAULT_RECOMMENDATIONS
    max_recommendation_drivers: Annotated[int, Field(ge=1, le=6)] = 3

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(DIMENSIONS))
        if unknown:
            raise ValueError(f"unknown dimension(s) {unknown}; allowed: {list(DIMENSIONS)}")
        missing = sorted(set(DIMENSIONS) - set(v))
        if missing:
            raise ValueError(f"missing weight for dimension(s) {missing}")
        total = math.fsum(v.values())
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(f"weights sum to {total:.6f}; they must sum to 1.0 (±1e-6)")
        return v

    @field_validator("control_weights")
    @classmethod
    def _controls(cls, v: dict[str, float]) -> dict[str, float]:
        _check_keys(v, CONTROL_TYPES, "control type")
        return v


class NamedPath(_Strict):
    """A directory the program reads, with a stable name used in asset ids."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    path: Path


class RegistrySource(_Strict):
    path: Path


class HuggingFaceSource(_Strict):
    model_dirs: list[NamedPath] = []
    cache_dirs: list[NamedPath] = []
    max_file_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024 * 1024
    max_depth: Annotated[int, Field(ge=1, le=64)] = 12


class BundleSource(_Strict):
    """A directory of offline API exports (the same JSON the cloud APIs return)."""

    bundle: Path


class Sources(_Strict):
    declared_registry: RegistrySource | None = None
    huggingface: HuggingFaceSource | None = None
    aws: BundleSource | None = None
    azure: BundleSource | None = None


class BedrockLogsSource(_Strict):
    """Bedrock model-invocation logs as AWS writes them
    (`AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz`), from a
    local directory (`path`) or from S3 (`s3_uri`, read with boto3)."""

    path: Path | None = None
    s3_uri: str | None = None
    s3_endpoint_url: str | None = None  # for S3-compatible stores and tests
    s3_region: str = "us-east-1"

    @model_validator(mode="after")
    def _one_location(self) -> BedrockLogsSource:
        if (self.path is None) == (self.s3_uri is None):
            raise ValueError("give exactly one of path or s3_uri")
        if self.s3_uri is not None and not self.s3_uri.startswith("s3://"):
            raise ValueError(f"s3_uri must start with s3:// (got {self.s3_uri!r})")
        return self


class LiteLLMSource(_Strict):
    """LiteLLM proxy spend logs: exported JSON/JSONL/CSV files under `path`, and/or the proxy's
    PostgreSQL table read directly (connection URL from the environment variable named by
    `postgres_url_env`, never written in this file)."""

    path: Path | None = None
    postgres_url_env: str | None = None
    table: str = "LiteLLM_SpendLogs"


class FileLogSource(_Strict):
    path: Path


class LogSources(_Strict):
    bedrock: BedrockLogsSource | None = None
    litellm: LiteLLMSource | None = None
    otel: FileLogSource | None = None  # OTLP JSON exports of GenAI spans and events
    azure_apim: FileLogSource | None = None  # ApiManagementGatewayLlmLog exports


class MonitoringConfig(_Strict):
    logs: LogSources = LogSources()
    rule_pack: Path | None = None  # default: the pack shipped in aisec_assets/monitoring
    start_date: date | None = None  # first daily partition (default: 30 days before today)


class WarehouseConfig(_Strict):
    path: Path
    lock_timeout_seconds: Annotated[float, Field(gt=0)] = 900


class ScheduleConfig(_Strict):
    rescoring_cron: str = "0 2 * * *"
    model_dir_sensor_interval_seconds: Annotated[int, Field(ge=5)] = 60
    log_sensor_interval_seconds: Annotated[int, Field(ge=5)] = 60


class AisecConfig(_Strict):
    organisation: str
    timezone: str = "UTC"
    warehouse: WarehouseConfig
    sources: Sources = Sources()
    monitoring: MonitoringConfig = MonitoringConfig()
    risk: RiskModel = RiskModel()
    schedules: ScheduleConfig = ScheduleConfig()
    config_path: Path | None = None  # set by load_config, not read from the file

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {v!r}") from exc
        return v


def _format_errors(path: Path, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{path}: {key}: {msg}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def _resolve_paths(node: Any, base: Path) -> Any:
    """Resolve every relative `Path` in the validated model against the config's directory."""
    if isinstance(node, BaseModel):
        updates = {
            name: _resolve_paths(getattr(node, name), base) for name in type(node).model_fields
        }
        return node.model_copy(update=updates)
    if isinstance(node, Path):
        return node if node.is_absolute() else (base / node).resolve()
    if isinstance(node, list):
        return [_resolve_paths(n, base) for n in node]
    return node


def parse_config(data: Any, path: Path) -> AisecConfig:
    """Validate an already-parsed YAML document; `path` names it in errors and anchors paths."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping, got {type(data).__name__}")
    if "config_path" in data:
        raise ConfigError(f"{path}: config_path: unknown key")
    try:
        cfg = AisecConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_errors(path, err)) from None
    cfg = _resolve_paths(cfg, path.parent.resolve())
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
    """Where the program keeps its own state by default (demo estate, warehouse, Dagster home)."""
    env = os.environ.get(HOME_ENV_VAR)
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[1] / ".aisec"


def demo_config_path() -> Path:
    return aisec_home() / "demo" / "aisec.yaml"


def load_config() -> AisecConfig:
    """The configuration in force: `AISEC_CONFIG`, else the demo estate (made on first use)."""
    env = os.environ.get(CONFIG_ENV_VAR)
    if env:
        return load_config_file(Path(env))
    from aisec_jobs.demo_estate import ensure_demo_estate

    return load_config_file(ensure_demo_estate(demo_config_path().parent))
