"""What gets said: user requests and assistant answers by kind of request, refusals, and
multi-turn chats, drawn from the demo company's synthetic text (`demo_estate.text`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from aisec_jobs.demo_estate import text
from aisec_jobs.demo_estate.traffic.common import _Turn


# ------------------------------------------------------------------------ what gets said
def _answer_for(kind: str, rng: random.Random, request: str = "") -> str:
    """A plausible assistant answer to a benign `request` of `kind`."""
    if kind == "code":
        fence = re.search(r"```(\w+)\n(.*?)\n```", request, re.DOTALL)
        lang, code = fence.groups() if fence else rng.choice(text.CODE_SNIPPETS)
        return (
            f"Here's a reviewed version with comments on what changed:\n\n```{lang}\n"
            f"# reviewed: inputs validated, errors raised instead of swallowed\n{code}\n```\n\n"
            + rng.choice(
                (
                    "The logic is fine; I'd add a test for the empty case.",
                    "Consider adding retries with backoff around the network call.",
                    "Nothing security-relevant stands out; naming could be clearer.",
                )
            )
        )
    if kind == "table":
        rows = [line for line in request.splitlines() if "," in line or "|" in line]
        return f"The table has {max(0, len(rows) - 1)} data rows. " + rng.choice(
            (
                "The largest value is in the last column of the second row.",
                "Nothing looks anomalous; the totals are consistent.",
                "Row three stands out with a much lower figure than the others.",
            )
        )
    if kind == "email":
        sender = re.search(r"^From: ([^<\n]+?) <", request, re.MULTILINE)
        name = sender.group(1) if sender else text.person_name(rng)
        subject = re.search(r"^Subject: (.+)$", request, re.MULTILINE)
        return (
            f"Subject: Re: {subject.group(1) if subject else 'your message'}\n\nDear {name},\n\n"
            "Thank you for your message. We have looked into this and will follow up with the "
            "details by the end of the week.\n\nKind regards,\nFinance Operations"
        )
    if kind == "document":
        paragraphs = rng.sample(text.DOC_PARAGRAPHS, 2)
        return "Summary:\n- " + "\n- ".join(text.fill(rng, p).split(". ")[0] for p in paragraphs)
    return text.benign_answer(rng)


def _request_answer(kind: str, rng: random.Random) -> tuple[str, str]:
    request = _user_text(kind, rng)
    return request, _answer_for(kind, rng, request)


def _user_text(kind: str, rng: random.Random) -> str:
    makers: dict[str, Callable[[random.Random], str]] = {
        "question": text.benign_question,
        "code": text.benign_code,
        "table": text.benign_table,
        "email": text.benign_email,
        "document": text.benign_document,
        "security": text.benign_security_question,
    }
    return makers[kind](rng)


def _refusal(rng: random.Random, about_instructions: bool = False) -> str:
    if about_instructions:
        return rng.choice(
            (
                "I can't share my internal instructions, but I'm happy to help with your account.",
                "Sorry, my configuration is confidential. What can I help you with today?",
            )
        )
    return rng.choice(
        (
            "I'm sorry, but I can't help with that request.",
            "I can't do that. I'm here to help with questions about payouts, settlements and "
            "disputes.",
            "That's not something I can assist with. Is there anything else I can help with?",
            "I won't do that, but I'm glad to help with something else.",
        )
    )


def _chat_turns(kind: str, rng: random.Random, n_turns: int) -> tuple[list[_Turn], str]:
    """A multi-turn conversation: earlier user/assistant turns, the last user turn, the answer."""
    turns: list[_Turn] = []
    for i in range(n_turns):
        if i == 0:
            request, answer = _request_answer(kind, rng)
        else:
            request = text.fill(rng, rng.choice(text.FOLLOW_UPS))
            answer = _answer_for("question", rng)
        turns.append(_Turn("user", request))
        if i < n_turns - 1:
            turns.append(_Turn("assistant", answer))
    return turns, answer
