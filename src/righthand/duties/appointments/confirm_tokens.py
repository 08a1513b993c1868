"""Signed links in confirmation messages: confirm, reschedule, cancel.

``base64url(JSON [workspace, confirmation id, answer, issued]) . base64url(HMAC-SHA256)`` under
a key derived from the installation's secret for this purpose only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from righthand.errors import BadInput

ANSWERS = ("confirm", "reschedule", "cancel")
MAX_AGE = timedelta(days=120)


class InvalidLink(BadInput):
    """Not a link this installation made, altered, or too old."""

    hint = "Reply to the email instead; the office will see your answer."


@dataclass(frozen=True)
class LinkData:
    """What a verified link says."""

    workspace_id: int
    confirmation_id: int
    answer: str


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"righthand appointment links", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(secret: str, workspace_id: int, confirmation_id: int, answer: str,
         now: datetime) -> str:
    """A signed token for one answer."""
    body = _b64(json.dumps([workspace_id, confirmation_id, answer, int(now.timestamp())],
                           separators=(",", ":")).encode())
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(secret: str, token: str, now: datetime) -> LinkData:
    """The data of a genuine, unexpired token; InvalidLink otherwise."""
    body, _, mac = token.partition(".")
    try:
        expected = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise InvalidLink("this link was not made here, or was altered")
        workspace_id, confirmation_id, answer, issued = json.loads(_unb64(body))
    except (ValueError, TypeError) as exc:
        raise InvalidLink("this link is not valid") from exc
    if answer not in ANSWERS or now.timestamp() - int(issued) > MAX_AGE.total_seconds():
        raise InvalidLink("this link has expired")
    return LinkData(int(workspace_id), int(confirmation_id), str(answer))
