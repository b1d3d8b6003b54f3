"""How the shipped detection models are stored: a JSON metadata file beside an .npz of arrays,
read as package data. One way of writing them (byte-reproducible) and of reading them back,
with errors that name the file, for the tier-2 classifier (classifier/model.py) and the
adversarial-suffix model (char_lm.py)."""

from __future__ import annotations

import io
import json
import zipfile
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (zip of .npy) with fixed member timestamps, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def read_meta(
    meta_path: Path | Traversable, error: type[Exception], missing: str
) -> dict[str, Any]:
    """The metadata JSON object; `error` naming the file when it is missing (with `missing`,
    what to run), unreadable or not an object."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{meta_path}: {missing}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(f"{meta_path}: unreadable model metadata: {exc}") from None
    if not isinstance(meta, dict):
        raise error(f"{meta_path}: expected a JSON object")
    return meta


def read_arrays(
    weights_path: Path | Traversable, names: tuple[str, ...], error: type[Exception]
) -> tuple[np.ndarray, ...]:
    """The named arrays of an .npz; `error` naming the file when it is missing or unreadable."""
    try:
        # allow_pickle=False: arrays only, never an object (pickle) payload.
        with np.load(io.BytesIO(weights_path.read_bytes()), allow_pickle=False) as npz:
            return tuple(npz[name] for name in names)
    except FileNotFoundError:
        raise error(f"{weights_path}: weights file missing") from None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise error(f"{weights_path}: unreadable weights: {exc}") from None
