"""The bundled demo estate: a deterministic fictional company, written on first use.

`generate_demo_estate(root)` writes, under `root`:

    aisec.yaml          configuration pointing at everything below
    registry.yaml       the declared registry (and registry.csv, the same entries as CSV)
    models/             Hugging Face model directories (config.json, safetensors headers, ...)
    hf-cache/hub/       a Hugging Face cache laid out as huggingface_hub lays it out
    aws/                offline AWS bundle (Bedrock, Bedrock Agents, SageMaker API responses)
    azure/              offline Azure bundle (Cognitive Services accounts and deployments)
    llm-logs/           the last TRAFFIC_DAYS days of LLM traffic in four log formats
    governance/         policies, RACI, risk appetite, risk acceptances, attestations
    red-team/           garak and promptfoo red-team reports (a finding remediated, others open)
    outbox/             written by the runs: the incident notifications (JSON lines)

The same seed and `as_of` date always give the same bytes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import yaml
from filelock import FileLock

from aisec_jobs.demo_estate import (
    aws,
    azure,
    governance,
    huggingface,
    red_team,
    registry,
    traffic,
)
from aisec_jobs.demo_estate.company import EMAIL_DOMAIN, ORGANISATION

DEFAULT_SEED = 20261128
CONFIG_NAME = "aisec.yaml"
OUTBOX = "outbox/notifications.jsonl"  # the demo's notification channel, under its root
TRAFFIC_DAYS = 5


def demo_config(traffic_start: date, warehouse_path: str = "../warehouse/aisec.duckdb") -> dict:
    return {
        "organisation": ORGANISATION,
        "timezone": "Europe/Amsterdam",
        "warehouse": {"path": warehouse_path},
        "sources": {
            "declared_registry": {"path": "registry.yaml"},
            "huggingface": {
                "model_dirs": [{"name": "ml-shared-models", "path": "models"}],
                "cache_dirs": [{"name": "gpu-build-01", "path": "hf-cache/hub"}],
            },
            "aws": {"bundle": "aws"},
            "azure": {"bundle": "azure"},
        },
        "monitoring": {
            **traffic.monitoring_config(),
            "start_date": traffic_start.isoformat(),
            # the organisation's settings the (neutral) rule pack is compiled with: the
            # company's own hosts, and the tools of its in-house LangGraph agent, which the
            # inventory does not describe (the Bedrock agents' come from discovery)
            "allowed_domains": [EMAIL_DOMAIN],
            "tool_allow_lists": {
                "cx-support-agent": [
                    "search_help_center",
                    "lookup_order",
                    "create_ticket",
                    "issue_refund",
                ]
            },
        },
        "governance": governance.governance_config(),
        "red_team": red_team.red_team_config(),
        # no webhook or mail server to reach: the demo's notifications go to a local outbox
        "notifications": {
            "channels": {"demo-outbox": {"kind": "file", "path": OUTBOX}},
            "routes": {"default": ["demo-outbox"]},
        },
        "schedules": {"rescoring_cron": "0 2 * * *"},
    }


def generate_demo_estate(root: Path, as_of: date, seed: int = DEFAULT_SEED) -> Path:
    """Write the demo estate under `root` as of the day `as_of` (its traffic ends the day
    before); returns the path of its `aisec.yaml`."""
    root.mkdir(parents=True, exist_ok=True)
    entries: list[dict] = []
    entries += aws.write_bundle(root / "aws", as_of, random.Random(f"{seed}-aws"))
    entries += azure.write_bundle(root / "azure", as_of, random.Random(f"{seed}-azure"))
    entries += huggingface.write_model_dirs(
        root / "models", as_of, random.Random(f"{seed}-hf-dirs")
    )
    entries += huggingface.write_hf_cache(
        root / "hf-cache" / "hub", as_of, random.Random(f"{seed}-hf-cache")
    )
    entries += registry.declared_only_entries(as_of, random.Random(f"{seed}-registry"))
    # The traffic ends the day before as_of: the demo's "today" is the day it is assessed.
    traffic_start = as_of - timedelta(days=TRAFFIC_DAYS)
    traffic.write_traffic(root, traffic_start, TRAFFIC_DAYS, random.Random(f"{seed}-traffic"))
    registry.write_registry(root / "registry.yaml", root / "registry.csv", entries)
    governance.write_governance(root / governance.DIRECTORY, as_of)
    red_team.write_red_team(root / red_team.DIRECTORY, as_of)
    config_path = root / CONFIG_NAME
    config_path.write_text(
        "# Demo configuration written by aisec (the bundled demo estate).\n"
        + yaml.safe_dump(demo_config(traffic_start), sort_keys=False),
        encoding="utf-8",
    )
    return config_path


def ensure_demo_estate(root: Path, as_of: date) -> Path:
    """The demo estate's config path, generating the estate first if it is not there yet."""
    config_path = root / CONFIG_NAME
    if config_path.exists():
        return config_path
    root.parent.mkdir(parents=True, exist_ok=True)
    # Several processes (dagster dev, run workers) may load the code location at once.
    with FileLock(str(root.parent / ".demo-estate.lock")):
        if not config_path.exists():
            generate_demo_estate(root, as_of)
    return config_path
