"""Phrasings of the Phase III manager duties: deals (sales.deal_status, sales.pipeline,
sales.update), the briefing (briefing.today) and reminders (reminders.set).

Kept apart from :mod:`patterns` so each duty's phrasings stay readable; :func:`understand`
is called from :class:`~righthand.conversation.patterns.PatternUnderstander`.
"""

from __future__ import annotations

import re
from datetime import date

from righthand.conversation.understanding import Understanding
from righthand.domain.when import find_when

_I = re.I
_END = r"[\s?.!]*$"
_ANY_DAY = date(2000, 1, 1)  # only to ask "does this say a day?"
# Words that name a stage of a deal: "the Jones inspection is done" moves the deal on, "my lunch
# is over" is nobody's deal. (The duty checks the stage against the deal's own pipeline.)
_STAGE_WORDS = (r"inspection|appraisal|financing|loan|mortgage|showings?|offer|contract|closing|"
                r"proposal|negotiations?|meeting|demo|qualification|escrow")
_DEALISH = r"deal|closing|listing|purchase|sale|house|home|contract|account|opportunity"
_ADVANCE = re.compile(
    rf"^(?P<subject>.+?\b(?:{_STAGE_WORDS}))\s+(?:is|are|was|has\s+been)\s+(?:all\s+)?"
    r"(?:done|complete|completed|finished|over|through|cleared|approved|signed)" + _END, _I)
_NOT_DEALS = re.compile(r"\b(?:meeting|appointment|call|event|lunch|dinner|my\s+\d|\d\s*[ap]m|"
                        r"o'clock|campaign|newsletter|mailing|update|announcement|invite|calls|e-?mails?|"
                        r"messages|mail|"
                        r"\d{1,2}(?::\d\d)?)"
                        r"\b", _I)
_PIPELINE = re.compile(
    r"\b(?:how'?s|how is|how are|show me|what'?s|what is|give me|check)\b.*\b(?:pipeline|"
    r"forecast|deals)\b|^\s*(?:my\s+|the\s+)?(?:pipeline|forecast)\b|\bpipeline\s+"
    r"(?:status|summary|overview|report)\b|\bsales forecast\b", _I)
_STATUS = [
    re.compile(r"^(?:so\s+|ok\s+|and\s+)?(?:where\s+are\s+we|where\s+do\s+we\s+stand|where\s+do"
               r"\s+things\s+stand|where\s+is|what'?s\s+the\s+(?:status|latest|story|news)|"
               r"any\s+(?:news|updates?|progress)|give\s+me\s+an?\s+update|update\s+me|catch\s+"
               r"me\s+up|status)\s+(?:on|with|for|about|of)\s+(?P<deal>.+?)" + _END, _I),
    re.compile(r"^what'?s\s+(?:happening|going\s+on|new)\s+(?:with|on)\s+(?P<deal>.+?)"
               + _END, _I),
    re.compile(r"^how(?:'s|\s+is|\s+are)\s+(?P<deal>.+?)\s+(?:going|coming\s+along|doing|"
               r"looking|progressing)" + _END, _I),
]
_LOST = [
    re.compile(r"^(?:please\s+)?(?:mark|set|put)\s+(?P<deal>.+?)\s+(?:as\s+|to\s+)?(?:closed\s+)?"
               r"lost\b[\s,.;:\u2014\u2013-]*(?P<reason>.*?)[.!]*$", _I),
    re.compile(r"^we(?:'ve|\s+have)?\s+lost\s+(?P<deal>.+?)(?:\s*[,;:\u2014\u2013-]+\s*(?P<reason>.*?))?"
               r"[.!]*$", _I),
    re.compile(rf"^(?P<deal>.+?\b(?:{_DEALISH}))\s+(?:is|was|has\s+been)\s+lost\b"
               r"[\s,.;:\u2014\u2013-]*(?P<reason>.*?)[.!]*$", _I),
]
_WON = [
    re.compile(r"^(?:please\s+)?(?:mark|set)\s+(?P<deal>.+?)\s+(?:as\s+)?(?:won|closed(?:\s+won)?"
               r"|sold)\b[\s!.]*$", _I),
    re.compile(r"^we(?:'ve|\s+have)?\s+(?:won|closed)\s+(?:on\s+)?(?P<deal>.+?)[\s!.]*$", _I),
    re.compile(rf"^(?P<deal>.+?\b(?:{_DEALISH}))\s+(?:has\s+)?(?:closed|is\s+closed|is\s+won|"
               r"sold|went\s+through)[\s!.]*$", _I),
]
_MOVE = re.compile(
    r"^(?:(?P<pre>.+?)\s*[,;.\u2014\u2013-]+\s*(?:so\s+|please\s+|now\s+)?)?(?:please\s+)?(?:move|put|"
    r"advance|bump|push|take)\s+(?P<deal>.+?)\s+(?:on\s+)?(?:to|into|in)\s+(?:the\s+)?"
    r"(?P<stage>[\w' -]+?)(?:\s+stage)?" + _END, _I)

_NEXT_STEP = [
    re.compile(r"^(?:set\s+|change\s+)?(?:the\s+)?next\s+step\s+(?:on|for|with)\s+(?P<deal>.+?)"
               r"(?:\s+is|\s+to|:|,|\s+\u2014)\s+(?P<step>.+?)[.!]*$", _I),
    re.compile(r"^(?P<deal>.+?)\s*(?::|\u2014|\u2013|-)\s*next\s+step\s*(?:is|:)?\s+(?P<step>.+?)[.!]*$",
               _I),
]
_NOTE = re.compile(r"^(?:add\s+a\s+)?note\s+(?:on|for|to)\s+(?P<deal>.+?)\s*[:,\u2014\u2013-]\s*"
                   r"(?P<note>.+)$", _I)
_PRONOUN = re.compile(r"^(?:them|it|him|her|that|this|that\s+one|this\s+one)$", _I)
_BRIEFING = re.compile(
    r"\b(?:brief\s+me|(?:my\s+|the\s+|today'?s\s+)?(?:daily\s+|morning\s+)?briefing|morning\s+"
    r"(?:brief|update|report)|daily\s+(?:brief|summary|digest)|what\s+do\s+i\s+need\s+to\s+know"
    r"|what'?s\s+(?:important|urgent)\s+today|weekly\s+review|week\s+in\s+review|how\s+did\s+"
    r"(?:the|this|my)\s+week\s+go)\b", _I)
_WEEKLY = re.compile(r"\bweek(?:ly)?\b", _I)
_REMIND = re.compile(r"^(?:please\s+|can\s+you\s+|could\s+you\s+)?remind\s+me\s+(?P<rest>.+?)"
                     r"[.!]*$", _I)
_FOLLOW = re.compile(r"^(?:please\s+)?(?:i\s+(?:need|have)\s+to\s+|i\s+should\s+)?(?P<rest>"
                     r"(?:follow\s+up|check\s+in|circle\s+back)\s+(?:with|on)\s+.+?)[.!]*$", _I)


def _clean(text: str) -> str:
    return text.strip().strip(",;:\u2014\u2013- ").strip()


def reminder_slots(rest: str, today: date) -> dict[str, object]:
    """'to call Bob on Friday' -> {'text': 'call Bob', 'date': ..., 'time': None}."""
    when = find_when(rest, today)
    what = when.strip_from(rest) if when else rest
    what = re.sub(r"^(?:to|that|about|i\s+(?:need|have)\s+to)\s+", "", _clean(what), flags=_I)
    what = re.sub(r"\b(?:i|I)\s+(?:need|have)\s+to\s+", "", what)
    slots: dict[str, object] = {"text": _clean(what)}
    if when is not None:
        slots["date"] = when.day.isoformat()
        if when.time is not None:
            slots["time"] = when.time.strftime("%H:%M")
    return slots


def _update(text: str) -> Understanding | None:
    for pattern in _LOST:
        match = pattern.match(text)
        if match:
            slots = {"op": "lost", "deal": _clean(match.group("deal"))}
            reason = _clean(match.group("reason") or "")
            if reason:
                slots["reason"] = reason
            return Understanding("sales.update", slots, 0.85)
    for pattern in _WON:
        match = pattern.match(text)
        if match and not _PRONOUN.match(_clean(match.group("deal"))):
            return Understanding("sales.update", {"op": "won",
                                                  "deal": _clean(match.group("deal"))}, 0.8)
    for pattern in _NEXT_STEP:
        match = pattern.match(text)
        if match:
            return Understanding("sales.update", {"op": "next_step",
                                                  "deal": _clean(match.group("deal")),
                                                  "step": _clean(match.group("step"))}, 0.85)
    match = _NOTE.match(text)
    if match:
        return Understanding("sales.update", {"op": "note", "deal": _clean(match.group("deal")),
                                              "note": _clean(match.group("note"))}, 0.85)
    match = _MOVE.match(text)
    if match and not _NOT_DEALS.search(match.group("deal")) and \
            find_when(match.group("stage"), _ANY_DAY) is None:
        deal = _clean(match.group("deal"))
        pre = _clean(match.group("pre") or "")
        pre = re.sub(r"\s+(?:is|are|was|has\s+been)\s+(?:all\s+)?(?:done|complete|completed|"
                     r"finished|over|through|cleared|approved|signed)$", "", pre, flags=_I)
        if _PRONOUN.match(deal):
            deal = pre
        elif pre:
            deal = f"{deal} ({pre})"
        if deal:
            slots = {"op": "move", "deal": deal, "stage": _clean(match.group("stage"))}
            if pre:
                slots["context"] = pre
            return Understanding("sales.update", slots, 0.85)
    match = _ADVANCE.match(text)
    if match:
        return Understanding("sales.update", {"op": "advance",
                                              "deal": _clean(match.group("subject"))}, 0.7)
    return None


def understand(text: str, today: date) -> Understanding | None:
    """One of the manager intents, or None when ``text`` is none of them."""
    match = _REMIND.match(text)
    if match:
        return Understanding("reminders.set", reminder_slots(match.group("rest"), today), 0.9)
    match = _FOLLOW.match(text)
    if match:
        slots = reminder_slots(match.group("rest"), today)
        slots["text"] = str(slots["text"])[:1].upper() + str(slots["text"])[1:]
        return Understanding("reminders.set", slots, 0.8)
    if _BRIEFING.search(text):
        return Understanding("briefing.today", {"weekly": bool(_WEEKLY.search(text))}, 0.85)
    if _PIPELINE.search(text) and not re.search(r"\b(?:on|with|about)\s+the\s+\w+\s+deal\b",
                                                text, _I):
        return Understanding("sales.pipeline", {}, 0.85)
    for pattern in _STATUS:
        match = pattern.match(text)
        if match:
            deal = _clean(match.group("deal"))
            if deal.lower() in {"my day", "today", "tomorrow", "my calendar", "things", "you",
                                "it", "business", "everything", "life", "everyone"} or \
                    re.search(r"\b(?:order|supplies|stock|newsletter|mailing|campaign|inbox|"
                              r"e-?mails?|calls?|confirmations?)\b", deal, _I):
                return None
            return Understanding("sales.deal_status", {"deal": deal}, 0.85)
    return _update(text)
