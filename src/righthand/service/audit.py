"""The audit log: append-only and hash-chained, one chain per workspace.

Each entry's hash covers its own fields and the previous entry's hash, so altering or
removing any entry breaks every link after it; :func:`verify` names the first broken one.
Appending locks the chain's head row (``audit_heads``) for the rest of the transaction, so
concurrent writers on PostgreSQL or SQLite serialise and the chain never forks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from righthand.domain.jsonish import canonical_json, freeze, sha256_hex
from righthand.store.tables import AuditEntry, AuditHead

GENESIS = "0" * 64


def _entry_hash(workspace_id: int, seq: int, at: datetime, actor: str, event: str,
                subject: str, data: Mapping[str, Any], prev_hash: str) -> str:
    return sha256_hex(canonical_json({
        "workspace": workspace_id, "seq": seq, "at": at.isoformat(timespec="microseconds"),
        "actor": actor, "event": event, "subject": subject, "data": data, "prev": prev_hash}))


def start_chain(session: Session, workspace_id: int) -> None:
    """Create the head of a new workspace's chain."""
    session.add(AuditHead(workspace_id=workspace_id, seq=0, hash=GENESIS))
    session.flush()


def append(session: Session, workspace_id: int, actor: str, event: str, subject: str = "",
           data: Mapping[str, Any] | None = None, *, at: datetime) -> AuditEntry:
    """Append one entry to the workspace's chain, inside the caller's transaction."""
    # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before reading.
    session.execute(update(AuditHead).where(AuditHead.workspace_id == workspace_id)
                    .values(seq=AuditHead.seq + 1))
    head = session.scalars(select(AuditHead).where(AuditHead.workspace_id == workspace_id)
                           .with_for_update()).one()
    session.refresh(head)
    payload = freeze(data or {})
    digest = _entry_hash(workspace_id, head.seq, at, actor, event, subject, payload, head.hash)
    entry = AuditEntry(workspace_id=workspace_id, seq=head.seq, at=at, actor=actor, event=event,
                       subject=subject, data=payload, prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.hash = digest
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    """The result of checking a chain."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str = ""


def verify(session: Session, workspace_id: int, batch: int = 1000) -> Verification:
    """Walk the chain in order; report the first entry that was altered, removed or inserted."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in _entries(session, workspace_id, batch):
        if entry.seq != expected_seq:
            return Verification(False, count, expected_seq,
                                f"entry {expected_seq} is missing (next found is {entry.seq})")
        if entry.prev_hash != expected_prev:
            return Verification(False, count, entry.seq,
                                f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        digest = _entry_hash(workspace_id, entry.seq, entry.at, entry.actor, entry.event,
                             entry.subject, entry.data, entry.prev_hash)
        if digest != entry.hash:
            return Verification(False, count, entry.seq,
                                f"entry {entry.seq} was altered after it was written")
        expected_prev = entry.hash
        expected_seq += 1
        count += 1
    head = session.scalars(select(AuditHead).where(AuditHead.workspace_id == workspace_id)).first()
    if head is not None and (head.seq != count or head.hash != expected_prev):
        return Verification(False, count, count + 1,
                            f"the chain ends at entry {count} but its head says {head.seq}: "
                            "the newest entries were removed")
    return Verification(True, count)


def _entries(session: Session, workspace_id: int, batch: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.workspace_id == workspace_id,
                                                        AuditEntry.seq > last)
                               .order_by(AuditEntry.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def recent(session: Session, workspace_id: int, limit: int = 50,
           event: str | None = None) -> list[AuditEntry]:
    """The newest entries, newest first."""
    query = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if event:
        query = query.where(AuditEntry.event.like(f"{event}%"))
    return list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)))
