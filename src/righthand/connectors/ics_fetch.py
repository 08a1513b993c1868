"""Fetching a published calendar (ICS subscription) without becoming an SSRF tool.

A subscription URL is typed by the client but could point anywhere: this refuses every address
that is not public (loopback, private, link-local, multicast, reserved, the cloud metadata
address) *after* resolving the name, connects to exactly the address it checked (no second
lookup a DNS rebinding could change), checks every redirect the same way, and bounds time and
size. Reading only: it changes nothing in the world.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from righthand.errors import BadInput, ServiceUnavailable

MAX_BYTES = 10 * 1024 * 1024
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Fetched:
    """A fetched calendar: None text means 'not modified' (304)."""

    text: str | None
    etag: str | None
    url: str


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServiceUnavailable(f"cannot resolve {host}: {exc}") from exc
    return sorted({str(info[4][0]) for info in infos})


def public(address: str) -> bool:
    """True only for globally routable unicast addresses."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                       or ip.is_link_local or ip.is_private)


def check(url: str, resolver: Resolver = resolve,
          allow: Callable[[str], bool] = public) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, address, path) of a URL that may be fetched; BadInput otherwise."""
    if url.startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BadInput(f"not a calendar URL: {url!r}",
                       hint="Use an https:// (or webcal://) address of a published calendar.")
    if parts.username or parts.password:
        raise BadInput("subscription URLs may not carry credentials")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolver(parts.hostname, port)
    refused = [a for a in addresses if not allow(a)]
    if refused or not addresses:
        raise BadInput(f"{parts.hostname} resolves to an address that is not public "
                       f"({', '.join(refused) or 'none'}); Righthand only fetches public "
                       "calendars", hint="Use the calendar's public https:// address.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, addresses[0], path


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
