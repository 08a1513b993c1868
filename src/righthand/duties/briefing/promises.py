"""Promises in the client's sent mail become follow-ups: "I'll send the proposal tomorrow" is
a reminder, tomorrow morning, to send the proposal.

:func:`detect_promises` is pure (text, when it was sent, the client's zone). Quoted text,
signatures, questions, negations and social phrases ("I'll see you then", "I'll be there")
are not promises. Without a day in the sentence, the follow-up is due the next working day.
The mailbox calls :func:`follow_ups_from_sent_mail` for each message the client sent and
puts the returned actions through the executor (proactive: a reactive briefing duty gets them
denied by the gate, as it should).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.domain.when import find_when
from righthand.duties.briefing.reminders import DEFAULT_HOUR, Due, create_action
from righthand.store.tables import ContactEmail, ContactRow, DealContactRow, DealRow

_COMMIT = re.compile(
    r"\b(?:i(?:'ll|\s+will|\s+shall|'m\s+going\s+to|\s+am\s+going\s+to|\s+promise\s+to|"
    r"'d\s+be\s+happy\s+to)|we(?:'ll|\s+will|'re\s+going\s+to|\s+are\s+going\s+to)|let\s+me)"
    r"\s+(?:(?:also|definitely|certainly|just|try\s+to|make\s+sure\s+to|be\s+sure\s+to|"
    r"get\s+back\s+to\s+you\s+and)\s+)*(?P<verb>[a-z]+)\b(?P<rest>[^.!?;]*)", re.I)
_SOCIAL = {"be", "see", "miss", "assume", "need", "want", "probably", "hopefully", "not",
           "never", "bet", "admit", "wait"}
_SOCIAL_PHRASES = re.compile(r"\b(?:talk|speak|chat)\s+(?:to\s+you\s+)?soon\b|"
                             r"\bsee\s+you\b|\bkeep\s+(?:that|it)\s+in\s+mind\b", re.I)
_NEGATED = re.compile(r"\b(?:won't|will\s+not|can't|cannot|couldn't|wouldn't|if\s+you\s+"
                      r"(?:want|like|need)|unless)\b", re.I)


@dataclass(frozen=True)
class Promise:
    """Something the client said they would do, and when it is due."""

    sentence: str
    action: str
    due: datetime
    has_time: bool
    explicit: bool  # the sentence said when


def _new_part(text: str) -> str:
    """The client's own words: quoted lines, the quoted message and the signature dropped."""
    kept = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in {"--", "-- "} or re.match(
                r"^(?:On .{5,200}wrote:|-{2,}\s*Original Message\s*-{2,}|From: )", stripped):
            break
        if not stripped.startswith(">"):
            kept.append(line)
    return "\n".join(kept)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*[-*•])", text)
    return [" ".join(p.split()) for p in parts if p and p.strip()]


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _promise(text: str, sentence: str, sent_on: date, zone: ZoneInfo) -> Promise | None:
    match = _COMMIT.search(text)
    if match is None or match.group("verb").lower() in _SOCIAL:
        return None
    if _NEGATED.search(text[:match.start()] + match.group(0)):
        return None
    clause = f"{match.group('verb')}{match.group('rest')}".strip(" ,")
    own = find_when(clause, sent_on)
    when = own or find_when(sentence, sent_on)
    if when is not None:
        action = when.strip_from(clause) if own else clause
        due_day, at = when.day, when.time
    else:
        action, due_day, at = clause, _next_working_day(sent_on), None
    action = re.sub(r"\s+(?:as\s+soon\s+as\s+(?:i\s+can|possible)|asap|shortly|soon)$",
                    "", action.strip(" ,"), flags=re.I)
    if len(action.split()) < 2:
        return None
    due = datetime.combine(due_day, at or DEFAULT_HOUR, zone)
    return Promise(sentence=sentence, action=action[:160], due=due, has_time=at is not None,
                   explicit=when is not None)


def detect_promises(text: str, sent_at: datetime, tz: str) -> list[Promise]:
    """Promises the client made in ``text`` (sent at ``sent_at``), each with when it is due."""
    zone = ZoneInfo(tz)
    sent_on = sent_at.astimezone(zone).date()
    found: list[Promise] = []
    for sentence in _sentences(_new_part(text)):
        if sentence.rstrip().endswith("?") or _SOCIAL_PHRASES.search(sentence):
            continue
        # "Let me check with Maria and I'll call you on Monday": two promises.
        for clause_text in re.split(r"\s+and\s+(?=(?:i'll|i\s+will|we'll|we\s+will)\b)",
                                    sentence, flags=re.I):
            promise = _promise(clause_text, sentence, sent_on, zone)
            if promise is not None:
                found.append(promise)
    return found


def _recipient(session: Session, to: Sequence[str]) -> tuple[int | None, str | None, int | None]:
    for address in to:
        row = session.execute(select(ContactRow.id, ContactRow.display_name, ContactRow.given_name)
                              .join(ContactEmail, ContactEmail.contact_id == ContactRow.id)
                              .where(func.lower(ContactEmail.address) == address.lower())).first()
        if row is not None:
            deals = session.scalars(select(DealContactRow.deal_id).join(
                DealRow, DealRow.id == DealContactRow.deal_id).where(
                DealContactRow.contact_id == row[0], DealRow.status == "open")).all()
            return row[0], row[1], deals[0] if len(deals) == 1 else None
    return None, None, None


def personal(action: str, name: str | None) -> str:
    """'send you the proposal' -> 'Send Bob Chen the proposal'."""
    text = action
    if name:
        text = re.sub(r"\byou\b", name, text, count=1, flags=re.I)
        text = re.sub(r"\byour\b", f"{name}'s", text, count=1, flags=re.I)
    return text[:1].upper() + text[1:]


def follow_ups_from_sent_mail(session: Session, *, message_id: str, text: str,
                              sent_at: datetime, tz: str, to: Sequence[str]) -> list[Action]:
    """Follow-up actions (proactive, one per promise, idempotent per message) for a message
    the client sent."""
    contact_id, name, deal_id = _recipient(session, to)
    actions = []
    for index, promise in enumerate(detect_promises(text, sent_at, tz)):
        what = personal(promise.action, name)
        actions.append(create_action(
            what, Due(promise.due, promise.has_time), kind="follow_up", contact_id=contact_id,
            deal_id=deal_id, source="sent_mail", source_ref=message_id,
            dedupe_key=f"promise:{message_id}:{index}"[:300], initiative=Initiative.PROACTIVE,
            summary=f"Follow-up: {what} (you promised “{promise.sentence[:80]}”)"))
    return actions
