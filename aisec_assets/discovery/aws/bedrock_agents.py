"""Amazon Bedrock Agents: agents, their aliases, action groups and knowledge bases.

Agents are read in their working draft (`GetAgent`) plus every version an alias routes traffic
to (for action groups and knowledge bases): what runs is what the aliases serve.
A knowledge base's data sources become `training_dataset` records its edges point at.
An agent's guardrail gives its filtering controls (see `posture.GuardrailPolicy`).
"""

from __future__ import annotations

from typing import Any

from aisec_assets.discovery.aws.bedrock_region import BedrockRegion
from aisec_assets.discovery.aws.bundle import join_key
from aisec_assets.discovery.aws.collector import runtime_url, s3_uri_to_arn
from aisec_assets.discovery.aws.posture import encryption_posture, kms_control, sigv4_controls
from aisec_assets.discovery.aws.response import ResponseObject
from aisec_resources.records import Control, Dependency

_AGENT_API = "Amazon Bedrock agent runtime API"


class BedrockAgents(BedrockRegion):
    """Knowledge bases and agents of one account and region."""

    def extract(self) -> None:
        self.knowledge_bases()
        self.agents()

    # -- knowledge bases
    def knowledge_bases(self) -> None:
        resp = self.call("bedrock-agent", "ListKnowledgeBases")
        if resp is None:
            return
        for item in self.c.items(resp, "knowledgeBaseSummaries"):
            with self.c.guard():
                self.knowledge_base(item)

    def knowledge_base(self, item: ResponseObject) -> None:
        kb_id = item.req_str("knowledgeBaseId")
        name = item.req_str("name")
        arn = self.arn(f"knowledge-base/{kb_id}")
        detail_resp = self.call("bedrock-agent", "GetKnowledgeBase", kb_id)
        posture: dict[str, Any] = {
            "knowledge_base_id": kb_id,
            "status": item.req_str("status"),
            "details_collected": False,
        }
        deps: list[Dependency] = []
        raw: dict[str, Any] = dict(item.data)
        if detail_resp is not None:
            with self.c.guard():
                detail = detail_resp.req_obj("knowledgeBase")
                arn = detail.req_str("knowledgeBaseArn")
                raw = dict(detail.data)
                config = detail.req_obj("knowledgeBaseConfiguration")
                posture["knowledge_base_type"] = config.req_str("type")
                vector = config.opt_obj("vectorKnowledgeBaseConfiguration")
                embedding = vector.req_str("embeddingModelArn") if vector else None
                if embedding:
                    ref = self.model_ref(embedding, arn, "embeds_with", embedding=True)
                    deps.append(Dependency(ref, "embeds_with"))
                posture["embedding_model"] = embedding
                storage = detail.opt_obj("storageConfiguration")
                posture["storage_type"] = storage.req_str("type") if storage else None
                posture["storage_resource"] = _storage_resource(storage) if storage else None
                posture["role_arn"] = detail.opt_str("roleArn")
                posture["details_collected"] = True
        data_sources = self.data_sources(kb_id, arn, name)
        posture["data_sources"] = [d for d, _ in data_sources]
        deps += [Dependency(rid, "retrieves_from") for _, rids in data_sources for rid in rids]
        rec = self.record(
            arn,
            name,
            "vector_database",
            description=item.opt_str("description") or f"Amazon Bedrock knowledge base {name}",
            model_provider="aws_bedrock",
            api_endpoint=runtime_url("bedrock-agent-runtime", self.region),
            posture=posture,
            controls=sigv4_controls(_AGENT_API),
            dependencies=deps,
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock-agent")

    def data_sources(
        self, kb_id: str, kb_arn: str, kb_name: str
    ) -> list[tuple[dict[str, Any], list[str]]]:
        """(posture summary, dataset resource ids) of each data source of a knowledge base."""
        resp = self.call("bedrock-agent", "ListDataSources", kb_id)
        if resp is None:
            return []
        out = []
        for item in self.c.items(resp, "dataSourceSummaries"):
            with self.c.guard():
                out.append(self.data_source(item, kb_id, kb_arn, kb_name))
        return out

    def data_source(
        self, item: ResponseObject, kb_id: str, kb_arn: str, kb_name: str
    ) -> tuple[dict[str, Any], list[str]]:
        ds_id = item.req_str("dataSourceId")
        name = item.req_str("name")
        summary: dict[str, Any] = {"id": ds_id, "name": name, "status": item.req_str("status")}
        resp = self.call("bedrock-agent", "GetDataSource", join_key(kb_id, ds_id))
        if resp is None:
            summary["details_collected"] = False
            return summary, []
        detail = resp.req_obj("dataSource")
        config = detail.req_obj("dataSourceConfiguration")
        kind = config.req_str("type")
        sse = detail.opt_obj("serverSideEncryptionConfiguration")
        kms = sse.opt_str("kmsKeyArn") if sse else None
        summary.update(
            {
                "type": kind,
                "kms_key_arn": kms,
                "data_deletion_policy": detail.opt_str("dataDeletionPolicy"),
                "details_collected": True,
            }
        )
        posture = {
            "knowledge_base": kb_arn,
            "data_source_id": ds_id,
            "data_source_type": kind,
            "ingestion_kms_key_arn": kms,
        }
        raw = dict(detail.data)
        description = f"knowledge-base data source {name} of {kb_name}"
        locations: list[tuple[str, str, str]] = []  # (resource id, name, location text)
        if kind == "S3":
            s3 = config.req_obj("s3Configuration")
            bucket_arn = s3.req_str("bucketArn")
            bucket = bucket_arn.rsplit(":", 1)[-1]
            prefixes = s3.str_list("inclusionPrefixes")
            owner = s3.opt_str("bucketOwnerAccountId")
            posture["bucket_owner_account"] = owner or self.account
            for prefix in prefixes or [""]:
                uri = f"s3://{bucket}/{prefix}".rstrip("/")
                label = name if len(prefixes) <= 1 else f"{name}:{prefix}"
                locations.append((s3_uri_to_arn(uri, self.region), label, uri))
        else:
            # Non-S3 sources (web crawler, Confluence, SharePoint, ...) have no ARN of their
            # own; the data source is identified under its knowledge base's ARN.
            locations.append((f"{kb_arn}/data-source/{ds_id}", name, kind.lower()))
        ids = []
        for resource_id, label, where in locations:
            self.c.referenced(
                resource_id,
                lambda rid=resource_id, label=label, where=where: self.record(
                    rid,
                    label,
                    "training_dataset",
                    description=f"{description} ({where})",
                    posture=dict(posture, location=where),
                    raw=raw,
                ),
                kb_arn,
                "retrieves_from",
            )
            ids.append(resource_id)
        summary["datasets"] = ids
        return summary, ids

    # -- agents
    def agents(self) -> None:
        resp = self.call("bedrock-agent", "ListAgents")
        if resp is None:
            return
        for item in self.c.items(resp, "agentSummaries"):
            with self.c.guard():
                self.agent(item)

    def agent(self, item: ResponseObject) -> None:
        agent_id = item.req_str("agentId")
        name = item.req_str("agentName")
        arn = self.arn(f"agent/{agent_id}")
        posture: dict[str, Any] = {
            "agent_id": agent_id,
            "status": item.req_str("agentStatus"),
            "latest_agent_version": item.opt_str("latestAgentVersion"),
            "details_collected": False,
        }
        description = item.opt_str("description")
        guardrail_config = item.opt_obj("guardrailConfiguration")
        deps: list[Dependency] = []
        controls: list[Control] = sigv4_controls(_AGENT_API)
        raw: dict[str, Any] = dict(item.data)
        model_name = None
        kms = None
        detail_resp = self.call("bedrock-agent", "GetAgent", agent_id)
        if detail_resp is not None:
            with self.c.guard():
                detail = detail_resp.req_obj("agent")
                arn = detail.req_str("agentArn")
                raw = dict(detail.data)
                description = detail.opt_str("description") or description
                guardrail_config = detail.opt_obj("guardrailConfiguration") or guardrail_config
                model_name = detail.opt_str("foundationModel")
                if model_name:
                    deps.append(
                        Dependency(self.model_ref(model_name, arn, "uses_model"), "uses_model")
                    )
                kms = detail.opt_str("customerEncryptionKeyArn")
                memory = detail.opt_obj("memoryConfiguration")
                posture.update(
                    {
                        "details_collected": True,
                        "foundation_model": model_name,
                        "idle_session_ttl_seconds": detail.opt_int("idleSessionTTLInSeconds"),
                        "agent_resource_role_arn": detail.opt_str("agentResourceRoleArn"),
                        "orchestration_type": detail.opt_str("orchestrationType"),
                        "agent_collaboration": detail.opt_str("agentCollaboration"),
                        "memory_enabled": bool(memory and memory.str_list("enabledMemoryTypes")),
                    }
                )
        posture.update(encryption_posture(kms, known=posture["details_collected"]))
        controls += kms_control(kms, "bedrock-agent:GetAgent customerEncryptionKeyArn")
        aliases = self.aliases(agent_id)
        posture["aliases"] = aliases
        routed = {v for a in aliases for v in a["routes_to"] if v != "DRAFT"}
        versions = ["DRAFT", *sorted(routed, key=_version_order)]
        action_groups = self.action_groups(agent_id, versions)
        enabled = [g for g in action_groups if g["state"] == "ENABLED"]
        posture.update(
            {
                "inspected_versions": versions,
                "action_groups": action_groups,
                "lambda_executors": sorted({g["lambda"] for g in enabled if g["lambda"]}),
                "return_control": any(g["return_control"] for g in enabled),
                "api_schema_present": any(g["api_schema"] for g in enabled),
                "user_input_enabled": any(
                    g["parent_signature"] == "AMAZON.UserInput" for g in enabled
                ),
                "code_interpreter_enabled": any(
                    g["parent_signature"] == "AMAZON.CodeInterpreter" for g in enabled
                ),
            }
        )
        knowledge_bases = self.agent_knowledge_bases(agent_id, versions)
        posture["knowledge_bases"] = knowledge_bases
        for kb_id in sorted({k["id"] for k in knowledge_bases if k["state"] == "ENABLED"}):
            deps.append(Dependency(self.arn(f"knowledge-base/{kb_id}"), "uses_knowledge_base"))
        controls += self.agent_guardrail(guardrail_config, posture, deps)
        rec = self.record(
            arn,
            name,
            "ai_agent",
            description=description or f"Amazon Bedrock agent {name}",
            model_provider="aws_bedrock",
            model_name=model_name,
            is_self_hosted=False,
            api_endpoint=runtime_url("bedrock-agent-runtime", self.region),
            posture=posture,
            controls=controls,
            dependencies=deps,
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock-agent")

    def agent_guardrail(
        self, config: ResponseObject | None, posture: dict[str, Any], deps: list[Dependency]
    ) -> list[Control]:
        identifier = config.opt_str("guardrailIdentifier") if config else None
        if not identifier:
            posture["guardrail_attached"] = False
            return []
        assert config is not None
        version = config.opt_str("guardrailVersion") or "DRAFT"
        guardrail_id = identifier.rsplit("/", 1)[-1]
        arn = identifier if identifier.startswith("arn:") else self.arn(f"guardrail/{identifier}")
        deps.append(Dependency(arn, "uses_guardrail"))
        policy = self.guardrail_policy(guardrail_id, version)
        posture["guardrail_attached"] = True
        posture["guardrail"] = {
            "arn": arn,
            "version": version,
            "policy_collected": policy is not None,
            "status": policy.status if policy else None,
            "prompt_attack_filter_strength": policy.prompt_attack_strength if policy else None,
            "output_filtering": policy.output_filtering if policy else None,
        }
        return policy.controls() if policy else []

    def aliases(self, agent_id: str) -> list[dict[str, Any]]:
        resp = self.call("bedrock-agent", "ListAgentAliases", agent_id)
        if resp is None:
            return []
        out = []
        for alias in self.c.items(resp, "agentAliasSummaries"):
            with self.c.guard():
                out.append(
                    {
                        "id": alias.req_str("agentAliasId"),
                        "name": alias.req_str("agentAliasName"),
                        "status": alias.req_str("agentAliasStatus"),
                        "invocation_state": alias.opt_str("aliasInvocationState"),
                        "routes_to": [
                            r.req_str("agentVersion") for r in alias.objs("routingConfiguration")
                        ],
                    }
                )
        return out

    def action_groups(self, agent_id: str, versions: list[str]) -> list[dict[str, Any]]:
        out = []
        for version in versions:
            resp = self.call("bedrock-agent", "ListAgentActionGroups", join_key(agent_id, version))
            if resp is None:
                continue
            for summary in self.c.items(resp, "actionGroupSummaries"):
                with self.c.guard():
                    out.append(self.action_group(agent_id, version, summary))
        return out

    def action_group(self, agent_id: str, version: str, summary: ResponseObject) -> dict[str, Any]:
        group_id = summary.req_str("actionGroupId")
        group: dict[str, Any] = {
            "agent_version": version,
            "id": group_id,
            "name": summary.req_str("actionGroupName"),
            "state": summary.req_str("actionGroupState"),
            "lambda": None,
            "return_control": False,
            "api_schema": None,
            "function_count": 0,
            "parent_signature": None,
            "details_collected": False,
        }
        resp = self.call(
            "bedrock-agent", "GetAgentActionGroup", join_key(agent_id, version, group_id)
        )
        if resp is None:
            return group
        detail = resp.req_obj("agentActionGroup")
        executor = detail.opt_obj("actionGroupExecutor")
        schema = detail.opt_obj("apiSchema")
        api_schema = None
        if schema is not None:
            s3 = schema.opt_obj("s3")
            if s3 is not None:
                api_schema = f"s3://{s3.opt_str('s3BucketName')}/{s3.opt_str('s3ObjectKey')}"
            elif schema.opt_str("payload"):
                api_schema = "inline"
        functions = detail.opt_obj("functionSchema")
        group.update(
            {
                "state": detail.req_str("actionGroupState"),
                "lambda": executor.opt_str("lambda") if executor else None,
                "return_control": bool(executor and executor.opt_str("customControl")),
                "api_schema": api_schema,
                "function_count": len(functions.objs("functions")) if functions else 0,
                "parent_signature": detail.opt_str("parentActionSignature"),
                "details_collected": True,
            }
        )
        return group

    def agent_knowledge_bases(self, agent_id: str, versions: list[str]) -> list[dict[str, Any]]:
        out = []
        for version in versions:
            key = join_key(agent_id, version)
            resp = self.call("bedrock-agent", "ListAgentKnowledgeBases", key)
            if resp is None:
                continue
            for kb in self.c.items(resp, "agentKnowledgeBaseSummaries"):
                with self.c.guard():
                    out.append(
                        {
                            "agent_version": version,
                            "id": kb.req_str("knowledgeBaseId"),
                            "state": kb.req_str("knowledgeBaseState"),
                        }
                    )
        return out


def _version_order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (1 << 30, version)


def _storage_resource(storage: ResponseObject) -> str | None:
    """ARN or endpoint of a knowledge base's vector store (credentials are never copied)."""
    for name, field_name in (
        ("opensearchServerlessConfiguration", "collectionArn"),
        ("opensearchManagedClusterConfiguration", "domainArn"),
        ("rdsConfiguration", "resourceArn"),
        ("neptuneAnalyticsConfiguration", "graphArn"),
        ("s3VectorsConfiguration", "vectorBucketArn"),
        ("pineconeConfiguration", "connectionString"),
        ("redisEnterpriseCloudConfiguration", "endpoint"),
        ("mongoDbAtlasConfiguration", "endpoint"),
    ):
        config = storage.opt_obj(name)
        if config is not None:
            return config.opt_str(field_name)
    return None
