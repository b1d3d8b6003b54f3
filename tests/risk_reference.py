"""A plain per-asset Python restatement of the risk model (SPEC §3.2, the brief's Phase 2).

This is the oracle the SQL engine (`sql/risk/risk_scores.sql`) is tested against, and the
"straightforward per-asset Python loop" the benchmark compares it with. It deliberately reads
like the brief: one function per dimension, Python's own `round`, a stable `sorted`.

Two points are spelled out because the SQL must reproduce them to the last bit:
* the inherent score and the effectiveness are summed left to right in a fixed order (the
  brief's dimension order; control types sorted by name), never with `sum()`/`fsum()`;
* NULL (None) enum values and values missing from the configured tables score as "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from aisec_resources.config import DIMENSIONS, RiskModel


def _text(value: Any) -> str:
    """How a fact is shown in a factor's details: NULL is 'unknown', booleans lowercase."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def score_data_sensitivity(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.data_sensitivity
    return table.scores.get(asset.get("data_classification"), table.unknown)


def score_deployment_exposure(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.deployment_exposure
    base = table.exposure_scores.get(asset.get("network_exposure"), table.unknown_exposure)
    multiplier = table.env_multipliers.get(asset.get("deployment_env"), table.unknown_env)
    return min(table.cap, base * multiplier)


def score_model_provenance(asset: Mapping[str, Any], model: RiskModel, assessed: date) -> float:
    table = model.model_provenance
    provider = asset.get("model_provider")
    if provider in table.provider_scores:
        base = table.provider_scores[provider]
    elif asset.get("is_self_hosted"):
        base = table.self_hosted
    else:
        base = table.other
    reviewed = asset.get("last_security_review")
    if reviewed is None:
        base += table.never_reviewed_penalty
    elif (assessed - reviewed).days > model.stale_review_days:
        base += table.stale_review_penalty
    return min(table.cap, base)


def score_regulatory_impact(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.regulatory_impact
    # An explicit "none" is no scope at all; NULL entries carry nothing either.
    scopes = [s for s in asset.get("regulatory_scope") or [] if s is not None and s != "none"]
    if not scopes:
        return table.no_scope
    if any(s in table.high_impact_scopes for s in scopes):
        return table.high_impact
    return table.other_scope


def score_capability_risk(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.capability_risk
    return table.scores.get(asset.get("asset_type"), table.other)


def score_supply_chain(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.supply_chain
    score = table.base
    if asset.get("sbom_available"):
        score -= table.sbom_credit
    license_type = asset.get("license_type")
    if license_type and license_type != "unknown":
        score -= table.known_license_credit
    source_url = asset.get("source_url")
    if source_url and "huggingface.co" in source_url:
        score += table.huggingface_penalty
    return max(0.0, min(100.0, score))


def operational_control_types(controls: Sequence[Mapping[str, Any] | None] | None) -> list[str]:
    """Distinct types of the controls that are operational, sorted by name."""
    types = {
        c["type"]
        for c in controls or []
        if c is not None and c.get("operational") is True and c.get("type") is not None
    }
    return sorted(types)


def control_effectiveness(operational_types: Sequence[str], model: RiskModel) -> float:
    """Each distinct type counts once; summed in name order so the float matches the SQL."""
    total = 0.0
    for control_type in operational_types:
        if control_type in model.control_weights:
            total = total + model.control_weights[control_type]
    return min(1.0, total)


def factor_details(asset: Mapping[str, Any]) -> dict[str, str]:
    scopes = ", ".join(s for s in asset.get("regulatory_scope") or [] if s is not None)
    return {
        "data_sensitivity": f"Data classification: {_text(asset.get('data_classification'))}",
        "deployment_exposure": (
            f"Network: {_text(asset.get('network_exposure'))}, "
            f"Env: {_text(asset.get('deployment_env'))}"
        ),
        "model_provenance": (
            f"Provider: {_text(asset.get('model_provider'))}, "
            f"Self-hosted: {_text(asset.get('is_self_hosted'))}"
        ),
        "regulatory_impact": f"Regulatory scope: [{scopes}]",
        "capability_risk": f"Asset type: {_text(asset.get('asset_type'))}",
        "supply_chain": (
            f"SBOM: {_text(asset.get('sbom_available'))}, "
            f"License: {_text(asset.get('license_type'))}"
        ),
    }


def risk_level(residual: float, model: RiskModel) -> str:
    if residual >= model.levels.critical:
        return "CRITICAL"
    if residual >= model.levels.high:
        return "HIGH"
    if residual >= model.levels.medium:
        return "MEDIUM"
    return "LOW"


def assess_asset(asset: Mapping[str, Any], model: RiskModel, assessed: date) -> dict[str, Any]:
    """One asset's assessment: the columns of `risk.risk_scores` (without scored_at/run_id),
    plus `residual_risk_unrounded`, the value the level was decided on."""
    scores = {
        "data_sensitivity": score_data_sensitivity(asset, model),
        "deployment_exposure": score_deployment_exposure(asset, model),
        "model_provenance": score_model_provenance(asset, model, assessed),
        "regulatory_impact": score_regulatory_impact(asset, model),
        "capability_risk": score_capability_risk(asset, model),
        "supply_chain": score_supply_chain(asset, model),
    }
    details = factor_details(asset)
    factors = [
        {
            "dimension": dimension,
            "score": scores[dimension],
            "weight": model.weights[dimension],
            "weighted": scores[dimension] * model.weights[dimension],
            "details": details[dimension],
        }
        for dimension in DIMENSIONS
    ]
    inherent = 0.0
    for factor in factors:
        inherent = inherent + factor["weighted"]

    operational = operational_control_types(asset.get("controls"))
    effectiveness = control_effectiveness(operational, model)
    residual = inherent * (1 - effectiveness)

    # Stable sort: equal contributions keep the brief's dimension order.
    ranked = sorted(factors, key=lambda f: f["weighted"], reverse=True)
    thresholds: list[tuple[str, float, str]] = [
        (r.dimension, r.above, r.text) for r in model.recommendations
    ]
    recommendations = [
        text
        for factor in ranked[: model.max_recommendation_drivers]
        for dimension, above, text in thresholds
        if dimension == factor["dimension"] and factor["score"] > above
    ]

    inherent_rounded = round(inherent, 2)
    residual_rounded = round(residual, 2)
    if inherent_rounded == 0:
        reduction = 0.0
    else:
        reduction = round((1 - residual_rounded / inherent_rounded) * 100, 2)

    return {
        "asset_id": asset.get("asset_id"),
        "assessed_date": assessed,
        **{f"{dimension}_score": scores[dimension] for dimension in DIMENSIONS},
        "inherent_risk_score": inherent_rounded,
        "control_effectiveness": round(effectiveness, 2),
        "residual_risk_score": residual_rounded,
        "residual_risk_unrounded": residual,
        "risk_level": risk_level(residual, model),
        "risk_reduction_percentage": reduction,
        "risk_factors": ranked,
        "top_driver": ranked[0]["dimension"],
        "recommendations": recommendations,
        "operational_controls": operational,
    }
