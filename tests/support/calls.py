"""Helpers for call screening tests: a phone line, contacts with phones, signed webhooks."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from httpx import Response

from righthand.bootstrap import App
from righthand.connectors.twilio import signature
from righthand.duties.screening import call_book
from righthand.store.tables import ContactPhone, ContactRow, ContactTag

TOKEN = "test-auth-token-0123456789abcdef"
LINE = "+12025550100"
CLIENT_PHONE = "+12025550199"


def set_line(app: App, workspace_id: int, ring_to: str | None = CLIENT_PHONE) -> None:
    """Give the workspace a phone line whose webhooks are signed with TOKEN."""
    with app.db.unit(workspace_id) as session:
        call_book.set_line(session, workspace_id, LINE, app.clock(), auth_token=TOKEN,
                           ring_to=ring_to or "")


def add_caller(app: App, workspace_id: int, name: str, number: str,
               tags: tuple[str, ...] = ()) -> int:
    """A contact with a phone number (E.164) and tags."""
    with app.db.unit(workspace_id) as session:
        given, _, family = name.partition(" ")
        contact = ContactRow(workspace_id=workspace_id, given_name=given, family_name=family,
                             display_name=name, created_at=app.clock() - timedelta(days=30))
        session.add(contact)
        session.flush()
        session.add(ContactPhone(workspace_id=workspace_id, contact_id=contact.id, raw=number,
                                 e164=number))
        for tag in tags:
            session.add(ContactTag(workspace_id=workspace_id, contact_id=contact.id, tag=tag))
        return contact.id


def post(web: TestClient, slug: str, step: str, params: dict[str, str],
         token: str = TOKEN, signed: str | None = None) -> Response:
    """POST a webhook as the carrier would, signed with ``token``."""
    url = f"http://testserver/hooks/twilio/{slug}/{step}"
    header = signed if signed is not None else signature(url, params, token)
    return web.post(url, content=urlencode(params),
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "X-Twilio-Signature": header})
