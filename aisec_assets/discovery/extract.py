"""Writing one discovery source's result into the warehouse, keeping last good data on failure."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from aisec_resources.records import (
    Control,
    Dependency,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    UnreadablePart,
)
from aisec_resources.redaction import redact_text
from aisec_resources.warehouse import run_sql, table_columns

# Set by sql/discovery/replace_source.sql, not carried by the record.
WRITTEN_BY_SQL: tuple[str, ...] = ("extracted_at", "run_id", "stale")
# The record's columns: declared once, in sql/schema/warehouse.sql.
RECORD_COLUMNS: tuple[str, ...] = tuple(
    c for c in table_columns("discovery.discovered_assets") if c not in WRITTEN_BY_SQL
)
REJECTION_COLUMNS: tuple[str, ...] = ("source", "location", "field", "reason", "excerpt")
PART_COLUMNS: tuple[str, ...] = ("part", "location", "reason")


@dataclass(frozen=True)
class ExtractOutcome:
    """What happened to a source in this run (for logs, metadata and the freshness check).

    `status` is ok, partial (some parts unreadable: their rows kept, stale) or failed."""

    source: str
    ok: bool
    stale: bool
    record_count: int
    rejected_count: int
    error: str | None = None
    status: str = "ok"
    kept_count: int = 0  # rows kept from earlier runs (stale)


def dedupe_records(records: list[DiscoveredAsset]) -> list[DiscoveredAsset]:
    """One record per natural key: the first one wins, controls and edges are united.

    A source may meet the same resource twice (a foundation model referenced by two agents);
    the warehouse keeps one row per (source, natural_key).
    """
    by_key: dict[str, DiscoveredAsset] = {}
    for rec in records:
        first = by_key.get(rec.natural_key)
        if first is None:
            by_key[rec.natural_key] = dataclasses.replace(
                rec,
                controls=list(rec.controls),
                dependencies=list(rec.dependencies),
                invalid_fields=list(rec.invalid_fields),
            )
            continue
        seen_controls: set[Control] = set(first.controls)
        first.controls += [c for c in rec.controls if c not in seen_controls]
        seen_deps: set[Dependency] = set(first.dependencies)
        first.dependencies += [d for d in rec.dependencies if d not in seen_deps]
        first.invalid_fields += [f for f in rec.invalid_fields if f not in first.invalid_fields]
        for f in dataclasses.fields(first):
            if getattr(first, f.name) is None and getattr(rec, f.name) is not None:
                setattr(first, f.name, getattr(rec, f.name))
    return list(by_key.values())


def _records_frame(source: str, records: list[DiscoveredAsset]) -> pd.DataFrame:
    rows = []
    for rec in records:
        if rec.source != source:
            raise ValueError(
                f"record {rec.resource_id!r} claims source {rec.source!r}, not {source!r}"
            )
        row = rec.to_row()
        rows.append({c: row[c] for c in RECORD_COLUMNS})
    frame = pd.DataFrame(rows, columns=list(RECORD_COLUMNS))
    return frame.astype(object).where(frame.notna(), None)


def _rejections_frame(rejections: list[Rejection]) -> pd.DataFrame:
    frame = pd.DataFrame([r.to_row() for r in rejections], columns=list(REJECTION_COLUMNS))
    return frame.astype(object)


def _parts_frame(parts: list[UnreadablePart]) -> pd.DataFrame:
    rows = [
        {"part": p.part, "location": redact_text(p.location), "reason": redact_text(p.reason)}
        for p in parts
    ]
    return pd.DataFrame(rows, columns=list(PART_COLUMNS)).astype(str)


def write_source_result(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    result: SourceResult,
    run_id: str,
    *,
    now: datetime,
) -> ExtractOutcome:
    """Replace the source's rows and rejections with this run's, in one transaction.

    Rows from the parts the run could not read (`result.unreadable`) keep their last good
    data, marked stale, and the source is `partial` (sql/discovery/replace_source.sql)."""
    records = dedupe_records(result.records)
    conn.register("incoming_records", _records_frame(source, records))
    conn.register("incoming_rejections", _rejections_frame(result.rejections))
    conn.register("incoming_parts", _parts_frame(result.unreadable))
    try:
        run_sql(
            conn,
            "discovery/replace_source",
            {"source": source, "run_id": run_id, "now": now},
        )
    finally:
        conn.unregister("incoming_records")
        conn.unregister("incoming_rejections")
        conn.unregister("incoming_parts")
    ((status, stale, held, error),) = conn.execute(
        "SELECT status, stale, record_count, last_error FROM discovery.source_status "
        "WHERE source = ?",
        [source],
    ).fetchall()
    return ExtractOutcome(
        source,
        True,
        bool(stale),
        int(held),
        len(result.rejections),
        error,
        status=str(status),
        kept_count=int(held) - len(records),
    )


def upsert_source_records(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    records: list[DiscoveredAsset],
    run_id: str,
    *,
    now: datetime,
) -> int:
    """Add or replace `records` of `source` by natural key; the source's other rows, its
    rejections and its status stay (sql/discovery/upsert_records.sql). Returns the count."""
    records = dedupe_records(records)
    conn.register("incoming_records", _records_frame(source, records))
    try:
        run_sql(conn, "discovery/upsert_records", {"source": source, "run_id": run_id, "now": now})
    finally:
        conn.unregister("incoming_records")
    return len(records)


def mark_source_failed(
    conn: duckdb.DuckDBPyConnection, source: str, error: str, run_id: str, *, now: datetime
) -> ExtractOutcome:
    """Keep the source's last good rows; record the failure and flag the rows stale."""
    run_sql(
        conn,
        "discovery/mark_source_failed",
        {
            "source": source,
            "run_id": run_id,
            "error": error,
            "now": now,
        },
    )
    kept = conn.execute(
        "SELECT count(*) FROM discovery.discovered_assets WHERE source = ?", [source]
    ).fetchone()
    count = int(kept[0]) if kept else 0
    return ExtractOutcome(source, False, True, count, 0, error, status="failed", kept_count=count)


def records_preview(records: list[DiscoveredAsset], limit: int = 10) -> str:
    """A markdown table of the first records, for the Dagster UI."""
    rows = [
        {
            "name": r.name,
            "asset_type": r.asset_type,
            "owner_team": r.owner_team or "",
            "env": r.deployment_env or "",
        }
        for r in records[:limit]
    ]
    if not rows:
        return "_no records_"
    return pd.DataFrame(rows).to_markdown(index=False)


def type_counts(records: list[DiscoveredAsset]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        counts[r.asset_type] = counts.get(r.asset_type, 0) + 1
    return dict(sorted(counts.items()))


def rejections_preview(rejections: list[Rejection], limit: int = 10) -> str:
    if not rejections:
        return "_none_"
    rows = [
        {"location": r.location, "field": r.field or "", "reason": r.reason}
        for r in rejections[:limit]
    ]
    return pd.DataFrame(rows).to_markdown(index=False)


def outcome_json(outcome: ExtractOutcome) -> str:
    return json.dumps(dataclasses.asdict(outcome))
