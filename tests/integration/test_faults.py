"""Faults (issue 9): each test injects one, then shows nothing lost, nothing doubled, the client
told in plain words (``health.problems``: what ``righthand status``, the Today page and the
daily briefing show), and recovery by itself once the fault ends.

Real servers throughout; faults are injected at the network (``tests/support/proxy.py``, a TCP
proxy that cuts, refuses, stalls or answers 500), at the database (``pg_terminate_backend``) and
at the disk (a tiny tmpfs). Faults covered by earlier tests, not repeated here:

* SMTP down / 4xx for single mails: ``test_delivery_smtp.py`` (server down, 451 then 250);
  4xx per recipient in a campaign: ``test_mailings.py::test_transient_errors_are_retried...``.
* UIDVALIDITY changing: ``test_mailbox_imap.py::test_uidvalidity_change_resyncs_by_message_id``.
* CalDAV 412 and a server going away mid-sync: ``test_caldav_sync.py``.
* A worker killed during delivery: ``test_outbox_crash.py``, ``test_mailing_crash.py``,
  ``test_screening_crash.py`` and, with four workers, ``test_scale_workers.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from righthand.bootstrap import App, build
from righthand.connectors.ports import MailboxConfig
from righthand.errors import DatabaseUnavailable, RighthandError
from righthand.policy.duties import Phase
from righthand.service import health, job_runs, jobs, mail_poll
from righthand.service.dispatcher import Dispatcher
from righthand.store.tables import EventRow, MailMessage, OutboxRow
from tests.conftest import make_settings, new_workspace
from tests.support.clock import FakeClock
from tests.support.dovecot import Dovecot, available
from tests.support.fleet import fresh_postgres
from tests.support.mail import add_contacts, email_action, propose
from tests.support.mailbox import connect, message
from tests.support.mailings import (
    add_subscribers,
    approved_campaign,
    create_mailing,
    mailing_row,
    make_list,
    received_ids,
    smtp_dispatcher,
    statuses,
)
from tests.support.proxy import FaultyProxy, Mode
from tests.support.servers import POSTGRES_URL, need
from tests.support.smtp import Recorder, SmtpServer

pytestmark = pytest.mark.server


def _problems(app: App, ws_id: int, connector: str) -> list[health.Problem]:
    with app.db.unit(ws_id, write=False) as session:
        return [p for p in health.problems(session) if p.connector == connector]


# -- SMTP: 4xx, then the server gone, in the middle of a campaign ---------------------------------
class _Flaky(Recorder):
    """Accepts 8 messages, answers 451 to the next 4, accepts 4 more, then its network goes
    away just as the next message begins (the proxy cuts at MAIL FROM: nothing handed over)."""

    proxy: FaultyProxy | None = None
    seen: int = 0

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        self.seen += 1
        if self.seen == 17 and self.proxy is not None:
            self.proxy.set("down")
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if 8 < self.seen <= 12:
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


def test_smtp_4xx_then_down_mid_campaign_reaches_everyone_once(app: App,
                                                                clock: FakeClock) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 24)
    mailing_id = create_mailing(app, ws_id)
    action_id = approved_campaign(app, ws_id, mailing_id)
    recorder = _Flaky()
    with SmtpServer(recorder) as server, FaultyProxy(server.port) as proxy:
        recorder.proxy = proxy
        dispatcher = smtp_dispatcher(app, f"smtp://127.0.0.1:{proxy.port}")
        dispatcher.run_once(only=[action_id])
        mid = statuses(app, ws_id, mailing_id)
        assert mid["sent"] == 12 and mid["pending"] == 12, mid  # 4 said "later", 8 not tried
        [told] = _problems(app, ws_id, "smtp")
        assert told.text.startswith("Outgoing mail is not working:")
        assert "queued mail goes out by itself" in told.what_to_do
        clock.advance(hours=2)
        dispatcher.run_once(only=[action_id])  # still down: kept, nothing handed over
        assert statuses(app, ws_id, mailing_id)["sent"] == 12
        assert _problems(app, ws_id, "smtp")

        proxy.set("pass")  # the fault ends
        for _ in range(6):
            clock.advance(hours=2)
            dispatcher.run_once(only=[action_id])
            if mailing_row(app, ws_id, mailing_id).status == "finished":
                break
        ids = received_ids(server.recorder, ws_id, mailing_id)
    assert statuses(app, ws_id, mailing_id) == Counter({"sent": 24})
    assert sum(ids.values()) == 24 and set(ids.values()) == {1}, "someone got it twice"
    assert _problems(app, ws_id, "smtp") == [], "the problem clears by itself"


def test_smtp_down_for_single_mail_is_told_and_clears(single_app: App, clock: FakeClock) -> None:
    app = single_app
    ws_id = new_workspace(app, Phase.III)
    addresses = add_contacts(app, ws_id, 3)
    for address in addresses:
        assert propose(app, ws_id, email_action(address, "Hello", "Hi.\n")).decision.name \
            == "allow"
    with SmtpServer() as server, FaultyProxy(server.port) as proxy:
        dispatcher = smtp_dispatcher(app, f"smtp://127.0.0.1:{proxy.port}")
        proxy.set("down")
        assert len(dispatcher.run_once().retrying) == 3
        [told] = _problems(app, ws_id, "smtp")
        assert "Outgoing mail is not working" in told.text and told.since is not None
        with app.db.unit(ws_id, write=False) as session:
            assert any("waiting to be delivered" in p.text for p in health.problems(session))
        from righthand.web import queries

        with app.db.unit(ws_id, write=False) as session:  # the web Today page lists it
            today = queries.attention(session, clock(), clock().date(), "/w/x/", {})
        assert today[0].level == "bad" and today[0].text.startswith("Outgoing mail")
        first = _briefing(app, ws_id).sections[0]  # the daily briefing leads with it
        assert first.title == "Not working right now"
        assert any(line.startswith("Outgoing mail is not working") and "What to do:" in line
                   for line in first.lines)
        proxy.set("pass")
        clock.advance(hours=1)
        assert len(dispatcher.run_once().delivered) == 3
        assert Counter(server.recorder.message_ids()).most_common(1)[0][1] == 1
    with app.db.unit(ws_id, write=False) as session:
        assert health.problems(session) == []
    assert "Not working right now" not in [s.title for s in _briefing(app, ws_id).sections]


def _briefing(app: App, ws_id: int) -> Any:
    from righthand.duties.briefing import jobs as briefing
    from righthand.service import workspaces
    from righthand.store.tables import Workspace

    with app.db.unit(ws_id, write=False) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        return briefing.build(session, briefing.info(ws), app.clock(),
                              workspaces.job_description(session, ws), app.catalog)


# -- IMAP: the connection dropped during a fetch, and during IDLE ---------------------------------
@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    reason = available()
    need(reason is None, reason or "")
    server = Dovecot().start()
    yield server
    server.stop()


def _via(config: MailboxConfig, proxy: FaultyProxy) -> MailboxConfig:
    return dataclasses.replace(config, port=proxy.port)


def _stored(app: App, ws_id: int) -> Counter[str]:
    with app.db.unit(ws_id, write=False) as session:
        return Counter(session.scalars(select(MailMessage.message_id)))


def _screened(app: App, ws_id: int) -> int:
    with app.db.unit(ws_id, write=False) as session:
        return len(list(session.scalars(select(MailMessage.id)
                                        .where(MailMessage.screened_at.is_not(None)))))


def test_imap_dropped_during_fetch_loses_and_doubles_nothing(single_app: App,
                                                             dovecot: Dovecot) -> None:
    app = single_app
    ws_id = new_workspace(app, Phase.II)
    user = dovecot.new_user()
    body = "A long message.\n" + "x" * 20_000
    dovecot.deliver(user, *[message(subject=f"Note {i}", body=body) for i in range(60)])
    with FaultyProxy(dovecot.port) as proxy:
        connect(app, ws_id, _via(dovecot.config(user), proxy))
        proxy.cut_after = 35 * 20_000  # in the middle of the second batch of 25
        period = datetime(2031, 1, 6, tzinfo=UTC)
        assert jobs.run_claimed(app, "screening.poll", ws_id, period)
        assert sum(_stored(app, ws_id).values()) == 25, "the first batch is kept"
        [told] = _problems(app, ws_id, "imap")
        assert told.text.startswith("Reading your inbox is not working:")
        assert "broke" in told.text and "read by itself" in told.what_to_do

        proxy.set("pass")
        assert jobs.run_claimed(app, "screening.poll", ws_id, period + timedelta(minutes=5))
    stored = _stored(app, ws_id)
    assert len(stored) == 60 and set(stored.values()) == {1}
    assert _screened(app, ws_id) == 60
    assert _problems(app, ws_id, "imap") == []


def test_imap_dropped_during_idle_reconnects_and_screens_once(single_app: App,
                                                              dovecot: Dovecot) -> None:
    app = single_app
    ws_id = new_workspace(app, Phase.II)
    user = dovecot.new_user()
    dovecot.deliver(user, message(subject="Before"))
    polls: list[mail_poll.PollReport] = []
    told: list[list[health.Problem]] = []
    with FaultyProxy(dovecot.port) as proxy:
        connect(app, ws_id, _via(dovecot.config(user, idle_seconds=1), proxy))

        def fault() -> None:
            time.sleep(0.5)  # the watcher is in IDLE now
            proxy.set("down")
            time.sleep(1.5)  # down a while: reconnecting fails at least once
            told.append(_problems(app, ws_id, "imap"))
            dovecot.deliver(user, message(subject="During"))  # arrives while it is away
            proxy.set("pass")

        worker = threading.Thread(target=fault)
        stop_at = time.monotonic() + 30

        def on_poll(report: mail_poll.PollReport) -> None:
            polls.append(report)
            if len(polls) == 1:
                worker.start()

        mail_poll.watch(app, ws_id, wait_seconds=0.5, on_poll=on_poll, reconnect_max=0.3,
                        should_stop=lambda: _screened(app, ws_id) >= 2
                        or time.monotonic() > stop_at)
        worker.join(10)
    assert told and told[0] and "Reading your inbox is not working" in told[0][0].text
    stored = _stored(app, ws_id)
    assert len(stored) == 2 and set(stored.values()) == {1}
    assert _screened(app, ws_id) == 2
    assert _problems(app, ws_id, "imap") == [], "reconnected: the problem cleared"


# -- CalDAV: 500 and a server that never answers -------------------------------------------------
def test_caldav_500_and_timeout_keep_local_changes_until_they_sync(
        single_url: str, tmp_path: Path, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from righthand.connectors import caldav_client
    from righthand.duties.calendar import index
    from righthand.store.tables import CalendarSource
    from tests.integration.test_caldav_sync import Radicale, _event

    radicale = Radicale(tmp_path)
    need(radicale.start(), "Radicale did not start (pip install -e '.[dev]')")
    monkeypatch.setattr(caldav_client.CalDavServer.__init__, "__defaults__", (2,))  # timeout
    try:
        from caldav.davclient import DAVClient

        base = f"http://127.0.0.1:{radicale.port}"
        dav = DAVClient(url=f"{base}/pat/", username="pat", password="secret")
        dav.request(f"{base}/pat/", "MKCOL", "")
        dav.request(f"{base}/pat/work/", "MKCALENDAR", "")
        with FaultyProxy(radicale.port) as proxy:
            url = f"http://pat:secret@127.0.0.1:{proxy.port}/pat/"
            app = build(make_settings(tmp_path, single_url, caldav_url=url), clock=clock)
            ws_id = new_workspace(app, Phase.III)
            app.dispatcher().sync_calendars(ws_id)
            now = clock()
            with app.db.unit(ws_id) as session:
                source = session.scalars(select(CalendarSource)).one()
                for n in range(3):
                    index.store(session, source.calendar_id,
                                _event(f"f{n}@t", f"Event {n}", now + timedelta(days=n + 1)),
                                now, "America/New_York", frozenset(), sync_state="pending")
            period = job_runs.period_of(now, 15)
            faults: list[tuple[Mode, str]] = [("http500", "500"), ("stall", "")]
            for n, (mode, words) in enumerate(faults):
                proxy.set(mode)
                assert jobs.run_claimed(app, jobs.CALENDAR_SYNC, ws_id,
                                        period + timedelta(minutes=15 * n))
                [told] = _problems(app, ws_id, "caldav")
                assert told.text.startswith("Calendar sync is not working:"), told.text
                assert words in told.text and "changes on either side are kept" in \
                    told.what_to_do
                with app.db.unit(ws_id, write=False) as session:
                    assert [r.sync_state for r in session.scalars(select(EventRow))] == \
                        ["pending"] * 3, "nothing half-applied, nothing dropped"
                proxy.cut()
            proxy.set("pass")
            assert jobs.run_claimed(app, jobs.CALENDAR_SYNC, ws_id, period + timedelta(hours=1))
            with app.db.unit(ws_id, write=False) as session:
                assert {r.sync_state for r in session.scalars(select(EventRow))} == {"synced"}
            assert _problems(app, ws_id, "caldav") == []
            listing = caldav_client.CalDavServer(radicale.url).changes(
                f"{base}/pat/work/", None).changed
            assert len(listing) == 3, "each event once on the server"
            app.db.dispose()
    finally:
        radicale.stop()


# -- the database restarting under load ----------------------------------------------------------
def _terminate_backends(admin_url: str, database: str) -> int:
    from sqlalchemy import create_engine

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database}).all())
    finally:
        admin.dispose()


@pytest.mark.postgres
def test_database_restarting_under_load_loses_and_doubles_nothing(tmp_path: Path) -> None:
    need(_postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    clock = FakeClock()
    with fresh_postgres(POSTGRES_URL) as url, SmtpServer(Recorder(delay=0.01)) as server:
        app = build(make_settings(tmp_path, url, smtp_url=server.url), clock=clock)
        ws_id = new_workspace(app, Phase.III)
        for address in add_contacts(app, ws_id, 80):
            propose(app, ws_id, email_action(address, "Viewing", "Saturday suits us.\n"))
        dispatcher = Dispatcher(app.db, app.registry, app.settings, clock=clock)
        errors: list[RighthandError] = []
        finished = threading.Event()

        def deliver() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    dispatcher.run_once(limit=10)
                    with app.db.unit(None, write=False) as session:
                        if session.scalar(select(OutboxRow.id).where(OutboxRow.status.in_(
                                ("pending", "sending"))).execution_options(
                                all_workspaces=True)) is None and not dispatcher._unrecorded:
                            break
                except RighthandError as exc:
                    errors.append(exc)
                    time.sleep(0.05)
                clock.advance(minutes=5)  # retries become due
            finished.set()

        loop = threading.Thread(target=deliver)
        loop.start()
        killed = 0
        for _ in range(8):  # "restarts": every connection to the database dropped
            time.sleep(0.25)
            killed += _terminate_backends(POSTGRES_URL, url.rsplit("/", 1)[-1])
        loop.join(90)
        assert finished.is_set()
        with app.db.unit(ws_id, write=False) as session:
            entries = list(session.scalars(select(OutboxRow)))
            problems = health.problems(session)
        app.db.dispose()
    assert killed, "the fault was never injected"
    received = Counter(server.recorder.message_ids())
    assert received and max(received.values()) == 1, "an email reached the server twice"
    status = Counter(e.status for e in entries)
    assert status["sent"] + status["uncertain"] == 80 and status["uncertain"] <= 2, status
    assert len(received) >= status["sent"]
    unavailable = [e for e in errors if isinstance(e, DatabaseUnavailable)]
    assert len(unavailable) == len(errors)
    for error in unavailable:  # what the worker logs, and what a command would print
        assert "the database is unavailable" in error.message
        assert "nothing is lost" in error.one_line()
    assert all(p.connector == "outbox" and "may or may not" in p.text for p in problems)
    assert bool(problems) == bool(status["uncertain"])


def _postgres_reachable() -> bool:
    from tests.support.servers import postgres_reachable

    return postgres_reachable()


# -- the disk full when writing ------------------------------------------------------------------
@contextlib.contextmanager
def _tiny_disk(where: Path, megabytes: int) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                              str(where)], check=False, capture_output=True).returncode == 0
    need(mounted, "cannot mount a tmpfs here (the disk-full test needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_disk_full_when_writing_keeps_the_work_and_says_so(tmp_path: Path,
                                                          sqlite_template: Path) -> None:
    clock = FakeClock()
    with _tiny_disk(tmp_path / "disk", 8) as disk, SmtpServer() as server:
        shutil.copy(sqlite_template, disk / "righthand.db")
        url = f"sqlite:///{disk / 'righthand.db'}"
        app = build(make_settings(tmp_path, url, smtp_url=server.url), clock=clock)
        ws_id = new_workspace(app, Phase.III)
        for address in add_contacts(app, ws_id, 20):
            propose(app, ws_id, email_action(address, "Viewing", "Saturday suits us.\n"))
        with app.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the next write must grow
        ballast = disk / "ballast"
        with ballast.open("wb", buffering=0) as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 4096)
        with pytest.raises(DatabaseUnavailable) as raised:
            app.dispatcher().run_once()
        assert raised.value.message.startswith("the disk is full")
        assert "Free some disk space" in raised.value.hint and "nothing is lost" in \
            raised.value.hint
        assert server.recorder.message_ids() == [], "nothing went out unrecorded"

        ballast.unlink()  # the fault ends: room again
        report = app.dispatcher().run_once()
        assert len(report.delivered) == 20
        with app.db.unit(ws_id, write=False) as session:
            assert {e.status for e in session.scalars(select(OutboxRow))} == {"sent"}
            assert health.problems(session) == []
        app.db.dispose()
    received = Counter(server.recorder.message_ids())
    assert len(received) == 20 and set(received.values()) == {1}


def test_disk_full_when_writing_mail_files_keeps_the_mail_and_says_so(
        tmp_path: Path, single_url: str) -> None:
    clock = FakeClock()  # no SMTP server: mail becomes .eml files in the data folder
    with _tiny_disk(tmp_path / "data", 2) as data:
        app = build(make_settings(tmp_path, single_url), clock=clock)
        ws_id = new_workspace(app, Phase.III)
        for address in add_contacts(app, ws_id, 5):
            propose(app, ws_id, email_action(address, "Viewing", "Saturday suits us.\n"))
        ballast = data / "ballast"
        with ballast.open("wb", buffering=0) as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 4096)
        report = app.dispatcher().run_once()
        assert len(report.retrying) == 5 and not report.delivered
        [told] = _problems(app, ws_id, "smtp")
        assert told.text.startswith("Outgoing mail is not working: the disk is full")
        assert told.what_to_do.startswith("Free some disk space")
        assert not list((data / "outgoing").glob("*.eml")), "no half-written mail"

        ballast.unlink()
        clock.advance(hours=1)
        assert len(app.dispatcher().run_once().delivered) == 5
        assert len(list((data / "outgoing").glob("*.eml"))) == 5
        assert not list((data / "outgoing").glob(".*.tmp"))
        with app.db.unit(ws_id, write=False) as session:
            assert {e.status for e in session.scalars(select(OutboxRow))} == {"sent"}
            assert health.problems(session) == []
        app.db.dispose()


class _FillsDisk(Recorder):
    """Takes the message, but the disk fills up (someone else's log) just as it says 250."""

    ballast: Path | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.ballast is not None and not self.ballast.exists():
            with self.ballast.open("wb", buffering=0) as out, contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * 4096)
        return await super().handle_DATA(server, session, envelope)


def test_mail_sent_as_the_disk_filled_is_recorded_later_never_resent(
        tmp_path: Path, sqlite_template: Path) -> None:
    clock = FakeClock()
    recorder = _FillsDisk()
    with _tiny_disk(tmp_path / "disk", 8) as disk, SmtpServer(recorder) as server:
        shutil.copy(sqlite_template, disk / "righthand.db")
        app = build(make_settings(tmp_path, f"sqlite:///{disk / 'righthand.db'}",
                                  smtp_url=server.url), clock=clock)
        ws_id = new_workspace(app, Phase.III)
        [address] = add_contacts(app, ws_id, 1)
        propose(app, ws_id, email_action(address, "Viewing", "Saturday suits us.\n"))
        with app.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        recorder.ballast = disk / "ballast"
        dispatcher = app.dispatcher()
        with pytest.raises(DatabaseUnavailable, match="the disk is full"):
            dispatcher.run_once()  # the server said 250; 'sent' could not be written
        assert len(server.recorder.message_ids()) == 1
        clock.advance(hours=1)
        with pytest.raises(DatabaseUnavailable):
            dispatcher.run_once()  # still full: kept in memory, not put back to pending

        recorder.ballast.unlink()
        report = dispatcher.run_once()
        assert len(report.delivered) == 1
        with app.db.unit(ws_id, write=False) as session:
            [entry] = session.scalars(select(OutboxRow)).all()
        assert entry.status == "sent" and entry.attempts == 1
        app.db.dispose()
    assert len(server.recorder.message_ids()) == 1, "sent once, never again"
