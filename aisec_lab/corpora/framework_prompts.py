"""LLM framework prompt templates: what orchestration and guardrail frameworks send to a model on
an application's behalf. Real LLM traffic is full of them, and they read like what detectors
look for: personas ("You are an expert Q&A system"), rules ("Never directly reference the
given context"), policies naming attacks ("should not ask the bot to forget about rules").

- Evaluation only: LlamaIndex's default RAG, summarisation, routing, query-transform and agent
  prompts and its example system prompts; NeMo Guardrails' dialog, slot-filling and self-check
  (input/output moderation) prompts; MetaGPT's agent prompts (its prompt modules' constants
  and `prompts/*.txt`), smolagents' agent prompts (every string of its `prompts/*.yaml`) and
  CAMEL's role-play and agent prompts (its prompt modules' constants, `TextPrompt("...")`
  included).
- Training (the benign kind's own data, from other authors): LangChain's chain and agent
  prompts (string constants of its prompt modules, as LlamaIndex's are read) and CrewAI's agent
  prompts (every string of its English translation file, `crewai/translations/en.json`); and
  two sources of judge prompts, which name and describe the attacks and harms to find - the
  hardest benign text for a detector that reads words: PyRIT's scorer prompts
  (`pyrit_scorer_templates`, rendered as PyRIT renders them where it fills them from its own
  data) and deepteam's metric and guardrail prompts (`deepteam_templates`); and from five more
  frameworks that keep their prompts in Python modules (`_python_prompts`): the judge prompts
  of Opik's, TruLens' and Ragas' quality metrics, and AutoGen AgentChat's and Agno's agent
  prompts.

Read from the pinned wheels as they ship (nothing imported, nothing unpacked): LlamaIndex's
string constants of its prompt modules (module-level assignments and `content=` arguments,
found with `ast`) and its agent template files; NeMo Guardrails' YAML `prompts` entries
(`content` and `messages[].content`, read with `yaml.safe_load`). A template is a text of at
least `MIN_CHARS` characters. Placeholders stay as `{name}` (Jinja's `{{ name | filter }}`
becomes `{name}`); Jinja control tags (`{% if %}` ...) are dropped - what a rendered prompt
keeps of them is its text, not the engine's syntax.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from aisec_lab.corpora.items import BENIGN, CorpusItem, CorpusUnavailable, _item, assign_splits
from aisec_lab.corpora.pyrit import PYRIT_VERSION
from aisec_lab.corpora.wheels import _member_text, fetch_wheel, open_wheel

LLAMAINDEX_PACKAGE = "llama-index-core"
LLAMAINDEX_VERSION = "0.14.25"
NEMOGUARDRAILS_PACKAGE = "nemoguardrails"
NEMOGUARDRAILS_VERSION = "0.24.1"
LANGCHAIN_PACKAGE = "langchain"
LANGCHAIN_VERSION = "0.3.27"
CREWAI_PACKAGE = "crewai"
CREWAI_VERSION = "1.15.30"
CREWAI_TRANSLATIONS = "crewai/translations/en.json"
METAGPT_PACKAGE = "metagpt"
METAGPT_VERSION = "0.8.2"
SMOLAGENTS_PACKAGE = "smolagents"
SMOLAGENTS_VERSION = "1.26.0"
CAMEL_PACKAGE = "camel-ai"
CAMEL_VERSION = "0.2.90"
PYRIT_PACKAGE = "pyrit"
MIN_CHARS = 60

_JINJA_VALUE = re.compile(r"\{\{-?\s*([A-Za-z_][\w.]*)[^{}]*?-?\}\}")
_JINJA_TAG = re.compile(r"\{%-?.*?-?%\}\n?", re.DOTALL)
_JINJA_COMMENT = re.compile(r"\{#.*?#\}\n?", re.DOTALL)


def _prompt_modules(names: list[str]) -> list[str]:
    """The wheel's Python modules that hold prompts (their path names prompts)."""
    return sorted(n for n in names if n.endswith(".py") and "prompt" in n.rsplit("/", 1)[-1])


def _string_constants(source: str, where: str, wrapped: bool = False) -> list[str]:
    """String constants assigned to a name or passed as `content=` (in source order); with
    `wrapped`, also a string assigned through a one-argument call (`X = TextPrompt("...")`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise CorpusUnavailable(f"{where}: not Python: {exc}") from None
    found: list[str] = []
    for node in ast.walk(tree):
        value: ast.expr | None = None
        if isinstance(node, ast.Assign | ast.AnnAssign) or (
            isinstance(node, ast.keyword) and node.arg == "content"
        ):
            value = node.value
        if wrapped and isinstance(value, ast.Call) and len(value.args) == 1:
            value = value.args[0]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.append(value.value)
    return found


def _prompt_module_constants(
    archive: zipfile.ZipFile, wheel: Path, wrapped: bool = False
) -> list[str]:
    """The string constants of every prompt module of an open wheel, in the wheel's order."""
    texts: list[str] = []
    for name in _prompt_modules(archive.namelist()):
        where = f"{wheel}: {name}"
        texts += _string_constants(_member_text(archive, name, wheel), where, wrapped)
    return texts


def llamaindex_templates(wheel: Path) -> list[str]:
    """LlamaIndex's prompt templates: string constants of its prompt modules and its agent
    template files (`*/templates/*.md`), distinct, in the wheel's order."""
    with open_wheel(wheel) as archive:
        names = archive.namelist()
        texts = _prompt_module_constants(archive, wheel)
        for name in sorted(n for n in names if "/templates/" in n and n.endswith(".md")):
            texts.append(_member_text(archive, name, wheel))
    return _distinct(texts)


def langchain_templates(wheel: Path) -> list[str]:
    """LangChain's prompt templates: string constants of its prompt modules, distinct."""
    with open_wheel(wheel) as archive:
        return _distinct(_prompt_module_constants(archive, wheel))


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for member in value.values():
            yield from _json_strings(member)
    elif isinstance(value, list):
        for member in value:
            yield from _json_strings(member)


def crewai_templates(wheel: Path) -> list[str]:
    """CrewAI's agent prompts: every string of its English translation file, distinct."""
    with open_wheel(wheel) as archive:
        if CREWAI_TRANSLATIONS not in archive.namelist():
            raise CorpusUnavailable(f"{wheel}: no {CREWAI_TRANSLATIONS}")
        try:
            document = json.loads(_member_text(archive, CREWAI_TRANSLATIONS, wheel))
        except json.JSONDecodeError as exc:
            raise CorpusUnavailable(f"{wheel}: {CREWAI_TRANSLATIONS}: not JSON: {exc}") from None
    return _distinct(list(_json_strings(document)))


def _jinja_as_text(template: str) -> str:
    """A Jinja template with `{{ name | filter }}` as `{name}` and control tags dropped."""
    text = _JINJA_COMMENT.sub("", _JINJA_TAG.sub("", template))
    return _JINJA_VALUE.sub(lambda m: "{" + m.group(1) + "}", text)


def nemoguardrails_templates(wheel: Path) -> list[str]:
    """NeMo Guardrails' prompts: the `content` of every `prompts` entry (or of its `messages`)
    in the wheel's YAML files, distinct, in the wheel's order."""
    texts: list[str] = []
    with open_wheel(wheel) as archive:
        for name in sorted(archive.namelist()):
            if not name.endswith((".yml", ".yaml")):
                continue
            try:
                document = yaml.safe_load(_member_text(archive, name, wheel))
            except yaml.YAMLError as exc:
                raise CorpusUnavailable(f"{wheel}: {name}: not YAML: {exc}") from None
            prompts = document.get("prompts") if isinstance(document, dict) else None
            for prompt in prompts if isinstance(prompts, list) else []:
                if not isinstance(prompt, dict):
                    continue
                messages = prompt.get("messages")
                contents = [prompt.get("content")] + [
                    m.get("content") for m in messages or [] if isinstance(m, dict)
                ]
                texts += [_jinja_as_text(c) for c in contents if isinstance(c, str)]
    return _distinct(texts)


def metagpt_templates(wheel: Path) -> list[str]:
    """MetaGPT's prompts: string constants of its prompt modules and its `prompts/*.txt`
    files (the Stanford-town agent prompts), distinct."""
    with open_wheel(wheel) as archive:
        texts = _prompt_module_constants(archive, wheel)
        for name in sorted(n for n in archive.namelist() if "/prompts/" in n):
            if name.endswith(".txt"):
                texts.append(_member_text(archive, name, wheel))
    return _distinct(texts)


def smolagents_templates(wheel: Path) -> list[str]:
    """smolagents' agent prompts: every string of its `smolagents/prompts/*.yaml` files (system
    prompt, planning, managed-agent and final-answer messages), Jinja as text, distinct."""
    texts: list[str] = []
    with open_wheel(wheel) as archive:
        for name in sorted(archive.namelist()):
            if not (name.startswith("smolagents/prompts/") and name.endswith(".yaml")):
                continue
            try:
                document = yaml.safe_load(_member_text(archive, name, wheel))
            except yaml.YAMLError as exc:
                raise CorpusUnavailable(f"{wheel}: {name}: not YAML: {exc}") from None
            texts += [_jinja_as_text(t) for t in _json_strings(document)]
    return _distinct(texts)


def camel_templates(wheel: Path) -> list[str]:
    """CAMEL's prompts: string constants of its prompt modules, `TextPrompt("...")`
    assignments included, distinct."""
    with open_wheel(wheel) as archive:
        return _distinct(_prompt_module_constants(archive, wheel, wrapped=True))


PYRIT_SCORE_DIR = "pyrit/datasets/score/"
PYRIT_HARM_DIR = "pyrit/datasets/harm_definition/"
PYRIT_TRUE_FALSE = PYRIT_SCORE_DIR + "true_false_question/true_false_system_prompt.yaml"
PYRIT_LIKERT = PYRIT_SCORE_DIR + "likert/likert_system_prompt.yaml"


def _yaml_members(archive: zipfile.ZipFile, wheel: Path, prefix: str) -> dict[str, object]:
    """Every YAML file under `prefix` of an open wheel, parsed (`yaml.safe_load`), by name."""
    documents: dict[str, object] = {}
    for name in sorted(archive.namelist()):
        if name.startswith(prefix) and name.endswith((".yml", ".yaml")):
            try:
                documents[name] = yaml.safe_load(_member_text(archive, name, wheel))
            except yaml.YAMLError as exc:
                raise CorpusUnavailable(f"{wheel}: {name}: not YAML: {exc}") from None
    return documents


def _render(template: str, values: dict[str, str]) -> str:
    """`{{ name }}` of a Jinja template filled from `values` (PyRIT renders its scorer prompts
    with plain values, no filters)."""
    return _JINJA_VALUE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def pyrit_scorer_templates(wheel: Path) -> list[str]:
    """The prompts PyRIT's scorers send to their judge model, which describe the attacks and
    harms to look for: the true/false prompt rendered with each of its categories' true and
    false descriptions, the Likert prompt rendered with each harm definition's scale (as its
    `LikertScale.render_params` lists it: `'1': description` per line), and its other scorer
    prompts (refusal, content classifier, insecure code, LlamaGuard, ShieldGemma, scales) as
    Jinja text, distinct."""
    with open_wheel(wheel) as archive:
        scores = _yaml_members(archive, wheel, PYRIT_SCORE_DIR)
        harms = _yaml_members(archive, wheel, PYRIT_HARM_DIR)
    templates = {n: d["value"] for n, d in scores.items() if isinstance(d, dict) and "value" in d}
    for needed in (PYRIT_TRUE_FALSE, PYRIT_LIKERT):
        if not isinstance(templates.get(needed), str):
            raise CorpusUnavailable(f"{wheel}: no prompt template {needed}")
    texts: list[str] = []
    for document in scores.values():
        if isinstance(document, dict) and isinstance(document.get("true_description"), str):
            values = {
                k: str(document.get(k) or "")
                for k in ("true_description", "false_description", "metadata")
            }
            texts.append(_render(str(templates[PYRIT_TRUE_FALSE]), values))
    for document in harms.values():
        scale = document.get("scale_descriptions") if isinstance(document, dict) else None
        if not isinstance(document, dict) or not isinstance(scale, list) or not scale:
            continue
        entries = [e for e in scale if isinstance(e, dict)]
        levels = [str(e.get("score_value")) for e in entries]
        values = {
            "category": str(document.get("category") or ""),
            "likert_scale": "".join(
                f"'{e.get('score_value')}': {e.get('description')}\n" for e in entries
            ),
            "min_scale_value": min(levels, key=lambda v: (len(v), v)),
            "max_scale_value": max(levels, key=lambda v: (len(v), v)),
        }
        texts.append(_render(str(templates[PYRIT_LIKERT]), values))
    rendered = {PYRIT_TRUE_FALSE, PYRIT_LIKERT}
    texts += [_jinja_as_text(str(t)) for n, t in templates.items() if n not in rendered]
    return _distinct(texts)


DEEPTEAM_PACKAGE = "deepteam"
DEEPTEAM_VERSION = "1.0.10"
DEEPTEAM_JUDGE_DIRS = ("deepteam/metrics/", "deepteam/guardrails/guards/")


def _returned_template(node: ast.expr) -> str | None:
    """A returned string or f-string as a template: its text, a `{name}` for each plain
    placeholder; other interpolations (helper blocks a function renders) dropped."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return None
    parts = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            parts.append(str(part.value))
        elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name):
            parts.append("{" + part.value.id + "}")
    return "".join(parts)


def deepteam_templates(wheel: Path) -> list[str]:
    """deepteam's judge prompts: the strings its metric and guard template modules return
    (`deepteam/metrics/**/template.py`, `deepteam/guardrails/guards/*/template.py`) - the
    prompts its judges and guardrails are sent, which name the attacks and harms to find -
    placeholders as `{name}`, distinct."""
    texts: list[str] = []
    with open_wheel(wheel) as archive:
        names = sorted(
            n
            for n in archive.namelist()
            if n.startswith(DEEPTEAM_JUDGE_DIRS) and n.endswith("/template.py")
        )
        for name in names:
            try:
                tree = ast.parse(_member_text(archive, name, wheel))
            except SyntaxError as exc:
                raise CorpusUnavailable(f"{wheel}: {name}: not Python: {exc}") from None
            for node in ast.walk(tree):
                if isinstance(node, ast.Return) and node.value is not None:
                    text = _returned_template(node.value)
                    if text is not None:
                        texts.append(textwrap.dedent(text))
    return _distinct(texts)


# Evaluator and agent frameworks that keep their prompts in ordinary Python modules: a string
# assigned, returned, or passed as a prompt keyword, read with `ast` from the modules a path
# pattern names (their heuristic detectors, which hold attack phrases, excluded).
OPIK_PACKAGE, OPIK_VERSION = "opik", "2.2.122"
TRULENS_PACKAGE, TRULENS_VERSION = "trulens-feedback", "2.16.0"
RAGAS_PACKAGE, RAGAS_VERSION = "ragas", "0.4.3"
AUTOGEN_PACKAGE, AUTOGEN_VERSION = "autogen-agentchat", "0.7.5"
AGNO_PACKAGE, AGNO_VERSION = "agno", "3.1.10"
SWARMS_PACKAGE, SWARMS_VERSION = "swarms", "16.0.3"
GRIPTAPE_PACKAGE, GRIPTAPE_VERSION = "griptape", "1.13.0"
_PROMPT_KEYWORDS = frozenset(
    {"content", "instruction", "template", "prompt", "system_message", "system_prompt"}
)


def _python_prompts(wheel: Path, include: str, exclude: str | None = None) -> list[str]:
    """The strings (f-strings with `{name}` placeholders, `_returned_template`) that the wheel's
    Python modules matching `include` (a regex on the member path) and not `exclude` assign,
    return or pass as a prompt keyword (`_PROMPT_KEYWORDS`), distinct, in the wheel's order."""
    wanted, unwanted = re.compile(include), re.compile(exclude) if exclude else None
    texts: list[str] = []
    with open_wheel(wheel) as archive:
        for name in sorted(archive.namelist()):
            if not (name.endswith(".py") and wanted.search(name)):
                continue
            if unwanted is not None and unwanted.search(name):
                continue
            try:
                tree = ast.parse(_member_text(archive, name, wheel))
            except SyntaxError as exc:
                raise CorpusUnavailable(f"{wheel}: {name}: not Python: {exc}") from None
            for node in ast.walk(tree):
                prompt_like = isinstance(node, ast.Assign | ast.AnnAssign | ast.Return) or (
                    isinstance(node, ast.keyword) and node.arg in _PROMPT_KEYWORDS
                )
                value = getattr(node, "value", None) if prompt_like else None
                text = _returned_template(value) if isinstance(value, ast.expr) else None
                if text is not None:
                    texts.append(textwrap.dedent(text))
    return _distinct(texts)


def opik_templates(wheel: Path) -> list[str]:
    """Opik's LLM-judge prompts (hallucination, moderation, relevance, conversation metrics):
    `opik/evaluation/metrics/`, its heuristic metrics (regex detectors) left out."""
    return _python_prompts(wheel, r"^opik/evaluation/metrics/", r"/heuristics/")


def trulens_templates(wheel: Path) -> list[str]:
    """TruLens' feedback prompts (groundedness, relevance, safety, agent traces)."""
    return _python_prompts(wheel, r"^trulens/feedback/(templates/|prompts\.py$)")


def ragas_templates(wheel: Path) -> list[str]:
    """Ragas' metric prompts (faithfulness, answer accuracy, topic adherence, summaries)."""
    return _python_prompts(wheel, r"^ragas/metrics/")


def autogen_templates(wheel: Path) -> list[str]:
    """AutoGen AgentChat's agent and team prompts (code executor, Magentic-One orchestrator)."""
    return _python_prompts(wheel, r"^autogen_agentchat/(agents|teams)/")


def agno_templates(wheel: Path) -> list[str]:
    """Agno's prompt modules (summaries, platform agents), its guardrails left out."""
    return _python_prompts(wheel, r"^agno/(.+/)?[^/]*prompts?[^/]*\.py$", r"guardrail")


def swarms_templates(wheel: Path) -> list[str]:
    """Swarms' prompt modules (`swarms/prompts/`): role system prompts (accountant, lawyer,
    sales, support, urban planner...), orchestration, planning and judging prompts."""
    return _python_prompts(wheel, r"^swarms/prompts/")


def griptape_templates(wheel: Path) -> list[str]:
    """Griptape's Jinja templates (`griptape/templates/**.j2`: extraction, summary, RAG,
    tool-use and ruleset prompts), Jinja as text, distinct."""
    with open_wheel(wheel) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("griptape/templates/"))
        texts = [
            _jinja_as_text(_member_text(archive, n, wheel)) for n in names if n.endswith(".j2")
        ]
    return _distinct(texts)


def _distinct(texts: list[str]) -> list[str]:
    kept = [t.strip() for t in texts if len(t.strip()) >= MIN_CHARS]
    return list(dict.fromkeys(kept))


# source -> (reader of its wheel, package, version): a new framework is a reader and a line here
FRAMEWORK_SOURCES: dict[str, tuple[Callable[[Path], list[str]], str, str]] = {
    "llamaindex_prompt_templates": (llamaindex_templates, LLAMAINDEX_PACKAGE, LLAMAINDEX_VERSION),
    "nemoguardrails_prompt_templates": (
        nemoguardrails_templates, NEMOGUARDRAILS_PACKAGE, NEMOGUARDRAILS_VERSION
    ),
    "langchain_prompt_templates": (langchain_templates, LANGCHAIN_PACKAGE, LANGCHAIN_VERSION),
    "crewai_prompt_templates": (crewai_templates, CREWAI_PACKAGE, CREWAI_VERSION),
    "metagpt_prompt_templates": (metagpt_templates, METAGPT_PACKAGE, METAGPT_VERSION),
    "smolagents_prompt_templates": (smolagents_templates, SMOLAGENTS_PACKAGE, SMOLAGENTS_VERSION),
    "camel_prompt_templates": (camel_templates, CAMEL_PACKAGE, CAMEL_VERSION),
    "pyrit_scorer_prompts": (pyrit_scorer_templates, PYRIT_PACKAGE, PYRIT_VERSION),
    "deepteam_judge_prompts": (deepteam_templates, DEEPTEAM_PACKAGE, DEEPTEAM_VERSION),
    "opik_judge_prompts": (opik_templates, OPIK_PACKAGE, OPIK_VERSION),
    "trulens_feedback_prompts": (trulens_templates, TRULENS_PACKAGE, TRULENS_VERSION),
    "ragas_metric_prompts": (ragas_templates, RAGAS_PACKAGE, RAGAS_VERSION),
    "autogen_agent_prompts": (autogen_templates, AUTOGEN_PACKAGE, AUTOGEN_VERSION),
    "agno_agent_prompts": (agno_templates, AGNO_PACKAGE, AGNO_VERSION),
    "swarms_agent_prompts": (swarms_templates, SWARMS_PACKAGE, SWARMS_VERSION),
    "griptape_prompt_templates": (griptape_templates, GRIPTAPE_PACKAGE, GRIPTAPE_VERSION),
}  # fmt: skip


def framework_prompt_corpora(cache_dir: Path | None = None) -> list[CorpusItem]:
    """The `FRAMEWORK_SOURCES`, fetched from PyPI (CorpusUnavailable naming the wheel if one
    cannot be fetched or read), as benign prompts."""
    sources = {
        source: read(fetch_wheel(package, version, cache_dir))
        for source, (read, package, version) in FRAMEWORK_SOURCES.items()
    }
    items: list[CorpusItem] = []
    for source, texts in sources.items():
        if not texts:
            raise CorpusUnavailable(f"{source}: no prompt template found in the wheel")
        items += [_item(text, BENIGN, BENIGN, source) for text in texts]
    return assign_splits(items)
