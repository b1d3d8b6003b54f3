"""The risk engine (SPEC §3.2): the configured risk model as tables, and the daily scoring.

Plain functions over a DuckDB connection; the Dagster assets call them. The scoring itself is
one set-based SQL statement (`sql/risk/risk_scores.sql`) over the whole inventory. The risk
model from `aisec.yaml` reaches that SQL as small parameter tables in schema `risk`
(`sql/risk/model_tables.sql`), written with bound parameters only, so analysts can also see
which model produced the scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import duckdb

from aisec_resources.config import DIMENSIONS, RiskModel
from aisec_resources.warehouse import run_sql

MODEL_TABLES: tuple[str, ...] = (
    "model_dimension_weights",
    "model_lookup_values",
    "model_high_impact_scopes",
    "model_control_weights",
    "model_parameters",
    "model_recommendations",
)


class RiskModelNotWritten(RuntimeError):
    """The risk model tables are missing or incomplete, so nothing can be scored."""


def _scalar_parameters(model: RiskModel) -> list[tuple[str, float, str]]:
    """(name, value, description) of every scalar setting the scoring SQL reads."""
    exposure = model.deployment_exposure
    provenance = model.model_provenance
    regulatory = model.regulatory_impact
    supply = model.supply_chain
    return [
        (
            "data_sensitivity.unknown",
            model.data_sensitivity.unknown,
            "data_sensitivity score of an unknown (NULL or unlisted) data classification",
        ),
        (
            "deployment_exposure.unknown_exposure",
            exposure.unknown_exposure,
            "exposure base score of an unknown network exposure",
        ),
        (
            "deployment_exposure.unknown_env",
            exposure.unknown_env,
            "exposure multiplier of an unknown deployment environment",
        ),
        ("deployment_exposure.cap", exposure.cap, "upper bound of deployment_exposure"),
        (
            "model_provenance.self_hosted",
            provenance.self_hosted,
            "provenance base score of a self-hosted model from a provider not listed",
        ),
        (
            "model_provenance.other",
            provenance.other,
            "provenance base score of any other model",
        ),
        (
            "model_provenance.never_reviewed_penalty",
            provenance.never_reviewed_penalty,
            "added when the asset never had a security review",
        ),
        (
            "model_provenance.stale_review_penalty",
            provenance.stale_review_penalty,
            "added when the last security review is older than stale_review_days",
        ),
        ("model_provenance.cap", provenance.cap, "upper bound of model_provenance"),
        (
            "regulatory_impact.no_scope",
            regulatory.no_scope,
            "score without regulatory scope (an explicit 'none' counts as no scope)",
        ),
        (
            "regulatory_impact.high_impact",
            regulatory.high_impact,
            "score when any scope is in risk.model_high_impact_scopes",
        ),
        (
            "regulatory_impact.other_scope",
            regulatory.other_scope,
            "score when there is scope, none of it high-impact",
        ),
        (
            "capability_risk.other",
            model.capability_risk.other,
            "capability_risk score of an asset type not listed",
        ),
        ("supply_chain.base", supply.base, "supply_chain starting score"),
        ("supply_chain.sbom_credit", supply.sbom_credit, "subtracted when an SBOM is available"),
        (
            "supply_chain.known_license_credit",
            supply.known_license_credit,
            "subtracted when the license is known (set, not empty, not 'unknown')",
        ),
        (
            "supply_chain.huggingface_penalty",
            supply.huggingface_penalty,
            "added when source_url contains huggingface.co",
        ),
        (
            "levels.critical",
            model.levels.critical,
            "residual score from which the level is CRITICAL",
        ),
        ("levels.high", model.levels.high, "residual score from which the level is HIGH"),
        ("levels.medium", model.levels.medium, "residual score from which the level is MEDIUM"),
        (
            "stale_review_days",
            float(model.stale_review_days),
            "a review older than this many days (assessed_date - last_security_review) is stale",
        ),
        (
            "max_recommendation_drivers",
            float(model.max_recommendation_drivers),
            "how many of the top weighted drivers get recommendations",
        ),
    ]


def _lookup_values(model: RiskModel) -> list[tuple[str, str, float]]:
    tables = {
        "data_classification": model.data_sensitivity.scores,
        "network_exposure": model.deployment_exposure.exposure_scores,
        "deployment_env": model.deployment_exposure.env_multipliers,
        "model_provider": model.model_provenance.provider_scores,
        "asset_type": model.capability_risk.scores,
    }
    return [
        (lookup, key, float(value))
        for lookup, table in tables.items()
        for key, value in sorted(table.items())
    ]


def _insert_rows(
    conn: duckdb.DuckDBPyConnection, statement: str, rows: Sequence[Sequence[object]]
) -> None:
    """Bound-parameter insert of `rows` (a configured table may legitimately be empty)."""
    if rows:
        conn.executemany(statement, rows)


def write_risk_model_tables(conn: duckdb.DuckDBPyConnection, model: RiskModel) -> None:
    """Replace the risk model tables (schema `risk`, model_*) with `model`, in one transaction."""
    run_sql(conn, "risk/model_tables")
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in MODEL_TABLES:
            conn.execute(f"DELETE FROM risk.{table}")
        _insert_rows(
            conn,
            "INSERT INTO risk.model_dimension_weights VALUES (?, ?, ?)",
            [
                (dimension, order, float(model.weights[dimension]))
                for order, dimension in enumerate(DIMENSIONS, start=1)
            ],
        )
        _insert_rows(
            conn, "INSERT INTO risk.model_lookup_values VALUES (?, ?, ?)", _lookup_values(model)
        )
        _insert_rows(
            conn,
            "INSERT INTO risk.model_high_impact_scopes VALUES (?)",
            [(scope,) for scope in sorted(set(model.regulatory_impact.high_impact_scopes))],
        )
        _insert_rows(
            conn,
            "INSERT INTO risk.model_control_weights VALUES (?, ?)",
            [(kind, float(weight)) for kind, weight in sorted(model.control_weights.items())],
        )
        _insert_rows(
            conn,
            "INSERT INTO risk.model_parameters VALUES (?, ?, ?)",
            [(name, float(value), text) for name, value, text in _scalar_parameters(model)],
        )
        _insert_rows(
            conn,
            "INSERT INTO risk.model_recommendations VALUES (?, ?, ?, ?)",
            [
                (position, r.dimension, float(r.above), r.text)
                for position, r in enumerate(model.recommendations, start=1)
            ],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _check_model_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """Fail clearly (not with a NOT NULL violation) when the model was never written."""
    expected_parameters = {name for name, _, _ in _scalar_parameters(RiskModel())}
    try:
        present = {
            row[0] for row in conn.execute("SELECT name FROM risk.model_parameters").fetchall()
        }
        dimensions = {
            row[0]
            for row in conn.execute("SELECT dimension FROM risk.model_dimension_weights").fetchall()
        }
    except duckdb.CatalogException:
        raise RiskModelNotWritten(
            "the risk model tables (risk.model_*) do not exist: call "
            "write_risk_model_tables(conn, model) before score_assets"
        ) from None
    missing = sorted(expected_parameters - present) + sorted(set(DIMENSIONS) - dimensions)
    if missing:
        raise RiskModelNotWritten(
            f"the risk model tables are incomplete (missing {missing}): call "
            "write_risk_model_tables(conn, model) before score_assets"
        )


def score_assets(
    conn: duckdb.DuckDBPyConnection,
    assessed_date: date,
    run_id: str,
    *,
    scored_at: datetime,
) -> int:
    """Score every active asset of `inventory.ai_assets` for `assessed_date`.

    Replaces that day's rows of `risk.risk_scores` in one transaction (other days stay as
    history) and returns how many rows the day now has. `scored_at` is the run's instant.
    """
    _check_model_tables(conn)
    run_sql(conn, "risk/functions")
    conn.execute("BEGIN TRANSACTION")
    try:
        run_sql(
            conn,
            "risk/risk_scores",
            {"assessed_date": assessed_date, "run_id": run_id, "scored_at": scored_at},
        )
        row = conn.execute(
            "SELECT count(*) FROM risk.risk_scores WHERE assessed_date = ?", [assessed_date]
        ).fetchone()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(row[0]) if row else 0
