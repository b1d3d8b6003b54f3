"""Reading log files record by record with their line numbers: listing a source's files,
gzip (multi-member, truncated, corrupt), UTF-8 lines, JSON documents / arrays / JSONL, CSV, the
export wrappers (`{"data": [...]}`, Log Analytics `{"tables": [...]}`).

Choices (they hold for every source):
- Bytes that are not UTF-8 are decoded with U+FFFD replacement and the record is kept; its `raw`
  says which line held them (`TextFile.utf8_notes`). Rejecting the record would lose a request
  that is otherwise fine, and prompt text is where odd bytes show up.
- A truncated or corrupt gzip stream yields what precedes the damage, and one rejection that
  says where the stream broke.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from aisec_assets.monitoring.ingest._days import DayBook, file_day
from aisec_assets.monitoring.ingest._values import (
    EXCERPT_CHARS,
    TOO_DEEP,
    clean_surrogates,
    decode_at,
    json_len,
    loads,
    rejection,
    skip_json_value,
)
from aisec_resources.events import IngestResult
from aisec_resources.records import SourceUnavailable

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_CHUNK = 1 << 16


def list_files(path: Path, suffixes: tuple[str, ...], what: str) -> list[Path]:
    """The files to read under `path` (a file or a directory searched recursively, hidden
    entries skipped), sorted. Raises SourceUnavailable when `path` cannot be read at all."""
    if not path.exists():
        raise SourceUnavailable(f"{what}: {path} does not exist")
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SourceUnavailable(f"{what}: {path} is neither a file nor a directory")
    try:
        found = [
            p
            for p in path.rglob("*")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
            and p.name.lower().endswith(suffixes)
        ]
    except OSError as exc:
        raise SourceUnavailable(f"{what}: cannot list {path}: {exc}") from exc
    return sorted(found)


def gunzip(data: bytes) -> tuple[bytes, str | None]:
    """Decompressed bytes of a (possibly multi-member) gzip stream, and a problem description
    when the stream is truncated or corrupt (everything before the problem is returned)."""
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        decompressor = zlib.decompressobj(wbits=31)
        offset = pos
        while offset < len(data) and not decompressor.eof:
            chunk = data[offset : offset + _GZIP_CHUNK]
            try:
                out.append(decompressor.decompress(chunk))
            except zlib.error as exc:
                return b"".join(out), (
                    f"corrupt gzip data in the compressed bytes {offset}-{offset + len(chunk)} "
                    f"of {len(data)}: {exc}"
                )
            offset += len(chunk)
        if not decompressor.eof:
            out.append(decompressor.flush())
            return b"".join(out), (
                f"truncated gzip: the compressed stream ends at byte {len(data)} before its "
                f"end marker ({sum(len(b) for b in out)} bytes decompressed)"
            )
        pos = offset - len(decompressor.unused_data)
        if not data[pos:].strip(b"\x00"):  # trailing zero padding is not another member
            break
    return b"".join(out), None


@dataclass
class TextFile:
    """A file's text split into lines (1-based numbers are index + 1)."""

    lines: list[str]
    bad_utf8_lines: set[int]  # 1-based line numbers that held non-UTF-8 bytes
    problem: str | None  # truncated / corrupt gzip: the last line may be partial

    def utf8_notes(self, first: int, last: int) -> list[str]:
        bad = sorted(n for n in self.bad_utf8_lines if first <= n <= last)
        if not bad:
            return []
        return [f"non-UTF-8 bytes on line {bad[0]} replaced with U+FFFD"]


def decode_lines(data: bytes, problem: str | None = None) -> TextFile:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines: list[str] = []
    bad: set[int] = set()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("utf-8", "replace"))
            bad.add(number)
    if lines and lines[-1] == "" and problem is None:
        lines.pop()  # the newline that ends the file
    return TextFile(lines, bad, problem)


def read_text_file(path: Path) -> TextFile:
    """Raises OSError when the file cannot be read."""
    data = path.read_bytes()
    problem = None
    if path.name.lower().endswith(".gz") or data[:2] == _GZIP_MAGIC:
        data, problem = gunzip(data)
    return decode_lines(data, problem)


@dataclass(frozen=True)
class JsonItem:
    """One JSON value read from a file: a JSONL line, an element of a top-level array or a
    whole-file document."""

    line: int
    last_line: int
    value: Any
    chars: int
    sub: str = ""  # position inside the line's document, e.g. "#rows[3]"


@dataclass(frozen=True)
class BadItem:
    line: int
    reason: str
    text: str | None


def _json_lines(text_file: TextFile) -> Iterator[JsonItem | BadItem]:
    last = len(text_file.lines)
    for number, line in enumerate(text_file.lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            value = loads(stripped)
        except json.JSONDecodeError as exc:
            if number == last and text_file.problem:
                # the partial last line of a truncated stream: reported with the truncation
                yield BadItem(number, f"{text_file.problem}; partial last line dropped", line)
                return
            yield BadItem(number, f"malformed JSON: {exc.msg} (column {exc.colno})", line)
            continue
        yield JsonItem(number, number, value, len(stripped))
    if text_file.problem:
        yield BadItem(last, text_file.problem, None)


def _json_array(text: str, text_file: TextFile) -> Iterator[JsonItem | BadItem]:
    size = len(text)
    idx = text.index("[") + 1
    line, counted_to = 1, 0

    def line_at(pos: int) -> int:
        nonlocal line, counted_to
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        return line

    def skip(pos: int) -> int:
        while pos < size and text[pos] in " \t\r\n":
            pos += 1
        return pos

    expect_value, seen_value = True, False
    while True:
        idx = skip(idx)
        if idx >= size:
            reason = text_file.problem or "malformed JSON: the array is not closed"
            yield BadItem(line_at(idx), reason, None)
            return
        char = text[idx]
        if char == "]" and (not expect_value or not seen_value):
            return
        if not expect_value:
            if char == ",":
                idx += 1
                expect_value = True
                continue
            yield BadItem(line_at(idx), "malformed JSON: expected ',' or ']'", text[idx : idx + 80])
            return
        try:
            value, end = decode_at(text, idx)
        except json.JSONDecodeError as exc:
            start_line = line_at(idx)
            skipped_to = skip_json_value(text, idx) if exc.msg == TOO_DEEP else None
            if skipped_to is not None:
                # one element too deep to decode: rejected alone, the array reads on
                yield BadItem(start_line, f"malformed JSON: {TOO_DEEP}", text[idx : idx + 80])
                idx = skipped_to
                expect_value, seen_value = False, True
                continue
            reason = text_file.problem or (
                f"malformed JSON: {exc.msg} (line {exc.lineno} column {exc.colno}); the rest "
                f"of the array ({size - idx} characters) could not be read"
            )
            yield BadItem(start_line, reason, text[idx : idx + EXCERPT_CHARS])
            return
        start_line = line_at(idx)
        last_line = start_line + text.count("\n", idx, end)
        if "\\ud" in text[idx:end] or "\\uD" in text[idx:end]:
            value = clean_surrogates(value)
        yield JsonItem(start_line, last_line, value, end - idx)
        idx = end
        expect_value, seen_value = False, True


def iter_json_items(text_file: TextFile) -> Iterator[JsonItem | BadItem]:
    """The JSON values of a .json / .jsonl file: a top-level array yields its elements, one
    document yields itself, one document per line (JSONL, also in files named .json, as the
    OpenTelemetry collector writes them) yields each line."""
    text = "\n".join(text_file.lines)
    start = len(text) - len(text.lstrip())
    if start == len(text):
        if text_file.problem:
            yield BadItem(1, text_file.problem, None)
        return
    if text[start] == "[":
        yield from _json_array(text, text_file)
        return
    try:
        value, end = decode_at(text, start)
    except json.JSONDecodeError:
        yield from _json_lines(text_file)
        return
    if text[end:].strip():
        yield from _json_lines(text_file)
        return
    if "\\ud" in text or "\\uD" in text:
        value = clean_surrogates(value)
    yield JsonItem(text.count("\n", 0, start) + 1, len(text_file.lines), value, end - start)
    if text_file.problem:
        yield BadItem(len(text_file.lines), text_file.problem, None)


def iter_csv_rows(text_file: TextFile) -> Iterator[JsonItem | BadItem]:
    """Rows of a CSV file with a header line, as dicts (empty cells are None)."""
    reader = csv.reader(io.StringIO("\n".join(text_file.lines), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield BadItem(
            1, f"malformed CSV header: {exc}", text_file.lines[0] if text_file.lines else None
        )
        return
    header = [h.strip() for h in header]
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield BadItem(previous_end + 1, f"malformed CSV: {exc}", None)
            previous_end = reader.line_num
            continue
        start, end = previous_end + 1, reader.line_num
        previous_end = end
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            if text_file.problem and end >= len(text_file.lines):
                yield BadItem(
                    start, f"{text_file.problem}; partial last row dropped", ",".join(cells)
                )
                return
            yield BadItem(
                start,
                f"CSV row has {len(cells)} cells, the header has {len(header)}",
                ",".join(cells),
            )
            continue
        row = {h: (c if c != "" else None) for h, c in zip(header, cells, strict=True)}
        yield JsonItem(start, end, row, sum(len(c) for c in cells))
    if text_file.problem:
        yield BadItem(len(text_file.lines), text_file.problem, None)


def iter_records(path: Path, text_file: TextFile) -> Iterator[JsonItem | BadItem]:
    """The records of an exported table file (JSON array, JSONL or CSV; optionally gzipped).

    JSON wrappers are unwrapped: `{"data": [...]}` (LiteLLM /spend/logs/v2) and the Log
    Analytics query API's `{"tables": [{"columns": [...], "rows": [[...]]}]}`.
    """
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        yield from iter_csv_rows(text_file)
        return
    for item in iter_json_items(text_file):
        if isinstance(item, BadItem) or not isinstance(item.value, dict):
            yield item
            continue
        value = item.value
        if isinstance(value.get("tables"), list):
            yield from _log_analytics_rows(item)
        elif isinstance(value.get("data"), list) and len(value) <= 4:
            for index, element in enumerate(value["data"]):
                yield JsonItem(
                    item.line, item.last_line, element, json_len(element), f"#data[{index}]"
                )
        else:
            yield item


def _log_analytics_rows(item: JsonItem) -> Iterator[JsonItem | BadItem]:
    for number, table in enumerate(item.value["tables"]):
        if not isinstance(table, dict):
            yield BadItem(item.line, "Log Analytics table is not an object", None)
            continue
        columns = [c.get("name") if isinstance(c, dict) else c for c in table.get("columns", [])]
        for index, row in enumerate(table.get("rows", [])):
            sub = f"#tables[{number}].rows[{index}]"
            if not isinstance(row, list) or len(row) != len(columns):
                yield BadItem(item.line, f"{sub}: row does not match the table's columns", row)
                continue
            record = dict(zip(columns, row, strict=True))
            yield JsonItem(item.line, item.last_line, record, json_len(row), sub)


@dataclass
class ExportRecord:
    """One object record of an exported table file, with what its reader needs around it."""

    item: JsonItem
    location: str  # file:line[#sub-position]
    row: dict[str, Any]
    book: DayBook  # the file's rejections; reject through it
    text_file: TextFile  # for the record's UTF-8 notes


def export_records(
    file: Path, day: date, source: str, result: IngestResult
) -> Iterator[ExportRecord]:
    """The object records of one export file (`iter_records`). Unreadable files, malformed
    records and records that are not JSON objects are rejected here; the file's rejections
    reach `result` once the records are consumed."""
    book = DayBook(day, file_day(file))
    try:
        text_file = read_text_file(file)
    except OSError as exc:
        book.reject(rejection(source, str(file), f"cannot read the file: {exc}"))
        result.rejections.extend(book.finish())
        return
    result.files_read += 1
    for item in iter_records(file, text_file):
        location = f"{file}:{item.line}{getattr(item, 'sub', '')}"
        if isinstance(item, BadItem):
            book.reject(rejection(source, location, item.reason, item.text))
            continue
        result.records_read += 1
        if not isinstance(item.value, dict):
            book.reject(rejection(source, location, "record is not a JSON object", item.value))
            continue
        yield ExportRecord(item, location, item.value, book, text_file)
    result.rejections.extend(book.finish())
