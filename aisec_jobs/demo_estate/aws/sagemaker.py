"""Demo SageMaker responses: an endpoint, its endpoint config and the model it serves."""

from __future__ import annotations

import random
import string
from typing import Any

from aisec_jobs.demo_estate.aws.bundle import BundleWriter, role_arn


def sagemaker_endpoint(
    b: BundleWriter,
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
        "ExecutionRoleArn": role_arn(acct, f"SageMakerExecution-{model_name}"),
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


def hub_token(rng: random.Random) -> str:
    # Built at run time: a token-shaped value a careless deployment left in the environment.
    return "hf" + "_" + "".join(rng.choice(string.ascii_letters) for _ in range(34))
