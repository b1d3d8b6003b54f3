"""aisec.yaml validation: defaults reproduce the brief; bad files fail fast naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aisec_resources.config import ConfigError, RiskModel, load_config_file


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
    assert cfg.sources.declared_registry.path == (tmp_path / "reg.yaml").resolve()
    assert cfg.sources.huggingface.model_dirs[0].path == (tmp_path / "models").resolve()
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
        ({"sources": {"aws": {"bundel": "x"}}}, "sources.aws.bundel", "unknown key"),
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
