"""Header-only readers of safetensors and GGUF files (`struct` + `json`, never the weights).

They raise `ModelFileError` with a message naming the file and the problem.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from aisec_assets.discovery.model_files.errors import ModelFileError

DEFAULT_MAX_HEADER_BYTES = 100 * 1024 * 1024
MAX_GGUF_METADATA_BYTES = 16 * 1024 * 1024


_DTYPE_BYTES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "F8_E8M0": 1,
    "U16": 2,
    "I16": 2,
    "F16": 2,
    "BF16": 2,
    "U32": 4,
    "I32": 4,
    "F32": 4,
    "U64": 8,
    "I64": 8,
    "F64": 8,
    "C64": 8,
}


@dataclass(frozen=True)
class SafetensorsHeader:
    metadata: dict[str, str]
    tensors: dict[str, dict[str, Any]]  # name -> {"dtype": str, "shape": [int, ...]}
    parameter_count: int
    header_bytes: int

    def summary(self) -> dict[str, Any]:
        """JSON-able facts without the (possibly thousands of) tensor names."""
        dtypes: dict[str, int] = {}
        for t in self.tensors.values():
            dtypes[t["dtype"]] = dtypes.get(t["dtype"], 0) + 1
        return {
            "tensor_count": len(self.tensors),
            "parameter_count": self.parameter_count,
            "dtypes": dict(sorted(dtypes.items())),
            "metadata": dict(self.metadata),
            "header_bytes": self.header_bytes,
        }


def read_safetensors_header(
    path: Path, max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
) -> SafetensorsHeader:
    """Read and validate a safetensors header (8-byte little-endian length, then JSON).

    Raises `ModelFileError` naming the file for: a file shorter than the length prefix, a
    length of 0 / above `max_header_bytes` / beyond the end of the file, a header that is not
    UTF-8 JSON or not an object, malformed tensor entries, and data offsets outside the file
    or inconsistent with dtype x shape.
    """

    def bad(reason: str) -> ModelFileError:
        return ModelFileError(f"{path}: invalid safetensors header: {reason}")

    try:
        size = os.stat(path).st_size
        with open(path, "rb") as fh:
            prefix = fh.read(8)
            if len(prefix) < 8:
                raise bad(f"file is {size} bytes, shorter than the 8-byte length prefix")
            (n,) = struct.unpack("<Q", prefix)
            if n == 0:
                raise bad("header length is 0")
            if n > max_header_bytes:
                raise bad(f"header length {n} exceeds the cap of {max_header_bytes} bytes")
            if n > size - 8:
                raise bad(f"header length {n} is larger than the file ({size} bytes)")
            raw = fh.read(n)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) < n:
        raise bad(f"header truncated: {len(raw)} of {n} bytes")
    try:
        header = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad("header is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise bad(f"header is not JSON ({exc.msg} at byte {exc.pos})") from None
    if not isinstance(header, dict):
        raise bad(f"header is a JSON {type(header).__name__}, expected an object")
    data_size = size - 8 - n
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise bad("__metadata__ must be an object of string values")
    tensors: dict[str, dict[str, Any]] = {}
    total = 0
    for name, entry in header.items():
        if not isinstance(entry, dict):
            raise bad(f"tensor {name!r}: entry is not an object")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not isinstance(dtype, str):
            raise bad(f"tensor {name!r}: missing or non-string dtype")
        if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            raise bad(f"tensor {name!r}: shape must be a list of non-negative integers")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1]
        ):
            raise bad(f"tensor {name!r}: data_offsets must be [begin, end] with begin <= end")
        if offsets[1] > data_size:
            raise bad(
                f"tensor {name!r}: data_offsets {offsets} reach beyond the file's "
                f"{data_size} data bytes"
            )
        numel = math.prod(shape)
        width = _DTYPE_BYTES.get(dtype)
        if width is not None and numel * width != offsets[1] - offsets[0]:
            raise bad(
                f"tensor {name!r}: {dtype} {shape} needs {numel * width} bytes, "
                f"data_offsets span {offsets[1] - offsets[0]}"
            )
        tensors[name] = {"dtype": dtype, "shape": list(shape)}
        total += numel
    return SafetensorsHeader(metadata, tensors, total, n)


# ------------------------------------------------------------------------------ GGUF

_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?"}
_GGUF_SCALARS.update({10: "<Q", 11: "<q", 12: "<d"})
_GGUF_KEEP = (
    "general.architecture",
    "general.name",
    "general.license",
    "general.file_type",
    "general.quantization_version",
)


def read_gguf_header(path: Path) -> dict[str, Any]:
    """GGUF magic, version, tensor and metadata counts, plus a few ``general.*`` values.

    Stdlib `struct` only (no gguf package). Metadata beyond `MAX_GGUF_METADATA_BYTES`, or after
    an array of strings, is not read; what was found is returned.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
            if len(head) < 16 or head[:4] != b"GGUF":
                raise ModelFileError(f"{path}: not a GGUF file (bad magic or too short)")
            (version,) = struct.unpack("<I", head[4:8])
            if version == 1:
                tensor_count, kv_count = struct.unpack("<II", head[8:16])
                fh.seek(16)
            else:
                if len(head) < 24:
                    raise ModelFileError(f"{path}: truncated GGUF header")
                tensor_count, kv_count = struct.unpack("<QQ", head[8:24])
            facts: dict[str, Any] = {
                "version": version,
                "tensor_count": tensor_count,
                "metadata_count": kv_count,
            }
            found = _read_gguf_general(fh, kv_count, 4 if version == 1 else 8)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    facts.update(found)
    return facts


def _read_gguf_general(fh: BinaryIO, kv_count: int, len_bytes: int) -> dict[str, Any]:
    len_fmt = "<I" if len_bytes == 4 else "<Q"
    start = fh.tell()
    found: dict[str, Any] = {}

    def read(n: int) -> bytes:
        if fh.tell() - start + n > MAX_GGUF_METADATA_BYTES:
            raise ModelFileError("metadata too large")
        data = fh.read(n)
        if len(data) < n:
            raise ModelFileError("truncated metadata")
        return data

    def read_str() -> str:
        (n,) = struct.unpack(len_fmt, read(len_bytes))
        return read(n).decode("utf-8", "replace")

    def read_value(vtype: int) -> Any:
        if vtype in _GGUF_SCALARS:
            fmt = _GGUF_SCALARS[vtype]
            return struct.unpack(fmt, read(struct.calcsize(fmt)))[0]
        if vtype == 8:
            return read_str()
        if vtype == 9:
            (item_type,) = struct.unpack("<I", read(4))
            (count,) = struct.unpack(len_fmt, read(len_bytes))
            if item_type in _GGUF_SCALARS:
                read(struct.calcsize(_GGUF_SCALARS[item_type]) * count)
                return None
            for _ in range(count):
                read_value(item_type)
            return None
        raise ModelFileError(f"unknown metadata value type {vtype}")

    try:
        for _ in range(min(kv_count, 100_000)):
            key = read_str()
            (vtype,) = struct.unpack("<I", read(4))
            value = read_value(vtype)
            if key in _GGUF_KEEP or key.endswith(".context_length"):
                found[key] = value
    except (ModelFileError, struct.error) as exc:
        found["metadata_note"] = f"metadata not fully read: {exc}"
    return found
