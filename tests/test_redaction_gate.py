"""Everything product code writes to Dagster passes the redaction gate: log lines through
`log_for(context)` and result metadata through `safe_metadata(...)`
(aisec_resources/redaction/dagster_io.py). A direct `context.log` call or a result built with
raw metadata fails here, before a planted key could reach the event log."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("aisec_assets", "aisec_jobs", "aisec_resources")
GATE = REPO / "aisec_resources" / "redaction" / "dagster_io.py"
RESULTS = {"MaterializeResult", "AssetCheckResult", "Output", "ObserveResult"}
# Loggers other than context.log allowed, with why: the warehouse resource logs only a wait time.
PLAIN_LOGGER_ALLOWED = {REPO / "aisec_resources" / "warehouse.py"}


def _modules() -> list[Path]:
    return sorted(p for pkg in PRODUCT for p in (REPO / pkg).rglob("*.py") if p != GATE)


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "log"
            and _name(node.value) == "context"
        ):
            found.append(f"{where}: context.log (use log_for)")
        if (
            isinstance(node, ast.Call)
            and _name(node.func) == "get_dagster_logger"
            and path not in PLAIN_LOGGER_ALLOWED
        ):
            found.append(f"{where}: get_dagster_logger")
        if isinstance(node, ast.Call) and _name(node.func) in RESULTS:
            for kw in node.keywords:
                if kw.arg == "metadata" and not (
                    isinstance(kw.value, ast.Call) and _name(kw.value.func) == "safe_metadata"
                ):
                    found.append(f"{where}: metadata not via safe_metadata")
    return found


def test_product_code_logs_and_reports_through_the_gate() -> None:
    violations = [v for path in _modules() for v in _violations(path)]
    assert violations == []


@pytest.mark.parametrize(
    "source",
    [
        "def f(context):\n    context.log.info('x')\n",
        "import dagster as dg\ndef f():\n    return dg.MaterializeResult(metadata={'a': 1})\n",
    ],
)
def test_the_gate_check_catches_a_bypass(tmp_path: Path, source: str) -> None:
    module = REPO / "aisec_jobs" / "_probe_for_gate_test.py"
    try:
        module.write_text(source, encoding="utf-8")
        assert _violations(module)
    finally:
        module.unlink(missing_ok=True)
