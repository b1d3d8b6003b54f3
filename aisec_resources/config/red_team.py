"""`red_team:` in aisec.yaml: the red-team tool reports the program ingests.

```yaml
red_team:
  reports:
    - path: red-team/garak/merchant-chat     # a report file, or a directory of them
      tool: garak                            # garak | promptfoo
      target_asset: merchant-support-chat-api  # inventory asset name or asset_id
      engagement: RT-2026-merchant-chat      # the engagement the reports belong to
```

Paths are relative to aisec.yaml. A directory is searched recursively for the tool's report
files (garak: `*.report.jsonl`; promptfoo: `*.json`), never outside itself. Each report is
one run of the tool against `target_asset`; the reports of an entry over time are what
remediation is tracked across. PyRIT is not supported: it has no stable documented file
export of attack outcomes (its 0.x JSON conversation export was removed in 1.0).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from aisec_resources.config.base import _Strict

TOOLS: tuple[str, ...] = ("garak", "promptfoo")
UNSUPPORTED_TOOLS: dict[str, str] = {
    "pyrit": "PyRIT has no stable documented file export of attack outcomes (the JSON "
    "conversation export of PyRIT 0.x was removed in 1.0, and its scores mean attack success "
    "only for an attack's own objective scorer); export the results through promptfoo or "
    "garak instead",
}

Name = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
EngagementId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")]


class RedTeamReport(_Strict):
    """One source of reports: a file or directory of one tool's reports against one asset."""

    path: Path
    tool: Literal["garak", "promptfoo"]
    target_asset: Name
    engagement: EngagementId

    @field_validator("tool", mode="before")
    @classmethod
    def _tool(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().lower() in UNSUPPORTED_TOOLS:
            raise ValueError(f"{v!r} is not supported: {UNSUPPORTED_TOOLS[v.strip().lower()]}")
        return v


class RedTeamConfig(_Strict):
    reports: list[RedTeamReport] = []

    @field_validator("reports")
    @classmethod
    def _distinct(cls, v: list[RedTeamReport]) -> list[RedTeamReport]:
        seen: set[tuple[str, str, str]] = set()
        for entry in v:
            key = (str(entry.path), entry.tool, entry.target_asset)
            if key in seen:
                raise ValueError(
                    f"{entry.path} ({entry.tool}, {entry.target_asset}) is listed twice"
                )
            seen.add(key)
        return v
