"""Browser sessions: a random token in an HttpOnly cookie, only its SHA-256 in the database.

Each session carries its own CSRF token. Sessions end after ``session_idle_hours`` without a
request and after ``session_max_days`` in any case; ``last_seen_at`` is written at most every
few minutes, so reading pages does not turn into a stream of writes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from righthand.store.tables import User, WebSession
from righthand.web.settings import WebSettings

COOKIE = "righthand_session"
TOUCH_EVERY = timedelta(minutes=5)
STAGE_OK = "ok"
STAGE_TOTP = "totp"


def token_hash(raw: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Found:
    """A live session and its user."""

    session_id: int
    user_id: int
    username: str
    display_name: str
    is_admin: bool
    stage: str
    csrf_token: str
    needs_touch: bool


def start(session: Session, user: User, stage: str, now: datetime, settings: WebSettings,
          ip: str | None, user_agent: str | None) -> str:
    """A new session for ``user``; returns the raw token for the cookie (never stored)."""
    raw = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=token_hash(raw), user_id=user.id,
                           csrf_token=secrets.token_urlsafe(32), stage=stage, created_at=now,
                           last_seen_at=now, expires_at=_expiry(now, now, settings),
                           ip=(ip or "")[:64] or None, user_agent=(user_agent or "")[:300] or None))
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return raw


def _expiry(created: datetime, now: datetime, settings: WebSettings) -> datetime:
    return min(now + timedelta(hours=settings.session_idle_hours),
               created + timedelta(days=settings.session_max_days))


# Built once: every page asks it, and building a statement costs more than running it.
_LOOKUP = (select(WebSession.id, WebSession.user_id, WebSession.stage, WebSession.csrf_token,
                  WebSession.last_seen_at, User.username, User.display_name, User.is_admin)
           .join(User, User.id == WebSession.user_id)
           .where(WebSession.token_hash == bindparam("digest"),
                  WebSession.expires_at > bindparam("now", type_=WebSession.expires_at.type),
                  User.is_active.is_(True)))


def lookup(session: Session, raw: str | None, now: datetime) -> Found | None:
    """The live session behind cookie value ``raw``, if any."""
    if not raw or len(raw) > 200:
        return None
    row = session.execute(_LOOKUP, {"digest": token_hash(raw), "now": now}).first()
    if row is None:
        return None
    return Found(session_id=row.id, user_id=row.user_id, username=row.username,
                 display_name=row.display_name, is_admin=row.is_admin, stage=row.stage,
                 csrf_token=row.csrf_token, needs_touch=now - row.last_seen_at > TOUCH_EVERY)


def touch(session: Session, session_id: int, now: datetime, settings: WebSettings) -> None:
    """Slide the idle expiry forward (bounded by the session's maximum age)."""
    row = session.get(WebSession, session_id)
    if row is not None:
        row.last_seen_at = now
        row.expires_at = _expiry(row.created_at, now, settings)


def promote(session: Session, session_id: int) -> None:
    """The second factor was given: the session becomes a full one."""
    session.execute(update(WebSession).where(WebSession.id == session_id)
                    .values(stage=STAGE_OK))


def end(session: Session, raw: str | None) -> None:
    """Sign out the browser holding ``raw``."""
    if raw:
        session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(raw)))


def end_all(session: Session, user_id: int) -> None:
    """Sign out every browser of ``user_id`` (after a password change)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
