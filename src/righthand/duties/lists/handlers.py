"""Handlers and effects of lists.maintain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.plugin import EffectResult, Reply, Request
from righthand.errors import BadInput
from righthand.store.tables import ContactEmail, ContactRow, MailingListRow, Subscription


def find_list(session: Session, name: str) -> MailingListRow | None:
    """A list by slug or (case-insensitive) name, ignoring a trailing 'list'."""
    wanted = name.strip().lower().removesuffix(" list").strip()
    rows = session.scalars(select(MailingListRow)).all()
    for row in rows:
        if wanted in {row.slug.lower(), row.name.lower(), row.name.lower().removesuffix(" list")}:
            return row
    return None


def contact_by_email(session: Session, address: str) -> ContactRow | None:
    """The contact that owns ``address`` (already normalised)."""
    email = session.scalars(select(ContactEmail).where(ContactEmail.address == address)).first()
    return session.get(ContactRow, email.contact_id) if email else None


def subscribe(request: Request) -> Reply:
    """'Add Sue Park, sue@example.com, to the newsletter list'."""
    slots = request.slots
    email = str(slots.get("email") or "").strip().lower()
    name = str(slots.get("contact") or "").strip()
    list_name = str(slots.get("list") or "").strip()
    if not list_name:
        return Reply("Which list should I add them to?")
    row = find_list(request.session, list_name)
    if row is None:
        names = ", ".join(r.name for r in request.session.scalars(select(MailingListRow)))
        return Reply(f"I don't have a list called \"{list_name}\". Your lists: {names or 'none'}.")
    if not email and name:
        found = request.session.scalars(
            select(ContactRow).where(func.lower(ContactRow.display_name) == name.lower())).first()
        if found is not None:
            first = request.session.scalars(select(ContactEmail).where(
                ContactEmail.contact_id == found.id)).first()
            email = first.address if first else ""
    return add_to(request.session, row, email, name, request.requested_by)


def add_to(session: Session, row: MailingListRow, email: str, name: str,
           requested_by: str) -> Reply:
    """Add the person at ``email`` (known or new, called ``name``) to a known list: a
    lists.subscribe action, unless the address is suppressed, they unsubscribed from the list
    (only their own new consent brings them back) or are on it already."""
    if not email or "@" not in email:
        return Reply(f"What is {name or 'their'} email address? I need one to add them to "
                     f"{row.name}.")
    from righthand.duties.lists.normalise import InvalidValue, normalise_email
    from righthand.duties.lists.suppression import find as find_suppression

    try:
        email = normalise_email(email)
    except InvalidValue as exc:
        return Reply(f"I can't use that address: {exc}.")
    blocked = find_suppression(session, email)
    if blocked is not None:
        return Reply(f"{email} is on the suppression list ({blocked.reason.replace('_', ' ')}, "
                     f"{blocked.created_at:%d %B %Y}), so no mailing may reach it. If they have "
                     f"asked to hear from you again: `righthand suppression remove {email}`.")
    existing = contact_by_email(session, email)
    if existing is not None:
        sub = session.scalars(select(Subscription).where(
            Subscription.list_id == row.id, Subscription.contact_id == existing.id)).first()
        if sub is not None and sub.state == "unsubscribed":
            return Reply(f"{existing.display_name} unsubscribed from {row.name} on "
                         f"{sub.changed_at:%d %B %Y}. I won't add them back without their own "
                         "consent (a new opt-in from them).")
        if sub is not None:
            return Reply(f"{existing.display_name} is already on {row.name} ({sub.state}).")
    display = name or (existing.display_name if existing else email)
    action = Action(duty="lists.maintain", kind="lists.subscribe",
                    payload={"list_id": row.id, "list": row.name, "name": display,
                             "email": email, "source": f"requested by {requested_by}"},
                    summary=f"Add {display} <{email}> to {row.name}", undoable=True)
    return Reply(f"Adding {display} to {row.name}.", actions=[action])


class SubscribeEffect:
    """Creates the contact when new, and the subscription; undo removes what it added."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Create contact (if needed) and subscription."""
        mailing_list = session.get(MailingListRow, int(payload["list_id"]))
        if mailing_list is None:
            raise BadInput(f"the list {payload.get('list')!r} no longer exists")
        email = str(payload["email"]).lower()
        contact = contact_by_email(session, email)
        created = contact is None
        if contact is None:
            given, _, family = str(payload["name"]).partition(" ")
            contact = ContactRow(workspace_id=workspace_id, display_name=str(payload["name"]),
                                 given_name=given, family_name=family, created_at=now)
            session.add(contact)
            session.flush()
            session.add(ContactEmail(workspace_id=workspace_id, contact_id=contact.id,
                                     address=email))
        sub = session.scalars(select(Subscription).where(
            Subscription.list_id == mailing_list.id,
            Subscription.contact_id == contact.id)).first()
        previous = sub.state if sub else None
        if sub is not None and sub.state == "unsubscribed":
            raise BadInput(f"{email} unsubscribed from {mailing_list.name}; not re-adding")
        state = "unconfirmed" if mailing_list.opt_in == "double" else "confirmed"
        if sub is None:
            sub = Subscription(workspace_id=workspace_id, list_id=mailing_list.id,
                               contact_id=contact.id, state=state,
                               source=str(payload.get("source", "")), changed_at=now,
                               consent_at=now if state == "confirmed" else None)
            session.add(sub)
        session.flush()
        return EffectResult(
            result={"contact_id": contact.id, "subscription_id": sub.id, "state": sub.state},
            undo={"created_contact": contact.id if created else None,
                  "subscription_id": sub.id, "previous_state": previous})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Remove the subscription (or restore its state) and a contact it created."""
        sub = session.get(Subscription, int(undo["subscription_id"]))
        if sub is not None:
            if undo.get("previous_state"):
                sub.state = str(undo["previous_state"])
                sub.changed_at = now
            else:
                session.delete(sub)
        created = undo.get("created_contact")
        if created:
            contact = session.get(ContactRow, int(created))
            others = session.scalars(select(Subscription).where(
                Subscription.contact_id == int(created),
                Subscription.id != int(undo["subscription_id"]))).first()
            if contact is not None and others is None:
                for email in session.scalars(select(ContactEmail).where(
                        ContactEmail.contact_id == contact.id)):
                    session.delete(email)
                session.flush()
                session.delete(contact)
        return f"Took {payload['name']} off {payload['list']} again."
