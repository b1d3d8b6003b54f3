"""What every configuration model shares: strict models, the error type, path resolution."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError


class ConfigError(Exception):
    """An invalid configuration: names the file, the key and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Strict = _Strict


def check_keys(table: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; allowed: {list(allowed)}")


def format_errors(path: Path, err: ValidationError, prefix: str = "") -> str:
    """`file: key.path: message` per problem; `prefix` is the key path of a nested section."""
    lines = []
    for e in err.errors():
        key = ".".join([*([prefix] if prefix else []), *(str(p) for p in e["loc"])])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{path}: {key or '(top level)'}: {msg}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def resolve_paths(node: Any, base: Path) -> Any:
    """Resolve every relative `Path` in a validated model against the config's directory."""
    if isinstance(node, BaseModel):
        updates = {
            name: resolve_paths(getattr(node, name), base) for name in type(node).model_fields
        }
        return node.model_copy(update=updates)
    if isinstance(node, Path):
        return node if node.is_absolute() else (base / node).resolve()
    if isinstance(node, list):
        return [resolve_paths(n, base) for n in node]
    if isinstance(node, dict):  # named entries (notification channels)
        return {key: resolve_paths(value, base) for key, value in node.items()}
    return node


M = TypeVar("M", bound=BaseModel)


def parse_section(model: type[M], raw: Any, *, file: Path, key: str) -> M:
    """Validate one section of aisec.yaml (e.g. `sources.aws`) with the model its owner
    declares (a source spec in a pillar): errors read `file: sources.aws.bundle: message`
    like the rest of the file's, relative paths resolve against the file's directory."""
    try:
        parsed = model.model_validate({} if raw is None else raw)
    except ValidationError as err:
        raise ConfigError(format_errors(file, err, prefix=key)) from None
    return resolve_paths(parsed, file.parent.resolve())


def check_section_names(
    raw: Mapping[str, Any], allowed: Iterable[str], *, file: Path, key: str
) -> None:
    """Unknown names under a section whose entries a registry defines (`sources`,
    `monitoring.logs`) are errors listing what is known."""
    known = sorted(allowed)
    unknown = sorted(set(raw) - set(known))
    if unknown:
        lines = [f"{file}: {key}.{name}: unknown key; known: {known}" for name in unknown]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))
