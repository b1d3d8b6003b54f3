"""Values inside log records: timestamps, numbers, booleans and text as the parsers need them,
the rejection record, and the size cap on the raw record kept with each event.

Choices (they hold for every source):
- Timestamps without a time zone are UTC (LiteLLM and PostgreSQL `timestamp` columns, Log
  Analytics exports); everything is returned as naive UTC.
- A record whose text is longer than RAW_RECORD_CAP has its large parts replaced in `raw` by a
  marker (the parsed text columns keep the content): raw is for audit, and multi-megabyte
  bodies would bloat it. The parser's notes about a record go to `raw[NOTES_KEY]`.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from aisec_resources.events import EventRejection
from aisec_resources.redaction import quote

EXCERPT_CHARS = 240
RAW_RECORD_CAP = 65_536
RAW_FIELD_CAP = 16_384
NOTES_KEY = "_aisec_ingest"

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


# The times a log record may carry. Outside them a timestamp is a unit mistake, a zero, a
# counter or hostile: an epoch number of 5 or -1 once filed its record under 1970-01-01 (a day
# no run reads), and the bad records after it with it, so they were lost. Such a record is
# rejected instead, naming its field, and never lends its day to its neighbours.
EARLIEST_TIME = datetime(2000, 1, 1)
LATEST_TIME = datetime(2200, 1, 1)  # exclusive; also below the nanosecond int64 limit (2262)
_EPOCH = datetime(1970, 1, 1)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _from_epoch(number: int | float) -> datetime:
    """An epoch number in s / ms / us / ns (told apart by magnitude) as naive UTC."""
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"not a timestamp: {quote(number)} is not a finite number")
    if number < 0:
        raise ValueError(f"not a timestamp: {quote(number)} is before 1970")
    if number >= 1e17:  # nanoseconds (OTLP)
        per_microsecond = 1000.0
    elif number >= 1e14:
        per_microsecond = 1.0
    elif number >= 1e11:
        per_microsecond = 1e-3
    else:
        per_microsecond = 1e-6
    try:
        if isinstance(number, int) and per_microsecond >= 1:
            # integer arithmetic: a float loses the nanoseconds that decide 23:59:59.999999999
            microseconds = number // int(per_microsecond)
        else:
            microseconds = round(number / per_microsecond)
        return _EPOCH + timedelta(microseconds=microseconds)
    except (OverflowError, ValueError):
        raise ValueError(f"not a timestamp: {quote(number)} is out of range") from None


def _in_range(when: datetime, value: Any) -> datetime:
    if not EARLIEST_TIME <= when < LATEST_TIME:
        raise ValueError(
            f"not a log time: {quote(value)} reads as {when.isoformat()}, outside "
            f"{EARLIEST_TIME.year}..{LATEST_TIME.year - 1}"
        )
    return when


def parse_time(value: Any) -> datetime | None:
    """A timestamp as naive UTC; None when empty. Raises ValueError when it is not a time or
    lies outside EARLIEST_TIME..LATEST_TIME (the caller rejects the record, naming the field).

    Accepts ISO 8601 (Z, offsets, any number of fraction digits, space separator), epoch
    numbers in s/ms/us/ns (as numbers or numeric strings, exponents included) and the Log
    Analytics portal format. Booleans, NaN and infinities are not times.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _in_range(to_utc_naive(value), value)
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {quote(value)}")
    if isinstance(value, int | float):
        return _in_range(_from_epoch(value), value)
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {quote(value)}")
    text = value.strip()
    if not text:
        return None
    if len(text) <= 40 and _NUMBER.fullmatch(text):
        digits = text.lstrip("+-")
        number = int(text) if digits.isdigit() else float(text)
        return _in_range(_from_epoch(number), value)
    try:
        return _in_range(to_utc_naive(datetime.fromisoformat(text)), value)
    except ValueError as exc:
        if str(exc).startswith("not a log time"):
            raise
    for fmt in _PORTAL_TIME_FORMATS:
        try:
            return _in_range(datetime.strptime(text, fmt), value)
        except ValueError as exc:
            if str(exc).startswith("not a log time"):
                raise
            continue
    raise ValueError(f"not a timestamp: {quote(text)}")


# Counts (tokens, sequence numbers) are whole numbers from 0 to 2^53: exact as a double, and
# the sum of two still fits the warehouse's BIGINT (a count of 10^40 once failed the whole
# monitoring job at the cast).
MAX_COUNT = 2**53


def parse_int(value: Any, name: str, notes: list[str]) -> int | None:
    """A count; None when absent. A value that is not a whole number from 0 to 2^53 becomes
    None and a note (the record is kept; its raw still holds the original value)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        notes.append(f"{name}={quote(value)} is not an integer; stored as null")
        return None
    if isinstance(value, int):
        number: int | float = value
    else:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            notes.append(f"{name}={quote(value)} is not an integer; stored as null")
            return None
        if number != number or number in (float("inf"), float("-inf")) or not number.is_integer():
            notes.append(f"{name}={quote(value)} is not an integer; stored as null")
            return None
    if not 0 <= number <= MAX_COUNT:
        notes.append(f"{name}={quote(value)} is outside 0..2^53; stored as null")
        return None
    return int(number)


def parse_float(value: Any, name: str, notes: list[str]) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        if isinstance(value, bool):
            notes.append(f"{name}={quote(value)} is not a number; stored as null")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        notes.append(f"{name}={quote(value)} is not a number; stored as null")
        return None
    if number != number or number in (float("inf"), float("-inf")):
        notes.append(f"{name}={quote(value)} is not a finite number; stored as null")
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
                return loads(stripped)
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


# JSON nested deeper than Python's decoder can follow raises RecursionError, not
# JSONDecodeError; both mean "this text is not JSON we can read", one record's problem.
TOO_DEEP = "nested deeper than the JSON decoder can follow"
# An integer of more than 4,300 digits makes the decoder raise a plain ValueError (Python's
# int-from-string limit), which would escape a handler that expects JSONDecodeError.
TOO_LONG = "holds an integer longer than the JSON decoder accepts"
_DECODER = json.JSONDecoder()


def skip_json_value(text: str, index: int) -> int | None:
    """The end of the array or object starting at `index` by bracket matching alone (strings
    and escapes respected), for stepping over a value too deep to decode; None when it never
    closes."""
    if text[index : index + 1] in ("-", *"0123456789"):  # a bare number (too long to decode)
        position = index + 1
        while position < len(text) and text[position] in "0123456789.eE+-":
            position += 1
        return position
    depth = 0
    in_string = escaped = False
    for position in range(index, len(text)):
        char = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return position + 1
    return None


def decode_at(text: str, index: int) -> tuple[Any, int]:
    """`JSONDecoder.raw_decode`, with a value nested too deep or an integer too long reported
    as a JSONDecodeError."""
    try:
        return _DECODER.raw_decode(text, index)
    except RecursionError:
        raise json.JSONDecodeError(TOO_DEEP, text, index) from None
    except json.JSONDecodeError:
        raise
    except ValueError:
        raise json.JSONDecodeError(TOO_LONG, text, index) from None


def loads(text: str) -> Any:
    """json.loads (a value nested too deep or an integer too long is a JSONDecodeError too),
    plus the surrogate clean-up only for the rare text that needs it."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError(TOO_DEEP, text, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError:
        raise json.JSONDecodeError(TOO_LONG, text, 0) from None
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
    # an exception's text may carry the hostile value itself: quoted (redacted, truncated)
    return f"record could not be normalized: {type(exc).__name__}: {quote(str(exc), 200)}"


def rejection(source: str, location: str, reason: str, text: Any = None) -> EventRejection:
    return EventRejection(source=source, location=location, reason=reason, excerpt=excerpt(text))


# ------------------------------------------------------------------ raw record


def json_len(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict | list):
        return len(json.dumps(value, default=str))
    return 0


def _shrink(value: Any, path: str, depth: int, notes: list[str]) -> Any:
    size = json_len(value)
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
