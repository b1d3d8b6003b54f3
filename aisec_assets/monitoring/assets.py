"""Monitoring assets: LLM traffic by day (`llm_events`), the rule pack, and `detections`.

`llm_events` and `detections` are daily-partitioned (UTC): re-materializing a day replaces
exactly that day. Each log source of a day is read and replaced on its own, so a source that
cannot be read keeps its last good rows for that day (logged, and the check warns).
"""

import warnings
from datetime import date, datetime, timedelta

import dagster as dg

from aisec_assets.metadata import column_schema, table_metadata
from aisec_assets.monitoring.detect import run_detections, write_rule_table
from aisec_assets.monitoring.ingest import (
    LOG_SOURCES,
    ConfiguredLogSource,
    configured_log_sources,
)
from aisec_assets.monitoring.rules import load_rule_pack
from aisec_assets.monitoring.store import write_source_day
from aisec_resources.clock import today_in
from aisec_resources.config import AisecConfig
from aisec_resources.events import IngestResult
from aisec_resources.records import collect
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

OWNERS = ["team:ai-security"]
DEFAULT_HISTORY_DAYS = 30


def monitoring_partitions(config: AisecConfig) -> dg.DailyPartitionsDefinition:
    """Daily UTC partitions from `monitoring.start_date` (default: 30 days back); the current
    day is a partition too (`end_offset=1`), since logs of today arrive during the day."""
    start = config.monitoring.start_date or (
        today_in(config.timezone) - timedelta(days=DEFAULT_HISTORY_DAYS)
    )
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), end_offset=1)


LLM_EVENTS_DESCRIPTION = (
    "LLM interactions of one UTC day from every configured log source in one normalized "
    "schema; unparseable records go to monitoring.llm_events_rejected with source, position "
    "and reason. Log sources (`monitoring.logs` in aisec.yaml):\n\n"
    + "\n".join(f"- `{s.key}` ({s.source}): {s.description}" for s in LOG_SOURCES)
)

EVENTS_PREVIEW = """
SELECT source, count(*) AS events, count(DISTINCT session_id) AS sessions,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       round(sum(cost_usd), 2) AS cost_usd
FROM monitoring.llm_events WHERE event_date BETWEEN ? AND ? GROUP BY source ORDER BY source
"""
DETECTIONS_PREVIEW = """
SELECT rule_id, severity, count(*) AS hits, count(DISTINCT event_id) AS events
FROM monitoring.detections WHERE event_date BETWEEN ? AND ?
GROUP BY rule_id, severity
ORDER BY list_position(['critical', 'high', 'medium', 'low'], severity), hits DESC, rule_id
LIMIT 20
"""


def ingest_day(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    sources: list[ConfiguredLogSource],
    day: date,
    now: datetime,
) -> dict[str, dict]:
    """Read every configured log source for `day` and replace each one's rows of that day.

    Reading happens outside the warehouse lock; a source that fails keeps its last good rows.
    """
    outcomes: dict[str, dict] = {}
    results: dict[str, IngestResult] = {}
    for configured in sources:
        result, error = collect(lambda configured=configured: configured.read(day))
        if result is None:
            log_for(context).error(
                f"{configured.source}: cannot read {day}; keeping its last good rows: {error}"
            )
            outcomes[configured.source] = {"status": "failed", "error": (error or "")[:500]}
        else:
            results[configured.source] = result
    if not outcomes and not results:
        log_for(context).warning("no log sources configured (monitoring.logs in aisec.yaml)")
    with warehouse.connect() as conn:
        for source, result in results.items():
            events, rejected = write_source_day(conn, source, day, result, context.run_id, now=now)
            outcomes[source] = {"status": "ok", "events": events, "rejected": rejected}
            log_for(context).info(
                f"{source} {day}: {events} events from {result.records_read} records in "
                f"{result.files_read} inputs, {rejected} rejected"
            )
            for rej in result.rejections[:10]:
                log_for(context).warning(f"{source}: rejected {rej.location}: {rej.reason}")
    return outcomes


def build_monitoring_assets(
    partitions: dg.DailyPartitionsDefinition,
) -> list[dg.AssetsDefinition]:
    """`llm_events`, `detection_rules` and `detections` over the given daily partitions."""
    with warnings.catch_warnings():
        # `backfill_policy` is beta in dagster 1.13 and warns at every load of the definitions
        # (twice per process: ~48 lines in one `aisec run`). Single-run backfills are what a
        # range of days in one run needs (`aisec run`, UI backfills), so exactly this warning
        # is silenced, here only.
        warnings.filterwarnings(
            "ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning
        )
        return _define_monitoring_assets(partitions)


def _define_monitoring_assets(
    partitions: dg.DailyPartitionsDefinition,
) -> list[dg.AssetsDefinition]:
    @dg.asset(
        group_name="monitoring",
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"duckdb", "python"},
        owners=OWNERS,
        pool=POOL,
        metadata={"dagster/column_schema": column_schema("monitoring.llm_events")},
        description=LLM_EVENTS_DESCRIPTION,
    )
    def llm_events(
        context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        sources = configured_log_sources(settings.config())
        days = [date.fromisoformat(k) for k in context.partition_keys]
        outcomes: dict[str, dict[str, dict]] = {}
        for day in days:
            outcomes[day.isoformat()] = ingest_day(context, warehouse, sources, day, settings.now())
        with warehouse.connect(publish=False) as conn:
            meta = table_metadata(
                conn, "monitoring.llm_events", EVENTS_PREVIEW, [days[0], days[-1]]
            )
            (rows,) = conn.execute(
                "SELECT count(*) FROM monitoring.llm_events WHERE event_date BETWEEN ? AND ?",
                [days[0], days[-1]],
            ).fetchone() or (0,)
        stale = sorted(
            {s for per_day in outcomes.values() for s, o in per_day.items() if o["status"] != "ok"}
        )
        return dg.MaterializeResult(
            metadata=safe_metadata(
                {
                    **meta,
                    "dagster/row_count": int(rows),
                    "days": len(days),
                    "sources_by_day": dg.MetadataValue.json(outcomes),
                    "stale_sources": stale,
                }
            )
        )

    @dg.asset(
        group_name="monitoring",
        kinds={"yaml", "duckdb"},
        owners=OWNERS,
        pool=POOL,
        metadata={"dagster/column_schema": column_schema("monitoring.detection_rules")},
        description="The detection rule pack (YAML, schema-validated) as a table: each rule "
        "with family, severity, OWASP LLM 2025 and MITRE ATLAS mappings, target and logic.",
    )
    def detection_rules(
        context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        pack = load_rule_pack(settings.config().monitoring.rule_pack)
        with warehouse.connect() as conn:
            count = write_rule_table(conn, pack, loaded_at=settings.now())
            meta = table_metadata(
                conn,
                "monitoring.detection_rules",
                "SELECT rule_id, family, severity, owasp, atlas FROM monitoring.detection_rules "
                "ORDER BY rule_id",
            )
        log_for(context).info(f"rule pack: {count} rules")
        return dg.MaterializeResult(metadata=safe_metadata(meta))

    @dg.asset(
        group_name="monitoring",
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        deps=[llm_events, detection_rules, "ai_assets"],
        kinds={"duckdb", "sql"},
        owners=OWNERS,
        pool=POOL,
        metadata={"dagster/column_schema": column_schema("monitoring.detections")},
        description="One row per rule hit on one UTC day: rule, severity, event, the inventory "
        "asset it concerns, a masked evidence excerpt, OWASP and ATLAS mappings. The rule pack "
        "is compiled to DuckDB SQL (cheap tier) plus one scoring pass of the trained classifier "
        "per scored field (second tier, numpy); aggregate rules (cost baselines, LLM-jacking, "
        "tool-call rates) read earlier days too.",
    )
    def detections(
        context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        days = [date.fromisoformat(k) for k in context.partition_keys]
        monitoring = settings.config().monitoring
        pack = load_rule_pack(monitoring.rule_pack)
        by_day: dict[str, dict[str, int]] = {}
        total = 0
        gate_failed_texts = 0
        for day in days:
            timings: dict[str, float] = {}
            gate_failures: dict[str, int] = {}
            with warehouse.connect() as conn:
                hits = run_detections(
                    conn,
                    day,
                    context.run_id,
                    pack,
                    detected_at=settings.now(),
                    timings=timings,
                    gate_failures=gate_failures,
                    # the organisation's settings: the shipped pack is organisation-neutral
                    allowed_domains=monitoring.allowed_domains,
                    tool_allow_lists=monitoring.tool_allow_lists,
                )
                by_severity = dict(
                    conn.execute(
                        "SELECT severity, count(*) FROM monitoring.detections "
                        "WHERE event_date = ? GROUP BY ALL",
                        [day],
                    ).fetchall()
                )
            total += hits
            by_day[day.isoformat()] = by_severity
            if by_severity.get("critical"):
                log_for(context).warning(f"{day}: {by_severity['critical']} critical detections")
            failed = {name.split(" (")[0]: n for name, n in gate_failures.items() if n}
            if failed:
                # nothing was missed (each such text went to every rule of its scan), but the
                # day cost more than it should: RE2 ran out of DFA memory (GATE_MAX_MEM)
                log_for(context).warning(
                    f"{day}: the pattern gate failed on {sum(failed.values())} text(s) and let "
                    f"them through to every rule (fail open): {failed}"
                )
            gate_failed_texts += sum(failed.values())
            slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:3]
            log_for(context).info(
                f"detections {day}: {hits} hits {by_severity}; {len(timings)} steps in "
                f"{sum(timings.values()):.1f} s, slowest: "
                + ", ".join(f"{name.split(' (')[0]} {seconds:.1f} s" for name, seconds in slowest)
            )
        with warehouse.connect(publish=False) as conn:
            meta = table_metadata(
                conn, "monitoring.detections", DETECTIONS_PREVIEW, [days[0], days[-1]]
            )
        return dg.MaterializeResult(
            metadata=safe_metadata(
                {
                    **meta,
                    "dagster/row_count": total,
                    "by_day_and_severity": dg.MetadataValue.json(by_day),
                    # texts the RE2::Set gate failed on (read by every rule): 0 when healthy
                    "gate_failed_texts": gate_failed_texts,
                }
            )
        )

    return [llm_events, detection_rules, detections]
