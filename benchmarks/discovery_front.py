"""The front of the discovery benchmark's AWS estate: a threaded HTTP server before moto.

    python -m benchmarks.discovery_front --moto http://127.0.0.1:PORT [--latency-ms 20]

It prints its own URL on the first line of stdout, then serves until killed. It runs in a
process of its own (so neither its CPU nor moto's is the benchmark's GIL) and, per request:

- sleeps the configured latency in the request's own server thread (real AWS answers in tens
  of milliseconds; loopback answers in about one, which would measure only CPU), so
  concurrent requests wait concurrently, as they would on the network;
- answers itself the Bedrock operations moto 5.2.5 lacks (guardrails, provisioned
  throughput, imported models, agent aliases / action groups / knowledge bases, data
  sources) with empty lists (their Get* with ResourceNotFoundException), the list member
  named by botocore's output shape; everything else is forwarded to moto over a keep-alive
  connection per server thread;
- records who asked what: (account, region, service, operation, method, path, body,
  status), the account being the one whose credentials signed the request (learnt from the
  AssumeRole answers passing through; unknown keys are moto's default account).

Control paths (unsigned, no latency): `GET /_bench/requests` (the log), `POST /_bench/reset`
(clear it), `POST /_bench/latency` with `{"ms": N}`. Why not `tests/aws_estate_fake.py`: it
runs in the test's process and builds a botocore session (about 16 ms of CPU) for every
answer it makes itself, which would make the fake, not the collector, the bottleneck here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import threading
import time
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import botocore.session

MOTO_DEFAULT_ACCOUNT = "123456789012"
# What moto 5.2.5 lacks, by the service whose model describes it.
FAKE_OPERATIONS = {
    "ListGuardrails": "bedrock",
    "GetGuardrail": "bedrock",
    "ListProvisionedModelThroughputs": "bedrock",
    "ListImportedModels": "bedrock",
    "GetImportedModel": "bedrock",
    "ListAgentAliases": "bedrock-agent",
    "ListAgentActionGroups": "bedrock-agent",
    "GetAgentActionGroup": "bedrock-agent",
    "ListAgentKnowledgeBases": "bedrock-agent",
    "ListDataSources": "bedrock-agent",
    "GetDataSource": "bedrock-agent",
}
CONTROL_PREFIX = "/_bench/"
_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/")
_ACCESS_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")


@dataclass(frozen=True)
class Route:
    service: str
    operation: str
    method: str
    pattern: re.Pattern[str]


@cache
def routes() -> tuple[Route, ...]:
    """Method + path of every bedrock / bedrock-agent operation (botocore's requestUri); both
    are signed as `bedrock`, so the path is what tells them apart."""
    session = botocore.session.get_session()
    found = []
    for service in ("bedrock", "bedrock-agent"):
        model = session.get_service_model(service)
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = http["requestUri"].split("?")[0]
            regex = re.sub(
                r"\\\{([^}]+?)(\\\+)?\\\}",
                lambda m: "(.+)" if m.group(2) else "([^/]+)",
                re.escape(uri),
            )
            found.append(Route(service, name, http["method"], re.compile(regex + "$")))
    # Literal paths first: /agents/ must not be read as an id.
    found.sort(key=lambda r: -len(r.pattern.pattern.replace("([^/]+)", "")))
    return tuple(found)


@cache
def empty_answer(operation: str) -> dict[str, Any]:
    """`{<the output's list member>: []}`: nothing there, in the shape botocore expects."""
    model = botocore.session.get_session().get_service_model(FAKE_OPERATIONS[operation])
    output = model.operation_model(operation).output_shape
    list_key = next(n for n, s in output.members.items() if s.type_name == "list")
    return {list_key: []}


class Front(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a burst of new client connections must not overflow the backlog

    def __init__(self, moto_url: str, latency_ms: float) -> None:
        self.moto = urlsplit(moto_url)
        self.latency = latency_ms / 1000
        self.log: list[list[Any]] = []
        self.accounts_by_key: dict[str, str] = {}
        self.lock = threading.Lock()
        self.local = threading.local()
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def identify(self, headers: Any, method: str, path: str, body: bytes) -> tuple[str, ...]:
        """(account, region, service, operation) of a signed request."""
        match = _CREDENTIAL.search(headers.get("Authorization") or "")
        key, region, signing = match.groups() if match else ("", "us-east-1", "")
        account = self.accounts_by_key.get(key, MOTO_DEFAULT_ACCOUNT)
        target = headers.get("X-Amz-Target")
        if target:
            return account, region, signing, target.split(".")[-1]
        if signing == "bedrock":
            for route in routes():
                if route.method == method and route.pattern.match(path):
                    return account, region, route.service, route.operation
            return account, region, signing, "?"
        form = parse_qs(body.decode("utf-8", "replace"))
        return account, region, signing, (form.get("Action") or ["?"])[0]

    def forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple:
        """Send to moto on this thread's keep-alive connection (reopened once if stale)."""
        sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = http.client.HTTPConnection(self.moto.hostname, self.moto.port, timeout=60)
                self.local.conn = conn
            try:
                conn.request(method, path, body=body or None, headers=sent)
                resp = conn.getresponse()
                return resp.status, resp.getheaders(), resp.read()
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def learn(self, body: bytes, answer: bytes) -> None:
        """Map the access key an AssumeRole hands out to the account of its role."""
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}
        key = _ACCESS_KEY.search(answer)
        parts = form.get("RoleArn", "").split(":")
        if key and len(parts) > 4:
            with self.lock:
                self.accounts_by_key[key.group(1).decode()] = parts[4]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without TCP_NODELAY each answer would wait
    # for a delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server: Front

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith(CONTROL_PREFIX):
            self._control(method, body)
            return
        front = self.server
        if front.latency:
            time.sleep(front.latency)
        split = urlsplit(self.path)
        account, region, service, operation = front.identify(self.headers, method, split.path, body)
        if operation in FAKE_OPERATIONS:
            if operation.startswith("Get"):
                status, answer = 404, {"message": f"{operation}: not found"}
                headers = [("x-amzn-ErrorType", "ResourceNotFoundException")]
            else:
                status, answer, headers = 200, empty_answer(operation), []
            data = json.dumps(answer).encode()
            self._send(status, [("Content-Type", "application/json"), *headers], data)
        else:
            status, headers, data = front.forward(method, self.path, self.headers, body)
            self._send(status, headers, data)
            if operation == "AssumeRole" and status == 200:
                front.learn(body, data)
        entry = [
            account,
            region,
            service,
            operation,
            method,
            self.path,
            body.decode("utf-8", "replace"),
            status,
        ]
        with front.lock:
            front.log.append(entry)

    def _control(self, method: str, body: bytes) -> None:
        front = self.server
        name = self.path[len(CONTROL_PREFIX) :]
        if method == "GET" and name == "requests":
            with front.lock:
                payload: dict[str, Any] = {"requests": list(front.log)}
        elif method == "POST" and name == "reset":
            with front.lock:
                front.log.clear()
            payload = {"ok": True}
        elif method == "POST" and name == "latency":
            front.latency = float(json.loads(body)["ms"]) / 1000
            payload = {"ok": True, "ms": front.latency * 1000}
        else:
            self._send(404, [], b"unknown control path")
            return
        self._send(200, [("Content-Type", "application/json")], json.dumps(payload).encode())

    def _send(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto", required=True, help="the moto server's URL")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    routes()  # parsed once, before the first request
    front = Front(args.moto, args.latency_ms)
    print(front.url, flush=True)
    try:
        front.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        front.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
