"""The risk engine (SPEC §3.2): SQL scoring on a real DuckDB against hand-computed examples and
against the per-asset Python restatement in tests/risk_reference.py (property tests)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inventory_rows import control, insert_assets, make_asset
from risk_reference import assess_asset

from aisec_assets.risk.scoring import RiskModelNotWritten, score_assets, write_risk_model_tables
from aisec_resources.config import DEFAULT_RECOMMENDATIONS, DIMENSIONS, RiskModel, parse_config
from aisec_resources.records import (
    ASSET_TYPES,
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
)
from aisec_resources.warehouse import create_schema, run_sql

DAY = date(2026, 3, 1)
FIXED_NOW = datetime(2026, 3, 1, 23, 0)
REC = {r.dimension: r.text for r in DEFAULT_RECOMMENDATIONS}
DIMENSION_COLUMNS = [f"{d}_score" for d in DIMENSIONS]
ROUNDED_COLUMNS = [
    "inherent_risk_score",
    "control_effectiveness",
    "residual_risk_score",
    "risk_reduction_percentage",
]


# ------------------------------------------------------------------ helpers


def fetch_assets(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """The inventory rows as DuckDB hands them to Python (what the reference sees)."""
    cursor = conn.execute("SELECT * FROM inventory.ai_assets")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def fetch_scores(conn: duckdb.DuckDBPyConnection, day: date = DAY) -> dict[str, dict[str, Any]]:
    cursor = conn.execute("SELECT * FROM risk.risk_scores WHERE assessed_date = ?", [day])
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def score(
    conn: duckdb.DuckDBPyConnection,
    assets: list[Mapping[str, Any]],
    model: RiskModel | None = None,
    day: date = DAY,
) -> dict[str, dict[str, Any]]:
    """Score `assets` alone (the inventory and that day's scores are replaced)."""
    conn.execute("DELETE FROM inventory.ai_assets")
    insert_assets(conn, assets)
    write_risk_model_tables(conn, model or RiskModel())
    score_assets(conn, day, "test-run", scored_at=FIXED_NOW)
    return fetch_scores(conn, day)


def near_threshold(residual: float, model: RiskModel) -> bool:
    levels = model.levels
    return any(abs(residual - t) <= 1e-9 for t in (levels.critical, levels.high, levels.medium))


def assert_matches_reference(
    stored: Mapping[str, Any], asset: Mapping[str, Any], model: RiskModel, day: date
) -> None:
    expected = assess_asset(asset, model, day)
    where = f"asset {asset}"
    for name in DIMENSION_COLUMNS + ROUNDED_COLUMNS:
        assert math.isclose(stored[name], expected[name], rel_tol=0, abs_tol=1e-9), (
            f"{name}: SQL {stored[name]!r} != reference {expected[name]!r} for {where}"
        )
    if not near_threshold(expected["residual_risk_unrounded"], model):
        assert stored["risk_level"] == expected["risk_level"], where
    assert [f["dimension"] for f in stored["risk_factors"]] == [
        f["dimension"] for f in expected["risk_factors"]
    ], where
    for got, want in zip(stored["risk_factors"], expected["risk_factors"], strict=True):
        assert got["details"] == want["details"], where
        for key in ("score", "weight", "weighted"):
            assert math.isclose(got[key], want[key], rel_tol=0, abs_tol=1e-9), (key, where)
    assert stored["top_driver"] == expected["top_driver"], where
    assert stored["recommendations"] == expected["recommendations"], where
    assert stored["operational_controls"] == expected["operational_controls"], where


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_schema(conn)
    yield conn
    conn.close()


# ------------------------------------------------------------------ hand-computed examples


def test_public_production_agent_without_review_or_controls(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    agent = make_asset(
        "agent",
        asset_type="ai_agent",
        data_classification="confidential",
        deployment_env="production",
        network_exposure="public",
        regulatory_scope=["gdpr", "hipaa"],
        model_provider="openai",
        is_self_hosted=False,
        license_type="apache-2.0",
        sbom_available=False,
    )
    row = score(warehouse, [agent])["agent"]
    # data 60; exposure 90 x 1.0 = 90; provenance openai 20 + never reviewed 20 = 40;
    # regulatory: hipaa is high impact = 90; capability ai_agent 90; supply 50 - 10 (license) = 40.
    assert [row[c] for c in DIMENSION_COLUMNS] == [60, 90, 40, 90, 90, 40]
    # 60*.25 + 90*.20 + 40*.15 + 90*.15 + 90*.15 + 40*.10 = 15 + 18 + 6 + 13.5 + 13.5 + 4 = 70
    assert row["inherent_risk_score"] == 70.0
    assert row["control_effectiveness"] == 0.0
    assert row["residual_risk_score"] == 70.0
    assert row["risk_level"] == "HIGH"
    assert row["risk_reduction_percentage"] == 0.0
    # 18, 15, 13.5, 13.5 (regulatory before capability: equal, kept in the brief's order), 6, 4
    assert [f["dimension"] for f in row["risk_factors"]] == [
        "deployment_exposure",
        "data_sensitivity",
        "regulatory_impact",
        "capability_risk",
        "model_provenance",
        "supply_chain",
    ]
    assert [f["weighted"] for f in row["risk_factors"]] == pytest.approx([18, 15, 13.5, 13.5, 6, 4])
    assert [f["details"] for f in row["risk_factors"]] == [
        "Network: public, Env: production",
        "Data classification: confidential",
        "Regulatory scope: [gdpr, hipaa]",
        "Asset type: ai_agent",
        "Provider: openai, Self-hosted: false",
        "SBOM: false, License: apache-2.0",
    ]
    assert row["top_driver"] == "deployment_exposure"
    # Top three: exposure 90 > 50 yes; data 60 > 60 no; regulatory 90 > 60 yes.
    assert row["recommendations"] == [REC["deployment_exposure"], REC["regulatory_impact"]]
    assert row["operational_controls"] == []
    assert row["run_id"] == "test-run"
    assert_matches_reference(row, fetch_assets(warehouse)["agent"], RiskModel(), DAY)


def test_controls_count_once_and_only_when_operational(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    agent = make_asset(
        "agent",
        asset_type="ai_agent",
        data_classification="confidential",
        deployment_env="production",
        network_exposure="public",
        regulatory_scope=["hipaa"],
        model_provider="openai",
        license_type="apache-2.0",
        controls=[
            control("input_filtering"),
            control("input_filtering"),  # listed twice: counts once
            control("output_filtering"),
            control("monitoring", operational=False),
            control("encryption_at_rest", operational=None),  # unknown: not counted
            control("quantum_shield"),  # not a control type of the model: weight 0
            control(None),
        ],
    )
    row = score(warehouse, [agent])["agent"]
    # inherent 70 (as above); effectiveness 0.15 + 0.15 = 0.30; residual 70 x 0.7 = 49 -> MEDIUM
    assert row["inherent_risk_score"] == 70.0
    assert row["control_effectiveness"] == 0.3
    assert row["residual_risk_score"] == 49.0
    assert row["risk_level"] == "MEDIUM"
    assert row["risk_reduction_percentage"] == 30.0
    assert row["operational_controls"] == ["input_filtering", "output_filtering", "quantum_shield"]


def test_effectiveness_is_capped_at_one(warehouse: duckdb.DuckDBPyConnection) -> None:
    every_control = make_asset("all", controls=[control(t) for t in CONTROL_TYPES])
    row = score(warehouse, [every_control])["all"]
    # The ten default weights add up to 1.0: nothing is left.
    assert row["control_effectiveness"] == 1.0
    assert row["residual_risk_score"] == 0.0
    assert row["risk_level"] == "LOW"
    assert row["risk_reduction_percentage"] == 100.0

    heavy = RiskModel(control_weights={"input_filtering": 0.7, "output_filtering": 0.6})
    two = make_asset("two", controls=[control("input_filtering"), control("output_filtering")])
    row = score(warehouse, [two], heavy)["two"]
    assert row["control_effectiveness"] == 1.0  # 1.3 capped
    assert row["residual_risk_score"] == 0.0


def test_explicit_none_scope_is_no_scope(warehouse: duckdb.DuckDBPyConnection) -> None:
    scopes: dict[str, list[str | None] | None] = {
        "null": None,
        "empty": [],
        "none": ["none"],
        "none-null": ["none", None],
        "gdpr": ["none", "gdpr"],
        "sox": ["none", "sox"],
        "limited": ["eu_ai_act_limited_risk", "ccpa"],
        "high": ["eu_ai_act_high_risk"],
        "pci": ["gdpr", "pci_dss"],
    }
    rows = score(warehouse, [make_asset(k, regulatory_scope=v) for k, v in scopes.items()])
    got = {k: rows[k]["regulatory_impact_score"] for k in scopes}
    assert got == {
        "null": 10,
        "empty": 10,
        "none": 10,
        "none-null": 10,
        "gdpr": 50,
        "sox": 90,
        "limited": 50,
        "high": 90,
        "pci": 90,
    }
    assert rows["none"]["risk_factors"][-1]["details"] == "Regulatory scope: [none]"


@pytest.mark.parametrize(
    ("provider", "self_hosted", "review_age_days", "expected"),
    [
        ("anthropic", False, 90, 20),  # exactly 90 days: not stale
        ("anthropic", False, 91, 30),  # 91 days: stale, +10
        ("anthropic", False, None, 40),  # never reviewed, +20
        ("anthropic", False, -3, 20),  # review dated after the assessment: fresh
        ("aws_bedrock", True, 10, 15),  # a listed provider wins over self-hosting
        ("meta", True, 1, 60),  # self-hosted, unlisted provider
        (None, True, None, 80),  # self-hosted, never reviewed
        ("meta", False, 0, 50),  # other
        (None, None, 91, 60),  # unknown self-hosting counts as not self-hosted
    ],
)
def test_model_provenance_and_the_stale_review_boundary(
    warehouse: duckdb.DuckDBPyConnection,
    provider: str | None,
    self_hosted: bool | None,
    review_age_days: int | None,
    expected: float,
) -> None:
    reviewed = None if review_age_days is None else DAY - timedelta(days=review_age_days)
    asset = make_asset(
        "m", model_provider=provider, is_self_hosted=self_hosted, last_security_review=reviewed
    )
    assert score(warehouse, [asset])["m"]["model_provenance_score"] == expected


def test_provenance_is_capped(warehouse: duckdb.DuckDBPyConnection) -> None:
    model = RiskModel.model_validate({"model_provenance": {"self_hosted": 95}})
    asset = make_asset("m", is_self_hosted=True)  # 95 + 20 never reviewed
    assert score(warehouse, [asset], model)["m"]["model_provenance_score"] == 100


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"license_type": "unknown"}, 50),
        ({"license_type": ""}, 50),
        ({"license_type": None}, 50),
        ({"license_type": "mit"}, 40),
        ({"license_type": "mit", "sbom_available": True}, 20),
        ({"sbom_available": None}, 50),
        ({"source_url": "https://huggingface.co/acme/model"}, 60),
        ({"source_url": "https://example.com/mirror-of-huggingface.co/x"}, 60),  # substring
        ({"source_url": "https://example.com/model"}, 50),
        (
            {
                "source_url": "https://huggingface.co/acme/model",
                "sbom_available": True,
                "license_type": "apache-2.0",
            },
            30,
        ),
    ],
)
def test_supply_chain(
    warehouse: duckdb.DuckDBPyConnection, facts: dict[str, Any], expected: float
) -> None:
    row = score(warehouse, [make_asset("s", **facts)])["s"]
    assert row["supply_chain_score"] == expected


def test_supply_chain_is_clamped(warehouse: duckdb.DuckDBPyConnection) -> None:
    low = RiskModel.model_validate({"supply_chain": {"base": 10}})
    row = score(warehouse, [make_asset("s", sbom_available=True)], low)["s"]
    assert row["supply_chain_score"] == 0  # 10 - 20 clamped
    high = RiskModel.model_validate({"supply_chain": {"base": 95}})
    row = score(warehouse, [make_asset("s", source_url="https://huggingface.co/m")], high)["s"]
    assert row["supply_chain_score"] == 100  # 95 + 10 clamped


def test_null_and_unlisted_values_score_as_unknown(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = score(
        warehouse,
        [
            make_asset("nulls"),
            make_asset("public-unknown-env", network_exposure="public"),
            make_asset(
                "odd",
                asset_type="api_key",
                data_classification="secret",
                deployment_env="sandbox",
                network_exposure="dmz",
            ),
        ],
    )
    nulls = rows["nulls"]
    # data 50; exposure 50 x 0.5 = 25; provenance other 50 + never reviewed 20 = 70;
    # no scope 10; foundation_model 50; supply 50.
    assert [nulls[c] for c in DIMENSION_COLUMNS] == [50, 25, 70, 10, 50, 50]
    # 12.5 + 5 + 10.5 + 1.5 + 7.5 + 5 = 42 -> MEDIUM
    assert nulls["inherent_risk_score"] == 42.0
    assert nulls["risk_level"] == "MEDIUM"
    # 12.5, 10.5, 7.5, then exposure and supply chain tie at 5 (brief's order), 1.5
    assert [f["dimension"] for f in nulls["risk_factors"]] == [
        "data_sensitivity",
        "model_provenance",
        "capability_risk",
        "deployment_exposure",
        "supply_chain",
        "regulatory_impact",
    ]
    assert [f["details"] for f in nulls["risk_factors"]][:2] == [
        "Data classification: unknown",
        "Provider: unknown, Self-hosted: unknown",
    ]
    # Top three: data 50 (not > 60), provenance 70 > 40, capability 50 (not > 60).
    assert nulls["recommendations"] == [REC["model_provenance"]]
    assert rows["public-unknown-env"]["deployment_exposure_score"] == 45  # 90 x 0.5
    odd = rows["odd"]
    assert [odd[c] for c in DIMENSION_COLUMNS[:2]] == [50, 25]
    assert odd["capability_risk_score"] == 50  # api_key is not in the capability table


def test_recommendation_thresholds_and_top_drivers(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    quiet = {
        "asset_type": "guardrail_config",  # 20
        "network_exposure": "internal",
        "deployment_env": "development",  # 20 x 0.4 = 8
        "model_provider": "openai",
        "last_security_review": DAY - timedelta(days=5),  # 20
        "sbom_available": True,
        "license_type": "mit",  # 20
    }
    rows = score(
        warehouse,
        [
            make_asset("confidential", data_classification="confidential", **quiet),
            make_asset("restricted", data_classification="restricted", **quiet),
        ],
    )
    # Data sensitivity drives both; advice needs a score above 60, so 60 gets none.
    assert rows["confidential"]["top_driver"] == "data_sensitivity"
    assert rows["confidential"]["recommendations"] == []
    assert rows["restricted"]["recommendations"] == [REC["data_sensitivity"]]

    noisy_supply = make_asset(
        "noisy",
        asset_type="ai_agent",
        data_classification="regulated",
        network_exposure="public",
        deployment_env="production",
        regulatory_scope=["sox"],
        model_provider="openai",
        last_security_review=DAY,
        source_url="https://huggingface.co/acme/agent",  # supply chain 60 > 40, but 6th driver
    )
    row = score(warehouse, [noisy_supply])["noisy"]
    # 23.75 data, 18 exposure, 13.5 regulatory, 13.5 capability, 6 supply chain, 3 provenance
    assert row["risk_factors"][4]["dimension"] == "supply_chain"
    assert row["recommendations"] == [
        REC["data_sensitivity"],
        REC["deployment_exposure"],
        REC["regulatory_impact"],
    ]
    every_driver = RiskModel(max_recommendation_drivers=6)
    row = score(warehouse, [noisy_supply], every_driver)["noisy"]
    assert row["recommendations"] == [
        REC["data_sensitivity"],
        REC["deployment_exposure"],
        REC["regulatory_impact"],
        REC["capability_risk"],
        REC["supply_chain"],  # provenance 20 is not above 40
    ]


def test_custom_risk_model_from_config(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    config = parse_config(
        {
            "organisation": "Test Org",
            "warehouse": {"path": "warehouse.duckdb"},
            "risk": {
                "weights": {
                    "data_sensitivity": 0.5,
                    "deployment_exposure": 0.1,
                    "model_provenance": 0.1,
                    "regulatory_impact": 0.1,
                    "capability_risk": 0.1,
                    "supply_chain": 0.1,
                },
                "capability_risk": {"scores": {"ai_agent": 100}},
                "levels": {"critical": 60, "high": 40, "medium": 20},
            },
        },
        tmp_path / "aisec.yaml",
    )
    agent = make_asset(
        "agent",
        asset_type="ai_agent",
        data_classification="confidential",
        deployment_env="production",
        network_exposure="public",
        regulatory_scope=["gdpr", "hipaa"],
        model_provider="openai",
        license_type="apache-2.0",
    )
    tuned = make_asset("tuned", asset_type="fine_tuned_model")
    default_rows = score(warehouse, [agent, tuned])
    rows = score(warehouse, [agent, tuned], config.risk)
    assert default_rows["agent"]["inherent_risk_score"] == 70.0
    assert default_rows["agent"]["risk_level"] == "HIGH"
    row = rows["agent"]
    # 60*.5 + 90*.1 + 40*.1 + 90*.1 + 100*.1 + 40*.1 = 30 + 9 + 4 + 9 + 10 + 4 = 66 -> CRITICAL
    assert [row[c] for c in DIMENSION_COLUMNS] == [60, 90, 40, 90, 100, 40]
    assert row["inherent_risk_score"] == 66.0
    assert row["risk_level"] == "CRITICAL"
    # 30, 10, then exposure and regulatory tie at 9: exposure comes first in the brief's order.
    assert [f["dimension"] for f in row["risk_factors"]][:3] == [
        "data_sensitivity",
        "capability_risk",
        "deployment_exposure",
    ]
    assert row["recommendations"] == [REC["capability_risk"], REC["deployment_exposure"]]
    # The configured capability table replaces the default one: fine_tuned_model is now "other".
    assert default_rows["tuned"]["capability_risk_score"] == 70
    assert rows["tuned"]["capability_risk_score"] == 50
    assert_matches_reference(row, fetch_assets(warehouse)["agent"], config.risk, DAY)


def test_inactive_assets_are_not_scored(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = score(
        warehouse,
        [make_asset("here"), make_asset("gone", status="missing"), make_asset("also-here")],
    )
    assert sorted(rows) == ["also-here", "here"]
    assert score(warehouse, [make_asset("gone", status="missing")]) == {}


def test_rescoring_a_day_replaces_it_and_other_days_are_kept(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    insert_assets(warehouse, [make_asset("a"), make_asset("b"), make_asset("c")])
    write_risk_model_tables(warehouse, RiskModel())
    assert score_assets(warehouse, DAY, "run-1", scored_at=FIXED_NOW) == 3
    assert score_assets(warehouse, DAY, "run-2", scored_at=FIXED_NOW) == 3
    day = fetch_scores(warehouse, DAY)
    assert sorted(day) == ["a", "b", "c"]
    assert {r["run_id"] for r in day.values()} == {"run-2"}

    warehouse.execute("UPDATE inventory.ai_assets SET status = 'missing' WHERE asset_id = 'c'")
    assert (
        score_assets(warehouse, DAY, "run-3", scored_at=FIXED_NOW) == 2
    )  # c's row for the day goes too
    next_day = DAY + timedelta(days=1)
    assert score_assets(warehouse, next_day, "run-4", scored_at=FIXED_NOW) == 2
    history = warehouse.execute(
        "SELECT assessed_date, count(*), min(run_id) FROM risk.risk_scores "
        "GROUP BY ALL ORDER BY assessed_date"
    ).fetchall()
    assert history == [(DAY, 2, "run-3"), (next_day, 2, "run-4")]


def test_a_failed_rescoring_leaves_the_day_as_it_was(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    insert_assets(warehouse, [make_asset("a"), make_asset("b")])
    write_risk_model_tables(warehouse, RiskModel())
    score_assets(warehouse, DAY, "good-run", scored_at=FIXED_NOW)
    # A parameter that passes the presence check but breaks the statement half-way.
    warehouse.execute(
        "UPDATE risk.model_parameters SET value = 1e30 WHERE name = 'max_recommendation_drivers'"
    )
    with pytest.raises(duckdb.Error):
        score_assets(warehouse, DAY, "bad-run", scored_at=FIXED_NOW)
    day = fetch_scores(warehouse, DAY)
    assert sorted(day) == ["a", "b"]
    assert {r["run_id"] for r in day.values()} == {"good-run"}


def test_scoring_without_a_model_is_a_clear_error(warehouse: duckdb.DuckDBPyConnection) -> None:
    insert_assets(warehouse, [make_asset("a")])
    with pytest.raises(RiskModelNotWritten, match="write_risk_model_tables"):
        score_assets(warehouse, DAY, "run", scored_at=FIXED_NOW)
    write_risk_model_tables(warehouse, RiskModel())
    warehouse.execute("DELETE FROM risk.model_parameters WHERE name = 'levels.high'")
    with pytest.raises(RiskModelNotWritten, match=r"levels\.high"):
        score_assets(warehouse, DAY, "run", scored_at=FIXED_NOW)


def test_model_tables_are_replaced_and_values_bound_not_spliced(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    hostile = "Don't'); DROP TABLE risk.risk_scores; --"
    custom = RiskModel.model_validate(
        {
            "control_weights": {"guardrails": 0.5},
            "regulatory_impact": {"high_impact_scopes": ["gdpr"]},
            "recommendations": [{"dimension": "supply_chain", "above": 10, "text": hostile}],
            "max_recommendation_drivers": 6,
        }
    )
    write_risk_model_tables(warehouse, RiskModel())
    write_risk_model_tables(warehouse, custom)
    query = warehouse.execute
    assert query("SELECT * FROM risk.model_control_weights").fetchall() == [("guardrails", 0.5)]
    assert query("SELECT * FROM risk.model_high_impact_scopes").fetchall() == [("gdpr",)]
    assert query("SELECT text FROM risk.model_recommendations").fetchall() == [(hostile,)]
    assert query("SELECT count(*) FROM risk.risk_scores").fetchone() == (0,)
    assert query("SELECT count(*) FROM risk.model_parameters").fetchone() == (22,)
    assert query("SELECT count(*) FROM risk.model_dimension_weights").fetchone() == (6,)
    commented = query(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'risk' "
        "AND table_name LIKE 'model_%' AND comment IS NOT NULL ORDER BY 1"
    ).fetchall()
    assert len(commented) == 6
    row = score(warehouse, [make_asset("a", regulatory_scope=["gdpr"])], custom)["a"]
    assert row["regulatory_impact_score"] == 90
    assert row["recommendations"] == [hostile]  # supply chain 50 > 10 (sixth driver of six)


@pytest.mark.parametrize("value", [44.625, 2.675, 0.125, 0.375, 0.005, 0.015, 1.005, 99.995, 0.0])
def test_round2_rounds_like_python(warehouse: duckdb.DuckDBPyConnection, value: float) -> None:
    run_sql(warehouse, "risk/functions")
    for x in (value, -value):
        got = warehouse.execute("SELECT risk.round2(CAST(? AS DOUBLE))", [x]).fetchone()
        assert got == (round(x, 2),)


# ------------------------------------------------------------------ property tests

EXTRA_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6
)


def _enum(values: tuple[str, ...], *extra: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from([*values, *extra]), EXTRA_TEXT)


CONTROLS = st.one_of(
    st.none(),
    st.lists(
        st.one_of(
            st.none(),
            st.builds(
                control,
                st.one_of(st.none(), st.sampled_from([*CONTROL_TYPES, "unlisted"])),
                st.one_of(st.none(), st.booleans()),
            ),
        ),
        max_size=8,
    ),
)
SCOPES = st.one_of(
    st.none(),
    st.lists(st.one_of(st.none(), st.sampled_from(REGULATORY_SCOPES), EXTRA_TEXT), max_size=4),
)
# Fields a source may report invalid (scored at their worst case), plus ones risk ignores.
INVALID_FIELDS = st.one_of(
    st.none(),
    st.lists(
        st.sampled_from(
            [
                "data_classification",
                "deployment_env",
                "network_exposure",
                "regulatory_scope",
                "asset_type",
                "model_provider",
                "is_self_hosted",
                "last_security_review",
                "sbom_available",
                "license_type",
                "source_url",
                "owner_email",
                "controls",
            ]
        ),
        max_size=4,
        unique=True,
    ),
)
REVIEW_AGE = st.one_of(
    st.none(), st.integers(-3, 220), st.sampled_from([29, 30, 31, 89, 90, 91, 119, 120, 121])
)


@st.composite
def inventories(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 40))
    assets = []
    for i in range(count):
        age = draw(REVIEW_AGE)
        assets.append(
            make_asset(
                f"asset-{i:03d}",
                asset_type=draw(st.sampled_from([*ASSET_TYPES, "unlisted_type"])),
                data_classification=draw(_enum(DATA_CLASSIFICATIONS)),
                deployment_env=draw(_enum(DEPLOYMENT_ENVS)),
                network_exposure=draw(_enum(NETWORK_EXPOSURES)),
                regulatory_scope=draw(SCOPES),
                model_provider=draw(
                    _enum(
                        ("openai", "anthropic", "google", "azure_openai", "aws_bedrock"),
                        "gcp_vertex",
                        "meta",
                        "",
                    )
                ),
                is_self_hosted=draw(st.one_of(st.none(), st.booleans())),
                source_url=draw(
                    st.one_of(
                        st.none(),
                        st.sampled_from(
                            [
                                "https://huggingface.co/acme/m",
                                "https://HuggingFace.co/acme/m",
                                "https://example.com/m",
                                "",
                            ]
                        ),
                        EXTRA_TEXT,
                    )
                ),
                license_type=draw(
                    st.one_of(
                        st.none(),
                        st.sampled_from(["", "unknown", "Unknown", " ", "mit", "apache-2.0"]),
                        EXTRA_TEXT,
                    )
                ),
                sbom_available=draw(st.one_of(st.none(), st.booleans())),
                last_security_review=None if age is None else DAY - timedelta(days=age),
                controls=draw(CONTROLS),
                invalid_fields=draw(INVALID_FIELDS),
                status=draw(st.sampled_from(["active", "active", "active", "missing"])),
            )
        )
    return assets


SCORE = st.one_of(st.integers(0, 100).map(float), st.floats(0, 100))


@st.composite
def risk_models(draw: st.DrawFn) -> RiskModel:
    raw_weights = draw(st.lists(st.integers(0, 20), min_size=6, max_size=6).filter(any))
    total = sum(raw_weights)
    levels = sorted(draw(st.lists(SCORE, min_size=3, max_size=3, unique=True)), reverse=True)
    providers = ["openai", "anthropic", "azure_openai", "meta", "mistral", ""]
    return RiskModel.model_validate(
        {
            "weights": {d: w / total for d, w in zip(DIMENSIONS, raw_weights, strict=True)},
            "data_sensitivity": {
                "scores": draw(st.dictionaries(st.sampled_from(DATA_CLASSIFICATIONS), SCORE)),
                "unknown": draw(SCORE),
            },
            "deployment_exposure": {
                "exposure_scores": draw(st.dictionaries(st.sampled_from(NETWORK_EXPOSURES), SCORE)),
                "unknown_exposure": draw(SCORE),
                "env_multipliers": draw(
                    st.dictionaries(st.sampled_from(DEPLOYMENT_ENVS), st.floats(0, 3))
                ),
                "unknown_env": draw(st.floats(0, 3)),
                "cap": draw(SCORE),
            },
            "model_provenance": {
                "provider_scores": draw(st.dictionaries(st.sampled_from(providers), SCORE)),
                "self_hosted": draw(SCORE),
                "other": draw(SCORE),
                "never_reviewed_penalty": draw(SCORE),
                "stale_review_penalty": draw(SCORE),
                "cap": draw(SCORE),
            },
            "regulatory_impact": {
                "no_scope": draw(SCORE),
                "high_impact_scopes": draw(
                    st.lists(st.sampled_from(REGULATORY_SCOPES), unique=True)
                ),
                "high_impact": draw(SCORE),
                "other_scope": draw(SCORE),
            },
            "capability_risk": {
                "scores": draw(st.dictionaries(st.sampled_from(ASSET_TYPES), SCORE)),
                "other": draw(SCORE),
            },
            "supply_chain": {
                "base": draw(SCORE),
                "sbom_credit": draw(SCORE),
                "known_license_credit": draw(SCORE),
                "huggingface_penalty": draw(SCORE),
            },
            "control_weights": draw(
                st.dictionaries(st.sampled_from(CONTROL_TYPES), st.floats(0, 1))
            ),
            "levels": dict(zip(("critical", "high", "medium"), levels, strict=True)),
            "stale_review_days": draw(st.sampled_from([1, 30, 90, 120])),
            "recommendations": draw(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "dimension": st.sampled_from(DIMENSIONS),
                            "above": SCORE,
                            "text": st.text(max_size=12),
                        }
                    ),
                    max_size=8,
                )
            ),
            "max_recommendation_drivers": draw(st.integers(1, 6)),
        }
    )


@pytest.fixture(scope="module")
def shared_warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """One in-memory warehouse for all property examples (each example replaces its data)."""
    conn = duckdb.connect()
    create_schema(conn)
    yield conn
    conn.close()


def _check_against_reference(
    conn: duckdb.DuckDBPyConnection, assets: list[dict[str, Any]], model: RiskModel
) -> None:
    stored = score(conn, assets, model)
    inventory = fetch_assets(conn)
    active = {a["asset_id"] for a in assets if a["status"] == "active"}
    assert set(stored) == active
    for asset_id in active:
        assert_matches_reference(stored[asset_id], inventory[asset_id], model, DAY)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assets=inventories())
def test_sql_matches_reference_with_the_default_model(
    shared_warehouse: duckdb.DuckDBPyConnection, assets: list[dict[str, Any]]
) -> None:
    _check_against_reference(shared_warehouse, assets, RiskModel())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(assets=inventories(), model=risk_models())
def test_sql_matches_reference_with_random_models(
    shared_warehouse: duckdb.DuckDBPyConnection, assets: list[dict[str, Any]], model: RiskModel
) -> None:
    _check_against_reference(shared_warehouse, assets, model)
