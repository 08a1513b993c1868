"""The client's hand on a campaign: pause, resume, cancel, retry failed recipients, settle
uncertain ones. Each is audited; each keeps the mailing's state machine and its outbox entry
in step (the entry is what the dispatcher picks up)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from righthand.duties.mailings import states, store
from righthand.duties.mailings.proposals import open_campaign_action
from righthand.errors import BadInput
from righthand.service import audit
from righthand.service.campaigns import report_of, skip_pending
from righthand.store.tables import ActionRow, Mailing, MailingRecipient, OutboxRow


def entry_of(session: Session, mailing: Mailing, lock: bool = False) -> OutboxRow | None:
    """The outbox entry of the mailing's approved send, if there is one (``lock``: held until
    the transaction ends, so the dispatcher settling a pass and the client cannot cross)."""
    action_id = mailing.action_id
    if action_id is None:
        queued = open_campaign_action(session, mailing)
        action_id = queued.id if queued is not None and queued.state == "queued" else None
    if action_id is None:
        return None
    query = select(OutboxRow).where(OutboxRow.action_id == action_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def effective_status(session: Session, mailing: Mailing) -> str:
    """The mailing's state; an approved draft waiting for the dispatcher counts as scheduled."""
    if mailing.status == "draft":
        entry = entry_of(session, mailing)
        if entry is not None and entry.status == "pending":
            return "scheduled"
    return mailing.status


def _adopt(session: Session, mailing: Mailing, now: datetime) -> OutboxRow | None:
    """Make an approved-but-unstarted draft 'scheduled', and link its action."""
    entry = entry_of(session, mailing)
    if mailing.status == "draft" and entry is not None and entry.status == "pending":
        mailing.action_id = entry.action_id
        states.move(mailing, "scheduled", now)
    return entry


def pause(session: Session, mailing: Mailing, now: datetime, actor: str = "client") -> str:
    """Hold the campaign; a running pass stops after the messages in flight."""
    entry = _adopt(session, mailing, now)
    states.move(mailing, "paused", now)
    if entry is not None and entry.status == "pending":
        entry.status = "paused"
    audit.append(session, mailing.workspace_id, actor, "mailing.paused", mailing.name,
                 {"mailing": mailing.id}, at=now)
    return f"Paused \"{mailing.name}\". Resume it with `righthand mailings resume " \
           f"\"{mailing.name}\"`."


def resume(session: Session, mailing: Mailing, now: datetime, actor: str = "client") -> str:
    """Carry on where the campaign stopped."""
    entry = entry_of(session, mailing)
    states.move(mailing, "scheduled", now)
    if entry is not None and entry.status in {"paused", "pending"}:
        entry.status, entry.not_before, entry.owner = "pending", now, None
    audit.append(session, mailing.workspace_id, actor, "mailing.resumed", mailing.name,
                 {"mailing": mailing.id}, at=now)
    return f"Resumed \"{mailing.name}\"; the dispatcher carries on with who is left."


def cancel(session: Session, mailing: Mailing, now: datetime, actor: str = "client") -> str:
    """Stop for good: recipients not yet reached are skipped."""
    entry = _adopt(session, mailing, now)
    states.move(mailing, "cancelled", now)
    skipped = skip_pending(session, mailing.id, "the campaign was cancelled")
    if entry is not None and entry.status in {"pending", "paused"}:
        entry.status, entry.finished_at = "cancelled", now
        entry.result = report_of(mailing, store.counts(session, mailing.id))
        row = session.get(ActionRow, entry.action_id)
        if row is not None:
            row.state, row.updated_at = "cancelled", now
    audit.append(session, mailing.workspace_id, actor, "mailing.cancelled", mailing.name,
                 {"mailing": mailing.id, "skipped": skipped}, at=now)
    return f"Cancelled \"{mailing.name}\"; {skipped} recipient(s) not yet reached won't be."


def _locked_entry(session: Session, mailing: Mailing) -> OutboxRow:
    entry = entry_of(session, mailing, lock=True)
    if entry is None:
        raise BadInput(f"\"{mailing.name}\" was never sent",
                       hint=f"Send it first: `righthand mailings send \"{mailing.name}\"`.")
    return entry


def _reopen(session: Session, mailing: Mailing, entry: OutboxRow, now: datetime) -> None:
    """Put a campaign's entry back in the outbox so the dispatcher sends what is pending."""
    if mailing.status == "finished":
        states.move(mailing, "scheduled", now)
    if entry.status in {"sent", "failed"}:
        entry.status, entry.not_before, entry.owner = "pending", now, None
        entry.lease_until, entry.finished_at, entry.last_error = None, None, None
        row = session.get(ActionRow, entry.action_id)
        if row is not None:
            row.state, row.updated_at = "queued", now


def _check_open(mailing: Mailing, what: str) -> None:
    if mailing.status in {"draft", "cancelled"}:
        raise states.IllegalTransition(
            f"\"{mailing.name}\" is {mailing.status}: there is nothing to {what}",
            hint=f"See `righthand mailings status \"{mailing.name}\"`.")


def retry(session: Session, mailing: Mailing, now: datetime, actor: str = "client") -> str:
    """Failed recipients (5xx, or out of attempts) are tried again."""
    _check_open(mailing, "retry")
    entry = _locked_entry(session, mailing)
    done = session.execute(update(MailingRecipient).where(
        MailingRecipient.mailing_id == mailing.id, MailingRecipient.status == "failed")
        .values(status="pending", attempts=0, not_before=None, owner=None)
        .execution_options(synchronize_session=False))
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if not count:
        return f"\"{mailing.name}\" has no failed recipients."
    _reopen(session, mailing, entry, now)
    audit.append(session, mailing.workspace_id, actor, "mailing.retry", mailing.name,
                 {"mailing": mailing.id, "recipients": count}, at=now)
    return f"{count} failed recipient(s) of \"{mailing.name}\" will be tried again."


def resend_uncertain(session: Session, mailing: Mailing, now: datetime,
                     actor: str = "client") -> str:
    """Uncertain recipients are sent again, under the same Message-ID (the client's call)."""
    _check_open(mailing, "resend")
    entry = _locked_entry(session, mailing)
    done = session.execute(update(MailingRecipient).where(
        MailingRecipient.mailing_id == mailing.id, MailingRecipient.status == "uncertain")
        .values(status="pending", not_before=None, owner=None)
        .execution_options(synchronize_session=False))
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if not count:
        return f"\"{mailing.name}\" has no uncertain recipients."
    _reopen(session, mailing, entry, now)
    audit.append(session, mailing.workspace_id, actor, "mailing.resend_uncertain",
                 mailing.name, {"mailing": mailing.id, "recipients": count}, at=now)
    return (f"{count} uncertain recipient(s) of \"{mailing.name}\" will be sent again, with the "
            "same Message-ID (a receiving server that kept the first copy may drop the second).")


def mark_sent(session: Session, mailing: Mailing, now: datetime, actor: str = "client") -> str:
    """Record uncertain recipients as delivered (the client checked)."""
    done = session.execute(update(MailingRecipient).where(
        MailingRecipient.mailing_id == mailing.id, MailingRecipient.status == "uncertain")
        .values(status="sent", sent_at=now, last_error="recorded as delivered by the client")
        .execution_options(synchronize_session=False))
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if not count:
        return f"\"{mailing.name}\" has no uncertain recipients."
    entry = entry_of(session, mailing)
    if entry is not None and entry.status == "sent":
        rounds = int((entry.result or {}).get("rounds") or 1)
        entry.result = report_of(mailing, store.counts(session, mailing.id), rounds)
    audit.append(session, mailing.workspace_id, actor, "mailing.mark_sent", mailing.name,
                 {"mailing": mailing.id, "recipients": count}, at=now)
    return f"Recorded {count} uncertain recipient(s) of \"{mailing.name}\" as delivered."
