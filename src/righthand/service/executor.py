"""The executor: every proposed action meets the gate here, and nowhere else.

``propose`` records the action, asks the gate, and in the same transaction either writes the
outbox entry (Allow), opens an approval (Ask), or records the refusal (Deny).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.errors import Bug
from righthand.policy.duties import DutyCatalog
from righthand.policy.gate import Allow, Ask, Decision, Deny, LedgerView, decide
from righthand.policy.job import JobDescription
from righthand.service import audit, outbox
from righthand.store.tables import ActionRow, Approval, ContactEmail

SPENDING_STATES = ("queued", "done", "uncertain")


@dataclass(frozen=True)
class Proposed:
    """An action as recorded, with the gate's decision."""

    row: ActionRow
    decision: Decision
    approval_id: int | None = None


def ledger_view(session: Session, action: Action, job: JobDescription,
                now: datetime) -> LedgerView:
    """What the gate needs from history for ``action``: month spend and known recipients."""
    local = now.astimezone(ZoneInfo(job.timezone))
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    spent = session.scalar(select(func.coalesce(func.sum(ActionRow.amount), 0)).where(
        ActionRow.duty == action.duty, ActionRow.state.in_(SPENDING_STATES),
        ActionRow.created_at >= month_start)) or 0
    known: frozenset[str] = frozenset()
    if action.recipients:
        known = frozenset(session.scalars(select(ContactEmail.address).where(
            ContactEmail.address.in_(action.recipients))))
    return LedgerView(month_spend={action.duty: Decimal(str(spent))}, known_addresses=known)


def to_action(row: ActionRow) -> Action:
    """The domain action a stored row holds."""
    return Action(duty=row.duty, kind=row.kind, payload=row.payload, summary=row.summary,
                  initiative=Initiative(row.initiative), undoable=row.undoable)


def store_action(session: Session, workspace_id: int, action: Action, requested_by: str,
                 now: datetime, decision: Decision, parent: ActionRow | None = None) -> ActionRow:
    """Insert one action version with its decision."""
    amount = action.amount
    row = ActionRow(workspace_id=workspace_id, duty=action.duty, kind=action.kind,
                    payload=action.data, payload_hash=action.payload_hash, summary=action.summary,
                    initiative=str(action.initiative), undoable=action.undoable, amount=amount,
                    version=(parent.version + 1) if parent else 1,
                    parent_id=parent.id if parent else None, requested_by=requested_by,
                    decision=decision.name, decision_code=decision.code,
                    decision_reason=decision.reason,
                    notify=isinstance(decision, Allow) and decision.notify,
                    state="proposed", created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def propose(session: Session, workspace_id: int, action: Action, job: JobDescription,
            catalog: DutyCatalog, now: datetime, requested_by: str, approval_ttl: timedelta,
            parent: ActionRow | None = None, ask_instead: Ask | None = None) -> Proposed:
    """Record ``action``, decide it, and route it to the outbox, the approvals queue, or no.

    ``ask_instead``: where the gate would allow, ask the client anyway, for this reason (a rule
    of the caller's that the job description cannot express; the gate's no still comes first)."""
    decision = decide(action, job, ledger_view(session, action, job, now), now, catalog)
    if ask_instead is not None and isinstance(decision, Allow):
        decision = ask_instead
    manifest = catalog.get(action.duty)
    spec = manifest.kind(action.kind) if manifest else None
    if spec is not None and spec.undoable != action.undoable:
        # Whether an action can be undone is the manifest's word, not the proposer's.
        action = Action(duty=action.duty, kind=action.kind, payload=action.payload,
                        summary=action.summary, initiative=action.initiative,
                        undoable=spec.undoable)
    row = store_action(session, workspace_id, action, requested_by, now, decision, parent)
    audit.append(session, workspace_id, requested_by, "action.decided", f"action {row.id}",
                 {"duty": row.duty, "kind": row.kind, "summary": row.summary,
                  "payload_hash": row.payload_hash, "decision": decision.name,
                  "code": decision.code, "reason": decision.reason, "version": row.version},
                 at=now)
    if isinstance(decision, Deny):
        row.state = "denied"
        return Proposed(row, decision)
    if isinstance(decision, Ask):
        approval = open_approval(session, row, decision.reason, now, approval_ttl)
        return Proposed(row, decision, approval.id)
    enqueue_allowed(session, row, catalog, now, decision.not_before)
    return Proposed(row, decision)


def open_approval(session: Session, row: ActionRow, reason: str, now: datetime,
                  ttl: timedelta) -> Approval:
    """Queue ``row`` for the client's decision."""
    approval = Approval(workspace_id=row.workspace_id, action_id=row.id,
                        payload_hash=row.payload_hash, status="pending", reason=reason,
                        created_at=now, expires_at=now + ttl)
    session.add(approval)
    row.state = "awaiting_approval"
    session.flush()
    return approval


def enqueue_allowed(session: Session, row: ActionRow, catalog: DutyCatalog, now: datetime,
                    not_before: datetime | None = None) -> None:
    """Write ``row`` to the outbox through the connector its kind names; a payload's own
    ``not_before`` (a scheduled mailing, approved with it) defers delivery until then."""
    wanted = (row.payload or {}).get("not_before")
    if wanted:
        later = datetime.fromisoformat(str(wanted))
        not_before = later if not_before is None else max(not_before, later)
    manifest = catalog.duty_for_kind(row.kind)
    kind = manifest.kind(row.kind) if manifest else None
    if kind is None:
        raise Bug(f"action kind {row.kind} has no duty; it cannot be delivered")
    outbox.enqueue(session, row, kind.via, now, not_before)
