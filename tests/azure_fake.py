"""A local fake of the Azure Resource Manager endpoints the Cognitive Services SDK calls.

`FakeArmServer` serves an offline Azure bundle (see `aisec_assets.discovery.azure`) over HTTP on
127.0.0.1 at the ARM paths, so the real `CognitiveServicesManagementClient` (with its real
pipeline: bearer-token policy, paging, deserialization) reads it. It also answers the
subscriptions list (`SubscriptionClient`), can split every list into pages chained by
`nextLink`, answers chosen paths with a `Fault` (an ARM error status, 429 with Retry-After a
number of times, a body that is not JSON, a slow answer past the client's timeout), and
records every request with the time it came in.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from azure.core.credentials import AccessToken
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Account, Deployment, RaiPolicy
from loopback_server import LoopbackServer

from aisec_resources.records import Rejection

API_VERSION = "2025-09-01"
SUBSCRIPTIONS_API_VERSION = "2022-12-01"  # azure-mgmt-resource-subscriptions 1.0.0
FAKE_TOKEN = "fake-arm-token"  # not a credential: the fake only checks it is sent

_ACCOUNTS = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.CognitiveServices/accounts$", re.I
)
_SUBSCRIPTIONS = re.compile(r"^/subscriptions/?$", re.I)
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_ACCOUNT_CHILD = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.CognitiveServices/accounts/(?P<account>[^/]+)/(?P<child>deployments|raiPolicies)$",
    re.I,
)


class FakeCredential:
    """A TokenCredential that hands out a fixed token (no azure-identity needed)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(FAKE_TOKEN, int(time.time()) + 3600)


class AllowHttp(SansIOHTTPPolicy):
    """The bearer policy refuses plain http; the fake listens on http://127.0.0.1."""

    def on_request(self, request: PipelineRequest) -> None:
        request.context["enforce_https"] = False


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None
    body: dict[str, Any] | None = None
    at: float = 0.0  # time.monotonic() when it came in


@dataclass(frozen=True)
class Fault:
    """How the fake answers a path instead of (or before) its normal answer.

    `status` None answers normally after `delay` seconds (a slow answer); `times` limits the
    fault to the first N requests of the path (then it answers normally), None = every one.
    """

    status: int | None = 500
    times: int | None = None
    retry_after: str | None = None
    body: bytes | None = None  # a raw body instead of an ARM error (e.g. not JSON)
    delay: float = 0.0
    code: str = "FakeError"

    @classmethod
    def forbidden(cls) -> Fault:
        return cls(403, code="AuthorizationFailed")

    @classmethod
    def not_found(cls) -> Fault:
        return cls(404, code="ResourceNotFound")

    @classmethod
    def throttled(cls, retry_after: str, times: int | None = None) -> Fault:
        return cls(429, times=times, retry_after=retry_after, code="TooManyRequests")

    @classmethod
    def server_error(cls) -> Fault:
        return cls(500, code="InternalServerError")

    @classmethod
    def malformed(cls) -> Fault:
        return cls(200, body=b'{"value": [{"id": "/subscriptions/')

    @classmethod
    def slow(cls, delay: float) -> Fault:
        return cls(None, delay=delay)


def _find_dir(parent: Path, name: str) -> Path | None:
    """ARM names are case-insensitive; so is the fake."""
    if not parent.is_dir():
        return None
    for child in sorted(parent.iterdir()):
        if child.is_dir() and child.name.lower() == name.lower():
            return child
    return None


_ACCOUNT = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.CognitiveServices/accounts/(?P<account>[^/]+)"
    r"(?:/deployments/(?P<deployment>[^/]+)|/(?P<regenerate>regenerateKey))?$",
    re.I,
)


class FakeArmServer(LoopbackServer):
    """Serves `bundle` at the ARM list endpoints of Microsoft.CognitiveServices, and answers
    the containment writes (regenerateKey, PATCH of an account or a deployment) against the
    bundle's resources, recording each change in `changes`."""

    def __init__(
        self,
        bundle: Path,
        page_size: int | None = None,
        errors: dict[str, int | Fault] | None = None,
        subscription_ids: list[str] | None = None,
    ) -> None:
        self.bundle = bundle
        self.page_size = page_size
        # path suffix (lowercase) -> how that path is answered (a bare status: an ARM error)
        self.errors: dict[str, Fault] = {
            k.lower(): v if isinstance(v, Fault) else Fault(v, code="AuthorizationFailed")
            for k, v in (errors or {}).items()
        }
        self.fault_hits: dict[str, int] = {}
        # what the subscriptions list answers (default: the bundle's GUID-named directories)
        self.subscription_ids = subscription_ids
        self.requests: list[SeenRequest] = []
        self.changes: list[tuple[str, str, dict[str, Any]]] = []
        self.issued_keys: list[str] = []
        self._lock = threading.RLock()  # re-entered: a write takes it, then looks up its fault
        super().__init__(self._handler_class())

    def client(self, subscription_id: str) -> CognitiveServicesManagementClient:
        return CognitiveServicesManagementClient(
            FakeCredential(),
            subscription_id,
            base_url=self.url,
            per_call_policies=[AllowHttp()],
            retry_total=0,
        )

    # -- request handling
    def _fault(self, path: str) -> Fault | None:
        """The fault this request of `path` gets (counting it), or None."""
        with self._lock:
            for suffix, fault in self.errors.items():
                if path.lower().endswith(suffix):
                    hits = self.fault_hits.get(suffix, 0)
                    if fault.times is not None and hits >= fault.times:
                        return None
                    self.fault_hits[suffix] = hits + 1
                    return fault
        return None

    def _respond(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        if _SUBSCRIPTIONS.match(path):
            if query.get("api-version") != [SUBSCRIPTIONS_API_VERSION]:
                return 400, _arm_error("InvalidApiVersionParameter", f"api-version {query}")
            return 200, {"value": [_subscription(s) for s in self._subscription_list()]}
        if query.get("api-version") != [API_VERSION]:
            return 400, _arm_error("InvalidApiVersionParameter", f"api-version {query}")
        match = _ACCOUNTS.match(path)
        if match:
            sub_dir = _find_dir(self.bundle, match["sub"])
            if sub_dir is None or not (sub_dir / "accounts.json").is_file():
                return 404, _arm_error("SubscriptionNotFound", match["sub"])
            return 200, json.loads((sub_dir / "accounts.json").read_text("utf-8"))
        match = _ACCOUNT_CHILD.match(path)
        if match:
            directory = _find_dir(self.bundle, match["sub"])
            for part in (match["rg"], match["account"]):
                directory = _find_dir(directory, part) if directory else None
            file_name = (
                "deployments.json"
                if match["child"].lower() == "deployments"
                else ("raiPolicies.json")
            )
            if directory is None or not (directory / file_name).is_file():
                return 200, {"value": []}  # an account with nothing of that kind
            return 200, json.loads((directory / file_name).read_text("utf-8"))
        return 404, _arm_error("InvalidResourceType", path)

    def _write(
        self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        fault = self._fault(path)
        if fault is not None and fault.status is not None:
            return fault.status, _arm_error(fault.code, f"fake error for {path}")
        if query.get("api-version") != [API_VERSION]:
            return 400, _arm_error("InvalidApiVersionParameter", f"api-version {query}")
        match = _ACCOUNT.match(path)
        if match is None:
            return 404, _arm_error("InvalidResourceType", path)
        account = self._account(match["sub"], match["account"])
        if account is None:
            return 404, _arm_error("ResourceNotFound", f"account {match['account']}")
        if match["regenerate"] and method == "POST":
            key_name = body.get("keyName")
            if key_name not in ("Key1", "Key2"):
                return 400, _arm_error("InvalidKeyName", f"keyName {key_name!r}")
            self.changes.append(("regenerateKey", account["id"], {"keyName": key_name}))
            # Fresh random values, as Azure returns: a caller must never record them.
            keys = {"key1": secrets.token_hex(16), "key2": secrets.token_hex(16)}
            self.issued_keys.extend(keys.values())
            return 200, keys
        if match["deployment"] and method == "PATCH":
            deployment = self._deployment(
                match["sub"], match["rg"], match["account"], match["deployment"]
            )
            if deployment is None:
                return 404, _arm_error("DeploymentNotFound", match["deployment"])
            updated = {**deployment, "sku": {**deployment.get("sku", {}), **body.get("sku", {})}}
            updated["properties"] = {
                **deployment.get("properties", {}),
                "provisioningState": "Succeeded",
            }
            self.changes.append(("patchDeployment", deployment.get("id", path), body))
            return 200, updated
        if not match["deployment"] and not match["regenerate"] and method == "PATCH":
            updated = {
                **account,
                "properties": {
                    **account.get("properties", {}),
                    **body.get("properties", {}),
                    "provisioningState": "Succeeded",
                },
            }
            self.changes.append(("patchAccount", account["id"], body))
            return 200, updated
        return 405, _arm_error("MethodNotAllowed", f"{method} {path}")

    def _subscription_list(self) -> list[str]:
        if self.subscription_ids is not None:
            return list(self.subscription_ids)
        return sorted(p.name for p in self.bundle.iterdir() if _GUID.match(p.name) and p.is_dir())

    def _account(self, subscription: str, name: str) -> dict[str, Any] | None:
        sub_dir = _find_dir(self.bundle, subscription)
        if sub_dir is None or not (sub_dir / "accounts.json").is_file():
            return None
        for item in json.loads((sub_dir / "accounts.json").read_text("utf-8"))["value"]:
            if str(item.get("name", "")).lower() == name.lower():
                return item
        return None

    def _deployment(
        self, subscription: str, group: str, account: str, name: str
    ) -> dict[str, Any] | None:
        directory = _find_dir(self.bundle, subscription)
        for part in (group, account):
            directory = _find_dir(directory, part) if directory else None
        if directory is None or not (directory / "deployments.json").is_file():
            return None
        for item in json.loads((directory / "deployments.json").read_text("utf-8"))["value"]:
            if str(item.get("name", "")).lower() == name.lower():
                return item
        return None

    def _page(self, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> dict:
        items = body.get("value")
        if self.page_size is None or not isinstance(items, list):
            return body
        start = int(query.get("$skiptoken", ["0"])[0])
        end = start + self.page_size
        page: dict[str, Any] = {"value": items[start:end]}
        if end < len(items):
            version = query.get("api-version", [API_VERSION])[0]
            next_query = urlencode({"api-version": version, "$skiptoken": str(end)})
            page["nextLink"] = f"{self.url}{path}?{next_query}"
        return page

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                with fake._lock:
                    fake.requests.append(
                        SeenRequest(
                            "GET",
                            parts.path,
                            query,
                            self.headers.get("Authorization"),
                            at=time.monotonic(),
                        )
                    )
                headers: dict[str, str] = {}
                fault = None
                if self.headers.get("Authorization") != f"Bearer {FAKE_TOKEN}":
                    status, body = 401, _arm_error("AuthenticationFailed", "no bearer token")
                else:
                    fault = fake._fault(parts.path)
                    if fault is not None and fault.delay:
                        time.sleep(fault.delay)
                    if fault is not None and fault.status is not None:
                        status = fault.status
                        body = _arm_error(fault.code, f"fake {status} for {parts.path}")
                        if fault.retry_after is not None:
                            headers["Retry-After"] = fault.retry_after
                    else:
                        status, body = fake._respond(parts.path, query)
                        if status == 200:
                            body = fake._page(parts.path, query, body)
                raw = fault.body if fault is not None else None
                data = raw if raw is not None else json.dumps(body).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a slow answer past its timeout)

            def _change(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                with fake._lock:
                    fake.requests.append(
                        SeenRequest(
                            method, parts.path, query, self.headers.get("Authorization"), body
                        )
                    )
                if self.headers.get("Authorization") != f"Bearer {FAKE_TOKEN}":
                    status, answer = 401, _arm_error("AuthenticationFailed", "no bearer token")
                else:
                    with fake._lock:
                        status, answer = fake._write(method, parts.path, query, body)
                data = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                self._change("POST")

            def do_PATCH(self) -> None:
                self._change("PATCH")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        return Handler


def _arm_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _subscription(subscription_id: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{subscription_id}",
        "subscriptionId": subscription_id,
        "displayName": f"fake {subscription_id[:8]}",
        "state": "Enabled",
    }


class SdkClientReader:
    """The reader protocol over real `CognitiveServicesManagementClient`s (one per subscription).

    It adds nothing of its own: objects are what the SDK's paging and deserialization give.
    """

    def __init__(self, clients: dict[str, CognitiveServicesManagementClient]) -> None:
        self._clients = clients
        self.rejections: list[Rejection] = []

    def subscriptions(self) -> list[str]:
        return sorted(self._clients)

    def accounts(self, subscription_id: str) -> list[Account]:
        return list(self._clients[subscription_id].accounts.list())

    def deployments(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[Deployment]:
        return list(self._clients[subscription_id].deployments.list(resource_group, account_name))

    def rai_policies(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[RaiPolicy]:
        client = self._clients[subscription_id]
        return list(client.rai_policies.list(resource_group, account_name))

    def location_of(self, resource_id: str) -> str:
        return f"GET {resource_id}"
