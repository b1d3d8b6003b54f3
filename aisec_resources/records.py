"""The record every discovery source produces, and the vocabulary it uses.

Every source (declared registry, Hugging Face, AWS, Azure, later the estate scan and live
connectors) turns what it reads into `DiscoveredAsset` records and `Rejection`s. The inventory
merges records by `natural_key`, so the key must be built the same way by every source:
`natural_key()` below is the one place that does it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from aisec_resources.redaction import redact_excerpt, redact_structure, redact_text

T = TypeVar("T")

# Enumerations carried over from the design brief (lowercase values), plus the two asset types
# the estate scan finds (api_key, integration_point).
ASSET_TYPES: tuple[str, ...] = (
    "foundation_model",
    "fine_tuned_model",
    "embedding_model",
    "vector_database",
    "training_dataset",
    "evaluation_dataset",
    "ai_agent",
    "api_endpoint",
    "guardrail_config",
    "prompt_template",
    "api_key",
    "integration_point",
)
DATA_CLASSIFICATIONS: tuple[str, ...] = (
    "public",
    "internal",
    "confidential",
    "restricted",
    "regulated",
)
DEPLOYMENT_ENVS: tuple[str, ...] = ("development", "staging", "production", "research")
REGULATORY_SCOPES: tuple[str, ...] = (
    "none",
    "gdpr",
    "hipaa",
    "sox",
    "eu_ai_act_high_risk",
    "eu_ai_act_limited_risk",
    "pci_dss",
    "ccpa",
)
NETWORK_EXPOSURES: tuple[str, ...] = ("internal", "vpc", "public")
# The asset type of a declared entry whose asset_type value is invalid: the asset is kept
# (its name identifies it), `invalid_fields` names asset_type, and risk scores its capability
# at the worst case (the highest capability score).
UNKNOWN_ASSET_TYPE = "unknown"
CONTROL_TYPES: tuple[str, ...] = (
    "input_filtering",
    "output_filtering",
    "rate_limiting",
    "authentication",
    "encryption_at_rest",
    "encryption_in_transit",
    "monitoring",
    "guardrails",
    "access_logging",
    "network_isolation",
)
# Identifiers stay exactly as the source gave them: ids are derived from them.
_UNMASKED_FIELDS = frozenset({"source", "resource_id", "natural_key", "asset_id", "part"})


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    """The one gate every record passes on its way into the warehouse: whatever a parser let
    through, credential-shaped text is redacted here (the blocking check scans again)."""
    return {
        k: redact_text(v) if isinstance(v, str) and k not in _UNMASKED_FIELDS else v
        for k, v in row.items()
    }


# Edge kinds in `asset_dependencies` (from the dependent asset to what it uses).
RELATIONS: tuple[str, ...] = (
    "uses_model",  # agent/endpoint -> model it invokes
    "uses_knowledge_base",  # agent -> knowledge base
    "uses_guardrail",  # agent/endpoint -> guardrail
    "embeds_with",  # knowledge base -> embedding model
    "retrieves_from",  # knowledge base -> data source / dataset
    "fine_tuned_from",  # custom model -> base model
    "trained_on",  # custom model -> training dataset
    "evaluated_on",  # custom model -> evaluation dataset
    "serves",  # endpoint -> model it serves
    "uses_prompt",  # agent/endpoint -> prompt template
    "depends_on",  # declared upstream_assets with no more specific relation
)


def natural_key(resource_id: str) -> str:
    """Canonical natural key of a resource: its globally unique identifier, normalized.

    Cloud identifiers are globally unique already (an AWS ARN carries partition, account and
    region; an Azure resource id carries the subscription), so the key is the identifier itself.
    Azure resource ids are case-insensitive and are lowercased; everything else is kept as is.
    Local things use URI-like ids built by their source: `hf-dir://<location>/<relative path>`,
    `hf-cache://<location>/<repo type>/<repo id>`, `declared://<name>`.
    """
    rid = resource_id.strip()
    if not rid:
        raise ValueError("resource_id must not be empty")
    if rid.lower().startswith("/subscriptions/"):
        return rid.lower()
    return rid


def asset_id_for(resource_id: str) -> str:
    """Deterministic asset id: reruns and every source agree on it."""
    digest = hashlib.sha256(natural_key(resource_id).encode("utf-8")).hexdigest()
    return f"ai-{digest[:16]}"


@dataclass(frozen=True)
class Control:
    """A control implemented on an asset, with where the evidence came from."""

    type: str
    operational: bool
    evidence: str = ""


@dataclass(frozen=True)
class Dependency:
    """An edge from this record's asset to another resource it depends on."""

    resource_id: str
    relation: str


@dataclass
class DiscoveredAsset:
    """One asset as a single source sees it.

    Field names follow the brief's `AIAsset`. `None` means "this source does not know"; the
    inventory merge lets another source fill it in. `posture` holds technical facts found by
    discovery (guardrail attached, invocation logging, public network access, ...); `raw` keeps
    the source's own object (never a secret) for audit.
    """

    source: str
    resource_id: str
    name: str
    asset_type: str
    description: str | None = None
    owner_team: str | None = None
    owner_email: str | None = None
    data_classification: str | None = None
    deployment_env: str | None = None
    regulatory_scope: list[str] | None = None
    model_provider: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    is_self_hosted: bool | None = None
    parameter_count: str | None = None
    source_url: str | None = None
    license_type: str | None = None
    last_security_review: date | None = None
    sbom_available: bool | None = None
    api_endpoint: str | None = None
    cloud_provider: str | None = None
    cloud_account: str | None = None
    cloud_region: str | None = None
    network_exposure: str | None = None
    # Fields whose input value was invalid (each one also a `Rejection`): the record keeps the
    # asset with that field unknown, and the risk engine scores it at its worst case.
    invalid_fields: list[str] = field(default_factory=list)
    posture: dict[str, Any] = field(default_factory=dict)
    controls: list[Control] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    # The part of the source the record was read from (an Azure subscription id, a Hugging
    # Face location name, an AWS `account/region`): when a later run cannot read that part,
    # the record keeps its last good data, marked stale, instead of going missing.
    part: str | None = None

    @property
    def natural_key(self) -> str:
        return natural_key(self.resource_id)

    @property
    def asset_id(self) -> str:
        return asset_id_for(self.resource_id)

    def to_row(self) -> dict[str, Any]:
        """Row for `discovery.discovered_assets` (nested parts as JSON text)."""
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row["natural_key"] = self.natural_key
        row["asset_id"] = self.asset_id
        # Structures are redacted before serializing (fields named like secrets are masked
        # whatever they hold); the text pass in _masked then finds nothing new in them.
        row["posture"] = json.dumps(redact_structure(self.posture), sort_keys=True, default=str)
        row["controls"] = json.dumps([dataclasses.asdict(c) for c in self.controls])
        row["dependencies"] = json.dumps(
            [
                {
                    "asset_id": asset_id_for(d.resource_id),
                    "resource_id": natural_key(d.resource_id),
                    "relation": d.relation,
                }
                for d in self.dependencies
            ]
        )
        row["raw"] = json.dumps(redact_structure(self.raw), sort_keys=True, default=str)
        row["invalid_fields"] = [redact_text(name) for name in self.invalid_fields]
        return _masked(row)


@dataclass(frozen=True)
class Rejection:
    """A record a source could not accept, kept with where it was and why."""

    source: str
    location: str  # file path (and record index / line), or API call
    reason: str
    field: str | None = None
    excerpt: str | None = None  # a short, secret-free excerpt of the bad input

    def to_row(self) -> dict[str, Any]:
        row = _masked(dataclasses.asdict(self))
        if row["excerpt"]:
            row["excerpt"] = redact_excerpt(row["excerpt"])
        return row


@dataclass(frozen=True)
class UnreadablePart:
    """A part of a source that could not be read in this run (an Azure subscription, a Hugging
    Face location, an AWS account or region): the source is `partial`, and the records it held
    from that part (`DiscoveredAsset.part` equal to `part` or below it, `part/...`) keep their
    last good data, marked stale."""

    part: str
    location: str  # the directory or API call that could not be read
    reason: str  # the actual reason (e.g. "Not a directory", "Permission denied")


@dataclass
class SourceResult:
    """What one source produced in one run."""

    records: list[DiscoveredAsset] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    scanned: int = 0  # items looked at (files, API objects), for the run's log
    unreadable: list[UnreadablePart] = field(default_factory=list)


class SourceUnavailable(Exception):
    """The source as a whole could not be read (missing bundle, unreadable root, API down).

    The extract asset catches it, keeps the source's last good data and marks it stale.
    """


def collect(fetch: Callable[[], T]) -> tuple[T | None, str | None]:
    """Run a source's fetch; a failure of the whole source becomes an error message.

    `SourceUnavailable` is the expected way a source fails. Any other exception is a bug in a
    parser, but it must still not take the other sources or the last good data down with it,
    so it is reported with its traceback instead of raised.
    """
    try:
        return fetch(), None
    except SourceUnavailable as exc:
        return None, str(exc)
    except Exception as exc:
        return None, f"unexpected {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
