"""Data shipped inside the installed package, read with `importlib.resources`.

The repository keeps `sql/` and `deploy/` at its top level (the layout the design names); the
build maps them into the wheel as the packages `aisec_sql` and `aisec_deploy`, so an
installed wheel and an editable checkout read the same files the same way.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

SQL_PACKAGE = "aisec_sql"
DEPLOY_PACKAGE = "aisec_deploy"
INSTANCE_PROFILES: tuple[str, ...] = ("local", "postgres")


def _resource(package: str, relative: str) -> Traversable:
    node = files(package)
    for part in relative.split("/"):
        if part in ("", ".", ".."):
            raise ValueError(f"invalid resource path {relative!r}")
        node = node / part
    return node


def sql_text(name: str) -> str:
    """The text of `sql/<name>.sql` (e.g. `risk/risk_scores`)."""
    node = _resource(SQL_PACKAGE, f"{name}.sql")
    if not node.is_file():
        raise FileNotFoundError(f"SQL file not found: sql/{name}.sql (package {SQL_PACKAGE})")
    return node.read_text(encoding="utf-8")


def instance_config_text(profile: str) -> str:
    """The Dagster instance configuration `deploy/<profile>/dagster.yaml`."""
    if profile not in INSTANCE_PROFILES:
        raise ValueError(f"unknown instance profile {profile!r}; known: {list(INSTANCE_PROFILES)}")
    return _resource(DEPLOY_PACKAGE, f"{profile}/dagster.yaml").read_text(encoding="utf-8")


def package_data_text(package: str, relative: str) -> str:
    """A data file shipped inside one of the program's own packages (YAML, JSON)."""
    return _resource(package, relative).read_text(encoding="utf-8")
