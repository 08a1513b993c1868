"""The offline understanding engine: precise rules first, a linear classifier for
everything the rules do not recognise, then slots in the public contract.

Intents are the public names (``calendar.availability``, ``supplies.order``, ...); the duty
route that handles a request (``calendar.free_at``, ``supplies.reorder``, ...) travels in
:attr:`Understanding.route`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from righthand.conversation import slots as contract
from righthand.conversation.patterns import PatternUnderstander, strip_name
from righthand.conversation.understanding import Understanding

INTENTS = (
    "calendar.agenda", "calendar.availability", "calendar.move", "calendar.cancel",
    "appointments.schedule", "appointments.confirm", "appointments.status", "sales.deal_status",
    "sales.pipeline", "sales.update", "supplies.order", "supplies.status", "lists.subscribe",
    "lists.unsubscribe", "lists.show", "contacts.add", "contacts.lookup", "mailings.send",
    "mailings.status", "copy.write", "email.send", "screening.email_summary",
    "screening.calls_summary", "screening.rule", "briefing.today", "reminders.set",
    "assistant.approvals", "assistant.phase", "assistant.help", "smalltalk", "out_of_scope")
#: duty routes that are a finer cut of a public intent
PUBLIC = {"calendar.free_at": "calendar.availability", "calendar.free_time":
          "calendar.availability", "appointments.propose": "appointments.schedule",
          "appointments.choose": "appointments.schedule", "supplies.reorder": "supplies.order"}
#: below this the classifier's best guess is treated as out of scope
THRESHOLD = 0.45
# Rules that match loosely; the classifier may overrule them when it is sure.
_LOOSE = {"assistant.approvals", "assistant.phase", "smalltalk", "calendar.cancel",
          "calendar.agenda"}
# What an office assistant does not do, whatever the verb ("order me a pizza", "buy bitcoin").
_ELSEWHERE = re.compile(
    r"\b(?:weather|forecast for the weekend|rain|snow(?:ing)?|flights?|hotels?|pizza|takeaway|"
    r"uber|taxi|cab|bitcoin|crypto\w*|dogecoin|stock price|share price|shares in|jokes?|poems?|"
    r"songs?|music|podcast|movies?|films?|recipe|bake|thermostat|lights|capital of|president|"
    r"translate|horoscope|lottery|wire money|transfer \d+|bank transfer|sports? scores?)\b",
    re.I)
# A request for ad copy names what to write within its first few words; the brief after it
# may mention anything ("a flyer for the bake sale", "ads for our music lessons") -- but "a song
# for our ad" is still a song.
_COPY_HEAD = re.compile(
    r"^(?:(?!(?:and|then|also)\b)[\w'/-]+\s+){0,7}?(?:ads?|adverts?|advertisements?|"
    r"ad\s+copy|marketing\s+copy|copy\s+for|headlines?|taglines?|slogans?|flyers?|leaflets?|"
    r"blurbs?|subject\s+lines?|promos?|captions?|(?:facebook|instagram|social(?:\s+media)?)"
    r"\s+posts?|listing\s+descriptions?)\b", re.I)
_QTY = r"\d{1,5}|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a dozen"
_ORDER = re.compile(
    r"\b(?:order|re-?order|buy|get|need|out of|restock|pick up|grab|purchase)\s+(?:us\s+|me\s+)?"
    rf"(?:some\s+|more\s+|another\s+|a\s+new\s+)*(?:(?P<qty>{_QTY})\s+)?(?:more\s+)?"
    r"(?:(?P<unit>box(?:es)?|packs?|cases?|reams?|cartons?|rolls?)\s+(?:of\s+)?)?"
    r"(?P<item>[a-z][\w\s-]*?)(?:\s+(?:for|please|asap|again|now|today)\b.*)?[.!?]*$", re.I)
_LIST = re.compile(r"\b(?:to|on|from|off|of|in)\s+(?:the\s+|our\s+|my\s+)?(?P<list>[\w' -]+?)"
                   r"\s+(?:mailing\s+)?list\b", re.I)
_DEAL = re.compile(r"\b(?:on|with|about|of|for|at)\s+(?P<deal>(?:the\s+)?[A-Z][\w' -]*?)"
                   r"(?:\s+(?:at|to|going|coming|still|on track)\b|[?.!]*$)")
_MESSAGE = re.compile(r"\b(?:that|saying|to say|and tell \w+|to ask|asking|and ask|about)\s+"
                      r"(?P<message>.+?)[.!]*$", re.I)
# What the client says happened to an appointment (appointments.confirm records it).
_RECORDED = re.compile(
    r"(?P<no_show>\bno[- ]?shows?\b|\b(?:didn'?t|did not|never|failed to)\s+(?:show|turn|come|"
    r"make it)|\bstood\s+(?:me|us)\s+up\b|\bmissed\s+(?:his|her|their|the|my)\b)|"
    r"\bas\s+(?:(?P<cancelled>cancell?ed)|(?P<confirmed>confirmed))\b", re.I)
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "a dozen": 12}


class OfflineUnderstander:
    """Rules, then the classifier; works with no network and no model download."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.rules = PatternUnderstander()
        self.threshold = threshold

    def understand(self, text: str, now: datetime, tz: str,
                   assistant_name: str = "Jane") -> Understanding:
        """Classify ``text`` and fill its slots, relative to ``now`` in zone ``tz``."""
        cleaned = strip_name(text, assistant_name)
        today = now.astimezone(ZoneInfo(tz)).date()
        ruled = self.rules.understand(cleaned, now, tz, assistant_name)
        route, slots, confidence = ruled.intent, dict(ruled.slots), ruled.confidence
        elsewhere, copy_head = _ELSEWHERE.search(cleaned), _COPY_HEAD.search(cleaned)
        if elsewhere and not (copy_head and copy_head.end() <= elsewhere.start()):
            route, slots, confidence = "out_of_scope", {}, 0.9
        elif route == "out_of_scope" or route in _LOOSE:
            from righthand.conversation.classifier import load

            guess = load().predict(cleaned)
            if route == "out_of_scope" or (guess.intent == "out_of_scope"
                                           and guess.probability > 0.9):
                if guess.probability < self.threshold:
                    route, slots, confidence = "out_of_scope", {}, 1 - guess.probability
                else:
                    route, slots = fill(guess.intent, cleaned, today)
                    confidence = guess.probability
        intent = PUBLIC.get(route, route)
        filled = contract.contract(intent, slots, cleaned, today, tz)
        return Understanding(intent, filled, confidence, route if route != intent else "")


def fill(intent: str, text: str, today: date) -> tuple[str, dict[str, Any]]:
    """The route and slots of a classifier-chosen ``intent``, found in ``text``."""
    when = contract.when(text, today)
    if intent == "calendar.agenda":
        when.pop("time", None)
        return intent, {"date": today.isoformat(), "days": 1, **when}
    if intent == "calendar.availability":
        route = "calendar.free_at" if "time" in when else "calendar.free_time"
        return route, {"date": today.isoformat(), "days": 1, **when}
    if intent in {"calendar.move", "calendar.cancel"}:
        what = re.sub(r"^(?:\w+\s+){0,2}?(?:move|push|shift|bump|slide|reschedule|resched|"
                      r"postpone|delay|cancel|cancle|scrap|drop|delete|kill|remove|get rid of|"
                      r"scrub|wipe|clear|take)\s+", "", text, flags=re.I)
        found: dict[str, Any] = {"what": re.split(r"\s+(?:to|until|till|off|from|for)\s+", what)[0]
                                 .strip(" ?.!")}
        if intent == "calendar.move":
            found.update({f"to_{k}": v for k, v in when.items()})
        else:
            found.update({f"from_{k}": v for k, v in when.items() if k in {"date", "time"}})
        return intent, found
    if intent == "appointments.schedule":
        who = contract.who(text) or ""
        kind = re.search(r"\b(meeting|call|lunch|coffee|dinner|viewing|appointment|appt|demo)\b",
                         text, re.I)
        route = "appointments.schedule" if "time" in when else "appointments.propose"
        return route, {"what": kind.group(1).lower() if kind else "meeting", "who": who, **when}
    if intent == "supplies.order":
        return intent, _order(text)
    if intent in {"lists.subscribe", "lists.unsubscribe", "lists.show"}:
        found = {}
        listed = _LIST.search(text)
        if listed:
            found["list"] = listed.group("list").strip()
        person = contract.who(text)
        if person and intent != "lists.show":
            found["email" if "@" in person else "contact"] = person
        return intent, found
    if intent in {"contacts.add", "contacts.lookup", "appointments.confirm",
                  "appointments.status", "screening.calls_summary"}:
        person = contract.who(text)
        found = ({"contact": person} if person else {}) | _dated(when)
        recorded = _RECORDED.search(text) if intent == "appointments.confirm" else None
        if recorded:  # "Mark Tom Reed as a no-show": the answer to record
            said = next(k for k, v in recorded.groupdict().items() if v)
            found["answer"] = "no-show" if said == "no_show" else said
        return intent, found
    if intent in {"sales.deal_status", "sales.update"}:
        deal = _DEAL.search(text)
        name = deal.group("deal").strip() if deal else contract.names(text)
        return intent, {"deal": name} if name else {}
    if intent == "email.send":
        found = {}
        person = contract.who(text)
        if person:
            found["contact"] = person
        message = _MESSAGE.search(text)
        if message:
            found["message"] = message.group("message")
        return intent, found
    if intent == "reminders.set":
        from righthand.conversation.manager_patterns import reminder_slots

        rest = re.sub(r"^(?:remind me|remimd me|set a reminder|reminder:?|ping me|nudge me|"
                      r"don'?t let me forget)\s*", "", text, flags=re.I)
        return intent, reminder_slots(rest, today)
    if intent == "briefing.today":
        return intent, {"weekly": bool(re.search(r"\bweek", text, re.I))}
    if intent == "screening.rule":
        listing = re.search(r"\brules\b", text, re.I)
        return intent, {"op": "list"} if listing else {"op": "add", "text": text}
    if intent == "copy.write":
        return intent, {"subject": text}
    if intent == "out_of_scope":
        return intent, {}
    return intent, _dated(when)


def _dated(when: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in when.items() if k in {"date", "time", "days"}}


def _order(text: str) -> dict[str, Any]:
    found = _ORDER.search(text)
    if not found:
        return {}
    item = re.sub(r"^(?:some|more|the)\s+", "", found.group("item").strip(), flags=re.I)
    out: dict[str, Any] = {"item": item} if item and item.lower() not in {"more", "some"} else {}
    qty = (found.group("qty") or "").lower()
    if qty:
        out["quantity"] = int(qty) if qty.isdigit() else _NUMBERS.get(qty, 1)
    if found.group("unit"):
        out["unit"] = found.group("unit").lower()
    return out
