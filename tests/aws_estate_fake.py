"""An AWS estate on 127.0.0.1 for live discovery: moto in server mode behind a small proxy.

Every client of the live reader points at the proxy (`endpoint_url`). It forwards to moto
(organizations, STS, EC2, SageMaker and the Bedrock operations moto implements) and answers
itself the Bedrock operations moto 5.2.5 lacks (guardrails, provisioned throughput, imported
models, agent aliases / action groups / knowledge bases, data sources), per account and
region, from answers the test registers; each answer is checked against botocore's output
shape (`validate_response`) and paged with maxResults/nextToken like AWS. Why a proxy and
not `Stubber`: the reader under test then uses real clients and real HTTP for every call,
retries and errors included, and one place can inject faults (throttling, access denied,
expired credentials) per account/region/operation.

The account of a request is the one whose credentials sign it: the proxy sees every
AssumeRole pass through and maps the returned access key id to the role's account; the base
credentials are moto's default account.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session
from aws_helpers import validate_response
from loopback_server import LoopbackServer

MOTO_DEFAULT_ACCOUNT = "123456789012"
FAKE_OPERATIONS = {
    "ListGuardrails",
    "GetGuardrail",
    "ListProvisionedModelThroughputs",
    "ListImportedModels",
    "GetImportedModel",
    "ListAgentAliases",
    "ListAgentActionGroups",
    "GetAgentActionGroup",
    "ListAgentKnowledgeBases",
    "ListDataSources",
    "GetDataSource",
}
# Query parameters that are part of what a call asks for (not paging).
_ID_QUERY = {"ListGuardrails": "guardrailIdentifier", "GetGuardrail": "guardrailVersion"}
_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/")


@dataclass(frozen=True)
class Route:
    service: str
    operation: str
    method: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]


@cache
def _list_key(operation: str) -> str:
    """The list member of a listing operation's output (loading a service model per answer
    costs ~16 ms)."""
    service = "bedrock" if operation in _BEDROCK_OPS else "bedrock-agent"
    model = botocore.session.get_session().get_service_model(service)
    output = model.operation_model(operation).output_shape
    return next(n for n, s in output.members.items() if s.type_name == "list")


@cache
def _routes() -> list[Route]:
    """Method + path of every bedrock / bedrock-agent operation (botocore's requestUri)."""
    session = botocore.session.get_session()
    routes = []
    for service in ("bedrock", "bedrock-agent"):
        model = session.get_service_model(service)
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = http["requestUri"].split("?")[0]
            names = tuple(n.rstrip("+") for n in re.findall(r"\{([^}]+)\}", uri))
            regex = re.sub(
                r"\\\{([^}]+?)(\\\+)?\\\}",
                lambda m: "(.+)" if m.group(2) else "([^/]+)",
                re.escape(uri),
            )
            routes.append(Route(service, name, http["method"], re.compile(regex + "$"), names))
    # Literal paths first: /agents/ must not be read as an id.
    routes.sort(key=lambda r: -len(r.pattern.pattern.replace("([^/]+)", "")))
    return routes


@dataclass
class Fault:
    """Answer `code` for matching requests: `times` times (None = always), starting after the
    account has made `after` requests."""

    account: str
    operation: str  # "*" = every operation
    code: str
    status: int = 400
    region: str | None = None
    times: int | None = None
    after: int = 0
    body_has: str | None = None  # only requests whose body holds this (e.g. an account id)
    hits: int = 0


@dataclass
class Seen:
    account: str
    region: str
    service: str
    operation: str
    method: str
    path: str
    body: str
    status: int


@dataclass
class EstateState:
    # (account, region, operation, ids) -> response; ids are the path (and id-query) values.
    answers: dict[tuple[str, str, str, tuple[str, ...]], dict[str, Any]] = field(
        default_factory=dict
    )

    def answer(
        self, account: str, region: str, operation: str, ids: tuple[str, ...], response: dict
    ) -> None:
        assert operation in FAKE_OPERATIONS, operation
        service = "bedrock" if operation in _BEDROCK_OPS else "bedrock-agent"
        validate_response(service, operation, response)
        self.answers[(account, region, operation, ids)] = response


_BEDROCK_OPS = {
    "ListGuardrails",
    "GetGuardrail",
    "ListProvisionedModelThroughputs",
    "ListImportedModels",
    "GetImportedModel",
}


def _json(payload: dict, headers: dict[str, str]) -> tuple[bytes, list[tuple[str, str]]]:
    return json.dumps(payload).encode("utf-8"), [
        ("Content-Type", "application/json"),
        *headers.items(),
    ]


class AwsEstateProxy(LoopbackServer):
    def __init__(self, moto_url: str, state: EstateState) -> None:
        self.moto = urlsplit(moto_url)
        self.state = state
        self.faults: list[Fault] = []
        self.passthrough: set[str] = set()  # fake operations sent to moto anyway
        self.requests: list[Seen] = []
        self.assumed: list[dict[str, str]] = []
        self._accounts_by_key: dict[str, str] = {}
        self._count: dict[str, int] = {}
        self._lock = threading.Lock()
        super().__init__(self._handler_class())

    # -- who, where, what
    def identify(self, headers: Any, method: str, path: str, body: bytes) -> tuple[str, ...]:
        match = _CREDENTIAL.search(headers.get("Authorization") or "")
        key, region, signing = match.groups() if match else ("", "us-east-1", "")
        account = self._accounts_by_key.get(key, MOTO_DEFAULT_ACCOUNT)
        target = headers.get("X-Amz-Target")
        if target:
            return account, region, signing, target.split(".")[-1], ""
        if signing == "bedrock":
            for route in _routes():
                m = route.pattern.match(path) if route.method == method else None
                if m:
                    return account, region, route.service, route.operation, "/".join(m.groups())
        form = parse_qs(body.decode("utf-8", "replace"))
        return account, region, signing, (form.get("Action") or ["?"])[0], ""

    def reset(self) -> None:
        """Forget the faults, passthroughs, requests seen and per-account request counts (a
        fault's `after` counts from here)."""
        with self._lock:
            self.faults.clear()
            self.passthrough.clear()
            self.requests.clear()
            self._count.clear()

    def ops(self, account: str | None = None) -> list[str]:
        return [s.operation for s in self.requests if account is None or s.account == account]

    def _fault(self, account: str, region: str, operation: str, body: str) -> Fault | None:
        with self._lock:
            self._count[account] = self._count.get(account, 0) + 1
            made = self._count[account]
            for fault in self.faults:
                if fault.account != account or fault.operation not in ("*", operation):
                    continue
                if fault.region not in (None, region) or made <= fault.after:
                    continue
                if fault.body_has is not None and fault.body_has not in body:
                    continue
                if fault.times is not None and fault.hits >= fault.times:
                    continue
                fault.hits += 1
                return fault
        return None

    # -- answers
    def _own(self, account: str, region: str, operation: str, path: str, query: dict) -> tuple:
        ids = tuple(unquote(p) for p in path.split("/") if p) if path else ()
        extra = _ID_QUERY.get(operation)
        if extra and query.get(extra):
            ids = (*ids, query[extra])
        found = self.state.answers.get((account, region, operation, ids))
        if operation.startswith("Get"):
            if found is None:
                return (
                    404,
                    {"message": f"{operation} {'/'.join(ids)}: not found"},
                    ("ResourceNotFoundException"),
                )
            return 200, found, None
        list_key = _list_key(operation)
        items = list((found or {}).get(list_key, []))
        start = int(query.get("nextToken") or 0)
        size = int(query.get("maxResults") or 1000)
        page: dict[str, Any] = {list_key: items[start : start + size]}
        if start + size < len(items):
            page["nextToken"] = str(start + size)
        return 200, page, None

    def _forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple:
        conn = http.client.HTTPConnection(self.moto.hostname, self.moto.port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
            conn.request(method, path, body=body or None, headers=sent)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as separate writes: without TCP_NODELAY each answer
            # waits for a delayed ACK (~40 ms), which would dominate the test's run time.
            disable_nagle_algorithm = True

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                account, region, service, operation, ids = fake.identify(
                    self.headers, method, split.path, body
                )
                text = unquote(body.decode("utf-8", "replace"))
                fault = fake._fault(account, region, operation, text)
                # The answer is recorded before it is sent: a client that has its answer
                # must find the request in `fake.requests` (no race with the test's asserts).
                if fault is not None:
                    status = fault.status
                    if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                        data = (  # the query protocol (STS, EC2) answers errors in XML
                            "<ErrorResponse><Error><Type>Sender</Type>"
                            f"<Code>{fault.code}</Code><Message>injected</Message>"
                            "</Error></ErrorResponse>"
                        ).encode()
                        headers = [("Content-Type", "text/xml")]
                    else:
                        payload = {"__type": fault.code, "message": f"{fault.code} (injected)"}
                        data, headers = _json(payload, {"x-amzn-ErrorType": fault.code})
                elif operation in FAKE_OPERATIONS and operation not in fake.passthrough:
                    query = {k: v[-1] for k, v in parse_qs(split.query).items()}
                    if body and method == "POST":
                        query.update({k: str(v) for k, v in json.loads(body).items()})
                    status, answer, error = fake._own(account, region, operation, ids, query)
                    if error is None:
                        svc = "bedrock" if operation in _BEDROCK_OPS else "bedrock-agent"
                        validate_response(svc, operation, answer)
                    data, headers = _json(answer, {"x-amzn-ErrorType": error} if error else {})
                else:
                    status, headers, data = fake._forward(method, self.path, self.headers, body)
                    if operation == "AssumeRole" and status == 200:
                        fake._learn(body, data)
                with fake._lock:
                    fake.requests.append(
                        Seen(
                            account,
                            region,
                            service,
                            operation,
                            method,
                            self.path,
                            body.decode("utf-8", "replace"),
                            status,
                        )
                    )
                self._send_raw(status, headers, data)

            def _send_raw(self, status: int, headers: list, data: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _learn(self, body: bytes, answer: bytes) -> None:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}
        key = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", answer)
        account = form.get("RoleArn", "::::").split(":")[4]
        with self._lock:
            self.assumed.append(
                {k: form.get(k, "") for k in ("RoleArn", "RoleSessionName", "ExternalId")}
            )
            if key:
                self._accounts_by_key[key.group(1).decode()] = account
