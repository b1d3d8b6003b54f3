"""Runs that died holding the warehouse, found and reclaimed.

A run started by `aisec run` executes in the CLI's own process tree. Killed there (`kill -9`,
an OOM kill, a machine reboot), it stays `STARTED` in the instance and keeps its slot of the
`duckdb_warehouse` pool (limit 1): every later run then waits for a slot that is never freed,
and Dagster says so only at DEBUG level. So every run the CLI starts carries the process that
runs it (`aisec/pid`, `aisec/pid_started`, `aisec/host`), and before a run — or on
`aisec doctor` — the CLI looks for runs whose process is gone on this host, marks them failed
and frees their slots, and frees the slots still held by runs that already ended (marking a run
failed by hand does not free them). Runs launched by the Dagster daemon are watched by the
instance's own run monitoring (`run_monitoring` in deploy/*/dagster.yaml).

The warehouse file lock needs nothing: it is an OS lock, released when its process dies.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import dagster as dg
import psutil

PID_TAG = "aisec/pid"
PID_STARTED_TAG = "aisec/pid_started"
HOST_TAG = "aisec/host"
# Statuses of a run that may still hold pool slots while its process is gone.
UNFINISHED = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def process_tags() -> dict[str, str]:
    """Tags naming this process, for a run the CLI executes in it."""
    me = psutil.Process(os.getpid())
    return {
        PID_TAG: str(me.pid),
        PID_STARTED_TAG: f"{me.create_time():.3f}",
        HOST_TAG: socket.gethostname(),
    }


def process_alive(pid: int, started: float | None) -> bool:
    """Whether the process `pid` still runs and is the one that started the run (a reused pid
    has a later start time)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(process.create_time() - started) < 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # it exists; someone else's process is not ours to judge


@dataclass(frozen=True)
class Reclaimable:
    """A run whose slots can be freed: dead (its process is gone) or already finished."""

    run_id: str
    job_name: str
    status: str
    reason: str
    mark_failed: bool


def find_reclaimable(instance: dg.DagsterInstance) -> list[Reclaimable]:
    """Unfinished CLI runs of this host whose process is gone, and finished runs that still
    hold pool slots."""
    found: dict[str, Reclaimable] = {}
    host = socket.gethostname()
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=UNFINISHED)):
        run = record.dagster_run
        tags = run.tags
        if tags.get(HOST_TAG) != host or PID_TAG not in tags:
            continue  # not started by the CLI on this machine: run monitoring's business
        try:
            pid = int(tags[PID_TAG])
            started = float(tags[PID_STARTED_TAG]) if PID_STARTED_TAG in tags else None
        except ValueError:
            continue
        if not process_alive(pid, started):
            found[run.run_id] = Reclaimable(
                run.run_id,
                run.job_name,
                run.status.value,
                f"its process {pid} on {host} is gone",
                mark_failed=True,
            )
    storage = instance.event_log_storage
    holders = (
        storage.get_concurrency_run_ids() if storage.supports_global_concurrency_limits else []
    )
    if holders:
        for record in instance.get_run_records(
            filters=dg.RunsFilter(run_ids=sorted(holders), statuses=FINISHED)
        ):
            run = record.dagster_run
            found.setdefault(
                run.run_id,
                Reclaimable(
                    run.run_id,
                    run.job_name,
                    run.status.value,
                    "it ended but still holds pool slots",
                    mark_failed=False,
                ),
            )
    return sorted(found.values(), key=lambda r: r.run_id)


def reclaim(instance: dg.DagsterInstance, target: Reclaimable) -> None:
    """Mark a dead run failed (with the reason) and free every pool slot it holds."""
    run = instance.get_run_by_id(target.run_id)
    if target.mark_failed and run is not None and run.status in UNFINISHED:
        instance.report_run_failed(
            run, message=f"aisec: reclaimed: {target.reason}; its pool slots are freed"
        )
    if instance.event_log_storage.supports_global_concurrency_limits:
        instance.event_log_storage.free_concurrency_slots_for_run(target.run_id)
