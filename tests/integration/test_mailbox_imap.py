"""The mailbox connector against a real Dovecot: fetching once across restarts, UIDVALIDITY
resync by Message-ID, filing with MOVE and with COPY+EXPUNGE, IDLE re-issued in time, the
polling fallback, and errors that say exactly what failed."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator

import pytest

from righthand.bootstrap import App
from righthand.connectors.imap import ImapReader
from righthand.errors import BadCredentials, ServiceUnavailable
from righthand.policy.duties import Phase
from righthand.service import mail_poll
from righthand.store.db import make_engine
from righthand.store.uow import Database
from tests.conftest import new_workspace
from tests.support.dovecot import Dovecot, available
from tests.support.mailbox import connect, message, newsletter, rows
from tests.support.servers import free_port, need

pytestmark = [pytest.mark.server]


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the module; each test uses its own user (mailbox)."""
    reason = available()
    need(reason is None, reason or "")
    server = Dovecot().start()
    yield server
    server.stop()


def _workspace(app: App, dovecot: Dovecot, **folders: object) -> tuple[int, str]:
    ws = new_workspace(app, Phase.II)
    user = dovecot.new_user()
    connect(app, ws, dovecot.config(user), **folders)
    return ws, user


def test_each_message_is_stored_and_screened_once_across_restarts(
        app: App, dovecot: Dovecot, db_url) -> None:
    ws, user = _workspace(app, dovecot)
    dovecot.deliver(user, *[message(subject=f"Note {i}") for i in range(4)], newsletter(1))
    first = mail_poll.poll(app, ws)
    assert first.fetched == 5 and first.stored == {"new": 5} and first.screened == 5
    assert mail_poll.poll(app, ws).fetched == 0
    dovecot.deliver(user, message(subject="Late one"))
    # A restart: new connections, a new dispatcher, nothing kept in memory.
    restarted = dataclasses.replace(app, db=Database(make_engine(db_url)), _dispatcher=None)
    try:
        again = mail_poll.poll(restarted, ws)
    finally:
        restarted.db.dispose()
    assert again.fetched == 1 and again.screened == 1
    stored = rows(app, ws)
    assert len(stored) == 6 and {r.state for r in stored} == {"screened"}
    assert len({(r.folder, r.uidvalidity, r.uid) for r in stored}) == 6
    client = dovecot.client(user)  # fetching never marked anything read
    client.select_folder("INBOX", readonly=True)
    assert client.search(["SEEN"]) == []
    client.logout()


def test_uidvalidity_change_resyncs_by_message_id(single_app: App, dovecot: Dovecot) -> None:
    app = single_app
    ws, user = _workspace(app, dovecot, watch=["Work"])
    old = [message(subject=f"Work {i}") for i in range(3)]
    dovecot.deliver(user, *old, folder="Work")
    assert mail_poll.poll(app, ws).screened == 3
    client = dovecot.client(user)
    validity = client.select_folder("Work")[b"UIDVALIDITY"]
    client.unselect_folder()
    client.delete_folder("Work")  # the folder is rebuilt: every UID is void
    time.sleep(1.1)  # Dovecot's UIDVALIDITY is a timestamp
    client.create_folder("Work")
    client.logout()
    dovecot.deliver(user, *old, message(subject="Brand new"), folder="Work")
    report = mail_poll.poll(app, ws)
    assert report.resynced == ["Work"]
    assert report.fetched == 1 and report.screened == 1, report.line()
    stored = rows(app, ws)
    assert len(stored) == 4
    assert all(r.uidvalidity != validity and r.uid for r in stored)


@pytest.mark.parametrize("disable", [[], ["MOVE"]], ids=["MOVE", "COPY+EXPUNGE"])
def test_filing_moves_flags_and_labels(single_app: App, dovecot: Dovecot, disable) -> None:
    app = single_app
    ws, user = _workspace(app, dovecot, disable_capabilities=disable)
    dovecot.deliver(user, newsletter(7), message(subject="Keep me"))
    report = mail_poll.poll(app, ws)
    assert report.decisions == {"allow": 2} and report.delivered == 2
    client = dovecot.client(user)
    client.select_folder("INBOX")
    left = client.fetch(client.search(["ALL"]), ["FLAGS", "ENVELOPE"])
    assert [v[b"ENVELOPE"].subject for v in left.values()] == [b"Keep me"]
    assert b"rh-fyi" in next(iter(left.values()))[b"FLAGS"]
    client.select_folder("Newsletters")
    moved = client.fetch(client.search(["ALL"]), ["FLAGS", "ENVELOPE"])
    assert [v[b"ENVELOPE"].subject for v in moved.values()] == [b"Issue 7"]
    assert b"rh-newsletter" in next(iter(moved.values()))[b"FLAGS"]
    client.logout()
    row = next(r for r in rows(app, ws) if r.subject == "Issue 7")
    assert row.folder == "Newsletters" and row.filed_to == "Newsletters" and row.uid


def test_idle_is_reissued_in_time_and_wakes_on_new_mail(dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    dovecot.deliver(user, message(subject="first"))
    reader = ImapReader(dovecot.config(user, idle_seconds=0.5))
    with reader.open() as live:
        assert "IDLE" in live.capabilities
        started = time.monotonic()
        assert live.wait("INBOX", 1.8) is False  # nothing new: re-issued, then timed out
        assert 1.7 < time.monotonic() - started < 5
        assert live.idle_reissued >= 2
        later = threading.Timer(0.8, dovecot.deliver, (user, message(subject="second")))
        later.start()
        started = time.monotonic()
        assert live.wait("INBOX", 10) is True
        assert time.monotonic() - started < 5
        later.join()
        assert len(live.uids("INBOX")) == 2


def test_without_idle_it_polls(dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    dovecot.deliver(user, message(subject="first"))
    reader = ImapReader(dovecot.config(user, poll_seconds=0.2,
                                       disabled_capabilities=frozenset({"IDLE"})))
    with reader.open() as live:
        assert "IDLE" not in live.capabilities
        later = threading.Timer(0.5, dovecot.deliver, (user, message(subject="second")))
        later.start()
        assert live.wait("INBOX", 10) is True
        later.join()
        assert live.idle_reissued == 0


def test_errors_say_what_failed(dovecot: Dovecot) -> None:
    config = dovecot.config(dovecot.new_user())
    with pytest.raises(BadCredentials, match="refused the login"):
        with ImapReader(config.__class__(**{**config.__dict__, "password": "wrong"})).open():
            pass
    closed = config.__class__(**{**config.__dict__, "port": free_port()})
    with pytest.raises(ServiceUnavailable, match="cannot connect to the IMAP server"):
        with ImapReader(closed).open():
            pass
    assert "secret" not in repr(ImapReader(config)) and "secret" not in repr(config)


def test_watch_screens_new_mail_as_idle_reports_it(single_app: App, dovecot: Dovecot) -> None:
    app = single_app
    ws, user = _workspace(app, dovecot)
    dovecot.deliver(user, message(subject="Waiting already"))
    polls: list[mail_poll.PollReport] = []

    def seen(report: mail_poll.PollReport) -> None:
        polls.append(report)
        if len(polls) == 1:
            threading.Timer(0.3, dovecot.deliver, (user, message(subject="Just in"))).start()

    started = time.monotonic()
    mail_poll.watch(app, ws, should_stop=lambda: len(polls) >= 2, wait_seconds=20,
                    on_poll=seen)
    assert time.monotonic() - started < 10  # woken by IDLE, not by the 20 s timeout
    assert [p.screened for p in polls] == [1, 1]
    assert [r.subject for r in rows(app, ws)] == ["Waiting already", "Just in"]


def test_a_connection_cut_mid_fetch_or_mid_idle_repeats_and_loses_nothing(
        single_app: App, dovecot: Dovecot) -> None:
    """Reconnects: the network drops mid-fetch (the poll fails, the next one finishes the
    folder) and mid-IDLE (watch reconnects by itself); every message is stored and screened
    exactly once."""
    from tests.support.proxy import FaultyProxy

    app = single_app
    ws = new_workspace(app, Phase.II)
    user = dovecot.new_user()
    padding = "Lorem ipsum dolor sit amet. " * 200  # ~5.6 kB each: 25 are ~140 kB
    dovecot.deliver(user, *[message(subject=f"Bulk {i}", body=padding) for i in range(40)])
    with FaultyProxy(dovecot.port) as proxy:
        connect(app, ws, dataclasses.replace(dovecot.config(user), port=proxy.port))
        proxy.cut_after = 180_000  # mid-way through the second batch of 25
        with pytest.raises(ServiceUnavailable):
            mail_poll.poll(app, ws)
        partial = rows(app, ws)
        assert 0 < len(partial) < 40  # the first batch was kept, with its high-water mark
        proxy.set("pass")
        again = mail_poll.poll(app, ws)
        assert again.fetched == 40 - len(partial)
        stored = rows(app, ws)
        assert len(stored) == 40 and {r.state for r in stored} == {"screened"}
        assert len({r.uid for r in stored}) == 40

        polls: list[mail_poll.PollReport] = []

        def seen(report: mail_poll.PollReport) -> None:
            polls.append(report)
            if len(polls) == 1:  # idling now: the line drops, and comes back with new mail
                def drop() -> None:
                    proxy.set("down")
                    time.sleep(0.3)
                    proxy.set("pass")
                    dovecot.deliver(user, message(subject="After the outage"))
                threading.Timer(0.5, drop).start()

        stopping = threading.Event()
        crashed: list[BaseException] = []

        def watching(*args: object, **kwargs: object) -> None:
            try:
                mail_poll.watch(*args, **kwargs)  # type: ignore[arg-type]
            except BaseException as exc:  # shown by the assertion below
                crashed.append(exc)

        runner = threading.Thread(target=watching, args=(app, ws), kwargs={
            "should_stop": lambda: stopping.is_set() or sum(p.screened for p in polls) >= 1,
            "wait_seconds": 30, "on_poll": seen, "reconnect_max": 0.2}, daemon=True)
        started = time.monotonic()
        runner.start()
        runner.join(25)
        stopping.set()
        assert not crashed, crashed
        assert not runner.is_alive(), f"watch did not reconnect: {polls}"
        assert time.monotonic() - started < 20
    stored = rows(app, ws)
    assert len(stored) == 41 and stored[-1].subject == "After the outage"
    assert {r.state for r in stored} == {"screened"}
    assert len({r.message_key for r in stored}) == 41
