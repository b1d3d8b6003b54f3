"""YAML data files validated against a schema, with every problem as `file:line: field: message`.

The catalogs and governance files (control catalog, framework libraries, policies, RACI, risk
appetite, risk acceptances) are hand-written YAML. A bad file is one `DocumentError` listing
every problem found, each with the line of the YAML node it concerns, so an author can fix the
file in one pass. Aliases and merge keys are refused where they stand (an alias can expand a
1 KB file into a billion values), duplicate keys are errors rather than silently overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
# Hand-written catalogs are small; anything this large is a mistake (or not a catalog).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
_PLAIN_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class DocumentError(ValueError):
    """A data file that cannot be used; `problems` names file, line and field of each."""

    def __init__(self, what: str, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(f"invalid {what}:\n" + "\n".join(f"  {p}" for p in self.problems))


def loc_text(loc: Sequence[str | int]) -> str:
    """`controls[3].mappings.owasp_llm` for ("controls", 3, "mappings", "owasp_llm")."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


@dataclass(frozen=True)
class Document:
    """Plain data parsed from one YAML file, with the line of every node by its path."""

    file: str
    data: Any
    lines: dict[Loc, int]

    def line(self, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest node of `loc` that exists in the file."""
        found: list[str | int] = []
        for part in loc:
            if (*found, part) in self.lines:
                found.append(part)
        return self.lines.get(tuple(found))

    def problem(self, loc: Sequence[str | int], message: str) -> Problem:
        return Problem(self.file, self.line(loc), loc_text(loc), message)


def parse_document(text: str, file: str, what: str) -> Document:
    """Parse YAML text into a `Document`; raises `DocumentError` (with the line) when it is not
    valid YAML, is empty, or uses aliases, merge keys, non-string keys or duplicate keys."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            what, [Problem(file, None, "<file>", f"larger than {MAX_DOCUMENT_BYTES} bytes")]
        )
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = _compose_without_aliases(loader)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(
            what, [Problem(file, line, "<yaml>", f"not valid YAML: {problem}")]
        ) from None
    if root is None:
        raise DocumentError(what, [Problem(file, None, "<yaml>", "the file is empty")])
    lines: dict[Loc, int] = {}
    problems: list[Problem] = []
    constructor = yaml.SafeLoader("")

    def scalar(node: yaml.Node, loc: Loc) -> Any:
        # An unknown tag (`!foo`) or a value its tag cannot hold (`!!int abc`) is a problem of
        # this node, not an exception escaping the loader.
        try:
            return constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            reason = getattr(exc, "problem", None) or str(exc)
            problems.append(
                Problem(file, node.start_mark.line + 1, loc_text(loc), f"bad value: {reason}")
            )
            return None

    def build(node: yaml.Node, loc: Loc) -> Any:
        lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_COLLECTION_TAGS:
            problems.append(Problem(file, lines[loc], loc_text(loc), f"unsupported tag {node.tag}"))
            return None
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                reported = len(problems)
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                    key = scalar(key_node, (*loc, key_node.value))
                else:
                    key = "<<" if isinstance(key_node, yaml.ScalarNode) else None
                if len(problems) > reported:
                    continue
                if not isinstance(key, str) or key == "<<":
                    shown = str(key) if isinstance(key_node, yaml.ScalarNode) else "<complex key>"
                    problems.append(
                        Problem(
                            file,
                            key_line,
                            loc_text((*loc, shown)),
                            "keys must be plain strings (no merge keys)",
                        )
                    )
                    continue
                if key in out:
                    problems.append(Problem(file, key_line, loc_text((*loc, key)), "duplicate key"))
                    continue
                # A keyed value is located at its key: a block mapping or list starts on the
                # next line, but the author looks for the key.
                lines[(*loc, key)] = key_line
                out[key] = build(value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return scalar(node, loc)

    data = build(root, ())
    if problems:
        raise DocumentError(what, problems)
    return Document(file, data, lines)


def _compose_without_aliases(loader: yaml.SafeLoader) -> yaml.Node | None:
    """`loader.get_single_node()`, refusing any alias at the line where it stands."""
    original = loader.compose_node

    def compose_node(parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if loader.check_event(yaml.AliasEvent):
            event = loader.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"found alias *{event.anchor}: aliases are not allowed in this file",
                event.start_mark,
            )
        return original(parent, index)

    loader.compose_node = compose_node  # type: ignore[method-assign]
    return loader.get_single_node()


def read_document(path: Path | Traversable, what: str) -> Document:
    """Read and parse one YAML file (a path or package data); unreadable files are a
    `DocumentError` naming the file."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(what, [Problem(file, None, "<file>", "file not found")]) from None
    except OSError as exc:
        raise DocumentError(what, [Problem(file, None, "<file>", f"cannot read: {exc}")]) from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            what, [Problem(file, None, "<file>", f"larger than {MAX_DOCUMENT_BYTES} bytes")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            what, [Problem(file, None, "<file>", f"not UTF-8 text: {exc.reason}")]
        ) from None
    return parse_document(text, file, what)


def validation_problems(doc: Document, err: ValidationError, base: Loc = ()) -> list[Problem]:
    """Pydantic's errors as problems with lines. Pydantic puts union tags and validator names
    into locations; only the parts that exist in the document (plus a missing field's own
    name, which has no node) are kept, so the line is the deepest node that does exist."""
    problems = []
    for error in err.errors():
        loc: list[str | int] = list(base)
        for part in error["loc"]:
            if (*loc, part) in doc.lines:
                loc.append(part)
        missing = error["type"] == "missing" and error["loc"] and isinstance(error["loc"][-1], str)
        shown = [*loc, error["loc"][-1]] if missing else loc
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
            shown = [*loc]
            if error["loc"] and error["loc"][-1] not in loc:
                shown.append(error["loc"][-1])
        problems.append(Problem(doc.file, doc.line(loc), loc_text(shown), message))
    return problems


def validate_document(model: type[M], doc: Document, what: str) -> M:
    """Validate the whole document against `model`; raises `DocumentError` with lines."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as err:
        raise DocumentError(what, validation_problems(doc, err)) from None
