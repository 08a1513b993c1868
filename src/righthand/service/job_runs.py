"""Exactly-once periodic work: one claim per (job, workspace, period).

Many workers (threads, processes, machines) may all decide that job J is due for workspace W in
period P -- every Huey consumer runs the scheduler, and lost work is offered again. Only the one
that inserts the ``job_runs`` row (UNIQUE job, workspace_id, period_start) runs it. A job that
works through the given session is marked ``done`` in the same transaction as its work, so a
worker killed half-way leaves a ``running`` claim and no work; once its owner is gone (or its
lease has run out) another worker takes the claim over and does the work -- once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from righthand.store.tables import JobRun
from righthand.store.uow import Database

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
INSTALLATION = 0  # the workspace_id of installation-wide jobs


def period_of(at: datetime, minutes: int) -> datetime:
    """The start of the ``minutes``-long period (counted from the epoch, UTC) holding ``at``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    seconds = minutes * 60
    return _EPOCH + timedelta(seconds=int((at - _EPOCH).total_seconds()) // seconds * seconds)


def claim(db: Database, job: str, workspace_id: int, period: datetime, owner: str,
          now: datetime, lease: timedelta, alive: object = None) -> bool:
    """Claim the run of ``job`` for ``workspace_id`` in ``period``; False if it is done or
    someone alive is on it. ``alive(owner) -> bool`` tells whether a claim's owner still runs."""
    try:
        with db.unit(None) as session:
            session.add(JobRun(job=job, workspace_id=workspace_id, period_start=period,
                               status="running", owner=owner, lease_until=now + lease,
                               started_at=now, attempts=1))
        return True
    except IntegrityError:
        pass
    with db.unit(None) as session:
        row = session.scalar(select(JobRun).where(JobRun.job == job,
                                                  JobRun.workspace_id == workspace_id,
                                                  JobRun.period_start == period))
        if row is None or row.status == "done":
            return False
        expired = row.lease_until < now
        owner_alive = alive(row.owner) if callable(alive) else True
        if not expired and (row.owner == owner or owner_alive):
            return False
        won = session.execute(
            update(JobRun).where(JobRun.id == row.id, JobRun.owner == row.owner,
                                 JobRun.status == "running")
            .values(owner=owner, lease_until=now + lease, started_at=now,
                    attempts=JobRun.attempts + 1)
            .execution_options(synchronize_session=False))
        return bool(won.rowcount == 1)  # type: ignore[attr-defined]


def finish(session: Session, job: str, workspace_id: int, period: datetime, owner: str,
           now: datetime) -> bool:
    """Mark the claim done (in the caller's transaction); False when it is no longer ours."""
    won = session.execute(
        update(JobRun).where(JobRun.job == job, JobRun.workspace_id == workspace_id,
                             JobRun.period_start == period, JobRun.owner == owner,
                             JobRun.status == "running")
        .values(status="done", finished_at=now)
        .execution_options(synchronize_session=False))
    return bool(won.rowcount == 1)  # type: ignore[attr-defined]


def release(db: Database, job: str, workspace_id: int, period: datetime, owner: str) -> None:
    """Give a claim back (the work was rolled back), so the run is offered again."""
    with db.unit(None) as session:
        session.execute(delete(JobRun).where(
            JobRun.job == job, JobRun.workspace_id == workspace_id,
            JobRun.period_start == period, JobRun.owner == owner, JobRun.status == "running"))


def done_workspaces(session: Session, job: str, period: datetime,
                    among: list[int] | None = None) -> set[int]:
    """Workspaces (of ``among``, or all) whose run of ``job`` in ``period`` is done."""
    query = select(JobRun.workspace_id).where(JobRun.job == job, JobRun.period_start == period,
                                               JobRun.status == "done")
    if among is not None:
        query = query.where(JobRun.workspace_id.in_(among))
    return set(session.scalars(query))


def prune(db: Database, before: datetime) -> int:
    """Forget runs of periods before ``before`` (they can never be claimed again)."""
    with db.unit(None) as session:
        result = session.execute(delete(JobRun).where(JobRun.period_start < before))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
