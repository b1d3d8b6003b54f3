"""One account and region of Bedrock: calls, ARNs, records, and references to models.

`BedrockRegion` is the scope both Bedrock readers work in (`bedrock.BedrockModels` for models
and guardrails, `bedrock_agents.BedrockAgents` for agents and knowledge bases): it makes the
calls through the shared `Collector`, so a response read by one is cached for the other.
"""

from __future__ import annotations

from typing import Any

from aisec_assets.discovery.aws.bundle import join_key
from aisec_assets.discovery.aws.collector import (
    Collector,
    aws_partition,
    base_record,
    foundation_model_arn,
    runtime_url,
)
from aisec_assets.discovery.aws.posture import GuardrailPolicy, parse_guardrail, sigv4_controls
from aisec_assets.discovery.aws.response import ResponseObject
from aisec_resources.records import DiscoveredAsset

SOURCE_BEDROCK = "aws_bedrock"
# System-defined cross-region inference profiles prefix the model id with a geography.
_INFERENCE_PROFILE_GEOS = ("us", "eu", "apac", "us-gov", "global", "jp", "au", "ca")

BEDROCK_RUNTIME_API = "Amazon Bedrock runtime API"


class BedrockRegion:
    def __init__(self, collector: Collector, account: str, region: str) -> None:
        self.c = collector
        self.account = account
        self.region = region
        self.partition = aws_partition(region)

    def call(self, service: str, operation: str, key: str | None = None) -> ResponseObject | None:
        return self.c.call(self.account, self.region, service, operation, key)

    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:bedrock:{self.region}:{self.account}:{resource}"

    def record(self, resource_id: str, name: str, asset_type: str, **f: Any) -> DiscoveredAsset:
        return base_record(
            SOURCE_BEDROCK, resource_id, name, asset_type, self.account, self.region, **f
        )

    # -- references
    def model_ref(self, identifier: str, by: str, relation: str, embedding: bool = False) -> str:
        """Resource id of the model an identifier names; a foundation model gets a record."""
        model_id: str
        resource_id = identifier
        region = self.region
        if identifier.startswith("arn:"):
            parts = identifier.split(":", 5)
            resource = parts[5] if len(parts) == 6 else ""
            region = parts[3] if len(parts) == 6 and parts[3] else self.region
            kind, _, rest = resource.partition("/")
            if kind == "foundation-model":
                model_id = rest
            elif kind == "inference-profile":
                model_id = strip_geo(rest)
                resource_id = foundation_model_arn(region, model_id)
            else:  # custom, provisioned, imported model, application inference profile
                return identifier
        else:
            model_id = strip_geo(identifier)
            resource_id = foundation_model_arn(region, model_id)
        rec = self.c.referenced(
            resource_id,
            lambda: base_record(
                SOURCE_BEDROCK,
                resource_id,
                model_id,
                "foundation_model",
                None,  # foundation models belong to AWS, not to one account
                region,
                description=f"Amazon Bedrock foundation model {model_id}",
                model_provider="aws_bedrock",
                model_name=model_id,
                is_self_hosted=False,
                api_endpoint=runtime_url("bedrock-runtime", region),
                controls=sigv4_controls(BEDROCK_RUNTIME_API),
                raw={"modelArn": resource_id, "modelId": model_id},
            ),
            by,
            relation,
        )
        accounts = rec.posture.setdefault("used_by_accounts", [])
        if self.account not in accounts:
            accounts.append(self.account)
            accounts.sort()
        if embedding or "embed" in model_id:
            rec.asset_type = "embedding_model"
            rec.description = f"Amazon Bedrock embedding model {model_id}"
        return resource_id

    # -- guardrails
    def guardrail_policy(self, guardrail_id: str, version: str) -> GuardrailPolicy | None:
        resp = self.call("bedrock", "GetGuardrail", join_key(guardrail_id, version))
        if resp is None:
            return None
        policy = None
        with self.c.guard():
            policy = parse_guardrail(resp)
        return policy


def strip_geo(model_id: str) -> str:
    """`us.anthropic.claude-...` (a cross-region inference profile) -> `anthropic.claude-...`."""
    geo, dot, rest = model_id.partition(".")
    if dot and geo in _INFERENCE_PROFILE_GEOS and "." in rest:
        return rest
    return model_id
