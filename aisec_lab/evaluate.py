"""Measuring the tier-2 classifier: tier 1 alone, tier 2 alone and tier 1 OR tier 2 through the
quality harness (`quality`), tier 2's speed, and its leave-one-source-out generalization.

**What to score.** Score the `prompt_text` and the `retrieved_context` of each
`monitoring.llm_events` row separately (`Tier2Model.score(texts)`, a batch of strings); an
event is a tier-2 hit when either text scores at or above `Tier2Model.threshold`. A hit on
`retrieved_context` is an indirect injection by definition; on `prompt_text`,
`Tier2Model.families(texts)` names the most likely attack family. `response_text` is not
scored: output leaks are tier 1's job and the model has never seen model outputs.
`tier2_detector(model)` does exactly this as a `quality.Detector`.

**What the measurements say** (benchmarks/out/tier2_quality.json, tier2_compare.json): the
held-out split shares its generators' templates with the authoring split, so its numbers are
an upper bound; the leave-one-source-out numbers (a source never seen in training) are the
honest estimate for unseen traffic and are reported next to them.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aisec_assets.monitoring.classifier.model import SCORED_FIELDS, Tier2Model
from aisec_assets.monitoring.rules import load_rule_pack
from aisec_lab import corpora, quality
from aisec_lab.corpora import BENIGN, CorpusItem
from aisec_lab.quality import Detector, Hit
from aisec_lab.train import (
    Segments,
    TrainConfig,
    _fit_segments,
    _labels,
    _segments,
    _with_embedded,
    fit_items,
    training_items,
)
from aisec_resources.events import LlmEvent

RULE_ID = "tier2.ngram_classifier"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "out" / "tier2_quality.json"


# ======================================================================== detection
def event_texts(event: LlmEvent) -> list[tuple[str, str]]:
    """(field, text) pairs tier 2 scores for one event: non-empty prompt_text and
    retrieved_context."""
    out = []
    for name in SCORED_FIELDS:
        text = getattr(event, name, None)
        if isinstance(text, str) and text.strip():
            out.append((name, text))
    return out


def tier2_detector(model: Tier2Model) -> Detector:
    """The model as a `quality.Detector`: a hit (RULE_ID, family) on every event one of whose
    scored fields reaches the threshold; a hit on retrieved_context is an indirect injection."""

    def detect(events: Sequence[LlmEvent]) -> dict[str, set[Hit]]:
        refs: list[tuple[str, str]] = []
        texts: list[str] = []
        for event in events:
            for name, text in event_texts(event):
                refs.append((event.event_id, name))
                texts.append(text)
        hits: dict[str, set[Hit]] = defaultdict(set)
        if not texts:
            return {}
        probs = model.probabilities(texts)
        scores = 1.0 - probs[:, 0]
        top = np.argmax(probs[:, 1:], axis=1)
        for (event_id, name), score, family_index in zip(refs, scores, top, strict=True):
            if score >= model.threshold:
                family = (
                    "indirect_injection"
                    if name == "retrieved_context"
                    else model.classes[1 + int(family_index)]
                )
                hits[event_id].add((RULE_ID, family))
        return dict(hits)

    return detect


def union_detector(*detectors: Detector) -> Detector:
    """Hits of any of `detectors` (tier 1 OR tier 2)."""

    def detect(events: Sequence[LlmEvent]) -> dict[str, set[Hit]]:
        hits: dict[str, set[Hit]] = defaultdict(set)
        for detector in detectors:
            for event_id, found in detector(events).items():
                hits[event_id] |= found
        return dict(hits)

    return detect


# ======================================================================== generalization
def leave_one_source_out(
    items: Sequence[CorpusItem],
    threshold: float,
    config: TrainConfig | None = None,
    sources: Sequence[str] | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, dict[str, Any]]:
    """For each source S: fit on the authoring split without any item of S, then the share of
    S's items (both splits) at or above `threshold`. What an unseen kind of traffic does: for a
    benign source a false-positive rate, for an attack source a recall."""
    config = config or TrainConfig()
    train_all, _, parents = _with_embedded(training_items(fit_items(items)), config)
    seg = _segments(train_all, config)
    labels_all = _labels(train_all)
    sources_all = [i["source"] for i in train_all]
    candidates = sorted({i["source"] for i in training_items(items)})
    out: dict[str, dict[str, Any]] = {}
    for source in sources or candidates:
        # nothing made of the left-out source either (synthetic items made with its texts)
        keep = np.array([source not in p for p in parents])
        rows = seg.training_rows(keep, labels_all == 0)
        w, b, iterations = _fit_segments(seg, rows, labels_all, sources_all, config)
        members = [i for i in training_items(items) if i["source"] == source]
        member_seg = Segments.of([i["text"] for i in members], config.features)
        scores = member_seg.scores(np.ones(len(members), dtype=bool), w, b)
        label = members[0]["label"]
        rate = float((scores >= threshold).mean())
        out[source] = {
            "label": label,
            "items": len(members),
            "false_positive_rate" if label == BENIGN else "recall": rate,
            "iterations": iterations,
        }
        log(f"left out {source}: {'FP' if label == BENIGN else 'recall'} {rate:.1%}")
    return out


# ======================================================================== reports
def _memoized(detector: Detector) -> Detector:
    """The same detector, run once per distinct event list (tier 1 alone and in the union)."""
    memo: dict[tuple[str, ...], dict[str, set[Hit]]] = {}

    def detect(events: Sequence[LlmEvent]) -> dict[str, set[Hit]]:
        key = tuple(e.event_id for e in events)
        if key not in memo:
            memo[key] = detector(events)
        return memo[key]

    return detect


def _held_out_rates(
    items: Sequence[CorpusItem], scores: np.ndarray, threshold: float, split: str = "heldout"
) -> dict[str, dict[str, Any]]:
    """Per source: items of `split` and the share at or above the threshold."""
    out = {}
    for source in sorted({i["source"] for i in items}):
        mask = np.array([i["source"] == source and i["split"] == split for i in items])
        label = next(i["label"] for i in items if i["source"] == source)
        rate = float((scores[mask] >= threshold).mean()) if mask.any() else None
        key = "false_positive_rate" if label == BENIGN else "recall"
        out[source] = {"label": label, "items": int(mask.sum()), key: rate}
    return out


def evaluate(
    items: Sequence[CorpusItem],
    model: Tier2Model,
    with_tier1: bool = True,
    generalization: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Tier 1 alone, tier 2 alone and tier 1 OR tier 2 through the quality harness (both
    splits, every source apart), plus tier 2's speed on the corpus and, optionally, its
    leave-one-source-out generalization."""
    tiers: dict[str, Detector] = {"tier2": tier2_detector(model)}
    if with_tier1:
        # the cheap tier alone: the shipped pack's classifier rules run the shipped model,
        # not the one being evaluated
        tier1 = _memoized(quality.sql_detector(quality.without_classifier(load_rule_pack())))
        tiers = {"tier1": tier1, **tiers, "tier1_or_tier2": union_detector(tier1, tiers["tier2"])}
    report: dict[str, Any] = {
        "model": {
            "version": model.version,
            "threshold": model.threshold,
            "features": model.features.to_dict(),
            **model.metadata,
        },
        "scored_fields": list(SCORED_FIELDS),
        "eval_only_sources": list(corpora.EVAL_ONLY_SOURCES),
        "corpora": corpora.summarize(items),
        "tiers": {},
    }
    for name, detector in tiers.items():
        log(f"running {name} over {len(items)} items")
        report["tiers"][name] = quality.quality_report(items, detector)
    texts = [t for i in items if i["field"] in SCORED_FIELDS for t in [i["text"]]]
    started = clock.perf_counter()
    model.score(texts)
    seconds = clock.perf_counter() - started
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    report["tier2_speed_on_corpus"] = {
        "texts": len(texts),
        "megabytes": round(megabytes, 3),
        "seconds": round(seconds, 3),
        "texts_per_second": round(len(texts) / seconds, 1),
        "megabytes_per_second": round(megabytes / seconds, 3),
        "note": "one process; see benchmarks/bench_tier2.py for events/s per core",
    }
    if generalization:
        log("leave-one-source-out generalization (one fit per source)")
        report["generalization_leave_one_source_out"] = leave_one_source_out(
            items, model.threshold, log=log
        )
    return report


_SUMMARY_FAMILIES = ("jailbreak", "prompt_injection", "indirect_injection",
                     "system_prompt_extraction")  # fmt: skip


def format_summary(report: dict[str, Any], split: str = "heldout") -> str:
    """Recall per attack family / source and false positives per benign source, per tier."""
    tiers = list(report["tiers"])
    width = max(12, *(len(t) for t in tiers))
    head = f"{'':36}" + "".join(f"{t:>{width + 1}}" for t in tiers)
    lines = [
        f"tier 2 model {report['model']['version']} threshold {report['model']['threshold']:.4f}",
        f"== split: {split} (recall_any per attack family; rates per source)",
        head,
    ]

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value * 100:.1f}%"

    for fam in _SUMMARY_FAMILIES:
        row = f"family {fam:29}"
        for t in tiers:
            m = report["tiers"][t]["splits"][split]["families"].get(fam, {})
            row += f"{pct(m.get('recall_any')):>{width + 1}}"
        lines.append(row)
    first = report["tiers"][tiers[0]]["splits"][split]["sources"]
    for source, entry in first.items():
        if entry["label"] != BENIGN and entry["family"] not in _SUMMARY_FAMILIES:
            continue
        kind = "FP" if entry["label"] == BENIGN else "recall"
        row = f"{source[:29]:29} {kind:>6}"
        for t in tiers:
            m = report["tiers"][t]["splits"][split]["sources"][source]
            value = m["false_positive_rate"] if m["label"] == BENIGN else m["recall_any"]
            row += f"{pct(value):>{width + 1}}"
        lines.append(row + f"   n={entry['items']}")
    for t in tiers:
        failed = [
            f"{c['target']} ({pct(c['value'])})"
            for c in report["tiers"][t]["splits"][split]["targets"]
            if c["status"] != "PASS"
        ]
        lines.append(f"targets {t}: " + ("all PASS" if not failed else "FAIL " + "; ".join(failed)))
    speed = report.get("tier2_speed_on_corpus")
    if speed:
        lines.append(
            f"tier 2 speed on the corpus: {speed['texts_per_second']} texts/s, "
            f"{speed['megabytes_per_second']} MB/s (one process)"
        )
    general = report.get("generalization_leave_one_source_out")
    if general:
        lines.append("leave-one-source-out (source never seen in training, both splits):")
        for source, m in general.items():
            key = "false_positive_rate" if m["label"] == BENIGN else "recall"
            lines.append(f"  {source:34} {key:20} {pct(m[key])}  n={m['items']}")
    return "\n".join(lines)
