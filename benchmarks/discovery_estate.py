"""The discovery benchmark's AWS estate: moto and the front as processes, an organisation.

`servers()` starts moto in server mode (`python -m moto.server`) and `discovery_front` before
it, each a process of its own so that neither one's CPU is the benchmark's GIL, and stops both
on the way out; `Servers` sets the front's latency and reads its request log. `populate` makes
the organisation (the management account + organizations:CreateAccount) and, in every
account/region, custom models (each made by a model-customization job), agents and knowledge
bases through moto's own APIs, straight to moto and concurrently.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

REPO_ROOT = Path(__file__).resolve().parent.parent
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-south-1")
ROLE = "OrganizationAccountAccessRole"
POPULATE_WORKERS = 8
STARTUP_TIMEOUT = 60.0


# -- the servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer at {url} within {STARTUP_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Servers:
    moto_url: str
    front_url: str

    def control(self, name: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """A control call to the front (`discovery_front` docstring)."""
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"{self.front_url}/_bench/{name}", data=data, method="POST" if data else "GET"
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return dict(json.loads(answer.read()))

    def set_latency(self, ms: float) -> None:
        self.control("latency", {"ms": ms})

    def reset(self) -> None:
        self.control("reset", {})

    def requests(self) -> list[list[Any]]:
        return list(self.control("requests")["requests"])


@contextmanager
def servers() -> Iterator[Servers]:
    """moto server and the front, each a process of its own, stopped on the way out."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    port = free_port()
    moto_url = f"http://127.0.0.1:{port}"
    moto_proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    front_proc: subprocess.Popen[bytes] | None = None
    try:
        _wait_until_up(f"{moto_url}/moto-api/", moto_proc, "moto server")
        front_proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.discovery_front", "--moto", moto_url],
            stdout=subprocess.PIPE,
            env=env,
            cwd=REPO_ROOT,
        )
        assert front_proc.stdout is not None
        front_url = front_proc.stdout.readline().decode().strip()
        if not front_url.startswith("http://"):
            raise RuntimeError(f"the discovery front did not start (said {front_url!r})")
        _wait_until_up(f"{front_url}/_bench/requests", front_proc, "discovery front")
        yield Servers(moto_url, front_url)
    finally:
        if front_proc is not None:
            _stop(front_proc)
        _stop(moto_proc)


# -- the estate


def mix(resources: int) -> dict[str, int]:
    """Custom models, agents and knowledge bases of one account/region (2/5, 2/5, the rest)."""
    models = round(resources * 2 / 5)
    agents = round(resources * 2 / 5)
    return {
        "custom_models": models,
        "agents": agents,
        "knowledge_bases": resources - models - agents,
    }


def base_session() -> boto3.session.Session:
    """The caller's credentials (moto's management account), made up at run time."""
    return boto3.session.Session(
        aws_access_key_id="bench-" + secrets.token_hex(6),
        aws_secret_access_key=secrets.token_hex(20),
        region_name="us-east-1",
    )


def _assume(base: boto3.session.Session, url: str, account: str) -> boto3.session.Session:
    sts = base.client("sts", endpoint_url=url)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench-populate"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def populate_region(
    session: boto3.session.Session, url: str, account: str, region: str, counts: dict[str, int]
) -> None:
    """The planted resources of one account/region, made through moto's own APIs."""
    role = f"arn:aws:iam::{account}:role/bedrock-service"
    br = session.client("bedrock", region_name=region, endpoint_url=url)
    ag = session.client("bedrock-agent", region_name=region, endpoint_url=url)
    for i in range(counts["custom_models"]):
        br.create_model_customization_job(
            jobName=f"job-{i}",
            customModelName=f"ft-{i}",
            roleArn=role,
            baseModelIdentifier="amazon.titan-text-express-v1",
            trainingDataConfig={"s3Uri": f"s3://train-{account}-{region}/t{i}.jsonl"},
            outputDataConfig={"s3Uri": f"s3://out-{account}-{region}/o{i}/"},
            hyperParameters={"epochCount": "1"},
            customModelTags=[{"key": "owner-team", "value": f"team{i % 5}"}],
        )
    for i in range(counts["agents"]):
        ag.create_agent(
            agentName=f"agent-{i}",
            foundationModel="anthropic.claude-v2",
            agentResourceRoleArn=role,
            tags={"environment": "production"},
        )
    for i in range(counts["knowledge_bases"]):
        ag.create_knowledge_base(
            name=f"kb-{i}",
            roleArn=role,
            knowledgeBaseConfiguration={
                "type": "VECTOR",
                "vectorKnowledgeBaseConfiguration": {
                    "embeddingModelArn": f"arn:aws:bedrock:{region}::foundation-model/"
                    "amazon.titan-embed-text-v2:0"
                },
            },
            storageConfiguration={
                "type": "OPENSEARCH_SERVERLESS",
                "opensearchServerlessConfiguration": {
                    "collectionArn": f"arn:aws:aoss:{region}:{account}:collection/kb{i}",
                    "vectorIndexName": "i",
                    "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
                },
            },
        )


def populate(
    url: str, base: boto3.session.Session, accounts: int, regions: list[str], resources: int
) -> dict[str, Any]:
    """The organisation (management account + `accounts - 1` created) and its resources."""
    start = time.perf_counter()
    org = base.client("organizations", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    for i in range(1, accounts):
        org.create_account(AccountName=f"bench-{i:02d}", Email=f"bench-{i:02d}@example.com")
    listed = sorted(a["Id"] for a in org.list_accounts()["Accounts"])
    counts = mix(resources)
    sessions = {account: _assume(base, url, account) for account in listed}
    with ThreadPoolExecutor(POPULATE_WORKERS) as pool:
        jobs = [
            pool.submit(populate_region, sessions[account], url, account, region, counts)
            for account in listed
            for region in regions
        ]
        for job in jobs:
            job.result()
    parts = len(listed) * len(regions)
    return {
        "accounts": listed,
        "seconds": time.perf_counter() - start,
        "per_region": counts,
        "planted": {kind: n * parts for kind, n in counts.items()},
        "planted_total": resources * parts,
    }
