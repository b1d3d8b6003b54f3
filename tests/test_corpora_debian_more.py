"""The Debian corpora added for breadth (multilingual prose, e-mails, business documents):
parsing and cleaning on fixtures written here, and `fetch_deb`'s fallback to the mirror's
version with fake `apt-get`, `apt-cache` and `dpkg-deb` on PATH. No network."""

from __future__ import annotations

import gzip
import logging
import os
import stat
from pathlib import Path

import pytest

from aisec_lab.corpora import CorpusUnavailable
from aisec_lab.corpora.debian import choose_fallback, fetch_deb, fetched_versions, parse_candidate
from aisec_lab.corpora.debian_more import (
    MAX_PER_SOURCE,
    MULTILINGUAL_LANGUAGES,
    html_prose_paragraphs,
    in_language,
    install_guide_passages,
    licence_corpora,
    mail_text,
    mails_in,
    multilingual_samples,
    passages,
    plain_paragraphs,
    policy_corpora,
    split_mbox,
)

# ------------------------------------------------------------------ fetch_deb's fallback
_POLICY = """{pkg}:
  Installed: (none)
  Candidate: {candidate}
  Version table:
"""


def _fake_tools(tmp_path: Path, package: str, available: str, candidate: str) -> Path:
    """apt-get that downloads only `package=available`, apt-cache that reports `candidate`,
    dpkg-deb that "unpacks" by copying the file; their calls are logged."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    scripts = {
        "apt-get": f"""#!/bin/sh
echo "apt-get $*" >> {log}
if [ "$3" = "{package}={available}" ]; then
  echo "deb of $3" > "{package}_{available}_all.deb"; exit 0
fi
echo "E: Version '${{3#*=}}' for '{package}' was not found" >&2; exit 100
""",
        "apt-cache": f"""#!/bin/sh
echo "apt-cache $*" >> {log}
printf '%s' '{_POLICY.format(pkg=package, candidate=candidate)}'
""",
        "dpkg-deb": """#!/bin/sh
mkdir -p "$3" && cp "$2" "$3/payload"
""",
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(body, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return log


def test_choose_fallback_and_parse_candidate() -> None:
    assert choose_fallback("1.0", "2.0") == "2.0"
    assert choose_fallback("1.0", "1.0") is None
    assert choose_fallback("1.0", None) is None
    assert (
        parse_candidate(_POLICY.format(pkg="p", candidate="1:2.3-4+deb12u5")) == "1:2.3-4+deb12u5"
    )
    assert parse_candidate(_POLICY.format(pkg="p", candidate="(none)")) is None
    assert parse_candidate("") is None


def test_fetch_deb_uses_the_pin_when_the_mirror_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _fake_tools(tmp_path, "pinned-pkg", "1.0", "1.0")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    root = fetch_deb("pinned-pkg", "1.0", tmp_path / "cache")
    assert (root / "payload").read_text() == "deb of pinned-pkg=1.0\n"
    assert fetched_versions()["pinned-pkg"] == "1.0"
    assert "apt-cache" not in log.read_text()  # the mirror is asked only when the pin fails


def test_fetch_deb_falls_back_to_the_mirrors_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _fake_tools(tmp_path, "moved-pkg", "2.0", "2.0")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with caplog.at_level(logging.WARNING, logger="aisec_lab.corpora.debian"):
        root = fetch_deb("moved-pkg", "1.0", tmp_path / "cache")
    assert root == tmp_path / "cache/debian/moved-pkg_2.0/root"
    assert (root / "payload").read_text() == "deb of moved-pkg=2.0\n"
    assert fetched_versions()["moved-pkg"] == "2.0"
    assert "moved-pkg=1.0" in caplog.text and "moved-pkg=2.0" in caplog.text


def test_fetch_deb_raises_when_nothing_else_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_tools(tmp_path, "gone-pkg", "9.9", "1.0")  # the candidate is the pin: no fallback
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(CorpusUnavailable, match=r"gone-pkg=1\.0"):
        fetch_deb("gone-pkg", "1.0", tmp_path / "cache")
    assert "gone-pkg" not in fetched_versions()


def test_fetch_deb_names_both_versions_when_the_fallback_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_tools(tmp_path, "broken-pkg", "9.9", "2.0")  # the mirror names 2.0 but has none
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(CorpusUnavailable, match=r"broken-pkg=1\.0.*broken-pkg=2\.0"):
        fetch_deb("broken-pkg", "1.0", tmp_path / "cache")


# ------------------------------------------------------------------ multilingual prose
_PAGE = """<html><head><title>Seite</title></head><body>
<div class="navheader"><table><tr><th>1.1. Navigation oben</th></tr></table><hr></div>
<div class="sect1"><h2 class="title">1.1. Was ist das?</h2>
<p>Das ist der erste Absatz. Er nennt die Datei <code class="filename">/etc/fstab</code>,
und er ist auf Deutsch geschrieben, damit die Leute ihn lesen k&ouml;nnen.</p>
<pre class="screen"># mount /dev/sda1 /mnt</pre>
<p>Der zweite Absatz.<br>Mit einem Umbruch.</p>
</div>
<div class="navfooter"><hr><table><tr><td>Zur&uuml;ck</td></tr></table></div>
</body></html>"""


def test_html_prose_paragraphs_drops_navigation_and_commands() -> None:
    assert html_prose_paragraphs(_PAGE) == [
        "Das ist der erste Absatz. Er nennt die Datei /etc/fstab, und er ist auf Deutsch "
        "geschrieben, damit die Leute ihn lesen können.",
        "Der zweite Absatz. Mit einem Umbruch.",
    ]


def test_passages_join_paragraphs_to_the_minimum_and_drop_a_short_tail() -> None:
    paragraphs = ["a" * 100, "b" * 150, "c" * 200, "d" * 50]
    assert passages(paragraphs, 200) == ["a" * 100 + "\n\n" + "b" * 150, "c" * 200]
    long = passages(["x " * 1000], 100, max_chars=300)
    assert len(long) == 1 and len(long[0]) <= 300


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "Die Partition wird nicht formatiert, wenn Sie das nicht wollen und sie auf der "
            "Liste steht.",
            "de",
            True,
        ),
        (
            "The partition is not formatted if you do not want it to be, and it is on the list.",
            "de",
            False,
        ),
        (
            "La partition n'est pas formatée si vous ne le voulez pas, et elle est dans la liste.",
            "fr",
            True,
        ),
        ("Раздел не будет отформатирован, если вы этого не хотите.", "ru", True),
        ("The partition is not formatted (раздел).", "ru", False),
        ("パーティションはフォーマットされません。", "ja", True),
        ("分区不会被格式化，除非您选择这样做。", "zh_CN", True),
        ("分区不会被格式化，除非您选择这样做。", "ja", False),
        ("원하지 않으면 파티션은 포맷되지 않습니다.", "ko", True),
        ("Το διαμέρισμα δεν θα μορφοποιηθεί.", "el", True),
        ("12345 -- 678", "de", False),
    ],
)
def test_in_language(text: str, language: str, expected: bool) -> None:
    assert in_language(text, language) is expected


# One sentence per language, written here; the fake guide repeats it with a number.
_SENTENCES: dict[str, str] = {
    "de": "Dies ist der Absatz {n} der Anleitung, und er wird nicht für die Installation benötigt.",
    "fr": "Ceci est le paragraphe {n} du guide, et il est utile pour vous et pour la suite.",
    "es": "Este es el párrafo {n} de la guía, y es para los que leen con una taza de café.",
    "it": "Questo è il paragrafo {n} della guida, che non è per chi ha fretta di finire.",
    "pt": "Este é o parágrafo {n} do guia, que não é para quem tem pressa com a instalação.",
    "ru": "Это абзац {n} руководства, и он нужен для установки системы на компьютер.",
    "el": "Αυτή είναι η παράγραφος {n} του οδηγού και χρειάζεται για την εγκατάσταση.",
    "ja": "これはガイドの段落 {n} です。インストールの前に読んでください。",
    "zh_CN": "这是指南的第 {n} 段，请在安装之前阅读它并检查您的硬件。",
    "ko": "이것은 안내서의 {n}번째 단락입니다. 설치하기 전에 읽어 주십시오.",
}


def _fake_guide(root: Path, paragraphs_per_language: int) -> None:
    for language in MULTILINGUAL_LANGUAGES:
        base = root / "usr/share/doc/installation-guide-amd64" / language
        base.mkdir(parents=True)
        body = "".join(
            f"<p>{_SENTENCES[language].format(n=n)}</p>\n" for n in range(paragraphs_per_language)
        )
        (base / "ch01.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
        # An untranslated page: English text must not count as this language.
        english = "".join(
            f"<p>This is paragraph {n} of the guide and it is not translated yet.</p>"
            for n in range(40)
        )
        (base / "ch02.html").write_text(f"<html><body>{english}</body></html>", encoding="utf-8")


def test_multilingual_samples_are_balanced_in_language_and_seeded(tmp_path: Path) -> None:
    _fake_guide(tmp_path, 400)
    found = install_guide_passages(tmp_path)
    assert set(found) == set(MULTILINGUAL_LANGUAGES)
    assert all("This is paragraph" not in p for texts in found.values() for p in texts)
    picked = multilingual_samples(tmp_path, seed=7)
    per_language = MAX_PER_SOURCE // len(MULTILINGUAL_LANGUAGES)
    assert len(picked) == MAX_PER_SOURCE
    assert {lang for lang, _ in picked} == set(MULTILINGUAL_LANGUAGES)
    assert all(sum(1 for lang, _ in picked if lang == want) == per_language
               for want in MULTILINGUAL_LANGUAGES)  # fmt: skip
    assert all(in_language(text, lang) for lang, text in picked)
    assert multilingual_samples(tmp_path, seed=7) == picked
    assert multilingual_samples(tmp_path, seed=8) != picked


def test_install_guide_passages_raise_when_a_language_has_no_prose(tmp_path: Path) -> None:
    _fake_guide(tmp_path, 0)
    with pytest.raises(CorpusUnavailable, match="no passage in de"):
        install_guide_passages(tmp_path)


# ------------------------------------------------------------------ e-mails
_MBOX = """From alice at example.org  Tue Jul 10 11:29:44 2012
From: alice at example.org (=?ISO-8859-1?Q?Al=EDce?=)
Date: Tue, 10 Jul 2012 13:29:44 +0200
Subject: [list] Build macros
Message-ID: <one@example.org>

Hi,

should the build macros live in the main package or in the -devel subpackage? We
keep them in -devel for now, because only builds need them. Any opinions?

Alice

From bob at example.org  Tue Jul 10 12:11:53 2012
From: bob at example.org (Bob)
Date: Tue, 10 Jul 2012 14:11:53 +0200
Subject: Re: [list] Build macros
In-Reply-To: <one@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

> should the build macros live in the main package?
From the packager's side, the main package is simpler: fewer dependencies =
for arch-independent builds, and nobody has to remember the subpackage.
--XX
Content-Type: text/html; charset=utf-8

<p>HTML twin that must not be repeated</p>
--XX--

From carol at example.org  Tue Jul 10 12:30:00 2012
From: carol at example.org
Subject: +1

+1
"""


def test_split_mbox_and_mail_text() -> None:
    messages = split_mbox(_MBOX)
    assert len(messages) == 3
    assert not messages[0].startswith("From alice")  # the From_ separator is not a header
    text, body = mail_text(messages[0])
    assert text.startswith("From: alice at example.org (Alíce)\nDate: Tue, 10 Jul 2012")
    assert "Subject: [list] Build macros\n\nHi," in text
    assert body.endswith("Alice")
    reply, reply_body = mail_text(messages[1])
    assert "fewer dependencies for arch-independent builds" in reply_body  # QP decoded
    assert "HTML twin" not in reply  # a plain part exists: the HTML one is not used
    assert "From the packager's side" in reply_body  # a body line starting "From " stays


def test_mail_text_reads_html_only_and_attached_messages() -> None:
    bounce = """From: MAILER-DAEMON@example.net
To: list-bounces@example.org
Subject: Undelivered Mail
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered to one recipient.
--B
Content-Type: message/rfc822

From: someone@example.org
Subject: The original

The original text of the bounced message.
--B--
"""
    _, body = mail_text(bounce)
    assert "could not be delivered" in body and "original text of the bounced" in body
    html_only = (
        "From: a@example.org\nSubject: Hi\nContent-Type: text/html\n\n"
        "<html><head><style>p {}</style></head><p>Hello &amp; welcome</p></html>"
    )
    assert mail_text(html_only)[1] == "Hello & welcome"


def test_mails_in_keeps_messages_with_a_body(tmp_path: Path) -> None:
    path = tmp_path / "list.mbox"
    path.write_text(_MBOX, encoding="utf-8")
    items = mails_in([path], "test_mails")
    assert len(items) == 2  # carol's "+1" is a stub
    assert {i["source"] for i in items} == {"test_mails"}
    assert {i["field"] for i in items} == {"retrieved_context"}
    assert all(i["label"] == "benign" for i in items)
    cleaned = mails_in([path], "test_mails", lambda text: text.replace("Any opinions?", ""))
    assert "Any opinions?" not in cleaned[0]["text"]


# ------------------------------------------------------------------ business documents
_CONSTITUTION = """                   Constitution of a Test Club (v1.0)

1. Introduction

   The Test Club is an association of individuals who have made common
   cause to maintain a garden. This document describes the organisational
   structure for formal decision-making in the Club.

2. Members

    1. A member may make any decision with regard to their own plot.
    2. A member may propose a general resolution, which the members vote on
       at the next meeting; a resolution passes with a simple majority of
       the votes cast, unless this constitution says otherwise.

3. Treasurer

   The treasurer keeps the accounts and reports them at each annual meeting.
"""


def test_plain_paragraphs_keep_clauses_as_written() -> None:
    paragraphs = plain_paragraphs(_CONSTITUTION)
    assert paragraphs[1] == "1. Introduction"
    assert paragraphs[4].startswith("    1. A member may make")
    assert "\n    2. A member may propose" in paragraphs[4]


def test_policy_corpora_reads_gzipped_policies(tmp_path: Path) -> None:
    base = tmp_path / "usr/share/doc/debian"
    base.mkdir(parents=True)
    names = [
        "constitution.txt.gz", "social-contract.txt.gz", "debian-manifesto.gz",
        "mailing-lists.txt.gz", "bug-reporting.txt.gz",
    ]  # fmt: skip
    for name in names:
        (base / name).write_bytes(gzip.compress(_CONSTITUTION.encode("utf-8")))
    items = policy_corpora(tmp_path)
    assert items and all(300 <= len(i["text"]) <= 1500 for i in items)
    assert {i["source"] for i in items} == {"debian_project_policies"}
    assert "treasurer keeps the accounts" not in items[0]["text"]  # passages, not whole files
    (base / "bug-reporting.txt.gz").unlink()
    with pytest.raises(CorpusUnavailable, match="bug-reporting"):
        policy_corpora(tmp_path)


def test_licence_corpora_skip_symlinks_and_are_seeded(tmp_path: Path) -> None:
    base = tmp_path / "usr/share/common-licenses"
    base.mkdir(parents=True)
    for n in range(3):
        clauses = "\n\n".join(
            f"{k}. Licensee {n} may copy the Work under clause {k}, provided that the notice "
            f"of clause {k} is kept intact in every copy distributed to a third party."
            for k in range(40)
        )
        (base / f"LIC-{n}").write_text(clauses, encoding="utf-8")
    (base / "LIC").symlink_to(base / "LIC-0")
    items = licence_corpora(tmp_path, seed=3)
    texts = [i["text"] for i in items]
    assert len(texts) == len(set(texts))  # the symlink's copy is not read twice
    assert {i["field"] for i in items} == {"retrieved_context"}
    assert [i["text"] for i in licence_corpora(tmp_path, seed=3)] == texts
    assert [i["text"] for i in licence_corpora(tmp_path, seed=4)] != texts
