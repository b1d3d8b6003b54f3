"""`incident_state_job`: move an incident forward, or annotate it, from a Dagster run.

The Launchpad counterpart of `aisec incident advance` / `aisec incident note`: the run config
names the incident, the state to move it to (omit it to only add a note), who made the change,
an optional note and an optional instant (default: the run's clock). The change goes through
the warehouse writer (its lock, then publish) and is appended to the incident's hash-chained
timeline under the config's actor, the note ending in "(dagster run <run id>)" so the timeline
shows which run made it.

    ops:
      change_incident_state:
        config:
          incident_id: INC-…
          to_state: triaged
          actor: soc@example.com
          note: true positive
"""

# No `from __future__ import annotations`: Dagster reads the op's config annotation at runtime.
from datetime import datetime

import dagster as dg
import duckdb
from pydantic import Field

from aisec_assets.operations.incidents import STATES, IncidentError, add_note, change_state
from aisec_resources.clock import ClockError, parse_instant
from aisec_resources.redaction.dagster_io import log_for, safe_metadata
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import POOL, WarehouseResource


class IncidentStateConfig(dg.Config):
    incident_id: str = Field(description="The incident (INC-…).")
    actor: str = Field(description="Who makes the change (an email): recorded in the timeline.")
    to_state: str | None = Field(
        default=None,
        description=f"The state to move it to ({', '.join(STATES[1:])}); forward only. "
        "Omit it to only append the note.",
    )
    note: str = Field(default="", description="Why (appended to the timeline entry).")
    at: str | None = Field(
        default=None,
        description="When the change was made (ISO instant; naive means UTC). Default: the "
        "run's clock.",
    )


def _fail(incident_id: str, message: str) -> dg.Failure:
    text = (
        message if incident_id and incident_id in message else f"incident {incident_id}: {message}"
    )
    return dg.Failure(description=f"incident_state_job: {text}")


def _current_state(conn: duckdb.DuckDBPyConnection, incident_id: str) -> str:
    rows = conn.execute(
        "SELECT state FROM operations.incidents WHERE incident_id = ?", [incident_id]
    ).fetchall()
    if not rows:
        raise IncidentError(f"no incident {incident_id!r}")
    return rows[0][0]


@dg.op(
    pool=POOL,
    description="Move one incident forward to a state (or only append a note), recorded in its "
    "timeline under the config's actor with this run's id.",
)
def change_incident_state(
    context: dg.OpExecutionContext,
    config: IncidentStateConfig,
    settings: AisecSettings,
    warehouse: WarehouseResource,
) -> dg.Output[str]:
    incident_id = config.incident_id.strip()
    actor = config.actor.strip()
    to_state = (config.to_state or "").strip() or None  # the Launchpad may send ""
    note_text = config.note.strip()
    if not incident_id:
        raise dg.Failure(description="incident_state_job: config incident_id is empty")
    if not actor:
        raise _fail(incident_id, "config actor is empty: a change needs who made it")
    if to_state is None and not note_text:
        raise _fail(incident_id, "nothing to do: give to_state, a note, or both")
    try:
        at: datetime = parse_instant(config.at, "config at") if config.at else settings.now()
    except ClockError as exc:
        raise _fail(incident_id, str(exc)) from None
    if not warehouse.published_path.exists():
        raise _fail(
            incident_id,
            f"warehouse {warehouse.published_path} does not exist: run the main job first",
        )
    provenance = f"(dagster run {context.run_id})"
    note = f"{note_text} {provenance}" if note_text else provenance
    try:
        with warehouse.connect() as conn:
            if to_state is None:
                before = after = _current_state(conn, incident_id)
                add_note(conn, incident_id, actor=actor, at=at, text=note)
            else:
                before = change_state(conn, incident_id, to_state, actor=actor, at=at, note=note)
                after = to_state
            seq = conn.execute(
                "SELECT max(seq) FROM operations.incident_timeline WHERE incident_id = ?",
                [incident_id],
            ).fetchall()[0][0]
    except IncidentError as exc:
        raise _fail(incident_id, str(exc)) from None
    change = f"{before} -> {after}" if before != after else f"note ({after})"
    log_for(context).info(f"incident {incident_id}: {change} by {actor} at {at.isoformat()}")
    return dg.Output(
        after,
        metadata=safe_metadata(
            {
                "incident_id": incident_id,
                "from_state": before,
                "to_state": after,
                "change": change,
                "actor": actor,
                "at": at.isoformat(),
                "timeline_seq": int(seq),
            }
        ),
    )


@dg.job(
    description="Move an incident forward (open → triaged → contained → eradicated → recovered "
    "→ closed; forward only) or append a note, from run config: incident_id, to_state, actor, "
    "note, at. Recorded in the incident's hash-chained timeline with the run id.",
)
def incident_state_job() -> None:
    change_incident_state()
