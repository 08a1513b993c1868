"""Four ``righthand worker`` processes on RedisHuey share 200 workspaces (issue 9).

The test is the scheduler: it fans out a period of every periodic job the issue names (inbox
polling, confirmations, briefings, calendar sync, reorder checks) and the next period of two of
them -- each twice, as several consumers' schedulers would -- SIGKILLs one worker while it works, restarts it, and offers the
unfinished runs again (the catch-up every worker does each minute). Every job then ran exactly
once per period per workspace -- counted by an audit entry the job writes in the transaction
that marks its run done -- and every outbox email reached the SMTP server at most once: sent
ones exactly once, and one cut off by the kill is *uncertain*, never resent.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from huey import RedisHuey
from sqlalchemy import select

from righthand.bootstrap import App, build
from righthand.policy.duties import Phase
from righthand.service import health, job_runs, jobs
from righthand.store.tables import AuditEntry, JobRun, OutboxRow
from tests.conftest import make_settings, new_workspace
from tests.support.clock import FakeClock
from tests.support.consumer import exclusive
from tests.support.fleet import Fleet, fresh_postgres
from tests.support.mail import add_contacts, email_action, propose
from tests.support.servers import POSTGRES_URL, free_port, need, port_open
from tests.support.smtp import Recorder, SmtpServer
from tests.support.worker_main import RAN, plugins

REDIS_DB_URL = "redis://127.0.0.1:6379/12"  # this test's own database: flushed before and after
WORKSPACES = 200
EMAILS = 60
T0 = datetime(2031, 1, 6, tzinfo=UTC)  # a midnight: every job's period boundary
# The periodic jobs the issue names: inbox polling, confirmations, briefings, reorder checks
# (and calendar sync, which the installation adds when a CalDAV server is configured). Other
# duties' jobs run the same code path; leaving them out keeps the test under a minute.
NAMED = frozenset({"screening.poll", "appointments.confirm", "briefing.daily",
                   "supplies.reorder"})
TWICE = {"screening.poll", jobs.CALENDAR_SYNC}  # also run in their next period


def _wait(predicate: Any, timeout: float, what: str, fleet: Fleet) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n{fleet.logs()[-4000:]}")
        time.sleep(0.2)


def _done(app: App) -> Counter[tuple[str, datetime]]:
    with app.db.unit(None, write=False) as session:
        return Counter((job, period) for job, period in session.execute(
            select(JobRun.job, JobRun.period_start).where(JobRun.status == "done")))


@pytest.mark.server
@pytest.mark.postgres
@pytest.mark.timeout(300)  # ~40 s on an idle 2-core machine; much more when it is shared
def test_four_workers_share_200_workspaces_once_per_period_while_one_is_killed(
        tmp_path: Path, postgres_database: str | None) -> None:
    need(postgres_database is not None, f"PostgreSQL is not reachable at {POSTGRES_URL}")
    need(port_open("127.0.0.1", 6379), "Redis is not reachable at 127.0.0.1:6379")
    caldav = f"http://127.0.0.1:{free_port()}/dav/"  # nobody listens: every sync fails fast
    with fresh_postgres(POSTGRES_URL) as url, exclusive(f"huey-queue {REDIS_DB_URL}"), \
            SmtpServer(Recorder(delay=0.02)) as smtp:
        yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(hour=15, minute=0, second=0,
                                                                    microsecond=0)
        settings = make_settings(tmp_path, url, smtp_url=smtp.url, redis_url=REDIS_DB_URL,
                                 caldav_url=caldav)
        app = build(settings, plugins=plugins(count=True, only=NAMED),
                    clock=FakeClock(yesterday))
        producer = RedisHuey("righthand", url=REDIS_DB_URL)
        producer.storage.flush_all()
        fleet = Fleet({"RIGHTHAND_DATABASE_URL": url, "RIGHTHAND_REDIS_URL": REDIS_DB_URL,
                       "RIGHTHAND_SMTP_URL": smtp.url, "RIGHTHAND_CALDAV_URL": caldav},
                      tmp_path, count=True, jobs=NAMED)
        try:
            ids = [new_workspace(app, Phase.III) for _ in range(WORKSPACES)]
            for ws_id in ids[:EMAILS]:  # allowed emails, already due, in the outbox
                [address] = add_contacts(app, ws_id, 1)
                assert propose(app, ws_id, email_action(
                    address, "Viewing", "Saturday at ten suits us.\n")).decision.name == "allow"
            schedules = jobs.schedules(app)
            assert set(schedules) == NAMED | {jobs.CALENDAR_SYNC}
            periods = {(name, T0 + timedelta(minutes=s.minutes * i))
                       for name, s in schedules.items() for i in range(2 if name in TWICE else 1)}
            expected = {(name, period): set(jobs.candidates(app, schedules[name], period))
                        for name, period in periods}
            assert all(expected[(name, T0)] == set(ids) for name in schedules)
            total = sum(len(v) for v in expected.values())
            enqueue = jobs.register(producer, app)["run_jobs"]

            def offer() -> None:
                for name, period in sorted(periods):
                    jobs.fan_out(app, enqueue, name, period)

            offer()
            offer()  # a second scheduler fanning out the same periods: claims keep it once
            fleet.start(4)
            _wait(lambda: sum(_done(app).values()) >= total // 5, 120, "a fifth of the runs",
                  fleet)
            fleet.kill(0)  # in the middle of the work, no clean-up of any kind
            assert sum(_done(app).values()) < total, "the kill came after all the work"
            fleet.restart(0)
            offer()  # the catch-up: runs not done (the killed worker's too) are offered again
            last_offer = [time.monotonic()]

            def settled() -> bool:
                if time.monotonic() - last_offer[0] > 5:  # and again, as each minute's would
                    offer()
                    last_offer[0] = time.monotonic()
                with app.db.unit(None, write=False) as session:
                    open_mail = session.scalar(select(OutboxRow.id).where(
                        OutboxRow.status.in_(("pending", "sending")))
                        .execution_options(all_workspaces=True))
                return sum(_done(app).values()) == total and open_mail is None
            try:
                _wait(settled, 240, "every run and every email", fleet)
            except BaseException:
                with app.db.unit(None, write=False) as session:
                    left = session.execute(select(JobRun.job, JobRun.workspace_id,
                                                  JobRun.status, JobRun.owner)
                                           .where(JobRun.status != "done")).all()
                    mail = Counter(session.scalars(select(OutboxRow.status).execution_options(
                        all_workspaces=True)))
                print("DEBUG", len(left), left[:20], mail, sum(_done(app).values()), total,
                      [p.pid for p in fleet.procs])
                raise
            assert fleet.alive()
        finally:
            fleet.stop()
            producer.storage.flush_all()

        # Every job ran exactly once per period per workspace that has its duty on.
        with app.db.unit(None, write=False) as session:
            runs = session.execute(select(JobRun.job, JobRun.period_start, JobRun.workspace_id,
                                          JobRun.status)).all()
            ran = Counter((row.data["job"], datetime.fromisoformat(row.data["period"]),
                           row.workspace_id) for row in session.scalars(
                select(AuditEntry).where(AuditEntry.event == RAN)
                .execution_options(all_workspaces=True)))
            entries = session.scalars(select(OutboxRow).execution_options(
                all_workspaces=True)).all()
        assert {(j, p, w) for j, p, w, _s in runs} == \
            {(j, p, w) for (j, p), ws in expected.items() for w in ws}
        assert {s for *_k, s in runs} == {"done"}
        in_session = {(j, p, w): 1 for (j, p), ws in expected.items() for w in ws
                      if not schedules[j].own_units}
        assert dict(ran) == in_session, "a job ran twice, or not at all, somewhere"

        # Every email: sent exactly once; one the kill cut off is uncertain, never resent.
        received = Counter(smtp.recorder.message_ids())
        assert max(received.values()) == 1, "an email reached the server twice"
        statuses = Counter(e.status for e in entries)
        assert set(statuses) <= {"sent", "uncertain"} and statuses["uncertain"] <= 2, statuses
        assert statuses["sent"] + statuses["uncertain"] == EMAILS
        assert len(received) >= statuses["sent"]

        # The calendar server was down all along: each client is told, in plain words.
        with app.db.unit(ids[0], write=False) as session:
            [problem] = [p for p in health.problems(session) if p.connector == "caldav"]
        assert "Calendar sync is not working" in problem.text and problem.what_to_do
        assert job_runs.period_of(T0, 15) == T0
        app.db.dispose()
