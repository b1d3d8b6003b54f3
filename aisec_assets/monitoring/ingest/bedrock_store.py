"""Where Bedrock invocation logs are: a local copy of the S3 tree or the bucket itself.

`BedrockLogsSource` (`monitoring.logs.bedrock`) names the location; `LocalTree` and `Bucket`
list and read it the same way (S3 with `list_objects_v2` by day prefix). Only the day's
folders are read, plus hour 23 of the day before and hour 00 of the day after (a record stamped
just before midnight can be delivered in the next hour's folder); only objects directly in an
hour folder are log files (deeper `data/` objects hold bodies moved out of the log and are
read only when a record points at them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import model_validator

from aisec_assets.monitoring.ingest import _files
from aisec_assets.monitoring.ingest._common import (
    Refused,
    decode_lines,
    gunzip,
    loads,
    read_capped,
)
from aisec_resources.config.base import Strict
from aisec_resources.confine import inside
from aisec_resources.records import SourceUnavailable
from aisec_resources.redaction import quote

LOGS_DIR = "BedrockModelInvocationLogs"
LOG_SUFFIXES = (".json.gz", ".jsonl.gz", ".json", ".jsonl", ".gz")


class BedrockLogsSource(Strict):
    """`monitoring.logs.bedrock`: Bedrock model-invocation logs as AWS writes them
    (`AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz`), from a
    local directory (`path`) or from S3 (`s3_uri`, read with boto3)."""

    path: Path | None = None
    s3_uri: str | None = None
    s3_endpoint_url: str | None = None  # for S3-compatible stores and tests
    s3_region: str = "us-east-1"

    @model_validator(mode="after")
    def _one_location(self) -> BedrockLogsSource:
        if (self.path is None) == (self.s3_uri is None):
            raise ValueError("give exactly one of path or s3_uri")
        if self.s3_uri is not None and not self.s3_uri.startswith("s3://"):
            raise ValueError(f"s3_uri must start with s3:// (got {self.s3_uri!r})")
        return self


# ------------------------------------------------------------------ where the files are


@dataclass(frozen=True)
class LogObject:
    parts: tuple[str, ...]  # path components from the store's root
    location: str  # file path or s3://bucket/key


class LocalTree:
    """A local copy of the S3 tree. Nothing outside `path` is read: a folder or file below it
    that resolves elsewhere (through a symlink) is left out and kept in `refused`."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise SourceUnavailable(f"Bedrock invocation logs: {path} does not exist")
        if not path.is_dir():
            raise SourceUnavailable(f"Bedrock invocation logs: {path} is not a directory")
        self.base = path.resolve().parts
        self.real_root = str(path.resolve())
        self.refused: list[Refused] = []

    def _inside(self, entry: Path) -> bool:
        real = os.path.realpath(entry)
        if inside(real, self.real_root):
            return True
        if all(r.path != entry for r in self.refused):
            self.refused.append(Refused(entry, real, self.real_root))
        return False

    def children(self, prefix: tuple[str, ...]) -> list[str]:
        directory = Path(*prefix)
        try:
            found = sorted(p for p in directory.iterdir() if p.is_dir())
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise SourceUnavailable(
                f"Bedrock invocation logs: cannot list {directory}: {exc}"
            ) from exc
        return [p.name for p in found if self._inside(p)]

    def objects(self, prefix: tuple[str, ...], depth: int) -> list[LogObject]:
        found: list[LogObject] = []
        directory = Path(*prefix)
        if not directory.is_dir() or not self._inside(directory):
            return found
        try:
            for entry in sorted(directory.rglob("*")):
                relative = entry.relative_to(directory).parts
                if len(relative) < depth and entry.is_symlink():
                    self._inside(entry)  # rglob does not descend into it: refused if it leaves
                elif len(relative) == depth and self._inside(entry) and entry.is_file():
                    found.append(LogObject(prefix + relative, str(entry)))
        except OSError as exc:
            raise SourceUnavailable(
                f"Bedrock invocation logs: cannot list {directory}: {exc}"
            ) from exc
        return found

    def read(self, obj: LogObject) -> tuple[bytes, bool]:
        """At most MAX_DECOMPRESSED_BYTES of the file, and whether there was more."""
        return read_capped(Path(obj.location))

    def fetch_body(self, s3_path: str) -> tuple[Any, str | None, bool]:
        return None, f"body in S3 ({s3_path}), not fetched: reading a local directory", False


class Bucket:
    def __init__(self, source: BedrockLogsSource, client: Any) -> None:
        bucket, _, prefix = (source.s3_uri or "").removeprefix("s3://").partition("/")
        if not bucket:
            raise SourceUnavailable(f"Bedrock invocation logs: no bucket in {source.s3_uri!r}")
        self.bucket = bucket
        self.base = tuple(p for p in prefix.split("/") if p)
        if client is None:
            import boto3

            client = boto3.client(
                "s3", region_name=source.s3_region, endpoint_url=source.s3_endpoint_url
            )
        self.client = client

    def _pages(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        try:
            yield from self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, **kwargs
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            where = f"s3://{self.bucket}/{kwargs.get('Prefix', '')}"
            raise SourceUnavailable(
                f"Bedrock invocation logs: cannot list {where}: "
                f"{error.get('Code', '?')} {error.get('Message', '')}".rstrip()
            ) from exc
        except BotoCoreError as exc:
            raise SourceUnavailable(
                f"Bedrock invocation logs: cannot reach S3 for s3://{self.bucket}: {exc}"
            ) from exc

    def children(self, prefix: tuple[str, ...]) -> list[str]:
        key = "/".join(prefix) + "/" if prefix else ""
        names: list[str] = []
        for page in self._pages(Prefix=key, Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                names.append(common["Prefix"][len(key) :].rstrip("/"))
        return sorted(names)

    def objects(self, prefix: tuple[str, ...], depth: int) -> list[LogObject]:
        key = "/".join(prefix) + "/"
        found: list[LogObject] = []
        for page in self._pages(Prefix=key):
            for item in page.get("Contents", []):
                relative = tuple(item["Key"][len(key) :].split("/"))
                if len(relative) == depth and relative[-1]:
                    found.append(LogObject(prefix + relative, f"s3://{self.bucket}/{item['Key']}"))
        return sorted(found, key=lambda o: o.location)

    def _get(self, bucket: str, key: str, cap: int) -> tuple[bytes, bool]:
        """At most `cap` bytes of the object (never the whole of a hostile one), and whether
        there was more."""
        data = self.client.get_object(Bucket=bucket, Key=key)["Body"].read(cap + 1)
        return (data[:cap], True) if len(data) > cap else (data, False)

    def read(self, obj: LogObject) -> tuple[bytes, bool]:
        """At most MAX_DECOMPRESSED_BYTES of the object, and whether there was more."""
        key = obj.location.removeprefix(f"s3://{self.bucket}/")
        return self._get(self.bucket, key, _files.MAX_DECOMPRESSED_BYTES)

    def fetch_body(self, s3_path: str) -> tuple[Any, str | None, bool]:
        """(body, note, failed)."""
        bucket, _, key = s3_path.removeprefix("s3://").partition("/")
        if not s3_path.startswith("s3://") or not bucket or not key:
            return None, f"body path {quote(s3_path)} is not an s3:// URI", True
        try:
            data, more = self._get(bucket, key, _files.MAX_RECORD_CHARS)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            return None, f"body in S3 ({s3_path}) could not be fetched: {code}", True
        except BotoCoreError as exc:
            return None, f"body in S3 ({s3_path}) could not be fetched: {exc}", True
        # a body is part of one record: it is held to the per-record cap, compressed or not
        problem = (
            f"larger than {_files.MAX_RECORD_CHARS} bytes (MAX_RECORD_CHARS)" if more else None
        )
        if not more and (key.endswith(".gz") or data[:2] == b"\x1f\x8b"):
            data, problem = gunzip(data, _files.MAX_RECORD_CHARS)
        text_file = decode_lines(data, problem)
        text = "\n".join(text_file.lines)
        note = f"body fetched from {s3_path}"
        if text_file.bad_utf8_lines:
            note += " (non-UTF-8 bytes replaced with U+FFFD)"
        if problem:
            return None, f"body in S3 ({s3_path}) is unreadable: {problem}", True
        try:
            return loads(text), note, False
        except json.JSONDecodeError:
            return text, note + " (not JSON: kept as text)", False


LogStore = LocalTree | Bucket


def region_roots(store: LogStore) -> list[tuple[str, ...]]:
    """The `.../BedrockModelInvocationLogs/<region>` prefixes under the configured location."""
    parts = store.base
    if LOGS_DIR in parts:
        i = len(parts) - 1 - parts[::-1].index(LOGS_DIR)
        if len(parts) > i + 1:
            return [parts[: i + 2]]
        return [(*parts, region) for region in store.children(parts)]
    if "AWSLogs" in parts:
        i = parts.index("AWSLogs")
        aws_logs = parts[: i + 1]
        accounts = [parts[i + 1]] if len(parts) > i + 1 else store.children(aws_logs)
    else:
        aws_logs = (*parts, "AWSLogs")
        accounts = store.children(aws_logs)
    roots: list[tuple[str, ...]] = []
    for account in accounts:
        logs = (*aws_logs, account, LOGS_DIR)
        roots.extend((*logs, region) for region in store.children(logs))
    return roots


def day_parts(day: date) -> tuple[str, str, str]:
    return f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"


def log_objects(store: LogStore, root: tuple[str, ...], day: date) -> list[LogObject]:
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    found = store.objects((*root, *day_parts(before), "23"), 1)
    found += store.objects((*root, *day_parts(day)), 2)
    found += store.objects((*root, *day_parts(after), "00"), 1)
    return [o for o in found if o.parts[-1].lower().endswith(LOG_SUFFIXES)]


def folder_day(obj: LogObject) -> date | None:
    try:
        year, month, day_of_month = obj.parts[-5:-2]
        return date(int(year), int(month), int(day_of_month))
    except ValueError:
        return None


def read_for_its_day(obj: LogObject, record_day: date) -> bool:
    """Whether the run for `record_day` reads the folder `obj` is in (see log_objects)."""
    its_folder_day = folder_day(obj)
    hour = obj.parts[-2]
    return (
        its_folder_day == record_day
        or (its_folder_day == record_day - timedelta(days=1) and hour == "23")
        or (its_folder_day == record_day + timedelta(days=1) and hour == "00")
    )
