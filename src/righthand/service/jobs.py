"""Background work on Huey: SqliteHuey embedded by default, RedisHuey at scale.

The outbox table stays the source of truth for what must be delivered; the queue only carries
work to a worker. ``righthand worker`` runs the Huey consumer (periodic jobs: the outbox sweep,
approval expiry, calendar sync and every job a duty registers) next to a dispatcher loop that
picks up new outbox entries within a second.

Periodic work runs **once per (job, workspace, period)** however many workers there are: every
run is claimed in ``job_runs`` first (:mod:`righthand.service.job_runs`). On RedisHuey the
periodic task *fans out* -- it enqueues one task per due workspace, so the work spreads over
every worker -- and a catch-up task each minute offers again whatever a dead worker dropped.
On the embedded SqliteHuey the periodic task runs the workspaces itself, as one machine would.

A run happens in the workspace's write unit; a job's ``prepare`` (network calls such as the
optional language model) runs just before it with no transaction open, so no write lock waits
on the network. A proactive run, prepare included, may call the model once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from righthand.errors import Bug, DatabaseUnavailable, RetryLater, RighthandError
from righthand.service import approvals, health, job_runs, language_model, workspaces
from righthand.store.tables import JobDuty, Workspace

if TYPE_CHECKING:
    from huey import Huey

    from righthand.bootstrap import App
    from righthand.config import Settings

log = logging.getLogger(__name__)

# Which connection a job speaks through, so its failures reach connection_health.
CONNECTOR_OF = {"screening.poll": "imap", "calendar.sync": "caldav"}
CALENDAR_SYNC = "calendar.sync"
SUBSCRIPTIONS = "calendar.subscriptions"
KEEP_RUNS = timedelta(days=2)


def make_huey(settings: Settings, immediate: bool = False) -> Huey:
    """The queue: Redis when RIGHTHAND_REDIS_URL is set, else a SQLite file in the data dir."""
    if settings.redis_url:
        from huey import RedisHuey

        return RedisHuey("righthand", url=settings.redis_url, immediate=immediate)
    from huey import SqliteHuey

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("righthand", filename=str(settings.queue_path), immediate=immediate)


_EPOCH = datetime(1970, 1, 1)


def every(minutes: int) -> Callable[[datetime], bool]:
    """Huey schedule: due on the minutes (UTC) whose count since the epoch is a multiple of
    ``minutes``. Unlike ``crontab(minute=f"*/{minutes}")`` this keeps periods that do not divide
    an hour: a 90-minute job runs every 90 minutes, a daily (1440) job once a day at 00:00 UTC."""
    if minutes < 1:
        raise Bug(f"a periodic job's period must be at least one minute, not {minutes}")

    def due(timestamp: datetime) -> bool:
        if timestamp.tzinfo is not None:  # Huey passes naive UTC; accept aware too
            timestamp = timestamp.astimezone(UTC).replace(tzinfo=None)
        return int((timestamp - _EPOCH).total_seconds() // 60) % minutes == 0

    return due


@dataclass(frozen=True)
class Schedule:
    """A periodic job as the worker runs it: per workspace (where ``duty`` is on, or every
    workspace when it is None), in the workspace's transaction unless ``own_units``; its
    ``prepare`` (if any) first, with no transaction open (see PeriodicJob)."""

    name: str
    minutes: int
    run: Callable[[dict[str, Any]], Any]
    duty: str | None = None
    own_units: bool = False  # the body opens its own units (network I/O outside transactions)
    prepare: Callable[[dict[str, Any]], Any] | None = None


def _sync_one(context: dict[str, Any]) -> None:
    app: App = context["app"]
    report = app.dispatcher().sync_calendars(context["workspace_id"])
    if report.errors:
        raise RetryLater(report.errors[0])


def schedules(app: App) -> dict[str, Schedule]:
    """Every per-workspace periodic job: the duties' and calendar sync (when some workspace
    has a calendar server: its own, or the administrator's for all)."""
    from righthand.service import calendar_accounts

    found = {job.name: Schedule(job.name, job.minutes, job.run, job.duty, prepare=job.prepare)
             for job in app.registry.jobs}
    if calendar_accounts.any_configured(app.db, app.settings):
        found[CALENDAR_SYNC] = Schedule(CALENDAR_SYNC, 15, _sync_one, None, own_units=True)
    return found


def _lease(app: App) -> timedelta:
    return timedelta(seconds=max(60, app.settings.dispatch_lease_seconds))


def expire_approvals(app: App) -> int:
    """Retire expired approvals in every workspace; returns how many."""
    total = 0
    with app.db.unit(None, write=False) as session:
        ids = list(session.scalars(select(Workspace.id)))
    for workspace_id in ids:
        with app.db.unit(workspace_id) as session:
            total += approvals.expire_due(session, app.clock())
    return total


def _prepare(prepare: Callable[[dict[str, Any]], Any] | None, name: str,
             context: dict[str, Any]) -> Any:
    """What a job's ``prepare`` made, with no transaction open: None when it has none, or when
    it failed (told in the log; the run then goes on offline). Call inside the run's
    :func:`language_model.proactive`, so that prepare and run share its one model call."""
    if prepare is None:
        return None
    try:
        return prepare(context)
    except DatabaseUnavailable:
        raise
    except RighthandError as exc:
        log.warning("job %s for workspace %s, preparing: %s", name, context["workspace_id"],
                    exc.one_line())
        return None


def run_duty_job(app: App, name: str) -> int:
    """Run periodic job ``name`` now for every workspace whose job description has its duty on
    (a manual run: no period is claimed, so the scheduled run still happens)."""
    job = next(j for j in app.registry.jobs if j.name == name)
    ran = 0
    with app.db.unit(None, write=False) as session:
        rows = list(session.scalars(select(Workspace)))
    for ws in rows:
        context: dict[str, Any] = {"app": app, "workspace_id": ws.id}
        with language_model.proactive():  # at most one model call per run, prepare included
            prepared = _prepare(job.prepare, name, context)
            with app.db.unit(ws.id) as session:
                if workspaces.job_description(session, ws).setting(job.duty).enabled:
                    job.run({**context, "session": session, "prepared": prepared})
                    ran += 1
    return ran


def candidates(app: App, schedule: Schedule, period: datetime) -> list[int]:
    """Workspaces that should run ``schedule`` in ``period`` and have not yet."""
    with app.db.unit(None, write=False) as session:
        if schedule.duty is None:
            ids = set(session.scalars(select(Workspace.id)))
        else:  # a duty the job description does not name is off
            ids = set(session.scalars(select(JobDuty.workspace_id).where(
                JobDuty.duty == schedule.duty, JobDuty.autonomy != "off")
                .execution_options(all_workspaces=True)))
        ids -= job_runs.done_workspaces(session, schedule.name, period)
    return sorted(ids)


def run_claimed(app: App, name: str, workspace_id: int, period: datetime) -> bool:
    """Run job ``name`` for one workspace and period unless another worker has or does;
    True when this call ran it."""
    from righthand.service.dispatcher import _owner_alive, this_process

    schedule = schedules(app).get(name)
    if schedule is None:
        return False  # a job of a plugin this worker does not have
    owner, now = this_process(), app.clock()
    if not job_runs.claim(app.db, name, workspace_id, period, owner, now, _lease(app),
                          _owner_alive):
        return False
    context: dict[str, Any] = {"app": app, "workspace_id": workspace_id,
                               "period_start": period}
    connector = CONNECTOR_OF.get(name)
    try:
        if schedule.own_units:
            failure: RighthandError | None = None
            try:
                with language_model.proactive():  # at most one model call per run
                    schedule.run(context)
            except DatabaseUnavailable:
                raise
            except RighthandError as exc:  # the connection failed: told, tried next period
                failure = exc
            with app.db.unit(workspace_id) as session:
                if connector:
                    _health(session, workspace_id, connector, failure, app.clock())
                job_runs.finish(session, name, workspace_id, period, owner, app.clock())
            return True
        with language_model.proactive():  # one model call per run, prepare included
            # Network work first, with no transaction open (no write lock held meanwhile).
            prepared = _prepare(schedule.prepare, name, context)
            with app.db.unit(workspace_id) as session:
                ws = session.get(Workspace, workspace_id)
                if ws is not None and (schedule.duty is None or workspaces.job_description(
                        session, ws).setting(schedule.duty).enabled):
                    schedule.run({**context, "session": session, "prepared": prepared})
                if not job_runs.finish(session, name, workspace_id, period, owner, app.clock()):
                    raise RetryLater(f"job {name} for workspace {workspace_id} was taken over")
        return True
    except DatabaseUnavailable:
        _release_quietly(app, name, workspace_id, period, owner)
        raise
    except RighthandError as exc:
        # The unit rolled back: nothing of this run happened; offer it again (catch-up).
        _release_quietly(app, name, workspace_id, period, owner)
        log.warning("job %s for workspace %s: %s", name, workspace_id, exc.one_line())
        return False


def _health(session: Any, workspace_id: int, connector: str, failure: RighthandError | None,
            now: datetime) -> None:
    if failure is None:
        health.record_ok(session, workspace_id, connector, now)
    else:
        health.record_failure(session, workspace_id, connector, failure, now)


def _release_quietly(app: App, name: str, workspace_id: int, period: datetime,
                     owner: str) -> None:
    # When the database is down the claim cannot be given back: its lease runs out instead.
    with contextlib.suppress(RighthandError):
        job_runs.release(app.db, name, workspace_id, period, owner)


def run_period(app: App, name: str, period: datetime, only: list[int] | None = None) -> int:
    """Run job ``name`` for ``period`` in every due workspace (or ``only`` these), here and
    now; returns how many runs this call did."""
    schedule = schedules(app)[name]
    if only is None:
        ids = candidates(app, schedule, period)
    else:  # a batch offered again: skip, in one query, what is already done
        with app.db.unit(None, write=False) as session:
            done = job_runs.done_workspaces(session, name, period, only)
        ids = [ws_id for ws_id in only if ws_id not in done]
    return sum(1 for ws_id in ids if run_claimed(app, name, ws_id, period))


def run_installation_job(app: App, name: str, minutes: int, body: Callable[[], Any]) -> bool:
    """Run an installation-wide job once per period across all workers."""
    from righthand.service.dispatcher import _owner_alive, this_process

    period, owner = job_runs.period_of(app.clock(), minutes), this_process()
    if not job_runs.claim(app.db, name, job_runs.INSTALLATION, period, owner, app.clock(),
                          _lease(app), _owner_alive):
        return False
    try:
        body()
    except BaseException:
        _release_quietly(app, name, job_runs.INSTALLATION, period, owner)
        raise
    with app.db.unit(None) as session:
        job_runs.finish(session, name, job_runs.INSTALLATION, period, owner, app.clock())
    return True


BATCH = 25  # workspaces per queued task: small enough to spread, big enough to be cheap


def fan_out(app: App, enqueue: Callable[[str, str, list[int]], Any], name: str,
            period: datetime) -> int:
    """Enqueue the due workspaces of job ``name`` in ``period`` in batches; returns how many."""
    ids = candidates(app, schedules(app)[name], period)
    for start in range(0, len(ids), BATCH):
        enqueue(name, period.isoformat(), ids[start:start + BATCH])
    return len(ids)


def catch_up(app: App, enqueue: Callable[[str, str, list[int]], Any]) -> int:
    """Offer again this period's runs that are not done (a worker died holding them);
    a run still in a live worker's hands is skipped by its claim. Prunes old claims."""
    now, offered = app.clock(), 0
    for schedule in schedules(app).values():
        offered += fan_out(app, enqueue, schedule.name,
                           job_runs.period_of(now, schedule.minutes))
    return offered


def register(huey: Huey, app: App, fan_out_work: bool | None = None) -> dict[str, Any]:
    """Register Righthand's tasks on ``huey``; returns them by name. Periodic jobs fan out
    over the queue on RedisHuey (``fan_out_work`` None) and run in place on SqliteHuey."""
    from huey import RedisHuey, crontab

    spread = isinstance(huey, RedisHuey) if fan_out_work is None else fan_out_work

    @huey.task(name="righthand.deliver")
    def deliver(action_ids: list[int] | None = None) -> int:
        return len(app.dispatcher().run_once(only=action_ids).delivered)

    @huey.task(name="righthand.run_jobs", retries=3, retry_delay=5)
    def run_jobs(name: str, period: str, workspace_ids: list[int]) -> int:
        return run_period(app, name, datetime.fromisoformat(period), only=workspace_ids)

    def enqueue(name: str, period: str, workspace_ids: list[int]) -> Any:
        return run_jobs(name, period, workspace_ids)

    @huey.periodic_task(crontab(minute="*"), name="righthand.sweep")
    def sweep() -> int:
        return len(app.dispatcher().run_once().delivered)

    @huey.periodic_task(crontab(minute="*/5"), name="righthand.expire_approvals")
    def expire() -> int:
        return expire_approvals(app)

    @huey.periodic_task(crontab(minute="*/15"), name="righthand.calendar_sync")
    def calendar_sync() -> int:
        from righthand.service.calendar_sync import refresh_subscriptions

        run_installation_job(app, SUBSCRIPTIONS, 15, lambda: refresh_subscriptions(app))
        if CALENDAR_SYNC not in schedules(app):
            return 0
        return _periodic(CALENDAR_SYNC)

    @huey.periodic_task(crontab(minute="*"), name="righthand.catch_up")
    def catch_up_task() -> int:
        if not spread:
            return 0  # in place, a period's runs finish in the task that started them
        job_runs.prune(app.db, app.clock() - KEEP_RUNS)
        return catch_up(app, enqueue)

    def _periodic(name: str) -> int:
        period = job_runs.period_of(app.clock(), schedules(app)[name].minutes)
        if spread:
            return fan_out(app, enqueue, name, period)
        return run_period(app, name, period)

    tasks: dict[str, Any] = {"deliver": deliver, "sweep": sweep, "expire_approvals": expire,
                             "calendar_sync": calendar_sync, "run_jobs": run_jobs,
                             "catch_up": catch_up_task}
    for job in app.registry.jobs:
        def make(job_name: str) -> Any:
            def run() -> int:
                return _periodic(job_name)
            return run
        tasks[job.name] = huey.periodic_task(every(job.minutes),
                                             name=f"righthand.job.{job.name}")(make(job.name))
    return tasks


#: how long a stopping worker waits for its dispatcher loop to finish the pass it is in
STOP_WAIT_SECONDS = 10.0


def run_worker(app: App, workers: int = 2, periodic: bool = True) -> None:
    """Run the consumer and the dispatcher loop until interrupted."""
    from huey.consumer import Consumer

    huey = make_huey(app.settings)
    register(huey, app)
    stop = threading.Event()
    runs = "dispatcher+periodic" if periodic else "dispatcher"
    loop = threading.Thread(target=app.dispatcher().run_forever,
                            kwargs={"should_stop": stop.is_set, "runs": runs}, daemon=True,
                            name="righthand-dispatcher")
    loop.start()
    try:
        Consumer(huey, workers=workers, periodic=periodic, worker_type="thread").run()
    finally:
        stop.set()
        # Let the loop finish its pass and remove its heartbeat; one still busy after this
        # (a long campaign slice) ends with the process, and its heartbeat goes stale.
        loop.join(timeout=STOP_WAIT_SECONDS)
