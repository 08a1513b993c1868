"""Scheduling (appointments.schedule): "Schedule lunch with Bob next Tuesday at noon" books if
the time is free (or offers the nearest free times); "Set up a call with the Joneses sometime
next week" emails them three times and books the one they choose.

Idempotent: a request has a key (who, when, what); the same request twice finds the first
one's booking (or pending action) instead of making a second event, and the event's UID is
derived from the key, so even two deliveries would write one event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.appointments import rules as stored_rules
from righthand.duties.appointments.availability import free_slots, is_free
from righthand.duties.calendar import compose, index
from righthand.duties.calendar.changes import CreateEffect, synced_state
from righthand.duties.calendar.render import clock, day_label
from righthand.duties.plugin import EffectResult, Reply, Request
from righthand.store.tables import (
    ActionRow,
    AppointmentRequest,
    CalendarRow,
    ContactEmail,
    ContactRow,
    Workspace,
)

LENGTHS = {"lunch": 60, "dinner": 90, "breakfast": 45, "coffee": 30, "call": 30, "meeting": 60,
           "viewing": 45, "showing": 45}
LIVE = ("awaiting_approval", "queued", "done")


def attendees(session: Session, who: str) -> list[dict[str, str]]:
    """Contacts named in ``who`` ("Bob", "Bob Miller", "the Joneses", "Bob and Alice")."""
    found: dict[str, dict[str, str]] = {}
    for part in re.split(r"\s*(?:,|\band\b|&)\s*", who.strip()):
        name = re.sub(r"^(the|my)\s+", "", part.strip(), flags=re.I)
        if not name:
            continue
        if "@" in name:
            found[name.lower()] = {"email": name.lower(), "name": ""}
            continue
        family = re.sub(r"(es|s)$", "", name) if re.match(r"^the\s", part.strip(), re.I) else ""
        query = select(ContactRow, ContactEmail.address).join(
            ContactEmail, ContactEmail.contact_id == ContactRow.id)
        if family:
            query = query.where(or_(func.lower(ContactRow.family_name) == family.lower(),
                                    func.lower(ContactRow.family_name) == name.lower()))
        else:
            query = query.where(func.lower(ContactRow.display_name).like(f"%{name.lower()}%"))
        rows = session.execute(query.order_by(ContactRow.display_name)).all()
        people = {c.id: (c, a) for c, a in rows}
        if not family and len(people) > 1:
            exact = [p for p in people.values() if p[0].given_name.lower() == name.lower()]
            if len(exact) != 1:
                names = [c.display_name for c, _ in people.values()]
                raise LookupError(f"Which {name}: {', '.join(names)}?")
            people = {exact[0][0].id: exact[0]}
        for contact, address in people.values():
            found.setdefault(address.lower(), {"email": address.lower(),
                                               "name": contact.display_name})
    return list(found.values())


def _key(workspace_id: int, *parts: str) -> str:
    return hashlib.sha256("|".join((str(workspace_id), *parts)).encode()).hexdigest()[:32]


def _calendar(session: Session) -> CalendarRow | None:
    rows = session.scalars(select(CalendarRow).order_by(CalendarRow.id)).all()
    work = [c for c in rows if c.name.lower() == "work"]
    found = work or [c for c in rows if c.busy] or list(rows)
    return found[0] if found else None


def _me(session: Session, request: Request) -> compose.Person:
    ws = session.get(Workspace, request.workspace.id)
    email = str(((ws.profile or {}) if ws else {}).get("email") or "")
    return compose.Person(email or "assistant@righthand.local", request.workspace.client_name)


def _live(session: Session, key: str) -> ActionRow | None:
    for row in session.scalars(select(ActionRow).where(
            ActionRow.duty == "appointments.schedule", ActionRow.state.in_(LIVE))
            .order_by(ActionRow.id.desc()).limit(500)):
        if (row.payload or {}).get("key") == key:
            return row
    return None


def _title(what: str, people: list[dict[str, str]], who: str) -> str:
    names = [p["name"].split()[0] for p in people if p.get("name")]
    shown = who if not names or len(names) > 2 else " and ".join(names)
    if not shown.strip():  # a hold for the client alone (the web calendar's "Book")
        return f"{what[:1].upper()}{what[1:]}"
    return f"{what[:1].upper()}{what[1:]} with {shown}"


def _when(start: datetime, zone: str, today: date) -> str:
    local = start.astimezone(ZoneInfo(zone))
    return f"{day_label(local.date(), today)} at {clock(start, zone)}"


def booking_action(session: Session, request: Request, key: str, title: str, start: datetime,
                   end: datetime, people: list[dict[str, str]],
                   proposal: int | None = None) -> Action | None:
    """The action that books [start, end): an invitation, or a hold without attendees."""
    zone = request.workspace.timezone
    calendar = _calendar(session)
    if calendar is None:
        return None
    uid = f"{key}@righthand"
    organizer = _me(session, request)
    invited = [p for p in people if p.get("email")]
    text = compose.new_event(uid, title, start, end, zone, request.now, organizer=organizer,
                             attendees=tuple(compose.Person(p["email"], p.get("name", ""))
                                             for p in invited), alarm_minutes=15)
    payload: dict[str, Any] = {"key": key, "uid": uid, "calendar_id": calendar.id,
                               "ical": text, "summary": title, "start": start.isoformat(),
                               "end": end.isoformat(), "request": proposal}
    label = f"{start.astimezone(ZoneInfo(zone)):%a %d %b %Y} {clock(start, zone)} ({zone})"
    if not invited:
        return Action(duty="appointments.schedule", kind="appointments.hold", payload=payload,
                      summary=f"Book {title}, {label}", undoable=True)
    invite = compose.itip(text, "REQUEST", request.now, zone)
    payload.update({
        "recipients": [p["email"] for p in invited],
        "to": [{"name": p.get("name", ""), "address": p["email"]} for p in invited],
        "subject": f"Invitation: {title} @ {label}",
        "body": (f"{organizer.name} has invited you to {title}.\n\nWhen: {label}\n\n"
                 "Please accept or decline in your calendar.\n"),
        "calendar": {"method": "REQUEST", "ics": invite}})
    return Action(duty="appointments.schedule", kind="appointments.book", payload=payload,
                  summary=f"Book {title}, {label}, and invite "
                          f"{', '.join(p['email'] for p in invited)}")


def _length(request: Request, what: str) -> timedelta:
    minutes = request.slots.get("minutes") or LENGTHS.get(what.lower().split()[-1], 30)
    return timedelta(minutes=int(minutes))


def schedule(request: Request) -> Reply:
    """'Schedule lunch with Bob next Tuesday at noon'."""
    session, zone = request.session, request.workspace.timezone
    what, who = str(request.slots.get("what") or "meeting"), str(request.slots.get("who") or "")
    try:
        people = attendees(session, who)
    except LookupError as exc:
        return Reply(str(exc))
    tz = ZoneInfo(zone)
    day = date.fromisoformat(request.slots["date"]) if request.slots.get("date") else \
        request.now.astimezone(tz).date()
    hours, minutes = (int(x) for x in str(request.slots.get("time") or "09:00").split(":"))
    start = datetime.combine(day, time(hours, minutes), tz)
    end = start + _length(request, what)
    title = _title(what, people, who)
    today = request.now.astimezone(tz).date()
    key = _key(request.workspace.id, "book", ",".join(sorted(p["email"] for p in people)),
               start.isoformat(), what.lower())
    done = session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.key == key, AppointmentRequest.state != "cancelled")).first()
    if done is not None or _live(session, key) is not None:
        return Reply(f"That's already in hand: {title} {_when(start, zone, today)}.",
                     data={"duplicate": True})
    if start <= request.now:
        return Reply("That time has already passed.")
    rules = stored_rules.load(session)
    busy = stored_rules.busy(session, start - timedelta(days=1), end + timedelta(days=8), zone)
    if is_free(rules, busy, start, end, zone):
        action = booking_action(session, request, key, title, start, end, people)
        if action is None:
            return Reply("You have no calendar to book into yet: `righthand calendar calendars "
                         "--add Work`.")
        return Reply(f"You're free then. Booking {title} {_when(start, zone, today)}.",
                     actions=[action])
    day_start = datetime.combine(day, time(0), tz)
    options = free_slots(rules, busy, request.now, end - start, day_start,
                         day_start + timedelta(days=7), zone, count=16)
    options.sort(key=lambda s: abs((s[0] - start).total_seconds()))
    near = sorted(options[:3])
    shown = "; ".join(_when(s, zone, today) for s, _ in near)
    clashes = sorted({o.summary for o in index.between(session, start, end, zone) if o.busy})
    text = f"You're busy {_when(start, zone, today)}"
    text += f" ({', '.join(clashes)})." if clashes else " (outside your bookable time)."
    if near:
        text += f" The nearest free times: {shown}. Tell me which and I'll book it."
    return Reply(text, data={"options": [s.isoformat() for s, _ in near]})


def propose(request: Request) -> Reply:
    """'Set up a call with the Joneses sometime next week': three times, by email."""
    session, zone = request.session, request.workspace.timezone
    what, who = str(request.slots.get("what") or "meeting"), str(request.slots.get("who") or "")
    try:
        people = [p for p in attendees(session, who) if p.get("email")]
    except LookupError as exc:
        return Reply(str(exc))
    if not people:
        return Reply(f"I don't have an email address for {who}; add them to your contacts "
                     "first.")
    tz = ZoneInfo(zone)
    first = date.fromisoformat(request.slots["date"]) if request.slots.get("date") else \
        request.now.astimezone(tz).date()
    days = int(request.slots.get("days") or 7)
    start = datetime.combine(first, time(0), tz)
    end = start + timedelta(days=days)
    length = _length(request, what)
    title = _title(what, people, who)
    key = _key(request.workspace.id, "propose", ",".join(sorted(p["email"] for p in people)),
               first.isoformat(), str(days), what.lower())
    existing = session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.key == key)).first()
    if existing is not None or _live(session, key) is not None:
        return Reply(f"I've already offered times for {title}"
                     + (f" (request #{existing.id})." if existing else "."),
                     data={"duplicate": True})
    rules = stored_rules.load(session)
    busy = stored_rules.busy(session, start - timedelta(days=1), end + timedelta(days=1), zone)
    slots = free_slots(rules, busy, request.now, length, start, end, zone, count=3,
                       spread=True, booked_per_day=stored_rules.booked_per_day(session, zone))
    if len(slots) < 3:
        slots += [s for s in free_slots(rules, busy, request.now, length, start, end, zone,
                                        count=6) if s not in slots][:3 - len(slots)]
    if not slots:
        return Reply(f"You have no free {int(length.total_seconds() // 60)} minutes then.")
    options = "\n".join(f"  {n}. {s.astimezone(tz):%A %d %B}, {clock(s, zone)}-{clock(e, zone)}"
                        f" ({zone})" for n, (s, e) in enumerate(slots, 1))
    greeting = " and ".join(p["name"].split()[0] for p in people if p.get("name")) or "there"
    me = _me(session, request)
    payload = {"key": key, "summary": title, "minutes": int(length.total_seconds() // 60),
               "slots": [[s.isoformat(), e.isoformat()] for s, e in slots],
               "attendees": people, "uid": f"{key}@righthand",
               "recipients": [p["email"] for p in people],
               "to": [{"name": p.get("name", ""), "address": p["email"]} for p in people],
               "subject": f"Finding a time: {title}",
               "body": (f"Hi {greeting},\n\n{me.name} would like to set up a {what}. Would one "
                        f"of these times suit you?\n\n{options}\n\nJust reply with the number "
                        f"of the time that works best.\n\nBest,\n{me.name}\n")}
    action = Action(duty="appointments.schedule", kind="appointments.propose_slots",
                    payload=payload, summary=f"Offer {title} three times by email")
    return Reply(f"I'll offer {title} these times:\n{options}", actions=[action])


def choose(request: Request) -> Reply:
    """'Book option 2 for request 5': book the slot the attendees chose."""
    session, zone = request.session, request.workspace.timezone
    row = session.get(AppointmentRequest, int(request.slots.get("request") or 0))
    if row is None:
        return Reply("Which request? `righthand schedule list` shows them.")
    if row.state == "booked":
        return Reply(f"{row.summary} is already booked.", data={"duplicate": True})
    options = (row.slots or {}).get("offered") or []
    number = int(request.slots.get("option") or 0)
    if not 1 <= number <= len(options):
        return Reply(f"Request #{row.id} has options 1 to {len(options)}.")
    start, end = (datetime.fromisoformat(x) for x in options[number - 1])
    busy = stored_rules.busy(session, start - timedelta(days=1), end + timedelta(days=1), zone)
    if not is_free(stored_rules.load(session), busy, start, end, zone):
        return Reply(f"Option {number} is no longer free; ask me to offer new times.")
    people = list((row.attendees or {}).get("list", []))
    key = row.key
    if _live(session, f"{key}:book") is not None:
        return Reply("That booking is already on its way.", data={"duplicate": True})
    action = booking_action(session, request, f"{key}:book", row.summary, start, end, people,
                            proposal=row.id)
    if action is None:
        return Reply("You have no calendar to book into yet.")
    today = request.now.astimezone(ZoneInfo(zone)).date()
    return Reply(f"Booking {row.summary} {_when(start, zone, today)}.", actions=[action])


def _record(session: Session, workspace_id: int, payload: Mapping[str, Any], state: str,
            now: datetime, slots: dict[str, Any]) -> None:
    key = str(payload["key"])
    request_id = payload.get("request")
    row = session.get(AppointmentRequest, int(request_id)) if request_id else \
        session.scalars(select(AppointmentRequest).where(AppointmentRequest.key == key)).first()
    if row is None:
        row = AppointmentRequest(workspace_id=workspace_id, key=key,
                                 kind="propose" if state == "proposed" else "book", state=state,
                                 summary=str(payload.get("summary", ""))[:500],
                                 attendees={"list": list(payload.get("attendees") or [
                                     {"email": a} for a in payload.get("recipients") or []])},
                                 slots=slots, duration_minutes=int(payload.get("minutes", 30)),
                                 event_uid=str(payload.get("uid", "")), created_at=now,
                                 updated_at=now)
        session.add(row)
    else:
        row.state, row.updated_at = state, now
        row.slots = {**(row.slots or {}), **slots}
        row.event_uid = str(payload.get("uid", row.event_uid))
    session.flush()


def after_proposal(session: Session, workspace_id: int, payload: Mapping[str, Any],
                   result: Mapping[str, Any], now: datetime) -> None:
    """The offer went out: remember the times offered."""
    _record(session, workspace_id, payload, "proposed", now,
            {"offered": list(payload.get("slots") or [])})


def after_booking(session: Session, workspace_id: int, payload: Mapping[str, Any],
                  result: Mapping[str, Any], now: datetime) -> None:
    """The invitation went out: the event is in the calendar (by UID: never twice)."""
    CreateEffect().apply(session, workspace_id, payload, now)
    _record(session, workspace_id, payload, "booked", now, {"booked": payload.get("start")})


class HoldEffect:
    """appointments.hold: the event without invitations; undo removes it."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Store the event and the booking."""
        outcome = CreateEffect().apply(session, workspace_id, payload, now)
        _record(session, workspace_id, payload, "booked", now, {"booked": payload.get("start")})
        return outcome

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Remove the event and mark the booking cancelled."""
        message = CreateEffect().undo(session, workspace_id, payload, undo, now)
        _record(session, workspace_id, payload, "cancelled", now, {})
        return message


__all__ = ["after_booking", "after_proposal", "choose", "propose", "schedule", "synced_state"]
