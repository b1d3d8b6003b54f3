"""Surprisal rules: adversarial-suffix jailbreaks, scored by the character model of
aisec_assets/monitoring/char_lm.py (`aisec_suffix_surprisal`, registered for every detection
run) over the end of each prompt: sql/monitoring/suffix_surprisal.sql.

A rule fires when the prompt's score reaches its `min_score` (default: the shipped model's
calibrated threshold, read from the model's metadata at compile time).
"""

from __future__ import annotations

from aisec_assets.monitoring.char_lm import MIN_WINDOW_CHARS, TAIL_CHARS, shipped_model
from aisec_assets.monitoring.rules.schema import (
    EVIDENCE_CONTEXT_CHARS,
    Rule,
    RulePack,
    SurprisalLogic,
)
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings

KIND = "surprisal"
SQL_FILE = "monitoring/suffix_surprisal"
# The pre-condition on the tail (`SurprisalLogic.require_glue`): a letter next to markup or
# code punctuation, or a camel-case hump. Prose punctuation and non-ASCII letters do not count,
# so plain questions and non-English text skip the model.
_ODD = r"#$%&*+/<=>@\[\\\]^_`{|}~"
GLUE_RE = rf"[a-z][A-Z]|[A-Za-z][{_ODD}]|[{_ODD}][A-Za-z]"


def compile_rule(rule: Rule, pack: RulePack, org: OrgSettings) -> list[CompiledStep]:
    logic = rule.logic
    assert isinstance(logic, SurprisalLogic)
    min_score = logic.min_score if logic.min_score is not None else shipped_model().threshold
    return [
        CompiledStep(
            f"{rule.id} suffix surprisal of prompt_text",
            (rule.id,),
            sql_file=SQL_FILE,
            variables={
                "rule_id": rule.id,
                "min_score": min_score,
                "tail_chars": TAIL_CHARS,
                "min_chars": MIN_WINDOW_CHARS,
                "glue": GLUE_RE if logic.require_glue else "",
                "ctx": EVIDENCE_CONTEXT_CHARS,
            },
        )
    ]
