"""A plain per-detection Python restatement of how `sql/operations/open_incidents.sql` opens
incidents from detections, for `bench_incidents`.

The SQL works on whole tables (window functions over every candidate detection); this module
walks the candidate detections one at a time in time order, the way a straightforward program
would, keeping a little state per group key, and produces the same rows the SQL writes:

1. a detection is a candidate when its rule family answers to a playbook
   (operations.playbook_triggers) and it is not attached to an incident yet; the caller fetches
   the detections of the lookback window in (event_time, detection_id) order, so each key's
   candidates arrive in (occurred_at, evidence_id) order;
2. its group key is (playbook category, asset reference, actor): the asset id, else
   `unmatched:` + how the asset was named (else the log source); the API key hash, else the user,
   else the session, else `unknown`;
3. when the key has an open incident (not closed; the one with the latest evidence), a candidate
   inside that incident's span (from gap_minutes before its first evidence to its last evidence,
   both ends included) is attached to it outright;
4. the key's other candidates are chained in time order, the open incident's last evidence
   time standing in the chain as an anchor: the anchor always starts a group, and a candidate
   starts a new group when it is the key's first or follows its predecessor in the chain (the
   anchor or a candidate) by more than gap_minutes. The group that starts at the anchor
   continues the open incident whatever its severity; any other group opens an incident only
   when its most severe detection reaches min_severity (an unknown severity counts as
   critical), else its candidates stay unattached (they are read again by the next run);
5. an open incident that received candidates (3 or 4) grows: last evidence time, count and
   rules, and one `evidence` timeline entry for all of them; a new incident gets its row (id
   'INC-' + 16 hex of SHA-256 of category, asset reference, actor, first evidence time and the
   first evidence's id; severity from the playbook default one step more severe on a
   CRITICAL/HIGH (or unscored) asset, one less on a LOW one; blast radius over the dependency
   edges; the regulatory clocks), the playbook's steps as tasks and an `opened` timeline
   entry, each entry hash-chained as `operations.timeline_hash` does.

Findings and red-team failures (the SQL's other two evidence sources, attached to their key's
open incident outright) are not restated: the benchmark gives the SQL none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SEVERITY_RANK: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}
UNKNOWN_SEVERITY_RANK = 4
GENESIS_HASH = "0" * 64
SUMMARY_CHARS = 200
PERSONAL_SCOPES = frozenset({"gdpr", "hipaa", "ccpa"})
PERSONAL_CLASSES = frozenset({"confidential", "restricted", "regulated"})
# Risk level -> steps added to the playbook's sevN (an unknown level counts as CRITICAL).
RISK_STEP: dict[str, int] = {"CRITICAL": -1, "HIGH": -1, "LOW": 1}
UTC = ZoneInfo("UTC")

# The columns the caller selects from monitoring.detections, in this order.
DETECTION_COLUMNS: tuple[str, ...] = (
    "detection_id",
    "event_time",
    "rule_id",
    "rule_title",
    "family",
    "severity",
    "asset_id",
    "asset_match",
    "source",
    "api_key_hash",
    "user_id",
    "session_id",
    "evidence",
)
Key = tuple[str, str, str]  # (category, asset_ref, actor)
# The columns of the rows in an Outcome, in tuple order (a table may have more: they stay NULL,
# as the SQL leaves them).
INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "category",
    "severity",
    "title",
    "origin",
    "asset_id",
    "asset_ref",
    "actor",
    "affected_assets",
    "blast_radius",
    "first_evidence_at",
    "last_evidence_at",
    "opened_at",
    "evidence_count",
    "rule_ids",
    "detection_severity",
    "asset_risk_level",
    "state",
    "personal_data",
    "eu_ai_act_high_risk",
    "art73_due_at",
    "gdpr33_due_at",
    "triaged_at",
    "contained_at",
    "eradicated_at",
    "recovered_at",
    "closed_at",
)
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "evidence_id",
    "kind",
    "occurred_at",
    "rule_id",
    "severity",
    "summary",
)
TASK_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "step_number",
    "phase",
    "action",
    "responsible_role",
    "automated",
    "automation",
    "due_at",
    "escalation_trigger",
)
TIMELINE_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "seq",
    "occurred_at",
    "actor",
    "kind",
    "from_state",
    "to_state",
    "detail",
    "prev_hash",
    "entry_hash",
)


@dataclass(frozen=True)
class Step:
    step_number: int
    phase: str
    action: str
    responsible_role: str
    automated: bool
    automation: str | None
    timeout_minutes: int
    escalation_trigger: str | None


@dataclass(frozen=True)
class Playbook:
    category: str
    title: str
    severity_default: str
    personal_data: bool
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Asset:
    name: str
    regulatory_scope: tuple[str, ...]
    invalid_fields: tuple[str, ...]
    data_classification: str | None


@dataclass(frozen=True)
class OpenIncident:
    """A key's incident that is not closed (the latest by last evidence), as it stands."""

    incident_id: str
    first_evidence_at: datetime
    last_evidence_at: datetime
    evidence_count: int
    rule_ids: tuple[str, ...]


@dataclass
class Context:
    """Everything besides the detections that the rules read, fetched once by the caller."""

    family_category: dict[str, str]
    playbooks: dict[str, Playbook]
    assets: dict[str, Asset]
    # The latest risk level per asset on or before the day.
    risk_levels: dict[str, str]
    # to_asset_id -> the assets that depend on it (from_asset_id), as the edges list them.
    dependents: dict[str, list[str]]
    open_incidents: dict[Key, OpenIncident]
    attached: set[str]
    # incident_id -> (seq, entry_hash) of its last timeline entry.
    timeline_heads: dict[str, tuple[int, str]]


@dataclass(frozen=True)
class Settings:
    day: date
    now: datetime
    gap_minutes: int = 60
    min_severity: str = "high"
    timezone: str = "UTC"


@dataclass
class Outcome:
    """The rows the run writes: new incidents, evidence (new and grown incidents), tasks,
    timeline entries, and per grown incident its new (last_evidence_at, evidence_count,
    rule_ids)."""

    incidents: list[tuple[Any, ...]] = field(default_factory=list)
    evidence: list[tuple[Any, ...]] = field(default_factory=list)
    tasks: list[tuple[Any, ...]] = field(default_factory=list)
    timeline: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[str, datetime, int, list[str]]] = field(default_factory=list)
    # Candidates seen, and those that ended up in no incident (a group below min_severity).
    candidates: int = 0
    dropped: int = 0


class _Group:
    """A run of a key's chained candidates (no gap over gap_minutes between neighbours) that
    does not continue the open incident: it opens an incident, or is dropped."""

    __slots__ = (
        "evidence",
        "first_at",
        "first_evidence_id",
        "last_at",
        "rules",
        "top_rank",
        "top_severity",
    )

    def __init__(self, evidence_id: str, at: datetime) -> None:
        # The first candidate in (occurred_at, evidence_id) order names the incident.
        self.first_at = at
        self.first_evidence_id = evidence_id
        self.last_at = at
        self.top_rank = 0
        self.top_severity: str | None = None
        self.rules: set[str] = set()
        self.evidence: list[tuple[str, datetime, str, str, str]] = []

    def add(
        self, evidence_id: str, at: datetime, rule_id: str, severity: str, summary: str
    ) -> None:
        self.last_at = at
        rank = SEVERITY_RANK.get(severity, UNKNOWN_SEVERITY_RANK)
        if rank > self.top_rank:
            self.top_rank, self.top_severity = rank, severity
        self.rules.add(rule_id)
        self.evidence.append((evidence_id, at, rule_id, severity, summary))


class _Key:
    """The state of one group key while its candidates stream by."""

    __slots__ = ("anchor_passed", "asset_id", "chain_at", "group", "grown", "open_incident")

    def __init__(self, asset_id: str | None, open_incident: OpenIncident | None) -> None:
        self.asset_id = asset_id
        self.open_incident = open_incident
        # Whether the chain has reached the open incident's last evidence time (the anchor).
        self.anchor_passed = open_incident is None
        # The time of the chain's latest element (candidate or anchor); None before the first.
        self.chain_at: datetime | None = None
        # The new group being chained; None while the chain continues the open incident.
        self.group: _Group | None = None
        # The candidates attached to the open incident (inside its span, or chained to it).
        self.grown: list[tuple[str, datetime, str, str, str]] = []


def duckdb_timestamp_text(at: datetime) -> str:
    """A TIMESTAMP as DuckDB prints it (printf '%s', CAST AS VARCHAR): fraction without
    trailing zeros, none when whole seconds."""
    text = at.strftime("%Y-%m-%d %H:%M:%S")
    if at.microsecond:
        text += "." + f"{at.microsecond:06d}".rstrip("0")
    return text


def iso_micros(at: datetime) -> str:
    """strftime(ts, '%Y-%m-%dT%H:%M:%S.%f') in DuckDB."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def timeline_hash(
    prev_hash: str,
    incident_id: str,
    seq: int,
    occurred_at: datetime,
    actor: str,
    kind: str,
    from_state: str | None,
    to_state: str | None,
    detail: str,
) -> str:
    """operations.timeline_hash: SHA-256 over the fields joined by the unit separator."""
    text = "\x1f".join(
        (
            prev_hash,
            incident_id,
            str(seq),
            iso_micros(occurred_at),
            actor,
            kind,
            from_state or "",
            to_state or "",
            detail,
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_local_days(ts_utc: datetime, days: int, tz: str) -> datetime:
    """operations.add_local_days: `days` calendar days after a UTC instant on the local
    calendar of `tz`, back in UTC (naive)."""
    zone = ZoneInfo(tz)
    local = ts_utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    later = (local + timedelta(days=days)).replace(tzinfo=zone)
    return later.astimezone(UTC).replace(tzinfo=None)


def blast_radius(dependents: dict[str, list[str]], asset_id: str) -> list[str]:
    """Every asset depending on `asset_id`, directly or transitively. As the SQL's walk (which
    never revisits an asset on its path) the asset itself is in it only through an edge from
    itself to itself."""
    seen: set[str] = set()
    stack = [asset_id]
    while stack:
        for source in dependents.get(stack.pop(), ()):
            if source != asset_id and source not in seen:
                seen.add(source)
                stack.append(source)
    if asset_id in dependents.get(asset_id, ()):
        seen.add(asset_id)
    return sorted(seen)


def incident_id_for(
    category: str, asset_ref: str, actor: str, first_at: datetime, first_evidence_id: str
) -> str:
    text = "\x1f".join((category, asset_ref, actor, iso_micros(first_at), first_evidence_id))
    return "INC-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _timeline_entry(
    incident_id: str, kind: str, detail: str, ctx: Context, settings: Settings, out: Outcome
) -> None:
    """The incident's next timeline entry, chained to its last one."""
    seq, prev_hash = ctx.timeline_heads.get(incident_id, (0, GENESIS_HASH))
    seq += 1
    to_state = "open" if kind == "opened" else None
    out.timeline.append(
        (
            incident_id,
            seq,
            settings.now,
            "aisec",
            kind,
            None,
            to_state,
            detail,
            prev_hash,
            timeline_hash(
                prev_hash, incident_id, seq, settings.now, "aisec", kind, None, to_state, detail
            ),
        )
    )


def _close_group(
    key: Key,
    group: _Group,
    asset_id: str | None,
    ctx: Context,
    settings: Settings,
    min_rank: int,
    out: Outcome,
) -> None:
    """A new group is complete: open an incident from it, or drop it (below min_severity)."""
    if group.top_rank < min_rank:
        out.dropped += len(group.evidence)
        return
    category, asset_ref, actor = key
    rules = sorted(group.rules)
    count = len(group.evidence)
    incident_id = incident_id_for(
        category, asset_ref, actor, group.first_at, group.first_evidence_id
    )
    playbook = ctx.playbooks[category]
    asset = ctx.assets.get(asset_id) if asset_id is not None else None
    risk_level = ctx.risk_levels.get(asset_id) if asset_id is not None else None
    severity_number = max(
        1,
        min(4, int(playbook.severity_default[-1]) + RISK_STEP.get(risk_level or "CRITICAL", 0)),
    )
    scope = asset.regulatory_scope if asset is not None else ()
    invalid = asset.invalid_fields if asset is not None else ()
    classification = asset.data_classification if asset is not None else None
    high_risk = "eu_ai_act_high_risk" in scope or "regulatory_scope" in invalid
    personal = playbook.personal_data and (
        not PERSONAL_SCOPES.isdisjoint(scope)
        or classification is None
        or classification in PERSONAL_CLASSES
    )
    now = settings.now
    out.incidents.append(
        (
            incident_id,
            category,
            f"sev{severity_number}",
            f"{playbook.title} on {asset.name if asset is not None else asset_ref}",
            "detection",
            asset_id,
            asset_ref,
            actor,
            [asset_id] if asset_id is not None else [],
            blast_radius(ctx.dependents, asset_id) if asset_id is not None else [],
            group.first_at,
            group.last_at,
            now,
            count,
            rules,
            group.top_severity,
            risk_level,
            "open",
            personal,
            high_risk,
            add_local_days(now, 15, settings.timezone)
            if high_risk and severity_number <= 2
            else None,
            now + timedelta(hours=72) if personal else None,
            None,
            None,
            None,
            None,
            None,
        )
    )
    minutes = 0
    for step in playbook.steps:
        minutes += step.timeout_minutes
        out.tasks.append(
            (
                incident_id,
                step.step_number,
                step.phase,
                step.action,
                step.responsible_role,
                step.automated,
                step.automation,
                now + timedelta(minutes=minutes),
                step.escalation_trigger,
            )
        )
    for evidence_id, at, rule_id, severity, summary in group.evidence:
        out.evidence.append((incident_id, evidence_id, "detection", at, rule_id, severity, summary))
    detail = (
        f"opened from {count} detection(s) ({', '.join(rules)}), "
        f"first at {duckdb_timestamp_text(group.first_at)}"
    )
    _timeline_entry(incident_id, "opened", detail, ctx, settings, out)


def _grow(state: _Key, ctx: Context, settings: Settings, out: Outcome) -> None:
    """The open incident's new evidence of the run (inside its span or chained to its anchor):
    one update, one `evidence` timeline entry."""
    incident = state.open_incident
    if incident is None or not state.grown:
        return
    incident_id = incident.incident_id
    latest = max(at for _, at, _, _, _ in state.grown)
    rules = {rule_id for _, _, rule_id, _, _ in state.grown}
    out.updates.append(
        (
            incident_id,
            max(incident.last_evidence_at, latest),
            incident.evidence_count + len(state.grown),
            sorted(set(incident.rule_ids) | rules),
        )
    )
    for evidence_id, at, rule_id, severity, summary in state.grown:
        out.evidence.append((incident_id, evidence_id, "detection", at, rule_id, severity, summary))
    detail = (
        f"{len(state.grown)} more detection(s) attached ({', '.join(sorted(rules))}), "
        f"latest at {duckdb_timestamp_text(latest)}"
    )
    _timeline_entry(incident_id, "evidence", detail, ctx, settings, out)


def open_incidents_loop(
    detections: Iterable[tuple[Any, ...]], ctx: Context, settings: Settings
) -> Outcome:
    """Walk the lookback window's detections (DETECTION_COLUMNS, in event_time, detection_id
    order) one by one and return the rows the SQL would write."""
    if settings.min_severity not in SEVERITY_RANK:
        raise ValueError(f"unknown min_severity {settings.min_severity!r}")
    min_rank = SEVERITY_RANK[settings.min_severity]
    gap = timedelta(minutes=settings.gap_minutes)
    out = Outcome()
    keys: dict[Key, _Key] = {}
    for (
        detection_id,
        event_time,
        rule_id,
        rule_title,
        family,
        severity,
        asset_id,
        asset_match,
        source,
        api_key_hash,
        user_id,
        session_id,
        evidence,
    ) in detections:
        category = ctx.family_category.get(family)
        if category is None or detection_id in ctx.attached:
            continue
        out.candidates += 1
        if asset_id is not None:
            asset_ref = asset_id
        else:
            asset_ref = "unmatched:" + (asset_match if asset_match is not None else source)
        if api_key_hash is not None:
            actor = "key:" + api_key_hash
        elif user_id is not None:
            actor = "user:" + user_id
        elif session_id is not None:
            actor = "session:" + session_id
        else:
            actor = "unknown"
        key = (category, asset_ref, actor)
        summary = (evidence if evidence is not None else rule_title)[:SUMMARY_CHARS]
        row = (detection_id, event_time, rule_id, severity, summary)
        state = keys.get(key)
        if state is None:
            state = keys[key] = _Key(asset_id, ctx.open_incidents.get(key))
        incident = state.open_incident
        if incident is not None:
            if incident.first_evidence_at - gap <= event_time <= incident.last_evidence_at:
                # Inside the open incident's span: attached outright, not part of the chain.
                state.grown.append(row)
                continue
            if not state.anchor_passed and event_time > incident.last_evidence_at:
                # The chain reaches the anchor: whatever group was being chained ends, and the
                # chain continues the open incident from its last evidence.
                if state.group is not None:
                    _close_group(key, state.group, state.asset_id, ctx, settings, min_rank, out)
                    state.group = None
                state.anchor_passed = True
                state.chain_at = incident.last_evidence_at
        if state.chain_at is None or event_time - state.chain_at > gap:
            # A quiet gap (or the key's first candidate): a new group starts.
            if state.group is not None:
                _close_group(key, state.group, state.asset_id, ctx, settings, min_rank, out)
            state.group = _Group(detection_id, event_time)
        state.chain_at = event_time
        if state.group is None:
            state.grown.append(row)  # chained to the anchor: continues the open incident
        else:
            state.group.add(*row)
    for key, state in keys.items():
        if state.group is not None:
            _close_group(key, state.group, state.asset_id, ctx, settings, min_rank, out)
        _grow(state, ctx, settings, out)
    return out


def chunks(cursor: Any, size: int = 50_000) -> Iterator[tuple[Any, ...]]:
    """The rows of a DuckDB cursor, fetched `size` at a time."""
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            return
        yield from rows
