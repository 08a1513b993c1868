"""A fast reader for the plain single events that make up most calendars.

Parsing every resource with ``icalendar`` costs about half a millisecond each, most of it in
VTIMEZONE blocks; importing ten thousand events would take seconds. This reader handles only
the simple case -- one VEVENT, no recurrence, IANA or UTC or floating or date values, DTEND or
no end -- and answers ``None`` for anything else, which then goes through ``icalendar``. A unit
test holds it to the same answers as the ``icalendar`` path.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_UNFOLD = re.compile(r"\r?\n[ \t]")
_NOT_SIMPLE = frozenset({"RRULE", "RDATE", "EXRULE", "RECURRENCE-ID", "DURATION"})
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when it is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def unescape(value: str) -> str:
    """RFC 5545 TEXT unescaping."""
    if "\\" not in value:
        return value
    out = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def split_line(line: str) -> tuple[str, dict[str, str], str]:
    """NAME;PARAM=V;PARAM="V":VALUE as (NAME, params, value), quotes respected."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head, value = line[:index], line[index + 1:]
            break
    else:
        return line.upper(), {}, ""
    name, *raw = head.split(";")
    params: dict[str, str] = {}
    for item in raw:
        key, _, val = item.partition("=")
        params[key.upper()] = val.strip('"')
    return name.upper(), params, value


def moment(value: str, params: dict[str, str], floating: ZoneInfo) -> tuple[datetime, bool] | None:
    """A DATE or DATE-TIME value as (aware datetime, is_date); None when it cannot be read
    here (an unknown TZID is icalendar's business)."""
    found = _DATE.match(value)
    if found and params.get("VALUE", "DATE") == "DATE":
        day = date(int(found[1]), int(found[2]), int(found[3]))
        return datetime(day.year, day.month, day.day, tzinfo=floating), True
    found = _DATETIME.match(value)
    if not found:
        return None
    y, mo, d, h, mi, s = (int(found[i]) for i in range(1, 7))
    if found[7]:
        return datetime(y, mo, d, h, mi, s, tzinfo=UTC), False
    tzid = params.get("TZID")
    tz = zone(tzid) if tzid else floating
    if tz is None:
        return None
    return datetime(y, mo, d, h, mi, s, tzinfo=tz), False


def people(params: dict[str, str], value: str) -> dict[str, Any]:
    """An ORGANIZER or ATTENDEE as a dict."""
    email = value[7:] if value.lower().startswith("mailto:") else value
    return {"email": email.strip().lower(), "name": params.get("CN", ""),
            "partstat": params.get("PARTSTAT", "NEEDS-ACTION").upper(),
            "role": params.get("ROLE", "REQ-PARTICIPANT").upper(),
            "rsvp": params.get("RSVP", "FALSE").upper() == "TRUE"}


def quick_read(text: str, floating: ZoneInfo) -> dict[str, Any] | None:
    """The fields of a simple single event, or None when the resource is not that simple."""
    first = text.find("BEGIN:VEVENT")
    if first < 0 or text.find("BEGIN:VEVENT", first + 12) >= 0:
        return None  # no event, or several (a series with overrides): icalendar's business
    last = text.find("END:VEVENT", first)
    if last < 0:
        return None
    lines = _UNFOLD.sub("", text[first:last + 10]).splitlines()
    depth: list[str] = ["VCALENDAR"]
    fields: dict[str, Any] = {"attendees": []}
    events = 0
    for line in lines:
        if line.startswith("BEGIN:"):
            depth.append(line[6:].strip().upper())
            if depth[-1] == "VEVENT":
                events += 1
            continue
        if line.startswith("END:"):
            if depth:
                depth.pop()
            continue
        if not depth or depth[-1] != "VEVENT" or len(depth) != 2:
            continue  # VTIMEZONE, VALARM: not needed to place the event
        name, params, value = split_line(line)
        if name in _NOT_SIMPLE:
            return None
        if name in {"DTSTART", "DTEND"}:
            read = moment(value, params, floating)
            if read is None:
                return None
            fields[name] = read
            if name == "DTSTART":
                fields["TZID"] = params.get("TZID")
        elif name in {"UID", "STATUS", "TRANSP"}:
            fields[name] = value.strip()
        elif name in {"SUMMARY", "LOCATION", "DESCRIPTION"}:
            fields[name] = unescape(value)
        elif name == "SEQUENCE":
            fields[name] = int(value or 0) if value.strip().isdigit() else 0
        elif name == "ORGANIZER":
            fields[name] = people(params, value)["email"]
        elif name == "ATTENDEE":
            fields["attendees"].append(people(params, value))
    if events != 1 or "DTSTART" not in fields or "UID" not in fields:
        return None
    start, is_date = fields["DTSTART"]
    if "DTEND" in fields:
        end, end_is_date = fields["DTEND"]
        if end_is_date != is_date:
            return None
    else:  # RFC 5545 3.6.1: a date lasts one day, a date-time no time at all
        end = start + timedelta(days=1) if is_date else start
    if is_date:
        end = _wall_days(start, end, floating)
    fields["start"], fields["end"], fields["all_day"] = start, end, is_date
    return fields


def _wall_days(start: datetime, end: datetime, tz: ZoneInfo) -> datetime:
    # Date arithmetic on the calendar, not on elapsed time (a day may have 23 or 25 hours).
    days = (end.date() - start.date()).days
    last = start.date() + timedelta(days=max(days, 1))
    return datetime(last.year, last.month, last.day, tzinfo=tz)
