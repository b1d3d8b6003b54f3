"""AWS discovery: Amazon Bedrock, Bedrock Agents and SageMaker, from any `AwsApi` reader.

`extract_bedrock` and `extract_sagemaker` read every account and region an `AwsApi` offers
(`AwsBundleReader` over an offline bundle, or the live APIs) and return a `SourceResult`.
Where things are:

- `bundle`: the `AwsApi` protocol, the offline bundle layout and its reader;
- `response`: typed, validating access to the fields of one API response;
- `collector`: the state of one extraction (records, rejections, cached calls, tags -> fields);
- `posture`: posture facts -> controls (guardrails, invocation logging, KMS keys, SigV4);
- `bedrock_region`, `bedrock`, `bedrock_agents`: Bedrock models, guardrails and logging, then
  agents and knowledge bases, of one account and region;
- `sagemaker`: SageMaker endpoints and models;
- `live`: `AwsLiveReader`, the same `AwsApi` over the live APIs (boto3), its operation table;
- `collect`: `collect_aws`, writing a bundle of an organisation's accounts and regions.

Least-privilege IAM: `iam_policy.json` beside this module is the ready-to-apply read-only
policy (member-account role and caller), exactly `live.iam_actions()`.
"""

from aisec_assets.discovery.aws.bedrock import extract_bedrock
from aisec_assets.discovery.aws.bedrock_region import SOURCE_BEDROCK
from aisec_assets.discovery.aws.bundle import (
    DEFAULT_MAX_FILE_BYTES,
    KEY_SEPARATOR,
    AwsApi,
    AwsBundleReader,
    AwsCallError,
    bundle_file_name,
    join_key,
    parse_response_bytes,
)
from aisec_assets.discovery.aws.collector import foundation_model_arn, s3_uri_to_arn
from aisec_assets.discovery.aws.sagemaker import SOURCE_SAGEMAKER, extract_sagemaker

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "KEY_SEPARATOR",
    "SOURCE_BEDROCK",
    "SOURCE_SAGEMAKER",
    "AwsApi",
    "AwsBundleReader",
    "AwsCallError",
    "bundle_file_name",
    "extract_bedrock",
    "extract_sagemaker",
    "foundation_model_arn",
    "join_key",
    "parse_response_bytes",
    "s3_uri_to_arn",
]
