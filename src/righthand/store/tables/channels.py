"""Channels the client talks to the assistant through: the client's verified identities
(email addresses, phone numbers with a hashed PIN) and each conversation's short memory (the
last things referred to, a pending clarification)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped


class ChannelIdentity(Scoped, Base):
    """One of the client's own addresses or numbers. Email: obeyed once ``verified_at`` is set
    (the client confirmed a code sent to it). Phone: obeyed after the caller's PIN matches
    ``secret_hash`` (Argon2id). ``secret_hash`` holds the pending confirmation code's hash
    for an unverified address."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # email | phone
    value: Mapped[str] = mapped_column(String(320))  # lower-case address, or E.164 number
    secret_hash: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]
    # Accept mail from this address without a passing DKIM/DMARC verdict (a local server that
    # writes no Authentication-Results); off by default.
    trust_unauthenticated: Mapped[bool] = mapped_column(Boolean, default=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class ConversationState(Scoped, Base):
    """A conversation's short memory on one channel ("cli", "email:ADDR", "phone:CALLSID")."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("workspace_id", "channel"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(200))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
