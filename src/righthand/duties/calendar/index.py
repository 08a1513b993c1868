"""The calendar store: resources in ``events`` (raw iCalendar + the columns to find them) and
their occurrences in ``event_occurrences``, the index every range question reads.

Single events have one occurrence. Recurring series are expanded into a rolling window
(``BEHIND`` before today to ``AHEAD`` after it, rolled daily); a question outside a series'
window expands that series in memory from its iCalendar text, so answers are right everywhere
and fast where people ask most.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, insert, or_, select
from sqlalchemy.orm import Session

from righthand.duties.calendar.ical import LONG, Instance, Resource, instances, read
from righthand.duties.calendar.render import Occurrence
from righthand.errors import BadInput
from righthand.store.tables import CalendarRow, EventOccurrence, EventRow, Workspace

BEHIND = timedelta(days=7)
AHEAD = timedelta(days=42)


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def client_addresses(session: Session) -> frozenset[str]:
    """The client's own addresses (from the workspace profile): whose PARTSTAT is theirs."""
    workspace_id = session.info.get("workspace_id")
    ws = session.get(Workspace, workspace_id) if workspace_id is not None else None
    profile = (ws.profile or {}) if ws is not None else {}
    found = [profile.get("email"), *(profile.get("emails") or [])]
    return frozenset(str(a).strip().lower() for a in found if a)


def _occurrence_rows(resource: Resource, event_id: int, calendar_id: int, workspace_id: int,
                     now: datetime, zone: str, me: frozenset[str]) \
        -> tuple[list[dict[str, Any]], datetime | None, datetime | None]:
    low: datetime | None
    high: datetime | None
    if resource.recurring:
        low, high = now - BEHIND, now + AHEAD
        found = instances(resource.text, low, high, ZoneInfo(zone), me, resource.parsed)
    else:
        low = high = None
        found = [resource.single(me)]
    rows = [{"workspace_id": workspace_id, "event_id": event_id, "calendar_id": calendar_id,
             "starts_at": i.start, "ends_at": i.end, "all_day": i.all_day,
             "recurrence_id": i.recurrence_id, "summary": i.summary[:500],
             "location": (i.location or None) and i.location[:500], "status": i.status,
             "transparent": i.transparent, "declined": i.declined,
             "long": i.end - i.start > LONG} for i in found]
    return rows, low, high


def _columns(resource: Resource) -> dict[str, Any]:
    return {"uid": resource.uid[:255], "summary": resource.summary[:500],
            "location": resource.location and resource.location[:500],
            "description": resource.description, "starts_at": resource.start,
            "ends_at": resource.end, "all_day": resource.all_day,
            "timezone": resource.timezone and resource.timezone[:64],
            "status": resource.status[:16], "attendees": {"list": resource.attendees},
            "ical": resource.text, "sequence": resource.sequence,
            "recurring": resource.recurring, "last_end": resource.last_end,
            "transparent": resource.transparent,
            "organizer": resource.organizer and resource.organizer[:320]}


def store(session: Session, calendar_id: int, text: str, now: datetime, zone: str,
          me: frozenset[str], *, href: str | None = None, etag: str | None = None,
          sync_state: str = "synced") -> EventRow | None:
    """Insert or replace the resource ``text`` in a calendar (by UID) and index it."""
    resource = read(text, ZoneInfo(zone))
    if resource is None:
        return None
    if not resource.uid:
        raise BadInput("the event has no UID", hint="Every iCalendar event needs a UID.")
    row = find(session, calendar_id, resource.uid)
    calendar = session.get(CalendarRow, calendar_id)
    if calendar is None:
        raise BadInput(f"there is no calendar #{calendar_id}")
    if row is None:
        row = EventRow(workspace_id=calendar.workspace_id, calendar_id=calendar_id,
                       **_columns(resource))
        session.add(row)
    else:
        for key, value in _columns(resource).items():
            setattr(row, key, value)
    if href is not None:
        row.href = href
    if etag is not None:
        row.etag = etag
    row.sync_state = sync_state
    row.updated_at = now
    session.flush()
    reindex(session, row, resource, now, zone, me)
    return row


def reindex(session: Session, row: EventRow, resource: Resource | None, now: datetime,
            zone: str, me: frozenset[str]) -> None:
    """Replace the event's occurrences in the index."""
    session.execute(delete(EventOccurrence).where(EventOccurrence.event_id == row.id))
    if row.sync_state == "deleted":
        return
    resource = resource or (read(row.ical, ZoneInfo(zone)) if row.ical else None)
    if resource is None:
        return
    rows, low, high = _occurrence_rows(resource, row.id, row.calendar_id, row.workspace_id,
                                       now, zone, me)
    row.expanded_from, row.expanded_until = low, high
    if rows:
        session.execute(insert(EventOccurrence), rows)


def find(session: Session, calendar_id: int, uid: str) -> EventRow | None:
    """The event with ``uid`` in a calendar."""
    return session.scalars(select(EventRow).where(EventRow.calendar_id == calendar_id,
                                                  EventRow.uid == uid)).first()


def import_many(session: Session, workspace_id: int, calendar_id: int, texts: Iterable[str],
                now: datetime, zone: str, me: frozenset[str]) -> ImportReport:
    """Import many resources at once: new ones in bulk, known UIDs replaced one by one."""
    report = ImportReport()
    tz = ZoneInfo(zone)
    known = dict(session.execute(select(EventRow.uid, EventRow.id)
                                 .where(EventRow.calendar_id == calendar_id)).all())
    fresh: dict[str, Resource] = {}
    for text in texts:
        try:
            resource = read(text, tz)
        except (BadInput, ValueError, KeyError, TypeError) as exc:
            report.errors.append(str(exc)[:200])
            continue
        if resource is None or not resource.uid:
            report.skipped += 1
            continue
        if resource.uid in known:
            store(session, calendar_id, text, now, zone, me)
            report.updated += 1
        else:
            fresh[resource.uid] = resource
    if not fresh:
        return report
    rows = [{"workspace_id": workspace_id, "calendar_id": calendar_id, "sync_state": "synced",
             "updated_at": now, **_columns(r)} for r in fresh.values()]
    table: Any = EventRow.__table__
    for chunk in range(0, len(rows), 2000):
        session.execute(table.insert(), rows[chunk:chunk + 2000])
    ids = dict(session.execute(select(EventRow.uid, EventRow.id).where(
        EventRow.calendar_id == calendar_id)).all())
    occurrences: list[dict[str, Any]] = []
    windows: list[dict[str, Any]] = []
    for uid, resource in fresh.items():
        found, low, high = _occurrence_rows(resource, ids[uid], calendar_id, workspace_id, now,
                                            zone, me)
        occurrences.extend(found)
        if low is not None:
            windows.append({"id": ids[uid], "expanded_from": low, "expanded_until": high})
    if windows:
        session.execute(table.update().where(table.c.id == _bind("id"))
                        .values(expanded_from=_bind("expanded_from"),
                                expanded_until=_bind("expanded_until")),
                        [{"id_": w["id"], "expanded_from_": w["expanded_from"],
                          "expanded_until_": w["expanded_until"]} for w in windows])
    occurrence_table: Any = EventOccurrence.__table__
    for chunk in range(0, len(occurrences), 5000):
        session.execute(occurrence_table.insert(), occurrences[chunk:chunk + 5000])
    report.created += len(fresh)
    return report


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(f"{name}_")


# The agenda's statements, built once (every page with a calendar on it asks them): series
# whose stored window does not cover the range, and the occurrences overlapping it -- those
# starting within LONG before it (one index range) and the few long ones starting earlier.
_CALENDARS = select(CalendarRow)
_STALE = select(EventRow).where(
    EventRow.recurring.is_(True), EventRow.sync_state != "deleted",
    EventRow.starts_at < bindparam("end"),
    or_(EventRow.last_end.is_(None), EventRow.last_end > bindparam("start")),
    or_(EventRow.expanded_from.is_(None), EventRow.expanded_from > bindparam("start"),
        EventRow.expanded_until < bindparam("end")))
_OCCURRENCES = select(
    EventOccurrence.event_id, EventOccurrence.calendar_id, EventOccurrence.starts_at,
    EventOccurrence.ends_at, EventOccurrence.all_day, EventOccurrence.summary,
    EventOccurrence.location, EventOccurrence.status, EventOccurrence.transparent,
    EventOccurrence.declined, EventOccurrence.recurrence_id, EventRow.uid,
    CalendarRow.name.label("calendar"), CalendarRow.color, CalendarRow.busy).join(
    EventRow, EventRow.id == EventOccurrence.event_id).join(
    CalendarRow, CalendarRow.id == EventOccurrence.calendar_id).where(
    EventOccurrence.starts_at < bindparam("end"),
    or_(EventOccurrence.ends_at > bindparam("start"),
        EventOccurrence.starts_at >= bindparam("start")))
_PROBES = (_OCCURRENCES.where(EventOccurrence.starts_at >= bindparam("recent")),
           _OCCURRENCES.where(EventOccurrence.starts_at < bindparam("recent"),
                              EventOccurrence.long.is_(True)))


def between(session: Session, start: datetime, end: datetime, zone: str,
            me: frozenset[str] | None = None,
            calendar_ids: Sequence[int] | None = None) -> list[Occurrence]:
    """Every occurrence overlapping [start, end), earliest first (all-day ones first)."""
    window = {"start": start, "end": end, "recent": start - LONG}
    stale = session.scalars(_STALE, window).all()
    skip = {row.id for row in stale}
    found: list[Occurrence] = []
    for probe in _PROBES:
        for occ in session.execute(probe, window):
            if occ.event_id in skip:
                continue
            found.append(Occurrence(occ.event_id, occ.uid, occ.calendar_id, occ.calendar,
                                    occ.color, occ.starts_at, occ.ends_at, occ.all_day,
                                    occ.summary, occ.location, occ.status, occ.transparent,
                                    occ.declined, occ.busy, occ.recurrence_id))
    calendars: dict[int, CalendarRow] = {}
    if stale:  # series to expand from their iCalendar text: rare, so read what they need now
        calendars = {c.id: c for c in session.scalars(_CALENDARS)}
        if me is None:  # whose PARTSTAT is the client's
            me = client_addresses(session)
    for row in stale:
        owner = calendars.get(row.calendar_id)
        if owner is None or not row.ical:
            continue
        for i in instances(row.ical, start, end, ZoneInfo(zone), me or frozenset()):
            found.append(_from_instance(row, owner, i))
    if calendar_ids is not None:
        found = [o for o in found if o.calendar_id in set(calendar_ids)]
    return sorted(found, key=lambda o: (not o.all_day, o.start, o.end, o.summary))


def _from_instance(row: EventRow, cal: CalendarRow, i: Instance) -> Occurrence:
    return Occurrence(row.id, row.uid, cal.id, cal.name, cal.color, i.start, i.end, i.all_day,
                      i.summary, i.location, i.status, i.transparent, i.declined, cal.busy,
                      i.recurrence_id)


def roll(session: Session, now: datetime, zone: str) -> int:
    """Move recurring series' windows forward (daily job); returns how many were re-expanded."""
    me = client_addresses(session)
    due = session.scalars(select(EventRow).where(
        EventRow.recurring.is_(True), EventRow.sync_state != "deleted",
        or_(EventRow.last_end.is_(None), EventRow.last_end > now - BEHIND),
        or_(EventRow.expanded_until.is_(None),
            EventRow.expanded_until < now + AHEAD - timedelta(days=1)))).all()
    for row in due:
        reindex(session, row, None, now, zone, me)
    return len(due)


def reindex_all(session: Session, now: datetime, zone: str) -> int:
    """Rebuild the whole index (after the workspace's zone changed, or a bug fix)."""
    me = client_addresses(session)
    rows = session.scalars(select(EventRow)).all()
    for row in rows:
        reindex(session, row, None, now, zone, me)
    return len(rows)
