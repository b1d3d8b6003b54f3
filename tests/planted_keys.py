"""Key-shaped strings of every provider format, built at run time (no such literal is
committed): what the redaction tests plant in every input channel."""

from __future__ import annotations

import random
import string

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits


def _fake(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def planted_keys(seed: int = 7) -> dict[str, str]:
    """One key per provider format (name -> key). Shapes follow the providers' documented
    formats, including the ones a narrow pattern misses (no marker, digits anywhere)."""
    rng = random.Random(seed)
    aws_secret = _fake(rng, ALNUM + "/+", 40)
    while not (
        any(c.isupper() for c in aws_secret)
        and any(c.islower() for c in aws_secret)
        and any(c.isdigit() for c in aws_secret)
    ):
        aws_secret = _fake(rng, ALNUM + "/+", 40)
    pem_body = "\n".join(_fake(rng, ALNUM + "+/", 64) for _ in range(4))
    return {
        "openai_project": "sk-" + "proj-" + _fake(rng, ALNUM + "_-", 156),
        "openai_service_account": "sk-" + "svcacct-" + _fake(rng, ALNUM + "_-", 74),
        "openai_admin": "sk-" + "admin-" + _fake(rng, ALNUM + "_-", 74),
        "openai_legacy": "sk-" + _fake(rng, ALNUM, 48),
        "anthropic": "sk-" + "ant-api03-" + _fake(rng, ALNUM + "_-", 93) + "AA",
        "aws_access_key_id": "AK" + "IA" + _fake(rng, UPPER_DIGITS, 16),
        "aws_secret_access_key": aws_secret,
        "azure_ai_services": _fake(rng, ALNUM, 52) + "JQQJ" + "99" + _fake(rng, ALNUM, 26),
        "google_api_key": "AI" + "za" + _fake(rng, ALNUM + "_-", 35),
        "google_service_account_key": "-----BEGIN PRIVATE "
        + "KEY-----\n"
        + pem_body
        + "\n-----END PRIVATE "
        + "KEY-----\n",
        "huggingface": "hf" + "_" + _fake(rng, ALNUM, 34),
        "github_classic": "gh" + "p_" + _fake(rng, ALNUM, 36),
        "github_fine_grained": "github" + "_pat_" + _fake(rng, ALNUM + "_", 82),
    }


def distinctive_parts(key: str) -> list[str]:
    """Substrings of `key` that must not survive anywhere: the key itself, or for a PEM block
    each body line (a stored copy may have its newlines escaped)."""
    if "PRIVATE" in key:
        return [line for line in key.splitlines() if line and not line.startswith("-----")]
    return [key]
