"""Writing the governance files into the warehouse.

Validated rows go into temporary input tables with bound parameters (`executemany`); the SQL
of sql/governance/ then replaces the warehouse tables from them in one transaction, resolving
references (assets, teams, people, catalog controls) as set operations. `None` for a file
means it is not there: the tables are emptied (for the day, where they keep history).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from aisec_assets.governance.appetite import AppetiteCell
from aisec_assets.governance.documents import (
    AcceptancesFile,
    AttestationsFile,
    Loaded,
    RaciFile,
)
from aisec_assets.governance.rendering import RenderedPolicy
from aisec_resources.warehouse import run_sql


def _stage(conn: duckdb.DuckDBPyConnection) -> None:
    run_sql(conn, "governance/staging")


def _insert(conn: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[object]]) -> None:
    if not rows:
        return
    marks = ", ".join("?" for _ in rows[0])
    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", [list(r) for r in rows])


def write_policies(
    conn: duckdb.DuckDBPyConnection,
    rendered: Sequence[RenderedPolicy],
    paths: dict[str, Path],
    day: date,
) -> None:
    """Replace governance.policies with the rendered policies (review_overdue as of `day`)."""
    _stage(conn)
    rows = []
    for policy in rendered:
        entry = policy.entry
        rows.append(
            (
                policy.policy_id,
                policy.title,
                entry.version if entry else None,
                policy.content_hash,
                entry.owner if entry else None,
                entry.approver if entry else None,
                entry.approved_on if entry else None,
                entry.review_due if entry else None,
                entry.status if entry else "draft",
                str(paths[policy.policy_id]),
            )
        )
    _insert(conn, "governance_policy_input", rows)
    run_sql(conn, "governance/replace_policies", {"assessed_date": day})


def write_raci(conn: duckdb.DuckDBPyConnection, raci: RaciFile | None) -> None:
    """Replace governance.people and governance.raci_matrix."""
    _stage(conn)
    if raci is not None:
        _insert(
            conn,
            "governance_people_input",
            [(email, p.name, p.team, list(p.roles)) for email, p in raci.people.items()],
        )
        _insert(
            conn,
            "governance_raci_input",
            [
                (activity, role, letter)
                for activity, assignments in raci.activities.items()
                for role, letter in assignments.items()
            ],
        )
    run_sql(conn, "governance/replace_raci")


def write_appetite(conn: duckdb.DuckDBPyConnection, cells: Sequence[AppetiteCell]) -> None:
    """Replace governance.risk_appetite with the expanded grid."""
    _stage(conn)
    _insert(conn, "governance_appetite_input", [c.row() for c in cells])
    run_sql(conn, "governance/replace_appetite")


def _load_known_controls(conn: duckdb.DuckDBPyConnection) -> bool:
    """Fill governance_known_controls from the control catalog; False (no check) when the
    catalog has not been materialized (table absent or empty)."""
    (exists,) = conn.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE schema_name = 'controls' AND table_name = 'catalog_controls'"
    ).fetchone() or (0,)
    if exists:
        conn.execute(
            "INSERT INTO governance_known_controls SELECT control_id FROM controls.catalog_controls"
        )
    (known,) = conn.execute("SELECT count(*) FROM governance_known_controls").fetchone() or (0,)
    return known > 0


def _status_counts(conn: duckdb.DuckDBPyConnection, sql: str, day: date) -> dict[str, int]:
    return {str(k): int(v) for k, v in conn.execute(sql, [day]).fetchall()}


def assess_acceptances(
    conn: duckdb.DuckDBPyConnection,
    loaded: Loaded[AcceptancesFile] | None,
    day: date,
    run_id: str,
    max_exception_days: int,
) -> dict[str, int]:
    """Assess acceptances.yaml on `day` into governance.risk_acceptances (and rejected ones
    into governance.rejected_entries); returns the count per status."""
    _stage(conn)
    check_controls = _load_known_controls(conn)
    if loaded is not None:
        _insert(
            conn,
            "governance_acceptance_input",
            [
                (
                    i,
                    loaded.line("acceptances", i),
                    a.id,
                    a.asset,
                    a.control,
                    a.finding,
                    a.owner,
                    a.justification,
                    a.approver,
                    a.approved_on,
                    a.expires_on,
                )
                for i, a in enumerate(loaded.model.acceptances)
            ],
        )
    run_sql(
        conn,
        "governance/risk_acceptances",
        {
            "assessed_date": day,
            "run_id": run_id,
            "file": str(loaded.path) if loaded else "",
            "check_controls": check_controls,
            "max_exception_days": max_exception_days,
        },
    )
    return _status_counts(
        conn,
        "SELECT status, count(*) FROM governance.risk_acceptances WHERE assessed_date = ? "
        "GROUP BY ALL ORDER BY ALL",
        day,
    )


def assess_attestations(
    conn: duckdb.DuckDBPyConnection,
    loaded: Loaded[AttestationsFile] | None,
    day: date,
    run_id: str,
) -> dict[str, int]:
    """Resolve attestations.yaml on `day` into governance.control_attestations; returns
    counts: entries, rows written, entries rejected."""
    _stage(conn)
    check_controls = _load_known_controls(conn)
    if loaded is not None:
        _insert(
            conn,
            "governance_attestation_input",
            [
                (
                    i,
                    loaded.line("attestations", i),
                    a.control,
                    a.asset,
                    a.team,
                    a.evidence,
                    a.attested_by,
                    a.attested_on,
                    a.valid_until,
                )
                for i, a in enumerate(loaded.model.attestations)
            ],
        )
    run_sql(
        conn,
        "governance/control_attestations",
        {
            "assessed_date": day,
            "run_id": run_id,
            "file": str(loaded.path) if loaded else "",
            "check_controls": check_controls,
        },
    )
    (rows,) = conn.execute(
        "SELECT count(*) FROM governance.control_attestations WHERE assessed_date = ?", [day]
    ).fetchone() or (0,)
    (rejected,) = conn.execute(
        "SELECT count(*) FROM governance.rejected_entries "
        "WHERE assessed_date = ? AND kind = 'attestation'",
        [day],
    ).fetchone() or (0,)
    return {
        "entries": len(loaded.model.attestations) if loaded else 0,
        "asset_rows": int(rows),
        "rejected": int(rejected),
    }


def assess_breaches(conn: duckdb.DuckDBPyConnection, day: date, run_id: str) -> int:
    """Replace the day's governance.risk_appetite_breaches; returns how many assets breach."""
    run_sql(conn, "governance/risk_appetite_breaches", {"assessed_date": day, "run_id": run_id})
    (count,) = conn.execute(
        "SELECT count(*) FROM governance.risk_appetite_breaches WHERE assessed_date = ?", [day]
    ).fetchone() or (0,)
    return int(count)
