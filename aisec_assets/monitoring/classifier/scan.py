"""The classifier tier inside a detection run: score one day's texts, keep the rules' hits.

A compiled pack's classifier step (`rules.ClassifierScan`: one target field and the classifier
rules reading it) runs here, called by `detect.run_step`:

1. the day's rows are read in rowid windows (`sql/monitoring/classifier_texts.sql`): DuckDB's
   Python results are materialized whole, so a window bounds the memory to one batch of text;
2. each window's texts are scored by the tier-2 model in one numpy batch (`Tier2Model.verdicts`:
   P(attack), the most likely attack class and the deciding text or window);
3. `classifier_hits()` (a plain function) turns verdicts into hits per rule: the score reaches
   the rule's `min_score` (default: the model's calibrated threshold) and the class is one of
   the rule's `classes` (any when empty); `drop_mentions()` then drops the hits on texts that
   match one of the rule's `unless` regexes (`sql/monitoring/classifier_mentions.sql`, DuckDB's
   RE2 as for the pattern rules: mention is not use);
4. the hits go into the run's `detection_hits` (`sql/monitoring/insert_classifier_hits.sql`),
   with the deciding segment as evidence and the score.

The model is the shipped one (`Tier2Model.load()`, loaded once per process by `shipped_model`),
unless the caller passes one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import duckdb
import numpy as np
import pandas as pd

from aisec_assets.monitoring.classifier.errors import Tier2Error
from aisec_assets.monitoring.classifier.model import Tier2Model, Verdicts
from aisec_assets.monitoring.rules import EVIDENCE_MAX_CHARS, ClassifierRule, ClassifierScan
from aisec_resources.warehouse import read_sql, run_sql

WINDOW_ROWS = 20_000  # rows of llm_events read per query
# Characters scored per model call: the sparse features of a batch take ~100 bytes per
# character (every n-gram order, row/column/value arrays), so this bounds the memory.
SCORE_BATCH_CHARS = 2_000_000
HIT_TABLE = "classifier_hit_rows"


@dataclass(frozen=True)
class ClassifierHit:
    rule_id: str
    event_id: str
    target_field: str
    evidence: str
    score: float


@dataclass
class ClassifierStats:
    texts: int = 0
    hits: int = 0
    seconds_scoring: float = 0.0


@cache
def shipped_model() -> Tier2Model:
    """The tier-2 model shipped in tier2_model/ (read once per process)."""
    return Tier2Model.load()


def check_rules(scan: ClassifierScan, model: Tier2Model) -> None:
    """Every class a rule names must be one the model predicts."""
    for rule in scan.rules:
        unknown = [c for c in rule.classes if c not in model.classes[1:]]
        if unknown:
            raise Tier2Error(
                f"rule {rule.rule_id}: the classifier {model.version} has no class "
                f"{', '.join(unknown)} (it predicts {', '.join(model.classes[1:])})"
            )


def classifier_hits(
    scan: ClassifierScan,
    event_ids: Sequence[str],
    verdicts: Verdicts,
    threshold: float,
) -> list[ClassifierHit]:
    """The hits of `scan`'s rules on scored texts (`verdicts[i]` belongs to `event_ids[i]`)."""
    hits: list[ClassifierHit] = []
    families = np.asarray(verdicts.families, dtype=object)
    for rule in scan.rules:
        floor = rule.min_score if rule.min_score is not None else threshold
        fires = verdicts.scores >= floor
        if rule.classes:
            fires &= np.isin(families, list(rule.classes))
        for i in np.flatnonzero(fires):
            hits.append(
                ClassifierHit(
                    rule.rule_id,
                    event_ids[i],
                    scan.target,
                    verdicts.segments[i][:EVIDENCE_MAX_CHARS],
                    round(float(verdicts.scores[i]), 4),
                )
            )
    return hits


def unless_regex(rule: ClassifierRule) -> str | None:
    """A rule's `unless` regexes as one case-blind RE2 alternation (None: it has none)."""
    if not rule.unless:
        return None
    return "(?i)" + "|".join(f"(?:{pattern})" for pattern in rule.unless)


def drop_mentions(
    conn: duckdb.DuckDBPyConnection,
    scan: ClassifierScan,
    hits: Sequence[ClassifierHit],
    texts: dict[str, str],
) -> list[ClassifierHit]:
    """`hits` without those whose text (`texts[event_id]`) matches their rule's `unless`."""
    kept = list(hits)
    sql = read_sql("monitoring/classifier_mentions")
    for rule in scan.rules:
        regex = unless_regex(rule)
        mine = [h for h in kept if h.rule_id == rule.rule_id]
        if regex is None or not mine:
            continue
        rows = conn.execute(
            sql, {"texts": [texts[h.event_id] for h in mine], "unless": regex}
        ).fetchall()
        dropped = {id(mine[position]) for (position,) in rows}
        kept = [h for h in kept if id(h) not in dropped]
    return kept


def _char_batches(
    rows: Sequence[tuple[str, str]], max_chars: int
) -> list[Sequence[tuple[str, str]]]:
    """Consecutive runs of rows holding at most `max_chars` characters (at least one row)."""
    batches: list[Sequence[tuple[str, str]]] = []
    start, chars = 0, 0
    for i, (_, text) in enumerate(rows):
        if i > start and chars + len(text) > max_chars:
            batches.append(rows[start:i])
            start, chars = i, 0
        chars += len(text)
    if start < len(rows):
        batches.append(rows[start:])
    return batches


def run_classifier_scan(
    conn: duckdb.DuckDBPyConnection,
    scan: ClassifierScan,
    day: date,
    model: Tier2Model | None = None,
    window_rows: int = WINDOW_ROWS,
) -> ClassifierStats:
    """Score the day's `scan.target` texts and insert the rules' hits into detection_hits."""
    model = model or shipped_model()
    check_rules(scan, model)
    stats = ClassifierStats()
    first_row, last_row, events = conn.execute(
        read_sql("monitoring/classifier_day_rows"), {"day": day}
    ).fetchone() or (None, None, 0)
    if not events:
        return stats
    hits: list[ClassifierHit] = []
    texts_sql = read_sql("monitoring/classifier_texts")
    for start in range(int(first_row), int(last_row) + 1, window_rows):
        rows = conn.execute(
            texts_sql,
            {
                "day": day,
                "target": scan.target,
                "first_row": start,
                "end_row": start + window_rows,
            },
        ).fetchall()
        if not rows:
            continue
        for batch in _char_batches(rows, SCORE_BATCH_CHARS):
            started = time.perf_counter()
            verdicts = model.verdicts([r[1] for r in batch])
            stats.seconds_scoring += time.perf_counter() - started
            stats.texts += len(batch)
            found = classifier_hits(scan, [r[0] for r in batch], verdicts, model.threshold)
            hits += drop_mentions(conn, scan, found, dict(batch))
    stats.hits = len(hits)
    if hits:
        frame = pd.DataFrame(
            {
                "rule_id": [h.rule_id for h in hits],
                "event_id": [h.event_id for h in hits],
                "target_field": [h.target_field for h in hits],
                "evidence": [h.evidence for h in hits],
                "score": [h.score for h in hits],
            }
        )
        conn.register(HIT_TABLE, frame)
        try:
            run_sql(conn, "monitoring/insert_classifier_hits")
        finally:
            conn.unregister(HIT_TABLE)
    return stats
