"""The fictional company of the demo estate: Kestrel Dynamics, a payments and digital-health group.

Every demo generator draws its teams, accounts, subscriptions and regions from here so that the
declared registry and the discovered cloud estate refer to the same things.
"""

from __future__ import annotations

from dataclasses import dataclass

ORGANISATION = "Kestrel Dynamics"
EMAIL_DOMAIN = "kestrel-dynamics.example"


@dataclass(frozen=True)
class Team:
    key: str  # used as owner_team
    display_name: str
    lead: str

    @property
    def email(self) -> str:
        return f"{self.key}@{EMAIL_DOMAIN}"


TEAMS: dict[str, Team] = {
    t.key: t
    for t in (
        Team("ml-platform", "ML Platform", "Priya Raman"),
        Team("customer-experience", "Customer Experience AI", "Tomás Ferreira"),
        Team("risk-analytics", "Risk & Fraud Analytics", "Hannah Okafor"),
        Team("clinical-ai", "Clinical AI (Kestrel Health)", "Dr. Lena Vogt"),
        Team("research-lab", "Applied Research Lab", "Kenji Watanabe"),
        Team("finance-ops", "Finance Operations", "Marcus Lindqvist"),
    )
}


@dataclass(frozen=True)
class AwsAccount:
    account_id: str
    alias: str
    env: str  # default deployment env of what runs in it
    regions: tuple[str, ...]


AWS_ACCOUNTS: tuple[AwsAccount, ...] = (
    AwsAccount("314159265358", "kestrel-ml-prod", "production", ("us-east-1", "eu-west-1")),
    AwsAccount("271828182845", "kestrel-ml-dev", "development", ("us-east-1",)),
)


@dataclass(frozen=True)
class AzureSubscription:
    subscription_id: str
    name: str
    env: str
    resource_groups: tuple[str, ...]


AZURE_SUBSCRIPTIONS: tuple[AzureSubscription, ...] = (
    AzureSubscription(
        "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f",
        "kestrel-ai-prod",
        "production",
        ("rg-cx-ai-prod", "rg-health-ai-prod"),
    ),
    AzureSubscription(
        "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
        "kestrel-ai-sandbox",
        "development",
        ("rg-research-sandbox",),
    ),
)
