"""Posture facts -> controls: guardrails, invocation logging, KMS keys, SigV4.

Controls are derived from posture facts; each `Control.evidence` names the API and what it
showed. Choices made here:

- Bedrock and SageMaker runtime APIs accept only SigV4-signed (IAM-authenticated) requests
  over TLS, so every invocable asset gets `authentication` and `encryption_in_transit`.
- `encryption_at_rest` is claimed only for a customer-managed KMS key. AWS-owned default
  encryption applies to every Bedrock resource, so it proves nothing about this asset; the
  posture still records `encryption_key: "aws_owned"`.
- An attached guardrail whose prompt-attack filter blocks input at MEDIUM or HIGH gives
  `input_filtering` and `guardrails`; content filters at MEDIUM or HIGH on output, or PII
  entities / regexes that block or anonymize output, give `output_filtering`. A filter whose
  action is NONE (detect only) or that is disabled counts as strength NONE. The controls are
  not operational when the guardrail is not READY or is attached as its unpublished `DRAFT`
  (a mutable working copy, not a released configuration).

How invocation logging is applied to the records of an account and region is in
`bedrock.apply_invocation_logging`; the SageMaker controls are in `sagemaker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aisec_assets.discovery.aws.response import ResponseObject
from aisec_resources.records import Control
from aisec_resources.redaction import quote

_STRENGTHS = {"NONE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}


@dataclass(frozen=True)
class LoggingState:
    """Model invocation logging of one account and region."""

    collected: bool
    configured: bool  # a destination is set
    active: bool  # ... and at least one data type is delivered
    destinations: tuple[str, ...]
    data_types: tuple[str, ...]
    evidence: str

    def posture(self) -> dict[str, Any]:
        return {
            "invocation_logging": self.active if self.collected else None,
            "invocation_logging_config": {
                "collected": self.collected,
                "configured": self.configured,
                "destinations": list(self.destinations),
                "data_types": list(self.data_types),
            },
        }


@dataclass
class GuardrailPolicy:
    """The filtering a guardrail version enforces, reduced to what controls depend on."""

    guardrail_id: str
    arn: str
    name: str
    version: str
    status: str
    content_filters: dict[str, dict[str, str]]
    prompt_attack_strength: str
    output_content_filters: list[str]
    pii_entities: dict[str, dict[str, str]]
    pii_output_protection: list[str]
    regex_filters: int
    denied_topics: list[str]
    word_filters: int
    managed_word_lists: list[str]
    contextual_grounding: dict[str, float]
    kms_key_arn: str | None

    @property
    def input_filtering(self) -> bool:
        return _STRENGTHS.get(self.prompt_attack_strength, 0) >= _STRENGTHS["MEDIUM"]

    @property
    def output_filtering(self) -> bool:
        return bool(self.output_content_filters or self.pii_output_protection)

    @property
    def active(self) -> bool:
        return self.status == "READY" and self.version != "DRAFT"

    def posture(self) -> dict[str, Any]:
        return {
            "guardrail_version": self.version,
            "guardrail_status": self.status,
            "content_filters": self.content_filters,
            "prompt_attack_filter_strength": self.prompt_attack_strength,
            "pii_entities": self.pii_entities,
            "regex_filters": self.regex_filters,
            "denied_topics": self.denied_topics,
            "word_filters": self.word_filters,
            "managed_word_lists": self.managed_word_lists,
            "contextual_grounding": self.contextual_grounding,
            "kms_key_arn": self.kms_key_arn,
        }

    def controls(self) -> list[Control]:
        label = f"guardrail {self.name} version {self.version} ({self.status})"
        if not self.active:
            why = "unpublished DRAFT" if self.version == "DRAFT" else f"status {self.status}"
            label += f", not active: {why}"
        out = []
        if self.input_filtering:
            evidence = (
                f"bedrock:GetGuardrail: {label}; prompt-attack filter "
                f"{self.prompt_attack_strength} on input"
            )
            out += [
                Control("input_filtering", self.active, evidence),
                Control("guardrails", self.active, evidence),
            ]
        if self.output_filtering:
            parts = []
            if self.output_content_filters:
                parts.append("output content filters " + ", ".join(self.output_content_filters))
            if self.pii_output_protection:
                parts.append("PII protection on output " + ", ".join(self.pii_output_protection))
            out.append(
                Control(
                    "output_filtering",
                    self.active,
                    f"bedrock:GetGuardrail: {label}; " + "; ".join(parts),
                )
            )
        return out


def _effective_strength(flt: ResponseObject, side: str) -> str:
    """Filter strength that actually blocks: a disabled or detect-only filter counts as NONE."""
    strength = flt.req_str(f"{side}Strength")
    if strength not in _STRENGTHS:
        flt.fail(f"{side}Strength", f"unknown filter strength {quote(strength)}", strength[:30])
    if flt.opt_bool(f"{side}Enabled") is False or flt.opt_str(f"{side}Action") == "NONE":
        return "NONE"
    return strength


def parse_guardrail(resp: ResponseObject) -> GuardrailPolicy:
    content: dict[str, dict[str, str]] = {}
    prompt_attack = "NONE"
    output_filters = []
    policy = resp.opt_obj("contentPolicy")
    for flt in policy.objs("filters") if policy else []:
        kind = flt.req_str("type")
        strengths = {
            "input": _effective_strength(flt, "input"),
            "output": _effective_strength(flt, "output"),
        }
        content[kind] = strengths
        if kind == "PROMPT_ATTACK":
            prompt_attack = strengths["input"]
        elif _STRENGTHS[strengths["output"]] >= _STRENGTHS["MEDIUM"]:
            output_filters.append(f"{kind}={strengths['output']}")
    pii: dict[str, dict[str, str]] = {}
    pii_output = []
    regexes = 0
    sensitive = resp.opt_obj("sensitiveInformationPolicy")
    if sensitive:
        for entity in sensitive.objs("piiEntities"):
            kind = entity.req_str("type")
            action = entity.req_str("action")
            output_action = entity.opt_str("outputAction") or action
            if entity.opt_bool("outputEnabled") is False:
                output_action = "NONE"
            pii[kind] = {"input": entity.opt_str("inputAction") or action, "output": output_action}
            if output_action in ("BLOCK", "ANONYMIZE"):
                pii_output.append(f"{kind}={output_action}")
        for regex in sensitive.objs("regexes"):
            regexes += 1
            name = regex.req_str("name")
            output_action = regex.opt_str("outputAction") or regex.req_str("action")
            if regex.opt_bool("outputEnabled") is not False and output_action in (
                "BLOCK",
                "ANONYMIZE",
            ):
                pii_output.append(f"regex:{name}={output_action}")
    topics = resp.opt_obj("topicPolicy")
    words = resp.opt_obj("wordPolicy")
    grounding = resp.opt_obj("contextualGroundingPolicy")
    return GuardrailPolicy(
        guardrail_id=resp.req_str("guardrailId"),
        arn=resp.req_str("guardrailArn"),
        name=resp.req_str("name"),
        version=resp.req_str("version"),
        status=resp.req_str("status"),
        content_filters=content,
        prompt_attack_strength=prompt_attack,
        output_content_filters=sorted(output_filters),
        pii_entities=pii,
        pii_output_protection=sorted(pii_output),
        regex_filters=regexes,
        denied_topics=[t.req_str("name") for t in topics.objs("topics")] if topics else [],
        word_filters=len(words.objs("words")) if words else 0,
        managed_word_lists=[w.req_str("type") for w in words.objs("managedWordLists")]
        if words
        else [],
        contextual_grounding={
            f.req_str("type"): f.opt_float("threshold") or 0.0 for f in grounding.objs("filters")
        }
        if grounding
        else {},
        kms_key_arn=resp.opt_str("kmsKeyArn"),
    )


def sigv4_controls(api: str) -> list[Control]:
    evidence = f"{api} accepts only SigV4-signed (IAM-authenticated) requests over TLS"
    return [
        Control("authentication", True, evidence),
        Control("encryption_in_transit", True, evidence),
    ]


def kms_control(kms_key: str | None, what: str) -> list[Control]:
    if not kms_key:
        return []
    return [Control("encryption_at_rest", True, f"{what}: customer-managed KMS key {kms_key}")]


def encryption_posture(kms_key: str | None, known: bool = True) -> dict[str, Any]:
    """Which key encrypts the resource at rest; None when the describing call was not read."""
    if not known:
        return {"encryption_key": None, "kms_key_arn": None}
    return {
        "encryption_key": "customer_managed" if kms_key else "aws_owned",
        "kms_key_arn": kms_key,
    }
