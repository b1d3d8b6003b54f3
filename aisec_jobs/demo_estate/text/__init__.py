"""The demo company's synthetic text: what Kestrel Dynamics' staff, customers, agents and
attackers say in the demo traffic.

- `people`: the company's vocabulary (names, merchants, products, cities, teams, order ids,
  amounts, dates) and `fill(rng, template)`;
- `benign`: questions, documents, code, tables, e-mails, chats, security questions *about*
  attacks, agent tool results and assistant answers;
- `attacks`: generated prompts - direct and indirect injections, role-play, obfuscated and
  many-shot jailbreaks, system-prompt extraction (and `FAMILIES`, the attack families);
- `outputs`: model outputs that leak - PII, credentials, markdown-image exfiltration and the
  deployment's own system prompt (`SYSTEM_PROMPTS`).

Every generator takes a `random.Random` and draws from it only: the same seed gives the same
text, byte for byte, and the order of the draws is part of the contract (the demo traffic and
the labelled corpora of `aisec_lab.corpora` are both built from seeded streams; retraining the
classifier must give identical weights). Credential-shaped strings are assembled at run time
from pieces.

The demo traffic (`demo_estate.traffic`) speaks with these generators; the lab's corpora
(`aisec_lab.corpora`) label their output. Nothing in the product imports this package.
"""

from aisec_jobs.demo_estate.text.attacks import (
    DEV_MODE,
    EXFIL_HOSTS,
    FAMILIES,
    FOREIGN_GOALS,
    HIDDEN_INSTRUCTIONS,
    INJECT_FOREIGN,
    direct_injection,
    foreign_system_prompt_extraction,
    indirect_injection,
    indirect_injection_with_span,
    many_shot_jailbreak,
    obfuscated_jailbreak,
    roleplay_jailbreak,
    suffix_jailbreak,
    system_prompt_extraction,
)
from aisec_jobs.demo_estate.text.benign import (
    CODE_SNIPPETS,
    DOC_PARAGRAPHS,
    DOC_TITLES,
    EMAIL_BODIES,
    EMAIL_SUBJECTS,
    FOLLOW_UPS,
    benign_answer,
    benign_chat,
    benign_code,
    benign_document,
    benign_email,
    benign_question,
    benign_security_question,
    benign_table,
    benign_tool_context,
    csv_table,
    tool_help_center_search,
    tool_order_status,
    tool_sql_rows,
    tool_ticket,
)
from aisec_jobs.demo_estate.text.outputs import (
    SYSTEM_PROMPTS,
    fake_aws_key_id,
    fake_card_number,
    fake_iban,
    fake_secret,
    fake_ssn,
    markdown_exfiltration,
    pii_output,
    prompt_leak,
    secret_output,
)
from aisec_jobs.demo_estate.text.people import (
    CITIES,
    COMPANY,
    DOMAIN,
    FIRST_NAMES,
    LAST_NAMES,
    MERCHANTS,
    PRODUCTS,
    TEAMS,
    amount,
    fill,
    order_id,
    person_name,
    some_date,
    staff_email,
)

__all__ = [
    "CITIES", "CODE_SNIPPETS", "COMPANY", "DEV_MODE", "DOC_PARAGRAPHS", "DOC_TITLES", "DOMAIN",
    "EMAIL_BODIES", "EMAIL_SUBJECTS", "EXFIL_HOSTS", "FAMILIES", "FIRST_NAMES", "FOLLOW_UPS",
    "FOREIGN_GOALS", "HIDDEN_INSTRUCTIONS", "INJECT_FOREIGN", "LAST_NAMES", "MERCHANTS", "PRODUCTS",
    "SYSTEM_PROMPTS", "TEAMS", "amount", "benign_answer", "benign_chat", "benign_code",
    "benign_document", "benign_email", "benign_question", "benign_security_question",
    "benign_table", "benign_tool_context", "csv_table", "direct_injection", "fake_aws_key_id",
    "fake_card_number", "fake_iban", "fake_secret", "fake_ssn", "fill",
    "foreign_system_prompt_extraction", "indirect_injection", "indirect_injection_with_span",
    "many_shot_jailbreak", "markdown_exfiltration", "obfuscated_jailbreak", "order_id",
    "person_name", "pii_output", "prompt_leak", "roleplay_jailbreak", "secret_output", "some_date",
    "staff_email", "suffix_jailbreak", "system_prompt_extraction", "tool_help_center_search",
    "tool_order_status", "tool_sql_rows", "tool_ticket",
]  # fmt: skip
