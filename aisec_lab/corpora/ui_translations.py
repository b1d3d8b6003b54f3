"""Benign text in twenty more languages: the translated messages of two Debian 12 packages'
gettext catalogues (`UI_TRANSLATION_PACKAGES`: GTK 3 and GLib), fetched like `debian.py`
does.

- `debian_ui_translations`: the longer messages (at least `MIN_CHARS` characters: dialog
  text, error messages, option help) of GTK's and GLib's `.mo` catalogues in `LANGUAGES` -
  languages the installation guide (`debian_more`) does not cover, low-resource ones among
  them (Irish, Scottish Gaelic, Welsh, Xhosa, Albanian, Basque, Afrikaans) - `PER_LANGUAGE`
  of each, as user prompts. Software messages are full of the words multilingual attack
  rules key on ("ignore", "system", "message", "previous", "show"), said harmlessly.

A `.mo` file is a data format (a table of string offsets), read here with `struct`: nothing in
it is executed. Plural forms are split and the first kept; message contexts are dropped.
Deterministic: catalogues are read in sorted order, sampling uses one seeded stream per
language.
"""

from __future__ import annotations

import struct
from pathlib import Path

from aisec_lab.corpora.debian import fetch_deb
from aisec_lab.corpora.items import (
    DEFAULT_SEED,
    CorpusItem,
    CorpusUnavailable,
    _benign,
    _seeded,
    assign_splits,
)

SOURCE = "debian_ui_translations"
UI_TRANSLATION_PACKAGES: dict[str, str] = {
    "libgtk-3-common": "3.24.38-2~deb12u3",
    "libglib2.0-data": "2.74.6-2+deb12u9",
}
# Afrikaans, Arabic, Bengali, Czech, Welsh, Basque, Persian, Irish, Scottish Gaelic, Hebrew,
# Hindi, Indonesian, Polish, Albanian, Swedish, Thai, Turkish, Ukrainian, Vietnamese, Xhosa.
LANGUAGES: tuple[str, ...] = (
    "af", "ar", "bn", "cs", "cy", "eu", "fa", "ga", "gd", "he",
    "hi", "id", "pl", "sq", "sv", "th", "tr", "uk", "vi", "xh",
)  # fmt: skip
PER_LANGUAGE = 15
MIN_CHARS = 40

_MO_MAGIC = 0x950412DE


class MoFormatError(ValueError):
    """A `.mo` file that is not a gettext catalogue (names the file and what is wrong)."""


def mo_messages(data: bytes, where: str = "<bytes>") -> list[str]:
    """The translated messages of a gettext `.mo` catalogue, in file order: the header entry
    (empty msgid) dropped, plural forms split (the first kept), undecodable bytes replaced."""
    if len(data) < 20:
        raise MoFormatError(f"{where}: {len(data)} bytes, too short for a .mo header")
    for order in ("<", ">"):
        (magic,) = struct.unpack(f"{order}I", data[:4])
        if magic == _MO_MAGIC:
            break
    else:
        raise MoFormatError(f"{where}: not a .mo file (magic {data[:4].hex()})")
    count, originals, translations = struct.unpack(f"{order}3I", data[8:20])
    messages: list[str] = []
    for i in range(count):
        msgid = _entry(data, order, originals + 8 * i, where)
        if not msgid:
            continue  # the catalogue's own header
        translated = _entry(data, order, translations + 8 * i, where)
        first = translated.split(b"\0", 1)[0]
        if first:
            messages.append(first.decode("utf-8", errors="replace"))
    return messages


def _entry(data: bytes, order: str, at: int, where: str) -> bytes:
    if at + 8 > len(data):
        raise MoFormatError(f"{where}: string table entry at byte {at} past the end")
    length, offset = struct.unpack(f"{order}2I", data[at : at + 8])
    if offset + length > len(data):
        raise MoFormatError(f"{where}: string at byte {offset} (+{length}) past the end")
    return data[offset : offset + length]


def catalogue_messages(roots: list[Path], language: str) -> list[str]:
    """Distinct messages of `language` at least `MIN_CHARS` long, from every catalogue of the
    unpacked packages (sorted paths)."""
    found: list[str] = []
    for root in roots:
        base = root / "usr/share/locale" / language / "LC_MESSAGES"
        for path in sorted(base.glob("*.mo")):
            found += [
                m.strip()
                for m in mo_messages(path.read_bytes(), str(path))
                if len(m.strip()) >= MIN_CHARS
            ]
    if not found:
        raise CorpusUnavailable(f"no {language} message of {MIN_CHARS}+ characters under {roots}")
    return list(dict.fromkeys(found))


def ui_translation_corpora(
    cache_dir: Path | None = None, seed: int = DEFAULT_SEED
) -> list[CorpusItem]:
    """`PER_LANGUAGE` seeded messages per language of `LANGUAGES` (module docstring)."""
    roots = [fetch_deb(p, v, cache_dir) for p, v in UI_TRANSLATION_PACKAGES.items()]
    items: list[CorpusItem] = []
    for language in LANGUAGES:
        messages = catalogue_messages(roots, language)
        rng = _seeded(seed, f"{SOURCE}/{language}")
        picked = rng.sample(messages, min(PER_LANGUAGE, len(messages)))
        items += [_benign(text, SOURCE, "prompt_text") for text in picked]
    return assign_splits(list({i["text"]: i for i in items}.values()))
