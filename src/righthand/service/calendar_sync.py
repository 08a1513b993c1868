"""Two-way CalDAV sync and ICS subscriptions.

The local store is where the assistant's changes happen (as gated local actions); a change
marks its event ``pending`` (or ``deleted``, a tombstone). This sync -- run by the dispatcher,
which alone holds the world-changing CalDAV connector -- pulls the server's changes with the
RFC 6578 sync token (a full ETag listing when the server has none or the token expired), then
pushes pending changes with If-Match / If-None-Match.

Conflicts (both sides changed one event; a 412 on push): the version with the higher SEQUENCE
wins, then the later LAST-MODIFIED/DTSTAMP, then the server's. The loser is kept whole in
``calendar_conflicts`` and reported. Network I/O never happens inside a database transaction,
and the sync token is stored in the same transaction as the changes it covers: a server that
goes away mid-sync leaves nothing half-applied, and the next run picks up where this one left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select

from righthand.duties.calendar import ical, index
from righthand.errors import BadInput, RetryLater, RighthandError
from righthand.service import audit
from righthand.store.tables import (
    CalendarConflict,
    CalendarRow,
    CalendarSource,
    EventRow,
    Workspace,
)
from righthand.store.uow import Database

if TYPE_CHECKING:
    from righthand.bootstrap import App


class CalendarServer(Protocol):
    """The port the CalDAV connector implements."""

    def calendars(self) -> list[Any]: ...
    def changes(self, url: str, token: str | None) -> Any: ...
    def fetch(self, url: str, hrefs: list[str]) -> dict[str, tuple[str, str]]: ...
    def put(self, href: str, text: str, etag: str | None) -> str | None: ...
    def delete(self, href: str, etag: str | None) -> None: ...


@dataclass
class SyncReport:
    """What a sync did."""

    pulled: int = 0
    pushed: int = 0
    deleted: int = 0
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: SyncReport) -> None:
        """Add another report's figures."""
        self.pulled += other.pulled
        self.pushed += other.pushed
        self.deleted += other.deleted
        self.conflicts += other.conflicts
        self.errors += other.errors

    def one_line(self) -> str:
        """For people."""
        text = (f"{self.pulled} received, {self.pushed} sent, {self.deleted} deleted, "
                f"{len(self.conflicts)} conflicts")
        return text + (f"; {len(self.errors)} failed: {self.errors[0]}" if self.errors else "")


_SEQ = re.compile(r"^SEQUENCE:(\d+)", re.M)
_STAMP = re.compile(r"^(?:LAST-MODIFIED|DTSTAMP)(?:;[^:]*)?:(\d{8}T\d{6}Z?)", re.M)


def _rank(text: str) -> tuple[int, str]:
    seq = _SEQ.search(text)
    stamps = _STAMP.findall(text)
    return (int(seq.group(1)) if seq else 0, max(stamps) if stamps else "")


def _same(a: str | None, b: str | None) -> bool:
    def norm(text: str | None) -> str:
        return re.sub(r"^(DTSTAMP|LAST-MODIFIED|PRODID)[^\n]*\n?", "",
                      (text or "").replace("\r\n", "\n"), flags=re.M).strip()
    return norm(a) == norm(b)


def _href_for(url: str, uid: str) -> str:
    from urllib.parse import urlsplit

    safe = re.sub(r"[^A-Za-z0-9._-]", "_", uid)[:150]
    return urlsplit(url).path.rstrip("/") + f"/{safe}.ics"


def _conflict(session: Any, row: EventRow, kept: str, lost: str | None, reason: str,
              now: datetime, report: SyncReport) -> None:
    session.add(CalendarConflict(workspace_id=row.workspace_id, calendar_id=row.calendar_id,
                                 uid=row.uid, href=row.href, kept=kept, lost_ical=lost,
                                 reason=reason[:300], created_at=now))
    report.conflicts.append(f"{row.summary}: kept the {kept} version ({reason})")
    audit.append(session, row.workspace_id, "calendar-sync", "calendar.conflict", row.uid,
                 {"kept": kept, "reason": reason}, at=now)


def _take_remote(session: Any, row: EventRow | None, calendar_id: int, href: str, etag: str,
                 text: str, now: datetime, zone: str, me: frozenset[str],
                 report: SyncReport) -> None:
    if row is not None and row.sync_state != "synced":
        if _same(row.ical, text):
            pass  # our own write came back (a push whose answer was lost): nothing to settle
        elif row.sync_state == "deleted" or _rank(text) >= _rank(row.ical or ""):
            lost = None if row.sync_state == "deleted" else row.ical
            _conflict(session, row, "remote", lost, "changed on both sides; the server's "
                      "version is newer" if lost else "deleted here, changed on the server",
                      now, report)
        else:
            _conflict(session, row, "local", text, "changed on both sides; this version is "
                      "newer", now, report)
            row.etag, row.href = etag, href  # push ours over exactly the version we saw
            return
    stored = index.store(session, calendar_id, text, now, zone, me, href=href, etag=etag,
                         sync_state="synced")
    if stored is not None:
        report.pulled += 1


def pull(db: Database, server: CalendarServer, workspace_id: int, source_id: int,
         now: datetime) -> SyncReport:
    """Bring the server's changes in (one transaction, with the new sync token)."""
    report = SyncReport()
    with db.unit(workspace_id, write=False) as session:
        source = session.get(CalendarSource, source_id)
        if source is None:
            return report
        url, token, calendar_id = source.url, source.sync_token, source.calendar_id
        local = {r.href: (r.etag, r.sync_state) for r in session.scalars(
            select(EventRow).where(EventRow.calendar_id == calendar_id,
                                   EventRow.href.is_not(None)))}
    changes = server.changes(url, token)  # network, outside any transaction
    wanted = [h for h, etag in changes.changed.items()
              if h not in local or local[h][0] != etag]
    bodies = server.fetch(url, wanted) if wanted else {}
    with db.unit(workspace_id) as session:
        ws = session.get(Workspace, workspace_id)
        zone = ws.timezone if ws is not None else "UTC"
        me = index.client_addresses(session)
        for href in wanted:
            if href not in bodies:
                continue
            etag, text = bodies[href]
            try:
                resource = ical.read(text, ZoneInfo(zone))
            except BadInput as exc:
                report.errors.append(f"{href}: {exc.message}")
                continue
            if resource is None:
                continue
            row = session.scalars(select(EventRow).where(
                EventRow.calendar_id == calendar_id, EventRow.href == href)).first() or \
                index.find(session, calendar_id, resource.uid)
            _take_remote(session, row, calendar_id, href, etag, text, now, zone, me, report)
        gone = list(changes.deleted)
        if changes.full:
            gone += [h for h in local if h not in changes.changed]
        for href in gone:
            row = session.scalars(select(EventRow).where(
                EventRow.calendar_id == calendar_id, EventRow.href == href)).first()
            if row is None:
                continue
            if row.sync_state == "pending":
                _conflict(session, row, "local", None, "deleted on the server, changed here; "
                          "it will be created again", now, report)
                row.href, row.etag = None, None
            else:
                session.delete(row)
                report.deleted += 1
        source = session.get(CalendarSource, source_id)
        if source is not None:
            source.sync_token = changes.token
            source.last_synced_at, source.last_error = now, None
    return report


def sync_source(db: Database, server: CalendarServer, workspace_id: int, source_id: int,
                now: datetime, conflict: type[Exception]) -> SyncReport:
    """Pull, then push, one CalDAV calendar; errors are reported, never half-applied."""
    report = SyncReport()
    try:
        report.merge(pull(db, server, workspace_id, source_id, now))
        report.merge(push_pending(db, server, workspace_id, source_id, now, conflict))
    except RighthandError as exc:
        report.errors.append(exc.one_line())
        with db.unit(workspace_id) as session:
            source = session.get(CalendarSource, source_id)
            if source is not None:
                source.last_error = exc.one_line()
    return report


def push_pending(db: Database, server: CalendarServer, workspace_id: int, source_id: int,
                 now: datetime, conflict: type[Exception]) -> SyncReport:
    """Send pending changes, one committed resource at a time; a 412 is settled by pulling
    the server's version and letting the conflict rule choose."""
    report = SyncReport()
    with db.unit(workspace_id, write=False) as session:
        source = session.get(CalendarSource, source_id)
        if source is None:
            return report
        url, calendar_id = source.url, source.calendar_id
        todo = [r.id for r in session.scalars(select(EventRow).where(
            EventRow.calendar_id == calendar_id,
            EventRow.sync_state.in_(("pending", "deleted"))))]
    for event_id in todo:
        for _attempt in range(2):
            with db.unit(workspace_id, write=False) as session:
                row = session.get(EventRow, event_id)
                if row is None or row.sync_state == "synced":
                    break
                state, href, etag, text = row.sync_state, row.href, row.etag, row.ical or ""
                href = href or _href_for(url, row.uid)
            try:
                if state == "deleted":
                    server.delete(href, etag)
                    new_etag = None
                else:
                    new_etag = server.put(href, text, etag)
            except conflict:
                report.merge(pull(db, server, workspace_id, source_id, now))
                continue
            except RighthandError as exc:  # the server went away: the rest stays pending
                report.errors.append(exc.one_line())
                return report
            with db.unit(workspace_id) as session:
                row = session.get(EventRow, event_id)
                if row is None:
                    break
                if state == "deleted":
                    session.delete(row)
                    report.deleted += 1
                elif row.ical == text:  # unchanged while we were sending it
                    row.href, row.etag, row.sync_state = href, new_etag, "synced"
                    report.pushed += 1
                else:
                    row.href, row.etag = href, new_etag
            break
    return report


def sync_account(db: Database, server: CalendarServer, account_url: str, now: datetime,
                 conflict: type[Exception], workspace_id: int | None = None) -> SyncReport:
    """Map the account's calendars to local ones (creating them) and sync each. Calendars
    of another server (the workspace changed its account) are left alone: this account's
    login is never sent to another server's calendars."""
    from righthand.netguard import same_origin

    base = getattr(server, "base", None)
    report = SyncReport()
    with db.unit(None, write=False) as session:
        workspaces = [w.id for w in session.scalars(select(Workspace))] \
            if workspace_id is None else [workspace_id]
    remote = server.calendars()
    for ws_id in workspaces:
        with db.unit(ws_id) as session:
            sources = {s.url: s.id for s in session.scalars(
                select(CalendarSource).where(CalendarSource.kind == "caldav"))}
            for cal in remote:
                if cal.url in sources:
                    continue
                row = CalendarRow(workspace_id=ws_id, name=cal.name[:200], busy=True)
                session.add(row)
                session.flush()
                source = CalendarSource(workspace_id=ws_id, calendar_id=row.id, kind="caldav",
                                        url=cal.url, refresh_minutes=15)
                session.add(source)
                session.flush()
                sources[cal.url] = source.id
            ids = [i for u, i in sources.items() if base is None or same_origin(base, u)]
        for source_id in ids:
            report.merge(sync_source(db, server, ws_id, source_id, now, conflict))
    return report


def add_subscription(session: Any, workspace_id: int, url: str, name: str | None,
                     every: int, busy: bool) -> int:
    """A calendar fed by a published ICS URL (checked for public addresses when fetched)."""
    from righthand.connectors.ics_fetch import check

    check(url)
    label = name or url.rsplit("/", maxsplit=1)[-1] or url
    row = CalendarRow(workspace_id=workspace_id, name=label[:200], busy=busy)
    session.add(row)
    session.flush()
    session.add(CalendarSource(workspace_id=workspace_id, calendar_id=row.id,
                               kind="subscription", url=url, refresh_minutes=max(5, every)))
    return row.id


def refresh_subscriptions(app: App, only: int | None = None, fetch: Any = None) -> SyncReport:
    """Fetch every due subscription (or calendar ``only``) and replace its events."""
    from righthand.connectors import ics_fetch

    fetch = fetch or ics_fetch.fetch
    report = SyncReport()
    now = app.clock()
    with app.db.unit(None, write=False) as session:
        due = [(s.workspace_id, s.id, s.url, s.http_etag) for s in session.scalars(
            select(CalendarSource).where(CalendarSource.kind == "subscription")
            .execution_options(all_workspaces=True))
            if (only is None and (s.next_refresh_at is None or s.next_refresh_at <= now))
            or s.calendar_id == only]
    for ws_id, source_id, url, etag in due:
        try:
            fetched = fetch(url, etag)
            error = None
        except (RetryLater, BadInput) as exc:
            fetched, error = None, exc.one_line()
            report.errors.append(error)
        with app.db.unit(ws_id) as session:
            source = session.get(CalendarSource, source_id)
            ws = session.get(Workspace, ws_id)
            if source is None or ws is None:
                continue
            source.next_refresh_at = now + timedelta(minutes=source.refresh_minutes)
            source.last_error = error
            if fetched is None or fetched.text is None:
                continue
            from righthand.service.calendar_files import resources

            texts = resources(fetched.text)
            uids = set()
            for text in texts:
                resource = ical.read(text, ZoneInfo(ws.timezone))
                if resource is not None:
                    uids.add(resource.uid)
            for row in session.scalars(select(EventRow).where(
                    EventRow.calendar_id == source.calendar_id)):
                if row.uid not in uids:
                    session.delete(row)
                    report.deleted += 1
            session.flush()
            result = index.import_many(session, ws_id, source.calendar_id, texts, now,
                                       ws.timezone, index.client_addresses(session))
            report.pulled += result.created + result.updated
            source.http_etag, source.last_synced_at = fetched.etag, now
    return report
