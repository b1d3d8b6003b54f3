"""The organisation's governance files: schema, cross-checks and loading.

The files live in the directory `governance.directory` of aisec.yaml names:

- `policies.yaml`   document control of the five policies (version, owner, approval, review)
- `raci.yaml`       people (e-mail → name, team, roles) and activities (activity → role → R/A/C/I)
- `risk_appetite.yaml`  `default_max_residual` and rules by environment / data classification
- `acceptances.yaml`    risk acceptances (exceptions) for an asset's control or finding
- `attestations.yaml`   declared evidence of process controls, for an asset or a whole team

Each file is optional (absent: nothing declared). A file that is present but wrong is one
`DocumentError` listing every problem as `file:line: field: message`. References to things
outside the file (assets, teams, catalog controls, people) are checked against the warehouse
when the governance assets run: a bad reference rejects that entry, not the file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from aisec_resources.records import DATA_CLASSIFICATIONS, DEPLOYMENT_ENVS
from aisec_resources.yamldoc import (
    Document,
    DocumentError,
    Loc,
    Problem,
    read_document,
    validate_document,
)

POLICIES_FILE = "policies.yaml"
RACI_FILE = "raci.yaml"
APPETITE_FILE = "risk_appetite.yaml"
ACCEPTANCES_FILE = "acceptances.yaml"
ATTESTATIONS_FILE = "attestations.yaml"

POLICY_IDS: tuple[str, ...] = (
    "acceptable_ai_use",
    "model_procurement",
    "ai_data_handling",
    "red_teaming",
    "ai_incident_classification",
)
POLICY_STATUSES: tuple[str, ...] = ("draft", "approved", "retired")
RACI_LETTERS: tuple[str, ...] = ("R", "A", "C", "I")
# Findings a risk acceptance may name: the compliance gap types (sql/compliance/) and the
# governance pillar's own appetite_breach. Extend together with the compliance report.
FINDING_TYPES: tuple[str, ...] = (
    "appetite_breach",
    "no_security_review",
    "stale_review",
    "missing_sbom",
    "unclassified_data",
    "no_owner",
    "public_exposure_high_sensitivity",
    "unsafe_model_file",
    "invalid_declaration",
)
CONTROL_ID_PATTERN = r"^AISEC-(PRE|DET|COR)-\d{3}$"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


def _number_as_text(value: Any) -> Any:
    # `version: 2.1` is a float to YAML; a version is text.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Prose = Annotated[str, StringConstraints(min_length=10, max_length=4000, strip_whitespace=True)]
Version = Annotated[
    str,
    BeforeValidator(_number_as_text),
    StringConstraints(min_length=1, max_length=40, strip_whitespace=True),
]


def _email(value: str) -> str:
    if not re.match(EMAIL_PATTERN, value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_email)]
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
ControlId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CONTROL_ID_PATTERN)]
EntryId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
]
Limit = Annotated[float, Field(ge=0, le=100, strict=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------ policies.yaml


class PolicyEntry(_Strict):
    version: Version
    owner: Text
    approver: Text | None = None
    approved_on: date | None = None
    review_due: date | None = None
    status: Literal["draft", "approved", "retired"]

    @model_validator(mode="after")
    def _approval(self) -> PolicyEntry:
        if self.status == "approved":
            missing = [
                f for f in ("approver", "approved_on", "review_due") if getattr(self, f) is None
            ]
            if missing:
                raise ValueError(f"an approved policy needs {', '.join(missing)}")
        if self.approved_on and self.review_due and self.review_due <= self.approved_on:
            raise ValueError(
                f"review_due {self.review_due} must be after approved_on {self.approved_on}"
            )
        return self


class PoliciesFile(_Strict):
    # A policy not listed is rendered as a draft nobody has adopted yet.
    policies: dict[Literal[POLICY_IDS], PolicyEntry]  # type: ignore[valid-type]


# ------------------------------------------------------------------ raci.yaml


class Person(_Strict):
    name: Text
    team: Text
    roles: list[Name] = []


class RaciFile(_Strict):
    # The roles of the matrix; without it, the roles people hold.
    roles: list[Name] | None = None
    people: Annotated[dict[Email, Person], Field(min_length=1)]
    activities: Annotated[dict[Name, dict[Name, Literal["R", "A", "C", "I"]]], Field(min_length=1)]

    def known_roles(self) -> list[str]:
        if self.roles is not None:
            return list(self.roles)
        return sorted({role for person in self.people.values() for role in person.roles})

    def holders(self, role: str) -> list[str]:
        return sorted(email.lower() for email, p in self.people.items() if role in p.roles)


def _raci_problems(doc: Document, model: RaciFile) -> list[Problem]:
    problems: list[Problem] = []
    known = model.known_roles()
    known_text = ", ".join(known) if known else "(none: give people roles, or list roles:)"
    if model.roles is not None:
        for role, count in Counter(model.roles).items():
            if count > 1:
                problems.append(doc.problem(("roles",), f"role {role!r} is listed {count} times"))
    seen: dict[str, str] = {}
    for email, person in model.people.items():
        if email.lower() in seen:
            problems.append(
                doc.problem(("people", email), f"the same address as {seen[email.lower()]!r}")
            )
        seen.setdefault(email.lower(), email)
        for i, role in enumerate(person.roles):
            if model.roles is not None and role not in model.roles:
                problems.append(
                    doc.problem(
                        ("people", email, "roles", i),
                        f"unknown role {role!r}; known (roles:): {known_text}",
                    )
                )
    for activity, assignments in model.activities.items():
        at: Loc = ("activities", activity)
        for role in assignments:
            if role not in known:
                problems.append(
                    doc.problem((*at, role), f"unknown role {role!r}; known: {known_text}")
                )
        accountable = [r for r, letter in assignments.items() if letter == "A"]
        responsible = [r for r, letter in assignments.items() if letter == "R"]
        if len(accountable) != 1:
            which = f" ({', '.join(accountable)})" if accountable else ""
            problems.append(
                doc.problem(
                    at,
                    f"{len(accountable)} Accountable roles{which}: exactly one role must be A",
                )
            )
        elif accountable[0] in known and not model.holders(accountable[0]):
            problems.append(
                doc.problem(
                    (*at, accountable[0]),
                    f"Accountable role {accountable[0]!r} is held by no one in people:",
                )
            )
        if not responsible:
            problems.append(doc.problem(at, "no Responsible role: at least one role must be R"))
    return problems


# ------------------------------------------------------------------ risk_appetite.yaml


class AppetiteRule(_Strict):
    environment: Literal[DEPLOYMENT_ENVS] | None = None  # type: ignore[valid-type]
    data_classification: Literal[DATA_CLASSIFICATIONS] | None = None  # type: ignore[valid-type]
    max_residual: Limit

    @model_validator(mode="after")
    def _selects(self) -> AppetiteRule:
        if self.environment is None and self.data_classification is None:
            raise ValueError(
                "a rule needs environment, data_classification or both "
                "(the limit for everything else is default_max_residual)"
            )
        return self

    @property
    def selector(self) -> str:
        return "/".join(v for v in (self.environment, self.data_classification) if v)


class AppetiteFile(_Strict):
    default_max_residual: Limit
    rules: list[AppetiteRule] = []


def _appetite_problems(doc: Document, model: AppetiteFile) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[tuple[str | None, str | None], int] = {}
    for i, rule in enumerate(model.rules):
        key = (rule.environment, rule.data_classification)
        if key in first:
            problems.append(doc.problem(("rules", i), f"the same selector as rules[{first[key]}]"))
        first.setdefault(key, i)
    return problems


# ------------------------------------------------------------------ acceptances.yaml


class Acceptance(_Strict):
    id: EntryId
    asset: Text
    control: ControlId | None = None
    finding: Literal[FINDING_TYPES] | None = None  # type: ignore[valid-type]
    owner: Text
    justification: Prose
    approver: Email
    approved_on: date
    expires_on: date

    @model_validator(mode="after")
    def _one_subject(self) -> Acceptance:
        if (self.control is None) == (self.finding is None):
            raise ValueError("give exactly one of control (a catalog control id) or finding")
        if self.expires_on < self.approved_on:
            raise ValueError(
                f"expires_on {self.expires_on} is before approved_on {self.approved_on}"
            )
        return self


class AcceptancesFile(_Strict):
    acceptances: list[Acceptance] = []


def _acceptance_problems(doc: Document, model: AcceptancesFile) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, acceptance in enumerate(model.acceptances):
        if acceptance.id in first:
            where = f"acceptances[{first[acceptance.id]}]"
            problems.append(
                doc.problem(
                    ("acceptances", i, "id"), f"duplicate id {acceptance.id!r} (first at {where})"
                )
            )
        first.setdefault(acceptance.id, i)
    return problems


# ------------------------------------------------------------------ attestations.yaml


class Attestation(_Strict):
    control: ControlId
    asset: Text | None = None
    team: Text | None = None
    evidence: Prose
    attested_by: Email
    attested_on: date
    valid_until: date

    @model_validator(mode="after")
    def _one_selector(self) -> Attestation:
        if (self.asset is None) == (self.team is None):
            raise ValueError("give exactly one of asset (a name or id) or team (all its assets)")
        if self.valid_until < self.attested_on:
            raise ValueError(
                f"valid_until {self.valid_until} is before attested_on {self.attested_on}"
            )
        return self

    @property
    def selector(self) -> str:
        return f"asset:{self.asset}" if self.asset is not None else f"team:{self.team}"


class AttestationsFile(_Strict):
    attestations: list[Attestation] = []


# ------------------------------------------------------------------ loading

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Loaded(Generic[M]):
    """A validated governance file, with its document for line numbers."""

    path: Path
    model: M
    doc: Document

    def line(self, *loc: str | int) -> int | None:
        return self.doc.line(loc)


@dataclass(frozen=True)
class _Kind(Generic[M]):
    file: str
    what: str
    model: type[M]
    check: Callable[[Document, M], list[Problem]] | None


POLICIES = _Kind(POLICIES_FILE, "governance policies file", PoliciesFile, None)
RACI = _Kind(RACI_FILE, "governance RACI file", RaciFile, _raci_problems)
APPETITE = _Kind(APPETITE_FILE, "governance risk appetite file", AppetiteFile, _appetite_problems)
ACCEPTANCES = _Kind(
    ACCEPTANCES_FILE, "governance risk acceptances file", AcceptancesFile, _acceptance_problems
)
ATTESTATIONS = _Kind(ATTESTATIONS_FILE, "governance attestations file", AttestationsFile, None)


def load_file(kind: _Kind[M], path: Path) -> Loaded[M]:
    """Read and validate one governance file; a `DocumentError` lists every problem."""
    doc = read_document(path, kind.what)
    model = validate_document(kind.model, doc, kind.what)
    problems = kind.check(doc, model) if kind.check else []
    if problems:
        raise DocumentError(kind.what, problems)
    return Loaded(path, model, doc)


def load_optional(kind: _Kind[M], directory: Path) -> Loaded[M] | None:
    """The file of `kind` in the governance directory, or None when the file is absent.
    The directory itself must exist (it is configured)."""
    if not directory.is_dir():
        raise DocumentError(
            "governance configuration",
            [Problem(str(directory), None, "governance.directory", "not a directory")],
        )
    path = directory / kind.file
    if not path.exists():
        return None
    return load_file(kind, path)


def load_policies(path: Path) -> Loaded[PoliciesFile]:
    return load_file(POLICIES, path)


def load_raci(path: Path) -> Loaded[RaciFile]:
    return load_file(RACI, path)


def load_appetite(path: Path) -> Loaded[AppetiteFile]:
    return load_file(APPETITE, path)


def load_acceptances(path: Path) -> Loaded[AcceptancesFile]:
    return load_file(ACCEPTANCES, path)


def load_attestations(path: Path) -> Loaded[AttestationsFile]:
    return load_file(ATTESTATIONS, path)
