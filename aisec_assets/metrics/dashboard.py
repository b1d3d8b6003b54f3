"""The program dashboard: one self-contained interactive HTML file (SPEC §3.7, issue 11).

Security leads open it from the run summary or the asset's metadata, often offline or from a
file share, so plotly.js is embedded in the page (no CDN) and the file is rewritten atomically
on every run (a reader never sees half a page). Every chart is aggregated in SQL before it
reaches Python (counts per cell, day or team; at most `TOP_RISKS` assets), so the file stays
a few MB at a million assets. An empty input gives a chart saying why ("no data yet: ...");
an unknown environment or classification is a row of its own, never dropped. Labels pass the
redaction gate, like everything aisec writes, and are escaped: plotly renders a subset of
HTML in text, and an asset name is data, not markup. Plain functions of a DuckDB connection
(`build_dashboard`, `write_dashboard`), so the tests run them without Dagster.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from aisec_resources.redaction import redact_text

TREND_DAYS = 30  # detections and incidents: the last 30 days up to the assessed day
TOP_RISKS = 10
MAX_TEAMS = 15  # teams beyond the 15 with most gaps are one "other teams" bar
DEFAULT_TARGET_LEVEL = 3  # until metrics.maturity_scores carries target_level
ENV_ORDER = ("production", "staging", "development", "research")
CLASS_ORDER = ("public", "internal", "confidential", "restricted", "regulated")
LEVEL_COLOURS = {"CRITICAL": "#b2182b", "HIGH": "#ef8a62", "MEDIUM": "#fddbc7", "LOW": "#67a9cf"}
GOOD, BAD = "#1a9850", "#d73027"
STATUS_COLOURS = {"implemented": GOOD, "met": GOOD, "missing": BAD, "not_met": BAD}
STATUS_COLOURS |= {"accepted": "#91bfdb", "partly": "#fee08b", "manual": "#bababa"}
FRAMEWORK_NAMES = {"owasp_llm": "OWASP LLM Top 10", "mitre_atlas": "MITRE ATLAS"}
FRAMEWORK_NAMES |= {"nist_ai_rmf": "NIST AI RMF", "iso_42001": "ISO/IEC 42001"}
FRAMEWORK_NAMES |= {"eu_ai_act": "EU AI Act"}
DAY_MS = 86_400_000  # bars one day wide on a date axis (for one point plotly guesses 1 ms)
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
TO_HTML = {"full_html": False, "include_plotlyjs": False, "default_height": "440px"}
Conn = duckdb.DuckDBPyConnection


def dashboard_path(warehouse_dir: Path) -> Path:
    """Where the dashboard is written: one file, replaced by every run."""
    return warehouse_dir / "dashboard" / "program_dashboard.html"


@dataclass(frozen=True)
class Chart:
    """One chart: `key` (the name of the function that builds it) is in its div id
    (`chart-<key>`); `has_data` is false for a chart that says why it is empty."""

    key: str
    title: str
    figure: go.Figure
    has_data: bool


@dataclass(frozen=True)
class DashboardFile:
    path: Path
    size_bytes: int
    charts: tuple[Chart, ...]
    headline: dict[str, Any]


# ------------------------------------------------------------------ helpers


def _df(conn: Conn, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """The rows of `sql` with every text cell through the redaction gate."""
    frame = conn.execute(sql, params).df()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: redact_text(v) if isinstance(v, str) else v)
    return frame


def _label(text: Any) -> str:
    return html.escape(str(text), quote=False)


def _ordered(values: Iterable[str], preferred: tuple[str, ...]) -> list[str]:
    """Known values in their natural order, then any others, then 'unknown' last."""
    present = set(values)
    rest = sorted(present - set(preferred) - {"unknown"})
    return [v for v in preferred if v in present] + rest + ["unknown"] * ("unknown" in present)


def _figure(title: str, **layout: Any) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=_label(title), template="plotly_white", **layout)
    return fig


def _no_data(key: str, title: str, why: str) -> Chart:
    """An empty chart that says why, instead of a failed run or a blank square."""
    fig = _figure(title, xaxis_visible=False, yaxis_visible=False)
    fig.add_annotation(
        text=_label(f"no data yet: {why}"), showarrow=False, xref="paper", yref="paper"
    )
    return Chart(key, title, fig, has_data=False)


def _hbar(name: str, x: Iterable[Any], y: Iterable[Any], **kw: Any) -> go.Bar:
    """A horizontal bar trace with its name and categories escaped."""
    return go.Bar(name=_label(name), x=list(x), y=[_label(v) for v in y], orientation="h", **kw)


def _days(values: pd.Series) -> list[str]:
    return [d.isoformat() for d in pd.to_datetime(values).dt.date]


def _date_axis(fig: go.Figure, first: date, day: date) -> None:
    fig.update_xaxes(type="date", range=[first.isoformat(), (day + timedelta(1)).isoformat()])


def columns(conn: Conn, table: str) -> set[str]:
    """The columns the warehouse's `schema.table` has (tables grow; readers adapt)."""
    sql = "SELECT column_name FROM duckdb_columns() WHERE schema_name || '.' || table_name = ?"
    return {name for (name,) in conn.execute(sql, [table]).fetchall()}


NO_SCORES = "no risk scores for {day} (the main job scores risk)"

# ------------------------------------------------------------------ charts


def risk_heatmap(conn: Conn, day: date) -> Chart:
    """Environment x data classification of the day's risk scores: mean residual risk
    (colour), assets and critical/high assets per cell; unknown is a row and a column."""
    key, title = "risk_heatmap", "Residual risk by environment and data classification"
    frame = _df(
        conn,
        """
        SELECT coalesce(nullif(trim(a.deployment_env), ''), 'unknown') AS env,
               coalesce(nullif(trim(a.data_classification), ''), 'unknown') AS classification,
               round(avg(r.residual_risk_score), 1) AS mean_residual,
               printf('%d assets<br>%d crit/high', count(*),
                      count(*) FILTER (WHERE r.risk_level IN ('CRITICAL', 'HIGH'))) AS text
        FROM risk.risk_scores AS r LEFT JOIN inventory.ai_assets AS a USING (asset_id)
        WHERE r.assessed_date = $day
        GROUP BY ALL
        """,
        {"day": day},
    )
    if frame.empty:
        return _no_data(key, title, NO_SCORES.format(day=day))
    envs = _ordered(frame["env"], ENV_ORDER)
    classes = _ordered(frame["classification"], CLASS_ORDER)
    cells = {(r.env, r.classification): r for r in frame.itertuples()}

    def grid(column: str, empty: Any) -> list[list[Any]]:
        return [[getattr(cells.get((e, c)), column, empty) for c in classes] for e in envs]

    fig = _figure(title, xaxis_title="data classification", yaxis_title="environment")
    heat = go.Heatmap(z=grid("mean_residual", None), text=grid("text", ""), texttemplate="%{text}")
    heat.update(x=[_label(c) for c in classes], y=[_label(e) for e in envs])
    heat.update(colorscale="YlOrRd", zmin=0, zmax=100, colorbar_title="mean residual")
    heat.update(hovertemplate="%{y} / %{x}<br>mean residual %{z}<br>%{text}<extra></extra>")
    fig.add_trace(heat)
    fig.update_yaxes(autorange="reversed")
    return Chart(key, title, fig, has_data=True)


def top_risks(conn: Conn, day: date) -> Chart:
    """The `TOP_RISKS` highest residual risks of the day with their level and top driver."""
    key, title = "top_risks", f"Top {TOP_RISKS} residual risks and their top driver"
    frame = _df(
        conn,
        """
        SELECT coalesce(a.name, r.asset_id) AS name, r.asset_id,
               coalesce(a.asset_type, 'unknown') AS asset_type,
               coalesce(a.owner_team, '(no owner)') AS owner_team,
               r.residual_risk_score AS residual, r.risk_level AS level, r.top_driver
        FROM risk.risk_scores AS r LEFT JOIN inventory.ai_assets AS a USING (asset_id)
        WHERE r.assessed_date = $day
        ORDER BY r.residual_risk_score DESC, name, r.asset_id
        LIMIT $top
        """,
        {"day": day, "top": TOP_RISKS},
    )
    if frame.empty:
        return _no_data(key, title, NO_SCORES.format(day=day))
    # Two assets may share a name, and a category axis would merge them.
    shared = frame["name"].duplicated(keep=False)
    frame["label"] = frame["name"].where(~shared, frame["name"] + " (" + frame["asset_id"] + ")")
    fig = _figure(title, xaxis_title="residual risk (0-100)", xaxis_range=[0, 100])
    hover = "%{y}: %{x}<br>driver %{text}<br>%{customdata[0]}, %{customdata[1]}<extra></extra>"
    for level in _ordered(frame["level"], tuple(LEVEL_COLOURS)):
        rows = frame[frame["level"] == level]
        bar = _hbar(level, rows["residual"], rows["label"], marker_color=LEVEL_COLOURS.get(level))
        bar.update(text=[_label(d) for d in rows["top_driver"]], textposition="inside")
        bar.update(customdata=rows[["asset_type", "owner_team"]].values, hovertemplate=hover)
        fig.add_trace(bar)
    labels = [_label(v) for v in frame["label"]]
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    return Chart(key, title, fig, has_data=True)


def gaps_by_team(conn: Conn, day: date) -> Chart:
    """The day's open gaps per owning team and gap type; policy and incident-report gaps
    concern no asset and are the program's own ("program")."""
    key, title = "gaps_by_team", "Open compliance gaps by owning team and type"
    frame = _df(
        conn,
        """
        WITH g AS (
            SELECT g.gap_type, count(*) AS gaps,
                   CASE WHEN g.asset_id IS NULL THEN 'program'
                        ELSE coalesce(a.owner_team, '(no owner)') END AS team
            FROM compliance.compliance_gaps AS g LEFT JOIN inventory.ai_assets AS a USING (asset_id)
            WHERE g.assessed_date = $day
            GROUP BY ALL
        ),
        ranked AS (
            SELECT team, row_number() OVER (ORDER BY sum(gaps) DESC, team) AS rank
            FROM g GROUP BY team
        )
        SELECT gap_type, CASE WHEN rank <= $teams THEN team ELSE 'other teams' END AS team,
               sum(gaps)::BIGINT AS gaps, min(rank) AS rank
        FROM g JOIN ranked USING (team)
        GROUP BY ALL
        """,
        {"day": day, "teams": MAX_TEAMS},
    )
    if frame.empty:
        return _no_data(key, title, f"no open compliance gaps recorded for {day}")
    teams = frame.groupby("team")["rank"].min().sort_values().index
    fig = _figure(title, barmode="stack", xaxis_title="open gaps", legend_title="gap type")
    for gap_type, rows in frame.groupby("gap_type", sort=True):
        fig.add_trace(_hbar(str(gap_type), rows["gaps"], rows["team"]))
    fig.update_yaxes(categoryorder="array", categoryarray=[_label(t) for t in teams[::-1]])
    return Chart(key, title, fig, has_data=True)


def owasp_coverage(conn: Conn, day: date) -> Chart:
    """Per OWASP LLM Top 10 item, the required (asset, mapped catalog control) pairs of the day
    by status, as shares: implemented is the coverage (controls.required_controls)."""
    key, title = "owasp_coverage", "Required controls in place by OWASP LLM Top 10 item"
    frame = _df(
        conn,
        """
        SELECT fr.requirement_id || ' ' || fr.title AS item, count(q.control_id) AS required,
               count(*) FILTER (WHERE q.status = 'implemented') AS implemented,
               count(*) FILTER (WHERE q.status = 'accepted') AS accepted,
               count(*) FILTER (WHERE q.status = 'partly') AS partly,
               count(*) FILTER (WHERE q.status = 'missing') AS missing
        FROM controls.framework_requirements AS fr
        LEFT JOIN controls.catalog_mappings AS m
            ON m.framework = fr.framework AND m.requirement_id = fr.requirement_id
        LEFT JOIN controls.required_controls AS q
            ON q.control_id = m.control_id AND q.assessed_date = $day AND q.required
        WHERE fr.framework = 'owasp_llm'
        GROUP BY fr.requirement_id, fr.title, fr.position
        ORDER BY fr.position
        """,
        {"day": day},
    )
    if frame.empty:
        return _no_data(key, title, "the control catalog is not loaded (control_catalog)")
    if int(frame["required"].sum()) == 0:
        return _no_data(key, title, f"no required controls assessed for {day} (control_evidence)")
    fig = _figure(title, barmode="stack", xaxis_title="share of required controls (%)")
    for status in ("implemented", "accepted", "partly", "missing"):
        share = (100 * frame[status] / frame["required"].where(frame["required"] > 0)).round(1)
        bar = _hbar(status, share.fillna(0.0), frame["item"], marker_color=STATUS_COLOURS[status])
        bar.update(customdata=frame[[status, "required"]].values)
        bar.update(hovertemplate="%{y}<br>%{x}% (%{customdata[0]} of %{customdata[1]})")
        fig.add_trace(bar)
    items = [_label(i) for i in frame["item"]]
    fig.update_yaxes(categoryorder="array", categoryarray=items[::-1])
    fig.update_xaxes(range=[0, 100])
    return Chart(key, title, fig, has_data=True)


def detections_trend(conn: Conn, day: date) -> Chart:
    """Rule hits per day and family over the last `TREND_DAYS` days up to the assessed day
    (monitoring.detections)."""
    key, title = "detections_trend", f"Detections per day by family (last {TREND_DAYS} days)"
    first = day - timedelta(days=TREND_DAYS - 1)
    frame = _df(
        conn,
        "SELECT event_date, family, count(*) AS hits FROM monitoring.detections "
        "WHERE event_date BETWEEN $first AND $day GROUP BY ALL ORDER BY ALL",
        {"first": first, "day": day},
    )
    if frame.empty:
        why = f"no detections from {first} to {day} (monitoring job, or no log source configured)"
        return _no_data(key, title, why)
    fig = _figure(title, barmode="stack", yaxis_title="hits", legend_title="family")
    for family, rows in frame.groupby("family", sort=True):
        days = _days(rows["event_date"])
        fig.add_trace(go.Bar(name=_label(family), x=days, y=rows["hits"], width=0.8 * DAY_MS))
    _date_axis(fig, first, day)
    return Chart(key, title, fig, has_data=True)


def incident_trend(conn: Conn, day: date) -> Chart:
    """Incidents opened per day (bars) with MTTD / MTTC / MTTR in hours (lines), from the
    operations.incident_metrics_daily view, over the last `TREND_DAYS` days."""
    key = "incident_trend"
    title = f"Incidents opened and MTTD / MTTC / MTTR (last {TREND_DAYS} days)"
    first = day - timedelta(days=TREND_DAYS - 1)
    frame = _df(
        conn,
        """
        SELECT opened_on, incidents, sev1_sev2, round(mttd_minutes / 60, 1) AS mttd,
               round(mttc_minutes / 60, 1) AS mttc, round(mttr_minutes / 60, 1) AS mttr
        FROM operations.incident_metrics_daily WHERE opened_on BETWEEN $first AND $day
        ORDER BY opened_on
        """,
        {"first": first, "day": day},
    )
    if frame.empty:
        return _no_data(key, title, f"no incidents opened from {first} to {day}")
    days = _days(frame["opened_on"])
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(title=_label(title), template="plotly_white", barmode="overlay")
    fig.update_layout(legend={"orientation": "h", "y": -0.15})  # clear of the second axis
    fig.add_trace(go.Bar(name="opened", x=days, y=frame["incidents"], width=0.8 * DAY_MS))
    fig.add_trace(go.Bar(name="sev1/sev2", x=days, y=frame["sev1_sev2"], width=0.5 * DAY_MS))
    for column in ("mttd", "mttc", "mttr"):
        values = [None if pd.isna(v) else float(v) for v in frame[column]]
        line = go.Scatter(name=f"{column.upper()} (h)", x=days, y=values, connectgaps=True)
        fig.add_trace(line, secondary_y=True)
    fig.update_yaxes(title_text="incidents opened", secondary_y=False)
    fig.update_yaxes(title_text="hours", rangemode="tozero", secondary_y=True)
    _date_axis(fig, first, day)
    return Chart(key, title, fig, has_data=True)


def maturity_radar(conn: Conn, day: date) -> Chart:
    """The day's level per dimension against the target level (metrics.maturity_scores; its
    target_level column where the warehouse has one, else `DEFAULT_TARGET_LEVEL`, and the
    title says so)."""
    key = "maturity_radar"
    has_target = "target_level" in columns(conn, "metrics.maturity_scores")
    title = "Maturity by dimension vs target level"
    if not has_target:
        title += f" {DEFAULT_TARGET_LEVEL} (default: no target_level recorded)"
    default = str(DEFAULT_TARGET_LEVEL)
    target = f"coalesce(target_level, {default})" if has_target else default
    frame = _df(
        conn,
        f"SELECT dimension, level, level_name, {target} AS target FROM metrics.maturity_scores "
        "WHERE assessed_date = $day ORDER BY dimension",
        {"day": day},
    )
    if frame.empty:
        return _no_data(key, title, f"no maturity scores for {day} (maturity_scores)")
    ring = pd.concat([frame, frame.head(1)])  # close the polygon
    theta = [_label(d) for d in ring["dimension"]]
    fig = _figure(title, polar_radialaxis={"range": [0, 5], "dtick": 1})
    fig.add_trace(go.Scatterpolar(name="target", r=ring["target"], theta=theta, line_dash="dash"))
    level = go.Scatterpolar(name="level", r=ring["level"], theta=theta, fill="toself")
    level.update(text=[_label(n) for n in ring["level_name"]])
    level.update(hovertemplate="%{theta}: level %{r} (%{text})<extra></extra>")
    fig.add_trace(level)
    return Chart(key, title, fig, has_data=True)


def framework_bars(conn: Conn, day: date) -> Chart:
    """The day's requirements per framework by status: met, partly, not met, manual, not
    applicable (compliance.framework_compliance)."""
    key, title = "framework_bars", "Framework compliance: requirements by status"
    frame = _df(
        conn,
        "SELECT framework, status, count(*) AS requirements FROM compliance.framework_compliance "
        "WHERE assessed_date = $day GROUP BY ALL ORDER BY ALL",
        {"day": day},
    )
    if frame.empty:
        return _no_data(key, title, f"no framework compliance for {day}")
    fig = _figure(title, barmode="stack", xaxis_title="requirements", legend_title="status")
    for status in _ordered(frame["status"], ("met", "partly", "not_met", "manual")):
        rows = frame[frame["status"] == status]
        names = [FRAMEWORK_NAMES.get(f, f) for f in rows["framework"]]
        colour = STATUS_COLOURS.get(status, "#e0e0e0")
        fig.add_trace(_hbar(status, rows["requirements"], names, marker_color=colour))
    return Chart(key, title, fig, has_data=True)


CHARTS: tuple[Callable[[duckdb.DuckDBPyConnection, date], Chart], ...] = (
    *(risk_heatmap, top_risks, gaps_by_team, owasp_coverage),
    *(detections_trend, incident_trend, maturity_radar, framework_bars),
)

# ------------------------------------------------------------------ page

HEADLINE_LABELS = {
    "active_assets": "active AI assets",
    "critical_risks": "critical risks",
    "high_risks": "high risks",
    "mean_residual_risk": "mean residual risk",
    "open_gaps": "open compliance gaps",
    "open_incidents": "open incidents",
    "detections_7d": "detections, last 7 days",
}


def headline_numbers(conn: Conn, day: date) -> dict[str, Any]:
    """The numbers at the top of the page (and of the report and the asset's preview)."""
    cursor = conn.execute(
        """
        SELECT
            (SELECT count(*) FROM inventory.ai_assets WHERE status = 'active') AS active_assets,
            count(*) FILTER (WHERE risk_level = 'CRITICAL') AS critical_risks,
            count(*) FILTER (WHERE risk_level = 'HIGH') AS high_risks,
            round(avg(residual_risk_score), 1) AS mean_residual_risk,
            (SELECT count(*) FROM compliance.compliance_gaps WHERE assessed_date = $day)
                AS open_gaps,
            (SELECT count(*) FROM operations.incidents WHERE state <> 'closed') AS open_incidents,
            (SELECT count(*) FROM monitoring.detections WHERE event_date BETWEEN $week AND $day)
                AS detections_7d
        FROM risk.risk_scores WHERE assessed_date = $day
        """,
        {"day": day, "week": day - timedelta(days=6)},
    )
    names = [d[0] for d in cursor.description or ()]
    return dict(zip(names, cursor.fetchone() or (), strict=True))


STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#222}
header{background:#1f2d3d;color:#fff;padding:16px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#cfd8e3}.kpis{display:flex;flex-wrap:wrap;gap:12px;padding:16px 24px}
.kpi{background:#fff;border-radius:6px;padding:10px 16px;min-width:120px;box-shadow:0 1px 2px #0002}
.kpi b{display:block;font-size:22px}.kpi span{font-size:12px;color:#555}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px;padding:0 24px}
.chart{background:#fff;border-radius:6px;padding:8px;box-shadow:0 1px 2px #0002;min-width:0}
footer{padding:16px 24px;font-size:12px;color:#666}
"""


def _chart_html(chart: Chart) -> str:
    div = pio.to_html(chart.figure, div_id=f"chart-{chart.key}", config=PLOTLY_CONFIG, **TO_HTML)
    return f'<section class="chart">{div}</section>'


def _page(org: str, day: date, at: datetime, charts: Iterable[Chart], headline: dict) -> str:
    org = html.escape(redact_text(org))
    kpis = "".join(
        f'<div class="kpi"><b>{"n/a" if headline.get(k) is None else headline[k]}</b>'
        f"<span>{label}</span></div>"
        for k, label in HEADLINE_LABELS.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>AI security program: {org}, {day}</title><style>{STYLE}</style>"
        # plotly.js inline: the page opens offline and from a file share, with no CDN.
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>AI security program dashboard: {org}</h1>"
        f"<p>Assessed day {day} &middot; generated {at:%Y-%m-%d %H:%M:%S} UTC "
        "(the run's clock)</p></header>"
        f'<section class="kpis">{kpis}</section><main>{"".join(map(_chart_html, charts))}</main>'
        "<footer>Aggregated from the aisec warehouse (risk, compliance, controls, monitoring, "
        "operations and metrics schemas); regenerated by every run of program_dashboard."
        "</footer></body></html>\n"
    )


def collect(conn: Conn, day: date) -> tuple[tuple[Chart, ...], dict]:
    """Every chart of the day and the headline numbers."""
    return tuple(chart(conn, day) for chart in CHARTS), headline_numbers(conn, day)


def build_dashboard(conn: Conn, day: date, *, organisation: str, generated_at: datetime) -> str:
    """The dashboard page for `day` (plotly.js embedded) as HTML text."""
    charts, headline = collect(conn, day)
    return _page(organisation, day, generated_at, charts, headline)


def write_atomically(path: Path, text: str) -> int:
    """Write `text` to `path` through a sibling temp file and a rename, so a reader (a browser,
    a file share) sees the old file or the new one, never half of one; returns the size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = text.encode("utf-8")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return len(data)


def write_dashboard(
    conn: Conn, day: date, path: Path, *, organisation: str, generated_at: datetime
) -> DashboardFile:
    """Build the page for `day` and write it to `path` atomically."""
    charts, headline = collect(conn, day)
    size = write_atomically(path, _page(organisation, day, generated_at, charts, headline))
    return DashboardFile(path, size, charts, headline)
