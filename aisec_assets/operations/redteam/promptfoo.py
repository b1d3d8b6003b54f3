"""promptfoo results JSON (`promptfoo eval -o results.json`, also what `promptfoo redteam run`
writes) → one result per red-team plugin x strategy.

The document (output format version 3, promptfoo site/docs/configuration/outputs.md):
`{"evalId", "results": {"version", "timestamp", "prompts", "results": [...], "stats"},
"config", "metadata": {"promptfooVersion", "evaluationCreatedAt", ...}}`. Each element of
`results.results` is one test case run against one provider: `success` (the test passed:
for a red-team test, the attack failed), `gradingResult` (`pass`, `reason`), `provider`
(`id`, `label`), `prompt.raw`, `vars`, `response.output`, `error` / `failureReason` (2 =
an error, not a graded failure), and `metadata` (copied from the test case) with
`pluginId` and `strategyId` for tests that `promptfoo redteam generate` wrote.

The probe is the plugin (`metadata.pluginId`; `eval` for a plain eval test without one) and
the detector the strategy (`metadata.strategyId`, `basic` when none). Results that errored
are not attempts (nothing was graded). Each element is checked on its own: a wrong type is
one rejection naming its line and field; the walk goes on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aisec_assets.operations.redteam.garak import RecordError, parse_time
from aisec_assets.operations.redteam.model import ParsedReport, ProbeResult
from aisec_assets.operations.redteam.reading import MAX_DOCUMENT_BYTES as _MAX_BYTES
from aisec_assets.operations.redteam.reading import (
    DocumentError,
    JsonDocument,
    over_file_cap,
    read_document,
)
from aisec_assets.operations.redteam.text import (
    attempt_excerpt,
    identifier,
    name,
    optional_text,
    record_excerpt,
)

TOOL = "promptfoo"
SUFFIXES: tuple[str, ...] = (".json",)
MAX_PAIRS = 20_000
DEFAULT_PROBE = "eval"
DEFAULT_STRATEGY = "basic"
ERROR_FAILURE_REASON = 2


def _type(value: Any) -> str:
    return "missing" if value is None else type(value).__name__


def _metadata(element: dict[str, Any]) -> dict[str, Any]:
    for holder in (element, element.get("testCase")):
        if isinstance(holder, dict):
            meta = holder.get("metadata")
            if meta is not None and not isinstance(meta, dict):
                raise RecordError(f"metadata is {_type(meta)}, not an object")
            if meta and ("pluginId" in meta or "strategyId" in meta):
                return meta
    meta = element.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _outcome(element: dict[str, Any]) -> bool | None:
    """True = passed (attack failed), False = failed (attack succeeded), None = errored."""
    reason = element.get("failureReason")
    if reason is not None and (isinstance(reason, bool) or not isinstance(reason, int)):
        raise RecordError(f"failureReason is {_type(reason)}, not a number")
    if reason == ERROR_FAILURE_REASON:
        return None
    success = element.get("success")
    if success is None:
        grading = element.get("gradingResult")
        if isinstance(grading, dict):
            success = grading.get("pass")
        elif grading is not None:
            raise RecordError(f"gradingResult is {_type(grading)}, not an object")
    if not isinstance(success, bool):
        if success is None and isinstance(element.get("error"), str):
            return None
        raise RecordError(f"success is {_type(success)}, not true or false")
    return success


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if value is None:
        return None
    try:
        return json.dumps(value, default=str)[:4096]
    except (TypeError, ValueError, RecursionError):
        return None


def _prompt(element: dict[str, Any]) -> str | None:
    prompt = element.get("prompt")
    if isinstance(prompt, dict) and isinstance(prompt.get("raw"), str):
        return prompt["raw"]
    if isinstance(prompt, str):
        return prompt
    variables = element.get("vars")
    if isinstance(variables, dict):
        for key in ("prompt", "query", "input"):
            if isinstance(variables.get(key), str):
                return variables[key]
    return None


def _output(element: dict[str, Any]) -> str | None:
    response = element.get("response")
    if isinstance(response, dict):
        return _text(response.get("output"))
    return None


def _provider(element: dict[str, Any]) -> str | None:
    provider = element.get("provider")
    if isinstance(provider, dict):
        return optional_text(provider.get("label") or provider.get("id"), 100)
    return optional_text(provider, 100)


def parse_promptfoo_results(path: Path, max_bytes: int | None = None) -> ParsedReport:
    """Parse one promptfoo results document. Raises OSError only when it cannot be read."""
    report = ParsedReport(path=path, tool=TOOL)
    cap = _MAX_BYTES if max_bytes is None else max_bytes
    text, cut = read_document(path, cap)
    if cut:
        report.reject(None, over_file_cap(cap) + "; a cut document cannot be parsed")
        return report
    doc = JsonDocument(text)
    providers: dict[str, int] = {}
    try:
        for element in doc.elements(("results", "results")):
            if element.problem is not None:
                report.reject(element.line, element.problem, record_excerpt(element.raw))
                continue
            try:
                _add(report, element.value, providers)
            except (RecordError, ValueError) as exc:
                report.reject(element.line, f"results[]: {exc}", record_excerpt(element.raw))
    except DocumentError as exc:
        report.reject(exc.line, f"not a promptfoo results document: {exc}")
    _header(report, doc.header)
    if providers:
        report.target_model = max(sorted(providers), key=lambda p: providers[p])
    return report


def _add(report: ParsedReport, element: Any, providers: dict[str, int]) -> None:
    if not isinstance(element, dict):
        raise RecordError(f"an element is {_type(element)}, not an object")
    meta = _metadata(element)
    plugin = meta.get("pluginId")
    strategy = meta.get("strategyId")
    probe = DEFAULT_PROBE if plugin is None else name(plugin, "metadata.pluginId")
    detector = DEFAULT_STRATEGY if strategy is None else name(strategy, "metadata.strategyId")
    outcome = _outcome(element)
    provider = _provider(element)
    key = (probe, detector)
    result = report.results.get(key)
    if result is None:
        if len(report.results) >= MAX_PAIRS:
            raise RecordError(f"more than {MAX_PAIRS} distinct plugin x strategy pairs")
        result = report.results[key] = ProbeResult(probe, detector, counted_from="results")
    if provider:
        providers[provider] = providers.get(provider, 0) + 1
    if outcome is None:
        return
    result.attempts += 1
    if not outcome:
        result.failures += 1
        if result.excerpt is None:
            result.excerpt = attempt_excerpt(_prompt(element), _output(element))


def _header(report: ParsedReport, header: dict[str, Any]) -> None:
    """Run id, start and version from the document's other members; a bad one is a
    rejection of the file's header (line 1), the results stay."""
    eval_id = header.get("evalId")
    try:
        if eval_id is not None:
            report.run_id = identifier(eval_id, "evalId")
    except ValueError as exc:
        report.reject(1, f"header: {exc}")
    meta = header.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    for field, value in (
        ("results.timestamp", header.get("results.timestamp")),
        ("metadata.evaluationCreatedAt", meta.get("evaluationCreatedAt")),
    ):
        if value is None:
            continue
        try:
            report.started_at = parse_time(value, field)
            break
        except RecordError as exc:
            report.reject(1, f"header: {exc}")
    report.tool_version = optional_text(meta.get("promptfooVersion"), 40)
