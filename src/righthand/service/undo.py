"""Undo: reverse an action where the world allows it, and say plainly when it does not."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from righthand.domain.actions import Outcome
from righthand.duties.registry import DutyRegistry
from righthand.errors import CannotUndo, NotFound
from righthand.service import audit, ledger
from righthand.store.tables import ActionRow


def undo(session: Session, registry: DutyRegistry, action_id: int, now: datetime,
         actor: str = "client") -> str:
    """Reverse action ``action_id``; returns what was done, or raises :class:`CannotUndo`."""
    row = session.get(ActionRow, action_id)
    if row is None:
        raise NotFound(f"there is no action #{action_id} in this workspace",
                       hint="Action numbers are shown by `righthand ask --json` and "
                            "`righthand audit list`.")
    if row.state == "undone":
        raise CannotUndo(f"action #{action_id} was already undone")
    if row.state != "done":
        raise CannotUndo(f"action #{action_id} was never carried out (it is {row.state}), so "
                         "there is nothing to undo",
                         hint="Pending approvals can be rejected with `righthand approvals "
                              "reject ID`.")
    manifest = registry.catalog.duty_for_kind(row.kind)
    spec = manifest.kind(row.kind) if manifest else None
    if spec is None or not spec.undoable:
        what = spec.description.lower() if spec else row.kind
        raise CannotUndo(f"action #{action_id} ({what}) cannot be undone: it has already "
                         "reached the outside world",
                         hint="A sent email cannot be unsent; send a correction instead.")
    effect = registry.effects.get(row.kind)
    undo_data = (row.result or {}).get("undo")
    if effect is None or undo_data is None:
        raise CannotUndo(f"action #{action_id} kept no record of how to reverse it")
    message = effect.undo(session, row.workspace_id, row.payload, undo_data, now)
    row.state = "undone"
    row.updated_at = now
    audit.append(session, row.workspace_id, actor, "action.undone", f"action {row.id}",
                 {"kind": row.kind, "message": message}, at=now)
    ledger.record(session, row, Outcome.UNDONE, actor, now)
    return message
