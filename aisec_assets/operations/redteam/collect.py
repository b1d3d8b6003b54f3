"""The reports aisec.yaml `red_team.reports` names: listed (confined to each configured path),
parsed by their tool's parser, each tagged with its engagement and target asset."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aisec_assets.operations.redteam import garak, promptfoo
from aisec_assets.operations.redteam.model import ParsedReport, Rejection
from aisec_resources.config.red_team import RedTeamReport
from aisec_resources.confine import escape_reason, inside, real_root

PARSERS: dict[str, Callable[[Path], ParsedReport]] = {
    garak.TOOL: garak.parse_garak_report,
    promptfoo.TOOL: promptfoo.parse_promptfoo_results,
}
SUFFIXES: dict[str, tuple[str, ...]] = {
    garak.TOOL: garak.SUFFIXES,
    promptfoo.TOOL: promptfoo.SUFFIXES,
}
# Files one configured directory may hold; more is a misconfigured path (a home directory).
MAX_FILES = 10_000


@dataclass
class CollectedReport:
    """A parsed report with the configuration entry it came from."""

    entry: RedTeamReport
    report: ParsedReport
    started_from: str = "report"


@dataclass
class Collected:
    reports: list[CollectedReport] = field(default_factory=list)
    # rejections of paths that could not be listed or files that could not be opened
    rejections: list[tuple[RedTeamReport, Rejection]] = field(default_factory=list)

    def all_rejections(self) -> list[tuple[RedTeamReport, Rejection]]:
        found = list(self.rejections)
        for item in self.reports:
            found.extend((item.entry, r) for r in item.report.rejections)
        return found


def list_reports(path: Path, suffixes: tuple[str, ...]) -> tuple[list[Path], list[Rejection]]:
    """The report files at `path` (a file, or a directory searched recursively, hidden entries
    skipped), sorted, and a rejection for each entry that resolves outside `path` (never
    opened) or cannot be listed."""
    refused: list[Rejection] = []
    if path.is_file():
        return [path], refused
    if not path.exists():
        return [], [Rejection(str(path), None, "the configured path does not exist")]
    if not path.is_dir():
        return [], [Rejection(str(path), None, "the configured path is not a file or directory")]
    root = real_root(path)
    found: list[Path] = []

    def failed(exc: OSError) -> None:
        refused.append(Rejection(str(exc.filename or path), None, f"cannot list: {exc}"))

    for dirpath, dirnames, filenames in os.walk(path, onerror=failed):
        for entry_name in list(dirnames):
            entry = Path(dirpath) / entry_name
            if entry_name.startswith(".") or not os.path.islink(entry):
                continue
            dirnames.remove(entry_name)  # links are judged, never walked
            real = os.path.realpath(entry)
            if not inside(real, root):
                refused.append(Rejection(str(entry), None, escape_reason(root, real)))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for file_name in sorted(filenames):
            if file_name.startswith(".") or not file_name.lower().endswith(suffixes):
                continue
            entry = Path(dirpath) / file_name
            real = os.path.realpath(entry)
            if not inside(real, root):
                refused.append(Rejection(str(entry), None, escape_reason(root, real)))
                continue
            if os.path.isfile(real):
                found.append(entry)
            if len(found) > MAX_FILES:
                refused.append(
                    Rejection(
                        str(path),
                        None,
                        f"more than {MAX_FILES} report files: the rest are not read",
                    )
                )
                return sorted(found[:MAX_FILES]), refused
    return sorted(found), refused


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    except (OSError, ValueError, OverflowError):
        return None


def collect_reports(entries: Sequence[RedTeamReport]) -> Collected:
    """Parse every report the entries name. A report file read under two entries with the
    same tool and asset counts once (for the first)."""
    collected = Collected()
    seen: set[tuple[str, str, str]] = set()
    for entry in entries:
        files, refused = list_reports(Path(entry.path), SUFFIXES[entry.tool])
        collected.rejections.extend((entry, r) for r in refused)
        if not files and not refused:
            collected.rejections.append(
                (
                    entry,
                    Rejection(
                        str(entry.path),
                        None,
                        f"no {entry.tool} report files ({', '.join(SUFFIXES[entry.tool])}) here",
                    ),
                )
            )
        for file in files:
            key = (os.path.realpath(file), entry.tool, entry.target_asset)
            if key in seen:
                continue
            seen.add(key)
            try:
                report = PARSERS[entry.tool](file)
            except OSError as exc:
                reason = f"cannot read: {exc.strerror or exc}"
                collected.rejections.append((entry, Rejection(str(file), None, reason)))
                continue
            started_from = "report"
            if report.started_at is None:
                report.started_at = _mtime(file)
                started_from = "file_mtime"
            if report.started_at is None:
                reason = "no start time in the report and none from the file: not counted"
                collected.rejections.extend((entry, r) for r in report.rejections)
                collected.rejections.append((entry, Rejection(str(file), None, reason)))
                continue
            if report.run_id is None:
                report.run_id = file.name[:128]
            collected.reports.append(CollectedReport(entry, report, started_from))
    return collected
