"""garak report JSONL (`<prefix>.report.jsonl`) → one result per probe x detector.

garak writes one JSON object per line, told apart by `entry_type` (garak/command.py,
garak/evaluators/base.py, garak/attempt.py):

- `start_run setup`: the run's configuration flattened to dotted keys — `transient.run_id`,
  `transient.starttime_iso`, `_config.version`, `plugins.target_type` / `plugins.target_name`
  (`plugins.model_type` / `plugins.model_name` before 0.13), `run.eval_threshold`;
- `init`: `garak_version`, `start_time`, `run` (the run id);
- `attempt`: one prompt and its outputs; written with `status` 1 when generated and again with
  `status` 2 once detectors scored it (`detector_results`: detector → one score in 0..1 per
  output, None when not scored); `prompt` is a conversation (`turns[].content.text`) since
  0.10, a string before; `outputs` are `{"text": ...}` messages (strings before);
- `eval`: per probe and detector, `passed`, `fails`, `nones`, `total_evaluated` (older
  reports: `passed` and `total`); detector names carried a `detector.` prefix and probe names
  a `probes.` prefix in some versions;
- `completion`, `digest`, `probe_summary`, `payload_init`, `plugin_cache`, ...: not needed.

Counts come from `eval` entries. A run cut short before its eval entries still has scored
attempts: their scores are counted instead (a score at or above the run's eval threshold,
0.5 by default, is a hit, as garak's ThresholdEvaluator judges). The excerpt of a failing
pair is its first hit. Every line is checked on its own: one that is not JSON, not an object,
or has a field of the wrong type is one rejection naming the line and field; reading goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aisec_assets.operations.redteam.model import ParsedReport, ProbeResult
from aisec_assets.operations.redteam.reading import iter_jsonl
from aisec_assets.operations.redteam.text import (
    attempt_excerpt,
    identifier,
    name,
    optional_text,
    record_excerpt,
)

TOOL = "garak"
SUFFIXES: tuple[str, ...] = (".report.jsonl",)
DEFAULT_EVAL_THRESHOLD = 0.5
# Distinct probe x detector pairs one report may hold (garak has a few hundred probes).
MAX_PAIRS = 20_000
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2200, 1, 1)

_PROBE_PREFIXES = ("probes.",)
_DETECTOR_PREFIXES = ("detectors.", "detector.")


class RecordError(ValueError):
    """A record of the wrong shape: the message names the field."""


def _strip(value: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def probe_name(value: Any, field: str) -> str:
    return _strip(name(value, field), _PROBE_PREFIXES)


def detector_name(value: Any, field: str) -> str:
    return _strip(name(value, field), _DETECTOR_PREFIXES)


def count(value: Any, field: str, *, required: bool = True) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{field} is {_type(value)}, not a whole number")
    if value < 0 or value > 10**15:
        raise RecordError(f"{field} = {value} is out of range")
    return value


def _type(value: Any) -> str:
    return "missing" if value is None else type(value).__name__


def parse_time(value: Any, field: str) -> datetime:
    """An ISO 8601 time as naive time (UTC when it carries an offset)."""
    if not isinstance(value, str) or len(value) > 64:
        raise RecordError(f"{field} is {_type(value)}, not an ISO 8601 time")
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RecordError(f"{field} is not an ISO 8601 time") from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    if not EARLIEST <= when < LATEST:
        raise RecordError(f"{field} = {when.isoformat()} is outside 2000..2199")
    return when


def _run_id(value: Any, field: str) -> str:
    if value is None:
        raise RecordError(f"{field} is missing")
    return identifier(value, field)


@dataclass
class _Scored:
    """Counts of one pair from scored attempts (used when the run has no eval entry)."""

    passed: int = 0
    failed: int = 0


class _Reader:
    def __init__(self, path: Path):
        self.report = ParsedReport(path=path, tool=TOOL)
        self.threshold = DEFAULT_EVAL_THRESHOLD
        self.evals: dict[tuple[str, str], ProbeResult] = {}
        self.scored: dict[tuple[str, str], _Scored] = {}
        self.excerpts: dict[tuple[str, str], str] = {}
        self.keys: set[tuple[str, str]] = set()
        self.setup_start: datetime | None = None
        self.init_start: datetime | None = None

    # -------------------------------------------------------------- entries

    def setup(self, entry: dict[str, Any]) -> None:
        # every field is checked before any is used: a bad line changes nothing
        run = entry.get("transient.run_id")
        run_id = None if run is None else _run_id(run, "transient.run_id")
        start = entry.get("transient.starttime_iso")
        started = None if start is None else parse_time(start, "transient.starttime_iso")
        threshold = entry.get("run.eval_threshold")
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                raise RecordError(f"run.eval_threshold is {_type(threshold)}, not a number")
            if not 0 < threshold <= 1:
                raise RecordError(f"run.eval_threshold = {threshold} is outside (0, 1]")
            self.threshold = float(threshold)
        target_type = entry.get("plugins.target_type", entry.get("plugins.model_type"))
        target_name = entry.get("plugins.target_name", entry.get("plugins.model_name"))
        parts = [optional_text(v, 100) for v in (target_type, target_name)]
        target = " ".join(p for p in parts if p)
        version = optional_text(entry.get("_config.version"), 40)
        report = self.report
        report.run_id = report.run_id or run_id
        self.setup_start = started or self.setup_start
        report.target_model = target or report.target_model
        report.tool_version = report.tool_version or version

    def init(self, entry: dict[str, Any]) -> None:
        version = entry.get("garak_version")
        text = optional_text(version, 40)
        if version is not None and text is None:
            raise RecordError(f"garak_version is {_type(version)}, not a version")
        start = entry.get("start_time")
        started = None if start is None else parse_time(start, "start_time")
        run = entry.get("run")
        run_id = None if run is None else _run_id(run, "run")
        self.report.tool_version = text or self.report.tool_version
        self.init_start = started or self.init_start
        self.report.run_id = run_id or self.report.run_id

    def evaluation(self, entry: dict[str, Any]) -> None:
        probe = probe_name(entry.get("probe"), "probe")
        detector = detector_name(entry.get("detector"), "detector")
        passed = count(entry.get("passed"), "passed")
        total = count(entry.get("total_evaluated"), "total_evaluated", required=False)
        if total is None:
            total = count(entry.get("total"), "total (or total_evaluated)")
        fails = count(entry.get("fails"), "fails", required=False)
        assert passed is not None and total is not None
        if passed > total:
            raise RecordError(f"passed = {passed} is more than total_evaluated = {total}")
        if fails is not None and fails != total - passed:
            raise RecordError(
                f"fails = {fails} does not match total_evaluated - passed = {total - passed}"
            )
        key = (probe, detector)
        result = self.evals.get(key)
        if result is None:
            self._room(key)
            result = self.evals[key] = ProbeResult(probe, detector, counted_from="eval")
        result.attempts += total
        result.failures += total - passed

    def attempt(self, entry: dict[str, Any]) -> None:
        status = entry.get("status")
        if isinstance(status, bool) or not isinstance(status, int):
            raise RecordError(f"status is {_type(status)}, not an attempt status")
        if status != 2:  # 1: generated, not yet scored; 0: new
            return
        probe = probe_name(entry.get("probe_classname"), "probe_classname")
        results = entry.get("detector_results")
        if not isinstance(results, dict):
            raise RecordError(f"detector_results is {_type(results)}, not an object")
        outputs = entry.get("outputs")
        if not isinstance(outputs, list):
            raise RecordError(f"outputs is {_type(outputs)}, not a list")
        checked: list[tuple[tuple[str, str], list[float | None]]] = []
        for raw_detector, scores in results.items():
            detector = detector_name(raw_detector, "detector_results key")
            if not isinstance(scores, list):
                raise RecordError(f"detector_results.{detector} is {_type(scores)}, not a list")
            values: list[float | None] = []
            for score in scores:
                if score is None:
                    values.append(None)
                elif isinstance(score, bool) or not isinstance(score, int | float):
                    raise RecordError(f"detector_results.{detector} holds {_type(score)}")
                elif not 0 <= score <= 1:
                    raise RecordError(f"detector_results.{detector} holds {score}, not in 0..1")
                else:
                    values.append(float(score))
            checked.append(((probe, detector), values))
        for key, _ in checked:
            self._room(key)
        for key, values in checked:
            scored = self.scored.get(key)
            if scored is None:
                scored = self.scored[key] = _Scored()
            for index, value in enumerate(values):
                if value is None:
                    continue
                if value >= self.threshold:
                    scored.failed += 1
                    if key not in self.excerpts:
                        self.excerpts[key] = attempt_excerpt(
                            prompt_text(entry.get("prompt")), output_text(outputs, index)
                        )
                else:
                    scored.passed += 1

    def _room(self, key: tuple[str, str]) -> None:
        if key in self.keys:
            return
        if len(self.keys) >= MAX_PAIRS:
            raise RecordError(
                f"more than {MAX_PAIRS} distinct probe x detector pairs in one report"
            )
        self.keys.add(key)

    # -------------------------------------------------------------- result

    def finish(self) -> ParsedReport:
        report = self.report
        report.started_at = self.init_start or self.setup_start
        keys = sorted(set(self.evals) | set(self.scored))
        for key in keys:
            result = self.evals.get(key)
            if result is None:
                scored = self.scored[key]
                result = ProbeResult(
                    key[0],
                    key[1],
                    attempts=scored.passed + scored.failed,
                    failures=scored.failed,
                    counted_from="attempts",
                )
            if result.failures > 0:
                result.excerpt = self.excerpts.get(key)
            report.results[key] = result
        return report


def prompt_text(prompt: Any) -> str | None:
    """The attacking text of an attempt's prompt: the last user turn of a conversation (garak
    0.10+), or the prompt string itself (earlier versions)."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, dict):
        turns = prompt.get("turns")
        if isinstance(turns, list):
            for turn in reversed(turns):
                if isinstance(turn, dict) and turn.get("role", "user") == "user":
                    return _message_text(turn.get("content"))
    return None


def output_text(outputs: list[Any], index: int) -> str | None:
    if not 0 <= index < len(outputs):
        return None
    return _message_text(outputs[index])


def _message_text(message: Any) -> str | None:
    if isinstance(message, str):
        return message
    if isinstance(message, dict) and isinstance(message.get("text"), str):
        return message["text"]
    return None


_HANDLERS = {
    "start_run setup": _Reader.setup,
    "init": _Reader.init,
    "eval": _Reader.evaluation,
    "attempt": _Reader.attempt,
}


def parse_garak_report(path: Path) -> ParsedReport:
    """Parse one garak report file. Raises OSError only when it cannot be opened at all."""
    reader = _Reader(path)
    report = reader.report
    for line in iter_jsonl(path):
        if line.problem is not None:
            report.reject(line.number or None, line.problem, _excerpt(line.raw))
            continue
        entry = line.value
        assert entry is not None
        kind = entry.get("entry_type")
        if not isinstance(kind, str):
            report.reject(
                line.number, f"entry_type is {_type(kind)}, not a string", _excerpt(line.raw)
            )
            continue
        handler = _HANDLERS.get(kind)
        if handler is None:
            continue
        try:
            handler(reader, entry)
        except (RecordError, ValueError) as exc:
            report.reject(line.number, f"{kind} entry: {exc}", _excerpt(line.raw))
    return reader.finish()


def _excerpt(raw: bytes) -> str | None:
    return record_excerpt(raw) if raw else None
