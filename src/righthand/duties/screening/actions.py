"""From a verdict to proposed actions: file (move/flag/label), forward to the client (by
email, or as a text to the client's own phone), draft a reply. Recipients come only from the
workspace (the client's own address and phone) or from the From address of a *known
contact* -- never from anything a message says."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from righthand.domain.actions import Action, Initiative
from righthand.duties.plugin import TextModel
from righthand.duties.screening import reply_model, sms_text
from righthand.duties.screening.parse import MailFacts
from righthand.duties.screening.screen import Verdict, asks_something

DUTY = "screening.email"
DEFAULT_TARGETS = {"newsletter": "Newsletters", "transactional": "Receipts", "spam": "Junk",
                   "phishing": "Junk", "hidden": "Screened out"}
INBOX_CATEGORIES = {"vip", "needs_reply", "scheduling_request", "fyi"}
LABELS = {"vip": "VIP", "needs_reply": "Needs reply", "scheduling_request": "Scheduling",
          "fyi": "FYI", "newsletter": "Newsletter", "transactional": "Receipt", "spam": "Spam",
          "phishing": "Suspected phishing"}
FLAGGED = "\\Flagged"


@dataclass(frozen=True)
class MessageRef:
    """Where a stored message is (the mailbox connector finds it by Message-ID if it moved)."""

    key: str
    message_id: str | None
    folder: str
    uidvalidity: int | None
    uid: int | None

    def to_json(self) -> dict[str, Any]:
        """The payload form."""
        return {"key": self.key, "message_id": self.message_id, "folder": self.folder,
                "uidvalidity": self.uidvalidity, "uid": self.uid}


@dataclass
class Office:
    """What the actions need to know of the workspace."""

    client_name: str
    assistant_name: str
    client_address: str | None = None
    client_phone: str | None = None  # E.164, the client's own phone (texts go only there)
    targets: Mapping[str, str] = field(default_factory=dict)
    signature: str | None = None


def keyword(name: str) -> str:
    """An IMAP keyword for a label (atoms only: no spaces, brackets or wildcards)."""
    return "rh-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-").lower() or "label")


def plan(verdict: Verdict, facts: MailFacts, ref: MessageRef, office: Office,
         model: TextModel | None = None, reply_body: str | None = None) -> list[Action]:
    """The actions screening proposes for one message (proactive: the assistant's initiative);
    the reply draft's body is ``reply_body`` (a model's answer asked for beforehand, see
    :func:`model_reply`) or else ``model``'s, when it passes the checks; else the template."""
    found = [file_action(verdict, facts, ref, office)]
    phone = verdict.forward_phone and verdict.category != "phishing"
    if phone and office.client_phone:
        found.append(_text(verdict, facts, ref, office))
    by_mail = verdict.forward or (phone and not office.client_phone)  # no phone: by email
    if by_mail and office.client_address and verdict.category != "phishing":
        found.append(_forward(verdict, facts, ref, office))
    if drafts_reply(verdict, facts, office):
        found.append(_draft(verdict, facts, ref, office, model, reply_body))
    return found


def drafts_reply(verdict: Verdict, facts: MailFacts, office: Office) -> bool:
    """Does :func:`plan` propose a reply draft for this message?"""
    replying = verdict.category in {"needs_reply", "scheduling_request"} or (
        verdict.category == "vip" and asks_something(facts))
    return bool(replying and verdict.contact_id is not None and not verdict.hide
                and facts.from_address and facts.from_address not in {office.client_address})


def _signature(office: Office) -> tuple[str, str]:
    """(signature, the client's own profile text a reply may repeat)."""
    sign = office.signature or f"{office.assistant_name}\nAssistant to {office.client_name}"
    profile = " ".join(str(x) for x in (office.client_address, office.client_phone, sign) if x)
    return sign, profile


def model_reply(model: TextModel | None, facts: MailFacts, office: Office) -> str | None:
    """The model's checked reply body for a message :func:`plan` will draft a reply to (or
    None): asked for before the screening transaction, so no write lock is held while the
    model answers, then handed to :func:`plan` as ``reply_body``."""
    sign, profile = _signature(office)
    return reply_model.body(model, facts, office.client_name, office.assistant_name, sign,
                            profile)


def file_action(verdict: Verdict, facts: MailFacts, ref: MessageRef, office: Office,
                initiative: Initiative = Initiative.PROACTIVE) -> Action:
    """Move, flag and label one message as its category says."""
    targets = {**DEFAULT_TARGETS, **office.targets}
    move_to = verdict.folder
    if move_to is None and verdict.hide:
        move_to = targets["hidden"]
    if move_to is None and verdict.category not in INBOX_CATEGORIES:
        move_to = targets.get(verdict.category)
    if move_to == ref.folder:
        move_to = None
    flags = [FLAGGED] if verdict.priority == "high" else []
    labels = [keyword(LABELS.get(verdict.category, verdict.category))]
    if verdict.label:
        labels.append(keyword(verdict.label))
    where = f" into {move_to}" if move_to else ""
    flag = ", flagged" if flags else ""
    summary = (f"File \"{_short(facts.subject)}\" from {facts.from_address or 'unknown'} as "
               f"{LABELS.get(verdict.category, verdict.category)}{flag}{where}")
    return Action(duty=DUTY, kind="mail.file", initiative=initiative, undoable=True,
                  summary=summary,
                  payload={"message": ref.to_json(), "category": verdict.category,
                           "move_to": move_to, "add_flags": flags, "add_labels": labels})


def _forward(verdict: Verdict, facts: MailFacts, ref: MessageRef, office: Office) -> Action:
    client = str(office.client_address)
    body = (f"{office.assistant_name} forwarded this {verdict.priority}-priority message to "
            f"you. Why: {' '.join(verdict.reasons)}\n\n"
            f"---------- Forwarded message ---------\nFrom: {facts.from_name} "
            f"<{facts.from_address}>\nDate: {facts.date or ''}\nSubject: {facts.subject}\n\n"
            f"{facts.text}\n")
    headers = {"References": ref.message_id} if ref.message_id else {}
    return Action(duty=DUTY, kind="mail.forward", initiative=Initiative.PROACTIVE,
                  summary=f"Forward \"{_short(facts.subject)}\" from {facts.from_address} to you"
                          f" ({client})",
                  payload={"recipients": [client],
                           "to": [{"name": office.client_name, "address": client}],
                           "subject": f"Fwd: {facts.subject}"[:300], "body": body,
                           "headers": headers, "message": ref.to_json()})


def _text(verdict: Verdict, facts: MailFacts, ref: MessageRef, office: Office) -> Action:
    """A short text to the client's own phone (the number comes from the workspace only)."""
    phone = str(office.client_phone)
    text = sms_text.body(office.assistant_name, facts.from_name, facts.from_address,
                         facts.subject, facts.text, verdict.priority)
    return Action(duty=DUTY, kind="mail.forward_sms", initiative=Initiative.PROACTIVE,
                  summary=f"Text you ({phone}) about \"{_short(facts.subject)}\" from "
                          f"{facts.from_address}",
                  payload={"recipients": [phone], "to": phone, "body": text,
                           "message": ref.to_json()})


def _draft(verdict: Verdict, facts: MailFacts, ref: MessageRef, office: Office,
           model: TextModel | None = None, reply_body: str | None = None) -> Action:
    first = (facts.from_name.split() or ["there"])[0].strip(",")
    client_first = office.client_name.split()[0]
    if verdict.category == "scheduling_request":
        middle = (f"{client_first} has your note about a time to meet; I'll check the calendar "
                  f"with {client_first} and come back to you with a time that works.")
    else:
        middle = f"{client_first} has your message and will get back to you shortly."
    sign, profile = _signature(office)
    body = f"Hi {first},\n\nThank you for your email. {middle}\n\nBest regards,\n{sign}\n"
    drafted = reply_model.checked(reply_body, facts, profile) if reply_body is not None \
        else model_reply(model, facts, office)  # a body asked for beforehand is checked again
    body = drafted or body
    subject = facts.subject if facts.subject.lower().startswith("re:") else \
        f"Re: {facts.subject}"
    headers: dict[str, str] = {}
    if ref.message_id:
        headers = {"In-Reply-To": ref.message_id, "References": ref.message_id}
    return Action(duty=DUTY, kind="mail.draft_reply", initiative=Initiative.PROACTIVE,
                  summary=f"Reply to {facts.from_address}: \"{_short(subject)}\"",
                  payload={"recipients": [facts.from_address],
                           "to": [{"name": facts.from_name, "address": facts.from_address}],
                           "subject": subject[:300], "body": body, "headers": headers,
                           "message": ref.to_json()})


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
