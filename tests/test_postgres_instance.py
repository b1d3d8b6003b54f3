"""The production Dagster instance: deploy/postgres/dagster.yaml, as shipped, on a real PostgreSQL.

The instance file is copied unchanged into a temporary DAGSTER_HOME; AISEC_DAGSTER_PG_URL points
it at a database created for this test (and dropped after it), so reruns start clean. The URL
keeps the scheme of AISEC_TEST_POSTGRES_URL, because the scheme is what picks the driver: with
SQLAlchemy 2.1 a bare `postgresql://` means psycopg 3, `postgresql+psycopg2://` psycopg2.

The test runs the concurrency writers job with the multiprocess executor, whose step processes
open the same instance from its reference, and then reads what Dagster stored straight from
PostgreSQL.
"""

import importlib.util
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import duckdb
import psycopg2
import pytest
import sqlalchemy
from conftest import DEPLOY_DIR
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage
from psycopg2 import sql
from warehouse_concurrency_defs import (
    JOB_NAME,
    TEST_SCHEMA,
    WRITER_NAMES,
    execute_writers_job,
    writers_run_config,
)

from aisec_resources.warehouse import POOL

INSTANCE_URL_ENV_VAR = "AISEC_DAGSTER_PG_URL"  # what deploy/postgres/dagster.yaml reads


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _libpq_url(url: str) -> str:
    """The URL for psycopg2/libpq, which knows `postgresql://` but not SQLAlchemy's `+driver`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


@pytest.fixture
def dagster_database_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server for the instance; dropped afterwards."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    database = f"aisec_dagster_test{'_' + worker if worker else ''}"
    admin = psycopg2.connect(_libpq_url(postgres_url))
    admin.autocommit = True

    def drop() -> None:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )

    try:
        drop()  # left over by an interrupted earlier run
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        yield _with_database(postgres_url, database)
    finally:
        drop()
        admin.close()


def test_documented_instance_url_form_has_its_driver_installed() -> None:
    # SQLAlchemy picks the DBAPI from the URL scheme; the form the deployment file tells
    # operators to use must resolve to a driver that this project installs.
    instance_yaml = DEPLOY_DIR / "postgres" / "dagster.yaml"
    examples = re.findall(r"#\s+(postgres(?:ql)?(?:\+\w+)?://\S+)", instance_yaml.read_text())
    assert examples, f"{instance_yaml} documents no example AISEC_DAGSTER_PG_URL"
    for example in examples:
        url = sqlalchemy.engine.make_url(example.replace("<password>", "pw"))
        try:
            url.get_dialect().import_dbapi()
        except ModuleNotFoundError as missing:
            installed = [m for m in ("psycopg2", "psycopg") if importlib.util.find_spec(m)]
            pytest.fail(
                f"{instance_yaml}: the documented URL form {url.drivername}:// needs the "
                f"'{missing.name}' driver under SQLAlchemy {sqlalchemy.__version__}, but only "
                f"{installed} is installed: pin psycopg[binary] or document "
                f"postgresql+psycopg2:// URLs",
                pytrace=False,
            )


@pytest.mark.postgres
def test_production_instance_stores_runs_and_events_in_postgres(
    dagster_database_url: str,
    make_dagster_home: Callable[[Path], Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    shipped = DEPLOY_DIR / "postgres" / "dagster.yaml"
    home = make_dagster_home(shipped)
    assert (home / "dagster.yaml").read_bytes() == shipped.read_bytes()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(INSTANCE_URL_ENV_VAR, dagster_database_url)
    warehouse_path = tmp_path / "warehouse" / "aisec.duckdb"
    writers = WRITER_NAMES[:2]

    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        result = execute_writers_job(
            instance, writers_run_config(warehouse_path, hold_seconds=0.1), writers
        )
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        run_id = result.run_id

    with psycopg2.connect(_libpq_url(dagster_database_url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT pipeline_name, status FROM runs WHERE run_id = %s", [run_id])
        assert cur.fetchall() == [(JOB_NAME, "SUCCESS")]
        cur.execute(
            "SELECT dagster_event_type, step_key, event FROM event_logs WHERE run_id = %s",
            [run_id],
        )
        events = cur.fetchall()

    # Event types as stored (the run events keep their old PIPELINE_* values).
    stored = Counter(event_type for event_type, _, _ in events)
    assert stored[dg.DagsterEventType.RUN_START.value] == 1
    assert stored[dg.DagsterEventType.RUN_SUCCESS.value] == 1

    def steps_with(event_type: dg.DagsterEventType) -> set[str]:
        return {step for stored_type, step, _ in events if stored_type == event_type.value}

    assert steps_with(dg.DagsterEventType.STEP_SUCCESS) == set(writers)
    assert steps_with(dg.DagsterEventType.ASSET_MATERIALIZATION) == set(writers)
    # The shipped pool limit is enforced through the PostgreSQL concurrency tables too.
    assert any(f"Step blocked by limit for pool {POOL}" in body for _, _, body in events)

    with duckdb.connect(str(warehouse_path), read_only=True) as warehouse:
        written = warehouse.execute(
            f"SELECT writer, count(*) FROM {TEST_SCHEMA}.written_rows WHERE run_id = ? "
            "GROUP BY writer",
            [run_id],
        ).fetchall()
    assert {writer for writer, count in written if count > 0} == set(writers)
