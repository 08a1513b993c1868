"""Answers to what the client asks in words: add a contact, look one up, show a list, take
someone off a list. Handlers only read and propose; the gate decides."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.lists.contacts import email_owners, find_person, primary_email, views
from righthand.duties.lists.normalise import (
    InvalidValue,
    default_region,
    normalise_email,
    parse_phone,
)
from righthand.duties.lists.records import ContactData, Phone, format_address
from righthand.duties.lists.subscriptions import counts, find_list, members
from righthand.duties.plugin import Reply, Request
from righthand.store.tables import ContactRow, MailingListRow, Subscription

_SHOWN = 25


def _which(rows: list[ContactRow], who: str) -> Reply | None:
    if not rows:
        return Reply(f"I don't have anyone called {who} in your contacts. "
                     "`righthand contacts search` finds people by part of a name.")
    if len(rows) > 1:
        names = ", ".join(f"{r.display_name} (#{r.id})" for r in rows[:5])
        return Reply(f"Which {who} do you mean: {names}?")
    return None


def add_contact(request: Request) -> Reply:
    """'Add a contact: Jo Bloggs, jo@example.com, 617 555 0101'."""
    slots = request.slots
    name = str(slots.get("contact") or "").strip()
    record = ContactData(display_name=name, company=str(slots.get("company") or "") or None)
    if slots.get("email"):
        try:
            record.emails.append((normalise_email(str(slots["email"])), None))
        except InvalidValue as exc:
            return Reply(f"I can't use that address: {exc}. What is their email address?")
    if slots.get("phone"):
        raw, e164 = parse_phone(str(slots["phone"]), default_region(request.workspace.timezone))
        record.phones.append(Phone(raw, e164, None))
    if not (name or record.emails or record.phones):
        return Reply("Who should I add? Give me a name and an email address or phone number.")
    taken = email_owners(request.session, [a for a, _ in record.emails])
    if taken:
        owner = request.session.get(ContactRow, next(iter(taken.values())))
        return Reply(f"{owner.display_name if owner else 'Someone'} already has "
                     f"{record.emails[0][0]} (contact #{taken[record.emails[0][0]]}).")
    try:
        record.finish()
    except InvalidValue as exc:
        return Reply(f"I can't add that contact: {exc}.")
    note = ""
    namesakes = find_person(request.session, record.display_name) if name else []
    if namesakes:
        note = (f" You already have {namesakes[0].display_name} (#{namesakes[0].id}); if it is "
                f"the same person, `righthand contacts merge {namesakes[0].id} NEW` joins them.")
    details = ", ".join([a for a, _ in record.emails] + [p.e164 or p.raw for p in record.phones])
    action = Action(duty="lists.maintain", kind="contacts.create",
                    payload={"contact": record.to_payload()},
                    summary=f"Add the contact {record.display_name}"
                            + (f" ({details})" if details else ""), undoable=True)
    return Reply(f"Adding {record.display_name} to your contacts.{note}", actions=[action])


def lookup(request: Request) -> Reply:
    """'What's Maria Garcia's phone number?'."""
    who = str(request.slots.get("contact") or "").strip()
    wanted = str(request.slots.get("field") or "details")
    rows = find_person(request.session, who)
    unclear = _which(rows, who)
    if unclear is not None:
        return unclear
    view = views(request.session, [rows[0].id])[0]
    name = view["display_name"]
    phones = [f"{p['raw'] or p['e164']}" + (f" ({p['label']})" if p["label"] else "")
              for p in view["phones"]]
    emails = [a for a, _ in view["emails"]]
    answers = {
        "phone": f"{name}'s phone: {', '.join(phones)}." if phones
        else f"I have no phone number for {name}.",
        "email": f"{name}'s email: {', '.join(emails)}." if emails
        else f"I have no email address for {name}.",
        "address": f"{name}'s address: {format_address(view['postal_address'])}."
        if view["postal_address"] else f"I have no postal address for {name}.",
        "company": f"{name} is with {view['company']}." if view["company"]
        else f"I have no company for {name}.",
        "timezone": f"{name} is in {view['timezone']}." if view["timezone"]
        else f"I don't know {name}'s time zone.",
    }
    if wanted in answers:
        return Reply(answers[wanted], data={"contact_id": view["id"]})
    lines = [f"{name} (#{view['id']})"]
    for key in ("company", "phone", "email", "address"):
        if not answers[key].startswith("I "):
            lines.append(answers[key])
    if view["tags"]:
        lines.append("Tags: " + ", ".join(view["tags"]) + ".")
    return Reply("\n".join(lines), data={"contact_id": view["id"]})


def show_list(request: Request) -> Reply:
    """'Who is on the newsletter list?'."""
    from righthand.duties.lists.segments import recipients

    name = str(request.slots.get("list") or "").strip()
    row = find_list(request.session, name)
    if row is None:
        names = ", ".join(r.name for r in request.session.scalars(select(MailingListRow)))
        return Reply(f"I don't have a list called \"{name}\". Your lists: {names or 'none'}.")
    states = counts(request.session).get(row.id, {})
    confirmed = members(request.session, row.id, "confirmed", limit=_SHOWN)
    total = states.get("confirmed", 0)
    deliverable = len(recipients(request.session, row.id))
    if not total:
        text = f"Nobody is subscribed to {row.name} yet."
    else:
        shown = ", ".join(m.name for m in confirmed)
        more = f" and {total - len(confirmed)} more" if total > len(confirmed) else ""
        text = f"{total} on {row.name}: {shown}{more}."
        if deliverable < total:
            text += f" {total - deliverable} of them can't be mailed (suppressed or no address)."
    extra = [f"{states[s]} {s}" for s in ("unconfirmed", "unsubscribed") if states.get(s)]
    if extra:
        text += f" Also {' and '.join(extra)}."
    return Reply(text, data={"list_id": row.id, "states": states, "deliverable": deliverable})


def unsubscribe(request: Request) -> Reply:
    """'Take Bob Chen off the newsletter'."""
    who = str(request.slots.get("contact") or request.slots.get("email") or "").strip()
    list_name = str(request.slots.get("list") or "").strip()
    rows = find_person(request.session, who)
    unclear = _which(rows, who)
    if unclear is not None:
        return unclear
    person = rows[0]
    address = primary_email(request.session, person.id)
    source = f"requested by {request.requested_by}"
    if request.slots.get("everywhere"):
        if not address:
            return Reply(f"{person.display_name} has no email address, so no mailing reaches "
                         "them anyway.")
        return Reply(f"Stopping all mailings to {person.display_name}.", actions=[Action(
            duty="lists.maintain", kind="suppression.add",
            payload={"address": address, "reason": "unsubscribed", "source": source,
                     "name": person.display_name},
            summary=f"Stop every mailing to {person.display_name} <{address}>",
            undoable=True)])
    row = find_list(request.session, list_name)
    if row is None:
        names = ", ".join(r.name for r in request.session.scalars(select(MailingListRow)))
        return Reply(f"I don't have a list called \"{list_name}\". Your lists: "
                     f"{names or 'none'}.")
    return take_off(request.session, person, row, request.requested_by)


def take_off(session: Session, person: ContactRow, row: MailingListRow,
             requested_by: str) -> Reply:
    """Take a known contact off a known list (a lists.unsubscribe action), unless they are not
    on it or left already."""
    sub = session.scalars(select(Subscription).where(
        Subscription.list_id == row.id, Subscription.contact_id == person.id)).first()
    if sub is None:
        return Reply(f"{person.display_name} isn't on {row.name}.")
    if sub.state == "unsubscribed":
        return Reply(f"{person.display_name} already left {row.name} on "
                     f"{sub.changed_at:%d %B %Y}.")
    action = Action(duty="lists.maintain", kind="lists.unsubscribe",
                    payload={"list_id": row.id, "list": row.name, "contact_id": person.id,
                             "name": person.display_name,
                             "email": primary_email(session, person.id) or "",
                             "source": f"requested by {requested_by}"},
                    summary=f"Take {person.display_name} off {row.name}", undoable=True)
    return Reply(f"Taking {person.display_name} off {row.name}.", actions=[action])
