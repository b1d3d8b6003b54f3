"""Each playbook rendered as a Markdown runbook for the people who follow it: title, severity,
what opens it, the steps phase by phase (role, automation, timeout, when to escalate), the
evidence to collect, who to notify when, the regulatory notes and the automations it uses."""

from __future__ import annotations

import os
from pathlib import Path

from aisec_assets.operations.playbook_library import (
    ACTIONS,
    AUDIENCES,
    PHASES,
    ROLES,
    Playbook,
    PlaybookLibrary,
)

PHASE_TITLES: dict[str, str] = {
    "detection": "Detection and triage",
    "containment": "Containment",
    "eradication": "Eradication",
    "recovery": "Recovery",
    "lessons_learned": "Lessons learned",
}


def duration(minutes: int) -> str:
    """`0` -> at once, 45 -> 45 min, 120 -> 2 h, 4320 -> 3 d, 1530 -> 1 d 1 h 30 min."""
    if minutes == 0:
        return "at once"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (mins, "min")]
    return " ".join(f"{value} {unit}" for value, unit in parts if value)


def _cell(text: str | None) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    if not text:
        return "-"
    return " ".join(text.split()).replace("|", "\\|")


def _audience(name: str) -> str:
    return f"`{name}`" if name in ROLES else name.replace("_", " ")


def render_runbook(playbook: Playbook, *, source: str | None = None) -> str:
    """The runbook of one playbook as Markdown."""
    lines = [
        f"# {playbook.title}",
        "",
        f"- Category: `{playbook.category}`",
        f"- Default severity: **{playbook.severity_default.upper()}** (the escalation triggers "
        "below raise it)",
    ]
    if source:
        lines.append(f"- Source: `{source}`")
    lines += ["", " ".join(playbook.description.split()), "", "## Triggers", ""]
    families = playbook.triggers.detection_families
    findings = playbook.triggers.finding_types
    if families:
        lines.append("- Detection rule families: " + ", ".join(f"`{f}`" for f in families))
    if findings:
        lines.append("- Compliance findings: " + ", ".join(f"`{f}`" for f in findings))
    if not families and not findings:
        lines.append("- Opened by hand (an evaluation, a report, a red-team finding).")

    lines += ["", "## Steps", ""]
    total = 0
    for phase in PHASES:
        steps = playbook.steps_in(phase)
        if not steps:
            continue
        lines += [
            f"### {PHASE_TITLES[phase]}",
            "",
            "| # | action | role | automation | timeout | escalate when |",
            "|---|---|---|---|---|---|",
        ]
        for step in steps:
            total += step.timeout_minutes
            automation = f"`{step.automation}`" if step.automation else "manual"
            lines.append(
                f"| {step.step_number} | {_cell(step.action)} | `{step.responsible_role}` | "
                f"{automation} | {duration(step.timeout_minutes)} | "
                f"{_cell(step.escalation_trigger)} |"
            )
        lines.append("")
    lines += [
        f"All steps in sequence are due within {duration(total)} of the incident's opening.",
        "",
        "## Evidence to collect",
        "",
        *(f"- {' '.join(item.split())}" for item in playbook.evidence_to_collect),
        "",
        "## Notifications",
        "",
        "| who | channel | within | when | note |",
        "|---|---|---|---|---|",
    ]
    for note in playbook.notification_requirements:
        lines.append(
            f"| {_audience(note.audience)} | {note.channel} | {duration(note.within_minutes)} | "
            f"{note.condition.describe()} | {_cell(note.note)} |"
        )
    regulatory = playbook.regulatory
    lines += ["", "## Regulatory notes", ""]
    if regulatory.personal_data:
        lines.append(
            "- **GDPR Art. 33 applies to every incident of this category**: personal data is "
            "disclosed by its nature. The supervisory authority is notified within 72 hours of "
            "awareness unless the breach is unlikely to result in a risk to people; the "
            "people affected without undue delay when the risk is high (Art. 34)."
        )
    else:
        lines.append(
            "- GDPR Art. 33 applies when personal data turns out to be involved: 72 hours from "
            "that awareness."
        )
    if regulatory.serious_incident_possible:
        lines.append(
            "- **EU AI Act Art. 73**: on a high-risk system this can be a serious incident. "
            "Report to the market surveillance authority within 15 days of awareness; 2 days "
            "for a widespread infringement or a serious disruption of critical infrastructure; "
            "10 days in the event of a death."
        )
    lines += [f"- {' '.join(text.split())}" for text in regulatory.notes]

    used = list(dict.fromkeys(s.automation for s in playbook.steps if s.automation))
    if used:
        lines += [
            "",
            "## Automations",
            "",
            "Dry-run by default; every run is recorded in the incident's timeline.",
            "",
        ]
        for action_id in used:
            action = ACTIONS[action_id]
            lines += [
                f"- `{action_id}` ({action.provider}): {action.description}",
                f"  - call: {action.sdk_call}",
                f"  - target: {action.target}",
            ]
    outside = sorted(
        {n.audience for n in playbook.notification_requirements if n.audience not in ROLES}
    )
    if outside:
        lines += ["", "## Audiences outside the RACI", ""]
        lines += [f"- {_audience(name)}: {AUDIENCES[name]}" for name in outside]
    return "\n".join(lines) + "\n"


def render_runbooks(library: PlaybookLibrary) -> dict[str, str]:
    """category -> runbook Markdown, for every playbook of the library."""
    return {
        pb.category: render_runbook(pb, source=Path(library.files[pb.category]).name)
        for pb in library
    }


def write_runbooks(directory: Path, runbooks: dict[str, str]) -> dict[str, Path]:
    """Write each runbook to `directory/<category>.md` (atomically: a reader never sees half a
    file); returns the paths by category."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for category, text in runbooks.items():
        target = directory / f"{category}.md"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        paths[category] = target
    return paths
