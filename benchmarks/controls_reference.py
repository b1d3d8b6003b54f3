"""A plain per-asset Python restatement of the controls rules, for `bench_controls`.

The SQL (`sql/controls/evidence_facts.sql`, `control_evidence.sql`, `control_coverage.sql` and
`sql/compliance/framework_compliance.sql`) works on whole tables; this module restates the same
rules for one asset at a time, the way a straightforward per-object program would, and produces
the same rows the SQL stores:

1. `evidence_facts`: the asset's evidence facts (fact, state, source, evidence text) from its
   posture dict, its operational controls, its fields and the guardrails it uses;
2. `control_rows`: its `controls.control_evidence` rows: every catalog control that applies to
   its type (or has evidence in place), with applicability (conditions; an unknown or invalid
   value counts as holding), the status from the facts where discovery wins over declarations
   and attestations (the decisive fact: observed first, then the best state, then the source
   priority attested < declared < inventory < dependency < discovered, then the greatest
   evidence text), risk acceptances, the evidence text and source;
3. `assess_asset`: its `controls.control_coverage` row (what its inherent risk level requires,
   the counts, the missing controls) and, per framework requirement in scope, whether the
   asset meets it; `FrameworkTally` adds those up into `compliance.framework_compliance` rows.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aisec_assets.controls.library import RISK_LEVELS, ControlLibrary

STATE_RANK = {"implemented": 3, "partly": 2, "missing": 1}
OBSERVED_SOURCES = frozenset({"discovered", "dependency", "inventory"})
# The tie-break between equally good facts (control_evidence.sql): later wins.
SOURCE_PRIORITY = {
    source: i
    for i, source in enumerate(
        ("attested", "declared", "inventory", "dependency", "discovered"), start=1
    )
}
SENSITIVE_CLASSES = frozenset({"confidential", "restricted", "regulated"})
FAILING_NAMES = 20
Fact = tuple[str, str, str, str]  # (fact, state, source, evidence)
# What DuckDB's TRY_CAST(text AS BOOLEAN) accepts (case-insensitive, no trimming).
BOOLEAN_TEXT = {"true": True, "t": True, "1": True, "yes": True, "y": True}
BOOLEAN_TEXT |= {"false": False, "f": False, "0": False, "no": False, "n": False}
NOT_APPLICABLE_TEXT = "does not apply: a condition does not hold"


# ---------------------------------------------------------------- the catalog as plain data
@dataclass(frozen=True)
class CatalogControl:
    control_id: str
    control_type: str | None
    applies_to: frozenset[str]
    applies_when: frozenset[str]
    required_from_rank: int
    facts: frozenset[str]
    attested: bool


@dataclass(frozen=True)
class FrameworkRequirement:
    framework: str
    requirement_id: str
    title: str
    manual: bool
    controls: tuple[str, ...]
    scope: frozenset[str]


@dataclass(frozen=True)
class Rules:
    controls: tuple[CatalogControl, ...]
    # Every requirement of every framework, in file order.
    requirements: tuple[FrameworkRequirement, ...]


def rules_from_library(library: ControlLibrary) -> Rules:
    controls = tuple(
        CatalogControl(
            control_id=c.id,
            control_type=c.control_type,
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
            framework=key,
            requirement_id=req.id,
            title=req.title,
            manual=req.manual,
            controls=tuple(sorted(set(mapped[(key, req.id)]))),
            scope=frozenset(fw.scope),
        )
        for key, fw in library.frameworks.items()
        for req in fw.requirements
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


def _joined(value: Any) -> str | None:
    """`array_to_string(CAST(json AS VARCHAR[]), ', ')` (NULL elements left out)."""
    if not isinstance(value, list):
        return None
    return ", ".join(text for text in map(_text, value) if text is not None)


def _has_keys(value: Any) -> bool:
    """`coalesce(json_keys(value) <> [], false)`."""
    return isinstance(value, dict) and len(value) > 0


def _or(*values: str | None) -> str:
    """`coalesce(...)` over texts, the last one a default."""
    for value in values:
        if value is not None:
            return value
    raise ValueError("no default")


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
        "name": guardrail["name"],
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


def _policy_facts(policy: dict[str, Any], source: str) -> list[Fact]:
    """The facts a guardrail shows for itself (discovered) or passes on (dependency)."""
    inherited = source == "dependency"
    active = policy["active"] if inherited else True
    name = policy["name"]
    prefix = "uses guardrail" if inherited else "guardrail"

    def state(present: bool) -> str:
        return _inherited("implemented" if present else "missing", active)

    sensitive = policy["sensitive_info"]
    content = policy["content_filter"]
    grounding = policy["grounding"]
    return [
        (
            "guardrail.prompt_attack_filter",
            _inherited(_attack_state(policy["prompt_attack"]), active),
            source,
            f"{prefix} {name}: PROMPT_ATTACK filter {policy['prompt_attack'] or 'NONE'}",
        ),
        (
            "guardrail.sensitive_info_filter",
            state(sensitive),
            source,
            f"{prefix} {name}: "
            + ("PII entity or regex filters set" if sensitive else "no PII or regex filter"),
        ),
        (
            "guardrail.content_filter",
            state(content),
            source,
            f"guardrail {name}: " + ("content filters set" if content else "no content filter"),
        ),
        (
            "guardrail.contextual_grounding",
            state(grounding),
            source,
            f"guardrail {name}: contextual grounding " + ("on" if grounding else "off"),
        ),
        (
            "guardrail.published",
            "implemented" if policy["active"] else "partly",
            source,
            f"guardrail {name}: "
            + ("published version in use" if policy["published"] else "DRAFT only"),
        ),
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

    def on_off(fact: str, on: bool, yes: str, no: str) -> None:
        add((fact, "implemented" if on else "missing", "discovered", yes if on else no))

    for control in asset["controls"] or ():
        if control["type"] is not None:
            add(
                (
                    "control." + control["type"],
                    "implemented" if control["operational"] else "partly",
                    "declared" if control["source"] == "declared_registry" else "discovered",
                    control["evidence"],
                )
            )

    # Guardrails: the asset's own policy, the ones it uses, Bedrock agent and Azure settings.
    own = guardrail_policy(
        {"asset_type": asset["asset_type"], "posture": posture, "name": asset["name"]}
    )
    if own is not None:
        facts += _policy_facts(own, "discovered")
    for policy in used_guardrails:
        add(
            (
                "guardrail.attached",
                "implemented" if policy["active"] else "partly",
                "dependency",
                f"uses guardrail {policy['name']} ({policy['status'] or 'status unknown'}"
                + (", published)" if policy["published"] else ", DRAFT only)"),
            )
        )
        facts += _policy_facts(policy, "dependency")
    if asset["asset_type"] == "ai_agent" and _has(bedrock, "guardrail_attached"):
        version = _text(_get(bedrock, "guardrail", "version"))
        status = _text(_get(bedrock, "guardrail", "status"))
        if not _flag(bedrock, "guardrail_attached"):
            state = "missing"
            text = "bedrock-agent:GetAgent: no guardrail configured"
        else:
            ready = version != "DRAFT" and (status or "READY") == "READY"
            state = "implemented" if ready else "partly"
            arn = _text(_get(bedrock, "guardrail", "arn"))
            text = (
                f"bedrock-agent:GetAgent: guardrail {arn or '?'} version {version or '?'} "
                f"({status or '?'})"
            )
        add(("guardrail.attached", state, "discovered", text))
    rai = _text(_get(azure, "rai_policy_name")) or "none"
    if _has(azure, "content_filter_attached"):
        attached = bool(_flag(azure, "content_filter_attached"))
        add(
            (
                "guardrail.attached",
                "implemented" if attached else "missing",
                "discovered",
                f"Azure deployment RAI policy {rai}",
            )
        )
        blocking = _get(azure, "content_filter", "completion_blocking")
        add(
            (
                "guardrail.content_filter",
                "implemented"
                if _array_len(azure, "content_filter", "completion_blocking") > 0
                else "missing",
                "discovered",
                f"Azure content filter {rai} blocks completions: "
                + _or(_joined(blocking), "nothing"),
            )
        )
    if _has(azure, "prompt_shield_jailbreak"):
        shield = _text(azure["prompt_shield_jailbreak"])
        state = {"block": "implemented", "annotate": "partly"}.get(shield or "", "missing")
        add(
            (
                "guardrail.prompt_attack_filter",
                state,
                "discovered",
                f"Azure content filter {rai}: jailbreak prompt shield {shield or 'off'}",
            )
        )

    # Invocation logging.
    if _has(bedrock, "invocation_logging"):
        on = bool(_flag(bedrock, "invocation_logging"))
        add(
            (
                "logging.invocation",
                "implemented" if on else "missing",
                "discovered",
                "bedrock:GetModelInvocationLoggingConfiguration: " + ("on" if on else "off"),
            )
        )
    if _has(sagemaker, "endpoint_config_collected"):
        on = bool(_flag(sagemaker, "data_capture", "enabled"))
        destination = _text(_get(sagemaker, "data_capture", "destination"))
        add(
            (
                "logging.invocation",
                "implemented" if on else "missing",
                "discovered",
                f"sagemaker:DescribeEndpointConfig data capture {destination or 'off'}",
            )
        )

    # Private network access.
    if _has(azure, "public_network_access"):
        access = _text(azure["public_network_access"])
        if access == "Disabled":
            state = "implemented"
        elif _text(azure.get("network_acl_default_action")) == "Deny":
            state = "partly"
        else:
            state = "missing"
        text = _or(
            _text(azure.get("network_exposure_reason")),
            f"public network access {access or 'unknown'}",
        )
        add(("network.private_access", state, "discovered", text))
    if _has(sagemaker, "network_isolated"):
        on_off(
            "network.private_access",
            bool(_flag(sagemaker, "network_isolated")),
            "SageMaker network isolation / VPC configured",
            "SageMaker: no network isolation",
        )
    exposure = asset["network_exposure"]
    if exposure is not None or "network_exposure" in invalid:
        # "An invalid value never counts as a control in place" (evidence_facts.sql's header):
        # a flagged network_exposure is not private even when another source said internal.
        bad = "network_exposure" in invalid
        private = exposure in ("internal", "vpc") and not bad
        add(
            (
                "network.private_access",
                "implemented" if private else "missing",
                "inventory",
                "network exposure " + ("invalid" if bad else exposure),
            )
        )

    # Keyless authentication, customer-managed keys.
    if _has(azure, "disable_local_auth"):
        on_off(
            "auth.keyless",
            bool(_flag(azure, "disable_local_auth")),
            "Azure disableLocalAuth: true (Entra ID only)",
            "Azure disableLocalAuth: false (API keys accepted)",
        )
    if _has(azure, "customer_managed_key"):
        source = _text(azure.get("encryption_key_source")) or "unknown"
        on_off(
            "encryption.customer_managed_key",
            bool(_flag(azure, "customer_managed_key")),
            f"Azure encryption key source {source}",
            f"Azure encryption key source {source}",
        )
    for aws in (bedrock, sagemaker):
        if _has(aws, "encryption_key") or _has(aws, "ingestion_kms_key_arn"):
            key = _text(aws.get("encryption_key"))  # type: ignore[union-attr]
            arn = _text(aws.get("ingestion_kms_key_arn"))  # type: ignore[union-attr]
            cmk = (key or "") == "customer_managed" or arn is not None
            text = "AWS encryption key: " + _or(
                key, "customer_managed (ingestion)" if arn is not None else None, "unknown"
            )
            add(
                (
                    "encryption.customer_managed_key",
                    "implemented" if cmk else "missing",
                    "discovered",
                    text,
                )
            )

    # Model files.
    if _array_len(hf, "model_files") > 0:
        if _array_len(hf, "unsafe_imports") > 0:
            state = "missing"
            text = "pickle imports code-executing callables: " + _or(
                _joined(_get(hf, "unsafe_imports")), ""
            )
        elif _array_len(hf, "pickle_files") > 0:
            state = "partly"
            text = "pickle files present (no unsafe import found): " + _or(
                _joined(_get(hf, "pickle_files")), ""
            )
        else:
            state = "implemented"
            text = "weights in safetensors/GGUF only"
        add(("model_files.safe_format", state, "discovered", text))

    # Agent settings.
    if _has(bedrock, "code_interpreter_enabled"):
        enabled = _flag(bedrock, "code_interpreter_enabled")
        on_off(
            "agent.code_interpreter_disabled",
            enabled is not None and not enabled,
            "no code interpreter action group",
            "AMAZON.CodeInterpreter action group enabled",
        )
    if _has(bedrock, "return_control"):
        on_off(
            "agent.human_confirmation",
            bool(_flag(bedrock, "return_control")),
            "action groups return control to the application (RETURN_CONTROL)",
            "action groups execute directly (Lambda), no confirmation step",
        )
    if _has(bedrock, "api_schema_present"):
        on_off(
            "agent.tool_schema_defined",
            bool(_flag(bedrock, "api_schema_present")),
            "action groups declare an API schema",
            "no action group declares an API schema",
        )

    # Secrets in serving configuration.
    if _has(sagemaker, "secret_like_environment_variables"):
        names = _get(sagemaker, "secret_like_environment_variables")
        leaked = _array_len(sagemaker, "secret_like_environment_variables") > 0
        on_off(
            "secrets.none_in_config",
            not leaked,
            "no secret-like container environment variable",
            "secret-like container environment variables: " + _or(_joined(names), ""),
        )

    # Throughput limits.
    capacity = _number(azure, "deployment_capacity")
    if capacity is not None and capacity > 0:
        text = _text(_get(azure, "deployment_capacity"))
        add(
            (
                "rate_limit.quota",
                "implemented",
                "discovered",
                f"Azure deployment capacity {text} (TPM quota units)",
            )
        )
    units = _number(bedrock, "model_units")
    if units is not None and units > 0:
        text = _text(_get(bedrock, "model_units"))
        add(
            (
                "rate_limit.quota",
                "implemented",
                "discovered",
                f"Bedrock provisioned throughput: {text} model units",
            )
        )

    # Facts of the record itself.
    if "sbom_available" in invalid:
        add(("sbom.available", "missing", "inventory", "sbom_available invalid"))
    elif asset["sbom_available"]:
        add(("sbom.available", "implemented", "inventory", "AI-SBOM available"))
    else:
        add(("sbom.available", "missing", "inventory", "no AI-SBOM"))
    review = asset["last_security_review"]
    if "last_security_review" in invalid:
        add(("review.current", "missing", "inventory", "last security review invalid"))
    elif review is None:
        add(("review.current", "missing", "inventory", "no security review on record"))
    else:
        state = "partly" if (day - review).days > stale_review_days else "implemented"
        add(("review.current", state, "inventory", f"last security review {review}"))
    owner = asset["owner_team"]
    if (owner or "").strip(" ") and "owner_team" not in invalid:
        add(("ownership.assigned", "implemented", "inventory", f"owned by {owner}"))
    else:
        add(("ownership.assigned", "missing", "inventory", "no owning team"))
    classification = asset["data_classification"]
    if "data_classification" in invalid:
        add(("data.classified", "missing", "inventory", "data classification invalid"))
    elif classification is None:
        add(("data.classified", "missing", "inventory", "no data classification"))
    else:
        add(("data.classified", "implemented", "inventory", f"classified {classification}"))
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


@dataclass(frozen=True)
class EvidenceRow:
    """One `controls.control_evidence` row (without the day and run id)."""

    asset_id: str
    control_id: str
    control_type: str | None
    applicable: bool
    status: str
    evidence: str
    evidence_source: str
    acceptance_id: str | None


def control_rows(
    asset: Mapping[str, Any],
    posture: Any,
    facts: list[Fact],
    attested: Mapping[str, list[str]],
    accepted: Mapping[str, str],
    rules: Rules,
) -> list[EvidenceRow]:
    """The control evidence rows the SQL keeps for the asset, in catalog order.

    `attested`: control id → attestation evidence texts; `accepted`: control id → the
    (smallest) id of an active acceptance that names it."""
    held = conditions(asset, posture)
    asset_id = asset["asset_id"]
    asset_type = asset["asset_type"]
    # fact → its candidates (observed, state rank, source priority, evidence, source)
    by_fact: dict[str, list[tuple[bool, int, int, str, str]]] = {}
    for fact, state, source, text in facts:
        by_fact.setdefault(fact, []).append(
            (source in OBSERVED_SOURCES, STATE_RANK[state], SOURCE_PRIORITY[source], text, source)
        )
    rows: list[EvidenceRow] = []
    for control in rules.controls:
        found = [entry for fact in control.facts for entry in by_fact.get(fact, ())]
        if control.attested:
            found += [
                (False, 3, 1, text, "attested") for text in attested.get(control.control_id, ())
            ]
        # Discovery wins, then the best state, source priority and (last) the evidence text.
        decisive = max(found, default=None)
        rank = decisive[1] if decisive else 0
        type_listed = asset_type == "unknown" or asset_type in control.applies_to
        if not type_listed and rank < 2:
            continue
        applicable = type_listed and control.applies_when <= held
        acceptance = accepted.get(control.control_id)
        inapplicable = not applicable and rank < 2
        if rank == 3:
            status = "implemented"
        elif inapplicable:
            status = "not_applicable"
        elif acceptance is not None:
            status = "accepted"
        elif rank == 2:
            status = "partly"
        else:
            status = "missing"
        if decisive and (rank == 3 or acceptance is None):
            text = decisive[3]
        elif inapplicable:
            text = NOT_APPLICABLE_TEXT
        elif acceptance is not None:
            text = f"risk accepted ({acceptance})" + (f"; {decisive[3]}" if decisive else "")
        else:
            text = "no evidence found"
        if rank == 3:
            source = decisive[4]  # type: ignore[index]
        elif inapplicable:
            source = "none"
        elif acceptance is not None:
            source = "exception"
        else:
            source = decisive[4] if decisive else "none"
        rows.append(
            EvidenceRow(
                asset_id=asset_id,
                control_id=control.control_id,
                control_type=control.control_type,
                applicable=applicable,
                status=status,
                evidence=text,
                evidence_source=source,
                acceptance_id=None if rank == 3 or inapplicable else acceptance,
            )
        )
    return rows


def assess_asset(
    asset: Mapping[str, Any],
    used_guardrails: list[dict[str, Any]],
    attested: Mapping[str, list[str]],
    accepted: Mapping[str, str],
    inherent_level: str | None,
    rules: Rules,
    day: date,
    stale_review_days: int,
) -> dict[str, Any]:
    """One asset's control evidence rows, coverage row and framework results."""
    posture = json.loads(asset["posture"]) if asset["posture"] is not None else None
    facts = evidence_facts(asset, posture, used_guardrails, day, stale_review_days)
    rows = control_rows(asset, posture, facts, attested, accepted, rules)
    level = inherent_level or "CRITICAL"
    level_rank = RISK_LEVELS.index(level) + 1
    rank_of = {c.control_id: c.required_from_rank for c in rules.controls}
    required = {
        row.control_id: row.status
        for row in rows
        if row.applicable and rank_of[row.control_id] <= level_rank
    }
    statuses = list(required.values())
    implemented = statuses.count("implemented")
    missing_controls = sorted(c for c, s in required.items() if s in ("missing", "partly"))
    scope = set(asset["regulatory_scope"] or ())
    bad_scope = "regulatory_scope" in (asset["invalid_fields"] or ())
    frameworks: dict[tuple[str, str], bool] = {}
    for req in rules.requirements:
        if req.manual or (req.scope and not bad_scope and not scope & req.scope):
            continue
        mapped = [required[c] for c in req.controls if c in required]
        if mapped:
            frameworks[(req.framework, req.requirement_id)] = all(
                s in ("implemented", "accepted") for s in mapped
            )
    return {
        "asset_id": asset["asset_id"],
        "name": asset["name"],
        "owner_team": (asset["owner_team"] or "").strip(" ") or None,
        "inherent_risk_level": level,
        "required_controls": len(statuses),
        "implemented": implemented,
        "partly": statuses.count("partly"),
        "accepted": statuses.count("accepted"),
        "missing": len(missing_controls),
        "coverage": 1.0 if not statuses else implemented / len(statuses),
        "missing_controls": missing_controls,
        "rows": rows,
        "frameworks": frameworks,
    }


# ---------------------------------------------------------------- framework compliance
@dataclass
class FrameworkTally:
    """Per requirement: assets in scope, assets meeting it, the first failing names."""

    rules: Rules
    in_scope: dict[tuple[str, str], int] = field(default_factory=dict)
    meeting: dict[tuple[str, str], int] = field(default_factory=dict)
    # The FAILING_NAMES smallest names of the assets failing it, sorted.
    failing: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, assessment: Mapping[str, Any]) -> None:
        name = assessment["name"]
        for requirement, meets in assessment["frameworks"].items():
            self.in_scope[requirement] = self.in_scope.get(requirement, 0) + 1
            if meets:
                self.meeting[requirement] = self.meeting.get(requirement, 0) + 1
                continue
            names = self.failing.setdefault(requirement, [])
            if len(names) < FAILING_NAMES or name < names[-1]:
                bisect.insort(names, name)
                del names[FAILING_NAMES:]

    def rows(self) -> list[dict[str, Any]]:
        """The `compliance.framework_compliance` rows (without the day and run id)."""
        out = []
        for req in self.rules.requirements:
            key = (req.framework, req.requirement_id)
            in_scope = self.in_scope.get(key, 0)
            meeting = self.meeting.get(key, 0)
            failing = list(self.failing.get(key, ()))
            controls = ", ".join(req.controls)
            if req.manual:
                status = "manual"
                detail = (
                    f"{req.requirement_id} {req.title}: assessed by people "
                    "(no catalog control can show it)"
                )
            elif in_scope == 0:
                status = "not_applicable"
                detail = (
                    f"{req.requirement_id} {req.title}: no asset in scope requires a mapped "
                    f"control ({controls})"
                )
            else:
                status = "met" if meeting == in_scope else "not_met" if meeting == 0 else "partly"
                detail = (
                    f"{req.requirement_id} {req.title}: {meeting} of {in_scope} assets in scope "
                    f"meet it (controls {controls})"
                )
            out.append(
                {
                    "framework": req.framework,
                    "requirement_id": req.requirement_id,
                    "title": req.title,
                    "status": status,
                    "assets_in_scope": in_scope,
                    "assets_meeting": meeting,
                    "controls": list(req.controls),
                    "failing_assets": failing,
                    "detail": detail,
                }
            )
        return out
