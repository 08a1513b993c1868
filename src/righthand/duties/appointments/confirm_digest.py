"""The confirmations' part of the daily briefing: what the assistant sent by itself since
yesterday, what waits for the end of the quiet hours, the answers that came in (a reschedule
or a cancellation first: the client has to act on those), and who has not confirmed for the
next day and a half.

Registered by the appointments plugin (``duty.py``) as the briefing section "Confirmations";
it is built only while ``appointments.confirm`` is on (the briefing checks the duty's read
grant), so a client who switched the duty off sees nothing of it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from righthand.duties.appointments.confirm import KIND
from righthand.duties.briefing.sections import Context, Section
from righthand.store.tables import ActionRow, AppointmentConfirmation, OutboxRow

SINCE = timedelta(hours=24)
AHEAD = timedelta(hours=36)
MAX_NAMES = 5
_ANSWER = {"confirmed": "confirmed", "declined": "cancelled",
           "reschedule": "asks to reschedule", "no_show": "did not show up"}


def _at(moment: datetime, zone: str, now: datetime) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    today = now.astimezone(ZoneInfo(zone)).date()
    day = ("today" if local.date() == today else "tomorrow"
           if local.date() == today + timedelta(days=1) else local.strftime("%a %b %-d"))
    return f"{day} {local.strftime('%-I:%M %p')}"


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count(OutboxRow.id)).join(
        ActionRow, ActionRow.id == OutboxRow.action_id).where(ActionRow.kind == KIND, *where))
        or 0)


def lines(session: Session, now: datetime, zone: str) -> list[str]:
    """The section's lines (empty when there is nothing to report)."""
    found: list[str] = []
    sent = _count(session, ActionRow.state == "done", OutboxRow.finished_at >= now - SINCE)
    if sent:
        found.append(f"I sent {sent} confirmation{'s' if sent != 1 else ''} or reminder"
                     f"{'s' if sent != 1 else ''} since yesterday.")
    waiting = _count(session, OutboxRow.status == "pending", OutboxRow.not_before > now)
    if waiting:
        found.append(f"{waiting} waiting for the end of quiet hours.")
    answered = session.scalars(select(AppointmentConfirmation).where(
        AppointmentConfirmation.answered_at >= now - SINCE,
        AppointmentConfirmation.status != "pending")
        .order_by(AppointmentConfirmation.answered_at)).all()
    # The answers the client must act on come first.
    for row in sorted(answered, key=lambda r: r.status == "confirmed"):
        note = f" (\"{row.note[:80]}\")" if row.note and row.status != "confirmed" else ""
        found.append(f"{row.name or row.attendee} {_ANSWER.get(row.status, row.status)}: "
                     f"{row.summary}, {_at(row.starts_at, zone, now)}{note}")
    pending = session.scalars(select(AppointmentConfirmation).where(
        AppointmentConfirmation.status == "pending",
        AppointmentConfirmation.starts_at > now,
        AppointmentConfirmation.starts_at <= now + AHEAD)
        .order_by(AppointmentConfirmation.starts_at)).all()
    if pending:
        names = [f"{r.name or r.attendee} ({r.summary}, {_at(r.starts_at, zone, now)})"
                 for r in pending[:MAX_NAMES]]
        more = f" and {len(pending) - MAX_NAMES} more" if len(pending) > MAX_NAMES else ""
        found.append("Not confirmed yet: " + "; ".join(names) + more + ".")
    return found


def section(ctx: Context) -> Section | None:
    """The briefing section (None when there is nothing to say)."""
    found = lines(ctx.session, ctx.now, ctx.zone)
    return Section("confirmations", "Confirmations", found) if found else None
