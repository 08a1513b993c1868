"""Email on the client's behalf (email.send): find the recipient, draft in the client's voice,
thread replies, propose.

The recipient is resolved among contacts (several matches: the client is asked which); an
address typed out in full is used as given (the gate's recipients limit then asks the client
before mail goes to anyone who is not a known contact). The draft ends with the client's
sign-off and signature from the workspace profile (``sign_off``, ``signature``). When the
client replies to someone ("reply to Bob that...", slot ``reply``) the latest message from
them is answered: ``Re:`` subject, In-Reply-To and References.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.plugin import Reply, Request
from righthand.store.tables import ContactEmail, ContactRow, MailMessage, Workspace

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$", re.I)
_REPLY = re.compile(r"^\s*(reply|respond|write back|answer)\b", re.I)


def _body_sentence(message: str) -> str:
    text = message.strip().rstrip(".!") if message else ""
    text = re.sub(r"^(that|to say that|to say|and say that|and say)\s+", "", text, flags=re.I)
    if not text:
        return ""
    return text[0].upper() + text[1:] + "."


def _subject(sentence: str) -> str:
    words = re.sub(r"^(I'm|I am|we're|we are)\s+", "", sentence.rstrip("."), flags=re.I)
    subject = words[:1].upper() + words[1:]
    return subject if len(subject) <= 60 else subject[:57].rstrip() + "..."


def _closing(session: Session, workspace_id: int, client_name: str) -> str:
    ws = session.get(Workspace, workspace_id)
    profile: dict[str, Any] = (ws.profile or {}) if ws is not None else {}
    sign_off = str(profile.get("sign_off") or "Best,").strip()
    signature = str(profile.get("signature") or client_name).strip()
    return f"{sign_off}\n{signature}"


def _people(session: Session, who: str) -> dict[int, tuple[ContactRow, str]]:
    pattern = f"%{who.lower()}%"
    matches = session.execute(
        select(ContactRow, ContactEmail.address)
        .join(ContactEmail, ContactEmail.contact_id == ContactRow.id)
        .where(or_(func.lower(ContactRow.display_name).like(pattern),
                   func.lower(ContactEmail.address).like(pattern)))
        .order_by(ContactRow.display_name, ContactEmail.id)).all()
    people: dict[int, tuple[ContactRow, str]] = {}
    for contact, address in matches:
        people.setdefault(contact.id, (contact, address))
    return people


def _thread(session: Session, address: str) -> MailMessage | None:
    return session.scalars(select(MailMessage).where(
        func.lower(MailMessage.from_address) == address.lower(),
        MailMessage.message_id.is_not(None))
        .order_by(MailMessage.sent_at.desc().nulls_last(), MailMessage.id.desc())).first()


def _threading(original: MailMessage) -> tuple[str, dict[str, str]]:
    subject = original.subject or ""
    if not re.match(r"^\s*re:", subject, re.I):
        subject = f"Re: {subject}".strip()
    own = str(original.message_id or "").strip()
    if own and not own.startswith("<"):
        own = f"<{own}>"
    facts = original.facts or {}
    earlier = str(facts.get("references") or facts.get("in_reply_to") or "").split()
    references = " ".join([*earlier[-10:], own]).strip()
    return subject, {"In-Reply-To": own, "References": references}


def send(request: Request) -> Reply:
    """'Email Bob that I'm running ten minutes late'."""
    who = str(request.slots.get("contact") or "").strip()
    message = str(request.slots.get("message") or "")
    if not who:
        return Reply("Whom should I email?")
    if _ADDRESS.match(who):
        name, address, first = "", who.lower(), ""
    else:
        people = _people(request.session, who)
        if not people:
            return Reply(f"I don't have {who} among your contacts. What is their email "
                         f"address?")
        if len(people) > 1:
            names = [c.display_name for c, _ in people.values()]
            listed = ", ".join(names[:-1]) + f" or {names[-1]}"
            return Reply(f"Which {who} — {listed}?", data={"clarify": names})
        contact, address = next(iter(people.values()))
        name = contact.display_name
        first = contact.given_name or contact.display_name.split()[0]
    shown = name or address
    sentence = _body_sentence(message)
    if not sentence:
        return Reply(f"What should I tell {shown}?")
    closing = _closing(request.session, request.workspace.id, request.workspace.client_name)
    body = f"{f'Hi {first},' if first else 'Hello,'}\n\n{sentence}\n\n{closing}\n"
    payload: dict[str, Any] = {"recipients": [address],
                               "to": [{"name": name, "address": address}],
                               "subject": _subject(sentence), "body": body}
    replying = bool(request.slots.get("reply")) or bool(_REPLY.match(request.text or ""))
    original = _thread(request.session, address) if replying else None
    if original is not None:
        payload["subject"], payload["headers"] = _threading(original)
    summary = f"Email {shown} <{address}>: {payload['subject']}" if name else \
        f"Email {address}: {payload['subject']}"
    action = Action(duty="email.send", kind="email.send", payload=payload, summary=summary)
    return Reply(f"Here is the email to {shown}:\n\n{body}", actions=[action])
