"""The program dashboard and the executive report (issue 11): content against a hand-built
warehouse with known answers, empty inputs, a large estate (aggregated, so the file stays
small), and the demo estate through real `materialize()` runs, rendered in a real browser
(headless Debian Chromium driven by playwright; the screenshot is kept in test-artifacts/)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from filelock import FileLock
from planted_keys import planted_keys
from plotly.offline import get_plotlyjs

from aisec_assets.metrics import dashboard, executive_report
from aisec_assets.metrics.reporting_assets import REPORTING_ASSETS
from aisec_assets.monitoring.assets import monitoring_partitions
from aisec_jobs.definitions import CHECKS, all_assets, resources_for
from aisec_jobs.demo_estate import generate_demo_estate
from aisec_jobs.jobs import main_job
from aisec_jobs.summary import render_summary
from aisec_resources.clock import RunClock
from aisec_resources.config import AisecConfig, load_config_file
from aisec_resources.settings import AS_OF_TAG
from aisec_resources.warehouse import create_schema

REPO_ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO_ROOT / "test-artifacts" / "dashboard.png"
DAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 22, 0, 0)
H, D = timedelta(hours=1), timedelta(days=1)
TAGS = {AS_OF_TAG: DAY.isoformat()}
HOSTILE = "<img src=x onerror=alert(1)>"
KEY = planted_keys()["aws_access_key_id"]

# ------------------------------------------------------------------ warehouse builders

DEFAULTS = {"DATE": f"DATE '{DAY}'", "TIMESTAMP": f"TIMESTAMP '{NOW}'", "VARCHAR": "'x'"}
DEFAULTS |= {"BOOLEAN": "false", "JSON": "'{}'"}
Conn = duckdb.DuckDBPyConnection


def _fill(conn: Conn, table: str, given: set[str]) -> dict[str, str]:
    """SQL defaults for the NOT NULL columns a test does not care about, so the fixtures
    survive columns added later."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name || '.' || table_name = ? AND NOT is_nullable",
        [table],
    ).fetchall()
    out = {}
    for column, dtype in rows:
        if column not in given:
            out[column] = "[]" if dtype.endswith("[]") else DEFAULTS.get(dtype, "0")
            out[column] = "MAP {}" if dtype.startswith("MAP") else out[column]
    return out


def add(conn: Conn, table: str, **values: Any) -> None:
    """Insert one row: `values` bound as parameters, the other NOT NULL columns defaulted."""
    defaults = _fill(conn, table, set(values))
    select = [f"? AS {c}" for c in values] + [f"{e} AS {c}" for c, e in defaults.items()]
    conn.execute(f"INSERT INTO {table} BY NAME SELECT {', '.join(select)}", list(values.values()))


def add_rows(conn: Conn, table: str, names: str, rows: list[tuple], **common: Any) -> None:
    """Insert `rows`, values of the space-separated columns `names`, plus `common` values."""
    for row in rows:
        add(conn, table, **dict(zip(names.split(), row, strict=True)), **common)


def add_many(conn: Conn, table: str, source: str, **exprs: str) -> None:
    """Insert the rows of `FROM source`, with an SQL expression per column."""
    defaults = _fill(conn, table, set(exprs))
    select = [f"{e} AS {c}" for c, e in {**exprs, **defaults}.items()]
    conn.execute(f"INSERT INTO {table} BY NAME SELECT {', '.join(select)} FROM {source}")


# asset_id name deployment_env data_classification owner_team residual_risk_score risk_level
ASSETS = [
    ("a01", "payments-agent", "production", "confidential", "alpha", 90.0, "CRITICAL"),
    ("a02", "claims-bot", "production", None, "alpha", 70.0, "HIGH"),
    ("a03", "notes-rag", None, "internal", "beta", 40.0, "MEDIUM"),
    ("a04", HOSTILE, None, None, None, 35.0, "MEDIUM"),
    ("a05", f"leaky {KEY}", "staging", "public", "beta", 30.0, "MEDIUM"),
]
ASSETS += [
    (f"a{n:02}", f"filler-{n}", "research", "internal", "c", 20.0 - n, "LOW") for n in range(6, 13)
]
ASSET_COLUMNS = "asset_id name deployment_env data_classification owner_team"
# alpha 3, beta 1, no owner 1, and two without an asset (the program's own)
GAPS = [("a01", "no_security_review"), ("a01", "missing_sbom"), ("a02", "no_security_review")]
GAPS += [("a03", "missing_sbom"), ("a04", "no_owner"), (None, "overdue_policy_review")]
GAPS += [(None, "overdue_art73_report")]
# INC-A sev1 open: its Art. 73 report and its detection task overdue. INC-B sev2 contained:
# the eradication task overdue, the earlier ones done. INC-C closed: nothing of it is overdue.
INCIDENTS = [
    ("INC-A", "sev1", "open", None, None, NOW - H, None, None),
    ("INC-B", "sev2", "contained", NOW - 6 * H, NOW - 5 * H, None, NOW + 10 * H, None),
    ("INC-C", "sev3", "closed", NOW - 6 * H, NOW - 5 * H, None, None, NOW - H),
]
INCIDENT_COLUMNS = "incident_id severity state triaged_at contained_at art73_due_at"
INCIDENT_COLUMNS += " gdpr33_due_at closed_at"
TASKS = [("INC-A", 1, "detection", NOW - 2 * H), ("INC-A", 2, "containment", NOW + H)]
TASKS += [("INC-B", 1, "detection", NOW - 5 * H), ("INC-B", 2, "containment", NOW - 4 * H)]
TASKS += [("INC-B", 3, "eradication", NOW - 3 * H), ("INC-C", 1, "lessons_learned", NOW - H)]
# 2 jailbreak and 3 pii hits in the last 30 days, one hit 30 days back
HITS = [(DAY, "jailbreak"), (DAY, "jailbreak"), (DAY - 3 * D, "pii")]
HITS += [(DAY - 29 * D, "pii"), (DAY - 29 * D, "pii"), (DAY - 30 * D, "old")]
# OWASP LLM01 <- C1, C2 and LLM02 <- C2; a01 and a02 require both controls
EVIDENCE = [("a01", "C1", "implemented"), ("a01", "C2", "missing")]
EVIDENCE += [("a02", "C1", "implemented"), ("a02", "C2", "accepted")]


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Conn]:
    """A hand-built warehouse with known answers (see each test)."""
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    create_schema(c)
    assets = [row[:5] for row in ASSETS]
    add_rows(c, "inventory.ai_assets", ASSET_COLUMNS, assets, natural_key="k", status="active")
    scores = [(row[0], row[5], row[6]) for row in ASSETS]
    add_rows(
        c,
        "risk.risk_scores",
        "asset_id residual_risk_score risk_level",
        scores,
        assessed_date=DAY,
        inherent_risk_level="CRITICAL",
        top_driver="data",
    )
    c.execute("UPDATE risk.risk_scores SET top_driver = 'supply_chain' WHERE asset_id = 'a02'")
    add_rows(c, "compliance.compliance_gaps", "asset_id gap_type", GAPS, assessed_date=DAY)
    add_rows(c, "controls.catalog_controls", "control_id", [("C1",), ("C2",)])
    requirements = [("LLM01", "one", 1), ("LLM02", "two", 2)]
    add_rows(
        c,
        "controls.framework_requirements",
        "requirement_id title position",
        requirements,
        framework="owasp_llm",
    )
    mappings = [("C1", "LLM01"), ("C2", "LLM01"), ("C2", "LLM02")]
    add_rows(
        c, "controls.catalog_mappings", "control_id requirement_id", mappings, framework="owasp_llm"
    )
    add_rows(
        c,
        "controls.control_evidence",
        "asset_id control_id status",
        EVIDENCE,
        assessed_date=DAY,
        applicable=True,
    )
    add_rows(c, "monitoring.detections", "event_date family", HITS)
    add_rows(
        c,
        "operations.incidents",
        INCIDENT_COLUMNS,
        INCIDENTS,
        opened_at=NOW - 8 * H,
        first_evidence_at=NOW - 9 * H,
    )
    add_rows(c, "operations.incident_tasks", "incident_id step_number phase due_at", TASKS)
    add_rows(
        c,
        "governance.risk_acceptances",
        "acceptance_id status",
        [("RA-1", "expired"), ("RA-2", "active")],
        asset_ref="a02",
        asset_id="a02",
        assessed_date=DAY,
        expires_on=DAY - 2 * D,
        owner="owner@example.org",
    )
    kpis = [(DAY, 12, 1), (DAY - 7 * D, 10, 3), (DAY - 30 * D, 8, 3)]
    add_rows(c, "metrics.program_kpis", "kpi_date active_ai_assets critical_risk_assets", kpis)
    dimensions = [("Asset Management", 2, "Managed", ["next AM"])]
    dimensions += [("Red Teaming", 1, "Initial", ["next for Red Teaming"])]
    add_rows(
        c,
        "metrics.maturity_scores",
        "dimension level level_name gaps_to_next_level",
        dimensions,
        assessed_date=DAY,
    )
    frameworks = [("eu_ai_act", "r1", "met"), ("eu_ai_act", "r2", "not_met")]
    frameworks += [("iso_42001", "r1", "met")]
    add_rows(
        c,
        "compliance.framework_compliance",
        "framework requirement_id status",
        frameworks,
        assessed_date=DAY,
    )
    yield c
    c.close()


def table_rows(text: str, start: str, end: str | None) -> list[list[str]]:
    """The cells of the Markdown table rows between the lines starting `start` and `end`."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next((i for i, line in enumerate(lines) if end and line.startswith(end)), len(lines))
    rows = [line for line in lines[first:last] if line.startswith("|")][2:]  # header, rule
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


# ------------------------------------------------------------------ content


def test_every_chart_aggregates_the_known_answers(conn: Conn) -> None:
    charts = {chart.key: chart.figure for chart in dashboard.collect(conn, DAY)[0]}
    assert list(charts) == [fn.__name__ for fn in dashboard.CHARTS]

    heat = charts["risk_heatmap"].data[0]
    # unknown values are a row and a column of their own, last
    assert list(heat.y) == ["production", "staging", "research", "unknown"]
    assert list(heat.x) == ["public", "internal", "confidential", "unknown"]
    rows = zip(heat.y, heat.text, strict=True)
    cells = {(y, x): t for y, row in rows for x, t in zip(heat.x, row, strict=True) if t}
    assert cells[("unknown", "unknown")].startswith("1 assets")  # the hostile-named one
    assert cells[("research", "internal")].startswith("7 assets")
    assert sum(int(t.split()[0]) for t in cells.values()) == len(ASSETS)
    assert all(isinstance(t, str) for row in heat.text for t in row)  # "" in an empty cell

    top = charts["top_risks"]
    bars = sorted((x, y) for trace in top.data for x, y in zip(trace.x, trace.y, strict=True))
    assert len(bars) == dashboard.TOP_RISKS and bars[-1] == (90.0, "payments-agent")
    assert [t for trace in top.data if trace.name == "HIGH" for t in trace.text] == ["supply_chain"]

    by_team: dict[str, int] = {}
    for trace in charts["gaps_by_team"].data:
        for x, y in zip(trace.x, trace.y, strict=True):
            by_team[y] = by_team.get(y, 0) + int(x)
    assert by_team == {"alpha": 3, "beta": 1, "(no owner)": 1, "program": 2}

    owasp = {t.name: dict(zip(t.y, t.x, strict=True)) for t in charts["owasp_coverage"].data}
    assert owasp["implemented"] == {"LLM01 one": 50.0, "LLM02 two": 0.0}
    assert owasp["accepted"]["LLM01 one"] == owasp["missing"]["LLM01 one"] == 25.0
    assert owasp["accepted"]["LLM02 two"] == owasp["missing"]["LLM02 two"] == 50.0

    hits = {trace.name: sum(trace.y) for trace in charts["detections_trend"].data}
    assert hits == {"jailbreak": 2, "pii": 3}  # the hit 30 days back is outside the window

    incidents = {t.name: list(t.y) for t in charts["incident_trend"].data}
    assert incidents["opened"] == [3] and incidents["sev1/sev2"] == [2]
    assert incidents["MTTD (h)"] == [1.0] and incidents["MTTC (h)"] == [3.0]  # INC-B, INC-C
    assert incidents["MTTR (h)"] == [None]  # none recovered: a gap, not a zero

    levels = {t.name: list(t.r) for t in charts["maturity_radar"].data}
    assert levels["level"] == [2, 1, 2]  # a closed polygon
    frameworks = {t.name: sorted(t.y) for t in charts["framework_bars"].data}
    assert frameworks == {"met": ["EU AI Act", "ISO/IEC 42001"], "not_met": ["EU AI Act"]}


def test_the_page_is_self_contained_escaped_and_redacted(conn: Conn) -> None:
    page = dashboard.build_dashboard(conn, DAY, organisation="Acme <Health>", generated_at=NOW)
    assert page.count(get_plotlyjs()) == 1  # plotly.js inline, once
    rest = page.replace(get_plotlyjs(), "")
    assert '<script src="http' not in page and not re.search(r"(src|href)=[\"']?https?:", rest)
    assert "Acme &lt;Health&gt;" in page and f"generated {NOW:%Y-%m-%d %H:%M:%S} UTC" in page
    assert HOSTILE not in page and "&lt;img src=x" in page  # shown, never interpreted
    assert KEY not in page and "redacted:aws_access_key_id" in page
    assert page.count('class="plotly-graph-div"') == len(dashboard.CHARTS)


def test_an_empty_warehouse_gives_charts_saying_why(tmp_path: Path) -> None:
    c = duckdb.connect(str(tmp_path / "empty.duckdb"))
    create_schema(c)
    charts, headline = dashboard.collect(c, DAY)
    for chart in charts:
        (note,) = chart.figure.layout.annotations
        assert not chart.has_data and note.text.startswith("no data yet: "), chart.key
    assert headline["active_assets"] == 0 and headline["mean_residual_risk"] is None
    text, overdue = executive_report.build_report(c, DAY, organisation="Acme", generated_at=NOW)
    assert overdue == 0
    assert f"No KPIs for {DAY} yet" in text and f"No risk scores for {DAY} yet" in text
    assert "No open incidents." in text and f"No maturity scores for {DAY} yet" in text


def test_the_executive_report_has_the_known_answers(conn: Conn, tmp_path: Path) -> None:
    path = executive_report.report_path(tmp_path, DAY)
    written = executive_report.write_report(conn, DAY, path, organisation="Acme", generated_at=NOW)
    text = path.read_text(encoding="utf-8")
    assert path.name == f"executive_report_{DAY}.md" and written.text == text
    lines = text.splitlines()
    assert [line for line in lines if line.startswith("## ")] == [
        "## Posture",
        f"## Top {executive_report.TOP} residual risks",
        "## Overdue items (5)",
        "## Maturity",
        "## Open incidents by severity",
    ]
    # the trend from the KPI history: 12 assets today, 10 a week ago, 8 thirty days ago
    posture = {row[0]: row[1:] for row in table_rows(text, "## Posture", "## Top")}
    assert posture["Active AI assets"] == ["12", "+2 (was 10)", "+4 (was 8)"]
    assert posture["Critical risks"] == ["1", "-2 (was 3)", "-2 (was 3)"]
    # the top 5 in order; the hostile name shown as text, the key redacted
    top = [row[0] for row in table_rows(text, "## Top", "## Overdue")]
    assert top == [
        "payments-agent",
        "claims-bot",
        "notes-rag",
        "&lt;img src=x onerror=alert(1)&gt;",
        "leaky <redacted:aws_access_key_id>",
    ]
    assert HOSTILE not in text and KEY not in text
    # overdue: the policy review (the Art. 73 gap is under reports), RA-1, two tasks (INC-B's
    # eradication, INC-A's detection; never a closed incident's), INC-A's Art. 73 report
    gaps = table_rows(text, "**Overdue reviews", "**Expired")
    assert [row[0] for row in gaps] == ["overdue_policy_review"]
    assert [row[0] for row in table_rows(text, "**Expired", "**Incident")] == ["RA-1"]
    tasks = table_rows(text, "**Incident tasks past due: 2**", "**Regulatory")
    assert [(row[0], row[3]) for row in tasks] == [("INC-B", "eradication"), ("INC-A", "detection")]
    reports = table_rows(text, "**Regulatory reports overdue: 1**", "## Maturity")
    assert [row[:3] for row in reports] == [["INC-A", "sev1", "EU AI Act Art. 73"]]
    # maturity with the target and the next step; open incidents by severity
    maturity = {row[0]: row[1:] for row in table_rows(text, "## Maturity", "## Open")}
    has_target = "target_level" in dashboard.columns(conn, "metrics.maturity_scores")
    target = "3" if has_target else "3 (default)"
    assert maturity["Red Teaming"] == ["1 Initial", target, "next for Red Teaming"]
    severities = [row[:2] for row in table_rows(text, "## Open incidents", None)]
    assert severities == [["sev1", "1"], ["sev2", "1"]]


def test_a_large_estate_stays_a_small_file(tmp_path: Path) -> None:
    """200,000 assets in 3,000 teams with 40 days of detections: aggregates only."""
    c = duckdb.connect(str(tmp_path / "big.duckdb"))
    create_schema(c)
    n, envs = 200_000, "['production', 'staging', 'development', 'research', NULL]"
    rows = f"range({n}) t(i)"
    add_many(
        c,
        "inventory.ai_assets",
        rows,
        asset_id="'a' || i",
        natural_key="'k' || i",
        name="'asset-' || i",
        owner_team="'team-' || (i % 3000)",
        deployment_env=f"{envs}[1 + i % 5]",
        status="'active'",
    )
    add_many(
        c,
        "risk.risk_scores",
        rows,
        asset_id="'a' || i",
        assessed_date=f"DATE '{DAY}'",
        residual_risk_score="(i % 1000) / 10",
        risk_level="'LOW'",
    )
    add_many(
        c,
        "compliance.compliance_gaps",
        rows,
        asset_id="'a' || i",
        assessed_date=f"DATE '{DAY}'",
        gap_type="'gap_' || (i % 12)",
    )
    add_many(
        c,
        "monitoring.detections",
        rows,
        family="'family_' || (i % 20)",
        event_date=f"DATE '{DAY}' - (i % 40)::INTEGER",
    )
    page = dashboard.build_dashboard(c, DAY, organisation="Big", generated_at=NOW)
    payload = len(page.encode()) - len(get_plotlyjs().encode())
    assert payload < 250_000, f"{payload} bytes of chart data for {n} assets"
    charts = {chart.key: chart.figure for chart in dashboard.collect(c, DAY)[0]}
    teams = {y for trace in charts["gaps_by_team"].data for y in trace.y}
    assert len(teams) == dashboard.MAX_TEAMS + 1 and "other teams" in teams
    assert sum(len(trace.x) for trace in charts["top_risks"].data) == dashboard.TOP_RISKS


# ------------------------------------------------------------------ the demo, in a browser


def _materialize(
    config: AisecConfig, selection: Any, tags: dict[str, str]
) -> dg.ExecuteInProcessResult:
    assets = all_assets(monitoring_partitions(config))
    known = {key for a in assets for key in a.keys}
    extra = [a for a in REPORTING_ASSETS if a.key not in known]  # until definitions has them
    return dg.materialize(
        [*assets, *extra, *CHECKS],
        resources=resources_for(config),
        selection=selection,
        tags=tags,
        raise_on_error=True,
    )


def _build_demo(root: Path) -> None:
    """`aisec run`'s three jobs on the demo estate, then the two reporting assets."""
    generate_demo_estate(root, as_of=DAY)
    config = load_config_file(root / "aisec.yaml")
    _materialize(config, main_job.selection, TAGS)
    days = {
        "dagster/asset_partition_range_start": (config.monitoring.start_date or DAY).isoformat(),
        "dagster/asset_partition_range_end": (DAY - D).isoformat(),
    }
    _materialize(config, dg.AssetSelection.assets("llm_events", "detections"), TAGS | days)
    _materialize(config, dg.AssetSelection.assets("incidents"), TAGS)
    result = _materialize(
        config, dg.AssetSelection.assets(*(a.key for a in REPORTING_ASSETS)), TAGS
    )
    metadata = {}
    for asset in REPORTING_ASSETS:
        (event,) = result.asset_materializations_for_node(asset.key.path[-1])
        metadata[asset.key.path[-1]] = {k: v.value for k, v in event.metadata.items()}
    (root.parent / "metadata.json").write_text(json.dumps(metadata, default=str))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> AisecConfig:
    """The demo warehouse and its two files, built once per session (shared by the xdist
    workers under a lock) and only read by the tests."""
    base = tmp_path_factory.getbasetemp()
    shared = (base if worker_id == "master" else base.parent) / "dashboard-demo"
    with FileLock(f"{shared}.lock"):
        if not (shared / "built").exists():
            shutil.rmtree(shared, ignore_errors=True)
            _build_demo(shared / "demo")
            (shared / "built").touch()
    return load_config_file(shared / "demo" / "aisec.yaml")


def test_the_demo_writes_both_files_and_the_summary_names_them(
    demo: AisecConfig, record_property: Any
) -> None:
    page_path = dashboard.dashboard_path(demo.warehouse.path.parent)
    report = executive_report.report_path(demo.warehouse.path.parent, DAY)
    page, size = page_path.read_text(encoding="utf-8"), page_path.stat().st_size
    record_property("dashboard_bytes", size)
    print(f"dashboard on the demo: {size} bytes, {size - len(get_plotlyjs())} without plotly.js")
    assert size < 6_000_000 and '<script src="http' not in page
    now = RunClock.from_tags(TAGS, demo.timezone).now  # the run's clock, not the wall clock
    assert f"generated {now:%Y-%m-%d %H:%M:%S} UTC" in page and demo.organisation in page
    text = report.read_text(encoding="utf-8")
    assert "## Overdue items" in text and "| Asset Management " in text
    metadata = json.loads((demo.config_path.parent.parent / "metadata.json").read_text())
    shown = metadata["program_dashboard"]
    assert shown["path"] == str(page_path) and shown["size_bytes"] == size
    assert shown["charts"] == len(dashboard.CHARTS) and shown["charts_without_data"] == 0
    assert "- active AI assets: " in shown["headline"]
    assert metadata["executive_report"]["path"] == str(report)
    assert metadata["executive_report"]["report"] == text
    with duckdb.connect(str(demo.warehouse.path), read_only=True) as c:
        summary = render_summary(c, DAY)
    assert f"Dashboard: {page_path}" in summary and f"Executive report: {report}" in summary


def _ci_requires(reason: str) -> None:
    """Skip locally; under CI=true fail (a skipped browser test would hide a broken page)."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the browser test to run", pytrace=False)
    pytest.skip(reason)


def render(path: Path, screenshot: Path | None = None) -> list[dict[str, Any]]:
    """Open `path` in headless Debian Chromium (driven by playwright, never a downloaded
    browser); each plotly div's id, traces, drawn marks and annotations. Fails on a console
    error, a failed request, or any request leaving the file (a CDN)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        _ci_requires("chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _ci_requires("playwright is not installed (pip install -e '.[dev]')")
    errors: list[str] = []

    def on_request(request: Any) -> None:
        if not request.url.startswith(("file:", "data:", "blob:")):
            errors.append(f"request leaving the file: {request.url}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: errors.append(f"failed request: {r.url}"))
            page.on("request", on_request)
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function(
                "n => { const d = [...document.querySelectorAll('.plotly-graph-div')];"
                " return d.length === n && d.every(x => x._fullLayout); }",
                arg=len(dashboard.CHARTS),
                timeout=30_000,
            )
            charts = page.evaluate(
                "() => [...document.querySelectorAll('.plotly-graph-div')].map(d => ({"
                " id: d.id, traces: d.data.length, drawn: d.querySelectorAll('.trace, .hm').length,"
                " notes: (d.layout.annotations || []).map(a => a.text),"
                " nulls: [...d.querySelectorAll('text')].filter(t => /^(null|NaN|undefined)$/"
                ".test(t.textContent.trim())).length }))"
            )
            if screenshot is not None:
                screenshot.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert [c["id"] for c in charts] == [f"chart-{fn.__name__}" for fn in dashboard.CHARTS]
    return charts


def test_the_demo_dashboard_renders_in_chromium(demo: AisecConfig) -> None:
    charts = render(dashboard.dashboard_path(demo.warehouse.path.parent), SCREENSHOT)
    for chart in charts:  # every chart of the demo has data, drawn
        assert chart["traces"] > 0 and chart["drawn"] > 0 and chart["nulls"] == 0, chart


def test_an_empty_dashboard_renders_every_chart_with_its_reason(tmp_path: Path) -> None:
    c = duckdb.connect(str(tmp_path / "empty.duckdb"))
    create_schema(c)
    path = tmp_path / "empty.html"
    dashboard.write_dashboard(c, DAY, path, organisation="Acme", generated_at=NOW)
    for chart in render(path):
        assert chart["traces"] == 0 and chart["notes"][0].startswith("no data yet: "), chart
