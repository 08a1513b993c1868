"""ICS import (a file, or a vdir of one .ics per event) and export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.calendar import ical, index
from righthand.errors import BadInput
from righthand.store.tables import CalendarRow, EventRow, Workspace


def resources(text: str) -> list[str]:
    """One VCALENDAR text per UID (a file with one event stays as it is)."""
    uids = {line.strip() for line in text.splitlines() if line.startswith("UID:")}
    return [text] if len(uids) <= 1 else ical.split(text)


def import_path(session: Session, ws: Workspace, calendar_id: int, path: Path,
                now: datetime) -> index.ImportReport:
    """Import ``path`` (an .ics file or a vdir folder) into a calendar."""
    if not path.exists():
        raise BadInput(f"{path} does not exist", hint="Give an .ics file or a vdir folder.")
    files = sorted(path.glob("*.ics")) if path.is_dir() else [path]
    texts: list[str] = []
    for file in files:
        try:
            texts.extend(resources(file.read_text(encoding="utf-8", errors="replace")))
        except BadInput as exc:
            raise BadInput(f"{file.name}: {exc.message}", hint=exc.hint) from exc
    return index.import_many(session, ws.id, calendar_id, texts, now, ws.timezone,
                             index.client_addresses(session))


def export(session: Session, calendar: str | None = None) -> str:
    """Every event (or one calendar's) as one VCALENDAR, with the VTIMEZONEs it uses."""
    import icalendar

    from righthand.duties.calendar.compose import PRODID

    query = select(EventRow).where(EventRow.sync_state != "deleted").order_by(EventRow.id)
    if calendar:
        cal = session.scalars(select(CalendarRow).where(CalendarRow.name == calendar)).first()
        if cal is None:
            raise BadInput(f"there is no calendar called {calendar!r}",
                           hint="See `righthand calendar calendars`.")
        query = query.where(EventRow.calendar_id == cal.id)
    out = icalendar.Calendar()
    out.add("PRODID", PRODID)
    out.add("VERSION", "2.0")
    zones: dict[str, Any] = {}
    for row in session.scalars(query):
        if not row.ical:
            continue
        parsed = icalendar.Calendar.from_ical(row.ical)
        for tz in parsed.walk("VTIMEZONE"):
            zones.setdefault(str(tz.get("TZID")), tz)
        for event in parsed.walk("VEVENT"):
            out.add_component(event)
    for tz in zones.values():
        out.subcomponents.insert(0, tz)
    out.add_missing_timezones()
    return str(out.to_ical().decode())
