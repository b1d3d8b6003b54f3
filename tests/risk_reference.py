"""A plain per-asset Python restatement of the risk model (SPEC §3.2, the brief's Phase 2).

This is the oracle the SQL engine (`sql/risk/risk_scores.sql`) is tested against, and the
"straightforward per-asset Python loop" the benchmark compares it with. It deliberately reads
like the brief: one function per dimension, Python's own `round`, a stable `sorted`.

Two points are spelled out because the SQL must reproduce them to the last bit:
* the inherent score and the effectiveness are summed left to right in a fixed order (the
  brief's dimension order; control types sorted by name), never with `sum()`/`fsum()`;
* NULL (None) enum values and values missing from the configured tables score as "unknown";
* a field named in `invalid_fields` (a source gave an invalid value) scores at its worst case:
  bad input never lowers risk.
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


def invalid(asset: Mapping[str, Any], field: str) -> bool:
    """Whether a source reported `field` with an invalid value (worst case, not unknown)."""
    return field in (asset.get("invalid_fields") or [])


def worst(table: Mapping[str, float], *floor: float) -> float:
    """The worst case of an invalid value: the table's highest value, at least `floor`."""
    return max([*table.values(), *floor])


def score_data_sensitivity(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.data_sensitivity
    if invalid(asset, "data_classification"):
        return worst(table.scores, table.unknown)
    return table.scores.get(asset.get("data_classification"), table.unknown)


def score_deployment_exposure(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.deployment_exposure
    if invalid(asset, "network_exposure"):
        base = worst(table.exposure_scores, table.unknown_exposure)
    else:
        base = table.exposure_scores.get(asset.get("network_exposure"), table.unknown_exposure)
    if invalid(asset, "deployment_env"):
        multiplier = worst(table.env_multipliers, table.unknown_env)
    else:
        multiplier = table.env_multipliers.get(asset.get("deployment_env"), table.unknown_env)
    return min(table.cap, base * multiplier)


def score_model_provenance(asset: Mapping[str, Any], model: RiskModel, assessed: date) -> float:
    table = model.model_provenance
    provider = asset.get("model_provider")
    if invalid(asset, "model_provider"):
        base = worst(table.provider_scores, table.self_hosted, table.other)
    elif provider in table.provider_scores:
        base = table.provider_scores[provider]
    elif invalid(asset, "is_self_hosted"):
        base = max(table.self_hosted, table.other)
    elif asset.get("is_self_hosted"):
        base = table.self_hosted
    else:
        base = table.other
    reviewed = asset.get("last_security_review")
    if invalid(asset, "last_security_review"):
        base += max(table.never_reviewed_penalty, table.stale_review_penalty)
    elif reviewed is None:
        base += table.never_reviewed_penalty
    elif (assessed - reviewed).days > model.stale_review_days:
        base += table.stale_review_penalty
    return min(table.cap, base)


def score_regulatory_impact(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.regulatory_impact
    if invalid(asset, "regulatory_scope"):
        return max(table.no_scope, table.high_impact, table.other_scope)
    # An explicit "none" is no scope at all; NULL entries carry nothing either.
    scopes = [s for s in asset.get("regulatory_scope") or [] if s is not None and s != "none"]
    if not scopes:
        return table.no_scope
    if any(s in table.high_impact_scopes for s in scopes):
        return table.high_impact
    return table.other_scope


def score_capability_risk(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.capability_risk
    if invalid(asset, "asset_type"):
        return worst(table.scores, table.other)
    return table.scores.get(asset.get("asset_type"), table.other)


def score_supply_chain(asset: Mapping[str, Any], model: RiskModel) -> float:
    table = model.supply_chain
    score = table.base
    if asset.get("sbom_available") and not invalid(asset, "sbom_available"):
        score -= table.sbom_credit
    license_type = asset.get("license_type")
    if license_type and license_type != "unknown" and not invalid(asset, "license_type"):
        score -= table.known_license_credit
    source_url = asset.get("source_url")
    if invalid(asset, "source_url") or (source_url and "huggingface.co" in source_url):
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
    def shown(field: str) -> str:
        return "invalid" if invalid(asset, field) else _text(asset.get(field))

    scopes = ", ".join(s for s in asset.get("regulatory_scope") or [] if s is not None)
    if invalid(asset, "regulatory_scope"):
        scopes = "invalid"
    return {
        "data_sensitivity": f"Data classification: {shown('data_classification')}",
        "deployment_exposure": (
            f"Network: {shown('network_exposure')}, Env: {shown('deployment_env')}"
        ),
        "model_provenance": (
            f"Provider: {shown('model_provider')}, Self-hosted: {shown('is_self_hosted')}"
        ),
        "regulatory_impact": f"Regulatory scope: [{scopes}]",
        "capability_risk": f"Asset type: {shown('asset_type')}",
        "supply_chain": f"SBOM: {shown('sbom_available')}, License: {shown('license_type')}",
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
