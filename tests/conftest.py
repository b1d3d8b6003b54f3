"""Shared pytest fixtures. Keep each one small and generic; group new ones under a heading."""

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DEPLOY_DIR = REPO_ROOT / "deploy"
# Seconds per test file, measured (.ci/future_clock.py writes them from a run's junit reports).
TEST_WEIGHTS = REPO_ROOT / ".ci" / "test_weights.json"

# ------------------------------------------------------------------ collection order


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The heaviest test files first (stable within a file): `pytest -n 2` hands tests out in
    collection order, and a whole-pipeline test collected last keeps one worker busy for
    minutes after the other has run out of work."""
    if not TEST_WEIGHTS.is_file():
        return
    weights: dict[str, float] = json.loads(TEST_WEIGHTS.read_text(encoding="utf-8"))
    items.sort(key=lambda item: -weights.get(item.path.name, 0.0))


# ------------------------------------------------------------------ Dagster instances


@pytest.fixture
def make_dagster_home(tmp_path: Path) -> Callable[[Path], Path]:
    """A factory: `make_dagster_home(instance_yaml)` -> a fresh DAGSTER_HOME directory in tmp.

    The instance file is copied unchanged (e.g. `DEPLOY_DIR / "local" / "dagster.yaml"`), so a
    test exercises exactly the configuration that ships.
    """
    created = 0

    def make(instance_yaml: Path) -> Path:
        nonlocal created
        created += 1
        home = tmp_path / f"dagster_home_{created}"
        home.mkdir()
        shutil.copyfile(instance_yaml, home / "dagster.yaml")
        return home

    return make


# ------------------------------------------------------------------ external services

POSTGRES_URL_ENV_VAR = "AISEC_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL named by AISEC_TEST_POSTGRES_URL (e.g. postgresql://postgres@host/test).

    Unset: the test is skipped locally, but fails under CI=true, where a silently skipped
    PostgreSQL suite would hide a broken pipeline configuration.
    """
    url = os.environ.get(POSTGRES_URL_ENV_VAR, "").strip()
    if url:
        return url
    reason = f"{POSTGRES_URL_ENV_VAR} is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)"
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the PostgreSQL tests to run", pytrace=False)
    pytest.skip(reason)
