"""Questions about the calendar (calendar.manage): the agenda, "Am I free Thursday at 3?",
"When am I free next week?". Answers read the occurrence index; nothing here acts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from righthand.duties.appointments import rules as stored_rules
from righthand.duties.appointments.availability import free_blocks, free_slots, within_hours
from righthand.duties.calendar import index
from righthand.duties.calendar.render import agenda_text, clock, day_label, local_bounds
from righthand.duties.plugin import Reply, Request


def _today(request: Request) -> date:
    return request.now.astimezone(ZoneInfo(request.workspace.timezone)).date()


def _first_day(request: Request) -> date:
    raw = request.slots.get("date")
    return date.fromisoformat(raw) if isinstance(raw, str) else _today(request)


def _span(start: datetime, end: datetime, zone: str) -> str:
    return f"{clock(start, zone)}-{clock(end, zone)}"


def agenda(request: Request) -> Reply:
    """'What's on my calendar today / tomorrow afternoon / this week / on the 12th?'."""
    zone = request.workspace.timezone
    first, days = _first_day(request), max(1, int(request.slots.get("days") or 1))
    part = request.slots.get("part") if days == 1 else None
    start, end = local_bounds(first, days, zone, part)
    items = index.between(request.session, start, end, zone)
    rules = stored_rules.load(request.session)
    text = agenda_text(items, first, days, _today(request), zone, part, rules.travel_minutes)
    return Reply(text, data={"date": first.isoformat(), "days": days, "events": [
        {"id": o.event_id, "uid": o.uid, "summary": o.summary, "start": o.start.isoformat(),
         "end": o.end.isoformat(), "all_day": o.all_day, "calendar": o.calendar,
         "busy": o.busy, "recurrence_id": o.recurrence_id}
        for o in items if o.status != "CANCELLED"]})


def _moment(request: Request, prefix: str = "") -> datetime | None:
    zone = ZoneInfo(request.workspace.timezone)
    raw_day, raw_time = request.slots.get(f"{prefix}date"), request.slots.get(f"{prefix}time")
    if not raw_time:
        return None
    day = date.fromisoformat(raw_day) if raw_day else _today(request)
    hours, minutes = (int(x) for x in str(raw_time).split(":"))
    return datetime.combine(day, time(hours, minutes), zone)


def free_at(request: Request) -> Reply:
    """'Am I free Thursday at 3?'."""
    zone = request.workspace.timezone
    moment = _moment(request)
    if moment is None:
        return Reply("At what time? For example: \"Am I free Thursday at 3?\"")
    length = timedelta(minutes=int(request.slots.get("minutes") or 60))
    finish = moment + length
    day = moment.astimezone(ZoneInfo(zone)).date()
    items = index.between(request.session, moment - timedelta(days=1), finish + timedelta(days=1),
                          zone)
    clashes = [o for o in items if o.busy and o.start < finish and moment < o.end]
    when = f"{day_label(day, _today(request))} at {clock(moment, zone)}"
    rules = stored_rules.load(request.session)
    if not clashes:
        later = [o.start for o in items if o.busy and o.start >= finish]
        until = f" (free until {clock(min(later), zone)})" if later and \
            min(later).astimezone(ZoneInfo(zone)).date() == day else ""
        note = "" if within_hours(rules, moment, finish, zone) else \
            " Note: that's outside your working hours."
        return Reply(f"Yes, you're free {when}{until}.{note}",
                     data={"free": True, "start": moment.isoformat()})
    shown = "; ".join(
        f"{o.summary} ({'all day' if o.all_day else _span(o.start, o.end, zone)}, {o.calendar})"
        for o in clashes)
    busy = stored_rules.busy(request.session, moment - timedelta(days=1),
                             moment + timedelta(days=8), zone)
    options = free_slots(rules, busy, request.now, length,
                         datetime.combine(day, time(0), ZoneInfo(zone)),
                         datetime.combine(day + timedelta(days=7), time(0), ZoneInfo(zone)),
                         zone, count=12)
    options.sort(key=lambda s: abs((s[0] - moment).total_seconds()))
    near = ", ".join(f"{day_label(s[0].astimezone(ZoneInfo(zone)).date(), _today(request))} "
                     f"at {clock(s[0], zone)}" for s in sorted(options[:3]))
    text = f"No, {when} you have: {shown}."
    if near:
        text += f" The nearest free times: {near}."
    return Reply(text, data={"free": False, "clashes": [o.summary for o in clashes]})


def free_time(request: Request) -> Reply:
    """'When am I free next week?' -- free stretches of each working day."""
    zone = request.workspace.timezone
    first, days = _first_day(request), max(1, int(request.slots.get("days") or 1))
    start, end = local_bounds(first, days, zone)
    busy = stored_rules.busy(request.session, start, end, zone)
    rules = stored_rules.load(request.session)
    minimum = timedelta(minutes=int(request.slots.get("minutes") or 30))
    lines: list[str] = []
    data: list[dict[str, Any]] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if not rules.windows_on(day):
            continue
        blocks = free_blocks(rules, busy, day, zone, minimum, not_before=request.now)
        label = f"{day:%A %d %B}".replace(" 0", " ")
        shown = ", ".join(_span(a, b, zone) for a, b in blocks) or "fully booked"
        lines.append(f"- {label}: {shown}")
        data.extend({"start": a.isoformat(), "end": b.isoformat()} for a, b in blocks)
    if not lines:
        return Reply("None of those days are working days in your availability rules.")
    head = "Your free time" + (" (working hours)" if rules.hours else "") + ":"
    return Reply(head + "\n" + "\n".join(lines), data={"free": data})
