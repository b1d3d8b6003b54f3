"""The risk model of SPEC §3.2 (`risk:` in aisec.yaml); the defaults are the design brief's."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from aisec_resources.config.base import _Strict, check_keys
from aisec_resources.records import (
    ASSET_TYPES,
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
)

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
        check_keys(v, DATA_CLASSIFICATIONS, "data classification")
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
        check_keys(v, NETWORK_EXPOSURES, "network exposure")
        return v

    @field_validator("env_multipliers")
    @classmethod
    def _known_env(cls, v: dict[str, float]) -> dict[str, float]:
        check_keys(v, DEPLOYMENT_ENVS, "deployment environment")
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
        check_keys(dict.fromkeys(v), REGULATORY_SCOPES, "regulatory scope")
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
        check_keys(v, ASSET_TYPES, "asset type")
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
        check_keys(v, CONTROL_TYPES, "control type")
        return v
