"""The redaction gate (aisec_resources/redaction) and the independent audit
(aisec_resources/secret_audit): every provider format masked, key-name redaction of
structures, nothing credential-free touched, and an audit that finds what the gate misses."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from planted_keys import distinctive_parts, planted_keys
from plotly.offline import get_plotlyjs

import aisec_resources.redaction as redaction_module
from aisec_resources.redaction import (
    RedactingFilter,
    is_secret_name,
    quote,
    redact_structure,
    redact_text,
)
from aisec_resources.redaction import detectors as detectors_module
from aisec_resources.secret_audit import audit_duckdb, audit_file, findings_in_text
from aisec_resources.warehouse import run_sql

FIXED_NOW = datetime(2026, 11, 28, 6, 0)
KEYS = planted_keys()


@pytest.mark.parametrize("name", sorted(KEYS))
def test_every_provider_format_is_masked_in_text(name: str) -> None:
    key = KEYS[name]
    for text in (f"client = Client(api_key='{key}')", f"use {key} now", key):
        out = redact_text(text)
        assert all(part not in out for part in distinctive_parts(key)), out
        assert "<redacted:" in out


@pytest.mark.parametrize("name", sorted(KEYS))
def test_every_provider_format_is_found_by_the_independent_audit(name: str) -> None:
    key = KEYS[name]
    assert list(findings_in_text(f"note: {key} end")), name


@pytest.mark.parametrize("name", sorted(KEYS))
def test_json_text_stays_valid_json_after_redaction(name: str) -> None:
    doc = json.dumps({"config": {"value": KEYS[name], "n": 1}, "k": [KEYS[name]]})
    out = json.loads(redact_text(doc))
    assert out["config"]["n"] == 1
    assert all(part not in json.dumps(out) for part in distinctive_parts(KEYS[name]))


def test_values_under_secret_named_fields_are_masked_whatever_their_shape() -> None:
    password = " ".join(["correct", "horse", "battery", "staple"])
    doc = {
        "db_password": password,
        "awsSecretAccessKey": "short",
        "Ocp-Apim-Subscription-Key": "0" * 32,
        "credentials": {"user": "svc", "secret": "x"},
        "tags": [{"Key": "openai-api-key", "Value": "anything"}, {"Key": "team", "Value": "ml"}],
        # names that mention a secret without being one stay
        "max_tokens": 512,
        "api_key_hash": "kfp_0123",
        "credentialsSecretArn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
        "kms_key_id": "alias/ml",
        "api_key_required": True,
    }
    out = redact_structure(doc)
    assert out["db_password"] == "<redacted:field db_password>"
    assert out["awsSecretAccessKey"].startswith("<redacted:")
    assert out["Ocp-Apim-Subscription-Key"].startswith("<redacted:")
    assert out["credentials"].startswith("<redacted:")
    assert out["tags"] == [
        {"Key": "openai-api-key", "Value": "<redacted:field openai-api-key>"},
        {"Key": "team", "Value": "ml"},
    ]
    for kept in ("max_tokens", "api_key_hash", "credentialsSecretArn", "kms_key_id"):
        assert out[kept] == doc[kept], kept
    assert out["api_key_required"] is True
    assert password not in json.dumps(out)


@pytest.mark.parametrize(
    "name",
    ["api_key", "OPENAI_API_KEY", "hf_token", "HUGGING_FACE_HUB_TOKEN", "AccessKeyId", "key1"],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["max_tokens", "token_count", "tokenizer", "secret_arn", "keyName", "monkey", "key"]
)
def test_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)


def test_assignments_in_text_are_masked() -> None:
    out = redact_text(
        "export DB_PASSWORD=hunter2hunter2; Authorization: Bearer abcdefghij0123456789"
    )
    assert "hunter2hunter2" not in out and "abcdefghij0123456789" not in out


@pytest.mark.parametrize(
    "text",
    [
        hashlib.sha256(b"x").hexdigest(),
        "ai-" + hashlib.sha256(b"y").hexdigest()[:16],
        "arn:aws:bedrock:us-east-1:314159265358:agent/ABCDEFGHIJ",
        "sk-learn pipelines and skills-based routing",
        "Ask the model to summarize the ticket about a password reset",
        "ModelInvocationLoggingConfiguration2024X",
        "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/resolve/main/config.json",
        "3f1c9a2e-7b4d-4e8a-9c1f-2d3e4f5a6b7c",
        "The key: risks are listed below",
        '{"max_tokens": 512, "input_tokens": 12345678, "api_key_hash": "kfp_1234567890abcdef"}',
    ],
)
def test_credential_free_text_is_untouched_by_gate_and_audit(text: str) -> None:
    assert redact_text(text) == text
    assert list(findings_in_text(text)) == []


def test_quote_truncates_and_redacts() -> None:
    huge = "A" * 5_000_000
    quoted = quote(huge)
    assert len(quoted) < 120 and "5000000 chars" in quoted
    assert KEYS["huggingface"] not in quote(f"x {KEYS['huggingface']} y")
    assert quote(12) == "12"


def test_log_records_leave_redacted() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    log = logging.getLogger("aisec-test-redaction")
    log.propagate = False
    log.addHandler(Keep())
    log.addFilter(RedactingFilter())
    log.warning("rejected %s: bad value", KEYS["openai_project"])
    assert KEYS["openai_project"] not in records[0].getMessage()
    assert "<redacted:openai_api_key>" in records[0].getMessage()


def test_the_audit_finds_a_key_the_gate_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit does not share the gate's detectors: with the gate blind, it still finds."""
    monkeypatch.setattr(detectors_module, "all_detectors", lambda: ())
    monkeypatch.setattr(detectors_module, "_aws_secret_spans", lambda text: iter(()))
    monkeypatch.setattr(redaction_module, "_CACHED_TEXT_LIMIT", -1)  # no remembered redaction
    key = KEYS["huggingface"]
    assert redact_text(f"x {key}") == f"x {key}"  # the gate is blind now
    conn = duckdb.connect(":memory:")
    run_sql(conn, "schema/warehouse")
    conn.execute(
        "INSERT INTO discovery.rejected_records VALUES ('s', 'f.py', NULL, 'bad', ?, 'r', now())",
        [f"client = Client('{key}')"],
    )
    (finding,) = audit_duckdb(conn)
    assert finding.location == "discovery.rejected_records.excerpt"
    assert finding.detector == "huggingface_token"
    assert key not in str(finding)


def test_records_are_redacted_on_their_way_into_the_warehouse() -> None:
    from aisec_assets.discovery.extract import write_source_result
    from aisec_resources.records import DiscoveredAsset, Rejection, SourceResult

    conn = duckdb.connect(":memory:")
    run_sql(conn, "schema/warehouse")
    pasted = f"call it with {KEYS['openai_project']} please"
    record = DiscoveredAsset(
        source="declared_registry",
        resource_id="declared://leaky",
        name="leaky",
        asset_type="api_endpoint",
        description=pasted,
        posture={"env": {"HF_TOKEN": KEYS["huggingface"]}},
        raw={"notes": KEYS["aws_access_key_id"], "aws_secret_access_key": "plain-words-here"},
    )
    rejection = Rejection(
        "declared_registry", "registry.yaml: assets[3]", f"bad value {KEYS['anthropic']}", "x"
    )
    write_source_result(
        conn, "declared_registry", SourceResult([record], [rejection]), "r1", now=FIXED_NOW
    )
    assert audit_duckdb(conn) == []
    description, posture, raw = conn.execute(
        "SELECT description, posture, raw FROM discovery.discovered_assets"
    ).fetchone()
    assert description == "call it with <redacted:openai_api_key> please"
    assert json.loads(posture)["env"]["HF_TOKEN"] == "<redacted:field HF_TOKEN>"
    assert "<redacted:aws_access_key_id>" in raw and "plain-words-here" not in raw
    (reason,) = conn.execute("SELECT reason FROM discovery.rejected_records").fetchone()
    assert reason == "bad value <redacted:anthropic_api_key>"


def test_the_audit_skips_only_the_exact_embedded_plotly_library(tmp_path: Path) -> None:
    """The dashboard embeds plotly.js, whose code reads like secret fields
    (`credentials:e.credentials`): the exact installed bundle is cut out, everything else in
    the page — chart data included — is still scanned, and an altered bundle is not trusted."""
    bundle = get_plotlyjs()
    assert [d for d, _ in findings_in_text(bundle)]  # the library alone would be flagged
    key = KEYS["aws_secret_access_key"]
    page = tmp_path / "dashboard.html"
    page.write_text(f"<script>{bundle}</script><script>var data = {{label: '{key}'}};</script>")
    found = audit_file(page)
    assert found and {f.fingerprint for f in found} == {
        hashlib.sha256(key.encode()).hexdigest()[:12]
    }
    page.write_text(f"<script>{bundle}</script><p>chart</p>")
    assert audit_file(page) == []
    page.write_text(f"<script>{bundle.replace('Plotly', 'PlotIy', 1)}</script>")
    assert audit_file(page) != []


def test_a_repeated_short_text_is_redacted_the_same_every_time() -> None:
    """Short texts found free of credentials are remembered (exports repeat them by the
    hundred thousand); a text with a key never is, and is redacted every time it comes."""
    key = KEYS["huggingface"]
    clean = "ISO/IEC 42001:2023 A.6.2.6"
    for text in (f"token={key}", clean, "x" * 600 + key, clean):
        assert redact_text(text) == redaction_module._redact_text(text)
    assert key not in redact_text(f"token={key}")
    assert clean in redaction_module._clean_short_texts
    assert not any(key in text for text in redaction_module._clean_short_texts)
