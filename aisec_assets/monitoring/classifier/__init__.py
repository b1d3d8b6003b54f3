"""The second detection tier at run time: a trained classifier for prompt injection, indirect
injection, jailbreaks and system-prompt extraction, scored on `prompt_text` and
`retrieved_context` of the day's events.

- `features`: texts -> hashed sparse n-gram vectors, windows of long texts;
- `model`: `Tier2Model` (load the shipped weights, score, verdicts), `Verdicts`, `CLASSES`;
- `scan`: `run_classifier_scan`, the classifier step of a detection run (the day's texts read
  from the warehouse in windows, scored in batches, hits per classifier rule);
- `tier2_model/`: the shipped weights and metadata (package data).

**What to score.** The `prompt_text` and the `retrieved_context` of each
`monitoring.llm_events` row separately; an event is a hit when either text scores at or above
`Tier2Model.threshold`. A hit on `retrieved_context` is an indirect injection by definition;
on `prompt_text`, the most likely attack family names it. `response_text` is not scored:
output leaks are the rules' job and the model has never seen model outputs.

This package is what production imports: numpy, the warehouse and the rule pack's classifier
rules. Nothing here downloads, shells out or trains; training, calibration, evaluation, the
corpora and the measured-but-not-shipped candidates live in the lab (`aisec_lab`), which
imports this package and is never imported by it.
"""

from aisec_assets.monitoring.classifier.errors import Tier2Error
from aisec_assets.monitoring.classifier.features import (
    FeatureConfig,
    SparseRows,
    featurize,
    normalize_text,
    segment_texts,
    windows,
)
from aisec_assets.monitoring.classifier.model import (
    CLASSES,
    META_FILE,
    MODEL_DIR,
    MODEL_PACKAGE,
    SCORED_FIELDS,
    WEIGHTS_FILE,
    Tier2Model,
    Verdicts,
    linear_logits,
    max_segment_probabilities,
    weights_digest,
)
from aisec_assets.monitoring.classifier.scan import (
    ClassifierHit,
    ClassifierStats,
    check_rules,
    classifier_hits,
    drop_mentions,
    run_classifier_scan,
    shipped_model,
    unless_regex,
)

__all__ = [
    "CLASSES",
    "META_FILE",
    "MODEL_DIR",
    "MODEL_PACKAGE",
    "SCORED_FIELDS",
    "WEIGHTS_FILE",
    "ClassifierHit",
    "ClassifierStats",
    "FeatureConfig",
    "SparseRows",
    "Tier2Error",
    "Tier2Model",
    "Verdicts",
    "check_rules",
    "classifier_hits",
    "drop_mentions",
    "featurize",
    "linear_logits",
    "max_segment_probabilities",
    "normalize_text",
    "run_classifier_scan",
    "segment_texts",
    "shipped_model",
    "unless_regex",
    "weights_digest",
    "windows",
]
