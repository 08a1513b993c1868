"""The inbox poller: fetch what is new, store it once, screen it once, propose its actions.

* **No message twice, none missed.** Each watched folder keeps its UIDVALIDITY and the highest
  UID stored (``mail_folders``). Messages are fetched in batches; a batch's rows and the new
  high-water mark commit together, so a crash refetches at most that batch, and storing is
  idempotent (rows are unique by Message-ID -- or by a hash of the bytes without one).
* **UIDVALIDITY changed** (the server rebuilt the folder, all UIDs are void): the folder is
  resynced by Message-ID -- every UID's Message-ID header is read, messages already stored get
  their new location and are *not* screened again, the rest are fetched as new.
* **Screened exactly once.** ``duties.screening.store.screen_one`` claims a message and the
  executor records its actions (outbox or approvals) in one transaction per message.
* **No transaction open while the model answers.** A reply draft's body from the optional
  language model is asked for before that transaction (a read decides whether a draft is
  wanted); the model keeps its token budget in short units of its own.
* Reading changes nothing in the mailbox (``BODY.PEEK``); filing goes through the outbox and
  the dispatcher like every other action.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from righthand.connectors import mailbox
from righthand.connectors.ports import MailboxReader, MailboxReadSession
from righthand.duties.screening import store as screening
from righthand.duties.screening.actions import Office, model_reply
from righthand.duties.screening.screen import Context
from righthand.errors import DatabaseUnavailable, NotDelegated, RetryLater, RighthandError
from righthand.policy.access import ReadRefusal, check_read
from righthand.service import (
    audit,
    executor,
    health,
    language_model,
    mail_accounts,
    mail_channel,
    workspaces,
)
from righthand.store.tables import ActionRow, MailFolderState, MailMessage, Workspace

if TYPE_CHECKING:
    from righthand.bootstrap import App

DUTY = "screening.email"
BATCH = 25


@dataclass
class PollReport:
    """What one poll did."""

    fetched: int = 0
    stored: dict[str, int] = field(default_factory=dict)  # new known moved_back quarantined
    screened: int = 0
    actions: list[int] = field(default_factory=list)
    decisions: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    resynced: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the CLI."""
        stored = ", ".join(f"{n} {k}" for k, n in sorted(self.stored.items())) or "nothing new"
        decided = ", ".join(f"{n} {k}" for k, n in sorted(self.decisions.items())) or "none"
        extra = f" Resynced {', '.join(self.resynced)} (UIDVALIDITY changed)." \
            if self.resynced else ""
        return (f"Fetched {self.fetched} ({stored}); screened {self.screened}; actions: "
                f"{decided}; carried out {self.delivered}.{extra}")


def _check_delegated(app: App, workspace_id: int) -> None:
    with app.db.unit(workspace_id, write=False) as session:
        ws = session.get(Workspace, workspace_id)
        assert ws is not None
        job = workspaces.job_description(session, ws)
    manifest = app.catalog[DUTY]
    grant = check_read(DUTY, manifest.read_scopes, job, app.catalog)
    if isinstance(grant, ReadRefusal):
        raise NotDelegated(grant.reason, hint=f"`righthand duties set {DUTY} --autonomy ask` "
                                              "(or `righthand phase set II`) delegates it.")


def poll(app: App, workspace_id: int, reader: MailboxReader | None = None,
         dispatch: bool = True) -> PollReport:
    """Fetch, store, screen and propose for one workspace."""
    _check_delegated(app, workspace_id)
    with app.db.unit(workspace_id, write=False) as session:
        row = mail_accounts.account(session)
        config = mail_accounts.config_of(session)
        folders = mail_accounts.watched(row) if row else ["INBOX"]
        backfill = mail_accounts.backfill(row) if row else 200
    report = PollReport()
    with (reader or mailbox.reader(config)).open() as live:
        for folder in folders:
            sync(app, workspace_id, live, folder, report, backfill, frozenset(folders))
    mail_channel.answer_requests(app, workspace_id, dispatch=dispatch)  # before screening
    screen_pending(app, workspace_id, report, dispatch=dispatch)
    return report


def sync(app: App, workspace_id: int, live: MailboxReadSession, folder: str,
         report: PollReport, backfill: int = 200,
         inbox_folders: frozenset[str] = frozenset({"INBOX"})) -> None:
    """Store the folder's new messages (resyncing by Message-ID if UIDVALIDITY changed)."""
    status = live.status(folder)
    with app.db.unit(workspace_id) as session:
        state = session.scalars(select(MailFolderState)
                                .where(MailFolderState.folder == folder)).first()
        if state is None:
            older = live.uids(folder)[:-backfill] if backfill else []
            state = MailFolderState(workspace_id=workspace_id, folder=folder,
                                    uidvalidity=status.uidvalidity,
                                    last_uid=older[-1] if older else 0, synced_at=app.clock())
            session.add(state)
        elif state.uidvalidity != status.uidvalidity:
            _relocate(session, live, folder, status.uidvalidity)
            state.uidvalidity, state.last_uid = status.uidvalidity, 0
            state.resyncs += 1
            report.resynced.append(folder)
            audit.append(session, workspace_id, "assistant", "mail.resynced", folder,
                         {"uidvalidity": status.uidvalidity}, at=app.clock())
        last = state.last_uid
        placed = set(session.scalars(select(MailMessage.uid).where(
            MailMessage.folder == folder, MailMessage.uidvalidity == status.uidvalidity)))
    todo = [u for u in live.uids(folder, last) if u not in placed]
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        fetched = live.fetch(folder, batch)
        with app.db.unit(workspace_id) as session:
            for mail in fetched:
                outcome = screening.record_fetched(session, workspace_id, folder,
                                                   mail.uidvalidity, mail.uid, mail.raw,
                                                   app.clock(), inbox_folders)
                report.stored[outcome] = report.stored.get(outcome, 0) + 1
                if outcome == "new":
                    _hand_over(session, workspace_id, mail.raw, app.clock())
            state = session.scalars(select(MailFolderState)
                                    .where(MailFolderState.folder == folder)).one()
            state.last_uid = max(state.last_uid, *batch)
            state.synced_at = app.clock()
        report.fetched += len(fetched)


def _deal_moves(session: Any, row: MailMessage, job: Any) -> list[Any]:
    """What a genuine message from a deal's party says about the deal ("the loan is approved")
    becomes a proposed stage move -- only when sales tracking is delegated, and never from mail
    that screening judged spam or phishing (a forged lender must not move a deal)."""
    if not job.setting("sales.track").enabled or row.category in {"spam", "phishing"}:
        return []
    from righthand.duties.sales.reading import proposals_from_message

    facts = row.facts or {}
    return proposals_from_message(session, text=str(facts.get("text") or ""),
                                  sender=row.from_address, subject=row.subject,
                                  message_id=row.message_id)


def _hand_over(session: Any, workspace_id: int, raw: bytes, now: datetime) -> None:
    """Give a newly stored message to the duties that read machine-made mail, in the same
    transaction that stored it (so exactly once): bounce and complaint reports feed the
    suppression list; calendar replies (iTIP REPLY) update attendees' answers."""
    from righthand.duties.appointments import confirm_replies
    from righthand.duties.appointments.itip import process_itip_reply
    from righthand.duties.lists.feedback import process_feedback

    feedback = process_feedback(session, raw, now)
    if feedback.kind == "none" and b"text/calendar" in raw:
        outcome = process_itip_reply(session, raw, now)
        if outcome.status == "recorded":
            audit.append(session, workspace_id, "assistant", "calendar.reply_recorded",
                         outcome.uid, {"attendee": outcome.attendee,
                                       "partstat": outcome.partstat}, at=now)
            answered = confirm_replies.from_itip(session, outcome.uid, outcome.attendee,
                                                 outcome.partstat, now)
            _answered(session, workspace_id, answered, "calendar reply", now)
    elif feedback.kind == "none":
        _answered(session, workspace_id, confirm_replies.from_mail(session, raw, now),
                  "email reply", now)


def _answered(session: Any, workspace_id: int, answered: Any, via: str,
              now: datetime) -> None:
    """Audit an attendee's answer to an appointment confirmation."""
    if answered is not None:
        audit.append(session, workspace_id, "attendee", "appointment.answered",
                     answered.attendee, {"answer": answered.answer, "status": answered.status,
                                         "via": via, "task_id": answered.task_id}, at=now)


def _relocate(session: Any, live: MailboxReadSession, folder: str, uidvalidity: int) -> None:
    """After a UIDVALIDITY change: give stored messages their new UIDs, by Message-ID."""
    from righthand.duties.screening.parse import message_key, normalise_message_id

    for row in session.scalars(select(MailMessage).where(MailMessage.folder == folder)):
        row.uid, row.uidvalidity = None, None  # old UIDs mean nothing now
    session.flush()
    ids = live.message_ids(folder, live.uids(folder))
    for uid, message_id in ids.items():
        normal = normalise_message_id(message_id or "")
        if not normal:
            continue
        row = session.scalars(select(MailMessage).where(
            MailMessage.message_key == message_key(normal, b""))).first()
        if row is not None:
            row.folder, row.uidvalidity, row.uid = folder, uidvalidity, uid
    session.flush()


def _model_reply(app: App, workspace_id: int, message_row_id: int, ctx: Context,
                 office: Office, model: language_model.OwnUnitsModel | None) -> str | None:
    """The model's reply body for a message that screening will answer with a draft, asked
    with no transaction open (so the model's seconds hold no write lock); None for the
    template. The screening unit checks it again; a run killed before that unit commits asks
    again next time (the message is still unscreened), and the budget counts both."""
    if model is None:
        return None
    with app.db.unit(workspace_id, write=False) as session:
        facts = screening.reply_wanted(session, message_row_id, ctx, office)
    if facts is None:
        return None
    return model_reply(model, facts, office)


def screen_pending(app: App, workspace_id: int, report: PollReport | None = None,
                   dispatch: bool = True, pause: float = 0.0) -> PollReport:
    """Screen every stored, unscreened message: one transaction per message."""
    report = report or PollReport()
    with app.db.unit(workspace_id, write=False) as session:
        ids = screening.pending_ids(session, limit=100_000)
        # Filing left queued by an earlier run (one that was stopped before it dispatched).
        allowed = list(session.scalars(select(ActionRow.id).where(
            ActionRow.duty == DUTY, ActionRow.state == "queued")))
        if not ids:
            if dispatch and allowed:
                report.delivered = len(app.dispatcher().run_once(only=allowed).delivered)
            return report
        ctx = screening.load_context(session)
        office = screening.office(session, workspace_id)
        ws = session.get(Workspace, workspace_id)
        assert ws is not None
        job = workspaces.job_description(session, ws)
    model = language_model.with_own_units(app, workspace_id)
    for message_row_id in ids:
        reply = _model_reply(app, workspace_id, message_row_id, ctx, office, model)
        now = app.clock()
        with app.db.unit(workspace_id) as session:
            done = screening.screen_one(session, message_row_id, ctx, office, now,
                                        reply_body=reply)
            if done is None:
                continue
            row, actions = done
            actions = [*actions, *_deal_moves(session, row, job)]
            proposed_ids = []
            for action in actions:
                proposed = executor.propose(session, workspace_id, action, job, app.catalog,
                                            now, "assistant", app.approval_ttl)
                proposed_ids.append(proposed.row.id)
                name = proposed.decision.name
                report.decisions[name] = report.decisions.get(name, 0) + 1
                if name == "allow":
                    allowed.append(proposed.row.id)
            audit.append(session, workspace_id, "assistant", "mail.screened",
                         f"message {row.id}", {"category": row.category,
                                               "priority": row.priority,
                                               "actions": proposed_ids}, at=now)
            report.actions.extend(proposed_ids)
        report.screened += 1
        if pause:
            time.sleep(pause)  # lets crash tests catch a run mid-way
    if dispatch and allowed:
        report.delivered = len(app.dispatcher().run_once(only=allowed).delivered)
    return report


def watch(app: App, workspace_id: int, should_stop: Callable[[], bool] = lambda: False,
          wait_seconds: float = 300.0, on_poll: Callable[[PollReport], None] | None = None,
          reader: MailboxReader | None = None, reconnect_max: float = 300.0) -> None:
    """Poll, then wait for news with IDLE (or polling) and poll again, until told to stop;
    reconnects with a growing pause when the server goes away."""
    _check_delegated(app, workspace_id)
    pause = 5.0
    while not should_stop():
        try:
            with app.db.unit(workspace_id, write=False) as session:
                row = mail_accounts.account(session)
                config = mail_accounts.config_of(session)
                folders = mail_accounts.watched(row) if row else ["INBOX"]
            with (reader or mailbox.reader(config)).open() as live:
                pause = 5.0
                while not should_stop():
                    report = PollReport()
                    for folder in folders:
                        sync(app, workspace_id, live, folder, report,
                             inbox_folders=frozenset(folders))
                    mail_channel.answer_requests(app, workspace_id)
                    screen_pending(app, workspace_id, report)
                    health.note(app.db, workspace_id, "imap", None, app.clock())
                    if on_poll:
                        on_poll(report)
                    if not should_stop():
                        live.wait(folders[0], wait_seconds)
        except RetryLater as exc:  # the connection broke (mid-fetch, mid-IDLE): told, retried
            if not isinstance(exc, DatabaseUnavailable):
                health.note(app.db, workspace_id, "imap", exc, app.clock())
            time.sleep(min(pause, reconnect_max))
            pause = min(pause * 2, reconnect_max)


def run_job(context: dict[str, Any]) -> None:
    """The periodic job: poll one workspace if it has a mailbox."""
    app: App = context["app"]
    session = context["session"]
    has_account = mail_accounts.account(session) is not None
    # The runner holds a write transaction open; end it, since polling commits per batch
    # and per message in transactions of its own (SQLite allows one writer at a time).
    session.commit()
    if not has_account:
        return
    workspace_id = context["workspace_id"]
    error: RighthandError | None = None
    try:
        poll(app, workspace_id)
    except DatabaseUnavailable:
        raise  # nowhere to write; the job's run is offered again
    except RighthandError as exc:  # one workspace's broken mailbox must not stop the others
        error = exc
    with app.db.unit(workspace_id) as own:
        row = mail_accounts.account(own)
        if row is not None:
            row.last_error = error.one_line() if error else None
            if error is None:
                row.last_ok_at = app.clock()
        if error is None:  # the client is told (`righthand status`, Today, the briefing)
            health.record_ok(own, workspace_id, "imap", app.clock())
        else:
            health.record_failure(own, workspace_id, "imap", error, app.clock())
