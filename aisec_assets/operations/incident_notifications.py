"""Incident notifications (issue 10): what an incident's playbook says to tell whom, sent through
the notifier, every try recorded in the incident's timeline.

For every incident that is not closed, each of its playbook's `notification_requirements` whose
condition holds (severity; personal data: the incident's `personal_data` flag, or a GDPR Art. 33
deadline set; serious incident: the playbook allows one and the incident is SEV1/SEV2 on an EU
AI Act high-risk asset, or an Art. 73 deadline is set) is sent to its audience until every
channel of the audience's route has delivered it. Plain Python over a DuckDB connection: the
`incidents` asset calls it after opening incidents; the caller passes the clock.

The timeline is the record and the idempotency marker (nothing else is stored):

* Each requirement has a stable key, `<audience>/<channel>` (`ciso/email`; a second requirement
  with the same pair in one playbook gets `#2`). Every run that acts on a requirement appends
  one entry of kind `notification` whose detail starts `[notify <key>] delivered` or
  `[notify <key>] FAILED`, then `delivered now: <channels>` (the channels that delivered in that
  run, if any), what failed, and every attempt (channel, attempt number, ok, status, error).
* A requirement is done once an entry `[notify <key>] delivered` exists: every channel of its
  route has delivered (over one run or several). A rerun sends nothing for it.
* A failure is retried on every later run until delivered (or the incident is closed, or, for
  the supervisory or market surveillance authority, the report is recorded as filed). Channels
  that delivered before are not sent to again: a retry goes only to the route's channels with no
  `delivered now:` in an earlier entry of the key.
* A failure never passes silently: a `FAILED` entry is recorded and the incident gets one entry
  of kind `escalation` per run listing what was not delivered (deliver it by hand, fix the
  notifier); the summary counts it so the asset warns. Failures where nothing went out (no
  notifier configured, no route for the audience, no playbook, a channel whose environment
  variable is unset) are recorded again only when their text changes (e.g. the requirement
  becomes overdue), so a frequent run does not flood the timeline with identical entries; they
  are still counted and logged on every run.
* Within one run a channel that failed every configured attempt (a dead endpoint) is not tried
  again for later requirements: they are recorded failed, naming the earlier failure. That
  bounds the time a run can spend in retries and backoff.

Sending happens before recording: if the process dies in between, the next run sends again
(at least once, never silently not at all). An incident whose timeline does not verify is
skipped and reported (the blocking `incident_timeline_intact` check fails the run anyway).

Detail text passes `redact_text` in `append_entry`; the notifier's attempt errors never hold a
webhook URL or credential, and no URL or environment value is written here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from aisec_assets.operations.incidents import MAX_DETAIL_CHARS, append_entry, broken_timelines
from aisec_assets.operations.playbook_library import Notification as Requirement
from aisec_assets.operations.playbook_library import Playbook, PlaybookLibrary
from aisec_resources.notifier import (
    DeliveryAttempt,
    DeliveryReport,
    NoRouteError,
    Notification,
    Notifier,
)
from aisec_resources.redaction import redact_text

__all__ = [
    "ESCALATION_KIND",
    "NOTIFICATION_KIND",
    "IncidentRow",
    "NotificationSummary",
    "build_notification",
    "notify_incidents",
    "requirement_keys",
]

NOTIFICATION_KIND = "notification"
ESCALATION_KIND = "escalation"
# Severities that can make an incident on a high-risk asset a serious incident (the Art. 73
# clock of sql/operations/open_incidents.sql starts for these).
SERIOUS_SEVERITIES: tuple[str, ...] = ("sev1", "sev2")
# Characters of an attempt's error kept in the timeline (shortened further if the entry would
# exceed MAX_DETAIL_CHARS).
ERROR_CHARS = (160, 60, 0)
ESCALATION_LINE_CHARS = 240
PLAYBOOK_KEY = "playbook"

_HEADER_RE = re.compile(r"^\[notify (?P<key>[^\]\n]+)\] (?P<outcome>\S+)")
_DELIVERED_RE = re.compile(r"^delivered now: (?P<channels>.+)$", re.MULTILINE)


@dataclass
class NotificationSummary:
    """What one pass did. `failed` counts requirements not delivered in this pass (whatever the
    reason, `not_configured` and `no_route` included); `escalated` the incidents that got an
    `escalation` entry; `broken` the incidents skipped because their timeline does not verify."""

    incidents: int = 0
    delivered: int = 0
    failed: int = 0
    not_configured: int = 0
    no_route: int = 0
    already_delivered: int = 0
    already_reported: int = 0  # to an authority whose report the incident records as filed
    not_applicable: int = 0
    attempts: int = 0
    escalated: int = 0
    entries: int = 0
    broken: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "<incident> <key>: <reason>"

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.broken

    def as_metadata(self) -> dict[str, Any]:
        return {
            "notifications_delivered": self.delivered,
            "notifications_failed": self.failed,
            "notifications_not_configured": self.not_configured,
            "notifications_no_route": self.no_route,
            "notifications_already_delivered": self.already_delivered,
            "notifications_already_reported": self.already_reported,
            "notification_attempts": self.attempts,
            "notification_escalations": self.escalated,
            "notification_timelines_broken": len(self.broken),
        }


@dataclass(frozen=True)
class IncidentRow:
    """The columns of operations.incidents a notification is built from."""

    incident_id: str
    category: str
    severity: str
    title: str
    origin: str
    asset_ref: str
    state: str
    personal_data: bool
    high_risk: bool
    art73_due_at: datetime | None
    gdpr33_due_at: datetime | None
    art73_reported_at: datetime | None
    gdpr33_reported_at: datetime | None
    opened_at: datetime
    first_evidence_at: datetime
    evidence_count: int
    rule_ids: list[str]
    blast_radius: list[str]


@dataclass
class _History:
    """What the timeline says about one requirement of one incident."""

    done: bool = False
    delivered: set[str] = field(default_factory=set)
    last_detail: str | None = None


@dataclass(frozen=True)
class _Outcome:
    detail: str
    delivered: bool
    reason: str  # for the escalation entry and the log; empty when delivered
    sent: bool  # anything went out over the network in this run (an attempt numbered 1+)


def requirement_keys(playbook: Playbook) -> list[tuple[str, Requirement]]:
    """The playbook's requirements with their stable timeline keys, in playbook order."""
    seen: dict[str, int] = {}
    keyed = []
    for requirement in playbook.notification_requirements:
        base = f"{requirement.audience}/{requirement.channel}"
        seen[base] = seen.get(base, 0) + 1
        keyed.append((base if seen[base] == 1 else f"{base}#{seen[base]}", requirement))
    return keyed


def _stamp(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _serious(incident: IncidentRow, playbook: Playbook) -> bool:
    if not playbook.regulatory.serious_incident_possible:
        return False
    return incident.art73_due_at is not None or (
        incident.high_risk and incident.severity in SERIOUS_SEVERITIES
    )


def _personal_data(incident: IncidentRow) -> bool:
    return incident.personal_data or incident.gdpr33_due_at is not None


def _reported(incident: IncidentRow, audience: str) -> bool:
    """The authority's report is on record as filed (`aisec incident report`): telling someone
    to file it is moot."""
    if audience == "market_surveillance_authority":
        return incident.art73_reported_at is not None
    if audience == "supervisory_authority":
        return incident.gdpr33_reported_at is not None
    return False


def build_notification(
    incident: IncidentRow, playbook: Playbook, requirement: Requirement, *, now: datetime
) -> Notification:
    """The message for one requirement of one incident (redacted again by the notifier)."""
    due = incident.opened_at + timedelta(minutes=requirement.within_minutes)
    late = " - OVERDUE" if now > due else ""
    evidence = ", ".join(incident.rule_ids[:10]) or "-"
    lines = [
        f"{incident.title}.",
        f"Incident {incident.incident_id}: {incident.severity.upper()}, {incident.state}, "
        f"category {incident.category} ({playbook.title}), opened {_stamp(incident.opened_at)} "
        f"from {incident.evidence_count} {incident.origin}(s) ({evidence}); first evidence "
        f"{_stamp(incident.first_evidence_at)}.",
        f"Asset: {incident.asset_ref}"
        + (f"; blast radius: {', '.join(incident.blast_radius)}" if incident.blast_radius else "")
        + ".",
        f"You are notified as {requirement.audience} (playbook channel: {requirement.channel}; "
        f"condition: {requirement.condition.describe()}), due by {_stamp(due)}, "
        f"{requirement.within_minutes} minutes after opening{late}.",
    ]
    if requirement.note:
        lines.append(f"Note: {requirement.note}")
    if incident.art73_due_at is not None:
        lines.append(
            f"EU AI Act Art. 73 serious-incident report due {_stamp(incident.art73_due_at)}."
        )
    if incident.gdpr33_due_at is not None:
        lines.append(f"GDPR Art. 33 notification due {_stamp(incident.gdpr33_due_at)}.")
    fields: dict[str, Any] = {
        "incident": incident.incident_id,
        "severity": incident.severity.upper(),
        "state": incident.state,
        "category": incident.category,
        "asset": incident.asset_ref,
        "opened_at": _stamp(incident.opened_at),
        "notify_by": _stamp(due),
        "playbook_channel": requirement.channel,
    }
    if incident.art73_due_at is not None:
        fields["art73_due_at"] = _stamp(incident.art73_due_at)
    if incident.gdpr33_due_at is not None:
        fields["gdpr33_due_at"] = _stamp(incident.gdpr33_due_at)
    return Notification(
        incident_id=incident.incident_id,
        audience=requirement.audience,
        subject=f"Incident {incident.incident_id}: {incident.title}",
        body="\n".join(lines),
        severity=incident.severity.upper(),
        fields=fields,
    )


# --------------------------------------------------------------------------- reading


def _open_incidents(
    conn: duckdb.DuckDBPyConnection, incident_ids: Iterable[str] | None
) -> list[IncidentRow]:
    sql = (
        "SELECT incident_id, category, severity, title, origin, asset_ref, state, personal_data, "
        "eu_ai_act_high_risk, art73_due_at, gdpr33_due_at, art73_reported_at, "
        "gdpr33_reported_at, opened_at, first_evidence_at, evidence_count, rule_ids, "
        "blast_radius FROM operations.incidents "
        "WHERE state <> 'closed'"
    )
    params: list[Any] = []
    if incident_ids is not None:
        sql += " AND list_contains(?, incident_id)"
        params.append(list(incident_ids))
    sql += " ORDER BY severity, opened_at, incident_id"
    return [
        IncidentRow(
            incident_id=r[0],
            category=r[1],
            severity=r[2],
            title=r[3],
            origin=r[4],
            asset_ref=r[5],
            state=r[6],
            personal_data=bool(r[7]),
            high_risk=bool(r[8]),
            art73_due_at=r[9],
            gdpr33_due_at=r[10],
            art73_reported_at=r[11],
            gdpr33_reported_at=r[12],
            opened_at=r[13],
            first_evidence_at=r[14],
            evidence_count=int(r[15]),
            rule_ids=list(r[16] or []),
            blast_radius=list(r[17] or []),
        )
        for r in conn.execute(sql, params).fetchall()
    ]


def _histories(
    conn: duckdb.DuckDBPyConnection, incident_ids: Sequence[str]
) -> dict[tuple[str, str], _History]:
    histories: dict[tuple[str, str], _History] = {}
    if not incident_ids:
        return histories
    rows = conn.execute(
        "SELECT incident_id, detail FROM operations.incident_timeline "
        "WHERE kind = ? AND list_contains(?, incident_id) ORDER BY incident_id, seq",
        [NOTIFICATION_KIND, list(incident_ids)],
    ).fetchall()
    for incident_id, detail in rows:
        header = _HEADER_RE.match(detail)
        if header is None:
            continue
        history = histories.setdefault((incident_id, header["key"]), _History())
        history.last_detail = detail
        if header["outcome"] == "delivered":
            history.done = True
        for found in _DELIVERED_RE.finditer(detail):
            history.delivered |= {c.strip() for c in found["channels"].split(",") if c.strip()}
    return histories


# --------------------------------------------------------------------------- sending


def _attempt_line(attempt: DeliveryAttempt, error_chars: int) -> str:
    if attempt.ok:
        state = "ok"
    elif attempt.attempt == 0:
        state = "not sent"
    else:
        state = "failed"
    parts = [f"  {attempt.channel} ({attempt.kind}) #{attempt.attempt}: {state}"]
    if attempt.status is not None:
        parts.append(f"status {attempt.status}")
    if attempt.error and error_chars:
        error = " ".join(attempt.error.split())
        if len(error) > error_chars:
            error = error[: error_chars - 1] + "…"
        parts.append(error)
    return ", ".join(parts)


def _channel_failure(attempts: list[DeliveryAttempt]) -> str:
    """Why a channel failed, from its attempts in this report."""
    if not attempts:
        return "not tried"
    last = attempts[-1]
    if last.attempt == 0:
        return last.error or "could not be set up"
    status = f"status {last.status}" if last.status is not None else "no answer"
    return f"{status} after {last.attempt} attempt(s)"


def _detail(
    key: str,
    requirement: Requirement,
    due: datetime,
    now: datetime,
    *,
    delivered: bool,
    lines: list[str],
    attempts: Sequence[DeliveryAttempt] = (),
) -> str:
    timing = f"due {_stamp(due)}" + (" (late)" if delivered and now > due else "")
    if not delivered and now > due:
        timing += " (OVERDUE)"
    head = (
        f"[notify {key}] {'delivered' if delivered else 'FAILED, escalated'} - "
        f"{requirement.audience} by {requirement.channel} within {requirement.within_minutes} "
        f"min: {timing}"
    )
    for error_chars in ERROR_CHARS:
        text = "\n".join(
            [head, *lines]
            + (
                ["attempts:", *(_attempt_line(a, error_chars) for a in attempts)]
                if attempts
                else []
            )
        )
        if len(text) <= MAX_DETAIL_CHARS:
            return text
    return text


def _send(
    notifier: Notifier,
    message: Notification,
    channels: list[str],
) -> DeliveryReport:
    """`message` over exactly `channels` (a subset of its audience's route): a shallow copy of
    the notifier whose only route is the audience to those channels."""
    restricted = copy.copy(notifier)
    restricted.config = notifier.config.model_copy(
        update={"routes": {message.audience.strip(): list(channels)}}
    )
    return restricted.send(message)


class _Run:
    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        notifier: Notifier | None,
        now: datetime,
        actor: str,
        summary: NotificationSummary,
    ):
        self.conn = conn
        self.notifier = notifier
        self.now = now
        self.actor = actor
        self.summary = summary
        # Channels that failed every configured attempt in this run -> why.
        self.down: dict[str, str] = {}

    def requirement(
        self,
        incident: IncidentRow,
        playbook: Playbook,
        key: str,
        requirement: Requirement,
        history: _History,
    ) -> _Outcome:
        due = incident.opened_at + timedelta(minutes=requirement.within_minutes)

        def failed(
            reason: str,
            lines: list[str],
            attempts: Sequence[DeliveryAttempt] = (),
            sent: bool = False,
        ) -> _Outcome:
            detail = _detail(
                key,
                requirement,
                due,
                self.now,
                delivered=False,
                lines=[*lines, "retried on the next run"],
                attempts=attempts,
            )
            return _Outcome(detail, False, reason, sent)

        if self.notifier is None:
            self.summary.not_configured += 1
            reason = "notifications are not configured (no notifier routes)"
            return failed(reason, [f"not sent: {reason}"])
        try:
            route = self.notifier.channels_for(requirement.audience)
        except NoRouteError:
            self.summary.no_route += 1
            reason = f"no notification route for audience {requirement.audience} (nor default)"
            return failed(reason, [f"not sent: {reason}"])
        earlier = [c for c in route if c in history.delivered]
        pending = [c for c in route if c not in history.delivered]
        skipped = {c: self.down[c] for c in pending if c in self.down}
        to_send = [c for c in pending if c not in skipped]
        report = DeliveryReport(channels=())
        problems: dict[str, str] = {}
        crashed = False
        if to_send:
            message = build_notification(incident, playbook, requirement, now=self.now)
            try:
                report = _send(self.notifier, message, to_send)
            except Exception as exc:  # a notifier bug must not lose the record of the others
                # Only the type: the message of an unexpected error could hold a URL.
                problems = {c: f"notifier error {type(exc).__name__}" for c in to_send}
                crashed = True
            self.summary.attempts += sum(1 for a in report if a.attempt > 0)
            retries = self.notifier.config.retry.attempts
            for channel in report.failed:
                mine = [a for a in report if a.channel == channel]
                problems[channel] = _channel_failure(mine)
                if mine and mine[-1].attempt >= retries:
                    self.down[channel] = problems[channel]
        for channel, why in skipped.items():
            problems[channel] = f"not tried: failed earlier in this run ({why})"
        delivered_now = list(report.delivered)
        lines = []
        if delivered_now:
            lines.append(f"delivered now: {', '.join(delivered_now)}")
        if earlier:
            lines.append(f"delivered earlier: {', '.join(earlier)}")
        if not problems:
            if not to_send:
                lines.append("every channel of the route delivered in earlier runs")
            detail = _detail(
                key, requirement, due, self.now, delivered=True, lines=lines, attempts=report
            )
            return _Outcome(detail, True, "", any(a.attempt > 0 for a in report))
        failures = "; ".join(f"{c}: {why}" for c, why in problems.items())
        lines.insert(0, f"not delivered: {failures}")
        sent = crashed or any(a.attempt > 0 for a in report)
        return failed(f"not delivered via {failures}", lines, report, sent)

    def record(self, incident_id: str, detail: str, kind: str = NOTIFICATION_KIND) -> None:
        append_entry(
            self.conn, incident_id, at=self.now, actor=self.actor, kind=kind, detail=detail
        )
        self.summary.entries += 1


def notify_incidents(
    conn: duckdb.DuckDBPyConnection,
    library: PlaybookLibrary,
    notifier: Notifier | None,
    *,
    now: datetime,
    actor: str = "aisec",
    incident_ids: Iterable[str] | None = None,
) -> NotificationSummary:
    """Send every applicable, not yet delivered notification requirement of every incident that
    is not closed (or only of `incident_ids`), recording each in the timeline (see the module
    docstring). `notifier` None means notifications are not configured: every applicable
    requirement is recorded failed and escalated. `now` is the run's clock."""
    summary = NotificationSummary()
    incidents = _open_incidents(conn, incident_ids)
    broken = set(broken_timelines(conn))
    summary.broken = sorted(i.incident_id for i in incidents if i.incident_id in broken)
    incidents = [i for i in incidents if i.incident_id not in broken]
    summary.incidents = len(incidents)
    histories = _histories(conn, [i.incident_id for i in incidents])
    run = _Run(conn, notifier, now, actor, summary)
    for incident in incidents:
        escalate: list[str] = []
        playbook = library.playbooks.get(incident.category)
        if playbook is None:
            summary.failed += 1
            reason = f"no playbook for category {incident.category} in the library"
            summary.failures.append(f"{incident.incident_id} {PLAYBOOK_KEY}: {reason}")
            detail = f"[notify {PLAYBOOK_KEY}] FAILED, escalated - {reason}: nothing was sent"
            history = histories.get((incident.incident_id, PLAYBOOK_KEY), _History())
            if not _same(history.last_detail, detail):
                run.record(incident.incident_id, detail)
                escalate.append(f"{PLAYBOOK_KEY}: {reason}")
        else:
            personal = _personal_data(incident)
            serious = _serious(incident, playbook)
            for key, requirement in requirement_keys(playbook):
                if not requirement.condition.applies(
                    incident.severity, personal_data=personal, serious_incident=serious
                ):
                    summary.not_applicable += 1
                    continue
                history = histories.get((incident.incident_id, key), _History())
                if history.done:
                    summary.already_delivered += 1
                    continue
                if _reported(incident, requirement.audience):
                    summary.already_reported += 1
                    continue
                outcome = run.requirement(incident, playbook, key, requirement, history)
                if outcome.delivered:
                    summary.delivered += 1
                    run.record(incident.incident_id, outcome.detail)
                    continue
                summary.failed += 1
                summary.failures.append(f"{incident.incident_id} {key}: {outcome.reason}")
                # Nothing sent and nothing new to say: already on record, already escalated.
                if not outcome.sent and _same(history.last_detail, outcome.detail):
                    continue
                run.record(incident.incident_id, outcome.detail)
                due = incident.opened_at + timedelta(minutes=requirement.within_minutes)
                late = " OVERDUE" if now > due else ""
                escalate.append(f"{key} (due {_stamp(due)}{late}): {outcome.reason}")
        if escalate:
            run.record(incident.incident_id, _escalation(escalate), kind=ESCALATION_KIND)
            summary.escalated += 1
    return summary


def _escalation(failures: list[str]) -> str:
    """The escalation entry: what was not delivered, one line each, within MAX_DETAIL_CHARS."""
    text = (
        f"escalate: {len(failures)} notification(s) not delivered - deliver by hand and fix "
        "the notifier (retried on the next run):"
    )
    for shown, line in enumerate(failures):
        line = "\n  " + (
            line if len(line) <= ESCALATION_LINE_CHARS else line[: ESCALATION_LINE_CHARS - 1] + "…"
        )
        rest = len(failures) - shown
        if len(text) + len(line) > MAX_DETAIL_CHARS - 80 and rest > 1:
            return text + f"\n  ... and {rest} more (see the notification entries)"
        text += line
    return text


def _same(stored: str | None, detail: str) -> bool:
    """Whether `detail` would be stored as `stored` (append_entry redacts and cuts)."""
    return stored is not None and stored == redact_text(detail)[:MAX_DETAIL_CHARS]
