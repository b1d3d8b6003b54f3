"""The state of one Hugging Face extraction: records, rejections, and Hub references.

Edges and their targets: a base model becomes a ``fine_tuned_from`` dependency on
``https://huggingface.co/<base>``, and card ``datasets`` become ``trained_on`` dependencies on
``https://huggingface.co/datasets/<id>``. So that every edge has a target, the source also
emits one *reference* record per such Hub repo (``foundation_model`` / ``training_dataset``,
``model_provider="huggingface"`` for models, ``source_url`` the URL, posture
``reference_only=True`` with ``referenced_by``). Edges point at the Hub identity, not at a
cached copy of it: the Hub id is the one name every location agrees on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aisec_resources.records import Dependency, DiscoveredAsset, Rejection, SourceResult

SOURCE = "huggingface"
HUB_URL = "https://huggingface.co"


def hub_url(repo_id: str, repo_type: str = "model") -> str:
    return f"{HUB_URL}/datasets/{repo_id}" if repo_type == "dataset" else f"{HUB_URL}/{repo_id}"


@dataclass
class HubReference:
    repo_id: str
    repo_type: str  # "model" | "dataset"
    relation: str
    referenced_by: set[str] = field(default_factory=set)


@dataclass
class ExtractionRun:
    max_file_bytes: int
    max_depth: int
    result: SourceResult = field(default_factory=SourceResult)
    references: dict[str, HubReference] = field(default_factory=dict)

    def reject(
        self,
        location: Path | str,
        reason: str,
        field: str | None = None,
        excerpt: str | None = None,
    ) -> None:
        self.result.rejections.append(Rejection(SOURCE, str(location), reason, field, excerpt))

    def refer(self, repo_id: str, repo_type: str, relation: str, by: str) -> Dependency:
        url = hub_url(repo_id, repo_type)
        ref = self.references.setdefault(url, HubReference(repo_id, repo_type, relation))
        ref.referenced_by.add(by)
        return Dependency(url, relation)

    def reference_records(self) -> list[DiscoveredAsset]:
        records = []
        for url, ref in sorted(self.references.items()):
            is_model = ref.repo_type == "model"
            what = "base model" if ref.relation == "fine_tuned_from" else "training data"
            records.append(
                DiscoveredAsset(
                    source=SOURCE,
                    resource_id=url,
                    name=ref.repo_id,
                    asset_type="foundation_model" if is_model else "training_dataset",
                    description=(
                        f"Hugging Face Hub {ref.repo_type} {ref.repo_id}: {what} of "
                        f"{len(ref.referenced_by)} discovered asset(s); referenced only, not "
                        "found in a scanned location under this id."
                    ),
                    model_provider="huggingface" if is_model else None,
                    model_name=ref.repo_id if is_model else None,
                    source_url=url,
                    posture={
                        "reference_only": True,
                        "repo_type": ref.repo_type,
                        "relation": ref.relation,
                        "referenced_by": sorted(ref.referenced_by),
                    },
                    raw={"repo_id": ref.repo_id, "repo_type": ref.repo_type},
                )
            )
        return records
