"""More benign real text from Debian 12 packages (`DEBIAN_MORE_PACKAGES`, fetched like
`debian.py` does): prose in ten languages, mailing-list e-mails and business documents
(policies, legal terms), the benign kinds real LLM traffic is full of that the first Debian
sources lack.

- `debian_multilingual_docs`: passages (consecutive paragraphs of prose, no command blocks) of
  the Debian installation guide (installation-guide-amd64) in de, fr, es, it, pt, ru, el, ja,
  zh_CN and ko, 30 per language; a passage is kept only when it is written in its language
  (untranslated English paragraphs are dropped), as user prompts.
- `debian_hyperkitty_mails`: the mailing-list e-mails (Fedora lists, 2012) that HyperKitty
  ships as test data (python3-django-hyperkitty), headers and text parts, as retrieved
  documents. Stubs (bodies under 120 characters) are dropped.
- `debian_gnus_tutorial_mails`: the messages of Gnus' tutorial mailbox (emacs-common,
  `etc/gnus-tut.txt`), as retrieved documents.
- `debian_bounce_mails`: the delivery-status notices (bounces, real ones from 2001 lists) that
  flufl.bounce ships as test data (python3-flufl.bounce), with the bounced text, as retrieved
  documents.
- `debian_project_policies`: passages of the Debian Constitution, Social Contract, Manifesto,
  mailing-list rules and bug-reporting procedure (doc-debian): an organisation's bylaws and
  policies, as retrieved documents.
- `debian_licence_texts`: passages of the licences in `/usr/share/common-licenses`
  (base-files): legal terms, as retrieved documents.

Not found as real text in Debian 12: business letters, invoices, reports or meeting minutes
(office packages ship only templates with placeholders).

Deterministic: files are read in sorted order, sampling uses a seeded stream per source (per
language for the multilingual one).
"""

from __future__ import annotations

import email
import email.header
import email.message
import email.policy
import gzip
import html
import itertools
import re
from collections.abc import Callable
from pathlib import Path

from aisec_lab.corpora.debian import MAX_PER_SOURCE, _cut, _files, fetch_deb
from aisec_lab.corpora.items import (
    DEFAULT_SEED,
    CorpusItem,
    CorpusUnavailable,
    _benign,
    _seeded,
    assign_splits,
)

DEBIAN_MORE_PACKAGES: dict[str, str] = {
    "installation-guide-amd64": "20230508+deb12u1",
    "python3-django-hyperkitty": "1.3.7-1",
    "emacs-common": "1:28.2+1-15+deb12u4",
    "python3-flufl.bounce": "4.0-3",
    "doc-debian": "11.3+nmu1",
    "base-files": "12.4+deb12u15",
}
PASSAGE_MAX = 1500

# ------------------------------------------------------------------ multilingual prose
# Directory of the installation guide -> how to tell a passage is in that language: a script
# (share of its letters among all letters) or a handful of the language's commonest words
# (must outnumber English ones, so an untranslated paragraph is dropped).
_SCRIPTS: dict[str, str] = {
    "ru": "\u0400-\u04ff",  # Cyrillic
    "el": "\u0370-\u03ff\u1f00-\u1fff",  # Greek
    "ja": "\u3040-\u30ff",  # Hiragana and Katakana: Japanese, not Chinese
    "zh_CN": "\u4e00-\u9fff",  # CJK ideographs
    "ko": "\uac00-\ud7af",  # Hangul
}


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words("the and is of to you for that with this are be on it"),
    "de": _words("der die und ist nicht mit sie werden auf eine den das für wird"),
    "fr": _words("le la les et des est une pour vous dans sur pas qui que"),
    "es": _words("el la los las y que es para una con por del se"),
    "it": _words("il la di che è per una sono non con del della si le"),
    "pt": _words("o os que é para um uma com não do da se no em"),
}
MULTILINGUAL_LANGUAGES: tuple[str, ...] = (
    "de", "fr", "es", "it", "pt", "ru", "el", "ja", "zh_CN", "ko",
)  # fmt: skip
# Minimum passage length in characters: ideographic text says more per character.
_MIN_CHARS: dict[str, int] = {"ja": 120, "zh_CN": 120, "ko": 200}
_WORD = re.compile(r"[^\W\d_]+")


def in_language(text: str, language: str) -> bool:
    """Whether `text` is written in `language` (a key of `_SCRIPTS` or `_FUNCTION_WORDS`)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    if language in _SCRIPTS:
        script = re.compile(f"[{_SCRIPTS[language]}]")
        share = sum(1 for c in letters if script.match(c)) / len(letters)
        # Japanese mixes kana with ideographs: a fifth of kana already says Japanese.
        return share >= (0.2 if language == "ja" else 0.5)
    words = [w.lower() for w in _WORD.findall(text)]
    own = sum(1 for w in words if w in _FUNCTION_WORDS[language])
    english = sum(1 for w in words if w in _FUNCTION_WORDS["en"])
    return own >= 3 and own > 2 * english


def _inline_text(fragment: str) -> str:
    # Inline tags (code, links, emphasis) sit inside words' spacing: drop them, keep breaks.
    fragment = re.sub(r"(?i)<br\b[^>]*>", " ", fragment)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def html_prose_paragraphs(page: str) -> list[str]:
    """The `<p>` paragraphs of a DocBook HTML page as plain text, navigation, head and
    preformatted (command) blocks removed."""
    page = re.sub(r"(?is)<(head|script|style|pre)\b.*?</\1>", " ", page)
    page = re.sub(r'(?is)<div class="nav(?:header|footer)">.*?</div>', " ", page)
    paragraphs = (_inline_text(p) for p in re.findall(r"(?is)<p\b[^>]*>(.*?)</p>", page))
    return [p for p in paragraphs if p]


def passages(paragraphs: list[str], min_chars: int, max_chars: int = PASSAGE_MAX) -> list[str]:
    """Consecutive paragraphs joined until a passage holds `min_chars` (cut at `max_chars`);
    a short tail is dropped."""
    out: list[str] = []
    chunk: list[str] = []
    for paragraph in paragraphs:
        chunk.append(paragraph)
        if sum(len(c) for c in chunk) >= min_chars:
            out.append(_cut("\n\n".join(chunk), max_chars))
            chunk = []
    return out


def install_guide_passages(root: Path) -> dict[str, list[str]]:
    """Language -> its passages of prose, in file order (pages sorted by name)."""
    base = root / "usr/share/doc/installation-guide-amd64"
    found: dict[str, list[str]] = {}
    for language in MULTILINGUAL_LANGUAGES:
        kept: list[str] = []
        for path in _files(base / language, "*.html", f"{language} guide pages"):
            paragraphs = html_prose_paragraphs(path.read_text(encoding="utf-8", errors="replace"))
            for passage in passages(paragraphs, _MIN_CHARS.get(language, 300)):
                if in_language(passage, language):
                    kept.append(passage)
        if not kept:
            raise CorpusUnavailable(f"{base / language}: no passage in {language}")
        found[language] = kept
    return found


def multilingual_samples(root: Path, seed: int = DEFAULT_SEED) -> list[tuple[str, str]]:
    """(language, passage): an equal seeded sample per language, `MAX_PER_SOURCE` in all."""
    per_language = MAX_PER_SOURCE // len(MULTILINGUAL_LANGUAGES)
    picked: list[tuple[str, str]] = []
    for language, found in install_guide_passages(root).items():
        rng = _seeded(seed, f"debian_multilingual_docs/{language}")
        unique = list(dict.fromkeys(found))
        picked += [(language, t) for t in rng.sample(unique, min(per_language, len(unique)))]
    return picked


def multilingual_corpora(root: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    return [
        _benign(text, "debian_multilingual_docs", "prompt_text")
        for _, text in multilingual_samples(root, seed)
    ]


# ------------------------------------------------------------------ e-mails
_MBOX_FROM = re.compile(r"^From \S.*\d{4}\s*$", re.MULTILINE)  # "From sender date" separator
_MAIL_HEADERS = ("From", "To", "Cc", "Date", "Subject")
MIN_MAIL_BODY = 120


def split_mbox(text: str) -> list[str]:
    """The messages of an mbox (or of a single RFC 822 message without a From_ line)."""
    starts = [m.start() for m in _MBOX_FROM.finditer(text)]
    if not starts or (starts[0] != 0 and text[: starts[0]].strip()):
        starts = [0, *starts]
    bounds = [*starts, len(text)]
    out = []
    for start, end in itertools.pairwise(bounds):
        message = text[start:end]
        first_line_end = message.find("\n") + 1
        out.append(message[first_line_end:] if _MBOX_FROM.match(message) else message)
    return [m for m in out if m.strip()]


def _header(message: email.message.Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return re.sub(r"\s+", " ", str(email.header.make_header(email.header.decode_header(value))))
    except (ValueError, LookupError, UnicodeError):
        return re.sub(r"\s+", " ", str(value))


def _part_text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        text = payload.decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        text = re.sub(r"(?is)<(head|script|style)\b.*?</\1>", " ", text)
        text = re.sub(r"(?i)<(?:br|/p|/div|/li|/tr)\b[^>]*>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return text.strip()


def mail_text(raw: str) -> tuple[str, str]:
    """(the mail as a reader sees it: its main headers and its text parts; the body alone).
    Text parts of attached messages (a bounce's returned mail) are included; HTML is used
    only where a message has no plain-text part."""
    message = email.message_from_string(raw, policy=email.policy.compat32)
    head = [f"{name}: {v}" for name in _MAIL_HEADERS if (v := _header(message, name))]
    parts = [p for p in message.walk() if p.get_content_maintype() == "text"]
    plain = [p for p in parts if p.get_content_type() == "text/plain"]
    chosen = plain or [p for p in parts if p.get_content_type() == "text/html"]
    texts = [t for p in chosen if (t := _part_text(p))]
    body = re.sub(r"\n{3,}", "\n\n", "\n\n".join(texts)).strip()
    return "\n".join(head) + "\n\n" + body, body


def mails_in(
    paths: list[Path], source: str, clean: Callable[[str], str] = lambda text: text
) -> list[CorpusItem]:
    """Every message of the mbox/RFC 822 files `paths` (each file's text through `clean`)
    whose body has MIN_MAIL_BODY characters, rendered by `mail_text`, as retrieved documents
    (`MAX_PER_SOURCE` at most, the first in file order)."""
    items: list[CorpusItem] = []
    for path in paths:
        for raw in split_mbox(clean(path.read_text(encoding="utf-8", errors="replace"))):
            text, body = mail_text(raw)
            if len(body) >= MIN_MAIL_BODY:
                items.append(_benign(_cut(text), source, "retrieved_context"))
    return items[:MAX_PER_SOURCE]


def hyperkitty_mail_corpora(root: Path) -> list[CorpusItem]:
    base = root / "usr/lib/python3/dist-packages/hyperkitty/tests/testdata"
    return mails_in(_files(base, "*.txt", "HyperKitty test mails"), "debian_hyperkitty_mails")


def gnus_tutorial_corpora(root: Path) -> list[CorpusItem]:
    paths = _files(root / "usr/share/emacs", "*/etc/gnus-tut.txt", "Gnus tutorial mailbox")
    # The file carries Emacs' copyright notice as ";;" comment lines inside its first message.
    return mails_in(
        paths, "debian_gnus_tutorial_mails", lambda text: re.sub(r"(?m)^;;.*\n?", "", text)
    )


def bounce_mail_corpora(root: Path) -> list[CorpusItem]:
    base = root / "usr/lib/python3/dist-packages/flufl/bounce/tests/data"
    return mails_in(_files(base, "*.txt", "flufl.bounce test bounces"), "debian_bounce_mails")


# ------------------------------------------------------------------ business documents
_POLICY_FILES = (
    "constitution.txt.gz",
    "social-contract.txt.gz",
    "debian-manifesto.gz",
    "mailing-lists.txt.gz",
    "bug-reporting.txt.gz",
)


def plain_paragraphs(text: str) -> list[str]:
    """Paragraphs (blank-line separated) of a plain-text document, each line's indentation
    and the paragraph's line breaks kept (lists and clauses read as written)."""
    paragraphs = (p.strip("\n") for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")))
    return [p for p in (q.rstrip() for q in paragraphs) if p.strip()]


def _read_maybe_gzip(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def policy_corpora(root: Path) -> list[CorpusItem]:
    """Passages (300-1500 characters) of the Debian Project's constitution and policies."""
    base = root / "usr/share/doc/debian"
    items: list[CorpusItem] = []
    for name in _POLICY_FILES:
        path = base / name
        if not path.is_file():
            raise CorpusUnavailable(f"{path}: missing")
        for passage in passages(plain_paragraphs(_read_maybe_gzip(path)), 300):
            items.append(_benign(passage, "debian_project_policies", "retrieved_context"))
    return items[:MAX_PER_SOURCE]


def licence_corpora(root: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """Passages (300-1500 characters) of the licence texts in common-licenses (symlinks to
    the same text skipped), a seeded sample of `MAX_PER_SOURCE`."""
    paths = [
        p
        for p in _files(root / "usr/share/common-licenses", "*", "licence texts")
        if p.is_file() and not p.is_symlink()
    ]
    found = [
        passage
        for path in paths
        for passage in passages(plain_paragraphs(_read_maybe_gzip(path)), 300)
    ]
    unique = list(dict.fromkeys(found))
    rng = _seeded(seed, "debian_licence_texts")
    picked = rng.sample(unique, min(MAX_PER_SOURCE, len(unique)))
    return [_benign(t, "debian_licence_texts", "retrieved_context") for t in picked]


def debian_more_corpora(
    cache_dir: Path | None = None, seed: int = DEFAULT_SEED
) -> list[CorpusItem]:
    """Every source of this module (module docstring)."""
    roots = {p: fetch_deb(p, v, cache_dir) for p, v in DEBIAN_MORE_PACKAGES.items()}
    items = (
        multilingual_corpora(roots["installation-guide-amd64"], seed)
        + hyperkitty_mail_corpora(roots["python3-django-hyperkitty"])
        + gnus_tutorial_corpora(roots["emacs-common"])
        + bounce_mail_corpora(roots["python3-flufl.bounce"])
        + policy_corpora(roots["doc-debian"])
        + licence_corpora(roots["base-files"], seed)
    )
    return assign_splits(list({(i["source"], i["text"]): i for i in items}.values()))
