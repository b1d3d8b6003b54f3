"""Run a compiled rule pack over one day of `monitoring.llm_events`, write `monitoring.detections`.

One run:
1. connection-local helpers (sql/monitoring/detection_functions.sql: excerpt, Luhn, IBAN,
   shingle macros, the temp table `detection_hits`), the redaction gate's `redact_text` as a SQL
   function, so evidence is masked exactly like the events were, and the vectorized text
   measures (text_measures.py: `aisec_char_entropy`; char_lm.py: `aisec_suffix_surprisal`);
2. the day's event -> inventory asset resolution (sql/monitoring/event_assets.sql);
3. every compiled step (one scan per text target for the pattern rules, one SQL file per other
   rule, last one scoring pass of the tier-2 classifier per target it reads - the classifier
   runtime) inserts hits into `detection_hits`; nothing is written to the warehouse yet;
4. sql/monitoring/replace_detections.sql swaps the day's partition in one transaction.

A failing step raises before anything is written, so the day keeps its previous detections.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import duckdb
from duckdb.sqltypes import VARCHAR

from aisec_assets.monitoring.char_lm import register_char_lm
from aisec_assets.monitoring.classifier import Tier2Error, Tier2Model, run_classifier_scan
from aisec_assets.monitoring.pattern_gate import (
    PatternGateError,
    gate_failed_passes,
    load_gate_patterns,
    register_pattern_gate,
)
from aisec_assets.monitoring.rules import (
    EVIDENCE_MAX_CHARS,
    CompiledPack,
    CompiledStep,
    RulePack,
    compile_pack,
    rule_rows,
)
from aisec_assets.monitoring.text_measures import register_text_measures
from aisec_resources.redaction import redact_text
from aisec_resources.warehouse import run_sql

MASK_FUNCTION = "aisec_mask_secrets"
_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")


class DetectionStepError(RuntimeError):
    """A compiled rule step failed; names the step and its rules."""


def _rules_json(pack: RulePack) -> str:
    return json.dumps(
        [
            {k: row[k] for k in ("rule_id", "title", "family", "severity", "logic_kind")}
            | {"owasp": row["owasp"], "atlas": row["atlas"]}
            for row in rule_rows(pack)
        ]
    )


def register_mask_function(conn: duckdb.DuckDBPyConnection) -> None:
    """Make `aisec_mask_secrets(text)` (the ingestion's mask) callable from SQL."""
    # DuckDB refuses to (re)register functions while a result of this connection is still
    # being fetched; a fully fetched statement of our own closes any such result first.
    conn.execute("SELECT 1").fetchall()
    with contextlib.suppress(duckdb.Error):
        conn.remove_function(MASK_FUNCTION)
    conn.create_function(MASK_FUNCTION, redact_text, [VARCHAR], VARCHAR, side_effects=False)


def prepare_detection_run(conn: duckdb.DuckDBPyConnection, day: date) -> None:
    """Helpers, the empty hits table and the day's event -> asset resolution."""
    register_mask_function(conn)
    register_text_measures(conn)  # aisec_char_entropy, for the session-shift rules
    register_char_lm(conn)  # aisec_suffix_surprisal / _window, for the surprisal rules
    register_pattern_gate(conn)  # aisec_pattern_gate, the gate of every pattern scan
    run_sql(conn, "monitoring/detection_functions")
    run_sql(conn, "monitoring/event_assets", {"day": day})


def _named_in(statement: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a statement names (DuckDB refuses parameters a statement does not use)."""
    named = set(_PARAMETER.findall(statement))
    return {name: value for name, value in params.items() if name in named}


def run_step(
    conn: duckdb.DuckDBPyConnection,
    step: CompiledStep,
    day: date,
    model: Tier2Model | None = None,
) -> int:
    """Run one compiled step: its hits go to the temp table `detection_hits`. Returns on how
    many texts the step's gate pass failed (they went to every rule of the scan: fail open).

    `model` is the classifier for classifier steps (default: the shipped tier-2 model)."""
    failed = 0
    try:
        if step.classifier is not None:
            run_classifier_scan(conn, step.classifier, day, model)
        elif step.sql is not None:
            params = {**step.params, "day": day}
            key, failed_before = None, 0
            if step.gate_patterns:
                key = params["gate_key"] = load_gate_patterns(step.gate_patterns)
                failed_before = gate_failed_passes(key)
            for statement in (step.pre_sql, step.sql, step.post_sql):
                if statement is not None:
                    conn.execute(statement, _named_in(statement, params))
            if key is not None:
                failed = gate_failed_passes(key) - failed_before
        elif step.sql_file is not None:
            run_sql(conn, step.sql_file, {**step.variables, "day": day})
        else:  # pragma: no cover - compile_pack never builds one
            raise ValueError("step has neither SQL nor a SQL file")
    except (duckdb.Error, Tier2Error, PatternGateError) as exc:
        raise DetectionStepError(
            f"detection step {step.name!r} (rules {', '.join(step.rule_ids)}) failed on "
            f"{day.isoformat()}: {exc}"
        ) from exc
    return failed


def run_detections(
    conn: duckdb.DuckDBPyConnection,
    day: date,
    run_id: str,
    pack: RulePack,
    *,
    detected_at: datetime,
    compiled: CompiledPack | None = None,
    timings: dict[str, float] | None = None,
    gate_failures: dict[str, int] | None = None,
    model: Tier2Model | None = None,
    allowed_domains: Sequence[str] = (),
    tool_allow_lists: Mapping[str, Sequence[str]] | None = None,
) -> int:
    """Replace the day's rows of `monitoring.detections`; returns how many it now holds.

    `allowed_domains` and `tool_allow_lists` are the organisation's settings the pack is
    compiled with (aisec.yaml `monitoring:`, see `rules.compile_pack`); `compiled` lets a
    caller reuse a compilation instead (or pass a per-rule one, as the benchmark does), which
    carries its own. `timings`, when given, receives seconds per step; `gate_failures`, per
    pattern scan, the texts its RE2::Set gate pass failed on (RE2 ran out of DFA memory; each
    such text was read by every rule of the scan, so nothing was missed, only time); `model`
    replaces the shipped tier-2 classifier for the pack's classifier rules.
    """
    compiled = compiled or compile_pack(
        pack, allowed_domains=allowed_domains, tool_allow_lists=tool_allow_lists
    )
    prepare_detection_run(conn, day)
    for step in compiled.steps:
        started = time.perf_counter()
        failed = run_step(conn, step, day, model)
        if gate_failures is not None and step.gate_patterns:
            gate_failures[step.name] = failed
        if timings is not None:
            timings[step.name] = time.perf_counter() - started
    run_sql(
        conn,
        "monitoring/replace_detections",
        {
            "day": day,
            "run_id": run_id,
            "detected_at": detected_at,
            "pack_rules": _rules_json(pack),
            "max_evidence_chars": EVIDENCE_MAX_CHARS,
        },
    )
    [(count,)] = conn.execute(
        "SELECT count(*) FROM monitoring.detections WHERE event_date = ?", [day]
    ).fetchall()
    return int(count)


def write_rule_table(
    conn: duckdb.DuckDBPyConnection, pack: RulePack, *, loaded_at: datetime
) -> int:
    """Rewrite `monitoring.detection_rules` with the pack (for analysts); returns the row count."""
    run_sql(
        conn,
        "monitoring/write_detection_rules",
        {"pack_rules": json.dumps(rule_rows(pack)), "loaded_at": loaded_at},
    )
    [(count,)] = conn.execute("SELECT count(*) FROM monitoring.detection_rules").fetchall()
    return int(count)
