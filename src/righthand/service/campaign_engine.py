"""The sending engine of a campaign pass: one worker thread per SMTP connection, fed by the
calling thread, which also renews the outbox lease and watches for pause and cancel.

See :mod:`righthand.service.campaigns` for the protocol; this module keeps it per recipient:
claim committed before the SMTP transaction, ``sent`` committed with the next claim.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import cast

from sqlalchemy import Connection, Table, func, or_, select, update
from sqlalchemy.orm import Session

from righthand.connectors.ports import MailSession
from righthand.duties.mailings import merge, store
from righthand.duties.mailings.templates import Renderer, TemplateProblem, Templates
from righthand.errors import ClientMustAct, DeliveryUncertain, RetryLater
from righthand.service import audit
from righthand.service.campaign_log import SendLog
from righthand.service.campaign_mail import PreparedMessage, compose
from righthand.store.tables import (
    ContactRow,
    Mailing,
    MailingRecipient,
    OutboxRow,
)
from righthand.store.uow import Database

SLICE_SECONDS = 60.0  # a pass yields after this long, so other outbox entries get their turn
CHUNK = 500
R = cast(Table, MailingRecipient.__table__)
C = cast(Table, ContactRow.__table__)
OUTBOX = cast(Table, OutboxRow.__table__)
MAILINGS = cast(Table, Mailing.__table__)
Opener = Callable[[], AbstractContextManager[MailSession]]


@dataclass(frozen=True)
class Plan:
    """One pass of one campaign, as prepared from the approved payload."""

    workspace_id: int
    entry_id: int
    mailing_id: int
    name: str
    list_id: int | None
    templates: Templates
    sender: tuple[str, str]
    reply_to: str | None
    business_name: str
    per_second: float | None
    connections: int
    tag: str  # X-Righthand-Action: the outbox idempotency key
    unsubscribe: Callable[[int | None, str, datetime], dict[str, str]]  # RFC 8058 headers
    state: str = "ready"  # ready | paused | cancelled

    @property
    def domain(self) -> str:
        """The Message-ID domain (the sender's)."""
        return self.sender[1].rpartition("@")[2] or "righthand.local"

    def message_id(self, recipient_id: int) -> str:
        """Deterministic per (mailing, recipient): a resend carries the same ID."""
        return f"<rh-{self.workspace_id}-m{self.mailing_id}-r{recipient_id}@{self.domain}>"


@dataclass
class PassResult:
    """What one pass did, and where the campaign stands."""

    stopped: str | None = None  # paused cancelled slice connection lease error
    done: Counter[str] = field(default_factory=Counter)  # this pass: sent failed ...
    totals: dict[str, int] = field(default_factory=dict)
    next_due: datetime | None = None
    error: str | None = None


def mark_uncertain(session: Session, workspace_id: int, mailing_id: int, owner: str | None,
                   now: datetime) -> int:
    """Recipients ``owner`` left mid-transaction become uncertain; returns how many."""
    done = session.execute(
        update(MailingRecipient).where(MailingRecipient.workspace_id == workspace_id,
                                       MailingRecipient.mailing_id == mailing_id,
                                       MailingRecipient.status == "sending",
                                       MailingRecipient.owner == owner)
        .values(status="uncertain",
                last_error=f"the sender ({owner}) stopped while handing this message to the "
                           "server; it may or may not have arrived")
        .execution_options(synchronize_session=False, all_workspaces=True))
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if count:
        audit.append(session, workspace_id, "dispatcher", "mailing.uncertain",
                     f"mailing {mailing_id}", {"owner": owner, "recipients": count}, at=now)
    return count


# -- one pass ---------------------------------------------------------------------------------
class Throttle:
    """At most ``per_second`` messages a second over all connections (None: no limit)."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take the next sending slot; returns the seconds to wait for it."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now


@dataclass(frozen=True)
class _Job:
    id: int
    person: merge.Person


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


class _Pass:
    """Workers (one per connection) fed by the calling thread, which also keeps the lease."""

    def __init__(self, db: Database, plan: Plan, owner: str, clock: Callable[[], datetime],
                 lease: timedelta, max_attempts: int, slice_seconds: float) -> None:
        self.db, self.plan, self.owner, self.clock = db, plan, owner, clock
        self.lease, self.max_attempts, self.slice_seconds = lease, max_attempts, slice_seconds
        self.renderer = Renderer(plan.templates)
        self.throttle = Throttle(plan.per_second)
        self.jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=2 * CHUNK)
        self.stop = threading.Event()
        self.result = PassResult()
        self.lock = threading.Lock()
        self.inflight: set[int] = set()
        self.unflushed: list[tuple[int, datetime]] = []
        self._last_date: tuple[datetime | None, str] = (None, "")

    def halt(self, reason: str, error: str | None = None) -> None:
        """Stop the pass (the first reason wins)."""
        with self.lock:
            if self.result.stopped is None:
                self.result.stopped = reason
                self.result.error = error
        self.stop.set()

    def count(self, what: str) -> None:
        """Tally one outcome of this pass."""
        with self.lock:
            self.result.done[what] += 1

    # -- the worker side ------------------------------------------------------------------
    def work(self, first: MailSession, opener: Opener) -> None:
        """Send queued recipients over one connection until the queue ends or the pass stops."""
        mail = first
        reopened = contextlib.ExitStack()
        done: tuple[int, datetime] | None = None  # 250 received, not yet recorded
        log = SendLog(self.db.engine, self.plan.workspace_id, self.plan.list_id, self.owner)
        try:
            while not self.stop.is_set():
                try:
                    job = self.jobs.get(timeout=0.05)
                except queue.Empty:
                    self._flush(log, done)
                    done = None
                    continue
                if job is None:
                    break
                try:
                    done, mail = self._one(log, job, done, mail, opener, reopened)
                finally:
                    with self.lock:
                        self.inflight.discard(job.id)
        except _ConnectionGone:
            pass  # this connection retires; the others carry on (or the pass stops)
        except Exception as exc:  # a bug or the database: stop, recovery settles the rest
            self.halt("error", f"{type(exc).__name__}: {exc}")
        finally:
            try:
                self._flush(log, done)
            except Exception:
                if done is not None:
                    with self.lock:
                        self.unflushed.append(done)
            log.close()
            reopened.close()

    @staticmethod
    def _flush(log: SendLog, done: tuple[int, datetime] | None) -> None:
        if done is not None:
            with log.transaction():
                log.sent(*done)

    def _message(self, job: _Job, now: datetime) -> PreparedMessage:
        plan, person = self.plan, job.person
        links = plan.unsubscribe(plan.list_id, person.address, now)
        rendered = self.renderer.render(merge.context(
            person, business_name=plan.business_name, unsubscribe_url=_link(links)))
        headers = [*links.items(), ("X-Righthand-Action", plan.tag),
                   ("X-Righthand-Mailing", f"rh-{plan.workspace_id}-m{plan.mailing_id}")]
        if plan.reply_to:
            headers.append(("Reply-To", plan.reply_to))
        name = person.display_name or f"{person.given_name} {person.family_name}".strip()
        return compose(sender=plan.sender, to=(name, person.address), subject=rendered.subject,
                       date=self._date(now), message_id=plan.message_id(job.id),
                       text=rendered.text, html=rendered.html, headers=headers)

    def _date(self, now: datetime) -> str:
        """The Date header, formatted once a second (threads may race here harmlessly)."""
        second = now.replace(microsecond=0)
        if self._last_date[0] != second:
            self._last_date = (second, format_datetime(second))
        return self._last_date[1]

    def _one(self, log: SendLog, job: _Job, done: tuple[int, datetime] | None,
             mail: MailSession, opener: Opener, reopened: contextlib.ExitStack,
             ) -> tuple[tuple[int, datetime] | None, MailSession]:
        wait = self.throttle.reserve()
        if wait > 0.002:
            self._flush(log, done)  # don't keep a 250 unrecorded while waiting
            done = None
            if self.stop.wait(wait):
                return None, mail
        now = self.clock()
        try:
            message = self._message(job, now)
        except (TemplateProblem, ClientMustAct) as exc:
            with log.transaction():
                if done is not None:
                    log.sent(*done)
                log.settle(job.id, "pending", "failed", exc.one_line(), own=False)
            self.count("failed")
            return None, mail
        person = job.person
        # One statement, one commit: the last one recorded sent, this one claimed.
        claimed = log.step(done, job.id, self.plan.message_id(job.id), person.address,
                           person.contact_id)
        if not claimed:
            self._not_claimed(job)
            return None, mail
        # Committed 'sending': from here to the next commit this recipient is in flight.
        try:
            mail.send(message)
        except DeliveryUncertain as exc:
            self._record(log, job.id, "uncertain", exc.one_line())
            return None, self._reopen(opener, reopened)
        except RetryLater as exc:
            self._retry(log, job.id, exc.one_line(), now)
            return None, self._reopen(opener, reopened)
        except ClientMustAct as exc:
            self._record(log, job.id, "failed", exc.one_line())
            return None, mail
        except Exception as exc:
            self._record(log, job.id, "uncertain", f"unexpected error while sending: {exc}")
            raise
        self.count("sent")
        return (job.id, self.clock()), mail

    def _not_claimed(self, job: _Job) -> None:
        """Still pending yet not claimed: suppressed or unsubscribed since -- skip it, saying
        why. (Not pending: someone else settled it; nothing to do.)"""
        with self.db.unit(self.plan.workspace_id) as session:
            row = session.get(MailingRecipient, job.id)
            if row is None or row.status != "pending":
                return
            reason = store.blocked_reason(session, self.plan.list_id, job.person.contact_id,
                                          job.person.address) or "no longer on the list"
            row.status, row.last_error = "skipped", reason
        self.count("skipped")

    def _record(self, log: SendLog, recipient_id: int, status: str, error: str) -> None:
        with log.transaction():
            log.settle(recipient_id, "sending", status, error)
        self.count(status)

    def _retry(self, log: SendLog, recipient_id: int, error: str, now: datetime) -> None:
        with log.transaction():
            attempts = (log.state(recipient_id) or ("", 0))[1]
            if attempts >= self.max_attempts:
                log.settle(recipient_id, "sending", "failed",
                           f"gave up after {attempts} attempts: {error}")
                gave_up = True
            else:
                log.retry(recipient_id, error, now + _backoff(attempts))
                gave_up = False
        self.count("failed" if gave_up else "retrying")

    def _reopen(self, opener: Opener, reopened: contextlib.ExitStack) -> MailSession:
        """A fresh connection after a failed transaction (the old one may be broken)."""
        try:
            reopened.close()
            return reopened.enter_context(opener())
        except RetryLater as exc:
            raise _ConnectionGone(exc.one_line()) from exc

    # -- the feeding side -------------------------------------------------------------------
    def run(self, sessions: Sequence[MailSession], opener: Opener) -> PassResult:
        """Feed the workers, keep the lease and watch for pause/cancel; then tidy up."""
        workers = [threading.Thread(target=self.work, args=(s, opener), daemon=True,
                                    name=f"campaign-{self.plan.mailing_id}-{n}")
                   for n, s in enumerate(sessions)]
        for worker in workers:
            worker.start()
        started = time.monotonic()
        last_id, next_check, next_beat = 0, 0.0, time.monotonic() + self._beat_every()
        with self.db.engine.connect() as conn:
            while not self.stop.is_set():
                moment = time.monotonic()
                if moment >= next_check:
                    next_check = moment + 0.25
                    self._check_status(conn)
                    if moment >= next_beat:
                        next_beat = moment + self._beat_every()
                        self._heartbeat()
                    if moment - started > self.slice_seconds:
                        self.halt("slice")
                    if not any(w.is_alive() for w in workers):
                        self.halt("connection", "no connection to the mail server is left")
                if self.stop.is_set() or self.jobs.qsize() > CHUNK:
                    time.sleep(0.01)
                    continue
                batch = self._load(conn, last_id)
                if batch:
                    last_id = batch[-1].id
                    self._enqueue(batch)
                    continue
                with self.lock:
                    busy = bool(self.inflight)
                if busy:
                    time.sleep(0.005)
                    continue
                if last_id == 0:
                    break  # a full scan found nothing due: the pass is complete
                last_id = 0
            for _ in workers:
                with contextlib.suppress(queue.Full):
                    self.jobs.put_nowait(None)
            for worker in workers:
                worker.join()
        return self._tidy()

    def _enqueue(self, batch: list[_Job]) -> None:
        with self.lock:
            fresh = [job for job in batch if job.id not in self.inflight]
            self.inflight.update(job.id for job in fresh)
        for job in fresh:
            while not self.stop.is_set():
                try:
                    self.jobs.put(job, timeout=0.1)
                    break
                except queue.Full:
                    continue

    def _load(self, conn: Connection, after: int) -> list[_Job]:
        now = self.clock()
        query = (select(R.c.id, R.c.address, R.c.contact_id, C.c.given_name, C.c.family_name,
                        C.c.display_name, C.c.company, C.c.attributes, C.c.postal_address)
                 .select_from(R.outerjoin(C, C.c.id == R.c.contact_id))
                 .where(R.c.workspace_id == self.plan.workspace_id,
                        R.c.mailing_id == self.plan.mailing_id, R.c.status == "pending",
                        or_(R.c.not_before.is_(None), R.c.not_before <= now), R.c.id > after)
                 .order_by(R.c.id).limit(CHUNK))
        jobs = []
        for rid, address, cid, given, family, display, company, attrs, postal in \
                conn.execute(query):
            jobs.append(_Job(rid, merge.Person(
                address=address, contact_id=cid, given_name=given or "",
                family_name=family or "", display_name=display or "", company=company,
                attributes=attrs, postal_address=postal)))
        conn.rollback()
        return jobs

    def _beat_every(self) -> float:
        return max(1.0, self.lease.total_seconds() / 3)

    def _heartbeat(self) -> None:
        """Renew the outbox lease; if the entry is no longer ours, stop at once."""
        outbox = OUTBOX
        with self.db.engine.connect().execution_options(righthand_write=True) as conn, \
                conn.begin():
            kept = conn.execute(update(outbox).where(
                outbox.c.id == self.plan.entry_id, outbox.c.owner == self.owner,
                outbox.c.status == "sending").values(lease_until=self.clock() + self.lease))
        if not kept.rowcount:
            self.halt("lease")

    def _check_status(self, conn: Connection) -> None:
        status = conn.scalar(select(MAILINGS.c.status).where(
            MAILINGS.c.id == self.plan.mailing_id))
        conn.rollback()
        if status in {"paused", "cancelled"}:
            self.halt(str(status))

    def _tidy(self) -> PassResult:
        """Record 250s not yet written; anything of ours still 'sending' is uncertain."""
        now = self.clock()
        with self.db.unit(self.plan.workspace_id) as session:
            for recipient_id, at in self.unflushed:
                session.execute(update(MailingRecipient).where(
                    MailingRecipient.id == recipient_id, MailingRecipient.status == "sending")
                    .values(status="sent", sent_at=at)
                    .execution_options(synchronize_session=False))
            mark_uncertain(session, self.plan.workspace_id, self.plan.mailing_id, self.owner,
                           now)
            self.result.totals = store.counts(session, self.plan.mailing_id)
            self.result.next_due = session.scalar(
                select(func.min(MailingRecipient.not_before)).where(
                    MailingRecipient.mailing_id == self.plan.mailing_id,
                    MailingRecipient.status == "pending"))
        return self.result


class _ConnectionGone(RetryLater):
    """A worker's connection broke and could not be reopened."""


def _link(headers: dict[str, str]) -> str:
    """The https link of a List-Unsubscribe header (for {{ unsubscribe_url }})."""
    for part in headers.get("List-Unsubscribe", "").split(","):
        link = part.strip().strip("<>")
        if link.startswith(("https:", "http:")):
            return link
    return ""


def deliver(db: Database, plan: Plan, sessions: Sequence[MailSession], opener: Opener, *,
            owner: str, clock: Callable[[], datetime], lease: timedelta, max_attempts: int,
            slice_seconds: float = SLICE_SECONDS) -> PassResult:
    """Send the campaign's due recipients over ``sessions`` (one worker each)."""
    return _Pass(db, plan, owner, clock, lease, max_attempts, slice_seconds).run(sessions,
                                                                                 opener)


