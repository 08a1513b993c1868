"""The availability engine: when can an appointment go? Pure (no I/O, time passed in).

Rules, as cal.com and Calendly let people set them: working hours per weekday, date overrides
(other hours, or a day off) and holidays, minimum notice, buffers before and after, the slot
interval, the booking window, a daily limit of bookings, and the client's own blocked time.
Busy intervals come from every busy-counting calendar (see ``calendar.index``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Window = tuple[time, time]
Interval = tuple[datetime, datetime]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NINE_TO_FIVE: tuple[Window, ...] = ((time(9), time(17)),)


def _clock(text: str) -> time:
    hours, _, minutes = str(text).partition(":")
    if hours.strip() == "24" and int(minutes or 0) == 0:
        return time.max
    return time(int(hours), int(minutes or 0))


def _windows(value: Any) -> tuple[Window, ...]:
    """"09:00-12:00,13:00-17:00" or [["09:00", "17:00"]] as windows; "" or [] is a day off."""
    if isinstance(value, str):
        items = [p.split("-") for p in value.split(",") if p.strip()]
    else:
        items = list(value or [])
    out = []
    for start, end in items:
        begin, finish = _clock(start), _clock(end)
        if finish <= begin:
            raise ValueError(f"a window must end after it starts: {start}-{end}")
        out.append((begin, finish))
    return tuple(sorted(out))


def _show(windows: Sequence[Window]) -> str:
    return ",".join(f"{a:%H:%M}-{'24:00' if b == time.max else f'{b:%H:%M}'}"
                    for a, b in windows)


@dataclass(frozen=True)
class Rules:
    """The client's bookable time."""

    hours: Mapping[int, tuple[Window, ...]] = field(
        default_factory=lambda: {d: NINE_TO_FIVE for d in range(5)})
    overrides: Mapping[date, tuple[Window, ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    min_notice: timedelta = timedelta(hours=2)
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    interval: timedelta = timedelta(minutes=30)
    window_days: int = 60
    daily_limit: int | None = None
    # Weekly blocks ({weekday: windows}) and one-off blocks, both the client's own time.
    blocked_weekly: Mapping[int, tuple[Window, ...]] = field(default_factory=dict)
    blocked: tuple[Interval, ...] = ()
    travel_minutes: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Rules:
        """The stored form (see :meth:`to_json`); missing keys keep their defaults."""
        data = data or {}
        base = cls()
        hours = dict(base.hours)
        for key, value in (data.get("hours") or {}).items():
            hours[WEEKDAYS.index(str(key)[:3].lower())] = _windows(value)
        blocked_weekly = {WEEKDAYS.index(str(k)[:3].lower()): _windows(v)
                          for k, v in (data.get("blocked_weekly") or {}).items()}
        return cls(
            hours={k: v for k, v in hours.items() if v},
            overrides={date.fromisoformat(k): _windows(v)
                       for k, v in (data.get("overrides") or {}).items()},
            holidays=frozenset(date.fromisoformat(d) for d in data.get("holidays") or []),
            min_notice=timedelta(minutes=int(data.get("min_notice_minutes", 120))),
            buffer_before=timedelta(minutes=int(data.get("buffer_before_minutes", 0))),
            buffer_after=timedelta(minutes=int(data.get("buffer_after_minutes", 0))),
            interval=timedelta(minutes=max(5, int(data.get("interval_minutes", 30)))),
            window_days=int(data.get("window_days", 60)),
            daily_limit=None if data.get("daily_limit") in (None, "") else
            int(data["daily_limit"]),
            blocked_weekly=blocked_weekly,
            blocked=tuple((datetime.fromisoformat(a), datetime.fromisoformat(b))
                          for a, b in data.get("blocked") or []),
            travel_minutes=None if data.get("travel_minutes") in (None, "") else
            int(data["travel_minutes"]))

    def to_json(self) -> dict[str, Any]:
        """The stored (and shown) form."""
        return {
            "hours": {WEEKDAYS[d]: _show(self.hours.get(d, ())) for d in range(7)},
            "overrides": {d.isoformat(): _show(w) for d, w in sorted(self.overrides.items())},
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "min_notice_minutes": int(self.min_notice.total_seconds() // 60),
            "buffer_before_minutes": int(self.buffer_before.total_seconds() // 60),
            "buffer_after_minutes": int(self.buffer_after.total_seconds() // 60),
            "interval_minutes": int(self.interval.total_seconds() // 60),
            "window_days": self.window_days, "daily_limit": self.daily_limit,
            "blocked_weekly": {WEEKDAYS[d]: _show(w) for d, w in self.blocked_weekly.items()},
            "blocked": [[a.isoformat(), b.isoformat()] for a, b in self.blocked],
            "travel_minutes": self.travel_minutes}

    def windows_on(self, day: date) -> tuple[Window, ...]:
        """Working windows of ``day`` (local): overrides first, holidays are off."""
        if day in self.holidays:
            return ()
        if day in self.overrides:
            return self.overrides[day]
        return self.hours.get(day.weekday(), ())


def _local(day: date, moment: time, tz: ZoneInfo) -> datetime:
    if moment == time.max:
        nxt = day + timedelta(days=1)
        return datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return datetime.combine(day, moment, tz)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, overlapping intervals joined."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def blocking(rules: Rules, busy: Iterable[Interval], start: datetime, end: datetime,
             zone: str) -> list[Interval]:
    """Busy time, widened by the buffers, plus the client's blocked time, merged."""
    tz = ZoneInfo(zone)
    widened = [(s - rules.buffer_after, e + rules.buffer_before) for s, e in busy]
    widened.extend(rules.blocked)
    day = start.astimezone(tz).date() - timedelta(days=1)
    while day <= end.astimezone(tz).date():
        for a, b in rules.blocked_weekly.get(day.weekday(), ()):
            widened.append((_local(day, a, tz), _local(day, b, tz)))
        day += timedelta(days=1)
    return merge(widened)


def _clear(blocks: list[Interval], starts: list[datetime], begin: datetime,
           finish: datetime) -> bool:
    index = bisect_left(starts, finish)
    # blocks are merged and sorted: only the one starting last before `finish` can overlap
    return index == 0 or blocks[index - 1][1] <= begin


def free_slots(rules: Rules, busy: Iterable[Interval], now: datetime, duration: timedelta,
               start: datetime, end: datetime, zone: str, count: int = 10,
               booked_per_day: Mapping[date, int] | None = None,
               spread: bool = False) -> list[Interval]:
    """The first ``count`` bookable slots of ``duration`` in [start, end) (aware datetimes).
    With ``spread``, at most one slot per day (a choice of days to offer people)."""
    tz = ZoneInfo(zone)
    earliest = max(start, now + rules.min_notice)
    latest = min(end, now + timedelta(days=rules.window_days))
    if latest <= earliest:
        return []
    blocks = blocking(rules, busy, earliest - duration, latest + duration, zone)
    starts = [b[0] for b in blocks]
    booked = booked_per_day or {}
    found: list[Interval] = []
    day = earliest.astimezone(tz).date()
    while day <= latest.astimezone(tz).date() and len(found) < count:
        if rules.daily_limit is not None and booked.get(day, 0) >= rules.daily_limit:
            day += timedelta(days=1)
            continue
        for a, b in rules.windows_on(day):
            open_at, close_at = _local(day, a, tz), _local(day, b, tz)
            slot = open_at
            if slot < earliest:  # align to the interval grid after the notice period
                steps = -(-(earliest - open_at) // rules.interval)
                slot = open_at + steps * rules.interval
            taken = False
            while slot + duration <= close_at and slot + duration <= latest:
                if _clear(blocks, starts, slot, slot + duration):
                    found.append((slot, slot + duration))
                    taken = True
                    if len(found) >= count or spread:
                        break
                slot += rules.interval
            if len(found) >= count or (spread and taken):
                break
        day += timedelta(days=1)
    return found


def is_free(rules: Rules | None, busy: Iterable[Interval], begin: datetime,
            finish: datetime, zone: str) -> bool:
    """No busy (or, given rules, blocked/buffered) time overlaps [begin, finish)."""
    blocks = blocking(rules or Rules(), busy, begin, finish, zone) if rules else merge(busy)
    return _clear(blocks, [b[0] for b in blocks], begin, finish)


def within_hours(rules: Rules, begin: datetime, finish: datetime, zone: str) -> bool:
    """[begin, finish) lies inside one working window."""
    tz = ZoneInfo(zone)
    day = begin.astimezone(tz).date()
    return any(_local(day, a, tz) <= begin and finish <= _local(day, b, tz)
               for a, b in rules.windows_on(day))


def free_blocks(rules: Rules, busy: Iterable[Interval], day: date, zone: str,
                minimum: timedelta = timedelta(minutes=30),
                not_before: datetime | None = None) -> list[Interval]:
    """The free stretches of a working day (at least ``minimum`` long)."""
    tz = ZoneInfo(zone)
    out: list[Interval] = []
    windows = rules.windows_on(day)
    if not windows:
        return out
    first, last = _local(day, windows[0][0], tz), _local(day, windows[-1][1], tz)
    blocks = blocking(Rules(hours=rules.hours, blocked_weekly=rules.blocked_weekly,
                            blocked=rules.blocked), busy, first, last, zone)
    for a, b in windows:
        cursor, close_at = _local(day, a, tz), _local(day, b, tz)
        if not_before is not None:
            cursor = max(cursor, not_before)
        for s, e in blocks:
            if e <= cursor or s >= close_at:
                continue
            if s - cursor >= minimum:
                out.append((cursor, s))
            cursor = max(cursor, e)
        if close_at - cursor >= minimum:
            out.append((cursor, close_at))
    return out
