"""Compile a rule pack to the steps one detection run executes (detect.py runs them).

Compilation never loops over rows in Python. Pattern rules of one target field become ONE
generated scan (kinds/pattern.py); every other per-rule kind runs its fixed SQL file of
`sql/monitoring/` with its parameters as DuckDB variables (kinds/<kind>.py, dispatched through
`RULE_KINDS`); classifier rules of one target share one scoring pass (kinds/classifier.py), run
last. The organisation's settings (`OrgSettings`: its own trusted domains, the tool allow-lists
of agents the inventory does not describe) come from configuration, not from the pack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from aisec_assets.monitoring.rules.kinds import (
    allow_list,
    baseline,
    classifier,
    distinct_spread,
    pattern,
    rate,
    session_shift,
    similarity,
    surprisal,
    unrequested_action,
)
from aisec_assets.monitoring.rules.kinds.classifier import compile_classifier_scan
from aisec_assets.monitoring.rules.kinds.pattern import compile_pattern_scan
from aisec_assets.monitoring.rules.schema import ClassifierLogic, PatternLogic, Rule, RulePack
from aisec_assets.monitoring.rules.steps import CompiledPack, CompiledStep, OrgSettings

RuleCompiler = Callable[[Rule, RulePack, OrgSettings], list[CompiledStep]]

# Logic kind -> the module compiling one rule of it into steps over its own SQL file.
RULE_KINDS: dict[str, RuleCompiler] = {
    module.KIND: module.compile_rule
    for module in (
        similarity,
        session_shift,
        baseline,
        distinct_spread,
        allow_list,
        rate,
        surprisal,
        unrequested_action,
    )
}
# Kinds whose rules are grouped per target into one scan (not in RULE_KINDS).
SCAN_KINDS: tuple[str, ...] = (pattern.KIND, classifier.KIND)


def compile_pack(
    pack: RulePack,
    combined: bool = True,
    *,
    allowed_domains: Sequence[str] = (),
    tool_allow_lists: Mapping[str, Sequence[str]] | None = None,
) -> CompiledPack:
    """The pack's enabled rules as SQL steps.

    `combined=True` (the product): all pattern rules of one target in one scan.
    `combined=False` (the benchmark's reference): every pattern rule as its own scan.
    Classifier rules of one target always share one scoring pass (the model scores a text once
    whatever the number of rules reading its verdict).
    `allowed_domains` (the organisation's own hosts, trusted beside the pack's) and
    `tool_allow_lists` (agent -> tools, for agents the inventory does not describe) are the
    organisation's settings, aisec.yaml `monitoring:`.
    """
    org = OrgSettings.of(allowed_domains, tool_allow_lists)
    domains = [*pack.allowed_domains, *org.allowed_domains]
    steps: list[CompiledStep] = []
    rules = pack.enabled_rules
    by_target: dict[str, list[Rule]] = {}
    classified: dict[str, list[Rule]] = {}
    for rule in rules:
        if isinstance(rule.logic, PatternLogic | ClassifierLogic):
            into = by_target if isinstance(rule.logic, PatternLogic) else classified
            for target in rule.target:
                into.setdefault(target, []).append(rule)
    for target, target_rules in by_target.items():
        groups = [target_rules] if combined else [[r] for r in target_rules]
        for group in groups:
            steps.append(compile_pattern_scan(group, target, domains))
    for rule in rules:
        if rule.logic.kind not in SCAN_KINDS:
            steps.extend(RULE_KINDS[rule.logic.kind](rule, pack, org))
    # Last: the most expensive steps, and the cheap tier's hits are complete before they run.
    for target, target_rules in classified.items():
        steps.append(compile_classifier_scan(target_rules, target))
    return CompiledPack(pack, tuple(steps), org)
