"""Email campaigns and their per-recipient send log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped


class Mailing(Scoped, Base):
    """An email campaign: draft -> scheduled -> sending -> paused | cancelled -> finished."""

    __tablename__ = "mailings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    list_id: Mapped[int | None] = mapped_column(ForeignKey("mailing_lists.id"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id"))
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    per_second: Mapped[float | None] = mapped_column(Numeric(8, 2))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    created_at: Mapped[datetime]
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class MailingRecipient(Scoped, Base):
    """One recipient of one mailing: the per-recipient send log, and the exactly-once claim."""

    __tablename__ = "mailing_recipients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailings.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(320))
    # pending sending sent failed uncertain skipped
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("mailing_id", "address"),
                      Index("ix_mailing_recipients_status", "mailing_id", "status"))
