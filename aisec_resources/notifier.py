"""Incident notifications: a generic JSON webhook, a Slack-compatible incoming webhook, SMTP,
and a local JSON-lines file (the demo's outbox; sites whose SIEM collects files).

* `Notifier` — the plain-Python core (no Dagster): `send(Notification)` routes a message by its
  audience (`notifications.routes` in aisec.yaml) to channels and tries each one, with
  exponential backoff, on connection errors, timeouts, HTTP 5xx and 429 (a server's
  Retry-After is honoured, capped) and on SMTP 4xx replies; other 4xx (and SMTP 5xx) are
  final at once. It returns a `DeliveryReport`: one `DeliveryAttempt` per try, and whether
  every routed channel delivered. A channel whose last try failed is reported failed, never
  passed over: the caller escalates.
* `NotifierResource` — the Dagster resource built from the `notifications:` section. Its fields
  name environment variables, never hold a secret; `notifier(now=...)` gives the core.

Nothing leaves the process unredacted: subject, body, ids and fields pass `redact_text` /
`redact_structure` before any payload is built. Webhook URLs (which hold tokens) and SMTP
credentials are read from the environment when a message is sent and never appear in an
attempt's error text, which is redacted as well.

Time comes from the caller: `now` stamps attempts and reads HTTP-date Retry-After values, and
`sleep` waits between tries (tests pass fakes; the product passes the run's clock).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import ValidationError

from aisec_resources.config.base import ConfigError, format_errors
from aisec_resources.config.notifications import ChannelConfig, NotificationsConfig, RetryConfig
from aisec_resources.redaction import redact_structure, redact_text

__all__ = [
    "DeliveryAttempt",
    "DeliveryReport",
    "NoRouteError",
    "Notification",
    "Notifier",
    "NotifierEnvironmentError",
    "NotifierResource",
    "email_message",
    "slack_payload",
    "webhook_payload",
]

log = logging.getLogger(__name__)

USER_AGENT = "aisec-notifier/1"
ERROR_LIMIT = 300  # characters of an attempt's error text
RESPONSE_SNIPPET = 200  # characters of an error response's body quoted in the error
RESPONSE_READ_LIMIT = 64 * 1024
# Slack Block Kit limits.
SLACK_HEADER_LIMIT = 150
SLACK_TEXT_LIMIT = 3000
SLACK_FIELD_LIMIT = 2000
SLACK_MAX_FIELDS = 10


class NotifierEnvironmentError(RuntimeError):
    """A variable a channel needs is unset or unusable; the message names it, never its value."""


class NoRouteError(LookupError):
    """No route (and no `default` route) for a notification's audience."""


@dataclass(frozen=True)
class Notification:
    incident_id: str
    audience: str
    subject: str
    body: str
    severity: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryAttempt:
    """One try to deliver a notification over one channel.

    `attempt` counts from 1; 0 means the channel could not be set up (a missing environment
    variable) and nothing was sent. `status` is the HTTP status or the SMTP reply code, when
    there was one. `error` is redacted and never holds the URL or a credential. `final` marks
    a channel's last try: ok, not retryable, or out of attempts.
    """

    channel: str
    kind: str
    attempt: int
    at: datetime
    ok: bool
    status: int | None
    error: str | None
    final: bool


class DeliveryReport(list[DeliveryAttempt]):
    """The attempts of one `send`, in order, and per channel whether it delivered."""

    def __init__(self, attempts: Iterable[DeliveryAttempt] = (), channels: Iterable[str] = ()):
        super().__init__(attempts)
        self.channels: tuple[str, ...] = tuple(channels)

    def _last(self) -> dict[str, DeliveryAttempt]:
        return {a.channel: a for a in self}

    @property
    def delivered(self) -> list[str]:
        last = self._last()
        return [c for c in self.channels if c in last and last[c].ok]

    @property
    def failed(self) -> list[str]:
        last = self._last()
        return [c for c in self.channels if c not in last or not last[c].ok]

    @property
    def ok(self) -> bool:
        """Every routed channel delivered (a report without channels is not ok)."""
        return bool(self.channels) and not self.failed


# --- redaction and payloads ---------------------------------------------------------------


def _jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-shaped copy: anything else becomes its ISO form or str(), so that it passes
    redaction as text (an object's str() could hold a secret)."""
    if depth > 50:
        return "<nested too deep>"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v, depth + 1) for v in value]
    return str(value)


def redact_notification(message: Notification) -> Notification:
    """The notification as it may leave the process."""
    fields = redact_structure(_jsonable(dict(message.fields)))
    return Notification(
        incident_id=redact_text(str(message.incident_id)),
        audience=redact_text(str(message.audience)),
        subject=redact_text(str(message.subject)),
        body=redact_text(str(message.body)),
        severity=redact_text(str(message.severity)),
        fields=fields,
    )


def webhook_payload(message: Notification) -> dict[str, Any]:
    """The generic webhook's JSON body (of an already redacted notification)."""
    return {
        "source": "aisec",
        "incident_id": message.incident_id,
        "audience": message.audience,
        "severity": message.severity,
        "subject": message.subject,
        "body": message.body,
        "fields": dict(message.fields),
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn control characters; `<redacted:…>` markers must not read as links.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _field_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def slack_payload(message: Notification) -> dict[str, Any]:
    """A Slack incoming-webhook body: `text` (the notification fallback) and Block Kit blocks."""
    title = _one_line(f"[{message.severity}] {message.subject}")
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(title, SLACK_HEADER_LIMIT) or "aisec"},
        }
    ]
    if message.body.strip():
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _cut(_slack_escape(message.body), SLACK_TEXT_LIMIT),
                },
            }
        )
    items = list(message.fields.items())
    if items:
        shown = items if len(items) <= SLACK_MAX_FIELDS else items[: SLACK_MAX_FIELDS - 1]
        fields = [
            {
                "type": "mrkdwn",
                "text": _cut(
                    f"*{_slack_escape(_one_line(str(k)))}*\n{_slack_escape(_field_text(v))}",
                    SLACK_FIELD_LIMIT,
                ),
            }
            for k, v in shown
        ]
        if len(shown) < len(items):
            fields.append({"type": "mrkdwn", "text": f"… {len(items) - len(shown)} more fields"})
        blocks.append({"type": "section", "fields": fields})
    context = (
        f"aisec incident `{_slack_escape(_one_line(message.incident_id))}` · "
        f"audience {_slack_escape(_one_line(message.audience))}"
    )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(context, 3000)}]}
    )
    return {"text": _cut(_slack_escape(title), SLACK_TEXT_LIMIT), "blocks": blocks}


def _aware(instant: datetime) -> datetime:
    # The run's clock is naive UTC (as the warehouse stores it).
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def email_message(
    message: Notification, sender: str, recipients: list[str], at: datetime
) -> EmailMessage:
    """A plain-text email (of an already redacted notification)."""
    email = EmailMessage()
    subject = _one_line(f"[{message.severity}] {message.subject} (incident {message.incident_id})")
    email["Subject"] = _cut(subject, 250)
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Date"] = format_datetime(_aware(at))
    email["X-Aisec-Incident"] = _cut(_one_line(message.incident_id), 200)
    lines = [message.body.rstrip(), ""]
    if message.fields:
        width = min(max(len(str(k)) for k in message.fields), 30)
        lines += [f"{k!s:<{width}}  {_field_text(v)}" for k, v in message.fields.items()]
        lines.append("")
    lines += [
        f"Incident: {message.incident_id}",
        f"Severity: {message.severity}",
        f"Audience: {message.audience}",
        "",
        "-- sent by aisec",
    ]
    email.set_content("\n".join(lines) + "\n")
    return email


# --- transports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None  # seconds the server asked for


class _Scrubber:
    """Removes a channel's secrets (URL, its token-bearing parts, credentials) from text, then
    redacts it and cuts it short."""

    def __init__(self, secrets: Iterable[str]):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<secret>")
        return _cut(_one_line(redact_text(text)), ERROR_LIMIT)


def _url_secrets(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    secrets = [url, parts.path, parts.query, parts.fragment, parts.netloc]
    secrets += [seg for seg in parts.path.split("/") if len(seg) >= 8]
    secrets += [v for _, v in urllib.parse.parse_qsl(parts.query) if len(v) >= 8]
    if parts.username:
        secrets.append(parts.username)
    if parts.password:
        secrets.append(parts.password)
    return secrets


def _validated_url(url: str, variable: str) -> str:
    """`url` if it is a usable http(s) URL; errors name the variable, never the value."""
    url = url.strip()
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise NotifierEnvironmentError(f"environment variable {variable} holds an invalid URL")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise NotifierEnvironmentError(
            f"environment variable {variable} holds an invalid URL"
        ) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise NotifierEnvironmentError(
            f"environment variable {variable} does not hold an http(s) URL"
        )
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: urllib would turn the POST into a GET and drop the body."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None


def _retry_after(value: str | None, now: Callable[[], datetime]) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = (_aware(when) - _aware(now())).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(seconds, 0.0)


class _HttpTransport:
    def __init__(
        self, url: str, payload: dict[str, Any], timeout: float, now: Callable[[], datetime]
    ):
        self._url = url
        self._data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._timeout = timeout
        self._now = now
        self._scrub = _Scrubber(_url_secrets(url))
        self._opener = urllib.request.build_opener(_NoRedirect)

    def send(self) -> _Outcome:
        request = urllib.request.Request(
            self._url,
            data=self._data,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read(RESPONSE_READ_LIMIT)
                status = response.status
        except urllib.error.HTTPError as exc:
            return self._http_error(exc)
        except urllib.error.URLError as exc:
            reason = exc.reason
            retryable = not isinstance(reason, ssl.SSLError)
            return _Outcome(
                False, None, self._scrub(f"connection failed: {_describe(reason)}"), retryable
            )
        except TimeoutError:
            return _Outcome(False, None, f"timed out after {self._timeout:g}s", True)
        except (OSError, http.client.HTTPException) as exc:
            return _Outcome(False, None, self._scrub(f"connection error: {_describe(exc)}"), True)
        except ValueError:
            return _Outcome(False, None, "the URL was rejected by the HTTP client", False)
        if 200 <= status < 300:
            return _Outcome(True, status)
        return _Outcome(False, status, f"unexpected HTTP status {status}", False)

    def _http_error(self, exc: urllib.error.HTTPError) -> _Outcome:
        code = exc.code
        try:
            body = exc.read(RESPONSE_READ_LIMIT).decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            body = ""
        finally:
            exc.close()
        text = f"HTTP {code} {exc.reason}"
        snippet = _one_line(body)[:RESPONSE_SNIPPET]
        if snippet:
            text += f": {snippet}"
        if 300 <= code < 400:
            text += " (redirects are not followed: configure the final URL)"
        retryable = code == 429 or code >= 500
        retry_after = _retry_after(exc.headers.get("Retry-After"), self._now) if retryable else None
        return _Outcome(False, code, self._scrub(text), retryable, retry_after)


def _describe(exc: object) -> str:
    if isinstance(exc, BaseException):
        detail = str(exc)
        return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return str(exc)


class _FileTransport:
    """Appends the generic webhook's JSON body, one line, to a local file (parents created).
    A write that fails (permissions, a full disk) is final: retrying within seconds would not
    fix it, and the next run retries the notification anyway."""

    def __init__(self, path: Path, payload: dict[str, Any]):
        self._path = path
        self._line = json.dumps(payload, ensure_ascii=False, sort_keys=True) + "\n"

    def send(self) -> _Outcome:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("a", encoding="utf-8") as out:
                out.write(self._line)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return _Outcome(False, None, redact_text(f"cannot append to {self._path}: {reason}"))
        return _Outcome(True)


class _SmtpTransport:
    def __init__(
        self,
        email: EmailMessage,
        host: str,
        port: int,
        starttls: bool,
        sender: str,
        recipients: list[str],
        credentials: tuple[str, str] | None,
        timeout: float,
    ):
        self._email = email
        self._host = host
        self._port = port
        self._starttls = starttls
        self._sender = sender
        self._recipients = recipients
        self._credentials = credentials
        self._timeout = timeout
        self._scrub = _Scrubber(credentials or ())

    def send(self) -> _Outcome:
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                smtp.ehlo()
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self._credentials:
                    smtp.login(*self._credentials)
                refused = smtp.send_message(
                    self._email, from_addr=self._sender, to_addrs=self._recipients
                )
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = ", ".join(f"{r} ({c})" for r, (c, _) in exc.recipients.items())
            return _Outcome(
                False,
                max(codes) if codes else None,
                self._scrub(f"every recipient refused: {detail}"),
                bool(codes) and all(400 <= c < 500 for c in codes),
            )
        except smtplib.SMTPResponseException as exc:
            reply = exc.smtp_error
            if isinstance(reply, bytes):
                reply = reply.decode("utf-8", errors="replace")
            return _Outcome(
                False,
                exc.smtp_code,
                self._scrub(f"SMTP {exc.smtp_code} {reply}"),
                400 <= exc.smtp_code < 500,
            )
        except smtplib.SMTPNotSupportedError as exc:
            return _Outcome(False, None, self._scrub(f"SMTP server: {exc}"), False)
        except ssl.SSLError as exc:
            return _Outcome(False, None, self._scrub(f"TLS failed: {_describe(exc)}"), False)
        except TimeoutError:
            return _Outcome(False, None, f"timed out after {self._timeout:g}s", True)
        except (OSError, smtplib.SMTPException) as exc:
            # Connection refused or dropped (SMTPServerDisconnected), name resolution, ...
            return _Outcome(False, None, self._scrub(f"connection error: {_describe(exc)}"), True)
        if refused:
            detail = ", ".join(f"{r} ({c})" for r, (c, _) in refused.items())
            return _Outcome(True, 250, self._scrub(f"delivered, but refused for: {detail}"))
        return _Outcome(True, 250)


# --- the core -------------------------------------------------------------------------------


DEFAULT_ROUTE = "default"


class Notifier:
    """Routes notifications to channels and retries each (see the module docstring).

    `now` is required: the product passes the run's clock (`AisecSettings.now`), tests a fake.
    `environ` is where channel secrets are read from when a message is sent (os.environ).
    """

    def __init__(
        self,
        config: NotificationsConfig,
        *,
        now: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
    ):
        self.config = config
        self._now = now
        self._sleep = sleep
        self._environ = environ

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def channels_for(self, audience: str) -> list[str]:
        """The channels a notification for `audience` goes to (its route, else `default`)."""
        routes = self.config.routes
        key = audience.strip()
        if key in routes:
            return list(routes[key])
        if DEFAULT_ROUTE in routes:
            return list(routes[DEFAULT_ROUTE])
        raise NoRouteError(
            f"no notification route for audience {redact_text(key)!r} and no "
            f"{DEFAULT_ROUTE!r} route; routes: {sorted(routes)}"
        )

    def has_route(self, audience: str) -> bool:
        """Whether `send` would deliver a notification for `audience` anywhere."""
        routes = self.config.routes
        return audience.strip() in routes or DEFAULT_ROUTE in routes

    def required_variables(self) -> dict[str, list[str]]:
        """Channel name -> the environment variables it reads."""
        out: dict[str, list[str]] = {}
        for name, channel in self.config.channels.items():
            if channel.smtp is not None:
                names = [channel.smtp.username_env, channel.smtp.password_env]
            else:
                names = [channel.url_env]
            out[name] = [n for n in names if n]
        return out

    def check_environment(self) -> None:
        """Raise `NotifierEnvironmentError` naming every variable a channel needs that is
        unset or empty (for a preflight such as `aisec doctor`; `send` records the same
        problem as a failed delivery instead)."""
        missing = sorted(
            {
                f"{var} (channel {name})"
                for name, variables in self.required_variables().items()
                for var in variables
                if not self.environ.get(var)
            }
        )
        if missing:
            raise NotifierEnvironmentError(
                "notification environment variables not set: " + ", ".join(missing)
            )

    def send(self, message: Notification) -> DeliveryReport:
        """Deliver `message` over every channel of its audience's route.

        Raises `NoRouteError` when the audience has no route (never a silent no-op). Every
        other failure is in the report: `report.ok` is False and `report.failed` names the
        channels whose last try failed.
        """
        channels = self.channels_for(message.audience)
        clean = redact_notification(message)
        report = DeliveryReport(channels=channels)
        for name in channels:
            report.extend(self._deliver(name, self.config.channels[name], clean))
        return report

    def _deliver(
        self, name: str, channel: ChannelConfig, message: Notification
    ) -> list[DeliveryAttempt]:
        try:
            transport = self._transport(channel, message)
        except NotifierEnvironmentError as exc:
            log.warning("notification channel %s not usable: %s", name, exc)
            return [
                DeliveryAttempt(name, channel.kind, 0, self._now(), False, None, str(exc), True)
            ]
        retry = self.config.retry
        attempts = []
        for number in range(1, retry.attempts + 1):
            at = self._now()
            outcome = transport.send()
            final = outcome.ok or not outcome.retryable or number == retry.attempts
            attempts.append(
                DeliveryAttempt(
                    name,
                    channel.kind,
                    number,
                    at,
                    outcome.ok,
                    outcome.status,
                    outcome.error,
                    final,
                )
            )
            if final:
                if not outcome.ok:
                    log.warning(
                        "notification via %s failed after %d attempt(s): %s",
                        name,
                        number,
                        outcome.error,
                    )
                break
            delay = _delay(retry, number, outcome.retry_after)
            log.info(
                "notification via %s: attempt %d failed (%s); retrying in %.1fs",
                name,
                number,
                outcome.error,
                delay,
            )
            self._sleep(delay)
        return attempts

    def _variable(self, variable: str) -> str:
        value = self.environ.get(variable)
        if not value:
            raise NotifierEnvironmentError(f"environment variable {variable} is not set")
        return value

    def _transport(
        self, channel: ChannelConfig, message: Notification
    ) -> _HttpTransport | _SmtpTransport | _FileTransport:
        timeout = self.config.retry.timeout_seconds
        if channel.kind == "file":
            assert channel.path is not None  # the config model guarantees it
            return _FileTransport(channel.path, webhook_payload(message))
        if channel.kind in ("webhook", "slack"):
            assert channel.url_env is not None  # the config model guarantees it
            url = _validated_url(self._variable(channel.url_env), channel.url_env)
            payload = (
                slack_payload(message) if channel.kind == "slack" else webhook_payload(message)
            )
            return _HttpTransport(url, payload, timeout, self._now)
        smtp = channel.smtp
        assert smtp is not None
        credentials = None
        if smtp.username_env and smtp.password_env:
            credentials = (self._variable(smtp.username_env), self._variable(smtp.password_env))
        email = email_message(message, smtp.sender, smtp.recipients, self._now())
        return _SmtpTransport(
            email,
            smtp.host,
            smtp.port,
            smtp.starttls,
            smtp.sender,
            smtp.recipients,
            credentials,
            timeout,
        )


def _delay(retry: RetryConfig, attempt: int, retry_after: float | None) -> float:
    """Seconds to wait after failed try `attempt`: the server's Retry-After when it gave one,
    else backoff × 2^(attempt-1); capped at max_backoff_seconds either way."""
    if retry_after is not None:
        return min(retry_after, retry.max_backoff_seconds)
    return min(retry.backoff_seconds * 2 ** (attempt - 1), retry.max_backoff_seconds)


# --- the Dagster resource -------------------------------------------------------------------


class SmtpSpec(dg.Config):
    host: str
    port: int = 587
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None
    sender: str
    recipients: list[str]


class ChannelSpec(dg.Config):
    kind: str
    url_env: str | None = None
    smtp: SmtpSpec | None = None
    path: str | None = None  # kind file: absolute (aisec.yaml's relative paths are resolved)


class NotifierResource(dg.ConfigurableResource):
    """The `notifications:` section of aisec.yaml as a resource. Fields name environment
    variables (`url_env`, `username_env`, `password_env`), never hold a secret: the values are
    read when a notification is sent, so they never appear in run config or the UI."""

    # Pydantic copies defaults per instance (ruff cannot see that through Dagster's base).
    channels: dict[str, ChannelSpec] = {}  # noqa: RUF012
    routes: dict[str, list[str]] = {}  # noqa: RUF012
    attempts: int = 4
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 10.0

    @classmethod
    def from_config(cls, config: NotificationsConfig) -> NotifierResource:
        channels = {}
        for name, channel in config.channels.items():
            smtp = None
            if channel.smtp is not None:
                smtp = SmtpSpec(**channel.smtp.model_dump())
            path = str(channel.path) if channel.path is not None else None
            channels[name] = ChannelSpec(
                kind=channel.kind, url_env=channel.url_env, smtp=smtp, path=path
            )
        return cls(
            channels=channels,
            routes={k: list(v) for k, v in config.routes.items()},
            attempts=config.retry.attempts,
            backoff_seconds=config.retry.backoff_seconds,
            max_backoff_seconds=config.retry.max_backoff_seconds,
            timeout_seconds=config.retry.timeout_seconds,
        )

    def notifications_config(self) -> NotificationsConfig:
        """The fields validated by the same model as aisec.yaml's section."""
        raw = {
            "channels": {
                name: {
                    k: v
                    for k, v in {
                        "kind": spec.kind,
                        "url_env": spec.url_env,
                        "smtp": spec.smtp.model_dump() if spec.smtp is not None else None,
                        "path": spec.path,
                    }.items()
                    if v is not None
                }
                for name, spec in self.channels.items()
            },
            "routes": self.routes,
            "retry": {
                "attempts": self.attempts,
                "backoff_seconds": self.backoff_seconds,
                "max_backoff_seconds": self.max_backoff_seconds,
                "timeout_seconds": self.timeout_seconds,
            },
        }
        try:
            return NotificationsConfig.model_validate(raw)
        except ValidationError as err:
            raise ConfigError(format_errors(_RESOURCE_PATH, err, prefix="notifications")) from None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.notifications_config()  # a bad resource config fails the step at once

    def notifier(
        self,
        *,
        now: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
    ) -> Notifier:
        return Notifier(self.notifications_config(), now=now, sleep=sleep, environ=environ)


_RESOURCE_PATH = Path("resource notifier")
