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
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import random
import struct
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
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
_TRANSFORMERS_VERSION = "4.44.2"


# ------------------------------------------------------------------------------ file builders


def _json(value: Any) -> bytes:
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


def _parameter_total(tensors: list[tuple[str, str, list[int]]]) -> int:
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


def _float_storage(count: int, rng: random.Random) -> bytes:
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


def _card(front_matter: Mapping[str, Any], body: str) -> bytes:
    lines = ["---"]
    for key, value in front_matter.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"- {item}" for item in value]
        else:
            lines.append(f"{key}: {value}")
    lines += ["---", "", body.strip(), ""]
    return "\n".join(lines).encode("utf-8")


def _write_tree(base: Path, files: Mapping[str, bytes]) -> None:
    for rel, data in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _owner(team_key: str) -> dict[str, str]:
    team = TEAMS[team_key]
    return {"owner_team": team.key, "owner_email": team.email}


# ------------------------------------------------------------------------------ architectures


def _bert_config(architecture: str, name_or_path: str, **extra: Any) -> dict[str, Any]:
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
        "transformers_version": _TRANSFORMERS_VERSION,
        "type_vocab_size": 2,
        "vocab_size": 30522,
        **extra,
    }


def _llama_config(name_or_path: str) -> dict[str, Any]:
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
        "transformers_version": _TRANSFORMERS_VERSION,
        "vocab_size": 128256,
    }


_SENTENCE_TRANSFORMERS_FILES = {
    "modules.json": _json(
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
    "sentence_bert_config.json": _json({"max_seq_length": 512, "do_lower_case": True}),
}


def _pooling(dimension: int, mode: str) -> bytes:
    return _json(
        {
            "word_embedding_dimension": dimension,
            "pooling_mode_cls_token": mode == "cls",
            "pooling_mode_mean_tokens": mode == "mean",
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        }
    )


# ------------------------------------------------------------------------------ model dirs


def write_model_dirs(root: Path, as_of: date, rng: random.Random) -> list[dict[str, Any]]:
    """Write the shared model volume under `root`; returns the declared-registry entries."""
    stamp = datetime.combine(as_of - timedelta(days=41), time(9, 30), tzinfo=UTC)

    def fresh_review() -> date:
        return as_of - timedelta(days=rng.randint(10, 70))

    def stale_review() -> date:
        return as_of - timedelta(days=rng.randint(STALE_REVIEW_DAYS + 20, 400))

    def dir_id(rel: str) -> str:
        return f"hf-dir://{MODEL_DIRS_LOCATION}/{rel}"

    entries: list[dict[str, Any]] = []

    # -- Risk & Fraud: a card-transaction fraud classifier fine-tuned from BERT base.
    fraud_rel = "risk-analytics/fraud-txn-classifier"
    fraud_tensors = [
        ("bert.embeddings.word_embeddings.weight", "F32", [32, 16]),
        ("bert.pooler.dense.weight", "F32", [16, 16]),
        ("classifier.weight", "F32", [2, 16]),
        ("classifier.bias", "F32", [2]),
    ]
    training_args = OrderedDict(
        [
            ("output_dir", "/mnt/ml-shared/checkpoints/fraud-txn-classifier"),
            ("learning_rate", 2e-05),
            ("num_train_epochs", 3),
            ("per_device_train_batch_size", 32),
            ("weight_decay", 0.01),
            ("seed", 42),
        ]
    )
    _write_tree(
        root / fraud_rel,
        {
            "config.json": _json(
                _bert_config(
                    "BertForSequenceClassification",
                    "google-bert/bert-base-uncased",
                    id2label={"0": "legitimate", "1": "fraudulent"},
                    label2id={"fraudulent": 1, "legitimate": 0},
                    problem_type="single_label_classification",
                )
            ),
            "model.safetensors": safetensors_bytes(fraud_tensors, rng),
            # A benign pickle (collections.OrderedDict of plain values only).
            "training_args.bin": pickle.dumps(training_args, protocol=2),
            "trainer_state.json": _json(
                {
                    "best_metric": 0.9412,
                    "best_model_checkpoint": "checkpoints/fraud-txn-classifier/checkpoint-3600",
                    "epoch": 3.0,
                    "global_step": 3600,
                }
            ),
            "tokenizer_config.json": _json(
                {"do_lower_case": True, "model_max_length": 512, "tokenizer_class": "BertTokenizer"}
            ),
            "README.md": _card(
                {
                    "license": "apache-2.0",
                    "model_name": "fraud-txn-classifier",
                    "tags": ["text-classification", "fraud-detection", "payments"],
                    "pipeline_tag": "text-classification",
                },
                "# fraud-txn-classifier\n\nClassifies card-transaction narratives and merchant "
                "descriptors as legitimate or fraudulent; scores feed the payments risk engine.",
            ),
        },
    )
    entries.append(
        {
            "name": "fraud-txn-classifier",
            "asset_type": "fine_tuned_model",
            "resource_id": dir_id(fraud_rel),
            "description": "BERT fine-tune scoring card transactions for fraud in the "
            "payments risk engine.",
            **_owner("risk-analytics"),
            "data_classification": "confidential",
            "deployment_env": "production",
            "regulatory_scope": ["pci_dss", "gdpr"],
            "network_exposure": "vpc",
            "model_provider": "huggingface",
            "model_name": "fraud-txn-classifier",
            "model_version": "2025.3",
            "is_self_hosted": True,
            "parameter_count": "110M",
            "license_type": "apache-2.0",
            "last_security_review": fresh_review(),
            "sbom_available": True,
            "upstream_assets": ["https://huggingface.co/google-bert/bert-base-uncased"],
            "controls": [
                {"type": "encryption_at_rest", "operational": True},
                {"type": "access_logging", "operational": True},
                {"type": "monitoring", "operational": True},
            ],
        }
    )

    # -- ML Platform: a local copy of Llama 3.1 8B Instruct (tiny stand-in shards).
    llama_rel = "ml-platform/Llama-3.1-8B-Instruct"
    shard_tensors = [
        [
            ("model.embed_tokens.weight", "BF16", [64, 32]),
            ("model.layers.0.self_attn.q_proj.weight", "BF16", [32, 32]),
            ("model.layers.0.self_attn.k_proj.weight", "BF16", [8, 32]),
            ("model.layers.0.self_attn.v_proj.weight", "BF16", [8, 32]),
        ],
        [
            ("model.layers.0.mlp.down_proj.weight", "BF16", [32, 64]),
            ("model.norm.weight", "BF16", [32]),
            ("lm_head.weight", "BF16", [64, 32]),
        ],
    ]
    shard_names = [f"model-0000{i + 1}-of-00002.safetensors" for i in range(2)]
    llama_files: dict[str, bytes] = {
        "config.json": _json(_llama_config("meta-llama/Llama-3.1-8B-Instruct")),
        "generation_config.json": _json(
            {
                "bos_token_id": 128000,
                "do_sample": True,
                "eos_token_id": [128001, 128008, 128009],
                "temperature": 0.6,
                "top_p": 0.9,
                "transformers_version": _TRANSFORMERS_VERSION,
            }
        ),
        "model.safetensors.index.json": _json(
            {
                "metadata": {"total_size": 2 * sum(_parameter_total(t) for t in shard_tensors)},
                "weight_map": {
                    name: shard
                    for shard, tensors in zip(shard_names, shard_tensors, strict=True)
                    for name, _, _ in tensors
                },
            }
        ),
        "README.md": _card(
            {
                "language": ["en", "de", "fr", "it", "pt", "hi", "es", "th"],
                "license": "llama3.1",
                "pipeline_tag": "text-generation",
                "tags": ["facebook", "meta", "pytorch", "llama", "llama-3"],
            },
            "## Model Information\n\nThe Meta Llama 3.1 collection of multilingual large "
            "language models is a collection of pretrained and instruction tuned generative "
            "models in 8B, 70B and 405B sizes.",
        ),
    }
    for shard, tensors in zip(shard_names, shard_tensors, strict=True):
        llama_files[shard] = safetensors_bytes(tensors, rng)
    _write_tree(root / llama_rel, llama_files)
    entries.append(
        {
            "name": "llama-3.1-8b-instruct-local",
            "asset_type": "foundation_model",
            "resource_id": dir_id(llama_rel),
            "description": "Local copy of Llama 3.1 8B Instruct served by the internal "
            "inference cluster.",
            **_owner("ml-platform"),
            "data_classification": "internal",
            "deployment_env": "staging",
            "network_exposure": "internal",
            "model_provider": "huggingface",
            "model_name": "meta-llama/Llama-3.1-8B-Instruct",
            "is_self_hosted": True,
            "parameter_count": "8B",
            "source_url": "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct",
            "license_type": "llama3.1",
            "last_security_review": stale_review(),
            "sbom_available": False,
            "controls": [{"type": "network_isolation", "operational": True}],
        }
    )

    # -- ML Platform: BGE small, the sentence-transformers embedding model behind RAG.
    bge_rel = "ml-platform/bge-small-en-v1.5"
    _write_tree(
        root / bge_rel,
        {
            **_SENTENCE_TRANSFORMERS_FILES,
            "config.json": _json(
                _bert_config(
                    "BertModel",
                    "BAAI/bge-small-en-v1.5",
                    hidden_size=384,
                    intermediate_size=1536,
                    label2id={"LABEL_0": 0},
                    id2label={"0": "LABEL_0"},
                )
            ),
            "config_sentence_transformers.json": _json(
                {"__version__": {"sentence_transformers": "2.2.2"}}
            ),
            "1_Pooling/config.json": _pooling(384, "cls"),
            "model.safetensors": safetensors_bytes(
                [
                    ("embeddings.word_embeddings.weight", "F32", [48, 12]),
                    ("encoder.layer.0.attention.self.query.weight", "F32", [12, 12]),
                    ("pooler.dense.weight", "F32", [12, 12]),
                ],
                rng,
            ),
            "README.md": _card(
                {
                    "license": "mit",
                    "language": ["en"],
                    "pipeline_tag": "feature-extraction",
                    "tags": ["sentence-transformers", "feature-extraction", "mteb"],
                },
                "# BGE small English v1.5\n\nFlagEmbedding maps text to a 384-dimensional "
                "dense vector space for retrieval, classification and clustering.",
            ),
        },
    )
    entries.append(
        {
            "name": "bge-small-en-v1.5-embeddings",
            "asset_type": "embedding_model",
            "resource_id": dir_id(bge_rel),
            "description": "Embedding model of the support knowledge-base RAG pipeline.",
            **_owner("ml-platform"),
            "data_classification": "internal",
            "deployment_env": "production",
            "network_exposure": "internal",
            "model_provider": "huggingface",
            "model_name": "BAAI/bge-small-en-v1.5",
            "is_self_hosted": True,
            "parameter_count": "33M",
            "source_url": "https://huggingface.co/BAAI/bge-small-en-v1.5",
            "license_type": "mit",
            "last_security_review": fresh_review(),
            "sbom_available": True,
        }
    )

    # -- Clinical AI: discharge-note summarizer fine-tuned from FLAN-T5, with an old legacy
    #    torch checkpoint (benign) still next to the safetensors export.
    clinical_rel = "clinical-ai/clinical-notes-summarizer"
    legacy_entries = [("lm_head.weight", 2, 4), ("shared.weight", 2, 4)]
    legacy_storages = [_float_storage(rows * cols, rng) for _, rows, cols in legacy_entries]
    _write_tree(
        root / clinical_rel,
        {
            "config.json": _json(
                {
                    "_name_or_path": "google/flan-t5-base",
                    "architectures": ["T5ForConditionalGeneration"],
                    "d_ff": 2048,
                    "d_kv": 64,
                    "d_model": 768,
                    "decoder_start_token_id": 0,
                    "eos_token_id": 1,
                    "feed_forward_proj": "gated-gelu",
                    "model_type": "t5",
                    "num_decoder_layers": 12,
                    "num_heads": 12,
                    "num_layers": 12,
                    "pad_token_id": 0,
                    "tie_word_embeddings": False,
                    "torch_dtype": "float32",
                    "transformers_version": _TRANSFORMERS_VERSION,
                    "vocab_size": 32128,
                }
            ),
            "generation_config.json": _json(
                {"decoder_start_token_id": 0, "eos_token_id": 1, "max_new_tokens": 256}
            ),
            "model.safetensors": safetensors_bytes(
                [
                    ("shared.weight", "F32", [40, 16]),
                    ("encoder.block.0.layer.0.SelfAttention.q.weight", "F32", [16, 16]),
                    ("lm_head.weight", "F32", [40, 16]),
                ],
                rng,
            ),
            "pytorch_model.bin": legacy_torch_bytes(
                state_dict_pickle(legacy_entries, payload_command=None), legacy_storages
            ),
            "README.md": _card(
                {
                    "license": "apache-2.0",
                    "base_model": "google/flan-t5-base",
                    "datasets": ["kestrel-health/deid-discharge-notes"],
                    "tags": ["summarization", "clinical", "medical"],
                    "pipeline_tag": "summarization",
                },
                "# clinical-notes-summarizer\n\nSummarises de-identified discharge notes into "
                "the structured hand-over format used by Kestrel Health ward staff.",
            ),
        },
    )
    entries.append(
        {
            "name": "clinical-notes-summarizer",
            "asset_type": "fine_tuned_model",
            "resource_id": dir_id(clinical_rel),
            "description": "Summarises discharge notes for ward hand-over (clinician in the loop).",
            **_owner("clinical-ai"),
            "data_classification": "regulated",
            "deployment_env": "production",
            "regulatory_scope": ["hipaa", "gdpr", "eu_ai_act_high_risk"],
            "network_exposure": "vpc",
            "model_provider": "huggingface",
            "model_name": "clinical-notes-summarizer",
            "is_self_hosted": True,
            "parameter_count": "248M",
            "license_type": "apache-2.0",
            "last_security_review": stale_review(),
            "sbom_available": False,
            "controls": [
                {"type": "encryption_at_rest", "operational": True},
                {"type": "encryption_in_transit", "operational": True},
                {"type": "access_logging", "operational": True},
                {"type": "output_filtering", "operational": False},
            ],
        }
    )

    # -- Research Lab: a LoRA adapter on Llama 3.1 8B Instruct for contract clauses.
    lora_rel = "research-lab/llama31-contract-clauses-lora"
    _write_tree(
        root / lora_rel,
        {
            "adapter_config.json": _json(
                {
                    "base_model_name_or_path": "meta-llama/Llama-3.1-8B-Instruct",
                    "bias": "none",
                    "inference_mode": True,
                    "lora_alpha": 32,
                    "lora_dropout": 0.05,
                    "peft_type": "LORA",
                    "r": 16,
                    "target_modules": ["q_proj", "v_proj"],
                    "task_type": "CAUSAL_LM",
                }
            ),
            "adapter_model.safetensors": safetensors_bytes(
                [
                    (
                        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                        "F32",
                        [4, 32],
                    ),
                    (
                        "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                        "F32",
                        [32, 4],
                    ),
                    (
                        "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
                        "F32",
                        [4, 32],
                    ),
                    (
                        "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
                        "F32",
                        [8, 4],
                    ),
                ],
                rng,
            ),
            "README.md": _card(
                {
                    "base_model": "meta-llama/Llama-3.1-8B-Instruct",
                    "library_name": "peft",
                    "license": "llama3.1",
                    "tags": ["lora", "legal", "contracts"],
                },
                "# llama31-contract-clauses-lora\n\nResearch adapter that extracts liability, "
                "termination and data-processing clauses from supplier contracts.",
            ),
        },
    )
    entries.append(
        {
            "name": "contract-clauses-lora",
            "asset_type": "fine_tuned_model",
            "resource_id": dir_id(lora_rel),
            "description": "Research LoRA adapter for contract clause extraction.",
            **_owner("research-lab"),
            "data_classification": "internal",
            "deployment_env": "research",
            "network_exposure": "internal",
            "model_provider": "huggingface",
            "is_self_hosted": True,
            "license_type": "llama3.1",
            "sbom_available": False,
        }
    )

    # -- Customer Experience (undeclared): an intent router pulled from a contractor's Hub
    #    account. Its pytorch_model.bin carries a posix.system payload (inert command).
    router_rel = "customer-experience/support-intent-router"
    router_entries = [("classifier.weight", 4, 8), ("classifier.bias", 1, 4)]
    router_storages = [_float_storage(rows * cols, rng) for _, rows, cols in router_entries]
    _write_tree(
        root / router_rel,
        {
            "config.json": _json(
                {
                    "_name_or_path": "distilbert/distilbert-base-uncased",
                    "activation": "gelu",
                    "architectures": ["DistilBertForSequenceClassification"],
                    "dim": 768,
                    "hidden_dim": 3072,
                    "id2label": {
                        "0": "billing",
                        "1": "card_blocked",
                        "2": "chargeback",
                        "3": "other",
                    },
                    "model_type": "distilbert",
                    "n_heads": 12,
                    "n_layers": 6,
                    "torch_dtype": "float32",
                    "transformers_version": "4.39.3",
                    "vocab_size": 30522,
                }
            ),
            "pytorch_model.bin": torch_zip_bytes(
                "pytorch_model",
                state_dict_pickle(router_entries, payload_command="echo demo"),
                router_storages,
                stamp,
            ),
            "README.md": _card(
                {
                    "base_model": "distilbert/distilbert-base-uncased",
                    "tags": ["text-classification", "intent-detection"],
                },
                "# support-intent-distilbert\n\nRoutes support chats to billing, blocked-card "
                "and chargeback queues. Uploaded by cx-vendor-labs.",
            ),
        },
    )
    return entries


# ------------------------------------------------------------------------------ HF cache


def _commit(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _write_cache_repo(
    hub: Path,
    repo_type: str,
    repo_id: str,
    revisions: list[tuple[str, dict[str, bytes], list[str], float]],
) -> None:
    """One cached repo as huggingface_hub writes it: blobs, refs, snapshots of symlinks.

    Each revision is (commit hash, files, refs pointing at it, download time of its blobs).
    """
    repo_dir = hub / f"{repo_type}s--{repo_id.replace('/', '--')}"
    blobs = repo_dir / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    for commit, files, refs, mtime in revisions:
        snapshot = repo_dir / "snapshots" / commit
        for rel, data in files.items():
            is_lfs = rel.endswith(LFS_SUFFIXES)
            etag = hashlib.sha256(data).hexdigest() if is_lfs else git_blob_sha1(data)
            blob = blobs / etag
            if not blob.exists():
                blob.write_bytes(data)
                os.utime(blob, (mtime, mtime))
            link = snapshot / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(blob, link.parent))
        for ref in refs:
            ref_path = repo_dir / "refs" / ref
            ref_path.parent.mkdir(parents=True, exist_ok=True)
            ref_path.write_text(commit, encoding="utf-8")  # the Hub writes no newline
            os.utime(ref_path, (mtime, mtime))


def write_hf_cache(root: Path, as_of: date, rng: random.Random) -> list[dict[str, Any]]:
    """Write the GPU build server's HF cache under `root` (the `hub` folder); returns entries."""

    def days_ago(days: int) -> float:
        return datetime.combine(as_of - timedelta(days=days), time(14, 5), tzinfo=UTC).timestamp()

    def cache_id(repo_type: str, repo_id: str) -> str:
        return f"hf-cache://{CACHE_LOCATION}/{repo_type}/{repo_id}"

    root.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []

    # sentence-transformers/all-MiniLM-L6-v2 (undeclared: pulled in by a notebook).
    _write_cache_repo(
        root,
        "model",
        "sentence-transformers/all-MiniLM-L6-v2",
        [
            (
                _commit(rng),
                {
                    **_SENTENCE_TRANSFORMERS_FILES,
                    "config.json": _json(
                        _bert_config(
                            "BertModel",
                            "sentence-transformers/all-MiniLM-L6-v2",
                            hidden_size=384,
                            intermediate_size=1536,
                            num_hidden_layers=6,
                        )
                    ),
                    "1_Pooling/config.json": _pooling(384, "mean"),
                    "model.safetensors": safetensors_bytes(
                        [("embeddings.word_embeddings.weight", "F32", [40, 12])], rng
                    ),
                    "README.md": _card(
                        {
                            "language": "en",
                            "license": "apache-2.0",
                            "library_name": "sentence-transformers",
                            "tags": ["sentence-transformers", "feature-extraction"],
                            "pipeline_tag": "sentence-similarity",
                        },
                        "# all-MiniLM-L6-v2\n\nA sentence-transformers model: it maps "
                        "sentences and paragraphs to a 384 dimensional dense vector space.",
                    ),
                },
                ["main"],
                days_ago(120),
            )
        ],
    )

    # mistralai/Mistral-7B-Instruct-v0.3: main plus an older, detached revision.
    mistral_config = {
        "architectures": ["MistralForCausalLM"],
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "max_position_embeddings": 32768,
        "model_type": "mistral",
        "num_attention_heads": 32,
        "num_hidden_layers": 32,
        "num_key_value_heads": 8,
        "rope_theta": 1000000.0,
        "sliding_window": None,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.42.0.dev0",
        "vocab_size": 32768,
    }
    old_commit, main_commit = _commit(rng), _commit(rng)
    mistral_id = "mistralai/Mistral-7B-Instruct-v0.3"
    _write_cache_repo(
        root,
        "model",
        mistral_id,
        [
            (
                old_commit,
                {"config.json": _json({**mistral_config, "transformers_version": "4.41.2"})},
                [],
                days_ago(96),
            ),
            (
                main_commit,
                {
                    "config.json": _json(mistral_config),
                    "generation_config.json": _json(
                        {"bos_token_id": 1, "eos_token_id": 2, "transformers_version": "4.42.0"}
                    ),
                    "model.safetensors": safetensors_bytes(
                        [
                            ("model.embed_tokens.weight", "BF16", [64, 32]),
                            ("model.layers.0.self_attn.q_proj.weight", "BF16", [32, 32]),
                            ("lm_head.weight", "BF16", [64, 32]),
                        ],
                        rng,
                    ),
                    "README.md": _card(
                        {"license": "apache-2.0", "pipeline_tag": "text-generation"},
                        "# Model Card for Mistral-7B-Instruct-v0.3\n\nThe Mistral-7B-Instruct-"
                        "v0.3 Large Language Model is an instruct fine-tuned version of "
                        "Mistral-7B-v0.3.",
                    ),
                },
                ["main"],
                days_ago(33),
            ),
        ],
    )
    entries.append(
        {
            "name": "mistral-7b-instruct-build-cache",
            "asset_type": "foundation_model",
            "resource_id": cache_id("model", mistral_id),
            "description": "Mistral 7B Instruct cached on gpu-build-01 for evaluation runs.",
            **_owner("ml-platform"),
            "data_classification": "internal",
            "deployment_env": "development",
            "network_exposure": "internal",
            "model_provider": "huggingface",
            "model_name": mistral_id,
            "is_self_hosted": True,
            "parameter_count": "7B",
            "source_url": f"https://huggingface.co/{mistral_id}",
            "license_type": "apache-2.0",
            "sbom_available": False,
        }
    )

    # google-bert/bert-base-uncased (undeclared: base weights pulled for fine-tuning).
    _write_cache_repo(
        root,
        "model",
        "google-bert/bert-base-uncased",
        [
            (
                _commit(rng),
                {
                    "config.json": _json(
                        {
                            "architectures": ["BertForMaskedLM"],
                            "hidden_size": 768,
                            "model_type": "bert",
                            "num_attention_heads": 12,
                            "num_hidden_layers": 12,
                            "transformers_version": "4.6.0.dev0",
                            "vocab_size": 30522,
                        }
                    ),
                    "model.safetensors": safetensors_bytes(
                        [
                            ("bert.embeddings.word_embeddings.weight", "F32", [32, 16]),
                            ("cls.predictions.bias", "F32", [32]),
                        ],
                        rng,
                    ),
                    "README.md": _card(
                        {
                            "language": "en",
                            "license": "apache-2.0",
                            "tags": ["exbert"],
                        },
                        "# BERT base model (uncased)\n\nPretrained model on English language "
                        "using a masked language modeling (MLM) objective.",
                    ),
                },
                ["main"],
                days_ago(210),
            )
        ],
    )

    # kestrel-dynamics/support-tickets-redacted: a private dataset used for the intent router.
    dataset_id = "kestrel-dynamics/support-tickets-redacted"
    tickets = [
        {"text": "My card was declined at checkout twice today", "label": "card_blocked"},
        {"text": "I was charged twice for the same order", "label": "chargeback"},
        {"text": "Please explain the fee on my last statement", "label": "billing"},
        {"text": "How do I change the address on my account", "label": "other"},
    ]
    _write_cache_repo(
        root,
        "dataset",
        dataset_id,
        [
            (
                _commit(rng),
                {
                    "README.md": _card(
                        {
                            "license": "other",
                            "license_name": "kestrel-internal",
                            "task_categories": ["text-classification"],
                            "tags": ["customer-support", "pii-redacted"],
                        },
                        "# support-tickets-redacted\n\nCustomer support chats with personal "
                        "data redacted, labelled by intent for routing models.",
                    ),
                    "data/train.jsonl": "".join(json.dumps(t) + "\n" for t in tickets).encode(
                        "utf-8"
                    ),
                },
                ["main"],
                days_ago(64),
            )
        ],
    )
    entries.append(
        {
            "name": "support-tickets-redacted",
            "asset_type": "training_dataset",
            "resource_id": cache_id("dataset", dataset_id),
            "description": "Redacted support chats labelled by intent (training data for the "
            "support routing models).",
            **_owner("customer-experience"),
            "data_classification": "confidential",
            "deployment_env": "development",
            "regulatory_scope": ["gdpr"],
            "network_exposure": "internal",
            "source_url": f"https://huggingface.co/datasets/{dataset_id}",
            "license_type": "kestrel-internal",
            "last_security_review": as_of - timedelta(days=rng.randint(15, 60)),
            "sbom_available": False,
            "controls": [{"type": "encryption_at_rest", "operational": True}],
        }
    )
    return entries
