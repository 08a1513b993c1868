"""The quick path of ``righthand calendar agenda``: SQLite through the standard library only.

Answering "what's on today" should cost about as much as starting Python. SQLAlchemy alone
takes a quarter of a second to import, so on the default (SQLite) install this reads the
occurrence index with ``sqlite3`` and renders with :mod:`righthand.duties.calendar.render`.
Whenever it cannot be sure -- another database, a schema it does not know, a recurring series
whose expanded window does not cover the days asked -- it returns None and the full path
answers instead.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

from righthand.duties.calendar.render import Occurrence, agenda_text, local_bounds

CALENDAR_REVISION = "0005_calendar"  # kept equal to the calendar branch head (a test checks)
LONG = timedelta(days=7)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _read(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _connect(url: str) -> sqlite3.Connection | None:
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        revisions = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.Error:
        return None
    return conn if CALENDAR_REVISION in revisions else None


def _workspace(conn: sqlite3.Connection, slug: str | None) -> tuple[int, str] | None:
    if slug is None:
        row = conn.execute("SELECT value FROM settings WHERE key = 'current_workspace'").fetchone()
        if row is None:
            only = conn.execute("SELECT id, timezone FROM workspaces LIMIT 2").fetchall()
            return (int(only[0][0]), str(only[0][1])) if len(only) == 1 else None
        slug = str(row[0])
    found = conn.execute("SELECT id, timezone FROM workspaces WHERE slug = ?", (slug,)).fetchone()
    return (int(found[0]), str(found[1])) if found else None


def agenda(url: str, slug: str | None, first: date | None, days: int,
           now: datetime) -> str | None:
    """The agenda text, or None when the full path must answer."""
    conn = _connect(url)
    if conn is None:
        return None
    try:
        return _agenda(conn, slug, first, days, now)
    except (sqlite3.Error, ValueError, KeyError):
        return None
    finally:
        conn.close()


def _agenda(conn: sqlite3.Connection, slug: str | None, first: date | None, days: int,
            now: datetime) -> str | None:
    found = _workspace(conn, slug)
    if found is None:
        return None
    ws, zone = found
    from zoneinfo import ZoneInfo

    today = now.astimezone(ZoneInfo(zone)).date()
    first = first or today
    start, end = local_bounds(first, days, zone)
    low, high = _stamp(start), _stamp(end)
    stale = conn.execute(
        "SELECT count(*) FROM events WHERE workspace_id = ? AND recurring = 1 AND "
        "sync_state != 'deleted' AND starts_at < ? AND (last_end IS NULL OR last_end > ?) AND "
        "(expanded_from IS NULL OR expanded_from > ? OR expanded_until < ?)",
        (ws, high, low, low, high)).fetchone()[0]
    if stale:
        return None
    calendars = {r[0]: r for r in conn.execute(
        "SELECT id, name, color, busy FROM calendars WHERE workspace_id = ?", (ws,))}
    base = ("SELECT o.event_id, e.uid, o.calendar_id, o.starts_at, o.ends_at, o.all_day, "
            "o.summary, o.location, o.status, o.transparent, o.declined, o.recurrence_id "
            "FROM event_occurrences o JOIN events e ON e.id = o.event_id "
            "WHERE o.workspace_id = ? AND o.starts_at < ? AND (o.ends_at > ? OR o.starts_at >= ?)")
    rows = conn.execute(base + " AND o.starts_at >= ?",
                        (ws, high, low, low, _stamp(start - LONG))).fetchall()
    rows += conn.execute(base + " AND o.starts_at < ? AND o.long = 1",
                         (ws, high, low, low, _stamp(start - LONG))).fetchall()
    items = []
    for (event_id, uid, cal_id, starts, ends, all_day, summary, location, status, transparent,
         declined, rid) in rows:
        cal = calendars.get(cal_id)
        if cal is None:
            continue
        items.append(Occurrence(event_id, uid, cal_id, cal[1], cal[2], _read(starts),
                                _read(ends), bool(all_day), summary, location, status,
                                bool(transparent), bool(declined), bool(cal[3]), rid))
    items.sort(key=lambda o: (not o.all_day, o.start, o.end, o.summary))
    rules = conn.execute("SELECT rules FROM availability_rules WHERE workspace_id = ?",
                         (ws,)).fetchone()
    travel = json.loads(rules[0]).get("travel_minutes") if rules else None
    return agenda_text(items, first, days, today, zone, None, travel)
