"""`governance:` in aisec.yaml: where the organisation keeps its governance files, and the
parameters its policies are rendered with.

```yaml
governance:
  directory: governance            # relative to aisec.yaml
  policy_parameters:
    review_cadence_months: 12
    red_team_cadence_days: 90
    approved_providers: [aws_bedrock, azure_openai]
    incident_sla_hours: {sev1: 1, sev2: 4, sev3: 24, sev4: 72}
```

The directory holds policies.yaml, raci.yaml, risk_appetite.yaml, acceptances.yaml and
attestations.yaml (validated by the governance pillar when its assets run, each error naming
file, line and field). Without `directory` governance is not configured: the governance assets
write empty tables and say so.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from aisec_resources.config.base import _Strict

PROVIDER_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")

Hours = Annotated[int, Field(ge=1, le=24 * 30)]


class IncidentSlaHours(_Strict):
    """Hours from detection to the start of the response, per severity (SEV1 fastest)."""

    sev1: Hours = 1
    sev2: Hours = 4
    sev3: Hours = 24
    sev4: Hours = 72

    @model_validator(mode="after")
    def _ordered(self) -> IncidentSlaHours:
        hours = [self.sev1, self.sev2, self.sev3, self.sev4]
        if hours != sorted(hours):
            raise ValueError(
                "a more severe incident cannot have a longer SLA: "
                f"sev1..sev4 = {hours} must not decrease"
            )
        return self


class PolicyParameters(_Strict):
    """The organisation's values substituted into the shipped policy templates."""

    # How often every policy is reviewed and re-approved.
    review_cadence_months: Annotated[int, Field(ge=1, le=36)] = 12
    # Maximum days between two red-team exercises of a high-risk AI system.
    red_team_cadence_days: Annotated[int, Field(ge=7, le=730)] = 90
    # Model providers procurement has approved (the inventory's model_provider values).
    approved_providers: Annotated[list[str], Field(min_length=1)] = [
        "aws_bedrock",
        "azure_openai",
        "anthropic",
        "openai",
    ]
    incident_sla_hours: IncidentSlaHours = IncidentSlaHours()
    # How long prompts and completions may be kept in logs.
    log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    # The longest a risk acceptance may run before it must be renewed.
    max_exception_days: Annotated[int, Field(ge=1, le=730)] = 180
    # Who people contact (an address or a team name), quoted in every policy.
    security_contact: Annotated[
        str, StringConstraints(min_length=3, max_length=200, strip_whitespace=True)
    ] = "the AI security team"

    @field_validator("approved_providers")
    @classmethod
    def _providers(cls, v: list[str]) -> list[str]:
        bad = [p for p in v if not PROVIDER_RE.match(p)]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))}: provider ids are lower-case names")
        if len(set(v)) != len(v):
            raise ValueError("a provider is listed twice")
        return v


class GovernanceConfig(_Strict):
    # The directory of the governance files; None = governance is not configured.
    directory: Path | None = None
    policy_parameters: PolicyParameters = PolicyParameters()
