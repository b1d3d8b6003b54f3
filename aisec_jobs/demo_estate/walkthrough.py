"""The demo's incident walkthrough: one incident the demo traffic opened, taken from open to
closed the way a responder does it with `aisec incident` — triage, containment planned as a
dry run (the calls recorded, nothing sent: the demo has no cloud), notes, and every state
through to closed, within two hours of the incident opening. It goes through the same
functions as the commands, so its timeline is what a real one looks like; it runs once per
warehouse (a marker note)."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from aisec_assets.operations.containment import (
    ContainmentPlan,
    plan_containment,
    run_containment,
)
from aisec_assets.operations.incidents import add_note, change_state
from aisec_jobs.demo_estate.company import EMAIL_DOMAIN
from aisec_resources.config import AisecConfig
from aisec_resources.warehouse import WarehouseResource

RESPONDER = f"soc.oncall@{EMAIL_DOMAIN}"
MARKER = "Demo walkthrough"

# The incident walked through: the most evidenced open detection incident whose playbook has a
# cloud containment step the inventory can target without the responder's input.
PICK_SQL = """
SELECT i.incident_id, greatest(i.opened_at, max(t.occurred_at)) AS last_at
FROM operations.incidents i
JOIN operations.incident_timeline t USING (incident_id)
WHERE i.state = 'open' AND i.origin = 'detection'
  AND EXISTS (
      SELECT 1 FROM operations.incident_tasks k
      WHERE k.incident_id = i.incident_id AND k.phase = 'containment'
        AND k.automation IN ('bedrock.disable_action_group', 'azure.set_deployment_capacity_zero',
                             'azure.disable_local_auth', 'azure.regenerate_account_key')
  )
GROUP BY i.incident_id, i.opened_at, i.evidence_count, i.severity
ORDER BY i.severity, i.evidence_count DESC, i.incident_id
"""


def walk_through_incident(config: AisecConfig) -> str | None:
    """Walk one demo incident from open to closed; returns its id, or None when the warehouse
    has been walked through already or no incident qualifies."""
    warehouse = WarehouseResource(
        path=str(config.warehouse.path),
        lock_timeout_seconds=config.warehouse.lock_timeout_seconds,
    )
    with warehouse.connect() as conn:
        if conn.execute(
            "SELECT 1 FROM operations.incident_timeline WHERE kind = 'note' "
            "AND starts_with(detail, ?)",
            [MARKER],
        ).fetchall():
            return None
        candidates = conn.execute(PICK_SQL).fetchall()
        for incident_id, last_at in candidates:
            plan = plan_containment(conn, incident_id)
            if not plan.calls:
                continue
            _walk(conn, incident_id, plan, last_at)
            return str(incident_id)
    return None


def _walk(
    conn: duckdb.DuckDBPyConnection, incident_id: str, plan: ContainmentPlan, start: datetime
) -> None:
    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    add_note(
        conn,
        incident_id,
        actor=RESPONDER,
        at=at(2),
        text=f"{MARKER}: the demo's responder takes this incident through every state.",
    )
    change_state(
        conn,
        incident_id,
        "triaged",
        actor=RESPONDER,
        at=at(6),
        note="true positive: the flagged requests show the instruction was followed",
    )
    run_containment(conn, plan, None, approved=False, actor=RESPONDER, at=at(8))
    add_note(
        conn,
        incident_id,
        actor=RESPONDER,
        at=at(10),
        text="containment reviewed as a dry run (the demo estate has no cloud to call); in "
        f"production: aisec incident contain {incident_id} --by ... --approve {incident_id}",
    )
    change_state(conn, incident_id, "contained", actor=RESPONDER, at=at(15))
    change_state(
        conn,
        incident_id,
        "eradicated",
        actor=RESPONDER,
        at=at(45),
        note="payload pattern added to the guardrail and the rule pack",
    )
    change_state(
        conn,
        incident_id,
        "recovered",
        actor=RESPONDER,
        at=at(90),
        note="tools re-enabled on the fixed version after the model owner's review",
    )
    change_state(
        conn,
        incident_id,
        "closed",
        actor=RESPONDER,
        at=at(120),
        note="post-incident review held; lessons recorded",
    )
