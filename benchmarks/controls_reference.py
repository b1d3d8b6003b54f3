"""A plain per-asset Python restatement of the controls rules, for `bench_controls`.

The SQL (`sql/controls/evidence_facts.sql`, `control_evidence.sql`, `control_coverage.sql`,
the view `controls.required_controls` and `sql/compliance/framework_compliance.sql`) works on
whole tables; this module restates the same rules for one asset at a time, the way a
straightforward per-object program would:

1. `evidence_facts`: the asset's evidence facts (fact, state, source) from its posture dict,
   its operational controls, its fields and the guardrails it uses;
2. `control_rows`: every catalog control that applies to its type (or has evidence in place):
   applicability (conditions; an unknown or invalid value counts as holding), the status from
   the facts where discovery wins over declarations and attestations, risk acceptances;
3. `assess_asset`: what its inherent risk level requires, the coverage counts, and per
   framework requirement in scope whether the asset meets it.

Evidence texts are not built (the SQL builds one per fact and per control row): the loop
does less work than the SQL, so the measured ratio errs on the side of the loop.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from aisec_assets.controls.library import RISK_LEVELS, ControlLibrary

STATE_RANK = {"implemented": 3, "partly": 2, "missing": 1}
RANK_STATE = {rank: state for state, rank in STATE_RANK.items()}
OBSERVED_SOURCES = frozenset({"discovered", "dependency", "inventory"})
SENSITIVE_CLASSES = frozenset({"confidential", "restricted", "regulated"})
MODEL_FILE_TYPES = frozenset({"foundation_model", "fine_tuned_model", "embedding_model"})
Fact = tuple[str, str, str]  # (fact, state, source)
# What DuckDB's TRY_CAST(text AS BOOLEAN) accepts (case-insensitive, no trimming).
BOOLEAN_TEXT = {"true": True, "t": True, "1": True, "yes": True, "y": True}
BOOLEAN_TEXT |= {"false": False, "f": False, "0": False, "no": False, "n": False}


# ---------------------------------------------------------------- the catalog as plain data
@dataclass(frozen=True)
class CatalogControl:
    control_id: str
    applies_to: frozenset[str]
    applies_when: frozenset[str]
    required_from_rank: int
    facts: frozenset[str]
    attested: bool


@dataclass(frozen=True)
class FrameworkRequirement:
    framework: str
    requirement_id: str
    controls: tuple[str, ...]
    scope: frozenset[str]


@dataclass(frozen=True)
class Rules:
    controls: tuple[CatalogControl, ...]
    requirements: tuple[FrameworkRequirement, ...]


def rules_from_library(library: ControlLibrary) -> Rules:
    controls = tuple(
        CatalogControl(
            control_id=c.id,
            applies_to=frozenset(c.applies_to),
            applies_when=frozenset(c.applies_when),
            required_from_rank=RISK_LEVELS.index(c.required_from) + 1,
            facts=frozenset(c.evidence.facts),
            attested="attested" in c.evidence.facts,
        )
        for c in library.catalog.controls
    )
    mapped = library.requirement_controls()
    requirements = tuple(
        FrameworkRequirement(
            key, req.id, tuple(sorted(set(mapped[(key, req.id)]))), frozenset(fw.scope)
        )
        for key, fw in library.frameworks.items()
        for req in fw.requirements
        if mapped[(key, req.id)]
    )
    return Rules(controls, requirements)


# ---------------------------------------------------------------- JSON values as the SQL reads them
def _sub(posture: Any, key: str) -> dict[str, Any] | None:
    """`json_extract(x, '$.key')` where an object is expected (None: absent or not an object)."""
    if isinstance(posture, dict):
        value = posture.get(key)
        return value if isinstance(value, dict) else None
    return None


def _has(obj: dict[str, Any] | None, key: str) -> bool:
    """`json_extract(obj, '$.key') IS NOT NULL`: the key is there (a JSON null counts)."""
    return obj is not None and key in obj


def _text(value: Any) -> str | None:
    """`json_extract_string`: JSON null is NULL; booleans and numbers as their JSON text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _get(obj: dict[str, Any] | None, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _flag(obj: dict[str, Any] | None, *path: str) -> bool | None:
    """`TRY_CAST(json_extract_string(obj, path) AS BOOLEAN)`."""
    text = _text(_get(obj, *path))
    return None if text is None else BOOLEAN_TEXT.get(text.lower())


def _number(obj: dict[str, Any] | None, *path: str) -> float | None:
    text = _text(_get(obj, *path))
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _array_len(obj: dict[str, Any] | None, *path: str) -> int:
    """`coalesce(json_array_length(json_extract(obj, path)), 0)`: 0 for a non-array."""
    value = _get(obj, *path)
    return len(value) if isinstance(value, list) else 0


def _has_keys(value: Any) -> bool:
    """`coalesce(json_keys(value) <> [], false)`."""
    return isinstance(value, dict) and len(value) > 0


# ---------------------------------------------------------------- evidence facts
def guardrail_policy(guardrail: Mapping[str, Any]) -> dict[str, Any] | None:
    """A guardrail asset's own policy facts (None: not a guardrail with Bedrock posture)."""
    if guardrail["asset_type"] != "guardrail_config":
        return None
    bedrock = _sub(guardrail["posture"], "aws_bedrock")
    if bedrock is None:
        return None
    pii = bedrock.get("pii_entities")
    regex = _number(bedrock, "regex_filters")  # TRY_CAST AS INTEGER rounds half away
    regex = None if regex is None else math.copysign(math.floor(abs(regex) + 0.5), regex)
    status = _text(bedrock.get("guardrail_status"))
    published = bool(_flag(bedrock, "published"))
    return {
        "prompt_attack": _text(bedrock.get("prompt_attack_filter_strength")),
        "sensitive_info": (isinstance(pii, list) and len(pii) > 0)
        or _has_keys(pii)
        or (regex is not None and regex > 0),
        "content_filter": _has_keys(bedrock.get("content_filters")),
        "grounding": _has_keys(bedrock.get("contextual_grounding")),
        "status": status,
        "published": published,
        "active": published and (status or "READY") == "READY",
    }


def _attack_state(strength: str | None) -> str:
    if strength in ("HIGH", "MEDIUM"):
        return "implemented"
    return "partly" if strength == "LOW" else "missing"


def _inherited(state: str, active: bool) -> str:
    return "partly" if not active and state == "implemented" else state


def _policy_facts(policy: dict[str, Any], source: str, active: bool) -> list[Fact]:
    """The facts a guardrail shows for itself (discovered) or passes on (dependency)."""
    inherited = source == "dependency"

    def state(present: bool) -> str:
        value = "implemented" if present else "missing"
        return _inherited(value, active) if inherited else value

    attack = _attack_state(policy["prompt_attack"])
    return [
        (
            "guardrail.prompt_attack_filter",
            _inherited(attack, active) if inherited else attack,
            source,
        ),
        ("guardrail.sensitive_info_filter", state(policy["sensitive_info"]), source),
        ("guardrail.content_filter", state(policy["content_filter"]), source),
        ("guardrail.contextual_grounding", state(policy["grounding"]), source),
        ("guardrail.published", "implemented" if policy["active"] else "partly", source),
    ]


def evidence_facts(
    asset: Mapping[str, Any],
    posture: Any,
    used_guardrails: Iterable[dict[str, Any]],
    day: date,
    stale_review_days: int,
) -> list[Fact]:
    """Every evidence fact observed about one active asset (restates evidence_facts.sql)."""
    invalid = set(asset["invalid_fields"] or ())
    bedrock = _sub(posture, "aws_bedrock")
    sagemaker = _sub(posture, "aws_sagemaker")
    azure = _sub(posture, "azure_openai")
    hf = _sub(posture, "huggingface")
    facts: list[Fact] = []
    add = facts.append

    for control in asset["controls"] or ():
        if control["type"] is not None:
            add(
                (
                    "control." + control["type"],
                    "implemented" if control["operational"] else "partly",
                    "declared" if control["source"] == "declared_registry" else "discovered",
                )
            )

    # Guardrails: the asset's own policy, the ones it uses, Bedrock agent and Azure settings.
    own = guardrail_policy({"asset_type": asset["asset_type"], "posture": posture})
    if own is not None:
        facts += _policy_facts(own, "discovered", True)
    for policy in used_guardrails:
        add(("guardrail.attached", "implemented" if policy["active"] else "partly", "dependency"))
        facts += _policy_facts(policy, "dependency", policy["active"])
    if asset["asset_type"] == "ai_agent" and _has(bedrock, "guardrail_attached"):
        if not _flag(bedrock, "guardrail_attached"):
            state = "missing"
        elif (
            _text(_get(bedrock, "guardrail", "version")) == "DRAFT"
            or (_text(_get(bedrock, "guardrail", "status")) or "READY") != "READY"
        ):
            state = "partly"
        else:
            state = "implemented"
        add(("guardrail.attached", state, "discovered"))
    if _has(azure, "content_filter_attached"):
        attached = bool(_flag(azure, "content_filter_attached"))
        add(("guardrail.attached", "implemented" if attached else "missing", "discovered"))
        blocking = _array_len(azure, "content_filter", "completion_blocking") > 0
        add(("guardrail.content_filter", "implemented" if blocking else "missing", "discovered"))
    if _has(azure, "prompt_shield_jailbreak"):
        shield = _text(azure["prompt_shield_jailbreak"])
        state = {"block": "implemented", "annotate": "partly"}.get(shield or "", "missing")
        add(("guardrail.prompt_attack_filter", state, "discovered"))

    # Invocation logging.
    if _has(bedrock, "invocation_logging"):
        on = bool(_flag(bedrock, "invocation_logging"))
        add(("logging.invocation", "implemented" if on else "missing", "discovered"))
    if _has(sagemaker, "endpoint_config_collected"):
        on = bool(_flag(sagemaker, "data_capture", "enabled"))
        add(("logging.invocation", "implemented" if on else "missing", "discovered"))

    # Private network access.
    if _has(azure, "public_network_access"):
        if _text(azure["public_network_access"]) == "Disabled":
            state = "implemented"
        elif _text(azure.get("network_acl_default_action")) == "Deny":
            state = "partly"
        else:
            state = "missing"
        add(("network.private_access", state, "discovered"))
    if _has(sagemaker, "network_isolated"):
        isolated = bool(_flag(sagemaker, "network_isolated"))
        add(("network.private_access", "implemented" if isolated else "missing", "discovered"))
    exposure = asset["network_exposure"]
    if exposure is not None or "network_exposure" in invalid:
        # "An invalid value never counts as a control in place" (evidence_facts.sql's header):
        # a flagged network_exposure is not private even when another source said internal.
        private = exposure in ("internal", "vpc") and "network_exposure" not in invalid
        add(("network.private_access", "implemented" if private else "missing", "inventory"))

    # Keyless authentication, customer-managed keys.
    if _has(azure, "disable_local_auth"):
        keyless = bool(_flag(azure, "disable_local_auth"))
        add(("auth.keyless", "implemented" if keyless else "missing", "discovered"))
    if _has(azure, "customer_managed_key"):
        cmk = bool(_flag(azure, "customer_managed_key"))
        add(("encryption.customer_managed_key", "implemented" if cmk else "missing", "discovered"))
    for aws in (bedrock, sagemaker):
        if _has(aws, "encryption_key") or _has(aws, "ingestion_kms_key_arn"):
            cmk = (_text(aws.get("encryption_key")) or "") == "customer_managed" or (
                _text(aws.get("ingestion_kms_key_arn")) is not None
            )
            add(
                (
                    "encryption.customer_managed_key",
                    "implemented" if cmk else "missing",
                    "discovered",
                )
            )

    # Model files.
    if _array_len(hf, "model_files") > 0:
        if _array_len(hf, "unsafe_imports") > 0:
            state = "missing"
        elif _array_len(hf, "pickle_files") > 0:
            state = "partly"
        else:
            state = "implemented"
        add(("model_files.safe_format", state, "discovered"))

    # Agent settings.
    if _has(bedrock, "code_interpreter_enabled"):
        enabled = _flag(bedrock, "code_interpreter_enabled")
        state = "missing" if enabled is None or enabled else "implemented"
        add(("agent.code_interpreter_disabled", state, "discovered"))
    if _has(bedrock, "return_control"):
        on = bool(_flag(bedrock, "return_control"))
        add(("agent.human_confirmation", "implemented" if on else "missing", "discovered"))
    if _has(bedrock, "api_schema_present"):
        on = bool(_flag(bedrock, "api_schema_present"))
        add(("agent.tool_schema_defined", "implemented" if on else "missing", "discovered"))

    # Secrets in serving configuration.
    if _has(sagemaker, "secret_like_environment_variables"):
        leaked = _array_len(sagemaker, "secret_like_environment_variables") > 0
        add(("secrets.none_in_config", "missing" if leaked else "implemented", "discovered"))

    # Throughput limits.
    for source, key in ((azure, "deployment_capacity"), (bedrock, "model_units")):
        value = _number(source, key)
        if value is not None and value > 0:
            add(("rate_limit.quota", "implemented", "discovered"))

    # Facts of the record itself.
    sbom = asset["sbom_available"] and "sbom_available" not in invalid
    add(("sbom.available", "implemented" if sbom else "missing", "inventory"))
    review = asset["last_security_review"]
    if review is None or "last_security_review" in invalid:
        state = "missing"
    elif (day - review).days > stale_review_days:
        state = "partly"
    else:
        state = "implemented"
    add(("review.current", state, "inventory"))
    owned = bool((asset["owner_team"] or "").strip(" ")) and "owner_team" not in invalid
    add(("ownership.assigned", "implemented" if owned else "missing", "inventory"))
    classified = asset["data_classification"] is not None and "data_classification" not in invalid
    add(("data.classified", "implemented" if classified else "missing", "inventory"))
    return facts


# ---------------------------------------------------------------- control evidence and coverage
def conditions(asset: Mapping[str, Any], posture: Any) -> set[str]:
    """The applicability conditions that hold (unknown or invalid: holds)."""
    invalid = set(asset["invalid_fields"] or ())
    scope = asset["regulatory_scope"] or []
    held: set[str] = set()
    env = asset["deployment_env"]
    if env == "production" or env is None or "deployment_env" in invalid:
        held.add("production")
    if asset["is_self_hosted"] is not False or "is_self_hosted" in invalid:
        held.add("self_hosted")
    if _array_len(_sub(posture, "huggingface"), "model_files") > 0:
        held.add("has_model_files")
    if asset["cloud_provider"] in ("aws", "azure"):
        held.add(asset["cloud_provider"])
    exposure = asset["network_exposure"]
    if exposure == "public" or exposure is None or "network_exposure" in invalid:
        held.add("public")
    classification = asset["data_classification"]
    if (
        classification in SENSITIVE_CLASSES
        or classification is None
        or "data_classification" in invalid
    ):
        held.add("sensitive_data")
    if any(s != "none" for s in scope) or "regulatory_scope" in invalid:
        held.add("regulated_scope")
    if "eu_ai_act_high_risk" in scope or "regulatory_scope" in invalid:
        held.add("eu_ai_act_high_risk")
    return held


def control_rows(
    asset: Mapping[str, Any],
    posture: Any,
    facts: list[Fact],
    attested: set[str],
    accepted: set[str],
    rules: Rules,
) -> dict[str, tuple[bool, str]]:
    """control id → (applicable, status) for the controls the SQL keeps a row for."""
    held = conditions(asset, posture)
    asset_type = asset["asset_type"]
    by_fact: dict[str, list[tuple[int, bool]]] = {}
    for fact, state, source in facts:
        by_fact.setdefault(fact, []).append((STATE_RANK[state], source in OBSERVED_SOURCES))
    rows: dict[str, tuple[bool, str]] = {}
    for control in rules.controls:
        found = [entry for fact in control.facts for entry in by_fact.get(fact, ())]
        if control.attested and control.control_id in attested:
            found.append((3, False))
        if any(observed for _, observed in found):
            found = [entry for entry in found if entry[1]]  # discovery wins
        rank = max((r for r, _ in found), default=0)
        type_listed = asset_type == "unknown" or asset_type in control.applies_to
        if not type_listed and rank < 2:
            continue
        applicable = type_listed and control.applies_when <= held
        if rank == 3:
            status = "implemented"
        elif not applicable and rank < 2:
            status = "not_applicable"
        elif control.control_id in accepted:
            status = "accepted"
        elif rank == 2:
            status = "partly"
        else:
            status = "missing"
        rows[control.control_id] = (applicable, status)
    return rows


def assess_asset(
    asset: Mapping[str, Any],
    used_guardrails: list[dict[str, Any]],
    attested: set[str],
    accepted: set[str],
    inherent_level: str | None,
    rules: Rules,
    day: date,
    stale_review_days: int,
) -> dict[str, Any]:
    """One asset's coverage row, control statuses and framework results."""
    posture = json.loads(asset["posture"]) if asset["posture"] is not None else None
    facts = evidence_facts(asset, posture, used_guardrails, day, stale_review_days)
    rows = control_rows(asset, posture, facts, attested, accepted, rules)
    level = inherent_level or "CRITICAL"
    level_rank = RISK_LEVELS.index(level) + 1
    rank_of = {c.control_id: c.required_from_rank for c in rules.controls}
    required = {
        control_id: status
        for control_id, (applicable, status) in rows.items()
        if applicable and rank_of[control_id] <= level_rank
    }
    statuses = list(required.values())
    implemented = statuses.count("implemented")
    missing_controls = sorted(c for c, s in required.items() if s in ("missing", "partly"))
    owner = (asset["owner_team"] or "").strip(" ") or None
    scope = set(asset["regulatory_scope"] or ())
    bad_scope = "regulatory_scope" in (asset["invalid_fields"] or ())
    frameworks: dict[tuple[str, str], bool] = {}
    for req in rules.requirements:
        if req.scope and not bad_scope and not scope & req.scope:
            continue
        mapped = [required[c] for c in req.controls if c in required]
        if mapped:
            frameworks[(req.framework, req.requirement_id)] = all(
                s in ("implemented", "accepted") for s in mapped
            )
    return {
        "asset_id": asset["asset_id"],
        "owner_team": owner,
        "inherent_risk_level": level,
        "required_controls": len(statuses),
        "implemented": implemented,
        "partly": statuses.count("partly"),
        "accepted": statuses.count("accepted"),
        "missing": len(missing_controls),
        "coverage": 1.0 if not statuses else implemented / len(statuses),
        "missing_controls": missing_controls,
        "statuses": {c: s for c, (_, s) in rows.items()},
        "frameworks": frameworks,
    }
