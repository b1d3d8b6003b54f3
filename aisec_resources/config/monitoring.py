"""`monitoring:` in aisec.yaml: log sources, the rule pack, the first daily partition."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aisec_resources.config.base import _Strict
from aisec_resources.config.logs import LogSources


class MonitoringConfig(_Strict):
    logs: LogSources = LogSources()
    rule_pack: Path | None = None  # default: the pack shipped in aisec_assets/monitoring
    start_date: date | None = None  # first daily partition (default: 30 days before today)
