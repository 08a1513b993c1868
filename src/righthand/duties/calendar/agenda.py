"""Agenda helpers kept for readers of the calendar (the web dashboard): events of a range as
domain records, recurrences expanded, from the occurrence index."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from righthand.domain.records import Event
from righthand.duties.calendar import index
from righthand.duties.calendar.answers import agenda
from righthand.store.tables import Workspace

__all__ = ["agenda", "day_bounds", "events_between"]


def events_between(session: Session, start: datetime, end: datetime,
                   zone: str | None = None) -> list[Event]:
    """Events overlapping [start, end), all-day first then earliest; cancelled ones left out."""
    if zone is None:
        ws = session.get(Workspace, session.info.get("workspace_id"))
        zone = ws.timezone if ws is not None else "UTC"
    return [Event(id=o.event_id, summary=o.summary, starts_at=o.start, ends_at=o.end,
                  all_day=o.all_day, location=o.location, calendar=o.calendar)
            for o in index.between(session, start, end, zone) if o.status != "CANCELLED"]


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants where ``day`` begins and ends in ``zone``."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tz)
