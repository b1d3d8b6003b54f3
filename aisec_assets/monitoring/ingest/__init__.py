"""Reading LLM interaction logs into normalized `LlmEvent`s, one source and one UTC day at a time.

One module per log format (`bedrock`, `litellm`, `otel`, `apim`), each exporting a `SPEC`
(`spec.LogSourceSpec`: its section of aisec.yaml, its model, its reader, what the new-logs
sensor watches, what `aisec validate` checks), listed in `registry.LOG_SOURCES`.

Every reader returns an `IngestResult` with the events whose `event_time` falls on the day and
every rejection met while reading that day's inputs (a bad record never stops the others), and
raises `SourceUnavailable` only when the source as a whole cannot be read. Shared choices
(time zones, non-UTF-8 bytes, the raw-record size cap, which day a rejection belongs to) are
described in `_common`; each module describes its format and its own choices.
`records_read` counts every record read, whatever its day; `files_read` the files (or the
table) read.
"""

from aisec_assets.monitoring.ingest.apim import read_apim_llm_logs
from aisec_assets.monitoring.ingest.bedrock import BedrockLogsSource, read_bedrock_logs
from aisec_assets.monitoring.ingest.litellm import (
    LiteLLMSource,
    read_litellm,
    read_litellm_export,
    read_litellm_postgres,
)
from aisec_assets.monitoring.ingest.otel import read_otel_json
from aisec_assets.monitoring.ingest.registry import (
    EVENT_SOURCES,
    LOG_SOURCES,
    ConfiguredLogSource,
    configured_log_sources,
    log_source,
    log_source_problems,
)
from aisec_assets.monitoring.ingest.spec import FileLogSource, LogSourceSpec

__all__ = [
    "EVENT_SOURCES",
    "LOG_SOURCES",
    "BedrockLogsSource",
    "ConfiguredLogSource",
    "FileLogSource",
    "LiteLLMSource",
    "LogSourceSpec",
    "configured_log_sources",
    "log_source",
    "log_source_problems",
    "read_apim_llm_logs",
    "read_bedrock_logs",
    "read_litellm",
    "read_litellm_export",
    "read_litellm_postgres",
    "read_otel_json",
]
