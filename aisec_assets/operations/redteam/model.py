"""What a parsed red-team report holds: the run, one result per probe x detector, rejections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Rejection:
    """A record that could not be used: `line` is 1-based, None for the whole file."""

    file: str
    line: int | None
    reason: str
    excerpt: str | None = None


@dataclass
class ProbeResult:
    """One probe x detector of one report (garak), or one plugin x strategy (promptfoo)."""

    probe: str
    detector: str
    attempts: int = 0
    failures: int = 0
    counted_from: str = "eval"
    excerpt: str | None = None

    @property
    def pass_rate(self) -> float | None:
        if self.attempts <= 0:
            return None
        return (self.attempts - self.failures) / self.attempts


@dataclass
class ParsedReport:
    """One report file: the run it records, its results and its rejected records."""

    path: Path
    tool: str
    run_id: str | None = None
    started_at: datetime | None = None
    tool_version: str | None = None
    target_model: str | None = None
    results: dict[tuple[str, str], ProbeResult] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)

    def reject(self, line: int | None, reason: str, excerpt: str | None = None) -> None:
        self.rejections.append(Rejection(str(self.path), line, reason, excerpt))

    @property
    def failing_probes(self) -> int:
        return len({r.probe for r in self.results.values() if r.failures > 0})

    @property
    def probes(self) -> int:
        return len({r.probe for r in self.results.values()})
