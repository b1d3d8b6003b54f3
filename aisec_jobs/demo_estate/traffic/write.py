"""The entry point: `write_traffic` plans every day's benign traffic and the attacks, renders
each source, and writes the manifest; `monitoring_config` is the demo config's `monitoring:`
block.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aisec_jobs.demo_estate import text
from aisec_jobs.demo_estate.company import TEAMS
from aisec_jobs.demo_estate.traffic.apim import _APIM_DEPLOYMENTS, _apim_benign, _write_apim
from aisec_jobs.demo_estate.traffic.bedrock import _bedrock_apps, _bedrock_benign, _write_bedrock
from aisec_jobs.demo_estate.traffic.common import (
    APIM_DIR,
    BEDROCK_DIR,
    LITELLM,
    LITELLM_DIR,
    LOGS_DIR,
    MIN_DAYS,
    OTEL_DIR,
    TRAFFIC_SOURCES,
    _Ids,
    _Recorder,
)
from aisec_jobs.demo_estate.traffic.estate import (
    _AGENT_TOOLS,
    _FORBIDDEN_TOOL,
    _INHOUSE_AGENT,
    _INHOUSE_TOOLS,
    _estate_agents,
    _provisioned_model,
)
from aisec_jobs.demo_estate.traffic.litellm import (
    _GATEWAY_KEYS,
    _MODEL_ROUTES,
    _gateway_benign,
    _write_litellm,
)
from aisec_jobs.demo_estate.traffic.otel import (
    _CLAIMS_PORTAL,
    _FRAUD_CONSOLE,
    _INHOUSE,
    _PORTAL,
    _agent_session_benign,
    _tool_specs,
    _write_otel,
)
from aisec_jobs.demo_estate.traffic.scenarios import (
    _JACKING_IP,
    _SCENARIO_BUILDERS,
    ATTACK_PLAN,
    JACKED_KEY,
    _llm_jacking,
    _Traffic,
)
from aisec_resources.events import key_fingerprint


# =========================================================================== entry point
def monitoring_config() -> dict[str, Any]:
    """The `monitoring:` block of the demo's aisec.yaml (paths relative to the estate root)."""
    return {
        "logs": {
            "bedrock": {"path": BEDROCK_DIR},
            "litellm": {"path": LITELLM_DIR},
            "otel": {"path": OTEL_DIR},
            "azure_apim": {"path": APIM_DIR},
        }
    }


MANIFEST_NAME = "manifest.json"


def _prepare_output(root: Path) -> None:
    logs = root / LOGS_DIR
    if logs.exists():
        if not (logs / MANIFEST_NAME).is_file():
            raise FileExistsError(
                f"{logs} exists and was not written by the demo traffic generator (no "
                f"{MANIFEST_NAME}); refusing to overwrite it"
            )
        shutil.rmtree(logs)


def write_traffic(
    root: Path, start: date, days: int, rng: random.Random, *, aws_bundle: Path | None = None
) -> dict[str, Any]:
    """Write `days` days of LLM traffic from `start` under `root / LOGS_DIR`; returns the
    manifest (also written as `LOGS_DIR/manifest.json`).

    The agents and the provisioned model are read from the estate's AWS bundle
    (`aws_bundle`, default `root / "aws"`), so the logs name the estate's real agent ids.
    """
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS} (got {days}): the cost-abuse "
                         "episode is judged against the key's trailing days")  # fmt: skip
    aws_root = aws_bundle if aws_bundle is not None else root / "aws"
    agents = _estate_agents(aws_root)
    for needed in _AGENT_TOOLS:
        if needed not in agents:
            raise ValueError(f"{aws_root}: the AWS bundle has no Bedrock agent named {needed!r}")
    apps = _bedrock_apps(_provisioned_model(aws_root))
    seed = rng.getrandbits(64)

    def sub(name: str) -> random.Random:
        # Each source, day and attack draws its content from its own stream, so adding to one
        # never reshuffles the others (record ids come from one shared stream).
        return random.Random(f"{seed}-{name}")

    t = _Traffic(agents, apps, {k.alias: k for k in _GATEWAY_KEYS}, _Ids(sub("ids")))
    tools = _tool_specs(agents)
    day_list = [start + timedelta(days=i) for i in range(days)]
    for day in day_list:
        r = sub(f"bedrock-{day}")
        for app in apps.values():
            for _ in range(max(1, round(app.per_day * r.uniform(0.8, 1.2)))):
                t.bedrock.append((app, _bedrock_benign(app, day, r)))
        # A burst at the top of the hour hits the account's quota: the call is logged with
        # its error code and no output.
        throttled = _bedrock_benign(apps["merchant-insights"], day, r)
        throttled.error, throttled.response = "ThrottlingException", ""
        t.bedrock.append((apps["merchant-insights"], throttled))
        r = sub(f"litellm-{day}")
        for key in _GATEWAY_KEYS:
            for _ in range(max(1, round(key.per_day * r.uniform(0.8, 1.2)))):
                t.gateway.append(_gateway_benign(key, day, r, t.ids))
        r = sub(f"otel-{day}")
        for service, agent_name, per_day, system in (
            (_PORTAL, "cx-support-bedrock-agent", 10, text.SYSTEM_PROMPTS[2]),
            (_FRAUD_CONSOLE, "fraud-triage-agent", 5, text.SYSTEM_PROMPTS[3]),
            (_CLAIMS_PORTAL, "claims-intake-agent", 6, text.SYSTEM_PROMPTS[1]),
            (_INHOUSE, _INHOUSE_AGENT, 10, text.SYSTEM_PROMPTS[2]),
        ):
            if agent_name == _INHOUSE_AGENT:
                agent_id, model = _INHOUSE_AGENT, "gpt-4o"
            else:
                agent_id, model = agents[agent_name].agent_id, agents[agent_name].model
            for _ in range(max(1, round(per_day * r.uniform(0.8, 1.2)))):
                t.otel.append(
                    _agent_session_benign(
                        service,
                        agent_id,
                        agent_name,
                        model,
                        system,
                        tools[agent_name],
                        day,
                        r,
                        t.ids,
                    )
                )
        r = sub(f"apim-{day}")
        for dep in _APIM_DEPLOYMENTS.values():
            for _ in range(max(1, round(dep.per_day * r.uniform(0.8, 1.2)))):
                t.apim.append((dep, _apim_benign(dep, day, r, t.ids)))
    for index, (source, scenario) in enumerate(ATTACK_PLAN):
        _SCENARIO_BUILDERS[source](t, scenario, day_list[index % days], sub(f"attack-{index}"))
    episode_day = day_list[-1]
    _llm_jacking(t, episode_day, sub("llm-jacking"))

    _prepare_output(root)
    rec = _Recorder()
    _write_bedrock(root, t.bedrock, sub("render-bedrock"), rec)
    key_rng = sub("gateway-keys")
    # The gateway stores SHA-256 of each virtual key; the keys are made up here and dropped.
    key_hashes = {
        k.alias: hashlib.sha256(("sk-" + _Ids(key_rng).alnum(22)).encode()).hexdigest()
        for k in _GATEWAY_KEYS
    }
    team_ids = {team: _Ids(key_rng).uuid() for team in TEAMS}
    _write_litellm(root, t.gateway, key_hashes, team_ids, sub("render-litellm"), rec)
    _write_otel(root, t.otel, sub("render-otel"), rec)
    _write_apim(root, t.apim, sub("render-apim"), rec)
    manifest = _manifest(start, days, t, rec, key_hashes, episode_day)
    (root / LOGS_DIR / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def _manifest(
    start: date,
    days: int,
    t: _Traffic,
    rec: _Recorder,
    key_hashes: dict[str, str],
    episode_day: date,
) -> dict[str, Any]:
    events = {
        source: {
            day: dict(sorted(counts.items())) for day, counts in sorted(rec.events[source].items())
        }
        for source in TRAFFIC_SOURCES
    }
    totals = {
        source: sum(day["total"] for day in events[source].values()) for source in TRAFFIC_SOURCES
    }
    families: dict[str, int] = defaultdict(int)
    for source in TRAFFIC_SOURCES:
        for counts in events[source].values():
            for name, n in counts.items():
                if name not in ("total", "benign"):
                    families[name] += n
    jacked = [c for c in t.gateway if c.ex.scenario == "llm_jacking"]
    baseline_days = [
        d for d in (start + timedelta(days=i) for i in range(days)) if d != episode_day
    ]
    baseline_tokens = [
        sum(
            c.ex.input_tokens() + c.ex.output_tokens()
            for c in t.gateway
            if c.key.alias == JACKED_KEY and c.ex.time.date() == d
        )
        for d in baseline_days
    ]
    episode_tokens = sum(
        c.ex.input_tokens() + c.ex.output_tokens()
        for c in t.gateway
        if c.key.alias == JACKED_KEY and c.ex.time.date() == episode_day
    )
    regions = sorted(
        {c.route[2].split(".")[1] for c in jacked if c.route and c.route[1] == "bedrock"}
    )
    return {
        "generator": "aisec_jobs.demo_estate.traffic",
        "start": start.isoformat(),
        "days": days,
        "config": monitoring_config(),
        "files": {source: sorted(paths) for source, paths in sorted(rec.files.items())},
        "bytes": dict(sorted(rec.bytes_written.items())),
        "records": dict(sorted(rec.records.items())),
        "apim_split_requests": rec.split_requests,
        "otel_spans": {d: dict(sorted(ops.items())) for d, ops in sorted(rec.otel_spans.items())},
        "events": events,
        "totals": {**totals, "all": sum(totals.values())},
        "families": dict(sorted(families.items())),
        "attacks": sorted(rec.attacks, key=lambda a: (a["day"], a["source"], a["time"])),
        "cost_abuse": {
            "source": LITELLM,
            "day": episode_day.isoformat(),
            "key_alias": JACKED_KEY,
            "api_key_hash": key_hashes[JACKED_KEY],
            "api_key_fingerprint": key_fingerprint(key_hashes[JACKED_KEY]),
            "requests": len(jacked),
            "tokens_on_day": episode_tokens,
            "trailing_daily_tokens": baseline_tokens,
            "model_groups": sorted({c.group for c in jacked}),
            "models": sorted({(c.route or _MODEL_ROUTES[c.group])[0] for c in jacked}),
            "bedrock_regions": regions,
            "client_ip": _JACKING_IP,
        },
        "agents": {
            name: {
                "agent_id": a.agent_id,
                "region": a.region,
                "tools": [f"{g}__{f}" for g, fs in _AGENT_TOOLS[name].items() for f in fs],
            }
            for name, a in sorted(t.agents.items())
            if name in _AGENT_TOOLS
        }
        | {
            _INHOUSE_AGENT: {
                "agent_id": _INHOUSE_AGENT,
                "region": None,
                "tools": list(_INHOUSE_TOOLS),
            }
        },
        "forbidden_tool": _FORBIDDEN_TOOL,
    }
