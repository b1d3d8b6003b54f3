"""The live Hub reader: the REST calls `HfApi` makes, answered as raw JSON.

Why not `HfApi.list_models` / `HfApi.model_info` themselves (huggingface_hub 2.4.0):

* they return `ModelInfo` / `DatasetInfo` objects built from the JSON and drop what the
  classes do not map, so a bundle written from them would not be "the same API responses",
  and the one parser could not read live and offline answers alike;
* `list_models` / `list_datasets` take no timeout: they page through `paginate()` with
  ``timeout=None``, which the shared client honours as "wait forever" (checked against a
  slow local server), so one stalled answer would hang discovery;
* `model_info` / `dataset_info` do not retry a 429 at all, and `http_backoff` (used for
  listings) sleeps whatever Retry-After says, unbounded.

So this reader issues the same requests — ``GET {endpoint}/api/models?author=<org>``
following the ``Link: <...>; rel="next"`` header exactly as huggingface_hub's pagination
does, and ``GET {endpoint}/api/models/<repo id>`` (same for datasets) — through
huggingface_hub's public plumbing: `get_session()` (the shared client, so a client factory,
proxy settings and ``HF_HUB_OFFLINE`` apply), `build_hf_headers()` (user agent, the Bearer
token) and `hf_raise_for_status()` (the Hub's error codes: gated, not found, ...). Each call
has the configured timeout; a 429 is retried at most `max_retries` times after the
``Retry-After`` seconds (capped at `max_retry_wait`; longer waits are not waited out but
recorded).

The token is read from the environment variable the configuration names, sent only in the
Authorization header, and scrubbed from every reason this module writes; nothing here logs.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx2
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

from aisec_assets.discovery.huggingface.hub import (
    DENIED,
    FAILED,
    MALFORMED,
    VANISHED,
    HubCallError,
)
from aisec_resources.config.hf_hub import HubConfig

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_PAGES = 10_000  # a Link chain longer than this is a loop, not an organisation
MAX_REASON_CHARS = 300
_PLURAL = {"model": "models", "dataset": "datasets"}
try:
    _VERSION = importlib.metadata.version("aisec")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    _VERSION = "dev"


class TokenMissing(Exception):
    """`token_env` names a variable that is not set (the message names it, never a value)."""


def token_from_env(config: HubConfig) -> str | None:
    if config.token_env is None:
        return None
    value = os.environ.get(config.token_env, "").strip()
    if not value:
        raise TokenMissing(
            f"sources.huggingface.hub.token_env: environment variable {config.token_env} "
            "is not set (it must hold the Hugging Face access token)"
        )
    return value


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


class LiveHubReader:
    """Reads the Hub at `endpoint` (see the module doc for what is called and why)."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        timeout: float,
        *,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_retry_wait = max_retry_wait
        self._sleep = sleep

    @classmethod
    def from_config(cls, config: HubConfig) -> LiveHubReader:
        return cls(config.endpoint, token_from_env(config), config.timeout)

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def location(self, organization: str, repo_type: str, repo_id: str | None = None) -> str:
        plural = _PLURAL[repo_type]
        if repo_id is None:
            return f"GET {self._endpoint}/api/{plural}?author={organization}"
        return f"GET {self._endpoint}/api/{plural}/{repo_id}"

    def list_repos(self, organization: str, repo_type: str) -> list[Any]:
        url: str | None = f"{self._endpoint}/api/{_PLURAL[repo_type]}"
        params: dict[str, str] | None = {"author": organization}
        where = self.location(organization, repo_type)
        items: list[Any] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            response = self._get(url, params, where)
            page = self._json(response, where)
            if not isinstance(page, list):
                raise HubCallError(
                    MALFORMED, where, f"listing page is a JSON {type(page).__name__}, not an array"
                )
            items += page
            # The next link carries its query already (as huggingface_hub's paginate does).
            url, params = response.links.get("next", {}).get("url"), None
            if url is not None and not self._same_origin(url):
                # The token goes with every page: never to another host than the endpoint.
                raise HubCallError(
                    MALFORMED, where, "next-page link points away from the endpoint; not followed"
                )
        raise HubCallError(MALFORMED, where, f"more than {MAX_PAGES} pages: Link loop?")

    def repo_info(self, organization: str, repo_type: str, repo_id: str) -> Any:
        where = self.location(organization, repo_type, repo_id)
        url = f"{self._endpoint}/api/{_PLURAL[repo_type]}/{repo_id}"
        return self._json(self._get(url, None, where), where)

    def _same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self._endpoint), urlsplit(url)
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)

    # -- one call
    def _headers(self) -> dict[str, str]:
        # token=False: never fall back to a token saved on the machine or in HF_TOKEN; only
        # the configured variable authenticates.
        return build_hf_headers(
            token=self._token or False, library_name="aisec", library_version=_VERSION
        )

    def _get(self, url: str, params: dict[str, str] | None, where: str) -> httpx2.Response:
        attempt = 0
        while True:
            try:
                response = get_session().get(
                    url, params=params, headers=self._headers(), timeout=self._timeout
                )
            except httpx2.TimeoutException:
                raise HubCallError(FAILED, where, f"timed out after {self._timeout:g}s") from None
            except httpx2.TransportError as exc:
                raise HubCallError(FAILED, where, self._scrub(f"network error: {exc}")) from None
            except OfflineModeIsEnabled:
                raise HubCallError(
                    FAILED, where, "HF_HUB_OFFLINE is set: the live Hub is not read"
                ) from None
            if response.status_code != 429:
                break
            wait = _retry_after(response)
            wait = 2.0**attempt if wait is None else wait
            if attempt >= self._max_retries or wait > self._max_retry_wait:
                limit = f"Retry-After {wait:g}s" if wait > self._max_retry_wait else "retries"
                raise HubCallError(
                    FAILED,
                    where,
                    f"HTTP 429 rate limited; gave up after {attempt} retr"
                    f"{'y' if attempt == 1 else 'ies'} ({limit} over the bound)",
                    429,
                )
            attempt += 1
            self._sleep(wait)
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            status = response.status_code
            kind = DENIED if status in (401, 403) else VANISHED if status == 404 else FAILED
            code = response.headers.get("X-Error-Code")
            detail = exc.server_message or ""
            reason = f"HTTP {status} {type(exc).__name__}" + (f" ({code})" if code else "")
            reason += f": {detail}" if detail else ""
            raise HubCallError(kind, where, self._scrub(reason), status) from None
        return response

    def _json(self, response: httpx2.Response, where: str) -> Any:
        size = len(response.content)
        if size > MAX_RESPONSE_BYTES:
            raise HubCallError(MALFORMED, where, f"answer of {size} bytes is over the cap")
        try:
            return json.loads(response.content)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HubCallError(
                MALFORMED, where, self._scrub(f"answer is not JSON: {exc}")
            ) from None
        except RecursionError:
            raise HubCallError(MALFORMED, where, "answer is not JSON: nested too deeply") from None

    def _scrub(self, text: str) -> str:
        """One line, bounded, and never the token (a server may echo what it was sent)."""
        line = " ".join(text.split())
        if self._token:
            line = line.replace(self._token, "***")
        return line[:MAX_REASON_CHARS]
