"""Writing iCalendar: new events, reschedules and cancellations (SEQUENCE bumped), and the
iTIP messages (RFC 5546) that tell attendees -- REQUEST, CANCEL -- or answer them (REPLY).

What mail clients insist on before they show an invitation with Accept/Decline buttons:
METHOD on the VCALENDAR, PRODID and VERSION, one UID, DTSTAMP, SEQUENCE that grows with every
change, ORGANIZER, ATTENDEEs with RSVP=TRUE, and a VTIMEZONE for every TZID used (Outlook).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from righthand.duties.calendar.ical import parse, recurrence_key
from righthand.errors import BadInput

PRODID = "-//Righthand//Righthand Calendar//EN"


@dataclass(frozen=True)
class Person:
    """An organizer or attendee."""

    email: str
    name: str = ""


def _calendar(method: str | None = None) -> Any:
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method:
        calendar.add("METHOD", method)
    return calendar


def _address(person: Person, **params: str) -> Any:
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


def _finish(calendar: Any) -> str:
    calendar.add_missing_timezones()
    return str(calendar.to_ical().decode())


def new_event(uid: str, summary: str, start: datetime, end: datetime, zone: str, now: datetime,
              *, all_day: bool = False, location: str | None = None,
              description: str | None = None, organizer: Person | None = None,
              attendees: tuple[Person, ...] = (), status: str = "CONFIRMED",
              transparent: bool = False, sequence: int = 0,
              alarm_minutes: int | None = None) -> str:
    """A VCALENDAR with one VEVENT, times in ``zone`` (with its VTIMEZONE)."""
    import icalendar

    tz = ZoneInfo(zone)
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", now.astimezone(UTC))
    event.add("CREATED", now.astimezone(UTC))
    event.add("LAST-MODIFIED", now.astimezone(UTC))
    event.add("SEQUENCE", sequence)
    event.add("SUMMARY", summary)
    if all_day:
        event.add("DTSTART", start.astimezone(tz).date())
        event.add("DTEND", max(end.astimezone(tz).date(),
                               start.astimezone(tz).date() + timedelta(days=1)))
    else:
        event.add("DTSTART", start.astimezone(tz))
        event.add("DTEND", end.astimezone(tz))
    event.add("STATUS", status)
    event.add("TRANSP", "TRANSPARENT" if transparent else "OPAQUE")
    if location:
        event.add("LOCATION", location)
    if description:
        event.add("DESCRIPTION", description)
    if organizer is not None:
        event.add("ORGANIZER", _address(organizer))
        if attendees:
            event.add("ATTENDEE", _address(organizer, role="CHAIR", partstat="ACCEPTED"))
    for person in attendees:
        event.add("ATTENDEE", _address(person, cutype="INDIVIDUAL", role="REQ-PARTICIPANT",
                                       partstat="NEEDS-ACTION", rsvp="TRUE"))
    if alarm_minutes is not None:
        alarm = icalendar.Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", summary)
        alarm.add("TRIGGER", timedelta(minutes=-alarm_minutes))
        event.add_component(alarm)
    calendar = _calendar()
    calendar.add_component(event)
    return _finish(calendar)


def _master(calendar: Any) -> Any:
    for event in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" not in event:
            return event
    raise BadInput("the event has no master component")


def _zone_of(component: Any, fallback: str) -> ZoneInfo:
    raw = component.get("DTSTART")
    value = raw.dt if raw is not None else None
    if isinstance(value, datetime) and value.tzinfo is not None:
        key = getattr(value.tzinfo, "key", None)
        if key:
            return ZoneInfo(key)
    return ZoneInfo(fallback)


def _set(component: Any, name: str, value: Any) -> None:
    if name in component:
        del component[name]
    component.add(name, value)


def _bump(component: Any, now: datetime, floor: int = 0) -> int:
    sequence = max(int(component.get("SEQUENCE", 0)), floor) + 1
    _set(component, "SEQUENCE", sequence)
    _set(component, "DTSTAMP", now.astimezone(UTC))
    _set(component, "LAST-MODIFIED", now.astimezone(UTC))
    return sequence


def _rsvp_again(component: Any, organizer: str | None) -> None:
    """After a change of time, attendees answer again (as Google and Outlook do)."""
    found = component.get("ATTENDEE")
    for attendee in found if isinstance(found, list) else [found] if found is not None else []:
        if organizer and str(attendee).lower() == f"mailto:{organizer}".lower():
            continue
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE"


def _find_override(calendar: Any, key: str, fallback: str) -> Any | None:
    for event in calendar.walk("VEVENT"):
        rid = event.get("RECURRENCE-ID")
        if rid is not None and recurrence_key(rid.dt, ZoneInfo(fallback)) == key:
            return event
    return None


def _original(master: Any, key: str, tz: ZoneInfo) -> date | datetime:
    if len(key) == 8:
        return date(int(key[:4]), int(key[4:6]), int(key[6:8]))
    moment = datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return moment.astimezone(tz)


def reschedule(text: str, start: datetime, end: datetime, now: datetime, zone: str,
               recurrence_id: str = "", organizer: str | None = None) -> str:
    """``text`` moved to [start, end): the whole event, or one occurrence of a series (an
    override with RECURRENCE-ID). SEQUENCE is bumped and attendees are asked again."""
    calendar = parse(text)
    master = _master(calendar)
    tz = _zone_of(master, zone)
    all_day = not isinstance(master.decoded("DTSTART"), datetime)
    if recurrence_id:
        target = _find_override(calendar, recurrence_id, zone)
        if target is None:
            import copy

            target = copy.deepcopy(master)
            for name in ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"):
                if name in target:
                    del target[name]
            target.subcomponents = [c for c in target.subcomponents]
            target.add("RECURRENCE-ID", _original(master, recurrence_id, tz))
            calendar.add_component(target)
        floor = int(master.get("SEQUENCE", 0))
    else:
        target, floor = master, 0
    if "DURATION" in target:
        del target["DURATION"]
    if all_day:
        _set(target, "DTSTART", start.astimezone(tz).date())
        _set(target, "DTEND", max(end.astimezone(tz).date(),
                                  start.astimezone(tz).date() + timedelta(days=1)))
    else:
        _set(target, "DTSTART", start.astimezone(tz))
        _set(target, "DTEND", end.astimezone(tz))
    _bump(target, now, floor)
    _rsvp_again(target, organizer)
    return _finish(calendar)


def cancel(text: str, now: datetime, zone: str, recurrence_id: str = "") -> str:
    """``text`` with the event (or one occurrence: an EXDATE) cancelled, SEQUENCE bumped."""
    calendar = parse(text)
    master = _master(calendar)
    if not recurrence_id:
        _set(master, "STATUS", "CANCELLED")
        for override in calendar.walk("VEVENT"):
            if override is not master:
                _set(override, "STATUS", "CANCELLED")
        _bump(master, now)
        return _finish(calendar)
    tz = _zone_of(master, zone)
    override = _find_override(calendar, recurrence_id, zone)
    if override is not None:
        calendar.subcomponents.remove(override)
    master.add("EXDATE", _original(master, recurrence_id, tz))
    _bump(master, now)
    return _finish(calendar)


def itip(text: str, method: str, now: datetime, zone: str, recurrence_id: str = "") -> str:
    """The iTIP message (METHOD REQUEST or CANCEL) an organizer sends for ``text``."""
    import copy

    calendar = parse(text)
    message = _calendar(method)
    master = _master(calendar)
    if method == "CANCEL" and recurrence_id:
        tz = _zone_of(master, zone)
        one = copy.deepcopy(master)
        for name in ("RRULE", "RDATE", "EXDATE"):
            if name in one:
                del one[name]
        _set(one, "RECURRENCE-ID", _original(master, recurrence_id, tz))
        _set(one, "STATUS", "CANCELLED")
        _set(one, "DTSTAMP", now.astimezone(UTC))
        message.add_component(one)
    else:
        for event in calendar.walk("VEVENT"):
            one = copy.deepcopy(event)
            _set(one, "DTSTAMP", now.astimezone(UTC))
            if method == "CANCEL":
                _set(one, "STATUS", "CANCELLED")
            message.add_component(one)
    return _finish(message)


def reply_answers(text: str) -> tuple[str, str, int, list[tuple[str, str]]]:
    """(UID, RECURRENCE-ID key, SEQUENCE, [(attendee, PARTSTAT)]) of an iTIP REPLY."""
    calendar = parse(text)
    if str(calendar.get("METHOD", "")).upper() != "REPLY":
        raise BadInput("the calendar message is not a REPLY")
    events = list(calendar.walk("VEVENT"))
    if not events:
        raise BadInput("the REPLY holds no event")
    event = events[0]
    rid = event.get("RECURRENCE-ID")
    key = recurrence_key(rid.dt, ZoneInfo("UTC")) if rid is not None else ""
    found = event.get("ATTENDEE")
    answers = []
    for attendee in found if isinstance(found, list) else [found] if found is not None else []:
        email = str(attendee)
        email = email[7:] if email.lower().startswith("mailto:") else email
        answers.append((email.strip().lower(),
                        str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper()))
    return str(event.get("UID", "")), key, int(event.get("SEQUENCE", 0)), answers


def set_partstat(text: str, email: str, partstat: str, zone: str, recurrence_id: str = "") \
        -> tuple[str, bool]:
    """``text`` with ``email``'s PARTSTAT set (on one override, or on every component);
    returns the text and whether the attendee was found."""
    calendar = parse(text)
    found = False
    for event in calendar.walk("VEVENT"):
        rid = event.get("RECURRENCE-ID")
        if recurrence_id and (rid is None or
                              recurrence_key(rid.dt, ZoneInfo(zone)) != recurrence_id):
            continue
        attendees = event.get("ATTENDEE")
        for attendee in attendees if isinstance(attendees, list) else \
                [attendees] if attendees is not None else []:
            if str(attendee).lower() == f"mailto:{email}".lower():
                attendee.params["PARTSTAT"] = partstat
                attendee.params.pop("RSVP", None)
                found = True
    return _finish(calendar), found
