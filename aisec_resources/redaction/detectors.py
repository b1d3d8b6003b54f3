"""The credential detectors of the redaction gate.

Three kinds, all reporting character spans of one text:

* provider formats (`provider_formats.yaml`): the LLM providers', clouds' and code hosts' key
  formats, written loosely enough to catch keys the providers' documented shape does not
  promise (no marker substring, digits anywhere);
* detect-secrets' regex plugins (a maintained engine: Slack, Stripe, JWT, basic-auth URLs,
  Azure storage keys, …), their deny-lists used as they ship, minus the public-IP plugin (an IP
  address is not a credential);
* an entropy detector for the one common credential with no literal prefix: the 40-character
  AWS secret access key.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import yaml
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import RegexBasedDetector

from aisec_resources.packaged import package_data_text

FORMATS_RESOURCE = ("aisec_resources.redaction", "provider_formats.yaml")
# detect-secrets plugins left out: an IP address is not a credential.
SKIPPED_PLUGINS = frozenset({"IPPublicDetector"})
# Literals (lowercase) one of which each plugin's every match contains, read off its deny-list
# so the plugin's regexes run only on text that holds one. A plugin not listed (a new one in a
# later detect-secrets) always runs: slower, never blind.
PLUGIN_TRIGGERS: dict[str, tuple[str, ...]] = {
    "ArtifactoryDetector": ("akc", "ap"),
    "AWSKeyDetector": ("a3t", "abia", "acca", "akia", "asia", "aws"),
    "AzureStorageKeyDetector": ("accountkey=",),
    "BasicAuthDetector": ("@",),
    "CloudantDetector": ("cl",),
    "DiscordBotTokenDetector": (".",),
    "GitHubTokenDetector": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "GitLabTokenDetector": ("gl", "gr1348941"),
    "IbmCloudIamDetector": ("iam",),
    "IbmCosHmacDetector": ("secret",),
    "JwtTokenDetector": ("eyj",),
    "MailchimpDetector": ("-us",),
    "NpmDetector": ("_authtoken",),
    "OpenAIDetector": ("t3blbkfj",),
    "PrivateKeyDetector": ("private", "putty"),
    "PypiTokenDetector": ("pypi-",),
    "SendGridDetector": ("sg.",),
    "SlackDetector": ("xox", "hooks.slack.com"),
    "SoftlayerDetector": ("sl", "softlayer"),
    "SquareOAuthDetector": ("sq0csp-",),
    "StripeDetector": ("k_live_",),
    "TelegramBotTokenDetector": (":",),
    "TwilioKeyDetector": ("ac", "sk"),
}


@dataclass(frozen=True)
class Detector:
    id: str
    title: str
    pattern: re.Pattern[str]
    group: int = 0  # the capture group that is the secret (0: the whole match)
    # Lowercase literals one of which every match contains; empty: the regex always runs.
    triggers: tuple[str, ...] = ()
    lowercased: bool = False  # the pattern runs on ascii_lower(text)

    def may_match(self, lowered: str) -> bool:
        return not self.triggers or any(t in lowered for t in self.triggers)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    detector: str


def _load_formats(text: str, where: str) -> tuple[Detector, ...]:
    data = yaml.safe_load(text) or {}
    detectors = []
    for i, item in enumerate(data.get("formats") or []):
        missing = {"id", "title", "regex"} - set(item)
        if missing:
            raise ValueError(f"{where}: formats[{i}]: missing {sorted(missing)}")
        try:
            pattern = re.compile(item["regex"])
        except re.error as exc:
            raise ValueError(f"{where}: formats[{i}] ({item['id']}): bad regex: {exc}") from None
        group = int(item.get("group", 0))
        if group > pattern.groups:
            raise ValueError(f"{where}: formats[{i}] ({item['id']}): no capture group {group}")
        triggers = item.get("triggers") or []
        if not all(isinstance(t, str) and t and t == t.lower() for t in triggers):
            raise ValueError(f"{where}: formats[{i}] ({item['id']}): triggers must be lowercase")
        lowercased = bool(item.get("lowercased", False))
        if lowercased and item["regex"] != item["regex"].lower():
            raise ValueError(f"{where}: formats[{i}] ({item['id']}): lowercased regex has capitals")
        detectors.append(
            Detector(item["id"], item["title"], pattern, group, tuple(triggers), lowercased)
        )
    return tuple(detectors)


@cache
def provider_detectors() -> tuple[Detector, ...]:
    package, name = FORMATS_RESOURCE
    return _load_formats(package_data_text(package, name), f"{package}/{name}")


def _plugin_id(name: str) -> str:
    """`AWSKeyDetector` -> `ds_aws_key` (detect-secrets' plugin, as a detector id)."""
    stem = name.removesuffix("Detector")
    return "ds_" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", stem).lower()


@cache
def detect_secrets_detectors() -> tuple[Detector, ...]:
    detectors = []
    for secret_type, plugin_class in sorted(get_mapping_from_secret_type_to_class().items()):
        if not issubclass(plugin_class, RegexBasedDetector):
            continue
        if plugin_class.__name__ in SKIPPED_PLUGINS:
            continue
        for pattern in plugin_class().denylist:
            detectors.append(
                Detector(
                    _plugin_id(plugin_class.__name__),
                    secret_type,
                    pattern,
                    1 if pattern.groups >= 1 else 0,
                    PLUGIN_TRIGGERS.get(plugin_class.__name__, ()),
                )
            )
    return tuple(detectors)


AWS_SECRET_ID = "aws_secret_access_key"
_AWS_SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# Random 40-character base64 runs score about 4.8 bits per character; camel-case identifiers
# and paths of that length score under 4.
AWS_SECRET_MIN_ENTROPY = 4.1  # below the audit's 4.3: the gate masks all the audit would flag


def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0


def looks_like_aws_secret(token: str) -> bool:
    return (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
        and shannon_entropy(token) >= AWS_SECRET_MIN_ENTROPY
    )


def _aws_secret_spans(text: str) -> Iterator[Span]:
    for m in _AWS_SECRET_SHAPE.finditer(text):
        if looks_like_aws_secret(m[0]):
            yield Span(m.start(), m.end(), AWS_SECRET_ID)


# Characters a context-matching pattern may include at the edges of a whole-match span (a
# leading `=` or quote): trimmed so JSON text keeps its quotes and stays valid.
_EDGE = " \t\r\n\"'=:,"

# Detectors run only on windows around a trigger, which keeps the gate near the speed of one
# regex pass on prose (most text has no trigger at all). Every credential a detector matches
# is either a run of 16+ token characters (`_LONG_TOKEN`; its context, such as `aws_secret =`
# or `AccountKey=`, lies at most CONTEXT_BEFORE characters before it) or a short value
# assigned to a secret-named setting, in a header, or in a URL's user info (`_ASSIGNMENT`).
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9+/=_~.-])[A-Za-z0-9+/=_~.-]{16,}")
# Runs on ascii_lower(text).
_ASSIGNMENT = re.compile(
    r"(?:pass|secret|key|token|pwd|auth|cred|sig)[a-z0-9_-]*[\"']?\s*(?::|=)|bearer\s"
    r"|://[^/\s@]{0,256}@"
)
CONTEXT_BEFORE = 100
ASSIGNMENT_AFTER = 300
_PEM_TRIGGER = "PRIVATE KEY"


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """`text` with A-Z lowered and nothing else changed: offsets stay valid (str.lower() may
    lengthen a non-ASCII text)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def all_detectors() -> tuple[Detector, ...]:
    return provider_detectors() + detect_secrets_detectors()


def _windows(text: str, lowered: str) -> list[tuple[int, int]]:
    raw = [(max(0, m.start() - CONTEXT_BEFORE), m.end()) for m in _LONG_TOKEN.finditer(text)]
    raw += [
        (max(0, m.start() - CONTEXT_BEFORE), min(len(text), m.end() + ASSIGNMENT_AFTER))
        for m in _ASSIGNMENT.finditer(lowered)
    ]
    if _PEM_TRIGGER in text:
        raw.append((0, len(text)))
    if not raw:
        return []
    raw.sort()
    merged = [raw[0]]
    for start, end in raw[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _window_spans(text: str, lowered: str, offset: int) -> Iterator[Span]:
    for detector in all_detectors():
        if not detector.may_match(lowered):
            continue
        for m in detector.pattern.finditer(lowered if detector.lowercased else text):
            start, end = m.span(detector.group)
            if start < 0 or end <= start:
                continue
            if detector.group == 0:
                while start < end and text[start] in _EDGE:
                    start += 1
                while end > start and text[end - 1] in _EDGE:
                    end -= 1
            if end > start:
                yield Span(offset + start, offset + end, detector.id)
    for span in _aws_secret_spans(text):
        yield Span(offset + span.start, offset + span.end, span.detector)


def find_spans(text: str) -> list[Span]:
    """Every credential span in `text`, overlapping spans merged (the earliest-starting,
    longest detector's id kept)."""
    if not text:
        return []
    spans: list[Span] = []
    lowered = ascii_lower(text)
    for start, end in _windows(text, lowered):
        spans.extend(_window_spans(text[start:end], lowered[start:end], start))
    if not spans:
        return []
    spans.sort(key=lambda s: (s.start, -s.end))
    merged = [spans[0]]
    for span in spans[1:]:
        last = merged[-1]
        if span.start < last.end:
            if span.end > last.end:
                merged[-1] = Span(last.start, span.end, last.detector)
        else:
            merged.append(span)
    return merged
