"""Clear-text credential patterns (data in secret_patterns.yaml) and a warehouse-wide scan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import yaml

PATTERNS_FILE = Path(__file__).with_name("secret_patterns.yaml")


@dataclass(frozen=True)
class SecretPattern:
    id: str
    title: str
    regex: str
    prefixes: tuple[str, ...]


@cache
def load_patterns(path: Path = PATTERNS_FILE) -> tuple[SecretPattern, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    patterns = []
    for i, item in enumerate(data.get("patterns", [])):
        missing = {"id", "title", "regex", "prefixes"} - set(item)
        if missing:
            raise ValueError(f"{path}: patterns[{i}]: missing {sorted(missing)}")
        try:
            re.compile(item["regex"])
        except re.error as exc:
            raise ValueError(f"{path}: patterns[{i}] ({item['id']}): bad regex: {exc}") from None
        prefixes = item["prefixes"]
        if (
            not isinstance(prefixes, list)
            or not prefixes
            or not all(isinstance(p, str) and p for p in prefixes)
        ):
            raise ValueError(f"{path}: patterns[{i}] ({item['id']}): prefixes must be a list")
        patterns.append(SecretPattern(item["id"], item["title"], item["regex"], tuple(prefixes)))
    return tuple(patterns)


@cache
def _combined() -> re.Pattern[str]:
    return re.compile("|".join(f"(?P<{p.id}>{p.regex})" for p in load_patterns()))


@cache
def _prefilter() -> re.Pattern[str]:
    prefixes = sorted({x for p in load_patterns() for x in p.prefixes}, key=len, reverse=True)
    return re.compile("|".join(re.escape(x) for x in prefixes))


def mask_secrets(text: str) -> str:
    """`text` with every credential-shaped run replaced by `<redacted:pattern id>`.

    Every pattern starts with a known literal, so text without any of them (nearly all text)
    is returned after one cheap literal scan instead of the full pattern set.
    """
    if _prefilter().search(text) is None:
        return text
    return _combined().sub(lambda m: f"<redacted:{m.lastgroup}>", text)


@dataclass(frozen=True)
class SecretHit:
    table: str
    column: str
    pattern_id: str
    rows: int


def scan_warehouse_for_secrets(
    conn: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] | None = None
) -> list[SecretHit]:
    """Every (table, column, pattern) with rows holding a clear-text credential.

    Text-like columns (VARCHAR, JSON, lists and structs cast to text) of every base table are
    scanned. Identifiers come from the catalog and are quoted; patterns are bound parameters.
    """
    columns = conn.execute(
        """
        SELECT c.schema_name, c.table_name, c.column_name
        FROM duckdb_columns() c
        JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
        WHERE NOT t.temporary AND c.schema_name NOT IN ('information_schema', 'pg_catalog')
          AND (c.data_type IN ('VARCHAR', 'JSON') OR c.data_type LIKE '%[]'
               OR c.data_type LIKE 'STRUCT%' OR c.data_type LIKE 'MAP%')
        ORDER BY ALL
        """
    ).fetchall()
    hits: list[SecretHit] = []
    patterns = load_patterns()
    for schema, table, column in columns:
        if schemas is not None and schema not in schemas:
            continue
        qualified = f'"{schema}"."{table}"'
        quoted_col = f'"{column}"'
        for pattern in patterns:
            count = conn.execute(
                f"SELECT count(*) FROM {qualified} "
                f"WHERE regexp_matches(CAST({quoted_col} AS VARCHAR), ?)",
                [pattern.regex],
            ).fetchone()
            if count and count[0]:
                hits.append(SecretHit(f"{schema}.{table}", column, pattern.id, int(count[0])))
    return hits
