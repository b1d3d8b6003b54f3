"""`monitoring.logs:` in aisec.yaml: the LLM log sources."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator

from aisec_resources.config.base import _Strict


class BedrockLogsSource(_Strict):
    """Bedrock model-invocation logs as AWS writes them
    (`AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz`), from a
    local directory (`path`) or from S3 (`s3_uri`, read with boto3)."""

    path: Path | None = None
    s3_uri: str | None = None
    s3_endpoint_url: str | None = None  # for S3-compatible stores and tests
    s3_region: str = "us-east-1"

    @model_validator(mode="after")
    def _one_location(self) -> BedrockLogsSource:
        if (self.path is None) == (self.s3_uri is None):
            raise ValueError("give exactly one of path or s3_uri")
        if self.s3_uri is not None and not self.s3_uri.startswith("s3://"):
            raise ValueError(f"s3_uri must start with s3:// (got {self.s3_uri!r})")
        return self


class LiteLLMSource(_Strict):
    """LiteLLM proxy spend logs: exported JSON/JSONL/CSV files under `path`, and/or the proxy's
    PostgreSQL table read directly (connection URL from the environment variable named by
    `postgres_url_env`, never written in this file)."""

    path: Path | None = None
    postgres_url_env: str | None = None
    table: str = "LiteLLM_SpendLogs"


class FileLogSource(_Strict):
    path: Path


class LogSources(_Strict):
    bedrock: BedrockLogsSource | None = None
    litellm: LiteLLMSource | None = None
    otel: FileLogSource | None = None  # OTLP JSON exports of GenAI spans and events
    azure_apim: FileLogSource | None = None  # ApiManagementGatewayLlmLog exports
