"""One hostile value costs one record's rejection (or one null with a note), never the file,
the source-day or the job: JSON nested deeper than the decoder can follow (it raises
RecursionError, not JSONDecodeError), counts no column can hold."""

from __future__ import annotations

import json
from datetime import date, datetime

from ingest_fixtures import bedrock_key, bedrock_record, converse_input, write_log_file

from aisec_assets.monitoring.ingest import BedrockLogsSource, read_bedrock_logs
from aisec_assets.monitoring.ingest._files import BadItem, JsonItem, TextFile, iter_json_items
from aisec_assets.monitoring.ingest._values import MAX_COUNT, TOO_DEEP, maybe_json, parse_int

DEPTH = 10_000
DEEP_ARRAY = "[" * DEPTH + "]" * DEPTH
DEEP_OBJECT = '{"a":' * DEPTH + "1" + "}" * DEPTH


def text_file(text: str) -> TextFile:
    return TextFile(text.split("\n"), set(), None)


def items(text: str) -> tuple[list, list[BadItem]]:
    found = list(iter_json_items(text_file(text)))
    return [i.value for i in found if isinstance(i, JsonItem)], [
        i for i in found if isinstance(i, BadItem)
    ]


def test_a_deep_line_among_jsonl_lines_is_one_rejection() -> None:
    good, bad = items("\n".join(['{"n": 1}', DEEP_OBJECT, '{"n": 2}', DEEP_ARRAY, '{"n": 3}']))
    assert good == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert [b.line for b in bad] == [2, 4]
    assert all(TOO_DEEP in b.reason for b in bad)


def test_a_deep_element_of_a_json_array_is_skipped_and_the_array_reads_on() -> None:
    text = (
        '[{"n": 1},\n' + DEEP_OBJECT + ',\n{"n": 2, "s": "]}\\""},\n' + DEEP_ARRAY + ',\n{"n": 3}]'
    )
    good, bad = items(text)
    assert good == [{"n": 1}, {"n": 2, "s": ']}"'}, {"n": 3}]
    assert [b.line for b in bad] == [2, 4]
    assert all(TOO_DEEP in b.reason for b in bad)


def test_a_deep_document_is_a_rejection_not_an_exception() -> None:
    good, bad = items(DEEP_ARRAY)
    assert good == [] and len(bad) == 1 and TOO_DEEP in bad[0].reason
    assert maybe_json(DEEP_OBJECT) == DEEP_OBJECT  # embedded JSON text too deep stays text


def test_bedrock_day_keeps_its_events_around_a_deep_record(tmp_path) -> None:
    when = datetime(2025, 3, 11, 12, 0)
    good = [
        bedrock_record(
            when=when,
            request_id=f"req-{i}",
            operation="Converse",
            model_id="anthropic.claude-3-5-sonnet-20240620-v1:0",
            input_body=converse_input("Be brief.", f"question {i}"),
        )
        for i in range(3)
    ]
    lines = [json.dumps(good[0]), DEEP_OBJECT, json.dumps(good[1]), json.dumps(good[2])]
    write_log_file(
        tmp_path, bedrock_key(when, "20250311T1200Z_deep.json.gz"), "\n".join(lines).encode()
    )
    result = read_bedrock_logs(BedrockLogsSource(path=tmp_path), date(2025, 3, 11))
    assert sorted(e.source_record_id for e in result.events) == ["req-0", "req-1", "req-2"]
    (rejection,) = result.rejections
    assert TOO_DEEP in rejection.reason and rejection.location.endswith(":2")


def test_counts_out_of_range_are_null_with_a_note_never_a_failed_cast() -> None:
    notes: list[str] = []
    assert parse_int(10**40, "prompt_tokens", notes) is None
    assert parse_int("1e40", "completion_tokens", notes) is None
    assert parse_int(-5, "total_tokens", notes) is None
    assert parse_int(MAX_COUNT, "total_tokens", notes) == MAX_COUNT
    assert parse_int("12", "total_tokens", notes) == 12
    assert [n.split("=")[0] for n in notes] == [
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
    ]
    assert all("outside 0..2^53" in n for n in notes)
