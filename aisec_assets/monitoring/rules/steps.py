"""What compilation produces: steps over one day of events, and the organisation's settings a
compilation takes (the pack itself is organisation-neutral)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aisec_assets.monitoring.rules.schema import RulePack


def domain_alternation(domains: Sequence[str]) -> str:
    """The allowed domains as one RE2 alternation (escaped, lower-case, sorted): the host
    checks of the URL-exfiltration and unrequested-action rules both build on it."""
    return "|".join(re.escape(d.lower()) for d in sorted(set(domains)))


@dataclass(frozen=True)
class OrgSettings:
    """The organisation's part of a compilation (aisec.yaml `monitoring:`).

    `allowed_domains`: the organisation's own URL hosts (and their subdomains), trusted by the
    exfiltration rules (`skip_allowed_domains`) beside the pack's neutral ones.
    `tool_allow_lists`: agent id or name -> the tools it may call (a trailing * allows a
    prefix), for agents the inventory does not describe (the inventory comes first).
    """

    allowed_domains: tuple[str, ...] = ()
    tool_allow_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        allowed_domains: Sequence[str] = (),
        tool_allow_lists: Mapping[str, Sequence[str]] | None = None,
    ) -> OrgSettings:
        return cls(
            tuple(allowed_domains),
            {agent: tuple(tools) for agent, tools in (tool_allow_lists or {}).items()},
        )


@dataclass(frozen=True)
class ClassifierRule:
    rule_id: str
    classes: tuple[str, ...]  # empty: any attack class
    min_score: float | None  # None: the model's calibrated threshold
    unless: tuple[str, ...] = ()  # RE2, case-blind: a text matching one does not fire


@dataclass(frozen=True)
class ClassifierScan:
    """One scoring pass of the tier-2 classifier over `target` for all its classifier rules."""

    target: str
    rules: tuple[ClassifierRule, ...]


@dataclass(frozen=True)
class CompiledStep:
    """One pass over the day's events that inserts hits into the temp table detection_hits.

    Generated SQL (`sql`, values as $named `params`; `$day` is added at run time), a file of
    sql/monitoring run with `run_sql` (values as DuckDB `variables`; `day` added), or a
    classifier scan (`classifier`, run by the classifier runtime: texts read in batches,
    scored by the model in numpy, hits inserted).

    `gate_patterns`: a pattern scan's gate regexes, one per rule (rules/gate.py); the runtime
    loads them as a RE2::Set (monitoring/pattern_gate.py) and binds its name as `$gate_key`.
    `pre_sql` / `post_sql`: statements run before / after `sql` (each given the `params` it
    names): a pattern scan writes its candidates to a temp table first and drops it after.
    """

    name: str
    rule_ids: tuple[str, ...]
    sql: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    sql_file: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    classifier: ClassifierScan | None = None
    gate_patterns: tuple[str, ...] = ()
    pre_sql: str | None = None
    post_sql: str | None = None


@dataclass(frozen=True)
class CompiledPack:
    pack: RulePack
    steps: tuple[CompiledStep, ...]
    org: OrgSettings = field(default_factory=OrgSettings)
