"""Call screening rules in plain terms, stored as data.

A rule's ``spec``: ``who`` (``number`` with ``value`` E.164, ``contact`` with ``value`` a
contact id, ``tag``, ``known``, ``unknown``, ``anonymous``, ``everyone``), optionally
``except_tag``, and a time of day window ``after``/``before`` ("HH:MM", workspace time).
``action``: ring, voicemail, ask, block.

    "after 6 pm everyone but family goes to voicemail"
    "block +1 202 555 0147"            "always ring through tag vip"
    "unknown callers: ask"             "ring Ann Lee"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from righthand.errors import BadInput

ACTIONS = ("ring", "voicemail", "ask", "block")
_ACTION_WORDS = [
    (r"\b(block|reject|never let)\b", "block"),
    (r"\b(voicemail|voice mail|take a message|message)\b", "voicemail"),
    (r"\b(ask|screen)\b", "ask"),
    (r"\b(ring|put through|let through|always through|connect)\b", "ring"),
]


@dataclass(frozen=True)
class ParsedRule:
    """A rule read from text."""

    action: str
    spec: dict[str, Any]


def _clock(text: str) -> str:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text.strip().lower())
    if not match:
        raise BadInput(f"not a time of day: {text!r}", hint="Say it like '6 pm' or '18:00'.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3) == "pm" and hour < 12:
        hour += 12
    if match.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise BadInput(f"not a time of day: {text!r}", hint="Say it like '6 pm' or '18:00'.")
    return f"{hour:02d}:{minute:02d}"


def parse(text: str, region: str = "US") -> ParsedRule:
    """Read a rule; names of contacts are kept as ``contact_name`` for the caller to resolve."""
    lowered = text.lower().strip()
    action = next((a for pattern, a in _ACTION_WORDS if re.search(pattern, lowered)), None)
    if action is None:
        raise BadInput(f"I can't tell what to do with those calls: {text!r}",
                       hint="Say ring, voicemail, ask or block.")
    spec: dict[str, Any] = {}
    window = re.search(r"\bafter\s+([\d:]+\s*(?:am|pm)?)", lowered)
    if window:
        spec["after"] = _clock(window.group(1))
    window = re.search(r"\bbefore\s+([\d:]+\s*(?:am|pm)?)", lowered)
    if window:
        spec["before"] = _clock(window.group(1))
    between = re.search(r"\bbetween\s+([\d:]+\s*(?:am|pm)?)\s+and\s+([\d:]+\s*(?:am|pm)?)",
                        lowered)
    if between:
        spec["after"], spec["before"] = _clock(between.group(1)), _clock(between.group(2))
    excepted = re.search(r"\b(?:but|except)\s+(?:for\s+)?(?:my\s+)?(?:tag\s+)?([a-z][\w-]*)",
                         lowered)
    if excepted:
        spec["except_tag"] = excepted.group(1)
    number = re.search(r"\+?[\d][\d\s().-]{5,}\d", text)
    if number:
        from righthand.duties.lists.normalise import parse_phone

        _, e164 = parse_phone(number.group(0), region)
        if e164 is None:
            raise BadInput(f"not a phone number I can read: {number.group(0)!r}",
                           hint="Write it with the country code, e.g. +1 202 555 0147.")
        spec.update(who="number", value=e164)
    elif tag := re.search(r"\btag\s+([\w-]+)", lowered):
        spec.update(who="tag", value=tag.group(1))
    elif re.search(r"\b(unknown|strangers?|numbers? i don't know)\b", lowered):
        spec["who"] = "unknown"
    elif re.search(r"\b(anonymous|withheld|private numbers?|no caller id)\b", lowered):
        spec["who"] = "anonymous"
    elif re.search(r"\b(contacts|people i know|known callers)\b", lowered):
        spec["who"] = "known"
    elif re.search(r"\b(everyone|everybody|all calls|anyone|all callers)\b", lowered):
        spec["who"] = "everyone"
    elif found := re.search(r"\b(family|vips?|friends|clients)\b", lowered):
        spec.update(who="tag", value="vip" if found.group(1).startswith("vip")
                    else found.group(1))
    else:
        name = re.sub(r"\b(always|never|ring|through|put|let|block|reject|send|to|goes?|"
                      r"voicemail|voice mail|take a message|calls?|from|ask)\b", " ", lowered)
        name = re.sub(r"\b(after|before)\s+[\d:]+\s*(am|pm)?", " ", name)
        name = " ".join(name.split())
        if not name:
            raise BadInput(f"I can't tell whose calls: {text!r}",
                           hint="Name a number, a contact, a tag, 'unknown' or 'everyone'.")
        spec.update(who="contact", contact_name=name)
    return ParsedRule(action, spec)


def _minutes(value: str) -> int:
    hour, minute = value.split(":")
    return int(hour) * 60 + int(minute)


def in_window(spec: dict[str, Any], at: time) -> bool:
    """Whether ``at`` (local time) is inside the rule's time of day window (if any)."""
    now = at.hour * 60 + at.minute
    after, before = spec.get("after"), spec.get("before")
    if after and before:
        start, end = _minutes(after), _minutes(before)
        return start <= now < end if start <= end else (now >= start or now < end)
    if after:
        return now >= _minutes(after)
    if before:
        return now < _minutes(before)
    return True


def describe(action: str, spec: dict[str, Any]) -> str:
    """A rule in words, as the CLI lists it."""
    who = spec.get("who", "everyone")
    target = {"number": f"calls from {spec.get('value')}",
              "contact": f"calls from {spec.get('contact_name') or 'contact'}",
              "tag": f"calls from contacts tagged {spec.get('value')}",
              "known": "calls from contacts", "unknown": "calls from unknown numbers",
              "anonymous": "calls with no caller ID", "everyone": "all calls"}[who]
    if spec.get("except_tag"):
        target += f" except {spec['except_tag']}"
    when = ""
    if spec.get("after") and spec.get("before"):
        when = f" between {spec['after']} and {spec['before']}"
    elif spec.get("after"):
        when = f" after {spec['after']}"
    elif spec.get("before"):
        when = f" before {spec['before']}"
    verb = {"ring": "ring through", "voicemail": "go to voicemail", "ask": "are asked who and why",
            "block": "are blocked"}[action]
    return f"{target}{when}: {verb}"
