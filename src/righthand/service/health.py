"""Connection health: what is wrong with a workspace's connections, in plain words.

Background work records every failure and every success of a connector here
(``connection_health``, one row per workspace and connector). :func:`problems` turns the failing
rows -- and outbox entries that need the client -- into sentences the client can act on; the
``righthand status`` command, the web Today page and the digest show them. A connection that
works again clears its problem by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.errors import ClientMustAct, DiskFull, RighthandError
from righthand.store.tables import ConnectionHealth, OutboxRow
from righthand.store.uow import Database

log = logging.getLogger(__name__)

# What each connector does for the client, and what the client can do when it fails for a while.
WHAT: dict[str, str] = {
    "smtp": "Outgoing mail",
    "imap": "Reading your inbox",
    "caldav": "Calendar sync",
    "database": "Saving work",
    "disk": "Saving files",
    "sms": "Texts to your phone",
}
WAIT_HINT: dict[str, str] = {
    "smtp": "Nothing, if it clears up soon: queued mail goes out by itself. If it lasts, check "
            "that the mail server is up and its settings are right (`righthand mail setup`).",
    "imap": "Nothing, if it clears up soon: new mail is read by itself when the mailbox answers. "
            "If it lasts, check the mailbox settings (`righthand mail setup`).",
    "caldav": "Nothing, if it clears up soon: changes on either side are kept and synced when "
              "the calendar server answers. If it lasts, check the calendar server.",
    "database": "Nothing, if it clears up soon: work is retried. If it lasts, check that the "
                "database server is running.",
    "disk": "Free some disk space on the server; the work is retried once there is room.",
    "sms": "Nothing, if it clears up soon: waiting texts go out by themselves when the "
           "carrier answers. If it lasts, check the phone settings (Settings > Connections).",
}


@dataclass(frozen=True)
class Problem:
    """One thing the client should know about, what to do about it, and since when."""

    text: str
    what_to_do: str
    since: datetime | None
    connector: str = ""


def _row(session: Session, connector: str) -> ConnectionHealth | None:
    return session.scalar(select(ConnectionHealth).where(ConnectionHealth.connector == connector))


def record_failure(session: Session, workspace_id: int, connector: str,
                   error: RighthandError | str, now: datetime) -> None:
    """Note that ``connector`` failed for this workspace (keeps the first 'since')."""
    message = error if isinstance(error, str) else error.message
    if isinstance(error, ClientMustAct | DiskFull):
        todo = error.hint
    else:
        todo = WAIT_HINT.get(connector, "Nothing, if it clears up soon: the work is retried.")
    what = WHAT.get(connector, connector)
    text = f"{what} is not working: {message}"[:2000]
    row = _row(session, connector)
    if row is None:
        row = ConnectionHealth(workspace_id=workspace_id, connector=connector, failures=0,
                               checked_at=now)
        session.add(row)
    if row.status != "failing":
        row.since = now
        row.failures = 0
    row.status, row.problem, row.what_to_do = "failing", text, todo
    row.failures += 1
    row.checked_at = now


def record_ok(session: Session, workspace_id: int, connector: str, now: datetime) -> None:
    """Note that ``connector`` works for this workspace: its problem, if any, is over."""
    row = _row(session, connector)
    if row is None or row.status == "ok":
        return  # nothing to clear: spare the write (this runs after every delivery)
    row.status, row.problem, row.what_to_do, row.since = "ok", None, None, None
    row.failures, row.last_ok_at, row.checked_at = 0, now, now


def note(db: Database, workspace_id: int, connector: str, error: RighthandError | str | None,
         now: datetime) -> None:
    """Record a failure (``error``) or a success (None) in a unit of its own; never raises --
    when the database itself is down there is nowhere to write, and the caller's retry stands."""
    try:
        with db.unit(workspace_id) as session:
            if error is None:
                record_ok(session, workspace_id, connector, now)
            else:
                record_failure(session, workspace_id, connector, error, now)
    except Exception as exc:
        log.warning("could not record %s health for workspace %s: %s", connector,
                    workspace_id, exc)


# Built once: the Today page asks them on every view.
_FAILING = (select(ConnectionHealth).where(ConnectionHealth.status == "failing")
            .order_by(ConnectionHealth.since))
_RETRYING = select(func.count(), func.min(OutboxRow.created_at)).where(
    OutboxRow.status == "pending", OutboxRow.last_error.is_not(None))
_UNCERTAIN = select(func.count(), func.min(OutboxRow.finished_at)).where(
    OutboxRow.status == "uncertain")


def problems(session: Session, *, outbox: bool = True) -> list[Problem]:
    """The current problems of the session's workspace, oldest first, in plain words
    (``outbox=False``: the connections' only, for a page that counts the outbox itself)."""
    found: list[Problem] = []
    for row in session.scalars(_FAILING):
        found.append(Problem(row.problem or f"{WHAT.get(row.connector, row.connector)} is not "
                             "working.", row.what_to_do or "", row.since, row.connector))
    if not outbox:
        return found
    waiting = session.execute(_RETRYING).one()
    if waiting[0]:
        found.append(Problem(f"{waiting[0]} action(s) are waiting to be delivered after a failed "
                             "attempt; nothing is lost.",
                             "Nothing: they are retried by themselves (`righthand outbox list` "
                             "shows them).", waiting[1], "outbox"))
    uncertain = session.execute(_UNCERTAIN).one()
    if uncertain[0]:
        found.append(Problem(f"{uncertain[0]} message(s) may or may not have arrived: the "
                             "connection broke while they were being handed over.",
                             "Check with the recipients, then `righthand outbox resend ID` or "
                             "`righthand outbox mark-sent ID`.", uncertain[1], "outbox"))
    return found
