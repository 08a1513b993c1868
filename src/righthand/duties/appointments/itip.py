"""Replies to invitations (iTIP REPLY over iMIP, RFC 6047) taken from a raw message.

The mailbox connector hands each message in; this finds its text/calendar part (inline or as
an .ics attachment), checks that the reply is for one of our events and comes from the
attendee it speaks for, ignores replies to an older SEQUENCE, and records the PARTSTAT.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.calendar import compose, index
from righthand.duties.calendar.changes import synced_state
from righthand.errors import BadInput
from righthand.store.tables import EventRow, Workspace


@dataclass(frozen=True)
class ReplyOutcome:
    """What a REPLY did: ``recorded`` or why it was ignored."""

    status: str  # recorded, stale, unknown_event, not_an_attendee, not_a_reply, spoofed
    uid: str = ""
    attendee: str = ""
    partstat: str = ""
    summary: str = ""


def calendar_part(message: EmailMessage) -> str | None:
    """The iCalendar text of a message (the text/calendar part, else an .ics attachment)."""
    found = None
    for part in message.walk():
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind == "text/calendar" or (kind in {"application/ics", "application/octet-stream"}
                                       and name.endswith(".ics")):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                text = payload.decode(part.get_content_charset() or "utf-8", "replace")
                if kind == "text/calendar":
                    return text
                found = found or text
    return found


def process_itip_reply(session: Session, raw_bytes: bytes, now: datetime) -> ReplyOutcome:
    """Record an attendee's answer (a REPLY) to one of the client's invitations."""
    message = email.message_from_bytes(raw_bytes, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = calendar_part(message)
    if text is None:
        return ReplyOutcome("not_a_reply")
    try:
        uid, recurrence_id, sequence, answers = compose.reply_answers(text)
    except BadInput:
        return ReplyOutcome("not_a_reply")
    senders = {a.lower() for _, a in getaddresses([str(message.get("From") or ""),
                                                  str(message.get("Sender") or "")]) if a}
    row = session.scalars(select(EventRow).where(EventRow.uid == uid)).first()
    if row is None or not row.ical:
        return ReplyOutcome("unknown_event", uid)
    known = {a.get("email") for a in (row.attendees or {}).get("list", [])}
    ws = session.get(Workspace, row.workspace_id)
    zone = ws.timezone if ws is not None else "UTC"
    for attendee, partstat in answers:
        if attendee not in known:
            return ReplyOutcome("not_an_attendee", uid, attendee, partstat, row.summary)
        if attendee not in senders:
            # Anyone can write "PARTSTAT=DECLINED" for someone else; only the attendee counts.
            return ReplyOutcome("spoofed", uid, attendee, partstat, row.summary)
        if sequence < row.sequence:
            return ReplyOutcome("stale", uid, attendee, partstat, row.summary)
        changed, found = compose.set_partstat(row.ical, attendee, partstat, zone, recurrence_id)
        if not found:
            return ReplyOutcome("not_an_attendee", uid, attendee, partstat, row.summary)
        index.store(session, row.calendar_id, changed, now, zone,
                    index.client_addresses(session),
                    sync_state=synced_state(session, row.calendar_id))
        return ReplyOutcome("recorded", uid, attendee, partstat, row.summary)
    return ReplyOutcome("not_a_reply", uid)
