"""Text from a red-team report as it may be stored: names checked and cut, excerpts redacted.

A red-team prompt is an attack and its output may be whatever the model was tricked into
saying: credentials, customers' personal data. Only one excerpt per finding is kept, at most
EXCERPT_CHARS characters, after `redact_excerpt` (credentials, long opaque tokens) and a mask
of personal data (e-mail addresses, phone numbers, payment card and social security numbers,
IBANs). Redaction runs on a bounded head of the text before the cut, so a credential that
straddles the cut is still recognised whole.
"""

from __future__ import annotations

import re
from typing import Any

from aisec_resources.redaction import redact_excerpt, redact_text

EXCERPT_CHARS = 200
# How much of a prompt or output is looked at for the excerpt (redaction runs on this head).
HEAD_CHARS = 2_000
NAME_CHARS = 200

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
# Probe, detector, plugin and strategy names: plugin-path characters only.
NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:/@+-]{0,199}$")

_PII: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")),
    ("card_number", re.compile(r"\b\d(?:[ -]?\d){12,18}\b")),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    (
        "phone",
        re.compile(
            r"(?:\+\d{1,3}[\s.-]?)?\(?\b\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,4}\b"
            r"|\+\d{1,3}[\s.-]?\d{6,12}\b"
        ),
    ),
)


def clean(text: str) -> str:
    """`text` storable as VARCHAR: lone surrogates and control characters replaced."""
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("?", text)


def mask_personal_data(text: str) -> str:
    for kind, pattern in _PII:
        text = pattern.sub(f"<redacted:{kind}>", text)
    return text


def safe_excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A storable excerpt: cleaned, credentials and personal data masked, at most `limit`."""
    # redaction sees the text as written (a PEM block keeps its line breaks), then the
    # whitespace is folded for a one-line excerpt
    redacted = mask_personal_data(redact_excerpt(clean(text[:HEAD_CHARS])))
    redacted = _SPACE.sub(" ", redacted).strip()
    if len(redacted) <= limit:
        return redacted
    return redacted[: limit - 1] + "…"


def attempt_excerpt(prompt: str | None, output: str | None) -> str:
    """`prompt: … | output: …` of one failing attempt, as `safe_excerpt` stores it. The output
    is what proves the failure, so it gets at least half of the room."""
    prompt_part = safe_excerpt(prompt or "", EXCERPT_CHARS)
    output_part = safe_excerpt(output or "", EXCERPT_CHARS)
    room = EXCERPT_CHARS - len("prompt:  | output: ")
    keep_output = min(len(output_part), max(room // 2, room - len(prompt_part)))
    keep_prompt = room - keep_output
    return f"prompt: {_cut(prompt_part, keep_prompt)} | output: {_cut(output_part, keep_output)}"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def record_excerpt(raw: bytes | str) -> str:
    """The start of a rejected record: decoded leniently, then `safe_excerpt`."""
    if isinstance(raw, bytes):
        raw = raw[: HEAD_CHARS * 4].decode("utf-8", "replace")
    return safe_excerpt(raw.replace("\x00", "\ufffd"))


def name(value: Any, what: str) -> str:
    """A probe / detector / plugin / strategy name; raises ValueError naming `what`."""
    if not isinstance(value, str):
        shown = "missing" if value is None else type(value).__name__
        raise ValueError(f"{what} is {shown}, not a string")
    text = value.strip()
    if not NAME_RE.match(text):
        shown = safe_excerpt(text, 60)
        raise ValueError(f"{what} {shown!r} is not a plugin name (letters, digits, _.:/@+-)")
    return text


def optional_text(value: Any, limit: int = NAME_CHARS) -> str | None:
    """A short descriptive value of the run (a version, a model or provider name) as storable
    text (credentials masked, cut to `limit`), or None when it is not text."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = redact_text(_SPACE.sub(" ", clean(value[:HEAD_CHARS])).strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


IDENTIFIER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$")


def identifier(value: Any, what: str) -> str:
    """A run id (a UUID, a promptfoo eval id); raises ValueError naming `what`."""
    if not isinstance(value, str):
        raise ValueError(f"{what} is {type(value).__name__}, not a run id")
    text = value.strip()
    if not IDENTIFIER_RE.match(text) or redact_text(text) != text:
        raise ValueError(f"{what} {safe_excerpt(text, 60)!r} is not a run id")
    return text
