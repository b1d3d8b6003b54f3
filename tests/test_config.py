"""aisec.yaml validation: defaults reproduce the brief; bad files fail fast naming file and key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from aisec_assets.discovery.sources import DISCOVERY_SOURCES
from aisec_assets.discovery.sources.declared_registry import SPEC as DECLARED_REGISTRY
from aisec_assets.discovery.sources.huggingface import SPEC as HUGGINGFACE
from aisec_assets.monitoring.ingest import configured_log_sources
from aisec_jobs.loader import (
    check_log_sources,
    discovery_preflight,
    load_program_config,
    validate_sections,
)
from aisec_resources.config import (
    CONFIG_ENV_VAR,
    AisecConfig,
    ConfigError,
    RiskModel,
    load_config_file,
)


def write(tmp_path: Path, data: object, name: str = "aisec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


MINIMAL = {"organisation": "Acme", "warehouse": {"path": "wh/aisec.duckdb"}}


def test_defaults_reproduce_the_brief(tmp_path: Path) -> None:
    cfg = load_config_file(write(tmp_path, MINIMAL))
    model = cfg.risk
    assert model.weights == {
        "data_sensitivity": 0.25,
        "deployment_exposure": 0.20,
        "model_provenance": 0.15,
        "regulatory_impact": 0.15,
        "capability_risk": 0.15,
        "supply_chain": 0.10,
    }
    assert model.data_sensitivity.scores["regulated"] == 95
    assert model.deployment_exposure.env_multipliers["research"] == 0.3
    assert model.model_provenance.provider_scores["aws_bedrock"] == 15
    assert model.capability_risk.scores["ai_agent"] == 90
    assert model.control_weights["access_logging"] == 0.05
    assert sum(model.control_weights.values()) == pytest.approx(1.0)
    assert (model.levels.critical, model.levels.high, model.levels.medium) == (75, 50, 25)
    assert [r.above for r in model.recommendations] == [60, 50, 40, 60, 60, 40]


def test_relative_paths_resolve_against_the_config_dir(tmp_path: Path) -> None:
    data = {
        **MINIMAL,
        "sources": {
            "declared_registry": {"path": "reg.yaml"},
            "huggingface": {"model_dirs": [{"name": "m", "path": "models"}]},
        },
    }
    cfg = load_config_file(write(tmp_path, data))
    assert cfg.warehouse.path == (tmp_path / "wh" / "aisec.duckdb").resolve()
    registry = DECLARED_REGISTRY.section(cfg)
    huggingface = HUGGINGFACE.section(cfg)
    assert registry is not None and huggingface is not None
    assert registry.path == (tmp_path / "reg.yaml").resolve()
    assert huggingface.model_dirs[0].path == (tmp_path / "models").resolve()
    assert cfg.config_path == (tmp_path / "aisec.yaml").resolve()


@pytest.mark.parametrize(
    ("override", "key", "reason"),
    [
        (
            {"risk": {"weights": {**RiskModel().weights, "supply_chain": 0.2}}},
            "risk.weights",
            "weights sum to 1.100000",
        ),
        (
            {"risk": {"weights": {**RiskModel().weights, "vibes": 0.0}}},
            "risk.weights",
            "unknown dimension(s) ['vibes']",
        ),
        ({"risk": {"weights": {"data_sensitivity": 1.0}}}, "risk.weights", "missing weight"),
        (
            {"risk": {"data_sensitivity": {"scores": {"secret": 99}}}},
            "risk.data_sensitivity.scores",
            "unknown data classification ['secret']",
        ),
        (
            {"risk": {"control_weights": {"prayer": 0.1}}},
            "risk.control_weights",
            "unknown control type ['prayer']",
        ),
        (
            {"risk": {"levels": {"critical": 40, "high": 50, "medium": 25}}},
            "risk.levels",
            "critical > high > medium",
        ),
        (
            {"risk": {"capability_risk": {"scores": {"ai_agent": 140}}}},
            "risk.capability_risk.scores.ai_agent",
            "less than or equal to 100",
        ),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown IANA timezone"),
        ({"warehouse": {}}, "warehouse.path", "Field required"),
        ({"sourcez": {}}, "sourcez", "unknown key"),
    ],
)
def test_invalid_config_names_file_key_and_reason(
    tmp_path: Path, override: dict, key: str, reason: str
) -> None:
    path = write(tmp_path, {**MINIMAL, **override})
    with pytest.raises(ConfigError) as err:
        load_config_file(path)
    message = str(err.value)
    assert f"{path}: {key}:" in message
    assert reason in message


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "organisation: Acme\nwarehouse:\n  path: [unclosed\n")
    with pytest.raises(ConfigError, match=r"aisec.yaml: line \d+, column \d+: invalid YAML"):
        load_config_file(path)


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config_file(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match=r"\(top level\): expected a mapping"):
        load_config_file(write(tmp_path, "- a\n- b\n"))


def test_weights_within_tolerance_are_accepted(tmp_path: Path) -> None:
    weights = {**RiskModel().weights, "supply_chain": 0.1 + 5e-7}
    cfg = load_config_file(write(tmp_path, {**MINIMAL, "risk": {"weights": weights}}))
    assert cfg.risk.weights["supply_chain"] == pytest.approx(0.1000005)


# ------------------------------------------------------------------ monitoring.logs sections
# Each log source's section is validated by the model its spec registers (monitoring pillar),
# when the composition root loads the file (`load_program_config`).


def load_with_log_sources(path: Path) -> AisecConfig:
    config = load_config_file(path)
    check_log_sources(config)
    return config


@pytest.mark.parametrize(
    ("logs", "key", "reason"),
    [
        (
            {"bedrock": {"path": "b", "s3_uri": "s3://bucket"}},
            "monitoring.logs.bedrock",
            "give exactly one of path or s3_uri",
        ),
        (
            {"bedrock": {"s3_uri": "https://bucket"}},
            "monitoring.logs.bedrock",
            "s3_uri must start with s3://",
        ),
        ({"otel": {"paht": "otel"}}, "monitoring.logs.otel.paht", "unknown key"),
        ({"azure_apim": {}}, "monitoring.logs.azure_apim.path", "Field required"),
        ({"litellm": {}}, "monitoring.logs.litellm", "give path, postgres_url_env or both"),
        (
            {"litellm": {"path": "l", "table": "spend; drop table x"}},
            "monitoring.logs.litellm.table",
            "is not a table name",
        ),
        ({"cloudtrail": {"path": "ct"}}, "monitoring.logs.cloudtrail", "unknown key; known:"),
    ],
)
def test_invalid_log_source_names_file_key_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logs: dict, key: str, reason: str
) -> None:
    path = write(tmp_path, {**MINIMAL, "monitoring": {"logs": logs}})
    with pytest.raises(ConfigError) as err:
        load_with_log_sources(path)
    message = str(err.value)
    assert f"{path}: {key}:" in message
    assert reason in message
    # the composition root's loader (CLI and code location) refuses the file the same way
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_program_config()


def test_log_sources_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, {**MINIMAL, "monitoring": {"logs": ["bedrock"]}})
    with pytest.raises(ConfigError, match=rf"{path}: monitoring\.logs: .*dictionary"):
        load_config_file(path)


def test_log_source_paths_resolve_against_the_config_dir(tmp_path: Path) -> None:
    logs = {
        "bedrock": {"path": "logs/bedrock"},
        "litellm": {"path": "logs/litellm", "postgres_url_env": "LITELLM_DB"},
        "otel": {"path": "logs/otel"},
        "azure_apim": None,  # left empty: not configured
    }
    cfg = load_with_log_sources(write(tmp_path, {**MINIMAL, "monitoring": {"logs": logs}}))
    sections = {c.spec.key: c.section for c in configured_log_sources(cfg)}
    assert list(sections) == ["bedrock", "litellm", "otel"]
    assert sections["bedrock"].path == (tmp_path / "logs" / "bedrock").resolve()
    assert sections["litellm"].path == (tmp_path / "logs" / "litellm").resolve()
    assert sections["litellm"].table == "LiteLLM_SpendLogs"
    assert sections["otel"].path == (tmp_path / "logs" / "otel").resolve()


# ------------------------------------------------------------------ sources sections
# Each discovery source's section is validated by the model its spec declares
# (aisec_assets/discovery/sources/), when the composition root loads the file.


def load_validated(path: Path) -> AisecConfig:
    """What the composition root does: load the file, then validate the sources' sections."""
    cfg = load_config_file(path)
    validate_sections(cfg)
    return cfg


@pytest.mark.parametrize(
    ("sources", "key", "reason"),
    [
        ({"aws": {"bundel": "x"}}, "sources.aws.bundel", "unknown key"),
        ({"aws": {}}, "sources.aws", "set exactly one of `bundle`"),
        (
            {"aws": {"bundle": "b", "live": {"accounts": ["123456789012"]}}},
            "sources.aws",
            "set exactly one of `bundle`",
        ),
        ({"aws": {"live": {"accounts": ["1234"]}}}, "sources.aws.live.accounts", "12-digit"),
        ({"azure": {"live": {"subscriptions": ["no"]}}}, "sources.azure.live.subscriptions.0", ""),
        ({"huggingface": {"max_depth": 0}}, "sources.huggingface.max_depth", "greater than"),
        (
            {"huggingface": {"model_dirs": [{"name": "bad name", "path": "m"}]}},
            "sources.huggingface.model_dirs.0.name",
            "String should match pattern",
        ),
        ({"declared_registry": {"path": "r.yaml", "x": 1}}, "sources.declared_registry.x", ""),
        ({"gcp": {"bundle": "x"}}, "sources.gcp", "unknown key; known: ['aws', 'azure'"),
    ],
)
def test_invalid_source_sections_name_file_key_and_reason(
    tmp_path: Path, sources: dict, key: str, reason: str
) -> None:
    path = write(tmp_path, {**MINIMAL, "sources": sources})
    cfg = load_config_file(path)  # the root model leaves sections to their sources
    with pytest.raises(ConfigError) as err:
        validate_sections(cfg)
    message = str(err.value)
    assert f"{path}: {key}:" in message
    assert reason in message


def test_every_invalid_section_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, {**MINIMAL, "sources": {"aws": {}, "azure": {"bundel": "x"}}})
    with pytest.raises(ConfigError) as err:
        load_validated(path)
    assert f"{path}: sources.aws: " in str(err.value)
    assert f"{path}: sources.azure.bundel:" in str(err.value)


def test_the_registry_is_the_one_list_of_sources(tmp_path: Path) -> None:
    names = [spec.asset_name for spec in DISCOVERY_SOURCES]
    assert names == [
        "declared_registry",
        "huggingface_extract",
        "aws_bedrock_extract",
        "aws_sagemaker_extract",
        "azure_openai_extract",
    ]
    aws = [spec for spec in DISCOVERY_SOURCES if spec.config_key == "aws"]
    assert {spec.source for spec in aws} == {"aws_bedrock", "aws_sagemaker"}
    assert len({spec.model for spec in aws}) == 1
    cfg = load_validated(write(tmp_path, MINIMAL))
    assert all(spec.section(cfg) is None for spec in DISCOVERY_SOURCES)


def test_preflight_reports_missing_paths_and_registry_rejections(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "reg.yaml").write_text(
        "assets:\n  - name: a\n    asset_type: ai_agent\n    deployment_env: prod\n"
    )
    data = {
        **MINIMAL,
        "sources": {
            "declared_registry": {"path": "reg.yaml"},
            "huggingface": {
                "model_dirs": [{"name": "m", "path": "models"}],
                "cache_dirs": [{"name": "c", "path": "no-cache"}],
            },
            "aws": {"bundle": "no-aws"},
        },
    }
    cfg = load_validated(write(tmp_path, data))
    assert discovery_preflight(cfg) == [
        f"{tmp_path / 'reg.yaml'}: assets[0] (a): deployment_env: unknown deployment_env "
        "'prod'; allowed: development, staging, production, research",
        f"sources.huggingface.cache_dirs[0]: {tmp_path / 'no-cache'}: directory not found",
        f"sources.aws.bundle: {tmp_path / 'no-aws'}: directory not found",
    ]
    (tmp_path / "reg.yaml").unlink()
    assert discovery_preflight(cfg)[0] == (
        f"sources.declared_registry.path: {tmp_path / 'reg.yaml'}: file not found"
    )


def test_the_demo_configures_every_registered_source(tmp_path: Path) -> None:
    from aisec_jobs.demo_estate import demo_config

    sources = demo_config(date(2026, 11, 23))["sources"]
    assert {spec.config_key for spec in DISCOVERY_SOURCES} <= set(sources)
    cfg = load_validated(write(tmp_path, {**MINIMAL, "sources": sources}))
    assert all(spec.section(cfg) is not None for spec in DISCOVERY_SOURCES)
