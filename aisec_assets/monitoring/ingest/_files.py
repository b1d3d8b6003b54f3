"""Reading log files record by record with their line numbers: listing a source's files,
gzip (multi-member, truncated, corrupt), UTF-8 lines, JSON documents / arrays / JSONL, CSV, the
export wrappers (`{"data": [...]}`, Log Analytics `{"tables": [...]}`).

Choices (they hold for every source):
- Bytes that are not UTF-8 are decoded with U+FFFD replacement and the record is kept; its `raw`
  says which line held them (`TextFile.utf8_notes`). Rejecting the record would lose a request
  that is otherwise fine, and prompt text is where odd bytes show up.
- A truncated or corrupt gzip stream yields what precedes the damage, and one rejection that
  says where the stream broke.
- Size is bounded before anything is parsed: a file is read (and decompressed, incrementally)
  up to MAX_DECOMPRESSED_BYTES; past it the file yields what precedes the cap and one rejection
  naming the cap (a 510 KB gzip bomb once grew to 2.7 GB). One record — a JSONL line, a JSON
  array element, a whole-file document, a CSV row — longer than MAX_RECORD_CHARS is one
  rejection and reading goes on. Peak memory of reading a file is a small multiple of
  MAX_DECOMPRESSED_BYTES (the bytes, their lines, the joined text and what is parsed).
- A source never reads outside its root: every listed path is resolved (symlinks followed) and
  a file or directory resolving outside the configured path is refused with a rejection.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aisec_assets.monitoring.ingest._days import DayBook, date_in_path, file_day
from aisec_assets.monitoring.ingest._values import (
    EXCERPT_CHARS,
    TOO_DEEP,
    TOO_LONG,
    clean_surrogates,
    decode_at,
    json_len,
    loads,
    rejection,
    skip_json_value,
)
from aisec_resources.confine import escape_reason, inside, real_root
from aisec_resources.events import IngestResult
from aisec_resources.records import SourceUnavailable

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_CHUNK = 1 << 16

# The most one log file may hold once decompressed (256 MiB): far above an hour of Bedrock
# logs or a day's export, far below what the run's memory can afford several times over.
# Read at call time, so a deployment (or a test) may set it on this module.
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
# The longest one record may be (16 Mi characters): a JSONL line, an element of a JSON array,
# a whole-file document or a CSV row. A longer one is rejected before it is parsed where the
# format allows (JSONL, documents), else right after.
MAX_RECORD_CHARS = 16 * 1024 * 1024


def _over_file_cap(kind: str) -> str:
    return (
        f"{kind} is larger than the cap of {MAX_DECOMPRESSED_BYTES} bytes per file "
        "(MAX_DECOMPRESSED_BYTES): what precedes the cap was read, the rest is not"
    )


def over_record_cap(chars: int) -> str:
    """The rejection reason of a record longer than MAX_RECORD_CHARS."""
    return (
        f"record of {chars} characters is longer than the cap of {MAX_RECORD_CHARS} per record "
        "(MAX_RECORD_CHARS): rejected, the file reads on"
    )


# ------------------------------------------------------------------ listing


@dataclass(frozen=True)
class Refused:
    """A listed path that resolves outside the source's root: never read."""

    path: Path
    real: str
    real_root: str

    @property
    def reason(self) -> str:
        return escape_reason(self.real_root, self.real)


def list_files(
    path: Path, suffixes: tuple[str, ...], what: str, refused: list[Refused] | None = None
) -> list[Path]:
    """The files to read under `path` (a file or a directory searched recursively, hidden
    entries skipped), sorted. Raises SourceUnavailable when `path` cannot be read at all.

    `path` itself is the root: it is resolved once, and every file or directory below it that
    resolves outside it (a symlink to `/etc`, to a key file) is left out and appended to
    `refused` — never opened, not even to look at its type."""
    if not path.exists():
        raise SourceUnavailable(f"{what}: {path} does not exist")
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SourceUnavailable(f"{what}: {path} is neither a file nor a directory")
    root = real_root(path)
    found: list[Path] = []

    def failed(exc: OSError) -> None:
        raise SourceUnavailable(f"{what}: cannot list {path}: {exc}") from exc

    # os.walk does not follow directory links; each one is judged here instead: outside the
    # root it is refused, inside it the real directory is walked anyway.
    for dirpath, dirnames, filenames in os.walk(path, onerror=failed):
        for name in list(dirnames):
            entry = Path(dirpath) / name
            if name.startswith(".") or not os.path.islink(entry):
                continue
            dirnames.remove(name)
            real = os.path.realpath(entry)
            if not inside(real, root) and refused is not None:
                refused.append(Refused(entry, real, root))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(suffixes):
                continue
            entry = Path(dirpath) / name
            real = os.path.realpath(entry)
            if not inside(real, root):
                if refused is not None:
                    refused.append(Refused(entry, real, root))
                continue
            if os.path.isfile(real):
                found.append(entry)
    return sorted(found)


def _refusal_day(path: Path) -> date | None:
    """The day a refused path's rejection belongs to: the date in its path, else the link's
    own modification day (its target is outside the root and is not looked at)."""
    found = date_in_path(str(path))
    if found is not None:
        return found
    try:
        return datetime.fromtimestamp(path.lstat().st_mtime, UTC).date()
    except OSError:
        return None


def source_files(
    path: Path, suffixes: tuple[str, ...], what: str, day: date, source: str, result: IngestResult
) -> list[Path]:
    """`list_files`, with every path refused for leaving the root rejected into `result`
    (on one day only, like every rejection: its path's date, else the link's own day)."""
    refused: list[Refused] = []
    files = list_files(path, suffixes, what, refused)
    reject_refused(refused, day, source, result)
    return files


def reject_refused(refused: list[Refused], day: date, source: str, result: IngestResult) -> None:
    """One rejection per refused path, on one day only (see `_refusal_day`)."""
    for item in refused:
        book = DayBook(day, _refusal_day(item.path))
        book.reject(rejection(source, str(item.path), item.reason))
        result.rejections.extend(book.finish())


# ------------------------------------------------------------------ bytes


def read_capped(path: Path) -> tuple[bytes, bool]:
    """At most MAX_DECOMPRESSED_BYTES of a file, and whether there was more. Raises OSError."""
    cap = MAX_DECOMPRESSED_BYTES
    with path.open("rb") as handle:
        data = handle.read(cap + 1)
    return (data[:cap], True) if len(data) > cap else (data, False)


def gunzip(data: bytes, cap: int | None = None) -> tuple[bytes, str | None]:
    """Decompressed bytes of a (possibly multi-member) gzip stream, and a problem description
    when the stream is truncated or corrupt, or decompresses to more than `cap` bytes
    (default MAX_DECOMPRESSED_BYTES); everything before the problem is returned.

    Decompression is incremental and bounded (`max_length`): a bomb never expands past the
    cap in memory, however small it is compressed."""
    limit = MAX_DECOMPRESSED_BYTES if cap is None else cap
    out = bytearray()
    pos = 0
    while pos < len(data):
        decompressor = zlib.decompressobj(wbits=31)
        offset = pos
        feed = b""
        while not decompressor.eof:
            if not feed:
                if offset >= len(data):
                    break
                feed = data[offset : offset + _GZIP_CHUNK]
                offset += len(feed)
            try:
                # one byte more than the room left tells "exactly full" from "over the cap"
                out += decompressor.decompress(feed, limit + 1 - len(out))
            except zlib.error as exc:
                return bytes(out), (
                    f"corrupt gzip data in the compressed bytes {offset - len(feed)}-{offset} "
                    f"of {len(data)}: {exc}"
                )
            if len(out) > limit:
                del out[limit:]
                return bytes(out), _over_cap(limit, "the decompressed file")
            feed = decompressor.unconsumed_tail
        if not decompressor.eof:
            out += decompressor.flush()
            if len(out) > limit:
                del out[limit:]
                return bytes(out), _over_cap(limit, "the decompressed file")
            return bytes(out), (
                f"truncated gzip: the compressed stream ends at byte {len(data)} before its "
                f"end marker ({len(out)} bytes decompressed)"
            )
        pos = offset - len(decompressor.unused_data)
        if not data[pos:].strip(b"\x00"):  # trailing zero padding is not another member
            break
    return bytes(out), None


def _over_cap(limit: int, kind: str) -> str:
    if limit == MAX_DECOMPRESSED_BYTES:
        return _over_file_cap(kind)
    return f"{kind} is larger than the cap of {limit} bytes: what precedes the cap was read"


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
    # line by line rather than `data.split()`: never a second full copy of the bytes
    start, size, number = 0, len(data), 0
    while start <= size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        raw = data[start:end]
        start = end + 1
        number += 1
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


def decode_file(data: bytes, name: str, more: bool = False) -> TextFile:
    """The lines of a log file's bytes: gunzipped when `name` ends in .gz or the bytes are
    gzip, within MAX_DECOMPRESSED_BYTES. `more` says the bytes were cut at the cap."""
    problem = None
    if name.lower().endswith(".gz") or data[:2] == _GZIP_MAGIC:
        data, problem = gunzip(data)
    elif more:
        problem = _over_file_cap("the file")
    return decode_lines(data, problem)


def read_text_file(path: Path) -> TextFile:
    """Raises OSError when the file cannot be read."""
    data, more = read_capped(path)
    return decode_file(data, path.name, more)


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
        if len(stripped) > MAX_RECORD_CHARS:
            if number == last and text_file.problem:  # cut by the file's problem: one rejection
                yield BadItem(number, f"{text_file.problem}; partial last line dropped", None)
                return
            yield BadItem(number, over_record_cap(len(stripped)), stripped[:EXCERPT_CHARS])
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
            skipped_to = skip_json_value(text, idx) if exc.msg in (TOO_DEEP, TOO_LONG) else None
            if skipped_to is not None:
                # one element too deep or too long to decode: rejected alone, the array reads on
                yield BadItem(start_line, f"malformed JSON: {exc.msg}", text[idx : idx + 80])
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
        if end - idx > MAX_RECORD_CHARS:
            yield BadItem(start_line, over_record_cap(end - idx), text[idx : idx + EXCERPT_CHARS])
            idx = end
            expect_value, seen_value = False, True
            continue
        last_line = start_line + text.count("\n", idx, end)
        if "\\ud" in text[idx:end] or "\\uD" in text[idx:end]:
            value = clean_surrogates(value)
        yield JsonItem(start_line, last_line, value, end - idx)
        idx = end
        expect_value, seen_value = False, True


def _first_line_is_a_value(text_file: TextFile) -> bool:
    """Whether the first non-empty line is a JSON value by itself (the file is JSONL), or too
    long to tell (JSONL whose first line is over the cap: that line is rejected alone)."""
    for line in text_file.lines:
        stripped = line.strip()
        if not stripped:
            continue
        if len(stripped) > MAX_RECORD_CHARS:
            return True
        try:
            loads(stripped)
        except json.JSONDecodeError:
            return False
        return True
    return False


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
    if len(text) - start > MAX_RECORD_CHARS and not _first_line_is_a_value(text_file):
        # one document (not JSONL) longer than a record may be: refused before decoding
        yield BadItem(text.count("\n", 0, start) + 1, over_record_cap(len(text) - start), None)
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
        chars = sum(len(c) for c in cells)
        if chars > MAX_RECORD_CHARS:
            yield BadItem(start, over_record_cap(chars), None)
            continue
        row = {h: (c if c != "" else None) for h, c in zip(header, cells, strict=True)}
        yield JsonItem(start, end, row, chars)
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
