"""Unrequested-action rules: instructions embedded in retrieved content, compared with the
user's question - sql/monitoring/unrequested_action.sql.

A sentence of the retrieved content is a directive when one of the rule's verbs opens it (at the
start of the text, of a line, of a sentence, of a list item or a "TODO:" style label, or after
"please" / "you must" ...) and a destination follows within `max_gap_chars` in the same sentence:
an e-mail address, a URL (or www. host) or an account number (IBAN-shaped). It fires when the
user's question (the same event's prompt_text) does not name that destination and its host is
not one of the allowed domains (the pack's and the organisation's): a document may ask ITS
reader to send something somewhere; an agent doing so for a destination nobody asked for is
acting on injected instructions. The regexes are built here from the rule's values (each one
checked with DuckDB's RE2 when the pack loads) and reach the SQL as variables.
"""

from __future__ import annotations

from collections.abc import Sequence

from aisec_assets.monitoring.rules.schema import (
    EVIDENCE_CONTEXT_CHARS,
    Rule,
    RulePack,
    UnrequestedActionLogic,
)
from aisec_assets.monitoring.rules.steps import CompiledStep, OrgSettings, domain_alternation

KIND = "unrequested_action"
SQL_FILE = "monitoring/unrequested_action"

# Where a directive may start: the text, a line, a sentence, a list item or label; or after a
# politeness / obligation lead-in.
LEAD_RE = (
    r"(?:^|[\n.!?;:>*\x{2022}-][ \t]*"
    r"|\b(?:please|kindly|then|first|now|also|immediately)[ \t]+"
    r"|\byou[ \t]+(?:must|should|need[ \t]+to|have[ \t]+to"
    r"|are[ \t]+(?:required|asked)[ \t]+to)[ \t]+)"
)
EMAIL_RE = r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
URL_RE = r"(?:https?://|www\.)[^\s'\"<>)\]]+"
# IBAN-shaped: country, check digits, then groups of four (spaces only between groups, so the
# next word is never taken in) and a shorter last group
ACCOUNT_RE = r"\b[a-z]{2}[0-9]{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[a-z0-9]{1,3})?\b"
DESTINATION_RE = rf"(?:{EMAIL_RE}|{URL_RE}|{ACCOUNT_RE})"


def directive_regex(verbs: Sequence[str], max_gap_chars: int) -> str:
    """A verb-led directive up to (and including) the first destination on its line."""
    alternatives = "|".join(f"(?:{v})" for v in verbs)
    # the verb takes an object: a word, a quote or a number follows (not "Email: ..."); the
    # gap stays within the sentence (a stop is one only before white space: file.pdf is not)
    return (
        rf"(?i){LEAD_RE}(?:{alternatives})[ \t]+[\w'\"$(]"
        rf"(?:[^\n.!?]|[.!?]\S){{0,{max_gap_chars}}}?{DESTINATION_RE}"
    )


def domains_regex(domains: Sequence[str]) -> str:
    """A host that is one of `domains` or a subdomain of one ('' when none: no host trusted)."""
    if not domains:
        return ""
    return rf"^(?:[a-z0-9-]+\.)*(?:{domain_alternation(domains)})$"


def compile_rule(rule: Rule, pack: RulePack, org: OrgSettings) -> list[CompiledStep]:
    logic = rule.logic
    assert isinstance(logic, UnrequestedActionLogic)
    return [
        CompiledStep(
            f"{rule.id} unrequested actions in retrieved_context",
            (rule.id,),
            sql_file=SQL_FILE,
            variables={
                "rule_id": rule.id,
                "directive": directive_regex(logic.verbs, logic.max_gap_chars),
                "destination": f"(?i){DESTINATION_RE}",
                "unless": "(?i)" + "|".join(f"(?:{u})" for u in logic.unless)
                if logic.unless
                else "",
                "domains": domains_regex([*pack.allowed_domains, *org.allowed_domains]),
                "ctx": EVIDENCE_CONTEXT_CHARS,
            },
        )
    ]
