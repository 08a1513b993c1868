"""Two-way CalDAV sync against a real Radicale started here: pull and push with ETags and
sync tokens, a conflict (both sides changed) resolved without losing either version, a 412 on
push, and a server that goes away in the middle of a sync."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from righthand.connectors.caldav_client import CalDavServer, PreconditionFailed
from righthand.duties.calendar import compose, index
from righthand.policy.duties import Phase
from righthand.service import calendar_sync
from righthand.store.tables import CalendarConflict, CalendarSource, EventRow
from tests.conftest import new_workspace
from tests.support.servers import free_port, need, port_open

ZONE = "America/New_York"


class Radicale:
    """A throwaway Radicale (no auth) on a free loopback port."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.config = folder / "radicale.conf"
        self.config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n[auth]\ntype = none\n"
            f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
            "[logging]\nlevel = error\n")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://pat:secret@127.0.0.1:{self.port}/pat/"

    def start(self) -> bool:
        self.process = subprocess.Popen([sys.executable, "-m", "radicale", "--config",
                                         str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        for _ in range(100):
            if port_open("127.0.0.1", self.port):
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def radicale(tmp_path):
    server = Radicale(tmp_path)
    need(server.start(), "Radicale did not start (pip install -e '.[dev]')")
    from caldav.davclient import DAVClient

    client = DAVClient(url=f"http://127.0.0.1:{server.port}/pat/", username="pat",
                       password="secret")
    base = f"http://127.0.0.1:{server.port}"
    client.request(f"{base}/pat/", "MKCOL", "")  # the principal collection
    made = client.request(f"{base}/pat/work/", "MKCALENDAR", "")
    assert made.status in {200, 201}, made.status
    yield server
    server.stop()


def _event(uid: str, summary: str, start, sequence: int = 0) -> str:
    text = compose.new_event(uid, summary, start, start + timedelta(hours=1), ZONE, start)
    return text.replace("SEQUENCE:0", f"SEQUENCE:{sequence}")


def _remote(radicale: Radicale) -> CalDavServer:
    return CalDavServer(radicale.url)


def _collection(radicale: Radicale) -> str:
    return f"http://127.0.0.1:{radicale.port}/pat/work/"


def test_two_way_sync_and_conflicts(app, radicale):
    wid = new_workspace(app, Phase.III)
    now = app.clock()
    remote = _remote(radicale)
    remote.put("/pat/work/a.ics", _event("a@t", "Alpha", now + timedelta(days=1)), None)
    report = app.dispatcher().sync_calendars(wid, radicale.url)
    assert report.pulled == 1 and not report.errors
    with app.db.unit(wid) as session:
        row = session.scalars(select(EventRow).where(EventRow.uid == "a@t")).one()
        assert row.href and row.etag
        moved = compose.reschedule(row.ical or "", now + timedelta(days=2),
                                   now + timedelta(days=2, hours=1), now, ZONE)
        index.store(session, row.calendar_id, moved, now, ZONE, frozenset(),
                    sync_state="pending")
        new = _event("b@t", "Bravo (made here)", now + timedelta(days=3))
        index.store(session, row.calendar_id, new, now, ZONE, frozenset(), sync_state="pending")
    remote.put("/pat/work/c.ics", _event("c@t", "Charlie", now + timedelta(days=4)), None)
    report = app.dispatcher().sync_calendars(wid, radicale.url)
    assert (report.pulled, report.pushed, report.conflicts) == (1, 2, [])
    hrefs = set(remote.changes(_collection(radicale), None).changed)
    assert {h.rsplit("/", 1)[-1] for h in hrefs} == {"a.ics", "b_t.ics", "c.ics"}
    body = remote.fetch(_collection(radicale), ["/pat/work/a.ics"])["/pat/work/a.ics"][1]
    assert "SEQUENCE:1" in body

    # Both sides change Alpha: the server's newer SEQUENCE wins, ours is kept as the loser.
    remote.put("/pat/work/a.ics", _event("a@t", "Alpha (server)", now + timedelta(days=5),
                                         sequence=7), None if False else _etag(remote, radicale))
    with app.db.unit(wid) as session:
        row = session.scalars(select(EventRow).where(EventRow.uid == "a@t")).one()
        mine = compose.reschedule(row.ical or "", now + timedelta(days=6),
                                  now + timedelta(days=6, hours=1), now, ZONE)
        index.store(session, row.calendar_id, mine, now, ZONE, frozenset(), sync_state="pending")
    report = app.dispatcher().sync_calendars(wid, radicale.url)
    assert len(report.conflicts) == 1
    with app.db.unit(wid, write=False) as session:
        row = session.scalars(select(EventRow).where(EventRow.uid == "a@t")).one()
        assert row.summary == "Alpha (server)" and row.sync_state == "synced"
        conflict = session.scalars(select(CalendarConflict)).one()
        assert conflict.kept == "remote" and conflict.lost_ical == mine

    # A 412 on push (the server changed after our last pull) goes through the same rule.
    remote.put("/pat/work/c.ics", _event("c@t", "Charlie (server)", now, sequence=1),
               remote.changes(_collection(radicale), None).changed["/pat/work/c.ics"])
    with app.db.unit(wid) as session:
        row = session.scalars(select(EventRow).where(EventRow.uid == "c@t")).one()
        ours = compose.reschedule(row.ical or "", now + timedelta(days=8),
                                  now + timedelta(days=8, hours=1), now, ZONE)
        ours = ours.replace("SEQUENCE:1", "SEQUENCE:9")
        index.store(session, row.calendar_id, ours, now, ZONE, frozenset(), sync_state="pending")
        source_id = session.scalars(select(CalendarSource)).one().id
    pushed = calendar_sync.push_pending(app.db, remote, wid, source_id, now, PreconditionFailed)
    assert pushed.pushed == 1 and len(pushed.conflicts) == 1
    body = remote.fetch(_collection(radicale), ["/pat/work/c.ics"])["/pat/work/c.ics"][1]
    assert "SEQUENCE:9" in body


def _etag(remote: CalDavServer, radicale: Radicale) -> str:
    return remote.changes(_collection(radicale), None).changed["/pat/work/a.ics"]


class Dying:
    """Passes calls to the server, killing it after ``puts`` successful PUTs."""

    def __init__(self, inner: CalDavServer, radicale: Radicale, puts: int) -> None:
        self.inner, self.radicale, self.left = inner, radicale, puts

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def put(self, href: str, text: str, etag: str | None) -> str | None:
        if self.left == 0:
            self.radicale.stop()
        self.left -= 1
        return self.inner.put(href, text, etag)


def test_a_server_that_goes_away_mid_sync_loses_nothing(single_app, radicale):
    app = single_app
    wid = new_workspace(app, Phase.III)
    now = app.clock()
    app.dispatcher().sync_calendars(wid, radicale.url)
    with app.db.unit(wid) as session:
        source = session.scalars(select(CalendarSource)).one()
        for n in range(5):
            index.store(session, source.calendar_id,
                        _event(f"e{n}@t", f"Event {n}", now + timedelta(days=n + 1)), now, ZONE,
                        frozenset(), sync_state="pending")
        source_id = source.id
    dying = Dying(_remote(radicale), radicale, puts=2)
    report = calendar_sync.sync_source(app.db, dying, wid, source_id, now, PreconditionFailed)
    assert report.pushed == 2 and report.errors
    with app.db.unit(wid, write=False) as session:
        states = sorted(r.sync_state for r in session.scalars(select(EventRow)))
        assert states == ["pending"] * 3 + ["synced"] * 2
    assert radicale.start()
    report = app.dispatcher().sync_calendars(wid, radicale.url)
    assert report.pushed == 3 and not report.errors and not report.conflicts
    listing = _remote(radicale).changes(_collection(radicale), None).changed
    assert len(listing) == 5
    with app.db.unit(wid, write=False) as session:
        assert {r.sync_state for r in session.scalars(select(EventRow))} == {"synced"}
