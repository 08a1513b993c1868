"""Call screening (the phone line, its rules, the call log and voicemails, webhook replay
marks) and appointment confirmations (status per attendee of each appointment)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped, Sealed


class PhoneLine(Scoped, Base):
    """The workspace's phone number at a Twilio-compatible carrier."""

    __tablename__ = "phone_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32))  # E.164
    account_sid: Mapped[str | None] = mapped_column(String(64))  # sends texts (Messages API)
    auth_token: Mapped[str | None] = mapped_column(Sealed())  # verifies the carrier's webhooks
    ring_to: Mapped[str | None] = mapped_column(String(32))  # the client's own phone, E.164
    greeting: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id"),)


class CallRule(Scoped, Base):
    """One screening rule: who (number, contact, tag, unknown, everyone), when (time of day),
    what (ring, voicemail, ask, block)."""

    __tablename__ = "call_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    action: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class CallRow(Scoped, Base):
    """One inbound call: the decision taken, what the caller said, the voicemail."""

    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    from_number: Mapped[str] = mapped_column(String(32), default="")
    contact_id: Mapped[int | None] = mapped_column(Integer)
    caller_name: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(16))  # ring message ask block
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default="ringing")
    started_at: Mapped[datetime]
    recording_url: Mapped[str | None] = mapped_column(Text)
    recording_seconds: Mapped[int | None] = mapped_column(Integer)
    transcription: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(32))  # as email screening's
    seen: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (UniqueConstraint("workspace_id", "call_sid"),
                      Index("ix_calls_ws_started", "workspace_id", "started_at"))


class WebhookMark(Scoped, Base):
    """A webhook request already answered (hash of its signature and body): a replay of the
    same signed request is refused."""

    __tablename__ = "webhook_marks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id", "digest"),)


class AppointmentConfirmation(Scoped, Base):
    """One external attendee of one appointment occurrence: confirmation status and which
    messages (booking, reminder offsets) were proposed."""

    __tablename__ = "appointment_confirmations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_uid: Mapped[str] = mapped_column(String(255))
    starts_at: Mapped[datetime]
    summary: Mapped[str] = mapped_column(String(500), default="")
    attendee: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    # pending confirmed declined reschedule no_show
    status: Mapped[str] = mapped_column(String(16), default="pending")
    sent: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"offsets": ["booking", "48"]}
    note: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id", "event_uid", "starts_at", "attendee"),)
