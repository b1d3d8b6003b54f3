"""`aisec collect aws|azure|hf [--out DIR] [--key K ...]`: read a live estate into a bundle.

The collection writes the offline-bundle layout the source's bundle reader parses (the API
responses as the SDK returns them), so the same directory serves an air-gapped account
(`sources.<key>.bundle: DIR` on the other side) and regenerates demo bundles in the same format.
Without `--out` it writes the source's own collection directory (what `aisec run` and the
collection jobs do). Progress per account / region goes to standard error; the summary to
standard output. Exit status: 0 when every key was collected (some calls may be recorded as not
collected: partial), 1 when a key failed outright (its previous data is kept), 2 for a
configuration error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from aisec_assets.discovery.sources import DISCOVERY_SOURCES, SourceSpec
from aisec_assets.discovery.sources.spec import CollectedPart, LiveCollection
from aisec_resources.clock import RunClock, today_in
from aisec_resources.config import AisecConfig, ConfigError
from aisec_resources.records import SourceUnavailable


def collections() -> dict[str, tuple[SourceSpec, LiveCollection[Any]]]:
    """Every live collection by its command name (first spec of its section)."""
    found: dict[str, tuple[SourceSpec, LiveCollection[Any]]] = {}
    for spec in DISCOVERY_SOURCES:
        if spec.collection is not None:
            found.setdefault(spec.collection.name, (spec, spec.collection))
    return found


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "collect",
        help="read a live cloud estate (or Hub organisation) into an offline bundle",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    parser.add_argument("name", choices=sorted(collections()), help="which source's live section")
    parser.add_argument("--config", help="aisec.yaml (default: $AISEC_CONFIG or the demo)")
    parser.add_argument(
        "--out", help="bundle directory to write (default: the source's collection directory)"
    )
    parser.add_argument(
        "--key",
        action="append",
        metavar="ID",
        help="collect only this account / subscription / organisation (repeatable; default: "
        "every one the configuration or the provider lists)",
    )


def part_line(collection: LiveCollection[Any], part: CollectedPart) -> str:
    counts = ", ".join(f"{name} {value}" for name, value in sorted(part.counts.items()))
    line = (
        f"{collection.partition_kind} {part.key}: {part.status} in {part.seconds:.1f}s ({counts})"
    )
    if part.not_collected:
        line += f"; {len(part.not_collected)} call(s) not collected"
    if part.error:
        line += f"; {part.error}"
    return line


def run(config: AisecConfig, args: argparse.Namespace) -> int:
    spec, collection = collections()[args.name]
    section = spec.section(config)
    if section is None or not collection.is_live(section):
        raise ConfigError(
            f"{config.config_path}: {spec.config_path}: no live section configured, nothing to "
            f"collect for `aisec collect {args.name}` (see the README, 'Live discovery')"
        )
    out = Path(args.out).resolve() if args.out else None
    now = RunClock.for_day(today_in(config.timezone), config.timezone).now

    def progress(line: str) -> None:
        print(f"aisec collect {args.name}: {line}", file=sys.stderr, flush=True)

    try:
        parts = collection.collect(section, out, args.key, now, progress)
    except SourceUnavailable as exc:
        print(f"aisec collect {args.name}: {exc}", file=sys.stderr)
        return 2
    for part in parts:
        print(part_line(collection, part))
        for gap in part.not_collected[:50]:
            print(f"  not collected: {gap}")
    failed = [p.key for p in parts if p.status == "failed"]
    where = out or "the collection directory"
    print(f"aisec collect {args.name}: {len(parts) - len(failed)}/{len(parts)} written to {where}")
    return 1 if failed else 0
