"""The client's mailbox as Righthand sees it, and email screening."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped, Sealed


class MailAccount(Scoped, Base):
    """The workspace's mailbox: IMAP (or a local Maildir) and SMTP. Passwords are sealed at
    rest (``Sealed``, see righthand.secrets) and never appear in logs, reprs or exports."""

    __tablename__ = "mail_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # imap maildir
    imap_host: Mapped[str | None] = mapped_column(String(255))
    imap_port: Mapped[int | None] = mapped_column(Integer)
    imap_security: Mapped[str] = mapped_column(String(16), default="ssl")  # ssl starttls none
    imap_username: Mapped[str | None] = mapped_column(String(320))
    imap_password: Mapped[str | None] = mapped_column(Sealed())
    maildir_path: Mapped[str | None] = mapped_column(Text)
    smtp_host: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_security: Mapped[str] = mapped_column(String(16), default="starttls")
    smtp_username: Mapped[str | None] = mapped_column(String(320))
    smtp_password: Mapped[str | None] = mapped_column(Sealed())
    address: Mapped[str | None] = mapped_column(String(320))  # the client's own address
    # inbox, watch (folders screened), targets (category -> folder), backfill (first sync)
    folders: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idle_seconds: Mapped[int] = mapped_column(Integer, default=1500)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_ok_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("workspace_id"),)

    def __repr__(self) -> str:  # never show the passwords
        return (f"MailAccount({self.kind}, {self.imap_username or ''}@{self.imap_host or ''}"
                f"{self.maildir_path or ''})")


class MailFolderState(Scoped, Base):
    """How far one folder has been read: its UIDVALIDITY and the highest UID stored."""

    __tablename__ = "mail_folders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    synced_at: Mapped[datetime]
    resyncs: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (UniqueConstraint("workspace_id", "folder"),)


class MailMessage(Scoped, Base):
    """One message of the client's mailbox, stored once (by Message-ID), screened once.

    new -> screened, or quarantined (unreadable; kept with a reason and its raw bytes)."""

    __tablename__ = "mail_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_key: Mapped[str] = mapped_column(String(80))  # hash of Message-ID (or raw bytes)
    message_id: Mapped[str | None] = mapped_column(Text)
    folder: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    from_address: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(400), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime]
    size: Mapped[int] = mapped_column(Integer, default=0)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # parsed headers, text, parts
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # kept for quarantined messages
    state: Mapped[str] = mapped_column(String(16))
    quarantine_reason: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str | None] = mapped_column(String(8))  # high normal low
    reasons: Mapped[dict[str, Any] | None]
    screened_at: Mapped[datetime | None]
    filed_to: Mapped[str | None] = mapped_column(String(500))
    corrected_category: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (UniqueConstraint("workspace_id", "message_key"),
                      UniqueConstraint("workspace_id", "folder", "uidvalidity", "uid"),
                      Index("ix_mail_messages_ws_state", "workspace_id", "state"),
                      Index("ix_mail_messages_ws_fetched", "workspace_id", "fetched_at"))


class ScreeningRule(Scoped, Base):
    """A rule the client gave in plain words, and what it was understood to mean."""

    __tablename__ = "screening_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    match: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field, value
    effect: Mapped[dict[str, Any]] = mapped_column(default=dict)  # category, priority, ...
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200), default="client")


class ScreeningCorrection(Scoped, Base):
    """The client corrected a category: a training signal, and a test of the classifier."""

    __tablename__ = "screening_corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"))
    from_category: Mapped[str | None] = mapped_column(String(32))
    to_category: Mapped[str] = mapped_column(String(32))
    model_guess: Mapped[str | None] = mapped_column(String(32))  # before learning from it
    source: Mapped[str] = mapped_column(String(32))  # recategorise moved_back undo
    at: Mapped[datetime]
    __table_args__ = (Index("ix_screening_corrections_ws_at", "workspace_id", "at"),)


class ScreeningModel(Scoped, Base):
    """The workspace's learned classifier (token counts per category, compressed JSON)."""

    __tablename__ = "screening_models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    examples: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id"),)
