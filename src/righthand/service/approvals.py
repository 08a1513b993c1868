"""Approvals: the client's yes, no or edit on an action the gate sent to ``ask``.

An approval is bound to the SHA-256 of the exact payload and is used at most once: approving
checks the stored payload still hashes to what was shown, flips the approval from pending to
approved with a conditional UPDATE (two concurrent approvals cannot both win), re-checks the
gate (a duty switched off since cannot be approved into action), and writes the outbox entry in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from righthand.domain.actions import Outcome
from righthand.errors import ApprovalError, NotDelegated, NotFound
from righthand.policy.duties import DutyCatalog
from righthand.policy.gate import Allow, Deny, decide, quiet_until
from righthand.policy.job import JobDescription
from righthand.service import audit, executor, ledger
from righthand.store.tables import ActionRow, Approval


@dataclass(frozen=True)
class Pending:
    """A pending approval and its action."""

    approval: Approval
    action: ActionRow


def expire_due(session: Session, now: datetime, actor: str = "assistant") -> int:
    """Mark approvals past their expiry as expired; returns how many."""
    due = session.scalars(select(Approval).where(Approval.status == "pending",
                                                 Approval.expires_at <= now)).all()
    for approval in due:
        approval.status = "expired"
        approval.decided_at = now
        row = session.get(ActionRow, approval.action_id)
        if row is not None:
            row.state = "expired"
            row.updated_at = now
            ledger.record(session, row, Outcome.EXPIRED, actor, now)
    return len(due)


def pending(session: Session, now: datetime) -> list[Pending]:
    """Pending approvals, oldest first (expired ones are retired first)."""
    expire_due(session, now)
    rows = session.execute(select(Approval, ActionRow)
                           .join(ActionRow, ActionRow.id == Approval.action_id)
                           .where(Approval.status == "pending")
                           .order_by(Approval.id)).all()
    return [Pending(a, r) for a, r in rows]


def _load(session: Session, approval_id: int) -> tuple[Approval, ActionRow]:
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise NotFound(f"there is no approval #{approval_id} in this workspace",
                       hint="See the pending ones with `righthand approvals list`.")
    row = session.get(ActionRow, approval.action_id)
    if row is None:
        raise NotFound(f"approval #{approval_id} has no action")
    return approval, row


def _claim(session: Session, approval: Approval, status: str, actor: str, now: datetime,
           note: str | None = None) -> None:
    if approval.status != "pending":
        raise ApprovalError(f"approval #{approval.id} is already {approval.status}",
                            hint="An approval is used once. See `righthand approvals list`.")
    if approval.expires_at <= now:
        expire_due(session, now)
        # The caller's unit of work rolls back on the error below; the expiry (state, ledger
        # outcome, audit) is a fact to keep, so it is committed first.
        session.commit()
        raise ApprovalError(f"approval #{approval.id} expired at "
                            f"{approval.expires_at:%Y-%m-%d %H:%M} UTC",
                            hint="Ask the assistant again to prepare it anew.")
    won = session.execute(update(Approval).where(Approval.id == approval.id,
                                                 Approval.status == "pending")
                          .values(status=status, decided_at=now, decided_by=actor, note=note)
                          .execution_options(synchronize_session=False))
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise ApprovalError(f"approval #{approval.id} was decided by someone else just now")
    session.refresh(approval)


def approve(session: Session, approval_id: int, job: JobDescription, catalog: DutyCatalog,
            now: datetime, actor: str = "client", expected_hash: str | None = None,
            outcome: Outcome = Outcome.APPROVED_UNCHANGED) -> ActionRow:
    """Approve exactly the payload that was shown; the action goes to the outbox."""
    approval, row = _load(session, approval_id)
    if expected_hash is not None and expected_hash != approval.payload_hash:
        raise ApprovalError(f"approval #{approval_id} is for a different version of the action",
                            hint="Look at it again with `righthand approvals list` and approve "
                                 "what is shown.")
    action = executor.to_action(row)
    if action.payload_hash != approval.payload_hash or row.payload_hash != approval.payload_hash:
        raise ApprovalError(f"the action behind approval #{approval_id} no longer matches what "
                            "was approved (its payload changed)",
                            hint="Reject it and ask again; the audit log records the mismatch.")
    again = decide(action, job, executor.ledger_view(session, action, job, now), now, catalog)
    if isinstance(again, Deny):
        raise NotDelegated(f"cannot approve #{approval_id} now: {again.reason}",
                           hint="Change the job description first, or reject it.")
    _claim(session, approval, "approved", actor, now)
    audit.append(session, row.workspace_id, actor, "approval.approved", f"approval {approval.id}",
                 {"action": row.id, "payload_hash": approval.payload_hash}, at=now)
    ledger.record(session, row, outcome, actor, now)
    # An approved action still keeps the quiet hours when their rule is to defer.
    not_before = again.not_before if isinstance(again, Allow) else None
    if not_before is None and job.setting(row.duty).limits.mode("quiet_hours") == "defer":
        not_before = quiet_until(action, job, now)
    executor.enqueue_allowed(session, row, catalog, now, not_before)
    return row


def reject(session: Session, approval_id: int, now: datetime, actor: str = "client",
           note: str | None = None) -> ActionRow:
    """Say no; the action is never carried out."""
    approval, row = _load(session, approval_id)
    _claim(session, approval, "rejected", actor, now, note)
    row.state = "rejected"
    row.updated_at = now
    audit.append(session, row.workspace_id, actor, "approval.rejected", f"approval {approval.id}",
                 {"action": row.id, "note": note}, at=now)
    ledger.record(session, row, Outcome.REJECTED, actor, now, note)
    return row


def edit(session: Session, approval_id: int, changes: Mapping[str, Any], job: JobDescription,
         catalog: DutyCatalog, now: datetime, ttl: timedelta, actor: str = "client",
         approve_edited: bool = True) -> executor.Proposed:
    """Make a new version with ``changes`` and decide it again.

    The edited version meets the gate like any action. If the gate denies it, nothing changes
    (the original stays pending). Otherwise the original is superseded, and -- since the client
    wrote the edit -- the new version is approved at once ("approved with edits") unless
    ``approve_edited`` is False, in which case it waits as a new approval.
    """
    approval, row = _load(session, approval_id)
    if approval.status != "pending":
        raise ApprovalError(f"approval #{approval_id} is already {approval.status}")
    unknown = [k for k in changes if k not in row.payload]
    if unknown:
        raise ApprovalError(f"{', '.join(unknown)} not in this action; it has "
                            f"{', '.join(sorted(row.payload))}",
                            hint="Edit one of the fields the action has.")
    edited = executor.to_action(row).edited(changes)
    if edited.payload_hash == row.payload_hash:
        approve(session, approval_id, job, catalog, now, actor)
        return executor.Proposed(row, decide(edited, job, executor.ledger_view(
            session, edited, job, now), now, catalog))
    decision = decide(edited, job, executor.ledger_view(session, edited, job, now), now, catalog)
    if isinstance(decision, Deny):
        raise NotDelegated(f"the edited version is not allowed: {decision.reason}",
                           hint="Edit it differently, or reject it.")
    _claim(session, approval, "superseded", actor, now, "edited")
    row.state = "superseded"
    row.updated_at = now
    new = executor.store_action(session, row.workspace_id, edited, actor, now, decision,
                                parent=row)
    audit.append(session, row.workspace_id, actor, "approval.edited", f"approval {approval.id}",
                 {"from_action": row.id, "to_action": new.id, "changes": dict(changes),
                  "payload_hash": new.payload_hash}, at=now)
    fresh = executor.open_approval(session, new, decision.reason, now, ttl)
    if approve_edited:
        approve(session, fresh.id, job, catalog, now, actor,
                outcome=Outcome.APPROVED_WITH_EDITS)
    return executor.Proposed(new, decision, fresh.id)
