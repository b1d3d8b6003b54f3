"""The demo estate's Hugging Face side: model directories on a shared volume and an HF cache.

`write_model_dirs` writes the ML teams' shared model volume (configured as location
``ml-shared-models``); `write_hf_cache` writes the Hub cache of a GPU build server (location
``gpu-build-01``), laid out exactly as huggingface_hub lays it out
(``models--org--name/{blobs/<etag>, refs/main, snapshots/<commit>/<file> -> ../../blobs/<etag>}``,
where the etag is the git blob SHA-1 for small files and the SHA-256 for LFS files), so
``huggingface_hub.scan_cache_dir`` reads it without warnings.

Weights are tiny stand-ins: real safetensors files (written with `struct` + `json`) holding a
few small tensors, while ``config.json`` describes the real architecture. Pickle files are
hand-written opcode streams, never produced by pickling live objects:

* ``customer-experience/support-intent-router/pytorch_model.bin`` is a PyTorch zip whose
  ``data.pkl`` imports ``posix.system`` with the inert argument ``echo demo`` — the model a
  contractor pulled from an unvetted Hub account. It is never loaded (nothing here or in aisec
  unpickles model files), and the team never declared it: shadow AI with a poisoned file.
* ``risk-analytics/fraud-txn-classifier/training_args.bin`` is a benign pickle
  (``collections.OrderedDict`` only) and ``clinical-ai/clinical-notes-summarizer`` keeps a
  benign legacy (pre-1.6) PyTorch checkpoint: five concatenated pickles plus raw storage.

Both writers return the declared-registry entries of the HF assets the teams declared (most,
not all: the router and two cached repos stay undeclared). The same `as_of` and `rng` give the
same bytes, symlink targets and file times.

Where things are: `files` (file builders, configs, cards), `model_dirs` (`write_model_dirs`) and
`cache` (`write_hf_cache`).
"""

from aisec_jobs.demo_estate.huggingface.cache import write_hf_cache
from aisec_jobs.demo_estate.huggingface.files import (
    CACHE_LOCATION,
    LEGACY_TORCH_MAGIC,
    LFS_SUFFIXES,
    MODEL_DIRS_LOCATION,
    STALE_REVIEW_DAYS,
    git_blob_sha1,
    legacy_torch_bytes,
    safetensors_bytes,
    state_dict_pickle,
    torch_zip_bytes,
)
from aisec_jobs.demo_estate.huggingface.model_dirs import write_model_dirs

__all__ = [
    "CACHE_LOCATION",
    "LEGACY_TORCH_MAGIC",
    "LFS_SUFFIXES",
    "MODEL_DIRS_LOCATION",
    "STALE_REVIEW_DAYS",
    "git_blob_sha1",
    "legacy_torch_bytes",
    "safetensors_bytes",
    "state_dict_pickle",
    "torch_zip_bytes",
    "write_hf_cache",
    "write_model_dirs",
]
