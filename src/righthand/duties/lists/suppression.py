"""The global suppression list: addresses no mailing may reach, whatever list they are on.

Reasons: ``unsubscribed`` (asked to get nothing more), ``hard_bounce`` (the address does not
exist), ``complaint`` (marked a message as spam), ``manual`` (the client said so).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.duties.lists.contacts import chunks
from righthand.duties.plugin import EffectResult
from righthand.errors import BadInput, NotFound
from righthand.store.tables import Suppression

REASONS = ("unsubscribed", "hard_bounce", "complaint", "manual")


def find(session: Session, address: str) -> Suppression | None:
    """The suppression of ``address``, if any."""
    return session.scalars(select(Suppression).where(
        func.lower(Suppression.address) == address.strip().lower())).first()


def is_suppressed(session: Session, address: str) -> bool:
    """True when no mailing may reach ``address``."""
    return find(session, address) is not None


def suppressed_among(session: Session, addresses: Iterable[str]) -> dict[str, str]:
    """address (lower case) -> reason, for those of ``addresses`` that are suppressed."""
    found: dict[str, str] = {}
    for part in chunks(sorted({a.strip().lower() for a in addresses})):
        found.update({a.lower(): r for a, r in session.execute(
            select(Suppression.address, Suppression.reason).where(
                func.lower(Suppression.address).in_(part)))})
    return found


def suppress(session: Session, workspace_id: int, address: str, reason: str, source: str,
             now: datetime) -> tuple[Suppression, bool]:
    """Suppress ``address`` (idempotent); returns the row and whether it is new. An existing
    entry keeps its first reason, except that a complaint or hard bounce outranks others."""
    if reason not in REASONS:
        raise BadInput(f"{reason!r} is not a suppression reason",
                       hint="Use one of: " + ", ".join(REASONS) + ".")
    existing = find(session, address)
    if existing is not None:
        if reason in {"complaint", "hard_bounce"} and existing.reason in {"manual",
                                                                           "unsubscribed"}:
            existing.reason = reason
            existing.source = source[:300]
        return existing, False
    row = Suppression(workspace_id=workspace_id, address=address.strip().lower(), reason=reason,
                      source=source[:300], created_at=now)
    session.add(row)
    session.flush()
    return row, True


class SuppressEffect:
    """suppression.add: put an address on the suppression list; undo takes it off again."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Suppress the address."""
        row, new = suppress(session, workspace_id, str(payload["address"]),
                            str(payload.get("reason") or "manual"),
                            str(payload.get("source") or ""), now)
        return EffectResult(result={"suppression_id": row.id, "new": new},
                            undo={"suppression_id": row.id if new else None})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Remove the suppression this action added (one that was there before stays)."""
        if undo.get("suppression_id"):
            row = session.get(Suppression, int(undo["suppression_id"]))
            if row is not None:
                session.delete(row)
        return f"{payload['address']} is no longer suppressed."


class UnsuppressEffect:
    """suppression.remove: take an address off the suppression list; undo puts it back."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Remove the suppression."""
        row = find(session, str(payload["address"]))
        if row is None:
            raise NotFound(f"{payload['address']} is not on the suppression list",
                           hint="See it with `righthand suppression list`.")
        image = {"address": row.address, "reason": row.reason, "source": row.source,
                 "created_at": row.created_at.isoformat()}
        session.delete(row)
        return EffectResult(result={"removed": row.address}, undo={"row": image})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Put the suppression back as it was."""
        image = undo["row"]
        if find(session, image["address"]) is None:
            session.add(Suppression(workspace_id=workspace_id, address=image["address"],
                                    reason=image["reason"], source=image["source"],
                                    created_at=datetime.fromisoformat(image["created_at"])))
        return f"{image['address']} is suppressed again ({image['reason']})."
