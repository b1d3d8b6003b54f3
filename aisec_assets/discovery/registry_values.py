"""The declared registry's vocabulary and value parsing: the fields an entry may set, how each
value is parsed from YAML or CSV, and `RegistryEntry`, one entry with its parsed values and
every problem found in it (see `registry.py` for the file formats and what becomes a record).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aisec_resources.records import (
    ASSET_TYPES,
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
    DiscoveredAsset,
)
from aisec_resources.redaction import quote, redact_text

SOURCE = "declared_registry"

# The accepted keys, in the order writers emit them (identity, ownership, classification,
# model facts, supply chain, deployment, relations).
# Record fields only discovery fills in (or that hold what discovery found); every other field
# of `DiscoveredAsset` can be declared, under the same name.
_NOT_DECLARABLE: frozenset[str] = frozenset(
    {"source", "cloud_account", "invalid_fields", "posture", "controls", "dependencies", "raw"}
)
_IDENTITY_FIELDS: tuple[str, ...] = ("name", "asset_type", "resource_id")
# Registry-only fields: they become dependency edges and control records, not record fields.
_RELATION_FIELDS: tuple[str, ...] = ("upstream_assets", "controls")
_RECORD_FIELD_TYPES: dict[str, str] = {
    f.name: str(f.type) for f in dataclasses.fields(DiscoveredAsset)
}
# The accepted keys, in the order writers emit them: identity, then the record's own fields
# in the record's order (declared once, in sql/schema/warehouse.sql and `DiscoveredAsset`),
# then relations.
REGISTRY_FIELDS: tuple[str, ...] = (
    *_IDENTITY_FIELDS,
    *(
        name
        for name in _RECORD_FIELD_TYPES
        if name not in _NOT_DECLARABLE and name not in _IDENTITY_FIELDS
    ),
    *_RELATION_FIELDS,
)
REQUIRED_FIELDS: tuple[str, ...] = ("name", "asset_type")
YAML_TOP_LEVEL_KEYS: tuple[str, ...] = ("assets",)
YAML_EXTENSIONS: tuple[str, ...] = (".yaml", ".yml")
CSV_EXTENSIONS: tuple[str, ...] = (".csv",)
LIST_SEPARATOR = ";"
CSV_TRUE: tuple[str, ...] = ("true", "yes", "1")
CSV_FALSE: tuple[str, ...] = ("false", "no", "0")
CONTROL_KEYS: tuple[str, ...] = ("type", "operational")
DECLARED_SCHEME = "declared://"
# A registry is a hand-maintained text file; anything this large is a mistake (or not a registry).
MAX_REGISTRY_BYTES = 64 * 1024 * 1024

_ENUM_FIELDS: dict[str, tuple[str, ...]] = {
    "asset_type": ASSET_TYPES,
    "data_classification": DATA_CLASSIFICATIONS,
    "deployment_env": DEPLOYMENT_ENVS,
    "network_exposure": NETWORK_EXPOSURES,
}
# Parsers by the record field's declared type (the dataclass annotation).
_BOOL_FIELDS: frozenset[str] = frozenset(
    f for f in REGISTRY_FIELDS if _RECORD_FIELD_TYPES.get(f) == "bool | None"
)
_STRING_FIELDS: frozenset[str] = frozenset(
    f
    for f in REGISTRY_FIELDS
    if _RECORD_FIELD_TYPES.get(f) in ("str", "str | None") and f not in _ENUM_FIELDS
)
# Fields copied onto DiscoveredAsset unchanged (the others are identity or become edges/controls).
COPIED_FIELDS: tuple[str, ...] = tuple(
    f for f in REGISTRY_FIELDS if f not in _IDENTITY_FIELDS and f not in _RELATION_FIELDS
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Deliberately simple: one @, no whitespace, a dot in the domain. Catches "team lead" and
# "jane.doe@" without pretending to implement RFC 5322.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Excerpts go into the warehouse: keep them short, and bounded even for deeply nested or
# self-referencing YAML (reprlib never walks more than a few levels).
_EXCERPT_REPR = reprlib.Repr()
_EXCERPT_REPR.maxlevel = 2
_EXCERPT_REPR.maxlist = 4
_EXCERPT_REPR.maxdict = 4
_EXCERPT_REPR.maxstring = 60
_EXCERPT_REPR.maxother = 60


def excerpt(value: Any) -> str:
    return _EXCERPT_REPR.repr(value)


def _shown(value: Any) -> str:
    """`value` as a message may quote it: a string quoted (redacted, truncated); anything else
    through the bounded excerpt first, so a huge list or mapping is never repr'd whole."""
    if isinstance(value, str):
        return quote(value)
    return redact_text(excerpt(value))


class _Problem(Exception):
    """One invalid field value: the reason, and the offending value for the excerpt."""

    def __init__(self, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.excerpt = None if value is None else excerpt(value)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, datetime):
        return "a timestamp"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _as_string(key: str, value: Any) -> str | None:
    if not isinstance(value, str):
        hint = " (quote the value in YAML)" if isinstance(value, bool | int | float | date) else ""
        raise _Problem(
            f"{key} must be a string, got {type_name(value)} {_shown(value)}{hint}", value
        )
    return value.strip() or None


def _parse_string(key: str, value: Any, from_csv: bool) -> str | None:
    text = _as_string(key, value)
    if text is None:
        return None
    if key == "name" and (LIST_SEPARATOR in text or LINE_BREAK.search(text)):
        raise _Problem(
            f"name {_shown(text)} must not contain {LIST_SEPARATOR!r} or line breaks "
            "(names are referenced from CSV upstream_assets lists)",
            text,
        )
    if key == "owner_email" and not _EMAIL.match(text):
        raise _Problem(
            f"owner_email {_shown(text)} is not an email address (name@domain.tld)", text
        )
    return text


def _check_enum(key: str, text: str, allowed: tuple[str, ...]) -> str:
    if text in allowed:
        return text
    hint = (
        f" (values are lowercase: did you mean {_shown(text.lower())}?)"
        if text.lower() in allowed
        else ""
    )
    raise _Problem(f"unknown {key} {_shown(text)}{hint}; allowed: {', '.join(allowed)}", text)


def _parse_enum(key: str, value: Any, from_csv: bool) -> str | None:
    text = _as_string(key, value)
    return None if text is None else _check_enum(key, text, _ENUM_FIELDS[key])


def _parse_bool_text(key: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in CSV_TRUE:
        return True
    if lowered in CSV_FALSE:
        return False
    raise _Problem(
        f"{key} must be a boolean ({'/'.join(CSV_TRUE + CSV_FALSE)}), got {_shown(text.strip())}",
        text,
    )


def _parse_bool(key: str, value: Any, from_csv: bool) -> bool | None:
    if from_csv:
        return _parse_bool_text(key, value)
    if not isinstance(value, bool):
        raise _Problem(
            f"{key} must be a YAML boolean (true or false, unquoted), got {type_name(value)} "
            f"{_shown(value)}",
            value,
        )
    return value


def _parse_date(key: str, value: Any, from_csv: bool) -> date | None:
    if isinstance(value, datetime):
        raise _Problem(f"{key} must be a date (YYYY-MM-DD), got a timestamp {value}", value)
    if isinstance(value, date):
        return value
    text = _as_string(key, value)
    if text is None:
        return None
    try:
        if not _ISO_DATE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise _Problem(
            f"{key} must be a valid date (YYYY-MM-DD), got {_shown(text)}", text
        ) from None


def _split_list(key: str, value: Any, from_csv: bool) -> list[str]:
    """The items of a list field: `;`-separated in CSV, a list of strings in YAML."""
    if from_csv:
        items = value.split(LIST_SEPARATOR)
    elif isinstance(value, list):
        items = value
    else:
        raise _Problem(f"{key} must be a list, got {type_name(value)} {_shown(value)}", value)
    result: list[str] = []
    for position, item in enumerate(items):
        if not isinstance(item, str):
            raise _Problem(
                f"{key}[{position}] must be a string, got {type_name(item)} {_shown(item)}", item
            )
        text = item.strip()
        if text and text not in result:  # a value listed twice means the same thing once
            result.append(text)
    return result


def _parse_scope(key: str, value: Any, from_csv: bool) -> list[str] | None:
    scopes = [_check_enum(key, s, REGULATORY_SCOPES) for s in _split_list(key, value, from_csv)]
    if "none" in scopes and len(scopes) > 1:
        raise _Problem(
            f"{key} 'none' cannot be combined with other scopes, got {', '.join(scopes)}", scopes
        )
    return scopes or None


def _parse_upstream(key: str, value: Any, from_csv: bool) -> list[str] | None:
    return _split_list(key, value, from_csv) or None


def _control_type(text: Any, position: int) -> str:
    if text is None or (isinstance(text, str) and not text.strip()):
        raise _Problem(
            f"controls[{position}] has no type; allowed: {', '.join(CONTROL_TYPES)}", text
        )
    if not isinstance(text, str):
        raise _Problem(
            f"controls[{position}] type must be a string, got {type_name(text)} {_shown(text)}",
            text,
        )
    name = text.strip()
    if name not in CONTROL_TYPES:
        raise _Problem(
            f"unknown control type {_shown(name)} in controls[{position}]; "
            f"allowed: {', '.join(CONTROL_TYPES)}",
            name,
        )
    return name


def _parse_controls(key: str, value: Any, from_csv: bool) -> list[tuple[str, bool]] | None:
    controls: list[tuple[str, bool]] = []
    if from_csv:
        items = [item for item in value.split(LIST_SEPARATOR) if item.strip()]
        for position, item in enumerate(items):
            type_text, has_flag, flag = item.partition("=")
            control_type = _control_type(type_text, position)
            operational = True
            if has_flag:
                try:
                    operational = _parse_bool_text(f"operational of {control_type}", flag)
                except _Problem as problem:
                    raise _Problem(f"controls[{position}]: {problem.reason}", item) from None
            controls.append((control_type, operational))
    else:
        if not isinstance(value, list):
            raise _Problem(
                f"controls must be a list of {{type, operational}} mappings, got "
                f"{type_name(value)} {_shown(value)}",
                value,
            )
        for position, item in enumerate(value):
            if not isinstance(item, dict):
                raise _Problem(
                    f"controls[{position}] must be a mapping {{type, operational}}, got "
                    f"{type_name(item)} {_shown(item)}",
                    item,
                )
            unknown = [str(k) for k in item if k not in CONTROL_KEYS]
            if unknown:
                raise _Problem(
                    f"controls[{position}] has unknown key(s) {', '.join(unknown)}; "
                    f"allowed: {', '.join(CONTROL_KEYS)}",
                    item,
                )
            control_type = _control_type(item.get("type"), position)
            operational = item.get("operational", True)
            if not isinstance(operational, bool):
                raise _Problem(
                    f"controls[{position}] ({control_type}): operational must be a YAML boolean "
                    "(true or false, unquoted), got "
                    f"{type_name(operational)} {_shown(operational)}",
                    operational,
                )
            controls.append((control_type, operational))
    seen: set[str] = set()
    for control_type, _ in controls:
        if control_type in seen:
            raise _Problem(f"control type {_shown(control_type)} is listed more than once", value)
        seen.add(control_type)
    return controls or None


_Parser = Callable[[str, Any, bool], Any]
_PARSERS: dict[str, _Parser] = {
    **dict.fromkeys(_STRING_FIELDS, _parse_string),
    **dict.fromkeys(_ENUM_FIELDS, _parse_enum),
    **dict.fromkeys(_BOOL_FIELDS, _parse_bool),
    "last_security_review": _parse_date,
    "regulatory_scope": _parse_scope,
    "upstream_assets": _parse_upstream,
    "controls": _parse_controls,
}
assert set(_PARSERS) == set(REGISTRY_FIELDS), "every registry field needs exactly one parser"


def _unknown_field_reason(key: str) -> str:
    close = difflib.get_close_matches(key, REGISTRY_FIELDS, n=1)
    hint = f" (did you mean {_shown(close[0])}?)" if close else ""
    return f"unknown field {_shown(key)}{hint}; allowed fields: {', '.join(REGISTRY_FIELDS)}"


@dataclass
class RegistryEntry:
    """One registry entry as read: where it is, its values, and what was wrong with it."""

    ref: str  # "assets[3]" or "line 7"
    values: dict[str, Any]  # present keys only; YAML objects or CSV cell text
    from_csv: bool
    is_mapping: bool = True  # False: a YAML list item that is not a mapping (nothing to parse)
    parsed: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str | None, str, str | None]] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # required fields absent (or blank)
    # The resource id the entry's record will have; None if unknown (no valid name, or a
    # resource_id value that failed to parse).
    resource_id: str | None = None

    @property
    def name(self) -> str | None:
        return self.parsed.get("name")

    def problem(self, key: str | None, reason: str, excerpt: str | None = None) -> None:
        self.problems.append((key, reason, excerpt))

    @property
    def identified(self) -> bool:
        """Whether the entry names one asset: a mapping with a valid, unique name and resource
        id and an asset_type (valid or not). Only such entries are loaded; any other problem
        is an invalid field of an asset that is still loaded."""
        if not self.is_mapping or self.name is None or self.resource_id is None:
            return False
        failed = {key for key, _, _ in self.problems}
        if failed & {None, "name", "resource_id"}:
            return False
        return "asset_type" not in self.missing

    @property
    def invalid_fields(self) -> list[str]:
        """The fields (and unknown keys) with a problem, in the order found, each once."""
        return list(dict.fromkeys(key for key, _, _ in self.problems if key is not None))

    def parse_fields(self) -> None:
        for key, value in self.values.items():
            if key not in _PARSERS:
                # Only the key goes into the excerpt: an unexpected field may hold anything.
                self.problem(str(key), _unknown_field_reason(str(key)), excerpt(str(key)))
                continue
            if value is None:
                continue
            try:
                parsed = _PARSERS[key](key, value, self.from_csv)
            except _Problem as problem:
                self.problem(key, problem.reason, problem.excerpt)
                continue
            if parsed is not None:
                self.parsed[key] = parsed
        failed = {key for key, _, _ in self.problems}
        for key in REQUIRED_FIELDS:
            if key not in self.parsed and key not in failed:
                self.missing.add(key)
                self.problem(key, f"missing required field {_shown(key)}")
        if "resource_id" in self.parsed:
            self.resource_id = self.parsed["resource_id"]
        elif self.name is not None and "resource_id" not in failed:
            self.resource_id = f"{DECLARED_SCHEME}{self.name}"
