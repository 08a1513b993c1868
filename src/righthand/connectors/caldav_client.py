"""CalDAV (RFC 4791) through the ``caldav`` library: discovery, RFC 6578 sync-collection,
calendar-multiget, and conditional writes (If-Match / If-None-Match) that surface a 412.

This changes the world (it writes to the client's server): only the dispatcher builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from righthand import netguard
from righthand.errors import BadCredentials, BadInput, ServiceUnavailable

NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "cs": "http://calendarserver.org/ns/",
      "ic": "http://apple.com/ns/ical/"}
_SYNC = ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
         '<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>'
         '<d:prop><d:getetag/></d:prop></d:sync-collection>')
_LIST = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>'
         '<d:getetag/><d:resourcetype/></d:prop></d:propfind>')
_MULTIGET = ('<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" '
             'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/>'
             '</d:prop>{hrefs}</c:calendar-multiget>')


class PreconditionFailed(Exception):
    """412: the resource changed on the server since we last saw it."""


@dataclass(frozen=True)
class RemoteCalendar:
    """A calendar collection on the server."""

    url: str
    name: str
    color: str | None = None


@dataclass
class Changes:
    """What changed since a sync token (or, with ``full``, everything there is)."""

    token: str | None
    changed: dict[str, str] = field(default_factory=dict)  # href -> etag
    deleted: list[str] = field(default_factory=list)
    full: bool = False


def _split_credentials(url: str) -> tuple[str, str | None, str | None]:
    parts = urlsplit(url)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), user, password


class CalDavServer:
    """One CalDAV account (``https://user:password@host/dav/``, or the address with
    ``username`` and ``password`` given apart, as a workspace's own account stores them)."""

    def __init__(self, url: str, timeout: int = 20, *, username: str | None = None,
                 password: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise BadInput(f"not a CalDAV URL: {url.rsplit('@', maxsplit=1)[-1]!r}",
                           hint="Set RIGHTHAND_CALDAV_URL=https://user:password@host/dav/")
        from caldav.davclient import DAVClient

        base, user, secret = _split_credentials(url)
        if username is not None:
            user, secret = username or None, password
        self.base = base
        self._client = DAVClient(url=base, username=user, password=secret,
                                        timeout=timeout, enable_rfc6764=False,
                                        require_tls=False)

    def __repr__(self) -> str:  # never show the password
        return f"CalDavServer({self.base})"

    def _request(self, url: str, method: str, body: str = "",
                 headers: dict[str, str] | None = None) -> Any:
        from caldav.lib import error

        # The server chooses the hrefs: one pointing off this server must pass the URL guard.
        netguard.check_followed(self.base, self.absolute(url), what="CalDAV URL")
        try:
            return self._client.request(url, method, body, headers or {})
        except error.AuthorizationError as exc:
            raise BadCredentials("the CalDAV server refused the login") from exc
        except error.RateLimitError as exc:
            raise ServiceUnavailable(f"the CalDAV server asks to slow down: {exc}") from exc
        except Exception as exc:  # niquests' connection errors and timeouts
            if type(exc).__module__.startswith(("niquests", "urllib3", "requests")) or \
                    isinstance(exc, OSError):
                raise ServiceUnavailable(f"the CalDAV server is unreachable: {exc}",
                                         hint="The sync will run again; nothing is lost.") \
                    from exc
            raise

    def absolute(self, href: str) -> str:
        """A server href as a full URL."""
        return urljoin(self.base, href)

    def calendars(self) -> list[RemoteCalendar]:
        """The account's calendar collections."""
        from caldav.lib import error

        try:
            found = self._client.principal().calendars()  # type: ignore[no-untyped-call]
        except error.AuthorizationError as exc:
            raise BadCredentials("the CalDAV server refused the login") from exc
        except Exception as exc:
            raise ServiceUnavailable(f"cannot list calendars: {exc}") from exc
        out = []
        for cal in found:
            try:
                name = cal.get_display_name() or str(cal.url).rstrip("/").rsplit("/", 1)[-1]
            except Exception:
                name = str(cal.url).rstrip("/").rsplit("/", 1)[-1]
            netguard.check_followed(self.base, str(cal.url), what="CalDAV calendar")
            out.append(RemoteCalendar(str(cal.url), str(name)))
        return out

    def changes(self, url: str, token: str | None) -> Changes:
        """RFC 6578 changes since ``token``; a full listing when there is none or it expired."""
        if token:
            response = self._request(url, "REPORT", _SYNC.format(token=token),
                                     {"Depth": "1", "Content-Type": "application/xml"})
            if response.status == 207 and response.tree is not None:
                return self._sync_answer(response.tree)
        response = self._request(url, "PROPFIND", _LIST,
                                 {"Depth": "1", "Content-Type": "application/xml"})
        if response.status != 207 or response.tree is None:
            raise ServiceUnavailable(f"the CalDAV server answered {response.status} to a listing")
        changes = Changes(token=None, full=True)
        own = urlsplit(url).path.rstrip("/")
        for item in response.tree.findall("d:response", NS):
            href = unquote(item.findtext("d:href", "", NS))
            if href.rstrip("/") == own or item.find(".//d:collection", NS) is not None:
                continue
            etag = item.findtext(".//d:getetag", "", NS)
            changes.changed[href] = etag
        # Ask for a token for next time (servers without RFC 6578 answer with an error).
        first = self._request(url, "REPORT", _SYNC.format(token=""),
                              {"Depth": "1", "Content-Type": "application/xml"})
        if first.status == 207 and first.tree is not None:
            changes.token = first.tree.findtext("d:sync-token", None, NS)
        return changes

    def _sync_answer(self, tree: Any) -> Changes:
        changes = Changes(token=tree.findtext("d:sync-token", None, NS))
        for item in tree.findall("d:response", NS):
            href = unquote(item.findtext("d:href", "", NS))
            status = item.findtext("d:status", "", NS)
            if " 404" in status:
                changes.deleted.append(href)
                continue
            etag = item.findtext(".//d:getetag", "", NS)
            if href and not href.endswith("/"):
                changes.changed[href] = etag
        return changes

    def fetch(self, url: str, hrefs: list[str]) -> dict[str, tuple[str, str]]:
        """href -> (etag, iCalendar text), by calendar-multiget in batches."""
        out: dict[str, tuple[str, str]] = {}
        for start in range(0, len(hrefs), 100):
            batch = "".join(f"<d:href>{quote(h)}</d:href>" for h in hrefs[start:start + 100])
            response = self._request(url, "REPORT", _MULTIGET.format(hrefs=batch),
                                     {"Depth": "1", "Content-Type": "application/xml"})
            if response.status != 207 or response.tree is None:
                raise ServiceUnavailable(f"the CalDAV server answered {response.status} to "
                                         "calendar-multiget")
            for item in response.tree.findall("d:response", NS):
                data = item.findtext(".//c:calendar-data", None, NS)
                if data:
                    out[unquote(item.findtext("d:href", "", NS))] = (
                        item.findtext(".//d:getetag", "", NS), data)
        return out

    def put(self, href: str, text: str, etag: str | None) -> str | None:
        """Write a resource: If-Match its etag (an update) or If-None-Match * (a new one)."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        headers["If-Match" if etag else "If-None-Match"] = etag or "*"
        response = self._request(self.absolute(href), "PUT", text, headers)
        if response.status == 412:
            raise PreconditionFailed(href)
        if response.status not in {200, 201, 204}:
            raise ServiceUnavailable(f"the CalDAV server answered {response.status} to a PUT "
                                     f"of {href}")
        return response.headers.get("ETag") or self._etag(href)

    def _etag(self, href: str) -> str | None:
        response = self._request(self.absolute(href), "PROPFIND", _LIST, {"Depth": "0"})
        if response.status == 207 and response.tree is not None:
            found = response.tree.findtext(".//d:getetag", None, NS)
            return str(found) if found else None
        return None

    def delete(self, href: str, etag: str | None) -> None:
        """Delete a resource if it is still the version we saw."""
        headers = {"If-Match": etag} if etag else {}
        response = self._request(self.absolute(href), "DELETE", "", headers)
        if response.status == 412:
            raise PreconditionFailed(href)
        if response.status not in {200, 204, 404}:
            raise ServiceUnavailable(f"the CalDAV server answered {response.status} to a "
                                     f"DELETE of {href}")
