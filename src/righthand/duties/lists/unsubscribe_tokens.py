"""Signed links for unsubscribing (RFC 8058 one-click) and for confirming a double opt-in.

A token is ``base64url(JSON [purpose, workspace, list, address, issued]) . base64url(HMAC)``
with HMAC-SHA256 under a key derived from the installation's secret for that purpose. It
identifies the person and the list without a database look-up; it cannot be forged without
the secret, and it expires (after a year by default -- far beyond the 30 days within which
the law expects an unsubscribe link to keep working).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from righthand.errors import BadInput

UNSUBSCRIBE = "u"
CONFIRM = "c"
MAX_AGE = timedelta(days=365)
_SKEW = timedelta(minutes=10)


class InvalidToken(BadInput):
    """The link was not made by this installation, or was altered."""

    hint = "Use the link from the most recent email, or reply to it and ask to be removed."


class ExpiredToken(InvalidToken):
    """The link is too old to act on."""


class HasSecret(Protocol):
    """Anything with the installation's secret (righthand.config.Settings)."""

    @property
    def secret_key(self) -> str: ...


Secret = str | bytes | HasSecret


@dataclass(frozen=True)
class TokenData:
    """What a verified token says."""

    purpose: str
    workspace_id: int
    list_id: int | None
    address: str
    issued_at: datetime


def _key(secret: Secret, purpose: str) -> bytes:
    if isinstance(secret, bytes):
        raw = secret
    elif isinstance(secret, str):
        raw = secret.encode("utf-8")
    else:
        raw = secret.secret_key.encode("utf-8")
    if len(raw) < 16:
        raise BadInput("the signing secret is too short",
                       hint="Set RIGHTHAND_SECRET_KEY to a long random value.")
    return hmac.new(raw, f"righthand-link-v1:{purpose}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: Secret, workspace_id: int, list_id: int | None, address: str,
               purpose: str = UNSUBSCRIBE, now: datetime | None = None) -> str:
    """A signed token for ``address`` on ``list_id`` (None: every list)."""
    issued = int((now or datetime.now(UTC)).timestamp())
    body = _b64(json.dumps([purpose, workspace_id, list_id, address.strip().lower(), issued],
                           separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    mac = hmac.new(_key(secret, purpose), body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def _decode(token: str) -> list[Any] | None:
    body, sep, _ = token.partition(".")
    if not sep:
        return None
    try:
        data = json.loads(_unb64(body).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not (isinstance(data, list) and len(data) == 5 and isinstance(data[1], int)
            and isinstance(data[3], str) and isinstance(data[4], int)
            and (data[2] is None or isinstance(data[2], int))):
        return None
    return data


def verify_token(secret: Secret, token: str, now: datetime, purpose: str = UNSUBSCRIBE,
                 max_age: timedelta = MAX_AGE) -> TokenData:
    """The data of a genuine, unexpired token for ``purpose``; InvalidToken otherwise."""
    body, _, mac = token.partition(".")
    data = _decode(token)
    try:
        given = _unb64(mac)
    except ValueError:
        given = b""
    expected = hmac.new(_key(secret, purpose), body.encode("ascii", errors="replace"),
                        hashlib.sha256).digest()
    if data is None or not hmac.compare_digest(given, expected) or data[0] != purpose:
        raise InvalidToken("this link is not valid")
    issued = datetime.fromtimestamp(data[4], UTC)
    if issued > now + _SKEW:
        raise InvalidToken("this link is not valid")
    if now - issued > max_age:
        raise ExpiredToken("this link has expired")
    return TokenData(purpose, data[1], data[2], data[3], issued)


def peek_token(token: str) -> tuple[int, int | None, str] | None:
    """(workspace, list, address) of a token WITHOUT checking it: only to recognise whom a
    complaint report is about, never to act on the holder's behalf."""
    data = _decode(token)
    return (data[1], data[2], data[3]) if data else None


def link(secret: Secret, workspace_id: int, list_id: int | None, address: str,
         base_url: str, purpose: str = UNSUBSCRIBE, now: datetime | None = None) -> str:
    """The full URL of an unsubscribe (or confirmation) link."""
    path = "unsubscribe" if purpose == UNSUBSCRIBE else "confirm"
    token = make_token(secret, workspace_id, list_id, address, purpose, now)
    return f"{base_url.rstrip('/')}/{path}/{token}"


def unsubscribe_headers(secret: Secret, workspace_id: int, list_id: int | None, address: str,
                        base_url: str, now: datetime | None = None) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers every mailing carries: a signed HTTPS link that
    unsubscribes in one click when a mail client POSTs ``List-Unsubscribe=One-Click``."""
    if not base_url.lower().startswith(("https://", "http://")):
        raise BadInput(f"the public address {base_url!r} is not an http(s) URL",
                       hint="Set the web address where Righthand is reachable, e.g. "
                            "https://office.example.com.")
    url = link(secret, workspace_id, list_id, address, base_url, UNSUBSCRIBE, now)
    return {"List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
