"""`aisec query`: SQL on the published warehouse, read-only — what `duckdb -readonly` would be.

aisec query "SQL" [--config F] [--csv] [--max-rows N] [--max-width N]
    run the statement(s) (separated by `;`) and print each result
aisec query [--config F] [--csv]
    a prompt (or standard input): statements end with `;` and may span lines; `.tables` lists
    the tables, views and macros, `.quit` or end of input leaves

No DuckDB CLI matches the pinned DuckDB (the `duckdb-cli` wheels on PyPI are older and cannot
open the files DuckDB 2.0 writes), so the command uses the Python package the program runs on.
The warehouse is opened read-only: a run can publish meanwhile, and anything that would write
is refused by DuckDB with its own message. Results print as a table (tabulate) or, with
`--csv`, as CSV on stdout. A statement that fails prints DuckDB's message on stderr and the
command exits 2; at the prompt the session goes on (statements piped in on standard input:
the exit status is 2 at the end).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import duckdb
from tabulate import tabulate

from aisec_resources.config import AisecConfig

PROMPT = "aisec> "
CONTINUATION = "   ...> "
QUIT = (".quit", ".exit", ".q")
HELP = """\
Statements end with ';' and may span lines. The warehouse is open read-only.
  .tables        the schemas' tables and views, with their comments
  .help          this text
  .quit / .exit  leave (so does end of input, Ctrl-D)
Start with: SELECT * FROM inventory.asset_overview ORDER BY residual_risk_score DESC LIMIT 10;"""
TABLES_SQL = """
SELECT schema_name AS schema, table_name AS name, 'table' AS kind, comment
FROM duckdb_tables() WHERE NOT internal
UNION ALL
SELECT schema_name, view_name, 'view', comment FROM duckdb_views() WHERE NOT internal
UNION ALL
SELECT DISTINCT schema_name, function_name, 'macro', comment
FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro') AND NOT internal
ORDER BY schema, name
"""
# Statement types whose result is a table worth printing (a SET or a PRAGMA that only changes a
# setting returns a single "Success" column that says nothing).
RESULT_TYPES = {
    duckdb.StatementType.SELECT,
    duckdb.StatementType.EXPLAIN,
    duckdb.StatementType.PRAGMA,
    duckdb.StatementType.CALL,
    duckdb.StatementType.EXECUTE,
    duckdb.StatementType.RELATION,
}
NUMERIC = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
}
BATCH = 10_000


class QueryError(Exception):
    """A statement DuckDB refused; the message is DuckDB's."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "query",
        help="run SQL on the warehouse, read-only (no SQL: an interactive prompt)",
        description="Run SQL on the published warehouse, opened read-only. Without SQL, read "
        "statements from a prompt (or standard input) until .quit or end of input.",
    )
    parser.add_argument("sql", nargs="?", help="one or more statements (default: a prompt)")
    parser.add_argument("--config", help="aisec.yaml (default: $AISEC_CONFIG or the demo)")
    parser.add_argument("--csv", action="store_true", help="print results as CSV")
    parser.add_argument(
        "--max-rows",
        type=int,
        default=1000,
        metavar="N",
        help="rows shown per table (default 1000; 0: all); --csv prints every row",
    )
    parser.add_argument(
        "--max-width",
        type=int,
        default=80,
        metavar="N",
        help="characters shown per table cell (default 80; 0: all)",
    )


def run(config: AisecConfig, args: argparse.Namespace) -> int:
    path = config.warehouse.path
    if not path.exists():
        print(
            f"aisec query: warehouse {path} does not exist yet: run `aisec run` first",
            file=sys.stderr,
        )
        return 2
    printer = Printer(
        sys.stdout, csv_output=args.csv, max_rows=args.max_rows, max_width=args.max_width
    )
    with duckdb.connect(str(path), read_only=True) as conn:
        if args.sql is not None:
            try:
                execute(conn, args.sql, printer)
            except QueryError as exc:
                print(f"aisec query: {exc}", file=sys.stderr)
                return 2
            return 0
        return interactive(conn, printer, sys.stdin, path)


def execute(conn: duckdb.DuckDBPyConnection, sql: str, printer: Printer) -> None:
    """Run every statement of `sql` in order, printing each result; stop at the first error."""
    try:
        statements = conn.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from None
    for statement in statements:
        try:
            cursor = conn.execute(statement)
            if statement.type in RESULT_TYPES and cursor.description:
                printer.result(
                    [d[0] for d in cursor.description],
                    [
                        str(d[1]) in NUMERIC or str(d[1]).startswith("DECIMAL")
                        for d in cursor.description
                    ],
                    _batches(cursor),
                )
            else:
                cursor.fetchall()
        except duckdb.Error as exc:
            raise QueryError(str(exc)) from None
        finally:
            # DuckDB 2 keeps a partly read result open and refuses other work on the
            # connection until it is finished: drop whatever the printer did not read.
            conn.abort()


def interactive(
    conn: duckdb.DuckDBPyConnection, printer: Printer, stream: TextIO, path: Path
) -> int:
    """Read statements until `.quit` or end of input; an error is reported and the session
    goes on. Exit status 2 when a statement failed and the input is not a terminal (a script
    piped in), else 0."""
    tty = stream.isatty()
    if tty:
        import readline  # noqa: F401  (line editing and history for input())

        print(f"aisec query: {path} (read-only). .help for help, .quit to leave.")
    failed = False
    buffer: list[str] = []
    for line in _lines(stream, tty, buffer):
        stripped = line.strip()
        if not buffer and stripped.startswith("."):
            command = stripped.split()[0].lower()
            if command in QUIT:
                break
            if command == ".help":
                print(HELP)
            elif command == ".tables":
                execute(conn, TABLES_SQL, printer)
            else:
                print(f"aisec query: unknown command {command} (.help)", file=sys.stderr)
                failed = True
            continue
        if not stripped and not buffer:
            continue
        buffer.append(line)
        if not stripped.endswith(";"):
            continue
        sql = "\n".join(buffer)
        buffer.clear()
        try:
            execute(conn, sql, printer)
        except QueryError as exc:
            print(f"aisec query: {exc}", file=sys.stderr)
            failed = True
        sys.stdout.flush()
    if buffer and "".join(buffer).strip():
        try:
            execute(conn, "\n".join(buffer), printer)
        except QueryError as exc:
            print(f"aisec query: {exc}", file=sys.stderr)
            failed = True
    return 2 if failed and not tty else 0


def _lines(stream: TextIO, tty: bool, pending: list[str]) -> Iterator[str]:
    """The input's lines; at a terminal with a prompt (a continuation one inside a statement)."""
    if tty:
        while True:
            try:
                yield input(CONTINUATION if pending else PROMPT)
            except EOFError:
                print()
                return
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, as a shell does
                print()
                pending.clear()
    else:
        for line in stream:
            yield line.rstrip("\n")


def _batches(cursor: duckdb.DuckDBPyConnection) -> Iterator[list[tuple]]:
    while rows := cursor.fetchmany(BATCH):
        yield rows


class Printer:
    """Prints results as tables (tabulate) or CSV."""

    def __init__(self, out: TextIO, *, csv_output: bool, max_rows: int, max_width: int) -> None:
        self.out = out
        self.csv_output = csv_output
        self.max_rows = max_rows
        self.max_width = max_width

    def result(
        self, headers: list[str], numeric: list[bool], batches: Iterable[list[tuple]]
    ) -> None:
        """One result: every row as CSV, or up to max_rows as a table (numbers right-aligned)."""
        if self.csv_output:
            writer = csv.writer(self.out, lineterminator="\n")
            writer.writerow(headers)
            for rows in batches:
                writer.writerows([[_csv_value(v) for v in row] for row in rows])
            return
        shown: list[list[str]] = []
        more = False
        for rows in batches:
            for row in rows:
                if self.max_rows and len(shown) == self.max_rows:
                    more = True
                    break
                shown.append([self._cell(v) for v in row])
            if more:
                break
        print(
            tabulate(
                shown,
                headers=headers,
                tablefmt="simple",
                disable_numparse=True,
                colalign=["right" if n else "left" for n in numeric],
            ),
            file=self.out,
        )
        if more:
            footer = f"({self.max_rows} rows shown, more not: --max-rows 0 for all, or --csv)"
        else:
            footer = f"({len(shown)} row{'' if len(shown) == 1 else 's'})"
        print(footer, file=self.out)

    def _cell(self, value: Any) -> str:
        lines = _text(value).split("\n")
        if self.max_width:
            lines = [
                line if len(line) <= self.max_width else line[: self.max_width - 1] + "…"
                for line in lines
            ]
        return "\n".join(lines)


def _text(value: Any) -> str:
    """A value as DuckDB's own CLI would show it (NULL, [a, b], {'k': v}, ISO times)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _csv_value(value: Any) -> str:
    return "" if value is None else _text(value)
