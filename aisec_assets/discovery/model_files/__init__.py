"""Static analysis of model files: what a file would import and call if it were loaded.

Nothing here ever deserializes a model file. Pickle-based formats (raw pickles, PyTorch zip
checkpoints, legacy PyTorch streams, NumPy object arrays) are walked opcode by opcode with
`pickletools.genops`, which only *parses*; a small symbolic stack and memo track the string
operands of STACK_GLOBAL, so imports hidden behind the memo (PUT/GET/MEMOIZE) are resolved
too. Safetensors and GGUF files are read header-only with `struct` + `json`.

Where things are:

- `import_verdicts`: which imports are safe, unsafe or unknown (`classify_import`);
- `pickle_scan`: the opcode walk over pickle streams, torch zips and NumPy arrays;
- `headers`: safetensors and GGUF header readers;
- `scan`: `scan_model_file`, the per-file digest and dispatch by magic bytes / suffix;
- `errors`: `ModelFileError`.
"""

from aisec_assets.discovery.model_files.errors import ModelFileError
from aisec_assets.discovery.model_files.headers import (
    DEFAULT_MAX_HEADER_BYTES,
    MAX_GGUF_METADATA_BYTES,
    SafetensorsHeader,
    read_gguf_header,
    read_safetensors_header,
)
from aisec_assets.discovery.model_files.import_verdicts import (
    SAFE_CALLABLES,
    SAFE_MODULES,
    UNSAFE_CALLABLES,
    UNSAFE_MODULES,
    classify_import,
)
from aisec_assets.discovery.model_files.pickle_scan import (
    LEGACY_TORCH_MAGIC,
    LEGACY_TORCH_PICKLES,
    MAX_NPY_HEADER_BYTES,
    MAX_PICKLES_PER_STREAM,
    MAX_STRING_TRACKED,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_PICKLE_MEMBERS,
    PickleScan,
    scan_npy_bytes,
    scan_pickle_bytes,
    scan_pickle_file,
    scan_zip_file,
)
from aisec_assets.discovery.model_files.scan import (
    DIGEST_CHUNK_BYTES,
    MODEL_FILE_SUFFIXES,
    PICKLE_SUFFIXES,
    FileDigest,
    file_digest,
    scan_model_file,
)

__all__ = [
    "DEFAULT_MAX_HEADER_BYTES",
    "DIGEST_CHUNK_BYTES",
    "LEGACY_TORCH_MAGIC",
    "LEGACY_TORCH_PICKLES",
    "MAX_GGUF_METADATA_BYTES",
    "MAX_NPY_HEADER_BYTES",
    "MAX_PICKLES_PER_STREAM",
    "MAX_STRING_TRACKED",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_PICKLE_MEMBERS",
    "MODEL_FILE_SUFFIXES",
    "PICKLE_SUFFIXES",
    "SAFE_CALLABLES",
    "SAFE_MODULES",
    "UNSAFE_CALLABLES",
    "UNSAFE_MODULES",
    "FileDigest",
    "ModelFileError",
    "PickleScan",
    "SafetensorsHeader",
    "classify_import",
    "file_digest",
    "read_gguf_header",
    "read_safetensors_header",
    "scan_model_file",
    "scan_npy_bytes",
    "scan_pickle_bytes",
    "scan_pickle_file",
    "scan_zip_file",
]
