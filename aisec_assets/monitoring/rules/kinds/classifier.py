"""Classifier rules, the second tier: the trained classifier (aisec_assets/monitoring/classifier)
scores prompt_text / retrieved_context; a rule fires at the model's calibrated threshold (or its
own `min_score`) when the most likely attack class is one of its classes and the text matches
none of its `unless` regexes (mention is not use). All the classifier rules of one target share
ONE scoring pass, run by the classifier runtime (texts are read in batches and scored in numpy;
the `unless` check is sql/monitoring/classifier_mentions.sql)."""

from __future__ import annotations

from collections.abc import Sequence

from aisec_assets.monitoring.rules.schema import CLASSIFIER_TARGETS, ClassifierLogic, Rule
from aisec_assets.monitoring.rules.steps import ClassifierRule, ClassifierScan, CompiledStep

KIND = "classifier"


def compile_classifier_scan(rules: Sequence[Rule], target: str) -> CompiledStep:
    """The classifier rules of one target as one scoring pass."""
    if target not in CLASSIFIER_TARGETS:
        raise ValueError(f"the classifier cannot score {target!r}")
    entries: list[ClassifierRule] = []
    for rule in rules:
        if not isinstance(rule.logic, ClassifierLogic):
            raise TypeError(f"{rule.id} is not a classifier rule")
        logic = rule.logic
        entries.append(
            ClassifierRule(rule.id, tuple(logic.classes), logic.min_score, tuple(logic.unless))
        )
    names = ", ".join(r.id for r in rules)
    return CompiledStep(
        name=f"classifier scan of {target} ({len(rules)} rule(s): {names})",
        rule_ids=tuple(r.id for r in rules),
        classifier=ClassifierScan(target, tuple(entries)),
    )
