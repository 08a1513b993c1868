"""The client's hand on a campaign: pause, resume, cancel, retry failed recipients, settle
uncertain ones. Each is audited; each keeps the mailing's state machine and its outbox entry
in step (the entry is what the dispatcher picks up).

Pausing and cancelling only stop mail: they are done at once (audited, attributed to whoever
did it). Resuming and retrying make mail go out again, so a channel that is not the client's
own hand (the web console, where staff work too) proposes them as Actions
(``mailings.resume``, ``mailings.retry``: :func:`control_action`, :func:`propose_control`)
and the duty's effect applies them here once the gate allows or the client approves. A staff
member's resume of a mailing the client paused always waits for the client.

:func:`hold` says why a live campaign is not sending (quiet hours, a chosen time, a retry) and
whether no worker is picking it up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.mailings import states, store
from righthand.duties.mailings.proposals import DUTY, open_campaign_action
from righthand.errors import BadInput, ClientMustAct, NotFound
from righthand.policy.duties import DutyCatalog
from righthand.policy.gate import Ask
from righthand.policy.job import JobDescription
from righthand.service import audit, executor, health
from righthand.service.campaigns import report_of, skip_pending
from righthand.store.tables import ActionRow, AuditEntry, Mailing, MailingRecipient, OutboxRow

RESUME = "mailings.resume"
RETRY = "mailings.retry"
#: controls that make mail go out again: Actions through the gate (the rest stop mail)
GATED = {"resume": RESUME, "retry": RETRY}
#: a due campaign nobody has picked up for this long, while no worker's heartbeat is fresh:
#: no worker is running
STALLED_AFTER = timedelta(minutes=2)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
        # A later start it was held for (a chosen time, quiet hours, a retry) still holds.
        entry.status, entry.owner = "pending", None
        entry.not_before = max(now, _aware(entry.not_before))
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


def retry(session: Session, mailing: Mailing, now: datetime, actor: str = "client",
          at_most: int | None = None) -> str:
    """Failed recipients (5xx, or out of attempts) are tried again; ``at_most``: the number a
    gate decision covered -- more failed since, and the retry is refused, not widened."""
    _check_open(mailing, "retry")
    entry = _locked_entry(session, mailing)
    if at_most is not None:
        failed = store.counts(session, mailing.id)["failed"]
        if failed > at_most:
            raise ClientMustAct(
                f"{failed} recipients of \"{mailing.name}\" have failed by now, not the "
                f"{at_most} this retry was decided for",
                hint="Retry again from the mailing's page, so the new number is decided.")
    done = session.execute(update(MailingRecipient).where(
        MailingRecipient.mailing_id == mailing.id, MailingRecipient.status == "failed")
        .values(status="pending", attempts=0, not_before=None, owner=None)
        .execution_options(synchronize_session=False))
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if at_most is not None and count > at_most:  # one failed between the count and now
        raise ClientMustAct(
            f"{count} recipients of \"{mailing.name}\" have failed by now, not the {at_most} "
            "this retry was decided for",
            hint="Retry again from the mailing's page, so the new number is decided.")
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


# -- resume and retry as Actions ---------------------------------------------------------------
def is_clients(actor: str) -> bool:
    """True when ``actor`` is the client's own hand (``client``, ``client:pat``)."""
    return actor == "client" or actor.startswith("client:")


def paused_by(session: Session, mailing: Mailing) -> str | None:
    """Who paused ``mailing`` (its latest ``mailing.paused`` audit entry), while it is paused."""
    if mailing.status != "paused":
        return None
    rows = session.scalars(select(AuditEntry).where(
        AuditEntry.event == "mailing.paused", AuditEntry.subject == mailing.name[:200])
        .order_by(AuditEntry.seq.desc()).limit(20))
    return next((r.actor for r in rows if (r.data or {}).get("mailing") == mailing.id), None)


def open_control(session: Session, mailing: Mailing, kind: str) -> ActionRow | None:
    """A resume or retry of ``mailing`` still waiting for approval or for delivery."""
    rows = session.scalars(select(ActionRow).where(
        ActionRow.kind == kind, ActionRow.state.in_(("awaiting_approval", "queued")))
        .order_by(ActionRow.id.desc()).limit(50))
    return next((r for r in rows if (r.payload or {}).get("mailing_id") == mailing.id), None)


def _still_to_go(session: Session, mailing: Mailing) -> int:
    counts = store.counts(session, mailing.id)
    if sum(counts.values()):
        return counts["pending"] + counts["sending"]
    # never started: the recipients the approved send was for
    send = session.get(ActionRow, mailing.action_id) if mailing.action_id else None
    return int((send.payload or {}).get("recipient_count") or 0) if send else 0


def control_action(session: Session, mailing: Mailing, operation: str,
                   requested_by: str) -> Action | str:
    """``resume`` or ``retry`` as ONE Action of mailings.send (the gate sees how many people it
    reaches, so limits and quiet hours apply), or a sentence when there is nothing to do."""
    kind = GATED.get(operation)
    if kind is None:
        raise BadInput(f"{operation!r} is not proposed as an action", hint="Resume or retry.")
    waiting = open_control(session, mailing, kind)
    if waiting is not None:
        raise BadInput(f"a {operation} of \"{mailing.name}\" is already "
                       f"{waiting.state.replace('_', ' ')} (action #{waiting.id})",
                       hint="See Approvals, or follow it here.")
    if operation == "resume":
        if mailing.status != "paused":
            raise states.IllegalTransition(
                f"\"{mailing.name}\" is {mailing.status}, not paused: there is nothing to resume")
        count = _still_to_go(session, mailing)
        summary = f"Resume the mailing \"{mailing.name}\" ({count} recipient(s) still to go)"
    else:
        _check_open(mailing, "retry")
        if entry_of(session, mailing) is None:
            raise BadInput(f"\"{mailing.name}\" was never sent")
        count = store.counts(session, mailing.id)["failed"]
        if not count:
            return f"\"{mailing.name}\" has no failed recipients."
        summary = f"Send \"{mailing.name}\" again to its {count} failed recipient(s)"
    payload = {"mailing_id": mailing.id, "mailing": mailing.name, "recipient_count": count,
               "requested_by": requested_by}
    return Action(duty=DUTY, kind=kind, payload=payload, summary=summary)


def propose_control(session: Session, workspace_id: int, mailing: Mailing, action: Action,
                    job: JobDescription, catalog: DutyCatalog, now: datetime,
                    requested_by: str, approval_ttl: timedelta) -> executor.Proposed:
    """Put a resume or retry through the gate. The duty's autonomy decides -- except that a
    resume of a mailing the client paused, asked for by anyone else, waits for the client:
    their pause was their decision (the gate's Deny and Ask still come first)."""
    held = paused_by(session, mailing) if action.kind == RESUME else None
    ask = None
    if held is not None and is_clients(held) and not is_clients(requested_by):
        ask = Ask(f"{held} paused this mailing; resuming it is the client's decision.",
                  code="client_paused")
    return executor.propose(session, workspace_id, action, job, catalog, now, requested_by,
                            approval_ttl, ask_instead=ask)


def apply_control(session: Session, operation: str, payload: Mapping[str, Any],
                  now: datetime) -> dict[str, Any]:
    """Carry out an allowed or approved resume or retry (the duty's local effect)."""
    mailing = session.get(Mailing, int(payload["mailing_id"]))
    if mailing is None:
        raise NotFound(f"the mailing {payload.get('mailing')!r} no longer exists")
    actor = str(payload.get("requested_by") or "assistant")
    said = resume(session, mailing, now, actor) if operation == "resume" \
        else retry(session, mailing, now, actor, at_most=int(payload["recipient_count"]))
    return {"mailing_id": mailing.id, "said": said, "campaign_action": mailing.action_id}


# -- why a live campaign is not sending ----------------------------------------------------------
@dataclass(frozen=True)
class Hold:
    """Why a scheduled or sending campaign is not sending now.

    ``until``/``reason``: it waits until then for ``quiet_hours``, ``scheduled`` (the time the
    client chose) or ``retry`` (the mail server failed; ``error`` says how). ``stalled_since``:
    it has been due since then and nobody picked it up (no worker is running)."""

    until: datetime | None = None
    reason: str = ""
    error: str = ""
    stalled_since: datetime | None = None


def _stalled(session: Session, since: datetime, now: datetime) -> bool:
    """Whether work due (or abandoned) since ``since`` waits for a worker that is not there.

    The worker heartbeat decides (:func:`health.worker_running`): while one is fresh, a worker
    runs and takes the entry in its turn, however long other work keeps it busy. The old
    outbox-based guess stays as a grace period on top: only work nobody has taken for
    :data:`STALLED_AFTER` counts, so the warning does not flash for work that became due a
    moment ago, nor while workers of a version without heartbeats still run (an upgrade)."""
    return now - since > STALLED_AFTER and not health.worker_running(session, now)


def hold(session: Session, mailing: Mailing, job: JobDescription, now: datetime) -> Hold | None:
    """What holds ``mailing`` back, if anything (None: nothing, or it is not live)."""
    if effective_status(session, mailing) not in {"scheduled", "sending"}:
        return None
    entry = entry_of(session, mailing)
    if entry is None:
        return None
    if entry.status == "sending":
        lease = _aware(entry.lease_until) if entry.lease_until else None
        if lease is not None and _stalled(session, lease, now):
            return Hold(stalled_since=lease)  # its sender died and nobody took over
        return None
    if entry.status != "pending":
        return None
    due = _aware(entry.not_before)
    if due <= now:
        return Hold(stalled_since=due) if _stalled(session, due, now) else None
    send = session.get(ActionRow, entry.action_id)
    chosen = (send.payload or {}).get("not_before") if send is not None else None
    if chosen and abs(_aware(datetime.fromisoformat(str(chosen))) - due) < timedelta(seconds=1):
        return Hold(due, "scheduled")
    quiet = job.setting(DUTY).limits.quiet_hours
    local = due.astimezone(ZoneInfo(job.timezone))
    if quiet is not None and (local.hour, local.minute) == (quiet.end.hour, quiet.end.minute):
        return Hold(due, "quiet_hours")
    if entry.last_error:
        return Hold(due, "retry", error=entry.last_error)
    return None  # between two batches: it carries on by itself
