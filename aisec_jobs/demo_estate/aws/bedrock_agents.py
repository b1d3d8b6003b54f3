"""Demo Bedrock Agents responses: knowledge bases with their data sources, agents and tools.

`write_agent` writes an agent's draft, its versions, aliases, action groups and knowledge-base
associations; `knowledge_base` a knowledge base over S3 data sources.
"""

from __future__ import annotations

import json
from typing import Any

from aisec_assets.discovery.aws import foundation_model_arn, join_key
from aisec_jobs.demo_estate.aws.bundle import BundleWriter, role_arn


def knowledge_base(
    b: BundleWriter,
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
                "roleArn": role_arn(acct, f"AmazonBedrockExecutionRoleForKnowledgeBase_{name}"),
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


def write_agent(
    b: BundleWriter,
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
        "agentResourceRoleArn": role_arn(
            acct, f"AmazonBedrockExecutionRoleForAgents_{spec['name']}"
        ),
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


def user_input_group() -> dict[str, Any]:
    return {
        "name": "UserInputAction",
        "description": "Ask the user for missing information.",
        "config": {"parentActionSignature": "AMAZON.UserInput"},
    }


def code_interpreter_group() -> dict[str, Any]:
    return {
        "name": "CodeInterpreterAction",
        "description": "Run Python to analyse data.",
        "config": {"parentActionSignature": "AMAZON.CodeInterpreter"},
    }


def openapi_schema(title: str, path: str) -> str:
    return json.dumps(
        {
            "openapi": "3.0.0",
            "info": {"title": title, "version": "1.0.0"},
            "paths": {path: {"post": {"operationId": path.strip("/").replace("/", "_")}}},
        },
        sort_keys=True,
    )
