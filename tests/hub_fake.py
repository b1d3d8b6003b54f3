"""A local fake of the Hugging Face Hub API paths discovery calls, on 127.0.0.1.

`FakeHub` holds organisations' model and dataset infos (the JSON `/api/models/<id>` answers)
and serves:

* ``/api/models?author=<org>`` and ``/api/datasets?author=<org>``: the listing, split into
  pages of `page_size` chained by ``Link: <absolute url>; rel="next"`` (as the Hub does);
* ``/api/models/<org>/<name>`` (and ``/revision/main``) and ``/api/datasets/<org>/<name>``;
* ``/api/agent-harnesses``: huggingface_hub's user-agent code fetches it from ``HF_ENDPOINT``
  once a day; it gets the empty registry (a wrong answer there breaks every call);
* per-path faults (`Fault`): an HTTP status with headers and body (401 gated, 403, 404, 429
  with Retry-After, 500), a malformed body, or a delay past the client's timeout — for the
  first `times` requests to that path or forever.

Every request is recorded (`SeenRequest`), with its Authorization header, so tests can check
the token is sent — and a fault body may echo that header back (``{auth}`` in the body), as
a careless server might, to check it never reaches a record.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from loopback_server import LoopbackServer

EMPTY_REGISTRY = {"standardEnvVars": [], "harnesses": {}}


@dataclass
class Fault:
    status: int = 500
    body: bytes = b'{"error": "internal error"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = None  # None: every request; else only the first `times`


@dataclass(frozen=True)
class SeenRequest:
    path: str
    query: dict[str, list[str]]
    authorization: str | None
    at: float  # time.monotonic() when it arrived


class FakeHub:
    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.repos: dict[str, dict[str, dict[str, Any]]] = {"models": {}, "datasets": {}}
        self.faults: dict[str, Fault] = {}
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None

    # -- content
    def add_model(self, repo_id: str, **info: Any) -> dict[str, Any]:
        return self._add("models", repo_id, info)

    def add_dataset(self, repo_id: str, **info: Any) -> dict[str, Any]:
        return self._add("datasets", repo_id, info)

    def _add(self, kind: str, repo_id: str, info: dict[str, Any]) -> dict[str, Any]:
        body = {"_id": f"id-{len(self.repos[kind])}", "id": repo_id, **info}
        self.repos[kind][repo_id] = body
        return body

    def fail(self, path: str, fault: Fault) -> None:
        """Answer `path` (e.g. ``/api/models/acme/x`` or ``/api/models?author=acme``) so."""
        self.faults[path] = fault

    # -- server
    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def __enter__(self) -> FakeHub:
        self._server = LoopbackServer(_handler(self)).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.__exit__(None, None, None)

    def seen(self, prefix: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    # -- answers
    def _fault_for(self, path: str, query: dict[str, list[str]]) -> Fault | None:
        keys = [path]
        if "author" in query:
            keys.insert(0, f"{path}?author={query['author'][0]}")
        with self._lock:
            for key in keys:
                fault = self.faults.get(key)
                if fault is None:
                    continue
                if fault.times is None:
                    return fault
                if fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        if path == "/api/agent-harnesses":
            return 200, {}, EMPTY_REGISTRY
        parts = [unquote(p) for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "api" and parts[1] in self.repos:
            author = (query.get("author") or [""])[0]
            listing = [
                {"_id": info["_id"], "id": repo_id, "private": info.get("private", False)}
                for repo_id, info in sorted(self.repos[parts[1]].items())
                if repo_id.split("/")[0] == author
            ]
            start = int((query.get("cursor") or ["0"])[0])
            page = listing[start : start + self.page_size]
            headers = {}
            if start + self.page_size < len(listing):
                nxt = urlencode({"author": author, "cursor": start + self.page_size})
                headers["Link"] = f'<{self.url}{path}?{nxt}>; rel="next"'
            return 200, headers, page
        is_repo_path = len(parts) >= 4 and parts[0] == "api" and parts[1] in self.repos
        if is_repo_path and parts[4:] in ([], ["revision", "main"]):
            info = self.repos[parts[1]].get(f"{parts[2]}/{parts[3]}")
            if info is not None:
                return 200, {}, info
            return 404, {"X-Error-Code": "RepoNotFound"}, {"error": "Repository not found"}
        return 404, {}, {"error": f"no such path {path}"}


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            query = parse_qs(split.query)
            auth = self.headers.get("Authorization")
            with hub._lock:
                hub.requests.append(SeenRequest(split.path, query, auth, time.monotonic()))
            fault = hub._fault_for(split.path, query)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                body = fault.body.replace(b"{auth}", (auth or "").encode())
                self._send(
                    fault.status, {"Content-Type": "application/json", **fault.headers}, body
                )
                return
            status, headers, value = hub.answer(split.path, query)
            body = json.dumps(value).encode()
            self._send(status, {"Content-Type": "application/json", **headers}, body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            try:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    return Handler
