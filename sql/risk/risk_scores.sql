-- Risk assessment of every active asset for one day (SPEC 3.2; the brief's Phase 2).
--
-- Variables: assessed_date DATE, run_id VARCHAR, scored_at TIMESTAMP.
-- Reads inventory.ai_assets and the risk model tables (sql/risk/model_tables.sql); replaces
-- the day's rows of risk.risk_scores. The caller runs this file inside one transaction, so
-- readers see either the old day or the new one. One set-based statement over the whole
-- inventory; the per-asset Python restatement it is tested against is
-- tests/risk_reference.py.
--
-- Bad input never lowers risk: a field named in inventory.ai_assets.invalid_fields (a source
-- gave an invalid value) scores at its worst case (worst_cases below), an absent one (NULL) as
-- unknown.
--
-- Floating point is reproduced exactly, not approximately: the inherent score is one
-- left-to-right sum in the brief's dimension order, the effectiveness adds control weights in
-- control-type name order, and rounding uses risk.round2 (Python's round semantics).

DELETE FROM risk.risk_scores
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO risk.risk_scores BY NAME
WITH
scalar_parameters AS (
    SELECT
        max(value) FILTER (WHERE name = 'data_sensitivity.unknown') AS data_unknown,
        max(value) FILTER (WHERE name = 'deployment_exposure.unknown_exposure') AS exposure_unknown,
        max(value) FILTER (WHERE name = 'deployment_exposure.unknown_env') AS env_unknown,
        max(value) FILTER (WHERE name = 'deployment_exposure.cap') AS exposure_cap,
        max(value) FILTER (WHERE name = 'model_provenance.self_hosted') AS provenance_self_hosted,
        max(value) FILTER (WHERE name = 'model_provenance.other') AS provenance_other,
        max(value) FILTER (WHERE name = 'model_provenance.never_reviewed_penalty') AS never_reviewed_penalty,
        max(value) FILTER (WHERE name = 'model_provenance.stale_review_penalty') AS stale_review_penalty,
        max(value) FILTER (WHERE name = 'model_provenance.cap') AS provenance_cap,
        max(value) FILTER (WHERE name = 'regulatory_impact.no_scope') AS no_scope,
        max(value) FILTER (WHERE name = 'regulatory_impact.high_impact') AS high_impact,
        max(value) FILTER (WHERE name = 'regulatory_impact.other_scope') AS other_scope,
        max(value) FILTER (WHERE name = 'capability_risk.other') AS capability_other,
        max(value) FILTER (WHERE name = 'supply_chain.base') AS supply_chain_base,
        max(value) FILTER (WHERE name = 'supply_chain.sbom_credit') AS sbom_credit,
        max(value) FILTER (WHERE name = 'supply_chain.known_license_credit') AS known_license_credit,
        max(value) FILTER (WHERE name = 'supply_chain.huggingface_penalty') AS huggingface_penalty,
        max(value) FILTER (WHERE name = 'levels.critical') AS level_critical,
        max(value) FILTER (WHERE name = 'levels.high') AS level_high,
        max(value) FILTER (WHERE name = 'levels.medium') AS level_medium,
        CAST(max(value) FILTER (WHERE name = 'stale_review_days') AS BIGINT) AS stale_review_days,
        CAST(max(value) FILTER (WHERE name = 'max_recommendation_drivers') AS BIGINT) AS max_drivers
    FROM risk.model_parameters
),
dimension_weights AS (
    SELECT
        max(weight) FILTER (WHERE dimension = 'data_sensitivity') AS w_data_sensitivity,
        max(weight) FILTER (WHERE dimension = 'deployment_exposure') AS w_deployment_exposure,
        max(weight) FILTER (WHERE dimension = 'model_provenance') AS w_model_provenance,
        max(weight) FILTER (WHERE dimension = 'regulatory_impact') AS w_regulatory_impact,
        max(weight) FILTER (WHERE dimension = 'capability_risk') AS w_capability_risk,
        max(weight) FILTER (WHERE dimension = 'supply_chain') AS w_supply_chain
    FROM risk.model_dimension_weights
),
lookup_maps AS (
    SELECT
        map_from_entries(list((key, value)) FILTER (WHERE lookup = 'data_classification')) AS data_classification_scores,
        map_from_entries(list((key, value)) FILTER (WHERE lookup = 'network_exposure')) AS network_exposure_scores,
        map_from_entries(list((key, value)) FILTER (WHERE lookup = 'deployment_env')) AS deployment_env_multipliers,
        map_from_entries(list((key, value)) FILTER (WHERE lookup = 'model_provider')) AS model_provider_scores,
        map_from_entries(list((key, value)) FILTER (WHERE lookup = 'asset_type')) AS asset_type_scores
    FROM risk.model_lookup_values
),
list_parameters AS (
    SELECT
        (SELECT list(control_type ORDER BY control_type) FROM risk.model_control_weights)
            AS control_types,
        (SELECT list(weight ORDER BY control_type) FROM risk.model_control_weights)
            AS control_type_weights,
        coalesce((SELECT list(scope) FROM risk.model_high_impact_scopes), CAST([] AS VARCHAR[]))
            AS high_impact_scopes,
        -- Per dimension (in the brief's order), its recommendations in configured order.
        (
            SELECT list(coalesce(r.advice, []) ORDER BY d.dimension_order)
            FROM (VALUES
                (1, 'data_sensitivity'), (2, 'deployment_exposure'), (3, 'model_provenance'),
                (4, 'regulatory_impact'), (5, 'capability_risk'), (6, 'supply_chain')
            ) AS d(dimension_order, dimension)
            LEFT JOIN (
                SELECT dimension, list({'above': above, 'text': text} ORDER BY position) AS advice
                FROM risk.model_recommendations
                GROUP BY dimension
            ) AS r USING (dimension)
        ) AS recommendations_by_dimension,
        [
            'data_sensitivity', 'deployment_exposure', 'model_provenance',
            'regulatory_impact', 'capability_risk', 'supply_chain'
        ] AS dimension_names
),
-- Worst cases: what an INVALID value (named in invalid_fields) scores, so bad input never
-- lowers risk. The highest value of the field's table, and never less than its unknown score
-- (an ABSENT value keeps the unknown score).
worst_cases AS (
    SELECT
        greatest(list_max(map_values(l.data_classification_scores)), p.data_unknown)
            AS data_worst,
        greatest(list_max(map_values(l.network_exposure_scores)), p.exposure_unknown)
            AS exposure_worst,
        greatest(list_max(map_values(l.deployment_env_multipliers)), p.env_unknown) AS env_worst,
        greatest(
            list_max(map_values(l.model_provider_scores)),
            p.provenance_self_hosted,
            p.provenance_other
        ) AS provider_worst,
        greatest(p.provenance_self_hosted, p.provenance_other) AS hosting_worst,
        greatest(p.never_reviewed_penalty, p.stale_review_penalty) AS review_worst_penalty,
        greatest(p.no_scope, p.high_impact, p.other_scope) AS regulatory_worst,
        greatest(list_max(map_values(l.asset_type_scores)), p.capability_other)
            AS capability_worst
    FROM scalar_parameters AS p, lookup_maps AS l
),
model AS (
    SELECT *
    FROM scalar_parameters, dimension_weights, lookup_maps, list_parameters, worst_cases
),

-- Control types of the day's implemented catalog controls, per asset.
evidence_types AS (
    SELECT asset_id, list(DISTINCT control_type) AS implemented_types
    FROM controls.control_evidence
    WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE)
      AND status = 'implemented'
      AND control_type IS NOT NULL
    GROUP BY asset_id
),

-- Facts derived from each active asset.
asset_facts AS (
    SELECT
        a.*,
        -- An explicit 'none' is no scope at all.
        list_filter(a.regulatory_scope, lambda s: s IS NOT NULL AND s <> 'none') AS scopes,
        -- The SPEC 3.2 types of the catalog controls implemented on the asset
        -- (controls.control_evidence: discovered posture, dependencies, declarations), plus any
        -- operational type the inventory lists that no catalog control covers (a type an
        -- organisation added to risk.control_weights), each once.
        list_sort(list_distinct(list_concat(
            coalesce(e.implemented_types, CAST([] AS VARCHAR[])),
            coalesce(
                list_transform(list_filter(a.controls, lambda c: c.operational), lambda c: c.type),
                CAST([] AS VARCHAR[])
            )
        ))) AS operational_controls,
        CAST(getvariable('assessed_date') AS DATE) - a.last_security_review AS review_age_days,
        -- Fields a source reported with an invalid value: scored at their worst case.
        list_contains(coalesce(a.invalid_fields, []), 'data_classification') AS bad_classification,
        list_contains(coalesce(a.invalid_fields, []), 'network_exposure') AS bad_exposure,
        list_contains(coalesce(a.invalid_fields, []), 'deployment_env') AS bad_env,
        list_contains(coalesce(a.invalid_fields, []), 'model_provider') AS bad_provider,
        list_contains(coalesce(a.invalid_fields, []), 'is_self_hosted') AS bad_self_hosted,
        list_contains(coalesce(a.invalid_fields, []), 'last_security_review') AS bad_review,
        list_contains(coalesce(a.invalid_fields, []), 'regulatory_scope') AS bad_scope,
        list_contains(coalesce(a.invalid_fields, []), 'asset_type') AS bad_asset_type,
        list_contains(coalesce(a.invalid_fields, []), 'sbom_available') AS bad_sbom,
        list_contains(coalesce(a.invalid_fields, []), 'license_type') AS bad_license,
        list_contains(coalesce(a.invalid_fields, []), 'source_url') AS bad_source_url
    FROM inventory.ai_assets AS a
    LEFT JOIN evidence_types AS e USING (asset_id)
    WHERE a.status = 'active'
),

dimension_scores AS (
    SELECT
        f.asset_id,
        f.operational_controls,
        CASE
            WHEN f.bad_classification THEN m.data_worst
            ELSE coalesce(m.data_classification_scores[f.data_classification], m.data_unknown)
        END AS data_sensitivity_score,
        least(
            m.exposure_cap,
            CASE
                WHEN f.bad_exposure THEN m.exposure_worst
                ELSE coalesce(m.network_exposure_scores[f.network_exposure], m.exposure_unknown)
            END
            * CASE
                WHEN f.bad_env THEN m.env_worst
                ELSE coalesce(m.deployment_env_multipliers[f.deployment_env], m.env_unknown)
            END
        ) AS deployment_exposure_score,
        least(
            m.provenance_cap,
            CASE
                WHEN f.bad_provider THEN m.provider_worst
                ELSE coalesce(
                    m.model_provider_scores[f.model_provider],
                    CASE
                        WHEN f.bad_self_hosted THEN m.hosting_worst
                        WHEN f.is_self_hosted THEN m.provenance_self_hosted
                        ELSE m.provenance_other
                    END
                )
            END
            + CASE
                WHEN f.bad_review THEN m.review_worst_penalty
                WHEN f.last_security_review IS NULL THEN m.never_reviewed_penalty
                WHEN f.review_age_days > m.stale_review_days THEN m.stale_review_penalty
                ELSE CAST(0 AS DOUBLE)
            END
        ) AS model_provenance_score,
        CASE
            WHEN f.bad_scope THEN m.regulatory_worst
            WHEN coalesce(len(f.scopes), 0) = 0 THEN m.no_scope
            WHEN list_has_any(f.scopes, m.high_impact_scopes) THEN m.high_impact
            ELSE m.other_scope
        END AS regulatory_impact_score,
        CASE
            WHEN f.bad_asset_type THEN m.capability_worst
            ELSE coalesce(m.asset_type_scores[f.asset_type], m.capability_other)
        END AS capability_risk_score,
        greatest(
            CAST(0 AS DOUBLE),
            least(
                CAST(100 AS DOUBLE),
                m.supply_chain_base
                - CASE
                    WHEN f.sbom_available AND NOT f.bad_sbom THEN m.sbom_credit
                    ELSE CAST(0 AS DOUBLE)
                END
                - CASE
                    WHEN f.license_type <> '' AND f.license_type <> 'unknown' AND NOT f.bad_license
                        THEN m.known_license_credit
                    ELSE CAST(0 AS DOUBLE)
                END
                + CASE
                    WHEN f.bad_source_url OR contains(f.source_url, 'huggingface.co')
                        THEN m.huggingface_penalty
                    ELSE CAST(0 AS DOUBLE)
                END
            )
        ) AS supply_chain_score,
        -- Each distinct type once, added in name order (the reference adds in the same order).
        least(
            CAST(1 AS DOUBLE),
            list_reduce(
                list_prepend(
                    CAST(0 AS DOUBLE),
                    list_transform(
                        list_filter(
                            list_transform(
                                f.operational_controls,
                                lambda t: list_position(m.control_types, t)
                            ),
                            lambda i: i IS NOT NULL
                        ),
                        lambda i: m.control_type_weights[i]
                    )
                ),
                lambda total, w: total + w
            )
        ) AS effectiveness,
        -- A fact shows as its value, 'unknown' when absent, 'invalid' when a source gave an
        -- invalid value (then scored at the worst case).
        'Data classification: '
            || CASE WHEN f.bad_classification THEN 'invalid'
                    ELSE coalesce(f.data_classification, 'unknown') END
            AS data_sensitivity_details,
        'Network: '
            || CASE WHEN f.bad_exposure THEN 'invalid'
                    ELSE coalesce(f.network_exposure, 'unknown') END
            || ', Env: '
            || CASE WHEN f.bad_env THEN 'invalid' ELSE coalesce(f.deployment_env, 'unknown') END
            AS deployment_exposure_details,
        'Provider: '
            || CASE WHEN f.bad_provider THEN 'invalid'
                    ELSE coalesce(f.model_provider, 'unknown') END
            || ', Self-hosted: '
            || CASE WHEN f.bad_self_hosted THEN 'invalid'
                    ELSE coalesce(CAST(f.is_self_hosted AS VARCHAR), 'unknown') END
            AS model_provenance_details,
        'Regulatory scope: ['
            || CASE WHEN f.bad_scope THEN 'invalid'
                    ELSE coalesce(array_to_string(f.regulatory_scope, ', '), '') END
            || ']' AS regulatory_impact_details,
        'Asset type: ' || CASE WHEN f.bad_asset_type THEN 'invalid' ELSE f.asset_type END
            AS capability_risk_details,
        'SBOM: '
            || CASE WHEN f.bad_sbom THEN 'invalid'
                    ELSE coalesce(CAST(f.sbom_available AS VARCHAR), 'unknown') END
            || ', License: '
            || CASE WHEN f.bad_license THEN 'invalid'
                    ELSE coalesce(f.license_type, 'unknown') END
            AS supply_chain_details
    FROM asset_facts AS f
    CROSS JOIN model AS m
),

assessed AS (
    SELECT
        d.*,
        d.data_sensitivity_score * m.w_data_sensitivity AS weighted_data_sensitivity,
        d.deployment_exposure_score * m.w_deployment_exposure AS weighted_deployment_exposure,
        d.model_provenance_score * m.w_model_provenance AS weighted_model_provenance,
        d.regulatory_impact_score * m.w_regulatory_impact AS weighted_regulatory_impact,
        d.capability_risk_score * m.w_capability_risk AS weighted_capability_risk,
        d.supply_chain_score * m.w_supply_chain AS weighted_supply_chain
    FROM dimension_scores AS d
    CROSS JOIN model AS m
),

ranked AS (
    SELECT
        s.*,
        -- One explicit left-to-right sum in the brief's dimension order.
        s.weighted_data_sensitivity + s.weighted_deployment_exposure
            + s.weighted_model_provenance + s.weighted_regulatory_impact
            + s.weighted_capability_risk + s.weighted_supply_chain AS inherent,
        -- Rank of each dimension (0 = largest contribution): the dimensions ahead of it are
        -- those contributing more, plus those contributing as much that come earlier in the
        -- brief's order (a stable sort, like the reference's sorted()). Plain comparisons
        -- instead of a per-row list sort: an order of magnitude cheaper at a million rows.
        [
            CAST(s.weighted_deployment_exposure > s.weighted_data_sensitivity AS INTEGER)
            + CAST(s.weighted_model_provenance > s.weighted_data_sensitivity AS INTEGER)
            + CAST(s.weighted_regulatory_impact > s.weighted_data_sensitivity AS INTEGER)
            + CAST(s.weighted_capability_risk > s.weighted_data_sensitivity AS INTEGER)
            + CAST(s.weighted_supply_chain > s.weighted_data_sensitivity AS INTEGER),

            CAST(s.weighted_data_sensitivity >= s.weighted_deployment_exposure AS INTEGER)
            + CAST(s.weighted_model_provenance > s.weighted_deployment_exposure AS INTEGER)
            + CAST(s.weighted_regulatory_impact > s.weighted_deployment_exposure AS INTEGER)
            + CAST(s.weighted_capability_risk > s.weighted_deployment_exposure AS INTEGER)
            + CAST(s.weighted_supply_chain > s.weighted_deployment_exposure AS INTEGER),

            CAST(s.weighted_data_sensitivity >= s.weighted_model_provenance AS INTEGER)
            + CAST(s.weighted_deployment_exposure >= s.weighted_model_provenance AS INTEGER)
            + CAST(s.weighted_regulatory_impact > s.weighted_model_provenance AS INTEGER)
            + CAST(s.weighted_capability_risk > s.weighted_model_provenance AS INTEGER)
            + CAST(s.weighted_supply_chain > s.weighted_model_provenance AS INTEGER),

            CAST(s.weighted_data_sensitivity >= s.weighted_regulatory_impact AS INTEGER)
            + CAST(s.weighted_deployment_exposure >= s.weighted_regulatory_impact AS INTEGER)
            + CAST(s.weighted_model_provenance >= s.weighted_regulatory_impact AS INTEGER)
            + CAST(s.weighted_capability_risk > s.weighted_regulatory_impact AS INTEGER)
            + CAST(s.weighted_supply_chain > s.weighted_regulatory_impact AS INTEGER),

            CAST(s.weighted_data_sensitivity >= s.weighted_capability_risk AS INTEGER)
            + CAST(s.weighted_deployment_exposure >= s.weighted_capability_risk AS INTEGER)
            + CAST(s.weighted_model_provenance >= s.weighted_capability_risk AS INTEGER)
            + CAST(s.weighted_regulatory_impact >= s.weighted_capability_risk AS INTEGER)
            + CAST(s.weighted_supply_chain > s.weighted_capability_risk AS INTEGER),

            CAST(s.weighted_data_sensitivity >= s.weighted_supply_chain AS INTEGER)
            + CAST(s.weighted_deployment_exposure >= s.weighted_supply_chain AS INTEGER)
            + CAST(s.weighted_model_provenance >= s.weighted_supply_chain AS INTEGER)
            + CAST(s.weighted_regulatory_impact >= s.weighted_supply_chain AS INTEGER)
            + CAST(s.weighted_capability_risk >= s.weighted_supply_chain AS INTEGER)
        ] AS dimension_ranks
    FROM assessed AS s
),

ordered AS (
    SELECT
        r.*,
        r.inherent * (CAST(1 AS DOUBLE) - r.effectiveness) AS residual,
        -- Dimension numbers (1..6, the brief's order), largest contribution first.
        [
            list_position(r.dimension_ranks, 0), list_position(r.dimension_ranks, 1),
            list_position(r.dimension_ranks, 2), list_position(r.dimension_ranks, 3),
            list_position(r.dimension_ranks, 4), list_position(r.dimension_ranks, 5)
        ] AS dimension_order,
        [
            r.data_sensitivity_score, r.deployment_exposure_score, r.model_provenance_score,
            r.regulatory_impact_score, r.capability_risk_score, r.supply_chain_score
        ] AS scores_in_dimension_order,
        risk.round2(r.inherent) AS inherent_risk_score,
        risk.round2(r.effectiveness) AS control_effectiveness,
        risk.round2(r.inherent * (CAST(1 AS DOUBLE) - r.effectiveness)) AS residual_risk_score
    FROM ranked AS r
)

SELECT
    r.asset_id,
    CAST(getvariable('assessed_date') AS DATE) AS assessed_date,
    r.data_sensitivity_score,
    r.deployment_exposure_score,
    r.model_provenance_score,
    r.regulatory_impact_score,
    r.capability_risk_score,
    r.supply_chain_score,
    r.inherent_risk_score,
    r.control_effectiveness,
    r.residual_risk_score,
    -- Levels are decided on the unrounded scores; the inherent level decides which catalog
    -- controls an asset requires (controls.control_coverage).
    CASE
        WHEN r.inherent >= m.level_critical THEN 'CRITICAL'
        WHEN r.inherent >= m.level_high THEN 'HIGH'
        WHEN r.inherent >= m.level_medium THEN 'MEDIUM'
        ELSE 'LOW'
    END AS inherent_risk_level,
    CASE
        WHEN r.residual >= m.level_critical THEN 'CRITICAL'
        WHEN r.residual >= m.level_high THEN 'HIGH'
        WHEN r.residual >= m.level_medium THEN 'MEDIUM'
        ELSE 'LOW'
    END AS risk_level,
    -- The brief's risk_reduction_percentage property, on the reported (rounded) scores.
    CASE
        WHEN r.inherent_risk_score = 0 THEN CAST(0 AS DOUBLE)
        ELSE risk.round2(
            (CAST(1 AS DOUBLE) - r.residual_risk_score / r.inherent_risk_score)
            * CAST(100 AS DOUBLE)
        )
    END AS risk_reduction_percentage,
    list_select(
        [
            {'dimension': 'data_sensitivity', 'score': r.data_sensitivity_score,
             'weight': m.w_data_sensitivity, 'weighted': r.weighted_data_sensitivity,
             'details': r.data_sensitivity_details},
            {'dimension': 'deployment_exposure', 'score': r.deployment_exposure_score,
             'weight': m.w_deployment_exposure, 'weighted': r.weighted_deployment_exposure,
             'details': r.deployment_exposure_details},
            {'dimension': 'model_provenance', 'score': r.model_provenance_score,
             'weight': m.w_model_provenance, 'weighted': r.weighted_model_provenance,
             'details': r.model_provenance_details},
            {'dimension': 'regulatory_impact', 'score': r.regulatory_impact_score,
             'weight': m.w_regulatory_impact, 'weighted': r.weighted_regulatory_impact,
             'details': r.regulatory_impact_details},
            {'dimension': 'capability_risk', 'score': r.capability_risk_score,
             'weight': m.w_capability_risk, 'weighted': r.weighted_capability_risk,
             'details': r.capability_risk_details},
            {'dimension': 'supply_chain', 'score': r.supply_chain_score,
             'weight': m.w_supply_chain, 'weighted': r.weighted_supply_chain,
             'details': r.supply_chain_details}
        ],
        r.dimension_order
    ) AS risk_factors,
    m.dimension_names[r.dimension_order[1]] AS top_driver,
    -- For each of the top drivers in order, its dimension's advice whose threshold it exceeds.
    flatten(list_transform(
        list_slice(r.dimension_order, 1, m.max_drivers),
        lambda dimension_number: list_transform(
            list_filter(
                m.recommendations_by_dimension[dimension_number],
                lambda rec: r.scores_in_dimension_order[dimension_number] > rec.above
            ),
            lambda rec: rec.text
        )
    )) AS recommendations,
    r.operational_controls,
    CAST(getvariable('scored_at') AS TIMESTAMP) AS scored_at,
    CAST(getvariable('run_id') AS VARCHAR) AS run_id
FROM ordered AS r
CROSS JOIN model AS m;
