"""Attendees' answers to confirmations: link clicks, iTIP REPLYs and plain-text replies.

"yes see you then" confirms. "can we do 4 instead?" and "I have to cancel" never change the
calendar by themselves: the attendee's status changes and the client gets a follow-up task
(in the briefing's reminders) to decide. The text of a reply is untrusted data: it only ever
chooses among these answers. Callers write the audit entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.store.tables import AppointmentConfirmation, ReminderRow

_CANCEL = re.compile(r"\b(cancel|can(?:'|no)?t make it|cannot make it|won'?t (?:be able to )?"
                     r"make it|not able to make it|unable to (?:make it|attend|come))\b", re.I)
_RESCHEDULE = re.compile(r"\b(instead|reschedul\w*|move (?:it|the appointment|our)|another "
                         r"(?:time|day)|different (?:time|day)|can we do|could we do|push (?:it "
                         r")?back|postpone|later (?:time|in the day)|earlier)\b", re.I)
_CONFIRM = re.compile(r"\b(yes|yep|confirm(?:ed|ing)?|see you (?:then|there|tomorrow|soon)|"
                      r"sounds good|works for me|i'?ll be there|will be there|looking forward|"
                      r"perfect|great|ok(?:ay)?)\b", re.I)
STATUS = {"confirm": "confirmed", "reschedule": "reschedule", "cancel": "declined"}


@dataclass(frozen=True)
class Answered:
    """What an answer did."""

    row_id: int
    attendee: str
    answer: str  # confirm reschedule cancel
    status: str
    task_id: int | None = None


def classify(text: str) -> str | None:
    """confirm, reschedule, cancel, or None when the text says none of them clearly."""
    if _CANCEL.search(text):
        return "cancel"
    if _RESCHEDULE.search(text):
        return "reschedule"
    if _CONFIRM.search(text):
        return "confirm"
    return None


def apply(session: Session, row: AppointmentConfirmation, answer: str, now: datetime,
          via: str, said: str = "") -> Answered:
    """Record ``answer`` for ``row``; reschedule and cancel become a task for the client."""
    row.status, row.answered_at = STATUS[answer], now
    if said:
        row.note = said[:1000]
    task_id = None
    if answer in {"reschedule", "cancel"}:
        who = row.name or row.attendee
        when = row.starts_at.strftime("%Y-%m-%d %H:%M UTC")
        wants = "asks to reschedule" if answer == "reschedule" else "cancels"
        quoted = f": “{said[:200]}”" if said else ""
        key = f"appt:{row.id}:{answer}"
        task = session.scalars(select(ReminderRow).where(ReminderRow.dedupe_key == key)).first()
        if task is None:
            task = ReminderRow(workspace_id=row.workspace_id, kind="follow_up",
                               text=f"{who} {wants} {row.summary} ({when}){quoted} — decide "
                                    f"and answer ({via})", due_at=now, has_time=False,
                               status="open", source="appointments", source_ref=row.event_uid,
                               dedupe_key=key, created_at=now)
            session.add(task)
            session.flush()
        task_id = task.id
    return Answered(row.id, row.attendee, answer, row.status, task_id)


def _open_row(session: Session, attendee: str, now: datetime,
              uid: str | None = None) -> AppointmentConfirmation | None:
    query = select(AppointmentConfirmation).where(
        AppointmentConfirmation.attendee == attendee.lower(),
        AppointmentConfirmation.starts_at > now,
        AppointmentConfirmation.status.in_(("pending", "confirmed", "reschedule")))
    if uid is not None:
        query = query.where(AppointmentConfirmation.event_uid == uid)
    return session.scalars(query.order_by(AppointmentConfirmation.starts_at)).first()


def from_itip(session: Session, uid: str, attendee: str, partstat: str,
              now: datetime) -> Answered | None:
    """An iTIP REPLY recorded by ``itip.process_itip_reply``: ACCEPTED confirms, DECLINED
    cancels."""
    answer = {"ACCEPTED": "confirm", "DECLINED": "cancel"}.get(partstat.upper())
    row = _open_row(session, attendee, now, uid)
    if answer is None or row is None:
        return None
    return apply(session, row, answer, now, "calendar reply")


def from_mail(session: Session, raw: bytes, now: datetime) -> Answered | None:
    """A plain-text reply from an attendee with an upcoming appointment."""
    from righthand.duties.screening.quotes import split_reply

    message = message_from_bytes(raw, policy=policy.default)
    sender = parseaddr(str(message.get("From") or ""))[1].lower()
    if not sender:
        return None
    row = _open_row(session, sender, now)
    if row is None:
        return None
    subject = str(message.get("Subject") or "").lower()
    if not (message.get("In-Reply-To") or re.search(r"confirm|reminder|appointment", subject)
            or row.summary.lower() in subject):
        return None
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else None
    text = part.get_content() if part is not None else ""
    new = split_reply(str(text)).new.strip()
    answer = classify(new)
    if answer is None:
        return None
    return apply(session, row, answer, now, "email reply", " ".join(new.split())[:500])
