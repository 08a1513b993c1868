"""Connection health: what is wrong with a workspace's connections, in plain words.

Background work records every failure and every success of a connector here
(``connection_health``, one row per workspace and connector). :func:`problems` turns the failing
rows -- and outbox entries that need the client -- into sentences the client can act on; the
``righthand status`` command, the web Today page and the digest show them. A connection that
works again clears its problem by itself.

Workers say they are alive here too: the dispatcher loop of ``righthand worker`` keeps a row of
``worker_heartbeats`` fresh (:class:`Heartbeat`), so :func:`problems` can tell the client that
no worker is running while work waits for one.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from righthand import __version__
from righthand.errors import ClientMustAct, DiskFull, RighthandError
from righthand.store.tables import ConnectionHealth, OutboxRow, WorkerHeartbeat
from righthand.store.uow import Database

log = logging.getLogger(__name__)

# What each connector does for the client, and what the client can do when it fails for a while.
WHAT: dict[str, str] = {
    "smtp": "Outgoing mail",
    "imap": "Reading your inbox",
    "caldav": "Calendar sync",
    "database": "Saving work",
    "disk": "Saving files",
    "sms": "Texts to your phone",
}
WAIT_HINT: dict[str, str] = {
    "smtp": "Nothing, if it clears up soon: queued mail goes out by itself. If it lasts, check "
            "that the mail server is up and its settings are right (`righthand mail setup`).",
    "imap": "Nothing, if it clears up soon: new mail is read by itself when the mailbox answers. "
            "If it lasts, check the mailbox settings (`righthand mail setup`).",
    "caldav": "Nothing, if it clears up soon: changes on either side are kept and synced when "
              "the calendar server answers. If it lasts, check the calendar server.",
    "database": "Nothing, if it clears up soon: work is retried. If it lasts, check that the "
                "database server is running.",
    "disk": "Free some disk space on the server; the work is retried once there is room.",
    "sms": "Nothing, if it clears up soon: waiting texts go out by themselves when the "
           "carrier answers. If it lasts, check the phone settings (Settings > Connections).",
}


@dataclass(frozen=True)
class Problem:
    """One thing the client should know about, what to do about it, and since when."""

    text: str
    what_to_do: str
    since: datetime | None
    connector: str = ""


def _row(session: Session, connector: str) -> ConnectionHealth | None:
    return session.scalar(select(ConnectionHealth).where(ConnectionHealth.connector == connector))


def record_failure(session: Session, workspace_id: int, connector: str,
                   error: RighthandError | str, now: datetime) -> None:
    """Note that ``connector`` failed for this workspace (keeps the first 'since')."""
    message = error if isinstance(error, str) else error.message
    if isinstance(error, ClientMustAct | DiskFull):
        todo = error.hint
    else:
        todo = WAIT_HINT.get(connector, "Nothing, if it clears up soon: the work is retried.")
    what = WHAT.get(connector, connector)
    text = f"{what} is not working: {message}"[:2000]
    row = _row(session, connector)
    if row is None:
        row = ConnectionHealth(workspace_id=workspace_id, connector=connector, failures=0,
                               checked_at=now)
        session.add(row)
    if row.status != "failing":
        row.since = now
        row.failures = 0
    row.status, row.problem, row.what_to_do = "failing", text, todo
    row.failures += 1
    row.checked_at = now


def record_ok(session: Session, workspace_id: int, connector: str, now: datetime) -> None:
    """Note that ``connector`` works for this workspace: its problem, if any, is over."""
    row = _row(session, connector)
    if row is None or row.status == "ok":
        return  # nothing to clear: spare the write (this runs after every delivery)
    row.status, row.problem, row.what_to_do, row.since = "ok", None, None, None
    row.failures, row.last_ok_at, row.checked_at = 0, now, now


def note(db: Database, workspace_id: int, connector: str, error: RighthandError | str | None,
         now: datetime) -> None:
    """Record a failure (``error``) or a success (None) in a unit of its own; never raises --
    when the database itself is down there is nowhere to write, and the caller's retry stands."""
    try:
        with db.unit(workspace_id) as session:
            if error is None:
                record_ok(session, workspace_id, connector, now)
            else:
                record_failure(session, workspace_id, connector, error, now)
    except Exception as exc:
        log.warning("could not record %s health for workspace %s: %s", connector,
                    workspace_id, exc)


# Built once: the Today page asks them on every view.
_FAILING = (select(ConnectionHealth).where(ConnectionHealth.status == "failing")
            .order_by(ConnectionHealth.since))
_RETRYING = select(func.count(), func.min(OutboxRow.created_at)).where(
    OutboxRow.status == "pending", OutboxRow.last_error.is_not(None))
_UNCERTAIN = select(func.count(), func.min(OutboxRow.finished_at)).where(
    OutboxRow.status == "uncertain")


def problems(session: Session, *, outbox: bool = True,
             now: datetime | None = None) -> list[Problem]:
    """The current problems of the session's workspace, oldest first, in plain words
    (``outbox=False``: without the outbox's retries and uncertain entries, for a page that
    counts those itself). ``now`` defaults to the wall clock; callers with a clock pass it.

    "No worker is running" is said only while the workspace has due work (see
    :func:`no_worker`): with nothing due, nothing is lost yet, and an installation used only
    from the command line, or a test, has no worker and needs none."""
    found: list[Problem] = []
    for row in session.scalars(_FAILING):
        found.append(Problem(row.problem or f"{WHAT.get(row.connector, row.connector)} is not "
                             "working.", row.what_to_do or "", row.since, row.connector))
    stalled = no_worker(session, now or datetime.now(UTC))
    if stalled is not None:
        found.append(stalled)
    if not outbox:
        return found
    waiting = session.execute(_RETRYING).one()
    if waiting[0]:
        found.append(Problem(f"{waiting[0]} action(s) are waiting to be delivered after a failed "
                             "attempt; nothing is lost.",
                             "Nothing: they are retried by themselves (`righthand outbox list` "
                             "shows them).", waiting[1], "outbox"))
    uncertain = session.execute(_UNCERTAIN).one()
    if uncertain[0]:
        found.append(Problem(f"{uncertain[0]} message(s) may or may not have arrived: the "
                             "connection broke while they were being handed over.",
                             "Check with the recipients, then `righthand outbox resend ID` or "
                             "`righthand outbox mark-sent ID`.", uncertain[1], "outbox"))
    return found


# -- workers ----------------------------------------------------------------------------------
#: a worker's dispatcher loop says it is alive this often ...
BEAT_SECONDS = 15.0
#: ... and counts as running while its last word is at most this old (four beats: one late
#: or failed write, a busy SQLite lock, is not yet a dead worker)
FRESH = timedelta(seconds=60)
#: a dispatcher pass running longer than this (seconds) is hung: its worker stops beating
STUCK_AFTER = 600.0
#: rows of workers not seen for this long (killed, not stopped) are pruned by the next beat
FORGET_AFTER = timedelta(hours=1)
NO_WORKER = ("No worker is running: nothing approved will be sent and periodic jobs will not "
             "run.")
START_WORKER = "Start `righthand worker`."

_LAST_SEEN = select(func.max(WorkerHeartbeat.seen_at))
_NOW = bindparam("now", type_=OutboxRow.not_before.type)
# Work that waits for a worker: pending and due, or claimed by a sender whose lease ran out
# (only a dispatcher's recovery settles it).
_DUE = select(func.min(OutboxRow.not_before)).where(or_(
    and_(OutboxRow.status == "pending", OutboxRow.not_before <= _NOW),
    and_(OutboxRow.status == "sending", OutboxRow.lease_until < _NOW)))


def worker_id() -> str:
    """A new worker's id: host, process and a random part (two loops in one process differ)."""
    return f"{socket.gethostname()[:200]}:{os.getpid()}:{secrets.token_hex(4)}"


#: a process reuses its reading of the newest heartbeat this long (the Today page asks on every
#: request; beats come every 15 s and count for 60, so a 5 s old reading changes no answer
#: that matters); this process's own beats refresh it at once
SEEN_FOR = 5.0
_seen: dict[str, tuple[float, datetime | None]] = {}
_seen_lock = threading.Lock()


def _last_seen(session: Session) -> datetime | None:
    key = str(session.get_bind().engine.url)
    with _seen_lock:
        hit = _seen.get(key)
    if hit is not None and time.monotonic() - hit[0] < SEEN_FOR:
        return hit[1]
    seen = session.scalar(_LAST_SEEN)
    with _seen_lock:
        _seen[key] = (time.monotonic(), seen)
    return seen


def _reread(db: Database) -> None:
    """The next question reads the heartbeats again (this process just changed them)."""
    with _seen_lock:
        _seen.pop(str(db.engine.url), None)


def worker_running(session: Session, now: datetime) -> bool:
    """Whether any worker's heartbeat is fresh (at most :data:`FRESH` old) at ``now``."""
    seen = _last_seen(session)
    return seen is not None and now - seen <= FRESH


def no_worker(session: Session, now: datetime) -> Problem | None:
    """"No worker is running", when no heartbeat is fresh and the session's workspace has due
    outbox work (``since``: when the oldest of it became due); None otherwise."""
    if worker_running(session, now):
        return None  # the usual case, one query on a table of a few rows
    due = session.scalar(_DUE, {"now": now})
    if due is None:
        return None
    return Problem(NO_WORKER, START_WORKER, due, "worker")


def beat(db: Database, worker: str, runs: str, started_at: datetime, now: datetime) -> bool:
    """Record that ``worker`` is alive at ``now`` (and prune workers long gone), in a unit of
    its own; never raises -- a missed beat is logged and the worker carries on. True: written."""
    try:
        with db.unit(None) as session:
            row = session.get(WorkerHeartbeat, worker)
            if row is None:
                session.add(WorkerHeartbeat(id=worker, started_at=started_at, seen_at=now,
                                            runs=runs, version=__version__[:32]))
            else:
                row.seen_at = now
            session.execute(delete(WorkerHeartbeat).where(
                WorkerHeartbeat.seen_at < now - FORGET_AFTER, WorkerHeartbeat.id != worker))
        _reread(db)
        return True
    except Exception as exc:
        log.warning("could not record the heartbeat of worker %s: %s", worker, exc)
        return False


def forget(db: Database, worker: str) -> None:
    """Delete ``worker``'s heartbeat (it stops cleanly); never raises (the row ages out)."""
    try:
        with db.unit(None) as session:
            session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.id == worker))
        _reread(db)
    except Exception as exc:
        log.warning("could not remove the heartbeat of worker %s: %s", worker, exc)


class Heartbeat:
    """Beats for one worker every :data:`BEAT_SECONDS` on a thread of its own, from
    :meth:`start` until :meth:`stop` (which deletes the row).

    Its own thread, not the dispatcher loop between passes: a pass can take minutes (each
    campaign sends for up to a minute before it yields, a mail server may be slow to answer),
    and a worker busy delivering must not look dead; the loop itself never waits on this
    write either. The thread lives and dies with the loop that starts it.

    The loop says when a pass starts and ends (:meth:`busy`, :meth:`idle`); a pass running
    longer than :data:`STUCK_AFTER` stops the beats, so a dispatcher hung inside one (a server
    that never answers) reads as no worker -- restarting it is the fix -- instead of as alive."""

    def __init__(self, db: Database, clock: Callable[[], datetime], runs: str = "dispatcher",
                 worker: str | None = None, every: float | None = None) -> None:
        self.db, self.clock, self.runs = db, clock, runs
        self.worker = worker or worker_id()
        self.every = BEAT_SECONDS if every is None else every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at = clock()
        self._busy_since: float | None = None  # time.monotonic() when the current pass began

    def start(self) -> None:
        """Beat once now, then every ``every`` seconds on a daemon thread."""
        self._started_at = self.clock()
        beat(self.db, self.worker, self.runs, self._started_at, self._started_at)
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="righthand-heartbeat")
        self._thread.start()

    def busy(self) -> None:
        """The loop starts a pass."""
        self._busy_since = time.monotonic()

    def idle(self) -> None:
        """The loop finished its pass."""
        self._busy_since = None

    @contextmanager
    def passing(self) -> Iterator[None]:
        """One pass of the loop: :meth:`busy` for its duration, then :meth:`idle`."""
        self.busy()
        try:
            yield
        finally:
            self.idle()

    def stuck(self) -> bool:
        """Whether the current pass has run longer than :data:`STUCK_AFTER`."""
        since = self._busy_since
        return since is not None and time.monotonic() - since > STUCK_AFTER

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            if self.stuck():
                log.warning("worker %s: one dispatcher pass has run for over %.0f min; not "
                            "saying it is alive", self.worker, STUCK_AFTER / 60)
                continue
            beat(self.db, self.worker, self.runs, self._started_at, self.clock())

    def stop(self) -> None:
        """Stop beating and delete the row: no worker of this id runs any more."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)  # a beat waiting on a busy database finishes first
        forget(self.db, self.worker)
