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

-- ---------------------------------------------------------------- detections
CREATE TABLE IF NOT EXISTS monitoring.detection_rules (
    rule_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    description VARCHAR,
    family VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    owasp VARCHAR[] NOT NULL,
    atlas VARCHAR[] NOT NULL,
    targets VARCHAR[] NOT NULL,
    logic_kind VARCHAR NOT NULL,
    logic JSON NOT NULL,
    tier VARCHAR NOT NULL,
    enabled BOOLEAN NOT NULL,
    pack_name VARCHAR NOT NULL,
    pack_version VARCHAR NOT NULL,
    pack_path VARCHAR NOT NULL,
    pack_sha256 VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE monitoring.detection_rules IS 'The detection rule pack in use, one row per rule (rules are data: aisec_assets/monitoring/rule_pack.yaml or monitoring.rule_pack); rewritten whenever the pack is loaded.';
COMMENT ON COLUMN monitoring.detection_rules.rule_id IS 'Stable rule id, e.g. AISEC-LLM-001; detections refer to it.';
COMMENT ON COLUMN monitoring.detection_rules.family IS 'prompt_injection | indirect_injection | jailbreak | system_prompt_extraction | system_prompt_leakage | pii_output | secret_output | exfiltration_url | anomalous_output | cost_abuse | llm_jacking | unauthorized_tool_call | excessive_tool_calls | harmful_request.';
COMMENT ON COLUMN monitoring.detection_rules.severity IS 'critical | high | medium | low.';
COMMENT ON COLUMN monitoring.detection_rules.owasp IS 'OWASP Top 10 for LLM Applications 2025 ids (LLM01..LLM10).';
COMMENT ON COLUMN monitoring.detection_rules.atlas IS 'MITRE ATLAS technique / mitigation ids (AML.Txxxx, AML.Mxxxx).';
COMMENT ON COLUMN monitoring.detection_rules.targets IS 'monitoring.llm_events columns the rule reads.';
COMMENT ON COLUMN monitoring.detection_rules.logic_kind IS 'pattern | similarity | session_shift | classifier (per event); baseline | distinct_spread | allow_list | rate (aggregate).';
COMMENT ON COLUMN monitoring.detection_rules.logic IS 'The rule''s logic as in the pack (regexes, thresholds, windows), JSON.';
COMMENT ON COLUMN monitoring.detection_rules.tier IS 'per_event: one verdict per event; aggregate: one verdict per key and day, pinned to the event that crossed the threshold.';
COMMENT ON COLUMN monitoring.detection_rules.pack_sha256 IS 'SHA-256 of the rule pack file, to tell which pack version produced a detection.';

CREATE TABLE IF NOT EXISTS monitoring.detections (
    event_date DATE NOT NULL,
    detection_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    rule_title VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    logic_kind VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    event_time TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    asset_id VARCHAR,
    asset_match VARCHAR,
    target_field VARCHAR,
    subject VARCHAR,
    evidence VARCHAR,
    owasp VARCHAR[] NOT NULL,
    atlas VARCHAR[] NOT NULL,
    api_key_hash VARCHAR,
    user_id VARCHAR,
    session_id VARCHAR,
    agent_id VARCHAR,
    detected_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL
);
-- Added with the classifier tier; warehouses created before it get the column here.
ALTER TABLE monitoring.detections ADD COLUMN IF NOT EXISTS score DOUBLE;
COMMENT ON TABLE monitoring.detections IS 'What the detection rules found in monitoring.llm_events: one row per hit (rule, event, subject); daily partitions by event_date, re-detecting a day replaces exactly that day.';
COMMENT ON COLUMN monitoring.detections.event_date IS 'Partition key: the UTC day of the event.';
COMMENT ON COLUMN monitoring.detections.detection_id IS 'Deterministic id: SHA-256 prefix of rule_id, event_id and subject; the same hit keeps its id across reruns.';
COMMENT ON COLUMN monitoring.detections.rule_id IS 'The rule that fired (monitoring.detection_rules.rule_id).';
COMMENT ON COLUMN monitoring.detections.event_id IS 'The event that matched; for aggregate rules the event at which the threshold was crossed.';
COMMENT ON COLUMN monitoring.detections.asset_id IS 'Inventory asset the event concerns (inventory.ai_assets), matched by agent id / agent name / endpoint / model (sql/monitoring/event_assets.sql); NULL when unknown or ambiguous.';
COMMENT ON COLUMN monitoring.detections.asset_match IS 'How the asset was matched: agent_id, agent_name, endpoint, model; ambiguous when several assets tied (asset_id NULL).';
COMMENT ON COLUMN monitoring.detections.target_field IS 'The llm_events field the rule matched in (prompt_text, response_text, tool_calls, ...) or the measured column of an aggregate rule.';
COMMENT ON COLUMN monitoring.detections.subject IS 'What an aggregate rule grouped by, e.g. api_key_hash=kfp_..., agent_id=... session_id=...; NULL for per-event rules.';
COMMENT ON COLUMN monitoring.detections.evidence IS 'The matched span with context, or the measured values; credential-shaped text masked, capped at 400 characters.';
COMMENT ON COLUMN monitoring.detections.owasp IS 'OWASP LLM 2025 ids of the rule.';
COMMENT ON COLUMN monitoring.detections.atlas IS 'MITRE ATLAS ids of the rule.';
COMMENT ON COLUMN monitoring.detections.detected_at IS 'When the detection run wrote the row (UTC).';
COMMENT ON COLUMN monitoring.detections.rule_title IS 'Title of the rule, as in the pack that produced the row.';
COMMENT ON COLUMN monitoring.detections.family IS 'Rule family (see monitoring.detection_rules.family).';
COMMENT ON COLUMN monitoring.detections.severity IS 'critical | high | medium | low.';
COMMENT ON COLUMN monitoring.detections.logic_kind IS 'pattern | similarity | session_shift | classifier | baseline | distinct_spread | allow_list | rate.';
COMMENT ON COLUMN monitoring.detections.event_time IS 'When the event started (UTC).';
COMMENT ON COLUMN monitoring.detections.source IS 'Log source of the event (monitoring.llm_events.source).';
COMMENT ON COLUMN monitoring.detections.api_key_hash IS 'The event''s API-key fingerprint (never the key), for grouping detections into incidents.';
COMMENT ON COLUMN monitoring.detections.user_id IS 'The event''s caller.';
COMMENT ON COLUMN monitoring.detections.session_id IS 'The event''s conversation or gateway session.';
COMMENT ON COLUMN monitoring.detections.agent_id IS 'The event''s agent id, when an agent made the call.';
COMMENT ON COLUMN monitoring.detections.run_id IS 'Dagster run (or caller-given id) that wrote the row.';
COMMENT ON COLUMN monitoring.detections.score IS 'Classifier rules (logic_kind classifier): the model''s P(attack) of the deciding text or window, 0..1; surprisal rules: the deciding window''s surprisal margin in bits per character; NULL for the other rules.';
