"""The small text files of a model, read size-capped: JSON configs and model cards.

A file that is too big, not UTF-8, not JSON or not an object raises `BadFile` with the reason
(and an excerpt with unprintable characters replaced), which the caller turns into a
`Rejection`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MAX_CARD_LIST_ITEMS = 50
MAX_EXCERPT_CHARS = 80


def printable_excerpt(text: str, around: int = 0) -> str:
    start = max(0, around - MAX_EXCERPT_CHARS // 2)
    piece = text[start : start + MAX_EXCERPT_CHARS]
    return "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in piece)


class BadFile(Exception):
    def __init__(self, reason: str, excerpt: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.excerpt = excerpt


def read_small_text(path: Path, max_bytes: int) -> str:
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise BadFile(f"file is {size} bytes, above max_file_bytes ({max_bytes}); not read")
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise BadFile(f"cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(f"not UTF-8 text (binary file?): byte {exc.start} is invalid") from None


def read_json_object(path: Path, max_bytes: int) -> dict[str, Any]:
    text = read_small_text(path, max_bytes)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadFile(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            printable_excerpt(text, exc.pos),
        ) from None
    except RecursionError:
        raise BadFile("invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise BadFile(
            f"expected a JSON object, got a JSON {type(value).__name__}", printable_excerpt(text)
        )
    return value


def split_card(text: str) -> tuple[str | None, str]:
    """(YAML front matter or None, body) of a model card."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    return None, text  # an opening `---` without a closing one is just text


def card_description(body: str) -> str | None:
    """First prose paragraph of a card body (no headings, HTML, badges, tables, code)."""
    paragraph: list[str] = []
    in_code = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if not stripped:
            if paragraph:
                break
            continue
        if stripped.startswith(("#", "<", "!", "|", "[!", "- ", "* ", ">")):
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    if not paragraph:
        return None
    text = " ".join(paragraph)
    return text if len(text) <= 300 else text[:297].rstrip() + "..."


def string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)][:MAX_CARD_LIST_ITEMS]
    return []
