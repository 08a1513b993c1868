"""Sign-in rate limit, kept in the database so every worker (and machine) shares it.

Failures are counted per account and per client IP within a sliding window. An account's count
starts again after a successful sign-in (whoever signed in knew the password); an IP's does not,
so an attacker cannot reset it by signing in to an account of their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from righthand.store.tables import LoginAttempt
from righthand.web.settings import WebSettings

KEEP = timedelta(days=2)


def keys(ip: str | None, username: str) -> tuple[str, str]:
    """The IP key and the account key of one attempt."""
    return f"ip:{ip or 'unknown'}", f"user:{username.strip().lower()[:150]}"


def _failures(session: Session, key: str, since: datetime,
              after: datetime | None = None) -> tuple[int, datetime | None]:
    query = select(func.count(LoginAttempt.id), func.min(LoginAttempt.at)).where(
        LoginAttempt.key == key, LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    if after is not None:
        query = query.where(LoginAttempt.at > after)
    count, oldest = session.execute(query).one()
    return int(count or 0), oldest


def _last_success(session: Session, key: str, since: datetime) -> datetime | None:
    return session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.key == key, LoginAttempt.at >= since, LoginAttempt.success.is_(True)))


def retry_after(session: Session, ip_key: str, user_key: str, now: datetime,
                settings: WebSettings) -> int | None:
    """Seconds until another attempt is allowed, or None when it is allowed now."""
    window = timedelta(minutes=settings.login_window_minutes)
    start = now - window
    waits = []
    count, oldest = _failures(session, ip_key, start)
    if count >= settings.login_max_failures_per_ip and oldest is not None:
        waits.append(oldest + window - now)
    success = _last_success(session, user_key, start)
    count, oldest = _failures(session, user_key, start, success)
    if count >= settings.login_max_failures and oldest is not None:
        waits.append(oldest + window - now)
    if not waits:
        return None
    return max(1, int(max(waits).total_seconds()) + 1)


def record(session: Session, ip_key: str, user_key: str, success: bool, now: datetime) -> None:
    """Remember one attempt under both keys (and forget those too old to matter)."""
    session.add_all([LoginAttempt(key=ip_key, at=now, success=success),
                     LoginAttempt(key=user_key, at=now, success=success)])
    session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_([ip_key, user_key]),
                                               LoginAttempt.at < now - KEEP))
