"""Reading a declared registry file: size-capped UTF-8 text, YAML (with line numbers and
duplicate keys refused) or CSV (header checked, physical line numbers kept), into
`RegistryEntry`s. A file that cannot be used at all raises `SourceUnavailable` naming it.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import yaml
import yaml.composer
import yaml.constructor

from aisec_assets.discovery.registry_values import (
    LINE_BREAK,
    REGISTRY_FIELDS,
    REQUIRED_FIELDS,
    YAML_TOP_LEVEL_KEYS,
    RegistryEntry,
    excerpt,
    type_name,
)
from aisec_resources.records import (
    SourceUnavailable,
)
from aisec_resources.redaction import quote


def read_registry_text(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceUnavailable(
                f"declared registry {path}: file is {size} bytes, larger than the "
                f"{max_bytes}-byte limit for a registry"
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
    ValueError; kept as a string, it is rejected on its own entry instead. An alias (`*name`)
    is refused where it stands: ten nested aliases expand a 1 KB file to a billion values (the
    "billion laughs" bomb), and a hand-written registry has no need for them.
    """

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"found alias *{event.anchor}: aliases are not allowed in a registry (they can "
                "expand a small file without bound); write the values out",
                event.start_mark,
            )
        return super().compose_node(parent, index)

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
                    f"found duplicate key {quote(key_node.value)}",
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


def read_yaml_entries(path: Path, text: str) -> list[RegistryEntry]:
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
            f"got {type_name(document) if document is not None else 'an empty document'}"
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
            f"declared registry {path}: 'assets' must be a list of entries, got {type_name(assets)}"
        )
    entries: list[RegistryEntry] = []
    for index, item in enumerate(assets):
        is_mapping = isinstance(item, dict)
        entry = RegistryEntry(f"assets[{index}]", item if is_mapping else {}, False, is_mapping)
        if not is_mapping:
            entry.problem(
                None,
                f"entry must be a mapping of field names to values, got {type_name(item)}",
                excerpt(item),
            )
        entries.append(entry)
    return entries


def read_csv_entries(path: Path, text: str) -> list[RegistryEntry]:
    # strict: a stray or unclosed quote is an error, not a cell that swallows the next rows.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    entries: list[RegistryEntry] = []
    previous_end = 0
    try:
        for row in reader:
            previous_end = reader.line_num
            # reader.line_num is the line the row ends on; quoted cells may span lines.
            start_line = reader.line_num - sum(len(LINE_BREAK.findall(cell)) for cell in row)
            if not any(cell.strip() for cell in row):
                continue  # blank line, or a row of empty cells left by a spreadsheet
            if header is None:
                header = [cell.strip() for cell in row]
                header_line = start_line
                _check_csv_header(path, header, header_line)
                continue
            entry = RegistryEntry(f"line {start_line}", {}, from_csv=True)
            for column, cell in zip(header, row, strict=False):
                if cell.strip():
                    entry.values[column] = cell
            extra = [cell for cell in row[len(header) :] if cell.strip()]
            if extra:
                entry.problem(
                    None,
                    f"row has {len(row)} cells but the header (line {header_line}) has "
                    f"{len(header)} columns",
                    excerpt(extra),
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
