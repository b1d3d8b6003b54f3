"""Issue: no credential in clear text anywhere the product writes.

Every provider's key format (tests/planted_keys.py, built at run time) is planted in every
input channel of the demo estate — the declared registry (YAML and CSV, valid and invalid
values), Hugging Face model directories and cache (config.json fields named like secrets,
model cards), the AWS and Azure bundles (tags, environment variables, descriptions), and the
four LLM log sources (prompts, responses, unparseable lines). Then `aisec run` runs the real
jobs (multiprocess executor, SQLite-backed Dagster home, compute logs) and the test asserts
zero clear-text copies in the warehouse files, the Dagster home and the captured output — by
exact search for every planted key and by the independent audit (`aisec audit-secrets`).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from planted_keys import distinctive_parts, planted_keys

from aisec_jobs.demo_estate import generate_demo_estate
from aisec_resources.secret_audit import audit_paths, findings_in_text

pytestmark = pytest.mark.clock_independent

AS_OF = date(2026, 11, 28)
KEYS = planted_keys(seed=11)
PARTS = [part for key in KEYS.values() for part in distinctive_parts(key)]
PLANTED_TEXT = "creds: " + " ; ".join(KEYS.values())
# Fields whose string values get the planted text (free text in every format we read).
TEXT_FIELDS = {"description", "text", "content", "inputText", "instruction", "stringValue"}
# Fields holding JSON as text (Azure API Management's gateway log).
JSON_TEXT_FIELDS = {"RequestMessages", "ResponseMessages"}
PER_FILE = 3  # planted fields per file: enough to reach every channel, few enough to keep
# most records intact


def _plant_in(value: Any, budget: list[int]) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in TEXT_FIELDS and isinstance(v, str) and budget[0] > 0:
                budget[0] -= 1
                out[k] = f"{v} {PLANTED_TEXT}"
            elif k in JSON_TEXT_FIELDS and isinstance(v, str):
                try:
                    out[k] = json.dumps(_plant_in(json.loads(v), budget))
                except json.JSONDecodeError:  # the gateway cut it short: plant as text
                    out[k] = f"{v} {PLANTED_TEXT}"
            else:
                out[k] = _plant_in(v, budget)
        if "Environment" in out and isinstance(out["Environment"], dict):
            out["Environment"] = {**out["Environment"], "OPENAI_API_KEY": KEYS["openai_project"]}
        if "tags" in out and isinstance(out["tags"], dict):
            out["tags"] = {**out["tags"], "note": PLANTED_TEXT}
        return out
    if isinstance(value, list):
        return [_plant_in(v, budget) for v in value]
    return value


def _rewrite_json(path: Path, opener: Callable[..., Any]) -> None:
    with opener(path, "rt", encoding="utf-8") as fh:
        text = fh.read()
    budget = [PER_FILE]
    try:
        whole: Any = json.loads(text)
    except json.JSONDecodeError:
        whole = None  # JSON lines (Bedrock writes them into .json.gz objects)
    if whole is None:
        lines = [json.dumps(_plant_in(json.loads(line), budget)) for line in text.splitlines()]
        lines.append('{"unterminated": "' + PLANTED_TEXT)  # an unparseable record
        out = "\n".join(lines) + "\n"
    else:
        out = json.dumps(_plant_in(whole, budget))
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write(out)


def _plant_registry(root: Path) -> None:
    registry = yaml.safe_load((root / "registry.yaml").read_text())
    entries = registry["assets"]
    entries[0]["description"] += f" {PLANTED_TEXT}"
    entries[1]["data_classification"] = PLANTED_TEXT  # invalid: quoted in a rejection
    entries[2]["owner_email"] = KEYS["huggingface"]
    entries.append({"name": "leaky-entry", "asset_type": "api_endpoint", "api_key": PLANTED_TEXT})
    (root / "registry.yaml").write_text(yaml.safe_dump(registry, sort_keys=False))
    with (root / "registry.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    extra = dict.fromkeys(header, "")
    extra.update(name="leaky-csv-entry", asset_type="api_endpoint", description=PLANTED_TEXT)
    extra["data_classification"] = KEYS["aws_secret_access_key"]
    rows.append([extra[h] for h in header])
    with (root / "registry.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _plant_model_files(root: Path) -> None:
    for config in [
        *root.glob("models/*/*/config.json"),
        *root.glob("hf-cache/hub/*/snapshots/*/config.json"),
    ]:
        real = config.resolve()  # cache snapshots link into blobs/
        data = json.loads(real.read_text())
        data.update(
            api_key=KEYS["openai_legacy"],
            aws_secret_access_key=KEYS["aws_secret_access_key"],
            private_key=KEYS["google_service_account_key"],
            note=PLANTED_TEXT,
        )
        real.write_text(json.dumps(data))
    for card in [
        *root.glob("models/*/*/README.md"),
        *root.glob("hf-cache/hub/*/snapshots/*/README.md"),
    ]:
        real = card.resolve()
        real.write_text(real.read_text() + f"\n\nDeploy with {PLANTED_TEXT}\n")


def plant_everywhere(root: Path) -> None:
    _plant_registry(root)
    _plant_model_files(root)
    for path in sorted((root / "aws").rglob("*.json")) + sorted((root / "azure").rglob("*.json")):
        _rewrite_json(path, open)
    for path in sorted((root / "llm-logs").rglob("*")):
        if path.name.endswith((".json.gz", ".jsonl.gz")):
            _rewrite_json(path, gzip.open)
        elif path.name.endswith((".json", ".jsonl")) and path.name != "manifest.json":
            _rewrite_json(path, open)


def _text_columns(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return conn.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE NOT internal AND schema_name NOT IN ('information_schema', 'pg_catalog') "
        "AND (data_type IN ('VARCHAR', 'JSON') OR data_type LIKE '%[]' "
        "OR data_type LIKE 'STRUCT%' OR data_type LIKE 'MAP%')"
    ).fetchall()


def _duckdb_texts(path: Path) -> Iterator[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        for schema, table, column in _text_columns(conn):
            rows = conn.execute(
                f'SELECT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}" '
                f'WHERE "{column}" IS NOT NULL'
            ).fetchall()
            for (value,) in rows:
                yield f"{path}:{schema}.{table}.{column}", value


def _sqlite_texts(path: Path) -> Iterator[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.text_factory = lambda b: b.decode("utf-8", "replace")
    try:
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        ).fetchall():
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str):
                        yield f"{path}:{table}", value
    finally:
        conn.close()


def _all_texts(roots: list[Path]) -> Iterator[tuple[str, str]]:
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            head = path.read_bytes()[:16]
            if head.startswith(b"SQLite format 3"):
                yield from _sqlite_texts(path)
            elif head[8:12] == b"DUCK":
                yield from _duckdb_texts(path)
            else:
                yield str(path), path.read_bytes().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("planted")
    estate = base / "demo"
    generate_demo_estate(estate, as_of=AS_OF)
    plant_everywhere(estate)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(base / "dagster_home"),
        "AISEC_CONFIG": str(estate / "aisec.yaml"),
    }
    aisec = [sys.executable, "-m", "aisec_jobs.cli"]
    run = subprocess.run(
        [*aisec, "run", "--as-of", AS_OF.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=base,
    )
    audit = subprocess.run(
        [*aisec, "audit-secrets"], env=env, capture_output=True, text=True, timeout=300, cwd=base
    )
    return {
        "estate": estate,
        "warehouse": base / "warehouse",
        "dagster_home": base / "dagster_home",
        "run": run,
        "audit": audit,
    }


def test_the_planted_run_completes_and_reads_the_planted_inputs(planted_run: dict) -> None:
    run = planted_run["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    warehouse = planted_run["warehouse"] / "aisec.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        # the planted text reached every channel (and was masked there)
        by_source = dict(
            conn.execute(
                "SELECT source, count(*) FROM discovery.discovered_assets "
                "WHERE raw LIKE '%<redacted:%' OR description LIKE '%<redacted:%' "
                "OR posture LIKE '%<redacted:%' GROUP BY source"
            ).fetchall()
        )
        for channel in ("declared_registry", "huggingface", "aws_", "azure"):
            assert any(source.startswith(channel) for source in by_source), (channel, by_source)
        events = dict(
            conn.execute(
                "SELECT source, count(*) FROM monitoring.llm_events "
                "WHERE raw LIKE '%<redacted:%' GROUP BY source"
            ).fetchall()
        )
        assert len(events) == 4, events
        (rejections,) = conn.execute(
            "SELECT count(*) FROM monitoring.llm_events_rejected WHERE excerpt LIKE '%<redacted:%'"
        ).fetchone()
        assert rejections >= 4
        (registry_rejections,) = conn.execute(
            "SELECT count(*) FROM discovery.rejected_records WHERE reason LIKE '%<redacted:%' "
            "OR excerpt LIKE '%<redacted:%'"
        ).fetchone()
        assert registry_rejections >= 1


def test_no_planted_key_survives_in_warehouse_dagster_home_or_output(planted_run: dict) -> None:
    run = planted_run["run"]
    roots = [planted_run["warehouse"], planted_run["dagster_home"]]
    texts = [*_all_texts(roots), ("stdout", run.stdout), ("stderr", run.stderr)]
    assert len(texts) > 100
    leaks = sorted(
        {
            (where, name)
            for where, text in texts
            for name, key in KEYS.items()
            for part in distinctive_parts(key)
            if part in text
        }
    )
    assert leaks == []


def test_the_independent_audit_finds_nothing(planted_run: dict) -> None:
    findings, files = audit_paths([planted_run["warehouse"], planted_run["dagster_home"]])
    assert files > 3
    assert [str(f) for f in findings] == []
    run = planted_run["run"]
    assert list(findings_in_text(run.stdout + run.stderr)) == []
    audit = planted_run["audit"]
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "no clear-text credential" in audit.stdout


def test_the_audit_cli_reports_a_leak_without_printing_it(tmp_path: Path) -> None:
    leaked = tmp_path / "leaked.log"
    leaked.write_text(f"worker started with token {KEYS['github_classic']}\n")
    audit = subprocess.run(
        [sys.executable, "-m", "aisec_jobs.cli", "audit-secrets", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audit.returncode == 1
    assert "github_token" in audit.stdout and str(leaked) in audit.stdout
    assert KEYS["github_classic"] not in audit.stdout + audit.stderr
