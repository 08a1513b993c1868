"""API tokens: bearer tokens for the JSON API, bound to one user, one workspace and scopes.

A token is shown once; the database keeps its SHA-256 (the token is 256 random bits, so a
slow hash adds nothing) and a short prefix to recognise it in lists.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from righthand.errors import BadInput, NotFound
from righthand.service import audit
from righthand.store.tables import ApiToken, User, Workspace, WorkspaceMember

PREFIX = "rht_"
SCOPES: dict[str, str] = {
    "read": "Read the agenda, approvals, job description, trust figures, audit log, and the "
            "contacts, lists, mailings, inbox, deals and supplies the duties read",
    "ask": "Ask the assistant (its actions still meet the gate)",
    "approve": "Approve, edit or reject waiting actions",
    "job": "Change the job description (phase, autonomy, limits)",
}
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "owner": frozenset(SCOPES),
    "staff": frozenset({"read", "ask"}),
}
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Verified:
    """A valid token: whose, for which workspace, with which scopes."""

    token_id: int
    user_id: int
    username: str
    display_name: str
    is_admin: bool
    workspace_id: int
    scopes: frozenset[str]
    needs_touch: bool = False
    # The token's workspace as its membership reads it (one query serves both).
    membership: TokenWorkspace | None = None


@dataclass(frozen=True)
class TokenWorkspace:
    """The workspace a token is for, and its user's role there."""

    role: str
    id: int
    slug: str
    client_name: str
    assistant_name: str
    timezone: str
    phase: int | None


def digest(raw: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def check_scopes(scopes: list[str] | tuple[str, ...], role: str) -> list[str]:
    """The scopes, validated against the catalogue and what ``role`` may hold."""
    chosen = sorted({s.strip().lower() for s in scopes if s.strip()})
    if not chosen:
        raise BadInput("a token needs at least one scope",
                       hint=f"Scopes: {', '.join(SCOPES)}.")
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise BadInput(f"unknown scope(s): {', '.join(unknown)}",
                       hint=f"Scopes: {', '.join(SCOPES)}.")
    beyond = [s for s in chosen if s not in ROLE_SCOPES.get(role, frozenset())]
    if beyond:
        raise BadInput(f"a {role} cannot hold the scope(s) {', '.join(beyond)}",
                       hint="Only the workspace's owner approves and changes the job.")
    return chosen


def issue(session: Session, user: User, workspace: Workspace, role: str, name: str,
          scopes: list[str], now: datetime, actor: str,
          expires_at: datetime | None = None) -> tuple[str, ApiToken]:
    """A new token; returns the raw value (shown once) and its row."""
    chosen = check_scopes(scopes, role)
    label = name.strip()[:100] or "API token"
    raw = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, workspace_id=workspace.id, name=label, prefix=raw[:12],
                   token_hash=digest(raw), scopes={"list": chosen}, created_at=now,
                   expires_at=expires_at)
    session.add(row)
    session.flush()
    audit.append(session, workspace.id, actor, "token.issued", f"token {row.id}",
                 {"name": label, "scopes": chosen, "prefix": row.prefix}, at=now)
    return raw, row


# Built once: every API call asks it.
_VERIFY = (select(ApiToken, User.username, User.display_name, User.is_admin, WorkspaceMember.role,
                  Workspace.slug, Workspace.client_name, Workspace.assistant_name,
                  Workspace.timezone, Workspace.phase)
           .join(User, User.id == ApiToken.user_id)
           .join(WorkspaceMember, (WorkspaceMember.user_id == ApiToken.user_id)
                 & (WorkspaceMember.workspace_id == ApiToken.workspace_id))
           .join(Workspace, Workspace.id == ApiToken.workspace_id)
           .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
                  User.is_active.is_(True)))


def verify(session: Session, raw: str, now: datetime) -> Verified | None:
    """The token's grant, or None when it is unknown, revoked, expired, or its user left."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    row = session.execute(_VERIFY, {"digest": digest(raw)}).first()
    if row is None:
        return None
    token, username, display_name, is_admin, role, slug, client, assistant, zone, phase = row
    if token.expires_at is not None and token.expires_at <= now:
        return None
    # A token never holds more than its user's role allows today (a demoted owner's old
    # "approve" token stops approving).
    scopes = frozenset(token.scopes.get("list", [])) & ROLE_SCOPES.get(role, frozenset())
    stale = token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY
    return Verified(token.id, token.user_id, username, display_name, is_admin,
                    token.workspace_id, scopes, stale,
                    TokenWorkspace(role, token.workspace_id, slug, client, assistant, zone, phase))


def touch(session: Session, token_id: int, now: datetime) -> None:
    """Record use (at most every few minutes, so reads do not become writes)."""
    row = session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = now


def of_user(session: Session, user_id: int, workspace_id: int) -> list[ApiToken]:
    """The user's tokens for one workspace, newest first."""
    return list(session.scalars(select(ApiToken).where(
        ApiToken.user_id == user_id, ApiToken.workspace_id == workspace_id)
        .order_by(ApiToken.id.desc())))


def revoke(session: Session, token_id: int, user_id: int, workspace_id: int, now: datetime,
           actor: str) -> ApiToken:
    """Revoke one of the user's own tokens for this workspace (else NotFound)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id or row.workspace_id != workspace_id:
        raise NotFound(f"there is no token #{token_id} of yours in this workspace")
    if row.revoked_at is None:
        row.revoked_at = now
        audit.append(session, workspace_id, actor, "token.revoked", f"token {row.id}",
                     {"name": row.name, "prefix": row.prefix}, at=now)
    return row
