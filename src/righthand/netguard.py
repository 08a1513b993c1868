"""The one guard for every URL Righthand fetches on someone's behalf (SSRF).

A URL typed by a client or a staff member (an ICS subscription, a CalDAV collection a server
pointed at, a language-model endpoint) could aim at the machine itself or the private network
behind it: the cloud metadata address, a database port, an admin page. :func:`check_url`
resolves the name and refuses it unless *every* address is public (no loopback, private,
link-local, multicast, reserved, unspecified or carrier-grade NAT address), returns the address
it checked so the caller connects to exactly that one (no second lookup a DNS rebinding could
change), and refuses credentials in URLs and schemes other than http(s).

The admin may allow more with ``RIGHTHAND_URL_ALLOWLIST``: comma-separated host names
(``caldav.internal``), ``*.suffix`` patterns or networks (``10.20.0.0/16``, ``127.0.0.1/32``).
URLs the admin configures in the environment (``RIGHTHAND_CALDAV_URL``, ``RIGHTHAND_SMTP_URL``)
are the admin's own choice and are not checked; what a server sends back (hrefs, redirects)
must stay on the same origin or pass this guard.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from righthand.errors import BadInput, ServiceUnavailable

Resolver = Callable[[str, int], list[str]]
ALLOWLIST_ENV = "RIGHTHAND_URL_ALLOWLIST"
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


@dataclass(frozen=True)
class Checked:
    """A URL that may be fetched, and the address to connect to."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


@dataclass(frozen=True)
class Allowlist:
    """What the admin allows beyond public addresses."""

    hosts: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Allowlist:
        """Read ``host, *.suffix, 10.0.0.0/8`` (BadInput for an entry that is none of them)."""
        hosts: set[str] = set()
        suffixes: list[str] = []
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for raw in text.split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            if entry.startswith("*."):
                suffixes.append(entry[1:])
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if not all(part.isalnum() or "-" in part for part in entry.split(".")) or \
                    "/" in entry:
                raise BadInput(f"{ALLOWLIST_ENV} has an entry that is not a host name or a "
                               f"network: {entry!r}",
                               hint="Use e.g. caldav.internal, *.corp.example, 10.0.0.0/8.")
            hosts.add(entry)
        return cls(frozenset(hosts), tuple(suffixes), tuple(networks))

    def host_allowed(self, host: str) -> bool:
        """True when the admin allowed this host name."""
        name = host.lower().rstrip(".")
        return name in self.hosts or any(name.endswith(s) for s in self.suffixes)

    def address_allowed(self, address: str) -> bool:
        """True when the admin allowed a network holding ``address``."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        return any(ip in network for network in self.networks
                   if network.version == ip.version)


@lru_cache(maxsize=8)
def _parsed(text: str) -> Allowlist:
    return Allowlist.parse(text)


def allowlist() -> Allowlist:
    """The admin's allow-list from the environment (empty when unset)."""
    return _parsed(os.environ.get(ALLOWLIST_ENV, ""))


def public(address: str) -> bool:
    """True only for globally routable unicast addresses."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return False
    return bool(ip.is_global) and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                       or ip.is_link_local or ip.is_private
                                       or ip.is_unspecified)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ServiceUnavailable(f"cannot resolve {host}: {exc}") from exc
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str, *, what: str = "URL", resolver: Resolver = resolve,
              allow: Callable[[str], bool] | None = None,
              allowed: Allowlist | None = None) -> Checked:
    """Where ``url`` may be fetched from, or BadInput saying why not."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError as exc:
        raise BadInput(f"the {what} has a bad port: {url!r}") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BadInput(f"not an http(s) {what}: {url!r}",
                       hint="Use an https:// address.")
    if parts.username or parts.password:
        raise BadInput(f"the {what} may not carry a user name or password")
    port = port or (443 if parts.scheme == "https" else 80)
    admin = allowed if allowed is not None else allowlist()
    host = parts.hostname
    addresses = resolver(host, port)
    if not addresses:
        raise BadInput(f"{host} resolves to no address")
    if not admin.host_allowed(host):
        is_public = allow or public
        refused = [a for a in addresses if not is_public(a) and not admin.address_allowed(a)]
        if refused:
            raise BadInput(f"{host} resolves to an address that is not public "
                           f"({', '.join(refused)}); Righthand only fetches public addresses "
                           f"for a {what}",
                           hint=f"If this server is yours, the admin can allow it in "
                                f"{ALLOWLIST_ENV}.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Checked(parts.scheme, host, port, addresses[0], path)


def same_origin(base: str, url: str) -> bool:
    """True when ``url`` has the scheme, host and port of ``base``."""
    a, b = urlsplit(base), urlsplit(url)
    try:
        return (a.scheme, (a.hostname or "").lower(), a.port) == \
            (b.scheme, (b.hostname or "").lower(), b.port)
    except ValueError:
        return False


def check_followed(base: str, url: str, *, what: str = "URL",
                   resolver: Resolver = resolve) -> None:
    """A URL a server sent back (href, redirect): same origin as ``base``, or it passes the
    guard."""
    if not same_origin(base, url):
        check_url(url, what=what, resolver=resolver)
