"""Background work on Huey (DESIGN.md §6): periodic jobs that duties register, the embedded
SqliteHuey and the RedisHuey at scale carrying outbox deliveries to a real consumer, and the
``righthand worker`` command delivering through its dispatcher loop.

The outbox stays the source of truth: the queue only carries "deliver these actions" to a
worker, so every test asserts what arrived at a real SMTP server (aiosmtpd), exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import select

from righthand.bootstrap import App, build
from righthand.domain.actions import Initiative
from righthand.duties import registry as duty_registry
from righthand.duties.plugin import DutyPlugin, PeriodicJob
from righthand.policy.duties import DutyManifest, Phase, Risk
from righthand.policy.job import DutySetting
from righthand.service import approvals, audit, workspaces
from righthand.service.jobs import make_huey, register, run_duty_job
from righthand.store.tables import AuditEntry, Workspace
from tests.conftest import make_settings, new_workspace, workspace_slug
from tests.support.clock import FakeClock
from tests.support.consumer import exclusive, running_consumer
from tests.support.mail import (
    CliEnv,
    add_contacts,
    email_action,
    expected_message_id,
    ids_of_workspace,
    outbox_entries,
    propose,
)
from tests.support.servers import REDIS_URL, need, port_open
from tests.support.smtp import SmtpServer

TICK = "test.tick"
DAILY = "test.daily"
COUNTER = "test.counter"


# -- a duty plugin of the test's own ----------------------------------------------------------
def _tick(context: dict[str, Any]) -> None:
    """The job's observable effect: one audit entry in the workspace it ran for."""
    app: App = context["app"]
    audit.append(context["session"], context["workspace_id"], "worker", TICK, COUNTER,
                 {"job": TICK}, at=app.clock())


COUNTER_PLUGIN = DutyPlugin(
    name="test-counter",
    manifests=(DutyManifest(id=COUNTER, title="Count ticks (test duty)", phase=Phase.I,
                            risk=Risk.LOW, nature=Initiative.PROACTIVE,
                            read_scopes=frozenset(), action_kinds=()),),
    jobs=(PeriodicJob(name=TICK, duty=COUNTER, minutes=5, run=_tick),
          PeriodicJob(name=DAILY, duty=COUNTER, minutes=24 * 60, run=lambda _ctx: None)),
)


def installed_plugins() -> list[DutyPlugin]:
    """The duty plugins installed through the ``righthand.duties`` entry points."""
    found = sorted(entry_points(group=duty_registry.GROUP), key=lambda ep: ep.name)
    assert found, "no duty plugins are installed"
    return [ep.load() for ep in found]


def ticks(app: App, workspace_id: int) -> int:
    """How many times the tick job ran for a workspace."""
    with app.db.unit(workspace_id, write=False) as session:
        return len(session.scalars(select(AuditEntry).where(AuditEntry.event == TICK)).all())


def _periodic_names(huey: Any, at: datetime) -> set[str]:
    return {type(task).__name__ for task in huey.read_periodic(at)}


@pytest.fixture
def counter_app(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    """The app with the installed duties plus the test's counter duty (both databases)."""
    plugins = [*installed_plugins(), COUNTER_PLUGIN]
    application = build(make_settings(tmp_path, db_url), plugins=plugins, clock=clock)
    yield application
    application.db.dispose()


def test_duty_jobs_are_huey_periodic_tasks_run_only_where_the_duty_is_on(
        counter_app: App) -> None:
    app = counter_app
    assert COUNTER in app.catalog and "email.send" in app.catalog  # ours next to the installed
    assert [j.name for j in app.registry.jobs if j.duty == COUNTER] == [TICK, DAILY]

    huey = make_huey(app.settings)
    tasks = register(huey, app)
    periodic = {cls.__name__ for cls in huey._registry._periodic_tasks}
    assert {"righthand.sweep", "righthand.expire_approvals", f"righthand.job.{TICK}",
            f"righthand.job.{DAILY}"} <= periodic
    assert tasks[TICK].task_class.__name__ == f"righthand.job.{TICK}"
    assert "righthand.deliver" not in periodic  # delivery is enqueued, not scheduled

    # The schedule follows each job's period (Huey's scheduler asks at every minute, UTC).
    midnight = datetime(2026, 11, 27, 0, 0)
    due = {m: _periodic_names(huey, midnight + timedelta(minutes=m)) for m in range(0, 24 * 60)}
    tick_minutes = [m for m, names in due.items() if f"righthand.job.{TICK}" in names]
    assert tick_minutes == list(range(0, 24 * 60, 5))
    daily_minutes = [m for m, names in due.items() if f"righthand.job.{DAILY}" in names]
    assert daily_minutes == [0], "a daily job runs once a day, not every hour"
    assert all("righthand.sweep" in names for names in due.values())

    # Two workspaces have the duty on (Phase I preset); the client switches it off in one.
    on = new_workspace(app, Phase.I)
    off = new_workspace(app, Phase.I)
    with app.db.unit(off) as session:
        ws = session.get(Workspace, off)
        assert ws is not None
        assert workspaces.job_description(session, ws).setting(COUNTER).enabled
        workspaces.set_duty(session, ws, COUNTER, DutySetting(), app.catalog, app.clock())

    assert run_duty_job(app, TICK) == 1
    assert (ticks(app, on), ticks(app, off)) == (1, 0)

    # The same job, run the way the consumer runs it: Huey's own periodic task at a due minute.
    [task] = [t for t in huey.read_periodic(midnight + timedelta(minutes=5))
              if type(t).__name__ == f"righthand.job.{TICK}"]
    assert huey.execute(task) == 1
    assert (ticks(app, on), ticks(app, off)) == (2, 0)

    for ws_id in (on, off):  # the job wrote inside the workspace's own chain, intact
        with app.db.unit(ws_id, write=False) as session:
            assert audit.verify(session, ws_id).ok


# -- delivery through the queue -----------------------------------------------------------------
def _approved_email(app: App) -> tuple[int, int]:
    """A Phase II workspace whose client approved one email to a known contact."""
    ws_id = new_workspace(app, Phase.II)
    [address] = add_contacts(app, ws_id, 1)
    proposed = propose(app, ws_id, email_action(address, "Viewing on Saturday",
                                                "Hello,\n\nSaturday at ten suits us.\n"))
    assert proposed.decision.name == "ask" and proposed.approval_id is not None
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        approvals.approve(session, proposed.approval_id, workspaces.job_description(session, ws),
                          app.catalog, app.clock())
    [entry] = outbox_entries(app, ws_id)
    assert (entry.action_id, entry.status) == (proposed.row.id, "pending")
    return ws_id, proposed.row.id


def _deliver_through(producer: Any, consumer_huey: Any, app: App, server: SmtpServer,
                     ws_id: int, action_id: int) -> None:
    """Enqueue ``righthand.deliver`` on one Huey instance; a consumer of another (as on another
    process or machine) takes it and delivers the action exactly once."""
    deliver = register(producer, app)["deliver"]
    register(consumer_huey, app)
    with running_consumer(consumer_huey, workers=2):
        first = deliver([action_id])
        assert first.get(blocking=True, timeout=8) == 1
        again = deliver([action_id])  # a duplicate message on the queue delivers nothing
        assert again.get(blocking=True, timeout=8) == 0
    [entry] = outbox_entries(app, ws_id)
    assert entry.status == "sent" and entry.attempts == 1
    assert Counter(ids_of_workspace(server.recorder, ws_id)) == \
        Counter({expected_message_id(entry): 1})


@pytest.mark.server
def test_sqlite_huey_carries_an_approved_email_to_a_consumer_delivered_once(
        single_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with SmtpServer() as server:
        settings = make_settings(tmp_path, single_url, smtp_url=server.url)
        app = build(settings, clock=clock)
        try:
            ws_id, action_id = _approved_email(app)
            producer, consumer_huey = make_huey(settings), make_huey(settings)
            assert isinstance(producer, SqliteHuey)
            assert Path(producer.storage.filename) == settings.queue_path
            assert settings.queue_path.parent == settings.data_dir
            assert settings.queue_path.exists()
            _deliver_through(producer, consumer_huey, app, server, ws_id, action_id)
            assert len(producer) == 0  # nothing left on the queue
        finally:
            app.db.dispose()


@pytest.mark.server
def test_redis_huey_carries_an_approved_email_to_a_consumer_delivered_once(
        db_url: str, tmp_path: Path, clock: FakeClock) -> None:
    need(port_open("127.0.0.1", 6379), f"Redis is not reachable at {REDIS_URL}")
    with SmtpServer() as server, exclusive(f"huey-queue {REDIS_URL}"):
        settings = make_settings(tmp_path, db_url, smtp_url=server.url, redis_url=REDIS_URL)
        app = build(settings, clock=clock)
        producer, consumer_huey = make_huey(settings), make_huey(settings)
        try:
            assert isinstance(producer, RedisHuey) and isinstance(consumer_huey, RedisHuey)
            assert not settings.queue_path.exists()  # no SQLite queue when Redis is the queue
            producer.flush()  # leftovers of an interrupted earlier run
            ws_id, action_id = _approved_email(app)
            _deliver_through(producer, consumer_huey, app, server, ws_id, action_id)
            assert len(producer) == 0
        finally:
            producer.flush()
            app.db.dispose()


# -- the `righthand worker` command --------------------------------------------------------------
def _wait_for(predicate: Callable[[], bool], timeout: float, what: str,
              proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the worker exited ({proc.returncode}) before {what}\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def _catches(pid: int, signum: int) -> bool:
    """True once process ``pid`` has its own handler for ``signum`` (Linux /proc)."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        time.sleep(1.0)  # no /proc: give the consumer a moment to install its handlers
        return True
    for line in status.read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


@pytest.mark.server
def test_worker_command_delivers_a_new_allowed_email_within_seconds_and_stops_on_sigterm(
        single_url: str, tmp_path: Path) -> None:
    # The worker runs on the real clock: propose at 10:00 New York yesterday, outside quiet
    # hours and already due.
    yesterday = datetime.now(UTC) - timedelta(days=1)
    app = build(make_settings(tmp_path, single_url),
                clock=FakeClock(yesterday.replace(hour=15, minute=0, second=0, microsecond=0)))
    try:
        ws_id = new_workspace(app, Phase.III)
        [address] = add_contacts(app, ws_id, 1)
        home = tmp_path / "home"
        with SmtpServer() as server:
            cli = CliEnv(single_url, home, workspace_slug(app, ws_id), server.url)
            worker = cli.start("worker", "--threads", "1")
            try:
                # Huey's consumer is up once it handles SIGTERM itself.
                _wait_for(lambda: _catches(worker.pid, signal.SIGTERM), 8,
                          "the consumer to install its signal handlers", worker)
                assert (home / "queue.db").exists()  # the embedded SqliteHuey queue
                # Past the consumer's start-up sweep, the next sweep is a minute away: what is
                # delivered within seconds was picked up by the dispatcher loop.
                time.sleep(0.5)
                proposed = propose(app, ws_id, email_action(
                    address, "Offer accepted", "Good news: the offer was accepted.\n"))
                assert proposed.decision.name == "allow"
                queued = time.monotonic()
                _wait_for(lambda: bool(ids_of_workspace(server.recorder, ws_id)), 6,
                          "the email to arrive", worker)
                took = time.monotonic() - queued
                _wait_for(lambda: outbox_entries(app, ws_id)[0].status == "sent", 5,
                          "the outbox entry to be marked sent", worker)
                time.sleep(1.5)  # another loop pass must find nothing to resend
                worker.send_signal(signal.SIGTERM)
                out, err = worker.communicate(timeout=10)
            finally:
                if worker.poll() is None:
                    os.kill(worker.pid, signal.SIGKILL)
                    worker.wait(5)
            received = Counter(ids_of_workspace(server.recorder, ws_id))
        assert worker.returncode == 0, f"worker exited {worker.returncode}\n{out}\n{err}"
        assert "Traceback" not in err and "unexpected error" not in err, err
        [entry] = outbox_entries(app, ws_id)
        assert entry.status == "sent" and entry.attempts == 1
        assert received == Counter({expected_message_id(entry): 1})
        assert took < 6
    finally:
        app.db.dispose()
