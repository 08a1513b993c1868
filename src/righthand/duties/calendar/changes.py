"""Changes to the calendar (calendar.manage): "Move my 3pm to Friday", "Cancel the dentist".

Handlers only propose. The new iCalendar text is computed when the action is proposed, so the
approval's hash covers exactly what will be written. An event with other attendees changes by
a mail action (an iTIP REQUEST with SEQUENCE bumped, or a CANCEL): the change is applied when
that mail is delivered (``on_delivered``), so the calendar and the attendees never disagree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.calendar import compose, index
from righthand.duties.calendar.render import Occurrence, clock, day_label
from righthand.duties.plugin import EffectResult, Reply, Request
from righthand.errors import BadInput
from righthand.store.tables import CalendarSource, EventRow, Workspace

_FILLER = {"my", "the", "a", "an", "with", "meeting", "appointment", "event", "call", "on", "at",
           "today", "tomorrow", "next", "this", "am", "pm"}


def digest(text: str | None) -> str:
    """A short hash of an event's stored text (what a change was computed from)."""
    return hashlib.sha256((text or "").encode()).hexdigest()[:16]


def synced_state(session: Session, calendar_id: int) -> str:
    """'pending' for a CalDAV calendar (the change must reach the server), else 'synced'."""
    source = session.scalars(select(CalendarSource).where(
        CalendarSource.calendar_id == calendar_id)).first()
    return "pending" if source is not None and source.kind == "caldav" else "synced"


def _matches(occ: Occurrence, words: list[str], at: str | None, zone: str) -> bool:
    if at and occ.start.astimezone(ZoneInfo(zone)).strftime("%H:%M") != at:
        return False
    summary = occ.summary.lower()
    return all(w in summary for w in words)


def find_target(request: Request) -> tuple[list[Occurrence], str]:
    """The occurrences the request names ("my 3pm", "the dentist"), soonest first."""
    zone = request.workspace.timezone
    what = str(request.slots.get("what") or "")
    words = [w for w in re.findall(r"[a-z0-9']+", what.lower())
             if w not in _FILLER and not re.fullmatch(r"\d{1,2}(:\d\d)?(am|pm)?", w)
             and w not in {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                           "sunday"}]
    at = request.slots.get("from_time")
    raw_day = request.slots.get("from_date")
    tz = ZoneInfo(zone)
    if raw_day:
        first = date.fromisoformat(raw_day)
        start = datetime.combine(first, time(0), tz)
        end = start + timedelta(days=1)
    else:
        start, end = request.now - timedelta(hours=1), request.now + timedelta(days=21)
    found = [o for o in index.between(request.session, start, end, zone)
             if o.status != "CANCELLED" and _matches(o, words, at, zone)]
    if not raw_day and at:  # "my 3pm": today's, else the next one
        found = [o for o in found if o.start >= request.now - timedelta(hours=1)]
    return found, what


def _people(row: EventRow, me: frozenset[str]) -> list[dict[str, Any]]:
    return [a for a in (row.attendees or {}).get("list", []) if a.get("email") not in me]


def _mail(method: str, ics: str, people: list[dict[str, Any]], subject: str,
          body: str) -> dict[str, Any]:
    return {"recipients": [p["email"] for p in people],
            "to": [{"name": p.get("name") or "", "address": p["email"]} for p in people],
            "subject": subject, "body": body, "calendar": {"method": method, "ics": ics}}


def _pick(request: Request) -> tuple[Occurrence | None, Reply | None]:
    found, what = find_target(request)
    zone, today = request.workspace.timezone, request.now.astimezone(
        ZoneInfo(request.workspace.timezone)).date()
    if not found:
        return None, Reply(f"I can't find {what or 'that'} on your calendar in the next three "
                           "weeks.")
    events = {o.event_id for o in found}
    if len(events) > 1:
        tz = ZoneInfo(zone)
        shown = "; ".join(f"{o.summary} {day_label(o.start.astimezone(tz).date(), today)} "
                          f"at {clock(o.start, zone)}" for o in found[:4])
        return None, Reply(f"Which one do you mean: {shown}?",
                           data={"clarify": [o.summary for o in found[:4]]})
    return found[0], None


def _on(day: date, today: date) -> str:
    """today, tomorrow, Friday 4 December (no leading "on")."""
    return day_label(day, today).removeprefix("on ")


def move_text(summary: str, old: datetime, new: datetime, today: date, zone: str,
              all_day: bool = False) -> str:
    """The reply to a move, naming only what changes: the day ("from Tuesday 1 December to
    Friday 4 December, still at 3 pm"), the time ("from 3 pm to 4 pm today") or both."""
    tz = ZoneInfo(zone)
    before, after = old.astimezone(tz), new.astimezone(tz)
    old_day, new_day = _on(before.date(), today), _on(after.date(), today)
    if all_day:
        return f"Moving {summary} from {old_day} to {new_day} (all day)."
    old_at, new_at = clock(before, zone), clock(after, zone)
    if before.date() != after.date() and old_at == new_at:
        return f"Moving {summary} from {old_day} to {new_day}, still at {new_at}."
    if before.date() == after.date():
        return f"Moving {summary} from {old_at} to {new_at} {day_label(after.date(), today)}."
    return f"Moving {summary} from {old_day} at {old_at} to {new_day} at {new_at}."


def move(request: Request) -> Reply:
    """'Move my 3pm to Friday' (keeps the time and length unless told otherwise)."""
    occ, reply = _pick(request)
    if occ is None:
        return reply or Reply("Which event?")
    zone = request.workspace.timezone
    tz = ZoneInfo(zone)
    local = occ.start.astimezone(tz)
    today = request.now.astimezone(tz).date()
    now_at = "" if occ.all_day else f" at {clock(occ.start, zone)}"
    if not request.slots.get("to_date") and not request.slots.get("to_time"):
        return Reply(f"To when should I move {occ.summary} ({_on(local.date(), today)}"
                     f"{now_at})? For example \"to Friday at 2pm\".")
    day = date.fromisoformat(request.slots["to_date"]) if request.slots.get("to_date") \
        else local.date()
    at = request.slots.get("to_time") or local.strftime("%H:%M")
    hours, minutes = (int(x) for x in str(at).split(":"))
    start = datetime.combine(day, time(hours, minutes), tz)
    end = start + (occ.end - occ.start)
    if occ.all_day:
        start = datetime.combine(day, time(0), tz)
        end = start + (occ.end - occ.start)
    row = request.session.get(EventRow, occ.event_id)
    if row is None or not row.ical:
        return Reply("That event can't be changed here (it has no calendar data).")
    me = index.client_addresses(request.session)
    if row.organizer and row.organizer not in me and _people(row, me):
        return Reply(f"\"{occ.summary}\" is organised by {row.organizer}; only they can move it. "
                     "I can email them to ask.")
    if start == occ.start:
        return Reply(f"{occ.summary} is already {day_label(day, today)}{now_at}.")
    text = compose.reschedule(row.ical, start, end, request.now, zone, occ.recurrence_id,
                              organizer=row.organizer)
    clashes = [o.summary for o in index.between(request.session, start, end, zone)
               if o.busy and o.event_id != occ.event_id]
    note = f" Note: that overlaps {', '.join(clashes)}." if clashes else ""
    payload: dict[str, Any] = {
        "event_id": row.id, "uid": row.uid, "calendar_id": row.calendar_id,
        "recurrence_id": occ.recurrence_id, "base": digest(row.ical), "ical": text,
        "start": start.isoformat(), "end": end.isoformat(), "summary": occ.summary}
    people = _people(row, me)
    label = f"{start.astimezone(tz):%a %d %b %Y} {clock(start, zone)} ({zone})"
    if people:
        invite = compose.itip(text, "REQUEST", request.now, zone)
        body = (f"{occ.summary} has moved to {label}.\n\nYour calendar will update when you "
                "accept the new time.\n")
        payload.update(_mail("REQUEST", invite, people, f"Updated invitation: {occ.summary} @ "
                             f"{label}", body))
        action = Action(duty="calendar.manage", kind="calendar.reschedule", payload=payload,
                        summary=f"Move {occ.summary} to {label} and tell "
                                f"{len(people)} attendee{'s' if len(people) > 1 else ''}")
    else:
        action = Action(duty="calendar.manage", kind="calendar.move_event", payload=payload,
                        summary=f"Move {occ.summary} to {label}", undoable=True)
    said = move_text(occ.summary, occ.start, start, today, zone, occ.all_day)
    return Reply(f"{said}{note}", actions=[action])


def cancel(request: Request) -> Reply:
    """'Cancel the dentist' (one occurrence of a series, or the whole event)."""
    occ, reply = _pick(request)
    if occ is None:
        return reply or Reply("Which event?")
    zone = request.workspace.timezone
    row = request.session.get(EventRow, occ.event_id)
    if row is None or not row.ical:
        return Reply("That event can't be changed here (it has no calendar data).")
    me = index.client_addresses(request.session)
    people = _people(row, me)
    if row.organizer and row.organizer not in me and people:
        return Reply(f"\"{occ.summary}\" is organised by {row.organizer}; I can decline it for "
                     "you, but only they can cancel it.")
    text = compose.cancel(row.ical, request.now, zone, occ.recurrence_id)
    local = occ.start.astimezone(ZoneInfo(zone))
    label = f"{local:%a %d %b} {clock(occ.start, zone)}"
    payload: dict[str, Any] = {"event_id": row.id, "uid": row.uid, "calendar_id": row.calendar_id,
                               "recurrence_id": occ.recurrence_id, "base": digest(row.ical),
                               "ical": text, "summary": occ.summary,
                               "whole": not occ.recurrence_id}
    if people:
        notice = compose.itip(row.ical, "CANCEL", request.now, zone, occ.recurrence_id)
        notice = _sequence_like(notice, text)
        payload.update(_mail("CANCEL", notice, people, f"Cancelled: {occ.summary} @ {label}",
                             f"{occ.summary} on {label} ({zone}) is cancelled.\n"))
        action = Action(duty="calendar.manage", kind="calendar.cancel_meeting", payload=payload,
                        summary=f"Cancel {occ.summary} ({label}) and tell the attendees")
    else:
        action = Action(duty="calendar.manage", kind="calendar.cancel_event", payload=payload,
                        summary=f"Cancel {occ.summary} ({label})", undoable=True)
    return Reply(f"Cancelling {occ.summary} ({label}).", actions=[action])


def _sequence_like(notice: str, changed: str) -> str:
    """The CANCEL carries the SEQUENCE of the cancelled version (bumped)."""
    found = re.search(r"^SEQUENCE:(\d+)", changed, re.M)
    if not found:
        return notice
    return re.sub(r"^SEQUENCE:\d+", f"SEQUENCE:{found.group(1)}", notice, flags=re.M)


def apply_change(session: Session, payload: Mapping[str, Any], now: datetime,
                 check: bool = True) -> tuple[EventRow, dict[str, Any]]:
    """Write the payload's new text over the event; returns it and what undo needs."""
    row = session.get(EventRow, int(payload["event_id"]))
    if row is None:
        raise BadInput(f"{payload.get('summary', 'the event')} is no longer on the calendar")
    if check and digest(row.ical) != payload.get("base"):
        raise BadInput(f"{payload.get('summary', 'the event')} changed since this was proposed",
                       hint="Ask again, so the change is made to its current version.")
    zone = _zone(session, row.workspace_id)
    undo = {"ical": row.ical, "sync_state": row.sync_state}
    state = synced_state(session, row.calendar_id)
    me = index.client_addresses(session)
    if payload.get("whole") and str(payload.get("kind", "")) != "meeting" and \
            state == "pending" and row.etag:
        row.sync_state = "deleted"  # a tombstone: the sync deletes it on the server
        row.ical = str(payload["ical"])
        index.reindex(session, row, None, now, zone, me)
    else:
        index.store(session, row.calendar_id, str(payload["ical"]), now, zone, me,
                    sync_state=state)
    return row, undo


def _zone(session: Session, workspace_id: int) -> str:
    ws = session.get(Workspace, workspace_id)
    return ws.timezone if ws is not None else "UTC"


class ChangeEffect:
    """calendar.move_event / calendar.cancel_event: write the new text; undo restores it."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Apply the proposed text."""
        row, undo = apply_change(session, payload, now)
        return EffectResult(result={"event_id": row.id, "uid": row.uid}, undo=undo)

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Put the previous version back (and on the server, at the next sync)."""
        row = session.get(EventRow, int(payload["event_id"]))
        if row is None or not undo.get("ical"):
            raise BadInput("the event is gone; nothing to restore")
        zone = _zone(session, workspace_id)
        state = synced_state(session, row.calendar_id)
        row.sync_state = state
        index.store(session, row.calendar_id, str(undo["ical"]), now, zone,
                    index.client_addresses(session), sync_state=state)
        return f"Put {payload.get('summary', 'the event')} back as it was."


def after_mail(session: Session, workspace_id: int, payload: Mapping[str, Any],
               result: Mapping[str, Any], now: datetime) -> None:
    """calendar.reschedule / calendar.cancel_meeting: the attendees have been told; the
    calendar now says the same."""
    apply_change(session, {**payload, "kind": "meeting"}, now, check=False)


class CreateEffect:
    """calendar.create_event: a new event from its iCalendar text; undo removes it."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Store the event (idempotent by UID)."""
        zone = _zone(session, workspace_id)
        calendar_id = int(payload["calendar_id"])
        existed = index.find(session, calendar_id, str(payload["uid"])) is not None
        row = index.store(session, calendar_id, str(payload["ical"]), now, zone,
                          index.client_addresses(session),
                          sync_state=synced_state(session, calendar_id))
        if row is None:
            raise BadInput("the event text holds no event")
        return EffectResult(result={"event_id": row.id, "uid": row.uid},
                            undo=None if existed else {"event_id": row.id})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Remove the event it created (a tombstone when the server already has it)."""
        row = session.get(EventRow, int(undo["event_id"]))
        if row is not None:
            if row.etag:
                row.sync_state = "deleted"
                index.reindex(session, row, None, now, _zone(session, workspace_id),
                              frozenset())
            else:
                session.delete(row)
        return f"Removed {payload.get('summary', 'the event')} again."
