"""incident_state_job: real runs (`execute_in_process` of the registered job) against a real
DuckDB warehouse holding one incident: moves forward under the config's actor and the run's
clock, records the run id in the timeline, keeps the chain intact, and fails clearly on a move
backwards, an unknown incident or a bad instant."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from aisec_assets.operations.incidents import append_entry, broken_timelines
from aisec_jobs.definitions import build_definitions
from aisec_resources.clock import AS_OF_TAG, NOW_TAG
from aisec_resources.config import AisecConfig, load_config_file
from aisec_resources.warehouse import WarehouseResource

INCIDENT = "INC-00000000000000aa"
OPENED_AT = datetime(2026, 3, 27, 9, 0)
RUN_NOW = datetime(2026, 3, 27, 10, 0)
CLOCK = {AS_OF_TAG: "2026-03-27", NOW_TAG: RUN_NOW.isoformat()}
ACTOR = "soc@example.com"


@pytest.fixture
def config(tmp_path: Path) -> AisecConfig:
    path = tmp_path / "aisec.yaml"  # the settings resource reads it (the run's timezone)
    path.write_text(
        yaml.safe_dump({"organisation": "Acme", "warehouse": {"path": "warehouse.duckdb"}})
    )
    return load_config_file(path)


@pytest.fixture
def warehouse(config: AisecConfig) -> WarehouseResource:
    """The warehouse the job writes (the working file and its published copy), with one open
    incident and its 'opened' timeline entry."""
    resource = WarehouseResource(path=str(config.warehouse.path))
    with resource.connect() as conn:  # creates the schema
        # the history first: an incident without one does not verify (broken_timelines)
        append_entry(
            conn,
            INCIDENT,
            at=OPENED_AT,
            actor="aisec",
            kind="opened",
            detail="opened from 3 detection(s)",
            to_state="open",
        )
        conn.execute(
            "INSERT INTO operations.incidents (incident_id, category, severity, title, origin, "
            "asset_id, asset_ref, actor, affected_assets, blast_radius, first_evidence_at, "
            "last_evidence_at, opened_at, evidence_count, rule_ids, detection_severity, "
            "asset_risk_level, state, personal_data, eu_ai_act_high_risk) VALUES (?, "
            "'prompt_injection_exploitation', 'sev2', 'Prompt injection on claims-agent', "
            "'detection', 'agent', 'agent', 'key:abc', ['agent'], [], ?, ?, ?, 3, ['PI-001'], "
            "'critical', 'HIGH', 'open', false, false)",
            [INCIDENT, OPENED_AT, OPENED_AT, OPENED_AT],
        )
        assert broken_timelines(conn) == []
    return resource


RunJob = Callable[..., dg.ExecuteInProcessResult]


@pytest.fixture
def run_job(config: AisecConfig) -> Iterator[RunJob]:
    """Runs of the registered incident_state_job (its resources from the config) on one
    instance, pinned to CLOCK (the run's clock: aisec/as_of and aisec/now)."""
    with dg.instance_for_test() as instance:
        # resolved inside the instance: Dagster's global defs-state storage follows the
        # instance last created, which an earlier test may have closed
        job = build_definitions(config).resolve_job_def("incident_state_job")

        def run(op_config: dict[str, Any], *, raise_on_error: bool = True):
            return job.execute_in_process(
                run_config={"ops": {"change_incident_state": {"config": op_config}}},
                instance=instance,
                tags=CLOCK,
                raise_on_error=raise_on_error,
            )

        yield run


def timeline(warehouse: WarehouseResource) -> list[tuple]:
    with warehouse.read() as conn:  # what analysts see: the published file
        return conn.execute(
            "SELECT seq, occurred_at, actor, kind, from_state, to_state, detail "
            "FROM operations.incident_timeline WHERE incident_id = ? ORDER BY seq",
            [INCIDENT],
        ).fetchall()


def incident(warehouse: WarehouseResource) -> tuple:
    with warehouse.read() as conn:
        return conn.execute(
            "SELECT state, triaged_at, contained_at FROM operations.incidents "
            "WHERE incident_id = ?",
            [INCIDENT],
        ).fetchall()[0]


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    assert not result.success
    (failure,) = result.get_step_failure_events()
    data = failure.step_failure_data
    return (data.user_failure_data.description if data.user_failure_data else None) or (
        data.error.message if data.error else ""
    )


def test_moves_an_incident_forward_under_the_actor_with_the_run_id(
    run_job: RunJob, warehouse: WarehouseResource
) -> None:
    result = run_job(
        {"incident_id": INCIDENT, "to_state": "triaged", "actor": ACTOR, "note": "true positive"},
    )
    assert result.success
    assert result.output_for_node("change_incident_state") == "triaged"
    (output,) = [
        e
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT" and e.step_key == "change_incident_state"
    ]
    metadata = {k: v.value for k, v in output.event_specific_data.metadata.items()}
    assert metadata["incident_id"] == INCIDENT
    assert (metadata["from_state"], metadata["to_state"]) == ("open", "triaged")
    assert metadata["change"] == "open -> triaged"
    assert metadata["actor"] == ACTOR and metadata["timeline_seq"] == 2

    entries = timeline(warehouse)
    assert [e[0] for e in entries] == [1, 2]
    _, at, actor, kind, before, after, detail = entries[-1]
    # who the config names, when the run's clock says (aisec/now), which run made it
    assert (at, actor, kind, before, after) == (RUN_NOW, ACTOR, "state", "open", "triaged")
    assert detail == f"open -> triaged: true positive (dagster run {result.run_id})"
    assert incident(warehouse) == ("triaged", RUN_NOW, None)
    with warehouse.read() as conn:
        assert broken_timelines(conn) == []


def test_a_note_only_run_appends_a_note_at_the_given_instant(
    run_job: RunJob, warehouse: WarehouseResource
) -> None:
    result = run_job(
        {
            "incident_id": INCIDENT,
            "actor": ACTOR,
            "note": "customer informed",
            "at": "2026-03-27T11:30:00+01:00",
        },
    )
    assert result.success and result.output_for_node("change_incident_state") == "open"
    _, at, actor, kind, before, after, detail = timeline(warehouse)[-1]
    assert (at, actor, kind, before, after) == (
        datetime(2026, 3, 27, 10, 30),
        ACTOR,
        "note",
        None,
        None,
    )
    assert detail == f"customer informed (dagster run {result.run_id})"
    assert incident(warehouse)[0] == "open"
    with warehouse.read() as conn:
        assert broken_timelines(conn) == []


def test_a_move_backwards_fails_the_run_and_changes_nothing(
    run_job: RunJob, warehouse: WarehouseResource
) -> None:
    assert run_job({"incident_id": INCIDENT, "to_state": "contained", "actor": ACTOR}).success
    before = timeline(warehouse)
    result = run_job(
        {"incident_id": INCIDENT, "to_state": "triaged", "actor": ACTOR},
        raise_on_error=False,
    )
    assert failure_message(result) == (
        f"incident_state_job: incident {INCIDENT} is contained: it can only move forward "
        "(eradicated, recovered, closed)"
    )
    with pytest.raises(dg.Failure, match=rf"{INCIDENT} is contained: it can only move forward"):
        run_job({"incident_id": INCIDENT, "to_state": "open", "actor": ACTOR})
    assert timeline(warehouse) == before
    assert incident(warehouse) == ("contained", RUN_NOW, RUN_NOW)


@pytest.mark.parametrize(
    ("op_config", "message"),
    [
        (
            {"incident_id": "INC-nope", "to_state": "triaged", "actor": ACTOR},
            "incident_state_job: no incident 'INC-nope'",
        ),
        (
            {"incident_id": "INC-nope", "actor": ACTOR, "note": "hello"},
            "incident_state_job: no incident 'INC-nope'",
        ),
        (
            {"incident_id": INCIDENT, "to_state": "resolved", "actor": ACTOR},
            f"incident_state_job: incident {INCIDENT}: unknown state 'resolved'; states: "
            "open, triaged, contained, eradicated, recovered, closed",
        ),
        (
            {"incident_id": INCIDENT, "to_state": "triaged", "actor": "  "},
            f"incident_state_job: incident {INCIDENT}: config actor is empty: a change needs "
            "who made it",
        ),
        (
            {"incident_id": INCIDENT, "actor": ACTOR, "to_state": " ", "note": ""},
            f"incident_state_job: incident {INCIDENT}: nothing to do: give to_state, a note, "
            "or both",
        ),
        (
            {"incident_id": INCIDENT, "to_state": "triaged", "actor": ACTOR, "at": "soon"},
            f"incident_state_job: incident {INCIDENT}: config at: 'soon' is not an ISO timestamp",
        ),
    ],
)
def test_bad_requests_fail_the_run_naming_the_incident(
    run_job: RunJob, warehouse: WarehouseResource, op_config: dict[str, Any], message: str
) -> None:
    before = timeline(warehouse)
    result = run_job(op_config, raise_on_error=False)
    assert failure_message(result) == message
    assert timeline(warehouse) == before
    assert incident(warehouse)[0] == "open"


def test_the_actor_is_required_by_the_run_config(run_job: RunJob) -> None:
    with pytest.raises(dg.DagsterInvalidConfigError, match="actor"):
        run_job({"incident_id": INCIDENT, "to_state": "triaged"})


def test_without_a_warehouse_the_run_fails_and_creates_none(
    config: AisecConfig, run_job: RunJob
) -> None:
    result = run_job(
        {"incident_id": INCIDENT, "to_state": "triaged", "actor": ACTOR}, raise_on_error=False
    )
    assert failure_message(result) == (
        f"incident_state_job: incident {INCIDENT}: warehouse {config.warehouse.path} does not "
        "exist: run the main job first"
    )
    assert not WarehouseResource(path=str(config.warehouse.path)).work_path.exists()
