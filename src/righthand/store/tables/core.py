"""Workspace, settings, the job description, actions, approvals, outbox, ledger, audit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped


class Workspace(Base):
    """One client's workspace."""

    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    client_name: Mapped[str] = mapped_column(String(200))
    assistant_name: Mapped[str] = mapped_column(String(100), default="Jane")
    address_form: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    phase: Mapped[int | None] = mapped_column(Integer)
    # business name, postal address, phone, email, signature, letterhead lines
    profile: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class Setting(Base):
    """Installation-wide key/value settings (the current workspace, ...)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class JobDuty(Scoped, Base):
    """One line of a workspace's job description."""

    __tablename__ = "job_duties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duty: Mapped[str] = mapped_column(String(64))
    autonomy: Mapped[str] = mapped_column(String(16))
    initiative: Mapped[str] = mapped_column(String(16))
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    __table_args__ = (UniqueConstraint("workspace_id", "duty"),)


class ActionRow(Scoped, Base):
    """A proposed action (one version) and the gate's decision on it."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duty: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    payload_hash: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    initiative: Mapped[str] = mapped_column(String(16))
    undoable: Mapped[bool] = mapped_column(Boolean, default=False)
    amount: Mapped[Decimal | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    requested_by: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(8))
    decision_code: Mapped[str] = mapped_column(String(32))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    # proposed -> denied | awaiting_approval -> queued -> done | failed | uncertain;
    # awaiting_approval -> rejected | superseded | expired; done -> undone
    state: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (Index("ix_actions_ws_state", "workspace_id", "state"),
                      Index("ix_actions_ws_duty_created", "workspace_id", "duty", "created_at"))


class Approval(Scoped, Base):
    """A pending (or decided) request for the client's yes, bound to one payload hash."""

    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending approved rejected expired superseded
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_approvals_ws_status", "workspace_id", "status"),)


class OutboxRow(Scoped, Base):
    """An action on its way to the world. The source of truth for what must be delivered."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    via: Mapped[str] = mapped_column(String(32))
    # pending -> sending -> sent | failed | uncertain ; pending -> cancelled
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_outbox_status_due", "status", "not_before"),)


class OutcomeRow(Scoped, Base):
    """The ledger: one outcome of one action."""

    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    duty: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_outcomes_ws_duty_at", "workspace_id", "duty", "at"),)


class AuditEntry(Scoped, Base):
    """Append-only, hash-chained audit log (one chain per workspace)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("workspace_id", "seq"),)


class AuditHead(Scoped, Base):
    """The end of a workspace's audit chain; locked while a new entry is appended."""

    __tablename__ = "audit_heads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("workspace_id"),)
