"""The declared AI asset registry: a YAML or CSV file in which teams declare their AI assets.

Discovery finds what runs; the registry says what teams *say* runs, who owns it, how its data
is classified, which regulations apply and which controls are in place. Its entries use the
design brief's `AIAsset` field names (`REGISTRY_FIELDS`) and the lowercase enum values of
`records.py`.

File formats (chosen by extension):

* ``.yaml`` / ``.yml``: a mapping with one key, ``assets``, holding a list of entries (mappings).
  Booleans are YAML booleans, ``last_security_review`` is a YAML date or a ``YYYY-MM-DD``
  string, ``regulatory_scope`` and ``upstream_assets`` are lists of strings, ``controls`` is a
  list of ``{type: <control type>, operational: <bool>}`` (``operational`` defaults to true).
  Values of the wrong YAML type (``model_version: 1.0``, ``sbom_available: "yes"``) are
  rejected, not guessed at: quote strings, write booleans unquoted.
* ``.csv``: a header row of field names (any subset, in any order, ``name`` and
  ``asset_type`` required), one entry per row. Booleans are ``true/false/yes/no/1/0`` (any
  case); lists are ``;``-separated (``gdpr;hipaa``); controls are ``;``-separated
  ``type=<bool>`` items, where a bare ``type`` means operational true
  (``guardrails;rate_limiting=false``). An empty cell means the field is absent.

In both formats strings are stripped, an empty string or empty list means "absent", and enum
values must be spelled exactly (lowercase). Names must be unique, must not contain ``;`` (so
that CSV ``upstream_assets`` can refer to them) and resource ids must be unique.

Errors:

* Every problem is its own `Rejection` (one per offending field, all with the entry's
  location), so an entry with three mistakes shows all three at once. Locations are
  ``<file>: assets[<index>] (<name>)`` (YAML, index from 0) or ``<file>: line <n> (<name>)``
  (CSV, physical line the row starts on, header = line 1).
* Bad input never lowers risk, so an entry with an invalid *field* is still loaded: the
  field is left unknown and named in the record's ``invalid_fields`` (unknown field names
  too), which the risk engine scores at the field's worst case and compliance reports. An
  invalid ``asset_type`` keeps the entry as well, with ``asset_type`` ``"unknown"``
  (`UNKNOWN_ASSET_TYPE`, capability scored at its worst case).
* Only an entry that cannot be identified is not loaded: no valid ``name`` (missing, not a
  string, containing ``;``), no ``asset_type`` at all, a ``resource_id`` that is not a string,
  a YAML item that is not a mapping, a CSV row with more cells than the header names (its
  cells cannot be trusted to be in their columns), or a duplicate. Duplicates are judged in
  file order against every earlier entry, valid or not: the later entry is rejected.
* A file that cannot be read as a registry at all (missing, unreadable, too large, not UTF-8,
  YAML syntax error, wrong top-level shape, CSV without a usable header) raises
  `SourceUnavailable` naming the file (and line/column where there is one); the inventory then
  keeps the registry's last good data.

Each accepted entry becomes a `DiscoveredAsset` with ``source="declared_registry"``:
``resource_id`` is the entry's ``resource_id`` (linking it to what discovery finds) or
``declared://<name>``; declared controls carry ``evidence="declared in <file name>"``;
``upstream_assets`` become ``depends_on`` dependencies, where a value equal to another entry's
``name`` resolves to that entry's resource id and any other value is taken as a resource id.
``raw`` is the entry as parsed (JSON-able: dates as ISO strings, only the fields it set), so the
YAML and CSV forms of the same entry give identical records.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import difflib
import io
import re
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
import yaml.constructor

from aisec_resources.records import (
    ASSET_TYPES,
    CONTROL_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
    UNKNOWN_ASSET_TYPE,
    Control,
    Dependency,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
    natural_key,
)

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
_COPIED_FIELDS: tuple[str, ...] = tuple(
    f for f in REGISTRY_FIELDS if f not in _IDENTITY_FIELDS and f not in _RELATION_FIELDS
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Deliberately simple: one @, no whitespace, a dot in the domain. Catches "team lead" and
# "jane.doe@" without pretending to implement RFC 5322.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Excerpts go into the warehouse: keep them short, and bounded even for deeply nested or
# self-referencing YAML (reprlib never walks more than a few levels).
_EXCERPT_REPR = reprlib.Repr()
_EXCERPT_REPR.maxlevel = 2
_EXCERPT_REPR.maxlist = 4
_EXCERPT_REPR.maxdict = 4
_EXCERPT_REPR.maxstring = 60
_EXCERPT_REPR.maxother = 60


def _excerpt(value: Any) -> str:
    return _EXCERPT_REPR.repr(value)


class _Problem(Exception):
    """One invalid field value: the reason, and the offending value for the excerpt."""

    def __init__(self, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.excerpt = None if value is None else _excerpt(value)


def _type_name(value: Any) -> str:
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
        raise _Problem(f"{key} must be a string, got {_type_name(value)} {value!r}{hint}", value)
    return value.strip() or None


def _parse_string(key: str, value: Any, from_csv: bool) -> str | None:
    text = _as_string(key, value)
    if text is None:
        return None
    if key == "name" and (LIST_SEPARATOR in text or _LINE_BREAK.search(text)):
        raise _Problem(
            f"name {text!r} must not contain {LIST_SEPARATOR!r} or line breaks "
            "(names are referenced from CSV upstream_assets lists)",
            text,
        )
    if key == "owner_email" and not _EMAIL.match(text):
        raise _Problem(f"owner_email {text!r} is not an email address (name@domain.tld)", text)
    return text


def _check_enum(key: str, text: str, allowed: tuple[str, ...]) -> str:
    if text in allowed:
        return text
    hint = (
        f" (values are lowercase: did you mean {text.lower()!r}?)"
        if text.lower() in allowed
        else ""
    )
    raise _Problem(f"unknown {key} {text!r}{hint}; allowed: {', '.join(allowed)}", text)


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
        f"{key} must be a boolean ({'/'.join(CSV_TRUE + CSV_FALSE)}), got {text.strip()!r}", text
    )


def _parse_bool(key: str, value: Any, from_csv: bool) -> bool | None:
    if from_csv:
        return _parse_bool_text(key, value)
    if not isinstance(value, bool):
        raise _Problem(
            f"{key} must be a YAML boolean (true or false, unquoted), got {_type_name(value)} "
            f"{value!r}",
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
        raise _Problem(f"{key} must be a valid date (YYYY-MM-DD), got {text!r}", text) from None


def _split_list(key: str, value: Any, from_csv: bool) -> list[str]:
    """The items of a list field: `;`-separated in CSV, a list of strings in YAML."""
    if from_csv:
        items = value.split(LIST_SEPARATOR)
    elif isinstance(value, list):
        items = value
    else:
        raise _Problem(f"{key} must be a list, got {_type_name(value)} {value!r}", value)
    result: list[str] = []
    for position, item in enumerate(items):
        if not isinstance(item, str):
            raise _Problem(
                f"{key}[{position}] must be a string, got {_type_name(item)} {item!r}", item
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
            f"controls[{position}] type must be a string, got {_type_name(text)} {text!r}", text
        )
    name = text.strip()
    if name not in CONTROL_TYPES:
        raise _Problem(
            f"unknown control type {name!r} in controls[{position}]; "
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
                f"{_type_name(value)} {value!r}",
                value,
            )
        for position, item in enumerate(value):
            if not isinstance(item, dict):
                raise _Problem(
                    f"controls[{position}] must be a mapping {{type, operational}}, got "
                    f"{_type_name(item)} {item!r}",
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
                    f"(true or false, unquoted), got {_type_name(operational)} {operational!r}",
                    operational,
                )
            controls.append((control_type, operational))
    seen: set[str] = set()
    for control_type, _ in controls:
        if control_type in seen:
            raise _Problem(f"control type {control_type!r} is listed more than once", value)
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
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown field {key!r}{hint}; allowed fields: {', '.join(REGISTRY_FIELDS)}"


@dataclass
class _Entry:
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
                self.problem(str(key), _unknown_field_reason(str(key)), _excerpt(str(key)))
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
                self.problem(key, f"missing required field {key!r}")
        if "resource_id" in self.parsed:
            self.resource_id = self.parsed["resource_id"]
        elif self.name is not None and "resource_id" not in failed:
            self.resource_id = f"{DECLARED_SCHEME}{self.name}"


def _location(path: Path, entry: _Entry) -> str:
    suffix = f" ({entry.name})" if entry.name else ""
    return f"{path}: {entry.ref}{suffix}"


def _jsonable_entry(parsed: Mapping[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for key in REGISTRY_FIELDS:
        if key not in parsed:
            continue
        value = parsed[key]
        if key == "controls":
            value = [{"type": t, "operational": op} for t, op in value]
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, list):
            value = list(value)
        raw[key] = value
    return raw


def _build_records(path: Path, entries: list[_Entry]) -> SourceResult:
    result = SourceResult(scanned=len(entries))
    for entry in entries:
        if entry.is_mapping:
            entry.parse_fields()

    # Names resolve to the resource id of the first entry carrying them (valid or not), so a
    # reference keeps pointing at the same thing when that entry is fixed later.
    name_to_resource: dict[str, str] = {}
    for entry in entries:
        if entry.name is not None and entry.resource_id is not None:
            name_to_resource.setdefault(entry.name, entry.resource_id)

    first_by_name: dict[str, str] = {}
    first_by_key: dict[str, str] = {}
    evidence = f"declared in {path.name}"
    for entry in entries:
        name, resource_id = entry.name, entry.resource_id
        duplicate_name = name is not None and name in first_by_name
        if duplicate_name:
            entry.problem(
                "name", f"duplicate name {name!r}: already used by {first_by_name[name]}", name
            )
        elif name is not None:
            first_by_name[name] = entry.ref
        dependencies: list[Dependency] = []
        if resource_id is not None:
            key = natural_key(resource_id)
            # A declared:// id derived from a duplicate name is the same mistake: report it once.
            derived = "resource_id" not in entry.parsed
            if key not in first_by_key:
                first_by_key[key] = entry.ref
            elif not (duplicate_name and derived):
                entry.problem(
                    "resource_id",
                    f"duplicate resource_id {resource_id!r}: already used by {first_by_key[key]}",
                    resource_id,
                )
            for upstream in entry.parsed.get("upstream_assets", []):
                target = name_to_resource.get(upstream, upstream)
                if natural_key(target) == key:
                    entry.problem(
                        "upstream_assets",
                        f"upstream_assets {upstream!r} refers to this asset itself",
                        upstream,
                    )
                elif all(natural_key(d.resource_id) != natural_key(target) for d in dependencies):
                    dependencies.append(Dependency(target, "depends_on"))

        if entry.problems:
            location = _location(path, entry)
            result.rejections.extend(
                Rejection(SOURCE, location, reason, field=field_name, excerpt=excerpt)
                for field_name, reason, excerpt in entry.problems
            )
        if not entry.identified:
            continue
        assert name is not None and resource_id is not None  # identified
        parsed = entry.parsed
        result.records.append(
            DiscoveredAsset(
                source=SOURCE,
                resource_id=resource_id,
                name=name,
                asset_type=parsed.get("asset_type", UNKNOWN_ASSET_TYPE),
                invalid_fields=entry.invalid_fields,
                **{key: parsed.get(key) for key in _COPIED_FIELDS},
                controls=[
                    Control(control_type, operational, evidence)
                    for control_type, operational in parsed.get("controls", [])
                ],
                dependencies=dependencies,
                raw=_jsonable_entry(parsed),
            )
        )
    return result


# ------------------------------------------------------------------------------------ reading


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_REGISTRY_BYTES:
            raise SourceUnavailable(
                f"declared registry {path}: file is {size} bytes, larger than the "
                f"{MAX_REGISTRY_BYTES}-byte limit for a registry"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceUnavailable(f"declared registry {path}: file not found") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise SourceUnavailable(f"declared registry {path}: cannot read file ({reason})") from None
    offset = 0
    if data.startswith(codecs.BOM_UTF8):  # spreadsheet exports often start with a BOM
        offset = len(codecs.BOM_UTF8)
    try:
        text = data[offset:].decode("utf-8")
    except UnicodeDecodeError as error:
        position = offset + error.start
        line = data.count(b"\n", 0, position) + 1
        column = position - (data.rfind(b"\n", 0, position) + 1) + 1
        raise SourceUnavailable(
            f"declared registry {path}: not valid UTF-8 at line {line}, column {column} "
            f"(byte offset {position})"
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SourceUnavailable(
            f"declared registry {path}: contains a NUL character at line {line} "
            "(a binary file, not a registry)"
        )
    return text


class _RegistryLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses duplicate keys and keeps impossible dates as text.

    PyYAML silently keeps the last of two equal keys; in a registry that would drop a declared
    value without a trace, so a duplicate key is a syntax error with its line and column. A
    date-shaped value that is not a real date (2024-13-45) would crash PyYAML with a bare
    ValueError; kept as a string, it is rejected on its own entry instead.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            identity = (key_node.tag, key_node.value)
            if identity in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key_node.value!r}",
                    key_node.start_mark,
                )
            seen.add(identity)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_RegistryLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _RegistryLoader.construct_yaml_timestamp
)


def _read_yaml(path: Path, text: str) -> list[_Entry]:
    try:
        document = yaml.load(
            text, Loader=_RegistryLoader
        )  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or str(error)
        raise SourceUnavailable(
            f"declared registry {path}: YAML syntax error{where}: {problem}"
        ) from None
    except yaml.YAMLError as error:
        raise SourceUnavailable(f"declared registry {path}: YAML error: {error}") from None
    except RecursionError:
        raise SourceUnavailable(f"declared registry {path}: YAML nested too deeply") from None
    if not isinstance(document, dict) or "assets" not in document:
        raise SourceUnavailable(
            f"declared registry {path}: the top level must be a mapping with an 'assets' list, "
            f"got {_type_name(document) if document is not None else 'an empty document'}"
            + (f" with keys {', '.join(map(str, document))}" if isinstance(document, dict) else "")
        )
    unknown = [str(key) for key in document if key not in YAML_TOP_LEVEL_KEYS]
    if unknown:
        raise SourceUnavailable(
            f"declared registry {path}: unknown top-level key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(YAML_TOP_LEVEL_KEYS)}"
        )
    assets = document["assets"]
    if assets is None:  # `assets:` with nothing under it: a registry with no entries yet
        assets = []
    if not isinstance(assets, list):
        raise SourceUnavailable(
            f"declared registry {path}: 'assets' must be a list of entries, "
            f"got {_type_name(assets)}"
        )
    entries: list[_Entry] = []
    for index, item in enumerate(assets):
        is_mapping = isinstance(item, dict)
        entry = _Entry(f"assets[{index}]", item if is_mapping else {}, False, is_mapping)
        if not is_mapping:
            entry.problem(
                None,
                f"entry must be a mapping of field names to values, got {_type_name(item)}",
                _excerpt(item),
            )
        entries.append(entry)
    return entries


def _read_csv(path: Path, text: str) -> list[_Entry]:
    # strict: a stray or unclosed quote is an error, not a cell that swallows the next rows.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    entries: list[_Entry] = []
    previous_end = 0
    try:
        for row in reader:
            previous_end = reader.line_num
            # reader.line_num is the line the row ends on; quoted cells may span lines.
            start_line = reader.line_num - sum(len(_LINE_BREAK.findall(cell)) for cell in row)
            if not any(cell.strip() for cell in row):
                continue  # blank line, or a row of empty cells left by a spreadsheet
            if header is None:
                header = [cell.strip() for cell in row]
                header_line = start_line
                _check_csv_header(path, header, header_line)
                continue
            entry = _Entry(f"line {start_line}", {}, from_csv=True)
            for column, cell in zip(header, row, strict=False):
                if cell.strip():
                    entry.values[column] = cell
            extra = [cell for cell in row[len(header) :] if cell.strip()]
            if extra:
                entry.problem(
                    None,
                    f"row has {len(row)} cells but the header (line {header_line}) has "
                    f"{len(header)} columns",
                    _excerpt(extra),
                )
            entries.append(entry)
    except csv.Error as error:
        raise SourceUnavailable(
            f"declared registry {path}: CSV error at line {reader.line_num} "
            f"(in the row starting at line {previous_end + 1}): {error}"
        ) from None
    if header is None:
        raise SourceUnavailable(
            f"declared registry {path}: no header row (the file is empty); expected column "
            f"names from: {', '.join(REGISTRY_FIELDS)}"
        )
    return entries


def _check_csv_header(path: Path, header: list[str], line: int) -> None:
    where = f"declared registry {path}: line {line}"
    known = [column for column in header if column in REGISTRY_FIELDS]
    if not known:
        raise SourceUnavailable(
            f"{where} is not a header row (no known column names); the first line must name "
            f"the columns, from: {', '.join(REGISTRY_FIELDS)}"
        )
    empty = [str(position + 1) for position, column in enumerate(header) if not column]
    if empty:
        raise SourceUnavailable(
            f"{where}: header has empty column name(s) at column {', '.join(empty)}"
        )
    unknown = [column for column in header if column not in REGISTRY_FIELDS]
    if unknown:
        raise SourceUnavailable(
            f"{where}: unknown column(s) {', '.join(map(repr, unknown))} in the header; "
            f"allowed: {', '.join(REGISTRY_FIELDS)}"
        )
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        raise SourceUnavailable(f"{where}: column(s) {', '.join(duplicated)} appear more than once")
    missing = [column for column in REQUIRED_FIELDS if column not in header]
    if missing:
        raise SourceUnavailable(f"{where}: header lacks required column(s) {', '.join(missing)}")


def parse_registry(path: Path) -> SourceResult:
    """Read a declared registry (YAML or CSV, by extension) into records and rejections.

    Raises `SourceUnavailable` when the file as a whole cannot be used (see the module doc).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in YAML_EXTENSIONS + CSV_EXTENSIONS:
        raise SourceUnavailable(
            f"declared registry {path}: unsupported file extension {path.suffix!r}; "
            f"expected one of {', '.join(YAML_EXTENSIONS + CSV_EXTENSIONS)}"
        )
    text = _read_text(path)
    entries = _read_yaml(path, text) if suffix in YAML_EXTENSIONS else _read_csv(path, text)
    return _build_records(path, entries)
