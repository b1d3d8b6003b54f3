-- Runtime monitoring: normalized LLM interaction events and what the rules found in them.
-- Daily partitions: re-ingesting or re-detecting a day replaces exactly that day's rows.
-- Field names follow the OpenTelemetry GenAI semantic conventions where one exists.

CREATE SCHEMA IF NOT EXISTS monitoring;

CREATE TABLE IF NOT EXISTS monitoring.llm_events (
    event_date DATE NOT NULL,
    event_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_record_id VARCHAR,
    source_location VARCHAR NOT NULL,
    event_time TIMESTAMP NOT NULL,
    operation_name VARCHAR,
    provider_name VARCHAR,
    request_model VARCHAR,
    response_model VARCHAR,
    response_id VARCHAR,
    finish_reasons VARCHAR[],
    cloud_account VARCHAR,
    cloud_region VARCHAR,
    endpoint VARCHAR,
    api_key_hash VARCHAR,
    user_id VARCHAR,
    team_id VARCHAR,
    agent_id VARCHAR,
    agent_name VARCHAR,
    session_id VARCHAR,
    system_prompt VARCHAR,
    prompt_text VARCHAR,
    retrieved_context VARCHAR,
    response_text VARCHAR,
    input_messages JSON,
    output_messages JSON,
    tool_calls STRUCT(name VARCHAR, call_id VARCHAR, arguments VARCHAR)[],
    input_tokens BIGINT,
    output_tokens BIGINT,
    total_tokens BIGINT,
    cost_usd DOUBLE,
    duration_ms DOUBLE,
    status VARCHAR,
    error_code VARCHAR,
    is_stream BOOLEAN,
    client_ip VARCHAR,
    raw JSON,
    ingested_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE monitoring.llm_events IS 'LLM interactions from every log source in one schema (OpenTelemetry GenAI names), one row per request; daily partitions by event_date (UTC).';
COMMENT ON COLUMN monitoring.llm_events.event_date IS 'Partition key: the UTC day of event_time.';
COMMENT ON COLUMN monitoring.llm_events.event_id IS 'Deterministic id: SHA-256 of source and source_record_id (or of source, location and position when the record has no id).';
COMMENT ON COLUMN monitoring.llm_events.source IS 'bedrock_invocation_log | litellm_spend_log | otel_genai | azure_apim_llm_log.';
COMMENT ON COLUMN monitoring.llm_events.source_record_id IS 'The record''s own id (Bedrock requestId, LiteLLM request_id, span id, APIM RequestId).';
COMMENT ON COLUMN monitoring.llm_events.source_location IS 'Where the record was read: file path and line, s3:// URI and line, or table and key.';
COMMENT ON COLUMN monitoring.llm_events.event_time IS 'When the request started (UTC).';
COMMENT ON COLUMN monitoring.llm_events.operation_name IS 'gen_ai.operation.name: chat, text_completion, embeddings, invoke_agent, execute_tool, ...';
COMMENT ON COLUMN monitoring.llm_events.provider_name IS 'gen_ai.provider.name: aws.bedrock, azure.ai.openai, openai, anthropic, ...';
COMMENT ON COLUMN monitoring.llm_events.request_model IS 'gen_ai.request.model (Bedrock modelId, deployment model, LiteLLM model).';
COMMENT ON COLUMN monitoring.llm_events.endpoint IS 'Deployment, endpoint or model group the request went to.';
COMMENT ON COLUMN monitoring.llm_events.api_key_hash IS 'Fingerprint of the API key (salted SHA-256 prefix of the gateway''s key hash); never the key.';
COMMENT ON COLUMN monitoring.llm_events.user_id IS 'Caller: IAM identity ARN, gateway user or end user.';
COMMENT ON COLUMN monitoring.llm_events.session_id IS 'gen_ai.conversation.id or the gateway session.';
COMMENT ON COLUMN monitoring.llm_events.system_prompt IS 'gen_ai.system_instructions: the system prompt sent with the request.';
COMMENT ON COLUMN monitoring.llm_events.prompt_text IS 'Text the user sent (user turns of the input), for the prompt rules.';
COMMENT ON COLUMN monitoring.llm_events.retrieved_context IS 'Text the application inserted from tools and retrieval (tool results, documents), for indirect-injection rules.';
COMMENT ON COLUMN monitoring.llm_events.response_text IS 'Text the model returned.';
COMMENT ON COLUMN monitoring.llm_events.input_messages IS 'gen_ai.input.messages: [{role, content}].';
COMMENT ON COLUMN monitoring.llm_events.output_messages IS 'gen_ai.output.messages: [{role, content}].';
COMMENT ON COLUMN monitoring.llm_events.tool_calls IS 'Tool calls the model made: name, call id, arguments (JSON text).';
COMMENT ON COLUMN monitoring.llm_events.cost_usd IS 'Spend in USD when the source reports it (LiteLLM spend).';
COMMENT ON COLUMN monitoring.llm_events.raw IS 'The source record as read, credential-shaped text redacted.';

CREATE TABLE IF NOT EXISTS monitoring.llm_events_rejected (
    event_date DATE NOT NULL,
    source VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    excerpt VARCHAR,
    ingested_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL
);
COMMENT ON TABLE monitoring.llm_events_rejected IS 'Log records that could not be parsed, with source, position and reason; partitioned like llm_events (the day being ingested).';
COMMENT ON COLUMN monitoring.llm_events_rejected.location IS 'File (and line / byte offset), S3 object or table row of the bad record.';
