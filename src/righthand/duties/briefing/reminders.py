"""Reminders, follow-ups, awaited replies and nudges.

* "Remind me to call Bob on Friday" -> a ``reminders.create`` action (reactive).
* A promise in the client's sent mail -> a follow-up (``promises.follow_ups_from_sent_mail``).
* Mail the client sent that needs an answer -> an awaited reply (:func:`awaiting_reply`);
  when the answer arrives the mailbox calls :func:`reply_received`; when it is late, the nudge
  job proposes a nudge (proactive: a reactive briefing duty never does this by itself).

Each reminder is one row; ``dedupe_key`` makes creating the same one twice a no-op. They show
in the daily briefing on the day they are due, and in ``righthand remind --list``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.duties.plugin import EffectResult, Reply, Request
from righthand.duties.sales.words import clock, day_phrase
from righthand.errors import BadInput, NotFound
from righthand.store.tables import ContactEmail, ContactRow, DealContactRow, DealRow, ReminderRow

DUTY = "briefing.manage"
DEFAULT_HOUR = time(9, 0)  # a reminder for a day, without a time, is due that morning
KINDS = ("reminder", "follow_up", "awaiting_reply", "nudge")


@dataclass(frozen=True)
class Due:
    """When something is due: an instant, and whether a time of day was given."""

    at: datetime
    has_time: bool


def due_on(day: date, at: time | None, zone: str) -> Due:
    """The instant for a day (and time) in the client's zone."""
    return Due(datetime.combine(day, at or DEFAULT_HOUR, ZoneInfo(zone)), at is not None)


def create_action(text: str, due: Due, *, kind: str = "reminder",
                  contact_id: int | None = None, deal_id: int | None = None,
                  source: str = "client", source_ref: str | None = None,
                  dedupe_key: str | None = None, parent_id: int | None = None,
                  initiative: Initiative = Initiative.REACTIVE, summary: str | None = None) \
        -> Action:
    """A reminders.create action."""
    if kind not in KINDS:
        raise BadInput(f"unknown reminder kind {kind!r}")
    payload: dict[str, Any] = {"kind": kind, "text": text.strip()[:2000],
                               "due_at": due.at.isoformat(), "has_time": due.has_time,
                               "source": source}
    for key, value in (("contact_id", contact_id), ("deal_id", deal_id),
                       ("source_ref", source_ref), ("dedupe_key", dedupe_key),
                       ("parent_id", parent_id)):
        if value is not None:
            payload[key] = value
    label = {"reminder": "Remind you", "follow_up": "Follow-up",
             "awaiting_reply": "Watch for a reply", "nudge": "Nudge"}[kind]
    return Action(duty=DUTY, kind="reminders.create", payload=payload,
                  summary=summary or f"{label}: {text.strip()[:80]} ({due.at:%a %d %b})",
                  initiative=initiative, undoable=True)


class CreateReminderEffect:
    """Creates the reminder (once per dedupe key); undo removes it."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Insert the reminder, unless one with the same dedupe key exists."""
        key = payload.get("dedupe_key")
        if key:
            existing = session.scalar(select(ReminderRow.id).where(ReminderRow.dedupe_key == key))
            if existing is not None:
                return EffectResult(result={"reminder_id": existing, "duplicate": True},
                                    undo={"reminder_id": None})
        row = ReminderRow(workspace_id=workspace_id, kind=str(payload["kind"]),
                          text=str(payload["text"]),
                          due_at=datetime.fromisoformat(str(payload["due_at"])),
                          has_time=bool(payload.get("has_time")), status="open",
                          contact_id=payload.get("contact_id"), deal_id=payload.get("deal_id"),
                          parent_id=payload.get("parent_id"),
                          source=str(payload.get("source") or "client"),
                          source_ref=payload.get("source_ref"), dedupe_key=key, created_at=now)
        session.add(row)
        session.flush()
        return EffectResult(result={"reminder_id": row.id}, undo={"reminder_id": row.id})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Delete the reminder again."""
        if undo.get("reminder_id") is None:
            return "Nothing to undo: that reminder already existed."
        row = session.get(ReminderRow, int(undo["reminder_id"]))
        if row is not None:
            session.delete(row)
            session.flush()
        return f"Removed the reminder “{payload['text']}”."


def update_action(row: ReminderRow, op: str, until: datetime | None = None) -> Action:
    """Mark done, dismiss, or snooze a reminder (reminders.update)."""
    if op not in {"done", "dismiss", "snooze"}:
        raise BadInput("a reminder can be marked done, dismissed or snoozed")
    payload: dict[str, Any] = {"reminder_id": row.id, "op": op, "text": row.text}
    if op == "snooze":
        if until is None:
            raise BadInput("snooze until when?")
        payload["until"] = until.isoformat()
    words = {"done": "Done", "dismiss": "Dismiss", "snooze": "Snooze"}[op]
    return Action(duty=DUTY, kind="reminders.update", payload=payload,
                  summary=f"{words}: {row.text[:80]}", undoable=True)


class UpdateReminderEffect:
    """Applies reminders.update; undo restores status and due time."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Change the reminder."""
        row = session.get(ReminderRow, int(payload["reminder_id"]))
        if row is None:
            raise BadInput(f"the reminder “{payload.get('text')}” no longer exists")
        before = {"status": row.status, "due_at": row.due_at.isoformat(),
                  "done_at": row.done_at.isoformat() if row.done_at else None}
        op = str(payload["op"])
        if op == "done":
            row.status, row.done_at = "done", now
        elif op == "dismiss":
            row.status, row.done_at = "dismissed", now
        else:
            row.due_at = datetime.fromisoformat(str(payload["until"]))
            row.status = "open"
        session.flush()
        return EffectResult(result={"reminder_id": row.id, "status": row.status},
                            undo=before)

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Put the reminder back as it was."""
        row = session.get(ReminderRow, int(payload["reminder_id"]))
        if row is None:
            return "That reminder is gone."
        row.status = str(undo["status"])
        row.due_at = datetime.fromisoformat(str(undo["due_at"]))
        row.done_at = datetime.fromisoformat(undo["done_at"]) if undo.get("done_at") else None
        session.flush()
        return f"The reminder “{row.text}” is back."


def find_contact(session: Session, text: str) -> tuple[int | None, int | None]:
    """The one contact a reminder's words name (and their one open deal), if unambiguous."""
    words = {w.strip(".,!?'\"").lower() for w in text.split()}
    matches = [c for c in session.scalars(select(ContactRow))
               if c.display_name.lower() in text.lower()
               or (c.given_name and c.given_name.lower() in words
                   and (not c.family_name or c.family_name.lower() in words))]
    if len(matches) != 1:
        firsts = [c for c in matches if c.display_name.lower() in text.lower()]
        if len(firsts) != 1:
            return None, None
        matches = firsts
    contact = matches[0]
    deals = session.scalars(select(DealContactRow.deal_id).join(
        DealRow, DealRow.id == DealContactRow.deal_id).where(
        DealContactRow.contact_id == contact.id, DealRow.status == "open")).all()
    return contact.id, deals[0] if len(deals) == 1 else None


def set_reminder(request: Request) -> Reply:
    """'Remind me to call Bob on Friday'."""
    ws = request.workspace
    text = str(request.slots.get("text") or "").strip()
    if not text:
        return Reply("What should I remind you of? For example: “Remind me to call Bob on "
                     "Friday”.")
    today = request.now.astimezone(ZoneInfo(ws.timezone)).date()
    raw_day = request.slots.get("date")
    raw_time = request.slots.get("time")
    day = date.fromisoformat(str(raw_day)) if raw_day else today + timedelta(days=1)
    at = time.fromisoformat(str(raw_time)) if raw_time else None
    due = due_on(day, at, ws.timezone)
    if due.at < request.now and at is not None:
        return Reply(f"{clock(due.at, ws.timezone)} today has already passed — when should I "
                     "remind you?")
    contact_id, deal_id = find_contact(request.session, text)
    when = day_phrase(day, today) + (f" at {clock(due.at, ws.timezone)}" if at else "")
    said = "" if raw_day else " (you didn't say when, so tomorrow)"
    first = text[:1].lower() + text[1:] if not text[:2].isupper() else text
    action = create_action(text[:1].upper() + text[1:], due, contact_id=contact_id,
                           deal_id=deal_id)
    return Reply(f"I'll remind you to {first} {when}{said}.", actions=[action])


def awaiting_reply(session: Session, *, message_id: str, to_address: str, subject: str,
                   sent_at: datetime, expect_days: int = 3) -> Action | None:
    """An 'awaiting reply' follow-up for mail the client sent to a known contact (proactive;
    the mailbox calls this for sent mail that asks something). None for unknown addresses."""
    contact_id = session.scalar(select(ContactEmail.contact_id).where(
        func.lower(ContactEmail.address) == to_address.strip().lower()))
    if contact_id is None:
        return None
    deals = session.scalars(select(DealContactRow.deal_id).join(
        DealRow, DealRow.id == DealContactRow.deal_id).where(
        DealContactRow.contact_id == contact_id, DealRow.status == "open")).all()
    due = Due(sent_at + timedelta(days=expect_days), False)
    return create_action(subject or "(no subject)", due, kind="awaiting_reply",
                         contact_id=contact_id, deal_id=deals[0] if len(deals) == 1 else None,
                         source="sent_mail", source_ref=message_id,
                         dedupe_key=f"await:{message_id}"[:300],
                         initiative=Initiative.PROACTIVE)


def reply_received(session: Session, *, from_address: str, in_reply_to: str | None,
                   now: datetime) -> int:
    """Close the awaited replies this incoming mail answers (by In-Reply-To, else by sender);
    returns how many. Their nudges close with them."""
    query = select(ReminderRow).where(ReminderRow.kind == "awaiting_reply",
                                      ReminderRow.status == "open")
    if in_reply_to:
        rows = session.scalars(query.where(ReminderRow.source_ref == in_reply_to)).all()
    else:
        rows = []
    if not rows:
        contact_id = session.scalar(select(ContactEmail.contact_id).where(
            func.lower(ContactEmail.address) == from_address.strip().lower()))
        rows = session.scalars(query.where(ReminderRow.contact_id == contact_id)).all() \
            if contact_id is not None else []
    for row in rows:
        row.status, row.done_at = "done", now
        for nudge in session.scalars(select(ReminderRow).where(ReminderRow.parent_id == row.id,
                                                               ReminderRow.status == "open")):
            nudge.status, nudge.done_at = "done", now
    session.flush()
    return len(rows)


def overdue_waits(session: Session, now: datetime) -> list[tuple[ReminderRow, str | None]]:
    """Awaited replies past due that have no nudge yet."""
    nudged = set(session.scalars(select(ReminderRow.parent_id).where(
        ReminderRow.kind == "nudge", ReminderRow.parent_id.is_not(None))))
    rows = session.execute(select(ReminderRow, ContactRow.display_name)
                           .outerjoin(ContactRow, ContactRow.id == ReminderRow.contact_id)
                           .where(ReminderRow.kind == "awaiting_reply",
                                  ReminderRow.status == "open", ReminderRow.due_at < now)
                           .order_by(ReminderRow.due_at)).all()
    return [(row, name) for row, name in rows if row.id not in nudged]


def nudge_action(row: ReminderRow, name: str | None, now: datetime) -> Action:
    """A nudge: the reply to ``row`` is late -- follow up?"""
    who = name or "them"
    return create_action(f"No reply from {who} to “{row.text}” yet — follow up?",
                         Due(now, False), kind="nudge", contact_id=row.contact_id,
                         deal_id=row.deal_id, source="assistant", parent_id=row.id,
                         dedupe_key=f"nudge:{row.id}", initiative=Initiative.PROACTIVE,
                         summary=f"Nudge: no reply from {who} to “{row.text[:60]}”")


def open_reminders(session: Session) -> list[tuple[ReminderRow, str | None]]:
    """Every open reminder, soonest first."""
    return [(row, name) for row, name in session.execute(
        select(ReminderRow, ContactRow.display_name)
        .outerjoin(ContactRow, ContactRow.id == ReminderRow.contact_id)
        .where(ReminderRow.status == "open").order_by(ReminderRow.due_at))]


def get(session: Session, reminder_id: int) -> ReminderRow:
    """One reminder of this workspace."""
    row = session.get(ReminderRow, reminder_id)
    if row is None:
        raise NotFound(f"there is no reminder #{reminder_id}",
                       hint="See them with `righthand remind --list`.")
    return row
