"""Which calendar server a workspace syncs with: its own CalDAV account (Settings ->
Connections, stored in ``caldav_accounts`` with the password sealed), else the administrator's
``RIGHTHAND_CALDAV_URL``. :func:`resolve` is the one place that answers it; the dispatcher's
sync, the worker's schedule and the page's "Test connection" all ask it.

An account a client typed is a URL fetched on someone's behalf, so :func:`guard` puts it through
``righthand.netguard`` (public addresses only unless the administrator allows the host in
``RIGHTHAND_URL_ALLOWLIST``); the administrator's own URL is their choice and is not checked,
as for every URL set in the environment. The password goes nowhere but the sealed column and
the connection: not in the audit log, reprs or error messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand import netguard
from righthand.errors import BadInput
from righthand.service import audit
from righthand.store.tables import CalDavAccount, Workspace

if TYPE_CHECKING:
    from righthand.config import Settings
    from righthand.store.uow import Database

ALL = {"all_workspaces": True}


@dataclass(frozen=True)
class Account:
    """A calendar server to sync with: the address (no credentials in it), the login, and
    whose it is (``own``: the workspace's, typed by the client; else the administrator's)."""

    url: str
    username: str = ""
    password: str = field(default="", repr=False)
    own: bool = False

    @property
    def shown(self) -> str:
        """The address without query or fragment (safe to show)."""
        return shown(self.url)


def shown(url: str) -> str:
    """``url`` without credentials, query or fragment (safe to show or audit)."""
    parts = urlsplit(url)
    host = f"{parts.hostname or ''}:{parts.port}" if parts.port else parts.hostname or ""
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def from_environment(settings: Settings) -> Account | None:
    """The administrator's RIGHTHAND_CALDAV_URL (``https://user:password@host/dav/``)."""
    url = settings.caldav_url or ""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return Account(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
                   unquote(parts.username) if parts.username else "",
                   unquote(parts.password) if parts.password else "", own=False)


def _own(row: CalDavAccount) -> Account:
    return Account(row.url, row.username or "", row.password or "", own=True)


def account(session: Session) -> CalDavAccount | None:
    """The workspace's own CalDAV account row, if any (the session is the workspace's)."""
    return session.scalars(select(CalDavAccount)).first()


def resolve(session: Session, settings: Settings) -> Account | None:
    """The calendar server of the session's workspace: its own account, else the
    administrator's, else None (no two-way sync)."""
    row = account(session)
    return _own(row) if row is not None else from_environment(settings)


def resolve_all(db: Database, settings: Settings,
                workspace_id: int | None = None) -> Iterator[tuple[int, Account]]:
    """(workspace, account) for ``workspace_id`` or every workspace that has a calendar
    server; read in one short transaction, before any network I/O."""
    with db.unit(None, write=False) as session:
        query = select(Workspace.id).order_by(Workspace.id)
        if workspace_id is not None:
            query = query.where(Workspace.id == workspace_id)
        ids = list(session.scalars(query))
        own = {row.workspace_id: _own(row) for row in session.scalars(
            select(CalDavAccount).execution_options(**ALL))}
    fallback = from_environment(settings)
    found = [(ws_id, own.get(ws_id) or fallback) for ws_id in ids]
    yield from ((ws_id, acct) for ws_id, acct in found if acct is not None)


def any_configured(db: Database, settings: Settings) -> bool:
    """True when some workspace has a calendar server (the worker then schedules the sync)."""
    if settings.caldav_url:
        return True
    with db.unit(None, write=False) as session:
        return session.scalars(select(CalDavAccount.id).limit(1)
                               .execution_options(**ALL)).first() is not None


def guard(acct: Account) -> None:
    """BadInput unless the client's own server may be reached (``righthand.netguard``: every
    address public, or allowed by the administrator); the administrator's is not checked."""
    if acct.own:
        netguard.check_url(acct.url, what="calendar server")


def check_address(url: str) -> str:
    """A client-typed CalDAV address, or BadInput saying what is wrong with it."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a bad port
    except ValueError as exc:
        raise BadInput(f"{url!r} is not a calendar address (bad port)") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BadInput(f"{url!r} is not an http(s) address",
                       hint="Give the calendar server's address, e.g. "
                            "https://dav.example.com/cal/pat/.")
    if parts.username or parts.password:
        raise BadInput("the calendar address may not carry a user name or password",
                       hint="Put them in the user name and password fields.")
    if parts.fragment:
        raise BadInput("the calendar address may not have a #fragment")
    return url


def save(session: Session, workspace_id: int, url: str, username: str,
         password: str | None, now: datetime, actor: str = "client") -> CalDavAccount | None:
    """Set the workspace's own calendar server (audited without the password; a None or empty
    password keeps the stored one). An empty ``url`` removes the account: the workspace goes
    back to the administrator's server, if any."""
    row = account(session)
    if not url.strip():
        if row is not None:
            session.delete(row)
            session.flush()
            audit.append(session, workspace_id, actor, "calendar.account_removed", "caldav",
                         {}, at=now)
        return None
    url = check_address(url)
    if row is None:
        row = CalDavAccount(workspace_id=workspace_id, url=url, created_at=now, updated_at=now)
        session.add(row)
    row.url = url
    row.username = username.strip() or None
    if password:
        row.password = password
    row.updated_at = now
    session.flush()
    audit.append(session, workspace_id, actor, "calendar.account_saved", shown(url),
                 {"url": shown(url), "username": row.username or "",
                  "password_changed": bool(password)}, at=now)
    return row
