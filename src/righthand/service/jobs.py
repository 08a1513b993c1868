"""Background work on Huey: SqliteHuey embedded by default, RedisHuey at scale.

The outbox table stays the source of truth for what must be delivered; the queue only carries
work to a worker. ``righthand worker`` runs the Huey consumer (periodic jobs: the outbox sweep,
approval expiry, and every job a duty registers) next to a dispatcher loop that picks up new
outbox entries within a second.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from righthand.errors import Bug
from righthand.service import approvals, workspaces
from righthand.store.tables import Workspace

if TYPE_CHECKING:
    from huey import Huey

    from righthand.bootstrap import App
    from righthand.config import Settings


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


def expire_approvals(app: App) -> int:
    """Retire expired approvals in every workspace; returns how many."""
    total = 0
    with app.db.unit(None, write=False) as session:
        ids = list(session.scalars(select(Workspace.id)))
    for workspace_id in ids:
        with app.db.unit(workspace_id) as session:
            total += approvals.expire_due(session, app.clock())
    return total


def run_duty_job(app: App, name: str) -> int:
    """Run periodic job ``name`` for every workspace whose job description has its duty on."""
    job = next(j for j in app.registry.jobs if j.name == name)
    ran = 0
    with app.db.unit(None, write=False) as session:
        rows = list(session.scalars(select(Workspace)))
    for ws in rows:
        with app.db.unit(ws.id) as session:
            if workspaces.job_description(session, ws).setting(job.duty).enabled:
                job.run({"app": app, "workspace_id": ws.id, "session": session})
                ran += 1
    return ran


def register(huey: Huey, app: App) -> dict[str, Any]:
    """Register Righthand's tasks on ``huey``; returns them by name."""
    from huey import crontab

    @huey.task(name="righthand.deliver")
    def deliver(action_ids: list[int] | None = None) -> int:
        return len(app.dispatcher().run_once(only=action_ids).delivered)

    @huey.periodic_task(crontab(minute="*"), name="righthand.sweep")
    def sweep() -> int:
        return len(app.dispatcher().run_once().delivered)

    @huey.periodic_task(crontab(minute="*/5"), name="righthand.expire_approvals")
    def expire() -> int:
        return expire_approvals(app)

    @huey.periodic_task(crontab(minute="*/15"), name="righthand.calendar_sync")
    def calendar_sync() -> int:
        from righthand.service.calendar_sync import refresh_subscriptions

        report = app.dispatcher().sync_calendars()
        report.merge(refresh_subscriptions(app))
        return report.pulled + report.pushed

    tasks: dict[str, Any] = {"deliver": deliver, "sweep": sweep, "expire_approvals": expire,
                             "calendar_sync": calendar_sync}
    for job in app.registry.jobs:
        def make(job_name: str) -> Any:
            def run() -> int:
                return run_duty_job(app, job_name)
            return run
        tasks[job.name] = huey.periodic_task(every(job.minutes),
                                             name=f"righthand.job.{job.name}")(make(job.name))
    return tasks


def run_worker(app: App, workers: int = 2) -> None:
    """Run the consumer and the dispatcher loop until interrupted."""
    from huey.consumer import Consumer

    huey = make_huey(app.settings)
    register(huey, app)
    stop = threading.Event()
    loop = threading.Thread(target=app.dispatcher().run_forever,
                            kwargs={"should_stop": stop.is_set}, daemon=True,
                            name="righthand-dispatcher")
    loop.start()
    try:
        Consumer(huey, workers=workers, periodic=True, worker_type="thread").run()
    finally:
        stop.set()
