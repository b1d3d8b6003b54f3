"""The demo company's governance files: policies, RACI, risk appetite, acceptances, attestations.

Written under `<demo root>/governance/` and named by `governance:` in the demo's aisec.yaml.
Every date is relative to the demo's as-of day, so the demo tells the same story whenever it
is generated: one policy is overdue for review, one risk acceptance is in force for a control,
one for an appetite breach, one has expired (its finding reopened), and one is rejected as a
self-approval by the team that owns the asset; red-teaming is attested for the clinical-ai team
and one customer-experience agent, secret scanning for the ml-platform team, and the program's
incident-response, risk-treatment and post-incident-review processes for every team.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from aisec_jobs.demo_estate.company import EMAIL_DOMAIN, TEAMS

DIRECTORY = "governance"

# Catalog controls the demo's acceptances and attestations name (controls/catalog.yaml).
PROMPT_ATTACK_CONTROL = "AISEC-PRE-010"
RED_TEAMING_CONTROL = "AISEC-DET-005"
SECRET_SCANNING_CONTROL = "AISEC-DET-006"
# Program-wide processes, attested for every team's systems.
PROGRAM_PROCESS_CONTROLS: dict[str, str] = {
    "AISEC-COR-001": "AI incident response playbooks (prompt injection, data leakage, agent "
    "misuse, credential exposure) approved in the incident classification policy; tabletop "
    "exercise TT-2026-09.",
    "AISEC-COR-007": "Every risk and finding is tracked as a remediation ticket with owner and "
    "due date in the GRC register.",
    "AISEC-COR-011": "Post-incident reviews are held within 10 working days of every SEV1/SEV2 "
    "AI incident; actions tracked in the GRC register.",
}

POLICY_PARAMETERS: dict[str, Any] = {
    "review_cadence_months": 12,
    "red_team_cadence_days": 90,
    "approved_providers": ["aws_bedrock", "azure_openai", "anthropic", "openai"],
    "incident_sla_hours": {"sev1": 1, "sev2": 4, "sev3": 24, "sev4": 72},
    "log_retention_days": 90,
    "max_exception_days": 180,
    "security_contact": f"ai-security@{EMAIL_DOMAIN}",
}


def governance_config() -> dict[str, Any]:
    """The `governance:` section of the demo's aisec.yaml."""
    return {"directory": DIRECTORY, "policy_parameters": POLICY_PARAMETERS}


def _email(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.removeprefix("Dr. "))
    ascii_name = plain.encode("ascii", "ignore").decode()
    return f"{ascii_name.lower().replace(' ', '.')}@{EMAIL_DOMAIN}"


CISO = ("Amara Nwosu", "security-office", ["ciso"])
AI_SECURITY_LEAD = ("Jonas Becker", "ai-security", ["ai_security_lead"])
DPO = ("Sofia Marchetti", "privacy-office", ["data_protection_officer"])
LEGAL = ("Daniel Osei", "legal-compliance", ["legal_compliance"])
# The playbooks' first responders and the engineers who change models (their roles appear in
# the incident tasks, so the RACI names who holds them).
SOC_ANALYST = ("Noor Haddad", "ai-security", ["soc_analyst"])
ML_ENGINEER = ("Lucas Ferreira", "ml-platform", ["ml_engineer"])


def _people() -> dict[str, dict[str, Any]]:
    people = {
        _email(name): {"name": name, "team": team, "roles": roles}
        for name, team, roles in (CISO, AI_SECURITY_LEAD, SOC_ANALYST, ML_ENGINEER, DPO, LEGAL)
    }
    for team in TEAMS.values():
        roles = ["model_owner"]
        if team.key == "ml-platform":
            roles = ["platform_engineering", "model_owner"]
        people[_email(team.lead)] = {"name": team.lead, "team": team.key, "roles": roles}
    return people


ROLES = [
    "ciso",
    "ai_security_lead",
    "soc_analyst",
    "platform_engineering",
    "model_owner",
    "ml_engineer",
    "data_protection_officer",
    "legal_compliance",
]

ACTIVITIES: dict[str, dict[str, str]] = {
    "asset_inventory": {
        "ai_security_lead": "A",
        "platform_engineering": "R",
        "model_owner": "R",
        "data_protection_officer": "C",
        "ciso": "I",
    },
    "risk_assessment": {
        "ciso": "A",
        "ai_security_lead": "R",
        "model_owner": "C",
        "data_protection_officer": "C",
        "legal_compliance": "I",
    },
    "control_implementation": {
        "ai_security_lead": "A",
        "platform_engineering": "R",
        "model_owner": "R",
        "ml_engineer": "R",
        "ciso": "I",
    },
    "runtime_monitoring": {
        "ai_security_lead": "A",
        "soc_analyst": "R",
        "platform_engineering": "R",
        "model_owner": "I",
        "ciso": "I",
    },
    "incident_response": {
        "ciso": "A",
        "ai_security_lead": "R",
        "soc_analyst": "R",
        "platform_engineering": "R",
        "ml_engineer": "C",
        "legal_compliance": "C",
        "data_protection_officer": "C",
        "model_owner": "I",
    },
    "red_teaming": {
        "ai_security_lead": "A",
        "model_owner": "R",
        "platform_engineering": "C",
        "ciso": "I",
    },
    "policy_review": {
        "ciso": "A",
        "ai_security_lead": "R",
        "legal_compliance": "R",
        "data_protection_officer": "C",
        "model_owner": "I",
        "platform_engineering": "I",
    },
    "exception_approval": {
        "ciso": "A",
        "ai_security_lead": "R",
        "legal_compliance": "C",
        "data_protection_officer": "C",
        "model_owner": "I",
    },
}


def _policies(as_of: date) -> dict[str, dict[str, Any]]:
    def day(offset: int) -> date:
        return as_of + timedelta(days=offset)

    ciso, lead, dpo, legal = (_email(p[0]) for p in (CISO, AI_SECURITY_LEAD, DPO, LEGAL))
    platform = _email(TEAMS["ml-platform"].lead)
    return {
        "acceptable_ai_use": {
            "version": "2.0",
            "owner": lead,
            "approver": ciso,
            "approved_on": day(-200),
            "review_due": day(165),
            "status": "approved",
        },
        "model_procurement": {
            "version": "1.3",
            "owner": platform,
            "approver": ciso,
            "approved_on": day(-90),
            "review_due": day(275),
            "status": "approved",
        },
        # Overdue: its yearly review fell due three weeks before the as-of day.
        "ai_data_handling": {
            "version": "1.1",
            "owner": dpo,
            "approver": legal,
            "approved_on": day(-386),
            "review_due": day(-21),
            "status": "approved",
        },
        "red_teaming": {
            "version": "1.0",
            "owner": lead,
            "approver": ciso,
            "approved_on": day(-60),
            "review_due": day(305),
            "status": "approved",
        },
        "ai_incident_classification": {
            "version": "0.9",
            "owner": lead,
            "review_due": day(30),
            "status": "draft",
        },
    }


def _appetite() -> dict[str, Any]:
    return {
        "default_max_residual": 60,
        "rules": [
            {"environment": "production", "data_classification": "regulated", "max_residual": 30},
            {"environment": "production", "data_classification": "restricted", "max_residual": 35},
            {"environment": "production", "max_residual": 45},
            {"data_classification": "regulated", "max_residual": 40},
            {"environment": "research", "max_residual": 65},
        ],
    }


def _acceptances(as_of: date) -> list[dict[str, Any]]:
    def day(offset: int) -> date:
        return as_of + timedelta(days=offset)

    ciso, lead = _email(CISO[0]), _email(AI_SECURITY_LEAD[0])
    return [
        {
            "id": "KD-RA-2026-007",
            "asset": "fraud-triage-agent",
            "control": PROMPT_ATTACK_CONTROL,
            "owner": _email(TEAMS["risk-analytics"].lead),
            "justification": "The fraud-ops guardrail's prompt-attack filter blocked analysts' "
            "case notes (quoted fraudster messages) at MEDIUM strength. Until the tuned "
            "guardrail ships, the agent runs with the filter at LOW, its input limited to case "
            "records from the case system, and every session reviewed by the monitoring rules.",
            "approver": ciso,
            "approved_on": day(-30),
            "expires_on": day(60),
        },
        {
            "id": "KD-RA-2026-011",
            "asset": "merchant-support-chat-api",
            "finding": "appetite_breach",
            "owner": _email(TEAMS["customer-experience"].lead),
            "justification": "Public merchant chat API above the production appetite while the "
            "migration behind the private API gateway completes; compensated by rate limiting "
            "per merchant key and daily review of detections.",
            "approver": ciso,
            "approved_on": day(-14),
            "expires_on": day(76),
        },
        # Expired three days before the as-of day: the appetite breach is open again.
        {
            "id": "KD-RA-2026-002",
            "asset": "card-fraud-features-2025",
            "finding": "appetite_breach",
            "owner": _email(TEAMS["risk-analytics"].lead),
            "justification": "Feature set kept outside appetite during the Q3 fraud model "
            "retraining; access limited to the training pipeline role.",
            "approver": lead,
            "approved_on": day(-120),
            "expires_on": day(-3),
        },
        # Rejected: approved by the lead of clinical-ai, the team that owns the model.
        {
            "id": "KD-RA-2026-013",
            "asset": "clinical-notes-summarizer",
            "control": RED_TEAMING_CONTROL,
            "owner": TEAMS["clinical-ai"].email,
            "justification": "Red-team engagement for the summarizer postponed to next quarter "
            "because of the release freeze; the model only drafts summaries a clinician signs.",
            "approver": _email(TEAMS["clinical-ai"].lead),
            "approved_on": day(-7),
            "expires_on": day(83),
        },
    ]


def _attestations(as_of: date) -> list[dict[str, Any]]:
    def day(offset: int) -> date:
        return as_of + timedelta(days=offset)

    lead = _email(AI_SECURITY_LEAD[0])
    program = [
        {
            "control": control,
            "team": team,
            "evidence": evidence,
            "attested_by": lead,
            "attested_on": day(-60),
            "valid_until": day(120),
        }
        for control, evidence in PROGRAM_PROCESS_CONTROLS.items()
        for team in TEAMS
    ]
    return [
        *program,
        {
            "control": RED_TEAMING_CONTROL,
            "team": "clinical-ai",
            "evidence": "Red-team engagement RT-2026-04 covered prompt injection, PHI "
            "disclosure and tool misuse on every clinical-ai production system; report and "
            "retest results in the GRC vault under RT-2026-04.",
            "attested_by": lead,
            "attested_on": day(-45),
            "valid_until": day(45),
        },
        {
            "control": SECRET_SCANNING_CONTROL,
            "team": "ml-platform",
            "evidence": "Secret scanning runs as a pre-commit hook and a required CI check on "
            "every ml-platform repository; pushes with findings are blocked.",
            "attested_by": _email(TEAMS["ml-platform"].lead),
            "attested_on": day(-10),
            "valid_until": day(170),
        },
        {
            "control": RED_TEAMING_CONTROL,
            "asset": "cx-support-agent",
            "evidence": "Targeted red-team retest RT-2026-06 of the support agent's refund tool "
            "after the allow-list change; no finding above low.",
            "attested_by": lead,
            "attested_on": day(-20),
            "valid_until": day(70),
        },
    ]


def _write(path: Path, header: str, data: Any) -> None:
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(f"# {header}\n{body}", encoding="utf-8")


def write_governance(directory: Path, as_of: date) -> None:
    """Write the five governance files of the demo company into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    _write(
        directory / "policies.yaml",
        "Document control of Kestrel Dynamics' AI policies (rendered by aisec).",
        {"policies": _policies(as_of)},
    )
    _write(
        directory / "raci.yaml",
        "Who does what in AI security at Kestrel Dynamics: R/A/C/I per activity and role.",
        {"roles": ROLES, "people": _people(), "activities": ACTIVITIES},
    )
    _write(
        directory / "risk_appetite.yaml",
        "Maximum residual risk Kestrel Dynamics accepts; the most specific rule wins.",
        _appetite(),
    )
    _write(
        directory / "acceptances.yaml",
        "Risk acceptances (exceptions): approved outside the owning team, time-limited.",
        {"acceptances": _acceptances(as_of)},
    )
    _write(
        directory / "attestations.yaml",
        "Declared evidence for process controls no scan can see.",
        {"attestations": _attestations(as_of)},
    )
