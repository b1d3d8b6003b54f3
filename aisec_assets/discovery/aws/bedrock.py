"""Amazon Bedrock: custom and imported models, provisioned throughput, guardrails, logging.

`extract_bedrock` reads every account and region: first the models and guardrails
(`BedrockModels`, here), then the agents and knowledge bases (`bedrock_agents`), then
applies each region's model invocation logging to the records:

- Model invocation logging with an S3 or CloudWatch destination gives `monitoring` and
  `access_logging` on every invocable Bedrock asset of that account and region; with every
  data type's delivery disabled they are not operational. A foundation model is shared by all
  accounts of a region, so it gets the controls only when every account that uses it logs.
"""

from __future__ import annotations

from typing import Any

from aisec_assets.discovery.aws.bedrock_agents import BedrockAgents
from aisec_assets.discovery.aws.bedrock_region import (
    BEDROCK_RUNTIME_API,
    SOURCE_BEDROCK,
    BedrockRegion,
)
from aisec_assets.discovery.aws.bundle import AwsApi
from aisec_assets.discovery.aws.collector import Collector, runtime_url, s3_uri_to_arn
from aisec_assets.discovery.aws.posture import (
    LoggingState,
    encryption_posture,
    kms_control,
    sigv4_controls,
)
from aisec_assets.discovery.aws.response import ResponseObject
from aisec_resources.records import Control, Dependency, SourceResult

# Asset types that call (or are called through) a Bedrock runtime API, so invocation logging
# and SigV4 apply to them.
_INVOCABLE = {
    "foundation_model",
    "fine_tuned_model",
    "embedding_model",
    "api_endpoint",
    "ai_agent",
    "vector_database",
}


def extract_bedrock(api: AwsApi) -> SourceResult:
    """Bedrock and Bedrock Agents assets of every account and region `api` offers."""
    collector = Collector(api, SOURCE_BEDROCK)
    for account, region in collector.account_regions():
        BedrockModels(collector, account, region).extract()
        BedrockAgents(collector, account, region).extract()
    apply_invocation_logging(collector)
    return collector.finish()


class BedrockModels(BedrockRegion):
    """Models, guardrails and invocation logging of one account and region."""

    def __init__(self, collector: Collector, account: str, region: str) -> None:
        super().__init__(collector, account, region)
        self.custom_model_names: dict[str, str] = {}

    def extract(self) -> None:
        self.c.logging[(self.account, self.region)] = self.invocation_logging()
        self.guardrails()
        self.custom_models()
        self.imported_models()
        self.provisioned_throughputs()

    def dataset_ref(
        self, uri: str, asset_type: str, by: str, relation: str, description: str
    ) -> str:
        resource_id = s3_uri_to_arn(uri, self.region)
        self.c.referenced(
            resource_id,
            lambda: self.record(
                resource_id,
                uri,
                asset_type,
                description=description,
                raw={"s3Uri": uri},
                posture={"storage": "s3", "s3_uri": uri},
            ),
            by,
            relation,
        )
        return resource_id

    # -- logging
    def invocation_logging(self) -> LoggingState:
        call_name = f"bedrock:GetModelInvocationLoggingConfiguration ({self.account}/{self.region})"
        resp = self.call("bedrock", "GetModelInvocationLoggingConfiguration")
        if resp is None:
            return LoggingState(
                collected=False,
                configured=False,
                active=False,
                destinations=(),
                data_types=(),
                evidence=f"{call_name}: not collected",
            )
        destinations: list[str] = []
        data_types: list[str] = []
        with self.c.guard():
            config = resp.opt_obj("loggingConfig")
            if config is not None:
                s3 = config.opt_obj("s3Config")
                if s3 is not None:
                    prefix = s3.opt_str("keyPrefix") or ""
                    destinations.append(f"s3://{s3.req_str('bucketName')}/{prefix}".rstrip("/"))
                cloudwatch = config.opt_obj("cloudWatchConfig")
                if cloudwatch is not None:
                    destinations.append(f"cloudwatch:{cloudwatch.req_str('logGroupName')}")
                for kind in ("text", "image", "embedding", "video", "audio"):
                    if config.opt_bool(f"{kind}DataDeliveryEnabled"):
                        data_types.append(kind)
        configured = bool(destinations)
        active = configured and bool(data_types)
        if active:
            detail = f"delivers {', '.join(data_types)} data to {', '.join(destinations)}"
        elif configured:
            detail = f"destination {', '.join(destinations)} set but every data type disabled"
        else:
            detail = "no logging destination configured"
        return LoggingState(
            collected=True,
            configured=configured,
            active=active,
            destinations=tuple(destinations),
            data_types=tuple(data_types),
            evidence=f"{call_name}: {detail}",
        )

    def guardrails(self) -> None:
        resp = self.call("bedrock", "ListGuardrails")
        if resp is None:
            return
        for item in self.c.items(resp, "guardrails"):
            with self.c.guard():
                self.guardrail(item)

    def guardrail(self, item: ResponseObject) -> None:
        guardrail_id = item.req_str("id")
        arn = item.req_str("arn")
        name = item.req_str("name")
        published: list[str] = []
        versions = self.call("bedrock", "ListGuardrails", guardrail_id)
        if versions is not None:
            for version in self.c.items(versions, "guardrails"):
                with self.c.guard():
                    number = version.req_str("version")
                    if number.isdigit():
                        published.append(number)
        published.sort(key=int)
        evaluated = published[-1] if published else "DRAFT"
        policy = self.guardrail_policy(guardrail_id, evaluated)
        posture: dict[str, Any] = {
            "guardrail_id": guardrail_id,
            "published_versions": published,
            "published": bool(published),
            "status": item.req_str("status"),
            "policy_collected": policy is not None,
        }
        kms = None
        if policy is not None:
            posture.update(policy.posture())
            kms = policy.kms_key_arn
        posture.update(encryption_posture(kms, known=policy is not None))
        rec = self.record(
            arn,
            name,
            "guardrail_config",
            description=item.opt_str("description") or f"Amazon Bedrock guardrail {name}",
            model_provider="aws_bedrock",
            api_endpoint=runtime_url("bedrock-runtime", self.region),
            posture=posture,
            controls=sigv4_controls(BEDROCK_RUNTIME_API) + kms_control(kms, "bedrock:GetGuardrail"),
            raw=item.data,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock")

    # -- custom models and customization jobs
    def custom_models(self) -> None:
        jobs_by_name: dict[str, ResponseObject] = {}
        listed_jobs = self.call("bedrock", "ListModelCustomizationJobs")
        if listed_jobs is not None:
            for job in self.c.items(listed_jobs, "modelCustomizationJobSummaries"):
                with self.c.guard():
                    jobs_by_name[job.req_str("jobName")] = job
        resp = self.call("bedrock", "ListCustomModels")
        if resp is None:
            return
        for item in self.c.items(resp, "modelSummaries"):
            with self.c.guard():
                self.custom_model(item, jobs_by_name)

    def custom_model(self, item: ResponseObject, jobs_by_name: dict[str, ResponseObject]) -> None:
        arn = item.req_str("modelArn")
        name = item.req_str("modelName")
        base_arn = item.req_str("baseModelArn")
        self.custom_model_names[arn] = name
        detail = self.call("bedrock", "GetCustomModel", name)
        posture: dict[str, Any] = {
            "customization_type": item.opt_str("customizationType"),
            "model_status": item.opt_str("modelStatus"),
            "details_collected": detail is not None,
        }
        deps = [Dependency(self.model_ref(base_arn, arn, "fine_tuned_from"), "fine_tuned_from")]
        kms: str | None = None
        raw: dict[str, Any] = dict(item.data)
        if detail is not None:
            with self.c.guard():
                raw = dict(detail.data)
                kms = detail.opt_str("modelKmsKeyArn")
                deps += self.training_data(detail, arn, name)
                job_name = detail.opt_str("jobName")
                if job_name:
                    job = self.customization_job(job_name, jobs_by_name.get(job_name))
                    posture["customization_job"] = job
                    kms = kms or job.get("output_kms_key_arn")
                metrics = detail.opt_obj("trainingMetrics")
                if metrics is not None:
                    posture["training_loss"] = metrics.opt_float("trainingLoss")
        posture.update(encryption_posture(kms, known=detail is not None))
        rec = self.record(
            arn,
            name,
            "fine_tuned_model",
            description=f"Amazon Bedrock custom model {name} "
            f"({(item.opt_str('customizationType') or 'customized').lower()} of "
            f"{item.req_str('baseModelName')})",
            model_provider="aws_bedrock",
            model_name=name,
            is_self_hosted=False,
            api_endpoint=runtime_url("bedrock-runtime", self.region),
            posture=posture,
            controls=sigv4_controls(BEDROCK_RUNTIME_API)
            + kms_control(kms, "bedrock:GetCustomModel"),
            dependencies=deps,
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock")

    def training_data(
        self, detail: ResponseObject, model_arn: str, model_name: str
    ) -> list[Dependency]:
        deps: list[Dependency] = []
        training = detail.opt_obj("trainingDataConfig")
        if training is not None:
            uris = [training.opt_str("s3Uri")]
            logs = training.opt_obj("invocationLogsConfig")
            if logs is not None:
                uris.append(logs.req_obj("invocationLogSource").opt_str("s3Uri"))
            for uri in filter(None, uris):
                deps.append(
                    Dependency(
                        self.dataset_ref(
                            uri,
                            "training_dataset",
                            model_arn,
                            "trained_on",
                            f"training data of Bedrock custom model {model_name}",
                        ),
                        "trained_on",
                    )
                )
        validation = detail.opt_obj("validationDataConfig")
        for validator in validation.objs("validators") if validation else []:
            uri = validator.req_str("s3Uri")
            deps.append(
                Dependency(
                    self.dataset_ref(
                        uri,
                        "evaluation_dataset",
                        model_arn,
                        "evaluated_on",
                        f"validation data of Bedrock custom model {model_name}",
                    ),
                    "evaluated_on",
                )
            )
        return deps

    def customization_job(self, job_name: str, summary: ResponseObject | None) -> dict[str, Any]:
        posture: dict[str, Any] = {"job_name": job_name}
        if summary is not None:
            posture["status"] = summary.opt_str("status")
        job = self.call("bedrock", "GetModelCustomizationJob", job_name)
        posture["details_collected"] = job is not None
        if job is None:
            return posture
        with self.c.guard():
            vpc = job.opt_obj("vpcConfig")
            posture.update(
                {
                    "status": job.opt_str("status") or posture.get("status"),
                    "hyperparameter_count": len(job.str_map("hyperParameters")),
                    "output_kms_key_arn": job.opt_str("outputModelKmsKeyArn"),
                    "vpc_configured": vpc is not None,
                    "vpc_subnets": vpc.str_list("subnetIds") if vpc else [],
                    "role_arn": job.opt_str("roleArn"),
                    "output_s3_uri": job.req_obj("outputDataConfig").req_str("s3Uri"),
                }
            )
        return posture

    # -- imported models
    def imported_models(self) -> None:
        resp = self.call("bedrock", "ListImportedModels")
        if resp is None:
            return
        for item in self.c.items(resp, "modelSummaries"):
            with self.c.guard():
                self.imported_model(item)

    def imported_model(self, item: ResponseObject) -> None:
        arn = item.req_str("modelArn")
        name = item.req_str("modelName")
        self.custom_model_names[arn] = name
        detail = self.call("bedrock", "GetImportedModel", name)
        posture: dict[str, Any] = {
            "model_architecture": item.opt_str("modelArchitecture"),
            "instruct_supported": item.opt_bool("instructSupported"),
            "details_collected": detail is not None,
        }
        kms = None
        source_uri = None
        raw = dict(item.data)
        if detail is not None:
            with self.c.guard():
                raw = dict(detail.data)
                kms = detail.opt_str("modelKmsKeyArn")
                source = detail.opt_obj("modelDataSource")
                s3 = source.opt_obj("s3DataSource") if source else None
                source_uri = s3.req_str("s3Uri") if s3 else None
                posture["import_job_name"] = detail.opt_str("jobName")
        posture["model_data_s3_uri"] = source_uri
        posture.update(encryption_posture(kms, known=detail is not None))
        # Bedrock classifies imported weights as custom models (customizationType IMPORTED).
        rec = self.record(
            arn,
            name,
            "fine_tuned_model",
            description=f"Amazon Bedrock imported model {name} "
            f"({item.opt_str('modelArchitecture') or 'unknown'} architecture)",
            model_provider="aws_bedrock",
            model_name=name,
            is_self_hosted=False,
            source_url=source_uri,
            api_endpoint=runtime_url("bedrock-runtime", self.region),
            posture=posture,
            controls=sigv4_controls(BEDROCK_RUNTIME_API)
            + kms_control(kms, "bedrock:GetImportedModel"),
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock")

    # -- provisioned throughput
    def provisioned_throughputs(self) -> None:
        resp = self.call("bedrock", "ListProvisionedModelThroughputs")
        if resp is None:
            return
        for item in self.c.items(resp, "provisionedModelSummaries"):
            with self.c.guard():
                self.provisioned_throughput(item)

    def provisioned_throughput(self, item: ResponseObject) -> None:
        arn = item.req_str("provisionedModelArn")
        name = item.req_str("provisionedModelName")
        model_arn = item.req_str("modelArn")
        served = self.model_ref(model_arn, arn, "serves")
        # A custom or imported model is named by its listing; a foundation model by its id.
        model_name = self.custom_model_names.get(model_arn, served.rsplit("/", 1)[-1])
        posture = {
            "status": item.req_str("status"),
            "model_units": item.opt_int("modelUnits"),
            "commitment": item.opt_str("commitmentDuration"),
            "commitment_expires": item.opt_str("commitmentExpirationTime"),
            "foundation_model_arn": item.opt_str("foundationModelArn"),
        }
        rec = self.record(
            arn,
            name,
            "api_endpoint",
            description=f"Amazon Bedrock provisioned throughput {name} serving {model_name}",
            model_provider="aws_bedrock",
            model_name=model_name,
            is_self_hosted=False,
            api_endpoint=runtime_url("bedrock-runtime", self.region),
            posture=posture,
            controls=sigv4_controls(BEDROCK_RUNTIME_API),
            dependencies=[Dependency(served, "serves")],
            raw=item.data,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock")


def apply_invocation_logging(c: Collector) -> None:
    """Invocation-logging posture on every Bedrock asset, and its controls where it applies."""
    for record in c.records.values():
        if record.cloud_region is None:
            continue
        if record.cloud_account is not None:
            accounts = [record.cloud_account]
        else:  # a foundation model: every account that uses it in this region
            accounts = list(record.posture.get("used_by_accounts", []))
        states = [
            c.logging[(a, record.cloud_region)]
            for a in accounts
            if (a, record.cloud_region) in c.logging
        ]
        if not states:
            continue
        if len(states) == 1:
            record.posture.update(states[0].posture())
        else:
            record.posture["invocation_logging"] = (
                all(s.active for s in states) if all(s.collected for s in states) else None
            )
            record.posture["invocation_logging_by_account"] = {
                a: s.posture()["invocation_logging"] for a, s in zip(accounts, states, strict=True)
            }
        if record.asset_type not in _INVOCABLE or not all(s.configured for s in states):
            continue
        operational = all(s.active for s in states)
        evidence = "; ".join(s.evidence for s in states)
        record.controls += [
            Control("monitoring", operational, evidence),
            Control("access_logging", operational, evidence),
        ]
