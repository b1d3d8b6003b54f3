"""Which imports a pickle may make: the deny- and allow-lists and `classify_import`.

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
"""

from __future__ import annotations

import _compat_pickle  # the unpickler's own Python 2 -> 3 name mapping (fix_imports)
from collections.abc import Iterable

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
