"""`operations:` in aisec.yaml: how incidents are opened from detections and findings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from aisec_resources.config.base import _Strict


class OperationsConfig(_Strict):
    # Detections of one category, asset and actor belong to one incident while each follows
    # the previous within this many minutes.
    incident_gap_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 60
    # The least severe detection that opens an incident (less severe ones only join one).
    incident_min_severity: Literal["critical", "high", "medium", "low"] = "high"
    # How many days back a run looks for detections not yet attached to an incident.
    incident_lookback_days: Annotated[int, Field(ge=0, le=90)] = 7
