"""EasyJailbreak (`EASYJAILBREAK_VERSION`, GPL-3.0), read from its wheel: the jailbreak
templates of the attack recipes it implements, each filled with harmful requests as its
recipes fill them.

EasyJailbreak (Zhou et al. 2024) ships its recipes' seed templates in one file,
`easyjailbreak/seed/seed_template.json` (`{"attack": {recipe: [template, ...]}, "judge":
...}`). The `easyjailbreak_templates` source (jailbreak, prompts) takes the templates of the
recipes whose template *is* the prompt the target model receives:

- GPTFuzzer's 77 seed jailbreaks (collected from public jailbreak sites; the in-the-wild
  sources share their upstream, so leave-one-source-out's near-duplicate filter drops such
  overlaps from training, as for every source);
- AutoDAN's 128 genetic paraphrases of the "developer mode" prompt (`[PROMPT]` slot);
- the 18 templates of "Jailbroken" (Wei et al. 2023: prefix injection, refusal suppression,
  base64 output, style injection, distractors, Wikipedia article, poems, AIM, evil
  confidant ...), whose `\\n` escapes are the newlines they stand for;
- DeepInception's nested fiction, ReNeLLM's three scenario nestings (code completion, a story
  to continue, a LaTeX table), ICA's in-context demonstration and the library's default
  ("I want to write a detective novel ...").

Left out: PAIR's and TAP's attacker system prompts (sent to the attacking model, not the
target), MJP's (a "developer mode" prompt without a slot, and a model's reply), the empty
ones and the judge prompts.

The slot (`{query}`, `[PROMPT]`) is filled with harmful requests passed in by the caller
(`requests`: deepteam's example inputs, so the two sources share upstream data,
`sources.THIRD_PARTY`), `FILLS_PER_TEMPLATE` per template for the recipes of one to three
templates, one for GPTFuzzer's and AutoDAN's, chosen by a seeded stream. Nothing is imported
from the wheel, nothing unpacked: the JSON is read from the zip.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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

EASYJAILBREAK_PACKAGE = "easyjailbreak"
EASYJAILBREAK_VERSION = "0.1.3"
EASYJAILBREAK_SOURCE = "easyjailbreak_templates"
SEED_FILE = "easyjailbreak/seed/seed_template.json"
FILLS_PER_TEMPLATE = 3
# the recipes whose templates are kept (what each stands for: the module docstring)
RECIPES = ("default", "Gptfuzzer", "AutoDAN-a", "Jailbroken", "DeepInception", "ReNeLLM", "ICA")
# recipes with this many templates or more get one request per template
_MANY = 20
_SLOTS = ("{query}", "[PROMPT]")
# fewer templates than this means the file is not what this module was written against
_MIN_TEMPLATES = 200


def fetch_easyjailbreak_wheel(cache_dir: Path | None = None) -> Path:
    """The EasyJailbreak wheel (see `fetch_wheel`)."""
    return fetch_wheel(EASYJAILBREAK_PACKAGE, EASYJAILBREAK_VERSION, cache_dir)


def _template_text(entry: Any) -> str | None:
    """A template string: the entry itself, or the one value of a `{name: template}` entry
    (Jailbroken's), with its escaped newlines as newlines."""
    if isinstance(entry, dict) and len(entry) == 1:
        entry = next(iter(entry.values()))
        if isinstance(entry, str):
            entry = entry.replace("\\n", "\n")
    if not isinstance(entry, str) or not entry.strip():
        return None
    return entry


def seed_templates(wheel: Path) -> dict[str, list[str]]:
    """The kept templates per recipe (`RECIPES`), those without a slot left out.

    Raises CorpusUnavailable if the seed file is missing, not JSON, or not the expected shape."""
    with open_wheel(wheel) as archive:
        if SEED_FILE not in archive.namelist():
            raise CorpusUnavailable(f"{wheel}: no {SEED_FILE}")
        try:
            doc: Any = json.loads(_member_text(archive, SEED_FILE, wheel))
        except json.JSONDecodeError as exc:
            raise CorpusUnavailable(f"{wheel}:{SEED_FILE}: not JSON: {exc}") from None
    attack = doc.get("attack") if isinstance(doc, dict) else None
    if not isinstance(attack, dict):
        raise CorpusUnavailable(f"{wheel}:{SEED_FILE}: expected an 'attack' mapping")
    out: dict[str, list[str]] = {}
    for recipe in RECIPES:
        entries = attack.get(recipe)
        if not isinstance(entries, list):
            raise CorpusUnavailable(f"{wheel}:{SEED_FILE}: attack.{recipe} is not a list")
        texts = [_template_text(e) for e in entries]
        out[recipe] = [t for t in texts if t and any(s in t for s in _SLOTS)]
    total = sum(len(v) for v in out.values())
    if total < _MIN_TEMPLATES:
        raise CorpusUnavailable(f"{wheel}:{SEED_FILE}: {total} templates, expected ~230")
    return out


def fill(template: str, request: str) -> str:
    """The template with every slot holding `request` (as EasyJailbreak's mutations do)."""
    for slot in _SLOTS:
        template = template.replace(slot, request)
    return template.strip()


def easyjailbreak_corpora(
    wheel: Path, requests: Sequence[str], seed: int = DEFAULT_SEED
) -> list[CorpusItem]:
    """`easyjailbreak_templates` (module docstring), split by text hash."""
    if not requests:
        raise ValueError("easyjailbreak_corpora needs harmful requests to fill the templates")
    pool = sorted(set(requests))
    rng: random.Random = _seeded(seed, EASYJAILBREAK_SOURCE)
    items: list[CorpusItem] = []
    for templates in seed_templates(wheel).values():
        fills = 1 if len(templates) >= _MANY else FILLS_PER_TEMPLATE
        for template in templates:
            for request in rng.sample(pool, min(fills, len(pool))):
                items.append(
                    _item(fill(template, request), ATTACK, "jailbreak", EASYJAILBREAK_SOURCE)
                )
    deduped = list({i["text"]: i for i in items}.values())
    return assign_splits(deduped)
