"""Answers about the client's calendar (calendar.manage)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.records import Event
from righthand.duties.plugin import Reply, Request
from righthand.store.tables import CalendarRow, EventRow


def events_between(session: Session, start: datetime, end: datetime) -> list[Event]:
    """Events overlapping [start, end), earliest first; cancelled ones left out."""
    rows = session.execute(
        select(EventRow, CalendarRow.name)
        .join(CalendarRow, CalendarRow.id == EventRow.calendar_id)
        .where(EventRow.starts_at < end, EventRow.ends_at > start,
               EventRow.status != "CANCELLED")
        .order_by(EventRow.all_day.desc(), EventRow.starts_at)).all()
    return [Event(id=r.id, summary=r.summary, starts_at=r.starts_at, ends_at=r.ends_at,
                  all_day=r.all_day, location=r.location, calendar=cal,
                  attendees=tuple(a.get("name") or a.get("email", "")
                                  for a in (r.attendees or {}).get("list", [])))
            for r, cal in rows]


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants where ``day`` begins and ends in ``zone``."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tz)


def _clock(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ").lower()


def describe_day(events: list[Event], day: date, today: date, zone: str) -> str:
    """The agenda of one day as a person would say it."""
    label = "today" if day == today else ("tomorrow" if day == today + timedelta(days=1)
                                          else f"on {day:%A %d %B}".replace(" 0", " "))
    if not events:
        return f"Nothing is on your calendar {label}."
    lines = []
    for event in events:
        when = "all day" if event.all_day else \
            f"{_clock(event.starts_at, zone)}-{_clock(event.ends_at, zone)}"
        where = f" ({event.location})" if event.location else ""
        lines.append(f"- {when}: {event.summary}{where}")
    count = len(events)
    head = f"You have {count} {'thing' if count == 1 else 'things'} {label}"
    if day == today:
        head += f", {day:%A %d %B}".replace(" 0", " ")
    return head + ":\n" + "\n".join(lines)


def agenda(request: Request) -> Reply:
    """'What's on my calendar today, Jane?'."""
    zone = request.workspace.timezone
    today = request.now.astimezone(ZoneInfo(zone)).date()
    raw = request.slots.get("date")
    day = date.fromisoformat(raw) if isinstance(raw, str) else today
    start, end = day_bounds(day, zone)
    events = events_between(request.session, start, end)
    return Reply(describe_day(events, day, today, zone),
                 data={"date": day.isoformat(), "events": [
                     {"id": e.id, "summary": e.summary, "start": e.starts_at.isoformat(),
                      "end": e.ends_at.isoformat(), "all_day": e.all_day} for e in events]})
