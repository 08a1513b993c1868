"""Mailings in the store: create, find (fuzzy), edit drafts; who a mailing goes to; who may
not be reached (suppressed, unsubscribed) -- checked again at send time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.duties.mailings import states
from righthand.duties.mailings.merge import Person
from righthand.duties.mailings.templates import Templates, check
from righthand.errors import BadInput, NotFound
from righthand.store.tables import (
    ContactRow,
    Mailing,
    MailingListRow,
    MailingRecipient,
    Segment,
    Subscription,
    Suppression,
)

SEND_STATES = ("pending", "sending", "sent", "failed", "uncertain", "skipped")


@dataclass(frozen=True)
class Target:
    """One address a mailing goes to, and the contact that owns it."""

    contact_id: int | None
    address: str


def templates_of(mailing: Mailing) -> Templates:
    """The mailing's content."""
    return Templates(mailing.subject, mailing.body_text, mailing.body_html or None)


def find_list(session: Session, name: str) -> MailingListRow:
    """A list by slug or name (a trailing 'list' ignored), or a clear error."""
    wanted = name.strip().lower().removesuffix(" list").strip()
    for row in session.scalars(select(MailingListRow)):
        if wanted in {row.slug.lower(), row.name.lower(), row.name.lower().removesuffix(" list")}:
            return row
    names = ", ".join(r.slug for r in session.scalars(select(MailingListRow))) or "none yet"
    raise NotFound(f"there is no list called {name!r}", hint=f"Your lists: {names}.")


def find_segment(session: Session, name: str) -> Segment:
    """A segment by name (case-insensitive), or a clear error."""
    found = session.scalars(select(Segment).where(
        func.lower(Segment.name) == name.strip().lower())).first()
    if found is None:
        names = ", ".join(s.name for s in session.scalars(select(Segment))) or "none yet"
        raise NotFound(f"there is no segment called {name!r}", hint=f"Your segments: {names}.")
    return found


def create(session: Session, workspace_id: int, *, name: str, list_name: str, subject: str,
           text: str, html: str | None, now: datetime, segment: str | None = None,
           per_second: float | None = None) -> Mailing:
    """A new draft mailing; its templates must compile."""
    name = name.strip()
    if not name:
        raise BadInput("the mailing needs a name", hint="For example \"Spring newsletter\".")
    if session.scalars(select(Mailing).where(func.lower(Mailing.name) == name.lower())).first():
        raise BadInput(f"a mailing called {name!r} already exists",
                       hint="Pick another name, or see `righthand mailings list`.")
    check(Templates(subject, text, html))
    mailing_list = find_list(session, list_name)
    seg = find_segment(session, segment) if segment else None
    mailing = Mailing(workspace_id=workspace_id, name=name, list_id=mailing_list.id,
                      segment_id=seg.id if seg else None, subject=subject, body_text=text,
                      body_html=html or None, status="draft", per_second=per_second,
                      created_at=now)
    session.add(mailing)
    session.flush()
    return mailing


def edit(session: Session, mailing: Mailing, *, subject: str | None = None,
         text: str | None = None, html: str | None = None, list_name: str | None = None,
         segment: str | None = None, per_second: float | None = None) -> Mailing:
    """Change a draft (only drafts change: what was approved is what is sent)."""
    if mailing.status != "draft":
        raise states.IllegalTransition(
            f"the mailing {mailing.name!r} is {mailing.status}; only drafts can be edited",
            hint="Create a new mailing (or wait until this one is finished and copy it).")
    new = Templates(subject if subject is not None else mailing.subject,
                    text if text is not None else mailing.body_text,
                    html if html is not None else mailing.body_html)
    check(new)
    mailing.subject, mailing.body_text, mailing.body_html = new.subject, new.text, new.html
    if list_name is not None:
        mailing.list_id = find_list(session, list_name).id
    if segment is not None:
        mailing.segment_id = find_segment(session, segment).id if segment else None
    if per_second is not None:
        mailing.per_second = per_second
    return mailing


def find(session: Session, name: str, *, statuses: Sequence[str] | None = None) -> Mailing:
    """A mailing by exact name, else the closest name (fuzzy), or a clear error."""
    from rapidfuzz import fuzz, process

    rows = list(session.scalars(select(Mailing).order_by(Mailing.id)))
    if statuses is not None:
        rows = [r for r in rows if r.status in statuses] or rows
    wanted = name.strip().lower()
    for row in rows:
        if row.name.lower() == wanted:
            return row
    choices = {row.id: row.name.lower() for row in rows}
    best = process.extractOne(wanted, choices, scorer=fuzz.WRatio, score_cutoff=75)
    if best is None:
        known = ", ".join(f"\"{r.name}\"" for r in rows[-8:]) or "none yet"
        raise NotFound(f"there is no mailing called {name!r}",
                       hint=f"Your mailings: {known}. Create one with `righthand mailings "
                            "create`.")
    return next(r for r in rows if r.id == best[2])


# -- recipients -------------------------------------------------------------------------------
def targets(session: Session, list_id: int, segment_id: int | None = None) -> list[Target]:
    """Who the list (or its segment) reaches now: confirmed, not suppressed, one address each
    (the lists duty's own query, so a mailing and the list agree on who is on it)."""
    from righthand.duties.lists.segments import recipients

    return [Target(r.contact_id, r.address.lower())
            for r in recipients(session, list_id, segment_id)]


def blocked_reason(session: Session, list_id: int | None, contact_id: int | None,
                   address: str) -> str | None:
    """Why ``address`` may not be sent to now (suppressed, unsubscribed, ...), or None."""
    suppression = session.scalar(select(Suppression.reason).where(
        func.lower(Suppression.address) == address.lower()).limit(1))
    return reason_from(suppression, _subscription_state(session, list_id, contact_id), list_id)


def _subscription_state(session: Session, list_id: int | None,
                        contact_id: int | None) -> str | None:
    if list_id is None or contact_id is None:
        return None
    return session.scalar(select(Subscription.state).where(
        Subscription.list_id == list_id, Subscription.contact_id == contact_id))


def reason_from(suppression: str | None, subscription: str | None,
                list_id: int | None) -> str | None:
    """The skip reason from a suppression reason and a subscription state."""
    if suppression:
        return f"suppressed ({suppression.replace('_', ' ')})"
    if list_id is None:
        return None
    if subscription is None:
        return "no longer on the list"
    if subscription == "unsubscribed":
        return "unsubscribed from the list"
    if subscription != "confirmed":
        return f"subscription is {subscription}"
    return None


def people(session: Session, found: Sequence[Target]) -> list[Person]:
    """The merge data of ``found`` recipients, in the same order."""
    ids = [t.contact_id for t in found if t.contact_id is not None]
    rows: dict[int, ContactRow] = {}
    for start in range(0, len(ids), 500):
        rows.update((c.id, c) for c in session.scalars(
            select(ContactRow).where(ContactRow.id.in_(ids[start:start + 500]))))
    return [person_of(rows.get(t.contact_id) if t.contact_id else None, t.address)
            for t in found]


def person_of(contact: ContactRow | None, address: str) -> Person:
    """A :class:`Person` from a contact row (or only an address)."""
    if contact is None:
        return Person(address=address)
    return Person(address=address, contact_id=contact.id, given_name=contact.given_name,
                  family_name=contact.family_name, display_name=contact.display_name,
                  company=contact.company, attributes=contact.attributes,
                  postal_address=contact.postal_address)


def counts(session: Session, mailing_id: int) -> dict[str, int]:
    """How many recipients are in each send state."""
    found = dict(session.execute(select(MailingRecipient.status, func.count())
                                 .where(MailingRecipient.mailing_id == mailing_id)
                                 .group_by(MailingRecipient.status)).all())
    return {state: int(found.get(state, 0)) for state in SEND_STATES}
