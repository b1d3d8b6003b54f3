"""`aisec incident …`: list, show, move and annotate incidents from the command line.

aisec incident list [--all]
aisec incident show INCIDENT_ID
aisec incident advance INCIDENT_ID --to STATE --by EMAIL [--note TEXT] [--at ISO-INSTANT]
aisec incident note INCIDENT_ID --by EMAIL --text TEXT [--at ISO-INSTANT]
aisec incident contain INCIDENT_ID --by EMAIL [--step N ...] [--param KEY=VALUE ...]
                       [--approve INCIDENT_ID]

aisec incident report INCIDENT_ID --regulation art73|gdpr33 --by EMAIL --reference TEXT
                      [--at ISO-INSTANT]

`report` records a regulatory report as filed (an unfiled one past its deadline is a
compliance gap). `contain` plans the incident's automated cloud steps (its containment steps,
or the given steps) and records each exact call in the timeline; nothing is sent unless
`--approve` repeats the incident's id. An approved call's response, or its error, is
recorded too; a failed call escalates the incident and the command exits 1.

Changes go through the warehouse writer (its lock, then publish), are appended to the
incident's hash-chained timeline and never rewrite it. `--at` records a change made earlier
(default: now, UTC).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

import duckdb
from tabulate import tabulate

from aisec_assets.operations.containment import (
    ContainmentResult,
    plan_containment,
    run_containment,
)
from aisec_assets.operations.incidents import (
    REPORTS,
    STATES,
    IncidentError,
    add_note,
    change_state,
    record_report,
)
from aisec_resources.clock import ClockError, parse_instant, wall_clock
from aisec_resources.cloud_actions import CloudCaller
from aisec_resources.config import AisecConfig
from aisec_resources.warehouse import WarehouseResource

LIST_SQL = """
SELECT i.incident_id, i.severity, i.state, i.category, coalesce(a.name, i.asset_ref) AS asset,
       i.evidence_count AS evidence, i.opened_at,
       least(CASE WHEN i.art73_reported_at IS NULL THEN i.art73_due_at END,
             CASE WHEN i.gdpr33_reported_at IS NULL THEN i.gdpr33_due_at END) AS next_report_due
FROM operations.incidents i LEFT JOIN inventory.ai_assets a USING (asset_id)
WHERE ? OR i.state <> 'closed'
ORDER BY i.state = 'closed', i.severity, i.opened_at
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("incident", help="list, show, advance and annotate incidents")
    parser.add_argument("--config", help="aisec.yaml (default: $AISEC_CONFIG or the demo)")
    actions = parser.add_subparsers(dest="incident_command", required=True)
    listing = actions.add_parser("list", help="open incidents (--all: closed ones too)")
    listing.add_argument("--all", action="store_true")
    show = actions.add_parser("show", help="one incident: evidence, tasks, timeline")
    show.add_argument("incident_id")
    advance = actions.add_parser("advance", help="move an incident forward")
    advance.add_argument("incident_id")
    advance.add_argument("--to", required=True, choices=STATES[1:])
    advance.add_argument("--by", required=True, help="who (email)")
    advance.add_argument("--note", default="")
    advance.add_argument("--at", help="when (ISO instant, default now)")
    note = actions.add_parser("note", help="append a note to the timeline")
    note.add_argument("incident_id")
    note.add_argument("--by", required=True, help="who (email)")
    note.add_argument("--text", required=True)
    note.add_argument("--at", help="when (ISO instant, default now)")
    report = actions.add_parser("report", help="record a regulatory report as filed")
    report.add_argument("incident_id")
    report.add_argument("--regulation", required=True, choices=sorted(REPORTS))
    report.add_argument("--by", required=True, help="who filed it (email)")
    report.add_argument("--reference", required=True, help="the authority's reference")
    report.add_argument("--at", help="when it was filed (ISO instant, default now)")
    contain = actions.add_parser(
        "contain",
        help="plan (dry run) or, with --approve, make the containment calls",
        description="Dry run by default: records the exact calls and sends nothing.",
    )
    contain.add_argument("incident_id")
    contain.add_argument("--by", required=True, help="who (email)")
    contain.add_argument(
        "--step",
        type=int,
        action="append",
        default=[],
        help="run this automated step (any phase; default: the containment steps)",
    )
    contain.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="what the evidence cannot give (access_key_id, user_name, agent_version, "
        "alias_id, key_name, account, region, ...)",
    )
    contain.add_argument(
        "--approve",
        metavar="INCIDENT_ID",
        help="execute the calls: must repeat the incident id",
    )
    contain.add_argument("--at", help="when (ISO instant, default now)")


def _table(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> str:
    cursor = conn.execute(sql, params)
    headers = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return tabulate(rows, headers=headers, tablefmt="simple") if rows else "  (none)"


def _when(value: str | None) -> datetime:
    return parse_instant(value, "--at") if value else wall_clock()


def run(config: AisecConfig, args: argparse.Namespace) -> int:
    path = config.warehouse.path
    if not path.exists():
        print(
            f"aisec incident: warehouse {path} does not exist: run `aisec run` first",
            file=sys.stderr,
        )
        return 2
    try:
        if args.incident_command in ("list", "show"):
            with duckdb.connect(str(path), read_only=True) as conn:
                if args.incident_command == "list":
                    print(_table(conn, LIST_SQL, [bool(args.all)]))
                    return 0
                return _show(conn, args.incident_id)
        warehouse = WarehouseResource(
            path=str(path), lock_timeout_seconds=config.warehouse.lock_timeout_seconds
        )
        at = _when(args.at)
        with warehouse.connect() as conn:
            if args.incident_command == "report":
                seq = record_report(
                    conn,
                    args.incident_id,
                    args.regulation,
                    actor=args.by,
                    at=at,
                    reference=args.reference,
                )
                print(f"aisec incident: {args.incident_id}: {args.regulation} report #{seq}")
                return 0
            if args.incident_command == "contain":
                return _contain(conn, config, args, at)
            if args.incident_command == "advance":
                before = change_state(
                    conn, args.incident_id, args.to, actor=args.by, at=at, note=args.note
                )
                print(f"aisec incident: {args.incident_id} {before} -> {args.to} by {args.by}")
            else:
                seq = add_note(conn, args.incident_id, actor=args.by, at=at, text=args.text)
                print(f"aisec incident: {args.incident_id}: note #{seq} by {args.by}")
    except (IncidentError, ClockError) as exc:
        print(f"aisec incident: {exc}", file=sys.stderr)
        return 2
    return 0


def _show(conn: duckdb.DuckDBPyConnection, incident_id: str) -> int:
    rows = conn.execute(
        "SELECT * FROM operations.incidents WHERE incident_id = ?", [incident_id]
    ).fetchall()
    if not rows:
        print(f"aisec incident: no incident {incident_id!r}", file=sys.stderr)
        return 2
    print(_table(conn, "SELECT * FROM operations.incidents WHERE incident_id = ?", [incident_id]))
    print("\nTasks:")
    print(
        _table(
            conn,
            "SELECT step_number AS step, phase, responsible_role AS role, automated, due_at, "
            "left(action, 70) AS action FROM operations.incident_tasks WHERE incident_id = ? "
            "ORDER BY step_number",
            [incident_id],
        )
    )
    print("\nTimeline:")
    print(
        _table(
            conn,
            "SELECT seq, occurred_at, actor, kind, left(detail, 90) AS detail "
            "FROM operations.incident_timeline WHERE incident_id = ? ORDER BY seq",
            [incident_id],
        )
    )
    return 0


def _params(values: list[str]) -> dict[str, str]:
    params = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise IncidentError(f"--param {value!r}: expected KEY=VALUE")
        params[key.strip()] = text.strip()
    return params


def _contain(
    conn: duckdb.DuckDBPyConnection, config: AisecConfig, args: argparse.Namespace, at: datetime
) -> int:
    if args.approve is not None and args.approve != args.incident_id:
        raise IncidentError(
            f"--approve {args.approve!r} does not name incident {args.incident_id}: "
            "nothing executed"
        )
    approved = args.approve is not None
    plan = plan_containment(conn, args.incident_id, _params(args.param), steps=tuple(args.step))
    if not plan.steps:
        print(f"aisec incident: {args.incident_id}: no automated cloud step to run")
        return 0
    caller = CloudCaller(config.operations.containment) if approved else None
    result = run_containment(
        conn,
        plan,
        caller.execute if caller is not None else None,
        approved=approved,
        actor=args.by,
        at=at,
    )
    for line in result.lines:
        print(line)
    print(_summary(args.incident_id, result, approved))
    return 0 if result.ok else 1


def _summary(incident_id: str, result: ContainmentResult, approved: bool) -> str:
    if not approved:
        text = (
            f"aisec incident: {incident_id}: dry run, {result.dry_run} call(s) recorded, none "
            f"sent; {result.blocked} step(s) need more (see NOT PLANNED). To execute: "
            f"--approve {incident_id}"
        )
    else:
        text = (
            f"aisec incident: {incident_id}: {result.executed} call(s) executed, "
            f"{result.failed} failed, {result.skipped} already done, {result.blocked} step(s) "
            "not planned"
        )
    if result.escalated_to:
        text += f"; ESCALATED to {result.escalated_to}: contain by hand"
    return text
