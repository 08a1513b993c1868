"""Users and their workspace memberships: who may sign in, and to which workspaces.

Roles in a workspace: ``owner`` -- the client, who decides (approvals, job description,
profile) -- and ``staff`` -- an agency's assistant, who works through the same gate as the AI
assistant and is attributed in the audit log as ``staff:<username>``. ``is_admin`` is
installation-wide: an admin manages accounts, but sees only workspaces they are a member of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.errors import BadInput, NotFound
from righthand.service import audit
from righthand.store.tables import User, Workspace, WorkspaceMember
from righthand.web import passwords

ROLES = ("owner", "staff")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Membership:
    """One workspace a user belongs to, with their role in it."""

    workspace_id: int
    slug: str
    client_name: str
    role: str


def actor_for(role: str, username: str) -> str:
    """How this user's actions are attributed: ``client:pat``, ``staff:alice``."""
    return f"{'client' if role == 'owner' else 'staff'}:{username}"


def normalise_username(username: str) -> str:
    """The canonical (lower-case) username, or a clear error."""
    cleaned = username.strip().lower()
    if not _USERNAME.match(cleaned):
        raise BadInput(f"{username!r} is not a valid username",
                       hint="Use lower-case letters, digits, dots, dashes or underscores.")
    return cleaned


def find(session: Session, username: str) -> User | None:
    """The user called ``username`` (case-insensitive), if any."""
    return session.scalars(select(User).where(User.username == username.strip().lower())).first()


def get(session: Session, username: str) -> User:
    """The user called ``username``, or NotFound."""
    user = find(session, username)
    if user is None:
        raise NotFound(f"there is no user called {username!r}",
                       hint="See the users with `righthand users list`.")
    return user


def create(session: Session, username: str, password: str, now: datetime, *,
           display_name: str = "", is_admin: bool = False) -> User:
    """A new active user with an Argon2id password hash."""
    name = normalise_username(username)
    if find(session, name) is not None:
        raise BadInput(f"a user called {name!r} already exists",
                       hint="Pick another name, or change the password with "
                            "`righthand users passwd`.")
    user = User(username=name, display_name=display_name.strip() or name,
                password_hash=passwords.hash_password(password), is_admin=is_admin,
                is_active=True, created_at=now, password_changed_at=now)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, now: datetime) -> None:
    """Replace the password; every signed-in browser of the user is signed out."""
    from righthand.web import sessions

    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    sessions.end_all(session, user.id)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user whose password this is, or None (in about the same time either way)."""
    user = find(session, username)
    if user is None or not user.is_active:
        passwords.burn_time(password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def add_member(session: Session, user: User, workspace: Workspace, role: str, now: datetime,
               actor: str) -> WorkspaceMember:
    """Give ``user`` a role in ``workspace`` (or change it); audited in the workspace's chain."""
    if role not in ROLES:
        raise BadInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    member = session.scalars(select(WorkspaceMember).where(
        WorkspaceMember.user_id == user.id, WorkspaceMember.workspace_id == workspace.id)).first()
    if member is not None and member.role == role:
        return member
    if member is None:
        member = WorkspaceMember(user_id=user.id, workspace_id=workspace.id, role=role,
                                 created_at=now)
        session.add(member)
    else:
        member.role = role
    session.flush()
    audit.append(session, workspace.id, actor, "member.added", user.username,
                 {"role": role}, at=now)
    return member


def remove_member(session: Session, user: User, workspace: Workspace, now: datetime,
                  actor: str) -> None:
    """Take ``user`` out of ``workspace`` (their API tokens for it stop working too)."""
    from righthand.store.tables import ApiToken

    member = session.scalars(select(WorkspaceMember).where(
        WorkspaceMember.user_id == user.id, WorkspaceMember.workspace_id == workspace.id)).first()
    if member is None:
        raise NotFound(f"{user.username} is not a member of {workspace.slug}")
    session.delete(member)
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                        ApiToken.workspace_id == workspace.id,
                                                        ApiToken.revoked_at.is_(None))):
        token.revoked_at = now
    audit.append(session, workspace.id, actor, "member.removed", user.username, {}, at=now)


def memberships(session: Session, user_id: int) -> list[Membership]:
    """The workspaces ``user_id`` belongs to, in the order they joined."""
    rows = session.execute(select(WorkspaceMember.role, Workspace.id, Workspace.slug,
                                  Workspace.client_name)
                           .join(Workspace, Workspace.id == WorkspaceMember.workspace_id)
                           .where(WorkspaceMember.user_id == user_id)
                           .order_by(WorkspaceMember.id)).all()
    return [Membership(ws_id, slug, client, role) for role, ws_id, slug, client in rows]
