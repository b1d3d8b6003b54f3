"""An organisation's models and datasets on the Hugging Face Hub, live or from a bundle.

Two readers implement `HubReader`: `hub_live.LiveHubReader` (the Hub's REST API through
huggingface_hub's HTTP session) and `hub_bundle.HubBundleReader` (an offline bundle of the
same responses, written by `hub_collect.collect_hub`). Both hand back the raw JSON, and
`hub_parse.parse_repo` is the one parser, so a bundle gives exactly the records the live
Hub gave when it was collected.

Identity and parts:

* ``resource_id`` is the repo's URL on its endpoint — ``<endpoint>/<org>/<name>`` for a
  model, ``<endpoint>/datasets/<org>/<name>`` for a dataset — the same id the disk and cache
  scans give a Hub repo they reference, so a local fine-tune's ``fine_tuned_from`` edge lands
  on the Hub record of its base.
* A record's ``part`` is ``hf-hub/<org>/<type>s/<repo id>``. An organisation that cannot be
  listed is the unreadable part ``hf-hub/<org>`` (all its rows are kept, stale); one repo
  that cannot be read (401/403, 5xx, timeout, malformed answer) is the unreadable part of
  that repo only. A 404 for a listed repo means it vanished in between: no record, nothing
  kept.

Edges to Hub repos that were not collected in the run get a reference record (as
`run.ExtractionRun.reference_records` does for the disk scan), except repos of an
organisation or repo whose part is unreadable: a stub would replace the kept, stale row.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from aisec_assets.discovery.huggingface.facts import is_hub_repo_id
from aisec_assets.discovery.huggingface.hub_parse import (
    REPO_TYPES,
    HubParseError,
    parse_repo,
    repo_url,
)
from aisec_assets.discovery.huggingface.run import SOURCE
from aisec_resources.records import (
    DiscoveredAsset,
    Rejection,
    SourceResult,
    UnreadablePart,
)

PART_PREFIX = "hf-hub"
# What a failed call means for the inventory.
DENIED = "denied"  # 401 / 403: no access (private, gated, bad token) -> kept stale
VANISHED = "vanished"  # 404: the repo is gone -> dropped
FAILED = "failed"  # 5xx, timeout, network, rate limit not lifted -> kept stale
MALFORMED = "malformed"  # the answer is not the JSON the API documents -> kept stale


class HubCallError(Exception):
    """One Hub call that gave no usable answer.

    `location` names the call (``GET <url>``) or the bundle file; `reason` is one secret-free
    line. A bundle replays the errors its collection met with the same kind, location and
    reason, so reading it reports what the live run reported.
    """

    def __init__(self, kind: str, location: str, reason: str, status: int | None = None):
        super().__init__(f"{location}: {reason}")
        self.kind = kind
        self.location = location
        self.reason = reason
        self.status = status

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "location": self.location,
            "reason": self.reason,
            "status": self.status,
        }

    @classmethod
    def from_json(cls, data: Any, fallback_location: str) -> HubCallError:
        data = data if isinstance(data, dict) else {}
        status = data.get("status")
        return cls(
            str(data.get("kind") or FAILED),
            str(data.get("location") or fallback_location),
            str(data.get("reason") or "recorded as not collected"),
            status if isinstance(status, int) else None,
        )


class HubReader(Protocol):
    """Where Hub JSON comes from. Both methods raise `HubCallError` for a failed call."""

    @property
    def endpoint(self) -> str: ...

    def list_repos(self, organization: str, repo_type: str) -> list[Any]:
        """The listing (`/api/models?author=` or `/api/datasets?author=`), pages merged."""
        ...

    def repo_info(self, organization: str, repo_type: str, repo_id: str) -> Any:
        """The raw JSON of `/api/models/<id>` or `/api/datasets/<id>`."""
        ...

    def location(self, organization: str, repo_type: str, repo_id: str | None = None) -> str:
        """Where a listing (repo_id None) or a repo's info is read from, for rejections."""
        ...


def org_part(organization: str) -> str:
    return f"{PART_PREFIX}/{organization}"


def repo_part(organization: str, repo_type: str, repo_id: str) -> str:
    return f"{PART_PREFIX}/{organization}/{repo_type}s/{repo_id}"


@dataclass
class RepoRead:
    """One listed repo: its raw info, or the error its call met."""

    repo_type: str
    repo_id: str
    info: Any = None
    error: HubCallError | None = None


@dataclass
class OrgRead:
    """Everything read for one organisation (the collector writes it, the extractor parses
    it). `error` is set when a listing failed: then nothing else of the org is used."""

    organization: str
    listings: dict[str, list[Any]] = field(default_factory=dict)
    repos: list[RepoRead] = field(default_factory=list)
    error: HubCallError | None = None
    rejections: list[Rejection] = field(default_factory=list)


def listed_ids(reader: HubReader, read: OrgRead, repo_type: str, items: list[Any]) -> list[str]:
    """Repo ids of a listing; an item without a valid id is a Rejection (and skipped)."""
    ids: list[str] = []
    where = reader.location(read.organization, repo_type)
    for index, item in enumerate(items):
        repo_id = item.get("id") if isinstance(item, dict) else None
        if not is_hub_repo_id(repo_id) or "/" not in repo_id:
            read.rejections.append(
                Rejection(
                    SOURCE,
                    f"{where}#{index}",
                    f"listing item {index} has no valid repo id (namespace/name); skipped",
                    "id",
                    str(repo_id)[:80] if repo_id is not None else None,
                )
            )
            continue
        if repo_id not in ids:
            ids.append(repo_id)
    return ids


def read_org(
    reader: HubReader,
    organization: str,
    pool: ThreadPoolExecutor,
    progress: Callable[[str], None] | None = None,
) -> OrgRead:
    """List an organisation's models and datasets, then read every repo's info (concurrently
    on `pool`). Never raises for a failed call: failures are in the result."""
    read = OrgRead(organization)
    wanted: list[tuple[str, str]] = []
    for repo_type in REPO_TYPES:
        try:
            items = reader.list_repos(organization, repo_type)
        except HubCallError as exc:
            read.error = exc
            return read
        if not isinstance(items, list):
            read.error = HubCallError(
                MALFORMED,
                reader.location(organization, repo_type),
                f"listing is a JSON {type(items).__name__}, expected an array",
            )
            return read
        read.listings[repo_type] = items
        wanted += [(repo_type, i) for i in listed_ids(reader, read, repo_type, items)]
    if progress:
        counts = {t: sum(1 for w in wanted if w[0] == t) for t in REPO_TYPES}
        progress(f"{organization}: {counts['model']} models, {counts['dataset']} datasets listed")

    def one(repo_type: str, repo_id: str) -> RepoRead:
        try:
            return RepoRead(
                repo_type, repo_id, info=reader.repo_info(organization, repo_type, repo_id)
            )
        except HubCallError as exc:
            return RepoRead(repo_type, repo_id, error=exc)

    read.repos = list(pool.map(lambda w: one(*w), wanted))
    return read


@dataclass
class HubExtraction:
    """The Hub's part of the source: records, rejections, unreadable parts, and which Hub
    repos must not get a reference record (their kept rows would be overwritten)."""

    result: SourceResult
    endpoint: str
    unreadable_orgs: set[str] = field(default_factory=set)
    unreadable_repos: set[str] = field(default_factory=set)  # resource ids
    vanished: list[str] = field(default_factory=list)  # resource ids
    nothing_read: bool = False  # every organisation was unreadable

    def withholds(self, repo_type: str, repo_id: str) -> bool:
        """Whether a reference to this Hub repo must not be emitted in this run."""
        if repo_url(self.endpoint, repo_type, repo_id) in self.unreadable_repos:
            return True
        return repo_id.split("/", 1)[0].lower() in self.unreadable_orgs


def _not_collected(hub: HubExtraction, part: str, exc: HubCallError) -> None:
    hub.result.rejections.append(Rejection(SOURCE, exc.location, exc.reason, None))
    hub.result.unreadable.append(UnreadablePart(part, exc.location, exc.reason))


def extract_org(
    hub: HubExtraction, reader: HubReader, read: OrgRead
) -> list[tuple[str, str, str, str]]:
    """Parse one organisation's read into `hub`; returns its references (type, id, relation,
    referenced by)."""
    org = read.organization
    hub.result.rejections.extend(read.rejections)
    if read.error is not None:
        hub.unreadable_orgs.add(org.lower())
        _not_collected(hub, org_part(org), read.error)
        return []
    references: list[tuple[str, str, str, str]] = []
    for repo in read.repos:
        url = repo_url(hub.endpoint, repo.repo_type, repo.repo_id)
        part = repo_part(org, repo.repo_type, repo.repo_id)
        if repo.error is not None:
            if repo.error.kind == VANISHED:
                hub.vanished.append(url)
                continue
            hub.unreadable_repos.add(url)
            _not_collected(hub, part, repo.error)
            continue
        hub.result.scanned += 1
        try:
            parsed = parse_repo(
                repo.info,
                repo_type=repo.repo_type,
                repo_id=repo.repo_id,
                endpoint=hub.endpoint,
                organization=org,
            )
        except HubParseError as exc:
            where = reader.location(org, repo.repo_type, repo.repo_id)
            hub.unreadable_repos.add(url)
            _not_collected(hub, part, HubCallError(MALFORMED, where, str(exc)))
            continue
        parsed.record.part = part
        hub.result.records.append(parsed.record)
        references += [(t, i, rel, url) for t, i, rel in parsed.references]
    return references


def reference_record(
    endpoint: str, repo_type: str, repo_id: str, relation: str, by: list[str]
) -> DiscoveredAsset:
    url = repo_url(endpoint, repo_type, repo_id)
    is_model = repo_type == "model"
    what = "base model" if relation == "fine_tuned_from" else "training data"
    return DiscoveredAsset(
        source=SOURCE,
        resource_id=url,
        name=repo_id,
        asset_type="foundation_model" if is_model else "training_dataset",
        description=(
            f"Hugging Face Hub {repo_type} {repo_id}: {what} of {len(by)} discovered "
            "asset(s); referenced only, not found in a scanned location under this id."
        ),
        model_provider="huggingface" if is_model else None,
        model_name=repo_id if is_model else None,
        source_url=url,
        posture={
            "reference_only": True,
            "repo_type": repo_type,
            "relation": relation,
            "referenced_by": sorted(by),
        },
        raw={"repo_id": repo_id, "repo_type": repo_type},
    )


def extract_hub(
    reader: HubReader,
    organizations: list[str],
    *,
    max_workers: int = 4,
    progress: Callable[[str], None] | None = None,
) -> HubExtraction:
    """Every organisation's models and datasets as records (see the module doc). Never
    raises for a failed call; `HubExtraction.nothing_read` tells when no org could be read."""
    hub = HubExtraction(SourceResult(), reader.endpoint)
    references: list[tuple[str, str, str, str]] = []
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="hf-hub") as pool:
        for org in organizations:
            references += extract_org(hub, reader, read_org(reader, org, pool, progress))
    hub.nothing_read = bool(organizations) and len(hub.unreadable_orgs) == len(organizations)
    collected = {r.resource_id for r in hub.result.records}
    targets: dict[str, tuple[str, str, str, set[str]]] = {}
    for repo_type, repo_id, relation, by in references:
        url = repo_url(hub.endpoint, repo_type, repo_id)
        if url in collected or hub.withholds(repo_type, repo_id):
            continue
        targets.setdefault(url, (repo_type, repo_id, relation, set()))[3].add(by)
    hub.result.records += [
        reference_record(hub.endpoint, t, i, rel, sorted(by))
        for _, (t, i, rel, by) in sorted(targets.items())
    ]
    hub.result.records.sort(key=lambda r: r.resource_id)
    hub.result.rejections.sort(key=lambda r: (r.location, r.reason))
    hub.result.unreadable.sort(key=lambda u: u.part)
    return hub


def combine(local: SourceResult, hub: HubExtraction) -> SourceResult:
    """The disk/cache scan and the Hub as one source result.

    A reference record of the disk scan is dropped when the Hub run has the real record
    (same URL), or when that repo's Hub part is unreadable (its kept row must stay).
    Reference records both sides emit are merged (their `referenced_by` united).
    """
    merged: dict[str, DiscoveredAsset] = {r.resource_id: r for r in hub.result.records}
    for record in local.records:
        existing = merged.get(record.resource_id)
        is_reference = bool(record.posture.get("reference_only"))
        if is_reference and _withheld(hub, record):
            continue
        if existing is None:
            merged[record.resource_id] = record
        elif is_reference and existing.posture.get("reference_only"):
            by = set(existing.posture.get("referenced_by", []))
            by |= set(record.posture.get("referenced_by", []))
            existing.posture["referenced_by"] = sorted(by)
        elif not is_reference:  # cannot happen (disk ids are hf-dir:// / hf-cache://)
            merged[record.resource_id] = record
    return SourceResult(
        records=sorted(merged.values(), key=lambda r: r.resource_id),
        rejections=local.rejections + hub.result.rejections,
        scanned=local.scanned + hub.result.scanned,
        unreadable=local.unreadable + hub.result.unreadable,
    )


def _withheld(hub: HubExtraction, record: DiscoveredAsset) -> bool:
    repo_type, repo_id = record.raw.get("repo_type"), record.raw.get("repo_id")
    if not isinstance(repo_type, str) or not isinstance(repo_id, str):
        return False
    if record.resource_id != repo_url(hub.endpoint, repo_type, repo_id):
        return False  # a reference to another endpoint than the Hub this run read
    return hub.withholds(repo_type, repo_id)
