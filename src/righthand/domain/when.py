"""Dates and times in words ("on Friday", "tomorrow at 3pm", "by the 15th", "end of the week"),
read relative to a given day. Pure: today is passed in, nothing reads a clock.

Used by reminders ("Remind me to call Bob on Friday"), promise detection in sent mail ("I'll send
the proposal tomorrow") and the understander. Phrases point forward: a bare weekday that is
today means a week from today, a day of the month that has passed means next month's.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, time, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3}
_PARTS = {"morning": time(9, 0), "afternoon": time(14, 0), "evening": time(18, 0),
          "night": time(19, 0), "tonight": time(19, 0)}
# Full names (and the unambiguous short forms): "sat" or "sun" alone are ordinary words.
_DAY_ABBR = r"monday|tues(?:day)?|wed(?:nes)?s?day|weds|thurs(?:day)?|friday|saturday|sunday"
_MONTH_ABBR = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|" \
              r"aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_NUM = r"\d{1,3}|a couple of|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten"


@dataclass(frozen=True)
class When:
    """A day (and maybe a time of day) found in a text, and where the words were."""

    day: date
    time: time | None = None
    spans: tuple[tuple[int, int], ...] = field(default=())

    def strip_from(self, text: str) -> str:
        """``text`` without the words that said when (and the 'on'/'by' before them)."""
        out = text
        for start, end in sorted(self.spans, reverse=True):
            lead = re.search(r"\b(?:on|by|at|before|until|for)\s+$", out[:start], re.I)
            out = out[:lead.start() if lead else start] + " " + out[end:]
        return re.sub(r"\s{2,}", " ", out).strip(" ,")


_P = re.I
_DAY_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b", _P), "after_tomorrow"),
    (re.compile(r"\btomorrow(?:\s+(morning|afternoon|evening|night))?\b", _P), "tomorrow"),
    (re.compile(r"\b(?:later\s+)?today\b|\btonight\b|\bthis\s+(morning|afternoon|evening)\b",
                _P), "today"),
    (re.compile(r"\b(?:by\s+)?(?:the\s+)?(?:end\s+of\s+(?:the\s+)?day|eod|close\s+of\s+"
                r"business|cob)\b", _P), "eod"),
    (re.compile(r"\b(?:by\s+)?(?:the\s+)?(?:end\s+of\s+(?:the|this)\s+week|end\s+of\s+week|"
                r"eow)\b", _P), "eow"),
    (re.compile(r"\b(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the|this)\s+month\b", _P), "eom"),
    (re.compile(r"\bnext\s+week\b", _P), "next_week"),
    (re.compile(r"\bthis\s+week\b", _P), "this_week"),
    (re.compile(r"\bnext\s+month\b", _P), "next_month"),
    (re.compile(rf"\bin\s+({_NUM})\s+(day|days|week|weeks|month|months|hour|hours)\b", _P),
     "in"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "iso"),
    (re.compile(rf"\b(?:on\s+)?(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
                rf"({_MONTH_ABBR})\b\.?", _P), "day_month"),
    (re.compile(rf"\b({_MONTH_ABBR})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", _P), "month_day"),
    (re.compile(rf"\b(?:(next|this|coming)\s+)?({_DAY_ABBR})\b(?:\s+(morning|afternoon|"
                rf"evening|night))?", _P), "weekday"),
    (re.compile(r"\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b", _P), "ordinal"),
]
_TIME = re.compile(
    r"\b(?:at\s+|by\s+|around\s+|before\s+)?(?:(noon|midday|midnight)|(\d{1,2})(?::(\d{2}))?"
    r"\s*([ap])\.?m\.?|(?:at|by|around|before)\s+(\d{1,2}):(\d{2}))\b|\bfirst\s+thing\b", _P)


def _number(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _NUMBERS.get(word, 1)


def _month(word: str) -> int:
    word = word.lower().rstrip(".")
    return next(i for i, name in enumerate(MONTHS, 1) if name.startswith(word[:3]))


def _weekday(word: str) -> int:
    return next(i for i, name in enumerate(WEEKDAYS) if name.startswith(word.lower()[:3]))


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_of(kind: str, match: re.Match[str], today: date) -> tuple[date, time | None] | None:
    if kind == "after_tomorrow":
        return today + timedelta(days=2), None
    if kind == "tomorrow":
        return today + timedelta(days=1), _PARTS.get((match.group(1) or "").lower())
    if kind == "today":
        word = match.group(0).lower()
        part = "tonight" if "tonight" in word else (match.group(1) or "").lower()
        return today, _PARTS.get(part)
    if kind == "eod":
        return today, time(17, 0)
    if kind in {"eow", "this_week"}:
        return today + timedelta(days=max(0, 4 - today.weekday())), None
    if kind == "eom":
        return today.replace(day=monthrange(today.year, today.month)[1]), None
    if kind == "next_week":
        return today + timedelta(days=7 - today.weekday()), None
    if kind == "next_month":
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first, None
    if kind == "in":
        count, unit = _number(match.group(1)), match.group(2).lower()
        if unit.startswith("hour"):
            return today, None  # the caller adds hours to 'now'; a day-level answer is today
        days = count * (7 if unit.startswith("week") else 30 if unit.startswith("month") else 1)
        return today + timedelta(days=days), None
    if kind == "iso":
        found = _safe(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return (found, None) if found else None
    if kind in {"day_month", "month_day"}:
        day_text, month_text = ((match.group(1), match.group(2)) if kind == "day_month"
                                else (match.group(2), match.group(1)))
        month, day = _month(month_text), int(day_text)
        found = _safe(today.year, month, day)
        if found is not None and found < today:
            found = _safe(today.year + 1, month, day)
        return (found, None) if found else None
    if kind == "weekday":
        target = _weekday(match.group(2))
        ahead = (target - today.weekday()) % 7
        qualifier = (match.group(1) or "").lower()
        if ahead == 0 and qualifier != "this":
            ahead = 7
        return today + timedelta(days=ahead), _PARTS.get((match.group(3) or "").lower())
    if kind == "ordinal":
        day = int(match.group(1))
        candidate = today.replace(day=1)
        for _ in range(3):
            found = _safe(candidate.year, candidate.month, day)
            if found is not None and found >= today:
                return found, None
            candidate = (candidate + timedelta(days=32)).replace(day=1)
    return None


def _time_of(match: re.Match[str]) -> time | None:
    text = match.group(0).lower()
    if "first thing" in text:
        return time(9, 0)
    if match.group(1):
        return time(0, 0) if match.group(1).lower() == "midnight" else time(12, 0)
    if match.group(2):
        hour, minute = int(match.group(2)), int(match.group(3) or 0)
        if hour > 12 or minute > 59:
            return None
        hour = hour % 12 + (12 if match.group(4).lower() == "p" else 0)
        return time(hour, minute)
    hour, minute = int(match.group(5)), int(match.group(6))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def find_when(text: str, today: date) -> When | None:
    """The first day phrase in ``text`` (with a time of day if one is given), or None.

    A time without a day ("at 3pm") is today's."""
    found: tuple[date, time | None] | None = None
    spans: list[tuple[int, int]] = []
    for pattern, kind in _DAY_PATTERNS:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e in spans):
                continue
            day = _day_of(kind, match, today)
            if day is not None:
                found = day
                spans.append(match.span())
                break
        if found is not None:
            break
    moment: time | None = found[1] if found else None
    for match in _TIME.finditer(text):
        if any(s <= match.start() < e for s, e in spans):
            continue
        parsed = _time_of(match)
        if parsed is not None:
            moment = parsed
            spans.append(match.span())
            break
    if found is None and not spans:
        return None
    return When(day=found[0] if found else today, time=moment, spans=tuple(spans))


def in_hours(text: str) -> int | None:
    """Hours from now when ``text`` says 'in N hours', else None."""
    match = re.search(rf"\bin\s+({_NUM})\s+hours?\b", text, re.I)
    return _number(match.group(1)) if match else None
