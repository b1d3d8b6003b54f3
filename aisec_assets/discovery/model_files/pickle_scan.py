"""Pickle opcode analysis: what a pickle stream, torch zip or .npy would import and call.

Nothing here ever deserializes a model file. Pickle-based formats (raw pickles, PyTorch zip
checkpoints, legacy PyTorch streams, NumPy object arrays) are walked opcode by opcode with
`pickletools.genops`, which only *parses*; a small symbolic stack and memo track the string
operands of STACK_GLOBAL, so imports hidden behind the memo (PUT/GET/MEMOIZE) are resolved

Why not an off-the-shelf scanner: modelscan 0.8.8 scans only the first pickle after the
legacy PyTorch magic (a known false negative) and skips raw pickles saved as ``.bin``;
picklescan/fickling add dependencies (fickling is LGPL). The walk below covers the layouts
the research notes list: raw pickle, several concatenated pickles in one stream (legacy
PyTorch: magic, protocol, sys-info, payload, storage keys, then raw storage bytes), PyTorch
zips (every ``*.pkl`` member), ``.npy`` with object dtype and ``.npz`` archives.

The scanners never raise: a truncated or garbage stream gives a `PickleScan` with ``error``
set, keeping the imports found before the damage (an unpickler would already have run them).
"""

from __future__ import annotations

import ast
import io
import pickletools
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from aisec_assets.discovery.model_files.errors import ModelFileError
from aisec_assets.discovery.model_files.import_verdicts import classify_import

# First pickle of a legacy (pre-1.6) torch.save stream; five pickles precede the raw storages.
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_TORCH_PICKLES = 5  # magic, protocol version, sys info, payload, storage keys
MAX_PICKLES_PER_STREAM = 64
MAX_ZIP_MEMBERS = 100_000  # names looked at in one archive
MAX_ZIP_PICKLE_MEMBERS = 256  # pickle members analysed in one archive
MAX_STRING_TRACKED = 1024  # longer strings cannot be module names; kept as "unresolvable"
MAX_NPY_HEADER_BYTES = 64 * 1024

_CALL_OPCODES = ("REDUCE", "BUILD", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX")
_STRING_OPCODES = frozenset(
    {
        "STRING",
        "BINSTRING",
        "SHORT_BINSTRING",
        "UNICODE",
        "BINUNICODE",
        "SHORT_BINUNICODE",
        "BINUNICODE8",
    }
)


@dataclass
class PickleScan:
    """What a pickle stream (or all pickles in an archive) would import and call."""

    imports: dict[str, str] = field(default_factory=dict)  # "module.name" -> verdict
    unsafe_imports: list[str] = field(default_factory=list)
    unknown_imports: list[str] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # REDUCE/BUILD/INST/OBJ/NEWOBJ counts
    pickles: int = 0  # complete pickle streams parsed
    protocol: int | None = None
    legacy_torch: bool = False
    members: list[str] = field(default_factory=list)  # archive members analysed
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def verdict(self) -> str:
        if self.unsafe_imports:
            return "unsafe"
        if self.error:
            return "error"
        if self.unknown_imports:
            return "unknown"
        return "clean"

    def add_import(self, qualified: str, verdict: str) -> None:
        if qualified in self.imports:
            return
        self.imports[qualified] = verdict
        if verdict == "unsafe":
            self.unsafe_imports.append(qualified)
        elif verdict == "unknown":
            self.unknown_imports.append(qualified)

    def merge(self, other: PickleScan, prefix: str) -> None:
        """Fold a member's scan into an archive's; errors/notes keep the member name."""
        for qualified, verdict in other.imports.items():
            self.add_import(qualified, verdict)
        for op, n in other.calls.items():
            self.calls[op] = self.calls.get(op, 0) + n
        self.pickles += other.pickles
        if other.protocol is not None:
            self.protocol = max(self.protocol or 0, other.protocol)
        self.legacy_torch = self.legacy_torch or other.legacy_torch
        self.notes += [f"{prefix}: {n}" for n in other.notes]
        if other.error:
            member_error = f"{prefix}: {other.error}"
            self.error = f"{self.error}; {member_error}" if self.error else member_error

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "imports": dict(self.imports),
            "unsafe_imports": list(self.unsafe_imports),
            "unknown_imports": list(self.unknown_imports),
            "calls": dict(sorted(self.calls.items())),
            "pickles": self.pickles,
            "protocol": self.protocol,
            "legacy_torch": self.legacy_torch,
            "members": list(self.members),
            "notes": list(self.notes),
            "error": self.error,
        }


class _BudgetExceeded(Exception):
    pass


class BoundedReader:
    """A read-only view of a binary stream that refuses to hand out more than `budget` bytes.

    `pickletools.genops` reads argument lengths from the data itself; clamping every read
    keeps a forged length (BINBYTES8 of 2**60) from allocating memory, and the budget keeps a
    huge pickle from being analysed past the configured size cap.
    """

    def __init__(self, raw: BinaryIO, budget: int) -> None:
        self._raw = raw
        self._budget = budget
        self._start = raw.tell()
        self._consumed = 0

    def _take(self, data: bytes) -> bytes:
        self._consumed += len(data)
        if self._consumed > self._budget:
            raise _BudgetExceeded
        return data

    def read(self, n: int = -1) -> bytes:
        allowed = self._budget - self._consumed
        wanted = allowed + 1 if n is None or n < 0 else min(n, allowed + 1)
        return self._take(self._raw.read(wanted))

    def readline(self, limit: int = -1) -> bytes:
        allowed = self._budget - self._consumed
        wanted = allowed + 1 if limit is None or limit < 0 else min(limit, allowed + 1)
        return self._take(self._raw.readline(wanted))

    def tell(self) -> int:
        return self._raw.tell()

    def at_end(self) -> bool:
        pos = self._raw.tell()
        more = self._raw.read(1)
        self._raw.seek(pos)
        return not more


_MARK = object()  # a MARK on the symbolic stack
_UNKNOWN = object()  # any value the analysis does not need to know


class _StackUnderflow(Exception):
    pass


class _SymbolicPickle:
    """Just enough of the pickle VM to know which strings STACK_GLOBAL consumes."""

    def __init__(self, scan: PickleScan) -> None:
        self.scan = scan
        self.stack: list[object] = []
        self.memo: dict[int, object] = {}
        self.first_int: int | None = None

    def _pop(self) -> object:
        if not self.stack:
            raise _StackUnderflow
        return self.stack.pop()

    def _pop_mark(self) -> None:
        while True:
            if self._pop() is _MARK:
                return

    def _import(self, module: str, name: str) -> None:
        self.scan.add_import(f"{module}.{name}", classify_import(module, name))

    def step(self, op: pickletools.OpcodeInfo, arg: Any, pos: int | None) -> None:
        name = op.name
        if name in _CALL_OPCODES:
            self.scan.calls[name] = self.scan.calls.get(name, 0) + 1
        if name == "PROTO":
            self.scan.protocol = max(self.scan.protocol or 0, int(arg))
            return
        if name in _STRING_OPCODES:
            text = arg.decode("latin-1") if isinstance(arg, bytes) else str(arg)
            self.stack.append(text if len(text) <= MAX_STRING_TRACKED else _UNKNOWN)
            return
        if name in ("INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"):
            if self.first_int is None and isinstance(arg, int):
                self.first_int = arg
            self.stack.append(_UNKNOWN)
            return
        if name == "MARK":
            self.stack.append(_MARK)
            return
        if name in ("PUT", "BINPUT", "LONG_BINPUT"):
            if not self.stack:
                raise _StackUnderflow
            self.memo[int(arg)] = self.stack[-1]
            return
        if name == "MEMOIZE":
            if not self.stack:
                raise _StackUnderflow
            self.memo[len(self.memo)] = self.stack[-1]
            return
        if name in ("GET", "BINGET", "LONG_BINGET"):
            self.stack.append(self.memo.get(int(arg), _UNKNOWN))
            return
        if name == "DUP":
            if not self.stack:
                raise _StackUnderflow
            self.stack.append(self.stack[-1])
            return
        if name in ("GLOBAL", "INST"):
            module, _, attr = str(arg).partition(" ")
            self._import(module, attr)
            if name == "INST":
                self._pop_mark()
            self.stack.append(_UNKNOWN)
            return
        if name == "STACK_GLOBAL":
            attr, module = self._pop(), self._pop()
            if isinstance(module, str) and isinstance(attr, str):
                self._import(module, attr)
            else:
                self.scan.add_import(f"<unresolved STACK_GLOBAL at byte {pos}>", "unsafe")
            self.stack.append(_UNKNOWN)
            return
        if name in ("EXT1", "EXT2", "EXT4"):
            # copyreg extension codes name a global through the loader's registry.
            self.scan.add_import(f"<extension code {arg}>", "unknown")
            self.stack.append(_UNKNOWN)
            return
        # Every other opcode: generic stack effect from pickletools' own opcode table.
        before = [s.name for s in op.stack_before]
        if "mark" in before:
            self._pop_mark()
            below = before.index("mark")
        else:
            below = len(before)
        for _ in range(below):
            self._pop()
        self.stack.extend(_UNKNOWN for _ in op.stack_after)


def scan_pickle_stream(reader: BoundedReader, scan: PickleScan) -> None:
    """Scan every pickle in a stream, one after another, until the data ends or stops parsing."""
    index = 0
    while not reader.at_end():
        if index >= MAX_PICKLES_PER_STREAM:
            scan.notes.append(f"stopped after {MAX_PICKLES_PER_STREAM} pickles in one stream")
            return
        start = reader.tell()
        machine = _SymbolicPickle(scan)
        pos: int | None = start
        try:
            for op, arg, pos in pickletools.genops(reader):
                machine.step(op, arg, pos)
        except _BudgetExceeded:
            scan.error = (
                f"pickle data exceeds the analysis cap of {reader._budget} bytes; "
                "scan incomplete (imports listed are those found before the cap)"
            )
            return
        except _StackUnderflow:
            scan.error = f"malformed pickle: stack underflow at byte {pos} (pickle {index + 1})"
            return
        except Exception as exc:  # genops: ValueError; arg readers: struct/Unicode errors
            needed = LEGACY_TORCH_PICKLES if scan.legacy_torch else 1
            if index < needed:
                what = "truncated legacy torch file" if scan.legacy_torch else "invalid pickle"
                scan.error = f"{what}: {exc} (pickle {index + 1}, starting at byte {start})"
            else:
                # Non-pickle bytes after complete pickles (e.g. joblib array data).
                scan.notes.append(f"non-pickle data from byte {start} not analysed ({exc})")
            return
        index += 1
        scan.pickles += 1
        if index == 1 and machine.first_int == LEGACY_TORCH_MAGIC:
            scan.legacy_torch = True
        if scan.legacy_torch and index == LEGACY_TORCH_PICKLES:
            if not reader.at_end():
                scan.notes.append(f"raw tensor storage from byte {reader.tell()} (not pickle)")
            return
    if index == 0:
        scan.error = "empty: no pickle data"
    elif scan.legacy_torch and index < LEGACY_TORCH_PICKLES:
        scan.error = (
            f"truncated legacy torch file: {index} of {LEGACY_TORCH_PICKLES} pickles present"
        )


def scan_pickle_bytes(data: bytes, max_bytes: int | None = None) -> PickleScan:
    """Scan pickle data held in memory (every concatenated pickle in it)."""
    scan = PickleScan()
    scan_pickle_stream(BoundedReader(io.BytesIO(data), max_bytes or len(data) + 1), scan)
    return scan


def scan_pickle_file(path: Path, max_bytes: int) -> PickleScan:
    """Scan a raw pickle / legacy torch file, streaming, analysing at most `max_bytes` bytes."""
    scan = PickleScan()
    try:
        with open(path, "rb") as fh:
            scan_pickle_stream(BoundedReader(fh, max_bytes), scan)
    except OSError as exc:
        scan.error = f"cannot read: {exc.strerror or exc}"
    return scan


def npy_pickle_offset(head: bytes) -> tuple[int | None, str]:
    """Where an .npy's pickle payload starts (object dtype), or None and the dtype."""
    if not head.startswith(b"\x93NUMPY") or len(head) < 10:
        raise ModelFileError("not an .npy file (bad magic)")
    major = head[6]
    if major == 1:
        (header_len,) = struct.unpack("<H", head[8:10])
        start = 10
    elif major in (2, 3):
        if len(head) < 12:
            raise ModelFileError("truncated .npy header")
        (header_len,) = struct.unpack("<I", head[8:12])
        start = 12
    else:
        raise ModelFileError(f"unsupported .npy format version {major}")
    if header_len > MAX_NPY_HEADER_BYTES:
        raise ModelFileError(f".npy header of {header_len} bytes is implausibly large")
    raw = head[start : start + header_len]
    if len(raw) < header_len:
        raise ModelFileError(".npy header truncated")
    try:
        header = ast.literal_eval(raw.decode("utf-8" if major == 3 else "latin-1"))
        descr = header["descr"]
    except Exception as exc:  # literal_eval: ValueError/SyntaxError/RecursionError, KeyError
        raise ModelFileError(f".npy header is not a valid dict literal: {exc}") from None
    is_object = "O" in str(descr)
    return (start + header_len if is_object else None), str(descr)


def scan_npy_bytes(data: bytes, max_bytes: int) -> tuple[PickleScan | None, str]:
    """An .npy's pickle payload scanned when its dtype is object; (None, dtype) otherwise."""
    offset, descr = npy_pickle_offset(data[: MAX_NPY_HEADER_BYTES + 16])
    if offset is None:
        return None, descr
    return scan_pickle_bytes(data[offset:], max_bytes), descr


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    if info.file_size > cap:
        raise ModelFileError(f"declares {info.file_size} bytes, above the cap of {cap}")
    with zf.open(info) as member:
        data = member.read(cap + 1)  # never trust the declared size of a compressed member
    if len(data) > cap:
        raise ModelFileError(f"inflates past the cap of {cap} bytes")
    return data


def scan_zip_file(path: Path, max_member_bytes: int) -> tuple[PickleScan, bool]:
    """Scan every pickle member of a zip (torch zip: ``*/data.pkl``; ``.npz``: ``*.npy``).

    Returns the combined scan and whether the archive is a PyTorch checkpoint. Member sizes
    are capped (zip-bomb safe); an unreadable archive is an ``error``, never an exception.
    """
    scan = PickleScan()
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                scan.notes.append(f"only the first {MAX_ZIP_MEMBERS} of {len(infos)} members")
                infos = infos[:MAX_ZIP_MEMBERS]
            is_torch = any(i.filename.rsplit("/", 1)[-1] == "data.pkl" for i in infos)
            wanted = [
                i
                for i in infos
                if not i.is_dir() and i.filename.lower().endswith((".pkl", ".pickle", ".npy"))
            ]
            if len(wanted) > MAX_ZIP_PICKLE_MEMBERS:
                scan.notes.append(
                    f"only the first {MAX_ZIP_PICKLE_MEMBERS} of {len(wanted)} pickle members"
                )
                wanted = wanted[:MAX_ZIP_PICKLE_MEMBERS]
            for info in wanted:
                member_scan = PickleScan()
                try:
                    data = _read_member(zf, info, max_member_bytes)
                    if info.filename.lower().endswith(".npy"):
                        found, _ = scan_npy_bytes(data, max_member_bytes)
                        if found is None:
                            continue  # numeric array: no pickle inside
                        member_scan = found
                    else:
                        member_scan = scan_pickle_bytes(data, max_member_bytes)
                except ModelFileError as exc:
                    member_scan.error = str(exc)
                except (
                    zipfile.BadZipFile,
                    OSError,
                    EOFError,
                    RuntimeError,  # encrypted member
                    NotImplementedError,  # unsupported compression method
                    ValueError,
                ) as exc:
                    member_scan.error = f"cannot extract: {exc}"
                scan.members.append(info.filename)
                scan.merge(member_scan, info.filename)
            if not is_torch and not scan.members:
                scan.notes.append("no pickle members")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        scan.error = f"unreadable zip archive: {exc}"
        return scan, False
    return scan, is_torch
