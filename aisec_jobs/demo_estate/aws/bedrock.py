"""Demo Bedrock responses: invocation logging, guardrails, custom, imported and provisioned models.

Production us-east-1 logs model invocations; eu-west-1 has a logging config with every data
type switched off; the development account has none. Guardrails range from strong and
published to weak, and one exists only as a DRAFT. Two custom models (one with KMS and a VPC,
one with neither), a provisioned throughput and an imported model.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from aisec_assets.discovery.aws import foundation_model_arn, join_key
from aisec_jobs.demo_estate.aws.bundle import (
    DEV_ALIAS,
    NOVA_LITE,
    PROD_ALIAS,
    TITAN_TEXT,
    BundleWriter,
    account_by_alias,
    role_arn,
    team_tags,
)


def write_invocation_logging(b: BundleWriter) -> None:
    prod, dev = account_by_alias(PROD_ALIAS), account_by_alias(DEV_ALIAS)
    acct = prod.account_id
    b.put(
        acct,
        "us-east-1",
        "bedrock",
        "GetModelInvocationLoggingConfiguration",
        {
            "loggingConfig": {
                "cloudWatchConfig": {
                    "logGroupName": "/aws/bedrock/model-invocations",
                    "roleArn": role_arn(acct, "BedrockInvocationLogging"),
                    "largeDataDeliveryS3Config": {
                        "bucketName": f"kestrel-bedrock-invocation-logs-{acct}",
                        "keyPrefix": "large-payloads",
                    },
                },
                "s3Config": {
                    "bucketName": f"kestrel-bedrock-invocation-logs-{acct}",
                    "keyPrefix": "us-east-1",
                },
                "textDataDeliveryEnabled": True,
                "imageDataDeliveryEnabled": True,
                "embeddingDataDeliveryEnabled": True,
                "videoDataDeliveryEnabled": False,
                "audioDataDeliveryEnabled": False,
            }
        },
    )
    # Set up during the EU launch, then every data type switched off "to save cost".
    b.put(
        acct,
        "eu-west-1",
        "bedrock",
        "GetModelInvocationLoggingConfiguration",
        {
            "loggingConfig": {
                "s3Config": {
                    "bucketName": f"kestrel-bedrock-invocation-logs-eu-{acct}",
                    "keyPrefix": "eu-west-1",
                },
                "textDataDeliveryEnabled": False,
                "imageDataDeliveryEnabled": False,
                "embeddingDataDeliveryEnabled": False,
            }
        },
    )
    # Never configured: the API answers with no loggingConfig at all.
    b.put(dev.account_id, "us-east-1", "bedrock", "GetModelInvocationLoggingConfiguration", {})


def _filters(strengths: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"type": kind, "inputStrength": s_in, "outputStrength": s_out}
        for kind, (s_in, s_out) in strengths.items()
    ]


def _guardrail_versions(
    b: BundleWriter,
    account: str,
    region: str,
    guardrail: dict[str, Any],
    versions: list[str],
    configs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Write a guardrail's version list and per-version configs; returns its DRAFT summary."""
    summaries = []
    for version in ["DRAFT", *versions]:
        summaries.append(
            {
                "id": guardrail["id"],
                "arn": guardrail["arn"],
                "status": "READY",
                "name": guardrail["name"],
                "description": guardrail["description"],
                "version": version,
                "createdAt": guardrail["createdAt"],
                "updatedAt": guardrail["updatedAt"],
            }
        )
    b.put(account, region, "bedrock", "ListGuardrails", {"guardrails": summaries}, guardrail["id"])
    for version, config in configs.items():
        response = {
            "name": guardrail["name"],
            "description": guardrail["description"],
            "guardrailId": guardrail["id"],
            "guardrailArn": guardrail["arn"],
            "version": version,
            "status": "READY",
            "createdAt": guardrail["createdAt"],
            "updatedAt": guardrail["updatedAt"],
            "blockedInputMessaging": guardrail["blocked"],
            "blockedOutputsMessaging": guardrail["blocked"],
            **config,
        }
        b.put(
            account, region, "bedrock", "GetGuardrail", response, join_key(guardrail["id"], version)
        )
    return summaries[0]


def _new_guardrail(
    b: BundleWriter, account: str, region: str, name: str, description: str, age: int
) -> dict[str, Any]:
    guardrail_id = b.lower_id(12)
    return {
        "id": guardrail_id,
        "arn": f"arn:aws:bedrock:{region}:{account}:guardrail/{guardrail_id}",
        "name": name,
        "description": description,
        "createdAt": b.ts(age),
        "updatedAt": b.ts(age // 3),
        "blocked": "Sorry, I can't help with that request.",
    }


def _pii(entities: dict[str, str]) -> list[dict[str, str]]:
    return [{"type": kind, "action": action} for kind, action in entities.items()]


def guardrails_prod_us(b: BundleWriter, acct: str) -> tuple[dict[str, Any], dict[str, Any]]:
    region = "us-east-1"
    strict = _new_guardrail(
        b,
        acct,
        region,
        "cx-strict-guardrail",
        "Customer-facing assistants: prompt attacks, harmful content, payment and contact PII.",
        210,
    )
    strict_config = {
        "contentPolicy": {
            "filters": _filters(
                {
                    "SEXUAL": ("HIGH", "HIGH"),
                    "VIOLENCE": ("HIGH", "HIGH"),
                    "HATE": ("HIGH", "HIGH"),
                    "INSULTS": ("MEDIUM", "MEDIUM"),
                    "MISCONDUCT": ("HIGH", "HIGH"),
                    "PROMPT_ATTACK": ("HIGH", "NONE"),
                }
            )
        },
        "sensitiveInformationPolicy": {
            "piiEntities": _pii(
                {
                    "EMAIL": "ANONYMIZE",
                    "PHONE": "ANONYMIZE",
                    "NAME": "ANONYMIZE",
                    "CREDIT_DEBIT_CARD_NUMBER": "BLOCK",
                    "CREDIT_DEBIT_CARD_CVV": "BLOCK",
                    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "BLOCK",
                }
            ),
            "regexes": [
                {
                    "name": "kestrel-customer-id",
                    "description": "Internal customer numbers",
                    "pattern": r"KD-\d{8}",
                    "action": "ANONYMIZE",
                }
            ],
        },
        "topicPolicy": {
            "topics": [
                {
                    "name": "investment-advice",
                    "definition": "Recommendations about investing money or buying securities.",
                    "examples": ["Should I move my savings into crypto?"],
                    "type": "DENY",
                },
                {
                    "name": "legal-advice",
                    "definition": "Advice on legal disputes, lawsuits or regulatory complaints.",
                    "type": "DENY",
                },
            ]
        },
        "wordPolicy": {
            "words": [{"text": "chargeback hack"}, {"text": "card cracking"}],
            "managedWordLists": [{"type": "PROFANITY"}],
        },
        "kmsKeyArn": b.kms_key(acct, region),
    }
    older = json.loads(json.dumps(strict_config))
    older["contentPolicy"]["filters"][-1]["inputStrength"] = "MEDIUM"
    strict_summary = _guardrail_versions(
        b,
        acct,
        region,
        strict,
        ["1", "2"],
        {"DRAFT": strict_config, "1": older, "2": strict_config},
    )

    weak = _new_guardrail(
        b,
        acct,
        region,
        "fraud-ops-baseline",
        "Baseline filters for internal fraud tooling.",
        300,
    )
    weak_config = {
        "contentPolicy": {
            "filters": _filters(
                {
                    "HATE": ("LOW", "LOW"),
                    "INSULTS": ("LOW", "LOW"),
                    "PROMPT_ATTACK": ("LOW", "NONE"),
                }
            )
        }
    }
    weak_summary = _guardrail_versions(
        b, acct, region, weak, ["1"], {"DRAFT": weak_config, "1": weak_config}
    )
    b.put(acct, region, "bedrock", "ListGuardrails", {"guardrails": [strict_summary, weak_summary]})
    b.tags(acct, region, "bedrock", strict["arn"], team_tags("customer-experience", "production"))
    b.tags(acct, region, "bedrock", weak["arn"], {})
    return strict, weak


def guardrail_prod_eu(b: BundleWriter, acct: str) -> dict[str, Any]:
    region = "eu-west-1"
    phi = _new_guardrail(
        b,
        acct,
        region,
        "health-phi-guardrail",
        "PHI protection for Kestrel Health assistants (awaiting clinical safety sign-off).",
        40,
    )
    config = {
        "contentPolicy": {
            "filters": _filters(
                {
                    "SEXUAL": ("HIGH", "HIGH"),
                    "VIOLENCE": ("MEDIUM", "MEDIUM"),
                    "HATE": ("HIGH", "HIGH"),
                    "MISCONDUCT": ("HIGH", "HIGH"),
                    "PROMPT_ATTACK": ("HIGH", "NONE"),
                }
            )
        },
        "sensitiveInformationPolicy": {
            "piiEntities": _pii(
                {
                    "NAME": "ANONYMIZE",
                    "ADDRESS": "ANONYMIZE",
                    "EMAIL": "ANONYMIZE",
                    "AGE": "ANONYMIZE",
                    "UK_NATIONAL_HEALTH_SERVICE_NUMBER": "BLOCK",
                    "US_SOCIAL_SECURITY_NUMBER": "BLOCK",
                }
            )
        },
        "contextualGroundingPolicy": {
            "filters": [
                {"type": "GROUNDING", "threshold": 0.75},
                {"type": "RELEVANCE", "threshold": 0.7},
            ]
        },
        "kmsKeyArn": b.kms_key(acct, region),
    }
    summary = _guardrail_versions(b, acct, region, phi, [], {"DRAFT": config})
    b.put(acct, region, "bedrock", "ListGuardrails", {"guardrails": [summary]})
    b.tags(
        acct,
        region,
        "bedrock",
        phi["arn"],
        team_tags("clinical-ai", "production", "regulated", scopes="hipaa gdpr"),
    )
    return phi


def custom_models_prod_us(b: BundleWriter, acct: str) -> dict[str, str]:
    """Two custom models and their jobs (plus a failed job); returns name -> model ARN."""
    region = "us-east-1"
    models: dict[str, str] = {}
    summaries, job_summaries = [], []
    specs = [
        {
            "model": "fraud-narrative-titan-ft",
            "job": f"fraud-narrative-ft-{b.as_of - timedelta(days=95):%Y%m%d}",
            "base": TITAN_TEXT,
            "base_name": "amazon.titan-text-express-v1",
            "age": 95,
            "training": "s3://kestrel-ml-training-prod/fraud-narratives/2026q2/train.jsonl",
            "validation": "s3://kestrel-ml-training-prod/fraud-narratives/2026q2/validation.jsonl",
            "output": "s3://kestrel-ml-artifacts-prod/bedrock-customization/fraud-narrative",
            "kms": True,
            "vpc": True,
            "hyper": {
                "epochCount": "3",
                "batchSize": "8",
                "learningRate": "0.00001",
                "learningRateWarmupSteps": "0",
            },
            "tags": team_tags("risk-analytics", "production", "restricted", "internal", "pci_dss"),
        },
        {
            "model": "cx-tone-nova-ft",
            "job": f"cx-tone-ft-{b.as_of - timedelta(days=33):%Y%m%d}",
            "base": NOVA_LITE,
            "base_name": "amazon.nova-lite-v1",
            "age": 33,
            "training": "s3://kestrel-cx-ml-scratch/tone-tuning/chat-transcripts.jsonl",
            "validation": None,
            "output": "s3://kestrel-cx-ml-scratch/tone-tuning/output",
            "kms": False,
            "vpc": False,
            "hyper": {"epochCount": "2", "learningRate": "0.000005"},
            "tags": None,  # created from a notebook, never tagged
        },
    ]
    for spec in specs:
        base_arn = foundation_model_arn(region, spec["base"])
        model_arn = f"arn:aws:bedrock:{region}:{acct}:custom-model/{spec['base']}/{b.lower_id()}"
        job_arn = (
            f"arn:aws:bedrock:{region}:{acct}:model-customization-job/{spec['base']}/{b.lower_id()}"
        )
        created = b.ts(spec["age"])
        ended = b.ts(spec["age"] - 1)
        kms = b.kms_key(acct, region) if spec["kms"] else None
        models[spec["model"]] = model_arn
        summaries.append(
            {
                "modelArn": model_arn,
                "modelName": spec["model"],
                "creationTime": ended,
                "baseModelArn": base_arn,
                "baseModelName": spec["base_name"],
                "customizationType": "FINE_TUNING",
                "ownerAccountId": acct,
                "modelStatus": "Active",
            }
        )
        job_summaries.append(
            {
                "jobArn": job_arn,
                "baseModelArn": base_arn,
                "jobName": spec["job"],
                "status": "Completed",
                "creationTime": created,
                "lastModifiedTime": ended,
                "endTime": ended,
                "customModelArn": model_arn,
                "customModelName": spec["model"],
                "customizationType": "FINE_TUNING",
            }
        )
        training = {"s3Uri": spec["training"]}
        validation = {"validators": [{"s3Uri": spec["validation"]}] if spec["validation"] else []}
        detail: dict[str, Any] = {
            "modelArn": model_arn,
            "modelName": spec["model"],
            "jobName": spec["job"],
            "jobArn": job_arn,
            "baseModelArn": base_arn,
            "customizationType": "FINE_TUNING",
            "hyperParameters": spec["hyper"],
            "trainingDataConfig": training,
            "validationDataConfig": validation,
            "outputDataConfig": {"s3Uri": spec["output"]},
            "trainingMetrics": {"trainingLoss": round(0.4 + b.rng.random() / 2, 4)},
            "creationTime": ended,
            "modelStatus": "Active",
        }
        job: dict[str, Any] = {
            "jobArn": job_arn,
            "jobName": spec["job"],
            "outputModelName": spec["model"],
            "outputModelArn": model_arn,
            "roleArn": role_arn(acct, f"BedrockCustomization-{spec['model']}"),
            "status": "Completed",
            "creationTime": created,
            "lastModifiedTime": ended,
            "endTime": ended,
            "baseModelArn": base_arn,
            "hyperParameters": spec["hyper"],
            "trainingDataConfig": training,
            "validationDataConfig": validation,
            "outputDataConfig": {"s3Uri": spec["output"]},
            "customizationType": "FINE_TUNING",
        }
        if kms:
            detail["modelKmsKeyArn"] = kms
            job["outputModelKmsKeyArn"] = kms
        if spec["vpc"]:
            job["vpcConfig"] = {
                "subnetIds": [f"subnet-{b.hex_id(17)}", f"subnet-{b.hex_id(17)}"],
                "securityGroupIds": [f"sg-{b.hex_id(17)}"],
            }
        b.put(acct, region, "bedrock", "GetCustomModel", detail, spec["model"])
        b.put(acct, region, "bedrock", "GetModelCustomizationJob", job, spec["job"])
        if spec["tags"] is not None:
            b.tags(acct, region, "bedrock", model_arn, spec["tags"])
    # A first attempt at the tone model that failed on malformed training records.
    failed_created = b.ts(40)
    job_summaries.append(
        {
            "jobArn": f"arn:aws:bedrock:{region}:{acct}:model-customization-job/{NOVA_LITE}/"
            f"{b.lower_id()}",
            "baseModelArn": foundation_model_arn(region, NOVA_LITE),
            "jobName": f"cx-tone-ft-{b.as_of - timedelta(days=40):%Y%m%d}",
            "status": "Failed",
            "creationTime": failed_created,
            "lastModifiedTime": failed_created,
            "customizationType": "FINE_TUNING",
        }
    )
    b.put(acct, region, "bedrock", "ListCustomModels", {"modelSummaries": summaries})
    b.put(
        acct,
        region,
        "bedrock",
        "ListModelCustomizationJobs",
        {"modelCustomizationJobSummaries": job_summaries},
    )
    return models


def provisioned_throughput(b: BundleWriter, acct: str, model_arn: str) -> str:
    region = "us-east-1"
    arn = f"arn:aws:bedrock:{region}:{acct}:provisioned-model/{b.lower_id()}"
    b.put(
        acct,
        region,
        "bedrock",
        "ListProvisionedModelThroughputs",
        {
            "provisionedModelSummaries": [
                {
                    "provisionedModelName": "fraud-narrative-pt",
                    "provisionedModelArn": arn,
                    "modelArn": model_arn,
                    "desiredModelArn": model_arn,
                    "foundationModelArn": foundation_model_arn(region, TITAN_TEXT),
                    "modelUnits": 1,
                    "desiredModelUnits": 1,
                    "status": "InService",
                    "commitmentDuration": "SixMonths",
                    "commitmentExpirationTime": b.ts(-90),
                    "creationTime": b.ts(90),
                    "lastModifiedTime": b.ts(90),
                }
            ]
        },
    )
    b.tags(acct, region, "bedrock", arn, team_tags("risk-analytics", "production", "restricted"))
    return arn


def imported_model_dev(b: BundleWriter, acct: str) -> str:
    region = "us-east-1"
    name = "research-mistral-7b-distill"
    arn = f"arn:aws:bedrock:{region}:{acct}:imported-model/{b.lower_id()}"
    created = b.ts(61)
    b.put(
        acct,
        region,
        "bedrock",
        "ListImportedModels",
        {
            "modelSummaries": [
                {
                    "modelArn": arn,
                    "modelName": name,
                    "creationTime": created,
                    "instructSupported": True,
                    "modelArchitecture": "mistral",
                }
            ]
        },
    )
    b.put(
        acct,
        region,
        "bedrock",
        "GetImportedModel",
        {
            "modelArn": arn,
            "modelName": name,
            "jobName": f"import-{name}-v3",
            "jobArn": f"arn:aws:bedrock:{region}:{acct}:model-import-job/{b.lower_id()}",
            "modelDataSource": {
                "s3DataSource": {"s3Uri": "s3://kestrel-research-models/mistral-7b-distill/v3/"}
            },
            "creationTime": created,
            "modelArchitecture": "mistral",
            "instructSupported": True,
        },
        name,
    )
    b.tags(acct, region, "bedrock", arn, team_tags("research-lab", "research", "internal"))
    return arn
