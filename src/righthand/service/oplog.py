"""The installation log: hash-chained like the audit log, but one chain for the whole
installation, so it survives the workspaces it records (deletions, exports, restores, key
rotations). Only the operator's commands write it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.jsonish import canonical_json, freeze, sha256_hex
from righthand.service.audit import GENESIS, Verification
from righthand.store.tables import InstallationLogEntry


def _digest(seq: int, at: datetime, actor: str, event: str, subject: str,
            data: Mapping[str, Any], prev: str) -> str:
    return sha256_hex(canonical_json({
        "seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor,
        "event": event, "subject": subject, "data": data, "prev": prev}))


def append(session: Session, actor: str, event: str, subject: str = "",
           data: Mapping[str, Any] | None = None, *, at: datetime) -> InstallationLogEntry:
    """Append one entry inside the caller's (writing) transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders; the unique seq would refuse a fork anyway.
        session.connection().exec_driver_sql(
            "LOCK TABLE installation_log IN SHARE ROW EXCLUSIVE MODE")
    last = session.scalars(select(InstallationLogEntry)
                           .order_by(InstallationLogEntry.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    payload = freeze(data or {})
    entry = InstallationLogEntry(seq=seq, at=at, actor=actor, event=event, subject=subject,
                                 data=payload, prev_hash=prev,
                                 hash=_digest(seq, at, actor, event, subject, payload, prev))
    session.add(entry)
    session.flush()
    return entry


def verify(session: Session) -> Verification:
    """Check the chain; name the first altered, removed or inserted entry."""
    prev, count = GENESIS, 0
    for entry in session.scalars(select(InstallationLogEntry)
                                 .order_by(InstallationLogEntry.seq)):
        if entry.seq != count + 1:
            return Verification(False, count, count + 1, f"entry {count + 1} is missing")
        if entry.prev_hash != prev or entry.hash != _digest(
                entry.seq, entry.at, entry.actor, entry.event, entry.subject, entry.data,
                entry.prev_hash):
            return Verification(False, count, entry.seq,
                                f"entry {entry.seq} was altered after it was written")
        prev, count = entry.hash, count + 1
    return Verification(True, count)


def recent(session: Session, limit: int = 50) -> list[InstallationLogEntry]:
    """The newest entries, newest first."""
    return list(session.scalars(select(InstallationLogEntry)
                                .order_by(InstallationLogEntry.seq.desc()).limit(limit)))
