"""`notifications:` in aisec.yaml: where incident notifications go, and how hard to try.

```yaml
notifications:
  channels:
    secops-slack:
      kind: slack                  # Slack-compatible incoming webhook
      url_env: AISEC_SLACK_WEBHOOK_URL
    soar:
      kind: webhook                # generic JSON webhook (POST)
      url_env: AISEC_SOAR_WEBHOOK_URL
    local-outbox:
      kind: file                   # JSON lines appended to a local file (demo, air-gapped
      path: outbox/notifications.jsonl   # sites, a SIEM's file collector); relative to this file
    ciso-mail:
      kind: smtp
      smtp:
        host: smtp.example.com
        port: 587
        starttls: true
        username_env: AISEC_SMTP_USER        # optional (both or neither)
        password_env: AISEC_SMTP_PASSWORD
        sender: aisec@example.com
        recipients: [ciso@example.com, secops@example.com]
  routes:                          # audience (a role, a team) -> channels
    ai_security_lead: [secops-slack, soar]
    ciso: [ciso-mail, secops-slack]
    default: [soar]                # any other audience (optional; without it an
                                   # unrouted audience is an error, never a silent drop)
  retry:
    attempts: 4                    # tries per channel, the first included
    backoff_seconds: 1.0           # 1, 2, 4, ... between tries
    max_backoff_seconds: 30        # cap, also for a server's Retry-After
    timeout_seconds: 10            # per connection / request
```

A webhook URL usually holds its token, so the file only names the environment variable that
holds it (`url_env`); SMTP credentials likewise. The variables are read when a notification is
sent, and an error names the variable, never its value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from aisec_resources.config.base import _Strict

ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
CHANNEL_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
# Deliberately loose (no DNS or RFC 5321 parsing): one @, no whitespace or header breaks.
ADDRESS_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")

ChannelKind = Literal["webhook", "slack", "smtp", "file"]
Audience = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


def _env_name(value: str | None, key: str) -> str | None:
    # Never echo the value: a URL or a password pasted here instead of a variable name is
    # exactly the mistake this catches.
    if value is not None and not ENV_NAME_RE.match(value):
        raise ValueError(
            f"{key} names an environment variable (letters, digits and _, not starting with a "
            "digit); the secret itself never goes in this file"
        )
    return value


class SmtpConfig(_Strict):
    host: Annotated[str, StringConstraints(min_length=1, max_length=253, strip_whitespace=True)]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None
    sender: str
    recipients: Annotated[list[str], Field(min_length=1, max_length=100)]

    @field_validator("username_env", "password_env")
    @classmethod
    def _env(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _env_name(v, str(info.field_name))

    @field_validator("host")
    @classmethod
    def _host(cls, v: str) -> str:
        if any(c.isspace() or c in "/@" for c in v):
            raise ValueError("a host name or address, without scheme, path or credentials")
        return v

    @field_validator("sender")
    @classmethod
    def _sender(cls, v: str) -> str:
        if not ADDRESS_RE.match(v):
            raise ValueError("not an email address (name@domain)")
        return v

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, v: list[str]) -> list[str]:
        bad = [i for i, address in enumerate(v) if not ADDRESS_RE.match(address)]
        if bad:
            raise ValueError(f"entries {bad} are not email addresses (name@domain)")
        if len(set(v)) != len(v):
            raise ValueError("a recipient is listed twice")
        return v

    @model_validator(mode="after")
    def _auth_pair(self) -> SmtpConfig:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("SMTP authentication needs both username_env and password_env")
        return self


class ChannelConfig(_Strict):
    kind: ChannelKind
    url_env: str | None = None  # webhook, slack: the variable holding the URL
    smtp: SmtpConfig | None = None  # smtp
    path: Path | None = None  # file: the JSON-lines file notifications are appended to

    @field_validator("url_env")
    @classmethod
    def _url_env(cls, v: str | None) -> str | None:
        return _env_name(v, "url_env")

    @model_validator(mode="after")
    def _shape(self) -> ChannelConfig:
        if self.kind != "file" and self.path is not None:
            raise ValueError(f"a channel of kind {self.kind} takes no path")
        if self.kind == "file":
            if self.path is None:
                raise ValueError("a channel of kind file needs path (the JSON-lines file)")
            if self.url_env is not None or self.smtp is not None:
                raise ValueError("a channel of kind file takes no url_env or smtp: section")
        elif self.kind == "smtp":
            if self.smtp is None:
                raise ValueError("a channel of kind smtp needs an smtp: section")
            if self.url_env is not None:
                raise ValueError("a channel of kind smtp takes no url_env")
        else:
            if self.url_env is None:
                raise ValueError(f"a channel of kind {self.kind} needs url_env")
            if self.smtp is not None:
                raise ValueError(f"a channel of kind {self.kind} takes no smtp: section")
        return self


class RetryConfig(_Strict):
    attempts: Annotated[int, Field(ge=1, le=10)] = 4
    backoff_seconds: Annotated[float, Field(ge=0, le=300)] = 1.0
    max_backoff_seconds: Annotated[float, Field(ge=0, le=3600)] = 30.0
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0

    @model_validator(mode="after")
    def _cap(self) -> RetryConfig:
        if self.max_backoff_seconds < self.backoff_seconds:
            raise ValueError("max_backoff_seconds must not be below backoff_seconds")
        return self


class NotificationsConfig(_Strict):
    channels: dict[str, ChannelConfig] = {}
    routes: dict[Audience, Annotated[list[str], Field(min_length=1)]] = {}
    retry: RetryConfig = RetryConfig()

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, v: dict[str, ChannelConfig]) -> dict[str, ChannelConfig]:
        bad = [name for name in v if not CHANNEL_NAME_RE.match(name)]
        if bad:
            raise ValueError(
                f"channel names {bad!r}: letters, digits, _ . - (up to 64, not starting with . -)"
            )
        return v

    @model_validator(mode="after")
    def _routes_name_channels(self) -> NotificationsConfig:
        problems = []
        for audience, names in self.routes.items():
            unknown = sorted({n for n in names if n not in self.channels})
            if unknown:
                problems.append(f"route {audience!r} names unknown channel(s) {unknown}")
            if len(set(names)) != len(names):
                problems.append(f"route {audience!r} lists a channel twice")
        if problems:
            known = sorted(self.channels)
            raise ValueError("; ".join(problems) + f" (channels: {known})")
        return self
