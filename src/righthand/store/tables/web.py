"""Web accounts: users, memberships, sessions, API tokens, login attempts (not workspace rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base


# Users and memberships are installation-wide (not Scoped): a membership links a user to a
# workspace, and the web layer resolves the workspace from it before opening a scoped session.
class User(Base):
    """A person who signs in to the web console: a client, a staff assistant, an admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # set once confirmed
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # refuses a replayed code
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]


class WorkspaceMember(Base):
    """A user's membership of a workspace: ``owner`` (the client) or ``staff`` (an assistant)."""

    __tablename__ = "workspace_members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"),
                                              index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("user_id", "workspace_id"),)


class WebSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(8))  # totp (password given, code due) | ok
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiToken(Base):
    """A bearer token for the JSON API: one user, one workspace, some scopes; hashed at rest."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"),
                                              index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[dict[str, Any]]  # {"list": ["read", "ask", ...]}
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """One sign-in attempt, by IP and by account: the rate limit every worker shares."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # "ip:203.0.113.9" or "user:alice"
    at: Mapped[datetime]
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)
