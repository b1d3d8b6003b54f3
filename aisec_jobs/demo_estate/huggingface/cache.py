"""The Hub cache of a GPU build server (location ``gpu-build-01``): `write_hf_cache`.

The cache is laid out exactly as huggingface_hub lays it out
(``models--org--name/{blobs/<etag>, refs/main, snapshots/<commit>/<file> -> ../../blobs/<etag>}``,
where the etag is the git blob SHA-1 for small files and the SHA-256 for LFS files), so
``huggingface_hub.scan_cache_dir`` reads it without warnings.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate.huggingface.files import (
    CACHE_LOCATION,
    LFS_SUFFIXES,
    SENTENCE_TRANSFORMERS_FILES,
    bert_config,
    card_bytes,
    git_blob_sha1,
    json_bytes,
    owner_fields,
    pooling_config,
    safetensors_bytes,
)


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
                    **SENTENCE_TRANSFORMERS_FILES,
                    "config.json": json_bytes(
                        bert_config(
                            "BertModel",
                            "sentence-transformers/all-MiniLM-L6-v2",
                            hidden_size=384,
                            intermediate_size=1536,
                            num_hidden_layers=6,
                        )
                    ),
                    "1_Pooling/config.json": pooling_config(384, "mean"),
                    "model.safetensors": safetensors_bytes(
                        [("embeddings.word_embeddings.weight", "F32", [40, 12])], rng
                    ),
                    "README.md": card_bytes(
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
                {"config.json": json_bytes({**mistral_config, "transformers_version": "4.41.2"})},
                [],
                days_ago(96),
            ),
            (
                main_commit,
                {
                    "config.json": json_bytes(mistral_config),
                    "generation_config.json": json_bytes(
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
                    "README.md": card_bytes(
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
            **owner_fields("ml-platform"),
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
                    "config.json": json_bytes(
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
                    "README.md": card_bytes(
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
                    "README.md": card_bytes(
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
            **owner_fields("customer-experience"),
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
