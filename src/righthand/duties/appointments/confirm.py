"""Appointment confirmations (appointments.confirm): who is expected, what to send, when.

For every upcoming appointment with external attendees an ``AppointmentConfirmation`` row per
attendee holds the status (pending, confirmed, declined, reschedule, no_show) and which
messages were proposed: the confirmation on booking and a reminder at each offset (defaults
48 h and 2 h before; ``availability_rules.rules["confirmations"]["offsets_hours"]``). A message
is proposed at most once per offset (the row remembers it in the proposing transaction); when
several are due at once only the latest is sent. Every message is an Action through the gate,
so quiet hours defer it and the preset's limits apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.appointments import confirm_tokens
from righthand.store.tables import (
    AppointmentConfirmation,
    AvailabilityRules,
    ContactEmail,
    ContactRow,
    EventRow,
    MailAccount,
    Workspace,
)

DUTY = "appointments.confirm"
KIND = "appointments.send_confirmation"
DEFAULT_OFFSETS = (48, 2)
HORIZON = timedelta(days=14)
CLOSED = {"declined", "no_show", "cancelled"}


@dataclass(frozen=True)
class Links:
    """Where the signed answer links point, and the secret that signs them."""

    base_url: str
    secret: str


def offsets(session: Session) -> tuple[int, ...]:
    """The reminder offsets in hours, largest first."""
    row = session.scalars(select(AvailabilityRules)).first()
    wanted = ((row.rules or {}).get("confirmations") or {}).get("offsets_hours") if row else None
    values = wanted if isinstance(wanted, list) and wanted else list(DEFAULT_OFFSETS)
    return tuple(sorted({int(v) for v in values if int(v) > 0}, reverse=True))


def _mine(session: Session) -> set[str]:
    from righthand.duties.calendar.index import client_addresses

    me = set(client_addresses(session))
    account = session.scalars(select(MailAccount)).first()
    if account is not None and account.address:
        me.add(account.address.lower())
    return me


def _contact(session: Session, address: str) -> ContactRow | None:
    return session.scalars(select(ContactRow).join(
        ContactEmail, ContactEmail.contact_id == ContactRow.id)
        .where(ContactEmail.address == address)).first()


def track(session: Session, workspace_id: int, now: datetime, zone: str) -> \
        list[AppointmentConfirmation]:
    """Make sure every external attendee of every appointment in the next two weeks has a
    row; PARTSTATs already in the calendar count as answers. Returns the open rows."""
    from righthand.duties.calendar.index import between

    me = _mine(session)
    rows = []
    for occ in between(session, now, now + HORIZON, zone):
        if occ.all_day or occ.status == "CANCELLED" or occ.declined or occ.start <= now:
            continue
        event = session.get(EventRow, occ.event_id)
        if event is None:
            continue
        organizer = (event.organizer or "").lower().removeprefix("mailto:")
        for person in (event.attendees or {}).get("list", []):
            address = str(person.get("email") or "").lower()
            if not address or address in me or address == organizer:
                continue
            row = session.scalars(select(AppointmentConfirmation).where(
                AppointmentConfirmation.event_uid == occ.uid,
                AppointmentConfirmation.starts_at == occ.start,
                AppointmentConfirmation.attendee == address)).first()
            if row is None:
                contact = _contact(session, address)
                row = AppointmentConfirmation(
                    workspace_id=workspace_id, event_uid=occ.uid, starts_at=occ.start,
                    summary=occ.summary[:500], attendee=address,
                    name=str(person.get("name") or (contact.display_name if contact else "")),
                    timezone=(contact.timezone if contact else None) or event.timezone,
                    status="pending", sent={}, note="", created_at=now)
                session.add(row)
            partstat = str(person.get("partstat") or "")
            if row.status == "pending" and partstat == "ACCEPTED":
                row.status, row.answered_at = "confirmed", now
            elif row.status in {"pending", "confirmed"} and partstat == "DECLINED":
                row.status, row.answered_at = "declined", now
            rows.append(row)
    session.flush()
    return [r for r in rows if r.status not in CLOSED]


def due(row: AppointmentConfirmation, now: datetime, hours: tuple[int, ...]) -> str | None:
    """Which message is due for ``row`` now ("booking" or an offset in hours), marking every
    message now due as proposed; None when nothing new is due."""
    if row.status in CLOSED or row.starts_at <= now:
        return None
    candidates = ["booking"] + [str(h) for h in hours if now >= row.starts_at - timedelta(hours=h)]
    sent = list((row.sent or {}).get("offsets") or [])
    fresh = [c for c in candidates if c not in sent]
    if not fresh:
        return None
    row.sent = {**(row.sent or {}), "offsets": sent + fresh}
    chosen = candidates[-1]
    return chosen if chosen in fresh else None


def _when(start: datetime, zone: str, now: datetime) -> str:
    local = start.astimezone(ZoneInfo(zone))
    today = now.astimezone(ZoneInfo(zone)).date()
    day = ("today" if local.date() == today else "tomorrow"
           if local.date() == today + timedelta(days=1) else local.strftime("%A, %B %-d"))
    return f"{day} at {local.strftime('%-I:%M %p')} ({local.strftime('%Z')})"


def message(session: Session, ws: Workspace, row: AppointmentConfirmation, label: str,
            now: datetime, links: Links) -> Action:
    """The confirmation or reminder for ``row``: text in the attendee's zone, signed links,
    and the event as an iTIP REQUEST."""
    from righthand.duties.calendar import compose

    zone = row.timezone or ws.timezone
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError):
        zone = ws.timezone
    event = session.scalars(select(EventRow).where(EventRow.uid == row.event_uid)).first()
    first = (row.name or row.attendee).split()[0]
    client = ws.client_name
    when = _when(row.starts_at, zone, now)
    where = f" at {event.location}" if event is not None and event.location else ""
    urls = {answer: f"{links.base_url.rstrip('/')}/appointment/"
                    f"{confirm_tokens.make(links.secret, ws.id, row.id, answer, now)}"
            for answer in confirm_tokens.ANSWERS}
    what = f"your appointment with {client}: {row.summary}, {when}{where}."
    if label == "booking":
        subject, opening = f"Please confirm: {row.summary} {when}", f"this is to confirm {what}"
    else:
        subject, opening = f"Reminder: {row.summary} {when}", f"a reminder of {what}"
    ask = ("You have already confirmed, thank you. If anything changes:" if
           row.status == "confirmed" else "Please let us know that you can make it:")
    body = (f"Hi {first},\n\nThis is {ws.assistant_name}, {client}'s assistant, with {opening}"
            f"\n\n{ask}\n  Confirm: {urls['confirm']}\n  Reschedule: {urls['reschedule']}\n"
            f"  Cancel: {urls['cancel']}\n\nOr simply reply to this email.\n\n"
            f"Best regards,\n{ws.assistant_name}\nAssistant to {client}\n")
    payload: dict[str, Any] = {
        "recipients": [row.attendee], "to": [{"name": row.name, "address": row.attendee}],
        "subject": subject, "body": body, "confirmation_id": row.id, "offset": label,
        "event_uid": row.event_uid, "starts_at": row.starts_at.isoformat()}
    if event is not None and event.ical:
        payload["calendar"] = {"method": "REQUEST",
                               "ics": compose.itip(event.ical, "REQUEST", now, ws.timezone)}
    what = "Confirmation" if label == "booking" else f"Reminder ({label} h before)"
    return Action(duty=DUTY, kind=KIND, payload=payload,
                  summary=f"{what} to {row.name or row.attendee} <{row.attendee}>: "
                          f"{row.summary} {when}")


def delivered(session: Session, workspace_id: int, payload: Any, result: Any,
              now: datetime) -> None:
    """On delivery: remember when each message went out."""
    row = session.get(AppointmentConfirmation, int(payload.get("confirmation_id") or 0))
    if row is not None:
        done = dict((row.sent or {}).get("delivered") or {})
        done[str(payload.get("offset"))] = now.isoformat()
        row.sent = {**(row.sent or {}), "delivered": done}
