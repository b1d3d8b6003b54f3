"""Property / fuzz tests, one campaign per parser: Bedrock, OpenTelemetry, LiteLLM, API
Management, the shared file readers (JSON / JSONL / CSV / gzip) and the declared registry.

Each campaign (`fuzz_driver.py`) feeds at least 100,000 generated hostile records to its parser
— Hypothesis draws each example's seed and palette of hostile values, a seeded generator turns
one example into a whole file of mutated fixture records — and holds it to: no exception
escapes past the record, every file yields events and/or rejections, every reason stays
short (values are quoted through `quote`). Each runs in a child process with its address
space capped (RLIMIT_AS) and must peak below MEMORY_CAP_KIB. Inputs are derandomized: every
run fuzzes the same inputs, so a failure reproduces.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.clock_independent

REPO = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).resolve().parent / "fuzz_driver.py"
EXAMPLES, RECORDS_PER_EXAMPLE = 20, 5000  # 100,000 hostile inputs per parser
MEMORY_CAP_KIB = 1024 * 1024  # peak RSS of a campaign: 1 GiB
ADDRESS_SPACE = 4 << 30  # the child cannot map more than 4 GiB, whatever happens


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.fuzz
@pytest.mark.parametrize("parser", ["bedrock", "otel", "litellm", "apim", "files", "registry"])
def test_hostile_inputs_cost_records_never_the_parser(parser: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(DRIVER),
            parser,
            str(EXAMPLES),
            str(RECORDS_PER_EXAMPLE),
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        preexec_fn=_limit_address_space,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["inputs"] >= 100_000
    assert report["events"] + report["rejections"] > 0
    assert report["rejections"] > 0  # the inputs were hostile enough to be refused somewhere
    assert report["peak_rss_kib"] < MEMORY_CAP_KIB, report
