"""Compliance findings out of the warehouse, in the formats other security tools read.

* **OCSF Detection Finding** (`to_ocsf`): OCSF 1.5 class 2004, as Prowler writes it: the
  rule (control id, else gap type) in `metadata.event_code`, the unmet framework requirements
  under `unmapped.compliance` (framework → requirement ids). AWS Security Lake, Splunk and the
  other OCSF consumers read it.
* **SARIF 2.1.0** (`to_sarif`): one rule per control (or per gap type when a finding names no
  control), one result per finding located at the asset (a logical location of kind
  `resource`), the finding id as partial fingerprint. Code-scanning UIs and SARIF viewers read
  it.
* `write_findings` writes both for one run: `<out_dir>/findings/<assessed_on>/<run_id>.ocsf.json`
  (a JSON **array** of Detection Finding events, not JSON Lines) and `<run_id>.sarif.json`,
  each atomically (temporary file in the same directory, then `os.replace`).

The output depends on its inputs only: times are the as-of day (00:00 UTC of `assessed_on`, of
`first_seen`), never the wall clock; findings, rules, requirements and JSON keys are sorted, so
the same findings give byte-identical files. Every value passes the redaction gate
(`redact_structure`) before it is serialized: a detail may quote input.

`Finding.finding_id` is a hash of (gap type, asset id, control id), stable across runs, so a
consumer can track one finding from day to day (OCSF `finding_info.uid`, SARIF
`partialFingerprints`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from aisec_resources.redaction import redact_structure

PRODUCT_NAME = "aisec"
VENDOR_NAME = "aisec"
# The OCSF schema version the events follow (py-ocsf-models 0.10.0 models OCSF 1.5.0).
OCSF_SCHEMA_VERSION = "1.5.0"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
# SARIF runAutomationDetails.id is "<category>/<instance>": one category for every run, so a
# code-scanning consumer sees one analysis that findings appear in and disappear from.
SARIF_AUTOMATION_CATEGORY = "aisec-compliance"
FINGERPRINT_KEY = "aisecFindingId/v1"

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
# OCSF severity_id and its caption.
OCSF_SEVERITY: dict[str, tuple[int, str]] = {
    "critical": (5, "Critical"),
    "high": (4, "High"),
    "medium": (3, "Medium"),
    "low": (2, "Low"),
}
SARIF_LEVEL: dict[str, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
}
# The `security-severity` rule property code-scanning UIs rank by (>= 9 critical, >= 7 high,
# >= 4 medium, else low).
SECURITY_SEVERITY: dict[str, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
}

# OCSF constants: class Detection Finding in category Findings, activity Create, status New.
CLASS_UID = 2004
CATEGORY_UID = 2
ACTIVITY_CREATE = 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_CREATE  # 200401
STATUS_NEW = 1
ANALYTIC_RULE = 1  # OCSF analytic type_id "Rule"
ACCOUNT_TYPE_AWS = 10  # OCSF account type_id "AWS Account"
OTHER = 99  # OCSF "Other" in every enum

# Per gap type: a short title and the remediation used when the finding names no control.
GAP_TYPES: dict[str, tuple[str, str]] = {
    "no_security_review": (
        "No security review",
        "Have the asset security-reviewed and record the review date in the registry.",
    ),
    "stale_review": (
        "Security review out of date",
        "Review the asset again and record the new review date in the registry.",
    ),
    "missing_sbom": (
        "Self-hosted asset without an AI-SBOM",
        "Produce an AI-SBOM (e.g. a CycloneDX ML-BOM) for the asset and declare it in the "
        "registry.",
    ),
    "unclassified_data": (
        "Data classification missing or too low",
        "Record the classification of the data the asset handles, consistent with its "
        "regulatory scope.",
    ),
    "no_owner": (
        "No owning team",
        "Assign an owning team in the registry or with an owner-team tag.",
    ),
    "public_exposure_high_sensitivity": (
        "Publicly exposed with sensitive data",
        "Restrict the asset to private network access, or reclassify its data after review.",
    ),
    "unsafe_model_file": (
        "Model file executes code when loaded",
        "Do not load the file; replace it with weights in a format that cannot execute code "
        "(e.g. safetensors) from a verified source.",
    ),
    "invalid_declaration": (
        "Invalid declared values",
        "Correct the invalid values where they are declared (see discovery.rejected_records).",
    ),
    "missing_required_control": (
        "Required control missing",
        "Implement the control this finding names.",
    ),
    "appetite_breach": (
        "Residual risk above appetite",
        "Reduce the residual risk with controls, or record a risk acceptance by an "
        "authorised owner.",
    ),
    "expired_acceptance": (
        "Risk acceptance expired",
        "Renew the risk acceptance or remediate the risk.",
    ),
    "overdue_policy_review": (
        "Policy review overdue",
        "Review the policy and record the review date.",
    ),
    "overdue_art73_report": (
        "EU AI Act Art. 73 serious-incident report overdue",
        "Report the serious incident to the market surveillance authority of the Member State "
        "where it occurred and record it with `aisec incident report --regulation art73`.",
    ),
    "overdue_gdpr33_notification": (
        "GDPR Art. 33 breach notification overdue",
        "Notify the supervisory authority, with the reasons for the delay (Art. 33(1)), and "
        "record it with `aisec incident report --regulation gdpr33`.",
    ),
}

_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_WORD = re.compile(r"[A-Za-z0-9]+")
_EPOCH = date(1970, 1, 1)
_MS_PER_DAY = 86_400_000


@dataclass(frozen=True, order=True)
class Requirement:
    """A framework requirement a finding leaves unmet (frameworks: owasp_llm, mitre_atlas,
    nist_ai_rmf, iso_42001, eu_ai_act, or any other key)."""

    framework: str
    requirement_id: str
    title: str = ""


def finding_id(gap_type: str, asset_id: str, control_id: str | None) -> str:
    """`aisec-` + 32 hex of SHA-256 over (gap type, asset id, control id): the same gap on the
    same asset for the same control has the same id every run."""
    material = json.dumps([gap_type, asset_id, control_id or ""], ensure_ascii=True)
    return "aisec-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Finding:
    """One open compliance gap on one asset (optionally: of one control).

    `requirements` accepts `Requirement`s or mappings with framework / requirement_id / title
    (rows from SQL); they are kept sorted and without duplicates. `first_seen` is the day the
    gap was first seen (None: the assessed day). `remediation` is the control's implementation
    specification; without it the gap type's generic remediation is used.
    """

    gap_type: str
    severity: str
    detail: str
    asset_id: str
    asset_name: str
    asset_type: str
    natural_key: str
    owner_team: str | None = None
    cloud_provider: str | None = None
    cloud_account: str | None = None
    cloud_region: str | None = None
    control_id: str | None = None
    control_title: str | None = None
    remediation: str | None = None
    requirements: tuple[Requirement, ...] = field(default=())
    first_seen: date | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"finding {self.gap_type!r} on {self.asset_id!r}: severity {self.severity!r} "
                f"is not one of {', '.join(SEVERITIES)}"
            )
        for name in ("gap_type", "asset_id", "natural_key"):
            if not getattr(self, name):
                raise ValueError(f"finding: {name} must not be empty")
        requirements = tuple(sorted({_requirement(r) for r in self.requirements}))
        object.__setattr__(self, "requirements", requirements)

    @property
    def finding_id(self) -> str:
        return finding_id(self.gap_type, self.asset_id, self.control_id)

    @property
    def rule_id(self) -> str:
        """The check this finding fails: its control, else its gap type (OCSF event_code,
        SARIF ruleId)."""
        return self.control_id or self.gap_type

    @property
    def title(self) -> str:
        control = f" ({self.control_id})" if self.control_id else ""
        return f"{_gap_title(self.gap_type)}{control}: {self.asset_name}"

    def compliance(self) -> dict[str, list[str]]:
        """Framework → the ids of its requirements this finding leaves unmet (sorted)."""
        out: dict[str, set[str]] = {}
        for req in self.requirements:
            out.setdefault(req.framework, set()).add(req.requirement_id)
        return {fw: sorted(ids) for fw, ids in sorted(out.items())}


def _requirement(value: Requirement | Mapping[str, Any]) -> Requirement:
    if isinstance(value, Requirement):
        return value
    return Requirement(
        framework=str(value["framework"]),
        requirement_id=str(value["requirement_id"]),
        title=str(value.get("title") or ""),
    )


def _gap_title(gap_type: str) -> str:
    known = GAP_TYPES.get(gap_type)
    return known[0] if known else gap_type.replace("_", " ").capitalize()


def _remediation(finding: Finding) -> str | None:
    if finding.remediation:
        return finding.remediation
    known = GAP_TYPES.get(finding.gap_type)
    return known[1] if known else None


def epoch_ms(day: date) -> int:
    """00:00 UTC of `day` in epoch milliseconds (calendar arithmetic; no clock is read)."""
    return (day - _EPOCH).days * _MS_PER_DAY


def _iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _compact(value: Any) -> Any:
    """`value` without None members (OCSF and SARIF omit absent attributes)."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _account(finding: Finding) -> dict[str, Any] | None:
    if not finding.cloud_account:
        return None
    if finding.cloud_provider == "aws":
        type_id, caption = ACCOUNT_TYPE_AWS, "AWS Account"
    elif finding.cloud_provider == "azure":
        type_id, caption = OTHER, "Azure Subscription"
    else:
        type_id, caption = OTHER, "Other"
    return {
        "uid": finding.cloud_account,
        "name": finding.cloud_account,
        "type_id": type_id,
        "type": caption,
    }


def _partition(natural_key: str) -> str | None:
    """The AWS partition of an ARN (`arn:aws-cn:…` → aws-cn)."""
    parts = natural_key.split(":", 2)
    if len(parts) == 3 and parts[0] == "arn" and parts[1]:
        return parts[1]
    return None


def _resource(finding: Finding) -> dict[str, Any]:
    account = _account(finding)
    # The owning team is the resource's owner, with the cloud account it owns the resource in
    # (the Security Hub convention `resources[].owner.account.uid`). OCSF's user object needs
    # one of account / name / uid, but py-ocsf-models requires account, name, type_id and uid,
    # so the owner object is written when both team and account are known; the team is in
    # `data.owner_team` in every case.
    owner = None
    if finding.owner_team and account:
        owner = {
            "name": finding.owner_team,
            "uid": finding.owner_team,
            "type_id": OTHER,
            "type": "Team",
            "account": account,
        }
    return {
        "uid": finding.natural_key,
        "name": finding.asset_name,
        "type": finding.asset_type,
        "region": finding.cloud_region,
        "cloud_partition": _partition(finding.natural_key),
        "owner": owner,
        "data": {
            "asset_id": finding.asset_id,
            "owner_team": finding.owner_team,
            "cloud_provider": finding.cloud_provider,
            "cloud_account": finding.cloud_account,
        },
    }


def to_ocsf(finding: Finding, *, assessed_on: date, product_version: str) -> dict[str, Any]:
    """`finding` as an OCSF 1.5 Detection Finding event (class 2004, activity Create, status
    New), as of `assessed_on`: `time` is 00:00 UTC of that day in epoch ms. Redacted."""
    first_seen = finding.first_seen or assessed_on
    if first_seen > assessed_on:
        raise ValueError(
            f"finding {finding.finding_id}: first seen {first_seen} after the assessed day "
            f"{assessed_on}"
        )
    severity_id, severity = OCSF_SEVERITY[finding.severity]
    remediation = _remediation(finding)
    account = _account(finding)
    cloud = (
        {"provider": finding.cloud_provider, "region": finding.cloud_region, "account": account}
        if finding.cloud_provider
        else None
    )
    event = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": TYPE_UID,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": STATUS_NEW,
        "status": "New",
        "time": epoch_ms(assessed_on),
        "time_dt": _iso(assessed_on),
        "message": finding.detail,
        "finding_info": {
            "uid": finding.finding_id,
            "title": finding.title,
            "desc": finding.detail,
            "types": [finding.gap_type],
            "first_seen_time": epoch_ms(first_seen),
            "first_seen_time_dt": _iso(first_seen),
            "last_seen_time": epoch_ms(assessed_on),
            "last_seen_time_dt": _iso(assessed_on),
            "analytic": {
                "uid": finding.rule_id,
                "name": finding.control_title or _gap_title(finding.gap_type),
                "type_id": ANALYTIC_RULE,
                "type": "Rule",
            },
        },
        "resources": [_resource(finding)],
        "cloud": cloud,
        "metadata": {
            "version": OCSF_SCHEMA_VERSION,
            "uid": f"{finding.finding_id}/{assessed_on.isoformat()}",
            "event_code": finding.rule_id,
            "product": {
                "name": PRODUCT_NAME,
                "vendor_name": VENDOR_NAME,
                "version": product_version,
                "feature": {"name": "compliance"},
            },
            "profiles": ["cloud", "datetime"] if cloud else ["datetime"],
        },
        "remediation": {"desc": remediation} if remediation else None,
        "unmapped": {
            "compliance": finding.compliance(),
            "requirements": [
                {
                    "framework": r.framework,
                    "requirement_id": r.requirement_id,
                    "title": r.title or None,
                }
                for r in finding.requirements
            ],
            "gap_type": finding.gap_type,
            "control_id": finding.control_id,
            "control_title": finding.control_title,
        },
    }
    return redact_structure(_compact(event))


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in output order (severity, asset, gap type, control), one per finding id:
    an exact repeat is dropped, two different findings with one id are an error."""
    by_id: dict[str, Finding] = {}
    for f in findings:
        seen = by_id.setdefault(f.finding_id, f)
        if seen != f:
            raise ValueError(
                f"two different findings share id {f.finding_id} ({f.gap_type} on "
                f"{f.asset_id}, control {f.control_id}): one finding per gap, asset and control"
            )
    return sorted(
        by_id.values(),
        key=lambda f: (
            SEVERITIES.index(f.severity),
            f.asset_name,
            f.asset_id,
            f.gap_type,
            f.control_id or "",
        ),
    )


def _pascal(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in _WORD.findall(text)) or "Rule"


def _rule(rule_id: str, members: list[Finding]) -> dict[str, Any]:
    first = members[0]
    worst = min(SEVERITIES.index(f.severity) for f in members)
    severity = SEVERITIES[worst]
    frameworks: dict[str, set[str]] = {}
    for f in members:
        for req in f.requirements:
            frameworks.setdefault(req.framework, set()).add(req.requirement_id)
    tags = {"security", "compliance"}
    for fw, ids in frameworks.items():
        tags.add(fw)
        tags.update(f"{fw}/{rid}" for rid in ids)
    if first.control_id:
        title = first.control_title or first.control_id
        name = _pascal(first.control_title or first.control_id)
        short = f"{first.control_id}: {title}" if first.control_title else title
    else:
        name = _pascal(first.gap_type)
        short = _gap_title(first.gap_type)
    remediation = _remediation(first)
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "help": {"text": remediation} if remediation else None,
        "defaultConfiguration": {"level": SARIF_LEVEL[severity]},
        "properties": {
            "tags": sorted(tags),
            "security-severity": SECURITY_SEVERITY[severity],
            "gap_types": sorted({f.gap_type for f in members}),
            "frameworks": {fw: sorted(ids) for fw, ids in sorted(frameworks.items())},
        },
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": SARIF_LEVEL[finding.severity],
        "message": {"text": f"{finding.title}. {finding.detail}"},
        "locations": [
            {
                "logicalLocations": [
                    {
                        "name": finding.asset_name,
                        "fullyQualifiedName": finding.natural_key,
                        "kind": "resource",
                    }
                ]
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.finding_id},
        "provenance": (
            {"firstDetectionTimeUtc": _iso(finding.first_seen)} if finding.first_seen else None
        ),
        "properties": {
            "finding_id": finding.finding_id,
            "gap_type": finding.gap_type,
            "severity": finding.severity,
            "asset_id": finding.asset_id,
            "asset_type": finding.asset_type,
            "owner_team": finding.owner_team,
            "cloud_provider": finding.cloud_provider,
            "cloud_account": finding.cloud_account,
            "cloud_region": finding.cloud_region,
            "control_id": finding.control_id,
            "compliance": finding.compliance(),
        },
    }


def to_sarif(
    findings: Iterable[Finding],
    *,
    product_version: str,
    run_id: str | None = None,
    assessed_on: date | None = None,
) -> dict[str, Any]:
    """The findings as one SARIF 2.1.0 log with one run. Rules are sorted by id; results
    follow `_ordered`. `run_id` and `assessed_on`, when given, identify the run
    (automationDetails, run properties). Redacted."""
    ordered = _ordered(findings)
    by_rule: dict[str, list[Finding]] = {}
    for f in ordered:
        by_rule.setdefault(f.rule_id, []).append(f)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    run = {
        "tool": {
            "driver": {
                "name": PRODUCT_NAME,
                "fullName": "aisec AI security program: compliance findings",
                "organization": VENDOR_NAME,
                "version": product_version,
                "rules": [_rule(rule_id, by_rule[rule_id]) for rule_id in rule_ids],
            }
        },
        "automationDetails": (
            {"id": f"{SARIF_AUTOMATION_CATEGORY}/{run_id}"} if run_id is not None else None
        ),
        "results": [_result(f, index[f.rule_id]) for f in ordered],
        "properties": (
            {"assessed_on": assessed_on.isoformat()} if assessed_on is not None else None
        ),
    }
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return redact_structure(_compact(log))


def _dumps(value: Any) -> bytes:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def findings_paths(out_dir: Path, *, assessed_on: date, run_id: str) -> tuple[Path, Path]:
    """Where `write_findings` puts a run's OCSF and SARIF files."""
    if not _RUN_ID.fullmatch(run_id):
        raise ValueError(
            f"run id {run_id!r} cannot name a file (letters, digits, '.', '_', '-'; "
            "not starting with '.')"
        )
    day_dir = Path(out_dir) / "findings" / assessed_on.isoformat()
    return day_dir / f"{run_id}.ocsf.json", day_dir / f"{run_id}.sarif.json"


def write_findings(
    findings: Iterable[Finding],
    out_dir: Path,
    *,
    assessed_on: date,
    run_id: str,
    product_version: str,
) -> tuple[Path, Path]:
    """Write the run's findings as `<out_dir>/findings/<assessed_on>/<run_id>.ocsf.json` (a
    JSON array of OCSF Detection Finding events) and `<run_id>.sarif.json` (SARIF 2.1.0), each
    atomically. Keys sorted, 2-space indent, UTF-8, trailing newline: same findings, same bytes.
    Returns (ocsf path, sarif path)."""
    ocsf_path, sarif_path = findings_paths(out_dir, assessed_on=assessed_on, run_id=run_id)
    ordered = _ordered(findings)
    events = [to_ocsf(f, assessed_on=assessed_on, product_version=product_version) for f in ordered]
    sarif = to_sarif(
        ordered, product_version=product_version, run_id=run_id, assessed_on=assessed_on
    )
    ocsf_path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(ocsf_path, _dumps(redact_structure(events)))
    _write_atomically(sarif_path, _dumps(redact_structure(sarif)))
    return ocsf_path, sarif_path


__all__ = [
    "GAP_TYPES",
    "OCSF_SCHEMA_VERSION",
    "SARIF_LEVEL",
    "SARIF_VERSION",
    "SEVERITIES",
    "Finding",
    "Requirement",
    "epoch_ms",
    "finding_id",
    "findings_paths",
    "to_ocsf",
    "to_sarif",
    "write_findings",
]
