"""The workspace's stored availability rules, and the busy time they meet."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.appointments.availability import Interval, Rules
from righthand.duties.calendar import index
from righthand.errors import BadInput
from righthand.store.tables import AppointmentRequest, AvailabilityRules


def load(session: Session) -> Rules:
    """The client's rules (defaults until set)."""
    row = session.scalars(select(AvailabilityRules)).first()
    return Rules.from_json(row.rules if row else None)


def save(session: Session, workspace_id: int, changes: Mapping[str, Any], now: datetime) \
        -> Rules:
    """Merge ``changes`` into the stored rules (validated by parsing them)."""
    row = session.scalars(select(AvailabilityRules)).first()
    merged = {**(row.rules if row else {}), **changes}
    try:
        rules = Rules.from_json(merged)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"those availability rules don't parse: {exc}",
                       hint="Hours look like mon=09:00-12:00,13:00-17:00; minutes are numbers."
                       ) from exc
    if row is None:
        session.add(AvailabilityRules(workspace_id=workspace_id, rules=rules.to_json(),
                                      updated_at=now))
    else:
        row.rules = rules.to_json()
        row.updated_at = now
    return rules


def busy(session: Session, start: datetime, end: datetime, zone: str) -> list[Interval]:
    """Busy time on every busy-counting calendar (recurring, all-day and tentative included;
    transparent, cancelled and declined left out)."""
    return [(o.start, o.end) for o in index.between(session, start, end, zone) if o.busy]


def booked_per_day(session: Session, zone: str) -> dict[date, int]:
    """Appointments booked through scheduling, per local day (for the daily limit)."""
    tz = ZoneInfo(zone)
    counts: dict[date, int] = {}
    for row in session.scalars(select(AppointmentRequest).where(
            AppointmentRequest.state == "booked")):
        start = (row.slots or {}).get("booked")
        if start:
            day = datetime.fromisoformat(start).astimezone(tz).date()
            counts[day] = counts.get(day, 0) + 1
    return counts
