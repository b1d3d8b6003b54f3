"""The gettext catalogue reader behind `debian_ui_translations`: catalogues built here, in both
byte orders, and the errors a broken one gets."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from aisec_lab.corpora.items import CorpusUnavailable
from aisec_lab.corpora.ui_translations import (
    MIN_CHARS,
    MoFormatError,
    catalogue_messages,
    mo_messages,
)


def build_mo(entries: list[tuple[bytes, bytes]], order: str = "<") -> bytes:
    """A .mo catalogue as msgfmt lays it out: header, two offset tables, then the strings."""
    count = len(entries)
    originals_at = 28
    translations_at = originals_at + 8 * count
    strings_at = translations_at + 8 * count
    blob = b""
    original_table = b""
    translation_table = b""
    for msgid, _ in entries:
        original_table += struct.pack(f"{order}2I", len(msgid), strings_at + len(blob))
        blob += msgid + b"\0"
    for _, msgstr in entries:
        translation_table += struct.pack(f"{order}2I", len(msgstr), strings_at + len(blob))
        blob += msgstr + b"\0"
    header = struct.pack(
        f"{order}7I", 0x950412DE, 0, count, originals_at, translations_at, 0, strings_at
    )
    return header + original_table + translation_table + blob


ENTRIES = [
    (b"", b"Content-Type: text/plain; charset=UTF-8\n"),
    (b"Could not open the file", "Níorbh fhéidir an comhad a oscailt".encode()),
    (b"%d file\0%d files", b"%d ffeil\0%d ffeiliau"),
    (b"untranslated", b""),
]


@pytest.mark.parametrize("order", ["<", ">"])
def test_messages_in_either_byte_order(order: str) -> None:
    assert mo_messages(build_mo(ENTRIES, order)) == [
        "Níorbh fhéidir an comhad a oscailt",
        "%d ffeil",  # first plural form
    ]  # header and the empty translation dropped


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00" * 10, "too short"),
        (b"\xde\xad\xbe\xef" + b"\x00" * 24, "not a .mo file (magic deadbeef)"),
        (build_mo(ENTRIES)[:40], "past the end"),
    ],
)
def test_a_broken_catalogue_is_named(data: bytes, message: str) -> None:
    with pytest.raises(MoFormatError, match=re.escape(message)) as raised:
        mo_messages(data, "ga/LC_MESSAGES/gtk30.mo")
    assert "ga/LC_MESSAGES/gtk30.mo" in str(raised.value)


def test_catalogue_messages_keep_long_distinct_ones_of_the_language(tmp_path: Path) -> None:
    long_ga = "Ní féidir an fillteán a chruthú mar tá comhad ann cheana féin"
    assert len(long_ga) >= MIN_CHARS
    for package, entries in {
        "gtk": [(b"a", long_ga.encode()), (b"b", b"Gearr")],
        "glib": [(b"c", long_ga.encode())],  # the same message in the other package
    }.items():
        base = tmp_path / package / "usr/share/locale/ga/LC_MESSAGES"
        base.mkdir(parents=True)
        (base / f"{package}.mo").write_bytes(build_mo(entries))
    roots = [tmp_path / "gtk", tmp_path / "glib"]
    assert catalogue_messages(roots, "ga") == [long_ga]
    with pytest.raises(CorpusUnavailable, match="no gd message"):
        catalogue_messages(roots, "gd")
