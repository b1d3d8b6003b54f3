"""The notifier against real local servers: an HTTP server (webhook, Slack) and a minimal SMTP
server, both on 127.0.0.1 in threads. Time is fake: a stepping clock and a sleep that only
records what it was asked to wait."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import logging
import random
import socket
import socketserver
import string
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dagster as dg
import pytest

from aisec_resources.config import ConfigError, parse_config
from aisec_resources.config.notifications import NotificationsConfig
from aisec_resources.notifier import (
    DeliveryReport,
    NoRouteError,
    Notification,
    Notifier,
    NotifierEnvironmentError,
    NotifierResource,
    redact_notification,
    webhook_payload,
)

T0 = datetime(2031, 3, 4, 5, 6, 7)  # naive UTC, like the run's clock; any instant would do


class FakeClock:
    """Each reading is one second after the previous one."""

    def __init__(self, start: datetime = T0):
        self.current = start - timedelta(seconds=1)

    def __call__(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


class FakeSleep:
    def __init__(self) -> None:
        self.requested: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.requested.append(seconds)


def planted_key(seed: int = 11) -> str:
    rng = random.Random(seed)
    return (
        "sk-"
        + "proj-"
        + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(40))
    )


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


# --- a scripted HTTP server -----------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    drop: bool = False  # close the connection without answering
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _HttpHandler(BaseHTTPRequestHandler):
    server: _HttpServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        owner = self.server.owner
        owner.requests.append(Received(self.path, dict(self.headers.items()), body))
        reply = owner.script.pop(0) if owner.script else Reply()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedHttp

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and left: nothing to report


class ScriptedHttp:
    """Answers POSTs with the replies of `script` in turn, then 200."""

    def __init__(self, script: list[Reply]):
        self.script = list(script)
        self.requests: list[Received] = []
        self._server = _HttpServer(("127.0.0.1", 0), _HttpHandler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/hook") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def http_server() -> Iterator[Any]:
    servers: list[ScriptedHttp] = []

    def start(*script: Reply) -> ScriptedHttp:
        server = ScriptedHttp(list(script))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


# --- a minimal SMTP server ------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        owner = self.server.owner
        self.reply("220 test.local ESMTP")
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            owner.commands.append(line)
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-test.local")
                if owner.credentials:
                    self.reply("250-AUTH PLAIN")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 test.local")
            elif verb == "AUTH":
                parts = line.split()
                decoded = base64.b64decode(parts[2]).decode() if len(parts) == 3 else ""
                user, password = [*decoded.split("\0"), "", "", ""][1:3]
                if (user, password) == owner.credentials:
                    self.reply("235 2.7.0 authenticated")
                else:
                    self.reply("535 5.7.8 authentication credentials invalid")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                if owner.data_failures > 0:
                    owner.data_failures -= 1
                    self.reply("451 4.3.0 try again later")
                    continue
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    data = self.rfile.readline(65536)
                    if not data or data == b".\r\n":
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                owner.messages.append(b"".join(lines))
                self.reply("250 2.0.0 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: MiniSmtp


class MiniSmtp:
    """Enough SMTP for smtplib: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT. DATA is
    answered 451 `data_failures` times before it is accepted."""

    def __init__(self, data_failures: int = 0, credentials: tuple[str, str] | None = None):
        self.data_failures = data_failures
        self.credentials = credentials
        self.commands: list[str] = []
        self.messages: list[bytes] = []
        self._server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    servers: list[MiniSmtp] = []

    def start(**kwargs: Any) -> MiniSmtp:
        server = MiniSmtp(**kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


# --- helpers --------------------------------------------------------------------------------


def notifications(channels: dict[str, Any], routes: dict[str, list[str]], **retry: Any):
    return NotificationsConfig.model_validate(
        {
            "channels": channels,
            "routes": routes,
            "retry": {"attempts": 4, "backoff_seconds": 1.0, "max_backoff_seconds": 30} | retry,
        }
    )


def notifier(config: NotificationsConfig, environ: dict[str, str]) -> tuple[Notifier, FakeSleep]:
    sleep = FakeSleep()
    return Notifier(config, now=FakeClock(), sleep=sleep, environ=environ), sleep


def message(**overrides: Any) -> Notification:
    values: dict[str, Any] = {
        "incident_id": "INC-2031-0007",
        "audience": "secops",
        "subject": "Prompt injection against support-bot",
        "body": "Detection D-17 fired 12 times in 5 minutes.\nContain per playbook PI-1.",
        "severity": "SEV2",
        "fields": {"asset": "support-bot", "detections": 12, "owner": "team-cx"},
    }
    return Notification(**(values | overrides))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smtp_channel(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "smtp",
        "smtp": {
            "host": "127.0.0.1",
            "port": port,
            "starttls": False,
            "sender": "aisec@example.test",
            "recipients": ["ciso@example.test", "secops@example.test"],
        }
        | extra,
    }


# --- webhooks -------------------------------------------------------------------------------


def test_webhook_retries_500_429_and_a_dropped_connection_then_delivers(http_server) -> None:
    server = http_server(
        Reply(500, body=b"upstream broke"),
        Reply(429, headers={"Retry-After": "7"}, body=b"slow down"),
        Reply(drop=True),
        Reply(200),
    )
    config = notifications(
        {"soar": {"kind": "webhook", "url_env": "SOAR_URL"}}, {"secops": ["soar"]}
    )
    n, sleep = notifier(config, {"SOAR_URL": server.url()})

    report = n.send(message())

    assert isinstance(report, DeliveryReport) and isinstance(report, list)
    assert [(a.attempt, a.ok, a.status, a.final) for a in report] == [
        (1, False, 500, False),
        (2, False, 429, False),
        (3, False, None, False),
        (4, True, 200, True),
    ]
    assert all(a.channel == "soar" and a.kind == "webhook" for a in report)
    assert [a.at for a in report] == sorted(a.at for a in report) and report[0].at >= T0
    assert "500" in report[0].error and "upstream broke" in report[0].error
    assert "connection" in report[2].error.lower()
    # exponential backoff (1, 2, 4, ...), except where the server said how long to wait
    assert sleep.requested == [1.0, 7.0, 4.0]
    assert report.ok and report.delivered == ["soar"] and report.failed == []

    assert len(server.requests) == 4
    first = server.requests[0]
    assert first.headers["Content-Type"].startswith("application/json")
    assert first.json() == {
        "source": "aisec",
        "incident_id": "INC-2031-0007",
        "audience": "secops",
        "severity": "SEV2",
        "subject": "Prompt injection against support-bot",
        "body": message().body,
        "fields": {"asset": "support-bot", "detections": 12, "owner": "team-cx"},
    }
    assert {r.body for r in server.requests} == {first.body}


def test_retry_after_is_capped_and_read_as_a_date_against_the_injected_clock(
    http_server,
) -> None:
    clock_start = T0
    later = format_datetime((clock_start + timedelta(seconds=13)).replace(tzinfo=UTC), usegmt=True)
    server = http_server(
        Reply(429, headers={"Retry-After": "3600"}),
        Reply(503, headers={"Retry-After": later}),
        Reply(503, headers={"Retry-After": "soon"}),
        Reply(204, body=b""),
    )
    config = notifications(
        {"hook": {"kind": "webhook", "url_env": "U"}},
        {"secops": ["hook"]},
        max_backoff_seconds=20,
    )
    sleep = FakeSleep()
    # The clock stands still here, so the date's distance is exact.
    n = Notifier(config, now=lambda: clock_start, sleep=sleep, environ={"U": server.url()})
    report = n.send(message())
    assert [a.status for a in report] == [429, 503, 503, 204]
    assert sleep.requested == [20.0, 13.0, 4.0]  # capped; the date; backoff for 'soon'
    assert report.ok


def test_slack_payload_has_text_and_blocks(http_server) -> None:
    server = http_server(Reply(200, body=b"ok"))
    config = notifications(
        {"slack": {"kind": "slack", "url_env": "SLACK_URL"}}, {"secops": ["slack"]}
    )
    n, _ = notifier(config, {"SLACK_URL": server.url("/services/T1/B2/abc")})
    fields = {f"f{i}": i for i in range(12)} | {"note": "a <b> & c"}
    report = n.send(message(body="Rule <exfil> fired & matched", fields=fields))
    assert report.ok and [a.status for a in report] == [200]

    payload = server.requests[0].json()
    assert set(payload) == {"text", "blocks"}
    assert payload["text"] == "[SEV2] Prompt injection against support-bot"
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds == ["header", "section", "section", "context"]
    header, body, facts, context = payload["blocks"]
    assert header["text"] == {
        "type": "plain_text",
        "text": "[SEV2] Prompt injection against support-bot",
    }
    assert body["text"] == {"type": "mrkdwn", "text": "Rule &lt;exfil&gt; fired &amp; matched"}
    assert len(facts["fields"]) == 10  # Slack's limit: 9 fields and a "more" line
    assert facts["fields"][0] == {"type": "mrkdwn", "text": "*f0*\n0"}
    assert facts["fields"][-1]["text"] == "… 4 more fields"
    assert "INC-2031-0007" in context["elements"][0]["text"]


def test_a_client_error_is_not_retried_and_is_reported_failed(http_server) -> None:
    server = http_server(Reply(400, body=b"invalid_payload"))
    config = notifications(
        {"slack": {"kind": "slack", "url_env": "SLACK_URL"}}, {"secops": ["slack"]}
    )
    n, sleep = notifier(config, {"SLACK_URL": server.url()})
    report = n.send(message())
    assert len(report) == 1 and len(server.requests) == 1
    (attempt,) = report
    assert (attempt.ok, attempt.status, attempt.final) == (False, 400, True)
    assert "400" in attempt.error and "invalid_payload" in attempt.error
    assert sleep.requested == []
    assert not report.ok and report.failed == ["slack"] and report.delivered == []


def test_a_redirect_is_a_failure_not_a_silent_get(http_server) -> None:
    target = http_server()
    server = http_server(Reply(302, headers={"Location": target.url()}))
    config = notifications({"hook": {"kind": "webhook", "url_env": "U"}}, {"secops": ["hook"]})
    n, sleep = notifier(config, {"U": server.url()})
    report = n.send(message())
    assert [(a.status, a.ok, a.final) for a in report] == [(302, False, True)]
    assert target.requests == [] and sleep.requested == []


def test_an_unreachable_port_fails_after_the_configured_attempts() -> None:
    config = notifications(
        {"hook": {"kind": "webhook", "url_env": "U"}}, {"secops": ["hook"]}, attempts=3
    )
    n, sleep = notifier(config, {"U": f"http://127.0.0.1:{free_port()}/hook"})
    report = n.send(message())
    assert [(a.attempt, a.ok, a.status, a.final) for a in report] == [
        (1, False, None, False),
        (2, False, None, False),
        (3, False, None, True),
    ]
    assert all("connection" in a.error.lower() for a in report)
    assert sleep.requested == [1.0, 2.0]
    assert not report.ok and report.failed == ["hook"]


def test_a_timeout_is_retried(http_server) -> None:
    server = http_server(Reply(200, delay=3.0), Reply(200))
    config = notifications(
        {"hook": {"kind": "webhook", "url_env": "U"}},
        {"secops": ["hook"]},
        timeout_seconds=0.5,
    )
    n, sleep = notifier(config, {"U": server.url()})
    report = n.send(message())
    assert [(a.ok, a.status) for a in report] == [(False, None), (True, 200)]
    assert "timed out" in report[0].error
    assert sleep.requested == [1.0]


def test_errors_and_logs_never_hold_the_url_or_its_token(http_server, caplog) -> None:
    token = "XoXb" + "9" * 6 + "tokenPart" + "Z" * 8
    server = http_server()
    url = server.url(f"/hooks/{token}?sig={token[::-1]}")
    echo = f"no service at {url} (path /hooks/{token})".encode()
    server.script = [Reply(500, body=echo), Reply(404, body=echo)]
    config = notifications({"hook": {"kind": "webhook", "url_env": "U"}}, {"secops": ["hook"]})
    n, _ = notifier(config, {"U": url})
    with caplog.at_level(logging.DEBUG, logger="aisec_resources.notifier"):
        report = n.send(message())
    assert [a.status for a in report] == [500, 404]
    recorded = repr(list(report)) + caplog.text
    assert "no service at" in recorded  # the server's words are kept ...
    for secret in (url, token, token[::-1], "/hooks/"):
        assert secret not in recorded  # ... its echo of the URL is not


# --- SMTP -----------------------------------------------------------------------------------


def test_smtp_first_try_fails_with_451_second_delivers(smtp_server) -> None:
    server = smtp_server(data_failures=1, credentials=("mailer", "pw-Secret-123"))
    channel = smtp_channel(server.port, username_env="SMTP_USER", password_env="SMTP_PASS")
    config = notifications({"mail": channel}, {"ciso": ["mail"]})
    n, sleep = notifier(config, {"SMTP_USER": "mailer", "SMTP_PASS": "pw-Secret-123"})

    report = n.send(message(audience="ciso"))

    assert [(a.attempt, a.ok, a.status, a.final) for a in report] == [
        (1, False, 451, False),
        (2, True, 250, True),
    ]
    assert all(a.kind == "smtp" for a in report)
    assert "try again later" in report[0].error
    assert sleep.requested == [1.0]
    assert report.ok and report.delivered == ["mail"]

    assert len(server.messages) == 1
    received = email.message_from_bytes(server.messages[0], policy=email.policy.default)
    assert (
        received["Subject"]
        == "[SEV2] Prompt injection against support-bot (incident INC-2031-0007)"
    )
    assert received["From"] == "aisec@example.test"
    assert received["To"] == "ciso@example.test, secops@example.test"
    assert received["X-Aisec-Incident"] == "INC-2031-0007"
    text = received.get_content()
    assert "Detection D-17 fired 12 times" in text and "asset" in text and "support-bot" in text
    assert sum(c.upper().startswith("RCPT TO") for c in server.commands) == 4  # 2 per try
    assert not any("pw-Secret-123" in (a.error or "") for a in report)


def test_smtp_rejected_credentials_are_final_and_not_echoed(smtp_server) -> None:
    server = smtp_server(credentials=("mailer", "right-password"))
    channel = smtp_channel(server.port, username_env="SMTP_USER", password_env="SMTP_PASS")
    config = notifications({"mail": channel}, {"ciso": ["mail"]})
    n, sleep = notifier(config, {"SMTP_USER": "mailer", "SMTP_PASS": "wrong-password-42"})
    report = n.send(message(audience="ciso"))
    assert [(a.ok, a.status, a.final) for a in report] == [(False, 535, True)]
    assert sleep.requested == [] and server.messages == []
    assert "wrong-password-42" not in report[0].error


def test_smtp_unreachable_fails_after_the_configured_attempts() -> None:
    config = notifications({"mail": smtp_channel(free_port())}, {"ciso": ["mail"]}, attempts=2)
    n, sleep = notifier(config, {})
    report = n.send(message(audience="ciso"))
    assert [(a.ok, a.final) for a in report] == [(False, False), (False, True)]
    assert sleep.requested == [1.0] and not report.ok


# --- redaction ------------------------------------------------------------------------------


def test_a_key_shaped_string_never_reaches_any_server(http_server, smtp_server) -> None:
    key = planted_key()
    hook, slack = http_server(), http_server()
    mail = smtp_server()
    config = notifications(
        {
            "hook": {"kind": "webhook", "url_env": "HOOK"},
            "slack": {"kind": "slack", "url_env": "SLACK"},
            "mail": smtp_channel(mail.port),
        },
        {"secops": ["hook", "slack", "mail"]},
    )
    n, _ = notifier(config, {"HOOK": hook.url(), "SLACK": slack.url()})
    report = n.send(
        message(
            incident_id=f"INC-{key}",
            subject=f"key {key} leaked",
            body=f"The model printed {key} in its answer.\n" + "x" * 200 + key,
            fields={"leaked": key, "api_key": "hunter2hunter2", "nested": [{"k": key}]},
        )
    )
    assert report.ok and report.delivered == ["hook", "slack", "mail"]

    raw = [r.body for r in hook.requests + slack.requests] + mail.messages
    decoded = [
        email.message_from_bytes(m, policy=email.policy.default).get_content()
        for m in mail.messages
    ]
    everything = b"".join(raw).decode("utf-8") + "".join(decoded)
    assert key not in everything and key[3:20] not in everything
    assert "hunter2" not in everything
    assert "<redacted:" in everything
    payload = hook.requests[0].json()
    assert payload["fields"]["api_key"].startswith("<redacted:")
    assert payload["subject"].startswith("key <redacted:")


# --- the local file channel -----------------------------------------------------------------


def test_the_file_channel_appends_one_redacted_json_line_per_notification(tmp_path) -> None:
    key = planted_key(5)
    outbox = tmp_path / "outbox" / "notifications.jsonl"  # its directory does not exist yet
    config = notifications({"box": {"kind": "file", "path": str(outbox)}}, {"default": ["box"]})
    n, sleep = notifier(config, {})
    assert n.required_variables() == {"box": []}
    first = n.send(message(subject=f"key {key} leaked", fields={"api_key": key}))
    second = n.send(message(incident_id="INC-2031-0008", audience="ciso"))
    assert first.ok and second.ok and first.delivered == ["box"] and sleep.requested == []
    assert [(a.kind, a.attempt, a.status, a.error) for a in first] == [("file", 1, None, None)]
    text = outbox.read_text(encoding="utf-8")
    assert key not in text and key[3:20] not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(m["incident_id"], m["audience"]) for m in lines] == [
        ("INC-2031-0007", "secops"),
        ("INC-2031-0008", "ciso"),
    ]
    assert lines[0]["subject"].startswith("key <redacted:") and lines[0]["source"] == "aisec"
    assert lines[0] == webhook_payload(redact_notification(message(
        subject=f"key {key} leaked", fields={"api_key": key}
    )))  # fmt: skip


def test_a_file_channel_that_cannot_write_fails_once_naming_the_file(tmp_path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the outbox directory should be", encoding="utf-8")
    target = blocker / "notifications.jsonl"
    n, sleep = notifier(
        notifications({"box": {"kind": "file", "path": str(target)}}, {"secops": ["box"]}), {}
    )
    report = n.send(message())
    assert not report.ok and report.failed == ["box"] and sleep.requested == []
    (attempt,) = report
    assert attempt.final and attempt.attempt == 1
    assert attempt.error is not None and attempt.error.startswith(f"cannot append to {target}")


def test_a_file_channels_relative_path_is_read_against_the_config_file(tmp_path) -> None:
    section = {
        "channels": {"box": {"kind": "file", "path": "outbox/notifications.jsonl"}},
        "routes": {"default": ["box"]},
    }
    cfg = parse_config(_aisec(section), tmp_path / "conf" / "aisec.yaml")
    path = cfg.notifications.channels["box"].path
    assert path == (tmp_path / "conf" / "outbox" / "notifications.jsonl").resolve()
    resource = NotifierResource.from_config(cfg.notifications)
    assert resource.notifications_config() == cfg.notifications


# --- routing --------------------------------------------------------------------------------


def test_routing_by_audience_with_a_default_and_no_silent_drop(http_server) -> None:
    a, b = http_server(), http_server()
    channels = {"a": {"kind": "webhook", "url_env": "A"}, "b": {"kind": "webhook", "url_env": "B"}}
    environ = {"A": a.url(), "B": b.url()}
    n, _ = notifier(notifications(channels, {"ciso": ["a", "b"], "secops": ["b"]}), environ)
    assert n.send(message(audience="ciso")).delivered == ["a", "b"]
    assert n.send(message(audience="secops")).delivered == ["b"]
    assert not n.has_route("legal")
    with pytest.raises(NoRouteError, match="legal"):
        n.send(message(audience="legal"))
    assert len(a.requests) == 1 and len(b.requests) == 2

    with_default, _ = notifier(notifications(channels, {"default": ["a"]}), environ)
    assert with_default.has_route("legal")
    assert with_default.send(message(audience="legal")).delivered == ["a"]


def test_one_failing_channel_does_not_stop_the_others(http_server) -> None:
    good = http_server()
    channels = {
        "broken": {"kind": "webhook", "url_env": "NOT_SET_ANYWHERE"},
        "good": {"kind": "webhook", "url_env": "GOOD"},
    }
    n, _ = notifier(notifications(channels, {"secops": ["broken", "good"]}), {"GOOD": good.url()})
    report = n.send(message())
    assert report.delivered == ["good"] and report.failed == ["broken"] and not report.ok
    (broken,) = [a for a in report if a.channel == "broken"]
    assert (broken.attempt, broken.ok, broken.final) == (0, False, True)
    assert broken.error == "environment variable NOT_SET_ANYWHERE is not set"


# --- configuration --------------------------------------------------------------------------


def _aisec(notifications_section: Any) -> dict[str, Any]:
    return {
        "organisation": "Example",
        "warehouse": {"path": "wh.duckdb"},
        "notifications": notifications_section,
    }


README_EXAMPLE = {
    "channels": {
        "secops-slack": {"kind": "slack", "url_env": "AISEC_SLACK_WEBHOOK_URL"},
        "soar": {"kind": "webhook", "url_env": "AISEC_SOAR_WEBHOOK_URL"},
        "ciso-mail": {
            "kind": "smtp",
            "smtp": {
                "host": "smtp.example.com",
                "port": 587,
                "starttls": True,
                "username_env": "AISEC_SMTP_USER",
                "password_env": "AISEC_SMTP_PASSWORD",
                "sender": "aisec@example.com",
                "recipients": ["ciso@example.com", "secops@example.com"],
            },
        },
    },
    "routes": {
        "ai_security_lead": ["secops-slack", "soar"],
        "ciso": ["ciso-mail", "secops-slack"],
        "default": ["soar"],
    },
    "retry": {
        "attempts": 4,
        "backoff_seconds": 1.0,
        "max_backoff_seconds": 30,
        "timeout_seconds": 10,
    },
}


def test_the_documented_example_parses_and_the_section_defaults_to_nothing(tmp_path) -> None:
    cfg = parse_config(_aisec(README_EXAMPLE), tmp_path / "aisec.yaml")
    assert cfg.notifications.routes["ciso"] == ["ciso-mail", "secops-slack"]
    assert cfg.notifications.channels["ciso-mail"].smtp.port == 587
    bare = parse_config(_aisec({}), tmp_path / "aisec.yaml").notifications
    assert bare.channels == {} and bare.retry.attempts == 4


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            {
                "channels": {"a": {"kind": "webhook", "url_env": "A"}},
                "routes": {"ciso": ["a", "nope"]},
            },
            "notifications: route 'ciso' names unknown channel(s) ['nope']",
        ),
        (
            {"channels": {"a": {"kind": "webhook", "url_env": "A", "verify": False}}},
            "notifications.channels.a.verify: unknown key",
        ),
        ({"retry": {"attempts": 3, "jitter": True}}, "notifications.retry.jitter: unknown key"),
        ({"channelz": {}}, "notifications.channelz: unknown key"),
        ({"channels": {"a": {"kind": "slack"}}}, "a channel of kind slack needs url_env"),
        ({"channels": {"a": {"kind": "file"}}}, "a channel of kind file needs path"),
        (
            {"channels": {"a": {"kind": "webhook", "url_env": "A", "path": "x.jsonl"}}},
            "a channel of kind webhook takes no path",
        ),
        (
            {"channels": {"a": {"kind": "file", "path": "x.jsonl", "url_env": "A"}}},
            "a channel of kind file takes no url_env or smtp: section",
        ),
        ({"channels": {"a": {"kind": "pager", "url_env": "A"}}}, "notifications.channels.a.kind"),
        (
            {"channels": {"m": smtp_channel(25, username_env="USER_ONLY")}},
            "needs both username_env and password_env",
        ),
        (
            {"retry": {"backoff_seconds": 10, "max_backoff_seconds": 5}},
            "max_backoff_seconds must not be below backoff_seconds",
        ),
        ({"channels": {"a": {"kind": "webhook", "url_env": "A"}}, "routes": {"x": []}}, "routes.x"),
    ],
)
def test_invalid_sections_are_clear_errors(tmp_path, section, expected) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_aisec(section), tmp_path / "aisec.yaml")
    assert expected in str(err.value)
    assert str(tmp_path / "aisec.yaml") in str(err.value)


def test_a_secret_pasted_into_the_file_is_refused_without_being_echoed(tmp_path) -> None:
    url = "https://hooks.example.test/services/T00/B00/" + planted_key(3)[8:]
    for section in (
        {"channels": {"a": {"kind": "slack", "url_env": url}}},
        {"channels": {"a": {"kind": "slack", "url": url}}},
        {"channels": {"m": smtp_channel(25, username_env="U", password_env="hunter2 hunter2")}},
    ):
        with pytest.raises(ConfigError) as err:
            parse_config(_aisec(section), tmp_path / "aisec.yaml")
        text = str(err.value)
        assert url not in text and "hooks.example" not in text and "hunter2" not in text
        assert "notifications.channels." in text


def test_missing_or_unusable_variables_are_named_without_their_values() -> None:
    config = notifications(
        {
            "slack": {"kind": "slack", "url_env": "AISEC_TEST_SLACK_URL"},
            "mail": smtp_channel(25, username_env="AISEC_TEST_SMTP_USER", password_env="PW"),
        },
        {"secops": ["slack", "mail"]},
    )
    n, _ = notifier(config, {"PW": "s3cret-pw"})
    with pytest.raises(NotifierEnvironmentError) as err:
        n.check_environment()
    assert str(err.value) == (
        "notification environment variables not set: AISEC_TEST_SLACK_URL (channel slack), "
        "AISEC_TEST_SMTP_USER (channel mail)"
    )
    report = n.send(message())
    assert [(a.channel, a.attempt, a.error) for a in report] == [
        ("slack", 0, "environment variable AISEC_TEST_SLACK_URL is not set"),
        ("mail", 0, "environment variable AISEC_TEST_SMTP_USER is not set"),
    ]
    assert "s3cret-pw" not in repr(list(report))

    for bad in (
        "file:///etc/passwd",
        "ftp://user:pw@host/x",
        "https://host:notaport/x",
        "ht tp://x",
    ):
        n, _ = notifier(config, {"AISEC_TEST_SLACK_URL": bad})
        (attempt,) = [a for a in n.send(message()) if a.channel == "slack"]
        assert not attempt.ok and attempt.attempt == 0
        assert "AISEC_TEST_SLACK_URL" in attempt.error
        assert bad not in attempt.error and "passwd" not in attempt.error
        assert "notaport" not in attempt.error


# --- the Dagster resource -------------------------------------------------------------------


def test_the_resource_carries_variable_names_and_delivers_in_a_run(
    http_server, monkeypatch
) -> None:
    server = http_server()
    cfg = notifications(
        {"hook": {"kind": "webhook", "url_env": "AISEC_TEST_HOOK"}}, {"secops": ["hook"]}
    )
    resource = NotifierResource.from_config(cfg)
    assert resource.notifications_config() == cfg
    assert server.url() not in repr(resource)
    monkeypatch.setenv("AISEC_TEST_HOOK", server.url())
    outcome: dict[str, DeliveryReport] = {}

    @dg.asset
    def notify(notifier: NotifierResource) -> None:
        sleep = FakeSleep()
        outcome["report"] = notifier.notifier(now=FakeClock(), sleep=sleep).send(message())

    assert dg.materialize([notify], resources={"notifier": resource}).success
    assert outcome["report"].ok and len(server.requests) == 1


def test_a_resource_with_a_bad_route_is_a_config_error() -> None:
    resource = NotifierResource(
        channels={"a": {"kind": "webhook", "url_env": "A"}}, routes={"ciso": ["b"]}
    )
    with pytest.raises(ConfigError, match=r"resource notifier: notifications: route 'ciso'"):
        resource.notifier(now=FakeClock())
