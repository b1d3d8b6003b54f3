"""The one redaction gate: everything aisec writes passes through it.

* `redact_text` — text of any kind (a prompt, a rejection reason, a log line): every span a
  detector (`detectors.py`) finds becomes `<redacted:detector id>`.
* `redact_structure` — a parsed object (a source's raw record, a model's config.json): values
  under secret-named fields (`keys.py`) are masked whatever they hold, and every string in it
  passes `redact_text`. Structures are redacted before they are serialized, so JSON stays JSON.
* `quote` — an input value as it may appear in a message: redacted and cut short.
* `redact_excerpt` — an excerpt of rejected input: also masks every long opaque token.
* `RedactingFilter` — a logging filter: a record's message leaves redacted.

Warehouse rows (`records.py`, `events.py`), Dagster log lines and metadata (`dagster_io.py`)
and rejection reasons all go through these; `aisec audit-secrets` (`secret_audit.py`, with
detectors of its own) verifies the result independently.
"""

from __future__ import annotations

import logging
import re
import reprlib
from typing import Any

from aisec_resources.redaction.detectors import find_spans
from aisec_resources.redaction.keys import is_secret_name

QUOTE_LIMIT = 80
REDACTED_PREFIX = "<redacted:"
# Structures nested deeper than this are cut (parsers reject far shallower input already).
MAX_DEPTH = 200


# Exported findings, metadata and records repeat the same short strings (control names,
# framework references, rule titles) hundreds of thousands of times. Short texts found free of
# credentials are remembered, so a repeat is not scanned again; a text with a credential is
# never kept (it is scanned each time it comes). Full: forgotten all at once.
_CACHED_TEXT_LIMIT = 512
_CLEAN_TEXTS_MAX = 65_536
_clean_short_texts: set[str] = set()


def redact_text(text: str) -> str:
    """`text` with every credential span replaced by `<redacted:detector id>`."""
    if text in _clean_short_texts:
        return text
    redacted = _redact_text(text)
    if redacted is text and len(text) <= _CACHED_TEXT_LIMIT:
        if len(_clean_short_texts) >= _CLEAN_TEXTS_MAX:
            _clean_short_texts.clear()
        _clean_short_texts.add(text)
    return redacted


def _redact_text(text: str) -> str:
    spans = find_spans(text)
    if not spans:
        return text
    parts = []
    pos = 0
    for span in spans:
        parts.append(text[pos : span.start])
        parts.append(f"{REDACTED_PREFIX}{span.detector}>")
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)


# In an excerpt of input that could not be parsed there is no structure to say which value is a
# secret, and a key may be cut or split across lines (a PEM body line alone): every long run of
# token characters mixing letters and digits is masked there too.
_EXCERPT_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{24,}")


def _opaque_token(match: re.Match[str]) -> str:
    token = match[0]
    if any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
        return f"{REDACTED_PREFIX}opaque_token>"
    return token


def redact_excerpt(text: str) -> str:
    """`redact_text`, plus every long letter-and-digit token masked: for excerpts of rejected
    input, which are kept to show where a record broke, not what its values were."""
    return _EXCERPT_TOKEN.sub(_opaque_token, redact_text(text))


def _masked_by_name(name: str) -> str:
    return f"{REDACTED_PREFIX}field {name[:60]}>"


def redact_structure(value: Any, _depth: int = 0) -> Any:
    """A copy of a JSON-like value with secret-named fields masked and every string redacted.

    `{"Key": "api-key", "Value": "…"}` pairs (AWS tags) count as a field named by their key.
    Booleans and nulls under secret names stay (`"api_key_required": true` says nothing).
    """
    if _depth > MAX_DEPTH:
        return f"{REDACTED_PREFIX}nested deeper than {MAX_DEPTH}>"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        tag_name = _tag_pair_name(value)
        out: dict[Any, Any] = {}
        for k, v in value.items():
            name = str(k)
            if (is_secret_name(name) or (tag_name and name.lower() == "value")) and _maskable(v):
                out[k] = _masked_by_name(tag_name if tag_name and name.lower() == "value" else name)
            else:
                out[k] = redact_structure(v, _depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [redact_structure(v, _depth + 1) for v in value]
    return value


def _maskable(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return bool(value) and not value.startswith(REDACTED_PREFIX)
    if isinstance(value, (dict, list, tuple)):
        return bool(value)
    return True


def _tag_pair_name(value: dict[Any, Any]) -> str | None:
    """The key of a `{"Key": k, "Value": v}` tag pair when `k` names a secret."""
    if len(value) != 2:
        return None
    lowered = {str(k).lower(): v for k, v in value.items()}
    key = lowered.get("key")
    if "value" in lowered and isinstance(key, str) and is_secret_name(key):
        return key
    return None


_REPR = reprlib.Repr()
_REPR.maxstring = QUOTE_LIMIT * 4
_REPR.maxother = QUOTE_LIMIT * 4
_REPR.maxlong = QUOTE_LIMIT * 4  # an int of 10^6 digits is cut before it is ever printed
_REPR.maxlevel = 3


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """`value` as it may appear in a message: repr'd (bounded: a hostile multi-megabyte string,
    list or number costs no more than its head), redacted, and cut to `limit` characters
    (with the full length of a string said)."""
    total = len(value) if isinstance(value, (str, bytes, bytearray)) else None
    if total is not None:
        # Redact a generous head (a key may start just before the cut), then cut.
        text = repr(value[: limit * 4])
    else:
        try:
            text = _REPR.repr(value)
        except ValueError:  # an int past Python's str() digit limit
            text = f"<{type(value).__name__} too large to show>"
    text = redact_text(text)
    if len(text) <= limit and (total is None or total <= limit * 4):
        return text
    return text[:limit] + (f"… ({total} chars)" if total is not None else "…")


class RedactingFilter(logging.Filter):
    """Redacts a log record's message (its arguments merged in) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = ()
        return True


__all__ = [
    "QUOTE_LIMIT",
    "REDACTED_PREFIX",
    "RedactingFilter",
    "is_secret_name",
    "quote",
    "redact_excerpt",
    "redact_structure",
    "redact_text",
]
