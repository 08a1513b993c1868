"""Slots in the public contract (``date``, ``start``/``end``, ``contact``, ``deal``, ``item``,
``quantity``, ``unit``, ``list``, ``message``, ``subject``), filled from the rules' own slots or
found in the text when the classifier chose the intent."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from righthand.conversation import calendar_words

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_STOP = {"I", "Jane", "Please", "Can", "Could", "Would", "Will", "The", "A", "An", "My", "Our",
         "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Email",
         "E-mail", "Send", "Tell", "Set", "Book", "Schedule", "Put", "Add", "Remind", "Ok",
         "Hi", "Hey", "Is", "Did", "Has", "Have", "What", "Who", "Where", "When", "How", "Do",
         "Mark", "Drop", "Take", "Remove", "Make", "Get", "Find", "Give", "Show", "Let", "Reply",
         "Write", "Message", "Shoot", "Any", "Confirm", "Ring", "Call", "Text", "Ask", "Check",
         "December", "November", "January", "Pencil", "Line", "Arrange", "Organise", "Organize",
         "Unsubscribe", "Subscribe", "Sign", "Store", "Save", "Create", "New", "Look", "Move"}
_WITH = re.compile(r"\b(?:with|w/|see|meet)\s+(?P<who>(?:the\s+|dr\.?\s+|mrs?\.?\s+|ms\.?\s+)?"
                   r"[A-Za-z][\w'-]*(?:\s+(?:and\s+)?[A-Z][\w'-]*)*)", re.I)
_NOT_WHO = {"me", "you", "us", "them", "him", "her", "it", "everyone", "someone", "a", "an"}


def zone_datetime(day: date, clock: str | None, tz: str) -> datetime:
    """``day`` at ``clock`` (HH:MM, midnight when None) in zone ``tz``."""
    hours, minutes = (int(part) for part in (clock or "00:00").split(":"))
    return datetime.combine(day, time(hours, minutes), ZoneInfo(tz))


def when(text: str, today: date) -> dict[str, Any]:
    """date, days, time, part and minutes named in ``text``."""
    return calendar_words._when(text, today)


def names(text: str) -> str | None:
    """The first run of capitalised words that is not a command or a day ("Amy Chen")."""
    for found in re.finditer(r"\b(?:(?:Dr|Mrs|Mr|Ms)\.?\s+)?[A-Z][a-z'\u2019-]+(?:\s+[A-Z][a-z'"
                             r"\u2019-]+)*", text):
        words = found.group(0).split()
        while words and words[0] in _STOP:
            words = words[1:]
        if words:
            return " ".join(words).removesuffix("'s").removesuffix("\u2019s")
    return None


def who(text: str) -> str | None:
    """The person or company in "with X", else the first name-like words."""
    found = _WITH.search(text)
    if found:
        words = found.group("who").split()
        kept: list[str] = []
        for index, word in enumerate(words):
            if index and (word[0].islower() and word.lower() not in {"and"}):
                break
            if word.lower() in {"on", "at", "for", "next", "this", "tomorrow", "today"}:
                break
            kept.append(word)
        candidate = " ".join(kept).strip()
        if candidate and candidate.lower() not in _NOT_WHO:
            return candidate
    email = _EMAIL.search(text)
    if email:
        return email.group(0).lower()
    return names(text)


def contract(intent: str, slots: dict[str, Any], text: str, today: date,
             tz: str) -> dict[str, Any]:
    """``slots`` plus the public contract's names (nothing the duties read is removed)."""
    out = dict(slots)
    day = out.get("date") or out.get("to_date") or out.get("from_date")
    clock = out.get("time") or out.get("to_time") or out.get("from_time")
    if day:
        out["date"] = day
        parsed = date.fromisoformat(day)
        if clock:
            start = zone_datetime(parsed, clock, tz)
            out["start"] = start.isoformat()
            if out.get("minutes"):
                out["end"] = (start + timedelta(minutes=int(out["minutes"]))).isoformat()
        elif int(out.get("days", 1) or 1) > 1:
            out["start"] = zone_datetime(parsed, None, tz).isoformat()
            out["end"] = zone_datetime(parsed + timedelta(days=int(out["days"])), None,
                                       tz).isoformat()
    if "who" in out and "contact" not in out:
        out["contact"] = out["who"]
    if intent == "email.send" and "message" in out:
        out["message"] = re.sub(r"^(?:that|to say|saying)\s+", "", str(out["message"]), flags=re.I)
    if "list" in out and isinstance(out["list"], str):
        out["list"] = re.sub(r"^(?:the|my|our)\s+|\s+(?:mailing\s+)?list$", "", out["list"],
                             flags=re.I).strip()
    return out
