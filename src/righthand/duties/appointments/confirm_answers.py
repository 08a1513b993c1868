"""Answers and actions about confirmations: "Who hasn't confirmed for tomorrow?", sending
confirmations on request, recording an answer or a no-show (an undoable local action)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.appointments import confirm
from righthand.duties.plugin import EffectResult, Reply, Request
from righthand.store.tables import AppointmentConfirmation

_LABEL = {"pending": "no reply yet", "confirmed": "confirmed", "declined": "declined",
          "reschedule": "asked to reschedule", "no_show": "did not show up"}

#: "I'll mark Tom Reed as a no-show" (not "as did not show up")
_MARKED = {"no_show": "a no-show", "reschedule": "asking to reschedule"}


def _day(request: Request) -> date:
    wanted = request.slots.get("day") or request.slots.get("date")
    if isinstance(wanted, datetime):
        return wanted.date()
    if isinstance(wanted, date):
        return wanted
    local = request.now.astimezone(ZoneInfo(request.workspace.timezone)).date()
    return local if wanted == "today" else local + timedelta(days=1)


def _rows(session: Session, day: date, zone: str) -> list[AppointmentConfirmation]:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(), tz)
    return list(session.scalars(select(AppointmentConfirmation).where(
        AppointmentConfirmation.starts_at >= start,
        AppointmentConfirmation.starts_at < start + timedelta(days=1))
        .order_by(AppointmentConfirmation.starts_at, AppointmentConfirmation.attendee)))


def status(request: Request) -> Reply:
    """'Who hasn't confirmed for tomorrow?' -- every attendee of the day with their status."""
    ws = request.workspace
    confirm.track(request.session, ws.id, request.now, ws.timezone)
    day = _day(request)
    rows = _rows(request.session, day, ws.timezone)
    named = "today" if day == request.now.astimezone(ZoneInfo(ws.timezone)).date() else \
        day.strftime("%A, %B %-d")
    if not rows:
        return Reply(f"No appointments with outside attendees on {named}.")
    waiting = [r for r in rows if r.status == "pending"]
    lines = []
    for row in rows:
        at = row.starts_at.astimezone(ZoneInfo(ws.timezone)).strftime("%-I:%M %p")
        lines.append(f"• {at} {row.summary} — {row.name or row.attendee}: {_LABEL[row.status]}")
    head = (f"Everyone has answered for {named}." if not waiting else
            f"{len(waiting)} of {len(rows)} not confirmed for {named}: "
            + ", ".join(r.name or r.attendee for r in waiting) + ".")
    return Reply(head + "\n" + "\n".join(lines),
                 data={"pending": [r.attendee for r in waiting]})


def _find(session: Session, who: str, now: datetime) -> list[AppointmentConfirmation]:
    """Recent and upcoming rows naming ``who`` ("Tom", "Reed", "the Reeds", "the Joneses")."""
    needle = re.sub(r"^the\s+", "", who.lower().strip())
    rows = session.scalars(select(AppointmentConfirmation).where(
        AppointmentConfirmation.starts_at > now - timedelta(days=2))
        .order_by(AppointmentConfirmation.starts_at)).all()
    for form in (needle, needle.removesuffix("s"), needle.removesuffix("es")):
        found = [r for r in rows if form and (form in r.attendee or form in (r.name or "").lower())]
        if found:
            return found
    return []


def _at(rows: list[AppointmentConfirmation], clock: object, zone: str) \
        -> list[AppointmentConfirmation]:
    """The rows starting at ``clock`` (HH:MM, "his 3pm") in ``zone``; all of them if none."""
    timed = [r for r in rows
             if r.starts_at.astimezone(ZoneInfo(zone)).strftime("%H:%M") == clock]
    return timed or rows


_SAID = [(re.compile(r"\bno[- ]?show\b|\b(?:didn'?t|did not|never) (?:show|turn|come)", re.I),
          "no_show"),
         (re.compile(r"\b(?:cancel(?:l?ed|s)?|declined?|can'?t (?:make|come))\b", re.I),
          "declined"),
         (re.compile(r"\b(?:confirm(?:ed|s)?|(?:will|can) (?:come|make it))\b", re.I),
          "confirmed")]


# "Can you confirm my 3pm with Mrs Jones?" asks for a confirmation to be *sent*; it is not the
# client saying that she confirmed. Such requests never record an answer.
_ASKS_TO_CONFIRM = re.compile(
    r"^\s*(?:\w+,\s*)?(?:(?:can|could|would|will)\s+you\s+|please\s+|pls\s+|kindly\s+)*"
    r"(?:confirm\b(?!ed)|send\b.*\bconfirmation|(?:check|make sure)\b.*\bconfirm)", re.I)


def _asks_to_confirm(request: Request) -> bool:
    return not request.slots.get("answer") and bool(_ASKS_TO_CONFIRM.search(request.text))


def _where_it_stands(row: AppointmentConfirmation, zone: str) -> Reply:
    local = row.starts_at.astimezone(ZoneInfo(zone))
    who = row.name or row.attendee
    when = f"{row.summary} on {local:%A %-d %B} at {local:%-I:%M %p}".replace(":00 ", " ")
    sent = sorted(((row.sent or {}).get("delivered") or {}).values())
    if row.status == "confirmed":
        return Reply(f"{who} has already confirmed {when}.")
    first = datetime.fromisoformat(sent[0]).astimezone(ZoneInfo(zone)) if sent else None
    told = (f"I sent the confirmation on {first:%-d %B}" if first is not None
            else "No confirmation has gone out yet (one may be waiting for your approval: "
                 "ask me what's waiting)")
    state = _LABEL.get(row.status, row.status)
    return Reply(f"{who}: {state} for {when}. {told}, and a reminder follows before the "
                 f"appointment. If {who.split()[0]} has answered you directly, say "
                 f"\"{who} confirmed\" and I'll record it.")


def _answer(request: Request) -> str | None:
    """The answer to record: the ``answer`` slot, else what the client's words say."""
    given = str(request.slots.get("answer") or "").strip().lower()
    if given:
        return {"no-show": "no_show", "cancelled": "declined"}.get(given, given)
    return next((status for pattern, status in _SAID if pattern.search(request.text)), None)


def confirm_request(request: Request) -> Reply:
    """'Mark Tom as a no-show' / 'Tom confirmed' (slots ``who``, ``answer``); without a
    ``who``: propose the confirmations due now (for a client who keeps this duty reactive)."""
    who = str(request.slots.get("who") or request.slots.get("contact") or "").strip()
    if not who:
        return Reply("Tell me whom (\"mark Tom Reed as a no-show\"), or ask me who hasn't "
                     "confirmed.")
    found = _find(request.session, who, request.now)
    if not found:
        return Reply(f"I have no recent or upcoming appointment with {who}.")
    if request.slots.get("time"):
        found = _at(found, request.slots["time"], request.workspace.timezone)
    if _asks_to_confirm(request):
        return _where_it_stands(found[0], request.workspace.timezone)
    wanted = _answer(request)
    if wanted not in _LABEL or wanted == "pending":
        return Reply(f"What should I record for {who}: confirmed, cancelled or a no-show? "
                     f"(\"mark {who} as a no-show\")")
    row = found[0] if wanted != "no_show" else min(
        found, key=lambda r: abs((r.starts_at - request.now).total_seconds()))
    marked = _MARKED.get(wanted, _LABEL[wanted])
    action = Action(duty=confirm.DUTY, kind="appointments.mark_attendance",
                    payload={"confirmation_id": row.id, "status": wanted},
                    summary=f"Mark {row.name or row.attendee} as {marked} for {row.summary}")
    return Reply(f"I'll mark {row.name or row.attendee} as {marked} for {row.summary}.",
                 actions=[action])


class MarkAttendance:
    """appointments.mark_attendance: set an attendee's status (undo restores it)."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Set the status."""
        row = session.get(AppointmentConfirmation, int(payload["confirmation_id"]))
        if row is None:
            return EffectResult({"changed": False})
        before = row.status
        row.status, row.answered_at = str(payload["status"]), now
        return EffectResult({"changed": True, "status": row.status}, {"status": before})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Restore the earlier status."""
        row = session.get(AppointmentConfirmation, int(payload["confirmation_id"]))
        if row is not None:
            row.status = str(undo["status"])
        return "status restored"
