"""Email on the client's behalf (email.send): find the recipient, draft, propose."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select

from righthand.domain.actions import Action
from righthand.duties.plugin import Reply, Request
from righthand.store.tables import ContactEmail, ContactRow

_FIRST_PERSON = [(r"\bI am\b", "I am"), (r"\bI'm\b", "I'm")]


def _body_sentence(message: str) -> str:
    text = message.strip().rstrip(".!") if message else ""
    text = re.sub(r"^(that|to say that|to say)\s+", "", text, flags=re.I)
    if not text:
        return ""
    return text[0].upper() + text[1:] + "."


def _subject(sentence: str) -> str:
    words = re.sub(r"^(I'm|I am|we're|we are)\s+", "", sentence.rstrip("."), flags=re.I)
    subject = words[:1].upper() + words[1:]
    return subject if len(subject) <= 60 else subject[:57].rstrip() + "..."


def send(request: Request) -> Reply:
    """'Email Bob that I'm running ten minutes late'."""
    who = str(request.slots.get("contact") or "").strip()
    message = str(request.slots.get("message") or "")
    if not who:
        return Reply("Whom should I email?")
    pattern = f"%{who.lower()}%"
    matches = request.session.execute(
        select(ContactRow, ContactEmail.address)
        .join(ContactEmail, ContactEmail.contact_id == ContactRow.id)
        .where(or_(func.lower(ContactRow.display_name).like(pattern),
                   func.lower(ContactEmail.address).like(pattern)))
        .order_by(ContactRow.display_name)).all()
    people: dict[int, tuple[ContactRow, str]] = {}
    for contact, address in matches:
        people.setdefault(contact.id, (contact, address))
    if not people:
        return Reply(f"I don't have {who} among your contacts. What is their email address?")
    if len(people) > 1:
        names = [c.display_name for c, _ in people.values()]
        listed = ", ".join(names[:-1]) + f" or {names[-1]}"
        return Reply(f"Which {who} — {listed}?", data={"clarify": names})
    contact, address = next(iter(people.values()))
    sentence = _body_sentence(message)
    if not sentence:
        return Reply(f"What should I tell {contact.display_name}?")
    first = contact.given_name or contact.display_name.split()[0]
    signer = request.workspace.client_name
    body = f"Hi {first},\n\n{sentence}\n\nBest,\n{signer}\n"
    action = Action(duty="email.send", kind="email.send",
                    payload={"recipients": [address],
                             "to": [{"name": contact.display_name, "address": address}],
                             "subject": _subject(sentence), "body": body},
                    summary=f"Email {contact.display_name} <{address}>: {_subject(sentence)}")
    return Reply(f"Here is the email to {contact.display_name}:\n\n{body}", actions=[action])
