-- Evidence facts for one day: what discovery, dependencies and declarations show about each
-- active asset's controls (the vocabulary is EVIDENCE_FACTS in aisec_assets/controls/library.py).
-- Variables: assessed_date DATE, stale_review_days BIGINT. Replaces the day's rows of
-- controls.evidence_facts; the caller runs it inside one transaction.
--
-- Each fact has a state: implemented, partly (present but not fully effective: a DRAFT
-- guardrail, a LOW filter, public access restricted by ACLs only) or missing (observed absent).
-- A fact nobody observed has no row. An invalid value never counts as a control in place.

-- An asset inherits its guardrail's policy facts only at the strength of the guardrail in use:
-- a filter of a DRAFT or not-READY guardrail counts as partly.
CREATE OR REPLACE MACRO controls.inherited_state(state, guardrail_active) AS
    CASE WHEN NOT guardrail_active AND state = 'implemented' THEN 'partly' ELSE state END;

DELETE FROM controls.evidence_facts WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO controls.evidence_facts
WITH
assets AS (
    SELECT
        a.*,
        coalesce(a.invalid_fields, []) AS invalid,
        json_extract(a.posture, '$.aws_bedrock') AS bedrock,
        json_extract(a.posture, '$.aws_sagemaker') AS sagemaker,
        json_extract(a.posture, '$.azure_openai') AS azure,
        json_extract(a.posture, '$.huggingface') AS hf
    FROM inventory.ai_assets AS a
    WHERE a.status = 'active'
),
-- The guardrail assets' own policy facts, so an asset using one (uses_guardrail) inherits them.
guardrail_policies AS (
    SELECT
        asset_id,
        name,
        json_extract_string(bedrock, '$.prompt_attack_filter_strength') AS prompt_attack,
        coalesce(json_array_length(json_extract(bedrock, '$.pii_entities')) > 0
                 OR json_keys(json_extract(bedrock, '$.pii_entities')) <> [], false)
            OR coalesce(TRY_CAST(json_extract_string(bedrock, '$.regex_filters') AS INTEGER) > 0, false)
            AS sensitive_info,
        coalesce(json_keys(json_extract(bedrock, '$.content_filters')) <> [], false) AS content_filter,
        coalesce(json_keys(json_extract(bedrock, '$.contextual_grounding')) <> [], false) AS grounding,
        json_extract_string(bedrock, '$.guardrail_status') AS guardrail_status,
        coalesce(TRY_CAST(json_extract_string(bedrock, '$.published') AS BOOLEAN), false) AS published
    FROM assets
    WHERE asset_type = 'guardrail_config' AND bedrock IS NOT NULL
),
guardrail_uses AS (
    SELECT d.from_asset_id AS asset_id, g.* EXCLUDE (asset_id),
           g.published AND coalesce(g.guardrail_status, 'READY') = 'READY' AS active
    FROM inventory.asset_dependencies AS d
    JOIN guardrail_policies AS g ON g.asset_id = d.to_asset_id
    WHERE d.relation = 'uses_guardrail'
),
facts AS (
    -- Operational controls the inventory lists (discovered posture or declared registry).
    -- (unnest in the select list: a lateral unnest would be planned as a join back to assets.)
    SELECT asset_id, 'control.' || c.type AS fact,
           CASE WHEN c.operational THEN 'implemented' ELSE 'partly' END AS state,
           c.evidence,
           CASE WHEN c.source = 'declared_registry' THEN 'declared' ELSE 'discovered' END AS source
    FROM (SELECT asset_id, unnest(controls) AS c FROM assets)
    WHERE c.type IS NOT NULL

    -- Guardrail attached: the Bedrock agent's guardrail configuration ...
    UNION ALL
    SELECT asset_id, 'guardrail.attached',
           CASE
               WHEN NOT coalesce(TRY_CAST(json_extract_string(bedrock, '$.guardrail_attached') AS BOOLEAN), false)
                   THEN 'missing'
               WHEN json_extract_string(bedrock, '$.guardrail.version') = 'DRAFT'
                    OR coalesce(json_extract_string(bedrock, '$.guardrail.status'), 'READY') <> 'READY'
                   THEN 'partly'
               ELSE 'implemented'
           END,
           CASE
               WHEN NOT coalesce(TRY_CAST(json_extract_string(bedrock, '$.guardrail_attached') AS BOOLEAN), false)
                   THEN 'bedrock-agent:GetAgent: no guardrail configured'
               ELSE printf('bedrock-agent:GetAgent: guardrail %s version %s (%s)',
                           coalesce(json_extract_string(bedrock, '$.guardrail.arn'), '?'),
                           coalesce(json_extract_string(bedrock, '$.guardrail.version'), '?'),
                           coalesce(json_extract_string(bedrock, '$.guardrail.status'), '?'))
           END,
           'discovered'
    FROM assets
    WHERE asset_type = 'ai_agent' AND json_extract(bedrock, '$.guardrail_attached') IS NOT NULL
    -- ... a uses_guardrail dependency on an active guardrail asset ...
    UNION ALL
    SELECT asset_id, 'guardrail.attached',
           CASE WHEN published AND coalesce(guardrail_status, 'READY') = 'READY' THEN 'implemented'
                ELSE 'partly' END,
           printf('uses guardrail %s (%s%s)', name, coalesce(guardrail_status, 'status unknown'),
                  CASE WHEN published THEN ', published' ELSE ', DRAFT only' END),
           'dependency'
    FROM guardrail_uses
    -- ... or an Azure deployment's content filter (RAI policy).
    UNION ALL
    SELECT asset_id, 'guardrail.attached',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(azure, '$.content_filter_attached') AS BOOLEAN), false)
                THEN 'implemented' ELSE 'missing' END,
           printf('Azure deployment RAI policy %s',
                  coalesce(json_extract_string(azure, '$.rai_policy_name'), 'none')),
           'discovered'
    FROM assets WHERE json_extract(azure, '$.content_filter_attached') IS NOT NULL

    -- Prompt-attack / jailbreak filtering.
    UNION ALL
    SELECT asset_id, 'guardrail.prompt_attack_filter',
           CASE WHEN prompt_attack IN ('HIGH', 'MEDIUM') THEN 'implemented'
                WHEN prompt_attack = 'LOW' THEN 'partly' ELSE 'missing' END,
           printf('guardrail %s: PROMPT_ATTACK filter %s', name, coalesce(prompt_attack, 'NONE')),
           'discovered'
    FROM guardrail_policies
    UNION ALL
    SELECT asset_id, 'guardrail.prompt_attack_filter',
           controls.inherited_state(
               CASE WHEN prompt_attack IN ('HIGH', 'MEDIUM') THEN 'implemented'
                    WHEN prompt_attack = 'LOW' THEN 'partly' ELSE 'missing' END, active),
           printf('uses guardrail %s: PROMPT_ATTACK filter %s', name, coalesce(prompt_attack, 'NONE')),
           'dependency'
    FROM guardrail_uses
    UNION ALL
    SELECT asset_id, 'guardrail.prompt_attack_filter',
           CASE json_extract_string(azure, '$.prompt_shield_jailbreak')
               WHEN 'block' THEN 'implemented' WHEN 'annotate' THEN 'partly' ELSE 'missing' END,
           printf('Azure content filter %s: jailbreak prompt shield %s',
                  coalesce(json_extract_string(azure, '$.rai_policy_name'), 'none'),
                  coalesce(json_extract_string(azure, '$.prompt_shield_jailbreak'), 'off')),
           'discovered'
    FROM assets WHERE json_extract(azure, '$.prompt_shield_jailbreak') IS NOT NULL

    -- Sensitive-information (PII / regex) filtering.
    UNION ALL
    SELECT asset_id, 'guardrail.sensitive_info_filter',
           CASE WHEN sensitive_info THEN 'implemented' ELSE 'missing' END,
           printf('guardrail %s: %s', name,
                  CASE WHEN sensitive_info THEN 'PII entity or regex filters set'
                       ELSE 'no PII or regex filter' END),
           'discovered'
    FROM guardrail_policies
    UNION ALL
    SELECT asset_id, 'guardrail.sensitive_info_filter',
           controls.inherited_state(CASE WHEN sensitive_info THEN 'implemented' ELSE 'missing' END, active),
           printf('uses guardrail %s: %s', name,
                  CASE WHEN sensitive_info THEN 'PII entity or regex filters set'
                       ELSE 'no PII or regex filter' END),
           'dependency'
    FROM guardrail_uses

    -- Harmful-content filtering.
    UNION ALL
    SELECT asset_id, 'guardrail.content_filter',
           controls.inherited_state(CASE WHEN content_filter THEN 'implemented' ELSE 'missing' END, active),
           printf('guardrail %s: %s', name,
                  CASE WHEN content_filter THEN 'content filters set' ELSE 'no content filter' END),
           source
    FROM (
        SELECT asset_id, name, content_filter, 'discovered' AS source, true AS active FROM guardrail_policies
        UNION ALL
        SELECT asset_id, name, content_filter, 'dependency', active FROM guardrail_uses
    )
    UNION ALL
    SELECT asset_id, 'guardrail.content_filter',
           CASE WHEN coalesce(json_array_length(json_extract(azure, '$.content_filter.completion_blocking')), 0) > 0
                THEN 'implemented' ELSE 'missing' END,
           printf('Azure content filter %s blocks completions: %s',
                  coalesce(json_extract_string(azure, '$.rai_policy_name'), 'none'),
                  coalesce(array_to_string(
                      CAST(json_extract(azure, '$.content_filter.completion_blocking') AS VARCHAR[]), ', '),
                      'nothing')),
           'discovered'
    FROM assets WHERE json_extract(azure, '$.content_filter_attached') IS NOT NULL

    -- Contextual grounding and a published guardrail version.
    UNION ALL
    SELECT asset_id, 'guardrail.contextual_grounding',
           controls.inherited_state(CASE WHEN grounding THEN 'implemented' ELSE 'missing' END, active),
           printf('guardrail %s: contextual grounding %s', name,
                  CASE WHEN grounding THEN 'on' ELSE 'off' END),
           source
    FROM (
        SELECT asset_id, name, grounding, 'discovered' AS source, true AS active FROM guardrail_policies
        UNION ALL
        SELECT asset_id, name, grounding, 'dependency', active FROM guardrail_uses
    )
    UNION ALL
    SELECT asset_id, 'guardrail.published',
           CASE WHEN published AND coalesce(guardrail_status, 'READY') = 'READY' THEN 'implemented'
                ELSE 'partly' END,
           printf('guardrail %s: %s', name,
                  CASE WHEN published THEN 'published version in use' ELSE 'DRAFT only' END),
           source
    FROM (
        SELECT asset_id, name, published, guardrail_status, 'discovered' AS source FROM guardrail_policies
        UNION ALL
        SELECT asset_id, name, published, guardrail_status, 'dependency' FROM guardrail_uses
    )

    -- Invocation logging (Bedrock model invocation logging, SageMaker data capture).
    UNION ALL
    SELECT asset_id, 'logging.invocation',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(bedrock, '$.invocation_logging') AS BOOLEAN), false)
                THEN 'implemented' ELSE 'missing' END,
           printf('bedrock:GetModelInvocationLoggingConfiguration: %s',
                  CASE WHEN coalesce(TRY_CAST(json_extract_string(bedrock, '$.invocation_logging') AS BOOLEAN), false)
                       THEN 'on' ELSE 'off' END),
           'discovered'
    FROM assets WHERE json_extract(bedrock, '$.invocation_logging') IS NOT NULL
    UNION ALL
    SELECT asset_id, 'logging.invocation',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(sagemaker, '$.data_capture.enabled') AS BOOLEAN), false)
                THEN 'implemented' ELSE 'missing' END,
           printf('sagemaker:DescribeEndpointConfig data capture %s',
                  coalesce(json_extract_string(sagemaker, '$.data_capture.destination'), 'off')),
           'discovered'
    FROM assets WHERE json_extract(sagemaker, '$.endpoint_config_collected') IS NOT NULL

    -- Private network access.
    UNION ALL
    SELECT asset_id, 'network.private_access',
           CASE
               WHEN json_extract_string(azure, '$.public_network_access') = 'Disabled' THEN 'implemented'
               WHEN json_extract_string(azure, '$.network_acl_default_action') = 'Deny' THEN 'partly'
               ELSE 'missing'
           END,
           coalesce(json_extract_string(azure, '$.network_exposure_reason'),
                    'public network access ' || coalesce(json_extract_string(azure, '$.public_network_access'), 'unknown')),
           'discovered'
    FROM assets WHERE json_extract(azure, '$.public_network_access') IS NOT NULL
    UNION ALL
    SELECT asset_id, 'network.private_access',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(sagemaker, '$.network_isolated') AS BOOLEAN), false)
                THEN 'implemented' ELSE 'missing' END,
           CASE WHEN coalesce(TRY_CAST(json_extract_string(sagemaker, '$.network_isolated') AS BOOLEAN), false)
                THEN 'SageMaker network isolation / VPC configured' ELSE 'SageMaker: no network isolation' END,
           'discovered'
    FROM assets WHERE json_extract(sagemaker, '$.network_isolated') IS NOT NULL
    UNION ALL
    SELECT asset_id, 'network.private_access',
           CASE WHEN network_exposure IN ('internal', 'vpc') AND NOT list_contains(invalid, 'network_exposure')
                THEN 'implemented' ELSE 'missing' END,
           'network exposure ' || CASE WHEN list_contains(invalid, 'network_exposure') THEN 'invalid'
                                       ELSE network_exposure END,
           'inventory'
    FROM assets WHERE network_exposure IS NOT NULL OR list_contains(invalid, 'network_exposure')

    -- Keyless (identity-only) authentication.
    UNION ALL
    SELECT asset_id, 'auth.keyless',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(azure, '$.disable_local_auth') AS BOOLEAN), false)
                THEN 'implemented' ELSE 'missing' END,
           CASE WHEN coalesce(TRY_CAST(json_extract_string(azure, '$.disable_local_auth') AS BOOLEAN), false)
                THEN 'Azure disableLocalAuth: true (Entra ID only)'
                ELSE 'Azure disableLocalAuth: false (API keys accepted)' END,
           'discovered'
    FROM assets WHERE json_extract(azure, '$.disable_local_auth') IS NOT NULL

    -- Customer-managed encryption keys.
    UNION ALL
    SELECT asset_id, 'encryption.customer_managed_key',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(azure, '$.customer_managed_key') AS BOOLEAN), false)
                THEN 'implemented' ELSE 'missing' END,
           'Azure encryption key source ' || coalesce(json_extract_string(azure, '$.encryption_key_source'), 'unknown'),
           'discovered'
    FROM assets WHERE json_extract(azure, '$.customer_managed_key') IS NOT NULL
    UNION ALL
    SELECT asset_id, 'encryption.customer_managed_key',
           CASE WHEN coalesce(json_extract_string(p, '$.encryption_key'), '') = 'customer_managed'
                     OR json_extract_string(p, '$.ingestion_kms_key_arn') IS NOT NULL
                THEN 'implemented' ELSE 'missing' END,
           'AWS encryption key: ' || coalesce(json_extract_string(p, '$.encryption_key'),
                                              CASE WHEN json_extract_string(p, '$.ingestion_kms_key_arn') IS NOT NULL
                                                   THEN 'customer_managed (ingestion)' END,
                                              'unknown'),
           'discovered'
    FROM (SELECT asset_id, bedrock AS p FROM assets UNION ALL SELECT asset_id, sagemaker FROM assets)
    WHERE json_extract(p, '$.encryption_key') IS NOT NULL
       OR json_extract(p, '$.ingestion_kms_key_arn') IS NOT NULL

    -- Model files in a format that cannot execute code.
    UNION ALL
    SELECT asset_id, 'model_files.safe_format',
           CASE
               WHEN coalesce(json_array_length(json_extract(hf, '$.unsafe_imports')), 0) > 0 THEN 'missing'
               WHEN coalesce(json_array_length(json_extract(hf, '$.pickle_files')), 0) > 0 THEN 'partly'
               ELSE 'implemented'
           END,
           CASE
               WHEN coalesce(json_array_length(json_extract(hf, '$.unsafe_imports')), 0) > 0
                   THEN 'pickle imports code-executing callables: '
                        || array_to_string(CAST(json_extract(hf, '$.unsafe_imports') AS VARCHAR[]), ', ')
               WHEN coalesce(json_array_length(json_extract(hf, '$.pickle_files')), 0) > 0
                   THEN 'pickle files present (no unsafe import found): '
                        || array_to_string(CAST(json_extract(hf, '$.pickle_files') AS VARCHAR[]), ', ')
               ELSE 'weights in safetensors/GGUF only'
           END,
           'discovered'
    FROM assets WHERE coalesce(json_array_length(json_extract(hf, '$.model_files')), 0) > 0

    -- Agents: code interpreter, confirmation before actions, declared tool schemas.
    UNION ALL
    SELECT asset_id, 'agent.code_interpreter_disabled',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(bedrock, '$.code_interpreter_enabled') AS BOOLEAN), true)
                THEN 'missing' ELSE 'implemented' END,
           CASE WHEN coalesce(TRY_CAST(json_extract_string(bedrock, '$.code_interpreter_enabled') AS BOOLEAN), true)
                THEN 'AMAZON.CodeInterpreter action group enabled' ELSE 'no code interpreter action group' END,
           'discovered'
    FROM assets WHERE json_extract(bedrock, '$.code_interpreter_enabled') IS NOT NULL
    UNION ALL
    SELECT asset_id, 'agent.human_confirmation',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(bedrock, '$.return_control') AS BOOLEAN), false)
                THEN 'implemented' ELSE 'missing' END,
           CASE WHEN coalesce(TRY_CAST(json_extract_string(bedrock, '$.return_control') AS BOOLEAN), false)
                THEN 'action groups return control to the application (RETURN_CONTROL)'
                ELSE 'action groups execute directly (Lambda), no confirmation step' END,
           'discovered'
    FROM assets WHERE json_extract(bedrock, '$.return_control') IS NOT NULL
    UNION ALL
    SELECT asset_id, 'agent.tool_schema_defined',
           CASE WHEN coalesce(TRY_CAST(json_extract_string(bedrock, '$.api_schema_present') AS BOOLEAN), false)
                THEN 'implemented' ELSE 'missing' END,
           CASE WHEN coalesce(TRY_CAST(json_extract_string(bedrock, '$.api_schema_present') AS BOOLEAN), false)
                THEN 'action groups declare an API schema' ELSE 'no action group declares an API schema' END,
           'discovered'
    FROM assets WHERE json_extract(bedrock, '$.api_schema_present') IS NOT NULL

    -- No secrets in serving configuration.
    UNION ALL
    SELECT asset_id, 'secrets.none_in_config',
           CASE WHEN coalesce(json_array_length(json_extract(sagemaker, '$.secret_like_environment_variables')), 0) > 0
                THEN 'missing' ELSE 'implemented' END,
           CASE WHEN coalesce(json_array_length(json_extract(sagemaker, '$.secret_like_environment_variables')), 0) > 0
                THEN 'secret-like container environment variables: '
                     || array_to_string(CAST(json_extract(sagemaker, '$.secret_like_environment_variables') AS VARCHAR[]), ', ')
                ELSE 'no secret-like container environment variable' END,
           'discovered'
    FROM assets WHERE json_extract(sagemaker, '$.secret_like_environment_variables') IS NOT NULL

    -- Hard throughput limits.
    UNION ALL
    SELECT asset_id, 'rate_limit.quota', 'implemented',
           printf('Azure deployment capacity %s (TPM quota units)',
                  json_extract_string(azure, '$.deployment_capacity')),
           'discovered'
    FROM assets WHERE TRY_CAST(json_extract_string(azure, '$.deployment_capacity') AS DOUBLE) > 0
    UNION ALL
    SELECT asset_id, 'rate_limit.quota', 'implemented',
           printf('Bedrock provisioned throughput: %s model units',
                  json_extract_string(bedrock, '$.model_units')),
           'discovered'
    FROM assets WHERE TRY_CAST(json_extract_string(bedrock, '$.model_units') AS DOUBLE) > 0

    -- Facts of the record itself (declared or merged).
    UNION ALL
    SELECT asset_id, 'sbom.available',
           CASE WHEN sbom_available AND NOT list_contains(invalid, 'sbom_available') THEN 'implemented'
                ELSE 'missing' END,
           CASE WHEN list_contains(invalid, 'sbom_available') THEN 'sbom_available invalid'
                WHEN sbom_available THEN 'AI-SBOM available' ELSE 'no AI-SBOM' END,
           'inventory'
    FROM assets
    UNION ALL
    SELECT asset_id, 'review.current',
           CASE
               WHEN last_security_review IS NULL OR list_contains(invalid, 'last_security_review') THEN 'missing'
               WHEN date_diff('day', last_security_review, CAST(getvariable('assessed_date') AS DATE))
                    > getvariable('stale_review_days') THEN 'partly'
               ELSE 'implemented'
           END,
           CASE
               WHEN list_contains(invalid, 'last_security_review') THEN 'last security review invalid'
               WHEN last_security_review IS NULL THEN 'no security review on record'
               ELSE printf('last security review %s', last_security_review)
           END,
           'inventory'
    FROM assets
    UNION ALL
    SELECT asset_id, 'ownership.assigned',
           CASE WHEN nullif(trim(owner_team), '') IS NOT NULL AND NOT list_contains(invalid, 'owner_team')
                THEN 'implemented' ELSE 'missing' END,
           CASE WHEN nullif(trim(owner_team), '') IS NOT NULL AND NOT list_contains(invalid, 'owner_team')
                THEN 'owned by ' || owner_team ELSE 'no owning team' END,
           'inventory'
    FROM assets
    UNION ALL
    SELECT asset_id, 'data.classified',
           CASE WHEN data_classification IS NOT NULL AND NOT list_contains(invalid, 'data_classification')
                THEN 'implemented' ELSE 'missing' END,
           CASE WHEN list_contains(invalid, 'data_classification') THEN 'data classification invalid'
                WHEN data_classification IS NULL THEN 'no data classification'
                ELSE 'classified ' || data_classification END,
           'inventory'
    FROM assets
)
SELECT CAST(getvariable('assessed_date') AS DATE), asset_id, fact, state, evidence, source
FROM facts;
