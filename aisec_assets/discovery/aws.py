"""AWS discovery: Amazon Bedrock, Bedrock Agents and SageMaker, from any `AwsApi` reader.

The parsing below only ever asks an `AwsApi` for one API response at a time (`call`), so the
same code reads an offline bundle (`AwsBundleReader`, here) and, later, the live APIs through
boto3. A reader reports a response it cannot use by raising `AwsCallError`; the extractors turn
that into a `Rejection` and go on with the rest.

Offline bundle layout
---------------------
An offline bundle is a directory of API responses exactly as boto3 returns them (without
`ResponseMetadata`, timestamps as ISO-8601 strings, paginated lists merged into one response
without `nextToken`)::

    <bundle>/<account_id>/<region>/<service>/<Operation>.json        # calls without a parameter
    <bundle>/<account_id>/<region>/<service>/<Operation>/<key>.json  # one file per parameter value

`service` is `bedrock`, `bedrock-agent` or `sagemaker`; `Operation` is the API operation name.
A missing file means "the API returned nothing / was not collected" and is not an error.

Keys of parameterized calls (the logical value; several parameters are joined with `_`, which
never occurs in the ids involved: agent, action-group, knowledge-base and data-source ids are
10 alphanumerics, guardrail ids lowercase alphanumerics, versions digits or `DRAFT`):

=============  ============================  ================================================
service        operation                     key
=============  ============================  ================================================
bedrock        GetCustomModel                custom model name
bedrock        GetModelCustomizationJob      job name
bedrock        GetImportedModel              imported model name
bedrock        ListGuardrails                guardrail id (all versions of that guardrail)
bedrock        GetGuardrail                  ``<guardrailId>_<version>`` (``DRAFT`` = draft)
bedrock        ListTagsForResource           resource ARN
bedrock-agent  GetAgent                      agent id
bedrock-agent  ListAgentAliases              agent id
bedrock-agent  ListAgentActionGroups         ``<agentId>_<agentVersion>``
bedrock-agent  GetAgentActionGroup           ``<agentId>_<agentVersion>_<actionGroupId>``
bedrock-agent  ListAgentKnowledgeBases       ``<agentId>_<agentVersion>``
bedrock-agent  GetKnowledgeBase              knowledge base id
bedrock-agent  ListDataSources               knowledge base id
bedrock-agent  GetDataSource                 ``<knowledgeBaseId>_<dataSourceId>``
bedrock-agent  ListTagsForResource           resource ARN
sagemaker      DescribeEndpoint              endpoint name
sagemaker      DescribeEndpointConfig        endpoint config name
sagemaker      DescribeModel                 model name
sagemaker      ListTags                      resource ARN
=============  ============================  ================================================

The file name of a key is ``urllib.parse.quote(key, safe="") + ".json"`` (`bundle_file_name`):
ids and names stay as they are, an ARN becomes e.g.
``arn%3Aaws%3Abedrock%3Aus-east-1%3A314159265358%3Aagent%2FAB12CD34EF.json``. Quoting every
``/`` also means no key, however hostile, can name a file outside its operation directory.

Agents are read in their working draft (`GetAgent`) plus every version an alias routes traffic
to (for action groups and knowledge bases): what runs is what the aliases serve.

Posture and controls
--------------------
Controls are derived from posture facts; each `Control.evidence` names the API and what it
showed. Choices made here:

- Bedrock and SageMaker runtime APIs accept only SigV4-signed (IAM-authenticated) requests
  over TLS, so every invocable asset gets `authentication` and `encryption_in_transit`.
- `encryption_at_rest` is claimed only for a customer-managed KMS key. AWS-owned default
  encryption applies to every Bedrock resource, so it proves nothing about this asset; the
  posture still records `encryption_key: "aws_owned"`.
- An attached guardrail whose prompt-attack filter blocks input at MEDIUM or HIGH gives
  `input_filtering` and `guardrails`; content filters at MEDIUM or HIGH on output, or PII
  entities / regexes that block or anonymize output, give `output_filtering`. A filter whose
  action is NONE (detect only) or that is disabled counts as strength NONE. The controls are
  not operational when the guardrail is not READY or is attached as its unpublished `DRAFT`
  (a mutable working copy, not a released configuration).
- Model invocation logging with an S3 or CloudWatch destination gives `monitoring` and
  `access_logging` on every invocable Bedrock asset of that account and region; with every
  data type's delivery disabled they are not operational. A foundation model is shared by all
  accounts of a region, so it gets the controls only when every account that uses it logs.
- SageMaker: `network_isolation` needs both a VpcConfig and EnableNetworkIsolation; data
  capture gives `monitoring` (not operational when the capture status is Stopped); the endpoint
  config's KmsKeyId gives `encryption_at_rest`.

Tags map to fields: ``owner-team``, ``owner-email``, ``environment`` (deployment_env),
``data-classification``, ``network-exposure``, ``regulatory-scope``, and on SageMaker models
``ai-asset-type`` (foundation_model / fine_tuned_model / embedding_model). AWS tag values may
not contain commas (allowed: letters, digits, spaces and ``_ . : / = + - @``), so the scopes of
``regulatory-scope`` are separated by spaces, ``/``, ``+``, ``:`` or commas (from exporters that
allow them), e.g. ``gdpr pci_dss``.
Keys match case-insensitively. A value outside its enum leaves the field None and becomes a
`Rejection`; in a regulatory scope list only the bad entries are dropped, since keeping the
valid ones never understates the asset's obligations. Without an environment tag,
deployment_env stays None: the bundle does not say what an account is for (the declared
registry and the inventory can fill it in).

Least-privilege IAM actions to collect a bundle or read live: bedrock:ListCustomModels,
GetCustomModel, ListModelCustomizationJobs, GetModelCustomizationJob,
ListProvisionedModelThroughputs, ListImportedModels, GetImportedModel, ListGuardrails,
GetGuardrail, GetModelInvocationLoggingConfiguration, ListTagsForResource, ListAgents, GetAgent,
ListAgentAliases, ListAgentActionGroups, GetAgentActionGroup, ListAgentKnowledgeBases,
ListKnowledgeBases, GetKnowledgeBase, ListDataSources, GetDataSource; sagemaker:ListEndpoints,
DescribeEndpoint, DescribeEndpointConfig, ListModels, DescribeModel, ListTags.
"""

from __future__ import annotations

import json
import os
import re
import stat
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol

from aisec_resources.records import (
    ASSET_TYPES,
    DATA_CLASSIFICATIONS,
    DEPLOYMENT_ENVS,
    NETWORK_EXPOSURES,
    REGULATORY_SCOPES,
    Control,
    Dependency,
    DiscoveredAsset,
    Rejection,
    SourceResult,
    SourceUnavailable,
    natural_key,
)
from aisec_resources.secret_patterns import load_patterns

SOURCE_BEDROCK = "aws_bedrock"
SOURCE_SAGEMAKER = "aws_sagemaker"
DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
KEY_SEPARATOR = "_"

_ACCOUNT_RE = re.compile(r"\d{12}")
_REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# System-defined cross-region inference profiles prefix the model id with a geography.
_INFERENCE_PROFILE_GEOS = ("us", "eu", "apac", "us-gov", "global", "jp", "au", "ca")
_STRENGTHS = {"NONE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}
_SECRET_KEY_RE = re.compile(
    r"pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential",
    re.IGNORECASE,
)
_REDACTED = "<redacted>"
# Long runs of token characters mixing letters and digits look like keys; excerpts mask them.
_TOKEN_RUN_RE = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_JUMPSTART_BUCKET_PREFIX = "s3://jumpstart-cache-prod-"


def bundle_file_name(key: str) -> str:
    """File name of one parameter value in a bundle (see the module docstring)."""
    return urllib.parse.quote(key, safe="") + ".json"


def join_key(*parts: str) -> str:
    """Key of a call with several parameters, e.g. `<agentId>_<agentVersion>`."""
    return KEY_SEPARATOR.join(parts)


# ----------------------------------------------------------------------------- readers


class AwsCallError(Exception):
    """One call's response could not be read or is not an API response object."""

    def __init__(self, location: str, reason: str, excerpt: str | None = None) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason
        self.excerpt = excerpt


class AwsApi(Protocol):
    """What the extractors need from AWS: accounts, regions and one response per call."""

    def accounts(self) -> list[str]:
        """Account ids to read. Raises `SourceUnavailable` when nothing can be read."""
        ...

    def regions(self, account_id: str) -> list[str]:
        """Regions of one account. Raises `AwsCallError` when they cannot be listed."""
        ...

    def call(
        self, account_id: str, region: str, service: str, operation: str, key: str | None = None
    ) -> dict[str, Any] | None:
        """The response of one call, or None when there is none (not collected / not found).

        Raises `AwsCallError` for a response that exists but cannot be used.
        """
        ...

    def location(
        self,
        account_id: str,
        region: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        key: str | None = None,
    ) -> str:
        """Where a call's response comes from (file path or API call), for rejections."""
        ...


class AwsBundleReader:
    """`AwsApi` over an offline bundle directory (layout in the module docstring)."""

    def __init__(self, bundle: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.bundle = Path(bundle)
        self.max_file_bytes = max_file_bytes

    def accounts(self) -> list[str]:
        if not self.bundle.exists():
            raise SourceUnavailable(f"AWS bundle directory {self.bundle} does not exist")
        if not self.bundle.is_dir():
            raise SourceUnavailable(f"AWS bundle path {self.bundle} is not a directory")
        try:
            return self._subdirectories(self.bundle)
        except OSError as exc:
            raise SourceUnavailable(
                f"AWS bundle directory {self.bundle} cannot be read: {exc.strerror or exc}"
            ) from exc

    def regions(self, account_id: str) -> list[str]:
        path = self.bundle / account_id
        try:
            return self._subdirectories(path)
        except OSError as exc:
            raise AwsCallError(str(path), f"cannot list directory: {exc.strerror or exc}") from exc

    @staticmethod
    def _subdirectories(path: Path) -> list[str]:
        with os.scandir(path) as entries:
            return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())

    def _path(
        self,
        account_id: str,
        region: str | None,
        service: str | None,
        operation: str | None,
        key: str | None,
    ) -> Path:
        path = self.bundle / account_id
        for part in (region, service):
            if part is not None:
                path = path / part
        if operation is None:
            return path
        if key is None:
            return path / f"{operation}.json"
        return path / operation / bundle_file_name(key)

    def location(
        self,
        account_id: str,
        region: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        key: str | None = None,
    ) -> str:
        return str(self._path(account_id, region, service, operation, key))

    def call(
        self, account_id: str, region: str, service: str, operation: str, key: str | None = None
    ) -> dict[str, Any] | None:
        if key is not None and not key:
            raise AwsCallError(
                self.location(account_id, region, service, operation), "empty parameter value"
            )
        path = self._path(account_id, region, service, operation, key)
        where = str(path)
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:  # symlink loop, name too long, permission denied, ...
            raise AwsCallError(where, f"cannot read file: {exc.strerror or exc}") from exc
        if not stat.S_ISREG(info.st_mode):
            raise AwsCallError(where, "not a regular file")
        if info.st_size > self.max_file_bytes:
            raise AwsCallError(
                where, f"file is {info.st_size} bytes, over the {self.max_file_bytes}-byte limit"
            )
        try:
            with path.open("rb") as handle:
                data = handle.read(self.max_file_bytes + 1)
        except OSError as exc:
            raise AwsCallError(where, f"cannot read file: {exc.strerror or exc}") from exc
        if len(data) > self.max_file_bytes:  # grew after stat
            raise AwsCallError(where, f"file is over the {self.max_file_bytes}-byte limit")
        return parse_response_bytes(data, where)


def parse_response_bytes(data: bytes, where: str) -> dict[str, Any]:
    """One API response from JSON bytes; `AwsCallError` naming `where` when it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AwsCallError(
            where,
            f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x} at offset {exc.start}",
        ) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AwsCallError(
            where,
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            excerpt=_mask(text[max(0, exc.pos - 30) : exc.pos + 30]),
        ) from None
    except RecursionError:
        raise AwsCallError(where, "not valid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise AwsCallError(
            where,
            f"expected a JSON object (an API response), found {_json_type(value)}",
            excerpt=_json_type(value)
            + (f" of {len(value)} items" if isinstance(value, list) else ""),
        )
    value.pop("ResponseMetadata", None)
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def _mask(text: str, limit: int = 60) -> str:
    """A short excerpt with anything token-shaped masked, safe to keep in the warehouse."""
    text = text.replace("\n", " ")
    for pattern in load_patterns():
        text = re.sub(pattern.regex, "…", text)
    text = _TOKEN_RUN_RE.sub(
        lambda m: "…" if re.search(r"\d", m[0]) and re.search(r"[A-Za-z]", m[0]) else m[0], text
    )
    return text[:limit]


def _redact(value: Any) -> Any:
    """A copy of an API object without secrets: values under secret-named keys and any string
    shaped like a known credential are replaced. ARNs of secrets (e.g. credentialsSecretArn)
    are references, not secrets, and stay."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            secret_named = (
                isinstance(k, str)
                and _SECRET_KEY_RE.search(k) is not None
                and not k.lower().endswith("arn")
            )
            out[k] = _REDACTED if secret_named and isinstance(v, str) else _redact(v)
        return out
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if isinstance(value, str):
        for pattern in load_patterns():
            if re.search(pattern.regex, value):
                return _REDACTED
    return value


# ----------------------------------------------------------------------------- parsing


class _FieldError(Exception):
    """A field of one record is missing or malformed; the record becomes a Rejection."""

    def __init__(self, location: str, field: str, reason: str, excerpt: str | None) -> None:
        super().__init__(f"{location}: {field}: {reason}")
        self.location = location
        self.field = field
        self.reason = reason
        self.excerpt = excerpt


class _Obj:
    """A JSON object of a response with typed, validating accessors.

    `location` is the response's file/call, `record` the top-level list element it belongs to
    (e.g. `agentSummaries[2]`) and `path` the object's own place inside that record, so a
    rejection can name file, record and field.
    """

    __slots__ = ("data", "location", "path", "record")

    def __init__(self, data: dict[str, Any], location: str, record: str = "", path: str = ""):
        self.data = data
        self.location = location
        self.record = record
        self.path = path

    @property
    def where(self) -> str:
        return f"{self.location}#{self.record}" if self.record else self.location

    def field_path(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, reason: str, excerpt: str | None = None) -> NoReturn:
        raise _FieldError(self.where, self.field_path(name), reason, excerpt)

    def _keys_excerpt(self) -> str:
        return "keys: " + ", ".join(sorted(str(k) for k in self.data)[:10])

    def req_str(self, name: str) -> str:
        value = self.data.get(name)
        if value is None:
            self.fail(name, "required field is missing", self._keys_excerpt())
        if not isinstance(value, str) or not value.strip():
            self.fail(name, f"expected a non-empty string, found {_json_type(value)}")
        return value

    def opt_str(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(name, f"expected a string, found {_json_type(value)}")
        return value or None

    def opt_int(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"expected an integer, found {_json_type(value)}")
        return value

    def opt_float(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(name, f"expected a number, found {_json_type(value)}")
        return float(value)

    def opt_bool(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(name, f"expected true or false, found {_json_type(value)}")
        return value

    def opt_obj(self, name: str) -> _Obj | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(name, f"expected an object, found {_json_type(value)}")
        return _Obj(value, self.location, self.record, self.field_path(name))

    def req_obj(self, name: str) -> _Obj:
        found = self.opt_obj(name)
        if found is None:
            self.fail(name, "required field is missing", self._keys_excerpt())
        return found

    def objs(self, name: str) -> list[_Obj]:
        """A nested list of objects (absent = empty); a bad element fails the whole record."""
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, f"expected an array, found {_json_type(value)}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{name}[{i}]", f"expected an object, found {_json_type(item)}")
            out.append(_Obj(item, self.location, self.record, self.field_path(f"{name}[{i}]")))
        return out

    def str_list(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, "expected an array of strings")
        return list(value)

    def str_map(self, name: str) -> dict[str, str]:
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.fail(name, "expected an object of string values")
        return dict(value)


@dataclass(frozen=True)
class _LoggingState:
    """Model invocation logging of one account and region."""

    collected: bool
    configured: bool  # a destination is set
    active: bool  # ... and at least one data type is delivered
    destinations: tuple[str, ...]
    data_types: tuple[str, ...]
    evidence: str

    def posture(self) -> dict[str, Any]:
        return {
            "invocation_logging": self.active if self.collected else None,
            "invocation_logging_config": {
                "collected": self.collected,
                "configured": self.configured,
                "destinations": list(self.destinations),
                "data_types": list(self.data_types),
            },
        }


@dataclass
class _GuardrailPolicy:
    """The filtering a guardrail version enforces, reduced to what controls depend on."""

    guardrail_id: str
    arn: str
    name: str
    version: str
    status: str
    content_filters: dict[str, dict[str, str]]
    prompt_attack_strength: str
    output_content_filters: list[str]
    pii_entities: dict[str, dict[str, str]]
    pii_output_protection: list[str]
    regex_filters: int
    denied_topics: list[str]
    word_filters: int
    managed_word_lists: list[str]
    contextual_grounding: dict[str, float]
    kms_key_arn: str | None

    @property
    def input_filtering(self) -> bool:
        return _STRENGTHS.get(self.prompt_attack_strength, 0) >= _STRENGTHS["MEDIUM"]

    @property
    def output_filtering(self) -> bool:
        return bool(self.output_content_filters or self.pii_output_protection)

    @property
    def active(self) -> bool:
        return self.status == "READY" and self.version != "DRAFT"

    def posture(self) -> dict[str, Any]:
        return {
            "guardrail_version": self.version,
            "guardrail_status": self.status,
            "content_filters": self.content_filters,
            "prompt_attack_filter_strength": self.prompt_attack_strength,
            "pii_entities": self.pii_entities,
            "regex_filters": self.regex_filters,
            "denied_topics": self.denied_topics,
            "word_filters": self.word_filters,
            "managed_word_lists": self.managed_word_lists,
            "contextual_grounding": self.contextual_grounding,
            "kms_key_arn": self.kms_key_arn,
        }

    def controls(self) -> list[Control]:
        label = f"guardrail {self.name} version {self.version} ({self.status})"
        if not self.active:
            why = "unpublished DRAFT" if self.version == "DRAFT" else f"status {self.status}"
            label += f", not active: {why}"
        out = []
        if self.input_filtering:
            evidence = (
                f"bedrock:GetGuardrail: {label}; prompt-attack filter "
                f"{self.prompt_attack_strength} on input"
            )
            out += [
                Control("input_filtering", self.active, evidence),
                Control("guardrails", self.active, evidence),
            ]
        if self.output_filtering:
            parts = []
            if self.output_content_filters:
                parts.append("output content filters " + ", ".join(self.output_content_filters))
            if self.pii_output_protection:
                parts.append("PII protection on output " + ", ".join(self.pii_output_protection))
            out.append(
                Control(
                    "output_filtering",
                    self.active,
                    f"bedrock:GetGuardrail: {label}; " + "; ".join(parts),
                )
            )
        return out


def _effective_strength(flt: _Obj, side: str) -> str:
    """Filter strength that actually blocks: a disabled or detect-only filter counts as NONE."""
    strength = flt.req_str(f"{side}Strength")
    if strength not in _STRENGTHS:
        flt.fail(f"{side}Strength", f"unknown filter strength {strength!r}", strength[:30])
    if flt.opt_bool(f"{side}Enabled") is False or flt.opt_str(f"{side}Action") == "NONE":
        return "NONE"
    return strength


def _parse_guardrail(resp: _Obj) -> _GuardrailPolicy:
    content: dict[str, dict[str, str]] = {}
    prompt_attack = "NONE"
    output_filters = []
    policy = resp.opt_obj("contentPolicy")
    for flt in policy.objs("filters") if policy else []:
        kind = flt.req_str("type")
        strengths = {
            "input": _effective_strength(flt, "input"),
            "output": _effective_strength(flt, "output"),
        }
        content[kind] = strengths
        if kind == "PROMPT_ATTACK":
            prompt_attack = strengths["input"]
        elif _STRENGTHS[strengths["output"]] >= _STRENGTHS["MEDIUM"]:
            output_filters.append(f"{kind}={strengths['output']}")
    pii: dict[str, dict[str, str]] = {}
    pii_output = []
    regexes = 0
    sensitive = resp.opt_obj("sensitiveInformationPolicy")
    if sensitive:
        for entity in sensitive.objs("piiEntities"):
            kind = entity.req_str("type")
            action = entity.req_str("action")
            output_action = entity.opt_str("outputAction") or action
            if entity.opt_bool("outputEnabled") is False:
                output_action = "NONE"
            pii[kind] = {"input": entity.opt_str("inputAction") or action, "output": output_action}
            if output_action in ("BLOCK", "ANONYMIZE"):
                pii_output.append(f"{kind}={output_action}")
        for regex in sensitive.objs("regexes"):
            regexes += 1
            name = regex.req_str("name")
            output_action = regex.opt_str("outputAction") or regex.req_str("action")
            if regex.opt_bool("outputEnabled") is not False and output_action in (
                "BLOCK",
                "ANONYMIZE",
            ):
                pii_output.append(f"regex:{name}={output_action}")
    topics = resp.opt_obj("topicPolicy")
    words = resp.opt_obj("wordPolicy")
    grounding = resp.opt_obj("contextualGroundingPolicy")
    return _GuardrailPolicy(
        guardrail_id=resp.req_str("guardrailId"),
        arn=resp.req_str("guardrailArn"),
        name=resp.req_str("name"),
        version=resp.req_str("version"),
        status=resp.req_str("status"),
        content_filters=content,
        prompt_attack_strength=prompt_attack,
        output_content_filters=sorted(output_filters),
        pii_entities=pii,
        pii_output_protection=sorted(pii_output),
        regex_filters=regexes,
        denied_topics=[t.req_str("name") for t in topics.objs("topics")] if topics else [],
        word_filters=len(words.objs("words")) if words else 0,
        managed_word_lists=[w.req_str("type") for w in words.objs("managedWordLists")]
        if words
        else [],
        contextual_grounding={
            f.req_str("type"): f.opt_float("threshold") or 0.0 for f in grounding.objs("filters")
        }
        if grounding
        else {},
        kms_key_arn=resp.opt_str("kmsKeyArn"),
    )


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def foundation_model_arn(region: str, model_id: str) -> str:
    """The resource id of a Bedrock foundation model in one region."""
    return f"arn:{_partition(region)}:bedrock:{region}::foundation-model/{model_id}"


def s3_uri_to_arn(uri: str, region: str) -> str:
    """`s3://bucket/prefix/` -> `arn:aws:s3:::bucket/prefix` (the dataset's resource id)."""
    path = uri[len("s3://") :].rstrip("/")
    return f"arn:{_partition(region)}:s3:::{path}"


def _sigv4_controls(api: str) -> list[Control]:
    evidence = f"{api} accepts only SigV4-signed (IAM-authenticated) requests over TLS"
    return [
        Control("authentication", True, evidence),
        Control("encryption_in_transit", True, evidence),
    ]


def _kms_control(kms_key: str | None, what: str) -> list[Control]:
    if not kms_key:
        return []
    return [Control("encryption_at_rest", True, f"{what}: customer-managed KMS key {kms_key}")]


def _encryption_posture(kms_key: str | None, known: bool = True) -> dict[str, Any]:
    """Which key encrypts the resource at rest; None when the describing call was not read."""
    if not known:
        return {"encryption_key": None, "kms_key_arn": None}
    return {
        "encryption_key": "customer_managed" if kms_key else "aws_owned",
        "kms_key_arn": kms_key,
    }


_TAG_FIELDS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "owner-team": ("owner_team", None),
    "owner-email": ("owner_email", None),
    "environment": ("deployment_env", DEPLOYMENT_ENVS),
    "data-classification": ("data_classification", DATA_CLASSIFICATIONS),
    "network-exposure": ("network_exposure", NETWORK_EXPOSURES),
    "regulatory-scope": ("regulatory_scope", REGULATORY_SCOPES),
}
_MODEL_TYPE_TAG = "ai-asset-type"
_SCOPE_SEPARATOR_RE = re.compile(r"[\s,;/+:]+")
_MODEL_TYPES = ("foundation_model", "fine_tuned_model", "embedding_model")


class _Collector:
    """State of one extraction: records by natural key, rejections, cached responses."""

    def __init__(self, api: AwsApi, source: str) -> None:
        self.api = api
        self.source = source
        self.result = SourceResult()
        self.records: dict[str, DiscoveredAsset] = {}
        self.logging: dict[tuple[str, str], _LoggingState] = {}
        self._cache: dict[tuple[str, str, str, str, str | None], _Obj | None] = {}

    # -- input
    def call(
        self, account: str, region: str, service: str, operation: str, key: str | None = None
    ) -> _Obj | None:
        """A response, or None when absent or unusable (then already a Rejection)."""
        cache_key = (account, region, service, operation, key)
        if cache_key in self._cache:
            return self._cache[cache_key]
        try:
            data = self.api.call(account, region, service, operation, key)
        except AwsCallError as exc:
            self.reject(exc.location, exc.reason, None, exc.excerpt)
            data = None
        found = None
        if data is not None:
            self.result.scanned += 1
            found = _Obj(data, self.api.location(account, region, service, operation, key))
        self._cache[cache_key] = found
        return found

    def items(self, response: _Obj, name: str) -> Iterator[_Obj]:
        """Elements of a response's list; a bad list or element becomes a Rejection."""
        value = response.data.get(name)
        if not isinstance(value, list):
            found = "missing" if value is None else f"{_json_type(value)}, not an array"
            self.reject(
                response.location,
                f"expected the list {name!r} in the response, found {found}",
                name,
                response._keys_excerpt(),
            )
            return
        for i, item in enumerate(value):
            record = f"{name}[{i}]"
            if not isinstance(item, dict):
                self.reject(
                    f"{response.location}#{record}",
                    f"expected an object, found {_json_type(item)}",
                    record,
                )
                continue
            yield _Obj(item, response.location, record)

    def reject(
        self, location: str, reason: str, field: str | None = None, excerpt: str | None = None
    ) -> None:
        self.result.rejections.append(Rejection(self.source, location, reason, field, excerpt))

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Run one record's parsing; a malformed field rejects that record only."""
        try:
            yield
        except _FieldError as exc:
            self.reject(exc.location, exc.reason, exc.field, exc.excerpt)

    def account_regions(self) -> Iterator[tuple[str, str]]:
        for account in self.api.accounts():
            if not _ACCOUNT_RE.fullmatch(account):
                self.reject(
                    self.api.location(account),
                    "not an AWS account id (12 digits); skipped",
                    "account_id",
                    account[:40],
                )
                continue
            try:
                regions = self.api.regions(account)
            except AwsCallError as exc:
                self.reject(exc.location, exc.reason, "regions", exc.excerpt)
                continue
            for region in regions:
                if not _REGION_RE.fullmatch(region):
                    self.reject(
                        self.api.location(account, region),
                        "not an AWS region name; skipped",
                        "region",
                        region[:40],
                    )
                    continue
                yield account, region

    # -- output
    def add(self, record: DiscoveredAsset, where: str) -> DiscoveredAsset:
        record.raw = _redact(record.raw)
        existing = self.records.get(record.natural_key)
        if existing is not None:
            self.reject(
                where,
                f"duplicate of {existing.asset_type} {existing.name}; first one kept",
                "resource_id",
                record.resource_id[:120],
            )
            return existing
        self.records[record.natural_key] = record
        return record

    def referenced(
        self, resource_id: str, make: Callable[[], DiscoveredAsset], by: str, relation: str
    ) -> DiscoveredAsset:
        """A resource known only because another one refers to it (one record however often)."""
        record = self.records.get(natural_key(resource_id))
        if record is None:
            record = make()
            record.raw = _redact(record.raw)
            self.records[record.natural_key] = record
        refs = record.posture.setdefault("referenced_by", [])
        entry = {"resource_id": by, "relation": relation}
        if entry not in refs:
            refs.append(entry)
        return record

    def tags(
        self,
        record: DiscoveredAsset,
        account: str,
        region: str,
        service: str,
        operation: str = "ListTagsForResource",
    ) -> dict[str, str]:
        """Read a resource's tags and map them onto the record's fields."""
        resp = self.call(account, region, service, operation, record.resource_id)
        if resp is None:
            return {}
        tags: dict[str, str] = {}
        with self.guard():
            if service == "sagemaker":
                for tag in resp.objs("Tags"):
                    tags[tag.req_str("Key")] = tag.opt_str("Value") or ""
            elif service == "bedrock":
                for tag in resp.objs("tags"):
                    tags[tag.req_str("key")] = tag.opt_str("value") or ""
            else:
                tags = resp.str_map("tags")
        record.posture["tags"] = tags
        self._map_tags(record, tags, resp.location)
        return tags

    def _map_tags(self, record: DiscoveredAsset, tags: dict[str, str], where: str) -> None:
        normalized = {k.strip().lower().replace("_", "-"): (k, v) for k, v in tags.items()}
        for tag_key, (field_name, allowed) in _TAG_FIELDS.items():
            if tag_key not in normalized:
                continue
            original_key, raw_value = normalized[tag_key]
            value = raw_value.strip()
            if field_name == "regulatory_scope":
                scopes = []
                for part in (p.lower() for p in _SCOPE_SEPARATOR_RE.split(value)):
                    if part in REGULATORY_SCOPES:
                        scopes.append(part)
                    elif part:
                        self._bad_tag(record, original_key, field_name, part, allowed, where)
                record.regulatory_scope = scopes or None
            elif field_name == "owner_email":
                if _EMAIL_RE.fullmatch(value):
                    record.owner_email = value
                else:
                    self._bad_tag(record, original_key, field_name, value, None, where)
            elif field_name == "owner_team":
                record.owner_team = value or None
            else:
                assert allowed is not None
                if value.lower() in allowed:
                    setattr(record, field_name, value.lower())
                else:
                    self._bad_tag(record, original_key, field_name, value, allowed, where)

    def _bad_tag(
        self,
        record: DiscoveredAsset,
        tag: str,
        field_name: str,
        value: str,
        allowed: tuple[str, ...] | None,
        where: str,
    ) -> None:
        expected = "one of " + ", ".join(allowed) if allowed else "an e-mail address"
        self.reject(
            where,
            f"{record.asset_type} {record.name} ({record.resource_id}): tag {tag}={value!r} "
            f"is not a valid {field_name} (expected {expected}); {field_name} left unset",
            f"tag {tag} -> {field_name}",
            _mask(f"{tag}={value}"),
        )

    def finish(self) -> SourceResult:
        self.result.records = list(self.records.values())
        return self.result


def _base_record(
    source: str,
    resource_id: str,
    name: str,
    asset_type: str,
    account: str | None,
    region: str | None,
    **fields: Any,
) -> DiscoveredAsset:
    return DiscoveredAsset(
        source=source,
        resource_id=resource_id,
        name=name,
        asset_type=asset_type,
        cloud_provider="aws",
        cloud_account=account,
        cloud_region=region,
        **fields,
    )


def _runtime_url(service: str, region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{service}.{region}.{suffix}"


# ----------------------------------------------------------------------------- Bedrock

# Asset types that call (or are called through) a Bedrock runtime API, so invocation logging
# and SigV4 apply to them.
_INVOCABLE = {
    "foundation_model",
    "fine_tuned_model",
    "embedding_model",
    "api_endpoint",
    "ai_agent",
    "vector_database",
}
_BEDROCK_API = "Amazon Bedrock runtime API"
_AGENT_API = "Amazon Bedrock agent runtime API"


def extract_bedrock(api: AwsApi) -> SourceResult:
    """Bedrock and Bedrock Agents assets of every account and region `api` offers."""
    collector = _Collector(api, SOURCE_BEDROCK)
    for account, region in collector.account_regions():
        _BedrockRegion(collector, account, region).extract()
    _apply_invocation_logging(collector)
    return collector.finish()


class _BedrockRegion:
    def __init__(self, collector: _Collector, account: str, region: str) -> None:
        self.c = collector
        self.account = account
        self.region = region
        self.partition = _partition(region)
        self.custom_model_names: dict[str, str] = {}

    def call(self, service: str, operation: str, key: str | None = None) -> _Obj | None:
        return self.c.call(self.account, self.region, service, operation, key)

    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:bedrock:{self.region}:{self.account}:{resource}"

    def record(self, resource_id: str, name: str, asset_type: str, **f: Any) -> DiscoveredAsset:
        return _base_record(
            SOURCE_BEDROCK, resource_id, name, asset_type, self.account, self.region, **f
        )

    def extract(self) -> None:
        self.c.logging[(self.account, self.region)] = self.invocation_logging()
        self.guardrails()
        self.custom_models()
        self.imported_models()
        self.provisioned_throughputs()
        self.knowledge_bases()
        self.agents()

    # -- references
    def model_ref(self, identifier: str, by: str, relation: str, embedding: bool = False) -> str:
        """Resource id of the model an identifier names; a foundation model gets a record."""
        model_id: str
        resource_id = identifier
        region = self.region
        if identifier.startswith("arn:"):
            parts = identifier.split(":", 5)
            resource = parts[5] if len(parts) == 6 else ""
            region = parts[3] if len(parts) == 6 and parts[3] else self.region
            kind, _, rest = resource.partition("/")
            if kind == "foundation-model":
                model_id = rest
            elif kind == "inference-profile":
                model_id = _strip_geo(rest)
                resource_id = foundation_model_arn(region, model_id)
            else:  # custom, provisioned, imported model, application inference profile
                return identifier
        else:
            model_id = _strip_geo(identifier)
            resource_id = foundation_model_arn(region, model_id)
        rec = self.c.referenced(
            resource_id,
            lambda: _base_record(
                SOURCE_BEDROCK,
                resource_id,
                model_id,
                "foundation_model",
                None,  # foundation models belong to AWS, not to one account
                region,
                description=f"Amazon Bedrock foundation model {model_id}",
                model_provider="aws_bedrock",
                model_name=model_id,
                is_self_hosted=False,
                api_endpoint=_runtime_url("bedrock-runtime", region),
                controls=_sigv4_controls(_BEDROCK_API),
                raw={"modelArn": resource_id, "modelId": model_id},
            ),
            by,
            relation,
        )
        accounts = rec.posture.setdefault("used_by_accounts", [])
        if self.account not in accounts:
            accounts.append(self.account)
            accounts.sort()
        if embedding or "embed" in model_id:
            rec.asset_type = "embedding_model"
            rec.description = f"Amazon Bedrock embedding model {model_id}"
        return resource_id

    def dataset_ref(
        self, uri: str, asset_type: str, by: str, relation: str, description: str
    ) -> str:
        resource_id = s3_uri_to_arn(uri, self.region)
        self.c.referenced(
            resource_id,
            lambda: self.record(
                resource_id,
                uri,
                asset_type,
                description=description,
                raw={"s3Uri": uri},
                posture={"storage": "s3", "s3_uri": uri},
            ),
            by,
            relation,
        )
        return resource_id

    # -- logging
    def invocation_logging(self) -> _LoggingState:
        call_name = f"bedrock:GetModelInvocationLoggingConfiguration ({self.account}/{self.region})"
        resp = self.call("bedrock", "GetModelInvocationLoggingConfiguration")
        if resp is None:
            return _LoggingState(
                collected=False,
                configured=False,
                active=False,
                destinations=(),
                data_types=(),
                evidence=f"{call_name}: not collected",
            )
        destinations: list[str] = []
        data_types: list[str] = []
        with self.c.guard():
            config = resp.opt_obj("loggingConfig")
            if config is not None:
                s3 = config.opt_obj("s3Config")
                if s3 is not None:
                    prefix = s3.opt_str("keyPrefix") or ""
                    destinations.append(f"s3://{s3.req_str('bucketName')}/{prefix}".rstrip("/"))
                cloudwatch = config.opt_obj("cloudWatchConfig")
                if cloudwatch is not None:
                    destinations.append(f"cloudwatch:{cloudwatch.req_str('logGroupName')}")
                for kind in ("text", "image", "embedding", "video", "audio"):
                    if config.opt_bool(f"{kind}DataDeliveryEnabled"):
                        data_types.append(kind)
        configured = bool(destinations)
        active = configured and bool(data_types)
        if active:
            detail = f"delivers {', '.join(data_types)} data to {', '.join(destinations)}"
        elif configured:
            detail = f"destination {', '.join(destinations)} set but every data type disabled"
        else:
            detail = "no logging destination configured"
        return _LoggingState(
            collected=True,
            configured=configured,
            active=active,
            destinations=tuple(destinations),
            data_types=tuple(data_types),
            evidence=f"{call_name}: {detail}",
        )

    # -- guardrails
    def guardrail_policy(self, guardrail_id: str, version: str) -> _GuardrailPolicy | None:
        resp = self.call("bedrock", "GetGuardrail", join_key(guardrail_id, version))
        if resp is None:
            return None
        policy = None
        with self.c.guard():
            policy = _parse_guardrail(resp)
        return policy

    def guardrails(self) -> None:
        resp = self.call("bedrock", "ListGuardrails")
        if resp is None:
            return
        for item in self.c.items(resp, "guardrails"):
            with self.c.guard():
                self.guardrail(item)

    def guardrail(self, item: _Obj) -> None:
        guardrail_id = item.req_str("id")
        arn = item.req_str("arn")
        name = item.req_str("name")
        published: list[str] = []
        versions = self.call("bedrock", "ListGuardrails", guardrail_id)
        if versions is not None:
            for version in self.c.items(versions, "guardrails"):
                with self.c.guard():
                    number = version.req_str("version")
                    if number.isdigit():
                        published.append(number)
        published.sort(key=int)
        evaluated = published[-1] if published else "DRAFT"
        policy = self.guardrail_policy(guardrail_id, evaluated)
        posture: dict[str, Any] = {
            "guardrail_id": guardrail_id,
            "published_versions": published,
            "published": bool(published),
            "status": item.req_str("status"),
            "policy_collected": policy is not None,
        }
        kms = None
        if policy is not None:
            posture.update(policy.posture())
            kms = policy.kms_key_arn
        posture.update(_encryption_posture(kms, known=policy is not None))
        rec = self.record(
            arn,
            name,
            "guardrail_config",
            description=item.opt_str("description") or f"Amazon Bedrock guardrail {name}",
            model_provider="aws_bedrock",
            api_endpoint=_runtime_url("bedrock-runtime", self.region),
            posture=posture,
            controls=_sigv4_controls(_BEDROCK_API) + _kms_control(kms, "bedrock:GetGuardrail"),
            raw=item.data,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock")

    # -- custom models and customization jobs
    def custom_models(self) -> None:
        jobs_by_name: dict[str, _Obj] = {}
        listed_jobs = self.call("bedrock", "ListModelCustomizationJobs")
        if listed_jobs is not None:
            for job in self.c.items(listed_jobs, "modelCustomizationJobSummaries"):
                with self.c.guard():
                    jobs_by_name[job.req_str("jobName")] = job
        resp = self.call("bedrock", "ListCustomModels")
        if resp is None:
            return
        for item in self.c.items(resp, "modelSummaries"):
            with self.c.guard():
                self.custom_model(item, jobs_by_name)

    def custom_model(self, item: _Obj, jobs_by_name: dict[str, _Obj]) -> None:
        arn = item.req_str("modelArn")
        name = item.req_str("modelName")
        base_arn = item.req_str("baseModelArn")
        self.custom_model_names[arn] = name
        detail = self.call("bedrock", "GetCustomModel", name)
        posture: dict[str, Any] = {
            "customization_type": item.opt_str("customizationType"),
            "model_status": item.opt_str("modelStatus"),
            "details_collected": detail is not None,
        }
        deps = [Dependency(self.model_ref(base_arn, arn, "fine_tuned_from"), "fine_tuned_from")]
        kms: str | None = None
        raw: dict[str, Any] = dict(item.data)
        if detail is not None:
            with self.c.guard():
                raw = dict(detail.data)
                kms = detail.opt_str("modelKmsKeyArn")
                deps += self.training_data(detail, arn, name)
                job_name = detail.opt_str("jobName")
                if job_name:
                    job = self.customization_job(job_name, jobs_by_name.get(job_name))
                    posture["customization_job"] = job
                    kms = kms or job.get("output_kms_key_arn")
                metrics = detail.opt_obj("trainingMetrics")
                if metrics is not None:
                    posture["training_loss"] = metrics.opt_float("trainingLoss")
        posture.update(_encryption_posture(kms, known=detail is not None))
        rec = self.record(
            arn,
            name,
            "fine_tuned_model",
            description=f"Amazon Bedrock custom model {name} "
            f"({(item.opt_str('customizationType') or 'customized').lower()} of "
            f"{item.req_str('baseModelName')})",
            model_provider="aws_bedrock",
            model_name=name,
            is_self_hosted=False,
            api_endpoint=_runtime_url("bedrock-runtime", self.region),
            posture=posture,
            controls=_sigv4_controls(_BEDROCK_API) + _kms_control(kms, "bedrock:GetCustomModel"),
            dependencies=deps,
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock")

    def training_data(self, detail: _Obj, model_arn: str, model_name: str) -> list[Dependency]:
        deps: list[Dependency] = []
        training = detail.opt_obj("trainingDataConfig")
        if training is not None:
            uris = [training.opt_str("s3Uri")]
            logs = training.opt_obj("invocationLogsConfig")
            if logs is not None:
                uris.append(logs.req_obj("invocationLogSource").opt_str("s3Uri"))
            for uri in filter(None, uris):
                deps.append(
                    Dependency(
                        self.dataset_ref(
                            uri,
                            "training_dataset",
                            model_arn,
                            "trained_on",
                            f"training data of Bedrock custom model {model_name}",
                        ),
                        "trained_on",
                    )
                )
        validation = detail.opt_obj("validationDataConfig")
        for validator in validation.objs("validators") if validation else []:
            uri = validator.req_str("s3Uri")
            deps.append(
                Dependency(
                    self.dataset_ref(
                        uri,
                        "evaluation_dataset",
                        model_arn,
                        "evaluated_on",
                        f"validation data of Bedrock custom model {model_name}",
                    ),
                    "evaluated_on",
                )
            )
        return deps

    def customization_job(self, job_name: str, summary: _Obj | None) -> dict[str, Any]:
        posture: dict[str, Any] = {"job_name": job_name}
        if summary is not None:
            posture["status"] = summary.opt_str("status")
        job = self.call("bedrock", "GetModelCustomizationJob", job_name)
        posture["details_collected"] = job is not None
        if job is None:
            return posture
        with self.c.guard():
            vpc = job.opt_obj("vpcConfig")
            posture.update(
                {
                    "status": job.opt_str("status") or posture.get("status"),
                    "hyperparameter_count": len(job.str_map("hyperParameters")),
                    "output_kms_key_arn": job.opt_str("outputModelKmsKeyArn"),
                    "vpc_configured": vpc is not None,
                    "vpc_subnets": vpc.str_list("subnetIds") if vpc else [],
                    "role_arn": job.opt_str("roleArn"),
                    "output_s3_uri": job.req_obj("outputDataConfig").req_str("s3Uri"),
                }
            )
        return posture

    # -- imported models
    def imported_models(self) -> None:
        resp = self.call("bedrock", "ListImportedModels")
        if resp is None:
            return
        for item in self.c.items(resp, "modelSummaries"):
            with self.c.guard():
                self.imported_model(item)

    def imported_model(self, item: _Obj) -> None:
        arn = item.req_str("modelArn")
        name = item.req_str("modelName")
        self.custom_model_names[arn] = name
        detail = self.call("bedrock", "GetImportedModel", name)
        posture: dict[str, Any] = {
            "model_architecture": item.opt_str("modelArchitecture"),
            "instruct_supported": item.opt_bool("instructSupported"),
            "details_collected": detail is not None,
        }
        kms = None
        source_uri = None
        raw = dict(item.data)
        if detail is not None:
            with self.c.guard():
                raw = dict(detail.data)
                kms = detail.opt_str("modelKmsKeyArn")
                source = detail.opt_obj("modelDataSource")
                s3 = source.opt_obj("s3DataSource") if source else None
                source_uri = s3.req_str("s3Uri") if s3 else None
                posture["import_job_name"] = detail.opt_str("jobName")
        posture["model_data_s3_uri"] = source_uri
        posture.update(_encryption_posture(kms, known=detail is not None))
        # Bedrock classifies imported weights as custom models (customizationType IMPORTED).
        rec = self.record(
            arn,
            name,
            "fine_tuned_model",
            description=f"Amazon Bedrock imported model {name} "
            f"({item.opt_str('modelArchitecture') or 'unknown'} architecture)",
            model_provider="aws_bedrock",
            model_name=name,
            is_self_hosted=False,
            source_url=source_uri,
            api_endpoint=_runtime_url("bedrock-runtime", self.region),
            posture=posture,
            controls=_sigv4_controls(_BEDROCK_API) + _kms_control(kms, "bedrock:GetImportedModel"),
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock")

    # -- provisioned throughput
    def provisioned_throughputs(self) -> None:
        resp = self.call("bedrock", "ListProvisionedModelThroughputs")
        if resp is None:
            return
        for item in self.c.items(resp, "provisionedModelSummaries"):
            with self.c.guard():
                self.provisioned_throughput(item)

    def provisioned_throughput(self, item: _Obj) -> None:
        arn = item.req_str("provisionedModelArn")
        name = item.req_str("provisionedModelName")
        model_arn = item.req_str("modelArn")
        served = self.model_ref(model_arn, arn, "serves")
        # A custom or imported model is named by its listing; a foundation model by its id.
        model_name = self.custom_model_names.get(model_arn, served.rsplit("/", 1)[-1])
        posture = {
            "status": item.req_str("status"),
            "model_units": item.opt_int("modelUnits"),
            "commitment": item.opt_str("commitmentDuration"),
            "commitment_expires": item.opt_str("commitmentExpirationTime"),
            "foundation_model_arn": item.opt_str("foundationModelArn"),
        }
        rec = self.record(
            arn,
            name,
            "api_endpoint",
            description=f"Amazon Bedrock provisioned throughput {name} serving {model_name}",
            model_provider="aws_bedrock",
            model_name=model_name,
            is_self_hosted=False,
            api_endpoint=_runtime_url("bedrock-runtime", self.region),
            posture=posture,
            controls=_sigv4_controls(_BEDROCK_API),
            dependencies=[Dependency(served, "serves")],
            raw=item.data,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock")

    # -- knowledge bases
    def knowledge_bases(self) -> None:
        resp = self.call("bedrock-agent", "ListKnowledgeBases")
        if resp is None:
            return
        for item in self.c.items(resp, "knowledgeBaseSummaries"):
            with self.c.guard():
                self.knowledge_base(item)

    def knowledge_base(self, item: _Obj) -> None:
        kb_id = item.req_str("knowledgeBaseId")
        name = item.req_str("name")
        arn = self.arn(f"knowledge-base/{kb_id}")
        detail_resp = self.call("bedrock-agent", "GetKnowledgeBase", kb_id)
        posture: dict[str, Any] = {
            "knowledge_base_id": kb_id,
            "status": item.req_str("status"),
            "details_collected": False,
        }
        deps: list[Dependency] = []
        raw: dict[str, Any] = dict(item.data)
        if detail_resp is not None:
            with self.c.guard():
                detail = detail_resp.req_obj("knowledgeBase")
                arn = detail.req_str("knowledgeBaseArn")
                raw = dict(detail.data)
                config = detail.req_obj("knowledgeBaseConfiguration")
                posture["knowledge_base_type"] = config.req_str("type")
                vector = config.opt_obj("vectorKnowledgeBaseConfiguration")
                embedding = vector.req_str("embeddingModelArn") if vector else None
                if embedding:
                    ref = self.model_ref(embedding, arn, "embeds_with", embedding=True)
                    deps.append(Dependency(ref, "embeds_with"))
                posture["embedding_model"] = embedding
                storage = detail.opt_obj("storageConfiguration")
                posture["storage_type"] = storage.req_str("type") if storage else None
                posture["storage_resource"] = _storage_resource(storage) if storage else None
                posture["role_arn"] = detail.opt_str("roleArn")
                posture["details_collected"] = True
        data_sources = self.data_sources(kb_id, arn, name)
        posture["data_sources"] = [d for d, _ in data_sources]
        deps += [Dependency(rid, "retrieves_from") for _, rids in data_sources for rid in rids]
        rec = self.record(
            arn,
            name,
            "vector_database",
            description=item.opt_str("description") or f"Amazon Bedrock knowledge base {name}",
            model_provider="aws_bedrock",
            api_endpoint=_runtime_url("bedrock-agent-runtime", self.region),
            posture=posture,
            controls=_sigv4_controls(_AGENT_API),
            dependencies=deps,
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock-agent")

    def data_sources(
        self, kb_id: str, kb_arn: str, kb_name: str
    ) -> list[tuple[dict[str, Any], list[str]]]:
        """(posture summary, dataset resource ids) of each data source of a knowledge base."""
        resp = self.call("bedrock-agent", "ListDataSources", kb_id)
        if resp is None:
            return []
        out = []
        for item in self.c.items(resp, "dataSourceSummaries"):
            with self.c.guard():
                out.append(self.data_source(item, kb_id, kb_arn, kb_name))
        return out

    def data_source(
        self, item: _Obj, kb_id: str, kb_arn: str, kb_name: str
    ) -> tuple[dict[str, Any], list[str]]:
        ds_id = item.req_str("dataSourceId")
        name = item.req_str("name")
        summary: dict[str, Any] = {"id": ds_id, "name": name, "status": item.req_str("status")}
        resp = self.call("bedrock-agent", "GetDataSource", join_key(kb_id, ds_id))
        if resp is None:
            summary["details_collected"] = False
            return summary, []
        detail = resp.req_obj("dataSource")
        config = detail.req_obj("dataSourceConfiguration")
        kind = config.req_str("type")
        sse = detail.opt_obj("serverSideEncryptionConfiguration")
        kms = sse.opt_str("kmsKeyArn") if sse else None
        summary.update(
            {
                "type": kind,
                "kms_key_arn": kms,
                "data_deletion_policy": detail.opt_str("dataDeletionPolicy"),
                "details_collected": True,
            }
        )
        posture = {
            "knowledge_base": kb_arn,
            "data_source_id": ds_id,
            "data_source_type": kind,
            "ingestion_kms_key_arn": kms,
        }
        raw = dict(detail.data)
        description = f"knowledge-base data source {name} of {kb_name}"
        locations: list[tuple[str, str, str]] = []  # (resource id, name, location text)
        if kind == "S3":
            s3 = config.req_obj("s3Configuration")
            bucket_arn = s3.req_str("bucketArn")
            bucket = bucket_arn.rsplit(":", 1)[-1]
            prefixes = s3.str_list("inclusionPrefixes")
            owner = s3.opt_str("bucketOwnerAccountId")
            posture["bucket_owner_account"] = owner or self.account
            for prefix in prefixes or [""]:
                uri = f"s3://{bucket}/{prefix}".rstrip("/")
                label = name if len(prefixes) <= 1 else f"{name}:{prefix}"
                locations.append((s3_uri_to_arn(uri, self.region), label, uri))
        else:
            # Non-S3 sources (web crawler, Confluence, SharePoint, ...) have no ARN of their
            # own; the data source is identified under its knowledge base's ARN.
            locations.append((f"{kb_arn}/data-source/{ds_id}", name, kind.lower()))
        ids = []
        for resource_id, label, where in locations:
            self.c.referenced(
                resource_id,
                lambda rid=resource_id, label=label, where=where: self.record(
                    rid,
                    label,
                    "training_dataset",
                    description=f"{description} ({where})",
                    posture=dict(posture, location=where),
                    raw=raw,
                ),
                kb_arn,
                "retrieves_from",
            )
            ids.append(resource_id)
        summary["datasets"] = ids
        return summary, ids

    # -- agents
    def agents(self) -> None:
        resp = self.call("bedrock-agent", "ListAgents")
        if resp is None:
            return
        for item in self.c.items(resp, "agentSummaries"):
            with self.c.guard():
                self.agent(item)

    def agent(self, item: _Obj) -> None:
        agent_id = item.req_str("agentId")
        name = item.req_str("agentName")
        arn = self.arn(f"agent/{agent_id}")
        posture: dict[str, Any] = {
            "agent_id": agent_id,
            "status": item.req_str("agentStatus"),
            "latest_agent_version": item.opt_str("latestAgentVersion"),
            "details_collected": False,
        }
        description = item.opt_str("description")
        guardrail_config = item.opt_obj("guardrailConfiguration")
        deps: list[Dependency] = []
        controls: list[Control] = _sigv4_controls(_AGENT_API)
        raw: dict[str, Any] = dict(item.data)
        model_name = None
        kms = None
        detail_resp = self.call("bedrock-agent", "GetAgent", agent_id)
        if detail_resp is not None:
            with self.c.guard():
                detail = detail_resp.req_obj("agent")
                arn = detail.req_str("agentArn")
                raw = dict(detail.data)
                description = detail.opt_str("description") or description
                guardrail_config = detail.opt_obj("guardrailConfiguration") or guardrail_config
                model_name = detail.opt_str("foundationModel")
                if model_name:
                    deps.append(
                        Dependency(self.model_ref(model_name, arn, "uses_model"), "uses_model")
                    )
                kms = detail.opt_str("customerEncryptionKeyArn")
                memory = detail.opt_obj("memoryConfiguration")
                posture.update(
                    {
                        "details_collected": True,
                        "foundation_model": model_name,
                        "idle_session_ttl_seconds": detail.opt_int("idleSessionTTLInSeconds"),
                        "agent_resource_role_arn": detail.opt_str("agentResourceRoleArn"),
                        "orchestration_type": detail.opt_str("orchestrationType"),
                        "agent_collaboration": detail.opt_str("agentCollaboration"),
                        "memory_enabled": bool(memory and memory.str_list("enabledMemoryTypes")),
                    }
                )
        posture.update(_encryption_posture(kms, known=posture["details_collected"]))
        controls += _kms_control(kms, "bedrock-agent:GetAgent customerEncryptionKeyArn")
        aliases = self.aliases(agent_id)
        posture["aliases"] = aliases
        routed = {v for a in aliases for v in a["routes_to"] if v != "DRAFT"}
        versions = ["DRAFT", *sorted(routed, key=_version_order)]
        action_groups = self.action_groups(agent_id, versions)
        enabled = [g for g in action_groups if g["state"] == "ENABLED"]
        posture.update(
            {
                "inspected_versions": versions,
                "action_groups": action_groups,
                "lambda_executors": sorted({g["lambda"] for g in enabled if g["lambda"]}),
                "return_control": any(g["return_control"] for g in enabled),
                "api_schema_present": any(g["api_schema"] for g in enabled),
                "user_input_enabled": any(
                    g["parent_signature"] == "AMAZON.UserInput" for g in enabled
                ),
                "code_interpreter_enabled": any(
                    g["parent_signature"] == "AMAZON.CodeInterpreter" for g in enabled
                ),
            }
        )
        knowledge_bases = self.agent_knowledge_bases(agent_id, versions)
        posture["knowledge_bases"] = knowledge_bases
        for kb_id in sorted({k["id"] for k in knowledge_bases if k["state"] == "ENABLED"}):
            deps.append(Dependency(self.arn(f"knowledge-base/{kb_id}"), "uses_knowledge_base"))
        controls += self.agent_guardrail(guardrail_config, posture, deps)
        rec = self.record(
            arn,
            name,
            "ai_agent",
            description=description or f"Amazon Bedrock agent {name}",
            model_provider="aws_bedrock",
            model_name=model_name,
            is_self_hosted=False,
            api_endpoint=_runtime_url("bedrock-agent-runtime", self.region),
            posture=posture,
            controls=controls,
            dependencies=deps,
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "bedrock-agent")

    def agent_guardrail(
        self, config: _Obj | None, posture: dict[str, Any], deps: list[Dependency]
    ) -> list[Control]:
        identifier = config.opt_str("guardrailIdentifier") if config else None
        if not identifier:
            posture["guardrail_attached"] = False
            return []
        assert config is not None
        version = config.opt_str("guardrailVersion") or "DRAFT"
        guardrail_id = identifier.rsplit("/", 1)[-1]
        arn = identifier if identifier.startswith("arn:") else self.arn(f"guardrail/{identifier}")
        deps.append(Dependency(arn, "uses_guardrail"))
        policy = self.guardrail_policy(guardrail_id, version)
        posture["guardrail_attached"] = True
        posture["guardrail"] = {
            "arn": arn,
            "version": version,
            "policy_collected": policy is not None,
            "status": policy.status if policy else None,
            "prompt_attack_filter_strength": policy.prompt_attack_strength if policy else None,
            "output_filtering": policy.output_filtering if policy else None,
        }
        return policy.controls() if policy else []

    def aliases(self, agent_id: str) -> list[dict[str, Any]]:
        resp = self.call("bedrock-agent", "ListAgentAliases", agent_id)
        if resp is None:
            return []
        out = []
        for alias in self.c.items(resp, "agentAliasSummaries"):
            with self.c.guard():
                out.append(
                    {
                        "id": alias.req_str("agentAliasId"),
                        "name": alias.req_str("agentAliasName"),
                        "status": alias.req_str("agentAliasStatus"),
                        "invocation_state": alias.opt_str("aliasInvocationState"),
                        "routes_to": [
                            r.req_str("agentVersion") for r in alias.objs("routingConfiguration")
                        ],
                    }
                )
        return out

    def action_groups(self, agent_id: str, versions: list[str]) -> list[dict[str, Any]]:
        out = []
        for version in versions:
            resp = self.call("bedrock-agent", "ListAgentActionGroups", join_key(agent_id, version))
            if resp is None:
                continue
            for summary in self.c.items(resp, "actionGroupSummaries"):
                with self.c.guard():
                    out.append(self.action_group(agent_id, version, summary))
        return out

    def action_group(self, agent_id: str, version: str, summary: _Obj) -> dict[str, Any]:
        group_id = summary.req_str("actionGroupId")
        group: dict[str, Any] = {
            "agent_version": version,
            "id": group_id,
            "name": summary.req_str("actionGroupName"),
            "state": summary.req_str("actionGroupState"),
            "lambda": None,
            "return_control": False,
            "api_schema": None,
            "function_count": 0,
            "parent_signature": None,
            "details_collected": False,
        }
        resp = self.call(
            "bedrock-agent", "GetAgentActionGroup", join_key(agent_id, version, group_id)
        )
        if resp is None:
            return group
        detail = resp.req_obj("agentActionGroup")
        executor = detail.opt_obj("actionGroupExecutor")
        schema = detail.opt_obj("apiSchema")
        api_schema = None
        if schema is not None:
            s3 = schema.opt_obj("s3")
            if s3 is not None:
                api_schema = f"s3://{s3.opt_str('s3BucketName')}/{s3.opt_str('s3ObjectKey')}"
            elif schema.opt_str("payload"):
                api_schema = "inline"
        functions = detail.opt_obj("functionSchema")
        group.update(
            {
                "state": detail.req_str("actionGroupState"),
                "lambda": executor.opt_str("lambda") if executor else None,
                "return_control": bool(executor and executor.opt_str("customControl")),
                "api_schema": api_schema,
                "function_count": len(functions.objs("functions")) if functions else 0,
                "parent_signature": detail.opt_str("parentActionSignature"),
                "details_collected": True,
            }
        )
        return group

    def agent_knowledge_bases(self, agent_id: str, versions: list[str]) -> list[dict[str, Any]]:
        out = []
        for version in versions:
            key = join_key(agent_id, version)
            resp = self.call("bedrock-agent", "ListAgentKnowledgeBases", key)
            if resp is None:
                continue
            for kb in self.c.items(resp, "agentKnowledgeBaseSummaries"):
                with self.c.guard():
                    out.append(
                        {
                            "agent_version": version,
                            "id": kb.req_str("knowledgeBaseId"),
                            "state": kb.req_str("knowledgeBaseState"),
                        }
                    )
        return out


def _strip_geo(model_id: str) -> str:
    """`us.anthropic.claude-...` (a cross-region inference profile) -> `anthropic.claude-...`."""
    geo, dot, rest = model_id.partition(".")
    if dot and geo in _INFERENCE_PROFILE_GEOS and "." in rest:
        return rest
    return model_id


def _version_order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (1 << 30, version)


def _storage_resource(storage: _Obj) -> str | None:
    """ARN or endpoint of a knowledge base's vector store (credentials are never copied)."""
    for name, field_name in (
        ("opensearchServerlessConfiguration", "collectionArn"),
        ("opensearchManagedClusterConfiguration", "domainArn"),
        ("rdsConfiguration", "resourceArn"),
        ("neptuneAnalyticsConfiguration", "graphArn"),
        ("s3VectorsConfiguration", "vectorBucketArn"),
        ("pineconeConfiguration", "connectionString"),
        ("redisEnterpriseCloudConfiguration", "endpoint"),
        ("mongoDbAtlasConfiguration", "endpoint"),
    ):
        config = storage.opt_obj(name)
        if config is not None:
            return config.opt_str(field_name)
    return None


def _apply_invocation_logging(c: _Collector) -> None:
    """Invocation-logging posture on every Bedrock asset, and its controls where it applies."""
    for record in c.records.values():
        if record.cloud_region is None:
            continue
        if record.cloud_account is not None:
            accounts = [record.cloud_account]
        else:  # a foundation model: every account that uses it in this region
            accounts = list(record.posture.get("used_by_accounts", []))
        states = [
            c.logging[(a, record.cloud_region)]
            for a in accounts
            if (a, record.cloud_region) in c.logging
        ]
        if not states:
            continue
        if len(states) == 1:
            record.posture.update(states[0].posture())
        else:
            record.posture["invocation_logging"] = (
                all(s.active for s in states) if all(s.collected for s in states) else None
            )
            record.posture["invocation_logging_by_account"] = {
                a: s.posture()["invocation_logging"] for a, s in zip(accounts, states, strict=True)
            }
        if record.asset_type not in _INVOCABLE or not all(s.configured for s in states):
            continue
        operational = all(s.active for s in states)
        evidence = "; ".join(s.evidence for s in states)
        record.controls += [
            Control("monitoring", operational, evidence),
            Control("access_logging", operational, evidence),
        ]


# ----------------------------------------------------------------------------- SageMaker

_SAGEMAKER_API = "Amazon SageMaker runtime API"


def extract_sagemaker(api: AwsApi) -> SourceResult:
    """SageMaker endpoints and the models they serve (and unserved models) everywhere."""
    collector = _Collector(api, SOURCE_SAGEMAKER)
    for account, region in collector.account_regions():
        _SageMakerRegion(collector, account, region).extract()
    return collector.finish()


class _SageMakerRegion:
    def __init__(self, collector: _Collector, account: str, region: str) -> None:
        self.c = collector
        self.account = account
        self.region = region
        self.models: dict[str, DiscoveredAsset | None] = {}

    def call(self, operation: str, key: str | None = None) -> _Obj | None:
        return self.c.call(self.account, self.region, "sagemaker", operation, key)

    def model_arn(self, name: str) -> str:
        # SageMaker stores model names lowercased in ARNs.
        return (
            f"arn:{_partition(self.region)}:sagemaker:{self.region}:{self.account}:"
            f"model/{name.lower()}"
        )

    def extract(self) -> None:
        endpoints = self.call("ListEndpoints")
        if endpoints is not None:
            for item in self.c.items(endpoints, "Endpoints"):
                with self.c.guard():
                    self.endpoint(item)
        models = self.call("ListModels")
        if models is not None:
            for item in self.c.items(models, "Models"):
                with self.c.guard():
                    self.model(item.req_str("ModelName"), served_by=None)

    def endpoint(self, item: _Obj) -> None:
        name = item.req_str("EndpointName")
        arn = item.req_str("EndpointArn")
        posture: dict[str, Any] = {"status": item.req_str("EndpointStatus")}
        controls = _sigv4_controls(_SAGEMAKER_API)
        deps: list[Dependency] = []
        raw: dict[str, Any] = dict(item.data)
        served: list[DiscoveredAsset] = []
        detail = self.call("DescribeEndpoint", name)
        posture["details_collected"] = detail is not None
        capture_status = None
        kms = None
        if detail is not None:
            with self.c.guard():
                raw = dict(detail.data)
                capture = detail.opt_obj("DataCaptureConfig")
                capture_status = capture.req_str("CaptureStatus") if capture else None
                config_name = detail.opt_str("EndpointConfigName")
                posture["endpoint_config_name"] = config_name
                if config_name:
                    config_posture, models, kms = self.endpoint_config(config_name)
                    posture.update(config_posture)
                    for model_name in models:
                        model = self.model(model_name, served_by=arn)
                        if model is not None:
                            served.append(model)
                        model_arn = model.resource_id if model else self.model_arn(model_name)
                        deps.append(Dependency(model_arn, "serves"))
        capture = posture.get("data_capture")
        if capture is not None:
            capture["status"] = capture_status
            if capture["enabled"]:
                running = capture_status == "Started"
                controls.append(
                    Control(
                        "monitoring",
                        running,
                        f"sagemaker:DescribeEndpointConfig data capture to "
                        f"{capture['destination']} ({capture['sampling_percentage']}% sampled); "
                        f"capture status {capture_status}",
                    )
                )
        posture.update(
            _encryption_posture(kms, known=bool(posture.get("endpoint_config_collected")))
        )
        controls += _kms_control(kms, "sagemaker:DescribeEndpointConfig KmsKeyId")
        isolated = [m for m in served if m.posture.get("network_isolated")]
        posture["network_isolated"] = bool(served) and len(isolated) == len(served)
        if posture["network_isolated"]:
            controls.append(
                Control(
                    "network_isolation",
                    True,
                    "sagemaker:DescribeModel: every served model ("
                    + ", ".join(m.name for m in served)
                    + ") runs in a VPC with network isolation",
                )
            )
        model_names = sorted({m.model_name for m in served if m.model_name})
        rec = _base_record(
            SOURCE_SAGEMAKER,
            arn,
            name,
            "api_endpoint",
            self.account,
            self.region,
            description=f"Amazon SageMaker real-time endpoint {name}",
            model_provider="aws_sagemaker",
            model_name=model_names[0] if len(model_names) == 1 else None,
            is_self_hosted=True,
            api_endpoint=f"{_runtime_url('runtime.sagemaker', self.region)}"
            f"/endpoints/{name}/invocations",
            posture=posture,
            controls=controls,
            dependencies=deps,
            raw=raw,
        )
        rec = self.c.add(rec, item.where)
        self.c.tags(rec, self.account, self.region, "sagemaker", "ListTags")

    def endpoint_config(self, name: str) -> tuple[dict[str, Any], list[str], str | None]:
        resp = self.call("DescribeEndpointConfig", name)
        if resp is None:
            return {"endpoint_config_collected": False}, [], None
        variants = []
        models = []
        for variant in resp.objs("ProductionVariants"):
            model = variant.opt_str("ModelName")
            if model and model not in models:
                models.append(model)
            variants.append(
                {
                    "variant": variant.req_str("VariantName"),
                    "model": model,
                    "instance_type": variant.opt_str("InstanceType"),
                    "instance_count": variant.opt_int("InitialInstanceCount"),
                    "serverless": variant.opt_obj("ServerlessConfig") is not None,
                }
            )
        capture = resp.opt_obj("DataCaptureConfig")
        posture: dict[str, Any] = {"endpoint_config_collected": True, "variants": variants}
        posture["data_capture"] = (
            {
                "enabled": capture.opt_bool("EnableCapture") is not False,
                "sampling_percentage": capture.opt_int("InitialSamplingPercentage"),
                "destination": capture.req_str("DestinationS3Uri"),
                "modes": [o.req_str("CaptureMode") for o in capture.objs("CaptureOptions")],
                "kms_key_id": capture.opt_str("KmsKeyId"),
            }
            if capture
            else None
        )
        return posture, models, resp.opt_str("KmsKeyId")

    def model(self, name: str, served_by: str | None) -> DiscoveredAsset | None:
        """The record of one SageMaker model (read once), or None when it cannot be read."""
        if name in self.models:
            rec = self.models[name]
            if rec is not None and served_by:
                self.mark_served(rec, served_by)
            return rec
        self.models[name] = None
        resp = self.call("DescribeModel", name)
        if resp is None:
            return None
        rec = None
        with self.c.guard():
            rec = self.c.add(self.model_record(resp, name), resp.location)
            self.models[name] = rec
            tags = self.c.tags(rec, self.account, self.region, "sagemaker", "ListTags")
            self.model_type_from_tag(rec, tags, resp.location)
            if served_by:
                self.mark_served(rec, served_by)
        return rec

    @staticmethod
    def mark_served(rec: DiscoveredAsset, endpoint_arn: str) -> None:
        served_by = rec.posture.setdefault("served_by", [])
        if endpoint_arn in served_by:
            return
        served_by.append(endpoint_arn)
        if len(served_by) == 1:
            rec.controls += _sigv4_controls(
                f"{_SAGEMAKER_API} (the model is reachable only through its endpoints)"
            )

    def model_record(self, resp: _Obj, name: str) -> DiscoveredAsset:
        arn = resp.req_str("ModelArn")
        containers = resp.objs("Containers")
        primary = resp.opt_obj("PrimaryContainer")
        if primary is not None:
            containers = [primary, *containers]
        env: dict[str, str] = {}
        images: list[str] = []
        model_data: list[str] = []
        hub_content: str | None = None
        for container in containers:
            env.update(container.str_map("Environment"))
            image = container.opt_str("Image")
            if image:
                images.append(image)
            if container.opt_str("ModelDataUrl"):
                model_data.append(container.req_str("ModelDataUrl"))
            source = container.opt_obj("ModelDataSource")
            s3 = source.opt_obj("S3DataSource") if source else None
            if s3 is not None:
                model_data.append(s3.req_str("S3Uri"))
                hub = s3.opt_obj("HubAccessConfig")
                hub_content = hub.req_str("HubContentArn") if hub else hub_content
        vpc = resp.opt_obj("VpcConfig")
        isolation = resp.opt_bool("EnableNetworkIsolation") is True
        hf_model_id = env.get("HF_MODEL_ID")
        hub_repo = hf_model_id if hf_model_id and _looks_like_hub_repo(hf_model_id) else None
        model_name, model_version, source_url = name, None, None
        if hub_repo:
            model_name = hub_repo
            model_version = env.get("HF_MODEL_REVISION")
            source_url = f"https://huggingface.co/{hub_repo}"
        elif hub_content:
            # arn:aws:sagemaker:<region>:aws:hub-content/<hub>/Model/<model id>/<version>
            parts = hub_content.split("/")
            if len(parts) >= 5:
                model_name, model_version = parts[-2], parts[-1]
        if (
            hub_repo
            or hub_content
            or any(u.startswith(_JUMPSTART_BUCKET_PREFIX) for u in model_data)
        ):
            asset_type, basis = "foundation_model", "pretrained weights from a model hub"
        elif model_data:
            asset_type, basis = "fine_tuned_model", "weights from the customer's own S3 artifacts"
        else:
            asset_type, basis = "foundation_model", "no model artifacts named; container default"
        secret_env = sorted(k for k in env if _SECRET_KEY_RE.search(k))
        posture = {
            "vpc_configured": vpc is not None,
            "vpc_subnets": vpc.str_list("Subnets") if vpc else [],
            "network_isolation_enabled": isolation,
            "network_isolated": vpc is not None and isolation,
            "execution_role_arn": resp.opt_str("ExecutionRoleArn"),
            "images": images,
            "model_data": model_data,
            "hub_content_arn": hub_content,
            "environment_variables": sorted(env),
            "secret_like_environment_variables": secret_env,
            "asset_type_basis": basis,
        }
        controls = []
        if posture["network_isolated"]:
            controls.append(
                Control(
                    "network_isolation",
                    True,
                    "sagemaker:DescribeModel: VpcConfig with "
                    f"{len(posture['vpc_subnets'])} subnet(s) and EnableNetworkIsolation true",
                )
            )
        return _base_record(
            SOURCE_SAGEMAKER,
            arn,
            name,
            asset_type,
            self.account,
            self.region,
            description=f"Amazon SageMaker model {name}"
            + (f" ({hub_repo} from the Hugging Face Hub)" if hub_repo else ""),
            model_provider="aws_sagemaker",
            model_name=model_name,
            model_version=model_version,
            is_self_hosted=True,
            source_url=source_url,
            posture=posture,
            controls=controls,
            raw=resp.data,
        )

    def model_type_from_tag(self, rec: DiscoveredAsset, tags: dict[str, str], where: str) -> None:
        for key, value in tags.items():
            if key.strip().lower() != _MODEL_TYPE_TAG:
                continue
            wanted = value.strip().lower().replace("-", "_")
            if wanted in _MODEL_TYPES and wanted in ASSET_TYPES:
                rec.asset_type = wanted
                rec.posture["asset_type_basis"] = f"tag {key}"
            else:
                self.c._bad_tag(rec, key, "asset_type", value, _MODEL_TYPES, where)


def _looks_like_hub_repo(model_id: str) -> bool:
    """HF_MODEL_ID names a Hub repo (`org/name`) rather than a local path like /opt/ml/model."""
    return re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", model_id) is not None
