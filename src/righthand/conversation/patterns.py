"""A small pattern-based understander: enough for the spine's first slice.

It recognises a handful of phrasings per intent; the full engine (issue 7) replaces it behind
the same :class:`~righthand.conversation.understanding.Understander` interface.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from righthand.conversation import calendar_words, mail_words
from righthand.conversation import manager_patterns as manager_words
from righthand.conversation.understanding import Understanding

_EMAIL = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_SUBSCRIBE = re.compile(
    rf"^(?:please\s+)?(?:add|put|subscribe|sign up)\s+(?P<name>[^,<]+?)?\s*[,(<]?\s*"
    rf"(?P<email>{_EMAIL})?\s*[)>]?\s*,?\s+(?:to|on)\s+(?:the\s+|my\s+|our\s+)?"
    rf"(?!(?:my\s+|the\s+)?(?:calendar|diary|schedule|contacts|address book|voicemail)\b)"
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
_HELP = re.compile(r"^\s*(help|\?|what do you do|usage|instructions|manual|tutorial|examples)"
                   r"\s*(please|pls)?\s*[?!.]*$", re.I)
_SMALLTALK = re.compile(r"^\s*(hi|hiya|hello|hey|yo|thanks|thank you|ta|cheers|bye|goodbye|"
                        r"see (you|ya)|(good )?(morning|afternoon|evening|night)|perfect|"
                        r"great|nice|brilliant|lovely|excellent|awesome|well done)"
                        r"\b[\s\w,!.]*$", re.I)


# -- supplies: supplies.order and supplies.status ------------------------------------------------
_QTY_WORDS = {"a": 1, "an": 1, "one": 1, "another": 1, "two": 2, "three": 3, "four": 4,
              "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
              "twelve": 12, "fifteen": 15, "twenty": 20, "a couple of": 2, "a couple": 2,
              "a pair of": 2, "a dozen": 12, "half a dozen": 6}
_QTY = (r"\d{1,5}|half a dozen|a dozen|(?:two|three|four|five|six) dozen|a couple(?: of)?|"
        r"a pair of|another|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
        r"twelve|fifteen|twenty")
_SUPPLY_UNIT = (r"box(?:es)?|packs?|packets?|cases?|cartons?|reams?|bundles?|rolls?|bottles?|"
                r"tubs?|bags?|sets?|pieces?|units?")
_SUPPLY_ORDER = re.compile(
    r"^(?:(?:please|can you|could you|would you|will you)[\s,]+)*"
    r"(?:order|re-?order|buy|purchase|we(?:'ll| will)? need|we(?:'re| are) (?:out of|running "
    r"out of)|we(?:'ve| have)? run out of|we ran out of)\s+(?!to\b)"
    r"(?:(?:some|more)\s+)?"
    rf"(?:(?P<qty>{_QTY})\s+(?:more\s+)?)?"
    rf"(?:(?P<unit>{_SUPPLY_UNIT}|(?<=\d |[a-z] )[a-z]+(?=\s+of\s))\s+(?:of\s+)?)?"
    r"(?P<item>[\w][\w\s&'/.-]*?)"
    r"(?:\s*,?\s+(?:please|for (?:me|us|the office)|asap|today|now|again))*\s*[.!?]*$", re.I)
_SUPPLY_REORDER = re.compile(
    r"^(?:(?:please|can you|could you)[\s,]+)*(?:re-?order|restock|replenish|top up)\s+"
    r"(?:(?:what'?s|what is|whatever'?s|everything|anything|all|the|our|that'?s|is|are)\s+)*"
    r"(?:running\s+)?(?:low|short|supplies|stock|below (?:the |its |their )?reorder points?)"
    r"\b[\w\s]*[.!?]*$|"
    r"^(?:run|do)\s+(?:a\s+|the\s+)?re-?order(?:\s+check|\s+run)?\s*[.!?]*$", re.I)
_SUPPLY_STATUS = re.compile(
    r"\b(?:how are we (?:doing )?(?:on|for) (?:office )?(?:supplies|stock)|running low|"
    r"low on (?:anything|supplies|stock)|supplies status|stock levels?|(?:office )?supplies "
    r"(?:low|status)|what (?:do|should) we (?:need to )?(?:re)?order)\b", re.I)


def _count(qty: str) -> int:
    """3, "two", "a dozen", "two dozen" as a number (``qty`` matched ``_QTY``)."""
    if qty.isdigit():
        return int(qty)
    if qty in _QTY_WORDS:
        return _QTY_WORDS[qty]
    return _QTY_WORDS[qty.removesuffix(" dozen")] * 12


def _supplies(text: str) -> Understanding | None:
    """supplies.reorder, supplies.order ("Order two boxes of printer paper") or
    supplies.status."""
    if _SUPPLY_REORDER.match(text):
        return Understanding("supplies.reorder", {}, 0.85)
    match = _SUPPLY_ORDER.match(text)
    if match:
        slots: dict[str, object] = {"item": match.group("item").strip()}
        qty = (match.group("qty") or "").lower()
        if qty:
            slots["quantity"] = _count(qty)
        if match.group("unit"):
            slots["unit"] = match.group("unit").lower()
        return Understanding("supplies.order", slots, 0.85)
    if _SUPPLY_STATUS.search(text):
        return Understanding("supplies.status", {}, 0.8)
    return None


# -- contacts and mailing lists: contacts.add, contacts.lookup, lists.show, lists.unsubscribe ----
_NOT_A_LIST = r"(?!(?:my\s+|the\s+)?(?:calendar|schedule|diary|agenda)\b)"
_LIST_NAME = (rf"(?:the\s+|my\s+|our\s+)?{_NOT_A_LIST}(?P<list>[\w\s'&-]+?)"
              r"(?:\s+(?:mailing\s+)?lists?)?")
_CONTACT_ADD = re.compile(
    r"^(?:please\s+)?(?:add|create|save|make)\s+(?:a\s+)?(?:new\s+)?contact\s*(?:for\s+)?"
    r"[:,-]?\s*(?P<rest>.+?)\s*[.!]?$|"
    r"^(?:please\s+)?(?:add|save|put)\s+(?P<rest2>.+?)\s+(?:to|in|into)\s+(?:my\s+|the\s+|our\s+)?"
    r"(?:contacts|address book|contact list)\s*[.!]?$", re.I)
_PHONE = re.compile(r"(?<![\w@])\+?\(?\d[\d\s().-]{5,}\d(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w@])")
_CONTACT_FIELDS = {"phone": "phone", "phone number": "phone", "number": "phone",
                   "mobile": "phone", "mobile number": "phone", "cell": "phone",
                   "cell number": "phone", "telephone": "phone", "telephone number": "phone",
                   "email": "email", "e-mail": "email", "email address": "email",
                   "e-mail address": "email", "address": "address", "postal address": "address",
                   "mailing address": "address", "home address": "address",
                   "company": "company", "employer": "company", "time zone": "timezone",
                   "timezone": "timezone", "details": "details", "contact details": "details",
                   "contact info": "details", "contact information": "details"}
_FIELD = "|".join(sorted((re.escape(f) for f in _CONTACT_FIELDS), key=len, reverse=True))
_ASKING = r"(?:what(?:'s|\u2019s| is| are)|give me|tell me|find|look up|get me|do you have)"
_LOOKUP = re.compile(
    rf"^{_ASKING}\s+(?P<who>[\w .'\u2019@-]+?)(?:'s|\u2019s|')\s+(?P<field>{_FIELD})\s*\??$|"
    rf"^{_ASKING}\s+(?:the\s+)?(?P<field2>{_FIELD})\s+(?:of|for)\s+(?P<who2>.+?)\s*\??$|"
    r"^(?:how (?:do|can) i (?:reach|contact|get hold of)|look up)\s+(?P<who3>.+?)\s*\??$", re.I)
_LIST_SHOW = re.compile(
    rf"^who(?:'s|\u2019s| is| are)(?: all)?\s+(?:on|in|subscribed to|signed up (?:to|for))\s+"
    rf"{_LIST_NAME}\s*\??$|"
    rf"^(?:show|list)(?: me)?\s+(?:the\s+)?(?:members|subscribers|people)\s+(?:of|on|in)\s+"
    rf"{_LIST_NAME.replace('?P<list>', '?P<list2>')}\s*\??$|"
    rf"^how many\s+(?:people|contacts|subscribers|members)\s+(?:are\s+)?(?:on|in)\s+"
    rf"{_LIST_NAME.replace('?P<list>', '?P<list3>')}\s*\??$", re.I)
_UNSUBSCRIBE = re.compile(
    r"^(?:please\s+)?(?:take|remove|drop|unsubscribe)\s+(?P<who>.+?)\s+(?:off|from)\s+(?:of\s+)?"
    rf"{_LIST_NAME}\s*[.!]?$", re.I)
_EVERYWHERE = re.compile(r"^(?:all(?:\s+the)?(?:\s+mailing)?|every(?:thing)?|any|all mail"
                         r"(?:ings)?)$", re.I)


def _contact_slots(rest: str) -> dict[str, object]:
    """'Jo Bloggs, jo@example.com, 617 555 0101' -> name, email, phone (and 'at Company')."""
    slots: dict[str, object] = {}
    email = re.search(_EMAIL, rest)
    if email:
        slots["email"] = email.group(0).lower()
        rest = rest.replace(email.group(0), " ")
    phone = _PHONE.search(rest)
    if phone:
        slots["phone"] = phone.group(0).strip()
        rest = rest[:phone.start()] + " " + rest[phone.end():]
    parts = [p.strip(" <>()") for p in re.split(r"[,;]|\s+-\s+", rest) if p.strip(" <>()")]
    if parts:
        found = re.split(r"\s+(?:at|from)\s+", parts[0], maxsplit=1)
        name = found[0].strip()
        company = found[1].strip() if len(found) > 1 else ""
        for extra in parts[1:]:
            lead = re.match(r"^(?:at|from|of|works at|company)\s+(.+)$", extra, re.I)
            if lead and not company:
                company = lead.group(1).strip()
        if name:
            slots["contact"] = name
        if company:
            slots["company"] = company
    return slots


def _contacts_and_lists(text: str) -> Understanding | None:
    """contacts.add, contacts.lookup, lists.show or lists.unsubscribe, if ``text`` is one."""
    match = _CONTACT_ADD.match(text)
    if match:
        slots = _contact_slots(match.group("rest") or match.group("rest2") or "")
        if slots:
            return Understanding("contacts.add", slots, 0.85)
    match = _LIST_SHOW.match(text)
    if match:
        name = match.group("list") or match.group("list2") or match.group("list3") or ""
        return Understanding("lists.show", {"list": name.strip()}, 0.85)
    match = _UNSUBSCRIBE.match(text)
    if match:
        who = match.group("who").strip().strip(",")
        slots = {"contact": who, "list": match.group("list").strip()}
        if re.fullmatch(_EMAIL, who):
            slots = {"email": who.lower(), "list": slots["list"]}
        if _EVERYWHERE.match(str(slots["list"])):
            slots["everywhere"] = True
        return Understanding("lists.unsubscribe", slots, 0.85)
    match = _LOOKUP.match(text)
    if match:
        who = match.group("who") or match.group("who2") or match.group("who3") or ""
        field = (match.group("field") or match.group("field2") or "details").lower()
        return Understanding("contacts.lookup",
                             {"contact": who.strip(), "field": _CONTACT_FIELDS.get(field,
                                                                                    "details")},
                             0.85)
    return None


# -- mailings: mailings.send and mailings.status -------------------------------------------------
_MAILING_WORD = (r"(?=[\w\s'&-]*\b(?:newsletters?|mailings?|campaigns?|announcements?|bulletins?|"
                 r"updates?|digests?|invitations?|invites?|flyers?|mailers?|letters?)\b)")
_MAILING_SEND = re.compile(
    r"^(?:please\s+)?(?:(?:can|could|would|will) you\s+)?(?:please\s+)?"
    r"(?:send|mail|e-?mail|launch|go ahead and send)\s+(?:out\s+)?(?:the\s+|our\s+|my\s+)?"
    rf"{_MAILING_WORD}(?P<mailing>[\w\s'&-]+?)(?:\s+out)?"
    r"(?:\s+(?:to|for)\s+(?:the\s+|our\s+|my\s+)?(?P<list>[\w\s'&-]+?)"
    r"(?:\s+(?:mailing\s+)?list)?)?(?:\s+(?:now|today|please))*\s*[.!?]*$", re.I)
_MAILING_STATUS = re.compile(
    r"^(?:how\s+(?:did|has|is|was|'s)|how's)\s+(?:the\s+|our\s+|my\s+)?"
    rf"{_MAILING_WORD}(?P<mailing>[\w\s'&-]+?)\s+"
    r"(?:do|go|done|doing|going|gone|perform(?:ed|ing)?|land(?:ed)?)\b.*$|"
    r"^(?:what(?:'s| is)\s+the\s+)?status\s+of\s+(?:the\s+|our\s+|my\s+)?"
    rf"{_MAILING_WORD}(?P<mailing2>[\w\s'&-]+?)\s*[?.!]*$", re.I)


def _mailings(text: str) -> Understanding | None:
    """mailings.send ("Send the spring newsletter to the newsletter list") or
    mailings.status ("How did the spring newsletter do?")."""
    match = _MAILING_SEND.match(text)
    if match:
        slots = {"mailing": match.group("mailing").strip()}
        if match.group("list"):
            slots["list"] = match.group("list").strip()
        return Understanding("mailings.send", slots, 0.85)
    match = _MAILING_STATUS.match(text)
    if match:
        name = match.group("mailing") or match.group("mailing2") or ""
        return Understanding("mailings.status", {"mailing": name.strip()}, 0.85)
    return None


def strip_name(text: str, assistant: str) -> str:
    """``text`` without the assistant's name as a greeting or sign-off."""
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
        cleaned = strip_name(text, assistant_name)
        today = now.astimezone(ZoneInfo(tz)).date()
        # -- email: digest and screening rules (screening.email) ----------------------------
        mail = mail_words.understand(cleaned)
        if mail is not None:
            return mail
        # -------------------------------------------------------------------------------------
        contacts = _contacts_and_lists(cleaned)
        if contacts is not None:
            return contacts
        match = _SUBSCRIBE.match(cleaned)
        if match and (match.group("email") or match.group("name")) and not re.search(
                r"\b(call|meeting|lunch|appointment|coffee|dinner|viewing)s?\b",
                match.group("name") or "", re.I):
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
        mailing = _mailings(cleaned)
        if mailing is not None:
            return mailing
        supplies = _supplies(cleaned)
        if supplies is not None:
            return supplies
        # -- calendar and scheduling (calendar.manage, appointments.schedule) --------------
        calendar = calendar_words.understand(cleaned, today)
        if calendar is not None:
            return calendar
        # -------------------------------------------------------------------------------------
        # -- deals, briefing and reminders (sales.track, briefing.manage) -------------------
        manager = manager_words.understand(cleaned, today)
        if manager is not None:
            return manager
        # -------------------------------------------------------------------------------------
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
