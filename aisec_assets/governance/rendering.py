"""The five AI policies: Markdown templates shipped as package data, rendered for the organisation.

Each template (`policies/<policy_id>.md`) is a `string.Template`: `$organisation` and the
values of `governance.policy_parameters` (plus a few taken from the risk model in force, so a
policy quotes the thresholds the program actually applies). The rendered document is the
title, a document-control table from policies.yaml, and the body. The content hash covers
the body only: it changes exactly when the wording or a parameter changes, not when the
document control does, so a policy whose text changed without a new version stands out.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from aisec_assets.governance.documents import POLICY_IDS, PolicyEntry
from aisec_resources.config.governance import PolicyParameters

TEMPLATES: Traversable = resources.files("aisec_assets.governance.policies")

TITLES: dict[str, str] = {
    "acceptable_ai_use": "Acceptable Use of AI Systems",
    "model_procurement": "AI Model Procurement and Admission",
    "ai_data_handling": "Data Handling for AI Systems",
    "red_teaming": "AI Red-Teaming Requirements",
    "ai_incident_classification": "AI Incident Classification",
}
assert tuple(TITLES) == POLICY_IDS


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _hours(value: int) -> str:
    return f"{value} hour" if value == 1 else f"{value} hours"


def policy_values(
    organisation: str,
    parameters: PolicyParameters,
    *,
    stale_review_days: int,
    high_risk_threshold: float,
    critical_risk_threshold: float,
) -> dict[str, str]:
    """The placeholder values of every template."""
    sla = parameters.incident_sla_hours
    return {
        "organisation": organisation,
        "review_cadence_months": str(parameters.review_cadence_months),
        "red_team_cadence_days": str(parameters.red_team_cadence_days),
        "approved_providers": "\n".join(f"- `{p}`" for p in parameters.approved_providers),
        "approved_providers_inline": ", ".join(f"`{p}`" for p in parameters.approved_providers),
        "sev1_response": _hours(sla.sev1),
        "sev2_response": _hours(sla.sev2),
        "sev3_response": _hours(sla.sev3),
        "sev4_response": _hours(sla.sev4),
        "log_retention_days": str(parameters.log_retention_days),
        "max_exception_days": str(parameters.max_exception_days),
        "security_contact": parameters.security_contact,
        "stale_review_days": str(stale_review_days),
        "high_risk_threshold": _number(high_risk_threshold),
        "critical_risk_threshold": _number(critical_risk_threshold),
    }


def template_text(policy_id: str, templates: Traversable = TEMPLATES) -> str:
    if policy_id not in TITLES:
        raise KeyError(f"unknown policy {policy_id!r}; known: {', '.join(POLICY_IDS)}")
    return (templates / f"{policy_id}.md").read_text(encoding="utf-8")


def render_body(
    policy_id: str, values: Mapping[str, str], templates: Traversable = TEMPLATES
) -> str:
    """The policy's body with every placeholder substituted; a placeholder without a value (or
    a stray `$`) is an error naming the template."""
    try:
        return Template(template_text(policy_id, templates)).substitute(values)
    except KeyError as exc:
        raise ValueError(
            f"policy template {policy_id}.md: no value for placeholder ${exc.args[0]}"
        ) from None
    except ValueError as exc:
        raise ValueError(f"policy template {policy_id}.md: {exc}") from None


def content_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _cell(value: object) -> str:
    return "—" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def document_control(organisation: str, entry: PolicyEntry | None) -> str:
    """The document-control table at the top of a rendered policy."""
    rows = [("Organisation", organisation)]
    if entry is None:
        rows += [
            ("Status", "draft (not declared in policies.yaml: not adopted yet)"),
            ("Version", None),
            ("Owner", None),
            ("Approved by", None),
            ("Approved on", None),
            ("Review due", None),
        ]
    else:
        rows += [
            ("Status", entry.status),
            ("Version", entry.version),
            ("Owner", entry.owner),
            ("Approved by", entry.approver),
            ("Approved on", entry.approved_on),
            ("Review due", entry.review_due),
        ]
    lines = ["| | |", "|---|---|", *(f"| {k} | {_cell(v)} |" for k, v in rows)]
    return "\n".join(lines)


@dataclass(frozen=True)
class RenderedPolicy:
    policy_id: str
    title: str
    entry: PolicyEntry | None
    body: str
    text: str  # the whole document: title, document control, body

    @property
    def content_hash(self) -> str:
        return content_hash(self.body)


def render_policies(
    organisation: str,
    values: Mapping[str, str],
    entries: Mapping[str, PolicyEntry],
    templates: Traversable = TEMPLATES,
) -> list[RenderedPolicy]:
    """All five policies, in POLICY_IDS order, with their document control."""
    out = []
    for policy_id in POLICY_IDS:
        title = TITLES[policy_id]
        entry = entries.get(policy_id)
        body = render_body(policy_id, values, templates)
        text = f"# {title}\n\n{document_control(organisation, entry)}\n\n{body}"
        out.append(RenderedPolicy(policy_id, title, entry, body, text))
    return out


def write_policy_files(directory: Path, rendered: list[RenderedPolicy]) -> dict[str, Path]:
    """Write each policy to `directory/<policy_id>.md` (atomically: a reader never sees half a
    file); returns the paths by policy id."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for policy in rendered:
        target = directory / f"{policy.policy_id}.md"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(policy.text, encoding="utf-8")
        os.replace(tmp, target)
        paths[policy.policy_id] = target
    return paths
