"""The lineage graph on the demo estate with real `materialize()` runs against temp DuckDB files."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from aisec_assets.monitoring.assets import monitoring_partitions
from aisec_jobs.definitions import CHECKS, all_assets, build_definitions, resources_for
from aisec_jobs.demo_estate import OUTBOX, generate_demo_estate
from aisec_jobs.jobs import main_job
from aisec_jobs.summary import render_summary
from aisec_resources.config import AisecConfig, load_config_file
from aisec_resources.settings import AS_OF_TAG

AS_OF = date(2026, 11, 28)
TAGS = {AS_OF_TAG: AS_OF.isoformat()}
REPRODUCIBLE_TABLES = (
    "discovery.discovered_assets",
    "discovery.source_status",
    "inventory.ai_assets",
    "risk.risk_scores",
    "compliance.compliance_gaps",
    "compliance.framework_compliance",
    "controls.evidence_facts",
    "controls.control_evidence",
    "controls.control_coverage",
    "governance.risk_acceptances",
    "governance.risk_appetite_breaches",
    "metrics.program_kpis",
    "metrics.maturity_scores",
)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo-template") / "demo"
    generate_demo_estate(root, as_of=AS_OF)
    return root


@pytest.fixture
def estate(tmp_path: Path, demo_template: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(demo_template, root, symlinks=True)
    return root


@pytest.fixture
def config(estate: Path) -> AisecConfig:
    return load_config_file(estate / "aisec.yaml")


def materialize(
    config: AisecConfig, selection: str | dg.AssetSelection = main_job.selection
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*all_assets(monitoring_partitions(config)), *CHECKS],
        resources=resources_for(config),
        selection=selection,
        tags=TAGS,
        raise_on_error=True,
    )


def query(config: AisecConfig, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(config.warehouse.path), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def test_definitions_load(config: AisecConfig) -> None:
    defs = build_definitions(config)
    dg.Definitions.validate_loadable(defs)
    groups = {spec.group_name for spec in defs.resolve_all_asset_specs()}
    assert groups == {
        "discovery",
        "inventory",
        "governance",
        "controls",
        "risk",
        "compliance",
        "operations",
        "metrics",
        "monitoring",
        "collection",
    }
    for spec in defs.resolve_all_asset_specs():
        assert spec.description and spec.owners and spec.kinds, spec.key
        if spec.group_name == "collection":  # writes bundle files, not a warehouse table
            continue
        # column schemas (with the warehouse's column comments) show before any run
        schema = spec.metadata["dagster/column_schema"]
        assert schema.columns and any(c.description for c in schema.columns), spec.key


def test_groups_materialize_in_order(config: AisecConfig) -> None:
    result = materialize(config, "group:discovery")
    assert result.success
    sources = dict(query(config, "SELECT source, record_count FROM discovery.source_status"))
    assert set(sources) == {
        "declared_registry",
        "huggingface",
        "aws_bedrock",
        "aws_sagemaker",
        "azure_openai",
    }
    assert all(n > 0 for n in sources.values()), sources
    assert query(config, "SELECT count(*) FROM discovery.source_status WHERE stale") == [(0,)]

    assert materialize(config, "group:inventory").success
    (assets,) = query(config, "SELECT count(*) FROM inventory.ai_assets")[0]
    assert assets >= 60
    types = {t for (t,) in query(config, "SELECT DISTINCT asset_type FROM inventory.ai_assets")}
    assert types >= {
        "foundation_model",
        "fine_tuned_model",
        "embedding_model",
        "vector_database",
        "training_dataset",
        "evaluation_dataset",
        "ai_agent",
        "api_endpoint",
        "guardrail_config",
        "prompt_template",
    }
    teams = query(config, "SELECT count(DISTINCT owner_team) FROM inventory.ai_assets")[0][0]
    assert teams >= 4

    # Governance and control evidence come before risk (risk takes its control effectiveness
    # from the evidence); the appetite breaches and coverage after it.
    before_risk = (
        dg.AssetSelection.groups("governance") - dg.AssetSelection.assets("risk_appetite_breaches")
    ) | dg.AssetSelection.assets("control_catalog", "control_evidence")
    assert materialize(config, before_risk).success
    statuses = dict(
        query(
            config,
            "SELECT status, count(*) FROM governance.risk_acceptances GROUP BY ALL",
        )
    )
    assert set(statuses) == {"active", "expired", "rejected"}, statuses
    evidence = dict(
        query(config, "SELECT status, count(*) FROM controls.control_evidence GROUP BY ALL")
    )
    assert {"implemented", "partly", "missing", "accepted"} <= set(evidence), evidence
    # The demo's blind spot closed: an agent inherits the guardrail it uses.
    assert query(
        config,
        "SELECT state, source FROM controls.evidence_facts e JOIN inventory.ai_assets a "
        "USING (asset_id) WHERE a.name = 'fraud-triage-agent' AND fact = 'guardrail.attached' "
        "ORDER BY ALL",
    ) == [("implemented", "dependency"), ("implemented", "discovered")]

    assert materialize(config, "group:risk").success
    assert query(
        config, "SELECT count(*) FROM risk.risk_scores WHERE assessed_date = ?", [AS_OF]
    ) == [(assets,)]
    assert (
        "guardrails"
        in query(
            config,
            "SELECT operational_controls FROM risk.risk_scores JOIN inventory.ai_assets "
            "USING (asset_id) WHERE name = 'fraud-triage-agent'",
        )[0][0]
    )
    assert materialize(
        config, dg.AssetSelection.assets("control_coverage", "risk_appetite_breaches")
    ).success
    assert query(config, "SELECT count(*) FROM controls.control_coverage") == [(assets,)]
    assert query(config, "SELECT count(*) > 0 FROM governance.risk_appetite_breaches") == [(True,)]
    levels = {lvl for (lvl,) in query(config, "SELECT DISTINCT risk_level FROM risk.risk_scores")}
    assert levels == {"CRITICAL", "HIGH", "MEDIUM", "LOW"}, levels

    assert materialize(config, "group:compliance").success
    gap_types = {
        g for (g,) in query(config, "SELECT DISTINCT gap_type FROM compliance.compliance_gaps")
    }
    assert gap_types >= {
        "no_security_review",
        "stale_review",
        "missing_sbom",
        "unclassified_data",
        "no_owner",
        "public_exposure_high_sensitivity",
        "unsafe_model_file",
        "missing_required_control",
        "appetite_breach",
        "expired_acceptance",
        "overdue_policy_review",
    }
    frameworks = dict(
        query(
            config,
            "SELECT framework, count(*) FROM compliance.framework_compliance GROUP BY ALL",
        )
    )
    assert set(frameworks) == {"owasp_llm", "mitre_atlas", "nist_ai_rmf", "iso_42001", "eu_ai_act"}
    assert frameworks["owasp_llm"] == 10
    findings = sorted((config.warehouse.path.parent / "findings" / AS_OF.isoformat()).iterdir())
    assert [p.name.split(".", 1)[1] for p in findings] == ["ocsf.json", "sarif.json"]

    assert materialize(config, "group:metrics").success
    levels = dict(query(config, "SELECT dimension, level FROM metrics.maturity_scores"))
    assert set(levels) == {
        "Asset Management",
        "Incident Response",
        "Red Teaming",
        "Governance",
        "Technical Controls",
        "Monitoring",
        "Compliance",
    }
    assert all(1 <= level <= 4 for level in levels.values())
    functions = query(config, "SELECT function FROM metrics.nist_ai_rmf_scores ORDER BY 1")
    assert functions == [("GOVERN",), ("MANAGE",), ("MAP",), ("MEASURE",)]


def test_checks_pass_on_the_demo_and_rerun_is_idempotent(config: AisecConfig) -> None:
    first = materialize(config)
    evaluations = {e.check_name: e for e in first.get_asset_check_evaluations()}
    for name in (
        "ai_assets_unique_ids",
        "no_clear_text_secrets",
        "risk_weights_sum_to_one",
        "risk_scores_within_bounds",
    ):
        assert evaluations[name].passed, name
    assert all(
        e.passed for e in first.get_asset_check_evaluations() if e.check_name == "source_is_fresh"
    )
    ids = query(config, "SELECT asset_id FROM inventory.ai_assets ORDER BY 1")
    history = query(config, "SELECT count(*) FROM inventory.ai_assets_history")[0][0]
    # A rerun of the same past day writes the same rows, timestamps included: the run's clock
    # is its aisec/as_of day, not the wall clock.
    same_day_rows = {
        table: query(config, f"SELECT COLUMNS(lambda c: c <> 'run_id') FROM {table} ORDER BY ALL")
        for table in REPRODUCIBLE_TABLES
    }

    # the demo's notification channel is a local outbox: every line names an incident, and a
    # rerun sends nothing twice (what was delivered is recorded in the timeline)
    outbox = config.config_path.parent / OUTBOX
    sent = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    incidents = {r[0] for r in query(config, "SELECT incident_id FROM operations.incidents")}
    assert sent and {m["incident_id"] for m in sent} <= incidents

    assert materialize(config).success
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == len(sent)
    for table, rows in same_day_rows.items():
        again = query(config, f"SELECT COLUMNS(lambda c: c <> 'run_id') FROM {table} ORDER BY ALL")
        assert again == rows, f"{table} differs on a rerun of the same day"
    assert query(config, "SELECT asset_id FROM inventory.ai_assets ORDER BY 1") == ids
    assert query(config, "SELECT count(*) FROM inventory.ai_assets_history")[0][0] == 2 * history
    for table, key in (
        ("risk.risk_scores", "asset_id, assessed_date"),
        ("compliance.compliance_gaps", "assessed_date, asset_id, gap_type, control_id, policy_id"),
        ("controls.control_evidence", "assessed_date, asset_id, control_id"),
        ("metrics.program_kpis", "kpi_date"),
    ):
        dupes = query(config, f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}")
        assert dupes == [(0,)], table
    assert query(config, "SELECT count(*) FROM risk.risk_scores") == [(len(ids),)]


def test_a_failing_source_keeps_its_last_good_data(config: AisecConfig, estate: Path) -> None:
    assert materialize(config).success
    before = query(
        config, "SELECT count(*) FROM discovery.discovered_assets WHERE source = 'azure_openai'"
    )[0][0]
    shutil.rmtree(estate / "azure")
    (estate / "registry.yaml").write_text("assets: [unclosed\n")
    result = materialize(config)
    assert result.success  # the other sources and everything downstream still ran
    fresh = {
        e.asset_key.to_user_string(): e.passed
        for e in result.get_asset_check_evaluations()
        if e.check_name == "source_is_fresh"
    }
    assert fresh["azure_openai_extract"] is False and fresh["declared_registry"] is False
    assert fresh["aws_bedrock_extract"] is True
    status = dict(query(config, "SELECT source, stale FROM discovery.source_status"))
    assert status["azure_openai"] and status["declared_registry"] and not status["aws_bedrock"]
    assert (
        query(
            config, "SELECT count(*) FROM discovery.discovered_assets WHERE source = 'azure_openai'"
        )[0][0]
        == before
    )
    assert (
        query(
            config,
            "SELECT count(*) FROM inventory.ai_assets WHERE source_stale "
            "AND list_contains(sources, 'azure_openai')",
        )[0][0]
        == before
    )
    errors = dict(query(config, "SELECT source, last_error FROM discovery.source_status"))
    assert "registry.yaml" in errors["declared_registry"]


def test_an_unreadable_part_makes_its_source_partial_not_its_assets_missing(
    config: AisecConfig, estate: Path
) -> None:
    """A Hugging Face location that is not a directory: the source is `partial` with the
    reason, the location's assets keep their last good data (stale, not missing), the
    freshness check warns and the summary says so."""
    assert materialize(config).success
    hf_ids = {
        row[0]
        for row in query(
            config,
            "SELECT asset_id FROM discovery.discovered_assets WHERE source = 'huggingface' "
            "AND starts_with(natural_key, 'hf-dir://')",
        )
    }
    assert hf_ids
    shutil.rmtree(estate / "models")
    (estate / "models").write_text("a file where the model directories were\n")
    result = materialize(config)
    assert result.success
    fresh = {
        e.asset_key.to_user_string(): e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "source_is_fresh"
    }
    assert fresh["huggingface_extract"].passed is False
    assert "partial" in (fresh["huggingface_extract"].description or "")
    ((state, stale, error),) = query(
        config,
        "SELECT status, stale, last_error FROM discovery.source_status "
        "WHERE source = 'huggingface'",
    )
    assert (state, stale) == ("partial", True) and "is not a directory" in error
    states = query(
        config,
        "SELECT DISTINCT status, source_stale FROM inventory.ai_assets "
        "WHERE list_has_any(?, [asset_id])",
        [sorted(hf_ids)],
    )
    assert states == [("active", True)]
    assert query(config, "SELECT count(*) FROM inventory.ai_assets WHERE status = 'missing'") == [
        (0,)
    ]
    with duckdb.connect(str(config.warehouse.path), read_only=True) as conn:
        summary = render_summary(conn, AS_OF)
    assert "huggingface partial:" in summary and "is not a directory" in summary
