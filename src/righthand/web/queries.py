"""Read models for the spine's pages: cheap, read-only queries (a GET never takes the write
lock, so the Today page stays fast under load)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from righthand.domain.actions import INCIDENT_OUTCOMES, Outcome
from righthand.domain.records import Event
from righthand.duties.calendar.agenda import day_bounds, events_between
from righthand.service import health
from righthand.store.tables import (
    ActionRow,
    Approval,
    AuditEntry,
    DealRow,
    ItemRow,
    OutboxRow,
    OutcomeRow,
)


@dataclass(frozen=True)
class Waiting:
    """A pending approval and its action, for lists."""

    approval_id: int
    action_id: int
    duty: str
    kind: str
    summary: str
    reason: str
    payload_hash: str
    created_at: datetime
    expires_at: datetime
    requested_by: str


@dataclass(frozen=True)
class Attention:
    """Something the client should look at, and where."""

    text: str
    href: str
    level: str = "info"  # info | warn | bad


@dataclass
class Today:
    """The Today page's data."""

    day: date
    agenda: list[Event] | None
    agenda_refusal: str | None
    waiting: list[Waiting]
    waiting_count: int
    attention: list[Attention] = field(default_factory=list)


# The Today page's statements are built once (building one costs more than running it).
_ALIVE = (Approval.status == "pending",
          Approval.expires_at > bindparam("now", type_=Approval.expires_at.type))
_WAITING = (select(Approval.id, Approval.reason, Approval.payload_hash, Approval.created_at,
                   Approval.expires_at, ActionRow.id, ActionRow.duty, ActionRow.kind,
                   ActionRow.summary, ActionRow.requested_by)
            .join(ActionRow, ActionRow.id == Approval.action_id)
            .where(*_ALIVE).order_by(Approval.id).limit(bindparam("limit")))
_WAITING_COUNT = select(func.count(Approval.id)).where(*_ALIVE)
_STUCK = (select(OutboxRow.status, func.count(OutboxRow.id))
          .where(OutboxRow.status.in_(("uncertain", "failed"))).group_by(OutboxRow.status))
_LOW_STOCK = (select(ItemRow.name, ItemRow.on_hand, ItemRow.unit)
              .where(ItemRow.on_hand <= ItemRow.reorder_point).order_by(ItemRow.name).limit(6))
_DEALS_DUE = (select(DealRow.title, DealRow.next_step, DealRow.next_step_due)
              .where(DealRow.status == "open", DealRow.next_step_due.is_not(None),
                     DealRow.next_step_due <= bindparam("until", type_=DealRow.next_step_due.type))
              .order_by(DealRow.next_step_due).limit(6))


def waiting(session: Session, now: datetime, limit: int = 50) -> tuple[list[Waiting], int]:
    """Pending, unexpired approvals (oldest first) and how many there are.

    Read-only: the Approvals page retires expired ones (``approvals.pending``).
    """
    rows = session.execute(_WAITING, {"now": now, "limit": limit + 1}).all()
    count = len(rows) if len(rows) <= limit else \
        int(session.scalar(_WAITING_COUNT, {"now": now}) or 0)
    return [Waiting(approval_id=r[0], reason=r[1], payload_hash=r[2], created_at=r[3],
                    expires_at=r[4], action_id=r[5], duty=r[6], kind=r[7], summary=r[8],
                    requested_by=r[9]) for r in rows[:limit]], count


def agenda(session: Session, day: date, zone: str, days: int = 1) -> list[Event]:
    """The events of ``days`` local days from ``day``."""
    start, _ = day_bounds(day, zone)
    _, end = day_bounds(day + timedelta(days=days - 1), zone)
    return events_between(session, start, end, zone)


def attention(session: Session, now: datetime, today: date, base: str,
              can: dict[str, bool]) -> list[Attention]:
    """What needs the client: deliveries in doubt, stock low, deals with a step due."""
    out = [Attention(f"{p.text} What to do: {p.what_to_do}", f"{base}settings/connections",
                     "bad")
           for p in health.problems(session, outbox=False, now=now)]  # connections down
    stuck: dict[str, int] = {status: count for status, count in session.execute(_STUCK)}
    if stuck.get("uncertain"):
        out.append(Attention(f"{stuck['uncertain']} message(s) may or may not have been "
                             "delivered (the connection broke mid-send); check and settle them.",
                             f"{base}trust", "bad"))
    if stuck.get("failed"):
        out.append(Attention(f"{stuck['failed']} action(s) failed to deliver.",
                             f"{base}trust", "bad"))
    if can.get("supplies"):
        for name, on_hand, unit in session.execute(_LOW_STOCK):
            out.append(Attention(f"{name}: {on_hand} {unit} left, at or below the reorder point.",
                                 f"{base}ask", "warn"))
    if can.get("deals"):
        due = session.execute(_DEALS_DUE, {"until": today + timedelta(days=1)}).all()
        for title, step, when in due:
            if when is None:
                continue
            label = "overdue" if when < today else ("today" if when == today else "tomorrow")
            out.append(Attention(f"{title}: {step or 'next step'} — due {label}.",
                                 f"{base}ask", "bad" if when < today else "info"))
    return out


def history(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Decided approvals, newest first, with what became of each action."""
    rows = session.execute(
        select(Approval, ActionRow)
        .join(ActionRow, ActionRow.id == Approval.action_id)
        .where(Approval.status != "pending")
        .order_by(Approval.decided_at.desc(), Approval.id.desc()).limit(limit)).all()
    return [{"approval": a, "action": r} for a, r in rows]


def incidents(session: Session, limit: int = 20) -> list[tuple[OutcomeRow, str]]:
    """Undone and flagged outcomes, newest first, with the action's summary."""
    rows = session.execute(
        select(OutcomeRow, ActionRow.summary)
        .join(ActionRow, ActionRow.id == OutcomeRow.action_id)
        .where(OutcomeRow.outcome.in_([str(o) for o in INCIDENT_OUTCOMES]))
        .order_by(OutcomeRow.at.desc()).limit(limit)).all()
    return [(row, summary) for row, summary in rows]


@dataclass(frozen=True)
class WeekBar:
    """One week of one duty's outcomes, for the trust chart."""

    start: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """All outcomes that week."""
        return sum(self.counts.values())


CHART_GROUPS = {
    "unchanged": {Outcome.APPROVED_UNCHANGED, Outcome.EXECUTED},
    "edited": {Outcome.APPROVED_WITH_EDITS},
    "rejected": {Outcome.REJECTED, Outcome.EXPIRED, Outcome.FAILED},
    "incident": set(INCIDENT_OUTCOMES),
}


def audit_entries(session: Session, *, event: str | None = None, actor: str | None = None,
                  before: int | None = None, limit: int = 50) -> list[AuditEntry]:
    """Audit entries newest first, filtered by event prefix and actor, paged by ``before``."""
    query = select(AuditEntry)
    if event:
        query = query.where(AuditEntry.event.like(f"{_like(event)}%", escape="\\"))
    if actor:
        query = query.where(AuditEntry.actor.like(f"%{_like(actor)}%", escape="\\"))
    if before:
        query = query.where(AuditEntry.seq < before)
    return list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(min(limit, 500))))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def audit_events(session: Session) -> list[str]:
    """The event names present in this workspace's log (for the filter's choices)."""
    return list(session.scalars(select(AuditEntry.event).distinct().order_by(AuditEntry.event)))


@dataclass(frozen=True)
class WeeklyOutcomes:
    """Per duty, how many outcomes of each kind fell in each of the last weeks (oldest first),
    the weeks being the workspace's local Monday-to-Sunday weeks."""

    starts: list[date]
    counts: dict[str, list[Counter[Outcome]]]


def week_starts(now: datetime, zone: str, weeks: int = 12) -> list[date]:
    """The local Mondays of the last ``weeks`` weeks, oldest first (the last one is this
    week's)."""
    today = now.astimezone(ZoneInfo(zone)).date()
    this_week = today - timedelta(days=today.weekday())
    return [this_week - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def weekly_outcomes(session: Session, now: datetime, zone: str, weeks: int = 12) \
        -> WeeklyOutcomes:
    """Outcome counts per duty, week and outcome, in one grouped query.

    A week runs from local midnight on Monday to local midnight on the next Monday, so each
    boundary is an instant (the database needs no time-zone support, and a week with a
    daylight-saving change is 167 or 169 hours long, as it really is).
    """
    tz = ZoneInfo(zone)
    starts = week_starts(now, zone, weeks)
    bounds = [datetime.combine(d, datetime.min.time(), tz)
              for d in [*starts, starts[-1] + timedelta(weeks=1)]]
    week = case(*((OutcomeRow.at < bound, index) for index, bound in enumerate(bounds[1:])),
                else_=weeks).label("week")
    inner = (select(OutcomeRow.duty, OutcomeRow.outcome, week)
             .where(OutcomeRow.at >= bounds[0], OutcomeRow.at < bounds[-1]).subquery())
    rows = session.execute(
        select(inner.c.duty, inner.c.week, inner.c.outcome, func.count())
        .group_by(inner.c.duty, inner.c.week, inner.c.outcome))
    counts: dict[str, list[Counter[Outcome]]] = {}
    for duty, index, outcome, n in rows:
        if 0 <= index < weeks:
            per_week = counts.setdefault(duty, [Counter() for _ in range(weeks)])
            per_week[index][Outcome(outcome)] += int(n)
    return WeeklyOutcomes(starts, counts)
