"""The redaction gate on Dagster's channels: log lines and materialization/check metadata.

Product code logs through `log_for(context)` and builds result metadata with
`safe_metadata(...)`; tests/test_redaction_gate.py fails on a `context.log` call or a result
built any other way, so nothing reaches the event log, compute logs or stderr unredacted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import dagster as dg

from aisec_resources.redaction import RedactingFilter, redact_structure, redact_text


def log_for(context: Any) -> logging.Logger:
    """`context.log` with the redacting filter installed (once)."""
    log: logging.Logger = context.log
    if not any(isinstance(f, RedactingFilter) for f in log.filters):
        log.addFilter(RedactingFilter())
    return log


def _safe_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dg.TextMetadataValue):
        return dg.MetadataValue.text(redact_text(value.value))
    if isinstance(value, dg.MarkdownMetadataValue):
        return dg.MetadataValue.md(redact_text(value.value or ""))
    if isinstance(value, dg.JsonMetadataValue):
        return dg.MetadataValue.json(redact_structure(value.value))
    if isinstance(value, dg.PathMetadataValue):
        return dg.MetadataValue.path(redact_text(str(value.value)))
    if isinstance(value, (dict, list)):
        return redact_structure(value)
    # Numbers, booleans, table schemas (names from sql/schema), timestamps: nothing to redact.
    return value


def safe_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Result metadata with every text, markdown, JSON and path value redacted."""
    return {key: _safe_value(value) for key, value in metadata.items()}
