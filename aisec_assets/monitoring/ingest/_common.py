"""What every log parser needs: time and number parsing, reading JSON / JSONL / CSV / gzip files
record by record with their line numbers, a size cap on the raw record, and assigning each
rejection to exactly one day.

Choices made here hold for every source:
- Timestamps without a time zone are UTC (LiteLLM and PostgreSQL `timestamp` columns, Log
  Analytics exports); everything is returned as naive UTC.
- Bytes that are not UTF-8 are decoded with U+FFFD replacement and the record is kept; its `raw`
  says which line held them (`_aisec_ingest.notes`). Rejecting the record would lose a
  request that is otherwise fine, and prompt text is where odd bytes show up.
- A rejection is reported on one day only: the day of the nearest record with a valid time
  before it in the same file (else the one after it); a file without any gets the date in its
  path, else the file's modification day. Reading a file for several days therefore never
  reports the same bad line twice.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aisec_resources.events import EventRejection, IngestResult
from aisec_resources.records import SourceUnavailable

EXCERPT_CHARS = 240
# A record whose text is longer than this has its large parts replaced in `raw` (the parsed
# text columns keep the content): raw is for audit, and multi-megabyte bodies would bloat it.
RAW_RECORD_CAP = 65_536
RAW_FIELD_CAP = 16_384
NOTES_KEY = "_aisec_ingest"

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_CHUNK = 1 << 16
_DATE_IN_PATH = re.compile(r"(?<!\d)(20\d\d)[-_/]?(0[1-9]|1[0-2])[-_/]?(0[1-9]|[12]\d|3[01])(?!\d)")
_PORTAL_TIME_FORMATS = (  # Log Analytics portal CSV export, e.g. "5/28/2025, 9:14:05.513 PM"
    "%m/%d/%Y, %I:%M:%S.%f %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S.%f %p",
    "%m/%d/%Y %I:%M:%S %p",
)


# ------------------------------------------------------------------ speed


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a reader builds its records.

    Parsed JSON is made of acyclic dicts and lists that reference counting frees; the cyclic
    collector only rescans them again and again as they pile up (measured on a 20,000-record
    Bedrock file: 9,000 records/s with it, 21,000 without).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ------------------------------------------------------------------ values


def to_utc_naive(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _from_epoch(number: float) -> datetime:
    magnitude = abs(number)
    if magnitude >= 1e17:  # nanoseconds (OTLP)
        per_microsecond = 1000.0
    elif magnitude >= 1e14:
        per_microsecond = 1.0
    elif magnitude >= 1e11:
        per_microsecond = 1e-3
    else:
        per_microsecond = 1e-6
    try:
        if isinstance(number, int) and per_microsecond >= 1:
            # integer arithmetic: a float loses the nanoseconds that decide 23:59:59.999999999
            microseconds = number // int(per_microsecond)
        else:
            microseconds = round(number / per_microsecond)
        return datetime(1970, 1, 1) + timedelta(microseconds=microseconds)
    except (OverflowError, ValueError):
        raise ValueError(f"not a timestamp: {number!r} is out of range") from None


def parse_time(value: Any) -> datetime | None:
    """A timestamp as naive UTC; None when empty. Raises ValueError when it is not a time.

    Accepts ISO 8601 (Z, offsets, any number of fraction digits, space separator), epoch
    numbers in s/ms/us/ns (as numbers or digit strings) and the Log Analytics portal format.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc_naive(value)
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return _from_epoch(value)
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if not text:
        return None
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return _from_epoch(float(text) if "." in text else int(text))
    try:
        return to_utc_naive(datetime.fromisoformat(text))
    except ValueError:
        pass
    for fmt in _PORTAL_TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"not a timestamp: {text[:60]!r}")


def parse_int(value: Any, name: str, notes: list[str]) -> int | None:
    """An integer count; None when absent. A value that is not an integer becomes None and a
    note (the record is kept; its raw still holds the original value)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        notes.append(f"{name}={value!r} is not an integer; stored as null")
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        notes.append(f"{name}={str(value)[:40]!r} is not an integer; stored as null")
        return None
    if number != number or number in (float("inf"), float("-inf")) or not number.is_integer():
        notes.append(f"{name}={str(value)[:40]!r} is not an integer; stored as null")
        return None
    return int(number)


def parse_float(value: Any, name: str, notes: list[str]) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        if isinstance(value, bool):
            notes.append(f"{name}={value!r} is not a number; stored as null")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        notes.append(f"{name}={str(value)[:40]!r} is not a number; stored as null")
        return None
    if number != number or number in (float("inf"), float("-inf")):
        notes.append(f"{name}={str(value)[:40]!r} is not a finite number; stored as null")
        return None
    return number


def parse_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "t"):
        return True
    if text in ("false", "0", "no", "f"):
        return False
    return None


def as_list(value: Any) -> list[Any]:
    """`value` when it is a list, else empty: bad data in a list-valued field reads as none."""
    return value if isinstance(value, list) else []


def text_or_none(value: Any) -> str | None:
    """A non-empty string form of an identifier-like value."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def join_texts(parts: Iterable[str | None]) -> str | None:
    kept = [p for p in parts if p and p.strip()]
    return "\n\n".join(kept) if kept else None


def maybe_json(value: Any) -> Any:
    """`value` parsed when it is JSON text of an object or array, else unchanged."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
            try:
                return json.loads(stripped)
            except json.JSONDecodeError:
                return value
    return value


def clean_surrogates(value: Any) -> Any:
    """JSON may carry escaped lone surrogates (`\\ud800`) that no UTF-8 writer accepts: pair
    them up where they form a character, replace the rest with U+FFFD."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {clean_surrogates(k): clean_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_surrogates(v) for v in value]
    return value


def loads(text: str) -> Any:
    """json.loads, plus the surrogate clean-up only for the rare text that needs it."""
    value = json.loads(text)
    if "\\ud" in text or "\\uD" in text:
        value = clean_surrogates(value)
    return value


def excerpt(text: Any) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        text = json.dumps(text, default=str)
    return text[:EXCERPT_CHARS]


# What normalizing a record of an unexpected shape can raise: the record becomes a rejection
# naming the error, and the rest of the source is still read.
RECORD_ERRORS: tuple[type[Exception], ...] = (
    TypeError,
    ValueError,
    AttributeError,
    KeyError,
    IndexError,
    OverflowError,
    RecursionError,
)


def unexpected_shape(exc: Exception) -> str:
    return f"record could not be normalized: {type(exc).__name__}: {str(exc)[:200]}"


def rejection(source: str, location: str, reason: str, text: Any = None) -> EventRejection:
    return EventRejection(source=source, location=location, reason=reason, excerpt=excerpt(text))


# ------------------------------------------------------------------ raw record


def _json_len(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict | list):
        return len(json.dumps(value, default=str))
    return 0


def _shrink(value: Any, path: str, depth: int, notes: list[str]) -> Any:
    size = _json_len(value)
    if size <= RAW_FIELD_CAP:
        return value
    if depth > 0 and isinstance(value, dict):
        return {
            k: _shrink(v, f"{path}.{k}" if path else k, depth - 1, notes) for k, v in value.items()
        }
    notes.append(f"{path} ({size} characters) dropped from raw (cap {RAW_FIELD_CAP})")
    return f"<dropped from raw: {size} characters>"


def raw_record(record: dict[str, Any], record_chars: int, notes: list[str]) -> dict[str, Any]:
    """The record for `LlmEvent.raw`: as read when small, with parts over the cap replaced by a
    marker when large, plus the parser's notes. Never mutates `record`."""
    raw = record
    if record_chars > RAW_RECORD_CAP:
        raw = _shrink(record, "", 3, notes)
        if not isinstance(raw, dict):  # the record itself is one huge scalar-free blob
            raw = {"_dropped": raw}
    if notes:
        raw = {**raw, NOTES_KEY: {"notes": list(notes)}}
    return raw


# ------------------------------------------------------------------ day attribution


def date_in_path(path: str) -> date | None:
    found = None
    for match in _DATE_IN_PATH.finditer(path):
        found = match
    if found is None:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


@dataclass
class DayBook:
    """The rejections of one file, each assigned to one day (see the module docstring)."""

    day: date
    fallback_day: date | None
    _last_day: date | None = None
    _kept: list[EventRejection] = field(default_factory=list)
    _waiting: list[EventRejection] = field(default_factory=list)

    def saw_time(self, when: datetime) -> None:
        self._last_day = when.date()
        if self._waiting:
            if self._last_day == self.day:
                self._kept.extend(self._waiting)
            self._waiting.clear()

    def reject(self, item: EventRejection, when: datetime | None = None) -> None:
        """Record a rejection; `when` is its own time if the bad record has a valid one."""
        owner = when.date() if when is not None else self._last_day
        if owner is None:
            self._waiting.append(item)
        elif owner == self.day:
            self._kept.append(item)

    def finish(self) -> list[EventRejection]:
        if self._waiting and (self._last_day or self.fallback_day) == self.day:
            self._kept.extend(self._waiting)
        self._waiting.clear()
        return self._kept


def file_day(path: Path) -> date | None:
    """The date in a file's path, else its modification day (UTC)."""
    found = date_in_path(str(path))
    if found is not None:
        return found
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
    except OSError:
        return None


# ------------------------------------------------------------------ files


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
    decoder = json.JSONDecoder()
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
            value, end = decoder.raw_decode(text, idx)
        except json.JSONDecodeError as exc:
            start_line = line_at(idx)
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
        value, end = json.JSONDecoder().raw_decode(text, start)
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
                    item.line, item.last_line, element, _json_len(element), f"#data[{index}]"
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
            yield JsonItem(item.line, item.last_line, record, _json_len(row), sub)


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
