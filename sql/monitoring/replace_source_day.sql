-- Replace one log source's events and rejections of one day with this run's (registered as
-- incoming_events / incoming_rejections), in one transaction. Variables: source, event_date,
-- run_id, now. Other sources' rows and other days are untouched.
BEGIN TRANSACTION;

DELETE FROM monitoring.llm_events
WHERE event_date = getvariable('event_date') AND source = getvariable('source');

INSERT INTO monitoring.llm_events BY NAME
SELECT
    CAST(event_date AS DATE) AS event_date, event_id, source, source_record_id, source_location,
    CAST(event_time AS TIMESTAMP) AS event_time, operation_name, provider_name, request_model,
    response_model, response_id, CAST(finish_reasons AS VARCHAR[]) AS finish_reasons,
    cloud_account, cloud_region, endpoint, api_key_hash, user_id, team_id, agent_id,
    agent_name, session_id, system_prompt, prompt_text, retrieved_context, response_text,
    CAST(input_messages AS JSON) AS input_messages,
    CAST(output_messages AS JSON) AS output_messages,
    from_json(
        tool_calls_json, '[{"name":"VARCHAR","call_id":"VARCHAR","arguments":"VARCHAR"}]'
    ) AS tool_calls,
    CAST(input_tokens AS BIGINT) AS input_tokens, CAST(output_tokens AS BIGINT) AS output_tokens,
    CAST(total_tokens AS BIGINT) AS total_tokens, CAST(cost_usd AS DOUBLE) AS cost_usd,
    CAST(duration_ms AS DOUBLE) AS duration_ms, status, error_code,
    CAST(is_stream AS BOOLEAN) AS is_stream, client_ip, CAST(raw AS JSON) AS raw,
    getvariable('now') AS ingested_at, getvariable('run_id') AS run_id
FROM incoming_events;

DELETE FROM monitoring.llm_events_rejected
WHERE event_date = getvariable('event_date') AND source = getvariable('source');

INSERT INTO monitoring.llm_events_rejected
SELECT getvariable('event_date'), source, location, reason, excerpt, getvariable('now'),
       getvariable('run_id')
FROM incoming_rejections;

COMMIT;
