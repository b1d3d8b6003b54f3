"""Model tier choice by measurement: candidate A (hashed n-grams) vs candidate B (MiniLM
sentence embeddings), leave-one-source-out, classifier alone.

    python -m aisec_lab encoder-loso [--cache-dir D] [--out F] [--max-per-source N]

Why: `encoder.compare_candidates` compared the two only on the held-out split, which shares
templates with training. Here both are judged on the same folds as the headline
(`loso.plan_folds` over the third-party + generated corpora, as `loso.main` builds them):

- **Same training subsample**: `loso.subsample(fold.training, max_per_source)`, the items tier 2
  learns from (`train.training_items`).
- **A** is `loso.fit_fold` exactly (windows, embedded payloads, source-balanced weights; the
  fold's checkpointed model when `loso.main` already fitted it). Scored by `Tier2Model.score`
  (whole text and 400-character windows, highest score kept).
- **B** is the logistic head on 384-d all-MiniLM-L6-v2 embeddings fitted as
  `encoder.compare_candidates` fits it (`fit_logistic` on the real items' embeddings,
  `source_balanced_weights`, the same L2 / iterations; no windows, no synthetic items). A text
  is embedded once, cut at `encoder.MINILM_MAX_TOKENS` tokens as `MiniLmEncoder.encode` does
  (no windows), so the end of a long document is not seen; the report gives the share of each
  source's texts that were cut.
- **Same calibration**: both fitted on cross-validation folds 1-4 of the real items
  (`calibrate._fold_of`) and calibrated on fold `loso.CALIBRATION_FOLD` by `calibrate_threshold`
  (at most 1% flagged on every benign source, never below 0.5): the same benign texts.
- **Scored**: per scored source, the share of its texts at or above the candidate's threshold
  (recall for attack sources, FPR for benign ones); per family / benign kind and the balanced
  accuracy by `loso.summarize` (every source weighs the same). "A_or_B": both run, a hit of
  either counts (each at its own threshold: up to twice the false-positive budget).

Embeddings do not depend on the fold: each distinct text is embedded once and kept on disk
under the cache dir (`EmbeddingCache`, keyed by the SHA-256 of the text), so a rerun is cheap.
Throughput: each scorer on a fixed sample of scored texts (the lowest SHA-256), B without its
cache; run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 for a per-core figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time as clock
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aisec_assets.monitoring.classifier.errors import Tier2Error
from aisec_assets.monitoring.classifier.model import CLASSES, Tier2Model, softmax
from aisec_lab import corpora, loso
from aisec_lab.calibrate import _fold_of, calibrate_threshold
from aisec_lab.corpora import ATTACK, BENIGN, CorpusItem, SourceInfo
from aisec_lab.logistic import dense_rows, fit_logistic
from aisec_lab.train import TrainConfig, _labels, source_balanced_weights, training_items

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "out" / "encoder_loso.json"
THROUGHPUT_SAMPLE = 200  # scored texts timed per scorer
ENCODE_CHUNK = 128  # texts embedded between two appends to the on-disk cache

# "A_or_B": both run, a hit of either counts (each calibrated alone, so up to twice the FPR)
CANDIDATES = ("A", "B", "A_or_B")

Encode = Callable[[Sequence[str]], np.ndarray]


# ======================================================================== embedding cache
class EmbeddingCache:
    """Embeddings of texts, keyed by the SHA-256 of the text; kept in `directory` (two
    append-only files: 32-byte keys, float32 rows) when it is given. An interrupted append is
    cut back to the last whole entry on the next load."""

    def __init__(self, encode: Encode, dim: int, directory: Path | None = None) -> None:
        self.encode_fn = encode
        self.dim = dim
        self.directory = directory
        self.rows: dict[bytes, np.ndarray] = {}
        self.encoded = 0  # texts embedded by this instance (not read from disk)
        if directory is not None:
            self._load(directory)

    def _paths(self, directory: Path) -> tuple[Path, Path]:
        return directory / "keys.bin", directory / "vectors.f32"

    def _load(self, directory: Path) -> None:
        keys_path, vectors_path = self._paths(directory)
        if not keys_path.exists() or not vectors_path.exists():
            return
        row_bytes = 4 * self.dim
        n = min(keys_path.stat().st_size // 32, vectors_path.stat().st_size // row_bytes)
        os.truncate(keys_path, n * 32)
        os.truncate(vectors_path, n * row_bytes)
        keys = keys_path.read_bytes()
        vectors = np.fromfile(vectors_path, dtype="<f4").reshape(n, self.dim)
        for k in range(n):
            self.rows[keys[32 * k : 32 * (k + 1)]] = vectors[k]

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8")).digest()

    def embed(
        self, texts: Sequence[str], log: Callable[[str], None] = lambda _m: None
    ) -> np.ndarray:
        """(len(texts), dim) float32: cached rows, the missing ones embedded (and stored)."""
        keys = [self.key(t) for t in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self.rows:
                missing.setdefault(key, text)
        todo = list(missing.items())
        for start in range(0, len(todo), ENCODE_CHUNK):
            chunk = todo[start : start + ENCODE_CHUNK]
            vectors = np.asarray(self.encode_fn([t for _, t in chunk]), dtype=np.float32)
            if vectors.shape != (len(chunk), self.dim):
                raise Tier2Error(
                    f"encoder returned {vectors.shape}, expected ({len(chunk)}, {self.dim})"
                )
            self._store([k for k, _ in chunk], vectors)
            self.encoded += len(chunk)
            log(f"embedded {min(start + ENCODE_CHUNK, len(todo))}/{len(todo)} new texts")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = self.rows[key]
        return out

    def _store(self, keys: list[bytes], vectors: np.ndarray) -> None:
        for key, vector in zip(keys, vectors, strict=True):
            self.rows[key] = vector
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        keys_path, vectors_path = self._paths(self.directory)
        # vectors first: a crash between the two leaves an orphan row, cut on the next load
        with open(vectors_path, "ab") as fh:
            fh.write(vectors.astype("<f4").tobytes())
        with open(keys_path, "ab") as fh:
            fh.write(b"".join(keys))


# ======================================================================== candidate B
@dataclass(frozen=True)
class EmbeddingHead:
    """Candidate B: a multinomial logistic regression on sentence embeddings."""

    weights: np.ndarray  # (dim, len(CLASSES))
    bias: np.ndarray
    threshold: float

    def score(self, vectors: np.ndarray) -> np.ndarray:
        """P(attack) = 1 - P(benign) per embedding."""
        return 1.0 - softmax(vectors.astype(np.float64) @ self.weights + self.bias)[:, 0]


def calibration_mask(real: Sequence[CorpusItem], config: TrainConfig) -> np.ndarray:
    """The real items both candidates are calibrated on (as `loso.fit_fold` splits them)."""
    return np.array(
        [_fold_of(i["text"], config.folds) == loso.CALIBRATION_FOLD for i in real], dtype=bool
    )


def fit_embedding_head(
    real: Sequence[CorpusItem], vectors: np.ndarray, config: TrainConfig
) -> tuple[EmbeddingHead, dict[str, Any]]:
    """B fitted on the non-calibration folds of `real` (rows of `vectors`), threshold
    calibrated on the calibration fold's benign items."""
    labels = _labels(real)
    calib = calibration_mask(real, config)
    picked = np.flatnonzero(~calib)
    if not (labels[picked] == 0).any() or not (labels[picked] > 0).any():
        raise Tier2Error("a fold needs benign and attack items to fit")
    w, b, iterations = fit_logistic(
        dense_rows(vectors[picked]), labels[picked],
        source_balanced_weights([real[k] for k in picked]), len(CLASSES), vectors.shape[1],
        config.l2, config.max_iter, config.tol,
    )  # fmt: skip
    head = EmbeddingHead(w, b, 1.0)
    scores = head.score(vectors)
    threshold, rates = calibrate_threshold(
        scores, [i["source"] for i in real], (labels == 0) & calib,
        config.fp_budget, config.min_threshold,
    )  # fmt: skip
    meta = {
        "items": len(real),
        "iterations": iterations,
        "calibration_items": int(calib.sum()),
        "calibration_benign_flagged": rates,
    }
    return EmbeddingHead(w, b, threshold), meta


# ======================================================================== the comparison
def _fit_a(
    fold: loso.Fold, config: TrainConfig, per_source: int, checkpoint_dir: Path | None
) -> tuple[Tier2Model, dict[str, Any]]:
    # the headline's own fit (and its checkpoint), so A here is A there
    return loso.cached_fit(fold, config, per_source, checkpoint_dir)


def run_encoder_loso(
    items: Sequence[CorpusItem],
    cache: EmbeddingCache,
    sources: Mapping[str, SourceInfo] | None = None,
    per_source: int = loso.MAX_PER_SOURCE,
    config: TrainConfig = loso.LOSO_CONFIG,
    log: Callable[[str], None] = lambda _msg: None,
    checkpoint_dir: Path | None = None,
    authored: dict[str, list[str]] | None = None,
    folds: Sequence[loso.Fold] | None = None,
) -> dict[str, Any]:
    """Every fold of `loso.plan_folds` (or `folds`, planned from `items` already): fit A and B
    on the same subsample, calibrate both on the same fold, score the fold's sources with each
    (module docstring)."""
    info = dict(sources or corpora.THIRD_PARTY)
    started = clock.perf_counter()
    folds = loso.plan_folds(items, info, authored) if folds is None else folds
    per_source_out: dict[str, Any] = {}
    fold_meta: dict[str, Any] = {}
    for fold in folds:
        t0 = clock.perf_counter()
        log(f"fold {fold.name}: {len(fold.training)} training items, scoring {list(fold.scored)}")
        corpora.check_training_sources(fold.training, "encoder leave-one-source-out fit")
        real = training_items(loso.subsample(fold.training, per_source))
        model_a, meta_a = _fit_a(fold, config, per_source, checkpoint_dir)
        t1 = clock.perf_counter()
        head_b, meta_b = fit_embedding_head(
            real, cache.embed([i["text"] for i in real], log), config
        )
        t2 = clock.perf_counter()
        for source, part in fold.scored.items():
            if not part:
                continue
            texts = [i["text"] for i in part]
            hit_a = model_a.score(texts) >= model_a.threshold
            hit_b = head_b.score(cache.embed(texts, log)) >= head_b.threshold
            rate_a, rate_b = float(hit_a.mean()), float(hit_b.mean())
            label = part[0]["label"]
            per_source_out[source] = {
                "label": label, "kind": info[source].kind, "fold": fold.name,
                "use": info[source].use, "items": len(part),
                "scored_split": "heldout" if info[source].rules_saw else "all",
                "A": rate_a, "B": rate_b, "A_or_B": float((hit_a | hit_b).mean()),
            }  # fmt: skip
            what = "recall" if label == ATTACK else "FP"
            log(f"  {source:32} {what:6} A {rate_a:.1%}  B {rate_b:.1%}")
        fold_meta[fold.name] = {
            "left_out": sorted(fold.left_out),
            "A": {**meta_a, "threshold": model_a.threshold, "fit_seconds": round(t1 - t0, 1)},
            "B": {**meta_b, "threshold": head_b.threshold, "fit_seconds": round(t2 - t1, 1)},
        }
    summaries = {
        name: loso.summarize(
            {s: {"label": e["label"], "both": e[name]} for s, e in per_source_out.items()}, info
        )
        for name in CANDIDATES
    }
    return {
        "method": __doc__.split("\n\n")[2].strip() if __doc__ else "",
        "candidates": {
            "A": "hashed char 3-5-grams + word 1-2-grams, windowed, logistic (loso.fit_fold)",
            "B": "all-MiniLM-L6-v2 mean-pooled embeddings (first 256 tokens), logistic head",
            "A_or_B": "a hit of either, each at its own threshold (not calibrated jointly)",
        },
        "max_per_source": per_source,
        "per_source": per_source_out,
        "summary": summaries,
        "folds": fold_meta,
        "embeddings_computed": cache.encoded,
        "wall_seconds": round(clock.perf_counter() - started, 1),
    }


def throughput_sample(items: Sequence[CorpusItem], n: int = THROUGHPUT_SAMPLE) -> list[str]:
    """`n` distinct texts with the lowest SHA-256: fixed whatever the input order."""
    distinct = sorted({i["text"] for i in items}, key=EmbeddingCache.key)
    return distinct[:n]


def measure_throughput(
    texts: Sequence[str], model_a: Tier2Model, encode: Encode, head_b: EmbeddingHead
) -> dict[str, Any]:
    """texts/s and MB/s (UTF-8) of each scorer on `texts`: A's best of three runs, B once
    (encoding from scratch, no cache)."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    a_seconds = float("inf")
    for _ in range(3):
        t0 = clock.perf_counter()
        model_a.score(texts)
        a_seconds = min(a_seconds, clock.perf_counter() - t0)
    t0 = clock.perf_counter()
    head_b.score(np.asarray(encode(texts), dtype=np.float32))
    b_seconds = clock.perf_counter() - t0
    out: dict[str, Any] = {
        "texts": len(texts),
        "megabytes": round(size / 1e6, 4),
        "threads": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
    }
    for name, seconds in (("A", a_seconds), ("B", b_seconds)):
        out[name] = {
            "seconds": round(seconds, 3),
            "texts_per_second": round(len(texts) / seconds, 1),
            "mb_per_second": round(size / 1e6 / seconds, 4),
        }
    return out


# ======================================================================== printing, command
def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def format_report(report: Mapping[str, Any]) -> str:
    lines = [
        "leave-one-source-out, classifier alone: A hashed n-grams vs B MiniLM embeddings",
        f"{'source':32} {'kind':30} {'n':>5} {'A':>7} {'B':>7} {'A or B':>7} {'B cut':>6}",
    ]
    cut = report.get("truncated_share", {})
    for label in (ATTACK, BENIGN):
        for source, e in report["per_source"].items():
            if e["label"] == label:
                lines.append(
                    f"{source:32} {e['kind'][:30]:30} {e['items']:>5} {_pct(e['A']):>7} "
                    f"{_pct(e['B']):>7} {_pct(e['A_or_B']):>7} {_pct(cut.get(source)):>6}"
                )
    summary = report["summary"]
    lines.append("")
    for kind, m in summary["A"]["by_kind"].items():
        key = "mean_recall" if m["label"] == ATTACK else "mean_false_positive_rate"
        what = "recall" if m["label"] == ATTACK else "FPR"
        values = "  ".join(
            f"{name} {_pct(summary[name]['by_kind'][kind][key]):>7}" for name in CANDIDATES
        )
        lines.append(f"{kind:44} mean {what:6} {values}")
    for name in CANDIDATES:
        s = summary[name]
        lines.append(
            f"{name}: balanced accuracy {s['balanced_accuracy']:.3f} (attack recall "
            f"{_pct(s['mean_attack_recall'])}, benign TNR {_pct(s['mean_benign_tnr'])})"
        )
    for name, f in report["folds"].items():
        lines.append(
            f"fold {name}: threshold A {f['A']['threshold']:.4f} B {f['B']['threshold']:.4f}"
        )
    t = report.get("throughput")
    if t:
        lines.append(
            f"throughput, {t['texts']} texts ({t['megabytes']} MB), threads {t['threads']}:"
        )
        for name in ("A", "B"):
            lines.append(
                f"  {name}: {t[name]['texts_per_second']} texts/s, {t[name]['mb_per_second']} MB/s"
            )
    lines.append(f"wall time {report['wall_seconds']} s")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from aisec_lab.encoder import MINILM_MAX_TOKENS, MINILM_SAFETENSORS_SHA256, MiniLmEncoder

    parser = argparse.ArgumentParser(
        prog="python -m aisec_lab encoder-loso",
        description=__doc__.split("\n\n")[0] if __doc__ else "",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--max-per-source", type=int, default=loso.MAX_PER_SOURCE)
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    cache_dir = args.cache_dir or corpora.default_cache_dir()
    try:
        base = corpora.generated_attack_corpora() + corpora.benign_corpora()
        third = corpora.third_party_corpora(args.cache_dir)
        encoder = MiniLmEncoder.from_registry(args.cache_dir)
    except (corpora.CorpusUnavailable, Tier2Error) as exc:
        print(f"cannot load the corpora or the encoder: {exc}", file=sys.stderr)
        return 2
    items = third + base
    embeddings = (
        cache_dir / f"minilm_embeddings-{MINILM_SAFETENSORS_SHA256[:12]}-{MINILM_MAX_TOKENS}"
    )
    cache = EmbeddingCache(encoder.encode, MiniLmEncoder.hidden, embeddings)
    log(f"{len(cache.rows)} embeddings cached in {embeddings}")
    checkpoints = cache_dir / "loso_models"
    folds = loso.plan_folds(items)
    report = run_encoder_loso(
        items, cache, per_source=args.max_per_source, log=log, checkpoint_dir=checkpoints,
        folds=folds,
    )  # fmt: skip
    scored = [i for f in folds for part in f.scored.values() for i in part]
    report["truncated_share"] = {
        source: float(
            np.mean([
                len(encoder.tokenizer.encode(i["text"], max_tokens=1 << 30)) > MINILM_MAX_TOKENS
                for i in scored if i["source"] == source
            ])
        )
        for source in report["per_source"]
    }  # fmt: skip
    first = next(iter(report["folds"]))
    fold = next(f for f in folds if f.name == first)
    model_a, _ = _fit_a(fold, loso.LOSO_CONFIG, args.max_per_source, checkpoints)
    real = training_items(loso.subsample(fold.training, args.max_per_source))
    head_b, _ = fit_embedding_head(real, cache.embed([i["text"] for i in real]), loso.LOSO_CONFIG)
    log("throughput (B encodes from scratch)")
    report["throughput"] = measure_throughput(
        throughput_sample(scored), model_a, encoder.encode, head_b
    )
    print(format_report(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
