"""The approvals page's preview of a mailing's actions, in the client's words: which mailing,
to which list and segment, how many recipients, when and at what pace -- above the first
recipient's message exactly as the campaign will render it (the dispatcher's merge, the
mailing's own templates). Ids, the content hash and the pacing figures are never offered for
editing: the approval is for that content, that list and that count.

Names are read from the database through the action row's own session (the page's, scoped to
the workspace); the names the payload carries are used when there is no session or the row is
gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session, object_session

from righthand.duties.mailings import preview as mailing_render
from righthand.duties.mailings import store
from righthand.duties.mailings.proposals import CAMPAIGN, PRINT, TEST_SEND
from righthand.errors import RighthandError
from righthand.store.tables import ActionRow, Mailing, MailingListRow, Segment, Workspace
from righthand.web import previews
from righthand.web.sanitize import sanitize_mail_html

KINDS = (CAMPAIGN, TEST_SEND, PRINT)
CHANGED = ("Changed since it was proposed: it will not be sent as it stands; propose it "
           "again to approve the new version")


def _session(row: ActionRow) -> Session | None:
    return object_session(row)


def _named(session: Session | None, table: type[Mailing] | type[MailingListRow] | type[Segment],
           ident: Any, fallback: Any) -> str | None:
    """The row's current name, else the name the payload carried."""
    if session is not None and isinstance(ident, int):
        name = getattr(session.get(table, ident), "name", None)
        if name:
            return str(name)
    return str(fallback) if fallback else None


def _mailing(session: Session | None, payload: Mapping[str, Any]) -> Mailing | None:
    ident = payload.get("mailing_id")
    if session is None or not isinstance(ident, int):
        return None
    return session.get(Mailing, ident)


def _workspace(session: Session | None, row: ActionRow) -> Workspace | None:
    return session.get(Workspace, row.workspace_id) if session is not None else None


def _when(payload: Mapping[str, Any], ws: Workspace | None) -> str:
    """When it goes, in the workspace's time."""
    text = payload.get("not_before")
    if not isinstance(text, str) or not text:
        return "As soon as you approve it"
    try:
        at = datetime.fromisoformat(text)
        zone = ZoneInfo(ws.timezone) if ws is not None else None
    except (ValueError, ZoneInfoNotFoundError):
        return text
    local = at.astimezone(zone) if zone is not None else at
    return local.strftime("%a %d %b %Y %H:%M") + (f" ({ws.timezone})" if ws else "")


def pace(payload: Mapping[str, Any]) -> str:
    """How fast it goes, in words."""
    connections = payload.get("connections") or 1
    per_second = payload.get("per_second")
    lanes = f"{connections} connection{'s' if connections != 1 else ''} at a time"
    if per_second:
        return f"At most {per_second:g} message(s) a second, {lanes}"
    return f"As fast as the mail server takes them, {lanes}"


def _address(name: str, address: str) -> str:
    return f"{name} <{address}>" if name else address


def first_message(session: Session | None, mailing: Mailing | None, ws: Workspace | None,
                  sender: previews.Sender) -> previews.EmailPreview | None:
    """The first recipient's message as the campaign renders it (None without a session, a
    mailing, or when it does not render)."""
    if session is None or mailing is None or ws is None:
        return None
    profile: Mapping[str, Any] = ws.profile or {}
    business = str(profile.get("business_name") or "")
    try:
        person, rendered = mailing_render.preview(session, mailing, None, business)
    except (RighthandError, KeyError, TypeError, ValueError):
        return None  # a template problem: the fields still say what it is
    name = person.display_name or f"{person.given_name} {person.family_name}".strip()
    headers = [("From", _address(business or ws.client_name, sender.address)),
               ("To", _address(name, person.address)), ("Subject", rendered.subject)]
    if profile.get("email"):
        headers.append(("Reply-To", str(profile["email"])))
    html = sanitize_mail_html(rendered.html).html if rendered.html else None
    return previews.EmailPreview(headers, rendered.text, html, [])


def _changed(mailing: Mailing | None, payload: Mapping[str, Any]) -> bool:
    if mailing is None:
        return False
    return store.templates_of(mailing).content_hash != payload.get("content_hash") or \
        mailing.list_id != payload.get("list_id") or \
        mailing.segment_id != payload.get("segment_id")


def campaign(row: ActionRow, sender: previews.Sender, now: datetime) -> previews.Preview:
    """A campaign send: what, to whom, how many, when, how fast; then the first message."""
    payload, session = row.payload, _session(row)
    mailing, ws = _mailing(session, payload), _workspace(session, row)
    fields = [("Mailing", _named(session, Mailing, payload.get("mailing_id"),
                                 payload.get("mailing")) or "(gone)"),
              ("To list", _named(session, MailingListRow, payload.get("list_id"),
                                 payload.get("list")) or "(no list)")]
    segment = _named(session, Segment, payload.get("segment_id"), payload.get("segment"))
    if segment:
        fields.append(("Only the segment", segment))
    fields += [("Recipients", str(payload.get("recipient_count") or 0)),
               ("Goes", _when(payload, ws)), ("Pace", pace(payload))]
    if _changed(mailing, payload):
        fields.append(("Warning", CHANGED))
    email = first_message(session, mailing, ws, sender)
    if email is not None:
        fields.append(("Shown below", "The first recipient's message; each recipient gets "
                                      "their own name and unsubscribe link"))
    else:
        fields.append(("Subject (before merging)",
                       str(mailing.subject if mailing else payload.get("subject") or "")))
    return previews.Preview("email" if email is not None else "fields", email=email,
                            fields=fields, external=True)


def test_send(row: ActionRow, sender: previews.Sender, now: datetime) -> previews.Preview:
    """A test to the client: which mailing, as whom; then the email as it will be sent."""
    payload, session = row.payload, _session(row)
    fields = [("Mailing", _named(session, Mailing, payload.get("mailing_id"),
                                 payload.get("mailing")) or "(gone)")]
    if payload.get("rendered_for"):
        fields.append(("Rendered as for", str(payload["rendered_for"])))
    mailing = _mailing(session, payload)
    if mailing is not None and \
            store.templates_of(mailing).content_hash != payload.get("content_hash"):
        fields.append(("Warning", "The mailing changed since this test was made"))
    email = previews.email_preview(row, sender, now)
    return previews.Preview("email" if email is not None else "fields", email=email,
                            fields=fields, external=True)


def printing(row: ActionRow, sender: previews.Sender, now: datetime) -> previews.Preview:
    """Printed letters and labels: which mailing, which files, where on the label sheet."""
    payload, session = row.payload, _session(row)
    fields = [("Mailing", _named(session, Mailing, payload.get("mailing_id"),
                                 payload.get("mailing")) or "(gone)")]
    for label, key in (("Letters (PDF file)", "letters"), ("Labels (PDF file)", "labels")):
        if payload.get(key):
            fields.append((label, str(payload[key])))
    if payload.get("labels"):
        used = int(payload.get("offset") or 0)
        fields.append(("Label sheet", f"{used} label(s) already used; starts at label "
                                      f"{used + 1} of 30"))
    fields.append(("Order", "By postal code" if payload.get("sort") == "postal"
                   else "As the list gives them"))
    return previews.Preview("fields", fields=fields)


def install() -> None:
    """Register the previews of the three mailing kinds (idempotent); none offers edits."""
    previews.register(CAMPAIGN, campaign, editable=())
    previews.register(TEST_SEND, test_send, editable=())
    previews.register(PRINT, printing, editable=())
