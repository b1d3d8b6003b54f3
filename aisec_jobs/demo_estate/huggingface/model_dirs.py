"""The ML teams' shared model volume (location ``ml-shared-models``): `write_model_dirs`."""

from __future__ import annotations

import pickle
import random
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate.huggingface.files import (
    MODEL_DIRS_LOCATION,
    SENTENCE_TRANSFORMERS_FILES,
    STALE_REVIEW_DAYS,
    TRANSFORMERS_VERSION,
    bert_config,
    card_bytes,
    float_storage,
    json_bytes,
    legacy_torch_bytes,
    llama_config,
    owner_fields,
    parameter_total,
    pooling_config,
    safetensors_bytes,
    state_dict_pickle,
    torch_zip_bytes,
    write_tree,
)


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
    write_tree(
        root / fraud_rel,
        {
            "config.json": json_bytes(
                bert_config(
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
            "trainer_state.json": json_bytes(
                {
                    "best_metric": 0.9412,
                    "best_model_checkpoint": "checkpoints/fraud-txn-classifier/checkpoint-3600",
                    "epoch": 3.0,
                    "global_step": 3600,
                }
            ),
            "tokenizer_config.json": json_bytes(
                {"do_lower_case": True, "model_max_length": 512, "tokenizer_class": "BertTokenizer"}
            ),
            "README.md": card_bytes(
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
            **owner_fields("risk-analytics"),
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
        "config.json": json_bytes(llama_config("meta-llama/Llama-3.1-8B-Instruct")),
        "generation_config.json": json_bytes(
            {
                "bos_token_id": 128000,
                "do_sample": True,
                "eos_token_id": [128001, 128008, 128009],
                "temperature": 0.6,
                "top_p": 0.9,
                "transformers_version": TRANSFORMERS_VERSION,
            }
        ),
        "model.safetensors.index.json": json_bytes(
            {
                "metadata": {"total_size": 2 * sum(parameter_total(t) for t in shard_tensors)},
                "weight_map": {
                    name: shard
                    for shard, tensors in zip(shard_names, shard_tensors, strict=True)
                    for name, _, _ in tensors
                },
            }
        ),
        "README.md": card_bytes(
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
    write_tree(root / llama_rel, llama_files)
    entries.append(
        {
            "name": "llama-3.1-8b-instruct-local",
            "asset_type": "foundation_model",
            "resource_id": dir_id(llama_rel),
            "description": "Local copy of Llama 3.1 8B Instruct served by the internal "
            "inference cluster.",
            **owner_fields("ml-platform"),
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
    write_tree(
        root / bge_rel,
        {
            **SENTENCE_TRANSFORMERS_FILES,
            "config.json": json_bytes(
                bert_config(
                    "BertModel",
                    "BAAI/bge-small-en-v1.5",
                    hidden_size=384,
                    intermediate_size=1536,
                    label2id={"LABEL_0": 0},
                    id2label={"0": "LABEL_0"},
                )
            ),
            "config_sentence_transformers.json": json_bytes(
                {"__version__": {"sentence_transformers": "2.2.2"}}
            ),
            "1_Pooling/config.json": pooling_config(384, "cls"),
            "model.safetensors": safetensors_bytes(
                [
                    ("embeddings.word_embeddings.weight", "F32", [48, 12]),
                    ("encoder.layer.0.attention.self.query.weight", "F32", [12, 12]),
                    ("pooler.dense.weight", "F32", [12, 12]),
                ],
                rng,
            ),
            "README.md": card_bytes(
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
            **owner_fields("ml-platform"),
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
    legacy_storages = [float_storage(rows * cols, rng) for _, rows, cols in legacy_entries]
    write_tree(
        root / clinical_rel,
        {
            "config.json": json_bytes(
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
                    "transformers_version": TRANSFORMERS_VERSION,
                    "vocab_size": 32128,
                }
            ),
            "generation_config.json": json_bytes(
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
            "README.md": card_bytes(
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
            **owner_fields("clinical-ai"),
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
    write_tree(
        root / lora_rel,
        {
            "adapter_config.json": json_bytes(
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
            "README.md": card_bytes(
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
            **owner_fields("research-lab"),
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
    router_storages = [float_storage(rows * cols, rng) for _, rows, cols in router_entries]
    write_tree(
        root / router_rel,
        {
            "config.json": json_bytes(
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
            "README.md": card_bytes(
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
