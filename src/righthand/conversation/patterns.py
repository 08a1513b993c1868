"""A small pattern-based understander: enough for the spine's first slice.

It recognises a handful of phrasings per intent; the full engine (issue 7) replaces it behind
the same :class:`~righthand.conversation.understanding.Understander` interface.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from righthand.conversation.understanding import Understanding

_EMAIL = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_SUBSCRIBE = re.compile(
    rf"^(?:please\s+)?(?:add|put|subscribe|sign up)\s+(?P<name>[^,<]+?)?\s*[,(<]?\s*"
    rf"(?P<email>{_EMAIL})?\s*[)>]?\s*,?\s+(?:to|on)\s+(?:the\s+|my\s+|our\s+)?"
    rf"(?P<list>[\w\s'-]+?)(?:\s+(?:mailing\s+)?list)?\s*[.!]?$", re.I)
_AGENDA = re.compile(
    r"\b(what'?s|what is|anything|show me|read me|how does|what do i have)\b.*"
    r"\b(calendar|schedule|agenda|diary|on today|on tomorrow|my day)\b|"
    r"^\s*(agenda|calendar|schedule)\b", re.I)
_EMAIL_SEND = re.compile(
    r"^(?:please\s+)?(?:e-?mail|write to|send an? (?:e-?mail|note) to)\s+(?P<who>[\w.@' -]+?)"
    r"\s+(?P<message>(?:that|to say|saying)\b.*)$", re.I)
_APPROVALS = re.compile(r"\b(approv\w*|waiting for me|pending)\b", re.I)
_PHASE = re.compile(r"\b(phase|what can you do|your duties|job description)\b", re.I)
_HELP = re.compile(r"^\s*(help|\?|what do you do)\s*[?!.]*$", re.I)
_SMALLTALK = re.compile(r"^\s*(hi|hello|hey|thanks|thank you|good (morning|afternoon|evening))"
                        r"\b[\s\w,!.]*$", re.I)


def _strip_name(text: str, assistant: str) -> str:
    cleaned = re.sub(rf"^\s*(hey|hi|ok|okay)?\s*,?\s*{re.escape(assistant)}\s*[,:]?\s*", "",
                     text.strip(), flags=re.I)
    return re.sub(rf"\s*,?\s*{re.escape(assistant)}\s*([?.!]*)\s*$", r"\1", cleaned, flags=re.I)


def _day(text: str, today: date) -> date | None:
    lowered = text.lower()
    if "day after tomorrow" in lowered:
        return today + timedelta(days=2)
    if "tomorrow" in lowered:
        return today + timedelta(days=1)
    if "yesterday" in lowered:
        return today - timedelta(days=1)
    if "today" in lowered or "tonight" in lowered:
        return today
    for index, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b{name}\b", lowered):
            ahead = (index - today.weekday()) % 7
            if "next" in lowered and ahead == 0:
                ahead = 7
            return today + timedelta(days=ahead)
    match = re.search(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b", lowered)
    if match:
        day = int(match.group(1))
        candidate = today.replace(day=1)
        for _ in range(2):
            try:
                found = candidate.replace(day=day)
            except ValueError:
                found = None
            if found is not None and found >= today:
                return found
            candidate = (candidate + timedelta(days=32)).replace(day=1)
    return None


class PatternUnderstander:
    """Regular expressions for the first slice's sentences; out_of_scope for the rest."""

    def understand(self, text: str, now: datetime, tz: str,
                   assistant_name: str = "Jane") -> Understanding:
        """Classify ``text`` and fill its slots."""
        cleaned = _strip_name(text, assistant_name)
        today = now.astimezone(ZoneInfo(tz)).date()
        match = _SUBSCRIBE.match(cleaned)
        if match and (match.group("email") or match.group("name")):
            slots = {"list": match.group("list").strip()}
            if match.group("name"):
                slots["contact"] = match.group("name").strip().strip(",")
            if match.group("email"):
                slots["email"] = match.group("email").lower()
            return Understanding("lists.subscribe", slots, 0.9)
        match = _EMAIL_SEND.match(cleaned)
        if match:
            return Understanding("email.send", {"contact": match.group("who").strip(),
                                                "message": match.group("message").strip()}, 0.85)
        if _AGENDA.search(cleaned):
            day = _day(cleaned, today) or today
            return Understanding("calendar.agenda", {"date": day.isoformat()}, 0.9)
        if _APPROVALS.search(cleaned):
            return Understanding("assistant.approvals", {}, 0.8)
        if _PHASE.search(cleaned):
            return Understanding("assistant.phase", {}, 0.8)
        if _HELP.match(cleaned):
            return Understanding("assistant.help", {}, 0.9)
        if _SMALLTALK.match(cleaned):
            return Understanding("smalltalk", {}, 0.7)
        return Understanding("out_of_scope", {}, 0.4)
