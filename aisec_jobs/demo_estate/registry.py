"""The demo estate's declared registry: the assets only the registry knows, and the file writer.

Kestrel Dynamics' teams declare prompt templates, datasets, self-hosted vector databases,
guardrail configurations, an internal LLM gateway, direct vendor API integrations and an
in-house agent that no discovery source in the demo can see. The entries are realistic rather
than tidy: one has no owning team, several have stale or missing security reviews, most lack
an SBOM, one internal asset carries a regulatory scope and one public endpoint serves
confidential data — so the compliance gap report has something to find.

`write_registry` writes the same entries twice, as YAML and as CSV, in the format
`aisec_assets.discovery.registry.parse_registry` reads.
"""

from __future__ import annotations

import csv
import io
import os
import random
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from aisec_assets.discovery.registry import LIST_SEPARATOR, REGISTRY_FIELDS
from aisec_jobs.demo_estate.company import EMAIL_DOMAIN, TEAMS, Team

STALE_REVIEW_DAYS = 90  # the brief's threshold: a review older than this is stale
_GIT = f"https://git.{EMAIL_DOMAIN}"

_YAML_HEADER = """\
# Declared AI asset registry: one entry per AI asset under `assets:`.
# Field names follow the design brief's AIAsset; `name` and `asset_type` are required, enum
# values are lowercase, last_security_review is YYYY-MM-DD, controls are
# {{type, operational}}. `resource_id` (ARN, Azure resource id, hf-dir:// or hf-cache:// id)
# links an entry to what discovery finds; without it the asset is declared://<name>.
# `upstream_assets` lists names of other entries or resource ids.
# {csv_name} holds the same entries as CSV (lists `;`-separated, controls `type=true`).
"""


def _owner(team_key: str) -> dict[str, str]:
    team: Team = TEAMS[team_key]
    return {"owner_team": team.key, "owner_email": team.email}


def _controls(**operational: bool) -> list[dict[str, Any]]:
    return [{"type": control, "operational": flag} for control, flag in operational.items()]


def declared_only_entries(as_of: date, rng: random.Random) -> list[dict[str, Any]]:
    """Registry entries for assets that no discovery source finds in the demo estate."""

    def fresh_review() -> date:
        return as_of - timedelta(days=rng.randint(7, 75))

    def stale_review() -> date:
        return as_of - timedelta(days=rng.randint(STALE_REVIEW_DAYS + 30, 420))

    entries: list[dict[str, Any]] = [
        # ------------------------------------------------------------------ prompt templates
        {
            "name": "cx-support-agent-system-prompt",
            "asset_type": "prompt_template",
            "description": "System prompt of the customer support agent: tone, refund policy "
            "limits, escalation rules and the tools the agent may call.",
            **_owner("customer-experience"),
            "data_classification": "confidential",
            "deployment_env": "production",
            "regulatory_scope": ["gdpr"],
            "network_exposure": "internal",
            "source_url": f"{_GIT}/cx/support-agent/-/blob/main/prompts/system.md",
            "last_security_review": fresh_review(),
        },
        {
            "name": "claims-summary-template",
            "asset_type": "prompt_template",
            "description": "Prompt that summarises health-insurance claim files for "
            "adjusters; fills in diagnosis codes and treatment history.",
            **_owner("clinical-ai"),
            "data_classification": "regulated",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa", "gdpr"],
            "network_exposure": "internal",
            "last_security_review": stale_review(),
        },
        {
            # Internal classification but in SOX scope: the brief's "unclassified_data" gap.
            "name": "invoice-extraction-prompt",
            "asset_type": "prompt_template",
            "description": "Extracts supplier, amounts and VAT lines from scanned invoices "
            "for the accounts-payable close.",
            **_owner("finance-ops"),
            "data_classification": "internal",
            "deployment_env": "production",
            "regulatory_scope": ["sox"],
            "network_exposure": "internal",
            "last_security_review": stale_review(),
        },
        {
            "name": "llm-judge-rubric-prompt",
            "asset_type": "prompt_template",
            "description": "LLM-as-judge rubric used to grade research model outputs.",
            **_owner("research-lab"),
            "data_classification": "internal",
            "deployment_env": "research",
            "regulatory_scope": ["none"],
            "network_exposure": "internal",
        },
        # --------------------------------------------------------------- evaluation datasets
        {
            "name": "support-agent-golden-conversations",
            "asset_type": "evaluation_dataset",
            "description": "1,200 anonymised support conversations with reference answers, "
            "used to regression-test the support agent before each release.",
            **_owner("customer-experience"),
            "data_classification": "confidential",
            "deployment_env": "staging",
            "regulatory_scope": ["gdpr"],
            "network_exposure": "internal",
            "last_security_review": stale_review(),
        },
        {
            "name": "prompt-injection-eval-suite",
            "asset_type": "evaluation_dataset",
            "description": "Direct and indirect prompt-injection and jailbreak probes run "
            "against every LLM application before go-live.",
            **_owner("ml-platform"),
            "data_classification": "internal",
            "deployment_env": "staging",
            "network_exposure": "internal",
            "license_type": "apache-2.0",
            "last_security_review": fresh_review(),
        },
        # ----------------------------------------------------------------- training datasets
        {
            "name": "clinical-notes-deid-v3",
            "asset_type": "training_dataset",
            "description": "De-identified clinical notes used to fine-tune the discharge "
            "summary model; re-identification risk assessed quarterly.",
            **_owner("clinical-ai"),
            "data_classification": "regulated",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa", "gdpr", "eu_ai_act_high_risk"],
            "network_exposure": "vpc",
            "cloud_provider": "aws",
            "cloud_region": "eu-west-1",
            "last_security_review": fresh_review(),
            "controls": _controls(
                encryption_at_rest=True, access_logging=True, network_isolation=True
            ),
        },
        {
            "name": "card-fraud-features-2025",
            "asset_type": "training_dataset",
            "description": "Card transaction features and chargeback labels for the fraud "
            "scoring models.",
            **_owner("risk-analytics"),
            "data_classification": "restricted",
            "deployment_env": "production",
            "regulatory_scope": ["pci_dss", "gdpr"],
            "network_exposure": "vpc",
            "cloud_provider": "aws",
            "cloud_region": "us-east-1",
            "controls": _controls(encryption_at_rest=True, access_logging=False),
        },
        # --------------------------------------------------------- self-hosted vector stores
        {
            "name": "cx-ticket-embeddings-pgvector",
            "asset_type": "vector_database",
            "description": "PostgreSQL + pgvector cluster holding embeddings of five years "
            "of support tickets; retrieval store of the support agent.",
            **_owner("customer-experience"),
            "data_classification": "confidential",
            "deployment_env": "production",
            "regulatory_scope": ["gdpr"],
            "network_exposure": "vpc",
            "is_self_hosted": True,
            "source_url": "https://github.com/pgvector/pgvector",
            "license_type": "postgresql",
            "last_security_review": fresh_review(),
            "sbom_available": True,
            "cloud_provider": "aws",
            "cloud_region": "eu-west-1",
            "controls": _controls(
                encryption_at_rest=True, authentication=True, network_isolation=True
            ),
        },
        {
            # Nobody owns the research sandbox's vector store: the brief's "no_owner" gap.
            "name": "research-qdrant",
            "asset_type": "vector_database",
            "description": "Qdrant instance on a research GPU box, filled with paper and "
            "patent embeddings for retrieval experiments.",
            "data_classification": "internal",
            "deployment_env": "research",
            "network_exposure": "internal",
            "is_self_hosted": True,
            "source_url": "https://github.com/qdrant/qdrant",
            "license_type": "apache-2.0",
            "sbom_available": False,
        },
        # ----------------------------------------------------------------- guardrail configs
        {
            "name": "nemo-guardrails-cx-config",
            "asset_type": "guardrail_config",
            "description": "NeMo Guardrails rails (topic, jailbreak and PII output checks) "
            "in front of the support agent.",
            **_owner("ml-platform"),
            "data_classification": "internal",
            "deployment_env": "production",
            "network_exposure": "internal",
            "is_self_hosted": True,
            "source_url": "https://github.com/NVIDIA/NeMo-Guardrails",
            "license_type": "apache-2.0",
            "last_security_review": fresh_review(),
            "sbom_available": True,
            "controls": _controls(input_filtering=True, output_filtering=True, guardrails=True),
        },
        {
            "name": "llm-gateway-policy",
            "asset_type": "guardrail_config",
            "description": "Routing, budget and rate-limit policy of the internal LLM "
            "gateway (per-team virtual keys, model allow-list).",
            **_owner("ml-platform"),
            "data_classification": "internal",
            "deployment_env": "production",
            "network_exposure": "internal",
            "source_url": f"{_GIT}/platform/llm-gateway/-/blob/main/policy.yaml",
            "last_security_review": stale_review(),
            "controls": _controls(rate_limiting=True),
        },
        # --------------------------------------------------------------------- API endpoints
        {
            "name": "kestrel-llm-gateway",
            "asset_type": "api_endpoint",
            "description": "Internal OpenAI-compatible LLM gateway (LiteLLM proxy) through "
            "which applications reach the direct vendor APIs.",
            **_owner("ml-platform"),
            "data_classification": "confidential",
            "deployment_env": "production",
            "regulatory_scope": ["gdpr"],
            "network_exposure": "vpc",
            "is_self_hosted": True,
            "source_url": "https://github.com/BerriAI/litellm",
            "license_type": "mit",
            "last_security_review": fresh_review(),
            "sbom_available": True,
            "api_endpoint": f"https://llm-gateway.internal.{EMAIL_DOMAIN}/v1",
            "cloud_provider": "aws",
            "cloud_region": "eu-west-1",
            "upstream_assets": [
                "llm-gateway-policy",
                "openai-gpt-4o-direct",
                "anthropic-claude-sonnet-direct",
            ],
            "controls": _controls(
                authentication=True,
                rate_limiting=True,
                access_logging=True,
                monitoring=True,
                encryption_in_transit=True,
            ),
        },
        {
            "name": "anthropic-messages-integration",
            "asset_type": "api_endpoint",
            "description": "Direct integration with the Anthropic Messages API used by the "
            "clinical documentation assistant (outside the gateway, pending migration).",
            **_owner("clinical-ai"),
            "data_classification": "regulated",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa", "eu_ai_act_high_risk"],
            "network_exposure": "public",
            "model_provider": "anthropic",
            "is_self_hosted": False,
            "last_security_review": stale_review(),
            "api_endpoint": "https://api.anthropic.com/v1/messages",
            "upstream_assets": ["anthropic-claude-sonnet-direct"],
            "controls": _controls(encryption_in_transit=True, authentication=True),
        },
        {
            # Public and confidential, never reviewed: the brief's
            # "public_exposure_high_sensitivity" gap.
            "name": "merchant-support-chat-api",
            "asset_type": "api_endpoint",
            "description": "Public chat API embedded in the merchant dashboard; answers "
            "questions about settlements, disputes and card transactions from account data. "
            "Token authentication is configured but was switched off for the widget beta.",
            **_owner("customer-experience"),
            "data_classification": "restricted",
            "deployment_env": "production",
            "regulatory_scope": ["gdpr", "pci_dss"],
            "network_exposure": "public",
            "api_endpoint": f"https://api.{EMAIL_DOMAIN}/merchant/v2/chat",
            "upstream_assets": ["cx-support-agent"],
            "controls": _controls(authentication=False, rate_limiting=False),
        },
        # ------------------------------------------------ foundation models via vendor APIs
        {
            "name": "openai-gpt-4o-direct",
            "asset_type": "foundation_model",
            "description": "GPT-4o used through the OpenAI API (enterprise agreement, zero "
            "data retention), reached via the LLM gateway.",
            **_owner("ml-platform"),
            "data_classification": "confidential",
            "deployment_env": "production",
            "network_exposure": "public",
            "model_provider": "openai",
            "model_name": "gpt-4o",
            "model_version": "2024-08-06",
            "is_self_hosted": False,
            "license_type": "proprietary",
            "last_security_review": fresh_review(),
            "api_endpoint": "https://api.openai.com/v1",
        },
        {
            "name": "anthropic-claude-sonnet-direct",
            "asset_type": "foundation_model",
            "description": "Claude Sonnet used through the Anthropic API by the gateway and "
            "the clinical documentation assistant.",
            **_owner("clinical-ai"),
            "data_classification": "regulated",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa"],
            "network_exposure": "public",
            "model_provider": "anthropic",
            "model_name": "claude-sonnet-4-5",
            "model_version": "20250929",
            "is_self_hosted": False,
            "license_type": "proprietary",
            "api_endpoint": "https://api.anthropic.com/v1",
        },
        # -------------------------------------------------------------- in-house AI agent
        {
            "name": "cx-support-agent",
            "asset_type": "ai_agent",
            "description": "In-house LangGraph support agent: answers tickets, looks up "
            "orders and can issue refunds up to a limit.",
            **_owner("customer-experience"),
            "data_classification": "confidential",
            "deployment_env": "production",
            "regulatory_scope": ["gdpr", "eu_ai_act_limited_risk"],
            "network_exposure": "vpc",
            "is_self_hosted": True,
            "source_url": f"{_GIT}/cx/support-agent",
            "license_type": "proprietary",
            "last_security_review": stale_review(),
            "sbom_available": False,
            "cloud_provider": "aws",
            "cloud_region": "eu-west-1",
            "upstream_assets": [
                "kestrel-llm-gateway",
                "cx-support-agent-system-prompt",
                "cx-ticket-embeddings-pgvector",
                "nemo-guardrails-cx-config",
            ],
            "controls": _controls(
                guardrails=True, input_filtering=True, output_filtering=True, monitoring=False
            ),
        },
    ]
    return entries


# ------------------------------------------------------------------------------------ writer


def _check_entries(entries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Catch generator bugs early: every entry named, names unique, only registry fields."""
    checked: list[Mapping[str, Any]] = []
    names: set[str] = set()
    for position, entry in enumerate(entries):
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError(f"registry entry {position} has no name: {dict(entry)!r:.200}")
        if name in names:
            raise ValueError(f"registry entry name {name!r} is used more than once")
        names.add(name)
        unknown = sorted(set(entry) - set(REGISTRY_FIELDS))
        if unknown:
            raise ValueError(f"registry entry {name!r} has unknown field(s) {unknown}")
        checked.append(entry)
    return sorted(checked, key=lambda e: e["name"])


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _yaml_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in REGISTRY_FIELDS:
        value = entry.get(key)
        if not _present(value):
            continue
        if key == "controls":
            value = [{"type": c["type"], "operational": c["operational"]} for c in value]
        elif isinstance(value, list):
            value = list(value)
        out[key] = value
    return out


def _csv_cell(name: str, key: str, value: Any) -> str:
    if not _present(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if key == "controls":
        items = [f"{c['type']}={'true' if c['operational'] else 'false'}" for c in value]
    elif isinstance(value, list):
        items = [str(item) for item in value]
    elif isinstance(value, str):
        return value
    else:
        raise TypeError(f"registry entry {name!r}: {key} has unexpected type {type(value)}")
    for item in items:
        if LIST_SEPARATOR in item:
            raise ValueError(
                f"registry entry {name!r}: {key} item {item!r} contains {LIST_SEPARATOR!r}, "
                "which CSV uses to separate list items"
            )
    return LIST_SEPARATOR.join(items)


def _write_atomically(path: Path, text: str) -> None:
    """Readers (a sensor, a running extract) never see a half-written registry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(temporary, path)


def registry_yaml_text(entries: Iterable[Mapping[str, Any]], csv_name: str = "registry.csv") -> str:
    """The YAML form of `entries`: sorted by name, keys in `REGISTRY_FIELDS` order."""
    document = {"assets": [_yaml_entry(entry) for entry in _check_entries(entries)]}
    body = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return _YAML_HEADER.format(csv_name=csv_name) + body


def registry_csv_text(entries: Iterable[Mapping[str, Any]]) -> str:
    """The CSV form of `entries`: a header with every registry field, one row per entry."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REGISTRY_FIELDS)
    for entry in _check_entries(entries):
        writer.writerow([_csv_cell(entry["name"], key, entry.get(key)) for key in REGISTRY_FIELDS])
    return buffer.getvalue()


def write_registry(yaml_path: Path, csv_path: Path, entries: list[dict[str, Any]]) -> None:
    """Write `entries` as a YAML registry and as a CSV registry with the same content."""
    yaml_text = registry_yaml_text(entries, csv_name=csv_path.name)
    csv_text = registry_csv_text(entries)
    _write_atomically(yaml_path, yaml_text)
    _write_atomically(csv_path, csv_text)
