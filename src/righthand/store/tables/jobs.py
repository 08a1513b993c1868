"""Background-work bookkeeping: exactly-once periodic runs, the health of each connection and
the heartbeats of running workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped


class JobRun(Base):
    """One periodic job's run for one workspace and one period. The UNIQUE key is the claim:
    whichever worker inserts the row runs the job; everyone else skips it. ``workspace_id`` 0
    stands for installation-wide jobs, so the column has no foreign key (old rows are pruned)."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "workspace_id", "period_start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    workspace_id: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # running | done
    owner: Mapped[str] = mapped_column(String(200))
    lease_until: Mapped[datetime]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class ConnectionHealth(Scoped, Base):
    """How one connection (smtp, imap, caldav, database, disk) of a workspace is doing: what
    went wrong, in plain words, what the client can do, and since when."""

    __tablename__ = "connection_health"
    __table_args__ = (UniqueConstraint("workspace_id", "connector"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # ok | failing
    problem: Mapped[str | None] = mapped_column(Text)
    what_to_do: Mapped[str | None] = mapped_column(Text)
    since: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_ok_at: Mapped[datetime | None]
    checked_at: Mapped[datetime]


class WorkerHeartbeat(Base):
    """One running worker (``righthand worker``), seen every few seconds: the web console and
    ``righthand status`` can tell that none is running. Installation-wide, so not scoped (a
    worker serves every workspace). A clean stop deletes the row; the next heartbeat of any
    worker prunes rows not seen for an hour (a worker that was killed)."""

    __tablename__ = "worker_heartbeats"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # host:pid:random
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    runs: Mapped[str] = mapped_column(String(64))  # "dispatcher" or "dispatcher+periodic"
    version: Mapped[str] = mapped_column(String(32))
