"""The source name and the secret-free excerpts every Azure `Rejection` carries.

Excerpts never show a key-shaped value (a long run of token characters mixing letters and
digits) and describe JSON by its shape (key names, item counts, short scalars).
"""

from __future__ import annotations

import json
import re
from typing import Any

SOURCE = "azure_openai"

# Long runs of token characters mixing letters and digits look like keys; excerpts never show
# them (plain words such as "highly-confidential" stay readable).
_KEY_SHAPED = re.compile(
    r"(?=[A-Za-z0-9+/=_\-]*[0-9])(?=[A-Za-z0-9+/=_\-]*[A-Za-z])[A-Za-z0-9+/=_\-]{20,}"
)
_EXCERPT_LIMIT = 120


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def masked_excerpt(text: str) -> str:
    masked = _KEY_SHAPED.sub(lambda m: f"<{len(m.group(0))} chars>", text)
    return masked if len(masked) <= _EXCERPT_LIMIT else masked[: _EXCERPT_LIMIT - 3] + "..."


def json_shape(value: Any) -> str:
    """A short, secret-free description of a JSON value: key names and short scalars only."""
    if isinstance(value, dict):
        return masked_excerpt("object with keys " + ", ".join(sorted(str(k) for k in value)))
    if isinstance(value, list):
        return f"list of {len(value)} items"
    return masked_excerpt(json.dumps(value))


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return masked_excerpt(text[0]) if text else type(exc).__name__
