"""What every log parser needs, in one import: values (`_values`: time and number parsing, text
helpers, the rejection record, the raw-record size cap), day attribution of rejections
(`_days`) and reading files record by record with their line numbers (`_files`: JSON / JSONL /
CSV / gzip, the export wrappers).

Choices made there hold for every source:
- Timestamps without a time zone are UTC (LiteLLM and PostgreSQL `timestamp` columns, Log
  Analytics exports); everything is returned as naive UTC.
- Bytes that are not UTF-8 are decoded with U+FFFD replacement and the record is kept; its `raw`
  says which line held them (`_aisec_ingest.notes`). Rejecting the record would lose a
  request that is otherwise fine, and prompt text is where odd bytes show up.
- A rejection is reported on one day only: the day of the nearest record with a valid time
  before it in the same file (else the one after it); a file without any gets the date in its
  path, else the file's modification day (else the day being read). Reading a file for
  several days therefore reports a bad line once; only times in 2000..2199 name a day, so an
  epoch 0 never files rejections under 1970-01-01.
"""

from aisec_assets.monitoring.ingest._days import DayBook, date_in_path, file_day
from aisec_assets.monitoring.ingest._files import (
    BadItem,
    ExportRecord,
    JsonItem,
    Refused,
    TextFile,
    decode_file,
    decode_lines,
    export_records,
    gunzip,
    iter_csv_rows,
    iter_json_items,
    iter_records,
    list_files,
    read_capped,
    read_text_file,
    reject_refused,
    source_files,
)
from aisec_assets.monitoring.ingest._values import (
    EXCERPT_CHARS,
    NOTES_KEY,
    RAW_FIELD_CAP,
    RAW_RECORD_CAP,
    RECORD_ERRORS,
    as_list,
    clean_surrogates,
    excerpt,
    gc_paused,
    join_texts,
    json_len,
    loads,
    maybe_json,
    parse_bool,
    parse_float,
    parse_int,
    parse_time,
    raw_record,
    rejection,
    text_or_none,
    to_utc_naive,
    unexpected_shape,
)

__all__ = [
    "EXCERPT_CHARS",
    "NOTES_KEY",
    "RAW_FIELD_CAP",
    "RAW_RECORD_CAP",
    "RECORD_ERRORS",
    "BadItem",
    "DayBook",
    "ExportRecord",
    "JsonItem",
    "Refused",
    "TextFile",
    "as_list",
    "clean_surrogates",
    "date_in_path",
    "decode_file",
    "decode_lines",
    "excerpt",
    "export_records",
    "file_day",
    "gc_paused",
    "gunzip",
    "iter_csv_rows",
    "iter_json_items",
    "iter_records",
    "join_texts",
    "json_len",
    "list_files",
    "loads",
    "maybe_json",
    "parse_bool",
    "parse_float",
    "parse_int",
    "parse_time",
    "raw_record",
    "read_capped",
    "read_text_file",
    "reject_refused",
    "rejection",
    "source_files",
    "text_or_none",
    "to_utc_naive",
    "unexpected_shape",
]
