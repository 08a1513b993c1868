"""The effect of an approved ``copy.draft``: the copy is saved for use, and where the client
edited it before approving, the edit is kept so the brand voice learns from it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from righthand.duties.plugin import EffectResult
from righthand.store.tables import CopyDraft, CopyEdit


def edits(before: str, after: str) -> list[tuple[str, str]]:
    """Changed lines when the shape is kept, else the whole text as one edit."""
    old, new = before.strip().splitlines(), after.strip().splitlines()
    if len(old) == len(new):
        return [(a.strip(), b.strip()) for a, b in zip(old, new, strict=True) if a != b]
    return [(before.strip(), after.strip())] if before.strip() != after.strip() else []


def record_edit(session: Session, workspace_id: int, channel: str, before: str, after: str,
                now: datetime) -> int:
    """Keep the client's edits of drafted copy; returns how many were kept."""
    pairs = edits(before, after)
    for old, new in pairs:
        session.add(CopyEdit(workspace_id=workspace_id, channel=channel, before=old,
                             after=new, created_at=now))
    return len(pairs)


class CopyDraftEffect:
    """Saves approved copy; learns from the client's edits."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Save the copy (and the edit, if the client changed the text)."""
        channel = str(payload.get("channel") or "")
        text = str(payload.get("text") or "")
        learned = record_edit(session, workspace_id, channel, str(payload.get("drafted") or
                                                                   text), text, now)
        row = CopyDraft(workspace_id=workspace_id, channel=channel,
                        brief=dict(payload.get("brief") or {}),
                        variants={"variants": list(payload.get("variants") or [])}, text=text,
                        source=str(payload.get("source") or "offline"), status="saved",
                        created_at=now)
        session.add(row)
        session.flush()
        return EffectResult({"draft_id": row.id, "edits_learned": learned},
                            undo={"draft_id": row.id})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Withdraw the saved copy."""
        row = session.get(CopyDraft, int(undo.get("draft_id") or 0))
        if row is None:
            return "The copy was already gone."
        row.status = "withdrawn"
        return f"Withdrew the {row.channel} copy."
