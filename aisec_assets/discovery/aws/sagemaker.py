"""Amazon SageMaker: real-time endpoints, their endpoint configs and the models they serve.

Models no endpoint serves are read too (`ListModels`). Controls:

- SageMaker: `network_isolation` needs both a VpcConfig and EnableNetworkIsolation; data
  capture gives `monitoring` (not operational when the capture status is Stopped); the endpoint
  config's KmsKeyId gives `encryption_at_rest`.

A model's ``ai-asset-type`` tag (foundation_model / fine_tuned_model / embedding_model)
overrides the type inferred from its containers (Hub repo or JumpStart -> foundation_model,
the customer's own S3 artifacts -> fine_tuned_model).
"""

from __future__ import annotations

import re
from typing import Any

from aisec_assets.discovery.aws.bundle import AwsApi
from aisec_assets.discovery.aws.collector import (
    Collector,
    aws_partition,
    base_record,
    runtime_url,
)
from aisec_assets.discovery.aws.posture import encryption_posture, kms_control, sigv4_controls
from aisec_assets.discovery.aws.response import ResponseObject
from aisec_resources.records import ASSET_TYPES, Control, Dependency, DiscoveredAsset, SourceResult
from aisec_resources.redaction import is_secret_name

SOURCE_SAGEMAKER = "aws_sagemaker"
_JUMPSTART_BUCKET_PREFIX = "s3://jumpstart-cache-prod-"
_MODEL_TYPE_TAG = "ai-asset-type"
_MODEL_TYPES = ("foundation_model", "fine_tuned_model", "embedding_model")
_SAGEMAKER_API = "Amazon SageMaker runtime API"


def extract_sagemaker(api: AwsApi) -> SourceResult:
    """SageMaker endpoints and the models they serve (and unserved models) everywhere."""
    collector = Collector(api, SOURCE_SAGEMAKER)
    for account, region in collector.account_regions():
        SageMakerRegion(collector, account, region).extract()
    return collector.finish()


class SageMakerRegion:
    """Endpoints and models of one account and region (the per-region entry point)."""

    def __init__(self, collector: Collector, account: str, region: str) -> None:
        self.c = collector
        self.account = account
        self.region = region
        self.models: dict[str, DiscoveredAsset | None] = {}

    def call(self, operation: str, key: str | None = None) -> ResponseObject | None:
        return self.c.call(self.account, self.region, "sagemaker", operation, key)

    def model_arn(self, name: str) -> str:
        # SageMaker stores model names lowercased in ARNs.
        return (
            f"arn:{aws_partition(self.region)}:sagemaker:{self.region}:{self.account}:"
            f"model/{name.lower()}"
        )

    def extract(self) -> None:
        endpoints = self.call("ListEndpoints")
        if endpoints is not None:
            for item in self.c.items(endpoints, "Endpoints"):
                with self.c.guard():
                    self.endpoint(item)
        models = self.call("ListModels")
        if models is not None:
            for item in self.c.items(models, "Models"):
                with self.c.guard():
                    self.model(item.req_str("ModelName"), served_by=None)

    def endpoint(self, item: ResponseObject) -> None:
        name = item.req_str("EndpointName")
        arn = item.req_str("EndpointArn")
        posture: dict[str, Any] = {"status": item.req_str("EndpointStatus")}
        controls = sigv4_controls(_SAGEMAKER_API)
        deps: list[Dependency] = []
        raw: dict[str, Any] = dict(item.data)
        served: list[DiscoveredAsset] = []
        detail = self.call("DescribeEndpoint", name)
        posture["details_collected"] = detail is not None
        capture_status = None
        kms = None
        if detail is not None:
            with self.c.guard():
                raw = dict(detail.data)
                capture = detail.opt_obj("DataCaptureConfig")
                capture_status = capture.req_str("CaptureStatus") if capture else None
                config_name = detail.opt_str("EndpointConfigName")
                posture["endpoint_config_name"] = config_name
                if config_name:
                    config_posture, models, kms = self.endpoint_config(config_name)
                    posture.update(config_posture)
                    for model_name in models:
                        model = self.model(model_name, served_by=arn)
                        if model is not None:
                            served.append(model)
                        model_arn = model.resource_id if model else self.model_arn(model_name)
                        deps.append(Dependency(model_arn, "serves"))
        capture = posture.get("data_capture")
        if capture is not None:
            capture["status"] = capture_status
            if capture["enabled"]:
                running = capture_status == "Started"
                controls.append(
                    Control(
                        "monitoring",
                        running,
                        f"sagemaker:DescribeEndpointConfig data capture to "
                        f"{capture['destination']} ({capture['sampling_percentage']}% sampled); "
                        f"capture status {capture_status}",
                    )
                )
        posture.update(
            encryption_posture(kms, known=bool(posture.get("endpoint_config_collected")))
        )
        controls += kms_control(kms, "sagemaker:DescribeEndpointConfig KmsKeyId")
        isolated = [m for m in served if m.posture.get("network_isolated")]
        posture["network_isolated"] = bool(served) and len(isolated) == len(served)
        if posture["network_isolated"]:
            controls.append(
                Control(
                    "network_isolation",
                    True,
                    "sagemaker:DescribeModel: every served model ("
                    + ", ".join(m.name for m in served)
                    + ") runs in a VPC with network isolation",
                )
            )
        model_names = sorted({m.model_name for m in served if m.model_name})
        rec = base_record(
            SOURCE_SAGEMAKER,
            arn,
            name,
            "api_endpoint",
            self.account,
            self.region,
            description=f"Amazon SageMaker real-time endpoint {name}",
            model_provider="aws_sagemaker",
            model_name=model_names[0] if len(model_names) == 1 else None,
            is_self_hosted=True,
            api_endpoint=f"{runtime_url('runtime.sagemaker', self.region)}"
            f"/endpoints/{name}/invocations",
            posture=posture,
            controls=controls,
            dependencies=deps,
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "sagemaker", "ListTags")

    def endpoint_config(self, name: str) -> tuple[dict[str, Any], list[str], str | None]:
        resp = self.call("DescribeEndpointConfig", name)
        if resp is None:
            return {"endpoint_config_collected": False}, [], None
        variants = []
        models = []
        for variant in resp.objs("ProductionVariants"):
            model = variant.opt_str("ModelName")
            if model and model not in models:
                models.append(model)
            variants.append(
                {
                    "variant": variant.req_str("VariantName"),
                    "model": model,
                    "instance_type": variant.opt_str("InstanceType"),
                    "instance_count": variant.opt_int("InitialInstanceCount"),
                    "serverless": variant.opt_obj("ServerlessConfig") is not None,
                }
            )
        capture = resp.opt_obj("DataCaptureConfig")
        posture: dict[str, Any] = {"endpoint_config_collected": True, "variants": variants}
        posture["data_capture"] = (
            {
                "enabled": capture.opt_bool("EnableCapture") is not False,
                "sampling_percentage": capture.opt_int("InitialSamplingPercentage"),
                "destination": capture.req_str("DestinationS3Uri"),
                "modes": [o.req_str("CaptureMode") for o in capture.objs("CaptureOptions")],
                "kms_key_id": capture.opt_str("KmsKeyId"),
            }
            if capture
            else None
        )
        return posture, models, resp.opt_str("KmsKeyId")

    def model(self, name: str, served_by: str | None) -> DiscoveredAsset | None:
        """The record of one SageMaker model (read once), or None when it cannot be read."""
        if name in self.models:
            rec = self.models[name]
            if rec is not None and served_by:
                self.mark_served(rec, served_by)
            return rec
        self.models[name] = None
        resp = self.call("DescribeModel", name)
        if resp is None:
            return None
        rec = None
        with self.c.guard():
            rec = self.c.add(self.model_record(resp, name), resp.location)
            self.models[name] = rec
            tags = self.c.tags(rec, self.account, self.region, "sagemaker", "ListTags")
            self.model_type_from_tag(rec, tags, resp.location)
            if served_by:
                self.mark_served(rec, served_by)
        return rec

    @staticmethod
    def mark_served(rec: DiscoveredAsset, endpoint_arn: str) -> None:
        served_by = rec.posture.setdefault("served_by", [])
        if endpoint_arn in served_by:
            return
        served_by.append(endpoint_arn)
        if len(served_by) == 1:
            rec.controls += sigv4_controls(
                f"{_SAGEMAKER_API} (the model is reachable only through its endpoints)"
            )

    def model_record(self, resp: ResponseObject, name: str) -> DiscoveredAsset:
        arn = resp.req_str("ModelArn")
        containers = resp.objs("Containers")
        primary = resp.opt_obj("PrimaryContainer")
        if primary is not None:
            containers = [primary, *containers]
        env: dict[str, str] = {}
        images: list[str] = []
        model_data: list[str] = []
        hub_content: str | None = None
        for container in containers:
            env.update(container.str_map("Environment"))
            image = container.opt_str("Image")
            if image:
                images.append(image)
            if container.opt_str("ModelDataUrl"):
                model_data.append(container.req_str("ModelDataUrl"))
            source = container.opt_obj("ModelDataSource")
            s3 = source.opt_obj("S3DataSource") if source else None
            if s3 is not None:
                model_data.append(s3.req_str("S3Uri"))
                hub = s3.opt_obj("HubAccessConfig")
                hub_content = hub.req_str("HubContentArn") if hub else hub_content
        vpc = resp.opt_obj("VpcConfig")
        isolation = resp.opt_bool("EnableNetworkIsolation") is True
        hf_model_id = env.get("HF_MODEL_ID")
        hub_repo = hf_model_id if hf_model_id and _looks_like_hub_repo(hf_model_id) else None
        model_name, model_version, source_url = name, None, None
        if hub_repo:
            model_name = hub_repo
            model_version = env.get("HF_MODEL_REVISION")
            source_url = f"https://huggingface.co/{hub_repo}"
        elif hub_content:
            # arn:aws:sagemaker:<region>:aws:hub-content/<hub>/Model/<model id>/<version>
            parts = hub_content.split("/")
            if len(parts) >= 5:
                model_name, model_version = parts[-2], parts[-1]
        if (
            hub_repo
            or hub_content
            or any(u.startswith(_JUMPSTART_BUCKET_PREFIX) for u in model_data)
        ):
            asset_type, basis = "foundation_model", "pretrained weights from a model hub"
        elif model_data:
            asset_type, basis = "fine_tuned_model", "weights from the customer's own S3 artifacts"
        else:
            asset_type, basis = "foundation_model", "no model artifacts named; container default"
        # The gate's own rule: exactly the variables whose values it masks.
        secret_env = sorted(k for k in env if is_secret_name(k))
        posture = {
            "vpc_configured": vpc is not None,
            "vpc_subnets": vpc.str_list("Subnets") if vpc else [],
            "network_isolation_enabled": isolation,
            "network_isolated": vpc is not None and isolation,
            "execution_role_arn": resp.opt_str("ExecutionRoleArn"),
            "images": images,
            "model_data": model_data,
            "hub_content_arn": hub_content,
            "environment_variables": sorted(env),
            "secret_like_environment_variables": secret_env,
            "asset_type_basis": basis,
        }
        controls = []
        if posture["network_isolated"]:
            controls.append(
                Control(
                    "network_isolation",
                    True,
                    "sagemaker:DescribeModel: VpcConfig with "
                    f"{len(posture['vpc_subnets'])} subnet(s) and EnableNetworkIsolation true",
                )
            )
        return base_record(
            SOURCE_SAGEMAKER,
            arn,
            name,
            asset_type,
            self.account,
            self.region,
            description=f"Amazon SageMaker model {name}"
            + (f" ({hub_repo} from the Hugging Face Hub)" if hub_repo else ""),
            model_provider="aws_sagemaker",
            model_name=model_name,
            model_version=model_version,
            is_self_hosted=True,
            source_url=source_url,
            posture=posture,
            controls=controls,
            raw=resp.data,
        )

    def model_type_from_tag(self, rec: DiscoveredAsset, tags: dict[str, str], where: str) -> None:
        for key, value in tags.items():
            if key.strip().lower() != _MODEL_TYPE_TAG:
                continue
            wanted = value.strip().lower().replace("-", "_")
            if wanted in _MODEL_TYPES and wanted in ASSET_TYPES:
                rec.asset_type = wanted
                rec.posture["asset_type_basis"] = f"tag {key}"
            else:
                self.c._bad_tag(rec, key, "asset_type", value, _MODEL_TYPES, where)


def _looks_like_hub_repo(model_id: str) -> bool:
    """HF_MODEL_ID names a Hub repo (`org/name`) rather than a local path like /opt/ml/model."""
    return re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", model_id) is not None
