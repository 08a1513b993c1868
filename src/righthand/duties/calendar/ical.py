"""iCalendar (RFC 5545) resources: reading them and expanding their recurrences.

A *resource* is what one calendar object on a CalDAV server holds: one UID, its master VEVENT
and any RECURRENCE-ID overrides, and the VTIMEZONEs they use. Recurrences are expanded with
``recurring-ical-events`` (RRULE, RDATE, EXDATE, overrides). Times come out as aware UTC
datetimes; all-day dates and floating times are placed in the reader's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from righthand.domain.storable import storable
from righthand.duties.calendar.fastics import people, quick_read, zone
from righthand.errors import BadInput

_VTIMEZONE = re.compile(r"BEGIN:VTIMEZONE\r?\n.*?END:VTIMEZONE\r?\n", re.S)
_TZID = re.compile(r"^TZID:(.+?)\r?$", re.M)
LONG = timedelta(days=7)  # occurrences longer than this are found by a second index probe


@dataclass(frozen=True)
class Instance:
    """One occurrence, in UTC."""

    start: datetime
    end: datetime
    all_day: bool
    summary: str
    location: str | None
    status: str
    transparent: bool
    declined: bool
    recurrence_id: str = ""


@dataclass
class Resource:
    """What the calendar needs to know of a resource (its master or only event)."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    all_day: bool
    timezone: str | None
    status: str = "CONFIRMED"
    transparent: bool = False
    sequence: int = 0
    location: str | None = None
    description: str | None = None
    organizer: str | None = None
    attendees: list[dict[str, Any]] = field(default_factory=list)
    recurring: bool = False
    last_end: datetime | None = None  # None: recurs for ever
    text: str = ""
    parsed: Any = field(default=None, repr=False)  # the icalendar object, when one was made

    def declined_by(self, me: frozenset[str]) -> bool:
        """True when one of the client's addresses declined."""
        return any(a["email"] in me and a["partstat"] == "DECLINED" for a in self.attendees)

    def single(self, me: frozenset[str]) -> Instance:
        """The only occurrence of a non-recurring event."""
        return Instance(self.start, self.end, self.all_day, self.summary, self.location,
                        self.status, self.transparent, self.declined_by(me))


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def to_instant(value: date | datetime, floating: tzinfo) -> tuple[datetime, bool]:
    """A DTSTART-like value as (aware UTC datetime, is_date)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=floating)
        return _utc(aware), False
    return _utc(datetime(value.year, value.month, value.day, tzinfo=floating)), True


def strip_known_zones(text: str) -> str:
    """Drop VTIMEZONE blocks whose TZID is an IANA zone: zoneinfo knows them better and faster.
    Blocks for other names (Windows names, custom zones) stay for icalendar to read."""
    def keep(block: re.Match[str]) -> str:
        tzid = _TZID.search(block.group(0))
        return "" if tzid and zone(tzid.group(1).strip()) is not None else block.group(0)
    return _VTIMEZONE.sub(keep, text)


def parse(text: str) -> Any:
    """The icalendar Calendar of ``text``; BadInput when it is not iCalendar."""
    import icalendar

    try:
        return icalendar.Calendar.from_ical(strip_known_zones(storable(text)))
    except Exception as exc:  # the parser's errors on broken input are of many kinds
        raise BadInput(f"not a valid iCalendar object: {exc}",
                       hint="Check that the file is an .ics export of a calendar.") from exc


def _unreadable(exc: Exception) -> BadInput:
    # icalendar and recurring-ical-events raise many kinds of errors on broken values (a
    # DTSTART that is not a date, a DURATION that is not one): one documented error instead.
    return BadInput(f"an event cannot be read: {type(exc).__name__}: {str(exc)[:200]}",
                    hint="Check that the file is an .ics export of a calendar.")


def read(text: str, floating: ZoneInfo) -> Resource | None:
    """The resource in ``text`` (None when it holds no event, e.g. only a VTODO); BadInput
    when it cannot be read."""
    try:
        return _read(storable(text), floating)
    except BadInput:
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc


def _read(text: str, floating: ZoneInfo) -> Resource | None:
    quick = quick_read(text, floating)
    if quick is not None:
        start, end = quick["start"], quick["end"]
        return Resource(uid=quick["UID"], summary=quick.get("SUMMARY", ""),
                        start=_utc(start), end=_utc(end), all_day=quick["all_day"],
                        timezone=quick.get("TZID"),
                        status=quick.get("STATUS", "CONFIRMED").upper() or "CONFIRMED",
                        transparent=quick.get("TRANSP", "").upper() == "TRANSPARENT",
                        sequence=quick.get("SEQUENCE", 0), location=quick.get("LOCATION"),
                        description=quick.get("DESCRIPTION"), organizer=quick.get("ORGANIZER"),
                        attendees=quick["attendees"], last_end=_utc(end), text=text)
    return read_full(parse(text), text, floating)


def _master(calendar: Any) -> Any | None:
    events = [c for c in calendar.walk("VEVENT")]
    if not events:
        return None
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    return masters[0] if masters else events[0]


def _text(component: Any, name: str) -> str | None:
    value = component.get(name)
    return None if value is None else str(value)


def _people(component: Any) -> list[dict[str, Any]]:
    found = component.get("ATTENDEE")
    if found is None:
        return []
    items = found if isinstance(found, list) else [found]
    return [people({k.upper(): str(v) for k, v in item.params.items()}, str(item))
            for item in items]


def _span(component: Any, floating: tzinfo) -> tuple[datetime, datetime, bool]:
    start, is_date = to_instant(component.decoded("DTSTART"), floating)
    if "DTEND" in component:
        end, _ = to_instant(component.decoded("DTEND"), floating)
    elif "DURATION" in component:
        raw = component.decoded("DTSTART")
        finish = raw + component.decoded("DURATION")
        end, _ = to_instant(finish, floating)
    else:
        end = start + timedelta(days=1) if is_date else start
    return start, max(end, start), is_date


def read_full(calendar: Any, text: str, floating: ZoneInfo) -> Resource | None:
    """Like :func:`read`, through icalendar (recurring events, unknown zones, DURATION...)."""
    master = _master(calendar)
    if master is None or "DTSTART" not in master:
        return None
    start, end, all_day = _span(master, floating)
    raw = master.get("DTSTART")
    tzid = raw.params.get("TZID") if raw is not None else None
    organizer = master.get("ORGANIZER")
    recurring = any(name in master for name in ("RRULE", "RDATE"))
    resource = Resource(
        uid=str(master.get("UID", "")), summary=_text(master, "SUMMARY") or "",
        start=start, end=end, all_day=all_day, timezone=str(tzid) if tzid else None,
        status=str(master.get("STATUS", "CONFIRMED")).upper(),
        transparent=str(master.get("TRANSP", "")).upper() == "TRANSPARENT",
        sequence=int(master.get("SEQUENCE", 0)), location=_text(master, "LOCATION"),
        description=_text(master, "DESCRIPTION"),
        organizer=people({}, str(organizer))["email"] if organizer is not None else None,
        attendees=_people(master), recurring=recurring, last_end=end, text=text,
        parsed=calendar)
    if recurring:
        resource.last_end = _last_end(calendar, master, floating, end - start)
    return resource


def _last_end(calendar: Any, master: Any, floating: tzinfo,
              length: timedelta) -> datetime | None:
    """The end of the last occurrence, or None for a series without end."""
    from dateutil.rrule import rrulestr

    ends: list[datetime] = []
    rules = master.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        if "UNTIL" not in rule and "COUNT" not in rule:
            return None
        dtstart = master.decoded("DTSTART")
        if "UNTIL" in rule:  # an upper bound is enough to find the series by range
            until = rule["UNTIL"][0]
            ends.append(to_instant(until, floating)[0] + length + timedelta(days=1))
            continue
        series = rrulestr(rule.to_ical().decode(), dtstart=dtstart if isinstance(
            dtstart, datetime) else datetime(dtstart.year, dtstart.month, dtstart.day),
            ignoretz=False)
        last = series[-1] if series.count() else None
        if last is not None:
            ends.append(to_instant(last if isinstance(dtstart, datetime) else last.date(),
                                   floating)[0] + length)
    rdates = master.get("RDATE")
    for group in rdates if isinstance(rdates, list) else [rdates] if rdates else []:
        for item in group.dts:
            value = item.dt[0] if isinstance(item.dt, tuple) else item.dt
            ends.append(to_instant(value, floating)[0] + length)
    for override in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" in override:
            ends.append(_span(override, floating)[1])
    ends.append(to_instant(master.decoded("DTSTART"), floating)[0] + length)
    return max(ends)


def instances(text: str, start: datetime, end: datetime, floating: ZoneInfo,
              me: frozenset[str], calendar: Any = None) -> list[Instance]:
    """Every occurrence overlapping [start, end), overrides and exclusions applied; BadInput
    when the resource cannot be read."""
    try:
        return _instances(text, start, end, floating, me, calendar)
    except BadInput:
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc


def _instances(text: str, start: datetime, end: datetime, floating: ZoneInfo,
               me: frozenset[str], calendar: Any = None) -> list[Instance]:
    import recurring_ical_events

    parsed = calendar if calendar is not None else parse(text)
    _refuse_floods(parsed)
    pad = timedelta(days=2)  # floating and all-day occurrences depend on the reader's zone
    found: list[Instance] = []
    for component in recurring_ical_events.of(parsed).between(start - pad, end + pad):
        begin, finish, all_day = _span(component, floating)
        if not (begin < end and (finish > start or (finish == begin and start <= begin))):
            continue
        rid = component.get("RECURRENCE-ID")
        rid_key = recurrence_key(rid.dt, floating) if rid is not None else ""
        attendees = _people(component)
        found.append(Instance(
            begin, finish, all_day, _text(component, "SUMMARY") or "",
            _text(component, "LOCATION"), str(component.get("STATUS", "CONFIRMED")).upper(),
            str(component.get("TRANSP", "")).upper() == "TRANSPARENT",
            any(a["email"] in me and a["partstat"] == "DECLINED" for a in attendees), rid_key))
    return sorted(found, key=lambda i: (i.start, i.summary))


# A rule repeating every second or minute expands to millions of occurrences a month: a hostile
# invitation or subscription could stall the worker. No office appointment repeats that often,
# so such rules (and BYSECOND, or more than 12 BYMINUTE values) are refused as unreadable.
FLOOD_FREQUENCIES = frozenset({"SECONDLY", "MINUTELY"})


def _refuse_floods(parsed: Any) -> None:
    for component in parsed.walk("VEVENT"):
        rules = component.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
            frequencies = {str(f).upper() for f in rule.get("FREQ", [])}
            if rule.get("BYSECOND") or len(rule.get("BYMINUTE", [])) > 12:
                frequencies |= {"SECONDLY" if rule.get("BYSECOND") else "MINUTELY"}
            if frequencies & FLOOD_FREQUENCIES:
                raise BadInput(
                    f"the event {str(component.get('SUMMARY', ''))[:60]!r} repeats every "
                    f"{'second' if 'SECONDLY' in frequencies else 'minute'}",
                    hint="Righthand reads events that repeat at most hourly; ask the sender to "
                         "fix the invitation, or remove the event from the calendar.")


def recurrence_key(value: date | datetime, floating: tzinfo) -> str:
    """How an occurrence is named: its original start, UTC (or the date, for all-day)."""
    if isinstance(value, datetime):
        return to_instant(value, floating)[0].strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def split(text: str) -> list[str]:
    """A calendar file with many events as one VCALENDAR text per UID (with its zones)."""
    import icalendar

    calendar = parse(text)
    zones = {str(tz.get("TZID")): tz for tz in calendar.walk("VTIMEZONE")}
    by_uid: dict[str, list[Any]] = {}
    for event in calendar.walk("VEVENT"):
        by_uid.setdefault(str(event.get("UID", "")), []).append(event)
    out: list[str] = []
    for uid, events in by_uid.items():
        if not uid:
            continue
        single = icalendar.Calendar()
        single.add("VERSION", "2.0")
        single.add("PRODID", "-//Righthand//Calendar//EN")
        used = {str(p.params.get("TZID")) for e in events for p in _dated(e)
                if p.params.get("TZID")}
        for tzid in sorted(used & zones.keys()):
            single.add_component(zones[tzid])
        for event in events:
            single.add_component(event)
        out.append(single.to_ical().decode())
    return out


def _dated(event: Any) -> list[Any]:
    found = []
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
        value = event.get(name)
        found.extend(value if isinstance(value, list) else [value] if value is not None else [])
    return found
