"""Reading report files record by record, bounded in time and memory.

- A file is read up to MAX_FILE_BYTES; past it, what precedes the cap is used and one rejection
  names the cap.
- JSONL (garak): one record per line. A line longer than MAX_LINE_BYTES is skipped without
  being held in memory, and rejected; so is a line holding a NUL byte, bytes that are not
  UTF-8, JSON that does not parse (too deep or an integer too long included) or a value that
  is not an object. The next line is read as usual.
- JSON documents (promptfoo): the array of records (e.g. `results.results`) is walked element
  by element, each parsed on its own with the line it starts on; a bad element is one
  rejection and the walk goes on. Only a syntax error that hides where the next element
  starts ends the walk (one rejection says the rest was not read).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A full garak run over every probe writes a few hundred MB; far more is not a report.
MAX_FILE_BYTES = 1024 * 1024 * 1024
# One garak attempt line holds a prompt and its generations: 16 MiB is far above any seen.
MAX_LINE_BYTES = 16 * 1024 * 1024
# A promptfoo results document is read whole (its elements are walked in place).
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
_CHUNK = 1 << 20

TOO_DEEP = "nested deeper than the JSON decoder can follow"
TOO_LONG = "holds an integer longer than the JSON decoder accepts"


def over_file_cap(cap: int) -> str:
    return f"the file is larger than the cap of {cap} bytes: what precedes the cap was read"


@dataclass(frozen=True)
class Line:
    """One line of a JSONL file: the parsed object, or why it is not one (`problem`)."""

    number: int
    value: dict[str, Any] | None
    problem: str | None
    raw: bytes


def loads(text: str) -> Any:
    """json.loads; a value nested too deep or an integer too long is a ValueError naming it."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    except ValueError:
        raise ValueError(TOO_LONG) from None


def iter_jsonl(path: Path, max_file_bytes: int | None = None) -> Iterator[Line]:
    """The lines of a JSONL file (blank lines skipped). Raises OSError when it cannot be opened;
    a file past the cap ends with a `Line` whose problem names the cap (value None, number 0)."""
    cap = MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes
    line_cap = MAX_LINE_BYTES
    total = 0
    number = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.readline(line_cap + 1)
            if not chunk:
                return
            number += 1
            total += len(chunk)
            if len(chunk) > line_cap and not chunk.endswith(b"\n"):
                length = len(chunk)
                head = chunk[:4096]
                while True:  # skip the rest of the line, holding at most one chunk
                    rest = handle.readline(_CHUNK)
                    length += len(rest)
                    total += len(rest)
                    if not rest or rest.endswith(b"\n") or total > cap:
                        break
                yield Line(
                    number,
                    None,
                    f"line of {length} bytes is longer than the cap of {line_cap} bytes per "
                    "record: rejected, the file reads on",
                    head,
                )
            elif total > cap:
                pass
            else:
                stripped = chunk.strip()
                if stripped:
                    yield _parse_line(number, stripped)
            if total > cap:
                yield Line(0, None, over_file_cap(cap), b"")
                return


def _parse_line(number: int, raw: bytes) -> Line:
    if b"\x00" in raw:
        return Line(number, None, "binary data (a NUL byte) in the line: not a JSON record", raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Line(number, None, f"not UTF-8 text (byte {exc.start + 1}): not read", raw)
    try:
        value = loads(text)
    except ValueError as exc:
        return Line(number, None, str(exc), raw)
    if not isinstance(value, dict):
        return Line(number, None, f"a JSON {type(value).__name__}, not an object", raw)
    return Line(number, value, None, raw)


# ------------------------------------------------------------------ JSON documents


def read_document(path: Path, max_bytes: int | None = None) -> tuple[str, bool]:
    """The text of a JSON document (undecodable bytes replaced) and whether it was cut at the
    cap. Raises OSError."""
    cap = MAX_DOCUMENT_BYTES if max_bytes is None else max_bytes
    with path.open("rb") as handle:
        data = handle.read(cap + 1)
    cut = len(data) > cap
    return data[:cap].decode("utf-8", "replace"), cut


@dataclass(frozen=True)
class Element:
    """One element of the walked array: its value, or why it could not be parsed."""

    line: int
    value: Any
    problem: str | None
    raw: str


class DocumentError(ValueError):
    """The document cannot be walked (not JSON where it matters); `line` says where."""

    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


_WS = re.compile(r"[ \t\r\n]*")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_DECODER = json.JSONDecoder()


class JsonDocument:
    """Walks one JSON document: members along `path` are entered, the array at its end is
    yielded element by element, every other member is parsed whole into `header` (by dotted
    key). Lines are computed from offsets as the walk goes."""

    def __init__(self, text: str):
        self.text = text
        self.header: dict[str, Any] = {}
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self._newlines, offset - 1) + 1

    def _ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def _expect(self, i: int, char: str, what: str) -> int:
        i = self._ws(i)
        if i >= len(self.text) or self.text[i] != char:
            found = "the end of the file" if i >= len(self.text) else repr(self.text[i])
            raise DocumentError(self.line_at(i), f"expected {char!r} {what}, found {found}")
        return i + 1

    def _decode(self, i: int) -> tuple[Any, int]:
        try:
            return _DECODER.raw_decode(self.text, i)
        except RecursionError:
            raise DocumentError(self.line_at(i), TOO_DEEP) from None
        except json.JSONDecodeError as exc:
            raise DocumentError(self.line_at(exc.pos), f"not valid JSON: {exc.msg}") from None
        except ValueError:
            raise DocumentError(self.line_at(i), TOO_LONG) from None

    def _skip(self, i: int) -> int:
        """The end of the value starting at `i`, found without parsing it (for an element
        too deep or holding a too-long integer). Raises DocumentError when it has no end."""
        text = self.text
        if i < len(text) and text[i] not in "[{":
            return self._decode(i)[1]
        depth = 0
        for m in _TOKEN.finditer(text, i):
            token = m.group()
            if token in "[{":
                depth += 1
            elif token in "]}":
                depth -= 1
                if depth == 0:
                    return m.end()
        raise DocumentError(self.line_at(i), "a value is never closed")

    def elements(self, path: tuple[str, ...]) -> Iterator[Element]:
        """The elements of the array at `path` (e.g. ("results", "results")); raises
        DocumentError when the document does not have that shape or breaks before it."""
        yield from self._walk(0, path, "")

    def _walk(self, i: int, path: tuple[str, ...], prefix: str) -> Generator[Element, None, int]:
        i = self._expect(i, "{", f"at {prefix or 'the top level'} (an object)")
        found = False
        i = self._ws(i)
        if i < len(self.text) and self.text[i] == "}":
            i += 1
        else:
            while True:
                i = self._ws(i)
                key, i = self._decode(i)
                if not isinstance(key, str):
                    raise DocumentError(self.line_at(i), "an object key is not a string")
                i = self._expect(i, ":", f"after the key {key!r}")
                i = self._ws(i)
                dotted = f"{prefix}.{key}" if prefix else key
                if key == path[0] and not found:
                    found = True
                    if len(path) == 1:
                        i = yield from self._array(i, dotted)
                    else:
                        i = yield from self._walk(i, path[1:], dotted)
                else:
                    value, i = self._decode(i)
                    self.header[dotted] = value
                i = self._ws(i)
                if i < len(self.text) and self.text[i] == ",":
                    i += 1
                    continue
                i = self._expect(i, "}", f"to close {prefix or 'the document'}")
                break
        if not found:
            raise DocumentError(1, f"no {'.'.join(p for p in (prefix, path[0]) if p)} member")
        return i

    def _array(self, i: int, dotted: str) -> Generator[Element, None, int]:
        i = self._expect(i, "[", f"at {dotted} (an array)")
        i = self._ws(i)
        if i < len(self.text) and self.text[i] == "]":
            return i + 1
        while True:
            i = self._ws(i)
            line = self.line_at(i)
            try:
                value, end = _DECODER.raw_decode(self.text, i)
                problem = None
            except (RecursionError, ValueError) as exc:
                # too deep, an integer too long, or broken: find the element's end without
                # parsing it; when even that fails the rest of the array cannot be located
                if isinstance(exc, RecursionError):
                    problem = TOO_DEEP
                elif isinstance(exc, json.JSONDecodeError):
                    problem = f"not valid JSON: {exc.msg}"
                else:
                    problem = TOO_LONG
                value = None
                end = self._skip_element(i, line, problem)
            yield Element(line, value, problem, self.text[i : min(end, i + 4096)])
            i = self._ws(end)
            if i < len(self.text) and self.text[i] == ",":
                i += 1
                continue
            return self._expect(i, "]", f"to close {dotted}")

    def _skip_element(self, i: int, line: int, problem: str) -> int:
        try:
            end = self._skip(i)
        except DocumentError:
            raise DocumentError(line, f"{problem}; the rest of the array cannot be read") from None
        following = self._ws(end)
        if following < len(self.text) and self.text[following] in ",]":
            return end
        raise DocumentError(line, f"{problem}; the rest of the array cannot be read")
