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

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from aisec_assets.discovery.registry_files import (
    read_csv_entries,
    read_registry_text,
    read_yaml_entries,
)
from aisec_assets.discovery.registry_values import (
    COPIED_FIELDS,
    CSV_EXTENSIONS,
    LIST_SEPARATOR,
    MAX_REGISTRY_BYTES,
    REGISTRY_FIELDS,
    SOURCE,
    YAML_EXTENSIONS,
    RegistryEntry,
)
from aisec_resources.records import (
    UNKNOWN_ASSET_TYPE,
    Control,
    Dependency,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
    natural_key,
)
from aisec_resources.redaction import quote

__all__ = ["LIST_SEPARATOR", "MAX_REGISTRY_BYTES", "REGISTRY_FIELDS", "SOURCE", "parse_registry"]


def _location(path: Path, entry: RegistryEntry) -> str:
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


def _build_records(path: Path, entries: list[RegistryEntry]) -> SourceResult:
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
                "name", f"duplicate name {quote(name)}: already used by {first_by_name[name]}", name
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
                    f"duplicate resource_id {quote(resource_id)}: "
                    f"already used by {first_by_key[key]}",
                    resource_id,
                )
            for upstream in entry.parsed.get("upstream_assets", []):
                target = name_to_resource.get(upstream, upstream)
                if natural_key(target) == key:
                    entry.problem(
                        "upstream_assets",
                        f"upstream_assets {quote(upstream)} refers to this asset itself",
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
                **{key: parsed.get(key) for key in COPIED_FIELDS},
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
    text = read_registry_text(path, MAX_REGISTRY_BYTES)
    entries = (
        read_yaml_entries(path, text) if suffix in YAML_EXTENSIONS else read_csv_entries(path, text)
    )
    return _build_records(path, entries)
