"""One model file scanned: its digest, then the analysis its magic bytes or suffix call for.

Bad input: the pickle and zip scanners and `scan_model_file` never raise — a truncated or
garbage file gives a result with ``error`` set (and keeps the imports found before the damage,
since an unpickler would already have run them). The header readers
(`read_safetensors_header`, `read_gguf_header`, `scan_npy_bytes`) raise `ModelFileError` with
a message naming the problem, which `scan_model_file` turns into an ``error`` fact.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisec_assets.discovery.model_files.errors import ModelFileError
from aisec_assets.discovery.model_files.headers import read_gguf_header, read_safetensors_header
from aisec_assets.discovery.model_files.pickle_scan import (
    MAX_NPY_HEADER_BYTES,
    BoundedReader,
    PickleScan,
    npy_pickle_offset,
    scan_pickle_file,
    scan_pickle_stream,
    scan_zip_file,
)

DIGEST_CHUNK_BYTES = 1024 * 1024

PICKLE_SUFFIXES = frozenset({".pkl", ".pickle", ".bin", ".pt", ".pth", ".ckpt", ".joblib"})
# Files a model directory holds weights or serialized objects in; everything scan_model_file
# has an analysis (or at least a digest) for.
MODEL_FILE_SUFFIXES = PICKLE_SUFFIXES | frozenset(
    {
        ".safetensors",
        ".npy",
        ".npz",
        ".gguf",
        ".onnx",
        ".h5",
        ".keras",
        ".msgpack",
        ".tflite",
    }
)
_DIGEST_ONLY_FORMATS = {
    ".onnx": "onnx",
    ".h5": "hdf5",
    ".keras": "keras",
    ".msgpack": "flax_msgpack",
    ".tflite": "tflite",
}


@dataclass(frozen=True)
class FileDigest:
    sha256: str | None
    size: int
    skipped: str | None = None  # why no digest was computed


def file_digest(path: Path, max_bytes: int) -> FileDigest:
    """Streaming SHA-256 of a file; files above `max_bytes` are skipped with the reason."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            return FileDigest(None, size, f"file is {size} bytes, above the cap of {max_bytes}")
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(DIGEST_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as exc:
        return FileDigest(None, 0, f"cannot read: {exc.strerror or exc}")
    return FileDigest(digest.hexdigest(), size)


# ------------------------------------------------------------------------------ dispatcher


def _sniff(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(16)


def _looks_like_safetensors(head: bytes) -> bool:
    return len(head) >= 9 and head[8:9] == b"{" and 0 < struct.unpack("<Q", head[:8])[0] < 2**40


def scan_model_file(path: Path, max_file_bytes: int) -> dict[str, Any]:
    """JSON-able facts about one model file, picking the analysis by magic, then extension.

    Keys: ``format``, ``size``, ``sha256`` (or ``sha256_skipped`` with the reason), and
    ``pickle`` (a `PickleScan` as dict), ``safetensors`` (header summary), ``gguf`` or
    ``numpy`` where they apply; ``error`` when the file is not what it should be. Pickle
    analysis reads at most `max_file_bytes` of pickle data (a torch zip's tensors live outside
    its ``data.pkl``, so large checkpoints are still analysed in full); the digest is skipped
    above the cap.
    """
    path = Path(path)
    facts: dict[str, Any] = {"format": "unknown", "size": None, "sha256": None}
    digest = file_digest(path, max_file_bytes)
    facts["size"] = digest.size
    facts["sha256"] = digest.sha256
    if digest.skipped:
        facts["sha256_skipped"] = digest.skipped
    try:
        head = _sniff(path)
    except OSError as exc:
        facts["error"] = f"cannot read: {exc.strerror or exc}"
        return facts
    suffix = path.suffix.lower()
    try:
        if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
            scan, is_torch = scan_zip_file(path, max_file_bytes)
            facts["format"] = "torch_zip" if is_torch else "zip"
            facts["pickle"] = scan.to_dict()
        elif head.startswith(b"GGUF"):
            facts["format"] = "gguf"
            facts["gguf"] = read_gguf_header(path)
        elif head.startswith(b"\x93NUMPY"):
            facts["format"] = "numpy"
            with open(path, "rb") as fh:
                offset, descr = npy_pickle_offset(fh.read(MAX_NPY_HEADER_BYTES + 16))
                facts["numpy"] = {"dtype": descr, "object_dtype": offset is not None}
                if offset is not None:
                    fh.seek(offset)
                    scan = PickleScan()
                    scan_pickle_stream(BoundedReader(fh, max_file_bytes), scan)
                    facts["pickle"] = scan.to_dict()
        elif suffix == ".safetensors" or (
            suffix not in PICKLE_SUFFIXES and _looks_like_safetensors(head)
        ):
            facts["format"] = "safetensors"
            facts["safetensors"] = read_safetensors_header(path).summary()
        elif suffix in PICKLE_SUFFIXES or head[:1] == b"\x80":
            scan = scan_pickle_file(path, max_file_bytes)
            facts["format"] = "legacy_torch" if scan.legacy_torch else "pickle"
            facts["pickle"] = scan.to_dict()
        elif suffix in _DIGEST_ONLY_FORMATS:
            facts["format"] = _DIGEST_ONLY_FORMATS[suffix]
            facts["note"] = "no static analysis for this format; digest only"
    except ModelFileError as exc:
        facts["error"] = str(exc)
    except OSError as exc:
        facts["error"] = f"cannot read: {exc.strerror or exc}"
    except Exception as exc:  # last line of defence: a hostile file never crashes discovery
        facts["error"] = f"analysis failed: {exc!r}"
    if "pickle" in facts and facts["pickle"]["error"] and "error" not in facts:
        facts["error"] = facts["pickle"]["error"]
    return facts
