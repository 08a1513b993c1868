"""The outbox: allowed and approved actions, written in the decision's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from righthand.store.tables import ActionRow, OutboxRow


def idempotency_key(row: ActionRow) -> str:
    """Stable key of one action version: the same action is never delivered twice under it."""
    return f"rh-{row.workspace_id}-{row.id}-{row.payload_hash[:16]}"


def enqueue(session: Session, row: ActionRow, via: str, now: datetime,
            not_before: datetime | None = None) -> OutboxRow:
    """Put ``row`` in the outbox (same transaction as the decision or approval)."""
    entry = OutboxRow(workspace_id=row.workspace_id, action_id=row.id,
                      idempotency_key=idempotency_key(row), via=via, status="pending",
                      attempts=0, not_before=not_before or now, created_at=now)
    session.add(entry)
    row.state = "queued"
    row.updated_at = now
    session.flush()
    return entry


def settle(session: Session, entry_id: int, how: str, now: datetime, actor: str = "client") -> str:
    """Settle an uncertain or failed entry: ``resend`` puts it back, ``mark-sent`` records it."""
    from righthand.errors import BadInput, NotFound
    from righthand.service import audit

    entry = session.get(OutboxRow, entry_id)
    if entry is None:
        raise NotFound(f"there is no outbox entry #{entry_id} in this workspace",
                       hint="See them with `righthand outbox list`.")
    if entry.status not in {"uncertain", "failed"}:
        raise BadInput(f"outbox entry #{entry_id} is {entry.status}; only uncertain or failed "
                       "entries can be settled")
    row = session.get(ActionRow, entry.action_id)
    if how == "resend":
        entry.status, entry.not_before, entry.owner, entry.lease_until = "pending", now, None, None
        entry.attempts = 0
        if row is not None:
            row.state = "queued"
        said = "queued to be sent again"
    elif how == "mark-sent":
        entry.status, entry.finished_at = "sent", now
        if row is not None:
            row.state = "done"
        said = "recorded as delivered"
    else:
        raise BadInput(f"unknown way to settle: {how}", hint="Use resend or mark-sent.")
    audit.append(session, entry.workspace_id, actor, f"outbox.{how}", f"action {entry.action_id}",
                 {"outbox": entry.id}, at=now)
    return f"Outbox entry #{entry_id} {said}."
