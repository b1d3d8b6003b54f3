"""Leave-one-source-out: the detection-quality headline, on third-party sources.

    python -m aisec_lab loso [--out F] [--cache-dir D] [--max-per-source N] [--folds a,b]
    python -m aisec_lab.loso   (the same)

Why: the held-out split shares generator templates with training, so it measures memory (an
upper bound). Here every third-party source S (`corpora.THIRD_PARTY`, scored ones) is judged by
a pack whose classifier never saw S nor anything like it:

1. **The fold** (`plan_folds`): training = the authoring split of every corpus (generated and
   third-party) minus S's package group (`corpora.package_group`: every source of S's
   package, and sources sharing S's upstream data), minus every evaluation-only source, minus
   near-duplicates of the scored texts (`near_duplicates`: a training text half of whose word
   5-grams occur in the scored texts). Sources of one package share one fold (one fit).
   Scored: all of S's items, or only its held-out split when the rule authors looked at its
   authoring split (`SourceInfo.rules_saw`).
2. **No leak** (`check_fold`): raises `FoldLeak` if S, an evaluation-only source, or any
   scored text is in the fold's training; `corpora.check_training_sources` guards every fit.
3. **Fit and calibrate** (`fit_fold`): the shipped training recipe (`aisec_lab.train`: features,
   embedded payloads, source-balanced weights) on the fold's training items, subsampled
   deterministically to `max_per_source` items per source (lowest SHA-256 of the text) to keep
   one fit near a minute on 2 CPUs; the model is fitted on 4 of 5 cross-validation folds
   (`calibrate._fold_of`) and its threshold calibrated on the fifth (≤ 1% flagged on every
   benign source, never below 0.5), so one fit per fold, and that model is the one used.
   Same corpora + seed -> same thresholds.
4. **Score through the production path**: S's items become events, `store.write_source_day`
   + `detect.run_detections` with the whole shipped rule pack and the fold's model
   (`quality.sql_detector(pack, model=...)`); any detection on an event counts as a flag.

**Reported, never pooled**: per attack source recall (hit by any rule, `recall_any`) and per
benign source the false-positive rate, both tiers together and each alone; per attack family
and per benign kind the *mean over their sources* (macro); and the balanced accuracy over
prompts and documents = (mean over attack sources of recall + mean over benign sources of
(1 - FPR)) / 2, each source weighing the same whatever its size. Wall time per fold.

**Documents in the prompt** (`in_prompt` per source, `documents_in_prompt` in the summary; not
in the balanced accuracy): every retrieved-context item of the fold is scored twice more by the
same model and pack, pasted into the user's prompt (`aisec_lab.placement`): inside a RAG
template, and bare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aisec_assets.monitoring.classifier.errors import Tier2Error
from aisec_assets.monitoring.classifier.model import CLASSES, Tier2Model
from aisec_assets.monitoring.rules import RulePack, load_rule_pack
from aisec_lab import corpora, placement, quality
from aisec_lab.calibrate import calibrate_threshold
from aisec_lab.corpora import ATTACK, BENIGN, CorpusItem, SourceInfo
from aisec_lab.corpora.authoring_guard import authoring_overlaps
from aisec_lab.train import (
    TrainConfig,
    _fit_segments,
    _labels,
    _segments,
    _with_embedded,
    calibrates,
    training_items,
)

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "out" / "loso_quality.json"
MAX_PER_SOURCE = 150
SHINGLE = 5
NEAR_DUPLICATE = 0.5  # share of a training text's shingles found in the scored texts
# The shipped recipe with fewer synthetic carriers (training is subsampled too).
LOSO_CONFIG = TrainConfig(embedded_per_carrier_source=60)
CALIBRATION_FOLD = 0
FOLD_SEED = "aisec-loso"
# Bare harmful requests ("how do I make ...", no wrapper) are not attacks on the application,
# and the balanced accuracy is over prompt attacks and benign traffic: their recall is
# reported per source and kind, apart. What the harmful-request rules catch counts where the
# request sits inside a jailbreak.
OUTSIDE_BALANCED_ACCURACY: tuple[str, ...] = ("harmful_request",)


class UnknownFold(ValueError):
    """`--folds` named a package that scores no source."""


class FoldLeak(RuntimeError):
    """A fold's training holds what it is scored on (or an evaluation-only source)."""


@dataclass(frozen=True)
class Fold:
    """One fit: the sources it scores, what it was trained on, what was left out."""

    name: str  # the package left out
    scored: dict[str, list[CorpusItem]]  # source -> the items scored
    training: list[CorpusItem]
    left_out: frozenset[str]  # third-party sources dropped (the package group)
    near_duplicates: dict[str, int] = field(default_factory=dict)  # dropped, per source
    # evaluation-only texts not scored: they share words with the rule pack or a template
    authoring_overlap: dict[str, int] = field(default_factory=dict)


# ======================================================================== the split
def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def near_duplicates(
    training: Sequence[CorpusItem], scored: Sequence[CorpusItem], share: float = NEAR_DUPLICATE
) -> list[bool]:
    """Per training item: whether at least `share` of its word 5-grams (its whole word
    sequence when shorter) occur in the scored texts."""
    seen: set[str] = set()
    for item in scored:
        seen |= _shingles(item["text"])
    out = []
    for item in training:
        grams = _shingles(item["text"])
        out.append(bool(grams) and sum(g in seen for g in grams) >= share * len(grams))
    return out


def scored_items(items: Sequence[CorpusItem], source: str, info: SourceInfo) -> list[CorpusItem]:
    """What is scored of `source`: every item, or the held-out split if rules saw the rest."""
    return [
        i for i in items
        if i["source"] == source and (not info.rules_saw or i["split"] == "heldout")
    ]  # fmt: skip


def plan_folds(
    items: Sequence[CorpusItem],
    sources: Mapping[str, SourceInfo] | None = None,
    authored: dict[str, list[str]] | None = None,
) -> list[Fold]:
    """One fold per package of the scored third-party sources (module docstring, step 1).
    Evaluation-only texts that share words with `authored` (default: the rule pack and the
    generator templates, `authoring_guard`) are not scored."""
    info = dict(sources or corpora.THIRD_PARTY)
    present = {i["source"] for i in items}
    eval_only = {s for s, m in info.items() if m.use == corpora.EVALUATION_ONLY}
    by_package: dict[str, list[str]] = defaultdict(list)
    for source, meta in info.items():
        if meta.scored and source in present:
            by_package[meta.package].append(source)
    folds = []
    for package, members in sorted(by_package.items()):
        group = {s for s, m in info.items() if m.package == package}
        for member in list(group):
            group.update(info[member].shares_upstream)
        scored = {s: scored_items(items, s, info[s]) for s in sorted(members)}
        overlap = authoring_overlaps(
            [i for part in scored.values() for i in part], authored, eval_only
        )
        unfair = {id(i) for i, _, _ in overlap}
        scored = {s: [i for i in part if id(i) not in unfair] for s, part in scored.items()}
        candidates = [
            i for i in items
            if i["split"] == "authoring" and i["source"] not in group
            and i["source"] not in eval_only
        ]  # fmt: skip
        dup = near_duplicates(candidates, [i for part in scored.values() for i in part])
        dropped = Counter(i["source"] for i, d in zip(candidates, dup, strict=True) if d)
        training = [i for i, d in zip(candidates, dup, strict=True) if not d]
        fold = Fold(
            package, scored, training, frozenset(group), dict(sorted(dropped.items())),
            dict(sorted(Counter(i["source"] for i, _, _ in overlap).items())),
        )  # fmt: skip
        check_fold(fold, eval_only)
        folds.append(fold)
    return folds


def check_fold(fold: Fold, eval_only: set[str] | frozenset[str] | None = None) -> None:
    """Raise `FoldLeak` if a scored source, a source of the left-out group, an
    evaluation-only source or a scored text is in the fold's training."""
    eval_only = set(corpora.EVAL_ONLY_SOURCES) if eval_only is None else set(eval_only)
    trained_sources = {i["source"] for i in fold.training}
    both = trained_sources & (set(fold.scored) | fold.left_out | eval_only)
    if both:
        raise FoldLeak(f"fold {fold.name}: source(s) both trained on and left out: {sorted(both)}")
    scored_texts = {i["text"] for part in fold.scored.values() for i in part}
    shared = [i["source"] for i in fold.training if i["text"] in scored_texts]
    if shared:
        raise FoldLeak(
            f"fold {fold.name}: {len(shared)} scored text(s) also in training "
            f"(from {sorted(set(shared))})"
        )


# ======================================================================== fit + calibrate
def subsample(items: Sequence[CorpusItem], per_source: int) -> list[CorpusItem]:
    """At most `per_source` items per source: those with the lowest SHA-256 of their text."""
    by_source: dict[str, list[CorpusItem]] = defaultdict(list)
    for item in items:
        by_source[item["source"]].append(item)
    out = []
    for source in sorted(by_source):
        ranked = sorted(
            by_source[source],
            key=lambda i: hashlib.sha256((FOLD_SEED + i["text"]).encode("utf-8")).digest(),
        )
        out += ranked[:per_source]
    return out


def fit_fold(
    training: Sequence[CorpusItem],
    config: TrainConfig = LOSO_CONFIG,
    per_source: int = MAX_PER_SOURCE,
) -> tuple[Tier2Model, dict[str, Any]]:
    """A classifier fitted on 4/5 of `training` (subsampled) and its threshold calibrated on
    the fifth; with what it was fitted on."""
    corpora.check_training_sources(training, "leave-one-source-out fit")
    real = training_items(subsample(training, per_source))
    labels = _labels(real)
    if not (labels == 0).any() or not (labels > 0).any():
        raise Tier2Error("a fold needs benign and attack items to fit")
    train, folds, _ = _with_embedded(real, config)
    labels = _labels(train)
    seg = _segments(train, config)
    sources = [i["source"] for i in train]
    benign = labels == 0
    calib = folds == CALIBRATION_FOLD
    w, b, iterations = _fit_segments(
        seg, seg.training_rows(~calib, benign), labels, sources, config
    )
    scores = seg.scores(calib, w, b)
    real_benign = benign & calib & np.array([calibrates(s) for s in sources])
    threshold, rates = calibrate_threshold(
        scores, sources, real_benign, config.fp_budget, config.min_threshold
    )
    meta = {
        "items": len(real),
        "synthetic_items": len(train) - len(real),
        "per_source": dict(sorted(Counter(i["source"] for i in real).items())),
        "iterations": iterations,
        "calibration_items": int(calib.sum()),
        "calibration_benign_flagged": rates,
    }
    model = Tier2Model(
        weights=w.astype(np.float16), bias=b, threshold=threshold,
        features=config.features, classes=CLASSES, metadata={"training": meta},
    )  # fmt: skip
    return model, meta


def checkpoint_key(fold: Fold, config: TrainConfig, per_source: int) -> str:
    """What a fold's fit depends on, as 16 hex digits: the texts and sources it can learn from
    (`training_items`: a source of a family the model has no class for changes nothing), the
    config, the subsample size, the classes, and which training sources do not set the
    threshold."""
    # the classes are part of the fit: a class added to the model refits every fold
    digest = hashlib.sha256(repr((config, per_source, CLASSES)).encode("utf-8"))
    # what sets the threshold is part of the fit: a source that stops calibrating refits the fold
    trainable = training_items(fold.training)
    teach_only = sorted({i["source"] for i in trainable if not calibrates(i["source"])})
    digest.update(repr(teach_only).encode("utf-8"))
    for item in sorted(trainable, key=lambda i: (i["source"], i["text"])):
        digest.update(f"{item['source']}\x1f{item['text']}\x1e".encode())
    return digest.hexdigest()[:16]


def cached_fit(
    fold: Fold, config: TrainConfig, per_source: int, checkpoint_dir: Path | None
) -> tuple[Tier2Model, dict[str, Any]]:
    """`fit_fold` on the fold's training, kept under `checkpoint_dir` by `checkpoint_key` and
    reused when that is the same (the fold models of `run_loso`, also read by the encoder
    comparison)."""
    if checkpoint_dir is None:
        return fit_fold(fold.training, config, per_source)
    path = checkpoint_dir / f"{fold.name}-{checkpoint_key(fold, config, per_source)}"
    if (path / "model.json").exists():
        model = Tier2Model.load(path)
        return model, dict(model.metadata["training"])
    model, meta = fit_fold(fold.training, config, per_source)
    model.save(path)
    return model, meta


# ======================================================================== scoring
def _rate(source_entry: Mapping[str, Any]) -> float | None:
    key = "false_positive_rate" if source_entry["label"] == BENIGN else "recall_any"
    return source_entry.get(key)


def _over_splits(
    splits: Mapping[str, Mapping[str, Any]], source: str
) -> tuple[int, int, Counter[str]]:
    """A source's flagged and scored items, and which rules hit how many of them, summed over
    the splits of a `quality_report`."""
    flagged = items_n = 0
    fired: Counter[str] = Counter()
    for metrics in splits.values():
        m = metrics["sources"].get(source)
        if m:
            flagged += m["flagged"]
            items_n += m["items"]
            fired.update(m.get("rules_fired", {}))
    return flagged, items_n, fired


def score_fold(
    fold: Fold, model: Tier2Model | None, pack: RulePack, detector: quality.Detector | None = None
) -> dict[str, Any]:
    """The fold's scored items through the whole pack with `model` (or through `detector`),
    per source, for both tiers together and each alone."""
    items = [i for part in fold.scored.values() for i in part]
    report = quality.quality_report(
        items,
        detector or quality.sql_detector(pack, model=model),
        splits=["authoring", "heldout"],
        tiers=quality.tier_rule_ids(pack),
    )
    out: dict[str, Any] = {}
    for source in fold.scored:
        # which rules hit how many of the source's items (the whole pack): where a figure comes
        # from, readable without reading a text
        fired = _over_splits(report["splits"], source)[2]
        entry: dict[str, Any] = {"rules_fired": dict(sorted(fired.items()))}
        for tier, splits in [("both", report["splits"])] + [
            (t, r["splits"]) for t, r in report["by_tier"].items()
        ]:
            flagged, items_n, _ = _over_splits(splits, source)
            entry[tier] = None if items_n == 0 else flagged / items_n
            entry["items"] = items_n
        out[source] = entry
    # the fold's documents once more, pasted into the user's prompt (aisec_lab.placement)
    for name in placement.PLACEMENTS:
        placed = placement.documents_in_prompt(items, name)
        if not placed:
            continue
        placed_report = quality.quality_report(
            placed,
            detector or quality.sql_detector(pack, model=model),
            splits=["authoring", "heldout"],
        )
        for source in {i["source"] for i in placed}:
            flagged, items_n, fired = _over_splits(placed_report["splits"], source)
            out[source].setdefault("in_prompt", {})[name] = {
                "rate": None if items_n == 0 else flagged / items_n,
                "items": items_n,
                "rules_fired": dict(sorted(fired.items())),
            }
    return out


def _in_prompt_summary(
    per_source: Mapping[str, Mapping[str, Any]], sources: Mapping[str, SourceInfo]
) -> dict[str, Any]:
    """Mean recall and mean FPR of the documents placed in the prompt, per placement, beside
    the same sources' figures as retrieved content (counted kinds only)."""
    placed = {
        s: e for s, e in per_source.items()
        if e.get("in_prompt") and sources[s].kind not in OUTSIDE_BALANCED_ACCURACY
    }  # fmt: skip
    out: dict[str, Any] = {}
    for label, key in ((ATTACK, "mean_recall"), (BENIGN, "mean_false_positive_rate")):
        members = sorted(s for s, e in placed.items() if e["label"] == label)
        if not members:
            continue
        row: dict[str, Any] = {"sources": members}
        row["retrieved"] = float(np.mean([placed[s]["both"] for s in members]))
        for name in placement.PLACEMENTS:
            rates = [placed[s]["in_prompt"][name]["rate"] for s in members]
            row[name] = float(np.mean([r for r in rates if r is not None]))
        out[key] = row
    return out


def summarize(
    per_source: Mapping[str, Mapping[str, Any]], sources: Mapping[str, SourceInfo]
) -> dict[str, Any]:
    """Per family / benign kind the mean over its sources, and the balanced accuracy."""
    groups: dict[str, list[str]] = defaultdict(list)
    attack_rates, benign_tnr = [], []
    for source, entry in per_source.items():
        if entry["both"] is None:
            continue
        groups[sources[source].kind].append(source)
        if sources[source].kind in OUTSIDE_BALANCED_ACCURACY:
            continue
        (attack_rates if entry["label"] == ATTACK else benign_tnr).append(
            entry["both"] if entry["label"] == ATTACK else 1.0 - entry["both"]
        )
    kinds = {}
    for kind, members in sorted(groups.items()):
        label = per_source[members[0]]["label"]
        kinds[kind] = {
            "label": label,
            "sources": members,
            "mean_recall" if label == ATTACK else "mean_false_positive_rate": float(
                np.mean([per_source[s]["both"] for s in members])
            ),
        }
    recall = float(np.mean(attack_rates)) if attack_rates else None
    tnr = float(np.mean(benign_tnr)) if benign_tnr else None
    balanced = None if recall is None or tnr is None else (recall + tnr) / 2
    return {
        "documents_in_prompt": _in_prompt_summary(per_source, sources),
        "by_kind": kinds,
        "mean_attack_recall": recall,
        "mean_benign_tnr": tnr,
        "balanced_accuracy": balanced,
        "balanced_accuracy_definition": (
            "(mean over attack sources of recall + mean over benign sources of (1 - FPR)) / 2; "
            "every source weighs the same; all scored texts are prompts or retrieved documents; "
            f"sources of {', '.join(OUTSIDE_BALANCED_ACCURACY)} are reported, not counted"
        ),
    }


def run_loso(
    items: Sequence[CorpusItem],
    pack: RulePack | None = None,
    per_source: int = MAX_PER_SOURCE,
    config: TrainConfig = LOSO_CONFIG,
    log: Callable[[str], None] = lambda _msg: None,
    checkpoint_dir: Path | None = None,
    only: Sequence[str] = (),
) -> dict[str, Any]:
    """Every fold (or only the folds named in `only`, for a quick look while developing: the
    balanced accuracy of a partial run is not the headline): plan, fit and calibrate, score
    through the production path. With `checkpoint_dir`, each fold's fitted model is kept there
    (keyed by a digest of its training texts, the config, the subsample size and the classes)
    and reused by a rerun."""
    pack = pack or load_rule_pack()
    started = clock.perf_counter()
    folds = plan_folds(items)
    if only:
        unknown = sorted(set(only) - {f.name for f in folds})
        if unknown:
            known = ", ".join(f.name for f in folds)
            raise UnknownFold(f"no fold named {', '.join(unknown)}; the folds are {known}")
        folds = [f for f in folds if f.name in only]
    per_source_out: dict[str, Any] = {}
    fold_meta: dict[str, Any] = {}
    for fold in folds:
        t0 = clock.perf_counter()
        log(f"fold {fold.name}: {len(fold.training)} training items, scoring {list(fold.scored)}")
        model, meta = cached_fit(fold, config, per_source, checkpoint_dir)
        t1 = clock.perf_counter()
        scores = score_fold(fold, model, pack)
        for source, entry in scores.items():
            info = corpora.THIRD_PARTY[source]
            label = fold.scored[source][0]["label"] if fold.scored[source] else BENIGN
            per_source_out[source] = {
                "label": label, "kind": info.kind, "fold": fold.name, "use": info.use,
                "scored_split": "heldout" if info.rules_saw else "all", **entry,
            }  # fmt: skip
            log(f"  {source:32} {'recall' if label == ATTACK else 'FP':6} {entry['both']:.1%}")
        fold_meta[fold.name] = {
            **meta,
            "left_out": sorted(fold.left_out),
            "near_duplicates_dropped": fold.near_duplicates,
            "authoring_overlap_dropped": fold.authoring_overlap,
            "threshold": model.threshold,
            "fit_seconds": round(t1 - t0, 1),
            "score_seconds": round(clock.perf_counter() - t1, 1),
        }
    return {
        "method": __doc__.split("\n\n")[2].strip() if __doc__ else "",
        "pack": {"name": pack.pack, "version": pack.version, "sha256": pack.sha256},
        "debian_versions": corpora.fetched_versions(),  # as fetched (a gone pin falls back)
        "max_per_source": per_source,
        "embedded_per_carrier_source": config.embedded_per_carrier_source,
        "per_source": per_source_out,
        "summary": summarize(per_source_out, corpora.THIRD_PARTY),
        "folds": fold_meta,
        "wall_seconds": round(clock.perf_counter() - started, 1),
    }


def heldout_upper_bound(items: Sequence[CorpusItem], pack: RulePack) -> dict[str, Any]:
    """The shipped pack and model on the held-out split of the corpora they were built from
    (`load_corpora`): an upper bound, it shares templates with training."""
    report = quality.quality_report(
        corpora.select(items, "heldout"), quality.sql_detector(pack), splits=["heldout"]
    )
    split = report["splits"]["heldout"]
    return {
        "families": {f: m["recall_any"] for f, m in split["families"].items()},
        "sources": {s: _rate(m) for s, m in split["sources"].items()},
        "detector_seconds": report["detector_seconds"],
    }


# ======================================================================== printing, command
def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def format_report(report: Mapping[str, Any]) -> str:
    lines = [
        "leave-one-source-out (whole pack; classifier trained and calibrated without the "
        "source's package)",
        f"{'source':32} {'kind':38} {'n':>5} {'both':>7} {'rules':>7} {'classif.':>8}",
    ]
    for label in (ATTACK, BENIGN):
        for source, e in report["per_source"].items():
            if e["label"] != label:
                continue
            lines.append(
                f"{source:32} {e['kind'][:38]:38} {e['items']:>5} {_pct(e['both']):>7} "
                f"{_pct(e.get('rules')):>7} {_pct(e.get('classifier')):>8}"
            )
    s = report["summary"]
    lines.append("")
    for kind, m in s["by_kind"].items():
        value = m.get("mean_recall", m.get("mean_false_positive_rate"))
        what = "recall" if m["label"] == ATTACK else "FPR"
        lines.append(f"{kind:44} mean {what:6} {_pct(value)}  ({len(m['sources'])} sources)")
    balanced = s["balanced_accuracy"]
    # a partial run (`--folds`) may score attack sources only, or benign ones only
    lines.append(
        f"balanced accuracy {'n/a' if balanced is None else f'{balanced:.3f}'} (attack recall "
        f"{_pct(s['mean_attack_recall'])}, benign TNR {_pct(s['mean_benign_tnr'])})"
    )
    placed = s.get("documents_in_prompt")
    if placed:
        lines.append(
            "documents pasted into the prompt (mean over the sources; aisec_lab.placement):"
        )
        for key, row in placed.items():
            lines.append(
                f"  {key:26} as retrieved {_pct(row['retrieved'])}, templated "
                f"{_pct(row['templated'])}, bare {_pct(row['bare'])} "
                f"({len(row['sources'])} sources)"
            )
        for source, e in report["per_source"].items():
            if e.get("in_prompt"):
                placements = ", ".join(f"{n} {_pct(v['rate'])}" for n, v in e["in_prompt"].items())
                lines.append(f"  {source:32} retrieved {_pct(e['both'])}, {placements}")
    for name, f in report["folds"].items():
        lines.append(
            f"fold {name}: threshold {f['threshold']:.4f}, {f['items']} items, fit "
            f"{f['fit_seconds']} s, scoring {f['score_seconds']} s"
        )
    lines.append(f"wall time {report['wall_seconds']} s")
    upper = report.get("heldout_upper_bound")
    if upper:
        lines.append("\nupper bound (held-out split, shares templates with training):")
        for fam, value in upper["families"].items():
            lines.append(f"  {fam:34} recall {_pct(value)}")
    return "\n".join(lines)


def opt_in_note(pack: RulePack) -> str:
    """What `--enable-opt-in` switches on in `pack` (the shipped pack has no opt-in rule: the
    flag is for a copy with rules set `enabled: false`)."""
    off = [rule.id for rule in pack.rules if not rule.enabled]
    if not off:
        return "--enable-opt-in: no rule of the pack is `enabled: false`; nothing to switch on"
    return f"--enable-opt-in: switching on {len(off)} opt-in rule(s): {', '.join(off)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aisec_lab.loso", description=__doc__.split("\n\n")[0] if __doc__ else ""
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--max-per-source", type=int, default=MAX_PER_SOURCE)
    parser.add_argument("--no-upper-bound", action="store_true")
    parser.add_argument(
        "--folds",
        default="",
        help="comma-separated fold (package) names to run alone, e.g. garak,pyrit (a partial "
        "report: for development, never the headline)",
    )
    parser.add_argument(
        "--enable-opt-in",
        action="store_true",
        help="score with the pack's opt-in rules (enabled: false) switched on",
    )
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        base = corpora.generated_attack_corpora() + corpora.benign_corpora()
        third = corpora.third_party_corpora(args.cache_dir)
    except corpora.CorpusUnavailable as exc:
        print(f"cannot load the corpora: {exc}", file=sys.stderr)
        return 2
    items = third + base
    pack = load_rule_pack()
    if args.enable_opt_in:
        log(opt_in_note(pack))
        rules = [r.model_copy(update={"enabled": True}) for r in pack.rules]
        pack = pack.model_copy(update={"rules": rules})
    checkpoints = (args.cache_dir or corpora.default_cache_dir()) / "loso_models"
    only = [name for name in args.folds.split(",") if name]
    try:
        report = run_loso(
            items, pack, args.max_per_source, log=log, checkpoint_dir=checkpoints, only=only
        )
    except UnknownFold as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if only:
        report["partial"] = only
    report["corpora"] = corpora.summarize(items)
    if not args.no_upper_bound:
        log("held-out split, shipped pack and model (upper bound)")
        shipped = {s for s in corpora.summarize(corpora.load_corpora(cache_dir=args.cache_dir))}
        report["heldout_upper_bound"] = heldout_upper_bound(
            [i for i in items if i["source"] in shipped], pack
        )
    print(format_report(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
