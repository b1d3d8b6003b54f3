"""Detection rules as data: load and validate a YAML rule pack, compile it to DuckDB SQL.

A rule pack (`rule_pack.yaml` of aisec_assets.monitoring, package data, is the shipped one) is
a list of rules, each with an id, title, family, severity, OWASP LLM Top 10 2025 and MITRE
ATLAS mappings, the `monitoring.llm_events` field(s) it looks at (`target`) and a typed `logic`:

per-event tier (one verdict per event)
  pattern         RE2 regexes over a text field, optional cheap literal prefilter, extra
                  required / excluding regexes, a minimum match count, match validators
                  (Luhn, IBAN mod-97, allow-listed URL hosts) - all evaluated in SQL;
                  `gate: prefilter` makes the rule's own prefilter its part of the scan's gate
  similarity      word n-gram shingles a response shares with the system prompt
  session_shift   z-score of a response's length or character entropy against the same
                  session's other responses
  surprisal       adversarial suffixes: a character language-model ratio (benign vs
                  generated gibberish, numpy weights shipped as package data, char_lm.py) over
                  the last tokens of prompt_text, the highest window mean in bits/char
  unrequested_action  instructions embedded in retrieved_context, compared with the user's
                  question: a verb-led directive (send, transfer, share, delete ...) toward an
                  e-mail address, URL or account number the question does not name, outside
                  the allowed domains
  classifier      the second tier: the trained classifier (hashed n-grams + logistic
                  regression, numpy) scores prompt_text / retrieved_context; fires at the
                  model's calibrated threshold when its most likely attack class is one of the
                  rule's classes
aggregate tier (one verdict per key and day, pinned to the event that crossed the threshold)
  baseline        tokens / cost / requests per key or user per day vs its own trailing baseline
  distinct_spread a key calling many distinct models or regions within a window (LLM-jacking)
  allow_list      agent tool calls outside the agent's allow-list (inventory, else configuration)
  rate            tool calls per agent and session within a sliding window

The pack is organisation-neutral: the organisation's own trusted domains and the tool
allow-lists of agents the inventory does not describe are configuration (aisec.yaml
`monitoring.allowed_domains`, `monitoring.tool_allow_lists`), passed to `compile_pack`.

One module per responsibility:
  schema.py     the vocabulary (families, severities, OWASP, ATLAS, targetable columns) and the
                pydantic models of a rule, its logic kinds and the pack; `rule_rows`, `describe`
  loader.py     YAML with line numbers -> `RulePack`, or one `RulePackError` listing every
                problem as `file:line: field: message`
  re2.py        DuckDB's RE2 asked at load and compile time (`regex_problem`)
  gate.py       the necessary-factor gate of each pattern rule (run as one RE2::Set pass)
  steps.py      `CompiledStep`, `CompiledPack`, `ClassifierScan`, `OrgSettings`
  compiler.py   `compile_pack`: dispatches each logic kind through one table
  kinds/        one module per logic kind, owning its SQL (file) and variables

Compilation never loops over rows in Python. (Measured with `python -m benchmarks.bench_detection`
on its day of 1,000,000 events, 847 MB of prompt, context and response text, one core: 163-175
MB/s for the combined scans vs 24-25 MB/s for one scan per rule; 2-vCPU VM, DuckDB 2.0.1.)
"""

from aisec_assets.monitoring.rules.compiler import RULE_KINDS, SCAN_KINDS, compile_pack
from aisec_assets.monitoring.rules.gate import (
    GATE_KEEP_GAP,
    GATE_MAX_LETTER_COUNT,
    GATE_MIN_WEIGHT,
)
from aisec_assets.monitoring.rules.kinds.classifier import compile_classifier_scan
from aisec_assets.monitoring.rules.kinds.pattern import compile_pattern_scan
from aisec_assets.monitoring.rules.loader import (
    DEFAULT_PACK,
    PackProblem,
    RulePackError,
    load_rule_pack,
    parse_rule_pack,
)
from aisec_assets.monitoring.rules.re2 import regex_problem
from aisec_assets.monitoring.rules.schema import (
    ATLAS,
    CLASSIFIER_CLASSES,
    CLASSIFIER_TARGETS,
    DOMAIN_RE,
    EVIDENCE_CONTEXT_CHARS,
    EVIDENCE_MAX_CHARS,
    FAMILIES,
    GROUP_KEYS,
    LLM_EVENT_COLUMNS,
    NUMERIC_METRICS,
    OWASP_LLM_2025,
    PER_EVENT_KINDS,
    RATE_KEYS,
    RULE_ID_RE,
    SEVERITIES,
    SPREAD_DIMENSIONS,
    TEXT_TARGETS,
    URL_HOST_RE,
    AllowListLogic,
    BaselineLogic,
    ClassifierLogic,
    DistinctSpreadLogic,
    Logic,
    PatternLogic,
    RateLogic,
    Rule,
    RulePack,
    SessionShiftLogic,
    SimilarityLogic,
    SurprisalLogic,
    UnrequestedActionLogic,
    describe,
    rule_rows,
)
from aisec_assets.monitoring.rules.steps import (
    ClassifierRule,
    ClassifierScan,
    CompiledPack,
    CompiledStep,
    OrgSettings,
)

__all__ = [
    "ATLAS",
    "CLASSIFIER_CLASSES",
    "CLASSIFIER_TARGETS",
    "DEFAULT_PACK",
    "DOMAIN_RE",
    "EVIDENCE_CONTEXT_CHARS",
    "EVIDENCE_MAX_CHARS",
    "FAMILIES",
    "GATE_KEEP_GAP",
    "GATE_MAX_LETTER_COUNT",
    "GATE_MIN_WEIGHT",
    "GROUP_KEYS",
    "LLM_EVENT_COLUMNS",
    "NUMERIC_METRICS",
    "OWASP_LLM_2025",
    "PER_EVENT_KINDS",
    "RATE_KEYS",
    "RULE_ID_RE",
    "RULE_KINDS",
    "SCAN_KINDS",
    "SEVERITIES",
    "SPREAD_DIMENSIONS",
    "TEXT_TARGETS",
    "URL_HOST_RE",
    "AllowListLogic",
    "BaselineLogic",
    "ClassifierLogic",
    "ClassifierRule",
    "ClassifierScan",
    "CompiledPack",
    "CompiledStep",
    "DistinctSpreadLogic",
    "Logic",
    "OrgSettings",
    "PackProblem",
    "PatternLogic",
    "RateLogic",
    "Rule",
    "RulePack",
    "RulePackError",
    "SessionShiftLogic",
    "SimilarityLogic",
    "SurprisalLogic",
    "UnrequestedActionLogic",
    "compile_classifier_scan",
    "compile_pack",
    "compile_pattern_scan",
    "describe",
    "load_rule_pack",
    "parse_rule_pack",
    "regex_problem",
    "rule_rows",
]
