"""The technical-controls library (SPEC §3.4): the control catalog and the framework libraries,
as YAML package data with a schema validated on load.

- `catalog.yaml`: every control with its objective, implementation per platform, the asset
  types and conditions it applies to, the inherent risk level from which it is required, the
  SPEC §3.2 control type it contributes to residual risk, the evidence facts that show it is in
  place (derived in SQL from discovered posture, dependencies and declarations: see
  `EVIDENCE_FACTS` and `sql/controls/evidence_facts.sql`), and its framework mappings.
- `frameworks/*.yaml`: one file per framework with its requirement ids and titles (titles only,
  no copyrighted text). The mapping is kept once, on the catalog's side (control → requirement,
  as Prowler keeps check → requirement); a requirement no control maps to must say
  `manual: true`, so a forgotten mapping is an error, not a silently manual requirement.

A bad file is one `DocumentError` listing every problem as `file:line: field: message`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aisec_resources.records import ASSET_TYPES, CONTROL_TYPES, REGULATORY_SCOPES
from aisec_resources.yamldoc import (
    Document,
    DocumentError,
    Problem,
    read_document,
    validate_document,
)

LIBRARY: Traversable = resources.files("aisec_assets.controls")
CATALOG_FILE: Traversable = LIBRARY / "catalog.yaml"
FRAMEWORK_DIR: Traversable = LIBRARY / "frameworks"

# The five frameworks, by the key a control's `mappings` uses; each has frameworks/<key>.yaml.
FRAMEWORKS: tuple[str, ...] = ("owasp_llm", "mitre_atlas", "nist_ai_rmf", "iso_42001", "eu_ai_act")
RISK_LEVELS: tuple[str, ...] = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
FUNCTIONS: tuple[str, ...] = ("preventive", "detective", "corrective")
# Where an implementation specification applies.
PLATFORMS: tuple[str, ...] = (
    "aws_bedrock",
    "aws_sagemaker",
    "azure_openai",
    "huggingface",
    "llm_gateway",
    "self_hosted",
    "agent_framework",
    "ci_cd",
    "process",
)

# Evidence facts: named observations per asset, derived in SQL (sql/controls/evidence_facts.sql)
# from the inventory's posture, operational controls, dependencies and fields, and from
# declared attestations. Each fact has a state implemented / partly / missing. A control is in
# place when any of its facts is (see control_evidence.sql for the precedence).
EVIDENCE_FACTS: dict[str, str] = {
    **{
        f"control.{t}": f"the inventory lists an operational '{t}' control (discovered posture "
        "or declared in the registry); partly when listed but not operational"
        for t in CONTROL_TYPES
    },
    "guardrail.attached": "a guardrail / content filter is attached: Bedrock agent guardrail "
    "configuration, a uses_guardrail dependency on an active guardrail asset, or an Azure "
    "deployment's RAI policy",
    "guardrail.prompt_attack_filter": "prompt-attack / jailbreak filtering: Bedrock guardrail "
    "PROMPT_ATTACK strength HIGH or MEDIUM (LOW: partly), Azure prompt shield 'block' "
    "('annotate': partly); inherited through uses_guardrail",
    "guardrail.sensitive_info_filter": "a Bedrock guardrail with PII entities or regex "
    "filters; inherited through uses_guardrail",
    "guardrail.content_filter": "harmful-content filtering of completions: Bedrock guardrail "
    "content filters, Azure content filter blocking completions",
    "guardrail.contextual_grounding": "Bedrock guardrail contextual-grounding check",
    "guardrail.published": "the guardrail in use is a published version (READY), not the "
    "working DRAFT (partly)",
    "logging.invocation": "model invocation logging on (Bedrock invocation logging, SageMaker "
    "data capture)",
    "network.private_access": "no public network path: Azure public network access disabled "
    "(enabled with default-deny ACLs: partly), SageMaker network isolation / VPC, or a "
    "network exposure of internal / vpc",
    "auth.keyless": "identity-based authentication only: Azure local (API key) auth disabled",
    "encryption.customer_managed_key": "encrypted with a customer-managed key (AWS KMS CMK, "
    "Azure customer-managed key)",
    "model_files.safe_format": "model weights in a format that cannot execute code "
    "(safetensors/GGUF); pickle files without unsafe imports: partly; unsafe imports: missing",
    "sbom.available": "an AI-SBOM is available",
    "review.current": "a security review within the stale-review window (older: partly)",
    "ownership.assigned": "an owning team is recorded",
    "data.classified": "a valid data classification is recorded",
    "agent.code_interpreter_disabled": "the agent cannot run generated code",
    "agent.human_confirmation": "the agent returns control to the application for tool "
    "actions (human or application confirmation before side effects)",
    "agent.tool_schema_defined": "every action group declares an API schema / function list "
    "(an explicit tool allow-list)",
    "secrets.none_in_config": "no secret-like values in the serving configuration "
    "(SageMaker container environment)",
    "rate_limit.quota": "a hard throughput limit: Azure deployment capacity (TPM quota), "
    "Bedrock provisioned throughput",
    "attested": "declared in governance/attestations.yaml for this control (process controls "
    "no scan can see: red-teaming, secret scanning in CI, incident runbooks …)",
}

# Applicability conditions (evaluated in SQL on the inventory; an unknown or invalid value
# counts as the condition holding, so bad input never hides a requirement).
CONDITIONS: dict[str, str] = {
    "production": "deployed in production",
    "self_hosted": "self-hosted",
    "has_model_files": "model weight files were found on disk",
    "aws": "runs on AWS",
    "azure": "runs on Azure",
    "public": "network exposure is public",
    "sensitive_data": "data classification confidential, restricted or regulated",
    "regulated_scope": "in any regulatory scope",
    "eu_ai_act_high_risk": "in scope of the EU AI Act as high-risk",
}

Id = Annotated[str, StringConstraints(pattern=r"^AISEC-(PRE|DET|COR)-\d{3}$")]
Text = Annotated[str, StringConstraints(min_length=3, strip_whitespace=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mappings(_Strict):
    owasp_llm: list[str] = []
    mitre_atlas: list[str] = []
    nist_ai_rmf: list[str] = []
    iso_42001: list[str] = []
    eu_ai_act: list[str] = []

    def pairs(self) -> list[tuple[str, str]]:
        return [(fw, req) for fw in FRAMEWORKS for req in getattr(self, fw)]


class Evidence(_Strict):
    # Any one of the facts in place puts the control in place.
    facts: Annotated[list[str], Field(min_length=1)]
    # Why these facts show the control (shown to analysts next to the status).
    basis: Text


class Control(_Strict):
    id: Id
    title: Text
    objective: Text
    function: Literal["preventive", "detective", "corrective"]
    # The SPEC §3.2 control type an implemented control contributes to residual risk.
    control_type: Literal[CONTROL_TYPES] | None = None  # type: ignore[valid-type]
    applies_to: Annotated[list[str], Field(min_length=1)]
    # All conditions must hold for the control to apply (none: the asset types suffice).
    applies_when: list[str] = []
    required_from: Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
    evidence: Evidence
    implementation: Annotated[dict[str, Text], Field(min_length=1)]
    mappings: Mappings


class Catalog(_Strict):
    version: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
    controls: Annotated[list[Control], Field(min_length=1)]


class Requirement(_Strict):
    id: Annotated[str, StringConstraints(min_length=2, strip_whitespace=True)]
    title: Text
    section: str | None = None
    # No catalog control can show it (organisational, legal): assessed by people.
    manual: bool = False


class Framework(_Strict):
    framework: str
    title: Text
    version: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
    source: Text
    # Only assets in one of these regulatory scopes are assessed (empty: every asset).
    scope: list[str] = []
    requirements: Annotated[list[Requirement], Field(min_length=1)]


@dataclass(frozen=True)
class ControlLibrary:
    catalog: Catalog
    frameworks: dict[str, Framework]
    digest: str

    def control(self, control_id: str) -> Control:
        for control in self.catalog.controls:
            if control.id == control_id:
                return control
        raise KeyError(control_id)

    def requirement_controls(self) -> dict[tuple[str, str], list[str]]:
        """(framework, requirement id) → the catalog controls mapped to it."""
        out: dict[tuple[str, str], list[str]] = {
            (key, req.id): [] for key, fw in self.frameworks.items() for req in fw.requirements
        }
        for control in self.catalog.controls:
            for pair in control.mappings.pairs():
                out.setdefault(pair, []).append(control.id)
        return out


def _catalog_problems(doc: Document, catalog: Catalog) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, control in enumerate(catalog.controls):
        at = ("controls", i)
        if control.id in seen:
            problems.append(
                doc.problem(
                    (*at, "id"),
                    f"duplicate id {control.id} (first at controls[{seen[control.id]}])",
                )
            )
        seen.setdefault(control.id, i)
        prefix = {"preventive": "PRE", "detective": "DET", "corrective": "COR"}[control.function]
        if control.id.split("-")[1] != prefix:
            problems.append(
                doc.problem(
                    (*at, "id"), f"a {control.function} control's id starts AISEC-{prefix}-"
                )
            )
        problems += _unknown(
            doc, (*at, "applies_to"), control.applies_to, ASSET_TYPES, "asset type"
        )
        problems += _unknown(
            doc, (*at, "applies_when"), control.applies_when, CONDITIONS, "condition"
        )
        problems += _unknown(
            doc, (*at, "evidence", "facts"), control.evidence.facts, EVIDENCE_FACTS, "evidence fact"
        )
        problems += _unknown(
            doc, (*at, "implementation"), list(control.implementation), PLATFORMS, "platform"
        )
        if not control.mappings.pairs():
            problems.append(doc.problem((*at, "mappings"), "maps to no framework requirement"))
    return problems


def _unknown(
    doc: Document,
    loc: tuple[str | int, ...],
    values: Iterable[str],
    known: Iterable[str],
    what: str,
) -> list[Problem]:
    allowed = sorted(known)
    return [
        doc.problem((*loc, i), f"unknown {what} {value!r}; known: {', '.join(allowed)}")
        for i, value in enumerate(values)
        if value not in allowed
    ]


def _framework_problems(doc: Document, key: str, framework: Framework) -> list[Problem]:
    problems: list[Problem] = []
    if framework.framework != key:
        problems.append(
            doc.problem(
                ("framework",), f"the file frameworks/{key}.yaml must declare framework: {key}"
            )
        )
    # A misspelt scope would silently take every asset out of the framework's assessment.
    problems += _unknown(doc, ("scope",), framework.scope, REGULATORY_SCOPES, "regulatory scope")
    seen: set[str] = set()
    for i, req in enumerate(framework.requirements):
        if req.id in seen:
            problems.append(
                doc.problem(("requirements", i, "id"), f"duplicate requirement {req.id}")
            )
        seen.add(req.id)
    return problems


def _mapping_problems(
    catalog_doc: Document,
    catalog: Catalog,
    framework_docs: dict[str, Document],
    frameworks: dict[str, Framework],
) -> list[Problem]:
    """Every mapping names a requirement that exists; every requirement is mapped or manual
    (never both)."""
    problems: list[Problem] = []
    mapped: set[tuple[str, str]] = set()
    for i, control in enumerate(catalog.controls):
        for fw in FRAMEWORKS:
            known = {req.id for req in frameworks[fw].requirements} if fw in frameworks else set()
            for j, req_id in enumerate(getattr(control.mappings, fw)):
                mapped.add((fw, req_id))
                if req_id not in known:
                    problems.append(
                        catalog_doc.problem(
                            ("controls", i, "mappings", fw, j),
                            f"unknown {fw} requirement {req_id!r} (not in frameworks/{fw}.yaml)",
                        )
                    )
    for fw, framework in frameworks.items():
        doc = framework_docs[fw]
        for i, req in enumerate(framework.requirements):
            is_mapped = (fw, req.id) in mapped
            if req.manual and is_mapped:
                problems.append(
                    doc.problem(
                        ("requirements", i, "manual"),
                        f"{req.id} is marked manual but catalog controls map to it",
                    )
                )
            if not req.manual and not is_mapped:
                problems.append(
                    doc.problem(
                        ("requirements", i, "id"),
                        f"{req.id} is mapped by no catalog control: "
                        "map one, or mark it manual: true",
                    )
                )
    return problems


def load_library(
    catalog_file: Traversable | None = None, framework_dir: Traversable | None = None
) -> ControlLibrary:
    """Read and validate the catalog and the five framework libraries (default: the shipped
    ones); raises `DocumentError` listing every problem of every file."""
    what = "control library"
    catalog_doc = read_document(catalog_file or CATALOG_FILE, what)
    directory = framework_dir or FRAMEWORK_DIR
    problems: list[Problem] = []
    catalog: Catalog | None = None
    try:
        catalog = validate_document(Catalog, catalog_doc, what)
        problems += _catalog_problems(catalog_doc, catalog)
    except DocumentError as err:
        problems += err.problems
    framework_docs: dict[str, Document] = {}
    frameworks: dict[str, Framework] = {}
    for key in FRAMEWORKS:
        try:
            doc = read_document(directory / f"{key}.yaml", what)
            framework_docs[key] = doc
            frameworks[key] = validate_document(Framework, doc, what)
            problems += _framework_problems(doc, key, frameworks[key])
        except DocumentError as err:
            problems += err.problems
    if catalog is not None and len(frameworks) == len(FRAMEWORKS):
        problems += _mapping_problems(catalog_doc, catalog, framework_docs, frameworks)
    if problems:
        raise DocumentError(what, problems)
    assert catalog is not None
    digest = hashlib.sha256()
    for source in [catalog_file or CATALOG_FILE, *(directory / f"{k}.yaml" for k in FRAMEWORKS)]:
        digest.update(source.read_bytes())
    return ControlLibrary(catalog, frameworks, digest.hexdigest()[:16])
