"""Incident-response playbooks as data (SPEC §3.6, Phase 3 of the design brief).

One YAML file per incident category in `aisec_assets/operations/playbooks/` (package data),
`<category>.yaml`. A playbook has a title, description and default severity (SEV1-SEV4 as the
AI incident classification policy defines them), its steps by phase (detection, containment,
eradication, recovery, lessons_learned) each with a responsible role, an automation from the
closed `ACTIONS` vocabulary when the program can run it, a timeout and an escalation trigger;
what opens it (`triggers`: detection rule families and compliance finding types), the evidence
to collect, who is notified how soon under which condition, and the regulatory flags (GDPR
Art. 33 where personal data leaks, EU AI Act Art. 73 where a serious incident is possible).

Beyond the schema the loader checks what a schema cannot see: the file is named after its
category, steps are numbered 1..n in phase order and cover containment through lessons
learned, an automated step names a known action and a manual one none, every detection rule
family answers to exactly one playbook and a finding type to at most one, and the regulators'
deadlines are kept (supervisory authority within 72 hours, market surveillance authority within
15 days). A bad library is one `DocumentError` listing every problem of every file as
`file:line: field: message`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aisec_resources.yamldoc import (
    Document,
    DocumentError,
    Problem,
    read_document,
    validate_document,
)

PLAYBOOK_DIR: Traversable = resources.files("aisec_assets.operations.playbooks")
WHAT = "playbook library"

# IncidentSeverity of the brief; the meaning of each level is the AI incident classification
# policy's (aisec_assets/governance/policies/ai_incident_classification.md).
SEVERITIES: tuple[str, ...] = ("sev1", "sev2", "sev3", "sev4")
# IncidentCategory of the brief, plus model compromise (SPEC §3.6): one playbook file each.
CATEGORIES: tuple[str, ...] = (
    "prompt_injection_exploitation",
    "data_exfiltration_via_model",
    "model_supply_chain_compromise",
    "agent_unauthorized_actions",
    "training_data_poisoning",
    "model_denial_of_service",
    "pii_leakage_in_output",
    "jailbreak_bypass",
    "model_compromise",
)
# In this order: a playbook's steps never go back to an earlier phase.
PHASES: tuple[str, ...] = (
    "detection",
    "containment",
    "eradication",
    "recovery",
    "lessons_learned",
)
# Every playbook contains, eradicates, recovers and learns; detection may be skipped where the
# brief says contain first (agent_unauthorized_actions).
REQUIRED_PHASES: tuple[str, ...] = ("containment", "eradication", "recovery", "lessons_learned")
# The governance RACI's roles (raci.yaml) plus the two incident-response roles it lacks.
ROLES: tuple[str, ...] = (
    "ciso",
    "ai_security_lead",
    "soc_analyst",
    "platform_engineering",
    "model_owner",
    "ml_engineer",
    "data_protection_officer",
    "legal_compliance",
)
# Who a notification goes to: a role, or someone outside the RACI.
AUDIENCES: dict[str, str] = {
    **{role: f"the {role} role (governance RACI)" for role in ROLES},
    "downstream_system_owners": "owners of the systems the affected asset feeds or acts on "
    "(inventory.asset_dependencies, the agent's tool targets)",
    "data_subjects": "the people whose personal data was disclosed (GDPR Art. 34)",
    "supervisory_authority": "the lead data protection supervisory authority (GDPR Art. 33)",
    "market_surveillance_authority": "the market surveillance authority of the member state "
    "where the incident occurred (EU AI Act Art. 73)",
    "model_provider": "the publisher of the model or dataset, and the hub that hosts it",
    "cloud_provider": "the cloud provider's security / abuse team (AWS, Azure)",
    "finance": "the budget owner of the affected cloud accounts",
}
CHANNELS: tuple[str, ...] = ("page", "phone", "chat", "email", "ticket", "regulator_portal")

# The detection rule families of the monitoring pillar's rule pack
# (aisec_assets/monitoring/rules/schema.py FAMILIES; a test keeps the two equal). Each is
# answered by exactly one playbook: a detection of that family opens an incident of it.
DETECTION_FAMILIES: tuple[str, ...] = (
    "prompt_injection",
    "indirect_injection",
    "jailbreak",
    "system_prompt_extraction",
    "system_prompt_leakage",
    "pii_output",
    "secret_output",
    "exfiltration_url",
    "anomalous_output",
    "cost_abuse",
    "llm_jacking",
    "unauthorized_tool_call",
    "excessive_tool_calls",
    "harmful_request",
)
# The compliance gap types (sql/compliance/compliance_gaps.sql; a test keeps them equal). Most
# are posture findings tracked to remediation; a playbook claims the few that are incidents.
FINDING_TYPES: tuple[str, ...] = (
    "no_security_review",
    "stale_review",
    "missing_sbom",
    "unclassified_data",
    "no_owner",
    "public_exposure_high_sensitivity",
    "unsafe_model_file",
    "invalid_declaration",
    "missing_required_control",
    "appetite_breach",
    "expired_acceptance",
    "overdue_policy_review",
    "overdue_art73_report",
    "overdue_gdpr33_notification",
)

# Regulatory deadlines, from awareness (the incident's opened_at).
GDPR_ART33_MINUTES = 72 * 60
EU_AI_ACT_ART73_MINUTES = 15 * 24 * 60
MAX_MINUTES = 30 * 24 * 60


@dataclass(frozen=True)
class Action:
    """An automated containment or program action a playbook step may name. The runner that
    executes them (dry-run by default, recorded in the incident timeline) is the incidents'
    part; this is the contract: what it does, through which SDK call, on what target."""

    provider: Literal["aws", "azure", "aisec"]
    description: str
    sdk_call: str
    target: str


ACTIONS: dict[str, Action] = {
    "bedrock.disable_action_group": Action(
        "aws",
        "Disable a Bedrock agent's action group so the agent can no longer call its tools.",
        "bedrock-agent UpdateAgentActionGroup(agentId, agentVersion='DRAFT', actionGroupId, "
        "actionGroupName, actionGroupState='DISABLED', executor and schema unchanged), then "
        "PrepareAgent; aliases routed to a numbered version keep the old action groups until "
        "bedrock.point_alias_to_version moves them",
        "agent id + action group id (inventory: the agent's action groups)",
    ),
    "bedrock.point_alias_to_version": Action(
        "aws",
        "Route a Bedrock agent alias to a known-good agent version (roll back, or roll forward "
        "to the version prepared with the fix).",
        "bedrock-agent UpdateAgentAlias(agentId, agentAliasId, agentAliasName, "
        "routingConfiguration=[{agentVersion: <known-good version>}])",
        "agent id + alias id + the known-good version (the incident names it)",
    ),
    "bedrock.delete_provisioned_throughput": Action(
        "aws",
        "Delete Bedrock provisioned throughput (stops the hourly charge of a no-commitment "
        "purchase; a commitment term is billed to its end - open a case with AWS).",
        "bedrock DeleteProvisionedModelThroughput(provisionedModelId)",
        "provisioned model ARN (inventory, or CloudTrail CreateProvisionedModelThroughput)",
    ),
    "iam.deactivate_access_key": Action(
        "aws",
        "Deactivate an IAM user's access key (kept, not deleted, so forensics can still tie "
        "CloudTrail events to it; reactivation is one call).",
        "iam UpdateAccessKey(UserName, AccessKeyId, Status='Inactive')",
        "access key id (+ user name) of the key the evidence names",
    ),
    "azure.regenerate_account_key": Action(
        "azure",
        "Regenerate an Azure OpenAI / AI Services account key, invalidating the exposed one.",
        "azure-mgmt-cognitiveservices accounts.regenerate_key(resource_group_name, "
        "account_name, key_name='Key1'|'Key2')",
        "account resource id + which key (Key1 / Key2)",
    ),
    "azure.set_deployment_capacity_zero": Action(
        "azure",
        "Set an Azure OpenAI deployment's capacity (tokens-per-minute quota) to zero: every "
        "call to it is refused until capacity is restored.",
        "azure-mgmt-cognitiveservices deployments.begin_update(resource_group_name, "
        "account_name, deployment_name, PatchResourceTagsAndSku(sku=Sku(name=<current>, "
        "capacity=0))); the previous capacity is recorded for recovery",
        "account resource id + deployment name",
    ),
    "azure.disable_local_auth": Action(
        "azure",
        "Disable key-based (local) authentication on an Azure OpenAI / AI Services account, so "
        "only Microsoft Entra ID identities can call it and no stolen key works.",
        "azure-mgmt-cognitiveservices accounts.begin_update(resource_group_name, account_name, "
        "Account(properties=AccountProperties(disable_local_auth=True)))",
        "account resource id",
    ),
    "aisec.collect_evidence": Action(
        "aisec",
        "Snapshot the evidence in the warehouse to the incident: the detections and the "
        "events behind them (raw records, redacted), the affected asset's inventory record, "
        "posture and dependencies, and the findings on it.",
        "warehouse: copy monitoring.detections / monitoring.llm_events / inventory rows into "
        "the incident's evidence (no cloud call)",
        "the incident",
    ),
    "aisec.notify": Action(
        "aisec",
        "Send the playbook's notification requirements that apply to the incident (severity, "
        "personal data, serious incident) to their audiences, each stamped with its deadline.",
        "the configured notifier (aisec.yaml notification targets)",
        "the incident",
    ),
    "aisec.quarantine_model_file": Action(
        "aisec",
        "Move a model directory out of the scanned root into the quarantine directory (kept "
        "read-only with its hashes for forensics; never opened or loaded).",
        "filesystem move (os.replace) of the model directory; described only",
        "model directory path (the model_file_scan finding)",
    ),
}

Text = Annotated[str, StringConstraints(min_length=3, strip_whitespace=True)]
Severity = Literal["sev1", "sev2", "sev3", "sev4"]
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    step_number: Annotated[int, Field(ge=1)]
    phase: Literal[PHASES]  # type: ignore[valid-type]
    action: Text
    responsible_role: Literal[ROLES]  # type: ignore[valid-type]
    automated: bool
    # An ACTIONS id when automated; none for a manual step.
    automation: str | None = None
    # How long the step may take before it is overdue (incident tasks fall due one after the
    # other).
    timeout_minutes: Minutes
    escalation_trigger: Text | None = None


class Condition(_Strict):
    """When a notification applies; every given part must hold."""

    severity: list[Severity] = list(SEVERITIES)
    # true: only when personal data is involved (confirmed or, for a personal-data category,
    # by definition).
    personal_data: bool | None = None
    # true: only when the incident is (possibly) a serious incident under EU AI Act Art. 3(49)
    # on a high-risk system.
    serious_incident: bool | None = None

    def applies(self, severity: str, *, personal_data: bool, serious_incident: bool) -> bool:
        return (
            severity in self.severity
            and (self.personal_data is None or self.personal_data == personal_data)
            and (self.serious_incident is None or self.serious_incident == serious_incident)
        )

    def describe(self) -> str:
        parts = []
        if list(self.severity) != list(SEVERITIES):
            parts.append("severity " + "/".join(s.upper() for s in self.severity))
        if self.personal_data is not None:
            parts.append("personal data involved" if self.personal_data else "no personal data")
        if self.serious_incident is not None:
            parts.append("serious incident" if self.serious_incident else "not serious")
        return " and ".join(parts) or "always"


class Notification(_Strict):
    audience: str
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    # From awareness (the incident's opening); 0 = at once.
    within_minutes: Annotated[int, Field(ge=0, le=MAX_MINUTES)]
    condition: Condition = Condition()
    note: Text | None = None


class Triggers(_Strict):
    # Detection rule families this playbook answers (a detection of one opens an incident).
    detection_families: list[str] = []
    # Compliance finding (gap) types that are incidents of this category.
    finding_types: list[str] = []


class Regulatory(_Strict):
    # Personal data is disclosed by the nature of the category: the GDPR Art. 33 clock (72 h to
    # the supervisory authority, unless unlikely to result in a risk) starts at awareness.
    personal_data: bool
    # The category can be a serious incident (EU AI Act Art. 3(49)) of a high-risk system: the
    # Art. 73 report is due within 15 days (2 days for widespread infringement or critical
    # infrastructure, 10 days for a death).
    serious_incident_possible: bool
    notes: list[Text] = []


class Playbook(_Strict):
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    title: Text
    description: Text
    severity_default: Severity
    triggers: Triggers
    steps: Annotated[list[Step], Field(min_length=1)]
    evidence_to_collect: Annotated[list[Text], Field(min_length=1)]
    notification_requirements: Annotated[list[Notification], Field(min_length=1)]
    regulatory: Regulatory

    def steps_in(self, phase: str) -> list[Step]:
        return [s for s in self.steps if s.phase == phase]

    def content_hash(self) -> str:
        """SHA-256 of the playbook's content (not its file's formatting or comments)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PlaybookLibrary:
    playbooks: dict[str, Playbook]
    # category -> the file it came from
    files: dict[str, str]
    # SHA-256 prefix of every playbook file, in name order.
    digest: str

    def __getitem__(self, category: str) -> Playbook:
        return self.playbooks[category]

    def __iter__(self) -> Iterator[Playbook]:
        return iter(self.playbooks[c] for c in CATEGORIES if c in self.playbooks)

    def __len__(self) -> int:
        return len(self.playbooks)

    def family_map(self) -> dict[str, str]:
        """Detection rule family -> the category of the playbook that answers it."""
        return {family: pb.category for pb in self for family in pb.triggers.detection_families}

    def finding_map(self) -> dict[str, str]:
        """Finding type -> the category of the playbook that claims it."""
        return {ft: pb.category for pb in self for ft in pb.triggers.finding_types}

    def category_for_family(self, family: str) -> str:
        """The category a detection of `family` opens; KeyError for an unknown family."""
        found = self.family_map().get(family)
        if found is None:
            raise KeyError(f"unknown detection rule family {family!r}")
        return found

    def category_for_finding(self, finding_type: str) -> str | None:
        """The category a finding of `finding_type` opens, or None: a posture finding tracked
        to remediation, not an incident. KeyError for an unknown finding type."""
        if finding_type not in FINDING_TYPES:
            raise KeyError(f"unknown finding type {finding_type!r}")
        return self.finding_map().get(finding_type)


# --------------------------------------------------------------------------- checks


def _unknown(
    doc: Document,
    loc: tuple[str | int, ...],
    values: Iterable[str],
    known: Iterable[str],
    what: str,
) -> list[Problem]:
    allowed = sorted(known)
    problems = []
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value not in allowed:
            problems.append(
                doc.problem((*loc, i), f"unknown {what} {value!r}; known: {', '.join(allowed)}")
            )
        elif value in seen:
            problems.append(doc.problem((*loc, i), f"{what} {value!r} is listed twice"))
        seen.add(value)
    return problems


def _step_problems(doc: Document, playbook: Playbook) -> list[Problem]:
    problems: list[Problem] = []
    previous_phase = 0
    first: dict[int, int] = {}
    for i, step in enumerate(playbook.steps):
        at = ("steps", i)
        if step.step_number in first:
            problems.append(
                doc.problem(
                    (*at, "step_number"),
                    f"duplicate step number {step.step_number} (first at "
                    f"steps[{first[step.step_number]}])",
                )
            )
        elif i and step.step_number < playbook.steps[i - 1].step_number:
            problems.append(
                doc.problem(
                    (*at, "step_number"),
                    f"step {step.step_number} after step {playbook.steps[i - 1].step_number}: "
                    "list steps in order",
                )
            )
        first.setdefault(step.step_number, i)
        phase = PHASES.index(step.phase)
        if phase < previous_phase:
            problems.append(
                doc.problem(
                    (*at, "phase"),
                    f"phase {step.phase} after {PHASES[previous_phase]}: steps go in phase order "
                    f"({', '.join(PHASES)})",
                )
            )
        previous_phase = max(previous_phase, phase)
        if step.automated and step.automation is None:
            problems.append(
                doc.problem(
                    (*at, "automation"),
                    f"an automated step names its automation; known: {', '.join(ACTIONS)}",
                )
            )
        elif step.automated and step.automation not in ACTIONS:
            problems.append(
                doc.problem(
                    (*at, "automation"),
                    f"unknown automation {step.automation!r}; known: {', '.join(ACTIONS)}",
                )
            )
        elif not step.automated and step.automation is not None:
            problems.append(
                doc.problem(
                    (*at, "automation"),
                    "a manual step (automated: false) names no automation",
                )
            )
    numbers = sorted(first)
    if len(first) == len(playbook.steps) and numbers != list(range(1, len(numbers) + 1)):
        problems.append(doc.problem(("steps",), f"steps are numbered {numbers}: number them 1..n"))
    present = {s.phase for s in playbook.steps}
    missing = [p for p in REQUIRED_PHASES if p not in present]
    if missing:
        problems.append(doc.problem(("steps",), f"no step in phase {', '.join(missing)}"))
    return problems


def _notification_problems(doc: Document, playbook: Playbook) -> list[Problem]:
    problems: list[Problem] = []
    regulatory = playbook.regulatory
    audiences = [n.audience for n in playbook.notification_requirements]
    for i, note in enumerate(playbook.notification_requirements):
        at = ("notification_requirements", i)
        if note.audience not in AUDIENCES:
            problems.append(
                doc.problem(
                    (*at, "audience"),
                    f"unknown audience {note.audience!r}; known: {', '.join(sorted(AUDIENCES))}",
                )
            )
        severities = note.condition.severity
        if not severities or len(set(severities)) != len(severities):
            problems.append(
                doc.problem(
                    (*at, "condition", "severity"),
                    "list each severity once (leave out for every severity)",
                )
            )
        if note.audience == "supervisory_authority":
            if note.within_minutes > GDPR_ART33_MINUTES:
                problems.append(
                    doc.problem(
                        (*at, "within_minutes"),
                        f"GDPR Art. 33: the supervisory authority within {GDPR_ART33_MINUTES} "
                        "minutes (72 hours) of awareness",
                    )
                )
            if not regulatory.personal_data and note.condition.personal_data is not True:
                problems.append(
                    doc.problem(
                        (*at, "condition"),
                        "the supervisory authority is notified when personal data is involved: "
                        "set condition personal_data: true (or regulatory.personal_data)",
                    )
                )
        if note.audience == "market_surveillance_authority":
            if note.within_minutes > EU_AI_ACT_ART73_MINUTES:
                problems.append(
                    doc.problem(
                        (*at, "within_minutes"),
                        f"EU AI Act Art. 73: within {EU_AI_ACT_ART73_MINUTES} minutes (15 days) "
                        "of awareness",
                    )
                )
            if note.condition.serious_incident is not True:
                problems.append(
                    doc.problem(
                        (*at, "condition"),
                        "the market surveillance authority is notified of a serious incident: "
                        "set condition serious_incident: true",
                    )
                )
            if not regulatory.serious_incident_possible:
                problems.append(
                    doc.problem(
                        (*at, "audience"),
                        "regulatory.serious_incident_possible is false: no Art. 73 report",
                    )
                )
    if regulatory.personal_data and "supervisory_authority" not in audiences:
        problems.append(
            doc.problem(
                ("regulatory", "personal_data"),
                "personal data leaks: notify the supervisory_authority (GDPR Art. 33, 72 hours)",
            )
        )
    if regulatory.serious_incident_possible and "market_surveillance_authority" not in audiences:
        problems.append(
            doc.problem(
                ("regulatory", "serious_incident_possible"),
                "a serious incident is possible: notify the market_surveillance_authority "
                "(EU AI Act Art. 73, 15 days)",
            )
        )
    return problems


def _playbook_problems(doc: Document, name: str, playbook: Playbook) -> list[Problem]:
    problems: list[Problem] = []
    if playbook.category != name:
        problems.append(
            doc.problem(
                ("category",),
                f"the file {name}.yaml must declare category: {name} (one file per category, "
                "named after it)",
            )
        )
    problems += _step_problems(doc, playbook)
    problems += _unknown(
        doc,
        ("triggers", "detection_families"),
        playbook.triggers.detection_families,
        DETECTION_FAMILIES,
        "detection rule family",
    )
    problems += _unknown(
        doc,
        ("triggers", "finding_types"),
        playbook.triggers.finding_types,
        FINDING_TYPES,
        "finding type",
    )
    problems += _notification_problems(doc, playbook)
    return problems


def _claim_problems(
    docs: dict[str, Document], playbooks: dict[str, Playbook], directory: str
) -> list[Problem]:
    """Every rule family answers to exactly one playbook, a finding type to at most one. A value
    two playbooks claim is a problem at each claim, naming the other claimants."""
    problems: list[Problem] = []
    for field, known, what in (
        ("detection_families", DETECTION_FAMILIES, "detection rule family"),
        ("finding_types", FINDING_TYPES, "finding type"),
    ):
        claims: dict[str, list[tuple[str, int]]] = {}
        for name in sorted(playbooks):
            values = getattr(playbooks[name].triggers, field)
            for i, value in enumerate(values):
                if value in known and values.index(value) == i:  # else reported by _unknown
                    claims.setdefault(value, []).append((name, i))
        for value, claimants in claims.items():
            if len(claimants) < 2:
                continue
            for name, i in claimants:
                others = ", ".join(f"{other}.yaml" for other, _ in claimants if other != name)
                problems.append(
                    docs[name].problem(
                        ("triggers", field, i),
                        f"{what} {value!r} is also claimed by {others}: it answers to one playbook",
                    )
                )
        if field == "detection_families" and len(playbooks) == len(CATEGORIES):
            problems += [
                Problem(
                    directory,
                    None,
                    f"triggers.{field}",
                    f"{what} {value!r} is answered by no playbook",
                )
                for value in known
                if value not in claims
            ]
    return problems


def _files(directory: Traversable) -> tuple[dict[str, Traversable], list[Problem]]:
    found: dict[str, Traversable] = {}
    problems: list[Problem] = []
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except (FileNotFoundError, NotADirectoryError):
        return {}, [Problem(str(directory), None, "<directory>", "not a directory")]
    for entry in entries:
        if entry.name.endswith(".yml"):
            problems.append(
                Problem(str(entry), None, "<file>", "name playbook files <category>.yaml")
            )
        elif entry.name.endswith(".yaml") and entry.is_file():
            found[entry.name.removesuffix(".yaml")] = entry
    for category in CATEGORIES:
        if category not in found:
            problems.append(
                Problem(str(directory), None, "<directory>", f"no playbook {category}.yaml")
            )
    return found, problems


def load_playbooks(directory: Traversable | None = None) -> PlaybookLibrary:
    """Read and validate every playbook (default: the shipped ones); raises `DocumentError`
    listing every problem of every file."""
    root = directory or PLAYBOOK_DIR
    files, problems = _files(root)
    docs: dict[str, Document] = {}
    playbooks: dict[str, Playbook] = {}
    digest = hashlib.sha256()
    for name, path in files.items():
        try:
            doc = read_document(path, WHAT)
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
            docs[name] = doc
            playbooks[name] = validate_document(Playbook, doc, WHAT)
            problems += _playbook_problems(doc, name, playbooks[name])
        except DocumentError as err:
            problems += err.problems
    problems += _claim_problems(docs, playbooks, str(root))
    if problems:
        raise DocumentError(WHAT, problems)
    return PlaybookLibrary(
        playbooks={c: playbooks[c] for c in CATEGORIES},
        files={c: docs[c].file for c in CATEGORIES},
        digest=digest.hexdigest()[:16],
    )
