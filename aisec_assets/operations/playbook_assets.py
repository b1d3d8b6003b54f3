"""The playbooks asset (SPEC §3.6): the shipped incident-response playbooks validated, written to
the warehouse (operations.playbooks, playbook_steps, playbook_triggers) and rendered as runbooks
to `<warehouse dir>/runbooks/<category>.md`. A bad playbook file fails the asset with
`file:line: field: message` for every problem."""

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from aisec_assets.metadata import column_schema, table_metadata
from aisec_assets.operations.playbook_library import PlaybookLibrary, load_playbooks
from aisec_assets.operations.runbooks import render_runbooks, write_runbooks
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource

GROUP = "operations"
OWNERS = ["team:ai-security"]
TABLES: tuple[str, ...] = ("playbooks", "playbook_steps", "playbook_triggers")
PLAYBOOK_COLUMNS: tuple[str, ...] = (
    "category",
    "title",
    "description",
    "severity_default",
    "personal_data",
    "serious_incident_possible",
    "evidence_to_collect",
    "notification_requirements",
    "runbook_markdown",
    "content_hash",
    "library_digest",
    "regulatory_notes",
    "runbook_path",
)

PLAYBOOKS_PREVIEW = """
SELECT p.category, upper(p.severity_default) AS severity, count(*) AS steps,
       count(*) FILTER (WHERE s.automated) AS automated,
       (SELECT string_agg(t.value, ', ' ORDER BY t.kind, t.value)
        FROM operations.playbook_triggers t WHERE t.category = p.category) AS opened_by,
       p.personal_data AS gdpr_clock, p.serious_incident_possible AS art73_possible
FROM operations.playbooks p JOIN operations.playbook_steps s USING (category)
GROUP BY ALL ORDER BY p.category
"""


@contextlib.contextmanager
def _transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, ROLLBACK on any error (readers see the old rows or the new ones)."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def write_playbook_tables(
    conn: duckdb.DuckDBPyConnection,
    library: PlaybookLibrary,
    runbooks: dict[str, str],
    paths: dict[str, Path],
) -> dict[str, int]:
    """Replace the three playbook tables with `library` in one transaction (bound parameters
    only); returns the rows written per table."""
    playbook_rows = [
        (
            pb.category,
            pb.title,
            pb.description,
            pb.severity_default,
            pb.regulatory.personal_data,
            pb.regulatory.serious_incident_possible,
            list(pb.evidence_to_collect),
            json.dumps([n.model_dump(mode="json") for n in pb.notification_requirements]),
            runbooks[pb.category],
            pb.content_hash(),
            library.digest,
            list(pb.regulatory.notes),
            str(paths[pb.category]),
        )
        for pb in library
    ]
    step_rows = [
        (
            pb.category,
            s.step_number,
            s.phase,
            s.action,
            s.responsible_role,
            s.automated,
            s.automation,
            s.timeout_minutes,
            s.escalation_trigger,
        )
        for pb in library
        for s in pb.steps
    ]
    trigger_rows = [
        (pb.category, "detection_family", family)
        for pb in library
        for family in pb.triggers.detection_families
    ] + [(pb.category, "finding_type", ft) for pb in library for ft in pb.triggers.finding_types]
    with _transaction(conn):
        for table in TABLES:
            conn.execute(f"DELETE FROM operations.{table}")
        conn.executemany(
            f"INSERT INTO operations.playbooks ({', '.join(PLAYBOOK_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in PLAYBOOK_COLUMNS)})",
            playbook_rows,
        )
        conn.executemany(
            "INSERT INTO operations.playbook_steps (category, step_number, phase, action, "
            "responsible_role, automated, automation, timeout_minutes, escalation_trigger) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            step_rows,
        )
        if trigger_rows:
            conn.executemany(
                "INSERT INTO operations.playbook_triggers (category, kind, value) VALUES (?, ?, ?)",
                trigger_rows,
            )
    return {
        "playbooks": len(playbook_rows),
        "playbook_steps": len(step_rows),
        "playbook_triggers": len(trigger_rows),
    }


@dg.asset(
    group_name=GROUP,
    metadata={"dagster/column_schema": column_schema("operations.playbooks")},
    kinds={"duckdb", "yaml", "markdown"},
    owners=OWNERS,
    pool=POOL,
    description="The incident-response playbooks (one per incident category: prompt injection, "
    "data exfiltration, model supply chain, agent unauthorized actions, training data "
    "poisoning, denial of service, PII leakage, jailbreak, model compromise) with their steps "
    "by phase (role, automation, timeout, escalation), triggers (every detection rule family "
    "answers to exactly one playbook), evidence, notifications and regulatory flags, validated "
    "on load; written to operations.playbooks / playbook_steps / playbook_triggers and "
    "rendered as runbooks to <warehouse dir>/runbooks/<category>.md.",
)
def playbooks(
    context: dg.AssetExecutionContext, settings: AisecSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    log = log_for(context)
    library = load_playbooks()
    runbooks = render_runbooks(library)
    directory = Path(settings.config().warehouse.path).parent / "runbooks"
    paths = write_runbooks(directory, runbooks)
    with warehouse.connect() as conn:
        rows = write_playbook_tables(conn, library, runbooks, paths)
        meta = table_metadata(conn, "operations.playbooks", PLAYBOOKS_PREVIEW)
    log.info(f"operations: playbook library {library.digest}: {rows}; runbooks in {directory}")
    first = next(iter(library)).category
    return dg.MaterializeResult(
        metadata=safe_metadata(
            {
                **meta,
                "library_digest": library.digest,
                "playbook_steps_rows": rows["playbook_steps"],
                "playbook_triggers_rows": rows["playbook_triggers"],
                "family_to_category": dg.MetadataValue.json(library.family_map()),
                "finding_to_category": dg.MetadataValue.json(library.finding_map()),
                "runbooks": dg.MetadataValue.json(
                    {category: str(path) for category, path in paths.items()}
                ),
                "runbook_preview": dg.MetadataValue.md(runbooks[first]),
            }
        )
    )


PLAYBOOK_ASSETS = (playbooks,)
