"""The suite with the system clock 400 days ahead, in two serial shards side by side.

xdist cannot run under libfaketime (its worker channels use timed waits libfaketime does not
fake, and faking only the wall clock makes time.sleep fail with EINVAL under libfaketime 0.9.10),
so each shard is its own plain, serial `faketime '+400 days' pytest` process. Test files are
assigned greedily by their measured seconds (.ci/test_weights.json, from the junit reports of
a previous future-clock run: the times of this serial, faketime'd run, not xdist's; a file not
listed weighs its size), heaviest first, to the lighter shard. Each shard's output goes to
test-artifacts/future-clock-<n>.log (printed when it ends) and its junit report to
test-artifacts/future-clock-<n>.xml; the exit status is the first failing shard's.

    python .ci/future_clock.py [--shards 2] [-- extra pytest args]
    python .ci/future_clock.py --weights-from test-artifacts/future-clock-*.xml   # refresh
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / ".ci" / "test_weights.json"
MARKER = "not clock_independent"
# Seconds per byte of a test file with no measured weight (roughly the suite's average).
SECONDS_PER_BYTE = 0.002


def weights(files: list[Path]) -> dict[str, float]:
    measured: dict[str, float] = {}
    if WEIGHTS.is_file():
        measured = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    return {f.name: float(measured.get(f.name, f.stat().st_size * SECONDS_PER_BYTE)) for f in files}


def write_weights(reports: list[Path]) -> None:
    """Seconds per test file from junit reports (each future-clock shard writes one). A file
    the reports do not name ran no test under the future clock (all clock_independent): 0."""
    seconds: Counter[str] = Counter({f.name: 0.0 for f in (ROOT / "tests").glob("test_*.py")})
    for junit in reports:
        for case in ET.parse(junit).iter("testcase"):
            module = case.get("classname", "").removeprefix("tests.").split(".")[0]
            seconds[f"{module}.py"] += float(case.get("time", 0))
    table = {name: round(value, 1) for name, value in sorted(seconds.items())}
    WEIGHTS.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"future clock: {len(table)} files, {sum(table.values()):.0f} s, in {WEIGHTS}")


def shard(files: list[Path], count: int) -> list[list[Path]]:
    weight = weights(files)
    shards: list[list[Path]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for f in sorted(files, key=lambda f: (-weight[f.name], f.name)):
        lightest = loads.index(min(loads))
        shards[lightest].append(f)
        loads[lightest] += weight[f.name]
    return [sorted(s) for s in shards if s]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument(
        "--weights-from", type=Path, nargs="+", help="write the weights from junit reports"
    )
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    if args.weights_from is not None:
        write_weights(args.weights_from)
        return 0
    files = sorted((ROOT / "tests").glob("test_*.py"))
    logs = ROOT / "test-artifacts"
    logs.mkdir(exist_ok=True)
    procs = []
    started = time.monotonic()
    for n, group in enumerate(shard(files, args.shards)):
        log = logs / f"future-clock-{n}.log"
        cmd = [
            "faketime",
            "+400 days",
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-m",
            MARKER,
            f"--junitxml={logs / f'future-clock-{n}.xml'}",
            *args.pytest_args,
            *(str(f.relative_to(ROOT)) for f in group),
        ]
        print(f"future clock: shard {n}: {len(group)} files -> {log.relative_to(ROOT)}", flush=True)
        handle = log.open("w", encoding="utf-8")
        procs.append(
            (
                n,
                subprocess.Popen(cmd, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT),
                log,
                handle,
            )
        )
    status = 0
    for n, proc, log, handle in procs:
        code = proc.wait()
        handle.close()
        print(f"\n===== future clock: shard {n} exited {code} =====", flush=True)
        print(log.read_text(encoding="utf-8")[-20000:], flush=True)
        status = status or code
    print(f"future clock: {len(procs)} shards in {time.monotonic() - started:.0f} s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
