"""Call screening: what to do with an inbound call, and the call log screened like email.

``decide`` is called by the voice webhook (web/twilio_hooks.py) inside the workspace's
transaction; it reads the client's rules and contacts and never acts itself: the webhook turns
the decision into TwiML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.screening.call_rules import in_window
from righthand.store.tables import CallRow, CallRule, ContactPhone, ContactRow, ContactTag

ANONYMOUS = {"", "anonymous", "restricted", "unknown", "private", "+266696687", "+7378742833",
             "+2562533", "+8656696"}
# STIR/SHAKEN verdicts (Twilio's StirVerstat) that mean the caller ID failed verification.
FAILED_VERIFICATION = {"TN-Validation-Failed-A", "TN-Validation-Failed-B",
                       "TN-Validation-Failed-C", "No-TN-Validation"}
_SPAM = re.compile(r"\b(extended (car |vehicle )?warranty|you('ve| have) (been selected|won)|"
                   r"press (one|1)\b|final notice|social security number|lower your (interest|"
                   r"rate)|student loan forgiveness|irs|free cruise|limited time offer|"
                   r"your (car|vehicle)'?s? warranty)", re.I)
_SCHEDULING = re.compile(r"\b(appointment|resched\w*|meet(ing)?|book|schedul\w*|"
                         r"available|call me back)\b", re.I)
_URGENT = re.compile(r"\b(urgent|asap|as soon as possible|emergency|today|right away)\b", re.I)


@dataclass(frozen=True)
class Caller:
    """Who is calling, as far as the contacts know."""

    number: str  # E.164 when readable, else as sent
    contact_id: int | None = None
    name: str = ""
    tags: frozenset[str] = frozenset()

    @property
    def anonymous(self) -> bool:
        """No usable caller ID."""
        return self.number.lower() in ANONYMOUS


@dataclass(frozen=True)
class Decision:
    """ring, voicemail, ask or block, and why."""

    action: str
    reason: str


def identify(session: Session, raw_number: str, region: str = "US") -> Caller:
    """The caller behind ``raw_number`` (E.164 matched against the contacts' phones)."""
    from righthand.duties.lists.normalise import parse_phone

    raw = (raw_number or "").strip()
    if raw.lower() in ANONYMOUS:
        return Caller(number=raw.lower())
    _, e164 = parse_phone(raw, region)
    number = e164 or raw
    found = session.execute(
        select(ContactRow.id, ContactRow.display_name)
        .join(ContactPhone, ContactPhone.contact_id == ContactRow.id)
        .where(ContactPhone.e164 == number).order_by(ContactRow.id)).first()
    if found is None:
        return Caller(number=number)
    tags = frozenset(t.lower() for t in session.scalars(
        select(ContactTag.tag).where(ContactTag.contact_id == found.id)))
    return Caller(number=number, contact_id=found.id, name=found.display_name, tags=tags)


def _matches(rule: CallRule, caller: Caller) -> bool:
    spec = rule.spec or {}
    if spec.get("except_tag") and spec["except_tag"].lower() in caller.tags:
        return False
    who = spec.get("who", "everyone")
    if who == "number":
        return bool(caller.number == spec.get("value"))
    if who == "contact":
        return caller.contact_id is not None and caller.contact_id == int(spec.get("value") or 0)
    if who == "tag":
        return str(spec.get("value", "")).lower() in caller.tags
    if who == "known":
        return caller.contact_id is not None
    if who == "unknown":
        return caller.contact_id is None
    if who == "anonymous":
        return caller.anonymous
    return bool(who == "everyone")


def _spam_before(session: Session, caller: Caller) -> bool:
    if caller.anonymous or caller.contact_id is not None:
        return False
    return session.scalar(select(CallRow.id).where(
        CallRow.from_number == caller.number, CallRow.category == "spam").limit(1)) is not None


def decide(session: Session, caller: Caller, now: datetime, zone: str,
           verification: str | None = None) -> Decision:
    """The client's rules first (in order; the first that matches decides), then defaults:
    known spam is blocked, contacts ring through, calls without caller ID or whose caller ID
    failed verification go to voicemail, and unknown callers are asked who and why."""
    local = now.astimezone(ZoneInfo(zone)).time()
    for rule in session.scalars(select(CallRule).order_by(CallRule.position, CallRule.id)):
        if _matches(rule, caller) and in_window(rule.spec or {}, local):
            return Decision(rule.action, f"rule: {rule.text}")
    if _spam_before(session, caller):
        return Decision("block", "this number called before and was screened as spam")
    if caller.contact_id is not None:
        return Decision("ring", f"{caller.name} is in your contacts")
    if caller.anonymous:
        return Decision("voicemail", "no caller ID")
    if verification in FAILED_VERIFICATION:
        return Decision("voicemail", "the caller ID failed verification")
    return Decision("ask", "unknown number")


def categorise(call: CallRow, tags: frozenset[str] = frozenset(),
               vouched: bool = False) -> tuple[str, str]:
    """(category, priority) of a call, in email screening's terms; the transcription is
    untrusted text and only ever chooses a category. ``vouched``: the client said this
    number's calls are not spam (``call_corrections``), so its words never make it spam."""
    words = " ".join(filter(None, [call.purpose, call.transcription or ""]))
    if not vouched and (call.decision == "block" or _SPAM.search(words)):
        return "spam", "low"
    if "vip" in tags:
        return "vip", "high"
    urgent = bool(_URGENT.search(words))
    if _SCHEDULING.search(words):
        return "scheduling", "high" if urgent else "normal"
    if call.recording_url or call.transcription or call.purpose:
        return "needs_reply", "high" if urgent else "normal"
    return "fyi", "low"
