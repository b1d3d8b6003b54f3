"""The analysts' notebooks (notebooks/*.ipynb) run top to bottom on a demo warehouse, with
nbclient and the venv's own `python3` kernel, and render their plots; a notebook that breaks
fails here. They are committed without outputs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from aisec_jobs.demo_estate import generate_demo_estate

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NAMES = ("risk_posture", "detection_triage", "compliance_status")
AISEC = Path(sys.executable).with_name("aisec")
AS_OF = date(2026, 11, 28)
PLOTLY = "application/vnd.plotly.v1+json"
WAREHOUSE_VARS = ("AISEC_WAREHOUSE", "AISEC_HOME", "AISEC_CONFIG")
# The notebooks read no clock (their day is the warehouse's latest assessed day) and the demo is
# built for a fixed day, whose run under the moved clock test_cli covers: the future-clock rerun
# skips this module (a demo build and four kernels).
pytestmark = pytest.mark.clock_independent


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo warehouse for every notebook, built the way `make demo` builds it: `aisec run`
    (main job, monitoring over the traffic days, incidents, the demo incident walkthrough)."""
    home = tmp_path_factory.mktemp("notebooks") / "home"
    config = generate_demo_estate(home / "demo", as_of=AS_OF)
    env = {k: v for k, v in os.environ.items() if k not in ("AISEC_CONFIG", "DAGSTER_HOME")}
    env["AISEC_HOME"] = str(home)
    # The run's output goes to a file, not a pipe: the `tail` processes Dagster mirrors step
    # logs with inherit it, and one left behind would keep a pipe open after the run ends.
    log = home / "aisec-run.log"
    with log.open("w") as out:
        done = subprocess.run(
            [
                str(AISEC),
                "run",
                "--as-of",
                AS_OF.isoformat(),
                "--in-process",
                "--config",
                str(config),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=900,
            check=False,
        )
    assert done.returncode == 0, log.read_text()[-5000:]
    warehouse = home / "warehouse" / "aisec.duckdb"
    assert warehouse.exists()
    return warehouse


def execute(path: Path, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook as Jupyter would from `cwd`; a cell that raises fails the run."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        startup_timeout=120,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode):
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            yield cell, output


def test_notebooks_run_top_to_bottom_on_the_demo(
    demo_warehouse: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    subtests: pytest.Subtests,
) -> None:
    # The three ways a notebook finds the warehouse, one each: the demo's .aisec in the checkout
    # above the notebook's folder (`jupyter lab notebooks/` after `make demo`), $AISEC_WAREHOUSE,
    # and $AISEC_HOME.
    checkout = tmp_path / "checkout"
    (checkout / ".aisec" / "warehouse").mkdir(parents=True)
    (checkout / "notebooks").mkdir()
    (checkout / ".aisec" / "warehouse" / "aisec.duckdb").symlink_to(demo_warehouse)
    ways = {
        "risk_posture": ({}, checkout / "notebooks", checkout / ".aisec/warehouse/aisec.duckdb"),
        "detection_triage": ({"AISEC_WAREHOUSE": str(demo_warehouse)}, tmp_path, demo_warehouse),
        "compliance_status": (
            {"AISEC_HOME": str(demo_warehouse.parents[1])},
            NOTEBOOKS,
            demo_warehouse,
        ),
    }
    for name in NAMES:
        with subtests.test(notebook=name):
            env, cwd, expected = ways[name]
            for var in WAREHOUSE_VARS:
                monkeypatch.delenv(var, raising=False)
            for var, value in env.items():
                monkeypatch.setenv(var, value)
            started = time.monotonic()
            notebook = execute(NOTEBOOKS / f"{name}.ipynb", cwd)
            print(f"{name}: {time.monotonic() - started:.1f}s")
            errors = [o for _, o in outputs(notebook) if o.output_type == "error"]
            stderr = [o.text for _, o in outputs(notebook) if o.get("name") == "stderr"]
            assert not errors and not stderr, (errors, stderr)
            printed = "".join(o.text for _, o in outputs(notebook) if o.get("name") == "stdout")
            assert f"warehouse: {expected}\n" in printed
            # Every cell that shows a figure rendered one that needs no network: the plotly
            # mimetype with its data (JupyterLab), and HTML for other viewers, with plotly.js
            # embedded once per notebook instead of loaded from its CDN. (The HTML also names
            # MathJax's CDN, which only LaTeX in titles would need.)
            figure_cells = [c for c in notebook.cells if "fig.show()" in c.source]
            assert len(figure_cells) >= 3
            for cell in figure_cells:
                (figure,) = [o for o in cell.outputs if PLOTLY in o.get("data", {})]
                assert figure.data[PLOTLY]["data"], cell.id
                assert "cdn.plot.ly" not in figure.data.get("text/html", "")
            assert any(
                "text/html" in o.get("data", {}) and "plotly.js" in o.data["text/html"]
                for _, o in outputs(notebook)
            )


def test_notebooks_are_committed_without_outputs() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
    for name in NAMES:
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata.kernelspec.name == "python3"
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (name, cell.id)


def test_python3_kernel_is_the_venvs_own() -> None:
    """nbclient's `python3` kernel runs this very interpreter (the venv with duckdb, plotly and
    the project), from the kernel spec installed into the venv, not one found elsewhere."""
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve())
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import sys, duckdb, plotly\nprint(sys.executable)")]
    )
    NotebookClient(notebook, kernel_name="python3", timeout=60, startup_timeout=120).execute()
    (output,) = notebook.cells[0].outputs
    assert Path(output.text.strip()) == Path(sys.executable)
    assert shutil.which("jupyter", path=str(Path(sys.executable).parent)), (
        "jupyter (from jupyterlab, the notebooks extra) is not installed in the venv"
    )
