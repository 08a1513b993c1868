"""Mailing lists and who is on them: states, consent, unsubscribes, double opt-in.

A subscription is ``unconfirmed`` (double opt-in, waiting for the person's click),
``confirmed`` or ``unsubscribed``. Nothing here ever turns ``unsubscribed`` back into anything
else: only the person can, by signing up again (a new consent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.lists.contacts import email_owners
from righthand.duties.lists.suppression import suppress
from righthand.duties.plugin import EffectResult
from righthand.errors import BadInput, CannotUndo, NotFound
from righthand.store.tables import ContactRow, MailingListRow, Subscription

OPT_INS = ("single", "double")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def find_list(session: Session, name: str) -> MailingListRow | None:
    """A list by slug or (case-insensitive) name, ignoring a trailing 'list'."""
    wanted = name.strip().lower().removesuffix(" list").removesuffix(" mailing").strip()
    for row in session.scalars(select(MailingListRow)):
        if wanted in {row.slug.lower(), row.name.lower(),
                      row.name.lower().removesuffix(" list")}:
            return row
    return None


def resolve_list(session: Session, name: str) -> MailingListRow:
    """The list called ``name``, or NotFound naming the lists there are."""
    row = find_list(session, name)
    if row is None:
        names = ", ".join(r.slug for r in session.scalars(select(MailingListRow)))
        raise NotFound(f"there is no list called {name!r}",
                       hint=f"Lists: {names or 'none yet'}. Create one with "
                            "`righthand lists create SLUG --name NAME`.")
    return row


def initial_state(mailing_list: MailingListRow) -> str:
    """The state a new subscriber starts in: double opt-in lists wait for the click."""
    return "unconfirmed" if mailing_list.opt_in == "double" else "confirmed"


def counts(session: Session) -> dict[int, dict[str, int]]:
    """list id -> state -> how many."""
    found: dict[int, dict[str, int]] = {}
    for list_id, state, number in session.execute(
            select(Subscription.list_id, Subscription.state, func.count())
            .group_by(Subscription.list_id, Subscription.state)):
        found.setdefault(list_id, {})[state] = int(number)
    return found


@dataclass
class Member:
    """One person on a list, with the consent record."""

    contact_id: int
    name: str
    state: str
    source: str
    changed_at: datetime
    consent_at: datetime | None


def members(session: Session, list_id: int, state: str | None = None,
            limit: int | None = None, offset: int = 0) -> list[Member]:
    """The list's subscribers (every state unless ``state``), by name; ``offset`` skips that
    many (a page further on)."""
    query = (select(Subscription, ContactRow.display_name)
             .join(ContactRow, ContactRow.id == Subscription.contact_id)
             .where(Subscription.list_id == list_id)
             .order_by(func.lower(ContactRow.display_name), ContactRow.id))
    if state:
        query = query.where(Subscription.state == state)
    if offset:
        query = query.offset(offset)
    if limit:
        query = query.limit(limit)
    return [Member(s.contact_id, name, s.state, s.source, s.changed_at, s.consent_at)
            for s, name in session.execute(query)]


@dataclass
class Unsubscribed:
    """What an unsubscribe by the person did."""

    address: str
    lists: list[str]
    suppressed: bool
    already: bool


def unsubscribe_address(session: Session, workspace_id: int, list_id: int | None,
                        address: str, source: str, now: datetime,
                        everywhere: bool = False) -> Unsubscribed:
    """The person at ``address`` leaves ``list_id`` (or everything). When neither the list
    nor the address is known any more, the address is suppressed: the wish is honoured."""
    address = address.strip().lower()
    owner = email_owners(session, [address]).get(address)
    mailing_list = session.get(MailingListRow, list_id) if list_id is not None else None
    if everywhere or owner is None or mailing_list is None:
        _, new = suppress(session, workspace_id, address, "unsubscribed", source, now)
        left: list[str] = []
        if owner is not None:
            for mine, name in session.execute(
                    select(Subscription, MailingListRow.name)
                    .join(MailingListRow, MailingListRow.id == Subscription.list_id)
                    .where(Subscription.contact_id == owner)):
                if mine.state != "unsubscribed":
                    _leave(mine, source, now)
                    left.append(name)
        return Unsubscribed(address, left, suppressed=True, already=not new and not left)
    sub = session.scalars(select(Subscription).where(
        Subscription.list_id == mailing_list.id, Subscription.contact_id == owner)).first()
    if sub is not None and sub.state == "unsubscribed":
        return Unsubscribed(address, [mailing_list.name], suppressed=False, already=True)
    if sub is None:  # never on it: record the wish, so nobody adds them later
        session.add(Subscription(workspace_id=workspace_id, list_id=mailing_list.id,
                                 contact_id=owner, state="unsubscribed", source=source[:200],
                                 changed_at=now))
    else:
        _leave(sub, source, now)
    session.flush()
    return Unsubscribed(address, [mailing_list.name], suppressed=False, already=False)


def _leave(sub: Subscription, source: str, now: datetime) -> None:
    sub.state = "unsubscribed"
    sub.source = source[:200]
    sub.changed_at = now


def confirm_address(session: Session, list_id: int, address: str, now: datetime) -> str:
    """Double opt-in: the person clicked the confirmation link. Returns the new state."""
    owner = email_owners(session, [address]).get(address.strip().lower())
    sub = session.scalars(select(Subscription).where(
        Subscription.list_id == list_id, Subscription.contact_id == owner)).first() \
        if owner is not None else None
    if sub is None:
        raise NotFound("this sign-up is not known (any more)")
    if sub.state == "unconfirmed":
        sub.state = "confirmed"
        sub.consent_at = now
        sub.changed_at = now
        sub.source = f"{sub.source}; confirmed by link"[:200]
    return sub.state


# -- effects ------------------------------------------------------------------------------------
class UnsubscribeEffect:
    """lists.unsubscribe: take a contact off a list; undo puts the previous state back."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Mark the subscription unsubscribed (creating the record if there was none)."""
        list_id, contact_id = int(payload["list_id"]), int(payload["contact_id"])
        if session.get(MailingListRow, list_id) is None:
            raise NotFound(f"the list {payload.get('list')!r} no longer exists")
        if session.get(ContactRow, contact_id) is None:
            raise NotFound(f"contact #{contact_id} no longer exists")
        sub = session.scalars(select(Subscription).where(
            Subscription.list_id == list_id, Subscription.contact_id == contact_id)).first()
        before = None if sub is None else {"state": sub.state, "source": sub.source,
                                           "changed_at": sub.changed_at.isoformat()}
        source = str(payload.get("source") or "unsubscribed by the client")
        if sub is None:
            sub = Subscription(workspace_id=workspace_id, list_id=list_id,
                               contact_id=contact_id, state="unsubscribed", source=source[:200],
                               changed_at=now)
            session.add(sub)
        else:
            _leave(sub, source, now)
        session.flush()
        return EffectResult(result={"subscription_id": sub.id, "state": sub.state},
                            undo={"subscription_id": sub.id, "before": before})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Restore the state before the unsubscribe (or remove the record it made)."""
        sub = session.get(Subscription, int(undo["subscription_id"]))
        before = undo.get("before")
        if sub is not None:
            if before is None:
                session.delete(sub)
            else:
                sub.state = str(before["state"])
                sub.source = str(before["source"])
                sub.changed_at = datetime.fromisoformat(before["changed_at"])
        return f"Put {payload.get('name', 'them')} back on {payload.get('list', 'the list')}."


class CreateListEffect:
    """lists.create: a new mailing list; undo removes it while nobody is on it."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Create the list."""
        slug = str(payload["slug"])
        if session.scalars(select(MailingListRow).where(MailingListRow.slug == slug)).first():
            raise BadInput(f"a list called {slug!r} already exists")
        row = MailingListRow(workspace_id=workspace_id, slug=slug, name=str(payload["name"]),
                             opt_in=str(payload.get("opt_in") or "single"))
        session.add(row)
        session.flush()
        return EffectResult(result={"list_id": row.id}, undo={"list_id": row.id})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Delete the list, if it is still empty."""
        row = session.get(MailingListRow, int(undo["list_id"]))
        if row is None:
            return f"The list {payload['slug']} was already gone."
        if session.scalar(select(func.count()).select_from(Subscription).where(
                Subscription.list_id == row.id)):
            raise CannotUndo(f"the list {row.slug} has subscribers now; deleting it would lose "
                             "their consent and unsubscribe records")
        session.delete(row)
        return f"Removed the list {row.slug} again."


def check_new_list(slug: str, name: str, opt_in: str) -> None:
    """BadInput unless slug, name and opt-in make a valid new list."""
    if not _SLUG.match(slug):
        raise BadInput(f"list name {slug!r} must be lower-case letters, digits and dashes",
                       hint="For example `righthand lists create spring-open-house`.")
    if opt_in not in OPT_INS:
        raise BadInput(f"opt-in is single or double, not {opt_in!r}",
                       hint="Double opt-in waits for each person to confirm by email.")
    if not name.strip():
        raise BadInput("the list needs a name")


def create_list_action(slug: str, name: str, opt_in: str) -> Action:
    """The ``lists.create`` action for a new list (checked by :func:`check_new_list`)."""
    check_new_list(slug, name, opt_in)
    return Action(duty="lists.maintain", kind="lists.create",
                  payload={"slug": slug, "name": name, "opt_in": opt_in},
                  summary=f"Create the {opt_in} opt-in list {name!r} ({slug})", undoable=True)
