"""The demo AWS estate: which accounts, regions and resources `write_bundle` writes."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from aisec_jobs.demo_estate.aws.bedrock import (
    custom_models_prod_us,
    guardrail_prod_eu,
    guardrails_prod_us,
    imported_model_dev,
    provisioned_throughput,
    write_invocation_logging,
)
from aisec_jobs.demo_estate.aws.bedrock_agents import (
    code_interpreter_group,
    knowledge_base,
    openapi_schema,
    user_input_group,
    write_agent,
)
from aisec_jobs.demo_estate.aws.bundle import (
    CLAUDE_HAIKU,
    CLAUDE_SONNET_PROFILE,
    COHERE_EMBED,
    DEV_ALIAS,
    HF_DLC,
    PROD_ALIAS,
    TGI_DLC,
    TITAN_EMBED,
    BundleWriter,
    account_by_alias,
    lambda_arn,
    role_arn,
    team_tags,
)
from aisec_jobs.demo_estate.aws.registry_entries import declared_entries
from aisec_jobs.demo_estate.aws.sagemaker import hub_token, sagemaker_endpoint


def write_bundle(root: Path, as_of: date, rng: random.Random) -> list[dict]:
    """Write the demo AWS bundle under `root`; returns the teams' declared-registry entries."""
    b = BundleWriter(root, as_of, rng)
    prod = account_by_alias(PROD_ALIAS).account_id
    dev = account_by_alias(DEV_ALIAS).account_id
    write_invocation_logging(b)

    # -- production, us-east-1
    us = "us-east-1"
    strict, weak = guardrails_prod_us(b, prod)
    custom = custom_models_prod_us(b, prod)
    throughput = provisioned_throughput(b, prod, custom["fraud-narrative-titan-ft"])
    cx_kb_id, cx_kb_arn = knowledge_base(
        b,
        prod,
        us,
        "cx-support-kb",
        "Resolved support tickets and help-centre articles for the support assistant.",
        TITAN_EMBED,
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
        team_tags("customer-experience", "production", "confidential", "internal", "gdpr ccpa"),
        150,
    )
    cx_agent, cx_agent_arn = write_agent(
        b,
        prod,
        us,
        {
            "name": "cx-support-bedrock-agent",
            "description": "Answers customer questions, checks orders and issues small refunds.",
            "instruction": "You are Kestrel's customer support assistant. Use the knowledge base "
            "for policy questions. Refunds above 200 EUR must be handed to a human agent.",
            "model": CLAUDE_SONNET_PROFILE,
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
                        "actionGroupExecutor": {
                            "lambda": lambda_arn(prod, us, "cx-refunds-handler")
                        },
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
                        "actionGroupExecutor": {"lambda": lambda_arn(prod, us, "cx-order-status")},
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
                user_input_group(),
            ],
            "tags": team_tags(
                "customer-experience", "production", "confidential", "public", "gdpr pci_dss"
            ),
        },
    )
    fraud_agent, fraud_agent_arn = write_agent(
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
                        "actionGroupExecutor": {
                            "lambda": lambda_arn(prod, us, "fraud-case-lookup")
                        },
                        "apiSchema": {"payload": openapi_schema("Fraud cases", "/cases/lookup")},
                    },
                },
                code_interpreter_group(),
            ],
            "tags": team_tags(
                "risk-analytics", "production", "confidential", "internal", "pci_dss sox"
            ),
        },
    )
    b.put(prod, us, "bedrock-agent", "ListAgents", {"agentSummaries": [cx_agent, fraud_agent]})

    # -- production, eu-west-1 (Kestrel Health)
    eu = "eu-west-1"
    phi = guardrail_prod_eu(b, prod)
    clinical_kb_id, clinical_kb_arn = knowledge_base(
        b,
        prod,
        eu,
        "clinical-policies-kb",
        "Reimbursement policies and clinical coding guidance.",
        COHERE_EMBED,
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
        team_tags("clinical-ai", "production", "regulated", "internal", "hipaa gdpr"),
        75,
    )
    claims_agent, claims_agent_arn = write_agent(
        b,
        prod,
        eu,
        {
            "name": "claims-intake-agent",
            "description": "Collects claim details from patients and prepares claim submissions.",
            "instruction": "You help patients of Kestrel Health file reimbursement claims. "
            "Collect the required details, check them against policy and return the claim "
            "for the portal to submit.",
            "model": CLAUDE_HAIKU,
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
                user_input_group(),
            ],
            "tags": team_tags(
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
    imported = imported_model_dev(b, dev)
    sandbox_agent, _ = write_agent(
        b,
        dev,
        us,
        {
            "name": "genai-sandbox-agent",
            "description": "Experimental agent for trying tool use.",
            "instruction": "You are a helpful assistant with tools. Do whatever the user asks.",
            "model": CLAUDE_HAIKU,
            "guardrail": None,
            "kms": False,
            "ttl": 3600,
            "age": 20,
            "action_groups": [
                {
                    "name": "shell-tools",
                    "description": "Run commands on the sandbox box.",
                    "config": {
                        "actionGroupExecutor": {"lambda": lambda_arn(dev, us, "sandbox-exec-tool")},
                        "apiSchema": {"payload": openapi_schema("Sandbox tools", "/exec")},
                    },
                },
                code_interpreter_group(),
            ],
            # "sandbox" is not a deployment environment: discovery rejects the tag.
            "tags": {"owner-team": "research-lab", "environment": "sandbox"},
        },
    )
    b.put(dev, us, "bedrock-agent", "ListAgents", {"agentSummaries": [sandbox_agent]})

    # -- SageMaker
    hf_endpoint, hf_model, _ = sagemaker_endpoint(
        b,
        prod,
        us,
        {
            "name": "cx-sentiment-hf",
            "model": "cx-sentiment-distilbert",
            "age": 200,
            "image": HF_DLC,
            "env": {
                "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
                "HF_TASK": "text-classification",
                "HUGGING_FACE_HUB_TOKEN": hub_token(b.rng),
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
                "Image": HF_DLC.format(region=us),
                "Mode": "SingleModel",
                "Environment": {
                    "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
                    "HF_TASK": "text-classification",
                },
            },
            "ExecutionRoleArn": role_arn(prod, "SageMakerExecution-cx-sentiment-distilbert"),
            "CreationTime": old_model["CreationTime"],
            "ModelArn": old_model["ModelArn"],
            "EnableNetworkIsolation": False,
        },
        old_model["ModelName"],
    )
    b.put(prod, us, "sagemaker", "ListEndpoints", {"Endpoints": [hf_endpoint]})
    b.put(prod, us, "sagemaker", "ListModels", {"Models": [hf_model, old_model]})

    ner_endpoint, ner_model, ner_endpoint_arn = sagemaker_endpoint(
        b,
        prod,
        eu,
        {
            "name": "clinical-ner-endpoint",
            "model": "clinical-ner-biobert-ft",
            "age": 70,
            "image": HF_DLC,
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
            "endpoint_tags": team_tags(
                "clinical-ai",
                "production",
                "regulated",
                "vpc",
                "hipaa gdpr eu_ai_act_high_risk",
            ),
            "model_tags": team_tags("clinical-ai", "production", "regulated", "vpc", "hipaa"),
        },
    )
    b.put(prod, eu, "sagemaker", "ListEndpoints", {"Endpoints": [ner_endpoint]})
    b.put(prod, eu, "sagemaker", "ListModels", {"Models": [ner_model]})

    js_endpoint, js_model, _ = sagemaker_endpoint(
        b,
        dev,
        us,
        {
            "name": "jumpstart-mistral-7b-instruct",
            "model": "jumpstart-mistral-7b-instruct-model",
            "age": 25,
            "image": TGI_DLC,
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
            "endpoint_tags": team_tags("research-lab", "research", "internal"),
            "model_tags": team_tags("research-lab", "research"),
        },
    )
    b.put(dev, us, "sagemaker", "ListEndpoints", {"Endpoints": [js_endpoint]})
    b.put(dev, us, "sagemaker", "ListModels", {"Models": [js_model]})
    b.write()

    return declared_entries(
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
