"""Static analysis of model files: what a file would import and call if it were loaded.

Nothing here ever deserializes a model file. Pickle-based formats (raw pickles, PyTorch zip
checkpoints, legacy PyTorch streams, NumPy object arrays) are walked opcode by opcode with
`pickletools.genops`, which only *parses*; a small symbolic stack and memo track the string
operands of STACK_GLOBAL, so imports hidden behind the memo (PUT/GET/MEMOIZE) are resolved
too. Safetensors and GGUF files are read header-only with `struct` + `json`.

Why not an off-the-shelf scanner: modelscan 0.8.8 scans only the first pickle after the
legacy PyTorch magic (a known false negative) and skips raw pickles saved as ``.bin``;
picklescan/fickling add dependencies (fickling is LGPL). The walk below covers the layouts
the research notes list: raw pickle, several concatenated pickles in one stream (legacy
PyTorch: magic, protocol, sys-info, payload, storage keys, then raw storage bytes), PyTorch
zips (every ``*.pkl`` member), ``.npy`` with object dtype and ``.npz`` archives.

Each import (``module.name``) is judged:

* ``unsafe``: a denylisted module or callable (process/file/network access, code execution,
  dynamic import or attribute access, nested deserializers) — `UNSAFE_MODULES`,
  `UNSAFE_CALLABLES`; also any dotted name that walks through a dunder attribute
  (``__globals__``, ``__builtins__``, ...) or reaches a denylisted name, and a STACK_GLOBAL
  whose operands cannot be resolved statically (legitimate pickles never compute the name of
  what they import).
* ``safe``: what ordinary torch / numpy / collections / transformers checkpoints import
  (`SAFE_CALLABLES`, `SAFE_MODULES`).
* ``unknown``: everything else — not evidence of an attack, but worth a look.

``functools.partial`` (and ``functools.reduce``) are deliberately *unknown*, not unsafe: they
only bind or apply a callable that must itself be imported by the same pickle, so the danger
is judged on that import; flagging them would flag legitimate scheduler/optimizer pickles.

Bad input: the pickle and zip scanners and `scan_model_file` never raise — a truncated or
garbage file gives a result with ``error`` set (and keeps the imports found before the damage,
since an unpickler would already have run them). The header readers
(`read_safetensors_header`, `read_gguf_header`, `scan_npy_bytes`) raise `ModelFileError` with
a message naming the problem, which `scan_model_file` turns into an ``error`` fact.
"""

from __future__ import annotations

import _compat_pickle  # the unpickler's own Python 2 -> 3 name mapping (fix_imports)
import ast
import hashlib
import io
import json
import math
import os
import pickletools
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

DEFAULT_MAX_HEADER_BYTES = 100 * 1024 * 1024
DIGEST_CHUNK_BYTES = 1024 * 1024

# First pickle of a legacy (pre-1.6) torch.save stream; five pickles precede the raw storages.
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_TORCH_PICKLES = 5  # magic, protocol version, sys info, payload, storage keys
MAX_PICKLES_PER_STREAM = 64
MAX_ZIP_MEMBERS = 100_000  # names looked at in one archive
MAX_ZIP_PICKLE_MEMBERS = 256  # pickle members analysed in one archive
MAX_STRING_TRACKED = 1024  # longer strings cannot be module names; kept as "unresolvable"
MAX_NPY_HEADER_BYTES = 64 * 1024
MAX_GGUF_METADATA_BYTES = 16 * 1024 * 1024

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

# Modules whose every member is unsafe to import from a model file (module or any submodule).
UNSAFE_MODULES: frozenset[str] = frozenset(
    {
        # processes, OS and interpreter access
        "os",
        "posix",
        "nt",
        "subprocess",
        "_posixsubprocess",
        "sys",
        "pty",
        "signal",
        "platform",
        "commands",
        "popen2",
        "multiprocessing",
        "ctypes",
        "_ctypes",
        "shutil",
        "tempfile",
        # code execution and dynamic import
        "runpy",
        "importlib",
        "pkgutil",
        "zipimport",
        "code",
        "codeop",
        "types",
        "marshal",
        "pdb",
        "bdb",
        "asyncio",
        "webbrowser",
        "pip",
        # nested deserializers (a pickle that unpickles another payload)
        "pickle",
        "_pickle",
        "cPickle",
        "dill",
        "cloudpickle",
        "joblib",
        "torch.hub",
        "numpy.f2py",
        "numpy.distutils",
        "pandas.io.pickle",
        # network
        "socket",
        "_socket",
        "ssl",
        "requests",
        "urllib",
        "urllib2",
        "urllib3",
        "httplib",
        "http.client",
        "aiohttp",
        "httpx",
        "ftplib",
        "telnetlib",
        "smtplib",
        "poplib",
        "imaplib",
        "nntplib",
        "xmlrpc",
    }
)
# Individual callables that execute code, open files, or walk attributes dynamically.
UNSAFE_CALLABLES: frozenset[str] = frozenset(
    {
        "builtins.eval",
        "builtins.exec",
        "builtins.compile",
        "builtins.open",
        "builtins.__import__",
        "builtins.getattr",
        "builtins.setattr",
        "builtins.delattr",
        "builtins.globals",
        "builtins.locals",
        "builtins.vars",
        "builtins.breakpoint",
        "builtins.input",
        "builtins.help",
        "builtins.apply",
        "builtins.execfile",
        "builtins.file",
        "builtins.reload",
        "io.open",
        "io.FileIO",
        "io.open_code",
        "_io.open",
        "_io.FileIO",
        "_io.open_code",
        "operator.attrgetter",
        "operator.methodcaller",
        "torch.load",
        "torch.serialization.load",
        "torch.jit.load",
        "torch._C.import_ir_module",
        "numpy.load",
        "numpy.testing._private.utils.runstring",
        "pandas.read_pickle",
    }
)
# Dunder attributes whose presence in a dotted import name means attribute-walking tricks.
_UNSAFE_ATTRIBUTES = frozenset(
    {
        "__globals__",
        "__builtins__",
        "__subclasses__",
        "__dict__",
        "__class__",
        "__bases__",
        "__base__",
        "__mro__",
        "__code__",
        "__closure__",
        "__getattribute__",
        "__loader__",
        "__import__",
        "__reduce__",
        "__reduce_ex__",
        "__self__",
        "__func__",
        "__init_subclass__",
    }
)
_TORCH_STORAGES = (
    "FloatStorage",
    "DoubleStorage",
    "HalfStorage",
    "BFloat16Storage",
    "LongStorage",
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "BoolStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
    "QUInt8Storage",
    "QInt8Storage",
    "QInt32Storage",
    "QUInt4x2Storage",
    "QUInt2x4Storage",
    "UntypedStorage",
)
_TORCH_DTYPES = (
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "complex64",
    "complex128",
    "float8_e4m3fn",
    "float8_e5m2",
)
# The normal imports of torch / numpy / collections / transformers checkpoints.
SAFE_CALLABLES: frozenset[str] = frozenset(
    {
        "collections.OrderedDict",
        "collections.defaultdict",
        "collections.Counter",
        "collections.deque",
        "builtins.set",
        "builtins.frozenset",
        "builtins.dict",
        "builtins.list",
        "builtins.tuple",
        "builtins.int",
        "builtins.float",
        "builtins.complex",
        "builtins.bool",
        "builtins.str",
        "builtins.bytes",
        "builtins.bytearray",
        "builtins.slice",
        "builtins.range",
        "builtins.object",
        "copyreg._reconstructor",
        "_codecs.encode",
        "datetime.datetime",
        "datetime.date",
        "datetime.time",
        "datetime.timedelta",
        "datetime.timezone",
        "decimal.Decimal",
        "fractions.Fraction",
        "uuid.UUID",
        "pathlib.Path",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath",
        "argparse.Namespace",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_sparse_tensor",
        "torch._utils._rebuild_meta_tensor_no_storage",
        "torch._utils._rebuild_wrapper_subclass",
        "torch._utils._rebuild_nested_tensor",
        "torch._utils._rebuild_device_tensor_from_numpy",
        "torch._tensor._rebuild_from_type_v2",
        "torch.Size",
        "torch.device",
        "torch.Tensor",
        "torch.nn.parameter.Parameter",
        "torch.storage.TypedStorage",
        "torch.storage.UntypedStorage",
        "torch.serialization._get_layout",
        *(f"torch.{name}" for name in _TORCH_STORAGES),
        *(f"torch.{name}" for name in _TORCH_DTYPES),
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray._reconstruct",
        "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",
        "numpy._core.numeric._frombuffer",
        "numpy.random._pickle.__randomstate_ctor",
        "numpy.random._pickle.__bit_generator_ctor",
        "numpy.random._pickle.__generator_ctor",
    }
)
# Modules that only define data classes and enums used by checkpoints (any member is safe).
SAFE_MODULES: frozenset[str] = frozenset(
    {
        "numpy.dtypes",
        "torch.nn.modules",
        "transformers.training_args",
        "transformers.training_args_seq2seq",
        "transformers.trainer_utils",
        "transformers.trainer_pt_utils",
        "accelerate.utils.dataclasses",
        "accelerate.state",
    }
)
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


class ModelFileError(ValueError):
    """A model file that is not what its format says it is (message names the file)."""


# ------------------------------------------------------------------------------ verdicts


def _in_modules(module: str, modules: Iterable[str]) -> bool:
    return any(module == m or module.startswith(m + ".") for m in modules)


def _normalize(module: str, name: str) -> tuple[str, str]:
    """Python 2 names the unpickler maps to Python 3 ones (``__builtin__`` -> ``builtins``)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def classify_import(module: str, name: str) -> str:
    """``safe``, ``unsafe`` or ``unknown`` for a global a pickle imports."""
    module, name = _normalize(module, name)
    name_parts = name.split(".")
    if any(part in _UNSAFE_ATTRIBUTES for part in name_parts):
        return "unsafe"
    if _in_modules(module, UNSAFE_MODULES) or f"{module}.{name}" in UNSAFE_CALLABLES:
        return "unsafe"
    # Protocol 4 resolves a dotted name by walking attributes, so `torch.serialization` +
    # `os.system` reaches the `os` module through an attribute: judge every tail of the name.
    for start in range(len(name_parts)):
        tail = name_parts[start:]
        if ".".join(tail) in UNSAFE_CALLABLES:
            return "unsafe"
        for end in range(1, len(tail)):
            if _in_modules(".".join(tail[:end]), UNSAFE_MODULES):
                return "unsafe"
    if f"{module}.{name}" in SAFE_CALLABLES or _in_modules(module, SAFE_MODULES):
        return "safe"
    return "unknown"


# ------------------------------------------------------------------------------ pickle scan


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


class _BoundedReader:
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


def _scan_stream(reader: _BoundedReader, scan: PickleScan) -> None:
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
    _scan_stream(_BoundedReader(io.BytesIO(data), max_bytes or len(data) + 1), scan)
    return scan


def scan_pickle_file(path: Path, max_bytes: int) -> PickleScan:
    """Scan a raw pickle / legacy torch file, streaming, analysing at most `max_bytes` bytes."""
    scan = PickleScan()
    try:
        with open(path, "rb") as fh:
            _scan_stream(_BoundedReader(fh, max_bytes), scan)
    except OSError as exc:
        scan.error = f"cannot read: {exc.strerror or exc}"
    return scan


def _npy_pickle_offset(head: bytes) -> tuple[int | None, str]:
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
    offset, descr = _npy_pickle_offset(data[: MAX_NPY_HEADER_BYTES + 16])
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


# ------------------------------------------------------------------------------ safetensors

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


# ------------------------------------------------------------------------------ digests


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
                offset, descr = _npy_pickle_offset(fh.read(MAX_NPY_HEADER_BYTES + 16))
                facts["numpy"] = {"dtype": descr, "object_dtype": offset is not None}
                if offset is not None:
                    fh.seek(offset)
                    scan = PickleScan()
                    _scan_stream(_BoundedReader(fh, max_file_bytes), scan)
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
