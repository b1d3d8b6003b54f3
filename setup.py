"""Package layout only (everything else is in pyproject.toml).

The repository keeps `sql/` and `deploy/` at its top level, as the design's layout names them;
the wheel ships them as the packages `aisec_sql` and `aisec_deploy` (read with
`importlib.resources`), which a `pyproject.toml` package list cannot map by itself.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["aisec_*"]), "aisec_sql", "aisec_deploy"],
    package_dir={"aisec_sql": "sql", "aisec_deploy": "deploy"},
)
