"""An audit for clear-text credentials that does not trust the redaction gate.

`aisec_resources.redaction` masks what aisec writes; this module checks the result with
detectors of its own (written separately and deliberately looser, so a format the gate misses
is still found): provider key formats by prefix, an entropy test for the unprefixed 40-character
AWS secret access key, and values assigned to secret-named fields. It scans the DuckDB
warehouse (every text-like column of every table), SQLite stores (Dagster's run and event log
storage), and any other file as text (compute logs, stderr captures). A finding names where and
what kind, with a fingerprint of the value (SHA-256 prefix), never the value.

The blocking `no_clear_text_secrets` check and `aisec audit-secrets` run it.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
from plotly.offline import get_plotlyjs

# Loose on purpose (see the module docstring); the gate's own formats are in
# redaction/provider_formats.yaml and are not read here.
_FORMATS: dict[str, str] = {
    "openai_key": r"\bsk-(?:proj|svcacct|admin|None)-[\w-]{16,}|\bsk-[A-Za-z0-9]{32,}",
    "anthropic_key": r"\bsk-ant-[\w-]{20,}",
    "aws_access_key_id": r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b",
    "azure_ai_key": r"[A-Za-z0-9]{52}JQQJ99[A-Za-z0-9]{26}",
    "google_api_key": r"\bAIza[\w-]{35}",
    "huggingface_token": r"\b(?:hf|api_org)_[A-Za-z0-9]{25,}",
    "github_token": r"\b(?:gh[pousr]_[A-Za-z0-9_]{30,}|github_pat_\w{22,})",
    "slack_token": r"\bxox[abposr]-[\w-]{10,}",
    "private_key": r"PRIVATE KEY-----(?:\\[rn]|\s)*[A-Za-z0-9+/=]{32,}",
    "jwt": r"\beyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}",
}
_FORMAT_RE = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _FORMATS.items()))
_FORTY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_SECRET_FIELD = re.compile(
    r"""(?i)["']?(?P<name>[a-z0-9_.-]*(?:password|passwd|secret|api[_-]?key|apikey|access[_-]?key"""
    r"""|private[_-]?key|token|credential)s?)["']?\s*[:=]\s*["']?(?P<value>[^"'\s,;}\]]{8,})"""
)
# Values a secret-named field may hold that are not secrets.
_NOT_A_SECRET = re.compile(
    r"^(?:<redacted|\*{3}|\$\{|arn:|kfp_|true$|false$|null$|none$|\d+$)", re.IGNORECASE
)
# What DuckDB fetches for the Python scan (RE2 syntax): anything a detector above could match.
CANDIDATE_RE2 = (
    r"sk-|AKIA|ASIA|ABIA|ACCA|A3T|JQQJ99|AIza|hf_|api_org_|gh[pousr]_|github_pat_|xox|"
    r"PRIVATE KEY|eyJ|[A-Za-z0-9/+]{40}|"
    r"(?i:(password|passwd|secret|api.?key|access.?key|private.?key|token|credential)s?)"
    r"[\"']?\s*[:=]"
)
# AWS secret keys: 40 random base64 characters (upper, lower and digits all but certain,
# about 4.8 bits per character); paths and identifiers of that length score lower.
MIN_ENTROPY_40 = 4.3
MAX_TEXT_FILE_BYTES = 1 << 30
# HTML files up to this size are read whole to cut out an embedded plotly.js (about 5 MB).
MAX_EMBEDDING_FILE_BYTES = 64 << 20
_CHUNK = 4 << 20
_OVERLAP = 4096


@dataclass(frozen=True)
class SecretFinding:
    location: str  # file, file:table.column, or schema.table.column
    detector: str
    fingerprint: str  # sha256 prefix of the value: matches across locations, reveals nothing

    def __str__(self) -> str:
        return f"{self.location}: {self.detector} (fingerprint {self.fingerprint})"


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:12]


def _entropy(text: str) -> float:
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def findings_in_text(text: str) -> Iterator[tuple[str, str]]:
    """(detector, value) for every clear-text credential in `text`."""
    for m in _FORMAT_RE.finditer(text):
        yield str(m.lastgroup), m[0]
    for m in _FORTY.finditer(text):
        token = m[0]
        if (
            re.search(r"[A-Z]", token)
            and re.search(r"[a-z]", token)
            and re.search(r"[0-9]", token)
            and _entropy(token) >= MIN_ENTROPY_40
        ):
            yield "high_entropy_40", token
    for m in _SECRET_FIELD.finditer(text):
        value = m["value"]
        if not _NOT_A_SECRET.match(value):
            yield f"secret_field:{m['name'].lower()[:40]}", value


def _collect(location: str, texts: Iterable[str]) -> list[SecretFinding]:
    seen: dict[tuple[str, str], SecretFinding] = {}
    for text in texts:
        for detector, value in findings_in_text(text):
            finding = SecretFinding(location, detector, _fingerprint(value))
            seen.setdefault((detector, finding.fingerprint), finding)
    return list(seen.values())


def audit_duckdb(conn: duckdb.DuckDBPyConnection, label: str = "") -> list[SecretFinding]:
    """Findings in every text-like column (text, JSON, lists and structs as text) of every
    base table. Identifiers come from the catalog, quoted; the candidate pattern is bound."""
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
    findings: list[SecretFinding] = []
    for schema, table, column in columns:
        quoted = f'"{schema}"."{table}"'
        text = f'CAST("{column}" AS VARCHAR)'
        rows = conn.execute(
            f"SELECT {text} FROM {quoted} WHERE regexp_matches({text}, ?)", [CANDIDATE_RE2]
        ).fetchall()
        where = f"{label}{':' if label else ''}{schema}.{table}.{column}"
        findings += _collect(where, (r[0] for r in rows if r[0]))
    return findings


def audit_sqlite(path: Path) -> list[SecretFinding]:
    """Findings in every text or blob value of every table of a SQLite file (read-only)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.text_factory = lambda b: b.decode("utf-8", "replace")
    findings: list[SecretFinding] = []
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for col in cols:
                values = conn.execute(
                    f'SELECT "{col}" FROM "{table}" WHERE typeof("{col}") IN (\'text\', \'blob\')'
                )
                texts = (
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                    for (v,) in values
                )
                findings += _collect(f"{path}:{table}.{col}", texts)
    finally:
        conn.close()
    return findings


def _text_chunks(path: Path) -> Iterator[str]:
    with path.open("rb") as fh:
        tail = b""
        read = 0
        while read < MAX_TEXT_FILE_BYTES:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            read += len(chunk)
            # Chunks overlap so a credential across a chunk boundary is still whole in one.
            yield (tail + chunk).decode("utf-8", "replace")
            tail = chunk[-_OVERLAP:]


def _kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head[8:12] == b"DUCK":
        return "duckdb"
    return "text"


@cache
def _plotly_js() -> bytes:
    """The plotly.js bundle the installed plotly embeds in the program dashboard."""
    return get_plotlyjs().encode("utf-8")


def _without_plotly_js(path: Path) -> str | None:
    """The file's text with the embedded plotly.js library cut out, when it embeds exactly the
    installed bundle: library code (`credentials:e.credentials`) is not a credential, and
    everything else in the file — the charts' data included — is still scanned."""
    if path.stat().st_size > MAX_EMBEDDING_FILE_BYTES:
        return None
    data = path.read_bytes()
    bundle = _plotly_js()
    if bundle not in data:
        return None
    return data.replace(bundle, b"/* plotly.js */").decode("utf-8", "replace")


def audit_file(path: Path) -> list[SecretFinding]:
    kind = _kind(path)
    if kind == "sqlite":
        return audit_sqlite(path)
    if kind == "duckdb":
        with duckdb.connect(str(path), read_only=True) as conn:
            return audit_duckdb(conn, label=str(path))
    if path.suffix.lower() in (".html", ".htm"):
        text = _without_plotly_js(path)
        if text is not None:
            return _collect(str(path), [text])
    return _collect(str(path), _text_chunks(path))


def audit_paths(paths: Iterable[Path]) -> tuple[list[SecretFinding], int]:
    """Findings in every regular file under `paths` (links are not followed), and how many
    files were read."""
    findings: list[SecretFinding] = []
    files = 0
    for root in paths:
        candidates = (
            [root]
            if root.is_file()
            else [
                Path(d) / name
                for d, _, names in os.walk(root, followlinks=False)
                for name in sorted(names)
            ]
        )
        for path in candidates:
            if path.is_symlink() or not path.is_file():
                continue
            files += 1
            findings += audit_file(path)
    return findings, files
