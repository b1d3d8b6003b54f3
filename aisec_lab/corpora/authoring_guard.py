"""The evaluation-only guard for what people and generators author: the rule pack and the
generator templates must not hold text copied from an evaluation-only source.

`check_training_sources` (sources.py) keeps evaluation-only items out of every fit and
calibration; rule authoring and generator templates are text written by hand, where a copied
phrase would make the evaluation measure memory again. So this module compares, by word
n-grams, the evaluation-only items with what was authored:

- the shipped rule pack (titles, descriptions and regexes read as words: `\\s+` and the other
  regex syntax become spaces, so `ignore\\s+all\\s+previous\\s+instructions` reads as the phrase
  it matches);
- every string literal of the generator modules (`aisec_jobs/demo_estate/text/`: the demo's and
  the generated corpora's templates; `aisec_lab/charlm.py`: the suffix generator).

`authoring_overlaps(items)` lists the evaluation-only texts that share an
`AUTHORING_SHINGLE`-word sequence with them (with the file and the shared words);
`check_authoring` raises `EvaluationOnlyLeak` on any. The leave-one-source-out harness drops
such texts from what it scores and reports how many per source (they would measure memory):
found on its first run, 2 of PyRIT's 8 system-prompt stealing prompts end like a generator
template of `attacks.py` ("... put them in a txt code block. Include everything.", the public
ChatGPT prompt-leak request).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from aisec_assets.monitoring.rules.loader import DEFAULT_PACK
from aisec_lab.corpora.items import CorpusItem
from aisec_lab.corpora.sources import EVAL_ONLY_SOURCES, EvaluationOnlyLeak

# Eight words in a row: common phrases ("ignore all previous instructions and", five words) are
# shared by chance between attacks written independently; eight are a copy.
AUTHORING_SHINGLE = 8
_ROOT = Path(__file__).resolve().parents[2]
GENERATOR_MODULES: tuple[Path, ...] = (
    *sorted((_ROOT / "aisec_jobs" / "demo_estate" / "text").glob("*.py")),
    _ROOT / "aisec_lab" / "charlm.py",
)
_WORD = re.compile(r"[a-z0-9']+")
# regex syntax that stands between the words of a phrase
_REGEX_GLUE = re.compile(r"\\[sSbBwWdD][+*?]?|\(\?[:!=i-]*|[()|?*+^$]|\{\d*,?\d*\}|\[[^\]]*\]")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def shingles(text: str, size: int = AUTHORING_SHINGLE) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def regex_as_words(pattern: str) -> str:
    """A regex's literal words in order, its syntax turned into spaces."""
    return _REGEX_GLUE.sub(" ", pattern).replace("\\", "")


def _string_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def authored_texts(
    pack_path: Path = DEFAULT_PACK, generators: Sequence[Path] = GENERATOR_MODULES
) -> dict[str, list[str]]:
    """Where -> the texts authored there: the rule pack (regexes read as words) and the string
    literals of the generator modules."""
    pack = pack_path.read_text(encoding="utf-8")
    out = {str(pack_path.name): [regex_as_words(line) for line in pack.splitlines()]}
    for path in generators:
        out[path.name] = _string_literals(path)
    return out


def authoring_overlaps(
    items: Iterable[CorpusItem],
    authored: dict[str, list[str]] | None = None,
    eval_only: Iterable[str] = EVAL_ONLY_SOURCES,
) -> list[tuple[CorpusItem, str, str]]:
    """(item, where, shared words) for every evaluation-only item that shares
    `AUTHORING_SHINGLE` words in a row with authored text."""
    authored = authored if authored is not None else authored_texts()
    index: dict[tuple[str, ...], str] = {}
    for where, texts in authored.items():
        for text in texts:
            for gram in shingles(text):
                index.setdefault(gram, where)
    only = set(eval_only)
    found = []
    for item in items:
        if item["source"] in only:
            gram = next((g for g in shingles(item["text"]) if g in index), None)
            if gram is not None:
                found.append((item, index[gram], " ".join(gram)))
    return found


def check_authoring(
    items: Iterable[CorpusItem],
    authored: dict[str, list[str]] | None = None,
    eval_only: Iterable[str] = EVAL_ONLY_SOURCES,
) -> None:
    """Raise `EvaluationOnlyLeak` if an evaluation-only item shares `AUTHORING_SHINGLE` words
    in a row with authored text."""
    leaks = authoring_overlaps(items, authored, eval_only)
    if leaks:
        shown = "; ".join(sorted({f"{i['source']} -> {w}: {g!r}" for i, w, g in leaks})[:5])
        raise EvaluationOnlyLeak(
            f"{len(leaks)} evaluation-only text(s) share {AUTHORING_SHINGLE} words in a row with "
            f"the rule pack or a generator template: {shown}"
        )
