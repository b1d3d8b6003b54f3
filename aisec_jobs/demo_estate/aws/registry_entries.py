"""What Kestrel's teams declared in the registry about their AWS resources.

Most production assets, not all, and not all kept up to date (stale and missing reviews,
missing SBOMs): the gaps between this and what discovery finds are what the demo shows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from aisec_jobs.demo_estate.aws.bundle import CLAUDE_HAIKU, CLAUDE_SONNET_PROFILE
from aisec_jobs.demo_estate.company import TEAMS


def declared_entries(as_of: date, rng: random.Random, arn: dict[str, str]) -> list[dict]:
    """What the teams wrote in the registry: most production assets, not all, and not all
    kept up to date (stale and missing reviews, missing SBOMs)."""

    def reviewed(days_ago: int) -> date:
        return as_of - timedelta(days=days_ago + rng.randrange(5))

    def owner(team: str) -> dict[str, str]:
        return {"owner_team": team, "owner_email": TEAMS[team].email}

    common = {"cloud_provider": "aws"}
    return [
        {
            "name": "cx-support-bedrock-agent",
            "asset_type": "ai_agent",
            "resource_id": arn["cx_agent"],
            "description": "Customer support assistant on Bedrock Agents (refunds up to 200 EUR).",
            **owner("customer-experience"),
            "data_classification": "confidential",
            "deployment_env": "production",
            "regulatory_scope": ["gdpr", "pci_dss"],
            "network_exposure": "public",
            "model_provider": "aws_bedrock",
            "model_name": CLAUDE_SONNET_PROFILE,
            "is_self_hosted": False,
            "last_security_review": reviewed(35),
            "cloud_region": "us-east-1",
            "upstream_assets": [arn["cx_kb"], arn["strict_guardrail"]],
            "controls": [{"type": "rate_limiting", "operational": True}],
            **common,
        },
        {
            "name": "cx-support-kb",
            "asset_type": "vector_database",
            "resource_id": arn["cx_kb"],
            "description": "Support tickets and help-centre articles for the support assistant.",
            **owner("customer-experience"),
            "data_classification": "confidential",
            "deployment_env": "production",
            "regulatory_scope": ["gdpr", "ccpa"],
            "network_exposure": "internal",
            "cloud_region": "us-east-1",
            **common,
        },
        {
            "name": "cx-strict-guardrail",
            "asset_type": "guardrail_config",
            "resource_id": arn["strict_guardrail"],
            **owner("customer-experience"),
            "data_classification": "internal",
            "deployment_env": "production",
            "last_security_review": reviewed(60),
            "cloud_region": "us-east-1",
            **common,
        },
        {
            "name": "fraud-triage-agent",
            "asset_type": "ai_agent",
            "resource_id": arn["fraud_agent"],
            "description": "Drafts case notes for fraud analysts.",
            **owner("risk-analytics"),
            "data_classification": "restricted",
            "deployment_env": "production",
            "regulatory_scope": ["pci_dss", "sox"],
            "network_exposure": "internal",
            "model_provider": "aws_bedrock",
            "model_name": "fraud-narrative-titan-ft",
            "last_security_review": reviewed(160),
            "cloud_region": "us-east-1",
            "upstream_assets": [arn["throughput"]],
            "controls": [
                {"type": "rate_limiting", "operational": True},
                {"type": "access_logging", "operational": True},
            ],
            **common,
        },
        {
            "name": "fraud-narrative-titan-ft",
            "asset_type": "fine_tuned_model",
            "resource_id": arn["fraud_model"],
            **owner("risk-analytics"),
            "data_classification": "restricted",
            "deployment_env": "production",
            "regulatory_scope": ["pci_dss"],
            "model_provider": "aws_bedrock",
            "model_name": "fraud-narrative-titan-ft",
            "sbom_available": True,
            "license_type": "proprietary",
            "last_security_review": reviewed(100),
            "cloud_region": "us-east-1",
            **common,
        },
        {
            "name": "fraud-narrative-pt",
            "asset_type": "api_endpoint",
            "resource_id": arn["throughput"],
            **owner("risk-analytics"),
            "data_classification": "restricted",
            "deployment_env": "production",
            "network_exposure": "internal",
            "cloud_region": "us-east-1",
            "upstream_assets": [arn["fraud_model"]],
            **common,
        },
        {
            "name": "claims-intake-agent",
            "asset_type": "ai_agent",
            "resource_id": arn["claims_agent"],
            "description": "Patient-facing claims intake assistant (Kestrel Health pilot).",
            **owner("clinical-ai"),
            "data_classification": "regulated",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa", "gdpr", "eu_ai_act_high_risk"],
            "network_exposure": "public",
            "model_provider": "aws_bedrock",
            "model_name": CLAUDE_HAIKU,
            "last_security_review": reviewed(20),
            "cloud_region": "eu-west-1",
            "upstream_assets": [arn["clinical_kb"], arn["phi_guardrail"]],
            # Declared as in place; discovery shows the guardrail is still an unpublished draft.
            "controls": [
                {"type": "input_filtering", "operational": True},
                {"type": "output_filtering", "operational": True},
            ],
            **common,
        },
        {
            "name": "clinical-policies-kb",
            "asset_type": "vector_database",
            "resource_id": arn["clinical_kb"],
            **owner("clinical-ai"),
            "data_classification": "internal",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa"],
            "network_exposure": "internal",
            "cloud_region": "eu-west-1",
            **common,
        },
        {
            "name": "clinical-ner-endpoint",
            "asset_type": "api_endpoint",
            "resource_id": arn["ner_endpoint"],
            "description": "Clinical entity recognition for claim documents.",
            **owner("clinical-ai"),
            "data_classification": "regulated",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa", "gdpr", "eu_ai_act_high_risk"],
            "network_exposure": "vpc",
            "model_provider": "aws_sagemaker",
            "is_self_hosted": True,
            "sbom_available": False,
            "last_security_review": reviewed(45),
            "cloud_region": "eu-west-1",
            "upstream_assets": [arn["ner_model"]],
            **common,
        },
        {
            "name": "clinical-ner-biobert-ft",
            "asset_type": "fine_tuned_model",
            "resource_id": arn["ner_model"],
            **owner("clinical-ai"),
            "data_classification": "regulated",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa"],
            "model_provider": "aws_sagemaker",
            "model_name": "clinical-ner-biobert-ft",
            "model_version": "v4",
            "is_self_hosted": True,
            "parameter_count": "110M",
            "source_url": "https://huggingface.co/dmis-lab/biobert-base-cased-v1.2",
            "license_type": "apache-2.0",
            "sbom_available": True,
            "last_security_review": reviewed(45),
            "cloud_region": "eu-west-1",
            **common,
        },
        {
            "name": "research-mistral-7b-distill",
            "asset_type": "fine_tuned_model",
            "resource_id": arn["imported"],
            **owner("research-lab"),
            "data_classification": "internal",
            "deployment_env": "research",
            "model_provider": "aws_bedrock",
            "parameter_count": "7B",
            "license_type": "apache-2.0",
            "sbom_available": False,
            "cloud_region": "us-east-1",
            **common,
        },
    ]
