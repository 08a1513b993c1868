"""Calendar and scheduling requests in words: days, parts of days, times, and the intents
calendar.agenda, calendar.free_at, calendar.free_time, calendar.move, calendar.cancel,
appointments.schedule and appointments.propose.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from righthand.conversation.understanding import Understanding

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
_WD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"
_TIME = (r"(?:noon|midday|midnight|\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'clock)?)")

_AGENDA = re.compile(r"\b(what'?s|what is|anything|show me|read me|how does|what do i have|"
                     r"what have i got)\b.*\b(calendar|schedule|agenda|diary|my day|my week|"
                     r"on\s*(?:today|tonight|tomorrow|tmrw|for\b|this|next|the\s+\d|\w+day|"
                     r"[?.!]*$)|look)|^\s*(agenda|calendar|schedule)\b", re.I)
_FREE_AT = re.compile(rf"^(?:am i|are we|is pat)\s+(?:free|available|busy)\b(?P<rest>.*?\bat\s+"
                      rf"{_TIME}.*)$", re.I)
_FREE_TIME = re.compile(r"^(?:when|what time)\s+(?:am i|are we)\s+(?:free|available)\b"
                        r"(?P<rest>.*)$|^(?:find|show)(?: me)? (?:some )?free time\b(?P<rest2>.*)$",
                        re.I)
_MOVE = re.compile(rf"^(?:please\s+)?(?:move|reschedule|push|shift)\s+(?P<what>.+?)\s+"
                   rf"(?:to|until|till)\s+(?P<to>(?:next\s+|this\s+)?(?:{_WD}|tomorrow|today|"
                   rf"the\s+\d|\d|{_TIME}|noon).*?)\s*[.!?]*$", re.I)
_CANCEL = re.compile(r"^(?:please\s+)?(?:cancel|call off|drop|delete)\s+(?P<what>.+?)\s*[.!?]*$",
                     re.I)
_SCHEDULE = re.compile(rf"^(?:please\s+)?(?:schedule|book|put in|arrange|set up|organi[sz]e)\s+"
                       rf"(?:an?\s+)?(?P<what>[\w' -]+?)\s+with\s+(?P<who>.+?)"
                       rf"(?P<when>\s+(?:on\s+|next\s+|this\s+|tomorrow|today|sometime|some time|"
                       rf"at\s+|in\s+|for\s+|{_WD}|the\s+\d).*?)?\s*[.!?]*$", re.I)


def day_in(text: str, today: date) -> tuple[date, int] | None:
    """The first day (and how many days) ``text`` names, relative to ``today``."""
    lowered = text.lower()
    if re.search(r"\bnext week\b", lowered):
        monday = today + timedelta(days=7 - today.weekday())
        return monday, 7
    if re.search(r"\b(this|the rest of the) week\b", lowered):
        return today, 7 - today.weekday()
    if re.search(r"\b(this|next) weekend\b", lowered):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if "next weekend" in lowered and saturday - today < timedelta(days=2):
            saturday += timedelta(days=7)
        return saturday, 2
    if "day after tomorrow" in lowered:
        return today + timedelta(days=2), 1
    if re.search(r"\btomorrow\b", lowered):
        return today + timedelta(days=1), 1
    if re.search(r"\byesterday\b", lowered):
        return today - timedelta(days=1), 1
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", lowered):
        return today, 1
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name[:3]}(?:{name[3:]})?\b", lowered):
            ahead = (index - today.weekday()) % 7
            if re.search(rf"\bnext\s+{name[:3]}", lowered) and ahead < 7 and \
                    index <= today.weekday():
                ahead = ahead or 7
            elif re.search(rf"\bnext\s+{name[:3]}", lowered):
                ahead += 7 if ahead <= 1 else 0
            return today + timedelta(days=ahead), 1
    found = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + "|".join(m[:3] for m in MONTHS)
                      + r")[a-z]*\b|\b(" + "|".join(m[:3] for m in MONTHS)
                      + r")[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?\b", lowered)
    if found:
        day = int(found.group(1) or found.group(4))
        month = [m[:3] for m in MONTHS].index(found.group(2) or found.group(3)) + 1
        for year in (today.year, today.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                return None
            if candidate >= today - timedelta(days=31):
                return candidate, 1
    found = re.search(r"\b(?:the\s+)(\d{1,2})(?:st|nd|rd|th)?\b|\b(\d{1,2})(?:st|nd|rd|th)\b",
                      lowered)
    if found:
        day = int(found.group(1) or found.group(2))
        first = today.replace(day=1)
        for _ in range(2):
            try:
                nth: date | None = first.replace(day=day)
            except ValueError:
                nth = None
            if nth is not None and nth >= today:
                return nth, 1
            first = (first + timedelta(days=32)).replace(day=1)
    return None


def time_in(text: str) -> str | None:
    """The first clock time in ``text`` as HH:MM; a bare 1-7 means the afternoon."""
    lowered = text.lower().replace("a.m.", "am").replace("p.m.", "pm")
    if re.search(r"\b(noon|midday|lunchtime)\b", lowered):
        return "12:00"
    for found in re.finditer(r"\b(?:(at|by|from|around|until|till)\s+)?(\d{1,2})(?::(\d{2}))?"
                             r"\s*(am|pm|o'clock)?(?![\d:])", lowered):
        prefix, hour, minute, suffix = (found.group(1), int(found.group(2)), found.group(3),
                                        found.group(4))
        if lowered[found.end():found.end() + 2] in {"st", "nd", "rd", "th"}:
            continue
        if not (prefix or suffix or minute) or hour > 23:
            continue
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        elif suffix in (None, "o'clock") and 1 <= hour <= 7:
            hour += 12
        return f"{hour:02d}:{int(minute or 0):02d}"
    return None


def part_in(text: str) -> str | None:
    """morning, afternoon or evening."""
    found = re.search(r"\b(morning|afternoon|evening|tonight)\b", text.lower())
    if not found:
        return None
    return "evening" if found.group(1) == "tonight" else found.group(1)


def _when(text: str, today: date) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    found = day_in(text, today)
    if found:
        slots["date"], slots["days"] = found[0].isoformat(), found[1]
    clock = time_in(text)
    if clock:
        slots["time"] = clock
    part = part_in(text)
    if part:
        slots["part"] = part
    minutes = re.search(r"\bfor\s+(an?|one|two|\d+)\s*(hours?|hrs?|minutes?|mins?)\b",
                        text.lower())
    if minutes:
        amount = {"a": 1, "an": 1, "one": 1, "two": 2}.get(minutes.group(1))
        value = amount if amount is not None else int(minutes.group(1))
        slots["minutes"] = value * 60 if minutes.group(2).startswith("h") else value
    elif re.search(r"\bhalf an hour\b", text.lower()):
        slots["minutes"] = 30
    return slots


_CHOOSE = re.compile(r"^(?:please\s+)?book\s+(?:option|slot|choice|time)\s*(?:#|number\s+)?"
                     r"(?P<option>\d)\s+(?:for|of|from)\s+(?:request\s*#?\s*)(?P<request>\d+)"
                     r"\s*[.!?]*$", re.I)


def understand(text: str, today: date) -> Understanding | None:
    """A calendar or scheduling intent, or None."""
    match = _CHOOSE.match(text)
    if match:
        return Understanding("appointments.choose", {"option": int(match.group("option")),
                                                     "request": int(match.group("request"))},
                             0.9)
    match = _FREE_AT.match(text)
    if match:
        slots = _when(match.group("rest"), today)
        slots.setdefault("date", today.isoformat())
        return Understanding("calendar.free_at", slots, 0.85)
    match = _FREE_TIME.match(text)
    if match:
        slots = _when(match.group("rest") or match.group("rest2") or "", today)
        slots.setdefault("date", today.isoformat())
        slots.setdefault("days", 1)
        return Understanding("calendar.free_time", slots, 0.85)
    match = _SCHEDULE.match(text)
    if match:
        when = match.group("when") or ""
        slots = {"what": match.group("what").strip(), "who": match.group("who").strip(),
                 **_when(when, today)}
        vague = "time" not in slots or re.search(r"\b(sometime|some time|a time)\b", when, re.I)
        return Understanding("appointments.propose" if vague else "appointments.schedule",
                             slots, 0.85)
    match = _MOVE.match(text)
    if match:
        what = match.group("what")
        slots = {"what": what.strip(), **{f"to_{k}": v
                                          for k, v in _when(match.group("to"), today).items()}}
        old = _when(what, today)
        slots.update({f"from_{k}": v for k, v in old.items() if k in {"date", "time"}})
        return Understanding("calendar.move", slots, 0.85)
    match = _CANCEL.match(text)
    if match and not re.search(r"\b(order|subscription|mailing|newsletter|list|a line)\b", text,
                               re.I):
        what = match.group("what")
        slots = {"what": what.strip(), **{f"from_{k}": v for k, v in _when(what, today).items()
                                          if k in {"date", "time"}}}
        return Understanding("calendar.cancel", slots, 0.8)
    if _AGENDA.search(text):
        slots = _when(text, today)
        slots.setdefault("date", today.isoformat())
        slots.setdefault("days", 1)
        slots.pop("time", None)
        return Understanding("calendar.agenda", slots, 0.9)
    return None
