"""An AWS organisation for live-discovery tests: 3 accounts x 2 regions on a moto server behind
`aws_estate_fake.AwsEstateProxy` (which answers the Bedrock operations moto lacks)."""

from __future__ import annotations

import secrets
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aws_estate_fake import AwsEstateProxy, EstateState
from moto.server import ThreadedMotoServer

from aisec_assets.discovery.aws.live import AwsLiveReader
from aisec_resources.config.aws_live import AwsLiveConfig

REGIONS = ["eu-west-1", "us-east-1"]
ROLE = "OrganizationAccountAccessRole"
EXTERNAL_ID_ENV = "AISEC_TEST_AWS_EXTERNAL_ID"


@dataclass
class Estate:
    proxy: AwsEstateProxy
    base: boto3.session.Session
    accounts: list[str]  # sorted; the management account (moto's default) is any of them
    external_id: str
    agents: dict[tuple[str, str], list[str]]  # (account, region) -> agent ids

    def config(self, **overrides: Any) -> AwsLiveConfig:
        values: dict[str, Any] = {
            "role_name": ROLE,
            "external_id_env": EXTERNAL_ID_ENV,
            "regions": REGIONS,
            "endpoint_url": self.proxy.url,
            "max_workers": 4,
            "max_attempts": 3,
            "connect_timeout": 5,
            "read_timeout": 10,
        }
        values.update(overrides)
        return AwsLiveConfig(**values)

    def reader(self, **overrides: Any) -> AwsLiveReader:
        return AwsLiveReader(self.config(**overrides), base_session=self.base, page_size=2)


def _session(estate_base: boto3.session.Session, url: str, account: str) -> boto3.session.Session:
    sts = estate_base.client("sts", endpoint_url=url)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="estate-setup"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _populate(
    session: boto3.session.Session, url: str, state: EstateState, account: str, region: str
) -> list[str]:
    """Models, jobs, agents, a knowledge base, logging and SageMaker in one account/region."""
    role = f"arn:aws:iam::{account}:role/bedrock-service"
    br = session.client("bedrock", region_name=region, endpoint_url=url)
    ag = session.client("bedrock-agent", region_name=region, endpoint_url=url)
    sm = session.client("sagemaker", region_name=region, endpoint_url=url)
    for i in range(3):  # three jobs and models: more than one page of 2
        br.create_model_customization_job(
            jobName=f"job{i}",
            customModelName=f"ft{i}",
            roleArn=role,
            baseModelIdentifier="amazon.titan-text-express-v1",
            trainingDataConfig={"s3Uri": f"s3://train-{account}/t{i}.jsonl"},
            outputDataConfig={"s3Uri": f"s3://out-{account}/o{i}/"},
            hyperParameters={"epochCount": "1"},
            customModelTags=[{"key": "owner-team", "value": f"team{i}"}],
        )
    br.put_model_invocation_logging_configuration(
        loggingConfig={
            "s3Config": {"bucketName": f"logs-{account}", "keyPrefix": "bedrock"},
            "textDataDeliveryEnabled": True,
        }
    )
    agents = []
    for i in range(3):
        agent = ag.create_agent(
            agentName=f"b{i}",  # moto: id = name + 8 hex = 10 chars like AWS
            foundationModel="anthropic.claude-v2",
            agentResourceRoleArn=role,
            tags={"environment": "production"},
        )["agent"]
        agents.append(agent["agentId"])
    kb = ag.create_knowledge_base(
        name="kb",
        roleArn=role,
        knowledgeBaseConfiguration={
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": f"arn:aws:bedrock:{region}::foundation-model/"
                "amazon.titan-embed-text-v2:0"
            },
        },
        storageConfiguration={
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": f"arn:aws:aoss:{region}:{account}:collection/abc",
                "vectorIndexName": "i",
                "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
            },
        },
    )["knowledgeBase"]
    sm.create_model(
        ModelName="llama",
        ExecutionRoleArn=role,
        PrimaryContainer={
            "Image": "123.dkr.ecr.us-east-1.amazonaws.com/tgi:1",
            "Environment": {"HF_MODEL_ID": "meta-llama/Llama-3.1-8B"},
        },
        Tags=[{"Key": "data-classification", "Value": "internal"}],
    )
    sm.create_endpoint_config(
        EndpointConfigName="llama-cfg",
        ProductionVariants=[
            {
                "VariantName": "v1",
                "ModelName": "llama",
                "InstanceType": "ml.g4dn.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName="llama-ep", EndpointConfigName="llama-cfg")
    _fake_answers(state, account, region, agents, kb["knowledgeBaseId"])
    return agents


def _fake_answers(
    state: EstateState, account: str, region: str, agents: list[str], kb_id: str
) -> None:
    """What moto lacks: a guardrail, provisioned throughput, aliases, action groups, sources."""
    at = "2026-11-01T08:00:00Z"
    gid = "g" + account[-6:]
    garn = f"arn:aws:bedrock:{region}:{account}:guardrail/{gid}"
    summary = {
        "id": gid,
        "arn": garn,
        "status": "READY",
        "name": "pii",
        "version": "DRAFT",
        "createdAt": at,
        "updatedAt": at,
    }
    state.answer(account, region, "ListGuardrails", (), {"guardrails": [summary]})
    state.answer(
        account,
        region,
        "ListGuardrails",
        (gid,),
        {"guardrails": [summary, {**summary, "version": "1"}]},
    )
    state.answer(
        account,
        region,
        "GetGuardrail",
        (gid, "1"),
        {
            "name": "pii",
            "guardrailId": gid,
            "guardrailArn": garn,
            "version": "1",
            "status": "READY",
            "createdAt": at,
            "updatedAt": at,
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "no",
            "contentPolicy": {
                "filters": [
                    {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}
                ]
            },
        },
    )
    state.answer(
        account,
        region,
        "ListProvisionedModelThroughputs",
        (),
        {
            "provisionedModelSummaries": [
                {
                    "provisionedModelName": "pt0",
                    "provisionedModelArn": f"arn:aws:bedrock:{region}:{account}:"
                    "provisioned-model/pt0abcdefghi",
                    "modelArn": f"arn:aws:bedrock:{region}::foundation-model/anthropic.claude-v2",
                    "desiredModelArn": f"arn:aws:bedrock:{region}::foundation-model/"
                    "anthropic.claude-v2",
                    "foundationModelArn": f"arn:aws:bedrock:{region}::foundation-model/"
                    "anthropic.claude-v2",
                    "modelUnits": 1,
                    "desiredModelUnits": 1,
                    "status": "InService",
                    "creationTime": at,
                    "lastModifiedTime": at,
                }
            ]
        },
    )
    agent = agents[0]
    state.answer(
        account,
        region,
        "ListAgentAliases",
        (agent,),
        {
            "agentAliasSummaries": [
                {
                    "agentAliasId": "PRODALIAS1",
                    "agentAliasName": "prod",
                    "routingConfiguration": [{"agentVersion": "1"}],
                    "agentAliasStatus": "PREPARED",
                    "createdAt": at,
                    "updatedAt": at,
                }
            ]
        },
    )
    for version in ("DRAFT", "1"):
        state.answer(
            account,
            region,
            "ListAgentActionGroups",
            (agent, version),
            {
                "actionGroupSummaries": [
                    {
                        "actionGroupId": "ACTGROUP01",
                        "actionGroupName": "refunds",
                        "actionGroupState": "ENABLED",
                        "updatedAt": at,
                    }
                ]
            },
        )
        state.answer(
            account,
            region,
            "GetAgentActionGroup",
            (agent, version, "ACTGROUP01"),
            {
                "agentActionGroup": {
                    "agentId": agent,
                    "agentVersion": version,
                    "actionGroupId": "ACTGROUP01",
                    "actionGroupName": "refunds",
                    "actionGroupState": "ENABLED",
                    "createdAt": at,
                    "updatedAt": at,
                    "actionGroupExecutor": {
                        "lambda": f"arn:aws:lambda:{region}:{account}:function:refund"
                    },
                }
            },
        )
        state.answer(
            account,
            region,
            "ListAgentKnowledgeBases",
            (agent, version),
            {
                "agentKnowledgeBaseSummaries": [
                    {"knowledgeBaseId": kb_id, "knowledgeBaseState": "ENABLED", "updatedAt": at}
                ]
            },
        )
    state.answer(
        account,
        region,
        "ListDataSources",
        (kb_id,),
        {
            "dataSourceSummaries": [
                {
                    "knowledgeBaseId": kb_id,
                    "dataSourceId": "DATASRC001",
                    "name": "docs",
                    "status": "AVAILABLE",
                    "updatedAt": at,
                }
            ]
        },
    )
    state.answer(
        account,
        region,
        "GetDataSource",
        (kb_id, "DATASRC001"),
        {
            "dataSource": {
                "knowledgeBaseId": kb_id,
                "dataSourceId": "DATASRC001",
                "name": "docs",
                "status": "AVAILABLE",
                "dataSourceConfiguration": {
                    "type": "S3",
                    "s3Configuration": {"bucketArn": f"arn:aws:s3:::docs-{account}"},
                },
                "createdAt": at,
                "updatedAt": at,
            }
        },
    )


@contextmanager
def running_estate() -> Iterator[Estate]:
    """The moto server, the proxy, the organisation and its resources (the external id in
    EXTERNAL_ID_ENV while it runs)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto's backends are per process, not per server: start from an empty account state even
    # when another test module of this worker built an organisation before.
    urllib.request.urlopen(
        urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST"), timeout=30
    ).close()
    state = EstateState()
    external_id = secrets.token_hex(8)
    try:
        with (
            AwsEstateProxy(f"http://{host}:{port}", state) as proxy,
            pytest.MonkeyPatch.context() as env,
        ):
            env.setenv(EXTERNAL_ID_ENV, external_id)
            for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
                env.delenv(name, raising=False)
            base = boto3.session.Session(
                aws_access_key_id="base-" + secrets.token_hex(4),
                aws_secret_access_key=secrets.token_hex(16),
                region_name="us-east-1",
            )
            org = base.client("organizations", endpoint_url=proxy.url)
            org.create_organization(FeatureSet="ALL")
            for name in ("ml-prod", "ml-dev"):
                org.create_account(AccountName=name, Email=f"{name}@example.com")
            accounts = sorted(a["Id"] for a in org.list_accounts()["Accounts"])
            agents = {}
            for account in accounts:
                session = _session(base, proxy.url, account)
                for region in REGIONS:
                    agents[(account, region)] = _populate(
                        session, proxy.url, state, account, region
                    )
            yield Estate(proxy, base, accounts, external_id, agents)
    finally:
        server.stop()
