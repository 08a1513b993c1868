"""Ad copy drafts, the client's edits of them (the brand voice is learned from these), and
the language model's daily token use per workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped


class CopyDraft(Scoped, Base):
    """Ad copy the client approved for use (the effect of a ``copy.draft`` action)."""

    __tablename__ = "copy_drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    brief: Mapped[dict[str, Any]]
    variants: Mapped[dict[str, Any]]  # {"variants": [...]}
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # offline | model
    status: Mapped[str] = mapped_column(String(16))  # saved | withdrawn
    created_at: Mapped[datetime]


class CopyEdit(Scoped, Base):
    """One change the client made to drafted copy: what was drafted, what they wanted."""

    __tablename__ = "copy_edits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ModelUsage(Scoped, Base):
    """Tokens a workspace spent on the language model on one (UTC) day."""

    __tablename__ = "llm_usage"
    __table_args__ = (UniqueConstraint("workspace_id", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, UTC
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
