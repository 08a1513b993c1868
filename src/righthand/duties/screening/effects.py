"""What happens in Righthand's own store around filing a message.

* ``on_delivered`` (mail.file): the message row learns where the mailbox now has it.
* ``undo`` (mail.file): filing changed the mailbox, so undoing it is another change of the
  mailbox -- a reverse ``mail.file`` queued in the outbox (via the dispatcher, like any
  mailbox change). Moving a message back also teaches the classifier it was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.duties.plugin import EffectResult
from righthand.duties.screening.actions import DUTY, INBOX_CATEGORIES
from righthand.duties.screening.learning import correct
from righthand.errors import Bug
from righthand.store.tables import ActionRow, MailMessage, OutboxRow


def _row_of(session: Session, message: Mapping[str, Any]) -> MailMessage | None:
    key = message.get("key")
    return session.scalars(select(MailMessage).where(MailMessage.message_key == key)).first() \
        if key else None


def filed(session: Session, workspace_id: int, payload: Mapping[str, Any],
          result: Mapping[str, Any], now: datetime) -> None:
    """Record where a filed message now is."""
    where = result.get("result") or {}
    row = _row_of(session, payload.get("message") or {})
    if row is None or not where.get("folder"):
        return
    row.folder, row.uidvalidity, row.uid = where["folder"], where.get("uidvalidity"), \
        where.get("uid")
    if where.get("moved"):
        row.filed_to = None if payload.get("undo_of") else where["folder"]


class FileEffect:
    """Undo of mail.file (apply never runs: mail.file goes to the mailbox, not the store)."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Never called: the dispatcher files through the mailbox connector."""
        raise Bug("mail.file is carried out by the mailbox connector, not as a local effect")

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Queue the reverse filing, and learn that the category was wrong."""
        reverse = Action(duty=DUTY, kind="mail.file", initiative=Initiative.REACTIVE,
                         undoable=False, summary="Undo filing: put the message back",
                         payload={"message": dict(undo.get("message") or {}),
                                  "category": payload.get("category"),
                                  "move_to": undo.get("move_to"), "add_flags": [],
                                  "remove_flags": list(undo.get("remove_flags") or []),
                                  "add_labels": [],
                                  "remove_labels": list(undo.get("remove_labels") or []),
                                  "undo_of": undo.get("action_id")})
        row = ActionRow(workspace_id=workspace_id, duty=DUTY, kind="mail.file",
                        payload=reverse.data, payload_hash=reverse.payload_hash,
                        summary=reverse.summary, initiative=str(reverse.initiative),
                        undoable=False, requested_by="client (undo)", decision="allow",
                        decision_code="undo", decision_reason="Undoing an earlier action.",
                        state="queued", created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        session.add(OutboxRow(workspace_id=workspace_id, action_id=row.id,
                              idempotency_key=f"rh-{workspace_id}-{row.id}-"
                                              f"{row.payload_hash[:16]}",
                              via="mailbox", status="pending", attempts=0, not_before=now,
                              created_at=now))
        message = _row_of(session, payload.get("message") or {})
        if message is not None and (message.category or "") not in INBOX_CATEGORIES:
            correct(session, message, "fyi", "undo", now)
        where = f" back to {undo['move_to']}" if undo.get("move_to") else ""
        return f"The message goes{where} and loses its flags and labels (action #{row.id})."
