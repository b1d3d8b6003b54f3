"""A local fake of the Bedrock control-plane writes containment makes, for the real boto3 client.

moto 5.2.5 does not implement the agent action-group and alias operations or provisioned
throughput (see notes/cloud-sdks-offline.md), so this serves them over HTTP on 127.0.0.1 at
botocore's REST paths: GetAgentActionGroup / UpdateAgentActionGroup, PrepareAgent,
GetAgentAlias / UpdateAgentAlias (bedrock-agent) and DeleteProvisionedModelThroughput
(bedrock). Every answer is checked against botocore's output shape (`validate_response`), an
`AccessDeniedException` can be forced per operation, and every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from aws_helpers import validate_response
from loopback_server import LoopbackServer

NOW = "2026-11-30T10:00:00Z"
_GROUP = re.compile(r"^/agents/([^/]+)/agentversions/([^/]+)/actiongroups/([^/]+)/$")
_ALIAS = re.compile(r"^/agents/([^/]+)/agentaliases/([^/]+)/$")
_PREPARE = re.compile(r"^/agents/([^/]+)/$")
_THROUGHPUT = re.compile(r"^/provisioned-model-throughput/(.+)$")


@dataclass
class Seen:
    method: str
    operation: str
    path: str
    body: dict[str, Any]
    authorization: str | None


@dataclass
class BedrockState:
    # (agent id, version, action group id) -> action group
    action_groups: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    # (agent id, alias id) -> alias
    aliases: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    prepared: list[str] = field(default_factory=list)
    provisioned: set[str] = field(default_factory=set)

    def add_action_group(self, agent_id: str, group_id: str, name: str, **extra: Any) -> None:
        self.action_groups[(agent_id, "DRAFT", group_id)] = {
            "agentId": agent_id,
            "agentVersion": "DRAFT",
            "actionGroupId": group_id,
            "actionGroupName": name,
            "actionGroupState": "ENABLED",
            "createdAt": NOW,
            "updatedAt": NOW,
            **extra,
        }

    def add_alias(self, agent_id: str, alias_id: str, name: str, version: str) -> None:
        self.aliases[(agent_id, alias_id)] = {
            "agentId": agent_id,
            "agentAliasId": alias_id,
            "agentAliasName": name,
            "agentAliasArn": f"arn:aws:bedrock:us-east-1:111122223333:agent-alias/{agent_id}/"
            f"{alias_id}",
            "routingConfiguration": [{"agentVersion": version}],
            "createdAt": NOW,
            "updatedAt": NOW,
            "agentAliasStatus": "PREPARED",
            "description": f"{name} alias",
        }


class FakeBedrockServer(LoopbackServer):
    def __init__(self, state: BedrockState, deny: set[str] | None = None) -> None:
        self.state = state
        self.deny = set(deny or ())
        self.requests: list[Seen] = []
        self.invalid: list[str] = []
        self._lock = threading.Lock()
        super().__init__(self._handler_class())

    def operations(self) -> list[str]:
        return [s.operation for s in self.requests]

    # -- routing
    def _operation(self, method: str, path: str) -> tuple[str, tuple[str, ...]] | None:
        for pattern, by_method in (
            (_GROUP, {"GET": "GetAgentActionGroup", "PUT": "UpdateAgentActionGroup"}),
            (_ALIAS, {"GET": "GetAgentAlias", "PUT": "UpdateAgentAlias"}),
            (_PREPARE, {"POST": "PrepareAgent"}),
            (_THROUGHPUT, {"DELETE": "DeleteProvisionedModelThroughput"}),
        ):
            match = pattern.match(path)
            if match and method in by_method:
                return by_method[method], tuple(unquote(g) for g in match.groups())
        return None

    def _answer(
        self, operation: str, ids: tuple[str, ...], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any], str | None]:
        if operation in self.deny:
            return (
                403,
                {"message": f"not authorized to perform {operation}"},
                ("AccessDeniedException"),
            )
        missing = (
            404,
            {"message": f"{operation}: {'/'.join(ids)} not found"},
            ("ResourceNotFoundException"),
        )
        if operation in ("GetAgentActionGroup", "UpdateAgentActionGroup"):
            group = self.state.action_groups.get(ids)  # type: ignore[arg-type]
            if group is None:
                return missing
            if operation == "UpdateAgentActionGroup":
                kept = {
                    k: v
                    for k, v in group.items()
                    if k in ("agentId", "agentVersion", "actionGroupId", "createdAt")
                }
                # An update replaces the group: what is not sent again is gone.
                group = {**kept, **body, "updatedAt": NOW}
                group.setdefault("actionGroupState", "ENABLED")
                self.state.action_groups[ids] = group  # type: ignore[index]
            return 200, {"agentActionGroup": group}, None
        if operation in ("GetAgentAlias", "UpdateAgentAlias"):
            alias = self.state.aliases.get(ids)  # type: ignore[arg-type]
            if alias is None:
                return missing
            if operation == "UpdateAgentAlias":
                alias = {**alias, **body, "updatedAt": NOW, "agentAliasStatus": "UPDATING"}
                self.state.aliases[ids] = alias  # type: ignore[index]
            return 200, {"agentAlias": alias}, None
        if operation == "PrepareAgent":
            self.state.prepared.append(ids[0])
            return (
                202,
                {
                    "agentId": ids[0],
                    "agentStatus": "PREPARING",
                    "agentVersion": "DRAFT",
                    "preparedAt": NOW,
                },
                None,
            )
        if operation == "DeleteProvisionedModelThroughput":
            if ids[0] not in self.state.provisioned:
                return missing
            self.state.provisioned.discard(ids[0])
            return 200, {}, None
        return missing

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, method: str) -> None:
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                found = fake._operation(method, path)
                with fake._lock:
                    operation = found[0] if found else "?"
                    fake.requests.append(
                        Seen(method, operation, path, body, self.headers.get("Authorization"))
                    )
                    if found is None:
                        status, answer, error = 404, {"message": path}, "UnknownOperation"
                    else:
                        status, answer, error = fake._answer(found[0], found[1], body)
                        if error is None:
                            service = (
                                "bedrock"
                                if operation == "DeleteProvisionedModelThroughput"
                                else "bedrock-agent"
                            )
                            try:
                                validate_response(service, operation, answer)
                            except AssertionError as exc:
                                # A fake answer botocore would not get from AWS: fail loudly.
                                fake.invalid.append(str(exc))
                                status, answer, error = 500, {"message": str(exc)}, "Invalid"
                data = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
