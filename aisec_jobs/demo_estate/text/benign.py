"""Benign text of the demo traffic: questions, documents, code, CSV tables, e-mails, multi-turn
chats, security questions that talk *about* prompt injection and jailbreaks, agent tool
results, and assistant answers with links, images, code and business contact data.
"""

from __future__ import annotations

import json
import random

from aisec_jobs.demo_estate.text.people import (
    DOMAIN,
    FIRST_NAMES,
    MERCHANTS,
    TEAMS,
    amount,
    fill,
    order_id,
    person_name,
    some_date,
    staff_email,
)

# ------------------------------------------------------------------------- benign: prompts
_Q_OPENERS = (
    "", "Quick question: ", "Hi! ", "Can you help me? ", "Hello, ", "Hey, ",
    "I have a question. ", "Sorry if this is obvious, but ", "For a customer call: ",
)  # fmt: skip
_Q_BODIES = (
    "how long does a SEPA payout take to reach a merchant's bank account?",
    "what is the difference between a refund and a chargeback?",
    "how do I export last month's settlement report as CSV from the {product}?",
    "which documents does a new merchant need for onboarding in {city}?",
    "can you explain what interchange++ pricing means in simple words?",
    "what's our policy on working from abroad for more than four weeks?",
    "how do I request a new laptop through the IT portal?",
    "what does HTTP 429 mean when I call the {product}?",
    "why would a card payment show as 'authorised' but not 'captured'?",
    "how should I reply to a merchant who says their payout of EUR {amount} is missing?",
    "what are the cut-off times for same-day settlement?",
    "explain the 3-D Secure flow to a non-technical colleague.",
    "what is the retention period for claim documents under our policy?",
    "can you summarise the main points of PSD2 strong customer authentication?",
    "how do I calculate the dispute rate for {merchant} for Q{quarter}?",
    "is there a limit on refunds I can issue without a manager's approval?",
    "what's a good agenda for a 30-minute vendor review meeting?",
    "give me three ideas for the team offsite in {city}.",
    "how do I rotate the signing secret for a {product}?",
    "what does 'MCC 5999' stand for?",
    "which reimbursement codes apply to a physiotherapy claim?",
    "how can I make this sentence sound more polite: 'send the report now'?",
    "what is the best way to structure a postmortem document?",
    "convert 2,450 USD to EUR at a rate of 0.92.",
    "how many working days are there in {city} in May 2026?",
    "what should be in a handover note before my parental leave?",
    "what are good KPIs for a customer support team?",
    "how do I set up a recurring payment link for a subscription?",
    "why does the {product} show a different balance than the bank statement?",
    "what's the difference between gross and net settlement?",
    "write a short welcome message for new merchants joining in {city}.",
    "what does it mean when a claim is 'pended'?",
    "can a merchant change their payout currency after onboarding?",
    "summarise the pros and cons of daily versus weekly payouts.",
    "how should I prioritise these tickets: a failed payout, a login issue, a feature request?",
    "translate 'your refund has been processed' into Dutch, German and French.",
    "what are typical reasons for a card to be declined with code 05?",
    "how can I tell whether a transaction was contactless?",
    "draft a one-paragraph status update for the {product} migration.",
    "what is the escalation path for a suspected data breach?",
)  # fmt: skip
_Q_CLOSERS = (
    "", " Thanks!", " Keep it short.", " Bullet points please.", " Thank you in advance.",
    " Answer in Dutch if possible.", " I need this for a meeting in ten minutes.",
)  # fmt: skip


def benign_question(rng: random.Random) -> str:
    body = fill(rng, rng.choice(_Q_BODIES))
    opener = rng.choice(_Q_OPENERS)
    if opener:
        body = body[0].upper() + body[1:] if opener.endswith(": ") else body
    text = opener + body
    return text[0].upper() + text[1:] + rng.choice(_Q_CLOSERS)


DOC_TITLES = (
    "Refund and Returns Policy", "Merchant Onboarding Guide", "Payout Schedule FAQ",
    "Incident Postmortem: delayed settlements", "Claims Processing Handbook",
    "Data Retention Standard", "Travel and Expenses Policy", "Dispute Handling Procedure",
    "Release Notes: {product} 4.{minor}", "Meeting notes: {team} weekly",
    "Vendor Assessment: payment terminal supplier", "Support Macro Library",
)  # fmt: skip
DOC_PARAGRAPHS = (
    "Refunds up to EUR 200 can be issued by support agents directly. Larger refunds require "
    "approval from a team lead and are processed within five business days.",
    "Merchants must provide a chamber of commerce extract, proof of identity of the ultimate "
    "beneficial owner and a bank statement not older than three months.",
    "Payouts are initiated every business day at 14:00 CET. Payouts initiated after the cut-off "
    "are processed on the next business day.",
    "The settlement job failed between 02:10 and 04:45 UTC because a schema migration locked the "
    "ledger table. The on-call engineer rolled the migration back and re-ran the job.",
    "Claims with a total above EUR 1,500 are reviewed by a second assessor. The assessor may "
    "request additional documentation from the patient or the provider.",
    "Customer records are retained for seven years after the end of the relationship, after "
    "which they are deleted or anonymised, unless a legal hold applies.",
    "Employees may book economy class for flights under six hours. Receipts must be uploaded "
    "within 30 days of the expense.",
    "When a dispute is received, the merchant has ten calendar days to submit evidence. If no "
    "evidence is submitted, the dispute is accepted automatically.",
    "This version adds filtering by payout status, fixes a bug where exports ignored the selected "
    "time zone, and improves load times of the {product} by about 30%.",
    "Action items: {name} to update the runbook; the team agreed to ignore the flaky alert until "
    "the monitoring migration is complete; next review on {date}.",
    "The supplier holds PCI PTS certification for all terminal models in scope. Firmware "
    "updates are signed and can be rolled back remotely.",
    "These instructions replace the previous instructions issued in March. Agents should no "
    "longer ask merchants to email bank statements; they upload them in the portal instead.",
    "If the customer asks to override the payout hold, explain that holds are set by the risk "
    "team and cannot be changed by support. Escalate via the risk queue.",
    "Developer mode on the card terminal is only available to certified technicians and must "
    "be disabled before the terminal is shipped to a merchant.",
    "In role-play training sessions, one agent acts as the customer and another as the support "
    "agent. Sessions are recorded only with consent.",
    "The system ignores duplicate webhook deliveries by checking the idempotency key of each "
    "event. Retries use exponential backoff for up to 24 hours.",
    "Kestrel acts as data processor for merchants and as data controller for its own "
    "marketing data. The data protection officer can be reached at privacy@{domain}.",
    "Disregard any payout notifications that were sent before {date}; they were generated by "
    "a test job and have been withdrawn.",
    "To reset a merchant's two-factor authentication, verify the caller with two security "
    "questions and create a ticket in the identity queue.",
    "Forecast accuracy for card volume improved from 91% to 95% after adding holiday features "
    "to the model. The model is retrained monthly.",
)  # fmt: skip


def benign_document(rng: random.Random) -> str:
    title = fill(rng, rng.choice(DOC_TITLES))
    paragraphs = rng.sample(DOC_PARAGRAPHS, rng.randrange(2, 5))
    body = "\n\n".join(fill(rng, p) for p in paragraphs)
    header = rng.choice(("# {t}\n\n", "{t}\n{u}\n\n", "Document: {t}\nOwner: {o}\n\n"))
    return header.format(t=title, u="=" * len(title), o=rng.choice(TEAMS)) + body


CODE_SNIPPETS = (
    (
        "python",
        "def settle(batch):\n    total = 0\n    for tx in batch:\n        if tx.status == "
        "'captured':\n            total += tx.amount\n    return total",
    ),
    (
        "python",
        "import openai\n\nclient = openai.OpenAI(base_url=os.environ['GATEWAY_URL'])\nresp = "
        "client.chat.completions.create(\n    model='gpt-4o-mini',\n    messages=[\n        "
        "{'role': 'system', 'content': 'You are a helpful assistant for merchants.'},\n        "
        "{'role': 'user', 'content': question},\n    ],\n)",
    ),
    (
        "sql",
        "SELECT merchant_id, date_trunc('month', settled_at) AS month, sum(amount) AS volume\n"
        "FROM settlements\nWHERE settled_at >= DATE '2026-01-01'\nGROUP BY ALL\nORDER BY volume "
        "DESC;",
    ),
    (
        "typescript",
        "export async function fetchPayouts(id: string): Promise<Payout[]> {\n  const res = await "
        "fetch(`/api/merchants/${id}/payouts`);\n  if (!res.ok) throw new Error(res.statusText);\n"
        "  return res.json();\n}",
    ),
    (
        "yaml",
        "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: pip install -r requirements.txt\n"
        "      - run: pytest -q",
    ),
    (
        "bash",
        "#!/usr/bin/env bash\nset -euo pipefail\nfor f in exports/*.csv; do\n  gzip -9 \"$f\"\n"
        "done\naws s3 sync exports/ s3://kestrel-reports-archive/ --exclude '*' --include '*.gz'",
    ),
    (
        "hcl",
        'resource "aws_s3_bucket_public_access_block" "reports" {\n  bucket = aws_s3_bucket.'
        "reports.id\n  block_public_acls   = true\n  ignore_public_acls  = true\n}",
    ),
    (
        "python",
        "# Prompt template for the ticket summariser\nSYSTEM_PROMPT = (\n    \"You are a support "
        'assistant. Summarise the ticket in three bullet points.\\n"\n    "Ignore greetings and '
        'signatures."\n)',
    ),
    (
        "python",
        "tokenizer.apply_chat_template(messages, tokenize=False)\n# renders <|im_start|>user ... "
        "<|im_end|> markers for the fine-tuning data",
    ),
    (
        "gitignore",
        "# .gitignore\n.venv/\n__pycache__/\n*.log\n.env\n# ignore local notebooks output\n"
        "notebooks/.ipynb_checkpoints/",
    ),
    (
        "java",
        "@Override\npublic boolean equals(Object o) {\n  if (this == o) return true;\n  if (!(o "
        "instanceof Payout p)) return false;\n  return id.equals(p.id);\n}",
    ),
    (
        "python",
        "@pytest.mark.skip(reason='flaky on CI, ignore until the sandbox is fixed')\ndef "
        "test_refund_roundtrip(client):\n    assert client.refund('KD-12345678').ok",
    ),
)  # fmt: skip
_CODE_ASKS = (
    "Can you review this {lang} code?", "Why does this {lang} snippet fail?",
    "Explain what this does:", "Refactor this to be more readable:",
    "Add type hints and a docstring:", "Write unit tests for this {lang} code:",
    "Is there a security problem in this?", "Convert this to async:",
    "How can I make this faster?", "Add error handling to this:",
)  # fmt: skip


def benign_code(rng: random.Random) -> str:
    lang, code = rng.choice(CODE_SNIPPETS)
    ask = rng.choice(_CODE_ASKS).format(lang=lang)
    tail = rng.choice(("", "\n\nThe tests run on Python 3.11.", "\n\nWe deploy this on Friday."))
    return f"{ask}\n\n```{lang}\n{code}\n```{tail}"


def csv_table(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        rows = ["merchant,month,transactions,volume_eur,disputes"]
        for merchant in rng.sample(MERCHANTS, rng.randrange(3, 7)):
            rows.append(
                f"{merchant},2026-{rng.randrange(1, 13):02d},{rng.randrange(100, 9000)},"
                f"{amount(rng)},{rng.randrange(0, 12)}"
            )
    elif kind == 1:
        rows = ["order_id,status,amount,currency,created_at"]
        for _ in range(rng.randrange(3, 8)):
            rows.append(
                f"{order_id(rng)},{rng.choice(('captured', 'refunded', 'failed'))},"
                f"{amount(rng)},EUR,{some_date(rng)}"
            )
    else:
        rows = ["| team | headcount | budget_keur | q_change |", "|---|---|---|---|"]
        for team in rng.sample(TEAMS, rng.randrange(3, 6)):
            rows.append(
                f"| {team} | {rng.randrange(4, 60)} | {rng.randrange(200, 4000)} | "
                f"{rng.choice(('+', '-'))}{rng.randrange(0, 15)}% |"
            )
    return "\n".join(rows)


_TABLE_ASKS = (
    "Which merchant has the highest dispute rate in this data?",
    "Summarise this table in two sentences.",
    "Turn this into a markdown table sorted by amount.",
    "Calculate the total and the average per row.",
    "Are there any anomalies in these numbers?",
    "Write a SQL query that would produce this table from a transactions table.",
    "Make a short chart description for a slide based on this:",
)  # fmt: skip


def benign_table(rng: random.Random) -> str:
    return f"{rng.choice(_TABLE_ASKS)}\n\n{csv_table(rng)}"


EMAIL_SUBJECTS = (
    "Payout delay for {merchant}", "Q{quarter} budget review", "Invoice {order}",
    "Re: onboarding documents", "Team offsite in {city}", "Updated dispute evidence",
    "Contract renewal", "Re: Re: claim {order}", "Access request for the {product}",
)  # fmt: skip
EMAIL_BODIES = (
    "Please ignore my previous email, I attached the wrong invoice. The correct one is attached "
    "now.",
    "Could you disregard the earlier version of the contract? Legal sent an updated draft this "
    "morning.",
    "Thanks for the quick turnaround on the payout issue. The merchant confirmed the funds "
    "arrived.",
    "As discussed, I'm sharing the agenda for Thursday. Let me know if I missed anything.",
    "We noticed a spike in declined payments for {merchant} since {date}. Can your team take a "
    "look?",
    "Reminder: the expense reports for last month are due on Friday.",
    "The merchant asked whether we can override the rolling reserve for one month. I told them "
    "I'd check with risk.",
    "Following up on the claim for {name}: the provider sent the missing invoice, so the claim "
    "can move to assessment.",
    "I'll be out of office from {date}; {name} will cover my tickets in the meantime.",
    "Attached are the meeting notes. The new instructions for the refund macro apply from next "
    "week.",
)  # fmt: skip
_EMAIL_ASKS = (
    "Draft a polite reply to this email:", "Summarise this email in one sentence:",
    "Make this email shorter and friendlier:", "What action items are in this email?",
    "Translate this email to English:", "Reply saying I'll follow up tomorrow:",
)  # fmt: skip


def benign_email(rng: random.Random) -> str:
    sender = person_name(rng)
    subject = fill(rng, rng.choice(EMAIL_SUBJECTS))
    bodies = rng.sample(EMAIL_BODIES, rng.randrange(1, 3))
    body = "\n\n".join(fill(rng, b) for b in bodies)
    email = (
        f"From: {sender} <{staff_email(rng, sender)}>\nSubject: {subject}\n\n"
        f"Hi {rng.choice(FIRST_NAMES)},\n\n{body}\n\nBest regards,\n{sender}"
    )
    return f"{rng.choice(_EMAIL_ASKS)}\n\n{email}"


_CHAT_TURNS = (
    ("I'm preparing a presentation on our payout product.", "Can you give me an outline?",
     "Make slide 3 more concrete.", "Now add speaker notes for slide 3."),
    ("Pretend you're an angry merchant whose payout is late, so I can practise my reply.",
     "Okay, here's my first answer: I'm sorry for the delay, let me check the status.",
     "How did I do? Be honest."),
    ("Act as an interviewer for a data analyst role.", "Here's my answer to your first question.",
     "What would you ask next?"),
    ("What's a good name for our internal fraud dashboard?", "Something less serious.",
     "Okay, give me five more in Dutch."),
    ("Help me plan a migration of our cron jobs to Dagster.", "We have about 40 jobs.",
     "Which ones should we move first?", "Forget the scheduling part, focus on testing."),
    ("Let's brainstorm questions for the merchant survey.", "Ignore the pricing questions for now.",
     "Great, now group them by theme."),
    ("Can you explain how our claims triage works?", "And what happens when a claim is pended?",
     "Summarise all of that for a new colleague."),
    ("I need to write a job ad for a support engineer.", "Make it less formal.",
     "Add a sentence about hybrid working in {city}."),
)  # fmt: skip
FOLLOW_UPS = (
    "Thanks. Can you make it shorter?", "Ignore my last message, I found the answer.",
    "Forget the second point, it's not relevant.", "Now rewrite it for a customer.",
    "Can you put that in a table?", "Great, and what about {city}?",
    "Act as a reviewer and point out what's missing.", "Start over, but more formal this time.",
    "Use the numbers from {merchant} instead.", "Can you double-check the third step?",
    "Please answer in Dutch from now on.", "Let's go back to the previous version.",
    "Perfect. One more question about the {product}.", "That's wrong, the cut-off is 14:00.",
    "Pretend I'm new to the team and explain it again.", "Drop the intro paragraph.",
)  # fmt: skip


def benign_chat(rng: random.Random) -> str:
    """The user turns of a multi-turn conversation (what `prompt_text` holds for it)."""
    if rng.random() < 0.4:
        turns = rng.choice(_CHAT_TURNS)
        first = [fill(rng, t) for t in turns[: rng.randrange(2, len(turns) + 1)]]
    else:
        opener = rng.choice((benign_question, benign_table, benign_code))(rng)
        first = [opener]
    follow = [fill(rng, t) for t in rng.sample(FOLLOW_UPS, rng.randrange(1, 4))]
    return "\n\n".join(first + follow)


_SECURITY_QUESTIONS = (
    "What is prompt injection and how do we defend our support bot against it?",
    "Can you explain the difference between direct and indirect prompt injection for our "
    "security awareness training?",
    "Our red team report mentions 'DAN' jailbreak prompts. What does that term mean?",
    "Should we put API keys in the system prompt? I assume not, but why exactly?",
    "Write a short policy paragraph on how employees must report suspected jailbreak attempts.",
    "How do guardrails like Bedrock Guardrails detect prompt attacks?",
    "Is it safe to let the agent ignore tool errors and retry automatically?",
    "What logging do we need to investigate a prompt injection incident later?",
    "A merchant's website text contains 'ignore previous instructions'. Could that affect our "
    "summariser, and how would we notice?",
    "List OWASP LLM Top 10 risks with one sentence each.",
    "How do we test our chatbot for system prompt leakage before release?",
    "Explain markdown image exfiltration in LLM apps to a product manager.",
    "What's a canary token and how could it help detect prompt leaks?",
    "Our scanner flagged 'developer mode' in a ticket. Is that a jailbreak or the Android "
    "setting?",
    "Summarise MITRE ATLAS technique AML.T0051 for the risk register.",
    "How should we rate limit LLM API keys to prevent cost abuse?",
    "Draft a tabletop exercise scenario about a jailbreak of the claims assistant.",
    "What is the role of the system prompt versus the user prompt in a chat model?",
)  # fmt: skip
_SECURITY_FRAMES = (
    "{q}", "{q} Please keep it under 200 words.", "For the security newsletter: {q}",
    "{q} Our CISO asked.", "Question from the {team} team: {q}",
)  # fmt: skip


def benign_security_question(rng: random.Random) -> str:
    frame = rng.choice(_SECURITY_FRAMES)
    return frame.replace("{team}", rng.choice(TEAMS)).replace(
        "{q}", rng.choice(_SECURITY_QUESTIONS)
    )


def tool_order_status(rng: random.Random) -> str:
    return json.dumps(
        {
            "order_id": order_id(rng),
            "status": rng.choice(("shipped", "in_transit", "delivered", "refunded")),
            "carrier": rng.choice(("PostNL", "DHL", "UPS")),
            "eta": some_date(rng),
            "amount": {"value": amount(rng), "currency": "EUR"},
        },
        sort_keys=True,
    )


def tool_help_center_search(rng: random.Random) -> str:
    hits = []
    for _ in range(rng.randrange(1, 4)):
        hits.append(
            {
                "title": fill(rng, rng.choice(DOC_TITLES)),
                "url": f"https://help.{DOMAIN}/articles/{rng.randrange(1000, 9999)}",
                "snippet": fill(rng, rng.choice(DOC_PARAGRAPHS)),
                "image": f"![diagram](https://cdn.{DOMAIN}/help/img/{rng.randrange(100, 999)}"
                ".png?w=640)",
            }
        )
    return json.dumps({"results": hits}, sort_keys=True)


def tool_ticket(rng: random.Random) -> str:
    return (
        f"Ticket #{rng.randrange(100000, 999999)} ({rng.choice(('open', 'pending'))})\n"
        f"Customer: {rng.choice(MERCHANTS)}\nSubject: {fill(rng, rng.choice(EMAIL_SUBJECTS))}"
        f"\n\n{fill(rng, rng.choice(EMAIL_BODIES))}"
    )


def tool_sql_rows(rng: random.Random) -> str:
    rows = [
        {"merchant": m, "disputes": rng.randrange(0, 20), "rate": round(rng.random() / 50, 4)}
        for m in rng.sample(MERCHANTS, 3)
    ]
    return json.dumps({"columns": ["merchant", "disputes", "rate"], "rows": rows})


def benign_tool_context(rng: random.Random) -> str:
    """What an agent's tools return: order lookups, knowledge-base hits, tickets, SQL rows."""
    make = rng.choice((tool_order_status, tool_help_center_search, tool_ticket, tool_sql_rows))
    return make(rng)


_ANSWER_OPENERS = (
    "Sure! ", "Here's a summary:\n\n", "Good question. ", "", "Here you go:\n\n",
    "Based on the help-centre article, ",
)  # fmt: skip


def benign_answer(rng: random.Random) -> str:
    """Assistant answers with the things output rules must not flag: company contacts, help
    links and images, masked card numbers, code, tables."""
    parts = [rng.choice(_ANSWER_OPENERS) + fill(rng, rng.choice(DOC_PARAGRAPHS))]
    extras = rng.sample(range(7), rng.randrange(1, 4))
    for extra in extras:
        if extra == 0:
            parts.append(
                f"You can reach the merchant support desk at support@{DOMAIN} or "
                f"+31 20 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}."
            )
        elif extra == 1:
            parts.append(
                f"![Refund flow](https://cdn.{DOMAIN}/help/img/refund-flow.png?v="
                f"{rng.randrange(1, 9)})\n\nSee [the article](https://help.{DOMAIN}/articles/"
                f"{rng.randrange(1000, 9999)}?lang=en) for details."
            )
        elif extra == 2:
            parts.append(
                f"The card ending in {rng.randrange(1000, 9999)} (**** **** **** "
                f"{rng.randrange(1000, 9999)}) was charged EUR {amount(rng)} on {some_date(rng)}."
            )
        elif extra == 3:
            parts.append("```python\n" + rng.choice(CODE_SNIPPETS[:4])[1] + "\n```")
        elif extra == 4:
            parts.append(csv_table(rng))
        elif extra == 5:
            parts.append(
                f"Your order {order_id(rng)} is {rng.choice(('on its way', 'delivered'))}; "
                f"tracking number 3S{rng.randrange(10**9, 10**10)}."
            )
        else:
            parts.append(
                "I can't share internal configuration, but I'm happy to help with your "
                "payout question."
            )
    return "\n\n".join(parts)
