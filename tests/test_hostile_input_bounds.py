"""One hostile record costs one rejection, in bounded memory, and a log source never reads
outside its root:
- timestamps given as epoch numbers are read in s / ms / us / ns or rejected naming their
  field; a record stamped 1970-01-01 (an epoch 0, a yyyymmdd read as seconds) no longer drags
  the bad records after it onto a day no run reads;
- a gzip bomb decompresses to MAX_DECOMPRESSED_BYTES at most (measured in a child process),
  keeping what precedes the cap and rejecting the rest once; a record over MAX_RECORD_CHARS is
  one rejection and the file reads on;
- a file or directory that resolves outside the configured path is refused with a rejection
  and never read (readers and the new-logs sensor alike).
"""

from __future__ import annotations

import gzip
import json
import math
import os
import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest
from ingest_fixtures import (
    bedrock_key,
    bedrock_record,
    converse_input,
    otel_span,
    otlp_export,
    unix_nano,
    write_log_file,
)

from aisec_assets.monitoring.ingest import (
    BedrockLogsSource,
    _files,
    read_bedrock_logs,
    read_litellm_export,
    read_otel_json,
)
from aisec_assets.monitoring.ingest._days import DayBook
from aisec_assets.monitoring.ingest._files import (
    TextFile,
    gunzip,
    iter_csv_rows,
    iter_json_items,
)
from aisec_assets.monitoring.ingest._values import parse_time, rejection
from aisec_jobs.sensors.logs import list_log_files
from aisec_resources.confine import inside, outside_root, resolve_within

DAY = date(2025, 3, 11)
WHEN = datetime(2025, 3, 11, 12, 0)
REPO = Path(__file__).resolve().parent.parent


def _bedrock(request_id: str, when: datetime = WHEN) -> dict:
    return bedrock_record(
        when=when,
        request_id=request_id,
        operation="Converse",
        model_id="anthropic.claude-3-5-sonnet-20240620-v1:0",
        input_body=converse_input("Be brief.", f"question {request_id}"),
    )


# ------------------------------------------------------------------ epoch timestamps


@pytest.mark.parametrize(
    "value",
    [
        1741694400,  # seconds
        1741694400000,  # milliseconds
        1741694400000000,  # microseconds
        1741694400000000000,  # nanoseconds (OTLP)
        1741694400.0,
        "1741694400",
        "1741694400000",
        "1.7416944e9",
        " 1741694400000000000 ",
    ],
)
def test_epoch_numbers_in_every_unit_read_as_the_same_time(value) -> None:
    assert parse_time(value) == datetime(2025, 3, 11, 12, 0)


@pytest.mark.parametrize(
    "value",
    [
        0,
        5,
        -1,
        "-1741694400",
        20250311,  # a yyyymmdd, read as seconds: 1970-08-23
        "20250311",
        math.nan,
        math.inf,
        -math.inf,
        True,
        False,
        10**30,
        1e300,
        "1e400",
        "1970-01-01T00:00:00Z",
        "10000-01-01",
        "9999-12-31T23:59:59",
        [1741694400],
        {"seconds": 1741694400},
    ],
)
def test_out_of_range_timestamps_are_errors_not_1970(value) -> None:
    with pytest.raises(ValueError, match=r"not a (log time|timestamp)"):
        parse_time(value)


def test_an_epoch_zero_record_does_not_take_its_neighbours_to_1970(tmp_path: Path) -> None:
    """Before: the record stamped 5 named 1970-01-01 as the file's last day, so the malformed
    line after it was filed there — a day no run reads — and lost."""
    zero = {**_bedrock("req-zero"), "timestamp": 5}
    nan_like = {**_bedrock("req-neg"), "timestamp": -1741694400}
    lines = [
        json.dumps(_bedrock("req-0")),
        json.dumps(zero),
        "{not json",
        json.dumps(nan_like),
        "{also not json",
        json.dumps(_bedrock("req-1")),
    ]
    write_log_file(tmp_path, bedrock_key(WHEN, "epoch.json.gz"), "\n".join(lines).encode())
    result = read_bedrock_logs(BedrockLogsSource(path=tmp_path), DAY)
    assert sorted(e.source_record_id for e in result.events) == ["req-0", "req-1"]
    reasons = {r.location.rsplit(":", 1)[1]: r.reason for r in result.rejections}
    assert sorted(reasons) == ["2", "3", "4", "5"]
    assert reasons["2"].startswith("timestamp: not a log time: 5 reads as 1970-01-01")
    assert reasons["3"].startswith("malformed JSON")
    assert reasons["4"].startswith("timestamp: not a timestamp: -1741694400 is before 1970")
    assert reasons["5"].startswith("malformed JSON")


def test_a_file_of_only_bad_times_is_rejected_on_its_own_day(tmp_path: Path) -> None:
    rows = [
        {"request_id": f"r{i}", "model": "gpt-4o-mini", "startTime": bad}
        for i, bad in enumerate([0, "NaN", True, 1e300])
    ]
    export = tmp_path / "spend-2025-03-11.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    result = read_litellm_export(export, DAY)
    assert result.events == []
    assert [r.location.rsplit(":", 1)[1] for r in result.rejections] == ["1", "2", "3", "4", "5"]
    assert all(r.reason.startswith("startTime: not a") for r in result.rejections[:4])
    # the file's day is 2025-03-11: read for another day, none of it is reported again
    assert read_litellm_export(export, date(2025, 3, 12)).rejections == []


def test_otel_start_times_out_of_range_are_rejections(tmp_path: Path) -> None:
    good = otel_span(
        trace_id="t1",
        span_id="s1",
        name="chat gpt-4o",
        start=WHEN,
        attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"},
    )
    spans = [good]
    for i, start in enumerate(["1", "-5", False, "NaN"]):
        spans.append({**good, "spanId": f"bad{i}", "startTimeUnixNano": start})
    (tmp_path / "spans-2025-03-11.json").write_text(json.dumps(otlp_export(spans)))
    result = read_otel_json(tmp_path, DAY)
    assert [e.event_time for e in result.events] == [WHEN]
    assert len(result.rejections) == 4
    assert all(r.reason.startswith("startTimeUnixNano: not a") for r in result.rejections)
    assert unix_nano(WHEN)  # the fixture's nanoseconds are read (the good span above)


def test_a_rejection_with_no_day_at_all_goes_to_the_day_being_read() -> None:
    book = DayBook(DAY, None)
    book.reject(rejection("x", "f:1", "malformed JSON"))
    assert [r.location for r in book.finish()] == ["f:1"]


# ------------------------------------------------------------------ gzip bomb, record cap


def _bomb(expanded: int, prefix: bytes = b"") -> bytes:
    """`prefix` then `expanded` zero bytes, gzip-compressed (about 1 KB per MB)."""
    out = gzip.GzipFile(fileobj=(buffer := _Buffer()), mode="wb", compresslevel=9, mtime=0)
    out.write(prefix)
    zeros = bytes(1 << 20)
    for _ in range(expanded >> 20):
        out.write(zeros)
    out.close()
    return buffer.getvalue()


class _Buffer:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def test_gunzip_stops_at_the_cap_and_keeps_what_precedes_it() -> None:
    data = _bomb(8 << 20, prefix=b"first line\n")
    out, problem = gunzip(data, cap=1 << 20)
    assert len(out) == 1 << 20 and out.startswith(b"first line\n")
    assert problem is not None and "cap of 1048576 bytes" in problem
    assert gunzip(gzip.compress(b"small"), cap=5) == (b"small", None)  # exactly full is fine


def test_a_bomb_among_bedrock_logs_is_one_rejection_naming_the_file_and_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_files, "MAX_DECOMPRESSED_BYTES", 1 << 20)
    good = (json.dumps(_bedrock("req-before")) + "\n").encode()
    bomb = write_log_file(tmp_path, bedrock_key(WHEN, "bomb.json.gz"), b"", compress=False)
    bomb.write_bytes(_bomb(64 << 20, prefix=good))
    write_log_file(
        tmp_path, bedrock_key(WHEN, "next.json.gz"), json.dumps(_bedrock("req-next")).encode()
    )
    result = read_bedrock_logs(BedrockLogsSource(path=tmp_path), DAY)
    assert sorted(e.source_record_id for e in result.events) == ["req-before", "req-next"]
    (rejected,) = result.rejections
    assert rejected.location.startswith(f"{bomb}:")
    assert "cap of 1048576 bytes per file (MAX_DECOMPRESSED_BYTES)" in rejected.reason


def test_an_uncompressed_file_over_the_cap_is_read_up_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_files, "MAX_DECOMPRESSED_BYTES", 4096)
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(json.dumps({"n": i}) for i in range(2000)))
    text_file = _files.read_text_file(big)
    assert sum(len(line) + 1 for line in text_file.lines) <= 4097
    assert text_file.problem is not None and "MAX_DECOMPRESSED_BYTES" in text_file.problem


def test_a_gzip_bomb_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """A 0.9 MB file expanding to 900 MiB, read with a 64 MiB cap in a child process: its
    peak memory grows by a small multiple of the cap, not by the expanded size (before: the
    whole expansion and a copy of it)."""
    bomb = write_log_file(tmp_path, bedrock_key(WHEN, "bomb.json.gz"), b"", compress=False)
    bomb.write_bytes(_bomb(900 << 20, prefix=(json.dumps(_bedrock("req-0")) + "\n").encode()))
    assert bomb.stat().st_size < 1_000_000
    script = textwrap.dedent(
        f"""
        import json, resource
        from datetime import date
        from pathlib import Path
        from aisec_assets.monitoring.ingest import BedrockLogsSource, read_bedrock_logs
        from aisec_assets.monitoring.ingest import _files
        _files.MAX_DECOMPRESSED_BYTES = 64 << 20
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        source = BedrockLogsSource(path=Path({str(tmp_path)!r}))
        result = read_bedrock_logs(source, date(2025, 3, 11))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{
            "growth_kib": after - before,
            "events": [e.source_record_id for e in result.events],
            "reasons": [r.reason for r in result.rejections],
        }}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["events"] == ["req-0"]
    assert len(report["reasons"]) == 1 and "MAX_DECOMPRESSED_BYTES" in report["reasons"][0]
    assert report["growth_kib"] < 6 * 64 * 1024, report  # under 384 MiB for a 900 MiB bomb


def _text(text: str) -> TextFile:
    return TextFile(text.split("\n"), set(), None)


def test_a_record_over_the_cap_is_one_rejection_and_the_file_reads_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_files, "MAX_RECORD_CHARS", 1000)
    huge = json.dumps({"prompt": "x" * 5000})
    jsonl = list(iter_json_items(_text("\n".join(['{"n": 1}', huge, '{"n": 2}']))))
    assert [getattr(i, "value", None) for i in jsonl] == [{"n": 1}, None, {"n": 2}]
    assert jsonl[1].line == 2 and "MAX_RECORD_CHARS" in jsonl[1].reason

    array = list(iter_json_items(_text(f'[{{"n": 1}},\n{huge},\n{{"n": 2}}]')))
    assert [getattr(i, "value", None) for i in array] == [{"n": 1}, None, {"n": 2}]
    assert array[1].line == 2 and "MAX_RECORD_CHARS" in array[1].reason

    (document,) = iter_json_items(_text(json.dumps({"a": ["y" * 600, "z" * 600]}, indent=1)))
    assert "MAX_RECORD_CHARS" in document.reason

    rows = list(iter_csv_rows(_text("a,b\n1,2\n" + "x" * 900 + "," + "y" * 900 + "\n3,4")))
    assert [getattr(i, "value", None) for i in rows] == [
        {"a": "1", "b": "2"},
        None,
        {"a": "3", "b": "4"},
    ]
    assert rows[1].line == 3 and "MAX_RECORD_CHARS" in rows[1].reason


# ------------------------------------------------------------------ confinement


def test_the_shared_confinement_helpers(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    root.mkdir()
    (tmp_path / "logs-evil").mkdir()
    (root / "away").symlink_to(tmp_path / "logs-evil")
    real_root = os.path.realpath(root)
    assert inside(real_root, real_root) and not inside(real_root + "-evil", real_root)
    assert outside_root(root / "away", real_root) == os.path.realpath(tmp_path / "logs-evil")
    assert outside_root(root / "x.json", real_root) is None
    assert resolve_within(root / "away", real_root) is None
    assert resolve_within(root / "x.json", real_root) == os.path.join(real_root, "x.json")


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    secret = otlp_export(
        [
            otel_span(
                trace_id="t9",
                span_id="s9",
                name="chat gpt-4o",
                start=WHEN,
                attributes={"gen_ai.operation.name": "chat", "gen_ai.prompt": "sk-outside"},
            )
        ]
    )
    (outside / "secret.json").write_text(json.dumps(secret))
    (outside / "dir" / "more.json").write_text(json.dumps(secret))
    return outside


def test_an_export_reader_refuses_links_out_of_its_root(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = tmp_path / "otel"
    root.mkdir()
    (root / "spans-2025-03-11.json").write_text(
        json.dumps(
            otlp_export(
                [
                    otel_span(
                        trace_id="t1",
                        span_id="s1",
                        name="chat gpt-4o",
                        start=WHEN,
                        attributes={"gen_ai.operation.name": "chat"},
                    )
                ]
            )
        )
    )
    (root / "linked-2025-03-11.json").symlink_to(outside / "secret.json")
    (root / "2025-03-11").symlink_to(outside / "dir", target_is_directory=True)
    (root / "inner.json").symlink_to(root / "spans-2025-03-11.json")  # inside: fine
    result = read_otel_json(root, DAY)
    assert {e.source_record_id for e in result.events} == {"t1:s1"}
    assert result.files_read == 2
    refused = sorted(r.location for r in result.rejections)
    assert refused == [str(root / "2025-03-11"), str(root / "linked-2025-03-11.json")]
    assert all("resolves outside the configured root" in r.reason for r in result.rejections)
    assert all("not read" in r.reason for r in result.rejections)


def test_the_bedrock_tree_refuses_folders_and_files_linked_out_of_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.json").write_text(json.dumps(_bedrock("req-outside")))
    root = tmp_path / "bedrock"
    write_log_file(root, bedrock_key(WHEN, "a.json.gz"), json.dumps(_bedrock("req-in")).encode())
    hour = root / bedrock_key(WHEN, "a.json.gz")
    (hour.parent / "linked.json").symlink_to(outside / "x.json")
    (hour.parent.parent / "13").symlink_to(outside, target_is_directory=True)
    result = read_bedrock_logs(BedrockLogsSource(path=root), DAY)
    assert [e.source_record_id for e in result.events] == ["req-in"]
    assert sorted(r.location for r in result.rejections) == [
        str(hour.parent / "linked.json"),
        str(hour.parent.parent / "13"),
    ]
    assert all("resolves outside the configured root" in r.reason for r in result.rejections)


def test_the_new_logs_sensor_never_looks_outside_its_roots(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = tmp_path / "otel"
    root.mkdir()
    (root / "a-2025-03-11.json").write_text("{}")
    (root / "linked-2025-03-11.json").symlink_to(outside / "secret.json")
    (root / "dir").symlink_to(outside / "dir", target_is_directory=True)
    assert sorted(list_log_files([root])) == [str(root / "a-2025-03-11.json")]
