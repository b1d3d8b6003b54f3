"""The demo company's vocabulary: Kestrel Dynamics' staff names and e-mail addresses, merchants,
products, cities, teams, order ids, amounts, dates, and `fill(rng, template)` for templates
that name them.
"""

from __future__ import annotations

import random

# ------------------------------------------------------------------------ shared vocabulary
COMPANY = "Kestrel Dynamics"
DOMAIN = "kestrel-dynamics.example"
FIRST_NAMES = (
    "Anna", "Bram", "Chloe", "Daan", "Elif", "Femke", "Gustavo", "Hana", "Ines", "Jonas",
    "Karim", "Lotte", "Mei", "Nils", "Olga", "Pieter", "Quentin", "Rosa", "Sven", "Tariq",
    "Uma", "Vera", "Wout", "Yara", "Zeynep", "Marco", "Sofia", "Lars", "Aisha", "Ruben",
)  # fmt: skip
LAST_NAMES = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos",
    "Peters", "Hendriks", "Dekker", "Brouwer", "Okafor", "Novak", "Rossi", "Schmidt",
    "Nakamura", "Silva", "Kowalski", "Lindqvist", "Haddad", "O'Neill", "Moreau", "Fischer",
)  # fmt: skip
MERCHANTS = (
    "Tulip & Thread", "Noordzee Bikes", "Café Morgenrood", "Gridline Hardware", "Vela Optics",
    "Bloom Pharmacy", "Harbor Books", "Pixel Loft", "Amstel Outdoor", "Lumen Dental Clinic",
)  # fmt: skip
PRODUCTS = (
    "merchant dashboard", "settlement report", "card terminal", "payment link",
    "dispute portal", "payout schedule", "claims portal", "refund API", "webhook endpoint",
    "fraud score", "chargeback workflow", "onboarding checklist",
)  # fmt: skip
CITIES = ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Antwerp", "Berlin", "Lisbon")
TEAMS = (
    "ML Platform", "Customer Experience", "Risk & Fraud Analytics", "Clinical AI",
    "Applied Research", "Finance Operations", "Legal", "Security Operations",
)  # fmt: skip


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def staff_email(rng: random.Random, name: str | None = None) -> str:
    first, last = (name or person_name(rng)).split(" ", 1)
    return f"{first.lower()}.{last.lower().replace(' ', '').replace(chr(39), '')}@{DOMAIN}"


def order_id(rng: random.Random) -> str:
    return f"KD-{rng.randrange(10**7, 10**8)}"


def amount(rng: random.Random) -> str:
    return f"{rng.randrange(5, 4000)}.{rng.randrange(100):02d}"


def some_date(rng: random.Random) -> str:
    return f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def fill(rng: random.Random, template: str) -> str:
    return template.format(
        product=rng.choice(PRODUCTS),
        city=rng.choice(CITIES),
        amount=amount(rng),
        merchant=rng.choice(MERCHANTS),
        quarter=rng.randrange(1, 5),
        name=person_name(rng),
        order=order_id(rng),
        date=some_date(rng),
        team=rng.choice(TEAMS),
        minor=rng.randrange(1, 12),
        domain=DOMAIN,
    )
