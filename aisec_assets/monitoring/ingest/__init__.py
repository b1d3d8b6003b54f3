"""Reading LLM interaction logs into normalized `LlmEvent`s, one source and one UTC day at a time.

Every reader returns an `IngestResult` with the events whose `event_time` falls on the day and
every rejection met while reading that day's inputs (a bad record never stops the others), and
raises `SourceUnavailable` only when the source as a whole cannot be read. Shared choices
(time zones, non-UTF-8 bytes, the raw-record size cap, which day a rejection belongs to) are
described in `_common`; each module describes its format and its own choices.
`records_read` counts every record read, whatever its day; `files_read` the files (or the
table) read.
"""

from aisec_assets.monitoring.ingest.apim import read_apim_llm_logs
from aisec_assets.monitoring.ingest.bedrock import read_bedrock_logs
from aisec_assets.monitoring.ingest.litellm import read_litellm_export, read_litellm_postgres
from aisec_assets.monitoring.ingest.otel import read_otel_json

__all__ = [
    "read_apim_llm_logs",
    "read_bedrock_logs",
    "read_litellm_export",
    "read_litellm_postgres",
    "read_otel_json",
]
