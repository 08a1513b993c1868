"""Agenda text, shared by the assistant's answer and the lean ``righthand calendar agenda``.

Standard library only: the quick command path imports this and nothing heavier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Occurrence:
    """One occurrence as questions see it, with its calendar."""

    event_id: int
    uid: str
    calendar_id: int
    calendar: str
    color: str
    start: datetime
    end: datetime
    all_day: bool
    summary: str
    location: str | None
    status: str
    transparent: bool
    declined: bool
    counts_busy: bool  # the calendar's "counts as busy"
    recurrence_id: str = ""

    @property
    def busy(self) -> bool:
        """Does it block time? Tentative does; transparent, cancelled and declined do not."""
        return (self.counts_busy and not self.transparent and self.status != "CANCELLED"
                and not self.declined)


PARTS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}


def clock(moment: datetime, zone: str) -> str:
    """3 pm, 10:30 am -- as people say it."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ").lower()


def day_label(day: date, today: date) -> str:
    """today, tomorrow, or on Friday 4 December."""
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return f"on {day:%A %d %B}".replace(" 0", " ")


def local_bounds(first: date, days: int, zone: str, part: str | None = None) \
        -> tuple[datetime, datetime]:
    """The instants where a run of local days (or one part of a day) begins and ends."""
    tz = ZoneInfo(zone)
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    last = first + timedelta(days=days)
    end = datetime(last.year, last.month, last.day, tzinfo=tz)
    if part in PARTS and days == 1:
        low, high = PARTS[part]
        start = start.replace(hour=low)
        end = end if high == 24 else start.replace(hour=high)
    return start, end


def conflicts(items: list[Occurrence]) -> dict[int, list[str]]:
    """For each listed occurrence (by position), the busy ones it overlaps."""
    out: dict[int, list[str]] = {}
    timed = [(i, o) for i, o in enumerate(items) if o.busy and not o.all_day]
    for a, (i, first) in enumerate(timed):
        for j, second in timed[a + 1:]:
            if second.start >= first.end:
                break
            if second.start < first.end and first.start < second.end:
                out.setdefault(i, []).append(second.summary)
                out.setdefault(j, []).append(first.summary)
    return out


def _line(item: Occurrence, day: date, zone: str, clash: list[str],
          travel: int | None) -> str:
    tz = ZoneInfo(zone)
    if item.all_day:
        last = (item.end.astimezone(tz) - timedelta(seconds=1)).date()
        when = "all day" if last <= day else f"all day, until {last:%a %d %b}".replace(" 0", " ")
    else:
        when = f"{clock(item.start, zone)}-{clock(item.end, zone)}"
        if item.end.astimezone(tz).date() > day:
            when += f" ({item.end.astimezone(tz):%a})"
    text = f"- {when}: {item.summary}"
    if item.location:
        text += f" ({item.location})"
    notes = []
    if item.status == "TENTATIVE":
        notes.append("tentative")
    if item.declined:
        notes.append("you declined")
    if travel and item.location and not item.all_day:
        leave = item.start - timedelta(minutes=travel)
        notes.append(f"{travel} min travel: leave by {clock(leave, zone)}")
    if clash:
        notes.append("CONFLICT with " + ", ".join(sorted(set(clash))))
    return text + (f" [{'; '.join(notes)}]" if notes else "")


def agenda_text(items: list[Occurrence], first: date, days: int, today: date, zone: str,
                part: str | None = None, travel: int | None = None) -> str:
    """The agenda of one day (or part of it) or several, as a person would say it."""
    tz = ZoneInfo(zone)
    shown = [o for o in items if o.status != "CANCELLED"]
    clashes = conflicts(shown)
    label = day_label(first, today) if days == 1 else ""
    if part and days == 1:
        label = f"{label} {'this' if first == today else ''} {part}".replace("  ", " ")
        label = label.replace("today this", "this").replace("tomorrow ", "tomorrow ")
    if days == 1:
        if not shown:
            return f"Nothing is on your calendar {label.strip()}."
        count = len(shown)
        head = f"You have {count} {'thing' if count == 1 else 'things'} {label.strip()}"
        if first == today:
            head += f", {first:%A %d %B}".replace(" 0", " ")
        lines = [_line(o, first, zone, clashes.get(i, []), travel) for i, o in enumerate(shown)]
        tail = _conflict_tail(clashes)
        return head + ":\n" + "\n".join(lines) + tail
    last = first + timedelta(days=days - 1)
    span = f"{first:%a %d %b} to {last:%a %d %b}".replace(" 0", " ")
    if not shown:
        return f"Nothing is on your calendar from {span}."
    out = [f"You have {len(shown)} things from {span}:"]
    for offset in range(days):
        day = first + timedelta(days=offset)
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        end = start + timedelta(days=1)
        todays = [(i, o) for i, o in enumerate(shown) if o.start < end and
                  (o.end > start or o.start >= start)]
        if not todays:
            continue
        out.append(f"{day:%A %d %B}".replace(" 0", " ") + (" (today)" if day == today else ""))
        out.extend("  " + _line(o, day, zone, clashes.get(i, []), travel) for i, o in todays)
    return "\n".join(out) + _conflict_tail(clashes)


def _conflict_tail(clashes: dict[int, list[str]]) -> str:
    if not clashes:
        return ""
    pairs = len(clashes) // 2 or 1
    return (f"\nHeads up: {pairs} double booking{'s' if pairs > 1 else ''} -- marked CONFLICT "
            "above.")
