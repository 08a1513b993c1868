"""A conversation's short memory, shared by every channel (chat, email, phone, API, MCP).

Each channel names its conversation ("cli", "email:sue@example.com", "phone:CA123...") and the
memory lives in ``conversation_states``:

* **Pending clarification.** When a duty answers "Which Bob — Bob Miller or Bob Chen?"
  (``Reply.data["clarify"]``), the request is kept; an answer naming one option ("Miller",
  "the second one") completes the original request with that option in the ambiguous slot.
  Anything else is a new request and the question is dropped.
* **Follow-ups.** The last event, deal and contact referred to are kept, so "move it to
  Friday", "cancel that" or "email her that ..." name them.

Memory expires after :data:`FORGET_AFTER` without a turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.conversation.understanding import Understanding
from righthand.store.tables import ConversationState

if TYPE_CHECKING:
    from righthand.service.assistant import Answer

FORGET_AFTER = timedelta(minutes=30)
_PRONOUN = {"", "it", "that", "this", "that one", "this one", "the meeting", "that meeting",
            "the appointment", "that appointment", "the event", "him", "her", "them",
            "that deal", "the deal", "this deal"}
#: the slot that names the thing a clarification asks about, by intent
_ASKED_SLOT = {"email.send": "contact", "calendar.move": "what", "calendar.cancel": "what",
               "sales.deal_status": "deal", "sales.update": "deal", "supplies.order": "item",
               "contacts.lookup": "contact", "lists.subscribe": "contact",
               "lists.unsubscribe": "contact", "appointments.schedule": "who"}
_ORDINALS = {"first": 0, "1": 0, "one": 0, "second": 1, "2": 1, "two": 1, "third": 2, "3": 2,
             "three": 2, "fourth": 3, "4": 3, "last": -1}


def load(session: Session, channel: str, now: datetime) -> dict[str, Any]:
    """The channel's memory (empty when new or forgotten)."""
    row = session.scalars(select(ConversationState)
                          .where(ConversationState.channel == channel)).first()
    if row is None or now - row.updated_at > FORGET_AFTER:
        return {}
    return dict(row.state or {})


def save(session: Session, workspace_id: int, channel: str, memory: dict[str, Any],
         now: datetime) -> None:
    """Store the channel's memory."""
    row = session.scalars(select(ConversationState)
                          .where(ConversationState.channel == channel)).first()
    if row is None:
        row = ConversationState(workspace_id=workspace_id, channel=channel, state={},
                                updated_at=now)
        session.add(row)
    row.state, row.updated_at = memory, now
    session.flush()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def choose(options: list[str], text: str) -> str | None:
    """The one option ``text`` names ("Miller" -> "Bob Miller", "the second one"), if any."""
    said = [w for w in _words(text) if w not in {"the", "one", "i", "mean", "please", "oh",
                                                 "sorry", "that", "him", "her", "jane"}]
    if not said or len(said) > 4:  # a whole new sentence is a new request
        return None
    for word in said:
        if word in _ORDINALS and len(said) <= 2:
            index = _ORDINALS[word]
            if -len(options) <= index < len(options):
                return options[index]
    exact = [o for o in options if o.lower().strip() == text.lower().strip(" .!?")]
    if len(exact) == 1:
        return exact[0]
    fits = [o for o in options if set(said) <= set(_words(o))]
    if len(fits) == 1:
        return fits[0]
    # One distinctive word is enough when only one option has it ("Miller please").
    fits = [o for o in options if set(said) & (set(_words(o)) - _shared(options))]
    return fits[0] if len(fits) == 1 else None


def _shared(options: list[str]) -> set[str]:
    sets = [set(_words(o)) for o in options]
    return set.intersection(*sets) if sets else set()


def recall(memory: dict[str, Any], text: str, understood: Understanding,
           reparse: Callable[[str], Understanding] | None = None) \
        -> tuple[Understanding, str]:
    """What ``text`` means in this conversation, and the text as the duty should read it: a
    clarification's answer completes the pending request; a pronoun names the last thing
    referred to ("mark it as under offer" reads "mark the Jones deal as under offer",
    understood again with ``reparse``)."""
    last = memory.get("last") or {}
    about_deal = understood.intent.startswith("sales.") or (
        understood.intent == "calendar.move" and last.get("recent") == "deal")
    if reparse is not None and about_deal and last.get("deal") and not memory.get("pending"):
        # "move it to closing" right after talking about a deal moves the deal
        rewritten, count = re.subn(r"\b(?:it|that|this)(?: deal| one)?\b", str(last["deal"]),
                                   text, count=1, flags=re.I)
        if count:
            again = reparse(rewritten)
            if again.intent.startswith("sales."):
                return again, rewritten
    return _recall(memory, text, understood), text


def _recall(memory: dict[str, Any], text: str, understood: Understanding) -> Understanding:
    pending = memory.get("pending")
    if pending:
        picked = choose(list(pending.get("options") or []), text)
        if picked is not None:
            slots = dict(pending.get("slots") or {})
            slots[str(pending.get("slot") or "contact")] = picked
            slots.pop("start", None) if pending.get("slot") == "what" else None
            return Understanding(pending["intent"], slots, 1.0, pending.get("route") or "")
    intent, slots = understood.intent, dict(understood.slots)
    last = memory.get("last") or {}
    if intent in {"calendar.move", "calendar.cancel"} and last.get("event") and \
            str(slots.get("what") or "").lower() in _PRONOUN:
        event = last["event"]
        slots["what"] = event.get("summary", "")
        if event.get("date") and not slots.get("from_date"):
            slots["from_date"] = event["date"]
        if event.get("time") and not slots.get("from_time"):
            slots["from_time"] = event["time"]
    elif intent in {"sales.update", "sales.deal_status"} and last.get("deal") and \
            str(slots.get("deal") or "").lower() in _PRONOUN:
        slots["deal"] = last["deal"]
    elif intent in {"email.send", "contacts.lookup", "appointments.schedule"} and \
            last.get("contact") and str(slots.get("contact") or "").lower() in \
            _PRONOUN - {""}:
        slots["contact"] = last["contact"]
        if "who" in slots:
            slots["who"] = last["contact"]
    else:
        return understood
    return Understanding(intent, slots, understood.confidence, understood.route)


def remember(memory: dict[str, Any], understood: Understanding, answer: Answer,
             zone: str) -> dict[str, Any]:
    """The memory after ``answer``: a new pending clarification, the last things named."""
    out: dict[str, Any] = {"last": dict(memory.get("last") or {}), "pending": None}
    options = answer.data.get("clarify") if isinstance(answer.data, dict) else None
    slots = understood.slots
    if options:
        slot = _ASKED_SLOT.get(understood.intent, "contact")
        out["pending"] = {"intent": understood.intent, "route": understood.route,
                          "slots": slots, "slot": slot, "options": [str(o) for o in options]}
        return out
    last = out["last"]
    before = (last.get("event"), last.get("deal"), last.get("contact"))
    for action in answer.actions:
        payload = getattr(action, "payload", None) or {}
        if action.kind.startswith(("calendar.", "appointments.")) and payload.get("start"):
            last["event"] = _event(str(payload.get("summary") or ""), str(payload["start"]),
                                   zone)
    if understood.intent == "appointments.schedule" and slots.get("start") and \
            "event" not in last:
        last["event"] = _event(str(slots.get("what") or ""), str(slots["start"]), zone)
    if understood.intent.startswith("sales.") and slots.get("deal"):
        last["deal"] = slots["deal"]
    contact = slots.get("contact")
    if contact and str(contact).lower() not in _PRONOUN:
        last["contact"] = contact
    after = (last.get("event"), last.get("deal"), last.get("contact"))
    for kind, old, new in zip(("event", "deal", "contact"), before, after, strict=True):
        if new and new != old:
            last["recent"] = kind
    if understood.intent.startswith("sales.") and slots.get("deal"):
        last["recent"] = "deal"
    elif understood.intent.startswith(("calendar.", "appointments.")) and answer.actions:
        last["recent"] = "event"
    return out


def _event(summary: str, start: str, zone: str) -> dict[str, str]:
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(start).astimezone(ZoneInfo(zone))
    return {"summary": summary, "date": moment.date().isoformat(),
            "time": moment.strftime("%H:%M")}
