"""The demo estate's LLM traffic: several days of Kestrel Dynamics' model and agent logs.

`write_traffic(root, start, days, rng)` writes, under `root / LOGS_DIR`, the logs the estate's
models and agents produce, each in the format its platform publishes:

    bedrock/AWSLogs/<account>/BedrockModelInvocationLogs/us-east-1/YYYY/MM/DD/HH/*.json.gz
        Bedrock model-invocation logs (ModelInvocationLog records, one JSON per line, gzip):
        Converse and InvokeModel (Anthropic messages, Titan text, Titan embeddings) calls of
        the production account's apps, some streamed (InvokeModelWithResponseStream: the
        output body is the list of stream events), cross-region inference profiles with
        `inferenceRegion`, a throttled call without output.
    litellm/LiteLLM_SpendLogs-YYYY-MM-DD.jsonl
        Spend-log rows of the internal LLM gateway (LiteLLM proxy, prompts stored): hashed
        virtual keys (SHA-256 of keys made up at run time and never written), teams, users,
        sessions, OpenAI-format messages and responses with tool calls, spend.
    otel/genai-traces-YYYY-MM-DD.jsonl
        OTLP JSON (one ExportTraceServiceRequest per line, one trace each) with OpenTelemetry
        GenAI spans: `invoke_agent`, `chat` and `execute_tool`, for the Bedrock agents of
        the customer portal, the fraud console and the claims portal (their real agent ids,
        read from the AWS bundle) and for the in-house LangGraph support agent. Content is on
        the `gen_ai.client.inference.operation.details` event for the Bedrock-agent services
        and on span attributes for the in-house agent (both are allowed by the conventions).
        Bedrock-agent tools are named `<action group>__<function>`, as Bedrock exposes them
        to the orchestration model.
    azure-apim/ApiManagementGatewayLlmLog-YYYY-MM-DD.json
        Rows of the Log Analytics table ApiManagementGatewayLlmLog as a query export (JSON
        array; dynamic columns as JSON text, as the query API returns them) for the Azure
        OpenAI deployments behind API Management. Messages longer than 32 KB are split into
        rows with the same CorrelationId and increasing SequenceNumber; concatenating the
        chunks in order gives the JSON text of RequestMessages / ResponseMessages.

Most traffic is benign: questions, documents, code, tables, e-mails, multi-turn chats and
agents making allowed tool calls. Mixed in at a low rate are attacks of every rule family
(`ATTACK_PLAN`) and, on the last day, one LLM-jacking episode: a research team's gateway key
suddenly spends far above its trailing daily baseline, at night, from an outside address,
across many models, providers and regions.

One conversation model (`_Exchange`) is rendered into each source's format, so an attack is
the same conversation wherever it appears. Agent orchestration calls appear once (as OTel
spans), not also in the Bedrock logs, so one LLM call is one event.

The returned manifest counts events per source, day and family, lists every attack record
with its id (Bedrock requestId, LiteLLM request_id, OTel span id, APIM RequestId), names the
files, and describes the cost-abuse episode. Same arguments (and rng state) -> same bytes.

Modules: `common` (sources, directories, the conversation model `_Exchange`, ids, clock,
recording), `speech` (what users and assistants say, from `demo_estate.text`), `estate` (the
agents and models read from the AWS bundle), one writer per log format (`bedrock`, `litellm`,
`otel`, `apim`: benign traffic and rendering), `scenarios` (the attacks mixed in and the
LLM-jacking episode), `write` (`write_traffic`, `monitoring_config`, the manifest).
"""

from aisec_jobs.demo_estate.traffic.common import (
    APIM,
    APIM_CHUNK_BYTES,
    APIM_DIR,
    BEDROCK,
    BEDROCK_DIR,
    LITELLM,
    LITELLM_DIR,
    LOGS_DIR,
    MIN_DAYS,
    OTEL,
    OTEL_DIR,
    TRAFFIC_FAMILIES,
    TRAFFIC_SOURCES,
)
from aisec_jobs.demo_estate.traffic.scenarios import ATTACK_PLAN, JACKED_KEY, JACKING_REQUESTS
from aisec_jobs.demo_estate.traffic.write import MANIFEST_NAME, monitoring_config, write_traffic

__all__ = [
    "APIM",
    "APIM_CHUNK_BYTES",
    "APIM_DIR",
    "ATTACK_PLAN",
    "BEDROCK",
    "BEDROCK_DIR",
    "JACKED_KEY",
    "JACKING_REQUESTS",
    "LITELLM",
    "LITELLM_DIR",
    "LOGS_DIR",
    "MANIFEST_NAME",
    "MIN_DAYS",
    "OTEL",
    "OTEL_DIR",
    "TRAFFIC_FAMILIES",
    "TRAFFIC_SOURCES",
    "monitoring_config",
    "write_traffic",
]
