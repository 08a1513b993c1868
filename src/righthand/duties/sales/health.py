"""What is wrong, or about to be, with a deal: stalled, close date passed, no next step, next
step overdue, a reply we are waiting for that is late, nothing heard for weeks.

The checks (:func:`assess`) are pure; :func:`awaiting` reads the replies the client waits for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from righthand.duties.sales.records import DealView
from righthand.duties.sales.words import day_phrase, long_date, plural
from righthand.store.tables import ContactRow, ReminderRow

QUIET_DAYS = 14


@dataclass(frozen=True)
class Awaited:
    """A reply the client is waiting for from someone on the deal."""

    contact: str
    subject: str
    asked_on: date
    due: date

    def late_by(self, today: date) -> int:
        """Days past the expected reply (0 while not late)."""
        return max(0, (today - self.due).days)


@dataclass(frozen=True)
class Risk:
    """One thing that needs attention; ``severity`` 2 = overdue or stalled, 1 = watch."""

    kind: str
    text: str
    severity: int = 2


def assess(deal: DealView, today: date, awaited: list[Awaited] | None = None,
           last_touch_on: date | None = None) -> list[Risk]:
    """Every risk of an open deal, worst first."""
    if not deal.is_open:
        return []
    risks: list[Risk] = []
    days = deal.days_in_stage(today)
    limit = deal.stage.stalled_after_days
    if days is not None and limit is not None:
        if days > limit:
            risks.append(Risk("stalled", f"stalled {plural(days, 'day')} at {deal.stage.name} "
                                         f"(stalled after {limit})"))
        elif days >= max(1, limit - 1):
            risks.append(Risk("nearly_stalled", f"day {days} at {deal.stage.name} (stalled "
                                                f"after {limit})", 1))
    if deal.expected_close is not None and deal.expected_close < today:
        risks.append(Risk("close_passed", "the expected close date "
                                          f"({long_date(deal.expected_close)}) has passed"))
    if not deal.next_step:
        risks.append(Risk("no_next_step", "no next step"))
    elif deal.next_step_due is not None and deal.next_step_due < today:
        risks.append(Risk("next_step_overdue", f"the next step was due "
                                               f"{day_phrase(deal.next_step_due, today)}"))
    for wait in awaited or []:
        late = wait.late_by(today)
        if late:
            risks.append(Risk("reply_overdue", f"{wait.contact}'s reply is "
                                               f"{'a day' if late == 1 else f'{late} days'} "
                                               "overdue"))
    if last_touch_on is not None and (today - last_touch_on).days > QUIET_DAYS:
        risks.append(Risk("quiet", f"nothing heard for {(today - last_touch_on).days} days", 1))
    return sorted(risks, key=lambda r: -r.severity)


def needs_attention(deal: DealView, today: date, awaited: list[Awaited] | None = None,
                    last_touch_on: date | None = None) -> bool:
    """True when the deal has a risk, or its next step is due today."""
    return bool(assess(deal, today, awaited, last_touch_on)) or deal.next_step_due == today


def awaiting(session: Session, deal: DealView, zone: str) -> list[Awaited]:
    """Open 'awaiting reply' follow-ups on this deal or from its people, oldest first."""
    contact_ids = [p.contact_id for p in deal.parties]
    rows = session.execute(
        select(ReminderRow, ContactRow.display_name)
        .outerjoin(ContactRow, ContactRow.id == ReminderRow.contact_id)
        .where(ReminderRow.kind == "awaiting_reply", ReminderRow.status == "open",
               or_(ReminderRow.deal_id == deal.id,
                   ReminderRow.contact_id.in_(contact_ids) if contact_ids else false()))
        .order_by(ReminderRow.created_at)).all()
    tz = ZoneInfo(zone)
    return [Awaited(contact=name or "someone", subject=row.text,
                    asked_on=_local(row.created_at, tz), due=_local(row.due_at, tz))
            for row, name in rows]


def _local(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()
