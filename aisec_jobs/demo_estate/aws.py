"""The demo estate's offline AWS bundle: Kestrel Dynamics' Bedrock, Bedrock Agents and SageMaker.

`write_bundle` writes API responses in the layout `aisec_assets.discovery.aws` documents, for the
accounts in `company.AWS_ACCOUNTS`, and returns the declared-registry entries for the AWS
resources the teams declared. The estate mixes good and bad posture on purpose:

- production us-east-1 logs model invocations; eu-west-1 has a logging config with every data
  type switched off; the development account has none;
- a customer-support agent behind a strong, published guardrail, a fraud-triage agent behind a
  weak one, a claims-intake agent behind a guardrail that only exists as a DRAFT, and a sandbox
  agent with no guardrail, a shell-like tool and an invalid environment tag;
- a knowledge base over an S3 bucket of customer tickets (PII), another over clinical policies;
- two custom models (one with KMS and a VPC, one with neither), a provisioned throughput, an
  imported model;
- SageMaker: a Hugging Face model with no VPC, no network isolation and a Hub token in its
  environment; a well-configured clinical endpoint; a JumpStart endpoint whose data capture is
  configured but stopped.

Same `as_of` and the same `random.Random` state give the same bytes: every id comes from `rng`,
every timestamp from `as_of`, and JSON is written with sorted keys and a fixed indent.
"""

from __future__ import annotations

import json
import random
import string
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aisec_assets.discovery.aws import bundle_file_name, foundation_model_arn, join_key
from aisec_jobs.demo_estate.company import AWS_ACCOUNTS, TEAMS, AwsAccount

_PROD_ALIAS = "kestrel-ml-prod"
_DEV_ALIAS = "kestrel-ml-dev"
_TITAN_TEXT = "amazon.titan-text-express-v1:0:8k"
_NOVA_LITE = "amazon.nova-lite-v1:0:300k"
_TITAN_EMBED = "amazon.titan-embed-text-v2:0"
_COHERE_EMBED = "cohere.embed-multilingual-v3"
_CLAUDE_SONNET_PROFILE = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
_CLAUDE_HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
# AWS Deep Learning Container images (the registry account is AWS's own).
_DLC_REGISTRY = "763104351884.dkr.ecr.{region}.amazonaws.com"
_HF_DLC = (
    _DLC_REGISTRY + "/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04"
)
_TGI_DLC = (
    _DLC_REGISTRY + "/huggingface-pytorch-tgi-inference:2.1.1-tgi2.0.0-gpu-py310-cu121-ubuntu22.04"
)


def _account(alias: str) -> AwsAccount:
    for account in AWS_ACCOUNTS:
        if account.alias == alias:
            return account
    raise KeyError(f"no AWS account with alias {alias!r} in company.AWS_ACCOUNTS")


class _Bundle:
    """Responses collected in memory, then written at once in a stable order."""

    def __init__(self, root: Path, as_of: date, rng: random.Random) -> None:
        self.root = root
        self.as_of = as_of
        self.rng = rng
        self.files: dict[Path, dict[str, Any]] = {}

    def put(
        self,
        account: str,
        region: str,
        service: str,
        operation: str,
        response: dict[str, Any],
        key: str | None = None,
    ) -> None:
        base = self.root / account / region / service
        path = (
            base / f"{operation}.json" if key is None else base / operation / bundle_file_name(key)
        )
        if path in self.files:
            raise ValueError(f"demo bundle writes {path} twice")
        self.files[path] = response

    def write(self) -> None:
        for path in sorted(self.files):
            path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(self.files[path], sort_keys=True, indent=2, ensure_ascii=False)
            path.write_bytes((text + "\n").encode("utf-8"))

    # -- deterministic ids and times
    def upper_id(self, length: int = 10) -> str:
        return "".join(
            self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(length)
        )

    def lower_id(self, length: int = 12) -> str:
        return "".join(
            self.rng.choice(string.ascii_lowercase + string.digits) for _ in range(length)
        )

    def hex_id(self, length: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def kms_key(self, account: str, region: str) -> str:
        h = self.hex_id(32)
        uuid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        return f"arn:aws:kms:{region}:{account}:key/{uuid}"

    def ts(self, days_ago: int) -> str:
        midnight = datetime.combine(self.as_of, time(0, 0), tzinfo=UTC)
        moment = midnight - timedelta(days=days_ago) + timedelta(seconds=self.rng.randrange(86400))
        return moment.isoformat()

    # -- tags in each service's own response shape
    def tags(self, account: str, region: str, service: str, arn: str, tags: dict[str, str]) -> None:
        if service == "bedrock":
            response: dict[str, Any] = {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
            self.put(account, region, service, "ListTagsForResource", response, arn)
        elif service == "bedrock-agent":
            self.put(account, region, service, "ListTagsForResource", {"tags": tags}, arn)
        else:
            response = {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
            self.put(account, region, service, "ListTags", response, arn)


def _team_tags(
    team: str,
    env: str | None = None,
    classification: str | None = None,
    exposure: str | None = None,
    scopes: str | None = None,
    **extra: str,
) -> dict[str, str]:
    tags = {"owner-team": team, "owner-email": TEAMS[team].email}
    for key, value in (
        ("environment", env),
        ("data-classification", classification),
        ("network-exposure", exposure),
        ("regulatory-scope", scopes),
    ):
        if value is not None:
            tags[key] = value
    tags.update(extra)
    return tags


def _role(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/service-role/{name}"


def _lambda(account: str, region: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


# ----------------------------------------------------------------------------- Bedrock


def _invocation_logging(b: _Bundle) -> None:
    prod, dev = _account(_PROD_ALIAS), _account(_DEV_ALIAS)
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
                    "roleArn": _role(acct, "BedrockInvocationLogging"),
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
    b: _Bundle,
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
    b: _Bundle, account: str, region: str, name: str, description: str, age: int
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


def _guardrails_prod_us(b: _Bundle, acct: str) -> tuple[dict[str, Any], dict[str, Any]]:
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
    b.tags(acct, region, "bedrock", strict["arn"], _team_tags("customer-experience", "production"))
    b.tags(acct, region, "bedrock", weak["arn"], {})
    return strict, weak


def _guardrail_prod_eu(b: _Bundle, acct: str) -> dict[str, Any]:
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
        _team_tags("clinical-ai", "production", "regulated", scopes="hipaa gdpr"),
    )
    return phi


def _custom_models_prod_us(b: _Bundle, acct: str) -> dict[str, str]:
    """Two custom models and their jobs (plus a failed job); returns name -> model ARN."""
    region = "us-east-1"
    models: dict[str, str] = {}
    summaries, job_summaries = [], []
    specs = [
        {
            "model": "fraud-narrative-titan-ft",
            "job": f"fraud-narrative-ft-{b.as_of - timedelta(days=95):%Y%m%d}",
            "base": _TITAN_TEXT,
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
            "tags": _team_tags("risk-analytics", "production", "restricted", "internal", "pci_dss"),
        },
        {
            "model": "cx-tone-nova-ft",
            "job": f"cx-tone-ft-{b.as_of - timedelta(days=33):%Y%m%d}",
            "base": _NOVA_LITE,
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
            "roleArn": _role(acct, f"BedrockCustomization-{spec['model']}"),
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
            "jobArn": f"arn:aws:bedrock:{region}:{acct}:model-customization-job/{_NOVA_LITE}/"
            f"{b.lower_id()}",
            "baseModelArn": foundation_model_arn(region, _NOVA_LITE),
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


def _provisioned_throughput(b: _Bundle, acct: str, model_arn: str) -> str:
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
                    "foundationModelArn": foundation_model_arn(region, _TITAN_TEXT),
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
    b.tags(acct, region, "bedrock", arn, _team_tags("risk-analytics", "production", "restricted"))
    return arn


def _imported_model_dev(b: _Bundle, acct: str) -> str:
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
    b.tags(acct, region, "bedrock", arn, _team_tags("research-lab", "research", "internal"))
    return arn


def _knowledge_base(
    b: _Bundle,
    acct: str,
    region: str,
    name: str,
    description: str,
    embedding_model: str,
    storage: dict[str, Any],
    sources: list[dict[str, Any]],
    tags: dict[str, str],
    age: int,
) -> tuple[str, str]:
    """Write one knowledge base with S3 data sources; returns (id, ARN)."""
    kb_id = b.upper_id()
    arn = f"arn:aws:bedrock:{region}:{acct}:knowledge-base/{kb_id}"
    created, updated = b.ts(age), b.ts(2)
    b.put(
        acct,
        region,
        "bedrock-agent",
        "GetKnowledgeBase",
        {
            "knowledgeBase": {
                "knowledgeBaseId": kb_id,
                "name": name,
                "knowledgeBaseArn": arn,
                "description": description,
                "roleArn": _role(acct, f"AmazonBedrockExecutionRoleForKnowledgeBase_{name}"),
                "knowledgeBaseConfiguration": {
                    "type": "VECTOR",
                    "vectorKnowledgeBaseConfiguration": {
                        "embeddingModelArn": foundation_model_arn(region, embedding_model)
                    },
                },
                "storageConfiguration": storage,
                "status": "ACTIVE",
                "createdAt": created,
                "updatedAt": updated,
            }
        },
        kb_id,
    )
    summaries = []
    for source in sources:
        ds_id = b.upper_id()
        detail: dict[str, Any] = {
            "knowledgeBaseId": kb_id,
            "dataSourceId": ds_id,
            "name": source["name"],
            "status": "AVAILABLE",
            "description": source["description"],
            "dataSourceConfiguration": {
                "type": "S3",
                "s3Configuration": {
                    "bucketArn": f"arn:aws:s3:::{source['bucket']}",
                    "inclusionPrefixes": source["prefixes"],
                },
            },
            "vectorIngestionConfiguration": {
                "chunkingConfiguration": {
                    "chunkingStrategy": "FIXED_SIZE",
                    "fixedSizeChunkingConfiguration": {"maxTokens": 512, "overlapPercentage": 20},
                }
            },
            "dataDeletionPolicy": "RETAIN",
            "createdAt": created,
            "updatedAt": updated,
        }
        if source["kms"]:
            detail["serverSideEncryptionConfiguration"] = {"kmsKeyArn": b.kms_key(acct, region)}
        b.put(
            acct,
            region,
            "bedrock-agent",
            "GetDataSource",
            {"dataSource": detail},
            join_key(kb_id, ds_id),
        )
        summaries.append(
            {
                "knowledgeBaseId": kb_id,
                "dataSourceId": ds_id,
                "name": source["name"],
                "status": "AVAILABLE",
                "description": source["description"],
                "updatedAt": updated,
            }
        )
    b.put(
        acct, region, "bedrock-agent", "ListDataSources", {"dataSourceSummaries": summaries}, kb_id
    )
    b.tags(acct, region, "bedrock-agent", arn, tags)
    summary = {
        "knowledgeBaseId": kb_id,
        "name": name,
        "description": description,
        "status": "ACTIVE",
        "updatedAt": updated,
    }
    b.put(
        acct, region, "bedrock-agent", "ListKnowledgeBases", {"knowledgeBaseSummaries": [summary]}
    )
    return kb_id, arn


def _agent(
    b: _Bundle,
    acct: str,
    region: str,
    spec: dict[str, Any],
) -> tuple[dict[str, Any], str]:
    """Write one agent (detail, action groups, knowledge bases, aliases); returns summary, ARN."""
    agent_id = b.upper_id()
    arn = f"arn:aws:bedrock:{region}:{acct}:agent/{agent_id}"
    created, updated = b.ts(spec["age"]), b.ts(spec["age"] // 4)
    live_version = spec.get("live_version")
    agent: dict[str, Any] = {
        "agentId": agent_id,
        "agentName": spec["name"],
        "agentArn": arn,
        "agentVersion": "DRAFT",
        "instruction": spec["instruction"],
        "agentStatus": "PREPARED",
        "foundationModel": spec["model"],
        "description": spec["description"],
        "orchestrationType": "DEFAULT",
        "idleSessionTTLInSeconds": spec["ttl"],
        "agentResourceRoleArn": _role(acct, f"AmazonBedrockExecutionRoleForAgents_{spec['name']}"),
        "createdAt": created,
        "updatedAt": updated,
        "preparedAt": updated,
    }
    if spec.get("guardrail"):
        agent["guardrailConfiguration"] = spec["guardrail"]
    if spec.get("kms"):
        agent["customerEncryptionKeyArn"] = b.kms_key(acct, region)
    b.put(acct, region, "bedrock-agent", "GetAgent", {"agent": agent}, agent_id)

    versions = ["DRAFT"] + ([live_version] if live_version else [])
    group_ids = {group["name"]: b.upper_id() for group in spec["action_groups"]}
    for version in versions:
        summaries = []
        for group in spec["action_groups"]:
            group_id = group_ids[group["name"]]
            detail: dict[str, Any] = {
                "agentId": agent_id,
                "agentVersion": version,
                "actionGroupId": group_id,
                "actionGroupName": group["name"],
                "description": group["description"],
                "createdAt": created,
                "updatedAt": updated,
                "actionGroupState": "ENABLED",
                **group["config"],
            }
            b.put(
                acct,
                region,
                "bedrock-agent",
                "GetAgentActionGroup",
                {"agentActionGroup": detail},
                join_key(agent_id, version, group_id),
            )
            summaries.append(
                {
                    "actionGroupId": group_id,
                    "actionGroupName": group["name"],
                    "actionGroupState": "ENABLED",
                    "description": group["description"],
                    "updatedAt": updated,
                }
            )
        b.put(
            acct,
            region,
            "bedrock-agent",
            "ListAgentActionGroups",
            {"actionGroupSummaries": summaries},
            join_key(agent_id, version),
        )
        b.put(
            acct,
            region,
            "bedrock-agent",
            "ListAgentKnowledgeBases",
            {
                "agentKnowledgeBaseSummaries": [
                    {
                        "knowledgeBaseId": kb_id,
                        "description": f"Answer from the {kb_name} knowledge base.",
                        "knowledgeBaseState": "ENABLED",
                        "updatedAt": updated,
                    }
                    for kb_name, kb_id in spec.get("knowledge_bases", [])
                ]
            },
            join_key(agent_id, version),
        )

    aliases = [
        {
            "agentAliasId": "TSTALIASID",
            "agentAliasName": "AgentTestAlias",
            "description": "Test Alias for Agent",
            "routingConfiguration": [{"agentVersion": "DRAFT"}],
            "agentAliasStatus": "PREPARED",
            "createdAt": created,
            "updatedAt": updated,
            "aliasInvocationState": "ACCEPT_INVOCATIONS",
        }
    ]
    if live_version:
        aliases.append(
            {
                "agentAliasId": b.upper_id(),
                "agentAliasName": spec["alias"],
                "description": f"{spec['alias']} traffic",
                "routingConfiguration": [{"agentVersion": live_version}],
                "agentAliasStatus": "PREPARED",
                "createdAt": created,
                "updatedAt": updated,
                "aliasInvocationState": "ACCEPT_INVOCATIONS",
            }
        )
    b.put(
        acct,
        region,
        "bedrock-agent",
        "ListAgentAliases",
        {"agentAliasSummaries": aliases},
        agent_id,
    )
    if spec.get("tags") is not None:
        b.tags(acct, region, "bedrock-agent", arn, spec["tags"])
    summary: dict[str, Any] = {
        "agentId": agent_id,
        "agentName": spec["name"],
        "agentStatus": "PREPARED",
        "description": spec["description"],
        "updatedAt": updated,
        "latestAgentVersion": live_version or "DRAFT",
    }
    if spec.get("guardrail"):
        summary["guardrailConfiguration"] = spec["guardrail"]
    return summary, arn


def _user_input_group() -> dict[str, Any]:
    return {
        "name": "UserInputAction",
        "description": "Ask the user for missing information.",
        "config": {"parentActionSignature": "AMAZON.UserInput"},
    }


def _code_interpreter_group() -> dict[str, Any]:
    return {
        "name": "CodeInterpreterAction",
        "description": "Run Python to analyse data.",
        "config": {"parentActionSignature": "AMAZON.CodeInterpreter"},
    }


def _openapi(title: str, path: str) -> str:
    return json.dumps(
        {
            "openapi": "3.0.0",
            "info": {"title": title, "version": "1.0.0"},
            "paths": {path: {"post": {"operationId": path.strip("/").replace("/", "_")}}},
        },
        sort_keys=True,
    )


# ----------------------------------------------------------------------------- SageMaker


def _sagemaker_endpoint(
    b: _Bundle,
    acct: str,
    region: str,
    spec: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Write DescribeEndpoint/Config/Model (+ tags); returns endpoint and model summaries, ARN."""
    name, model_name = spec["name"], spec["model"]
    arn = f"arn:aws:sagemaker:{region}:{acct}:endpoint/{name.lower()}"
    config_name = f"{name}-config"
    created, modified = b.ts(spec["age"]), b.ts(spec["age"] // 2)
    model_arn = f"arn:aws:sagemaker:{region}:{acct}:model/{model_name.lower()}"
    container: dict[str, Any] = {
        "Image": spec["image"].format(region=region),
        "Mode": "SingleModel",
        "Environment": spec["env"],
    }
    container.update(spec["model_data"])
    model: dict[str, Any] = {
        "ModelName": model_name,
        "PrimaryContainer": container,
        "ExecutionRoleArn": _role(acct, f"SageMakerExecution-{model_name}"),
        "CreationTime": created,
        "ModelArn": model_arn,
        "EnableNetworkIsolation": spec["isolation"],
    }
    if spec["vpc"]:
        model["VpcConfig"] = {
            "SecurityGroupIds": [f"sg-{b.hex_id(17)}"],
            "Subnets": [f"subnet-{b.hex_id(17)}", f"subnet-{b.hex_id(17)}"],
        }
    b.put(acct, region, "sagemaker", "DescribeModel", model, model_name)

    config: dict[str, Any] = {
        "EndpointConfigName": config_name,
        "EndpointConfigArn": f"arn:aws:sagemaker:{region}:{acct}:endpoint-config/{config_name}",
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": model_name,
                "InitialInstanceCount": spec["instances"],
                "InstanceType": spec["instance_type"],
                "InitialVariantWeight": 1.0,
            }
        ],
        "CreationTime": created,
    }
    capture = spec.get("capture")
    capture_kms = b.kms_key(acct, region) if capture and capture["kms"] else ""
    if capture:
        config["DataCaptureConfig"] = {
            "EnableCapture": True,
            "InitialSamplingPercentage": capture["percent"],
            "DestinationS3Uri": capture["destination"],
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        }
        if capture_kms:
            config["DataCaptureConfig"]["KmsKeyId"] = capture_kms
    if spec["kms"]:
        config["KmsKeyId"] = b.kms_key(acct, region)
    b.put(acct, region, "sagemaker", "DescribeEndpointConfig", config, config_name)

    endpoint: dict[str, Any] = {
        "EndpointName": name,
        "EndpointArn": arn,
        "EndpointConfigName": config_name,
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "DeployedImages": [
                    {
                        "SpecifiedImage": container["Image"],
                        "ResolvedImage": container["Image"].split(":")[0]
                        + "@sha256:"
                        + b.hex_id(64),
                        "ResolutionTime": created,
                    }
                ],
                "CurrentWeight": 1.0,
                "DesiredWeight": 1.0,
                "CurrentInstanceCount": spec["instances"],
                "DesiredInstanceCount": spec["instances"],
            }
        ],
        "EndpointStatus": "InService",
        "CreationTime": created,
        "LastModifiedTime": modified,
    }
    if capture:
        endpoint["DataCaptureConfig"] = {
            "EnableCapture": True,
            "CaptureStatus": capture["status"],
            "CurrentSamplingPercentage": capture["percent"],
            "DestinationS3Uri": capture["destination"],
            "KmsKeyId": capture_kms,
        }
    b.put(acct, region, "sagemaker", "DescribeEndpoint", endpoint, name)
    if spec.get("endpoint_tags") is not None:
        b.tags(acct, region, "sagemaker", arn, spec["endpoint_tags"])
    if spec.get("model_tags") is not None:
        b.tags(acct, region, "sagemaker", model_arn, spec["model_tags"])
    endpoint_summary = {
        "EndpointName": name,
        "EndpointArn": arn,
        "CreationTime": created,
        "LastModifiedTime": modified,
        "EndpointStatus": "InService",
    }
    model_summary = {"ModelName": model_name, "ModelArn": model_arn, "CreationTime": created}
    return endpoint_summary, model_summary, arn


def _hub_token(rng: random.Random) -> str:
    # Built at run time: a token-shaped value a careless deployment left in the environment.
    return "hf" + "_" + "".join(rng.choice(string.ascii_letters) for _ in range(34))


# ----------------------------------------------------------------------------- the estate


def write_bundle(root: Path, as_of: date, rng: random.Random) -> list[dict]:
    """Write the demo AWS bundle under `root`; returns the teams' declared-registry entries."""
    b = _Bundle(root, as_of, rng)
    prod = _account(_PROD_ALIAS).account_id
    dev = _account(_DEV_ALIAS).account_id
    _invocation_logging(b)

    # -- production, us-east-1
    us = "us-east-1"
    strict, weak = _guardrails_prod_us(b, prod)
    custom = _custom_models_prod_us(b, prod)
    throughput = _provisioned_throughput(b, prod, custom["fraud-narrative-titan-ft"])
    cx_kb_id, cx_kb_arn = _knowledge_base(
        b,
        prod,
        us,
        "cx-support-kb",
        "Resolved support tickets and help-centre articles for the support assistant.",
        _TITAN_EMBED,
        {
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": f"arn:aws:aoss:{us}:{prod}:collection/{b.lower_id(20)}",
                "vectorIndexName": "cx-support-index",
                "fieldMapping": {
                    "vectorField": "embedding",
                    "textField": "chunk",
                    "metadataField": "metadata",
                },
            },
        },
        [
            {
                "name": "support-tickets",
                "description": "Closed customer tickets (names, e-mails, card fragments).",
                "bucket": "kestrel-cx-support-tickets-prod",
                "prefixes": ["tickets/resolved/"],
                "kms": False,
            },
            {
                "name": "help-center-articles",
                "description": "Published help-centre articles.",
                "bucket": "kestrel-cx-help-center",
                "prefixes": ["published/"],
                "kms": True,
            },
        ],
        _team_tags("customer-experience", "production", "confidential", "internal", "gdpr ccpa"),
        150,
    )
    cx_agent, cx_agent_arn = _agent(
        b,
        prod,
        us,
        {
            "name": "cx-support-bedrock-agent",
            "description": "Answers customer questions, checks orders and issues small refunds.",
            "instruction": "You are Kestrel's customer support assistant. Use the knowledge base "
            "for policy questions. Refunds above 200 EUR must be handed to a human agent.",
            "model": _CLAUDE_SONNET_PROFILE,
            "guardrail": {"guardrailIdentifier": strict["id"], "guardrailVersion": "2"},
            "kms": True,
            "ttl": 900,
            "age": 180,
            "live_version": "3",
            "alias": "live",
            "knowledge_bases": [("cx-support-kb", cx_kb_id)],
            "action_groups": [
                {
                    "name": "refunds",
                    "description": "Issue refunds to the original payment method.",
                    "config": {
                        "actionGroupExecutor": {"lambda": _lambda(prod, us, "cx-refunds-handler")},
                        "apiSchema": {
                            "s3": {
                                "s3BucketName": "kestrel-agent-schemas",
                                "s3ObjectKey": "cx/refunds-openapi.json",
                            }
                        },
                    },
                },
                {
                    "name": "order-status",
                    "description": "Look up an order's shipping status.",
                    "config": {
                        "actionGroupExecutor": {"lambda": _lambda(prod, us, "cx-order-status")},
                        "functionSchema": {
                            "functions": [
                                {
                                    "name": "get_order_status",
                                    "description": "Status of one order",
                                    "parameters": {
                                        "order_id": {"type": "string", "required": True}
                                    },
                                }
                            ]
                        },
                    },
                },
                _user_input_group(),
            ],
            "tags": _team_tags(
                "customer-experience", "production", "confidential", "public", "gdpr pci_dss"
            ),
        },
    )
    fraud_agent, fraud_agent_arn = _agent(
        b,
        prod,
        us,
        {
            "name": "fraud-triage-agent",
            "description": "Summarises fraud alerts and drafts case notes for analysts.",
            "instruction": "You triage card-fraud alerts. Look up the case, summarise the "
            "evidence and propose a disposition for the analyst to confirm.",
            "model": throughput,
            "guardrail": {"guardrailIdentifier": weak["arn"], "guardrailVersion": "1"},
            "kms": False,
            "ttl": 3600,
            "age": 120,
            "live_version": "2",
            "alias": "prod",
            "action_groups": [
                {
                    "name": "case-lookup",
                    "description": "Read fraud cases and card transactions.",
                    "config": {
                        "actionGroupExecutor": {"lambda": _lambda(prod, us, "fraud-case-lookup")},
                        "apiSchema": {"payload": _openapi("Fraud cases", "/cases/lookup")},
                    },
                },
                _code_interpreter_group(),
            ],
            "tags": _team_tags(
                "risk-analytics", "production", "confidential", "internal", "pci_dss sox"
            ),
        },
    )
    b.put(prod, us, "bedrock-agent", "ListAgents", {"agentSummaries": [cx_agent, fraud_agent]})

    # -- production, eu-west-1 (Kestrel Health)
    eu = "eu-west-1"
    phi = _guardrail_prod_eu(b, prod)
    clinical_kb_id, clinical_kb_arn = _knowledge_base(
        b,
        prod,
        eu,
        "clinical-policies-kb",
        "Reimbursement policies and clinical coding guidance.",
        _COHERE_EMBED,
        {
            "type": "RDS",
            "rdsConfiguration": {
                "resourceArn": f"arn:aws:rds:{eu}:{prod}:cluster:kestrel-health-vectors",
                "credentialsSecretArn": f"arn:aws:secretsmanager:{eu}:{prod}:secret:"
                f"rds!cluster-kb-{b.hex_id(8)}-{b.upper_id(6)}",
                "databaseName": "kb",
                "tableName": "bedrock_integration.clinical_policies",
                "fieldMapping": {
                    "primaryKeyField": "id",
                    "vectorField": "embedding",
                    "textField": "chunks",
                    "metadataField": "metadata",
                },
            },
        },
        [
            {
                "name": "clinical-policy-docs",
                "description": "Payer policies and coding manuals (no patient data).",
                "bucket": "kestrel-health-policy-docs",
                "prefixes": ["policies/"],
                "kms": True,
            }
        ],
        _team_tags("clinical-ai", "production", "regulated", "internal", "hipaa gdpr"),
        75,
    )
    claims_agent, claims_agent_arn = _agent(
        b,
        prod,
        eu,
        {
            "name": "claims-intake-agent",
            "description": "Collects claim details from patients and prepares claim submissions.",
            "instruction": "You help patients of Kestrel Health file reimbursement claims. "
            "Collect the required details, check them against policy and return the claim "
            "for the portal to submit.",
            "model": _CLAUDE_HAIKU,
            "guardrail": {"guardrailIdentifier": phi["id"], "guardrailVersion": "DRAFT"},
            "kms": False,
            "ttl": 600,
            "age": 50,
            "live_version": "1",
            "alias": "pilot",
            "knowledge_bases": [("clinical-policies-kb", clinical_kb_id)],
            "action_groups": [
                {
                    "name": "submit-claim",
                    "description": "Return the assembled claim to the patient portal.",
                    "config": {
                        "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
                        "functionSchema": {
                            "functions": [
                                {"name": "submit_claim", "description": "Submit a claim"},
                                {"name": "get_claim_status", "description": "Claim status"},
                            ]
                        },
                    },
                },
                _user_input_group(),
            ],
            "tags": _team_tags(
                "clinical-ai",
                "production",
                "regulated",
                "internal",
                "hipaa gdpr eu_ai_act_high_risk",
            ),
        },
    )
    b.put(prod, eu, "bedrock-agent", "ListAgents", {"agentSummaries": [claims_agent]})

    # -- development, us-east-1
    imported = _imported_model_dev(b, dev)
    sandbox_agent, _ = _agent(
        b,
        dev,
        us,
        {
            "name": "genai-sandbox-agent",
            "description": "Experimental agent for trying tool use.",
            "instruction": "You are a helpful assistant with tools. Do whatever the user asks.",
            "model": _CLAUDE_HAIKU,
            "guardrail": None,
            "kms": False,
            "ttl": 3600,
            "age": 20,
            "action_groups": [
                {
                    "name": "shell-tools",
                    "description": "Run commands on the sandbox box.",
                    "config": {
                        "actionGroupExecutor": {"lambda": _lambda(dev, us, "sandbox-exec-tool")},
                        "apiSchema": {"payload": _openapi("Sandbox tools", "/exec")},
                    },
                },
                _code_interpreter_group(),
            ],
            # "sandbox" is not a deployment environment: discovery rejects the tag.
            "tags": {"owner-team": "research-lab", "environment": "sandbox"},
        },
    )
    b.put(dev, us, "bedrock-agent", "ListAgents", {"agentSummaries": [sandbox_agent]})

    # -- SageMaker
    hf_endpoint, hf_model, _ = _sagemaker_endpoint(
        b,
        prod,
        us,
        {
            "name": "cx-sentiment-hf",
            "model": "cx-sentiment-distilbert",
            "age": 200,
            "image": _HF_DLC,
            "env": {
                "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
                "HF_TASK": "text-classification",
                "HUGGING_FACE_HUB_TOKEN": _hub_token(b.rng),
            },
            "model_data": {},
            "isolation": False,
            "vpc": False,
            "kms": False,
            "instances": 1,
            "instance_type": "ml.m5.xlarge",
            "endpoint_tags": {"owner-team": "customer-experience"},
            "model_tags": None,
        },
    )
    old_model = {
        "ModelName": "cx-sentiment-distilbert-v0",
        "ModelArn": f"arn:aws:sagemaker:{us}:{prod}:model/cx-sentiment-distilbert-v0",
        "CreationTime": b.ts(400),
    }
    b.put(
        prod,
        us,
        "sagemaker",
        "DescribeModel",
        {
            "ModelName": old_model["ModelName"],
            "PrimaryContainer": {
                "Image": _HF_DLC.format(region=us),
                "Mode": "SingleModel",
                "Environment": {
                    "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
                    "HF_TASK": "text-classification",
                },
            },
            "ExecutionRoleArn": _role(prod, "SageMakerExecution-cx-sentiment-distilbert"),
            "CreationTime": old_model["CreationTime"],
            "ModelArn": old_model["ModelArn"],
            "EnableNetworkIsolation": False,
        },
        old_model["ModelName"],
    )
    b.put(prod, us, "sagemaker", "ListEndpoints", {"Endpoints": [hf_endpoint]})
    b.put(prod, us, "sagemaker", "ListModels", {"Models": [hf_model, old_model]})

    ner_endpoint, ner_model, ner_endpoint_arn = _sagemaker_endpoint(
        b,
        prod,
        eu,
        {
            "name": "clinical-ner-endpoint",
            "model": "clinical-ner-biobert-ft",
            "age": 70,
            "image": _HF_DLC,
            "env": {"HF_TASK": "token-classification", "SAGEMAKER_PROGRAM": "inference.py"},
            "model_data": {
                "ModelDataUrl": "s3://kestrel-health-models/clinical-ner/biobert-ft-v4/model.tar.gz"
            },
            "isolation": True,
            "vpc": True,
            "kms": True,
            "instances": 2,
            "instance_type": "ml.g5.xlarge",
            "capture": {
                "percent": 20,
                "destination": "s3://kestrel-health-sm-capture/clinical-ner",
                "kms": True,
                "status": "Started",
            },
            "endpoint_tags": _team_tags(
                "clinical-ai",
                "production",
                "regulated",
                "vpc",
                "hipaa gdpr eu_ai_act_high_risk",
            ),
            "model_tags": _team_tags("clinical-ai", "production", "regulated", "vpc", "hipaa"),
        },
    )
    b.put(prod, eu, "sagemaker", "ListEndpoints", {"Endpoints": [ner_endpoint]})
    b.put(prod, eu, "sagemaker", "ListModels", {"Models": [ner_model]})

    js_endpoint, js_model, _ = _sagemaker_endpoint(
        b,
        dev,
        us,
        {
            "name": "jumpstart-mistral-7b-instruct",
            "model": "jumpstart-mistral-7b-instruct-model",
            "age": 25,
            "image": _TGI_DLC,
            "env": {
                "HF_MODEL_ID": "/opt/ml/model",
                "SM_NUM_GPUS": "1",
                "MAX_INPUT_LENGTH": "4095",
                "MAX_TOTAL_TOKENS": "4096",
            },
            "model_data": {
                "ModelDataSource": {
                    "S3DataSource": {
                        "S3Uri": f"s3://jumpstart-cache-prod-{us}/huggingface-llm/"
                        "huggingface-llm-mistral-7b-instruct/artifacts/inference-prepack/v1.0.0/",
                        "S3DataType": "S3Prefix",
                        "CompressionType": "None",
                        "HubAccessConfig": {
                            "HubContentArn": f"arn:aws:sagemaker:{us}:aws:hub-content/"
                            "SageMakerPublicHub/Model/huggingface-llm-mistral-7b-instruct/3.1.0"
                        },
                    }
                }
            },
            "isolation": False,
            "vpc": False,
            "kms": False,
            "instances": 1,
            "instance_type": "ml.g5.2xlarge",
            "capture": {
                "percent": 100,
                "destination": "s3://kestrel-research-sm-capture/mistral",
                "kms": False,
                "status": "Stopped",
            },
            "endpoint_tags": _team_tags("research-lab", "research", "internal"),
            "model_tags": _team_tags("research-lab", "research"),
        },
    )
    b.put(dev, us, "sagemaker", "ListEndpoints", {"Endpoints": [js_endpoint]})
    b.put(dev, us, "sagemaker", "ListModels", {"Models": [js_model]})
    b.write()

    return _declared_entries(
        as_of,
        rng,
        {
            "cx_agent": cx_agent_arn,
            "fraud_agent": fraud_agent_arn,
            "claims_agent": claims_agent_arn,
            "cx_kb": cx_kb_arn,
            "clinical_kb": clinical_kb_arn,
            "strict_guardrail": strict["arn"],
            "phi_guardrail": phi["arn"],
            "fraud_model": custom["fraud-narrative-titan-ft"],
            "throughput": throughput,
            "imported": imported,
            "ner_endpoint": ner_endpoint_arn,
            "ner_model": ner_model["ModelArn"],
        },
    )


def _declared_entries(as_of: date, rng: random.Random, arn: dict[str, str]) -> list[dict]:
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
            "model_name": _CLAUDE_SONNET_PROFILE,
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
            "model_name": _CLAUDE_HAIKU,
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
