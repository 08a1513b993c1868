"""Worker heartbeats: the dispatcher loop of ``righthand worker`` says it is alive in
``worker_heartbeats``, removes its row when it stops, and prunes workers long gone; without a
fresh heartbeat, due work makes ``righthand status`` (``health.problems``) say that no worker
is running, and a due campaign's progress say it is stalled. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from righthand import __version__
from righthand.bootstrap import App, build
from righthand.errors import DatabaseUnavailable
from righthand.policy.duties import Phase
from righthand.service import campaign_control, health, workspaces
from righthand.store.tables import Mailing, WorkerHeartbeat, Workspace
from tests.conftest import make_settings, new_workspace, workspace_slug
from tests.support.clock import FakeClock
from tests.support.databases import table_as_migrated
from tests.support.mail import CliEnv, add_contacts, email_action, outbox_entries, propose
from tests.support.mailings import add_subscribers, approved_campaign, create_mailing, make_list


@pytest.fixture
def app(single_app: App) -> App:
    """Heartbeats are installation-wide, and a beat prunes by its own clock: these tests each
    take a database of their own (SQLite in the first pass, PostgreSQL in the second), never
    the first pass's shared PostgreSQL database, where other tests' workers beat too."""
    return single_app


def _rows(app: App) -> dict[str, WorkerHeartbeat]:
    with app.db.unit(None, write=False) as session:
        return {row.id: row for row in session.scalars(select(WorkerHeartbeat))}


def _clear(app: App) -> None:
    """No heartbeat of an earlier step of the same test."""
    with app.db.unit(None) as session:
        session.execute(delete(WorkerHeartbeat))


def _eventually(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@contextmanager
def _loop(app: App) -> Iterator[threading.Thread]:
    """The app's dispatcher loop on a thread, as ``righthand worker`` runs it; stopped after."""
    stop = threading.Event()
    loop = threading.Thread(target=app.dispatcher().run_forever,
                            kwargs={"idle_seconds": 0.02, "should_stop": stop.is_set,
                                    "runs": "dispatcher+periodic"}, daemon=True)
    loop.start()
    try:
        yield loop
    finally:
        stop.set()
        loop.join(10)


def _problems(app: App, ws_id: int, now: datetime, **kwargs: Any) -> list[health.Problem]:
    with app.db.unit(ws_id, write=False) as session:
        return health.problems(session, now=now, **kwargs)


def _due_email(app: App, ws_id: int) -> datetime:
    """An allowed email in the outbox, due at once; returns when it became due."""
    [address] = add_contacts(app, ws_id, 1)
    proposed = propose(app, ws_id, email_action(address, "Viewing", "Saturday suits us.\n"))
    assert proposed.decision.name == "allow"
    [entry] = outbox_entries(app, ws_id)
    assert entry.status == "pending"
    return entry.not_before


# -- the dispatcher loop beats, and removes its row when it stops -------------------------------
def test_the_dispatcher_loop_beats_while_it_runs_and_removes_its_row_on_stop(
        app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(app)
    monkeypatch.setattr(health, "BEAT_SECONDS", 0.05)
    started = clock()
    with _loop(app) as loop:
        _eventually(lambda: len(_rows(app)) == 1, "the first heartbeat")
        [row] = _rows(app).values()
        host, pid, random = row.id.rsplit(":", 2)
        assert host and pid.isdigit() and len(random) == 8
        assert row.started_at == started and row.seen_at == started
        assert row.runs == "dispatcher+periodic" and row.version == __version__
        later = clock.advance(seconds=20)
        _eventually(lambda: next(iter(_rows(app).values())).seen_at == later,
                    "the next heartbeat")
        assert next(iter(_rows(app).values())).started_at == started
        assert loop.is_alive()
    assert not loop.is_alive()
    assert _rows(app) == {}, "a clean stop deletes the worker's row"


def test_stale_heartbeats_are_pruned_by_the_next_beat(app: App, clock: FakeClock) -> None:
    _clear(app)
    start = clock()
    assert health.beat(app.db, "gone:1:aaaaaaaa", "dispatcher", start, start)
    clock.advance(minutes=30)
    assert health.beat(app.db, "quiet:2:bbbbbbbb", "dispatcher", clock(), clock())
    clock.advance(minutes=31)  # 'gone' unseen for 61 minutes, 'quiet' for 31
    assert health.beat(app.db, "live:3:cccccccc", "dispatcher", clock(), clock())
    assert set(_rows(app)) == {"quiet:2:bbbbbbbb", "live:3:cccccccc"}
    clock.advance(hours=2)  # a worker's own row is refreshed, never pruned by itself
    assert health.beat(app.db, "live:3:cccccccc", "dispatcher", start, clock())
    rows = _rows(app)
    assert set(rows) == {"live:3:cccccccc"} and rows["live:3:cccccccc"].seen_at == clock()
    health.forget(app.db, "live:3:cccccccc")
    assert _rows(app) == {}


def test_a_failed_heartbeat_is_logged_and_the_worker_carries_on(
        caplog: pytest.LogCaptureFixture) -> None:
    class Down:
        """A database that cannot be reached."""

        @contextmanager
        def unit(self, *_args: Any, **_kwargs: Any) -> Iterator[Any]:
            raise DatabaseUnavailable("the database is unavailable: connection refused")
            yield

    now = datetime(2026, 11, 26, 15, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="righthand.service.health"):
        assert health.beat(Down(), "w:1:dddddddd", "dispatcher", now, now) is False  # type: ignore[arg-type]
        health.forget(Down(), "w:1:dddddddd")  # type: ignore[arg-type]
    assert [r.message.startswith("could not") for r in caplog.records] == [True, True]


# -- what the client is told ---------------------------------------------------------------------
def test_due_work_without_a_fresh_heartbeat_says_no_worker_is_running(
        app: App, clock: FakeClock) -> None:
    _clear(app)
    ws_id = new_workspace(app, Phase.III)
    assert _problems(app, ws_id, clock()) == [], "nothing due: nothing to say"
    due = _due_email(app, ws_id)
    for outbox in (True, False):  # the Today page asks without the outbox counts
        [told] = _problems(app, ws_id, clock(), outbox=outbox)
        assert told.text == ("No worker is running: nothing approved will be sent and "
                             "periodic jobs will not run.")
        assert told.what_to_do == "Start `righthand worker`."
        assert told.connector == "worker" and told.since == due

    assert health.beat(app.db, "w:1:eeeeeeee", "dispatcher", clock(), clock())
    assert _problems(app, ws_id, clock()) == [], "a fresh heartbeat: a worker will send it"
    clock.advance(seconds=60)
    assert _problems(app, ws_id, clock()) == [], "60 s is still fresh"
    clock.advance(seconds=1)
    [told] = _problems(app, ws_id, clock())
    assert told.connector == "worker", "the worker stopped answering"

    other = new_workspace(app, Phase.III)  # the due work is this workspace's, not another's
    assert _problems(app, other, clock()) == []


def test_righthand_status_says_no_worker_is_running(single_url: str, tmp_path: Path) -> None:
    # `righthand status` runs on the real clock: the email became due yesterday.
    yesterday = datetime.now(UTC) - timedelta(days=1)
    app = build(make_settings(tmp_path, single_url), clock=FakeClock(yesterday))
    try:
        _clear(app)
        ws_id = new_workspace(app, Phase.III)
        _due_email(app, ws_id)
        cli = CliEnv(single_url, tmp_path / "home", workspace_slug(app, ws_id))
        said = cli.run("status").stdout
        assert "- No worker is running: nothing approved will be sent" in said
        assert "What to do: Start `righthand worker`." in said
        now = datetime.now(UTC)
        assert health.beat(app.db, "w:1:ffffffff", "dispatcher", now, now)
        assert "No worker" not in cli.run("status").stdout
    finally:
        app.db.dispose()


def test_a_due_campaign_is_stalled_only_without_a_fresh_heartbeat(
        app: App, clock: FakeClock) -> None:
    _clear(app)
    ws_id = new_workspace(app)
    add_subscribers(app, ws_id, make_list(app, ws_id), 3)
    mailing_id = create_mailing(app, ws_id)
    approved_campaign(app, ws_id, mailing_id)

    def hold() -> campaign_control.Hold | None:
        with app.db.unit(ws_id, write=False) as session:
            mailing = session.get(Mailing, mailing_id)
            ws = session.get(Workspace, ws_id)
            assert mailing is not None and ws is not None
            job = workspaces.job_description(session, ws)
            return campaign_control.hold(session, mailing, job, clock())

    due = clock()
    assert hold() is None, "just due: any worker takes it in a moment"
    clock.advance(minutes=10)
    held = hold()
    assert held is not None and held.stalled_since == due, "nobody took it: no worker"
    assert health.beat(app.db, "w:1:abababab", "dispatcher", clock(), clock())
    assert hold() is None, "a worker runs (busy elsewhere): it is not stalled"
    clock.advance(minutes=2)
    held = hold()
    assert held is not None and held.stalled_since == due, "that worker went quiet"


def test_the_worker_command_beats_and_removes_its_row_on_sigterm(single_url: str,
                                                                 tmp_path: Path) -> None:
    app = build(make_settings(tmp_path, single_url), clock=FakeClock())
    try:
        _clear(app)
        ws_id = new_workspace(app)
        cli = CliEnv(single_url, tmp_path / "home", workspace_slug(app, ws_id))
        worker = cli.start("worker", "--threads", "1")
        try:
            _eventually(lambda: len(_rows(app)) == 1 or worker.poll() is not None,
                        "the worker's heartbeat", 20)
            assert worker.poll() is None, worker.communicate()
            [row] = _rows(app).values()
            assert row.id.split(":")[1] == str(worker.pid)
            assert row.runs == "dispatcher+periodic"
            assert datetime.now(UTC) - row.seen_at < health.FRESH
            time.sleep(1.0)  # the consumer is up and handles SIGTERM itself
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=20)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(5)
        assert worker.returncode == 0, f"worker exited {worker.returncode}\n{out}\n{err}"
        assert _rows(app) == {}, "a worker stopped with SIGTERM removes its heartbeat"
    finally:
        app.db.dispose()


# -- the schema ----------------------------------------------------------------------------------
def test_the_migration_makes_what_the_model_says(db_url: str) -> None:
    table = table_as_migrated(db_url, "worker_heartbeats")
    columns, key = table.columns, table.primary_key
    assert table.diffs == []
    assert set(columns) == {"id", "started_at", "seen_at", "runs", "version"}
    assert not any(c["nullable"] for c in columns.values())
    assert key["constrained_columns"] == ["id"]


def test_a_process_reads_the_heartbeats_once_per_few_seconds(app: App, clock: FakeClock,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """The Today page asks on every request: a reading is reused for SEEN_FOR seconds, and
    this process's own beat or stop makes the next question read again."""
    from sqlalchemy import event

    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "worker_heartbeats" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(app.db.engine, "before_cursor_execute", count)
    ws_id = new_workspace(app, Phase.III)

    def running() -> bool:
        with app.db.unit(ws_id, write=False) as session:
            return health.worker_running(session, clock())

    assert not running() and not running() and len(reads) == 1, "the second is a reuse"
    assert health.beat(app.db, "w:9:abcdef01", "dispatcher", clock(), clock())
    before = len(reads)
    assert running() and len(reads) == before + 1, "its own beat: read again"
    monkeypatch.setattr(health, "SEEN_FOR", 0.0)
    assert running() and running() and len(reads) == before + 3, "no reuse when it is 0"
    health.forget(app.db, "w:9:abcdef01")
    assert not running()


def test_a_pass_that_hangs_stops_the_beats(app: App, clock: FakeClock,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A dispatcher stuck inside one pass (a server that never answers) must not read as a
    running worker: past STUCK_AFTER its beats stop, and they resume when the pass ends."""
    _clear(app)
    monkeypatch.setattr(health, "STUCK_AFTER", 0.2)
    heartbeat = health.Heartbeat(app.db, clock, every=0.02)
    heartbeat.start()
    try:
        heartbeat.busy()
        time.sleep(0.3)  # the pass is now "hung"
        assert heartbeat.stuck()
        seen = next(iter(_rows(app).values())).seen_at
        clock.advance(seconds=30)
        time.sleep(0.2)  # several beat intervals
        assert next(iter(_rows(app).values())).seen_at == seen, "no beat while hung"
        with app.db.unit(None, write=False) as session:
            assert not health.worker_running(session, clock() + health.FRESH)
        heartbeat.idle()
        _eventually(lambda: next(iter(_rows(app).values())).seen_at == clock(),
                    "the beats after the pass ended")
    finally:
        heartbeat.stop()
    assert _rows(app) == {}
