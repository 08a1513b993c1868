"""A client for any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-style proxies,
vLLM, llama.cpp's server, Ollama's /v1, LiteLLM...).

The endpoint is staff-set (``RIGHTHAND_LLM_URL``) but still goes through the installation's URL
guard (:mod:`righthand.netguard`): a public address, or one the admin allowed in
``RIGHTHAND_URL_ALLOWLIST`` (a model served on the same machine needs ``127.0.0.1/32`` there).
The client connects to exactly the address the guard checked (TLS still verified against the
host name), sends no cookies, follows no redirects, and bounds time and answer size.

Reading only: a completion changes nothing in the world. Whatever a model proposes is turned
into Actions by the caller and meets the gate like any other.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from righthand import netguard
from righthand.errors import BadCredentials, BadInput, ServiceUnavailable

MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Completion:
    """What the model answered, and what it cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    model: str

    @property
    def tokens(self) -> int:
        """Tokens this call used, prompt and answer."""
        return self.prompt_tokens + self.completion_tokens


def endpoint(url: str) -> str:
    """The chat-completions URL of a base URL (``.../v1`` -> ``.../v1/chat/completions``)."""
    base = url.strip().rstrip("/")
    return base if base.endswith("/chat/completions") else base + "/chat/completions"


@dataclass
class ChatClient:
    """Chat completions over HTTP(S) from an OpenAI-compatible server."""

    url: str
    model: str
    key: str | None = None
    timeout: float = 30.0
    resolver: netguard.Resolver = netguard.resolve
    allowed: netguard.Allowlist | None = None
    transport: Callable[[], httpx.BaseTransport] | None = None
    #: certificate verification (the system's CAs by default; a context for a private CA)
    verify: ssl.SSLContext | bool = True

    def _target(self) -> tuple[str, dict[str, str], dict[str, Any]]:
        url = endpoint(self.url)
        checked = netguard.check_url(url, what="language-model endpoint",
                                     resolver=self.resolver, allowed=self.allowed)
        address = f"[{checked.address}]" if ":" in checked.address else checked.address
        pinned = f"{checked.scheme}://{address}:{checked.port}{checked.path}"
        headers = {"Host": checked.host if checked.port in (80, 443)
                   else f"{checked.host}:{checked.port}",
                   "Content-Type": "application/json", "Accept": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        extensions: dict[str, Any] = {"sni_hostname": checked.host} \
            if checked.scheme == "https" else {}
        return pinned, headers, extensions

    def complete(self, messages: Sequence[dict[str, str]], *, max_tokens: int = 800,
                 temperature: float = 0.4) -> Completion:
        """One completion; ServiceUnavailable when the server is down or failing,
        BadCredentials on 401/403, BadInput for an endpoint the guard refuses."""
        pinned, headers, extensions = self._target()
        body = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens,
                "temperature": temperature}
        transport = self.transport() if self.transport is not None else None
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False, verify=self.verify,
                              transport=transport, trust_env=False) as client:
                request = client.build_request("POST", pinned, headers=headers, json=body,
                                               extensions=extensions)
                response = client.send(request, stream=True)
                try:
                    raw = b""
                    for chunk in response.iter_bytes():
                        raw += chunk
                        if len(raw) > MAX_BYTES:
                            raise ServiceUnavailable("the language model's answer is too large")
                finally:
                    response.close()
        except httpx.TimeoutException as exc:
            raise ServiceUnavailable(f"the language model did not answer within "
                                     f"{self.timeout:.0f} s") from exc
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(f"cannot reach the language model: {exc}") from exc
        return self._read(response.status_code, raw)

    def _read(self, status: int, raw: bytes) -> Completion:
        if status in (401, 403):
            raise BadCredentials("the language model refused the key",
                                 hint="Check RIGHTHAND_LLM_KEY.")
        if status == 404:
            raise BadInput(f"no chat-completions endpoint at {endpoint(self.url)}",
                           hint="RIGHTHAND_LLM_URL is the API base, e.g. https://host/v1.")
        if status == 429 or status >= 500:
            raise ServiceUnavailable(f"the language model is busy or failing (HTTP {status})")
        if status >= 300:
            raise ServiceUnavailable(f"the language model answered HTTP {status}")
        try:
            data = json.loads(raw)
            text = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ServiceUnavailable("the language model's answer is not a chat completion") \
                from exc
        usage = data.get("usage") or {}
        prompt = int(usage.get("prompt_tokens") or 0)
        answer = int(usage.get("completion_tokens") or 0)
        if not prompt and not answer:  # servers that do not count: estimate (4 chars/token)
            answer = max(1, len(text) // 4)
        return Completion(str(text), prompt, answer, str(data.get("model") or self.model))
