"""Package layout only (everything else is in pyproject.toml).

The repository keeps `sql/` and `deploy/` at its top level, as the design's layout names them;
the wheel ships them as the packages `aisec_sql` and `aisec_deploy` (read with
`importlib.resources`), which a `pyproject.toml` package list cannot map by itself. Their
subdirectories hold only data and are listed as packages so setuptools ships them quietly.
"""

from pathlib import Path

from setuptools import find_packages, setup

DATA_PACKAGES = {"aisec_sql": "sql", "aisec_deploy": "deploy"}


def data_packages(package: str, directory: str) -> list[str]:
    subdirectories = sorted(
        p.relative_to(directory).as_posix().replace("/", ".")
        for p in Path(directory).rglob("*")
        if p.is_dir() and p.name != "__pycache__"
    )
    return [package, *(f"{package}.{sub}" for sub in subdirectories)]


setup(
    packages=[
        *find_packages(include=["aisec_*"]),
        *(name for pkg, path in DATA_PACKAGES.items() for name in data_packages(pkg, path)),
    ],
    package_dir=DATA_PACKAGES,
)
