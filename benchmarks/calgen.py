"""Generates a realistic calendar as a vdir (one .ics per event) for the benchmarks and tests.

Single events and recurring series spread over several time zones; every recurring series has
exceptions (an EXDATE and a RECURRENCE-ID override that moves one occurrence), some are all-day,
some are multi-day, a few are transparent or cancelled. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZONES = ["America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo",
         "America/Los_Angeles", "Australia/Sydney"]
WORDS = ["Review", "Call", "Lunch", "Showing", "Planning", "Sync", "Budget", "Dentist",
         "Closing", "Viewing", "Workshop", "Interview", "Coffee", "Walkthrough", "Inspection"]
WHO = ["Bob", "Alice", "the Joneses", "Maria", "Dev", "Emma", "Liam", "Olivia", "Noah"]
STAMP = "20260101T000000Z"


def vtimezone(zone: str) -> str:
    """A VTIMEZONE for ``zone`` covering the benchmark's years (as clients send them)."""
    from icalendar import Timezone

    tz = Timezone.from_tzid(zone, first_date=date(2024, 1, 1), last_date=date(2030, 1, 1))
    return tz.to_ical().decode().replace("\r\n", "\n").strip()


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _wrap(body: str, zones: set[str], cache: dict[str, str]) -> str:
    for zone in zones - cache.keys():
        cache[zone] = vtimezone(zone)
    blocks = [cache[z] for z in sorted(zones)]
    return "\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Righthand bench//EN",
                      *blocks, body, "END:VCALENDAR"]).replace("\n", "\r\n") + "\r\n"


def generate(folder: Path, events: int = 10_000, recurring: int = 2_000,
             around: date | None = None, seed: int = 5, days: int = 365) -> date:
    """Write ``events`` resources (``recurring`` of them series) into ``folder``; returns the
    day the calendar is centred on."""
    rng = random.Random(seed)
    centre = around or date(2026, 11, 26)
    folder.mkdir(parents=True, exist_ok=True)
    cache: dict[str, str] = {}
    for index in range(events):
        zone = rng.choice(ZONES)
        tz = ZoneInfo(zone)
        day = centre + timedelta(days=rng.randint(-days // 2, days // 2))
        title = f"{rng.choice(WORDS)} with {rng.choice(WHO)} #{index}"
        uid = f"bench-{index}@righthand.test"
        kind = rng.random()
        lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{STAMP}", f"SUMMARY:{title}"]
        zones: set[str] = set()
        if index < recurring:
            start = datetime.combine(day - timedelta(days=days // 2),
                                     datetime.min.time(), tz).replace(
                hour=rng.randint(7, 18), minute=rng.choice([0, 15, 30, 45]))
            length = timedelta(minutes=rng.choice([30, 45, 60, 90]))
            zones.add(zone)
            lines += [f"DTSTART;TZID={zone}:{_local(start)}",
                      f"DTEND;TZID={zone}:{_local(start + length)}"]
            freq = rng.choice(["WEEKLY", "WEEKLY", "DAILY", "MONTHLY"])
            step = {"WEEKLY": timedelta(weeks=1), "DAILY": timedelta(days=1),
                    "MONTHLY": timedelta(weeks=4)}[freq]
            if freq == "MONTHLY":  # every fourth week: exceptions land on real occurrences
                freq = "WEEKLY;INTERVAL=4"
            rule = f"RRULE:FREQ={freq}"
            if freq == "DAILY":
                rule += f";COUNT={rng.randint(20, 200)}"
            elif rng.random() < 0.5:
                until = start + timedelta(days=rng.randint(120, 700))
                rule += f";UNTIL={until.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"
            lines.append(rule)
            skipped = start + step * rng.randint(1, 4)
            lines.append(f"EXDATE;TZID={zone}:{_local(skipped)}")
            lines.append("END:VEVENT")
            moved = start + step * rng.randint(5, 9)
            lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{STAMP}",
                      f"RECURRENCE-ID;TZID={zone}:{_local(moved)}",
                      f"SUMMARY:{title} (moved)",
                      f"DTSTART;TZID={zone}:{_local(moved + timedelta(hours=2))}",
                      f"DTEND;TZID={zone}:{_local(moved + timedelta(hours=2) + length)}"]
        elif kind < 0.08:
            span = rng.choice([1, 1, 1, 2, 3])
            lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                      f"DTEND;VALUE=DATE:{day + timedelta(days=span):%Y%m%d}",
                      "TRANSP:TRANSPARENT"]
        else:
            start = datetime.combine(day, datetime.min.time(), tz).replace(
                hour=rng.randint(6, 20), minute=rng.choice([0, 15, 30, 45]))
            length = timedelta(minutes=rng.choice([15, 30, 45, 60, 90, 120]))
            if rng.random() < 0.3:
                lines += [f"DTSTART:{start.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}",
                          f"DTEND:{(start + length).astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"]
            else:
                zones.add(zone)
                lines += [f"DTSTART;TZID={zone}:{_local(start)}",
                          f"DTEND;TZID={zone}:{_local(start + length)}"]
            if rng.random() < 0.3:
                lines.append(f"LOCATION:{rng.randint(1, 99)} Harbour Street")
            if rng.random() < 0.03:
                lines.append("STATUS:TENTATIVE")
        lines.append("END:VEVENT")
        (folder / f"{index:05d}.ics").write_text(_wrap("\n".join(lines), zones, cache),
                                                 encoding="utf-8", newline="")
    return centre
