"""Fetching a published calendar (ICS subscription) without becoming an SSRF tool.

A subscription URL is typed by the client but could point anywhere: the shared guard
(``righthand.netguard``) refuses every address that is not public (loopback, private, link-local,
multicast, reserved, the cloud metadata address; the admin's allow-list aside) *after*
resolving the name; this connects to exactly the address it checked (no second
lookup a DNS rebinding could change), checks every redirect the same way, and bounds time and
size. Reading only: it changes nothing in the world.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from righthand import netguard
from righthand.errors import BadInput, ServiceUnavailable

MAX_BYTES = 10 * 1024 * 1024
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Fetched:
    """A fetched calendar: None text means 'not modified' (304)."""

    text: str | None
    etag: str | None
    url: str


# The checks are the installation's one URL guard (righthand.netguard); the names stay here for
# the callers that know them.
resolve = netguard.resolve
public = netguard.public


def check(url: str, resolver: Resolver = resolve,
          allow: Callable[[str], bool] = public) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, address, path) of a URL that may be fetched; BadInput otherwise."""
    if url.startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    if urlsplit(url).scheme not in {"http", "https"}:
        raise BadInput(f"not a calendar URL: {url!r}",
                       hint="Use an https:// (or webcal://) address of a published calendar.")
    found = netguard.check_url(url, what="calendar subscription", resolver=resolver,
                               allow=allow)
    return found.scheme, found.host, found.port, found.address, found.path


class _Pinned(http.client.HTTPSConnection):
    """HTTPS to a checked address, certificate checked against the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedPlain(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def fetch(url: str, etag: str | None = None, *, timeout: float = 15.0,
          resolver: Resolver = resolve, allow: Callable[[str], bool] = public,
          redirects: int = 3) -> Fetched:
    """GET a public calendar (conditional on ``etag``); BadInput for refused addresses,
    ServiceUnavailable for network trouble."""
    for _ in range(redirects + 1):
        scheme, host, port, address, path = check(url, resolver, allow)
        kind = _Pinned if scheme == "https" else _PinnedPlain
        conn = kind(host, address, port, timeout)
        headers = {"User-Agent": "Righthand calendar", "Accept": "text/calendar"}
        if etag:
            headers["If-None-Match"] = etag
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            if response.status in {301, 302, 303, 307, 308}:
                url = urljoin(url, response.getheader("Location") or "")
                continue
            if response.status == 304:
                return Fetched(None, etag, url)
            if response.status != 200:
                raise ServiceUnavailable(f"{host} answered {response.status} for the calendar")
            body = response.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise BadInput("the calendar is larger than 10 MB")
            return Fetched(body.decode("utf-8", "replace"), response.getheader("ETag"), url)
        except (OSError, http.client.HTTPException) as exc:
            raise ServiceUnavailable(f"cannot fetch the calendar from {host}: {exc}") from exc
        finally:
            conn.close()
    raise BadInput("the calendar URL redirects too often")
