"""What Kestrel Dynamics runs on Azure: the AI accounts, their deployments, and what was declared.

Plain data (`AccountSpec`, `DeploymentSpec`, `DeclaredEntry`); `bundle` turns it into ARM
responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aisec_jobs.demo_estate.company import TEAMS


@dataclass(frozen=True)
class DeclaredEntry:
    """How a team declared a deployment in the registry (None on the spec = undeclared)."""

    name: str
    description: str
    team: str
    data_classification: str
    deployment_env: str
    regulatory_scope: tuple[str, ...] = ()
    review: str = "fresh"  # fresh | stale | never
    network_exposure: str | None = None  # what the team believes; discovery may disagree
    controls: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    model: str
    version: str
    sku: str
    capacities: tuple[int, ...]  # one is drawn: quotas differ between otherwise equal estates
    rai_policy: str
    kind: str = "chat"  # chat | embeddings
    tags: dict[str, str] | None = None
    upgrade: str = "OnceNewDefaultVersionAvailable"
    declared: DeclaredEntry | None = None


@dataclass(frozen=True)
class AccountSpec:
    name: str
    kind: str
    subscription: str  # subscription name in company.py
    resource_group: str
    location: str
    tags: dict[str, str]
    public_network_access: str = "Enabled"
    default_action: str = "Allow"
    ip_rules: tuple[str, ...] = ()
    subnet_rules: tuple[str, ...] = ()  # "<vnet>/<subnet>" in the account's resource group
    private_endpoint: str | None = None
    disable_local_auth: bool | None = None  # None: ARM leaves the property out
    restrict_outbound: bool | None = None
    allowed_fqdns: tuple[str, ...] = ()
    cmk_vault: str | None = None  # Key Vault name holding the customer-managed key
    custom_policies: tuple[str, ...] = ()
    deployments: tuple[DeploymentSpec, ...] = field(default_factory=tuple)


def _owner_tags(team_key: str, with_email: bool = True) -> dict[str, str]:
    team = TEAMS[team_key]
    tags = {"owner-team": team.key}
    if with_email:
        tags["owner-email"] = team.email
    return tags


ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec(
        name="kd-cx-openai-prod",
        kind="OpenAI",
        subscription="kestrel-ai-prod",
        resource_group="rg-cx-ai-prod",
        location="swedencentral",
        tags={
            **_owner_tags("customer-experience"),
            "environment": "production",
            "data-classification": "confidential",
            "regulatory-scope": "gdpr,eu_ai_act_limited_risk",
            "cost-center": "cx-4410",
        },
        custom_policies=("cx-low-friction",),
        deployments=(
            DeploymentSpec(
                "gpt-4o",
                "gpt-4o",
                "2024-11-20",
                "GlobalStandard",
                (150, 200, 250),
                "Microsoft.DefaultV2",
                declared=DeclaredEntry(
                    "cx-assistant-gpt-4o",
                    "Azure OpenAI GPT-4o deployment behind the customer support assistant "
                    "and the merchant chat API.",
                    "customer-experience",
                    "confidential",
                    "production",
                    ("gdpr", "eu_ai_act_limited_risk"),
                    review="fresh",
                    network_exposure="vpc",  # the team believes it is private; it is not
                    controls=(("monitoring", True), ("rate_limiting", True)),
                ),
            ),
            DeploymentSpec(
                "gpt-4o-mini-summarize",
                "gpt-4o-mini",
                "2024-07-18",
                "Standard",
                (60, 80),
                "cx-low-friction",
                tags={"workload": "ticket-summaries"},
                declared=DeclaredEntry(
                    "cx-ticket-summarizer",
                    "Summarises support tickets for agents; runs with a relaxed content "
                    "filter to avoid false positives on complaint language.",
                    "customer-experience",
                    "confidential",
                    "production",
                    ("gdpr",),
                    review="stale",
                ),
            ),
            DeploymentSpec(
                "text-embedding-3-large",
                "text-embedding-3-large",
                "1",
                "Standard",
                (120, 150),
                "Microsoft.DefaultV2",
                kind="embeddings",
                declared=DeclaredEntry(
                    "cx-ticket-embedder",
                    "Embeds support tickets and help-centre articles for retrieval.",
                    "customer-experience",
                    "confidential",
                    "production",
                    ("gdpr",),
                    review="never",
                ),
            ),
        ),
    ),
    AccountSpec(
        name="kd-health-aoai-prod",
        kind="OpenAI",
        subscription="kestrel-ai-prod",
        resource_group="rg-health-ai-prod",
        location="westeurope",
        tags={
            **_owner_tags("clinical-ai"),
            "environment": "production",
            "data-classification": "regulated",
            "regulatory-scope": "hipaa,gdpr,eu_ai_act_high_risk",
        },
        public_network_access="Disabled",
        default_action="Deny",
        private_endpoint="pe-kd-health-aoai-prod",
        disable_local_auth=True,
        restrict_outbound=True,
        allowed_fqdns=("kv-kd-health-ai-prod.vault.azure.net",),
        cmk_vault="kv-kd-health-ai-prod",
        custom_policies=("health-strict",),
        deployments=(
            DeploymentSpec(
                "gpt-4o-clinical",
                "gpt-4o",
                "2024-08-06",
                "ProvisionedManaged",
                (100,),
                "health-strict",
                upgrade="NoAutoUpgrade",
                tags={"workload": "clinical-notes-summarization"},
                declared=DeclaredEntry(
                    "clinical-notes-gpt-4o",
                    "Provisioned GPT-4o that drafts discharge summaries from clinical notes "
                    "(human review before release).",
                    "clinical-ai",
                    "regulated",
                    "production",
                    ("hipaa", "gdpr", "eu_ai_act_high_risk"),
                    review="fresh",
                    network_exposure="vpc",
                    controls=(("monitoring", True), ("access_logging", True)),
                ),
            ),
            DeploymentSpec(
                "text-embedding-3-large",
                "text-embedding-3-large",
                "1",
                "Standard",
                (50,),
                "health-strict",
                kind="embeddings",
                upgrade="NoAutoUpgrade",
                declared=DeclaredEntry(
                    "clinical-guidelines-embedder",
                    "Embeds clinical guidelines for the retrieval index of the notes assistant.",
                    "clinical-ai",
                    "restricted",
                    "production",
                    ("hipaa",),
                    review="fresh",
                    network_exposure="vpc",
                ),
            ),
            DeploymentSpec(
                "o3-mini",
                "o3-mini",
                "2025-01-31",
                "DataZoneStandard",
                (30, 40),
                "health-strict",
                upgrade="NoAutoUpgrade",
                declared=DeclaredEntry(
                    "clinical-coding-o3-mini",
                    "Suggests ICD-10 codes for coders to confirm.",
                    "clinical-ai",
                    "regulated",
                    "production",
                    ("hipaa", "eu_ai_act_high_risk"),
                    review="stale",
                    network_exposure="vpc",
                ),
            ),
        ),
    ),
    AccountSpec(
        name="kd-fraud-ai-prod",
        kind="AIServices",
        subscription="kestrel-ai-prod",
        resource_group="rg-cx-ai-prod",
        location="westeurope",
        tags={
            **_owner_tags("risk-analytics"),
            "environment": "production",
            # Not in the vocabulary: discovery rejects the tag and leaves the field unknown.
            "data-classification": "highly-confidential",
            "regulatory-scope": "pci_dss,gdpr",
        },
        default_action="Deny",
        ip_rules=("203.0.113.0/24", "198.51.100.17"),
        subnet_rules=("vnet-payments-prod/snet-fraud-scoring",),
        deployments=(
            DeploymentSpec(
                "gpt-4o-mini",
                "gpt-4o-mini",
                "2024-07-18",
                "GlobalStandard",
                (80, 100),
                "Microsoft.DefaultV2",
                declared=DeclaredEntry(
                    "fraud-case-narrator",
                    "Writes case narratives for fraud analysts from scored transactions.",
                    "risk-analytics",
                    "confidential",
                    "production",
                    ("pci_dss", "gdpr"),
                    review="never",
                ),
            ),
            # Added by an analyst and never declared: shadow AI in a production account.
            DeploymentSpec(
                "o3-mini",
                "o3-mini",
                "2025-01-31",
                "GlobalStandard",
                (40, 50),
                "Microsoft.DefaultV2",
            ),
            DeploymentSpec(
                "text-embedding-3-small",
                "text-embedding-3-small",
                "1",
                "Standard",
                (30,),
                "Microsoft.Default",
                kind="embeddings",
                declared=DeclaredEntry(
                    "merchant-similarity-embedder",
                    "Embeds merchant descriptors to find look-alike merchants.",
                    "risk-analytics",
                    "internal",
                    "production",
                    ("pci_dss",),
                    review="stale",
                ),
            ),
        ),
    ),
    AccountSpec(
        name="kd-research-sandbox",
        kind="AIServices",
        subscription="kestrel-ai-sandbox",
        resource_group="rg-research-sandbox",
        location="eastus2",
        tags={**_owner_tags("research-lab", with_email=False), "environment": "development"},
        deployments=(
            DeploymentSpec(
                "gpt-4o-mini",
                "gpt-4o-mini",
                "2024-07-18",
                "Standard",
                (10, 20),
                "Microsoft.DefaultV2",
            ),
            DeploymentSpec(
                "o3-mini",
                "o3-mini",
                "2025-01-31",
                "GlobalStandard",
                (20,),
                "Microsoft.DefaultV2",
                tags={"environment": "research"},
            ),
            DeploymentSpec(
                "gpt-35-turbo", "gpt-35-turbo", "0125", "Standard", (10,), "Microsoft.Default"
            ),
        ),
    ),
    AccountSpec(
        name="kd-docintel-prod",
        kind="FormRecognizer",
        subscription="kestrel-ai-prod",
        resource_group="rg-health-ai-prod",
        location="westeurope",
        tags={**_owner_tags("finance-ops"), "environment": "production"},
        disable_local_auth=True,
    ),
)
