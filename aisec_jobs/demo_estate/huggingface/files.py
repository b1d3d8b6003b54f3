"""Builders of the demo's model files: safetensors, hand-written pickles, configs and cards.

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
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import random
import struct
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate.company import TEAMS

# Location names used in the demo aisec.yaml (aisec_jobs.demo_estate.demo_config).
MODEL_DIRS_LOCATION = "ml-shared-models"
CACHE_LOCATION = "gpu-build-01"

STALE_REVIEW_DAYS = 90
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
# Extensions huggingface_hub stores through LFS (blob named by SHA-256, not git SHA-1).
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".onnx", ".parquet")
_DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}
TRANSFORMERS_VERSION = "4.44.2"


# ------------------------------------------------------------------------------ file builders


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2) + "\n").encode("utf-8")


def safetensors_bytes(
    tensors: list[tuple[str, str, list[int]]],
    rng: random.Random,
    metadata: Mapping[str, str] | None = None,
) -> bytes:
    """A valid safetensors file: tiny tensors with random (deterministic) contents."""
    header: dict[str, Any] = {"__metadata__": dict(metadata or {"format": "pt"})}
    offset = 0
    for name, dtype, shape in tensors:
        size = _DTYPE_BYTES[dtype]
        for dim in shape:
            size *= dim
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # the reference writer pads the header to 8-byte alignment
    data = rng.getrandbits(8 * offset).to_bytes(offset, "little") if offset else b""
    return struct.pack("<Q", len(raw)) + raw + data


def parameter_total(tensors: list[tuple[str, str, list[int]]]) -> int:
    total = 0
    for _, _, shape in tensors:
        count = 1
        for dim in shape:
            count *= dim
        total += count
    return total


def _unicode(text: str) -> bytes:
    """Pickle BINUNICODE opcode."""
    data = text.encode("utf-8")
    return b"X" + struct.pack("<I", len(data)) + data


def _global(module: str, name: str) -> bytes:
    """Pickle GLOBAL opcode."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _rebuild_tensor(storage_key: str, rows: int, cols: int) -> bytes:
    """Opcodes that rebuild a float tensor the way torch.save writes one (persistent storage)."""
    return (
        _global("torch._utils", "_rebuild_tensor_v2")
        + b"("  # MARK: arguments
        + b"("  # MARK: persistent id tuple
        + _unicode("storage")
        + _global("torch", "FloatStorage")
        + _unicode(storage_key)
        + _unicode("cpu")
        + b"K"
        + bytes([rows * cols])
        + b"t"  # TUPLE
        + b"Q"  # BINPERSID
        + b"K\x00"  # storage offset
        + b"K"
        + bytes([rows])
        + b"K"
        + bytes([cols])
        + b"\x86"  # size
        + b"K"
        + bytes([cols])
        + b"K\x01\x86"  # stride
        + b"\x89"  # requires_grad False
        + _global("collections", "OrderedDict")
        + b")R"  # backward hooks
        + b"t"  # TUPLE
        + b"R"  # REDUCE -> tensor
    )


def state_dict_pickle(entries: list[tuple[str, int, int]], payload_command: str | None) -> bytes:
    """A torch state-dict pickle (protocol 2); with `payload_command`, a `posix.system` call.

    The payload is what a poisoned checkpoint carries; the command given here is inert, and
    the bytes are only ever parsed by the static scanner, never unpickled.
    """
    body = b"\x80\x02" + _global("collections", "OrderedDict") + b")R"
    for index, (name, rows, cols) in enumerate(entries):
        body += _unicode(name) + _rebuild_tensor(str(index), rows, cols) + b"s"
    if payload_command is not None:
        body += (
            _unicode("_metadata_hook")
            + _global("posix", "system")
            + _unicode(payload_command)
            + b"\x85R"  # TUPLE1, REDUCE
            + b"s"
        )
    return body + b"."


def float_storage(count: int, rng: random.Random) -> bytes:
    return b"".join(struct.pack("<f", rng.uniform(-0.5, 0.5)) for _ in range(count))


def torch_zip_bytes(
    archive_name: str, data_pkl: bytes, storages: list[bytes], stamp: datetime
) -> bytes:
    """A PyTorch (>= 1.6) zip checkpoint: data.pkl, data/<key>, version, byteorder."""
    buffer = io.BytesIO()
    members = [("data.pkl", data_pkl), ("byteorder", b"little")]
    members += [(f"data/{i}", s) for i, s in enumerate(storages)]
    members += [("version", b"3\n")]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(f"{archive_name}/{name}", date_time=stamp.timetuple()[:6])
            info.create_system = 3
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def legacy_torch_bytes(data_pkl: bytes, storages: list[bytes]) -> bytes:
    """A legacy (pre-1.6) torch.save stream: magic, protocol, sys info, payload, keys, storage."""
    sys_info = {
        "protocol_version": 1001,
        "little_endian": True,
        "type_sizes": {"short": 2, "int": 4, "long": 8},
    }
    stream = pickle.dumps(LEGACY_TORCH_MAGIC, protocol=2)  # plain ints/dicts/lists only
    stream += pickle.dumps(1001, protocol=2)
    stream += pickle.dumps(sys_info, protocol=2)
    stream += data_pkl
    stream += pickle.dumps([str(i) for i in range(len(storages))], protocol=2)
    for storage in storages:
        stream += struct.pack("<q", len(storage) // 4) + storage
    return stream


def git_blob_sha1(data: bytes) -> str:
    """The id git (and so the Hub's etag) gives a non-LFS file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def card_bytes(front_matter: Mapping[str, Any], body: str) -> bytes:
    lines = ["---"]
    for key, value in front_matter.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"- {item}" for item in value]
        else:
            lines.append(f"{key}: {value}")
    lines += ["---", "", body.strip(), ""]
    return "\n".join(lines).encode("utf-8")


def write_tree(base: Path, files: Mapping[str, bytes]) -> None:
    for rel, data in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def owner_fields(team_key: str) -> dict[str, str]:
    team = TEAMS[team_key]
    return {"owner_team": team.key, "owner_email": team.email}


# ------------------------------------------------------------------------------ architectures


def bert_config(architecture: str, name_or_path: str, **extra: Any) -> dict[str, Any]:
    return {
        "_name_or_path": name_or_path,
        "architectures": [architecture],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_size": extra.pop("hidden_size", 768),
        "initializer_range": 0.02,
        "intermediate_size": extra.pop("intermediate_size", 3072),
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512,
        "model_type": "bert",
        "num_attention_heads": extra.pop("num_attention_heads", 12),
        "num_hidden_layers": extra.pop("num_hidden_layers", 12),
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "type_vocab_size": 2,
        "vocab_size": 30522,
        **extra,
    }


def llama_config(name_or_path: str) -> dict[str, Any]:
    return {
        "_name_or_path": name_or_path,
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "bos_token_id": 128000,
        "eos_token_id": [128001, 128008, 128009],
        "hidden_act": "silu",
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "max_position_embeddings": 131072,
        "model_type": "llama",
        "num_attention_heads": 32,
        "num_hidden_layers": 32,
        "num_key_value_heads": 8,
        "rms_norm_eps": 1e-05,
        "rope_scaling": {
            "factor": 8.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3",
        },
        "rope_theta": 500000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "transformers_version": TRANSFORMERS_VERSION,
        "vocab_size": 128256,
    }


SENTENCE_TRANSFORMERS_FILES = {
    "modules.json": json_bytes(
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ]
    ),
    "sentence_bert_config.json": json_bytes({"max_seq_length": 512, "do_lower_case": True}),
}


def pooling_config(dimension: int, mode: str) -> bytes:
    return json_bytes(
        {
            "word_embedding_dimension": dimension,
            "pooling_mode_cls_token": mode == "cls",
            "pooling_mode_mean_tokens": mode == "mean",
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        }
    )
