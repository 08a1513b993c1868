"""Campaign delivery: one approved action, every recipient reached exactly once.

The dispatcher claims the campaign's outbox entry (via ``campaign``), opens the mail sessions
and calls :func:`prepare` then :func:`deliver`. Per recipient the outbox protocol holds
(service/dispatcher.py): the recipient is committed ``sending`` with this process's owner tag
*before* its SMTP transaction, and ``sent`` right after the server's 250 (in the same commit
that claims the connection's next recipient, so a message costs one commit). A process killed
mid-campaign leaves at most one recipient per connection ``sending``; recovery makes those
**uncertain** -- never resent automatically: ``righthand mailings resend-uncertain NAME``
resends them under the same Message-ID, ``mark-sent NAME`` records them -- and the campaign
resumes with the rest. Everything is checked again at send time: the content still hashes to
what was approved, and a recipient who was suppressed or unsubscribed since is skipped.

Transient SMTP errors (4xx, connection lost before DATA) put the recipient back with a growing
delay (30 s doubling to an hour) until ``dispatch_max_attempts``; 5xx refusals are recorded as
failed, for the client to retry. Throughput is throttled to the mailing's messages per second
across all connections. A pass renews the entry's lease while it runs and yields after
:data:`SLICE_SECONDS` so that one long campaign never holds up the rest of the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from righthand.config import Settings
from righthand.duties.lists.unsubscribe_tokens import unsubscribe_headers
from righthand.duties.mailings import states, store
from righthand.errors import ClientMustAct, NotFound
from righthand.service import audit
from righthand.service.campaign_engine import (
    SLICE_SECONDS,
    PassResult,
    Plan,
    deliver,
    mark_uncertain,
)
from righthand.store.tables import ActionRow, Mailing, MailingRecipient, OutboxRow, Workspace

__all__ = ["SLICE_SECONDS", "ContentChanged", "PassResult", "Plan", "Verdict", "deliver",
           "prepare", "recover", "settle"]


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


class ContentChanged(ClientMustAct):
    """The mailing differs from what the client approved; nothing is sent."""


def _mailing_of(session: Session, payload: dict[str, Any]) -> Mailing:
    mailing = session.get(Mailing, int(payload["mailing_id"]))
    if mailing is None:
        raise NotFound(f"the mailing {payload.get('mailing')!r} no longer exists; nothing was "
                       "sent", hint="See `righthand mailings list`.")
    return mailing


def check_unchanged(mailing: Mailing, payload: dict[str, Any]) -> None:
    """Refuse when the mailing's content, list or segment is not what was approved."""
    if store.templates_of(mailing).content_hash != payload.get("content_hash"):
        raise ContentChanged(
            f"the mailing {mailing.name!r} changed after it was approved (its subject or "
            "templates are not the ones approved); nothing was sent",
            hint=f"Check it with `righthand mailings preview \"{mailing.name}\"`, then propose "
                 f"it again: `righthand mailings send \"{mailing.name}\"`.")
    if mailing.list_id != payload.get("list_id") or \
            mailing.segment_id != payload.get("segment_id"):
        raise ContentChanged(
            f"the mailing {mailing.name!r} now goes to another list or segment than the one "
            "approved; nothing was sent",
            hint=f"Propose it again: `righthand mailings send \"{mailing.name}\"`.")


def prepare(session: Session, workspace_id: int, entry: OutboxRow, row: ActionRow,
            settings: Settings, now: datetime, owner_alive: Callable[[str | None], bool],
            ) -> Plan:
    """Check the approval still fits, move the mailing on, list its recipients on the first
    pass, and settle recipients left ``sending`` by a dead process."""
    payload = dict(row.payload)
    mailing = _mailing_of(session, payload)
    ws = session.get(Workspace, workspace_id)
    if ws is None:
        raise NotFound(f"workspace #{workspace_id} no longer exists")
    check_unchanged(mailing, payload)
    mailing.action_id = row.id
    if mailing.status == "draft":
        states.move(mailing, "scheduled", now)
    if mailing.status == "scheduled":
        states.move(mailing, "sending", now)
    state = mailing.status if mailing.status in {"paused", "cancelled"} else "ready"
    if state == "ready" and mailing.started_at is None:
        _materialize(session, workspace_id, mailing, int(payload.get("recipient_count") or 0),
                     now)
    for stale_owner in set(session.scalars(select(MailingRecipient.owner).where(
            MailingRecipient.mailing_id == mailing.id, MailingRecipient.status == "sending"))):
        if not owner_alive(stale_owner):
            mark_uncertain(session, workspace_id, mailing.id, stale_owner, now)
    profile = ws.profile or {}
    business = str(profile.get("business_name") or "")
    secret = settings.secret_key
    # Where the one-click links point: the web app (`righthand serve`), public address first.
    base = getattr(settings, "public_url", None) or DEFAULT_PUBLIC_URL

    def unsubscribe(list_id: int | None, address: str, at: datetime) -> dict[str, str]:
        return unsubscribe_headers(secret, workspace_id, list_id, address, base, at)

    return Plan(workspace_id=workspace_id, entry_id=entry.id, mailing_id=mailing.id,
                name=mailing.name, list_id=mailing.list_id,
                templates=store.templates_of(mailing),
                sender=(business or ws.client_name,
                        settings.mail_from or "assistant@righthand.local"),
                reply_to=str(profile["email"]) if profile.get("email") else None,
                business_name=business,
                per_second=float(payload["per_second"]) if payload.get("per_second") else None,
                connections=max(1, min(int(payload.get("connections") or 1), 20)),
                tag=entry.idempotency_key, unsubscribe=unsubscribe, state=state)


def _materialize(session: Session, workspace_id: int, mailing: Mailing, approved: int,
                 now: datetime) -> None:
    """The send log: one pending row per recipient, written once, on the first pass."""
    found = store.targets(session, mailing.list_id, mailing.segment_id) \
        if mailing.list_id else []
    if len(found) > approved:
        raise ContentChanged(
            f"the list of {mailing.name!r} grew from the {approved} recipients you approved to "
            f"{len(found)}; nothing was sent",
            hint=f"Propose it again so that you approve the new count: `righthand mailings "
                 f"send \"{mailing.name}\"`.")
    rows = [{"workspace_id": workspace_id, "mailing_id": mailing.id, "contact_id": t.contact_id,
             "address": t.address.lower(), "status": "pending", "attempts": 0} for t in found]
    for start in range(0, len(rows), 1000):
        session.execute(insert(MailingRecipient), rows[start:start + 1000])
    mailing.started_at = now
    audit.append(session, workspace_id, "dispatcher", "mailing.started", mailing.name,
                 {"mailing": mailing.id, "recipients": len(rows)}, at=now)


def recover(session: Session, entry: OutboxRow, now: datetime) -> int:
    """For the dispatcher's recovery: the dead owner's in-flight recipients of this
    campaign become uncertain (the entry itself goes back to pending and resumes)."""
    row = session.get(ActionRow, entry.action_id)
    if row is None or "mailing_id" not in row.payload:
        return 0
    return mark_uncertain(session, entry.workspace_id, int(row.payload["mailing_id"]),
                          entry.owner, now)


def totals(session: Session, mailing_id: int) -> dict[str, int]:
    """Recipients per send state."""
    return store.counts(session, mailing_id)


# -- after a pass -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """Where the campaign stands after a pass, for the dispatcher's outbox entry.

    ``finished`` (entry sent, with ``report``), ``waiting`` (entry pending again, from
    ``not_before``; None: the dispatcher's backoff), ``paused``, ``cancelled``, or ``lost``
    (another dispatcher holds the entry now: leave it alone).
    """

    outcome: str
    report: dict[str, Any]
    not_before: datetime | None = None


def report_of(mailing: Mailing, counts: dict[str, int], rounds: int = 1) -> dict[str, Any]:
    """The campaign report kept as the outbox entry's result."""
    return {"mailing_id": mailing.id, "mailing": mailing.name,
            **{k: counts.get(k, 0) for k in ("sent", "failed", "skipped", "uncertain")},
            "total": sum(counts.values()), "rounds": rounds}


def settle(session: Session, plan: Plan, result: PassResult, now: datetime,
           rounds: int) -> Verdict:
    """Move the mailing on after a pass and say what becomes of the outbox entry (the
    caller holds the entry's row lock, so the client's retry and this cannot cross)."""
    mailing = session.get(Mailing, plan.mailing_id)
    if mailing is None:
        raise NotFound(f"the mailing {plan.name!r} no longer exists")
    counts = totals(session, mailing.id)  # afresh: the client may have retried meanwhile
    if result.stopped == "lease":
        return Verdict("lost", report_of(mailing, counts, rounds))
    if mailing.status == "cancelled":
        skip_pending(session, mailing.id, "the campaign was cancelled")
        return Verdict("cancelled", report_of(mailing, totals(session, mailing.id), rounds))
    if mailing.status == "paused":
        return Verdict("paused", report_of(mailing, counts, rounds))
    if counts.get("pending"):
        if result.stopped in {"connection", "error"}:
            return Verdict("waiting", report_of(mailing, counts, rounds), None)
        due = now if result.stopped else (result.next_due or now)
        return Verdict("waiting", report_of(mailing, counts, rounds), due)
    if mailing.status == "scheduled":  # resumed while the pass was stopping
        states.move(mailing, "sending", now)
    if mailing.status == "sending":
        states.move(mailing, "finished", now)
    report = report_of(mailing, counts, rounds)
    audit.append(session, plan.workspace_id, "dispatcher", "mailing.finished", mailing.name,
                 report, at=now)
    return Verdict("finished", report)


def skip_pending(session: Session, mailing_id: int, reason: str) -> int:
    """Recipients not yet reached are skipped (a cancelled campaign); returns how many."""
    done = session.execute(update(MailingRecipient).where(
        MailingRecipient.mailing_id == mailing_id, MailingRecipient.status == "pending")
        .values(status="skipped", last_error=reason)
        .execution_options(synchronize_session=False))
    return int(done.rowcount)  # type: ignore[attr-defined]
