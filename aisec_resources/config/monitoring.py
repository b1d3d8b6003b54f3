"""`monitoring:` in aisec.yaml: log sources, the rule pack, the first daily partition, and the
organisation's settings the (organisation-neutral) rule pack is compiled with."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import field_validator

from aisec_resources.config.base import _Strict

# A lower-case DNS name (the rule pack's allowed_domains are checked with it too).
DOMAIN_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class MonitoringConfig(_Strict):
    # One section per LLM log source, by the name its spec registers (bedrock, litellm, otel,
    # azure_apim, ...): the sections are validated by the owning pillar's models, through
    # `base.parse_section`, when the composition root loads the file.
    logs: dict[str, Any] = {}
    rule_pack: Path | None = None  # default: the pack shipped in aisec_assets/monitoring
    start_date: date | None = None  # first daily partition (default: 30 days before today)
    # The organisation's own URL hosts (and their subdomains): the exfiltration rules trust
    # them in model output, beside the neutral hosts the rule pack lists.
    allowed_domains: list[str] = []
    # agent id or name -> the tools it may call (a trailing * allows a prefix), for agents
    # the inventory does not describe (the inventory's allow-list comes first).
    tool_allow_lists: dict[str, list[str]] = {}

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if not DOMAIN_RE.match(d)]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))}: not lower-case domain name(s)")
        return v

    @field_validator("tool_allow_lists")
    @classmethod
    def _tools(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for agent, tools in v.items():
            if not agent.strip():
                raise ValueError("an empty agent name")
            if any(not t.strip() or t.strip() == "*" for t in tools):
                raise ValueError(f"{agent}: an empty or match-all tool name")
        return v
