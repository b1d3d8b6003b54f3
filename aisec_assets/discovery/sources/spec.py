"""What a discovery source declares: one `SourceSpec`, exported by its module in this package
and listed once in `DISCOVERY_SOURCES` (`__init__.py`). The config section, the asset, its
freshness check, the new-model sensor and `aisec validate` all derive from the spec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from aisec_resources.config import AisecConfig
from aisec_resources.config.base import Strict, parse_section
from aisec_resources.records import SourceResult

S = TypeVar("S", bound=Strict)


def _no_problems(_section: Any) -> list[str]:
    return []


@dataclass(frozen=True)
class SourceSpec(Generic[S]):
    """One discovery source.

    * `config_key`: its section under `sources:` in aisec.yaml; several specs may share one
      (AWS Bedrock and SageMaker read the same `sources.aws` bundle) if they share `model`.
    * `model`: the section's settings (a strict pydantic model).
    * `asset_name` / `source`: the Dagster asset, and the source's name in the warehouse
      (`discovery.discovered_assets.source`).
    * `fetch(section)`: read the source (raise `SourceUnavailable` when it cannot be read).
    * `watch(section)`: what the new-model sensor lists (a new entry starts discovery); None
      when the source is not watched.
    * `preflight(section)`: problems `aisec validate` reports without running the source
      (a path that does not exist, registry entries that will be rejected, ...).
    * `collection`: how the source reads live APIs into a bundle (`LiveCollection`), shared
      by the specs of one section; None for sources that only read files.
    """

    config_key: str
    model: type[S]
    asset_name: str
    source: str
    description: str
    kinds: frozenset[str]
    fetch: Callable[[S], SourceResult]
    watch: Callable[[S], list[str]] | None = None
    preflight: Callable[[S], list[str]] = field(default=_no_problems)
    collection: LiveCollection[Any] | None = None

    @property
    def config_path(self) -> str:
        return f"sources.{self.config_key}"

    def is_configured(self, config: AisecConfig) -> bool:
        return config.sources.get(self.config_key) is not None

    def section(self, config: AisecConfig) -> S | None:
        """The source's validated settings, or None when aisec.yaml does not configure it (a
        `ConfigError` names file, key and reason; relative paths resolve against the file)."""
        raw = config.sources.get(self.config_key)
        if raw is None:
            return None
        file = config.config_path or Path("aisec.yaml")
        return parse_section(self.model, raw, file=file, key=self.config_path)


@dataclass(frozen=True)
class CollectedPart:
    """What a live collection did for one partition (an account, a subscription, an org).

    `status` is ok, partial (some calls not collected: `not_collected` says which and why; the
    part's earlier rows are kept, stale) or failed (nothing collected: its last good data
    stays on disk and in the warehouse, stale)."""

    key: str
    status: str
    seconds: float
    counts: dict[str, int]
    not_collected: tuple[str, ...] = ()
    error: str | None = None


# collect(section, out, keys, now, progress): out None = the section's own collection directory,
# keys None = every partition the section lists.
CollectFn = Callable[
    [Any, Path | None, list[str] | None, datetime, Callable[[str], None]], list[CollectedPart]
]


@dataclass(frozen=True)
class LiveCollection(Generic[S]):
    """A source that can read live APIs and write what it read as an offline bundle.

    * `name`: the argument of `aisec collect <name> --out DIR`.
    * `is_live(section)`: the section reads the live APIs (not a bundle of its own).
    * `list_keys(section)`: the partitions (account ids, subscription ids, organisations) a
      collection covers, from the configuration or the provider's listing API.
    * `collect(...)`: collect partitions into a bundle directory (see `CollectFn`).
    * `partitioned`: a Dagster asset partitioned by key (`asset_name`, dynamic partitions
      `partitions_name`, kept current by the accounts sensor) collects one key per run, so one
      account can be rerun alone and a failure shows on its partition; the extract assets then
      parse the collected bundle. Unpartitioned collections read live in the extract itself.
    """

    name: str
    partition_kind: str
    description: str
    is_live: Callable[[S], bool]
    list_keys: Callable[[S], list[str]]
    collect: CollectFn
    partitioned: bool = True
    asset_name: str = ""
    partitions_name: str = ""
    kinds: frozenset[str] = frozenset()
