"""Which incident category a failing red-team probe suggests (categories.yaml, validated on
load: a bad value is a clear error naming file, line and field)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import Field

from aisec_resources.config.base import Strict
from aisec_resources.yamldoc import read_document, validate_document

CATEGORIES: tuple[str, ...] = (
    "prompt_injection_exploitation",
    "data_exfiltration_via_model",
    "model_supply_chain_compromise",
    "agent_unauthorized_actions",
    "training_data_poisoning",
    "model_denial_of_service",
    "pii_leakage_in_output",
    "jailbreak_bypass",
    "model_compromise",
)
Category = Literal[
    "prompt_injection_exploitation",
    "data_exfiltration_via_model",
    "model_supply_chain_compromise",
    "agent_unauthorized_actions",
    "training_data_poisoning",
    "model_denial_of_service",
    "pii_leakage_in_output",
    "jailbreak_bypass",
    "model_compromise",
]
Key = str


class CategoryMap(Strict):
    garak: dict[Key, Category] = Field(default_factory=dict)
    promptfoo: dict[Key, Category] = Field(default_factory=dict)
    promptfoo_strategies: dict[Key, Category] = Field(default_factory=dict)


@cache
def category_map() -> CategoryMap:
    resource = files("aisec_assets.operations.redteam") / "categories.yaml"
    what = "red-team category map"
    return validate_document(CategoryMap, read_document(resource, what), what)


def category_hint(tool: str, probe: str, detector: str) -> str | None:
    """The incident category for a failure of `probe` (garak probe / promptfoo plugin) with
    `detector` (garak detector / promptfoo strategy); None when the map names none."""
    mapping = category_map()
    if tool == "garak":
        return mapping.garak.get(probe.split(".", 1)[0])
    if tool == "promptfoo":
        found = mapping.promptfoo.get(probe) or mapping.promptfoo.get(probe.split(":", 1)[0])
        return found or mapping.promptfoo_strategies.get(detector.split(":", 1)[0])
    return None
