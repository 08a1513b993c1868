"""A deal's activity timeline, built from what the assistant already sees.

Emails with the deal's people (the mailbox calls :func:`link_message`), calendar events they
attend (:func:`link_events`, run by the sales job and before answering), calls from or to their
numbers (:func:`link_call`), notes, and every change of the deal itself. Linking is idempotent:
the source and its reference (Message-ID, event UID, call id) are unique per deal. When one
person is on several open deals, the words of the subject decide where it goes if they can;
otherwise it is linked to each, and the client unlinks what does not belong
(:func:`unlink`) -- an unlinked entry is kept, hidden, so it is never linked again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.duties.sales.linking import link_deal
from righthand.duties.sales.records import DealView, deals_of_addresses, load
from righthand.errors import BadInput, NotFound
from righthand.store.tables import (
    ContactPhone,
    ContactRow,
    DealActivityRow,
    DealContactRow,
    DealRow,
    EventRow,
)

TOUCHES = ("email_in", "email_out", "event", "call", "note")
LINK_WINDOW = timedelta(days=120)


@dataclass(frozen=True)
class Activity:
    """One timeline entry as shown."""

    id: int
    deal_id: int
    kind: str
    at: datetime
    summary: str
    source: str
    contact: str | None = None
    unlinked: bool = False
    data: dict[str, Any] | None = None


def add(session: Session, workspace_id: int, deal_id: int, *, kind: str, at: datetime,
        summary: str, source: str, source_ref: str | None = None,
        contact_id: int | None = None, action_id: int | None = None,
        data: dict[str, Any] | None = None) -> DealActivityRow | None:
    """Add an entry; None when this source reference is already on the deal's timeline."""
    if source_ref is not None and session.scalars(select(DealActivityRow.id).where(
            DealActivityRow.deal_id == deal_id, DealActivityRow.source == source,
            DealActivityRow.source_ref == source_ref)).first() is not None:
        return None
    row = DealActivityRow(workspace_id=workspace_id, deal_id=deal_id, kind=kind, at=at,
                          summary=summary[:2000], source=source, source_ref=source_ref,
                          contact_id=contact_id, action_id=action_id, data=data)
    session.add(row)
    session.flush()
    return row


def entries(session: Session, deal_id: int, *, include_unlinked: bool = False,
            until: datetime | None = None, kinds: Sequence[str] | None = None,
            limit: int | None = None) -> list[Activity]:
    """The deal's timeline, newest first."""
    query = (select(DealActivityRow, ContactRow.display_name)
             .outerjoin(ContactRow, ContactRow.id == DealActivityRow.contact_id)
             .where(DealActivityRow.deal_id == deal_id)
             .order_by(DealActivityRow.at.desc(), DealActivityRow.id.desc()))
    if not include_unlinked:
        query = query.where(DealActivityRow.unlinked_at.is_(None))
    if until is not None:
        query = query.where(DealActivityRow.at <= until)
    if kinds is not None:
        query = query.where(DealActivityRow.kind.in_(list(kinds)))
    if limit is not None:
        query = query.limit(limit)
    return [Activity(id=row.id, deal_id=row.deal_id, kind=row.kind, at=row.at,
                     summary=row.summary, source=row.source, contact=name,
                     unlinked=row.unlinked_at is not None, data=row.data)
            for row, name in session.execute(query).all()]


def last_touch(session: Session, deal_id: int, now: datetime) -> Activity | None:
    """The latest email, meeting, call or note (not a change of the deal itself)."""
    found = entries(session, deal_id, until=now, kinds=TOUCHES, limit=1)
    return found[0] if found else None


def unlink(session: Session, activity_id: int, now: datetime) -> Activity:
    """Take an entry off its deal's timeline (kept hidden so it is never linked again)."""
    row = session.get(DealActivityRow, activity_id)
    if row is None:
        raise NotFound(f"there is no timeline entry #{activity_id}",
                       hint="Entry numbers are shown by `righthand deals timeline DEAL`.")
    if row.kind in {"stage_change", "status_change", "created"}:
        raise BadInput("a change of the deal itself cannot be unlinked",
                       hint="Undo the change instead: `righthand undo ACTION`.")
    if row.unlinked_at is not None:
        raise BadInput(f"entry #{activity_id} is already unlinked")
    row.unlinked_at = now
    session.flush()
    return Activity(id=row.id, deal_id=row.deal_id, kind=row.kind, at=row.at,
                    summary=row.summary, source=row.source, unlinked=True)


def relink(session: Session, activity_id: int) -> None:
    """Put an unlinked entry back (undo of :func:`unlink`)."""
    row = session.get(DealActivityRow, activity_id)
    if row is not None:
        row.unlinked_at = None
        session.flush()


def _choose(session: Session, candidates: dict[int, list[tuple[int, str]]],
            text: str) -> dict[int, list[tuple[int, str]]]:
    """Of several deals a person is on, the one ``text`` names, if it names exactly one."""
    if len(candidates) < 2:
        return candidates
    deals = load(session, ids=candidates, status=None)
    stage_words = [s.name for d in deals for s in d.pipeline.stages]
    link = link_deal(text, deals, stage_words)
    if link.deal is not None:
        return {link.deal.id: candidates[link.deal.id]}
    return candidates


def link_message(session: Session, workspace_id: int, *, message_id: str, sender: str,
                 recipients: Iterable[str], subject: str, at: datetime, direction: str,
                 snippet: str | None = None) -> list[int]:
    """Put an email on the timeline of each open deal whose people wrote or received it.

    ``direction`` is "in" (to the client) or "out" (sent by the client). Returns deal ids."""
    if direction not in {"in", "out"}:
        raise BadInput("direction is 'in' or 'out'")
    others = [sender] if direction == "in" else list(recipients)
    matched = _choose(session, deals_of_addresses(session, others), subject)
    linked = []
    for deal_id, people in matched.items():
        contact_id = people[0][0]
        kind = "email_in" if direction == "in" else "email_out"
        data = {"subject": subject, "from": sender, "to": list(recipients)}
        if snippet:
            data["snippet"] = snippet[:300]
        if add(session, workspace_id, deal_id, kind=kind, at=at, summary=subject or
               "(no subject)", source="mailbox", source_ref=message_id, contact_id=contact_id,
               data=data) is not None:
            linked.append(deal_id)
    return linked


def link_call(session: Session, workspace_id: int, *, call_id: str, number: str,
              at: datetime, summary: str, direction: str = "in") -> list[int]:
    """Put a call on the timeline of each open deal of the person with that number (E.164)."""
    contact_ids = set(session.scalars(select(ContactPhone.contact_id)
                                      .where(ContactPhone.e164 == number)))
    if not contact_ids:
        return []
    rows = session.execute(select(DealContactRow.deal_id, DealContactRow.contact_id,
                                  DealContactRow.role)
                           .join(DealRow, DealRow.id == DealContactRow.deal_id)
                           .where(DealContactRow.contact_id.in_(contact_ids),
                                  DealRow.status == "open")).all()
    candidates: dict[int, list[tuple[int, str]]] = {}
    for deal_id, contact_id, role in rows:
        candidates.setdefault(deal_id, []).append((contact_id, role))
    linked = []
    for deal_id, people in _choose(session, candidates, summary).items():
        if add(session, workspace_id, deal_id, kind="call", at=at, summary=summary,
               source="calls", source_ref=call_id, contact_id=people[0][0],
               data={"number": number, "direction": direction}) is not None:
            linked.append(deal_id)
    return linked


def link_events(session: Session, workspace_id: int, now: datetime) -> int:
    """Link past events (up to now, within the last months) attended by open deals' people."""
    deals = load(session)
    by_address: dict[str, list[tuple[DealView, int]]] = {}
    for deal in deals:
        for party in deal.parties:
            for address in party.emails:
                by_address.setdefault(address.lower(), []).append((deal, party.contact_id))
    if not by_address:
        return 0
    count = 0
    events = session.scalars(select(EventRow).where(
        EventRow.starts_at <= now, EventRow.starts_at >= now - LINK_WINDOW,
        EventRow.status != "CANCELLED")).all()
    for event in events:
        candidates: dict[int, list[tuple[int, str]]] = {}
        for attendee in (event.attendees or {}).get("list", []):
            for deal, contact_id in by_address.get(str(attendee.get("email", "")).lower(), []):
                candidates.setdefault(deal.id, []).append((contact_id, ""))
        for deal_id, people in _choose(session, candidates, event.summary).items():
            if add(session, workspace_id, deal_id, kind="event", at=event.starts_at,
                   summary=event.summary, source="calendar", source_ref=event.uid,
                   contact_id=people[0][0], data={"event_id": event.id}) is not None:
                count += 1
    return count


def upcoming_events(session: Session, deal: DealView, now: datetime,
                    days: int = 14) -> list[EventRow]:
    """Events in the coming ``days`` that the deal's people attend, soonest first."""
    addresses = deal.addresses()
    if not addresses:
        return []
    found = []
    for event in session.scalars(select(EventRow).where(
            EventRow.starts_at > now, EventRow.starts_at <= now + timedelta(days=days),
            EventRow.status != "CANCELLED").order_by(EventRow.starts_at)):
        emails = {str(a.get("email", "")).lower() for a in (event.attendees or {}).get("list", [])}
        if emails & addresses:
            found.append(event)
    return found


def counts(session: Session, deal_ids: Sequence[int]) -> dict[int, int]:
    """Visible timeline entries per deal."""
    if not deal_ids:
        return {}
    rows = session.execute(select(DealActivityRow.deal_id, func.count())
                           .where(DealActivityRow.deal_id.in_(list(deal_ids)),
                                  DealActivityRow.unlinked_at.is_(None))
                           .group_by(DealActivityRow.deal_id))
    return {int(deal_id): int(count) for deal_id, count in rows}
