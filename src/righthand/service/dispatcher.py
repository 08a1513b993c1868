"""The outbox dispatcher: delivers allowed and approved actions, exactly once.

* Local actions (Righthand's own store) are claimed, applied and marked done in ONE
  transaction: either all of it happened or none of it did.
* Mail actions are claimed (``sending``, with this process as owner and a lease) and committed
  before the SMTP transaction starts, then marked ``sent`` right after the server's 250.
  A dispatcher that dies between the two leaves the entry ``sending``. On restart such an entry
  (owner process gone, or lease expired) is marked **uncertain**: the server may or may not have
  kept it, and no sender can know. The documented rule: an uncertain message is **never resent
  automatically** (that could deliver it twice); it is counted, shown to the client, and
  ``righthand outbox resend ID`` / ``mark-sent ID`` settle it. Every other entry is retried with
  exponential backoff (30 s doubling to an hour) until delivered or, after
  ``dispatch_max_attempts`` failed deliveries, failed. While the server cannot be reached at all
  (or refuses the login) nothing was handed over, so the mail is kept, with the same backoff,
  until it can be.

Campaigns (``via == "campaign"``) are one outbox entry for many messages: the dispatcher
claims the entry, opens the mail sessions and hands them to :mod:`righthand.service.campaigns`,
which keeps the same protocol per recipient and renews the entry's lease while it sends. A
campaign entry of a dead dispatcher goes back to pending (it resumes); that dispatcher's
in-flight recipients become uncertain.

Texts to the client's own phone (``via == "sms"``) keep the mail protocol, uncertain included:
see :mod:`righthand.service.sms_delivery`.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from righthand.config import Settings
from righthand.connectors import factory
from righthand.connectors.ports import MailSender, MailSession
from righthand.connectors.sms import SmsSender
from righthand.domain.actions import Outcome
from righthand.duties.registry import DutyRegistry
from righthand.errors import (
    BadCredentials,
    ClientMustAct,
    DatabaseUnavailable,
    DeliveryUncertain,
    RetryLater,
    RighthandError,
)
from righthand.service import (
    audit,
    calendar_accounts,
    calendar_sync,
    campaigns,
    health,
    ledger,
    mail_accounts,
    messages,
    sms_delivery,
)
from righthand.store.tables import ActionRow, OutboxRow, Workspace
from righthand.store.uow import Database

ALL = {"all_workspaces": True}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def this_process() -> str:
    """Owner tag of this dispatcher process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(owner: str | None) -> bool:
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine: only its lease can tell
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


@dataclass
class DispatchReport:
    """What one pass did."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Entries touched."""
        return len(self.delivered) + len(self.retrying) + len(self.failed) + len(self.uncertain)


class Dispatcher:
    """Delivers due outbox entries through local effects and connectors."""

    def __init__(self, db: Database, registry: DutyRegistry, settings: Settings,
                 mail: MailSender | None = None, clock: Callable[[], datetime] = _utcnow,
                 owner: str | None = None) -> None:
        self.db = db
        self.registry = registry
        self.settings = settings
        self._mail = mail
        self.clock = clock
        self.owner = owner or this_process()
        # Mail the server took (250) whose 'sent' the database could not hear (it restarted):
        # entry id -> (workspace, result). Never put back to pending -- that would send it
        # twice; recorded as soon as the database answers again.
        self._unrecorded: dict[int, tuple[int, dict[str, object]]] = {}

    @property
    def mail(self) -> MailSender:
        """The mail connector (built on first use)."""
        if self._mail is None:
            self._mail = factory.mail_sender(self.settings)
        return self._mail

    # -- calendars ----------------------------------------------------------------------------
    def sync_calendars(self, workspace_id: int | None = None, url: str | None = None) \
            -> calendar_sync.SyncReport:
        """Two-way CalDAV sync of ``workspace_id`` (or every workspace) with its calendar
        server as ``calendar_accounts.resolve`` finds it (the workspace's own account, else the
        administrator's RIGHTHAND_CALDAV_URL); ``url`` forces one account for all of them. The
        CalDAV connector writes to the client's server, so it is built and driven here. A
        no-op report when no calendar server is configured. For one workspace a server's
        failure is raised (the job retries); for all, each is reported and the rest go on."""
        from righthand.connectors.caldav_client import CalDavServer, PreconditionFailed

        if url:
            return calendar_sync.sync_account(self.db, CalDavServer(url), url, self.clock(),
                                              PreconditionFailed, workspace_id)
        report = calendar_sync.SyncReport()
        for ws_id, account in calendar_accounts.resolve_all(self.db, self.settings,
                                                            workspace_id):
            try:
                calendar_accounts.guard(account)
                server = CalDavServer(account.url, username=account.username,
                                      password=account.password)
                report.merge(calendar_sync.sync_account(self.db, server, account.url,
                                                        self.clock(), PreconditionFailed,
                                                        ws_id))
            except DatabaseUnavailable:
                raise
            except RighthandError as exc:
                if workspace_id is not None:
                    raise
                report.errors.append(f"workspace {ws_id}: {exc.one_line()}")
        return report

    # -- recovery ---------------------------------------------------------------------------
    def recover(self) -> list[int]:
        """Settle entries left ``sending`` by a dead dispatcher; returns those marked uncertain."""
        now = self.clock()
        uncertain: list[int] = []
        with self.db.unit(None) as session:
            stale = session.scalars(select(OutboxRow).where(OutboxRow.status == "sending")
                                    .execution_options(**ALL)).all()
            for entry in stale:
                expired = entry.lease_until is not None and entry.lease_until < now
                # Ours or a live owner's, within the lease: in flight. (Ours past the lease: a
                # commit the database lost as it restarted -- settle it like a dead one's.)
                if ((entry.owner == self.owner or _owner_alive(entry.owner)) and not expired) \
                        or entry.id in self._unrecorded:
                    continue
                if entry.via == "local":
                    entry.status = "pending"  # local effects commit atomically: nothing happened
                    continue
                if entry.via == "mailbox":
                    # Filing is idempotent (the connector finds the message by Message-ID and
                    # leaves it where it already is), so doing it again is safe.
                    entry.status = "pending"
                    continue
                if entry.via == "campaign":
                    campaigns.recover(session, entry, now)  # its in-flight ones: uncertain
                    entry.status = "pending"  # the rest of the campaign resumes
                    continue
                entry.status = "uncertain"
                entry.finished_at = now
                entry.last_error = (f"dispatcher {entry.owner} stopped while delivering; the "
                                    "server may or may not have it")
                row = session.get(ActionRow, entry.action_id)
                if row is not None:
                    row.state = "uncertain"
                    row.updated_at = now
                audit.append(session, entry.workspace_id, "dispatcher", "delivery.uncertain",
                             f"action {entry.action_id}", {"outbox": entry.id,
                                                          "owner": entry.owner}, at=now)
                uncertain.append(entry.id)
        return uncertain

    # -- one pass -----------------------------------------------------------------------------
    def run_once(self, limit: int = 200, only: Iterable[int] | None = None) -> DispatchReport:
        """Recover, then deliver up to ``limit`` due entries (or just the actions ``only``)."""
        report = DispatchReport()
        self._record_unrecorded(report)
        report.uncertain.extend(self.recover())
        now = self.clock()
        with self.db.unit(None, write=False) as session:
            query = (select(OutboxRow.id, OutboxRow.via)
                     .where(OutboxRow.status == "pending", OutboxRow.not_before <= now)
                     .order_by(OutboxRow.id).limit(limit).execution_options(**ALL))
            if only is not None:
                query = query.where(OutboxRow.action_id.in_(list(only)))
            due = session.execute(query).all()
        local = [i for i, via in due if via == "local"]
        mail = [i for i, via in due if via == "mail"]
        campaign = [i for i, via in due if via == "campaign"]
        filing = [i for i, via in due if via == "mailbox"]
        texts = [i for i, via in due if via == "sms"]
        other = [i for i, via in due
                 if via not in {"local", "mail", "campaign", "mailbox", "sms"}]
        for entry_id in local:
            self._deliver_local(entry_id, report)
        if mail:
            self._deliver_mail(mail, report)
        for entry_id in campaign:
            self._deliver_campaign(entry_id, report)
        for entry_id in filing:
            self._deliver_mailbox(entry_id, report)
        for entry_id in texts:  # the client's own phone (service/sms_delivery.py)
            sms_delivery.deliver(self, entry_id, report, lambda sid, token: SmsSender(
                sid, token, self.settings.sms_api_url))
        for entry_id in other:
            self._fail_unsupported(entry_id, report)
        return report

    def run_forever(self, idle_seconds: float = 1.0,
                    should_stop: Callable[[], bool] = lambda: False,
                    runs: str = "dispatcher") -> None:
        """Deliver until told to stop, sleeping briefly when there is nothing due; a heartbeat
        says meanwhile that a worker runs (``runs``: what it does), and is removed on stop."""
        heartbeat = health.Heartbeat(self.db, self.clock, runs)
        heartbeat.start()
        try:
            while not should_stop():
                with heartbeat.passing():
                    try:
                        report = self.run_once()
                    except RetryLater:
                        report = DispatchReport()
                if not report.total:
                    time.sleep(idle_seconds)
        finally:
            heartbeat.stop()

    # -- local effects ------------------------------------------------------------------------
    def _deliver_local(self, entry_id: int, report: DispatchReport) -> None:
        now = self.clock()
        workspace_id = self._workspace_of(entry_id)
        try:
            with self.db.unit(workspace_id) as session:
                if not self._claim(session, entry_id, now):
                    return
                entry = session.get(OutboxRow, entry_id)
                row = session.get(ActionRow, entry.action_id) if entry else None
                if entry is None or row is None:
                    return
                effect = self.registry.effects.get(row.kind)
                if effect is None:
                    raise ClientMustAct(f"no duty plugin applies {row.kind}",
                                        hint="Install or enable the duty's plugin.")
                outcome = effect.apply(session, workspace_id, row.payload, now)
                self._finish(session, entry, row, "sent",
                             {"result": outcome.result, "undo": outcome.undo}, now)
            report.delivered.append(entry_id)
        except RetryLater as exc:
            self._retry_or_fail(entry_id, exc, report)
        except RighthandError as exc:
            self._fail(entry_id, exc, report)

    # -- mail ---------------------------------------------------------------------------------
    def _own_smtp(self, workspace_id: int) -> tuple[MailSender, str | None] | None:
        """The workspace's own SMTP server (``righthand mail connect --smtp-host``), if any."""
        with self.db.unit(workspace_id, write=False) as session:
            row = mail_accounts.account(session)
            if row is None or not row.smtp_host:
                return None
            return factory.account_sender(row.smtp_host, row.smtp_port, row.smtp_security,
                                          row.smtp_username, row.smtp_password), row.address

    def _deliver_mail(self, entry_ids: list[int], report: DispatchReport) -> None:
        """Per workspace: its own SMTP server when set, else the installation's (the
        RIGHTHAND_SMTP_URL server, or the .eml folder)."""
        groups: dict[int, list[int]] = {}
        for entry_id in entry_ids:
            try:
                groups.setdefault(self._workspace_of(entry_id), []).append(entry_id)
            except ClientMustAct:
                continue  # the entry vanished (its workspace was deleted)
        for workspace_id, ids in groups.items():
            own = self._own_smtp(workspace_id)
            if own is None:
                self._deliver_with(self.mail, ids, report, None, workspace_id)
            else:
                self._deliver_with(own[0], ids, report, own[1], workspace_id)

    def _deliver_with(self, sender: MailSender, entry_ids: list[int], report: DispatchReport,
                      from_address: str | None, workspace_id: int) -> None:
        try:
            with sender.open() as mail_session:
                for entry_id in entry_ids:
                    self._send_one(mail_session, entry_id, report, from_address)
        except (RetryLater, ClientMustAct) as exc:  # ClientMustAct: bad credentials
            if not isinstance(exc, DatabaseUnavailable):  # the client is told
                health.note(self.db, workspace_id, "smtp", exc, self.clock())
            for entry_id in entry_ids:
                if entry_id not in report.delivered + report.failed + report.uncertain + \
                        report.retrying and entry_id not in self._unrecorded:
                    self._postpone(entry_id, exc)
                    report.retrying.append(entry_id)
            if isinstance(exc, DatabaseUnavailable):
                raise  # the caller (the worker's loop) hears the database is away

    def _send_one(self, mail_session: MailSession, entry_id: int,
                  report: DispatchReport, from_address: str | None = None) -> None:
        now = self.clock()
        workspace_id = self._workspace_of(entry_id)
        with self.db.unit(workspace_id) as session:
            if not self._claim(session, entry_id, now):
                return
            entry = session.get(OutboxRow, entry_id)
            row = session.get(ActionRow, entry.action_id) if entry else None
            ws = session.get(Workspace, workspace_id)
            if entry is None or row is None or ws is None:
                return
            sender = from_address or self.settings.mail_from or "assistant@righthand.local"
            message = messages.build(row.payload, sender_name=ws.client_name,
                                     sender_address=sender,
                                     idempotency_key=entry.idempotency_key, now=now)
        # The claim is committed: from here to the next commit the entry is 'sending'.
        try:
            answer = mail_session.send(message)
        except DeliveryUncertain as exc:
            self._mark_uncertain(entry_id, exc)
            report.uncertain.append(entry_id)
            return
        except RetryLater as exc:  # a 4xx: this message waits, the client is told
            health.note(self.db, workspace_id, "smtp", exc, self.clock())
            self._retry_or_fail(entry_id, exc, report)
            return
        except ClientMustAct as exc:
            self._fail(entry_id, exc, report)
            return
        result: dict[str, object] = {"message_id": str(message["Message-ID"]), "server": answer}
        try:
            self._record_sent(workspace_id, entry_id, result)
        except DatabaseUnavailable:
            self._unrecorded[entry_id] = (workspace_id, result)
            raise
        report.delivered.append(entry_id)

    def _record_sent(self, workspace_id: int, entry_id: int, result: dict[str, object]) -> None:
        with self.db.unit(workspace_id) as session:
            entry = session.get(OutboxRow, entry_id)
            row = session.get(ActionRow, entry.action_id) if entry else None
            if entry is not None and row is not None and entry.status == "sending":
                self._finish(session, entry, row, "sent", result, self.clock())
            health.record_ok(session, workspace_id, "smtp", self.clock())

    def _record_unrecorded(self, report: DispatchReport) -> None:
        """Record as sent the mail the server took while the database was away."""
        for entry_id, (workspace_id, result) in list(self._unrecorded.items()):
            self._record_sent(workspace_id, entry_id, result)  # still down: raises, kept
            del self._unrecorded[entry_id]
            report.delivered.append(entry_id)

    # -- campaigns ----------------------------------------------------------------------------
    def _deliver_campaign(self, entry_id: int, report: DispatchReport) -> None:
        now = self.clock()
        workspace_id = self._workspace_of(entry_id)
        try:
            with self.db.unit(workspace_id) as session:
                if not self._claim(session, entry_id, now):
                    return
                entry = session.get(OutboxRow, entry_id)
                row = session.get(ActionRow, entry.action_id) if entry else None
                if entry is None or row is None:
                    return
                plan = campaigns.prepare(session, workspace_id, entry, row, self.settings, now,
                                         _owner_alive)
            result = campaigns.PassResult(stopped=plan.state if plan.state != "ready" else None)
            if plan.state == "ready":
                with ExitStack() as stack:  # nothing was handed over if a connection fails
                    sessions = [stack.enter_context(self.mail.open())
                                for _ in range(plan.connections)]
                    result = campaigns.deliver(
                        self.db, plan, sessions, self.mail.open, owner=self.owner,
                        clock=self.clock, max_attempts=self.settings.dispatch_max_attempts,
                        lease=timedelta(seconds=self.settings.dispatch_lease_seconds))
        except (RetryLater, BadCredentials) as exc:  # could not connect: nothing handed over
            if not isinstance(exc, DatabaseUnavailable):
                health.note(self.db, workspace_id, "smtp", exc, now)
            self._postpone(entry_id, exc)
            report.retrying.append(entry_id)
            return
        except ClientMustAct as exc:  # changed since it was approved, gone, ...
            self._fail(entry_id, exc, report)
            return
        self._settle_campaign(entry_id, plan, result, report)

    def _settle_campaign(self, entry_id: int, plan: campaigns.Plan,
                         result: campaigns.PassResult, report: DispatchReport) -> None:
        now = self.clock()
        with self.db.unit(plan.workspace_id) as session:
            entry = session.get(OutboxRow, entry_id, with_for_update=True)
            row = session.get(ActionRow, entry.action_id) if entry else None
            if entry is None or row is None or entry.owner != self.owner \
                    or entry.status != "sending":
                return  # another dispatcher holds it now
            rounds = int((entry.result or {}).get("rounds") or 0)
            verdict = campaigns.settle(session, plan, result, now, rounds + 1)
            if result.error or result.done.get("retrying"):  # server gone or "later": told
                health.record_failure(session, plan.workspace_id, "smtp", result.error or (
                    f"the mail server asked to try {result.done['retrying']} message(s) of a "
                    "mailing again later"), now)
            elif result.done.get("sent"):
                health.record_ok(session, plan.workspace_id, "smtp", now)
            if verdict.outcome == "finished":
                self._finish(session, entry, row, "sent", verdict.report, now,
                             record_outcome=rounds == 0)
                report.delivered.append(entry_id)
            elif verdict.outcome == "waiting":
                entry.status, entry.owner, entry.lease_until = "pending", None, None
                entry.not_before = verdict.not_before or now + self._backoff(entry.attempts)
                entry.last_error = result.error
                report.retrying.append(entry_id)
            elif verdict.outcome in {"paused", "cancelled"}:
                entry.status, entry.owner, entry.lease_until = verdict.outcome, None, None
                if verdict.outcome == "cancelled":
                    entry.finished_at, entry.result = now, verdict.report
                    row.state, row.updated_at = "cancelled", now

    # -- the mailbox (move, flag, label) -------------------------------------------------------
    def _deliver_mailbox(self, entry_id: int, report: DispatchReport) -> None:
        now = self.clock()
        workspace_id = self._workspace_of(entry_id)
        with self.db.unit(workspace_id) as session:
            if not self._claim(session, entry_id, now):
                return
            entry = session.get(OutboxRow, entry_id)
            row = session.get(ActionRow, entry.action_id) if entry else None
            if entry is None or row is None:
                return
            payload, action_id = dict(row.payload), row.id
        try:
            with self.db.unit(workspace_id, write=False) as session:
                config = mail_accounts.config_of(session)
            with factory.mailbox_writer(config).open() as box:
                result = box.file(payload["message"], payload.get("move_to"),
                                  add_flags=payload.get("add_flags") or (),
                                  remove_flags=payload.get("remove_flags") or (),
                                  add_labels=payload.get("add_labels") or (),
                                  remove_labels=payload.get("remove_labels") or ())
        except RetryLater as exc:
            self._retry_or_fail(entry_id, exc, report)
            return
        except ClientMustAct as exc:
            self._fail(entry_id, exc, report)
            return
        undo = {"message": {**payload["message"], "folder": result["folder"],
                            "uidvalidity": result["uidvalidity"], "uid": result["uid"]},
                "move_to": result["from_folder"] if result["moved"] else None,
                "remove_flags": payload.get("add_flags") or [],
                "remove_labels": payload.get("add_labels") or [], "action_id": action_id}
        with self.db.unit(workspace_id) as session:
            entry = session.get(OutboxRow, entry_id)
            row = session.get(ActionRow, entry.action_id) if entry else None
            if entry is not None and row is not None:
                self._finish(session, entry, row, "sent", {"result": result, "undo": undo},
                             self.clock())
        report.delivered.append(entry_id)

    # -- bookkeeping --------------------------------------------------------------------------
    def _workspace_of(self, entry_id: int) -> int:
        with self.db.unit(None, write=False) as session:
            ws = session.scalar(select(OutboxRow.workspace_id).where(OutboxRow.id == entry_id)
                                .execution_options(**ALL))
        if ws is None:
            raise ClientMustAct(f"outbox entry {entry_id} vanished")
        return int(ws)

    def _claim(self, session: Session, entry_id: int, now: datetime) -> bool:
        lease = now + timedelta(seconds=self.settings.dispatch_lease_seconds)
        won = session.execute(
            update(OutboxRow).where(OutboxRow.id == entry_id, OutboxRow.status == "pending")
            .values(status="sending", owner=self.owner, lease_until=lease,
                    attempts=OutboxRow.attempts + 1)
            .execution_options(synchronize_session=False))
        return bool(won.rowcount == 1)  # type: ignore[attr-defined]

    def _finish(self, session: Session, entry: OutboxRow, row: ActionRow, status: str,
                result: dict[str, object], now: datetime, record_outcome: bool = True) -> None:
        session.refresh(entry)
        entry.status = status
        entry.result = result
        entry.finished_at = now
        entry.last_error = None
        row.state = "done"
        row.result = result
        row.updated_at = now
        audit.append(session, row.workspace_id, "dispatcher", "action.delivered",
                     f"action {row.id}", {"outbox": entry.id, "via": entry.via,
                                          "result": {k: v for k, v in result.items()
                                                     if k != "undo"}}, at=now)
        hook = self.registry.on_delivered.get(row.kind)
        if hook is not None:
            hook(session, row.workspace_id, row.payload, result, now)
        if row.decision == "allow" and record_outcome:
            ledger.record(session, row, Outcome.EXECUTED, "assistant", now)

    def _postpone(self, entry_id: int, exc: RighthandError) -> None:
        now = self.clock()
        with self.db.unit(self._workspace_of(entry_id)) as session:
            entry = session.get(OutboxRow, entry_id)
            if entry is None or entry.status not in {"pending", "sending"}:
                return
            # The server could not be reached (or refused our login): nothing was handed over,
            # so the mail is kept however long that lasts -- but we knock less and less often.
            entry.attempts += 1
            entry.status = "pending"
            entry.last_error = exc.one_line()
            entry.not_before = now + self._backoff(entry.attempts)

    def _retry_or_fail(self, entry_id: int, exc: RighthandError, report: DispatchReport) -> None:
        now = self.clock()
        with self.db.unit(self._workspace_of(entry_id)) as session:
            entry = session.get(OutboxRow, entry_id)
            if entry is None:
                return
            if entry.attempts >= self.settings.dispatch_max_attempts:
                give_up = True
            else:
                give_up = False
                entry.status = "pending"
                entry.owner = None
                entry.lease_until = None
                entry.last_error = exc.one_line()
                entry.not_before = now + self._backoff(entry.attempts)
        if give_up:
            self._fail(entry_id, exc, report)
        else:
            report.retrying.append(entry_id)

    def _fail(self, entry_id: int, exc: RighthandError, report: DispatchReport) -> None:
        now = self.clock()
        with self.db.unit(self._workspace_of(entry_id)) as session:
            entry = session.get(OutboxRow, entry_id)
            row = session.get(ActionRow, entry.action_id) if entry else None
            if entry is None or row is None:
                return
            entry.status = "failed"
            entry.finished_at = now
            entry.last_error = exc.one_line()
            row.state = "failed"
            row.updated_at = now
            audit.append(session, row.workspace_id, "dispatcher", "delivery.failed",
                         f"action {row.id}", {"outbox": entry.id, "error": exc.message}, at=now)
            ledger.record(session, row, Outcome.FAILED, "dispatcher", now, exc.message)
        report.failed.append(entry_id)

    def _mark_uncertain(self, entry_id: int, exc: RighthandError) -> None:
        now = self.clock()
        with self.db.unit(self._workspace_of(entry_id)) as session:
            entry = session.get(OutboxRow, entry_id)
            row = session.get(ActionRow, entry.action_id) if entry else None
            if entry is None or row is None:
                return
            entry.status = "uncertain"
            entry.finished_at = now
            entry.last_error = exc.one_line()
            row.state = "uncertain"
            audit.append(session, row.workspace_id, "dispatcher", "delivery.uncertain",
                         f"action {row.id}", {"outbox": entry.id, "error": exc.message}, at=now)

    def _fail_unsupported(self, entry_id: int, report: DispatchReport) -> None:
        self._fail(entry_id, ClientMustAct("no connector for this kind of action is configured",
                                           hint="Set up the connection in the settings."),
                   report)

    @staticmethod
    def _backoff(attempts: int) -> timedelta:
        """30 s, 1 min, 2 min, ... capped at one hour."""
        return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))
